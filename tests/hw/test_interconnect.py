"""The bus decoder, memories and peripherals, driven directly in the Amaranth simulator."""

import pytest
from amaranth import Module
from amaranth.lib import wiring
from amaranth.sim import Simulator

from hetsoc.hw.interconnect import Decoder
from hetsoc.hw.memory import BankedSram, MainMemory
from hetsoc.hw.periph.finisher import Finisher, FinishStatus
from hetsoc.hw.periph.timer import Timer
from hetsoc.spec.regmap import FINISHER, TIMER

MEM_BASE, PERIPH_BASE = 0x8000_0000, 0x0200_0000


class Fabric(wiring.Component):
    """A decoder with a main memory, a banked SRAM and a timer behind it."""

    def __init__(self):
        self.decoder = Decoder([("main", MEM_BASE, 0x1000), ("sram", 0x1000_0000, 0x1000),
                                ("timer", PERIPH_BASE, 0x1000)])
        super().__init__({"bus": wiring.In(self.decoder.bus.signature.flip())})

    def elaborate(self, platform):
        m = Module()
        m.submodules.decoder = dec = self.decoder
        m.submodules.main = main = MainMemory(0x1000)
        m.submodules.sram = sram = BankedSram(0x1000, 4)
        m.submodules.timer = timer = Timer()
        wiring.connect(m, wiring.flipped(self.bus), dec.bus)
        wiring.connect(m, dec.main, main.data)
        wiring.connect(m, dec.sram, sram.bus)
        wiring.connect(m, dec.timer, timer.bus)
        return m


async def access(ctx, bus, addr, wdata=None, wstrb=0xF):
    """One request/response; returns (rdata, err, cycles from request to response)."""
    ctx.set(bus.req_valid, 1)
    ctx.set(bus.addr, addr)
    ctx.set(bus.we, wdata is not None)
    ctx.set(bus.wdata, wdata or 0)
    ctx.set(bus.wstrb, wstrb)
    cycles = 0
    while True:
        _, _, ready = await ctx.tick().sample(bus.req_ready)
        cycles += 1
        if ready:
            break
    ctx.set(bus.req_valid, 0)
    while not ctx.get(bus.rsp_valid):
        await ctx.tick()
        cycles += 1
    return ctx.get(bus.rdata), ctx.get(bus.err), cycles


def run(dut, bench):
    sim = Simulator(dut)
    sim.add_clock(1e-6)
    sim.add_testbench(bench)
    sim.run()


def test_decoder_routes_and_reports_unmapped_addresses():
    dut = Fabric()

    async def bench(ctx):
        bus = dut.bus
        for base in (MEM_BASE, 0x1000_0000):
            for i, value in enumerate((0x1122_3344, 0xDEAD_BEEF, 0x0BAD_F00D, 0x5555_AAAA)):
                assert (await access(ctx, bus, base + 4 * i, value))[1] == 0
            for i, value in enumerate((0x1122_3344, 0xDEAD_BEEF, 0x0BAD_F00D, 0x5555_AAAA)):
                rdata, err, cycles = await access(ctx, bus, base + 4 * i)
                assert (rdata, err, cycles) == (value, 0, 1)
            # Byte strobes write only their lane.
            await access(ctx, bus, base, 0xFFFF_FFFF, wstrb=0b0010)
            assert (await access(ctx, bus, base))[0] == 0x1122_FF44
        for unmapped in (0x0000_0000, 0x3000_0000, MEM_BASE + 0x1000):
            rdata, err, cycles = await access(ctx, bus, unmapped)
            assert err == 1 and cycles == 1
            assert (await access(ctx, bus, unmapped, 1))[1] == 1

    run(dut, bench)


def test_timer_counts_and_interrupts():
    dut = Fabric()

    async def bench(ctx):
        bus = dut.bus
        lo = PERIPH_BASE + TIMER.offset("MTIME_LO")
        first = (await access(ctx, bus, lo))[0]
        second = (await access(ctx, bus, lo))[0]
        assert second - first == 1  # one access per cycle, back to back
        assert (await access(ctx, bus, PERIPH_BASE + TIMER.offset("MTIMECMP_HI")))[0] == 0xFFFFFFFF
        # An unnamed register offset and a partial write are bus errors.
        assert (await access(ctx, bus, PERIPH_BASE + 0x40))[1] == 1
        assert (await access(ctx, bus, lo, 5, wstrb=0b0001))[1] == 1

    run(dut, bench)


@pytest.mark.parametrize("window", [("a", 0x1000, 0x1800), ("a", 0x1800, 0x1000)])
def test_decoder_rejects_bad_windows(window):
    with pytest.raises(ValueError, match=r"Window 'a' must be a power-of-two size aligned"):
        Decoder([window])


def test_decoder_rejects_overlaps():
    with pytest.raises(ValueError, match=r"Window 'a' overlaps window 'b'"):
        Decoder([("a", 0x1000, 0x1000), ("b", 0x1000, 0x100)])


def test_finisher_htif_and_fatal_double_fault():
    dut = Finisher()

    async def bench(ctx):
        ctx.set(dut.tohost_addr, 0x8000_1000)
        # A store elsewhere, and an even value to tohost (an HTIF syscall), change nothing.
        for addr, data in ((0x8000_2000, 1), (0x8000_1000, 2)):
            ctx.set(dut.snoop_valid, 1)
            ctx.set(dut.snoop_addr, addr)
            ctx.set(dut.snoop_data, data)
            await ctx.tick()
        ctx.set(dut.snoop_valid, 0)
        assert ctx.get(dut.status) == FinishStatus.RUNNING
        # An illegal instruction trap to an unset mtvec (0), then the fetch fault at 0.
        for cause, pc, tval, target in ((2, 0x8000_0010, 0xFFFF_FFFF, 0), (1, 0, 0, 0)):
            ctx.set(dut.trap_valid, 1)
            ctx.set(dut.trap_cause, cause)
            ctx.set(dut.trap_pc, pc)
            ctx.set(dut.trap_tval, tval)
            ctx.set(dut.trap_target, target)
            await ctx.tick()
        ctx.set(dut.trap_valid, 0)
        assert ctx.get(dut.status) == FinishStatus.FATAL
        assert (ctx.get(dut.last_cause), ctx.get(dut.last_pc), ctx.get(dut.last_tval)) == \
            (2, 0x8000_0010, 0xFFFF_FFFF)

    run(dut, bench)


def test_finisher_exit_register_and_tohost_fail_code():
    for via_tohost in (False, True):
        dut = Finisher()

        async def bench(ctx, via_tohost=via_tohost, dut=dut):
            if via_tohost:
                ctx.set(dut.tohost_addr, 0x8000_1000)
                ctx.set(dut.snoop_valid, 1)
                ctx.set(dut.snoop_addr, 0x8000_1000)
                ctx.set(dut.snoop_data, (7 << 1) | 1)
                await ctx.tick()
            else:
                await access(ctx, dut.bus, FINISHER.offset("EXIT"), 7)
            assert ctx.get(dut.status) == FinishStatus.EXIT
            assert ctx.get(dut.code) == 7

        run(dut, bench)
