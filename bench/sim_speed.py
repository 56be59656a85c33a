"""Simulation speed of the SoC running firmware: per workload, per backend, per build.

Rates are simulated cycles per CPU-second of the simulator process (user + system of the
child processes), taken between a long and a short run of the same workload so that start-up,
loading and result writing cancel out; ``..._per_s`` is the same per wall second. Each is the
median of three such pairs for Verilator (the table also shows the lowest and highest: on a
shared machine one pair can be 15% off), one for Icarus. Nothing timed is asserted anywhere.

Workloads (firmware on the ``default`` SoC):

* ``crc32``: CRC-32 of 64 KiB in main memory: the core alone (accelerators and memories idle).
* ``cpu_l1l2``: the DS-CNN network under the ``cpu`` strategy (tuned C kernels on activations in
  L1 and weights staged in L2; the accelerators idle), against digits.
* ``npu_busy``: one 3x3 16->16 convolution at 32x32 run back to back on the NPU
  (``sw/bench/npu_busy.c``), 100 runs against 1, the core asleep in a wfi while each runs (as
  the network runtime waits); ``npu_poll``: the same with the core polling ``STATUS``.
* ``dma_l3``: 64 KiB L3 -> L2 -> L3 round trips on both DMA channels (``sw/bench/dma_bw.c``),
  100 against 0.

For Verilator each is measured on the default (gated) build and on the one-clock SoC a board
runs (``gate_acc_clock=False``). Also:

* ``startup_s``: wall seconds of ``hetsoc sim-elf hello.elf`` (1,795 simulated cycles) with the
  simulator built: the whole command, so an upper bound of the start-up before the first cycle;
* ``build_s``: the first build of the ``default`` SoC's Verilator simulator, into an empty cache
  (``--skip-build`` leaves it out);
* ``cpi_dot_int8``, ``cpi_crc32``: mcycle / minstret around each kernel, from the core's counters.

Usage: ``python bench/sim_speed.py [--backends verilator,icarus] [--skip-build]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np

from hetsoc.accel.npu.testgen import conv_layer, layers_header
from hetsoc.compiler import compile_graph
from hetsoc.crosscheck import random_input
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.models import load_model
from hetsoc.runtime import run_networks
from hetsoc.sim.harness import Job, run_batch
from hetsoc.sim.hdl import build
from hetsoc.spec.config import load_config

KERNEL = re.compile(r"kernel cycles=(\d+) instret=(\d+)")
CONFIG = load_config("default")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(run) -> tuple[int, float, float]:
    """``run() -> cycles``; returns the cycles, wall seconds and simulator CPU seconds."""
    wall, cpu = time.perf_counter(), _children_cpu()
    cycles = run()
    return cycles, time.perf_counter() - wall, _children_cpu() - cpu


def _rate(long, short) -> tuple[int, float, float]:
    cycles = long[0] - short[0]
    return cycles, cycles / max(long[2] - short[2], 1e-9), cycles / max(long[1] - short[1], 1e-9)


def _jobs(elf, backend, gate, max_cycles=2_000_000_000):
    def run():
        (res,) = run_batch([Job(elf, max_cycles)], CONFIG, backend, gate_acc_clock=gate)
        if not res.passed:
            raise SystemExit(f"{Path(elf).name} failed on {backend}: {res.status} "
                             f"{res.exit_code}\n{res.console}")
        return res.cycles
    return run


class Workloads:
    """The firmware of each workload, built once."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        drivers = f"-I{sw_path('drivers')}"
        self.crc = {n: self._crc(n) for n in (65536, 1024, 4096, 256)}
        layer = conv_layer(np.random.default_rng(7), "busy", c=16, k=16, h=32, w=32,
                           kernel=(3, 3), pads=(1, 1, 1, 1), rows=CONFIG.npu.rows,
                           cols=CONFIG.npu.cols, in_base=0)
        (tmp / "npu").mkdir()
        (tmp / "npu" / "npu_layers.h").write_text(layers_header(CONFIG, [layer], 7))
        self.npu = {(r, poll): build_firmware(
            [sw_path("bench", "npu_busy.c"), sw_path("drivers", "npu.c")], CONFIG,
            tmp / f"npu_busy{r}_{poll}.elf", defines={"REPEAT": r, "POLL": poll},
            extra_cflags=[drivers, f"-I{tmp / 'npu'}"])
            for r, poll in ((0, 0), (99, 0), (0, 1), (99, 1), (1, 0))}   # (1, 0): for Icarus
        self.dma = {r: build_firmware([sw_path("bench", "dma_bw.c"), sw_path("drivers", "dma.c")],
                                      CONFIG, tmp / f"dma_bw{r}.elf", defines={"REPEAT": r},
                                      extra_cflags=[drivers])
                    for r in (0, 100)}
        self.nets = []
        for name, seed in (("ds-cnn", 0), ("digits", 0)):
            graph = load_model(name)[1]
            plan = compile_graph(graph, config=CONFIG, strategy="cpu", out_dir=tmp / name)
            self.nets.append((plan, random_input(graph, seed)))

    def _crc(self, n):
        expected = zlib.crc32(bytes((i * 7 + 3) & 0xFF for i in range(n)))
        return build_firmware([sw_path("bench", "crc32.c")], CONFIG, self.tmp / f"crc{n}.elf",
                              defines={"LEN": n, "CRC32_EXPECTED": f"{expected:#x}u"})

    def network(self, index, backend, gate):
        def run():
            plan, x = self.nets[index]
            (r,) = run_networks([(plan, x)], backend=backend, gate_acc_clock=gate)
            if not r.exact:
                raise SystemExit(f"{plan.name}: {r.mismatch.line()}")
            return r.cycles
        return run


