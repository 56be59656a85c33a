"""Protocol conformance of one accelerator slot's gateware, in Amaranth's simulator.

The unit is built by its plug-in's factory, exactly as `Soc` builds it, with an L1 model that
withholds ``req_ready`` and delays responses at random (seeded). Only the protocol of
`hetsoc.spec.page` is assumed, nothing of the kind, so the same checks run on the NPU, the CIM
and a plug-in: the page after reset, INFO against the spec, the staging registers, unknown
offsets answered with a bus error, and a descriptor of zeros run to its end (it must end,
accepted or refused, STATUS and the events must say how, a refusal must move no L1 byte, the
interrupt must be a level of pending and enabled events until acknowledged, and a second run
must count from zero). A failure raises `ConformanceError` with the check, the seed and, with
``vcd_dir``, the waveform of the failing run. A unit with HDL sources (`Plugin.hdl`) runs the
same testbench on Verilator (`hetsoc.testing.hdl`).
"""

from __future__ import annotations

import random
from pathlib import Path

from amaranth import Elaboratable, Module
from amaranth.sim import Simulator

from ..accel.npu.bench import L1Model
from ..spec.accelerators import AcceleratorSlot
from ..spec.pack import unpack
from ..spec.page import INFO, IRQ, STATUS, protocol_registers

__all__ = ["ConformanceError", "UnitBed", "bus_access", "check_protocol", "protocol_bench",
           "run_bench", "simulator_for"]

#: Cycles a descriptor of zeros may take to end.
END_WITHIN = 20_000


async def bus_access(ctx, bus, offset: int, data: int | None = None) -> tuple[int, int]:
    """One access to a register page in an Amaranth testbench (a write when `data` is given):
    request until accepted, then wait for the response. Returns ``(rdata, err)``."""
    ctx.set(bus.addr, offset)
    ctx.set(bus.we, data is not None)
    ctx.set(bus.wdata, data or 0)
    ctx.set(bus.wstrb, 0xF)
    ctx.set(bus.req_valid, 1)
    await ctx.tick()
    while not ctx.get(bus.req_ready):
        await ctx.tick()
    ctx.set(bus.req_valid, 0)
    while not ctx.get(bus.rsp_valid):
        await ctx.tick()
    return ctx.get(bus.rdata), ctx.get(bus.err)


def run_bench(bed, bench, vcd: Path | None = None):
    """Run an Amaranth testbench on `bed` at one clock, writing a VCD file if `vcd` is given."""
    sim = Simulator(bed)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    if vcd is None:
        sim.run()
    else:
        with sim.write_vcd(str(vcd)):
            sim.run()


def fail(slot, seed: int, problem: str, vcd_dir, name: str, rerun):
    """Raise the `ConformanceError` of `problem`, running the failing bench again with a
    waveform (``rerun(path)``) first when there is a `vcd_dir`."""
    where = ""
    if vcd_dir is not None:
        path = Path(vcd_dir) / f"{slot.kind}-{slot.name}-{name}seed{seed}.vcd"
        path.parent.mkdir(parents=True, exist_ok=True)
        rerun(path)
        where = f" (waveform: {path})"
    raise ConformanceError(f"{slot.kind} {slot.name!r}, seed {seed}: {problem}{where}")


class ConformanceError(AssertionError):
    """A unit breaks the protocol; the message names the check, the unit and the seed."""


class UnitBed(Elaboratable):
    """A unit next to `L1Model`: with ``stall``, an L1 that withholds ``req_ready`` and delays
    responses at random (seeded by `seed`); without, one that answers the next cycle."""

    def __init__(self, unit, l1_size: int, seed: int, stall: bool = True):
        self.unit = unit
        self.l1 = L1Model(unit.l1, l1_size, stall=stall, seed=seed & 0xFFFF or 1)

    def elaborate(self, platform):
        m = Module()
        m.submodules.unit, m.submodules.l1 = self.unit, self.l1
        return m


