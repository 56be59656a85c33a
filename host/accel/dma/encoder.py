"""The DMA's descriptor encoder: a :class:`Transfer` in Python terms packed into the eight
words the firmware or a testbench writes to ``DESC0..7``, from the same ``data.Struct``
(:class:`~hetsoc.spec.dma.Descriptor`) the gateware decodes."""

from __future__ import annotations

from dataclasses import dataclass

from ...spec.dma import DESCRIPTOR_WORDS, Descriptor
from ...spec.pack import pack, unpack, words

__all__ = ["Transfer", "decode", "encode"]

_FIELDS = dict(Descriptor.as_shape())


@dataclass(frozen=True)
class Transfer:
    """A 3-D transfer in Python terms (see :class:`~hetsoc.spec.dma.Descriptor`)."""

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
    values = {name: getattr(transfer, name) for name in _FIELDS}
    return words(pack(Descriptor, values, what="DMA descriptor"), DESCRIPTOR_WORDS)


def decode(words) -> Transfer:
    """Inverse of :func:`encode`."""
    words = list(words)
    if len(words) != DESCRIPTOR_WORDS:
        raise ValueError(f"words must be {DESCRIPTOR_WORDS} 32-bit words, not {len(words)}")
    bits = sum((w & 0xFFFF_FFFF) << (32 * i) for i, w in enumerate(words))
    return Transfer(**unpack(Descriptor, bits))
