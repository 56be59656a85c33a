"""Share one memory's burst ports between the DMA channels, chunk by chunk."""

from amaranth import Array, Cat, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.fifo import SyncFIFO
from amaranth.lib.wiring import In, Out

from ...spec.dma import LEN_WIDTH, ORDER_DEPTH
from .ports import BurstReadSignature, BurstWriteSignature

__all__ = ["BurstArbiter"]



class BurstArbiter(wiring.Component):
    """Round-robin between ``n`` initiators' commands; route each chunk's data in order.

    Commands from different initiators interleave chunk by chunk; the order in which they were
    granted is kept in a small queue, so read beats go back (and write beats are taken from, and
    ``done`` pulses go back) to the initiator that owns the chunk in progress. Error flags
    (``data_err``, ``done_err``) travel with the beat or ``done`` they qualify.

    Parameters
    ----------
    n : int
        Number of initiators (ports ``up0`` .. ``up{n-1}``); ``down`` goes to the target.
    kind : {"read", "write"}
    """

    def __init__(self, n: int, kind: str):
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"Initiator count must be a positive integer, not {n!r}")
        if kind not in ("read", "write"):
            raise ValueError(f"Kind must be 'read' or 'write', not {kind!r}")
        self.n = n
        self.kind = kind
        sig = BurstReadSignature() if kind == "read" else BurstWriteSignature()
        members = {f"up{i}": In(sig) for i in range(n)}
        members["down"] = Out(sig)
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        n = self.n
        ups = [getattr(self, f"up{i}") for i in range(n)]
        down = self.down
        idx_bits = max(1, (n - 1).bit_length())

        # Round robin: the first requester after the last one granted.
        last = Signal(idx_bits)
        pick = Signal(idx_bits)
        any_valid = Signal()
        valid = Cat(*(u.cmd_valid for u in ups))
        m.d.comb += any_valid.eq(valid.any())
        for offset in reversed(range(n)):
            for cand in range(n):
                with m.If((last == (cand - 1 - offset) % n) & valid[cand]):
                    m.d.comb += pick.eq(cand)

        m.submodules.order = order = SyncFIFO(width=idx_bits + LEN_WIDTH, depth=ORDER_DEPTH)
        room = order.w_rdy
        if self.kind == "write":
            m.submodules.bq = bq = SyncFIFO(width=idx_bits, depth=ORDER_DEPTH)
            room = room & bq.w_rdy
        ua = Array(ups)
        m.d.comb += [
            down.cmd_valid.eq(any_valid & room),
            down.cmd_addr.eq(ua[pick].cmd_addr),
            down.cmd_len.eq(ua[pick].cmd_len),
        ]
        accept = down.cmd_valid & down.cmd_ready
        for i, u in enumerate(ups):
            m.d.comb += u.cmd_ready.eq(down.cmd_ready & room & (pick == i))
        m.d.comb += [order.w_en.eq(accept), order.w_data.eq(Cat(pick, ua[pick].cmd_len))]
        with m.If(accept):
            m.d.sync += last.eq(pick)

        owner = order.r_data[:idx_bits]
        length = order.r_data[idx_bits:]
        beats = Signal(LEN_WIDTH)
        if self.kind == "read":
            beat = down.data_valid
            for i, u in enumerate(ups):
                m.d.comb += [u.data.eq(down.data), u.data_err.eq(down.data_err),
                             u.data_valid.eq(beat & (owner == i))]
        else:
            beat = down.data_valid & down.data_ready
            m.d.comb += [
                down.data_valid.eq(order.r_rdy & ua[owner].data_valid),
                down.data.eq(ua[owner].data),
                bq.w_en.eq(accept),
                bq.w_data.eq(pick),
                bq.r_en.eq(down.done),
            ]
            for i, u in enumerate(ups):
                m.d.comb += [
                    u.data_ready.eq(order.r_rdy & down.data_ready & (owner == i)),
                    u.done.eq(down.done & (bq.r_data == i)),
                    u.done_err.eq(down.done_err),
                ]
        with m.If(beat):
            with m.If(beats + 1 == length):
                m.d.sync += beats.eq(0)
                m.d.comb += order.r_en.eq(1)
            with m.Else():
                m.d.sync += beats.eq(beats + 1)
        return m
