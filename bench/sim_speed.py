"""Simulation speed of the SoC running firmware, per backend, and CPI of two C kernels.

Figures (one run, nothing timed is asserted anywhere):

* ``<backend>_cycles_per_s``: simulated clock cycles per wall-clock second of the simulator
  process running a long CRC-32 (firmware at -O2), start-up excluded: the rate is taken between
  a long and a short run of the same program, so process start-up, memory loading and result
  writing cancel out. ``..._with_startup`` is the plain cycles / wall time of the long run;
  ``..._cpu`` the same difference over the CPU time of the simulator (user + system, of the
  child processes), which does not depend on what else the machine runs.
* ``verilator_1clk_...``: the same on the one-clock SoC (``gate_acc_clock=False``, the design
  a board runs), where the memory system, DMA, NPU and CIM get every clock edge even while
  idle: the figure before the simulation's clock gate (``host/sim/sim_top.v``).
* ``<variant>_npu_layer_cycles_per_s_cpu``: the same rate (per CPU-second) on firmware that
  keeps the accelerators busy: ``sw/tests/npu_layer.c`` (NPU layers from L1, the core copying
  inputs and checking outputs), one run against two in one batch, so start-up cancels.
* ``cpi_dot_int8``, ``cpi_crc32``: mcycle / minstret around each kernel, read by the firmware
  itself from the core's counters (``kernel cycles=N instret=N``).

Usage: ``python bench/sim_speed.py [--backends verilator,icarus,amaranth]``
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import tempfile
import time
import zlib
from pathlib import Path

from hetsoc.accel.npu.testgen import write_headers as write_npu_headers
from hetsoc.config import load_config
from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.sim.hdl import build

KERNEL = re.compile(r"kernel cycles=(\d+) instret=(\d+)")
# Lengths of the CRC-32 buffer: long and short runs per backend (the slow ones get less).
LENGTHS = {"verilator": (65536, 1024), "icarus": (4096, 256), "amaranth": (1024, 64)}


def crc_elf(tmp: Path, length: int) -> Path:
    expected = zlib.crc32(bytes((i * 7 + 3) & 0xFF for i in range(length)))
    return build_firmware([sw_path("bench", "crc32.c")], "default", tmp / f"crc{length}.elf",
                          defines={"LEN": length, "CRC32_EXPECTED": f"{expected:#x}u"})


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(elf: Path, backend: str, gate: bool = True):
    """Run ``elf``; return its result, the wall time and the simulator's CPU time."""
    start, cpu = time.perf_counter(), _children_cpu()
    (result,) = run_batch([Job(elf, max_cycles=2_000_000_000)], "default", backend,
                          gate_acc_clock=gate)
    elapsed, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if not result.passed:
        raise SystemExit(f"{elf.name} failed on {backend}: {result.status} {result.exit_code}\n"
                         f"{result.console}")
    return result, elapsed, cpu


def npu_layer_elf(tmp: Path) -> Path:
    write_npu_headers(tmp / "npu", "default", seed=1)
    return build_firmware([sw_path("tests", "npu_layer.c"), sw_path("drivers", "npu.c")],
                          "default", tmp / "npu_layer.elf",
                          extra_cflags=[f"-I{sw_path('drivers')}", f"-I{tmp / 'npu'}"])


def npu_layer_rate(elf: Path, gate: bool) -> tuple[int, float]:
    """Cycles of one npu_layer run and its rate per CPU-second on Verilator."""
    cpu = []
    for copies in (1, 2):
        start = _children_cpu()
        results = run_batch([Job(elf, max_cycles=10_000_000)] * copies, "default", "verilator",
                            gate_acc_clock=gate)
        cpu.append(_children_cpu() - start)
        if not all(r.passed for r in results):
            raise SystemExit(f"npu_layer failed: {results[0].console}")
    return results[0].cycles, results[0].cycles / max(cpu[1] - cpu[0], 1e-9)


def kernel_cpi(result) -> tuple[int, int, float]:
    match = KERNEL.search(result.console)
    if not match:
        raise SystemExit(f"no kernel counters in output: {result.console!r}")
    cycles, instret = int(match.group(1)), int(match.group(2))
    return cycles, instret, cycles / instret


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = "verilator,icarus,amaranth" if shutil.which("iverilog") else "verilator,amaranth"
    parser.add_argument("--backends", default=default)
    args = parser.parse_args()
    figures = {}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        variants = []
        for backend in args.backends.split(","):
            variants.append((backend, backend, True))
            if backend == "verilator":
                variants.append(("verilator_1clk", backend, False))
        for label, backend, gate in variants:
            if backend != "amaranth":  # not timed: the build is cached
                build(load_config("default"), backend, gate_acc_clock=gate)
            long_len, short_len = LENGTHS[backend]
            long_res, long_t, long_cpu = timed(crc_elf(tmp, long_len), backend, gate)
            short_res, short_t, short_cpu = timed(crc_elf(tmp, short_len), backend, gate)
            cycles = long_res.cycles - short_res.cycles
            rate = cycles / max(long_t - short_t, 1e-9)
            cpu_rate = cycles / max(long_cpu - short_cpu, 1e-9)
            raw = long_res.cycles / long_t
            figures[f"{label}_cycles_per_s"] = round(rate)
            figures[f"{label}_cycles_per_s_cpu"] = round(cpu_rate)
            figures[f"{label}_cycles_per_s_with_startup"] = round(raw)
            rows.append((label, long_res.cycles, long_t, rate, cpu_rate, raw))
        print(f"{'backend':<15} {'cycles':>12} {'wall s':>8} {'cycles/s':>12} "
              f"{'per CPU s':>12} {'incl. start-up':>15}")
        for label, cycles, wall, rate, cpu_rate, raw in rows:
            print(f"{label:<15} {cycles:>12,} {wall:>8.2f} {rate:>12,.0f} {cpu_rate:>12,.0f} "
                  f"{raw:>15,.0f}")

        if "verilator_1clk_cycles_per_s_cpu" in figures:
            figures["verilator_clock_gate_speedup"] = round(
                figures["verilator_cycles_per_s_cpu"] / figures["verilator_1clk_cycles_per_s_cpu"],
                2)
            print()
            print(f"{'npu_layer.c':<15} {'cycles':>12} {'per CPU s':>12}")
            elf = npu_layer_elf(tmp)
            for label, gate in (("verilator", True), ("verilator_1clk", False)):
                cycles, rate = npu_layer_rate(elf, gate)
                figures[f"{label}_npu_layer_cycles_per_s_cpu"] = round(rate)
                print(f"{label:<15} {cycles:>12,} {rate:>12,.0f}")

        dot = build_firmware([sw_path("bench", "dot_int8.c")], "default", tmp / "dot.elf")
        (dot_res,) = run_batch([Job(dot)], "default", "verilator")
        crc_res, _, _ = timed(crc_elf(tmp, 1024), "verilator")
        print()
        print(f"{'kernel (-O2)':<14} {'cycles':>10} {'instret':>10} {'CPI':>6}")
        for name, res in (("dot_int8", dot_res), ("crc32", crc_res)):
            if not res.passed:
                raise SystemExit(f"{name} failed: {res.console}")
            cycles, instret, cpi = kernel_cpi(res)
            figures[f"cpi_{name}"] = round(cpi, 3)
            print(f"{name:<14} {cycles:>10,} {instret:>10,} {cpi:>6.3f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
