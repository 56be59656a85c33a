"""Compile time per zoo model and strategy, firmware build included (goal: under 2 s each).

Each compile runs every pass into a fresh output directory: import excluded (the model is
imported once beforehand), legalize, dispatch, place, codegen and the firmware build with
zig's clang all included. The runtime, drivers and CPU kernels are compiled once per content
into hetsoc's object cache (`hetsoc.firmware_objects`); the bench starts with that cache empty,
so the first compile of each strategy builds it (``cold_<strategy>_s``), and the table's
figures are the compiles after it. Figures: ``<model>_<strategy>_s`` (seconds), ``max_s``,
``mean_s``, ``cold_<strategy>_s``. The ``cim`` strategy compiles the models with ternary
layers (the ``-mixed`` variants) and skips the others; its cold compile is of the first of
them.

Usage: ``python bench/compile.py [--models ...] [--strategies cpu,npu,cim] [--config default]``
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from hetsoc import zoo
from hetsoc.compiler import CompileError, compile_graph
from hetsoc.models import load_model
from hetsoc.spec.config import load_config


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default=",".join(zoo.names()))
    ap.add_argument("--strategies", default="cpu,npu,cim")
    ap.add_argument("--config", default="default")
    args = ap.parse_args()
    config = load_config(args.config)
    models = args.models.split(",")
    strategies = args.strategies.split(",")
    graphs = {m: load_model(m)[1] for m in models}
    figures, rows = {"config": config.name}, []

    def applies(m, s):
        """Whether strategy ``s`` applies to model ``m`` (cim: it has a ternary layer)."""
        try:
            compile_graph(graphs[m], config=config, strategy=s, until="dispatch")
        except CompileError as e:
            if s == "cim" and "has no layer the CIM runs" in str(e):
                return False
            raise
        return True

    runs = {s: [m for m in models if applies(m, s)] for s in strategies}
    strategies = [s for s in strategies if runs[s]]
    with tempfile.TemporaryDirectory(prefix="hetsoc-compile-") as tmp:
        os.environ["HETSOC_CACHE"] = str(Path(tmp) / "cache")  # an empty object cache
        for s in strategies:
            start = time.perf_counter()
            compile_graph(graphs[runs[s][0]], config=config, strategy=s,
                          out_dir=Path(tmp) / f"cold-{s}")
            figures[f"cold_{s}_s"] = round(time.perf_counter() - start, 3)
        for m in models:
            for s in [s for s in strategies if m in runs[s]]:
                start = time.perf_counter()
                plan = compile_graph(graphs[m], config=config, strategy=s,
                                     out_dir=Path(tmp) / f"{m}-{s}")
                took = time.perf_counter() - start
                figures[f"{m}_{s}_s"] = round(took, 3)
                rows.append((m, s, len(plan.steps), len(plan.l3_image), took))
    print(f"{'model':<22} {'strategy':<8} {'steps':>5} {'L3 bytes':>9} {'seconds':>8}")
    for m, s, steps, l3, took in rows:
        print(f"{m:<22} {s:<8} {steps:>5} {l3:>9,} {took:>8.2f}")
    times = [r[-1] for r in rows]
    figures["max_s"] = round(max(times), 3)
    figures["mean_s"] = round(sum(times) / len(times), 3)
    cold = ", ".join(f"{s} {figures[f'cold_{s}_s']:.2f} s" for s in strategies)
    print(f"max {figures['max_s']:.2f} s, mean {figures['mean_s']:.2f} s; the first compile "
          f"with an empty object cache: {cold}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
