"""Address decoding on the system bus: one initiator, several targets, errors for the gaps."""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .bus import BusSignature

__all__ = ["Decoder"]


class Decoder(wiring.Component):
    """Route an initiator's requests to targets by address window.

    Each target ``i`` sees its window's offset on ``addr``; an address no window covers gets an
    error response one cycle later (the core turns it into an access-fault trap). The protocol
    allows one outstanding request per initiator, so the decoder only remembers which target owes
    the response.

    Parameters
    ----------
    windows : list of (str, int, int)
        ``(name, base, size)``; sizes are powers of two and bases aligned to them.
    """

    def __init__(self, windows):
        windows = list(windows)
        if not windows:
            raise ValueError("Decoder needs at least one window, not an empty list")
        for name, base, size in windows:
            if size <= 0 or size & (size - 1) or base % size:
                raise ValueError(f"Window {name!r} must be a power-of-two size aligned to its "
                                 f"base, not base={base:#x} size={size:#x}")
        for i, (na, ba, sa) in enumerate(windows):
            for nb, bb, sb in windows[i + 1:]:
                if ba < bb + sb and bb < ba + sa:
                    raise ValueError(f"Window {na!r} overlaps window {nb!r}")
        self.windows = windows
        members = {"bus": In(BusSignature())}
        for name, _, size in windows:
            members[name] = Out(BusSignature(max(2, (size - 1).bit_length())))
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        bus = self.bus
        targets = [getattr(self, name) for name, _, _ in self.windows]
        n = len(targets)
        hits = Signal(n)
        for i, (_, base, size) in enumerate(self.windows):
            m.d.comb += hits[i].eq((bus.addr >> (size.bit_length() - 1))
                                   == (base >> (size.bit_length() - 1)))

        pending = Signal()        # a response is owed
        pending_sel = Signal(n)   # by which target (one-hot; all zero: by the decoder, an error)
        rsp_now = Signal()
        for i, t in enumerate(targets):
            m.d.comb += [
                t.addr.eq(bus.addr),
                t.we.eq(bus.we),
                t.wdata.eq(bus.wdata),
                t.wstrb.eq(bus.wstrb),
            ]
            with m.If(pending_sel[i]):
                m.d.comb += [rsp_now.eq(t.rsp_valid), bus.rdata.eq(t.rdata), bus.err.eq(t.err)]
        miss_rsp = Signal()
        with m.If(pending & (pending_sel == 0)):
            m.d.comb += [rsp_now.eq(miss_rsp), bus.err.eq(1)]
        m.d.comb += bus.rsp_valid.eq(pending & rsp_now)

        # A new request may go out while the previous response arrives in the same cycle.
        free = ~pending | rsp_now
        ready = Signal()
        for i, t in enumerate(targets):
            m.d.comb += t.req_valid.eq(bus.req_valid & free & hits[i])
            with m.If(hits[i]):
                m.d.comb += ready.eq(t.req_ready)
        with m.If(hits == 0):
            m.d.comb += ready.eq(1)
        m.d.comb += bus.req_ready.eq(free & ready)

        accept = bus.req_valid & bus.req_ready
        m.d.sync += miss_rsp.eq(accept & (hits == 0))
        with m.If(accept):
            m.d.sync += [pending.eq(1), pending_sel.eq(hits)]
        with m.Elif(rsp_now):
            m.d.sync += pending.eq(0)
        return m
