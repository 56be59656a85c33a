"""The pooling engine: the descriptor check, the walk over strips and the port's requests.

A start latches the descriptor and checks it in three cycles (products of the sizes, then the
tensors' ends, then the verdict); a refused descriptor ends there with its `PoolError` and no
L1 request. An accepted one is walked channel by channel, output row by output row, in strips:
up to ``lanes`` outputs that end at an aligned boundary of the output, so a strip's results
are one write with byte enables. For each of the strip's ``kernel`` input rows the engine reads
the aligned beats the row's span touches, one request per cycle; each response is folded into
the strip's accumulators in the cycle it arrives (`BeatReducer`), and the response of a strip's
last read moves them to the result register, which is requantized (`Requantizer`) and written
ahead of the next strip's reads.

The port protocol allows one request in flight: a request goes out only when none is pending or
its response arrives in that cycle, and a request that L1 does not take is held unchanged until
it does. One result is held at a time, so a strip's last read waits while the previous strip's
last read is in flight (`hetsoc_pool.golden.cycles` counts that cycle). ``stall`` counts the
cycles L1 costs beyond that model: a request it does not take, a response later than the next
cycle; each delays the whole walk by one cycle, so ``BUSY_CYCLES`` is the model plus
``STALL_CYCLES`` (``tests/test_conformance.py`` checks it with an L1 that stalls at random).
"""

from __future__ import annotations

from amaranth import Cat, Module, Mux, Signal, signed
from amaranth.lib import data, enum, wiring
from amaranth.lib.wiring import In, Out

from hetsoc.hw.widebus import WideBusSignature

from ..spec import DESCRIPTOR, MAX_KERNEL, MAX_SHIFT, MAX_STRIDE, PoolError
from .lanes import ACC_BITS, BeatReducer, Requantizer

__all__ = ["PoolEngine"]


class _State(enum.Enum):
    IDLE = 0
    SIZES = 1      # products of the sizes
    ENDS = 2       # the tensors' ends
    DECIDE = 3     # refuse, or set the walk up
    RUN = 4


