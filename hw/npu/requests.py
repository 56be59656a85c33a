"""The NPU's L1 port, shared by the fetcher's reads, the drain's writes and the residual add.

At most one request is outstanding, and the next one goes out in the cycle the response of the
last arrives (`NpuL1Signature`), so a one-cycle L1 moves a word per cycle. The drain's writes
go first when both a read and a write wait: a tile's last tap waits for the drain to be idle
(it frees the shadow bank), while the fetcher is usually a row ahead. A request not accepted
keeps its direction until it is (the port requires it unchanged), even if the other side
starts asking meanwhile. The residual add runs alone, reading and writing in turn, so its
requests need no priority.
"""

from __future__ import annotations

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .port import NpuL1Signature

__all__ = ["RequestMux"]


class RequestMux(wiring.Component):
    """One request at a time on ``l1``, from three initiators.

    Parameters
    ----------
    addr_width, data_bytes : int
        As `NpuL1Signature`.

    Members
    -------
    l1 : Out(NpuL1Signature(addr_width, data_bytes))
    fetch_req : In(1), fetch_addr : In(addr_width)
        The fetcher's read.
    drain_req : In(1), drain_addr, drain_wdata, drain_wstrb : In
        The drain's write.
    add_req, add_we : In(1), add_addr, add_wdata, add_wstrb : In
        The residual add's read or write.
    adding : In(1)
        A residual add runs (the drain is idle then; its address is not used).
    own_w : Out(1)
        The request presented is a write (the drain's, or the add's).
    accepted : Out(1)
        The request presented is accepted in this cycle.
    outst, outst_read : Out(1)
        A request is outstanding, and it is a read.
    read_rsp : Out(1)
        The response of a read arrives (``l1.rdata`` holds its word).
    stall : Out(1)
        A request waits for acceptance, or a response for L1.
    """

    def __init__(self, addr_width: int, data_bytes: int):
        self.addr_width, self.data_bytes = addr_width, data_bytes
        word, strb = 8 * data_bytes, data_bytes
        super().__init__({
            "l1": Out(NpuL1Signature(addr_width, data_bytes)),
            "fetch_req": In(1), "fetch_addr": In(addr_width),
            "drain_req": In(1), "drain_addr": In(addr_width), "drain_wdata": In(word),
            "drain_wstrb": In(strb),
            "add_req": In(1), "add_we": In(1), "add_addr": In(addr_width),
            "add_wdata": In(word), "add_wstrb": In(strb),
            "adding": In(1),
            "own_w": Out(1), "accepted": Out(1), "outst": Out(1), "outst_read": Out(1),
            "read_rsp": Out(1), "stall": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        l1, own_w, outst = self.l1, self.own_w, self.outst
        held = Signal()          # the request presented last cycle was not accepted
        held_w = Signal()        # ... and it was a write
        can_issue = ~outst | l1.rsp_valid
        m.d.comb += own_w.eq(Mux(held, held_w, self.drain_req | self.add_we))
        m.d.comb += [l1.req_valid.eq(can_issue & Mux(own_w, self.drain_req | self.add_req,
                                                     self.fetch_req | self.add_req)),
                     l1.we.eq(own_w)]
        # the request's fields: the add's while it runs, else the owner's (0 when none asks)
        with m.If(self.fetch_req & ~own_w):
            m.d.comb += l1.addr.eq(self.fetch_addr)
        with m.If(own_w & ~self.adding):
            m.d.comb += [l1.addr.eq(self.drain_addr), l1.wdata.eq(self.drain_wdata),
                         l1.wstrb.eq(self.drain_wstrb)]
        with m.If(self.add_req):
            m.d.comb += [l1.addr.eq(self.add_addr), l1.wdata.eq(self.add_wdata),
                         l1.wstrb.eq(self.add_wstrb)]
        m.d.comb += self.accepted.eq(l1.req_valid & l1.req_ready)
        m.d.sync += [held.eq(l1.req_valid & ~l1.req_ready), held_w.eq(own_w)]
        with m.If(self.accepted):
            m.d.sync += [outst.eq(1), self.outst_read.eq(~own_w)]
        with m.Elif(l1.rsp_valid):
            m.d.sync += outst.eq(0)
        m.d.comb += [self.read_rsp.eq(l1.rsp_valid & outst & self.outst_read),
                     self.stall.eq((l1.req_valid & ~l1.req_ready) | (outst & ~l1.rsp_valid))]
        self._dbg = dict(outst=outst, held=held)
        return m
