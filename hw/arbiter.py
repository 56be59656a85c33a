"""Two initiators on one system-bus port: the core first, the host's window when it is idle."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .bus import BusSignature

__all__ = ["BusArbiter"]


class BusArbiter(wiring.Component):
    """``first`` (the core) and ``second`` (the board host's window) share ``bus``.

    Combinational pass-through: a request of ``first`` goes out in the cycle it is made, so the
    core's timing is exactly that of a private bus; ``second`` is granted in cycles ``first``
    does not ask. Responses go back to whoever made the request outstanding (the bus allows one
    at a time per initiator, and a decoder behind holds one at a time in all).
    """

    def __init__(self):
        super().__init__({
            "first": In(BusSignature()), "second": In(BusSignature()),
            "bus": Out(BusSignature()),
        })

    def elaborate(self, platform):
        m = Module()
        a, b, bus = self.first, self.second, self.bus
        pick_b = ~a.req_valid
        owner_b = Signal()  # the outstanding request (if any) is second's
        for src in (a, b):
            m.d.comb += src.rdata.eq(bus.rdata)
        with m.If(pick_b):
            m.d.comb += [bus.addr.eq(b.addr), bus.we.eq(b.we), bus.wdata.eq(b.wdata),
                         bus.wstrb.eq(b.wstrb), bus.req_valid.eq(b.req_valid),
                         b.req_ready.eq(bus.req_ready)]
        with m.Else():
            m.d.comb += [bus.addr.eq(a.addr), bus.we.eq(a.we), bus.wdata.eq(a.wdata),
                         bus.wstrb.eq(a.wstrb), bus.req_valid.eq(a.req_valid),
                         a.req_ready.eq(bus.req_ready)]
        m.d.comb += [
            a.rsp_valid.eq(bus.rsp_valid & ~owner_b), a.err.eq(bus.err),
            b.rsp_valid.eq(bus.rsp_valid & owner_b), b.err.eq(bus.err),
        ]
        with m.If(bus.req_valid & bus.req_ready):
            m.d.sync += owner_b.eq(pick_b)
        return m
