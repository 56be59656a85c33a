"""The register page every accelerator uses: the protocol of :mod:`hetsoc.spec.page`.

A unit subclasses `AcceleratorPage`, wires its engine to the protocol's signals and describes
only its own registers (from ``UNIT_BASE``). The page stages the descriptor, starts the engine,
keeps STATUS and the interrupt, and counts: cycles busy, cycles waiting on L1, the engine's
work units, and the bytes the unit moves over its L1 port (seen on the port itself, so no
engine can forget a path). So the NPU, the CIM and a plug-in behave alike to firmware: the
same STATUS bits, an interrupt that is a level until acknowledged, counters reset by a start.
"""

from __future__ import annotations

from amaranth import Cat, Module, Shape, Signal
from amaranth.lib.wiring import Out

from ...spec.page import CTRL, INFO, IRQ, STATUS
from ...spec.regmap import Peripheral
from .base import RegisterPage

__all__ = ["AcceleratorPage"]


class AcceleratorPage(RegisterPage):
    """Register page of an accelerator: members ``bus`` (the page), ``l1`` (the unit's L1
    port, ``Out(l1_signature)``), ``irq`` (``Out(1)``: pending & enabled events, a level until
    acknowledged) and ``active`` (``Out(1)``: busy, for the simulation's clock gate).

    The engine's side, plain signals a subclass connects in its ``elaborate``:

    ``desc`` (out, ``32 * desc_words``)
        The staged descriptor words, word 0 in the low bits.
    ``start`` (out)
        One cycle: CTRL was written with bit 0 set while not busy.
    ``busy`` (in)
        A descriptor is being checked or run.
    ``end`` (in)
        One cycle: the descriptor ended, accepted and done or refused; ``code`` holds its error
        code then (0: accepted).
    ``code`` (in, 8)
    ``stall`` (in)
        This busy cycle waits on L1.
    ``work`` (in, `work_width`)
        Work units done this cycle (added to WORK).
    ``unit_flags`` (in, 5)
        STATUS bits 3-7, the kind's own.

    Parameters
    ----------
    page : Peripheral
        The register map: `hetsoc.spec.page.protocol_registers` then the kind's own.
    desc_words : int
    l1_signature : wiring.Signature
        The unit's L1 port (``req_valid``/``req_ready``/``we``/``wstrb`` ...).
    work_width : int
        Width of ``work``.
    """

    def __init__(self, page: Peripheral, *, desc_words: int, l1_signature, work_width: int = 1,
                 extra_members=None):
        self.desc_words = desc_words
        self.port_bytes = Shape.cast(l1_signature.members["wdata"].shape).width // 8
        super().__init__(page, extra_members={
            "l1": Out(l1_signature), "irq": Out(1), "active": Out(1), **(extra_members or {})})
        self.desc = Signal(32 * desc_words)
        self.start = Signal()
        self.busy = Signal()
        self.end = Signal()
        self.code = Signal(8)
        self.stall = Signal()
        self.work = Signal(work_width)
        self.unit_flags = Signal(5)

    def elaborate_page(self) -> Module:
        m = super().elaborate_page()
        words = [Signal(32, name=f"desc{k}") for k in range(self.desc_words)]
        for k, word in enumerate(words):
            with m.If(self.write[f"DESC{k}"]):
                m.d.sync += word.eq(self.wdata)
            m.d.comb += self.read[f"DESC{k}"].eq(word)
        m.d.comb += [self.desc.eq(Cat(*words)),
                     self.start.eq(self.write["CTRL"] & CTRL(self.wdata[:CTRL.size]).start
                                   & ~self.busy),
                     self.active.eq(self.busy)]

        # STATUS: done and error say how the last descriptor ended; a start clears them.
        status = Signal(STATUS)
        done, error, code = Signal(), Signal(), Signal(8)
        with m.If(self.start):
            m.d.sync += [done.eq(0), error.eq(0), code.eq(0)]
        with m.Elif(self.end):
            m.d.sync += [done.eq(1), error.eq(self.code != 0), code.eq(self.code)]
        m.d.comb += [status.busy.eq(self.busy), status.done.eq(done), status.error.eq(error),
                     status.unit.eq(self.unit_flags), status.code.eq(code),
                     self.read["STATUS"].eq(status.as_value())]

        # IRQ: events latched until written back as 1s; the line is pending & enabled.
        pending, enable = Signal(IRQ.size), Signal(IRQ.size)
        events = Signal(IRQ)
        m.d.comb += [events.done.eq(self.end), events.error.eq(self.end & (self.code != 0))]
        with m.If(self.write["IRQ"]):
            m.d.sync += pending.eq((pending & ~self.wdata[:IRQ.size]) | events.as_value())
        with m.Else():
            m.d.sync += pending.eq(pending | events.as_value())
        with m.If(self.write["IRQ_EN"]):
            m.d.sync += enable.eq(self.wdata[:IRQ.size])
        m.d.comb += [self.read["IRQ"].eq(pending), self.read["IRQ_EN"].eq(enable),
                     self.irq.eq((pending & enable) != 0)]

        # Counters of the last descriptor, reset by its start.
        busy_cycles, stall_cycles, work = Signal(32), Signal(32), Signal(32)
        rd_bytes, wr_bytes = Signal(32), Signal(32)
        l1 = self.l1
        accepted = l1.req_valid & l1.req_ready
        with m.If(self.start):
            m.d.sync += [busy_cycles.eq(0), stall_cycles.eq(0), work.eq(0), rd_bytes.eq(0),
                         wr_bytes.eq(0)]
        with m.Else():
            with m.If(self.busy):
                m.d.sync += busy_cycles.eq(busy_cycles + 1)
                with m.If(self.stall):
                    m.d.sync += stall_cycles.eq(stall_cycles + 1)
            with m.If(self.work != 0):
                m.d.sync += work.eq(work + self.work)
            with m.If(accepted & ~l1.we):
                m.d.sync += rd_bytes.eq(rd_bytes + self.port_bytes)
            with m.If(accepted & l1.we):
                written = sum((l1.wstrb[i] for i in range(len(l1.wstrb))), start=0)
                m.d.sync += wr_bytes.eq(wr_bytes + written)
        m.d.comb += [self.read["BUSY_CYCLES"].eq(busy_cycles),
                     self.read["STALL_CYCLES"].eq(stall_cycles),
                     self.read["WORK"].eq(work),
                     self.read["L1_RD_BYTES"].eq(rd_bytes),
                     self.read["L1_WR_BYTES"].eq(wr_bytes),
                     self.read["INFO"].eq(INFO.const({"desc_words": self.desc_words,
                                                      "port_bytes": self.port_bytes}).as_value())]
        return m
