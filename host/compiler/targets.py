"""The compute units of a SoC config, as compiler targets: the host core, and the first unit of
each accelerator kind the config lists whose plug-in declares a target."""

from __future__ import annotations

from functools import lru_cache

from ..accel.cpu.target import CpuTarget
from ..accel.target import Target
from ..spec.accelerators import load_reference
from ..spec.config import SocConfig

__all__ = ["targets"]


@lru_cache(maxsize=8)
def targets(config: SocConfig) -> dict[str, Target]:
    """``{"cpu": ..., <kind>: ...}`` for `config`, each accelerator's target loaded from its
    plug-in (`hetsoc.spec.accelerators.Plugin.target`). A config's second unit of a kind gets
    no layers yet: one unit runs at a time."""
    found: dict[str, Target] = {"cpu": CpuTarget(config)}
    for slot in config.accelerators:
        if slot.kind not in found and slot.plugin.target is not None:
            found[slot.kind] = load_reference(slot.plugin.target)(config)
    return found
