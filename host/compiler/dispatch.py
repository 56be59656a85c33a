"""dispatch: choose the unit of every layer, from the strategy and an overrides file.

Strategies (`STRATEGIES`): ``cpu`` runs every layer on the host; ``npu`` runs every layer the
NPU supports on the NPU and the rest on the host; ``cim`` runs every ternary conv2d and dense
layer the CIM supports on the CIM and the rest on the host (a model with no such layer is
refused: the strategy would be ``cpu``). An overrides file pins layers to units:

    # overrides.toml
    [layers]
    conv1 = "cpu"
    dense22 = "npu"

A layer that no unit runs, or that is pinned to a unit that cannot run it, is a `CompileError`
naming the layer and every unit's reason.
"""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path

from .plan import STRATEGIES, UNITS, CompileError, Plan
from .targets import plan_targets

__all__ = ["dispatch", "load_overrides", "PREFERENCE"]

#: Units each strategy tries, in order.
PREFERENCE = {"cpu": ("cpu",), "npu": ("npu", "cpu"), "cim": ("cim", "cpu")}


def load_overrides(path: str | Path) -> dict[str, str]:
    """Read an overrides file (TOML, one ``[layers]`` table of layer name -> unit).

    Raises
    ------
    CompileError
        One line naming the file and what is wrong with it.
    """
    path = Path(path)
    if path.is_dir():
        raise CompileError(f"overrides file {str(path)!r} is a directory: give a .toml file")
    if not path.is_file():
        raise CompileError(f"overrides file {str(path)!r} does not exist")
    try:
        raw = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise CompileError(f"overrides file {str(path)!r} is not valid TOML: "
                           f"{str(e).splitlines()[0]}") from None
    extra = sorted(set(raw) - {"layers"})
    if extra:
        raise CompileError(f"overrides file {str(path)!r}: unknown key {extra[0]!r} (it holds "
                           f"one [layers] table of layer = \"unit\")")
    layers = raw.get("layers", {})
    if not isinstance(layers, dict):
        raise CompileError(f"overrides file {str(path)!r}: [layers] must be a table of "
                           f"layer = \"unit\", not {layers!r}")
    for name, unit in layers.items():
        if unit not in UNITS:
            raise CompileError(f"overrides file {str(path)!r}: layer {name!r} must be pinned "
                               f"to one of {', '.join(UNITS)}, not {unit!r}")
    return dict(layers)


def dispatch(plan: Plan) -> Plan:
    """Set every layer's unit (aliases have none: they run no code)."""
    if plan.strategy not in STRATEGIES:
        raise CompileError(f"unknown strategy {plan.strategy!r}: choose one of "
                           f"{', '.join(STRATEGIES)}")
    names = {layer.name for layer in plan.layers}
    unknown = sorted(set(plan.overrides) - names)
    if unknown:
        raise CompileError(f"overrides: model {plan.name!r} has no layer {unknown[0]!r} "
                           f"(see `hetsoc inspect {plan.name}` for the layer names)")
    units = plan_targets(plan)
    nodes = {n.name: n for n in plan.graph.nodes}
    layers = []
    for layer in plan.layers:
        if layer.alias:
            if layer.name in plan.overrides:
                raise CompileError(f"overrides: layer {layer.name!r} is a reshape that runs "
                                   f"no code; it cannot be pinned to a unit")
            layers.append(layer)
            continue
        node = nodes[layer.name]
        pinned = plan.overrides.get(layer.name)
        order = (pinned,) if pinned else PREFERENCE[plan.strategy]
        refused = {}
        for unit in order:
            if unit not in units:
                refused[unit] = f"config {plan.config.name!r} has no {unit}"
                continue
            verdict = units[unit].supports(plan.graph, node)
            if verdict.ok:
                layers.append(dataclasses.replace(layer, unit=unit, refused=refused,
                                                  pinned=bool(pinned)))
                break
            refused[unit] = verdict.reason
        else:
            reasons = "; ".join(f"{u}: {r}" for u, r in refused.items())
            if pinned:
                raise CompileError(f"overrides: layer {layer.name!r} ({layer.op}) is pinned to "
                                   f"the {pinned}, which cannot run it: {reasons}")
            raise CompileError(f"layer {layer.name!r} ({layer.op}): no unit runs it ({reasons})")
    if plan.strategy == "cim" and not any(la.unit == "cim" or la.pinned for la in layers):
        if "cim" not in units:
            raise CompileError(f"strategy cim: config {plan.config.name!r} has no cim")
        raise CompileError(f"strategy cim: model {plan.name!r} has no layer the CIM runs (a "
                           f"ternary conv2d or dense layer); use --strategy cpu or npu")
    return dataclasses.replace(plan, layers=tuple(layers))
