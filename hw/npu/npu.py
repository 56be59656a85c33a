"""The NPU as a bus peripheral: `NpuCore` behind its register page, the accelerator protocol
(`AcceleratorPage`) plus the NPU's own registers: weight loading and its geometry."""

from __future__ import annotations

from amaranth import Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from ...spec.npu import DESC_WORDS, GEOMETRY, NPU_SPEC, NpuParams
from ...spec.regmap import Peripheral
from ..dma.ports import SinkSignature
from ..periph.accel_page import AcceleratorPage
from .core import NpuCore
from .port import NpuL1Signature
from .regs import NPU_REGS

__all__ = ["Npu"]


class Npu(AcceleratorPage):
    """Register page + core: ``bus`` (In BusSignature(12)), ``l1`` (Out NpuL1Signature),
    ``irq`` (Out(1), level: pending & enabled), ``active`` (Out(1), a layer is running),
    ``dma`` (In `SinkSignature`: the weight memory as a DMA destination).

    Weights arrive two ways, into the same memory: ``WMEM_ADDR``/``WMEM_DATA`` (the CPU, a word
    per ``rows / 4`` writes) and DMA beats into the unit's window, whose byte ``i`` is byte
    ``i % rows`` of word ``i // rows`` (8 bytes a cycle; two cycles a beat when a word is 4
    bytes). A DMA beat into the words the running layer reads (`Control`: ``w_lo``..``w_hi``)
    is refused (the DMA ends with a bus error; the engine refuses such a descriptor before it
    moves a byte), so the next layer's weights can stream in while this one computes. A CPU
    word and a DMA beat in the same cycle: the CPU's goes first, the beat waits a cycle.

    Parameters
    ----------
    rows, cols, l1_size, weight_memory : int
        As `NpuCore` (an ``npu`` slot's parameters and ``SocConfig.l1.size``).
    gated_capture : bool
        As `NpuCore` (the simulation build).
    page : Peripheral, optional
        The register page (a slot's, named after it); `NPU_REGS` by default.
    """

    def __init__(self, rows: int = 16, cols: int = 16, *, l1_size: int = 1 << 18,
                 weight_memory: int = 1 << 16, gated_capture: bool = False,
                 page: Peripheral = NPU_REGS):
        if rows % 4:
            raise ValueError(f"rows must be a multiple of 4, not {rows!r}")
        self.core = NpuCore(rows, cols, l1_size=l1_size, weight_memory=weight_memory,
                            gated_capture=gated_capture)
        sink = NPU_SPEC.dma_sink(NpuParams(rows, cols, weight_memory))
        #: log2 of the DMA window's bytes (`SocConfig.dma_sinks` rounds it the same way).
        self.dma_width = max(10, (sink - 1).bit_length())
        super().__init__(page, desc_words=DESC_WORDS,
                         l1_signature=NpuL1Signature(self.core.log_l1, self.core.port_bytes),
                         work_width=len(self.core.work),
                         extra_members={"dma": In(SinkSignature(self.dma_width))})

    @classmethod
    def for_slot(cls, slot, *, l1_size: int, gated: bool) -> Npu:
        """The plug-in factory (`hetsoc.spec.accelerators.Plugin.gateware`) of an ``npu``
        slot."""
        p = slot.params
        return cls(p.rows, p.cols, l1_size=l1_size, weight_memory=p.weight_memory,
                   gated_capture=gated, page=slot.page)

    def elaborate(self, platform):
        m = self.elaborate_page()
        core = self.core
        m.submodules.core = core
        wiring.connect(m, wiring.flipped(self.l1), core.l1)
        # the protocol's engine side: the core's done and error flags rise when a layer ends
        ended = core.done | core.error
        was = Signal()
        m.d.sync += was.eq(ended)
        m.d.comb += [core.desc.as_value().eq(self.desc), core.start.eq(self.start),
                     self.busy.eq(core.busy), self.end.eq(ended & ~was),
                     self.code.eq(core.err_code), self.stall.eq(core.stall),
                     self.work.eq(core.work)]
        m.d.comb += [self.read["GEOMETRY"].eq(GEOMETRY.const({"rows": core.rows,
                                                              "cols": core.cols}).as_value()),
                     self.read["WMEM_WORDS"].eq(core.weight_words)]
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
        cpu_word = Signal()
        with m.If(self.write["WMEM_DATA"]):
            m.d.sync += stage.eq(word)
            with m.If(part == rows // 4 - 1):
                m.d.comb += [cpu_word.eq(1), core.wmem_we.eq(-1), core.wmem_addr.eq(addr),
                             core.wmem_data.eq(word)]
                m.d.sync += [addr.eq(addr + 1), part.eq(0)]
            with m.Else():
                m.d.sync += part.eq(part + 1)
        self._dma_weights(m, cpu_word)
        return m

    def _dma_weights(self, m, cpu_word):
        """DMA beats into the weight memory, a lane of a word per cycle."""
        core, dma = self.core, self.dma
        rows, log_r = core.rows, core.log_r
        m.d.comb += [dma.in_use_lo.eq(core.w_lo * rows), dma.in_use_hi.eq(core.w_hi * rows)]
        word = dma.addr[log_r:]
        m.d.comb += dma.err.eq(dma.valid & (word >= core.weight_words))
        write = dma.valid & ~dma.err & ~cpu_word
        if rows >= 8:   # a beat is one 8-byte lane of a word
            lane = dma.addr[3:log_r]
            m.d.comb += dma.ready.eq(write)
            with m.If(write):
                m.d.comb += [core.wmem_we.eq(1 << lane), core.wmem_addr.eq(word),
                             core.wmem_data.eq(dma.data.replicate(rows // 8))]
        else:           # a beat is two 4-byte words, written in two cycles
            second = Signal()
            with m.If(write):
                m.d.sync += second.eq(~second)
                m.d.comb += [dma.ready.eq(second), core.wmem_we.eq(1),
                             core.wmem_addr.eq(word + second),
                             core.wmem_data.eq(dma.data.word_select(second, 32))]
