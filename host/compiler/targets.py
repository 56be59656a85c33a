"""The compute units of a SoC config, as compiler targets: the host core, and the first unit of
each accelerator kind the config lists whose plug-in declares a target. A compile's unit
options (``Plan.unit_options``: kind -> keyword arguments of its target, the CIM's
``noise_sigma``) make targets of their own (`plan_targets`)."""

from __future__ import annotations

from functools import lru_cache

from ..accel.cpu.target import CpuTarget
from ..accel.target import Target
from ..spec.accelerators import load_reference
from ..spec.config import SocConfig

__all__ = ["plan_targets", "targets"]


@lru_cache(maxsize=8)
def targets(config: SocConfig, options: tuple = ()) -> dict[str, Target]:
    """``{"cpu": ..., <kind>: ...}`` for `config`, each accelerator's target loaded from its
    plug-in (`hetsoc.spec.accelerators.Plugin.target`) and built with its options
    (``((kind, ((name, value), ...)), ...)``). A config's second unit of a kind gets no layers
    yet: one unit runs at a time."""
    kw = {kind: dict(items) for kind, items in options}
    found: dict[str, Target] = {"cpu": CpuTarget(config)}
    for slot in config.accelerators:
        if slot.kind not in found and slot.plugin.target is not None:
            found[slot.kind] = load_reference(slot.plugin.target)(config,
                                                                  **kw.get(slot.kind, {}))
    return found


def plan_targets(plan) -> dict[str, Target]:
    """The targets of a plan: its config's, with its unit options."""
    return targets(plan.config, tuple(sorted((kind, tuple(sorted(o.items())))
                                             for kind, o in plan.unit_options.items())))
