"""The NPU's fetcher: input row segments from L1 into two line buffers, ahead of the sequencer.

For each ``(block, tile row, ox block, c, ky)``, in the sequencer's order, it reads the input
row segment the tile needs (at most ``line_words`` port words; a folded tile needs two segments,
one per output row) into the free one of two line buffers and marks it ``full``; the sequencer
spends ``kw`` steps on it and releases it. With two buffers the next row loads while the
current one is used, so a 3x3 layer keeps the array busy as long as a row needs at most three
port cycles. A segment entirely in the padding is not read (the sequencer zeroes padding
itself): its buffer is marked full at once, as soon as no read into it is still in flight (its
last word must land first).

The two buffers (two segments each) are one byte memory, buffer ``i`` at byte ``i * SEG``: a
simulator reads a byte of a memory by index, where a byte of a vector costs a wide shift or a
chain of comparisons, for each of the ``cols`` columns. The sequencer reads it through one
combinational port per column (``col_addr`` -> ``col_byte``), relative to ``delta``: where the
segment's first input column (possibly in the padding) sits from the start of the first port
word read.

The loop nest helpers below are shared with the sequencer, which walks the same nest (one level
deeper, over ``kx``) a row behind the fetcher.
"""

from __future__ import annotations

from amaranth import Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ...spec.npu import DESCRIPTOR, Op

__all__ = ["Fetcher", "LineBufferSignature", "advance", "block_channels", "loop_counts"]


def loop_counts(d, rows: int, cols: int):
    """``(blocks, tile rows, ox blocks)`` of descriptor `d`, the outer trip counts."""
    log_r, log_nc = rows.bit_length() - 1, cols.bit_length() - 1
    nkb = (d.out_k + rows - 1) >> log_r
    nty = (d.out_h + d.fold) >> d.fold      # tile rows: one or two output rows each
    noxb = (d.out_w + cols - 1) >> log_nc
    return nkb, nty, noxb


def block_channels(d, kb, rows: int):
    """Input channels of block `kb`: a depthwise block has only its own ``rows`` channels."""
    left = d.out_k - (kb << (rows.bit_length() - 1))
    return Mux(d.op == Op.DEPTHWISE, Mux(left > rows, rows, left), d.in_c)


def advance(m, loops, done):
    """Step nested counters, innermost first: ``loops`` is [(counter, trip count)]; `done`
    (or None) is set when the outermost wraps."""
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


class LineBufferSignature(wiring.Signature):
    """The line buffers, as the fetcher offers them to the sequencer (the fetcher's side).

    Members
    -------
    full : Out(2)
        Line buffers holding their row.
    release : In(1), slot : In(1)
        The sequencer is done with line buffer ``slot``.
    delta : Out(ArrayLayout(signed(log2(port_bytes) + 6), 4))
        Element ``2 * buffer + segment``: byte offset of the segment's first input pixel
        (which may be in the padding, before the start of the row) from the start of the
        segment in its buffer.
    col_addr : In(ArrayLayout(range(4 * line_words * port_bytes), cols))
    col_byte : Out(ArrayLayout(signed(8), cols))
        One combinational read port of the line buffers per column.
    """

    def __init__(self, cols: int, port_bytes: int, line_words: int):
        log_pb = port_bytes.bit_length() - 1
        super().__init__({
            "full": Out(2), "release": In(1), "slot": In(1),
            "delta": Out(data.ArrayLayout(signed(log_pb + 6), 4)),
            "col_addr": In(data.ArrayLayout(range(4 * line_words * port_bytes), cols)),
            "col_byte": Out(data.ArrayLayout(signed(8), cols)),
        })