class PoolEngine(wiring.Component):
    """Members: ``desc`` (In DESCRIPTOR), ``start`` (In 1), ``busy``, ``end``, ``code`` (8),
    ``stall``, ``work`` (outputs written this cycle) and ``l1`` (Out WideBusSignature).

    Parameters
    ----------
    lanes : int
        Bytes per access, a power of two.
    l1_size : int
        Bytes of L1, a power of two (the port's address width).
    """

    def __init__(self, lanes: int, l1_size: int):
        self.lanes, self.l1_size = lanes, l1_size
        self.aw = (l1_size - 1).bit_length()
        self.lp = (lanes - 1).bit_length()
        super().__init__({
            "desc": In(DESCRIPTOR), "start": In(1), "busy": Out(1), "end": Out(1),
            "code": Out(8), "stall": Out(1), "work": Out(lanes.bit_length()),
            "l1": Out(WideBusSignature(self.aw, 8 * lanes)),
        })

    def elaborate(self, platform):
        m = Module()
        n_lanes, aw, lp = self.lanes, self.aw, self.lp
        d = Signal(DESCRIPTOR)
        state = Signal(_State)
        l1 = self.l1
        m.d.comb += self.busy.eq(state != _State.IDLE)
        with m.If(self.start & (state == _State.IDLE)):
            m.d.sync += [d.eq(self.desc), state.eq(_State.SIZES)]

        # ---- the check ------------------------------------------------------------------
        plane, out_plane, row_step = Signal(32), Signal(32), Signal(20)
        win_h, win_w = Signal(21), Signal(21)
        in_end, out_end = Signal(49), Signal(49)
        zp_term = Signal(signed(ACC_BITS))
        d_bits = lp + 4                                  # a strip's span is at most 8 * lanes
        offs = data.ArrayLayout(d_bits, n_lanes)
        lo, hi = Signal(offs), Signal(offs)
        with m.If(state == _State.SIZES):
            m.d.sync += [plane.eq(d.in_h * d.in_w), out_plane.eq(d.out_h * d.out_w),
                         row_step.eq(d.stride * d.in_w),
                         win_h.eq((d.out_h - 1) * d.stride + d.kernel),
                         win_w.eq((d.out_w - 1) * d.stride + d.kernel),
                         zp_term.eq(Mux(d.mode, d.kernel * d.kernel * d.x_zp, d.x_zp)),
                         state.eq(_State.ENDS)]
            for j in range(n_lanes):
                m.d.sync += [lo[j].eq(j * d.stride), hi[j].eq(j * d.stride + d.kernel)]
        with m.If(state == _State.ENDS):
            m.d.sync += [in_end.eq(d.in_addr + d.channels * plane),
                         out_end.eq(d.out_addr + d.channels * out_plane),
                         state.eq(_State.DECIDE)]
        verdict = Signal(PoolError)
        with m.If((d.channels == 0) | (d.in_h == 0) | (d.in_w == 0) | (d.out_h == 0)
                  | (d.out_w == 0)):
            m.d.comb += verdict.eq(PoolError.SHAPE)
        with m.Elif((d.kernel == 0) | (d.kernel > MAX_KERNEL) | (d.stride == 0)
                    | (d.stride > MAX_STRIDE)):
            m.d.comb += verdict.eq(PoolError.KERNEL)
        with m.Elif(d.shift > MAX_SHIFT):
            m.d.comb += verdict.eq(PoolError.SHIFT)
        with m.Elif((win_h > d.in_h) | (win_w > d.in_w)):
            m.d.comb += verdict.eq(PoolError.WINDOW)
        with m.Elif((in_end > self.l1_size) | (out_end > self.l1_size)):
            m.d.comb += verdict.eq(PoolError.BOUNDS)
        with m.Elif((d.in_addr < out_end) & (d.out_addr < in_end)):
            m.d.comb += verdict.eq(PoolError.OVERLAP)

        # ---- the walk: channel, output row, strip, kernel row, beat ----------------------
        ch_left, oy_left, w_left = Signal(16), Signal(16), Signal(16)
        pbase, row, sx, xk, optr = (Signal(aw, name=nm) for nm in ("pbase", "row", "sx", "xk",
                                                                   "optr"))
        ky = Signal(4)
        beat = Signal(aw - lp)
        req_done = Signal()
        room = Signal(lp + 1)
        n = Signal(lp + 1)                               # outputs of the current strip
        m.d.comb += [room.eq(n_lanes - optr[:lp]), n.eq(Mux(w_left < room, w_left, room))]
        span = Signal(lp + 5)
        m.d.comb += span.eq((n - 1) * d.stride + d.kernel)
        row_end = Signal(aw + 1)
        m.d.comb += row_end.eq(xk + span - 1)
        row_last = beat == row_end[lp:]
        strip_last = row_last & (ky == d.kernel - 1)
        rel = Signal(signed(d_bits + 1))                 # the beat's offset in the row's span
        m.d.comb += rel.eq((beat << lp) - xk)

        def jump(start):
            # the kernel row that starts at byte `start` of L1: its first beat
            return [xk.eq(start), beat.eq(start[lp:])]

        with m.If(state == _State.DECIDE):
            with m.If(verdict != PoolError.NONE):
                m.d.comb += [self.end.eq(1), self.code.eq(verdict)]
                m.d.sync += state.eq(_State.IDLE)
            with m.Else():
                m.d.sync += [state.eq(_State.RUN), ch_left.eq(d.channels), oy_left.eq(d.out_h),
                             w_left.eq(d.out_w), pbase.eq(d.in_addr), row.eq(d.in_addr),
                             sx.eq(d.in_addr),
                             optr.eq(d.out_addr), ky.eq(0), req_done.eq(0),
                             *jump(d.in_addr[:aw])]

        # ---- the port: one request in flight, a refused request held -------------------
        outstanding, held_read = Signal(), Signal()
        meta = Signal(data.StructLayout({"read": 1, "last": 1, "d": signed(d_bits + 1),
                                         "oaddr": aw, "n": lp + 1}))
        result_valid = Signal()
        res_oaddr, res_n = Signal(aw), Signal(lp + 1)
        free = ~outstanding | l1.rsp_valid
        # a strip's last read waits while the previous strip's last read is in flight
        blocked = strip_last & outstanding & meta.read & meta.last
        do_read = Signal()
        do_write = Signal()
        running = state == _State.RUN
        m.d.comb += [do_read.eq(running & free & ~req_done
                                & (held_read | (~result_valid & ~blocked))),
                     do_write.eq(running & free & result_valid & ~held_read)]
        requant = m.submodules.requant = Requantizer(n_lanes)
        off = res_oaddr[:lp]
        m.d.comb += [l1.req_valid.eq(do_read | do_write), l1.we.eq(do_write),
                     l1.addr.eq(Mux(do_write, res_oaddr[lp:], beat) << lp),
                     l1.wdata.eq(requant.y << (off * 8)),
                     l1.wstrb.eq(Mux(do_write, Cat(*(res_n > j for j in range(n_lanes))) << off,
                                     0)),
                     # waiting on L1: a request it does not take, or a response not yet back
                     # (the banks answer in the next cycle, so only a stalling L1 delays one)
                     self.stall.eq((l1.req_valid & ~l1.req_ready)
                                   | (running & outstanding & ~l1.rsp_valid))]
        accepted = l1.req_valid & l1.req_ready
        m.d.sync += held_read.eq(do_read & ~l1.req_ready)
        with m.If(accepted):
            m.d.sync += [outstanding.eq(1), meta.read.eq(do_read), meta.last.eq(strip_last),
                         meta.d.eq(rel), meta.oaddr.eq(optr), meta.n.eq(n)]
        with m.Elif(l1.rsp_valid):
            m.d.sync += outstanding.eq(0)
        with m.If(accepted & do_write):
            m.d.comb += self.work.eq(res_n)
            m.d.sync += result_valid.eq(0)

        with m.If(accepted & do_read):
            with m.If(~row_last):
                m.d.sync += beat.eq(beat + 1)
            with m.Elif(ky != d.kernel - 1):
                m.d.sync += [ky.eq(ky + 1), *jump(xk + d.in_w)]
            with m.Else():
                m.d.sync += [ky.eq(0), optr.eq(optr + n)]
                with m.If(w_left != n):
                    m.d.sync += [w_left.eq(w_left - n), sx.eq(sx + n * d.stride),
                                 *jump(sx + n * d.stride)]
                with m.Else():
                    m.d.sync += w_left.eq(d.out_w)
                    with m.If(oy_left != 1):
                        m.d.sync += [oy_left.eq(oy_left - 1), row.eq(row + row_step),
                                     sx.eq(row + row_step), *jump(row + row_step)]
                    with m.Else():
                        first = pbase + plane
                        m.d.sync += [oy_left.eq(d.out_h), pbase.eq(first), row.eq(first),
                                     sx.eq(first), *jump(first)]
                        with m.If(ch_left != 1):
                            m.d.sync += ch_left.eq(ch_left - 1)
                        with m.Else():
                            m.d.sync += req_done.eq(1)

        # ---- responses: fold a beat into the accumulators, or finish a strip -----------
        acc = Signal(data.ArrayLayout(signed(ACC_BITS), n_lanes))
        res = Signal(data.ArrayLayout(signed(ACC_BITS), n_lanes))
        init = Mux(d.mode, 0, -128)
        reducer = m.submodules.reducer = BeatReducer(n_lanes, d_bits)
        m.d.comb += [reducer.beat.eq(l1.rdata), reducer.d.eq(meta.d), reducer.lo.eq(lo),
                     reducer.hi.eq(hi), reducer.avg.eq(d.mode), reducer.acc.eq(acc)]
        with m.If(state == _State.DECIDE):
            m.d.sync += [acc[j].eq(init) for j in range(n_lanes)]
        with m.If(outstanding & l1.rsp_valid & meta.read):
            with m.If(meta.last):
                m.d.sync += [res.eq(reducer.new), res_oaddr.eq(meta.oaddr), res_n.eq(meta.n),
                             result_valid.eq(1), *(acc[j].eq(init) for j in range(n_lanes))]
            with m.Else():
                m.d.sync += acc.eq(reducer.new)

        m.d.comb += [requant.acc.eq(res), requant.zp_term.eq(zp_term),
                     requant.multiplier.eq(d.multiplier), requant.shift.eq(d.shift),
                     requant.y_zp.eq(d.y_zp), requant.y_min.eq(Mux(d.relu, d.y_zp, -128))]

        # ---- the end: the last write answered ------------------------------------------
        with m.If(running & req_done & ~result_valid
                  & (~outstanding | (l1.rsp_valid & ~meta.read))):
            m.d.comb += self.end.eq(1)
            m.d.sync += state.eq(_State.IDLE)
        return m
