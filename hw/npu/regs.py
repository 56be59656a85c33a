"""The NPU's register page (the table lives in :mod:`hetsoc.spec.npu`, so the decoder, the C
header and this unit share one copy; its STATUS bits are the protocol's, `hetsoc.spec.page`)."""

from __future__ import annotations

from ...spec.npu import NPU_REGISTERS, NPU_SPEC
from ...spec.regmap import Peripheral

__all__ = ["NPU_REGS"]

#: The page of a standalone NPU (in a SoC each slot's page carries its own name and index).
NPU_REGS = Peripheral("npu", 0, NPU_REGISTERS, NPU_SPEC.doc)
