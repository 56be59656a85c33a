"""The DMA's descriptor encoder: a :class:`Transfer` in Python terms packed into the eight
words the firmware or a testbench writes to ``DESC0..7``, from the same ``data.Struct``
(:class:`~hetsoc.hw.dma.descriptor.Descriptor`) the gateware decodes."""

from __future__ import annotations

from dataclasses import dataclass

from ...hw.dma.descriptor import DESCRIPTOR_WORDS, Descriptor

__all__ = ["Transfer", "decode", "encode"]

_FIELDS = dict(Descriptor.as_shape())


@dataclass(frozen=True)
class Transfer:
    """A 3-D transfer in Python terms (see :class:`~hetsoc.hw.dma.descriptor.Descriptor`)."""

    src: int
    dst: int
    row_bytes: int
    rows: int = 1
    planes: int = 1
    src_row_stride: int = 0
    src_plane_stride: int = 0
    dst_row_stride: int = 0
    dst_plane_stride: int = 0
    tag: int = 0

    @property
    def nbytes(self) -> int:
        return self.row_bytes * self.rows * self.planes


def encode(transfer: Transfer) -> list[int]:
    """Pack a transfer into the descriptor's eight 32-bit words (``DESC0`` first).

    Raises
    ------
    ValueError
        If a field does not fit its width in the descriptor.
    """
    if not isinstance(transfer, Transfer):
        raise TypeError(f"transfer must be a Transfer, not {transfer!r}")
    values = {}
    for name, field in _FIELDS.items():
        value = getattr(transfer, name)
        width = field.width
        if not isinstance(value, int) or not 0 <= value < 1 << width:
            raise ValueError(f"{name} must be an integer in [0, 2**{width}), not {value!r}")
        values[name] = value
    bits = Descriptor.const(values).as_value().value
    return [(bits >> (32 * i)) & 0xFFFF_FFFF for i in range(DESCRIPTOR_WORDS)]


def decode(words) -> Transfer:
    """Inverse of :func:`encode`."""
    words = list(words)
    if len(words) != DESCRIPTOR_WORDS:
        raise ValueError(f"words must be {DESCRIPTOR_WORDS} 32-bit words, not {len(words)}")
    bits = sum((w & 0xFFFF_FFFF) << (32 * i) for i, w in enumerate(words))
    return Transfer(**{name: (bits >> f.offset) & ((1 << f.width) - 1)
                       for name, f in _FIELDS.items()})
