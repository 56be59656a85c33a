"""The digital NPU (docs/npu.md): an int8 PE array for conv2d, depthwise, dense and add."""

from .core import PARAM_WORDS, NpuCore
from .descriptor import DESC_WORDS, DESCRIPTOR, MAX_KERNEL, NpuError, Op, pack_descriptor
from .npu import Npu
from .port import NpuL1Signature
from .regs import NPU_REGS

__all__ = ["DESCRIPTOR", "DESC_WORDS", "MAX_KERNEL", "NPU_REGS", "Npu", "NpuCore", "NpuError",
           "NpuL1Signature", "Op", "PARAM_WORDS", "pack_descriptor"]
