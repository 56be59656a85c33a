"""Simulation speed of the SoC running firmware, per backend, and CPI of two C kernels.

Figures (one run, nothing timed is asserted anywhere):

* ``<backend>_cycles_per_s``: simulated clock cycles per wall-clock second of the simulator
  process running a long CRC-32 (firmware at -O2), start-up excluded: the rate is taken between
  a long and a short run of the same program, so process start-up, memory loading and result
  writing cancel out. ``..._with_startup`` is the plain cycles / wall time of the long run.
* ``cpi_dot_int8``, ``cpi_crc32``: mcycle / minstret around each kernel, read by the firmware
  itself from the core's counters (``kernel cycles=N instret=N``).

Usage: ``python bench/sim_speed.py [--backends verilator,icarus,amaranth]``
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
import time
import zlib
from pathlib import Path

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


def timed(elf: Path, backend: str):
    start = time.perf_counter()
    (result,) = run_batch([Job(elf, max_cycles=2_000_000_000)], "default", backend)
    elapsed = time.perf_counter() - start
    if not result.passed:
        raise SystemExit(f"{elf.name} failed on {backend}: {result.status} {result.exit_code}\n"
                         f"{result.console}")
    return result, elapsed


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
        for backend in args.backends.split(","):
            if backend != "amaranth":
                build(load_config("default"), backend)  # not timed: the build is cached
            long_len, short_len = LENGTHS[backend]
            long_res, long_t = timed(crc_elf(tmp, long_len), backend)
            short_res, short_t = timed(crc_elf(tmp, short_len), backend)
            rate = (long_res.cycles - short_res.cycles) / max(long_t - short_t, 1e-9)
            raw = long_res.cycles / long_t
            figures[f"{backend}_cycles_per_s"] = round(rate)
            figures[f"{backend}_cycles_per_s_with_startup"] = round(raw)
            rows.append((backend, long_res.cycles, long_t, rate, raw))

        print(f"{'backend':<10} {'cycles':>12} {'wall s':>8} {'cycles/s':>12} "
              f"{'incl. start-up':>15}")
        for backend, cycles, wall, rate, raw in rows:
            print(f"{backend:<10} {cycles:>12,} {wall:>8.2f} {rate:>12,.0f} {raw:>15,.0f}")

        dot = build_firmware([sw_path("bench", "dot_int8.c")], "default", tmp / "dot.elf")
        (dot_res,) = run_batch([Job(dot)], "default", "verilator")
        crc_res, _ = timed(crc_elf(tmp, 1024), "verilator")
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
