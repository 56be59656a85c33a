"""The NPU's register page: descriptor words, control, status, interrupt, counters, weights.

In the style of :mod:`hetsoc.hw.periph.regmap` (the same `Register`/`Peripheral` tables, so the
C header generator can take the page as it is); integrating the NPU is adding `NPU_REGS` to the
decoder's peripheral list (docs/npu.md, "Integration"). The page index is a placeholder until
then.
"""

from __future__ import annotations

from ..periph.regmap import Peripheral, Register
from .descriptor import DESC_WORDS

__all__ = ["NPU_REGS", "NPU_PAGE_INDEX", "STATUS_BUSY", "STATUS_DONE", "STATUS_ERROR"]

#: Proposed page of the peripheral window (after timer, console, finisher, DMA).
NPU_PAGE_INDEX = 4
STATUS_BUSY, STATUS_DONE, STATUS_ERROR = 1, 2, 4

NPU_REGS = Peripheral("npu", NPU_PAGE_INDEX, (
    *(Register(f"DESC{k}", 4 * k, "rw", f"descriptor word {k} (hetsoc.hw.npu.descriptor)")
      for k in range(DESC_WORDS)),
    Register("CTRL", 0x40, "w", "write bit 0 = 1: start the layer in DESC* (ignored while busy)"),
    Register("STATUS", 0x44, "r", "bit 0 busy, bit 1 done, bit 2 error; bits 8-11 error code "
                                  "(NpuError) of a rejected descriptor"),
    Register("IRQ", 0x48, "rw", "pending events, bit 0 done, bit 1 error; write 1s to clear"),
    Register("IRQ_EN", 0x4C, "rw", "events that raise the NPU interrupt"),
    Register("BUSY_CYCLES", 0x50, "r", "cycles of the last layer, start to done"),
    Register("STALL_CYCLES", 0x54, "r", "cycles of it spent waiting on L1"),
    Register("MACS", 0x58, "r", "multiply-accumulates of the last layer"),
    Register("WMEM_ADDR", 0x5C, "rw", "weight memory word index for WMEM_DATA; reset by writing"),
    Register("WMEM_DATA", 0x60, "w", "next 4 bytes of the weight word at WMEM_ADDR; the word "
                                     "is written, and WMEM_ADDR advances, after rows/4 writes"),
), "digital NPU: layer descriptor, start/status, interrupt, counters, weight loading")
