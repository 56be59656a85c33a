"""Simulation speed of this tree against another commit's, on the workloads a change to the
gateware could slow down: ``crc32`` (the core alone) and ``npu_busy`` (the NPU busy, the core
asleep), on the default (gated) Verilator build.

Each tree measures itself, with its own package, firmware and ``bench/sim_speed.py`` (whose
workloads and rate definition, simulated cycles per CPU-second between a long and a short run,
both trees share): the reference runs from a git worktree with a virtual environment of its
own (made on first use). The two trees take turns, one pair of runs per workload per turn, so
that a change in the machine's speed hits both alike; the figures are the medians of
``--repeats`` turns. Nothing timed is asserted anywhere.

Usage: ``python bench/sim_speed_compare.py --ref pre-plugins [--repeats 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ("crc32", "npu_busy")

# Runs inside a tree: build its firmware once, then one measurement per line read on stdin.
_MEASURE = textwrap.dedent("""
    import json, sys, tempfile
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    import sim_speed as s
    tmp = Path(tempfile.mkdtemp(prefix="hetsoc-speed-"))
    w = s.Workloads(tmp)
    s.build(s.CONFIG, "verilator", gate_acc_clock=True)
    pairs = {"crc32": (s._jobs(w.crc[65536], "verilator", True),
                       s._jobs(w.crc[1024], "verilator", True)),
             "npu_busy": (s._jobs(w.npu[99, 0], "verilator", True),
                          s._jobs(w.npu[0, 0], "verilator", True))}
    print("ready", flush=True)
    for line in sys.stdin:
        long, short = pairs[line.strip()]
        print(json.dumps(s._rate(s._measure(long), s._measure(short))[1]), flush=True)
""")


def _tree(ref: str) -> tuple[Path, Path]:
    """(worktree, python) of `ref`, made on first use."""
    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", ref], check=True,
                         capture_output=True, text=True).stdout.strip()
    tree = Path("/tmp") / f"hetsoc-ref-{sha}"
    python = tree / ".venv" / "bin" / "python"
    if not tree.exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "-f", str(tree), sha],
                       check=True, capture_output=True)
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(tree / ".venv")], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", f"{tree}[test]"],
                       check=True)
    return tree, python


class _Meter:
    def __init__(self, tree: Path, python: Path, cache: Path | None = None):
        # the reference builds its simulator in a cache of its own: a build links the
        # cocotb libraries of the environment that made it
        env = {**os.environ, **({"HETSOC_CACHE": str(cache)} if cache else {})}
        self.proc = subprocess.Popen([str(python), "-c", _MEASURE, str(tree / "bench")],
                                     cwd=tree, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, env=env)
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit(f"the bench of {tree} did not start")

    def rate(self, workload: str) -> float:
        self.proc.stdin.write(workload + "\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", required=True, help="commit or tag to compare against")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    ref_tree, ref_python = _tree(args.ref)
    meters = {"ref": _Meter(ref_tree, ref_python, ref_tree / ".cache"),
              "this": _Meter(ROOT, Path(sys.executable))}
    rates = {(who, w): [] for who in meters for w in WORKLOADS}
    for _ in range(args.repeats):
        for w in WORKLOADS:
            for who, meter in meters.items():
                rates[who, w].append(meter.rate(w))
    for meter in meters.values():
        meter.close()
    figures = {}
    print(f"{'workload':<10} {'tree':<6} {'median per CPU s':>17}  {'all runs':<50}")
    for w in WORKLOADS:
        for who in meters:
            runs = rates[who, w]
            figures[f"{who}_{w}_cycles_per_s_cpu"] = round(statistics.median(runs))
            print(f"{w:<10} {who:<6} {statistics.median(runs):>17,.0f}  "
                  f"{', '.join(f'{r:,.0f}' for r in runs)}")
        ratio = figures[f"this_{w}_cycles_per_s_cpu"] / figures[f"ref_{w}_cycles_per_s_cpu"]
        figures[f"{w}_ratio"] = round(ratio, 3)
        print(f"{w:<10} this / {args.ref}: {ratio:.3f}")
    print(json.dumps({"ref": args.ref, "repeats": args.repeats, **figures}))


if __name__ == "__main__":
    main()
