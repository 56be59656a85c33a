"""The DMA's AXI4 master: its L3 burst ports as INCR bursts on one AXI4 port."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.fifo import SyncFIFO
from amaranth.lib.wiring import In, Out

from ...spec.dma import LEN_WIDTH
from ..dma.ports import BurstReadSignature, BurstWriteSignature
from .signature import Axi4Signature

__all__ = ["AxiBurstMaster"]

# Write bursts whose data has not all gone out yet; AW may run this far ahead of W.
_W_DEPTH = 4


def _is_error(resp):
    """SLVERR (0b10) or DECERR (0b11). EXOKAY (0b01) only answers exclusive accesses, which this
    master never makes; a subordinate that sends it anyway did the access, so it counts as OKAY."""
    return resp[1]


class AxiBurstMaster(wiring.Component):
    """A chunk is one burst: AR/AW carry it, R beats return with no back-pressure (the
    channel reserved room), W beats follow AW order with WLAST on the chunk's last beat, and
    each B response is the chunk's ``done``. Bursts are pipelined: several may be outstanding,
    in order (a single ID).

    An R beat with RRESP SLVERR or DECERR comes up as a beat with ``rd.data_err``; a B response
    with BRESP SLVERR or DECERR as ``done`` with ``wr.done_err``. The master itself goes on as
    AXI requires (it takes every R beat of an accepted burst and sends every W beat of an
    accepted AW); stopping the transfer is the channel's business.
    """

    def __init__(self):
        super().__init__({
            "rd": In(BurstReadSignature()), "wr": In(BurstWriteSignature()),
            "axi": Out(Axi4Signature(32, 64)),
        })

    def elaborate(self, platform):
        m = Module()
        rd, wr, axi = self.rd, self.wr, self.axi
        m.d.comb += [
            axi.arvalid.eq(rd.cmd_valid), axi.araddr.eq(rd.cmd_addr),
            axi.arlen.eq(rd.cmd_len - 1), axi.arsize.eq(3), axi.arburst.eq(1),
            rd.cmd_ready.eq(axi.arready),
            axi.rready.eq(1),
            rd.data_valid.eq(axi.rvalid), rd.data.eq(axi.rdata),
            rd.data_err.eq(_is_error(axi.rresp)),
        ]
        # Lengths of the bursts whose W beats are still to go, for WLAST.
        m.submodules.wlens = wlens = SyncFIFO(width=LEN_WIDTH, depth=_W_DEPTH)
        beats = Signal(LEN_WIDTH)
        m.d.comb += [
            axi.awvalid.eq(wr.cmd_valid & wlens.w_rdy), axi.awaddr.eq(wr.cmd_addr),
            axi.awlen.eq(wr.cmd_len - 1), axi.awsize.eq(3), axi.awburst.eq(1),
            wr.cmd_ready.eq(axi.awready & wlens.w_rdy),
            wlens.w_en.eq(axi.awvalid & axi.awready), wlens.w_data.eq(wr.cmd_len),
            axi.wvalid.eq(wr.data_valid & wlens.r_rdy), axi.wdata.eq(wr.data),
            axi.wstrb.eq(0xFF), axi.wlast.eq(beats + 1 == wlens.r_data),
            wr.data_ready.eq(axi.wready & wlens.r_rdy),
            axi.bready.eq(1), wr.done.eq(axi.bvalid), wr.done_err.eq(_is_error(axi.bresp)),
        ]
        with m.If(axi.wvalid & axi.wready):
            with m.If(axi.wlast):
                m.d.sync += beats.eq(0)
                m.d.comb += wlens.r_en.eq(1)
            with m.Else():
                m.d.sync += beats.eq(beats + 1)
        return m
