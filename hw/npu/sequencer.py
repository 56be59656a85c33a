"""The NPU's sequencer: the loop nest over tiles and taps, one MAC step per cycle.

For each block of ``rows`` output channels it first reads the block's per-channel parameters
(bias, multiplier, shift: `PARAM_WORDS` weight-memory words), then walks the tiles of the block
(output row, ``cols``-pixel slice) and, in each, the taps ``(c, ky, kx)``: a step broadcasts
one weight word along the PE rows and, down the columns, the bytes ``x[ix0 + j*stride + kx]``
of the line buffer the fetcher filled for ``(c, ky)`` (read through the fetcher's column
ports, padding replaced by a real zero). A line buffer is released after its ``kw`` steps. A
tile's last step waits until the drain is idle, so that its capture never overwrites a shadow
bank still being drained.

The array's inputs are registered (``valid``, ``first``, ``x``; the weight word arrives from the
weight memory's read port in the same cycle), so the array computes a step in the cycle after
the sequencer decides it; the capture (``capture``) follows one cycle after the last step.
"""

from __future__ import annotations

from amaranth import Const, Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from ...spec.npu import DESCRIPTOR, PARAM_WORDS, Op
from .fetcher import LineBufferSignature, advance, block_channels, loop_counts

__all__ = ["Sequencer", "TileSignature", "tile_layout"]


def tile_layout(rows: int, cols: int) -> data.StructLayout:
    """A tile: its origin and extent (what the drain needs), whether it is folded (two output
    rows), and ``inc``, the multiply-accumulates of each of its steps (for ``macs``)."""
    log_r, log_nc = rows.bit_length() - 1, cols.bit_length() - 1
    return data.StructLayout({"oy": 12, "ox0": 16, "k0": 16, "nr": log_r + 1,
                              "nc": log_nc + 1, "two": 1, "inc": log_r + log_nc + 2})


class TileSignature(wiring.Signature):
    """A captured tile, as the sequencer hands it to the drain (the sequencer's side).

    Members
    -------
    capture : Out(1)
        The tile's last step is in: the PE array copies the accumulators to its shadow bank,
        the drain takes the rest.
    tile : Out(tile_layout(rows, cols))
    mult, shifts : Out(32 * rows), Out(8 * rows)
        The block's requantization multipliers and shifts, one per row (output channel).
    idle : In(1)
        The drain has written every row of the last tile: the shadow bank may be overwritten.
    """

    def __init__(self, rows: int, cols: int):
        super().__init__({"capture": Out(1), "tile": Out(tile_layout(rows, cols)),
                          "mult": Out(32 * rows), "shifts": Out(8 * rows), "idle": In(1)})


