"""The NPU core: descriptor check, row fetcher, MAC sequencer, drain and residual add.

Dataflow (docs/npu.md): output-stationary, OX x K unrolled as on DIANA's digital core. A tile is
``rows`` output channels x ``cols`` output pixels of one output row; for each input channel
``c`` and kernel row ``ky`` the *fetcher* reads the input row segment the tile needs (at most
``NW`` port words) into one of two line buffers, and the *sequencer* spends ``kw`` cycles on it,
one kernel column per cycle, broadcasting a weight word (``rows`` int8 from the weight memory)
along the rows and the line buffer's bytes ``x[ix0 + j*stride + kx]`` down the columns. The two
line buffers let the next row load while the current one is used, so a 3x3 layer keeps the
array busy as long as a row needs at most three port cycles. When a tile's last tap is in, the
accumulators move to a shadow bank and the *drain* requantizes one channel (``cols`` values) per
step and writes it back while the next tile computes.
"""

from __future__ import annotations

from amaranth import Array, ClockDomain, ClockSignal, Const, Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from .array import PeArray
from .check import check_descriptor
from .descriptor import DESCRIPTOR, MAX_KERNEL, Op
from .eltwise import AddLanes
from .port import NpuL1Signature
from .requant import Requant

__all__ = ["NpuCore", "PARAM_WORDS"]

#: Weight-memory words of per-channel parameters at the start of every block of ``rows``
#: output channels: 4 words of int32 biases, 4 of multipliers, 1 of shifts (one byte each).
PARAM_WORDS = 9


def _log2(v, name):
    if not isinstance(v, int) or v < 1 or v & (v - 1):
        raise ValueError(f"{name} must be a power of two, not {v!r}")
    return v.bit_length() - 1


