"""Weight loading: the CPU's register path against the DMA into the units' DMA windows.

Figures (one run of firmware ``sw/bench/weights_bw.c`` on the Verilator SoC, config
``default``; 32 KiB per unit):

* ``<unit>_cpu_bytes_per_cycle``: bytes / core cycles of the driver's register path
  (``npu_load_weights``, ``cim_program_beats``) from an image in L2.
* ``<unit>_dma_bytes_per_cycle``: bytes / the DMA channel's busy cycles, from L3 into the
  unit's DMA window; ``<unit>_dma_of_peak`` the same over the DMA's 8 bytes/cycle;
  ``<unit>_dma_wall_bytes_per_cycle`` bytes / core cycles from submission to completion
  (the driver's register writes and polling included).
* ``<unit>_dma_speedup``: the CPU path's cycles over the DMA's busy cycles.

Usage: ``python bench/weights.py [--config default]``
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
from pathlib import Path

from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.harness import Job, run_batch
from hetsoc.spec.config import load_config

LINE = re.compile(r"prog (\w+)_(cpu|dma) bytes=(\d+) cycles=(\d+) busy=(\d+)")
PEAK = 8   # bytes per cycle of the DMA's datapath
BYTES = 32768


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="default")
    args = parser.parse_args()
    config = load_config(args.config)
    with tempfile.TemporaryDirectory() as tmp:
        elf = build_firmware([sw_path("bench", "weights_bw.c"), sw_path("drivers", "dma.c"),
                              sw_path("drivers", "npu.c"), sw_path("drivers", "cim.c")],
                             args.config, Path(tmp) / "weights_bw.elf",
                             extra_cflags=[f"-I{sw_path('drivers')}"])
        (result,) = run_batch([Job(elf, max_cycles=5_000_000,
                                   l3_load=(config.l3.base, bytes(BYTES)))],
                              args.config, "verilator")
    if not result.passed:
        raise SystemExit(f"weights_bw failed: {result.status} {result.console}")
    runs = {}
    for unit, path, nbytes, cycles, busy in LINE.findall(result.console):
        runs[unit, path] = (int(nbytes), int(cycles), int(busy))
    figures = {}
    print(f"{'unit':<6} {'path':<5} {'bytes':>7} {'cycles':>8} {'busy':>7} {'B/cycle':>8} "
          f"{'of 8 B/c':>9}")
    for (unit, path), (nbytes, cycles, busy) in runs.items():
        spent = busy if path == "dma" else cycles
        rate = nbytes / spent
        figures[f"{unit}_{path}_bytes_per_cycle"] = round(rate, 3)
        if path == "dma":
            figures[f"{unit}_dma_of_peak"] = round(rate / PEAK, 4)
            figures[f"{unit}_dma_wall_bytes_per_cycle"] = round(nbytes / cycles, 3)
            cpu = runs.get((unit, "cpu"))
            if cpu:
                figures[f"{unit}_dma_speedup"] = round(cpu[1] / busy, 2)
        print(f"{unit:<6} {path:<5} {nbytes:>7} {cycles:>8} {busy:>7} {rate:>8.2f} "
              f"{rate / PEAK:>9.1%}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