class Sequencer(wiring.Component):
    """Parameters of each block, then one MAC step per ``(c, ky, kx)`` of each tile.

    Parameters
    ----------
    rows, cols : int
        PE array shape (powers of two).
    port_bytes, line_words : int
        L1 port width and port words per line-buffer segment (as the `Fetcher`'s).
    weight_words : int
        Weight-memory words.

    Members
    -------
    desc : In(DESCRIPTOR)
    run_init : In(1)
        Start of a layer: the loops restart at the first block.
    lines : In(LineBufferSignature(cols, port_bytes, line_words))
        The fetcher's line buffers: which hold a row, and a read port per column.
    w_addr, w_en : Out, w_data : In(8 * rows)
        The weight memory's read port (``w_data`` also goes to the array).
    valid, first : Out(1), x : Out(ArrayLayout(signed(9), cols)),
    bias : Out(ArrayLayout(signed(32), rows))
        The PE array's step.
    drain : Out(TileSignature(rows, cols))
        Captured tiles, for the drain.
    mac_inc : Out
        Multiply-accumulates of the step in ``valid``.
    idle : Out(1)
        No block, step or capture in progress.
    """

    def __init__(self, *, rows: int, cols: int, port_bytes: int, line_words: int,
                 weight_words: int):
        self.rows, self.cols, self.port_bytes, self.line_words = rows, cols, port_bytes, line_words
        super().__init__({
            "desc": In(DESCRIPTOR), "run_init": In(1),
            "lines": In(LineBufferSignature(cols, port_bytes, line_words)),
            "w_addr": Out(range(weight_words)), "w_en": Out(1), "w_data": In(8 * rows),
            "valid": Out(1), "first": Out(1), "x": Out(data.ArrayLayout(signed(9), cols)),
            "bias": Out(data.ArrayLayout(signed(32), rows)),
            "drain": Out(TileSignature(rows, cols)),
            "mac_inc": Out(tile_layout(rows, cols)["inc"].shape), "idle": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        R, NC, PB, NW = self.rows, self.cols, self.port_bytes, self.line_words
        log_r, log_nc = R.bit_length() - 1, NC.bit_length() - 1
        SEG = 2 * NW * PB
        d = self.desc
        s, kh, kw, fold = d.stride, d.kh, d.kw, d.fold
        dw = d.op == Op.DEPTHWISE
        nkb, nty, noxb = loop_counts(d, R, NC)
        ckb, coy, coxb, cci, cky, ckx = (Signal(12, name=n) for n in
                                         ("ckb", "coy", "coxb", "cci", "cky", "ckx"))
        cr = Signal()            # line buffer being used
        wblk = Signal(16)        # the block's first weight-memory word
        wptr = Signal(16)        # the next step's weight word
        c_params = Signal()      # reading the block's parameters
        c_mac = Signal()         # stepping through the block's taps
        pcount = Signal(range(PARAM_WORDS + 2))
        pbuf = Signal(8 * R * PARAM_WORDS)
        lines, drain = self.lines, self.drain
        m.d.comb += [self.bias.eq(pbuf[:32 * R]), drain.mult.eq(pbuf[32 * R:64 * R]),
                     drain.shifts.eq(pbuf[64 * R:72 * R])]
        c_cnt = block_channels(d, ckb, R)
        # the step given to the array (registered), its tile, and the tile's capture after it
        b_valid, b_first, b_x, c_last = self.valid, self.first, self.x, drain.capture
        b_last = Signal()
        b_tile, c_tile = Signal(tile_layout(R, NC)), drain.tile
        rp_addr, rp_en, rp_data = self.w_addr, self.w_en, self.w_data
        full = lines.full

        with m.If(self.run_init):
            m.d.sync += [ckb.eq(0), coy.eq(0), coxb.eq(0), cci.eq(0), cky.eq(0), ckx.eq(0),
                         cr.eq(0), wblk.eq(d.w_base), c_params.eq(1), pcount.eq(0)]
        # per-channel parameters: PARAM_WORDS reads, each word lands a cycle later
        with m.If(c_params):
            m.d.comb += [rp_addr.eq(wblk + pcount), rp_en.eq(1)]
            m.d.sync += pcount.eq(pcount + 1)
            with m.If(pcount != 0):
                m.d.sync += pbuf.word_select((pcount - 1)[:4], 8 * R).eq(rp_data)
            with m.If(pcount == PARAM_WORDS):
                m.d.sync += [c_params.eq(0), c_mac.eq(1), wptr.eq(wblk + PARAM_WORDS)]

        is_last = (ckx == kw - 1) & (cky == kh - 1) & (cci == c_cnt - 1)
        fire = (c_mac & full.bit_select(cr, 1)
                & (~is_last | (drain.idle & ~b_last & ~c_last)))
        c_ix0 = Signal(signed(18))
        m.d.comb += c_ix0.eq(((coxb << log_nc) * s) - d.pad_l)
        # a folded tile (out_w <= cols/2) puts output row oy0 + 1 in the upper half columns
        c_oy0 = coy << fold
        row_ok = []
        for r in range(2):
            c_iy = Signal(signed(16), name=f"c_iy{r}")
            m.d.comb += c_iy.eq((c_oy0 + r) * s + cky - d.pad_t)
            row_ok.append((c_iy >= 0) & (c_iy < d.in_h) & (c_oy0 + r < d.out_h))
        deltas = [[lines.delta[2 * i + r] for r in range(2)] for i in range(2)]
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
            m.d.comb += lines.col_addr[j].eq(Mux(cr, SEG, 0) + at)
            byte = lines.col_byte[j]
            ok = Mux(seg, row_ok[1], row_ok[0]) & (ix >= 0) & (ix < d.in_w)
            m.d.comb += x_now[j].eq(Mux(ok, byte - d.x_zp, 0))   # padding is a real zero
        left_k = d.out_k - (ckb << log_r)
        left_x = d.out_w - (coxb << log_nc)
        nr = Mux(left_k > R, R, left_k)
        ncol = Mux(left_x > NC, NC, left_x)
        two = fold & (c_oy0 + 1 < d.out_h)
        nact = Mux(two, ncol << 1, ncol)
        m.d.sync += [b_valid.eq(fire), b_last.eq(fire & is_last), c_last.eq(b_last)]
        m.d.comb += lines.slot.eq(cr)
        with m.If(fire):
            m.d.comb += [rp_addr.eq(wptr), rp_en.eq(1)]
            m.d.sync += [b_first.eq((ckx == 0) & (cky == 0) & (cci == 0)), b_x.eq(x_now),
                         b_tile.oy.eq(c_oy0), b_tile.ox0.eq(coxb << log_nc),
                         b_tile.k0.eq(ckb << log_r), b_tile.nr.eq(nr), b_tile.nc.eq(ncol),
                         b_tile.two.eq(two), b_tile.inc.eq(Mux(dw, nact, nr * nact)),
                         wptr.eq(wptr + 1)]
            with m.If(ckx == kw - 1):
                m.d.comb += lines.release.eq(1)         # row used up: the fetcher refills it
                m.d.sync += cr.eq(~cr)
            with m.If(is_last):
                m.d.sync += wptr.eq(wblk + PARAM_WORDS)
                with m.If(coxb + 1 == noxb):
                    with m.If(coy + 1 == nty):
                        m.d.sync += [c_mac.eq(0), wblk.eq(wblk + PARAM_WORDS + c_cnt * kh * kw)]
                        with m.If(ckb + 1 != nkb):
                            m.d.sync += [c_params.eq(1), pcount.eq(0)]
            advance(m, [(ckx, kw), (cky, kh), (cci, c_cnt), (coxb, noxb), (coy, nty),
                        (ckb, nkb)], None)
        with m.If(b_valid):
            m.d.sync += c_tile.eq(b_tile)
        m.d.comb += [self.mac_inc.eq(b_tile.inc),
                     self.idle.eq(~c_mac & ~c_params & ~b_valid & ~b_last & ~c_last)]
        self._dbg = dict(cr=cr, c_mac=c_mac, c_params=c_params, coy=coy, cci=cci, cky=cky)
        return m