def measure(w: Workloads, backend: str, gate: bool) -> dict:
    """Every workload's (cycles, per CPU-second, per wall second) on one build."""
    crc_long, crc_short = (65536, 1024) if backend == "verilator" else (4096, 256)
    pairs = {
        "crc32": (_jobs(w.crc[crc_long], backend, gate), _jobs(w.crc[crc_short], backend, gate)),
        "cpu_l1l2": (w.network(0, backend, gate), w.network(1, backend, gate)),
        "npu_busy": (_jobs(w.npu[99, 0], backend, gate), _jobs(w.npu[0, 0], backend, gate)),
        "npu_poll": (_jobs(w.npu[99, 1], backend, gate), _jobs(w.npu[0, 1], backend, gate)),
        "dma_l3": (_jobs(w.dma[100], backend, gate), _jobs(w.dma[0], backend, gate)),
    }
    if backend != "verilator":  # the slow simulators get the short workloads only (Icarus
        # simulates the busy NPU at about a hundred cycles per second: one run against none)
        pairs = {k: v for k, v in pairs.items() if k in ("crc32", "npu_busy")}
        pairs["npu_busy"] = (_jobs(w.npu[1, 0], backend, gate), pairs["npu_busy"][1])
    repeats = 3 if backend == "verilator" else 1
    out = {}
    for name, (long, short) in pairs.items():
        runs = sorted((_rate(_measure(long), _measure(short)) for _ in range(repeats)),
                      key=lambda r: r[1])
        cycles, cpu_rate, wall_rate = runs[len(runs) // 2]
        out[name] = (cycles, cpu_rate, wall_rate, runs[0][1], runs[-1][1])
    return out


def startup_seconds(tmp: Path) -> float:
    hello = build_firmware([sw_path("examples", "hello.c")], CONFIG, tmp / "hello.elf")
    hetsoc = [sys.executable, "-m", "hetsoc.cli", "sim-elf", str(hello)]
    subprocess.run(hetsoc, check=True, capture_output=True)  # warm the file cache
    start = time.perf_counter()
    subprocess.run(hetsoc, check=True, capture_output=True)
    return time.perf_counter() - start


def build_seconds() -> float:
    with tempfile.TemporaryDirectory(prefix="hetsoc-build-") as cache:
        old = os.environ.get("HETSOC_CACHE")
        os.environ["HETSOC_CACHE"] = cache
        try:
            start = time.perf_counter()
            build(CONFIG, "verilator")
            return time.perf_counter() - start
        finally:
            if old is None:
                del os.environ["HETSOC_CACHE"]
            else:
                os.environ["HETSOC_CACHE"] = old


def kernel_cpi(tmp: Path, w: Workloads) -> dict:
    dot = build_firmware([sw_path("bench", "dot_int8.c")], CONFIG, tmp / "dot.elf")
    out = {}
    for name, elf in (("dot_int8", dot), ("crc32", w.crc[1024])):
        (res,) = run_batch([Job(elf)], CONFIG, "verilator")
        match = KERNEL.search(res.console)
        if not res.passed or not match:
            raise SystemExit(f"{name} failed: {res.console}")
        cycles, instret = int(match.group(1)), int(match.group(2))
        out[name] = (cycles, instret, cycles / instret)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "verilator,icarus" if shutil.which("iverilog") else "verilator"
    parser.add_argument("--backends", default=default)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    figures, rows = {}, []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        w = Workloads(tmp)
        for backend in args.backends.split(","):
            for label, gate in ((backend, True), (f"{backend}_1clk", False)):
                if backend != "verilator" and not gate:
                    continue
                build(CONFIG, backend, gate_acc_clock=gate)  # not timed
                for name, (cycles, cpu_rate, wall_rate, low, high) in \
                        measure(w, backend, gate).items():
                    figures[f"{label}_{name}_cycles_per_s_cpu"] = round(cpu_rate)
                    figures[f"{label}_{name}_cycles_per_s"] = round(wall_rate)
                    rows.append((label, name, cycles, cpu_rate, wall_rate, low, high))
        figures["startup_s"] = round(startup_seconds(tmp), 3)
        cpi = kernel_cpi(tmp, w)
    if not args.skip_build:
        figures["build_s"] = round(build_seconds(), 1)
    print(f"{'build':<16} {'workload':<10} {'cycles':>12} {'per CPU s':>12} {'per wall s':>12}"
          f"  {'per CPU s, low-high':>22}")
    for label, name, cycles, cpu_rate, wall_rate, low, high in rows:
        print(f"{label:<16} {name:<10} {cycles:>12,} {cpu_rate:>12,.0f} {wall_rate:>12,.0f}"
              f"  {f'{low:,.0f}-{high:,.0f}':>22}")
    print()
    print(f"start-up: `hetsoc sim-elf hello.elf`, whole command, {figures['startup_s']:.2f} s")
    if "build_s" in figures:
        print(f"first build of the default SoC (Verilator): {figures['build_s']:.0f} s")
    print()
    print(f"{'kernel (-O2)':<14} {'cycles':>10} {'instret':>10} {'CPI':>6}")
    for name, (cycles, instret, value) in cpi.items():
        figures[f"cpi_{name}"] = round(value, 3)
        print(f"{name:<14} {cycles:>10,} {instret:>10,} {value:>6.3f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
