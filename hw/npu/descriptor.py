"""The NPU's layer descriptor: one `data.StructLayout` shared by the gateware and the host.

The register page (:mod:`.regs`) holds the descriptor as ``DESC_WORDS`` little-endian 32-bit
words (bit ``i`` of the packed struct is bit ``i % 32`` of word ``i // 32``);
:func:`pack_descriptor` builds those words from field values with this very layout, so the
host encoder (`hetsoc.npu`) and the hardware cannot disagree on a bit position.

Addresses are byte offsets inside L1 (activations) or word indices inside the NPU's weight
memory (one word = ``rows`` bytes). Strides are in bytes, so NCHW, a channel slice of a larger
tensor, or a dense layer's ``(N, K)`` matrix (``in_c = K``, ``in_h = N``, ``in_w = 1``,
``in_cs = 1``, ``in_rs = K``) are all the same loop nest.
"""

from __future__ import annotations

import enum

from amaranth import signed
from amaranth.lib import data

from ..periph.regmap import NPU_DESC_WORDS

__all__ = ["DESCRIPTOR", "DESC_WORDS", "Op", "NpuError", "pack_descriptor", "MAX_KERNEL"]

#: Largest kernel side the sequencer accepts.
MAX_KERNEL = 7


class Op(enum.IntEnum):
    """Descriptor ``op`` codes."""

    CONV = 0       # conv2d, groups = 1
    DEPTHWISE = 1  # conv2d, groups = channels (in_c == out_k)
    DENSE = 2      # dense: conv2d on a 1-pixel-wide image, see the module docstring
    ADD = 3        # residual add of two int8 vectors of ``length`` bytes


class NpuError(enum.IntEnum):
    """Codes in STATUS bits 8-15 when a descriptor is rejected (nothing is read or written)."""

    NONE = 0
    KERNEL = 1     # kernel side 0 or above MAX_KERNEL
    STRIDE = 2     # stride not 1 or 2
    SHAPE = 3      # an empty dimension, pads >= kernel, or output shape not reachable
    INPUT = 4      # input tensor (or add operand a) extends past the end of L1
    OUTPUT = 5     # output tensor extends past the end of L1
    WEIGHTS = 6    # weights and per-channel parameters extend past the weight memory
    ALIGN = 7      # add operands not aligned to the L1 port width
    CHANNELS = 8   # depthwise with in_c != out_k, or dense with in_w != 1
    OTHER = 9      # add operand b extends past the end of L1


DESCRIPTOR = data.StructLayout({
    "op": 2,
    "kh": 3, "kw": 3,
    "stride": 2,
    "pad_t": 3, "pad_l": 3, "pad_b": 3, "pad_r": 3,
    "x_zp": signed(8), "y_zp": signed(8), "y_min": signed(8), "y_max": signed(8),
    "in_base": 24, "in_c": 12, "in_h": 10, "in_w": 10, "in_cs": 24, "in_rs": 16,
    "out_base": 24, "out_k": 12, "out_h": 10, "out_w": 10, "out_cs": 24, "out_rs": 16,
    "w_base": 16,
    # add only: a = in_base, y = out_base, zero points x_zp (a) and b_zp
    "b_base": 24, "b_zp": signed(8), "a_mult": 32, "b_mult": 32, "add_shift": 6, "length": 24,
    # conv/depthwise/dense with out_w <= cols / 2: two output rows per tile (upper half columns)
    "fold": 1,
})

#: 32-bit registers holding the descriptor.
DESC_WORDS = (DESCRIPTOR.size + 31) // 32
assert DESC_WORDS == NPU_DESC_WORDS, "the NPU's register page (regmap.NPU) must hold the descriptor"

_SIGNED8 = ("x_zp", "y_zp", "y_min", "y_max", "b_zp")


def pack_descriptor(**fields) -> list[int]:
    """Pack field values into the descriptor's 32-bit register words.

    Parameters
    ----------
    **fields : int
        Any of the layout's fields; the rest are 0. The int8 fields (zero points and clamp
        bounds) take values in [-128, 127], the others non-negative values that fit.

    Returns
    -------
    list of int
        ``DESC_WORDS`` words, word 0 first.
    """
    value = 0
    for name, v in fields.items():
        try:
            field = DESCRIPTOR[name]
        except KeyError:
            raise ValueError(f"field must be one of {', '.join(n for n, _ in DESCRIPTOR)}, "
                             f"not {name!r}") from None
        if not isinstance(v, int):
            raise TypeError(f"{name} must be an int, not {v!r}")
        width = field.width
        if name in _SIGNED8:
            if not -128 <= v <= 127:
                raise ValueError(f"{name} must be in [-128, 127], not {v!r}")
            v &= 0xFF
        elif not 0 <= v < 1 << width:
            raise ValueError(f"{name} must be in [0, {(1 << width) - 1}], not {v!r}")
        value |= v << field.offset
    return [(value >> (32 * i)) & 0xFFFF_FFFF for i in range(DESC_WORDS)]
