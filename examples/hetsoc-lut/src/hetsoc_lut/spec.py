"""The LUT unit's spec: pure data shared by its gateware, its driver's C header and its host
side (stdlib, ``amaranth.lib.data``/``enum`` and ``hetsoc.spec`` only).

One descriptor translates ``count`` int8 bytes at L1 offset ``src`` through a 256-entry table
into ``dst``: ``dst[i] = table[src[i] as uint8]``, the way a quantized network evaluates an
elementwise activation (sigmoid, tanh, GELU, hard-swish ...) whose input and output are int8.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from amaranth.lib import data

from hetsoc.spec.accelerators import AcceleratorSpec, Plugin
from hetsoc.spec.page import UNIT_BASE, protocol_registers
from hetsoc.spec.regmap import Register

__all__ = ["DESCRIPTOR", "DESC_WORDS", "LUT_REGISTERS", "PLUGIN", "SPEC", "TABLE_ENTRIES",
           "LutError", "LutParams"]

#: One descriptor: word 0 ``src``, word 1 ``dst``, word 2 ``count``.
DESCRIPTOR = data.StructLayout({
    "src": 32,     # L1 byte offset of the input, a multiple of the port's bytes
    "dst": 32,     # L1 byte offset of the output, likewise; dst == src translates in place
    "count": 32,   # bytes to translate, at least 1
})
DESC_WORDS = DESCRIPTOR.size // 32

#: Entries of the table: one per int8 input value, indexed by the input as uint8.
TABLE_ENTRIES = 256


class LutError(enum.IntEnum):
    """The code of a refused descriptor (nothing is read or written)."""

    NONE = 0
    EMPTY = 1      # count is 0
    ALIGN = 2      # src or dst is not a multiple of the port's bytes
    WINDOW = 3     # src + count or dst + count is beyond L1
    OVERLAP = 4    # the output overlaps the input without being it: the engine reads ahead


LUT_REGISTERS = (
    *protocol_registers(DESC_WORDS, "bytes translated"),
    Register("TABLE_INDEX", UNIT_BASE, "rw", "index of the next table entry TABLE_DATA writes "
                                             "(0-255)"),
    Register("TABLE_DATA", UNIT_BASE + 0x04, "w", "entries TABLE_INDEX .. +3, byte 0 first; "
                                                  "TABLE_INDEX advances by 4 (ignored while "
                                                  "busy)"),
)


@dataclass(frozen=True)
class LutParams:
    """An ``[[accelerator]]`` table of kind ``lut``: ``lanes`` bytes per L1 access, each
    translated by its own read port of the table."""

    lanes: int = 8


def _check(p: LutParams) -> str | None:
    if not isinstance(p.lanes, int) or isinstance(p.lanes, bool) or p.lanes not in (8, 16, 32):
        return f"lanes must be 8, 16 or 32, not {p.lanes!r}"
    return None


SPEC = AcceleratorSpec(
    kind="lut", params=LutParams, registers=lambda p: LUT_REGISTERS,
    l1_port_bits=lambda p: 8 * p.lanes, check=_check,
    doc="int8 lookup-table activation (Verilog engine): count bytes src -> dst through a "
        "256-entry table",
    desc_words=DESC_WORDS, enums={"ERROR": LutError}, descriptor=DESCRIPTOR)

PLUGIN = Plugin(spec="hetsoc_lut.spec:SPEC", gateware="hetsoc_lut.hw.unit:LutUnit.for_slot",
                drivers=("hetsoc_lut:c/lut.c",), hdl=("hetsoc_lut:rtl/hetsoc_lut_engine.v",),
                cases="hetsoc_lut.testgen:conformance_cases")
