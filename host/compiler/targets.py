"""The compute units of a SoC config, as compiler targets."""

from __future__ import annotations

from functools import lru_cache

from ..accel.cim.target import CimTarget
from ..accel.cpu.target import CpuTarget
from ..accel.npu.target import NpuTarget
from ..accel.target import Target
from ..config import SocConfig

__all__ = ["targets"]


@lru_cache(maxsize=8)
def targets(config: SocConfig) -> dict[str, Target]:
    """``{"cpu": ..., "npu": ..., "cim": ...}`` for `config` (every SoC has all three)."""
    return {t.name: t for t in (CpuTarget(config), NpuTarget(config), CimTarget(config))}
