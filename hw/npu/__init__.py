"""The digital NPU (docs/npu.md): an int8 PE array for conv2d, depthwise, dense and add."""

from .core import NpuCore
from .npu import Npu
from .port import NpuL1Signature
from .regs import NPU_REGS

__all__ = ["NPU_REGS", "Npu", "NpuCore", "NpuL1Signature"]
