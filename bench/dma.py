"""DMA benchmarks: throughput of large transfers, and long randomized runs against the model.

Figures (one run):

* ``<name>_bytes_per_cycle``: bytes moved / the channel's busy cycles, for 64 KiB transfers
  L2->L1, L1->L2, L3->L2, L2->L3, L1->L1 and two channels at once (firmware ``dma_bw.c`` on the
  Verilator SoC, L3 the Verilog AXI RAM model); the datapath peak is 8 bytes/cycle per port.
* ``random_transfers`` / ``random_mismatches``: seeded random 3-D transfers on both channels
  through the board top under cocotb (AxiLiteMaster host, cocotbext-axi AxiRam as L3 with
  random stalls), memories compared with the numpy model at the end.
* ``l3_cycles_per_s_verilog_model`` / ``l3_cycles_per_s_cocotb_axiram``: simulated cycles per
  wall second while L3 traffic runs, with each L3 model (firmware path, start-up excluded;
  cocotb board harness, whole run including its AXI4-Lite register traffic).

Usage: ``python bench/dma.py [--transfers 10000] [--seed 1] [--pause 0.2]``
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from pathlib import Path

from hetsoc.firmware import build_firmware, sw_path
from hetsoc.sim.board import build_board, run_board
from hetsoc.sim.harness import Job, run_batch
from hetsoc.sim.hdl import build
from hetsoc.spec.config import load_config

LINE = re.compile(r"bw (\w+) bytes=(\d+) busy=(\d+) wall=(\d+)")
SMALL = Path(__file__).resolve().parent.parent / "tests" / "dma" / "small.toml"


def throughput(tmp: Path) -> tuple[list, float]:
    build(load_config("default"), "verilator")
    runs = []
    for repeat in (0, 100):
        elf = build_firmware([sw_path("bench", "dma_bw.c"), sw_path("drivers", "dma.c")],
                             "default", tmp / f"dma_bw{repeat}.elf", defines={"REPEAT": repeat},
                             extra_cflags=[f"-I{sw_path('drivers')}"])
        start = time.perf_counter()
        (result,) = run_batch([Job(elf, max_cycles=50_000_000)], "default", "verilator")
        runs.append((result, time.perf_counter() - start))
        if not result.passed:
            raise SystemExit(f"dma_bw failed: {result.status} {result.console}")
    rows = [(m.group(1), *(int(m.group(i)) for i in (2, 3, 4)))
            for m in LINE.finditer(runs[0][0].console)]
    # Start-up cancels out between the run with 100 extra L3 round trips and the one without.
    (short, t_short), (long, t_long) = runs
    return rows, (long.cycles - short.cycles) / max(t_long - t_short, 1e-9)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pause", type=float, default=0.2)
    args = parser.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        rows, verilog_rate = throughput(Path(tmp))
    print(f"{'transfer (64 KiB)':<28} {'bytes':>8} {'busy cyc':>9} {'B/cycle':>8} {'of peak':>8}")
    for name, nbytes, busy, _wall in rows:
        rate = nbytes / busy
        peak = 16 if name.startswith("two") else 8
        figures[f"{name}_bytes_per_cycle"] = round(rate, 3)
        print(f"{name:<28} {nbytes:>8} {busy:>9} {rate:>8.2f} {rate / peak:>8.1%}")
    figures["l3_cycles_per_s_verilog_model"] = round(verilog_rate)

    small = load_config(SMALL)
    build_board(small)
    start = time.perf_counter()
    result = run_board(small, str(SMALL), testcase="random_dma_transfers", seed=args.seed,
                       transfers=args.transfers, pause=args.pause)
    wall = time.perf_counter() - start
    figures["random_transfers"] = result["transfers"]
    figures["random_bytes"] = result["bytes"]
    figures["random_mismatches"] = result["mismatches"]
    figures["l3_cycles_per_s_cocotb_axiram"] = round(result["cycles"] / wall)
    print()
    print(f"random: {result['transfers']} transfers, {result['bytes']} bytes, "
          f"{result['mismatches']} mismatches (seed {args.seed}, L3 stall p={args.pause})")
    print(f"L3 simulation: Verilog model {verilog_rate:,.0f} cycles/s (whole SoC, firmware "
          f"path); cocotb AxiRam {figures['l3_cycles_per_s_cocotb_axiram']:,} cycles/s")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
