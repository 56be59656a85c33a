"""The DMA's bench: the memory system with an AXI RAM as L3, driven in the Amaranth simulator
(no core), for the DMA tests and benches; the caller chooses the SoC config."""

from __future__ import annotations

import numpy as np
from amaranth import Module
from amaranth.lib import wiring
from amaranth.sim import Simulator

from hetsoc.accel.dma.encoder import Transfer, encode
from hetsoc.accel.dma.model import DmaModel
from hetsoc.hw.axi.ram import AxiRam
from hetsoc.hw.memsys import MemorySystem

from ...spec.regmap import DMA, DMA_CH_STRIDE

OPEN = (0, 0xFFFF_FFFF)


def reg(name: str, channel: int = 0) -> int:
    return DMA.offset(name) + (channel * DMA_CH_STRIDE if name.startswith("CH_") else 0)


class Top(wiring.Component):
    """The memory system and an AxiRam as L3; ``faults`` are AxiRam fault windows as bus
    addresses ``(lo, hi, resp)``; ``units`` the components behind the units' DMA windows, by
    slot name (each with a member ``dma``, ``In(SinkSignature)``)."""

    def __init__(self, config, faults=(), units=None):
        self.units = dict(units or {})
        self.mem = MemorySystem(config)
        self.l3 = AxiRam(config.l3.size, faults=[(lo - config.l3.base, hi - config.l3.base, resp)
                                                 for lo, hi, resp in faults])
        super().__init__({"bus": wiring.In(self.mem.dma_bus.signature.flip()),
                          "irq": wiring.Out(1)})

    def elaborate(self, platform):
        m = Module()
        m.submodules.mem = self.mem
        m.submodules.l3 = self.l3
        for name, unit in self.units.items():
            m.submodules[name] = unit
            wiring.connect(m, getattr(self.mem, f"{name}_dma"), unit.dma)
        wiring.connect(m, self.mem.m_axi, self.l3.axi)
        wiring.connect(m, wiring.flipped(self.bus), self.mem.dma_bus)
        m.d.comb += self.irq.eq(self.mem.irq)
        return m


class Bench:
    """Load memories from a :class:`DmaModel`, run a testbench coroutine, read memories back.

    ``faults``: L3 windows ``(lo, hi, resp)`` (bus addresses, resp SLVERR or DECERR) where the
    AXI RAM answers errors; the model knows them too. ``units``: as `Top`.
    """

    def __init__(self, config, seed=0, faults=(), units=None):
        self.config = config
        self.model = DmaModel(config, bus_errors=[(lo, hi) for lo, hi, _ in faults])
        rng = np.random.default_rng(seed)
        for mem in self.model.memories.values():
            mem[:] = rng.integers(0, 256, mem.size, dtype=np.uint8)
        self.top = Top(config, faults, units)
        for name, sram in (("l1", self.top.mem.l1), ("l2", self.top.mem.l2)):
            words = self.model.memories[name].view("<u4")
            for b, bank in enumerate(sram.bank_memories):
                bank.init = [int(w) for w in words[b::sram.banks]]
        self.top.l3.storage.init = [int(w) for w in self.model.memories["l3"].view("<u8")]
        self.result = {}

    async def write(self, ctx, addr, data):
        return await self._access(ctx, addr, data)

    async def read(self, ctx, addr):
        return await self._access(ctx, addr, None)

    async def _access(self, ctx, addr, data):
        bus = self.top.bus
        ctx.set(bus.req_valid, 1)
        ctx.set(bus.addr, addr)
        ctx.set(bus.we, data is not None)
        ctx.set(bus.wdata, data or 0)
        ctx.set(bus.wstrb, 0xF)
        await ctx.tick()
        ctx.set(bus.req_valid, 0)
        while not ctx.get(bus.rsp_valid):
            await ctx.tick()
        assert not ctx.get(bus.err), f"bus error at {addr:#x}"
        value = ctx.get(bus.rdata)
        await ctx.tick()
        return value

    async def set_windows(self, ctx, channel, rwin=OPEN, wwin=OPEN):
        for name, value in zip(("CH_RWIN_BASE", "CH_RWIN_END", "CH_WWIN_BASE", "CH_WWIN_END"),
                               (*rwin, *wwin), strict=True):
            await self.write(ctx, reg(name, channel), value)

    async def stage(self, ctx, channel, transfer: Transfer):
        """Write the descriptor into the staging registers (no push)."""
        for k, word in enumerate(encode(transfer)):
            await self.write(ctx, reg(f"CH_DESC{k}", channel), word)

    async def push(self, ctx, channel, transfer: Transfer):
        """Wait for a free queue slot, then stage and push ``transfer``."""
        while await self.read(ctx, reg("CH_PUSH", channel)) == 0:
            pass
        await self.stage(ctx, channel, transfer)
        await self.write(ctx, reg("CH_PUSH", channel), 1)

    async def completion(self, ctx, channel):
        """Wait for and pop the next completion: ``(tag, status)``."""
        while True:
            value = await self.read(ctx, reg("CH_CPL", channel))
            if value >> 31:
                await self.write(ctx, reg("CH_CPL", channel), 1)
                return value & 0xFFFF, (value >> 16) & 0xF

    def memory_bytes(self, ctx, name) -> np.ndarray:
        if name == "l3":
            words = [ctx.get(self.top.l3.storage.data[i])
                     for i in range(self.config.l3.size // 8)]
            return np.array(words, dtype="<u8").view(np.uint8)
        sram = getattr(self.top.mem, name)
        banks = [[ctx.get(bank.data[i]) for i in range(bank.depth)] for bank in sram.bank_memories]
        words = np.zeros(sram.size // 4, dtype="<u4")
        for b, values in enumerate(banks):
            words[b::sram.banks] = values
        return words.view(np.uint8)

    def run(self, body, max_cycles=200_000):
        """Run ``body(ctx, bench)``; afterwards ``self.final`` holds every memory's bytes."""
        sim = Simulator(self.top)
        sim.add_clock(1e-8)

        async def testbench(ctx):
            await body(ctx, self)
            self.final = {name: self.memory_bytes(ctx, name) for name in self.model.memories}

        sim.add_testbench(testbench)
        # In steps, so the simulation stops soon after the testbench ends.
        for step in range(1, -(-max_cycles // 1000) + 1):
            sim.run_until(step * 1000 * 1e-8)
            if hasattr(self, "final"):
                return
        raise AssertionError(f"testbench did not finish in {max_cycles} cycles")