class Fetcher(wiring.Component):
    """Reads input rows for the sequencer into two line buffers.

    Parameters
    ----------
    rows, cols : int
        PE array shape (powers of two).
    port_bytes : int
        L1 port width (a power of two).
    line_words : int
        Port words per segment: enough for ``cols`` outputs at stride 2 and the widest kernel,
        at any alignment.
    addr_width : int
        L1 byte address width.

    Members
    -------
    desc : In(DESCRIPTOR)
    running, run_init, adding : In(1)
        A conv / depthwise / dense layer runs; it starts (the loops restart); a residual add
        runs (the L1 port's responses are its own then).
    req : Out(1), addr : Out(addr_width)
        A read of L1.
    own_w, accepted, outst, outst_read, read_rsp : In(1), rdata : In(8 * port_bytes)
        The L1 port (`RequestMux`): the request presented is a write; it is accepted; a
        request is outstanding, a read; a read's response arrives, with its word.
    done : Out(1)
        The layer's last segment was requested (or skipped, all padding).
    lines : Out(LineBufferSignature(cols, port_bytes, line_words))
        The line buffers, for the sequencer.
    """

    def __init__(self, *, rows: int, cols: int, port_bytes: int, line_words: int,
                 addr_width: int):
        self.rows, self.cols, self.port_bytes, self.line_words = rows, cols, port_bytes, line_words
        self.log_pb = port_bytes.bit_length() - 1
        super().__init__({
            "desc": In(DESCRIPTOR), "running": In(1), "run_init": In(1), "adding": In(1),
            "req": Out(1), "addr": Out(addr_width),
            "own_w": In(1), "accepted": In(1), "outst": In(1), "outst_read": In(1),
            "read_rsp": In(1), "rdata": In(8 * port_bytes),
            "done": Out(1), "lines": Out(LineBufferSignature(cols, port_bytes, line_words)),
        })

    def elaborate(self, platform):
        m = Module()
        R, NC, PB, NW = self.rows, self.cols, self.port_bytes, self.line_words
        log_nc, log_pb = NC.bit_length() - 1, self.log_pb
        d = self.desc
        s, kh, kw, fold = d.stride, d.kh, d.kw, d.fold
        nkb, nty, noxb = loop_counts(d, R, NC)
        adding, accepted, own_w = self.adding, self.accepted, self.own_w
        fkb, foy, foxb, fci, fky = (Signal(12, name=n) for n in
                                    ("fkb", "foy", "foxb", "fci", "fky"))
        fw = Signal()            # line buffer being filled
        fr = Signal()            # segment (output row of a folded tile) being filled
        fword = Signal(range(NW + 1))
        fdone, full = self.done, self.lines.full
        SEG = 2 * NW * PB
        m.submodules.lines = lines = Memory(shape=8, depth=2 * SEG, init=[])
        deltas = [[Signal(signed(log_pb + 6), name=f"delta{i}_{r}") for r in range(2)]
                  for i in range(2)]
        m.d.comb += [self.lines.delta[2 * i + r].eq(deltas[i][r])
                     for i in range(2) for r in range(2)]
        # where the read in flight lands: buffer, port word in it, and whether it ends the row
        rd_slot = Signal()
        rd_idx = Signal(range(2 * NW + 1))
        rd_last = Signal()

        f_cnt = block_channels(d, fkb, R)
        f_c = Mux(d.op == Op.DEPTHWISE, (fkb << (R.bit_length() - 1)) + fci, fci)
        f_iy = Signal(signed(16))
        f_ix0 = Signal(signed(18))
        f_ixe = Signal(signed(18))
        f_oy = (foy << fold) + fr
        m.d.comb += [f_iy.eq(f_oy * s + fky - d.pad_t),
                     f_ix0.eq(((foxb << log_nc) * s) - d.pad_l),
                     f_ixe.eq(f_ix0 + (NC - 1) * s + kw - 1)]
        # the part of the segment inside the row: the rest is padding, not read
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
        m.d.comb += [f_addr.eq((f_wlo + fword) << log_pb), self.addr.eq(f_addr)]
        f_advance = Signal()
        f_next_seg = Signal()
        # no read into this slot may still be in flight when a slot is started, or completed by
        # a segment of padding (which completes at once and must not overtake the last word)
        filling = self.outst & self.outst_read & (rd_slot == fw)
        with m.If(self.running & ~fdone & ~full.bit_select(fw, 1)):
            with m.If(~f_valid):
                with m.If(~f_seg_last):
                    m.d.comb += f_next_seg.eq(1)
                with m.Elif(~filling):
                    m.d.sync += full.bit_select(fw, 1).eq(1)   # all padding: nothing to read
                    m.d.comb += f_advance.eq(1)
            with m.Elif(~filling | (fr != 0) | (fword != 0)):
                m.d.comb += self.req.eq(1)
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
        with m.If(self.read_rsp & ~adding):
            for k in range(PB):
                wport = lines.write_port()
                m.d.comb += [wport.en.eq(1), wport.data.eq(self.rdata.word_select(k, 8)),
                             wport.addr.eq(Mux(rd_slot, SEG, 0) + (rd_idx << log_pb) + k)]
            with m.If(rd_last):
                m.d.sync += full.bit_select(rd_slot, 1).eq(1)
        with m.If(f_next_seg):
            m.d.sync += fr.eq(1)
        with m.If(f_advance):
            m.d.sync += [fw.eq(~fw), fr.eq(0)]
            advance(m, [(fky, kh), (fci, f_cnt), (foxb, noxb), (foy, nty), (fkb, nkb)], fdone)
        with m.If(self.run_init):
            m.d.sync += [fkb.eq(0), foy.eq(0), foxb.eq(0), fci.eq(0), fky.eq(0), fdone.eq(0),
                         fw.eq(0), fr.eq(0), fword.eq(0), full.eq(0)]
        with m.If(self.lines.release):
            m.d.sync += full.bit_select(self.lines.slot, 1).eq(0)
        for j in range(NC):
            rport = lines.read_port(domain="comb")
            m.d.comb += [rport.addr.eq(self.lines.col_addr[j]),
                         self.lines.col_byte[j].eq(rport.data)]
        self._dbg = dict(fkb=fkb, foy=foy, fci=fci, fky=fky, fdone=fdone, full=full, fw=fw,
                         fword=fword)
        return m