def protocol_bench(slot: AcceleratorSlot, unit, rng: random.Random, passed: list[str],
                   failure: list[str]):
    """The protocol checks as a testbench ``bench(ctx)`` on `unit` (its ``bus`` and ``irq``):
    the names of the checks passed go to `passed`, the first failure to `failure`. `ctx` is
    Amaranth's testbench context or its cocotb stand-in (`hetsoc.testing.hdl`)."""
    words = slot.spec.desc_words
    offsets = {r.name: r.offset for r in slot.page.registers}

    def check(name: str, ok: bool, what: str):
        if not ok and not failure:
            failure.append(f"{name}: {what}")
        if ok:
            passed.append(name)
        return ok

    async def access(ctx, offset, data=None):
        return await bus_access(ctx, unit.bus, offset, data)

    async def read(ctx, name):
        return (await access(ctx, offsets[name]))[0]

    async def write(ctx, name, value):
        await access(ctx, offsets[name], value)

    async def run_zeros(ctx):
        for k in range(words):
            await write(ctx, f"DESC{k}", 0)
        await write(ctx, "CTRL", 1)
        for _ in range(END_WITHIN):
            status = await read(ctx, "STATUS")
            if unpack(STATUS, status)["done"]:
                return status
        return None

    async def bench(ctx):
        # after reset
        status = await read(ctx, "STATUS")
        fields = unpack(STATUS, status)
        check("reset STATUS", fields["busy"] == fields["done"] == fields["error"]
              == fields["code"] == 0, f"STATUS is {status:#x} after reset")
        for name in ("IRQ", "IRQ_EN", "BUSY_CYCLES", "STALL_CYCLES", "WORK", "L1_RD_BYTES",
                     "L1_WR_BYTES"):
            value = await read(ctx, name)
            check(f"reset {name}", value == 0, f"{name} is {value:#x} after reset")
        check("reset irq line", ctx.get(unit.irq) == 0, "the interrupt is up after reset")
        info = unpack(INFO, await read(ctx, "INFO"))
        check("INFO desc_words", info["desc_words"] == words,
              f"INFO says {info['desc_words']} descriptor words, the spec {words}")
        port = slot.l1_port_bits // 8
        check("INFO port_bytes", info["port_bytes"] == port,
              f"INFO says {info['port_bytes']} bytes per L1 access, the slot {port}")
        # staging registers hold what is written; offsets outside the map are bus errors
        values = [rng.getrandbits(32) for _ in range(words)]
        for k, v in enumerate(values):
            await write(ctx, f"DESC{k}", v)
        back = [await read(ctx, f"DESC{k}") for k in range(words)]
        check("DESC read back", back == values, "a staging register does not read back")
        known = {r.offset for r in slot.page.registers}
        for offset in (0x68, 0x7C, 4 * words if words < 16 else 0x6C):
            if offset not in known:
                _, err = await access(ctx, offset)
                check(f"bus error at {offset:#x}", err == 1,
                      f"offset {offset:#x} is no register but answered without a bus error")
        # a descriptor of zeros: it ends, and says how
        status = await run_zeros(ctx)
        if not check("ends", status is not None,
                     f"a descriptor of zeros did not end within {END_WITHIN} reads of STATUS"):
            return
        end = unpack(STATUS, status)
        refused, code = end["error"], end["code"]
        check("busy low at the end", end["busy"] == 0, "busy with done set")
        check("code with error", (code != 0) == bool(refused),
              f"STATUS error {refused} with code {code}")
        pending = await read(ctx, "IRQ")
        events = unpack(IRQ, pending)
        want = events["done"] == 1 and events["error"] == refused
        check("events", want, f"IRQ {pending:#x} after an end with error={refused}")
        check("line off while disabled", ctx.get(unit.irq) == 0,
              "the interrupt is up with IRQ_EN 0")
        counts = {n: await read(ctx, n) for n in ("BUSY_CYCLES", "WORK", "L1_RD_BYTES",
                                                  "L1_WR_BYTES")}
        if refused:
            check("refusal moves nothing", counts["WORK"] == counts["L1_RD_BYTES"]
                  == counts["L1_WR_BYTES"] == 0, f"a refused descriptor counted {counts}")
        await write(ctx, "IRQ_EN", pending)
        await ctx.tick().repeat(3)
        check("line is a level", ctx.get(unit.irq) == 1,
              "pending events enabled, but the interrupt is down")
        await write(ctx, "IRQ", pending)
        await ctx.tick()
        check("acknowledged", ctx.get(unit.irq) == 0 and await read(ctx, "IRQ") == 0,
              "the interrupt stays up after its events were acknowledged")
        await write(ctx, "IRQ_EN", 0)
        # again: the same end, counted from zero
        status2 = await run_zeros(ctx)
        counts2 = {n: await read(ctx, n) for n in counts}
        check("counters reset by a start", status2 == status and counts2 == counts,
              f"a second run gave STATUS {status2:#x} and {counts2}, the first "
              f"{status:#x} and {counts}")

    return bench


