"""The Amaranth-simulator backend: the same SoC, simulated in Python (slow, no tools needed).

The program is loaded as the main memory's initial contents; the testbench wakes on console
bytes and on the end of the run. Used for unit tests and as a third opinion on the RTL.
"""

from __future__ import annotations

from amaranth import Module
from amaranth.lib import wiring
from amaranth.sim import Simulator

from ..elf import ElfImage, to_memory_words
from ..hw.axi.ram import AxiRam
from ..hw.periph.finisher import FinishStatus
from ..hw.soc import Soc
from ..spec.config import SocConfig
from .harness import SimResult
from .hdl import SimulatorError

__all__ = ["run_image"]

_STATUS = {FinishStatus.EXIT: "exit", FinishStatus.TRAP: "trap", FinishStatus.FATAL: "fatal"}
# The Python simulator keeps every memory word as a Python object: model only the first 1 MiB
# of L3 (addresses wrap), which is plenty for programs this simulator is fast enough to run.
_L3_MODEL_BYTES = 1 << 20


def with_l3(soc: Soc):
    """``soc`` with an AXI RAM on its L3 port, as one design for the simulator."""
    m = Module()
    m.submodules.soc = soc
    m.submodules.l3 = l3 = AxiRam(min(soc.config.l3.size, _L3_MODEL_BYTES))
    wiring.connect(m, soc.m_axi, l3.axi)
    return m


def run_image(config: SocConfig, image: ElfImage, max_cycles: int, dump=(),
              waves=None) -> SimResult:
    hdl = [slot.name for slot in config.accelerators if slot.plugin.hdl]
    if hdl:
        raise SimulatorError(f"config {config.name!r}: unit {hdl[0]!r} is Verilog "
                             f"(Plugin.hdl), which Amaranth's simulator cannot run: "
                             f"use --backend verilator")
    base = config.main_memory.base
    words = to_memory_words(image, base, config.main_memory.size)
    # Trailing zeros are the memory's default: keep elaboration small.
    last = max((i for i, w in enumerate(words) if w), default=-1)
    soc = Soc(config, main_memory_init=words[:last + 1])
    sim = Simulator(with_l3(soc))
    sim.add_clock(1e-6)
    out = {}

    async def testbench(ctx):
        ctx.set(soc.tohost_addr, image.tohost or 0)
        console = bytearray()
        cycles = 0
        async for _clk, _rst, console_valid, console_data, status in ctx.tick().sample(
                soc.console_valid, soc.console_data, soc.status):
            if console_valid:
                console.append(console_data)
            if status != FinishStatus.RUNNING:
                out["status"] = _STATUS[FinishStatus(status)]
                break
            cycles += 1
            if cycles >= max_cycles:
                out["status"] = "timeout"
                break
        out["console"] = console.decode("latin-1")
        for name in ("exit_code", "cycle", "instret", "trap_cause", "trap_pc", "trap_tval"):
            out[name] = ctx.get(getattr(soc, name))
        storage = soc.main_memory.storage
        out["dumps"] = [
            b"".join(ctx.get(storage.data[(a - base) // 4 + k]).to_bytes(4, "little")
                     for k in range(s // 4))
            for a, s in dump]

    sim.add_testbench(testbench)
    if waves is not None:
        with sim.write_vcd(str(waves)):
            sim.run()
    else:
        sim.run()
    return SimResult(out["status"], out["exit_code"], out["cycle"], out["instret"],
                     out["console"], out["trap_cause"], out["trap_pc"], out["trap_tval"],
                     out["dumps"], image)

