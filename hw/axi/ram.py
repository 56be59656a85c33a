"""An AXI4 RAM model (subordinate side): the L3 memory for the Amaranth simulator and tests."""

from amaranth import Module, Signal
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In

from .signature import Axi4Signature

__all__ = ["AxiRam"]


class AxiRam(wiring.Component):
    """A 64-bit AXI4 RAM answering INCR bursts at one beat per cycle.

    Reads and writes proceed independently; the next burst's address is taken in the cycle the
    previous burst's last beat goes out, so back-to-back bursts stream without bubbles. The
    address is taken modulo ``size`` (the L3 window is aligned to its size). The storage is
    ``self.storage`` (64-bit words), loadable as initial contents or through the simulator.

    Parameters
    ----------
    size : int
        Bytes, a power of two of at least 8.
    init : list of int, optional
        Initial 64-bit words.
    """

    def __init__(self, size: int, init=()):
        if not isinstance(size, int) or size < 8 or size & (size - 1):
            raise ValueError(f"Size must be a power of two of at least 8 bytes, not {size!r}")
        self.size = size
        super().__init__({"axi": In(Axi4Signature(32, 64))})
        self.storage = memory.Memory(shape=64, depth=size // 8, init=list(init))

    def elaborate(self, platform):
        m = Module()
        axi = self.axi
        m.submodules.storage = self.storage
        rport = self.storage.read_port()
        wport = self.storage.write_port(granularity=8)
        index_bits = (self.size // 8 - 1).bit_length()

        # Read bursts: issue a read when the beat slot is free; hold data while rready is low.
        ractive = Signal()
        raddr = Signal(index_bits)
        rleft = Signal(9)
        issue = ractive & (~axi.rvalid | axi.rready)
        rlast_issue = issue & (rleft == 1)
        m.d.comb += [
            axi.arready.eq(~ractive | rlast_issue),
            rport.addr.eq(raddr), rport.en.eq(issue), axi.rdata.eq(rport.data),
            axi.rid.eq(0), axi.rresp.eq(0),
        ]
        with m.If(issue):
            m.d.sync += [raddr.eq(raddr + 1), rleft.eq(rleft - 1), axi.rlast.eq(rleft == 1)]
            with m.If(rleft == 1):
                m.d.sync += ractive.eq(0)
        with m.If(issue):
            m.d.sync += axi.rvalid.eq(1)
        with m.Elif(axi.rready):
            m.d.sync += axi.rvalid.eq(0)
        with m.If(axi.arvalid & axi.arready):
            m.d.sync += [ractive.eq(1), raddr.eq(axi.araddr[3:3 + index_bits]),
                         rleft.eq(axi.arlen + 1)]

        # Write bursts: beats land as they come; one B per burst, counted so none is lost.
        wactive = Signal()
        waddr = Signal(index_bits)
        bpending = Signal(4)
        wbeat = axi.wvalid & axi.wready
        wend = wbeat & axi.wlast
        m.d.comb += [
            axi.awready.eq((~wactive | wend) & (bpending < 8)),
            axi.wready.eq(wactive),
            wport.addr.eq(waddr), wport.data.eq(axi.wdata),
            wport.en.eq(axi.wstrb & wbeat.replicate(8)),
            axi.bid.eq(0), axi.bresp.eq(0), axi.bvalid.eq(bpending != 0),
        ]
        with m.If(wbeat):
            m.d.sync += waddr.eq(waddr + 1)
            with m.If(axi.wlast):
                m.d.sync += wactive.eq(0)
        with m.If(axi.awvalid & axi.awready):
            m.d.sync += [wactive.eq(1), waddr.eq(axi.awaddr[3:3 + index_bits])]
        m.d.sync += bpending.eq(bpending + wend - (axi.bvalid & axi.bready))
        return m