def simulator_for(slot: AcceleratorSlot, simulator: str | None) -> str:
    """``"amaranth"`` for gateware in Amaranth, ``"verilator"`` for a plug-in with HDL sources
    (`Plugin.hdl`), which Amaranth's simulator cannot run; `simulator` overrides."""
    if simulator is None:
        return "verilator" if slot.plugin.hdl else "amaranth"
    if simulator not in ("amaranth", "verilator"):
        raise ValueError(f"simulator must be 'amaranth' or 'verilator', not {simulator!r}")
    if simulator == "amaranth" and slot.plugin.hdl:
        raise ConformanceError(f"{slot.kind} {slot.name!r}: its gateware includes HDL "
                               f"(Plugin.hdl), which Amaranth's simulator cannot run: use "
                               f"simulator='verilator'")
    return simulator


def check_protocol(slot: AcceleratorSlot, *, l1_size: int = 8192, seed: int | None = None,
                   vcd_dir: str | Path | None = None, simulator: str | None = None) -> list[str]:
    """Run the protocol checks on `slot`'s gateware; returns the names of the checks passed.

    `simulator` is ``"amaranth"`` or ``"verilator"`` (a build of the unit next to the same L1
    model, run under cocotb); by default Amaranth's, Verilator's for a plug-in with HDL.

    Raises
    ------
    ConformanceError
        At the first check that fails: ``"<kind> <name>, seed S: <check>: <what>"`` (and the
        VCD file, with `vcd_dir`).
    """
    seed = random.randrange(1 << 16) if seed is None else seed
    simulator = simulator_for(slot, simulator)
    passed: list[str] = []
    failure: list[str] = []

    def simulate(vcd: Path | None):
        passed.clear()
        failure.clear()
        if simulator == "verilator":
            from .hdl import run_on_verilator

            result = run_on_verilator(slot, "protocol", l1_size=l1_size, seed=seed,
                                      stall=True, vcd=vcd)
            passed[:], failure[:] = result["passed"], result["failure"]
            return
        unit = slot.load_gateware()(slot, l1_size=l1_size, gated=False)
        bed = UnitBed(unit, l1_size, seed)
        run_bench(bed, protocol_bench(slot, unit, random.Random(seed), passed, failure), vcd)

    simulate(None)
    if failure:
        problem = failure[0]

        def rerun(path):
            simulate(path)
            failure[:] = [problem]

        fail(slot, seed, problem, vcd_dir, "", rerun)
    # the protocol's registers are all in the page
    names = {r.name for r in protocol_registers(slot.spec.desc_words, "")}
    missing = sorted(names - {r.name for r in slot.page.registers})
    if missing:
        raise ConformanceError(f"{slot.kind} {slot.name!r}: the page lacks {missing[0]}")
    return passed
