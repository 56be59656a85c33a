"""The NPU as a bus peripheral: `NpuCore` behind the `NPU_REGS` register page."""

from __future__ import annotations

from amaranth import Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import Out

from ..periph.base import RegisterPage
from .core import NpuCore
from .descriptor import DESC_WORDS
from .port import NpuL1Signature
from .regs import NPU_REGS

__all__ = ["Npu"]


class Npu(RegisterPage):
    """Register page + core: ``bus`` (In BusSignature(12)), ``l1`` (Out NpuL1Signature),
    ``irq`` (Out(1), level: pending & enabled), ``active`` (Out(1), a layer is running).

    Parameters
    ----------
    rows, cols, l1_size, weight_memory : int
        As `NpuCore` (``SocConfig.npu`` and ``SocConfig.l1.size``).
    gated_capture : bool
        As `NpuCore` (the simulation build).
    """

    def __init__(self, rows: int = 16, cols: int = 16, *, l1_size: int = 1 << 18,
                 weight_memory: int = 1 << 16, gated_capture: bool = False):
        if rows % 4:
            raise ValueError(f"rows must be a multiple of 4, not {rows!r}")
        self.core = NpuCore(rows, cols, l1_size=l1_size, weight_memory=weight_memory,
                            gated_capture=gated_capture)
        super().__init__(NPU_REGS, extra_members={
            "l1": Out(NpuL1Signature(self.core.log_l1, self.core.port_bytes)), "irq": Out(1),
            "active": Out(1)})

    def elaborate(self, platform):
        m = self.elaborate_page()
        core = self.core
        m.submodules.core = core
        wiring.connect(m, wiring.flipped(self.l1), core.l1)
        desc = [Signal(32, name=f"desc{k}") for k in range(DESC_WORDS)]
        for k, word in enumerate(desc):
            with m.If(self.write[f"DESC{k}"]):
                m.d.sync += word.eq(self.wdata)
            m.d.comb += self.read[f"DESC{k}"].eq(word)
        m.d.comb += [core.desc.as_value().eq(sum((w << (32 * k) for k, w in enumerate(desc)),
                                                 start=0)),
                     core.start.eq(self.write["CTRL"] & self.wdata[0])]
        m.d.comb += self.active.eq(core.busy)  # for the simulation's clock gate (Soc)
        m.d.comb += self.read["STATUS"].eq(core.busy | (core.done << 1) | (core.error << 2)
                                           | (core.err_code << 8))
        pending, enable = Signal(2), Signal(2)
        was = Signal(2)
        now = core.done | (core.error << 1)
        m.d.sync += was.eq(now)
        rise = now & ~was
        with m.If(self.write["IRQ"]):
            m.d.sync += pending.eq((pending & ~self.wdata[:2]) | rise)
        with m.Else():
            m.d.sync += pending.eq(pending | rise)
        with m.If(self.write["IRQ_EN"]):
            m.d.sync += enable.eq(self.wdata[:2])
        m.d.comb += [self.read["IRQ"].eq(pending), self.read["IRQ_EN"].eq(enable),
                     self.irq.eq((pending & enable) != 0),
                     self.read["BUSY_CYCLES"].eq(core.busy_cycles),
                     self.read["STALL_CYCLES"].eq(core.stall_cycles),
                     self.read["MACS"].eq(core.macs)]
        # weights: rows/4 words of 32 bits make one weight-memory word
        rows = core.rows
        addr = Signal(range(core.weight_words))
        part = Signal(range(max(2, rows // 4)))
        stage = Signal(8 * rows)
        with m.If(self.write["WMEM_ADDR"]):
            m.d.sync += [addr.eq(self.wdata), part.eq(0)]
        m.d.comb += self.read["WMEM_ADDR"].eq(addr)
        word = Signal(8 * rows)
        m.d.comb += [word.eq(stage), word.word_select(part, 32).eq(self.wdata)]
        with m.If(self.write["WMEM_DATA"]):
            m.d.sync += stage.eq(word)
            with m.If(part == rows // 4 - 1):
                m.d.comb += [core.wmem_we.eq(1), core.wmem_addr.eq(addr), core.wmem_data.eq(word)]
                m.d.sync += [addr.eq(addr + 1), part.eq(0)]
            with m.Else():
                m.d.sync += part.eq(part + 1)
        return m
