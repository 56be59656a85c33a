"""Whole networks on the simulated SoC: cycles and wall seconds per model and strategy.

Every zoo model (or those given) is compiled under each strategy, run on the Verilator SoC on
one seeded input (its L3 image and input loaded by backdoor) and compared with the golden
reference, each in its own simulator process. Figures (one run):

* ``<model>_<strategy>_cycles``: mcycle at the end of the firmware (hardware counter);
* ``<model>_<strategy>_wall_s``: wall seconds of the network's simulation, its own simulator
  process (start-up, about a second, included);
* ``<model>_speedup``: cpu cycles / npu cycles, where both ran; ``<model>_cim_speedup``: cpu
  cycles / cim cycles;
* ``<model>_<strategy>_exact``: 1 when the output (and, with ``--check-layers``, every layer)
  equals the golden reference bit for bit;
* ``<model>_<strategy>_estimate``: the compiler's cycle estimate (its cost models), beside the
  measured cycles.

Usage: ``python bench/networks.py [--models resnet-8,ds-cnn] [--strategies cpu,npu,cim]
[--backend verilator] [--config default] [--check-layers]``. The ``cim`` strategy runs on the
models with ternary layers (the ``-mixed`` variants) and is skipped for the others. The cpu
runs of ResNet-8 and MobileNet take tens of millions of cycles: several minutes each.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from hetsoc import zoo
from hetsoc.compiler import CompileError, compile_graph
from hetsoc.crosscheck import random_input
from hetsoc.models import load_model
from hetsoc.runtime import run_networks
from hetsoc.sim.hdl import build
from hetsoc.spec.config import load_config


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(zoo.names()))
    ap.add_argument("--strategies", default="cpu,npu,cim")
    ap.add_argument("--backend", default="verilator", choices=("verilator", "icarus"))
    ap.add_argument("--config", default="default")
    ap.add_argument("--check-layers", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    config = load_config(args.config)
    models = args.models.split(",")
    strategies = args.strategies.split(",")
    graphs = {m: load_model(m)[1] for m in models}
    build(config, args.backend)  # not in the first network's wall time
    figures, rows = {"config": config.name, "backend": args.backend}, []
    with tempfile.TemporaryDirectory(prefix="hetsoc-bench-") as tmp:
        for strategy in strategies:
            for m in models:
                try:
                    plan = compile_graph(graphs[m], config=config, strategy=strategy,
                                         out_dir=Path(tmp) / f"{m}-{strategy}",
                                         check_layers=args.check_layers)
                except CompileError as e:
                    if strategy == "cim" and "has no layer the CIM runs" in str(e):
                        continue  # a model without ternary layers
                    raise
                start = time.perf_counter()
                (run,) = run_networks([(plan, random_input(graphs[m], args.seed))],
                                      backend=args.backend)
                wall = time.perf_counter() - start
                key = f"{plan.name}_{strategy}"
                figures[f"{key}_cycles"] = run.cycles
                figures[f"{key}_wall_s"] = round(wall, 2)
                figures[f"{key}_exact"] = int(run.exact)
                figures[f"{key}_estimate"] = plan.manifest["cycles_estimate"]
                figures[f"{key}_estimate_error"] = round(
                    plan.manifest["cycles_estimate"] / run.cycles - 1, 4)
                rows.append((plan.name, strategy, plan.manifest["units"], run.cycles,
                             plan.manifest["cycles_estimate"], wall, run))
    print(f"{'model':<24} {'strategy':<8} {'units':<12} {'cycles':>11} {'estimate':>11} "
          f"{'error':>6} {'wall s':>7} {'cyc/s':>9}  result")
    for name, strategy, units, cycles, estimate, wall, run in rows:
        u = " ".join(f"{k}:{v}" for k, v in units.items())
        result = "bit-exact" if run.exact else f"MISMATCH {run.mismatch.line()}"
        print(f"{name:<24} {strategy:<8} {u:<12} {cycles:>11,} {estimate:>11,} "
              f"{(estimate - cycles) / cycles:>+6.1%} {wall:>7.1f} {cycles / wall:>9,.0f}  "
              f"{result}")
    if {"cpu", "npu"} <= set(strategies):
        print()
        print(f"{'model':<24} {'npu speedup over cpu':>22}")
        for m in models:
            cpu, npu = figures.get(f"{m}_cpu_cycles"), figures.get(f"{m}_npu_cycles")
            if cpu and npu:
                figures[f"{m}_speedup"] = round(cpu / npu, 1)
                print(f"{m:<24} {cpu / npu:>21.1f}x")
    if {"cpu", "cim"} <= set(strategies):
        print()
        print(f"{'model':<24} {'cim speedup over cpu':>22}")
        for m in models:
            cpu, cim = figures.get(f"{m}_cpu_cycles"), figures.get(f"{m}_cim_cycles")
            if cpu and cim:
                figures[f"{m}_cim_speedup"] = round(cpu / cim, 1)
                print(f"{m:<24} {cpu / cim:>21.1f}x")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
