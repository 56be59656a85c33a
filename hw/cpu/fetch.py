"""Fetch unit: drives the instruction bus and queues fetched words for the decode stage.

Protocol handling
    At most one request is outstanding; the next one is issued in the same cycle as the previous
    response arrives, so a single-cycle memory delivers one word per cycle. A request that was
    presented but not accepted keeps its address until accepted (the bus requires it), even if
    the pipeline redirects meanwhile: the redirect is remembered and the stale word discarded.

Queue
    Responses go into a three-entry queue whose head is the decode stage's instruction register.
    A request is only issued when the queue is sure to have room for its response (counting the
    one in flight), computed one cycle ahead from registered state, so the bus request never
    depends on the pipeline's stall logic. Three entries are what a single-cycle memory needs
    to stream without bubbles: the head (being decoded), the word arriving, and one spare for a
    stall. The queue collapses towards the head, so the head is always the same register.

Branch target buffer
    When the address just requested hits in the :class:`~.btb.BranchTargetBuffer`, the next
    request goes to the remembered target instead of the next word, and the word is queued with
    ``predicted`` set. The decode stage trains the buffer and corrects wrong predictions.

Redirects
    ``redirect`` replaces the fetch address with ``target`` in the same cycle (the request
    presented in that cycle already uses it) and discards everything younger: queued words and
    the response of the request in flight. ``keep_head`` keeps the head entry (the decode-stage
    branch that predicted itself taken).
"""

from amaranth import Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..bus import BusSignature
from .layouts import FetchEntryLayout
from .predictor import BranchTargetBuffer

__all__ = ["FetchUnit"]


_DEPTH = 3


class FetchUnit(wiring.Component):
    """Instruction fetch with a three-entry queue.

    Parameters
    ----------
    reset_vector : int
        Address of the first fetch.

    Members
    -------
    ibus : Out(BusSignature())
        Instruction bus.
    redirect : In(1)
        Fetch from ``target`` next, discarding younger words.
    target : In(32)
        New fetch address (4-byte aligned).
    keep_head : In(1)
        With ``redirect``: keep the head entry (it is the redirecting instruction).
    head : Out(FetchEntryLayout)
        Oldest queued word (the decode stage's instruction).
    head_valid : Out(1)
        ``head`` holds a word.
    deq : In(1)
        The decode stage consumes ``head`` this cycle.
    train, train_valid : In(1)
        Write (or with ``train_valid`` low, invalidate) the BTB entry of ``train_pc``.
    train_pc, train_target : In(32)
        The branch and its taken target.
    flush_btb : In(1)
        Invalidate every BTB entry (fence.i).
    idle : Out(1)
        No request presented, held or in flight: with no redirect or dequeue, nothing changes.
    """

    ibus: Out(BusSignature())
    redirect: In(1)
    target: In(32)
    keep_head: In(1)
    head: Out(FetchEntryLayout)
    head_valid: Out(1)
    deq: In(1)
    train: In(1)
    train_valid: In(1)
    train_pc: In(32)
    train_target: In(32)
    flush_btb: In(1)
    idle: Out(1)

    def __init__(self, reset_vector: int):
        if not isinstance(reset_vector, int):
            raise TypeError(f"Reset vector must be an integer, not {reset_vector!r}")
        if not 0 <= reset_vector < 1 << 32 or reset_vector % 4:
            raise ValueError(f"Reset vector must be a 4-byte aligned 32-bit address, "
                             f"not {reset_vector!r}")
        self.reset_vector = reset_vector
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        bus = self.ibus
        m.submodules.btb = btb = BranchTargetBuffer()
        m.d.comb += [
            btb.write.eq(self.train),
            btb.write_valid.eq(self.train_valid),
            btb.write_pc.eq(self.train_pc),
            btb.write_target.eq(self.train_target),
            btb.flush.eq(self.flush_btb),
        ]

        pc = Signal(32, init=self.reset_vector)   # next address, or the held request's address
        held = Signal()             # a presented request was not accepted yet
        stale = Signal()            # the held request was overtaken by a redirect
        pending = Signal()          # ... and this is where to go once it is accepted
        pending_pc = Signal(32)
        inflight = Signal()
        inflight_pc = Signal(32)
        inflight_kill = Signal()
        inflight_predicted = Signal()
        can_issue = Signal(init=1)  # registered: the queue has room for one more response

        entries = [Signal(FetchEntryLayout, name=f"entry{i}") for i in range(_DEPTH)]
        count = Signal(range(_DEPTH + 1))
        m.d.comb += [self.head.eq(entries[0]), self.head_valid.eq(count != 0)]

        # Request.
        addr = Signal(32)
        m.d.comb += [
            addr.eq(pc),
            bus.req_valid.eq((held | can_issue) & (~inflight | bus.rsp_valid)),
            bus.addr.eq(addr),
            bus.we.eq(0),
            bus.wdata.eq(0),
            bus.wstrb.eq(0),
        ]
        with m.If(~held & self.redirect):
            m.d.comb += addr.eq(self.target)
        accepted = bus.req_valid & bus.req_ready
        # The BTB is looked up with the pc register, not the (redirect-muxed) bus address:
        # that keeps the lookup off the redirect paths, at the price of no prediction for the
        # first word fetched after a redirect.
        m.d.comb += btb.pc.eq(pc)
        predicted = btb.hit & (held | ~self.redirect)

        with m.If(accepted):
            m.d.sync += [held.eq(0), stale.eq(0), pending.eq(0),
                         pc.eq(Mux(predicted, btb.target, addr + 4))]
            with m.If(held & self.redirect):
                m.d.sync += pc.eq(self.target)
            with m.Elif(held & pending):
                m.d.sync += pc.eq(pending_pc)
        with m.Elif(bus.req_valid):
            m.d.sync += held.eq(1)
            with m.If(~held):
                m.d.sync += pc.eq(addr)
            with m.Elif(self.redirect):
                m.d.sync += [stale.eq(1), pending.eq(1), pending_pc.eq(self.target)]
        with m.Elif(self.redirect):
            m.d.sync += pc.eq(self.target)

        # Response.
        m.d.sync += inflight.eq(accepted | (inflight & ~bus.rsp_valid))
        with m.If(accepted):
            m.d.sync += [
                inflight_pc.eq(addr),
                inflight_kill.eq(held & (stale | self.redirect)),
                inflight_predicted.eq(predicted),
            ]
        with m.Elif(self.redirect):
            m.d.sync += inflight_kill.eq(1)
        keep = bus.rsp_valid & ~inflight_kill & ~self.redirect
        m.d.comb += self.idle.eq(~bus.req_valid & ~held & ~inflight)

        # Queue.
        deq = self.deq & (count != 0)
        count_next = Signal.like(count)
        with m.If(self.redirect):
            m.d.comb += count_next.eq(self.keep_head & ~deq & (count != 0))
        with m.Else():
            m.d.comb += count_next.eq(count - deq + keep)
        m.d.sync += count.eq(count_next)
        slot = count - deq
        for i in range(_DEPTH):
            with m.If(keep & (slot == i)):
                m.d.sync += [
                    entries[i].pc.eq(inflight_pc),
                    entries[i].insn.eq(bus.rdata),
                    entries[i].err.eq(bus.err),
                    entries[i].predicted.eq(inflight_predicted),
                ]
            with m.Elif(deq & (i + 1 < _DEPTH)):
                m.d.sync += entries[i].eq(entries[min(i + 1, _DEPTH - 1)])

        inflight_next = accepted | (inflight & ~bus.rsp_valid)
        m.d.sync += can_issue.eq(count_next + inflight_next < _DEPTH)
        return m
