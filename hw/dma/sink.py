"""Serve DMA write chunks into a unit's DMA window: one beat per cycle, refused beats dropped."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.dma import LEN_WIDTH
from .ports import BurstWriteSignature, SinkSignature

__all__ = ["BurstSink"]


class BurstSink(wiring.Component):
    """Turn chunk commands on ``wr`` into beats on ``unit`` (`SinkSignature`).

    A beat inside the unit's in-use bytes ``[in_use_lo, in_use_hi)`` is not offered: it is
    dropped here, like a beat the unit refuses (``err``); from a refused beat on, the rest of
    its chunk is dropped too, and the chunk's ``done`` carries ``done_err``, so the channel ends
    the descriptor with a bus error. The unit sees only beats it may write. The next command is
    taken in the cycle the current chunk's last beat goes, so chunks stream without bubbles.

    ``in_use_lo`` / ``in_use_hi`` repeat the unit's, for the channel's up-front check.

    Parameters
    ----------
    addr_width : int
        log2 of the window's size; the offset is the low bits of the bus address (windows are
        aligned to their size).
    """

    def __init__(self, addr_width: int):
        super().__init__({
            "wr": In(BurstWriteSignature()), "unit": Out(SinkSignature(addr_width)),
            "in_use_lo": Out(addr_width + 1), "in_use_hi": Out(addr_width + 1),
        })

    def elaborate(self, platform):
        m = Module()
        wr, unit = self.wr, self.unit
        active = Signal()
        addr = Signal(len(unit.addr))
        left = Signal(LEN_WIDTH)
        failed = Signal()   # a beat of this chunk was refused
        m.d.comb += [self.in_use_lo.eq(unit.in_use_lo), self.in_use_hi.eq(unit.in_use_hi)]

        in_use = (addr >= unit.in_use_lo) & (addr < unit.in_use_hi)
        offer = active & wr.data_valid & ~in_use & ~failed
        refused = Signal()
        go = Signal()
        m.d.comb += [
            unit.valid.eq(offer), unit.addr.eq(addr), unit.data.eq(wr.data),
            refused.eq(active & wr.data_valid & (in_use | failed | unit.err)),
            go.eq((offer & (unit.ready | unit.err)) | refused),
            wr.data_ready.eq(active & ((offer & (unit.ready | unit.err)) | in_use | failed)),
        ]
        last = go & (left == 1)
        m.d.comb += wr.cmd_ready.eq(~active | last)
        with m.If(go):
            m.d.sync += [addr.eq(addr + 8), left.eq(left - 1)]
            with m.If(refused):
                m.d.sync += failed.eq(1)
            with m.If(last):
                m.d.sync += active.eq(0)
        with m.If(wr.cmd_valid & wr.cmd_ready):
            m.d.sync += [active.eq(1), addr.eq(wr.cmd_addr), left.eq(wr.cmd_len),
                         failed.eq(0)]
        m.d.sync += [wr.done.eq(last), wr.done_err.eq(last & (failed | refused))]
        return m
