"""The compiler: a quantized model to firmware, an L3 image and a manifest, for one SoC config.

`compile_model` runs the passes of `PASSES`, in order; each is a pure function from one stage's
`Plan` to the next (``plan.to_json()`` dumps any stage):

1. `legalize`: the model boundary to the host, clips folded, reshapes aliased, layouts;
2. `dispatch`: a unit per layer, from the strategy and the overrides file;
3. `place`: every layer lowered on its unit; L1, L2 and L3 addresses; the DMA transfers;
4. `codegen`: the C source and the manifest;
5. `build`: the firmware ELF and the files in the output directory.

Every refusal is a one-line `CompileError` naming the layer, what is wrong and the way out.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ..ir import Graph
from ..spec.config import SocConfig, load_config
from .build import OUTPUTS, build, check_out_dir
from .codegen import BUSY_SYMBOL, MARKS_SYMBOL, codegen
from .dispatch import PREFERENCE, dispatch, load_overrides
from .legalize import legalize
from .place import place
from .plan import STRATEGIES, UNITS, CompileError, Plan
from .targets import targets

__all__ = ["BUSY_SYMBOL", "MARKS_SYMBOL", "OUTPUTS", "PASSES", "PASS_NAMES", "PREFERENCE",
           "STRATEGIES", "UNITS", "CompileError", "Plan", "compile_graph", "check_out_dir",
           "load_overrides"]

#: The compiler, in order.
PASSES = (legalize, dispatch, place, codegen, build)
PASS_NAMES = tuple(p.__name__ for p in PASSES)


def compile_graph(graph: Graph, *, config: SocConfig | str = "default", strategy: str = "npu",
                  overrides: dict | str | Path | None = None, unit_options: dict | None = None,
                  out_dir: str | Path | None = None,
                  check_layers: bool = False, until: str | None = None,
                  on_pass=None) -> Plan:
    """Compile an imported model (`hetsoc.onnx_import.import_model`).

    Parameters
    ----------
    graph : hetsoc.ir.Graph
    config : SocConfig or config name
    strategy : {"cpu", "npu"}
    overrides : dict of layer name -> unit, or the path of an overrides TOML file
    unit_options : dict of unit kind -> keyword arguments of its target
        ``{"cim": {"noise_sigma": 1.0}}``: the CIM's noise model on, sigma in ADC LSBs (the
        reference draws the same seeded samples as the hardware).
    out_dir : path, optional
        Where `build` writes its files; without it the compile stops after `codegen`.
    check_layers : bool
        Copy every layer's output to L3 after it runs, so the host can compare each one.
    until : str, optional
        The last pass to run (a name of `PASS_NAMES`).
    on_pass : callable, optional
        ``on_pass(name, plan)`` after every pass (``--dump-after``).

    Raises
    ------
    CompileError
    """
    if not isinstance(graph, Graph):
        raise TypeError(f"graph must be a hetsoc.ir.Graph, not {graph!r}")
    if strategy not in STRATEGIES:
        raise CompileError(f"unknown strategy {strategy!r}: choose one of "
                           f"{', '.join(STRATEGIES)}")
    if until is not None and until not in PASS_NAMES:
        raise CompileError(f"pass must be one of {', '.join(PASS_NAMES)}, not {until!r}")
    config = config if isinstance(config, SocConfig) else load_config(config)
    if overrides is not None and not isinstance(overrides, dict):
        overrides = load_overrides(overrides)
    if out_dir is not None:
        out_dir = check_out_dir(out_dir)
    unit_options = {k: dict(v) for k, v in (unit_options or {}).items()}
    try:
        targets(config, tuple(sorted((k, tuple(sorted(v.items())))
                                     for k, v in unit_options.items())))
    except (TypeError, ValueError, OverflowError) as e:
        raise CompileError(f"unit options {unit_options!r}: {str(e).splitlines()[0]}") from None
    plan = Plan(graph.name, config, strategy, graph, overrides=dict(overrides or {}),
                unit_options=unit_options,
                check_layers=check_layers, out_dir=out_dir)
    last = until or (PASS_NAMES[-1] if out_dir is not None else "codegen")
    for p in PASSES:
        plan = p(plan)
        plan = dataclasses.replace(plan, passes_done=(*plan.passes_done, p.__name__))
        if on_pass is not None:
            on_pass(p.__name__, plan)
        if p.__name__ == last:
            break
    return plan
