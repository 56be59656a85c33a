"""The NPU's layer descriptor: one `data.StructLayout` shared by the gateware and the host.

The register page (:mod:`hetsoc.hw.npu.regs`) holds the descriptor as ``DESC_WORDS``
little-endian 32-bit words (bit ``i`` of the packed struct is bit ``i % 32`` of word ``i // 32``);
:func:`pack_descriptor` builds those words from field values with this very layout, so the
host encoder (`hetsoc.npu`) and the hardware cannot disagree on a bit position.

Addresses are byte offsets inside L1 (activations) or word indices inside the NPU's weight
memory (one word = ``rows`` bytes). Strides are in bytes, so NCHW, a channel slice of a larger
tensor, or a dense layer's ``(N, K)`` matrix (``in_c = K``, ``in_h = N``, ``in_w = 1``,
``in_cs = 1``, ``in_rs = K``) are all the same loop nest.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from amaranth import signed
from amaranth.lib import data

from .accelerators import AcceleratorSpec, Plugin
from .pack import pack, words
from .page import UNIT_BASE, protocol_registers
from .regmap import Register

__all__ = ["DESCRIPTOR", "DESC_WORDS", "GEOMETRY", "MAX_KERNEL", "NPU_REGISTERS", "NPU_SPEC",
           "PARAM_WORDS", "PLUGIN", "NpuError", "NpuParams", "Op", "pack_descriptor"]

#: Weight-memory words of per-channel parameters at the start of every block of ``rows``
#: output channels: 4 words of int32 biases, 4 of multipliers, 1 of shifts (one byte each).
PARAM_WORDS = 9

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
    return words(pack(DESCRIPTOR, fields), DESC_WORDS)


#: The NPU's register page: the accelerator protocol (`hetsoc.spec.page`), then its own.
NPU_REGISTERS = (
    *protocol_registers(DESC_WORDS, "multiply-accumulates"),
    Register("WMEM_ADDR", UNIT_BASE, "rw", "weight memory word index for WMEM_DATA; reset by "
                                           "writing"),
    Register("WMEM_DATA", UNIT_BASE + 0x04, "w", "next 4 bytes of the weight word at WMEM_ADDR; "
                                                 "the word is written, and WMEM_ADDR advances, "
                                                 "after rows/4 writes"),
    Register("GEOMETRY", UNIT_BASE + 0x08, "r", "bits 0-15 rows (bytes per weight word), bits "
                                                "16-31 cols"),
    Register("WMEM_WORDS", UNIT_BASE + 0x0C, "r", "words of the weight memory"),
)

#: GEOMETRY, so one driver serves NPUs of any size.
GEOMETRY = data.StructLayout({"rows": 16, "cols": 16})


@dataclass(frozen=True)
class NpuParams:
    """An ``[[accelerator]]`` table of kind ``npu``: a ``rows`` x ``cols`` PE array (``rows``
    output channels by ``cols`` output pixels per tile) and a weight memory of
    ``weight_memory`` bytes."""

    rows: int
    cols: int
    weight_memory: int


def _check(p: NpuParams) -> str | None:
    for name in ("rows", "cols", "weight_memory"):
        v = getattr(p, name)
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            return f"{name} must be a positive integer, not {v!r}"
    if p.rows % 4:
        return f"rows must be a multiple of 4 (WMEM_DATA writes 4 bytes), not {p.rows!r}"
    if p.cols & (p.cols - 1) or p.cols < 4:
        return f"cols must be a power of two of at least 4 (its L1 port), not {p.cols!r}"
    if p.weight_memory & (p.weight_memory - 1) or p.weight_memory < p.rows:
        return f"weight_memory must be a power of two of at least rows bytes, " \
               f"not {p.weight_memory!r}"
    return None


NPU_SPEC = AcceleratorSpec(
    kind="npu", params=NpuParams, registers=lambda p: NPU_REGISTERS,
    # one row segment of 2 * cols int8 pixels per cycle
    l1_port_bits=lambda p: 16 * p.cols, check=_check,
    doc="digital NPU: layer descriptor, start/status, interrupt, counters, weight loading",
    desc_words=DESC_WORDS, fields={"GEOMETRY": GEOMETRY}, enums={"ERROR": NpuError},
    descriptor=DESCRIPTOR,
    # the weight memory, byte for byte (word i at bytes [i * rows, (i + 1) * rows))
    dma_sink=lambda p: p.weight_memory)

PLUGIN = Plugin(spec="hetsoc.spec.npu:NPU_SPEC", gateware="hetsoc.hw.npu.npu:Npu.for_slot",
                target="hetsoc.accel.npu.target:NpuTarget",
                drivers=("hetsoc.sw:drivers/npu.c",),
                cases="hetsoc.accel.npu.testgen:conformance_cases")