class NpuCore(wiring.Component):
    """The NPU without its register page.

    Parameters
    ----------
    rows, cols : int
        PE array shape, powers of two (output channels x output pixels per cycle).
    l1_size : int
        L1 bytes (power of two); descriptor addresses are offsets into it.
    weight_memory : int
        Weight memory bytes (power of two).
    gated_capture : bool
        Simulation builds only: the shadow bank on a clock of its own that ticks only when a
        tile's accumulators are captured, and the drain's data registers on one that ticks only
        while the drain works (local domains, gated by enables latched on the falling edge), so
        a simulator does not evaluate 256 held registers and the requantization in every
        cycle. Same behaviour as the enabled registers of the default.

    Members
    -------
    l1 : Out(NpuL1Signature(log2(l1_size), 2 * cols))
    desc : In(DESCRIPTOR)
        Sampled when ``start`` is high and the core is idle.
    start : In(1)
    busy, done, error : Out(1)
        ``done`` and ``error`` stay high until the next start.
    err_code : Out(4)
        `NpuError` of a rejected descriptor.
    busy_cycles, stall_cycles, macs : Out(32)
        Cycles from start to done, cycles waiting on L1 (a request not accepted or a response
        not yet back), and multiply-accumulates of the layer (padding taps included).
    wmem_we, wmem_addr, wmem_data : In
        Weight memory write port (one ``rows``-byte word per cycle).
    """

    def __init__(self, rows: int = 16, cols: int = 16, *, l1_size: int = 1 << 18,
                 weight_memory: int = 1 << 16, gated_capture: bool = False):
        if not isinstance(gated_capture, bool):
            raise TypeError(f"gated_capture must be a bool, not {gated_capture!r}")
        self.gated_capture = gated_capture
        self.log_r = _log2(rows, "rows")
        self.log_nc = _log2(cols, "cols")
        self.log_l1 = _log2(l1_size, "l1_size")
        _log2(weight_memory, "weight_memory")
        self.rows, self.cols, self.l1_size = rows, cols, l1_size
        self.port_bytes = max(4, 2 * cols)
        self.log_pb = _log2(self.port_bytes, "port width")
        self.weight_words = weight_memory // rows
        span = (cols - 1) * 2 + MAX_KERNEL
        self.line_words = -(-(self.port_bytes - 1 + span) // self.port_bytes)
        self.wmem = Memory(shape=8 * rows, depth=self.weight_words, init=[])
        super().__init__({
            "l1": Out(NpuL1Signature(self.log_l1, self.port_bytes)),
            "desc": In(DESCRIPTOR), "start": In(1),
            "busy": Out(1), "done": Out(1), "error": Out(1), "err_code": Out(4),
            "busy_cycles": Out(32), "stall_cycles": Out(32), "macs": Out(32),
            "wmem_we": In(1), "wmem_addr": In(range(self.weight_words)),
            "wmem_data": In(8 * rows),
        })

    def elaborate(self, platform):  # noqa: C901 - one sequencer, read top to bottom
        m = Module()
        R, NC, PB, NW = self.rows, self.cols, self.port_bytes, self.line_words
        log_r, log_nc, log_pb = self.log_r, self.log_nc, self.log_pb
        l1 = self.l1

        m.submodules.wmem = self.wmem
        wp = self.wmem.write_port()
        rp = self.wmem.read_port()
        m.d.comb += [wp.en.eq(self.wmem_we), wp.addr.eq(self.wmem_addr),
                     wp.data.eq(self.wmem_data)]
        m.submodules.array = array = PeArray(
            R, NC, capture_domain="capture" if self.gated_capture else None)
        m.submodules.requant = rq = Requant(NC)
        m.submodules.adder = adder = AddLanes(PB)

        d = Signal(DESCRIPTOR)
        code = check_descriptor(m, d, l1_size=self.l1_size, weight_words=self.weight_words,
                                rows=R, cols=NC, port_bytes=PB)
        s, kh, kw = d.stride, d.kh, d.kw
        dw = d.op == Op.DEPTHWISE
        nkb = (d.out_k + R - 1) >> log_r
        fold = d.fold
        nty = (d.out_h + fold) >> fold      # tile rows: one or two output rows each
        noxb = (d.out_w + NC - 1) >> log_nc

        # ---- the L1 port: one outstanding request, next one in the response's cycle
        outst = Signal()
        outst_read = Signal()
        held = Signal()
        held_w = Signal()
        can_issue = ~outst | l1.rsp_valid
        src = {name: Signal(len(getattr(l1, name)), name=f"src_{name}")
               for name in ("addr", "wdata", "wstrb")}
        fetch_req = Signal()
        drain_req = Signal()
        add_req = Signal()
        add_we = Signal()
        own_w = Signal()
        m.d.comb += own_w.eq(Mux(held, held_w, drain_req | add_we))
        m.d.comb += [l1.req_valid.eq(can_issue & Mux(own_w, drain_req | add_req,
                                                     fetch_req | add_req)),
                     l1.we.eq(own_w),
                     l1.addr.eq(src["addr"]), l1.wdata.eq(src["wdata"]),
                     l1.wstrb.eq(src["wstrb"])]
        accepted = l1.req_valid & l1.req_ready
        m.d.sync += [held.eq(l1.req_valid & ~l1.req_ready), held_w.eq(own_w)]
        with m.If(accepted):
            m.d.sync += [outst.eq(1), outst_read.eq(~own_w)]
        with m.Elif(l1.rsp_valid):
            m.d.sync += outst.eq(0)
        read_rsp = l1.rsp_valid & outst & outst_read

        # ---- control
        running = Signal()
        adding = Signal()
        checking = Signal()
        m.d.comb += self.busy.eq(running | adding | checking)
        with m.If(self.busy):
            m.d.sync += self.busy_cycles.eq(self.busy_cycles + 1)
            with m.If((l1.req_valid & ~l1.req_ready) | (outst & ~l1.rsp_valid)):
                m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
        run_init = Signal()
        with m.If(self.start & ~self.busy):
            m.d.sync += [d.eq(self.desc), checking.eq(1), self.done.eq(0), self.error.eq(0),
                         self.err_code.eq(0), self.busy_cycles.eq(0), self.stall_cycles.eq(0),
                         self.macs.eq(0)]
        with m.If(checking):
            m.d.sync += checking.eq(0)
            with m.If(code != 0):
                m.d.sync += [self.error.eq(1), self.err_code.eq(code)]
            with m.Elif(d.op == Op.ADD):
                m.d.sync += adding.eq(1)
            with m.Else():
                m.d.sync += running.eq(1)
                m.d.comb += run_init.eq(1)

        # ---- fetcher: one input row segment per (block, oy, ox block, c, ky)
        fkb, foy, foxb, fci, fky = (Signal(12, name=n) for n in
                                    ("fkb", "foy", "foxb", "fci", "fky"))
        fw = Signal()            # line buffer being filled
        fr = Signal()            # segment (output row of a folded tile) being filled
        fword = Signal(range(NW + 1))
        fdone = Signal()
        full = Signal(2)
        # The two line buffers (two segments of NW port words each) are one byte memory, buffer
        # `i` at byte `i * SEG`: a simulator reads a byte of a memory by index, where a byte of a
        # vector costs a wide shift or a chain of comparisons, for each of the `cols` columns.
        SEG = 2 * NW * PB
        m.submodules.lines = lines = Memory(shape=8, depth=2 * SEG, init=[])
        deltas = [[Signal(signed(log_pb + 6), name=f"delta{i}_{r}") for r in range(2)]
                  for i in range(2)]
        rd_slot = Signal()
        rd_idx = Signal(range(2 * NW + 1))
        rd_last = Signal()

        def block_channels(kb):
            left = d.out_k - (kb << log_r)
            return Mux(dw, Mux(left > R, R, left), d.in_c)

        f_cnt = block_channels(fkb)
        f_c = Mux(dw, (fkb << log_r) + fci, fci)
        f_iy = Signal(signed(16))
        f_ix0 = Signal(signed(18))
        f_ixe = Signal(signed(18))
        f_oy = (foy << fold) + fr
        m.d.comb += [f_iy.eq(f_oy * s + fky - d.pad_t),
                     f_ix0.eq(((foxb << log_nc) * s) - d.pad_l),
                     f_ixe.eq(f_ix0 + (NC - 1) * s + kw - 1)]
        f_ixa = Mux(f_ix0 < 0, 0, f_ix0)
        f_ixb = Mux(f_ixe > d.in_w - 1, d.in_w - 1, f_ixe)
        f_row = Signal(signed(48))
        m.d.comb += f_row.eq(d.in_base + f_c * d.in_cs + f_iy * d.in_rs)
        f_valid = (f_iy >= 0) & (f_iy < d.in_h) & (f_ixa <= f_ixb) & (f_oy < d.out_h)
        f_seg_last = fr == fold
        f_wlo = Signal(signed(48))
        f_whi = Signal(signed(48))
        m.d.comb += [f_wlo.eq((f_row + f_ixa) >> log_pb), f_whi.eq((f_row + f_ixb) >> log_pb)]
        f_addr = Signal(signed(48))
        m.d.comb += f_addr.eq((f_wlo + fword) << log_pb)
        f_advance = Signal()
        f_next_seg = Signal()
        # no read into this slot may still be in flight when a slot is started, or completed by
        # a segment of padding (which completes at once and must not overtake the last word)
        filling = outst & outst_read & (rd_slot == fw)
        with m.If(running & ~fdone & ~full.bit_select(fw, 1)):
            with m.If(~f_valid):
                with m.If(~f_seg_last):
                    m.d.comb += f_next_seg.eq(1)
                with m.Elif(~filling):
                    m.d.sync += full.bit_select(fw, 1).eq(1)   # all padding: nothing to read
                    m.d.comb += f_advance.eq(1)
            with m.Elif(~filling | (fr != 0) | (fword != 0)):
                m.d.comb += fetch_req.eq(1)
        with m.If(fetch_req & ~own_w):
            m.d.comb += src["addr"].eq(f_addr)
        with m.If(accepted & ~own_w & ~adding):
            last_word = (f_wlo + fword) == f_whi
            m.d.sync += [rd_slot.eq(fw), rd_idx.eq(Mux(fr, NW, 0) + fword),
                         rd_last.eq(last_word & f_seg_last)]
            with m.If(fword == 0):
                for i in range(2):
                    for r in range(2):
                        with m.If((fw == i) & (fr == r)):
                            m.d.sync += deltas[i][r].eq(f_row + f_ix0 - (f_wlo << log_pb))
            with m.If(last_word):
                m.d.sync += fword.eq(0)
                with m.If(f_seg_last):
                    m.d.comb += f_advance.eq(1)
                with m.Else():
                    m.d.comb += f_next_seg.eq(1)
            with m.Else():
                m.d.sync += fword.eq(fword + 1)
        with m.If(read_rsp & ~adding):
            for k in range(PB):
                wport = lines.write_port()
                m.d.comb += [wport.en.eq(1), wport.data.eq(l1.rdata.word_select(k, 8)),
                             wport.addr.eq(Mux(rd_slot, SEG, 0) + (rd_idx << log_pb) + k)]
            with m.If(rd_last):
                m.d.sync += full.bit_select(rd_slot, 1).eq(1)
        with m.If(f_next_seg):
            m.d.sync += fr.eq(1)
        with m.If(f_advance):
            m.d.sync += [fw.eq(~fw), fr.eq(0)]
            self._advance(m, [(fky, kh), (fci, f_cnt), (foxb, noxb), (foy, nty),
                              (fkb, nkb)], fdone)
        with m.If(run_init):
            m.d.sync += [fkb.eq(0), foy.eq(0), foxb.eq(0), fci.eq(0), fky.eq(0), fdone.eq(0),
                         fw.eq(0), fr.eq(0), fword.eq(0), full.eq(0)]

        # ---- sequencer: params of a block, then one MAC step per (c, ky, kx) of each tile
        ckb, coy, coxb, cci, cky, ckx = (Signal(12, name=n) for n in
                                         ("ckb", "coy", "coxb", "cci", "cky", "ckx"))
        cr = Signal()
        wblk = Signal(16)
        wptr = Signal(16)
        c_params = Signal()
        c_mac = Signal()
        pcount = Signal(range(PARAM_WORDS + 2))
        pbuf = Signal(8 * R * PARAM_WORDS)
        bias = pbuf[:32 * R]
        mult = pbuf[32 * R:64 * R]
        shifts = pbuf[64 * R:72 * R]
        c_cnt = block_channels(ckb)
        b_valid, b_first, b_last, c_last = Signal(), Signal(), Signal(), Signal()
        b_x = Signal(data.ArrayLayout(signed(9), NC))
        tile = data.StructLayout({"oy": 12, "ox0": 16, "k0": 16, "nr": log_r + 1,
                                  "nc": log_nc + 1, "two": 1, "inc": log_r + log_nc + 2})
        b_tile, c_tile = Signal(tile), Signal(tile)
        drain_idle = Signal()

        with m.If(run_init):
            m.d.sync += [ckb.eq(0), coy.eq(0), coxb.eq(0), cci.eq(0), cky.eq(0), ckx.eq(0),
                         cr.eq(0), wblk.eq(d.w_base), c_params.eq(1), pcount.eq(0)]
        # per-channel parameters: PARAM_WORDS reads, each word lands a cycle later
        with m.If(c_params):
            m.d.comb += [rp.addr.eq(wblk + pcount), rp.en.eq(1)]
            m.d.sync += pcount.eq(pcount + 1)
            with m.If(pcount != 0):
                m.d.sync += pbuf.word_select((pcount - 1)[:4], 8 * R).eq(rp.data)
            with m.If(pcount == PARAM_WORDS):
                m.d.sync += [c_params.eq(0), c_mac.eq(1), wptr.eq(wblk + PARAM_WORDS)]

        is_last = (ckx == kw - 1) & (cky == kh - 1) & (cci == c_cnt - 1)
        fire = c_mac & full.bit_select(cr, 1) & (~is_last | (drain_idle & ~b_last & ~c_last))
        c_ix0 = Signal(signed(18))
        m.d.comb += c_ix0.eq(((coxb << log_nc) * s) - d.pad_l)
        # a folded tile (out_w <= cols/2) puts output row oy0 + 1 in the upper half columns
        c_oy0 = coy << fold
        row_ok = []
        for r in range(2):
            c_iy = Signal(signed(16), name=f"c_iy{r}")
            m.d.comb += c_iy.eq((c_oy0 + r) * s + cky - d.pad_t)
            row_ok.append((c_iy >= 0) & (c_iy < d.in_h) & (c_oy0 + r < d.out_h))
        x_now = Signal(data.ArrayLayout(signed(9), NC))
        for j in range(NC):
            upper = j >= NC // 2 and NC > 1
            seg = fold if upper else Const(0, 1)
            xj = Mux(fold, j - NC // 2, j) if upper else j
            ix = c_ix0 + xj * s + ckx
            delta = Mux(cr, Mux(seg, deltas[1][1], deltas[1][0]),
                        Mux(seg, deltas[0][1], deltas[0][0]))
            idx = Signal(range(NW * PB), name=f"idx{j}")
            m.d.comb += idx.eq(delta + xj * s + ckx)
            at = Signal(range(2 * NW * PB), name=f"at{j}")
            m.d.comb += at.eq(Mux(seg, NW * PB, 0) + idx)
            rport = lines.read_port(domain="comb")
            m.d.comb += rport.addr.eq(Mux(cr, SEG, 0) + at)
            byte = rport.data.as_signed()
            ok = Mux(seg, row_ok[1], row_ok[0]) & (ix >= 0) & (ix < d.in_w)
            m.d.comb += x_now[j].eq(Mux(ok, byte - d.x_zp, 0))   # padding is a real zero
        left_k = d.out_k - (ckb << log_r)
        left_x = d.out_w - (coxb << log_nc)
        nr = Mux(left_k > R, R, left_k)
        ncol = Mux(left_x > NC, NC, left_x)
        two = fold & (c_oy0 + 1 < d.out_h)
        nact = Mux(two, ncol << 1, ncol)
        m.d.sync += [b_valid.eq(fire), b_last.eq(fire & is_last), c_last.eq(b_last)]
        with m.If(fire):
            m.d.comb += [rp.addr.eq(wptr), rp.en.eq(1)]
            m.d.sync += [b_first.eq((ckx == 0) & (cky == 0) & (cci == 0)), b_x.eq(x_now),
                         b_tile.oy.eq(c_oy0), b_tile.ox0.eq(coxb << log_nc),
                         b_tile.k0.eq(ckb << log_r), b_tile.nr.eq(nr), b_tile.nc.eq(ncol),
                         b_tile.two.eq(two), b_tile.inc.eq(Mux(dw, nact, nr * nact)),
                         wptr.eq(wptr + 1)]
            with m.If(ckx == kw - 1):
                m.d.sync += [full.bit_select(cr, 1).eq(0), cr.eq(~cr)]   # row used up
            with m.If(is_last):
                m.d.sync += wptr.eq(wblk + PARAM_WORDS)
                with m.If(coxb + 1 == noxb):
                    with m.If(coy + 1 == nty):
                        m.d.sync += [c_mac.eq(0), wblk.eq(wblk + PARAM_WORDS + c_cnt * kh * kw)]
                        with m.If(ckb + 1 != nkb):
                            m.d.sync += [c_params.eq(1), pcount.eq(0)]
            self._advance(m, [(ckx, kw), (cky, kh), (cci, c_cnt), (coxb, noxb), (coy, nty),
                              (ckb, nkb)], None)
        m.d.comb += [array.en.eq(b_valid), array.first.eq(b_first), array.x.eq(b_x),
                     array.w.eq(rp.data), array.bias.eq(bias)]
        with m.If(b_valid):
            m.d.sync += [self.macs.eq(self.macs + b_tile.inc), c_tile.eq(b_tile)]

        # ---- drain: shadow accumulators -> requant one channel per step -> 1 or 2 writes
        # The drain's data registers change only when a tile is captured or a channel is
        # requantized or written: in the simulation build they are on a clock of their own
        # (`drain`) that ticks only then, so the requantization, which reads nothing else, is
        # evaluated in those cycles only. They have no reset: the flags below, which do, say
        # when they hold something (loaded with the capture before any use).
        dd = "drain" if self.gated_capture else "sync"
        d_tile = Signal(tile, reset_less=True)
        d_mult = Signal(32 * R, reset_less=True)
        d_shift = Signal(8 * R, reset_less=True)
        dk = Signal(log_r + 1, reset_less=True)
        dr = Signal(reset_less=True)            # second output row of a folded tile
        # the descriptor's output fields, copied with the capture for the same reason
        d_out = {name: Signal(getattr(d, name).shape(), name=f"d_{name}", reset_less=True)
                 for name in ("y_zp", "y_min", "y_max", "out_base", "out_cs", "out_rs")}
        d_req, d_w0, d_w1 = Signal(), Signal(), Signal()
        w_data = Signal(16 * PB, reset_less=True)
        w_strb = Signal(2 * PB, reset_less=True)
        w_addr = Signal(self.log_l1 + 2, reset_less=True)
        m.d.comb += drain_idle.eq(~(d_req | d_w0 | d_w1))
        with m.If(c_last):
            m.d[dd] += [d_tile.eq(c_tile), d_mult.eq(mult), d_shift.eq(shifts), dk.eq(0),
                        dr.eq(0), *(v.eq(getattr(d, name)) for name, v in d_out.items())]
            m.d.sync += d_req.eq(1)
        # The shadow bank (in the array) takes the accumulators when a tile's last tap is in;
        # channel dk's row and parameters come through cases over dk (a case, not a wide shift).
        if self.gated_capture:
            m.domains.neg_local = ClockDomain("neg_local", clk_edge="neg", local=True,
                                              reset_less=True)
            m.d.comb += ClockSignal("neg_local").eq(ClockSignal("sync"))
            for name, busy in (("capture", c_last), ("drain", c_last | d_req | d_w0 | d_w1)):
                m.domains += ClockDomain(name, local=True, reset_less=True)
                on = Signal(name=f"{name}_on")
                m.d.neg_local += on.eq(busy)
                m.d.comb += ClockSignal(name).eq(ClockSignal("sync") & on)
        m.d.comb += [array.capture.eq(c_last), array.sel.eq(dk), rq.acc.eq(array.row),
                     rq.mult.eq(Array(d_mult.word_select(r, 32) for r in range(R))[dk]),
                     rq.shift.eq(Array(d_shift.word_select(r, 8) for r in range(R))[dk]),
                     rq.zp.eq(d_out["y_zp"]),
                     rq.y_min.eq(d_out["y_min"]), rq.y_max.eq(d_out["y_max"])]
        o = Signal(48)
        m.d.comb += o.eq(d_out["out_base"] + (d_tile.k0 + dk) * d_out["out_cs"]
                         + (d_tile.oy + dr) * d_out["out_rs"] + d_tile.ox0)
        off = o[:log_pb]
        with m.If(d_req):
            y_seg = Mux(dr, rq.y.as_value() >> (4 * NC), rq.y.as_value())
            strb = Signal(NC + 1)
            m.d.comb += strb.eq((Const(1, NC + 1) << d_tile.nc) - 1)
            # placed at byte `off` by a case over the offset (a shift by `off * 8` is the same
            # value, but a multi-word shift in a simulator)
            m.d[dd] += [w_data.eq(Array(y_seg << (8 * o) for o in range(PB))[off]),
                        w_strb.eq(Array(strb << o for o in range(PB))[off]),
                        w_addr.eq(o >> log_pb)]
            m.d.sync += [d_req.eq(0), d_w0.eq(1)]
        lo_strb, hi_strb = w_strb[:PB], w_strb[PB:]
        m.d.comb += drain_req.eq((d_w0 & (lo_strb != 0)) | (d_w1 & (hi_strb != 0)))
        with m.If(own_w & ~adding):
            m.d.comb += [src["addr"].eq(Mux(d_w0, w_addr, w_addr + 1) << log_pb),
                         src["wdata"].eq(Mux(d_w0, w_data[:8 * PB], w_data[8 * PB:])),
                         src["wstrb"].eq(Mux(d_w0, lo_strb, hi_strb))]
        with m.If(d_w0 & ((lo_strb == 0) | (accepted & own_w))):
            m.d.sync += [d_w0.eq(0), d_w1.eq(1)]
        with m.If(d_w1 & ((hi_strb == 0) | (accepted & own_w))):
            m.d.sync += d_w1.eq(0)
            with m.If(d_tile.two & ~dr):
                m.d[dd] += dr.eq(1)
                m.d.sync += d_req.eq(1)
            with m.Elif(dk + 1 < d_tile.nr):
                m.d[dd] += [dk.eq(dk + 1), dr.eq(0)]
                m.d.sync += d_req.eq(1)

        with m.If(running & fdone & ~c_mac & ~c_params & ~b_valid & ~b_last & ~c_last
                  & drain_idle & ~outst & ~run_init):
            m.d.sync += [running.eq(0), self.done.eq(1)]

        # internal state the testbench prints when a layer does not finish
        self._dbg = dict(fkb=fkb, foy=foy, fci=fci, fky=fky, fdone=fdone, full=full, fw=fw,
                         cr=cr, c_mac=c_mac, c_params=c_params, outst=outst, held=held,
                         d_req=d_req, d_w0=d_w0, d_w1=d_w1, coy=coy, cci=cci, cky=cky,
                         fword=fword, running=running)
        self._add(m, d, adder, adding, add_req, add_we, src, accepted, l1)
        return m

    @staticmethod
    def _advance(m, loops, done):
        """Step nested counters, innermost first: ``loops`` is [(counter, trip count)]."""
        def step(i):
            ctr, trip = loops[i]
            with m.If(ctr + 1 < trip):
                m.d.sync += ctr.eq(ctr + 1)
            with m.Else():
                m.d.sync += ctr.eq(0)
                if i + 1 < len(loops):
                    step(i + 1)
                elif done is not None:
                    m.d.sync += done.eq(1)
        step(0)

    def _add(self, m, d, adder, adding, add_req, add_we, src, accepted, l1):
        """Residual add: per port word, read a, read b, write y (one request at a time)."""
        PB = self.port_bytes
        pos = Signal(24)
        a_word, b_word = Signal(8 * PB), Signal(8 * PB)
        phase = Signal(2)      # 0 read a, 1 read b, 2 write y
        waiting = Signal()
        m.d.comb += [adder.a.eq(a_word), adder.b.eq(b_word), adder.a_zp.eq(d.x_zp),
                     adder.b_zp.eq(d.b_zp), adder.y_zp.eq(d.y_zp), adder.y_min.eq(d.y_min),
                     adder.y_max.eq(d.y_max), adder.a_mult.eq(d.a_mult),
                     adder.b_mult.eq(d.b_mult), adder.shift.eq(d.add_shift)]
        left = d.length - pos
        strb = Mux(left >= PB, (1 << PB) - 1, (Const(1, PB + 1) << left[:self.log_pb]) - 1)
        with m.If(adding & ~waiting):
            m.d.comb += [add_req.eq(1), add_we.eq(phase == 2)]
            m.d.comb += [src["addr"].eq(Mux(phase == 0, d.in_base,
                                            Mux(phase == 1, d.b_base, d.out_base)) + pos),
                         src["wdata"].eq(adder.y.as_value()), src["wstrb"].eq(strb)]
            with m.If(accepted):
                m.d.sync += waiting.eq(1)
        with m.If(adding & waiting & l1.rsp_valid):
            m.d.sync += [waiting.eq(0), phase.eq(Mux(phase == 2, 0, phase + 1))]
            with m.If(phase == 0):
                m.d.sync += a_word.eq(l1.rdata)
            with m.If(phase == 1):
                m.d.sync += b_word.eq(l1.rdata)
            with m.If(phase == 2):
                m.d.sync += pos.eq(pos + PB)
                with m.If(left <= PB):
                    m.d.sync += [adding.eq(0), self.done.eq(1), pos.eq(0)]
