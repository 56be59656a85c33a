"""The NPU's register page (the table lives in :mod:`hetsoc.hw.periph.regmap` with every other
page, so the decoder, the C header and this unit share one copy) and its status bits."""

from __future__ import annotations

from ..periph.regmap import NPU as NPU_REGS

__all__ = ["NPU_REGS", "NPU_PAGE_INDEX", "STATUS_BUSY", "STATUS_DONE", "STATUS_ERROR"]

#: Page of the peripheral window.
NPU_PAGE_INDEX = NPU_REGS.index
STATUS_BUSY, STATUS_DONE, STATUS_ERROR = 1, 2, 4
