"""The CIM's sequencer: the descriptor, its check, and the per-pixel schedule on the L1 port.

A descriptor runs as ``CHECK``, ``LOAD`` (two 8-byte parameter beats per output column), then
per output pixel ``WAIT`` (until the gather, `CimGather`, has the pixel's im2col row in an
input buffer), ``MVM`` (the macro's tiles on that buffer, a row group per cycle, column group
after column group), ``POST_RD`` (the column sums and parameters of the first column are read;
with ``acc_in``, before every column, its partial sum too) and ``POST_WR``: the int8 results of
``post_cols`` columns in one write (two when they straddle an 8-byte word), or with ``acc_in``
or ``acc_out`` one column (an int32 partial sum with ``acc_out``) per write. While a pixel is
multiplied and written, the gather fills the other buffer with the next pixel's row, in the
cycles this sequencer does not use the L1 port (and once it has presented a request, until it
is taken, the port is the gather's).

Each response arrives exactly one cycle after its acceptance, so the sequencer tags the request
that was accepted (`RspSignature`: what it is for and where it goes) instead of tracking
responses, and the macro and the readout take the words tagged for them.

The noise LFSR is here too: it is seeded at the check and steps once per column written, the
readout computing the state after a write's columns (``column.lfsr_next``).
"""

from amaranth import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.cim import DESCRIPTOR, CimError
from .gather import CimGather
from .ports import L1PortSignature

__all__ = ["P_ACC", "P_GATHER", "P_NONE", "P_PARAM_HI", "P_PARAM_LO", "ColumnSignature",
           "CimSequencer", "MvmSignature", "RspSignature"]

#: What the request accepted last cycle was for (its response arrives this cycle).
P_NONE, P_PARAM_LO, P_PARAM_HI, P_GATHER, P_ACC = range(5)


class RspSignature(wiring.Signature):
    """The response of this cycle and what it is for (the sequencer's side).

    Members
    -------
    pend : Out(3)
        ``P_*``: nothing, a column's (bias, multiplier) or its shift, gathered input bytes,
        a partial sum.
    idx : Out(16)
        The column of a parameter, the first row of gathered input bytes.
    lane : Out(3)
        Byte of the 8-byte word the first input byte, or the 4-byte partial sum, is at.
    pad : Out(1)
        The input bytes are padding (no request was made: 0).
    count : Out(4)
        Input bytes of the beat, 1..8: rows ``idx ..`` from byte ``lane`` on.
    buf : Out(1)
        The input buffer the bytes go to.
    data : Out(64)
        The response's word (L1's ``rdata``).
    """

    def __init__(self):
        super().__init__({"pend": Out(3), "idx": Out(16), "lane": Out(3), "pad": Out(1),
                          "count": Out(4), "buf": Out(1), "data": Out(64)})


class MvmSignature(wiring.Signature):
    """The macro's schedule (the sequencer's side): ``cg``, ``rg`` address the tile read this
    cycle from input buffer ``buf``; ``valid`` (with ``first``/``last`` row group, and the
    tile's ``mvm_cg``/``mvm_rg``) says the tile read last cycle is to be accumulated."""

    def __init__(self):
        super().__init__({"cg": Out(16), "rg": Out(16), "buf": Out(1), "valid": Out(1),
                          "first": Out(1), "last": Out(1), "mvm_cg": Out(16),
                          "mvm_rg": Out(16)})


class ColumnSignature(wiring.Signature):
    """The columns being converted (the sequencer's side): the first ``k``, how many ``n``
    (1 .. ``post_cols``), ``k_next`` (the first column of the next cycle, whose operands the
    readout reads now, to have them then) and the noise state ``lfsr`` out; the readout's
    ``y`` (int8 results of columns ``k ..``, 8 bits each), ``total`` (column ``k``'s int32
    partial sum) and ``lfsr_next`` (the state after ``n`` columns) back."""

    def __init__(self, post_cols: int):
        super().__init__({"k": Out(16), "n": Out(4), "k_next": Out(16), "lfsr": Out(32),
                          "lfsr_next": In(32), "total": In(signed(34)),
                          "y": In(8 * post_cols)})


class CimSequencer(wiring.Component):
    """Control of the CIM accelerator: its state machine, loop counters and L1 requests.

    Parameters
    ----------
    rows, cols : int
        Macro size (the limits of the check).
    rows_per_cycle, cols_per_cycle : int
        The tile: rows and columns of the macro per MVM cycle (powers of two).
    post_cols : int
        Columns converted and written per cycle (a power of two dividing ``cols_per_cycle``,
        at most 8: their int8 results share one 8-byte write).
    l1_addr_width : int

    Members
    -------
    start : In(1), desc_in : In(DESCRIPTOR)
        A descriptor is taken in a cycle where ``start`` is high and ``busy`` is low.
    desc : Out(DESCRIPTOR)
        The descriptor being run, for the other units.
    weight_error : In(1)
        A programming beat was refused: the next descriptor is.
    busy, done, error, busy_cycles, mvms : Out
        As `Cim`.
    l1 : Out(L1PortSignature(l1_addr_width))
        The L1 port (its responses are used through ``rsp``).
    rsp : Out(RspSignature()), mvm : Out(MvmSignature()), column : Out(ColumnSignature())
    """

    def __init__(self, *, rows: int, cols: int, rows_per_cycle: int, cols_per_cycle: int,
                 post_cols: int, l1_addr_width: int):
        self.rows, self.cols, self.rp, self.cp = rows, cols, rows_per_cycle, cols_per_cycle
        self.post_cols = post_cols
        super().__init__({
            "start": In(1), "desc_in": In(DESCRIPTOR), "desc": Out(DESCRIPTOR),
            "weight_error": In(1),
            "busy": Out(1), "done": Out(1), "error": Out(3),
            "busy_cycles": Out(32), "mvms": Out(32), "mvm_end": Out(1),
            "l1": Out(L1PortSignature(l1_addr_width)),
            "rsp": Out(RspSignature()), "mvm": Out(MvmSignature()),
            "column": Out(ColumnSignature(post_cols)),
        })

    def elaborate(self, platform):  # noqa: C901 - one state machine, read top to bottom
        m = Module()
        rp, cp, npc = self.rp, self.cp, self.post_cols
        rp_bits, cp_bits = rp.bit_length() - 1, cp.bit_length() - 1
        l1, d = self.l1, self.desc
        k, lfsr = self.column.k, self.column.lfsr   # column (or parameter beat) index
        k_next = self.column.k_next                 # k after this cycle: set, never k itself
        m.d.comb += k_next.eq(k)
        m.d.sync += k.eq(k_next)
        pix_left = Signal(32)             # pixels still to do, including this one
        cg, rg = self.mvm.cg, self.mvm.rg
        n_rg, n_cg = Signal(16), Signal(16)
        out_pix, out_ptr, psum_ptr = Signal(32), Signal(32), Signal(32)
        pend = self.rsp.pend
        mvm_valid, mvm_first, mvm_last = self.mvm.valid, self.mvm.first, self.mvm.last
        mvm_cg, mvm_rg = self.mvm.mvm_cg, self.mvm.mvm_rg
        lfsr_next, total, ys = self.column.lfsr_next, self.column.total, self.column.y
        m.d.comb += self.rsp.data.eq(l1.rdata)

        m.d.sync += self.done.eq(0)
        m.d.sync += pend.eq(P_NONE)
        m.d.sync += mvm_valid.eq(0)

        # ---- the L1 port: this sequencer's requests first, the gather's in the other cycles;
        # a gather request once presented keeps the port until it is taken ----------------
        m.submodules.gather = gather = CimGather()
        m.d.comb += gather.desc.eq(d)
        own_req = Signal()                # the state machine wants the port this cycle
        own_addr = Signal(32)
        gather_holds = Signal()
        mine = own_req & ~gather_holds
        m.d.comb += [l1.req_valid.eq(Mux(mine, 1, gather.req)),
                     l1.addr.eq(Mux(mine, own_addr, gather.addr)),
                     gather.grant.eq(~mine & (l1.req_ready | ~gather.req))]
        m.d.sync += gather_holds.eq(~mine & gather.req & ~l1.req_ready)
        accepted = mine & l1.req_ready
        with m.If(gather.beat_valid):
            m.d.sync += [pend.eq(P_GATHER), self.rsp.idx.eq(gather.beat_row),
                         self.rsp.lane.eq(gather.beat_lane), self.rsp.pad.eq(gather.beat_pad),
                         self.rsp.count.eq(gather.beat_count), self.rsp.buf.eq(gather.buf)]

        # ---- the columns of this write (group mode: post_cols int8 results at once) ---------
        single = d.acc_in | d.acc_out                 # one column per write
        n = self.column.n
        left = Signal(16)
        m.d.comb += left.eq(d.out_c - k)
        m.d.comb += n.eq(Mux(single, 1, Mux(left < npc, left, npc)))
        lane0 = out_ptr[:3]
        second = Signal()                             # the second write of a straddling group
        straddles = ~single & (lane0 + n > 8)
        wdata, wstrb = [], []
        for lane in range(8):
            j = (Const(lane, 3) - lane0)[:3]          # the column of the group in this byte
            wdata.append(ys.word_select(j if npc == 8 else j[:max(1, npc.bit_length() - 1)],
                                        8) if npc > 1 else ys[:8])
            inside = Mux(second, lane < lane0, lane >= lane0)
            wstrb.append((j < n) & inside)
        group_data, group_strb = Cat(*wdata), Cat(*wstrb)

        with m.FSM():
            with m.State("IDLE"):
                with m.If(self.start):
                    m.d.sync += [d.eq(self.desc_in), self.error.eq(CimError.NONE)]
                    m.next = "CHECK"
            with m.State("CHECK"):
                m.d.comb += [self.busy.eq(1), gather.restart.eq(1)]
                shape_bad = ((d.rows == 0) | (d.rows > self.rows) | (d.out_c == 0)
                             | (d.out_c > self.cols) | (d.kh == 0) | (d.kh > 7) | (d.kw == 0)
                             | (d.kw > 7) | (d.stride == 0) | (d.stride == 3)
                             | (d.out_h == 0) | (d.out_w == 0) | (d.in_c == 0)
                             | (d.row_c0 >= d.in_c) | (d.row_i0 >= d.kh)
                             | (d.row_j0 >= d.kw))
                m.d.comb += k_next.eq(0)
                m.d.sync += [
                    lfsr.eq(Mux(d.seed == 0, 1, d.seed)),
                    n_rg.eq((d.rows + rp - 1) >> rp_bits),
                    n_cg.eq((d.out_c + cp - 1) >> cp_bits),
                    pix_left.eq(d.out_h * d.out_w), second.eq(0),
                    out_pix.eq(d.out_addr), out_ptr.eq(d.out_addr), psum_ptr.eq(d.psum_addr),
                ]
                with m.If(shape_bad | (d.in_shift == 3) | self.weight_error
                          | (d.param_addr[:3] != 0) | (d.psum_addr[:2] != 0)):
                    m.d.sync += [self.error.eq(Mux(shape_bad, CimError.SHAPE,
                                               Mux(d.in_shift == 3, CimError.INPUT_SHIFT,
                                                   Mux(self.weight_error, CimError.WEIGHTS,
                                                       CimError.ALIGN)))),
                                 self.done.eq(1)]
                    m.next = "IDLE"
                with m.Else():
                    m.next = "LOAD"
            with m.State("LOAD"):
                # Two 8-byte beats per column: (bias, multiplier), (shift, reserved).
                m.d.comb += self.busy.eq(1)
                with m.If(k < (d.out_c << 1)):
                    m.d.comb += [own_req.eq(1), own_addr.eq(d.param_addr + (k << 3))]
                    with m.If(accepted):
                        m.d.comb += k_next.eq(k + 1)
                        m.d.sync += [pend.eq(Mux(k[0], P_PARAM_HI, P_PARAM_LO)),
                                     self.rsp.idx.eq(k >> 1)]
                with m.Else():
                    m.d.comb += [k_next.eq(0), gather.kick.eq(1)]     # the first pixel's row
                    m.next = "WAIT"
            with m.State("WAIT"):
                m.d.comb += self.busy.eq(1)
                with m.If(gather.done):
                    # multiply this buffer; the next pixel's row goes to the other meanwhile
                    m.d.sync += [self.mvm.buf.eq(gather.buf), cg.eq(0), rg.eq(0)]
                    m.d.comb += gather.kick.eq(pix_left != 1)
                    m.next = "MVM"
            with m.State("MVM"):
                m.d.comb += self.busy.eq(1)
                with m.If(cg < n_cg):
                    m.d.sync += [mvm_valid.eq(1), mvm_first.eq(rg == 0),
                                 mvm_last.eq(rg == n_rg - 1), mvm_cg.eq(cg), mvm_rg.eq(rg)]
                    with m.If(rg == n_rg - 1):
                        m.d.sync += [rg.eq(0), cg.eq(cg + 1)]
                    with m.Else():
                        m.d.sync += rg.eq(rg + 1)
                with m.Else():
                    m.d.sync += self.mvms.eq(self.mvms + 1)
                    m.d.comb += self.mvm_end.eq(1)      # for the register page's WORK
                    m.next = "POST_RD"
            with m.State("POST_RD"):
                m.d.comb += self.busy.eq(1)
                with m.If(d.acc_in):
                    m.d.comb += [own_req.eq(1), own_addr.eq(psum_ptr)]
                    with m.If(accepted):
                        m.d.sync += [pend.eq(P_ACC), self.rsp.lane.eq(psum_ptr[:3])]
                        m.next = "POST_WR"
                with m.Else():
                    m.next = "POST_WR"
            with m.State("POST_WR"):
                m.d.comb += [self.busy.eq(1), own_req.eq(1), l1.we.eq(mine)]
                with m.If(d.acc_out):
                    m.d.comb += [own_addr.eq(psum_ptr), l1.wdata.eq(total[:32].replicate(2)),
                                 l1.wstrb.eq(Mux(psum_ptr[2], 0xF0, 0x0F))]
                with m.Else():
                    m.d.comb += [own_addr.eq(Mux(second, out_ptr + 8, out_ptr)),
                                 l1.wdata.eq(group_data), l1.wstrb.eq(group_strb)]
                with m.If(accepted & straddles & ~second):
                    m.d.sync += second.eq(1)                # the rest of the group, next word
                with m.Elif(accepted):
                    m.d.comb += k_next.eq(k + n)
                    m.d.sync += [second.eq(0), lfsr.eq(lfsr_next), psum_ptr.eq(psum_ptr + 4),
                                 out_ptr.eq(out_ptr + n)]
                    # The next columns' operands are read in this cycle (k_next): without a
                    # partial sum to read, they are written in the next.
                    with m.If(d.acc_in):
                        m.next = "POST_RD"
                    with m.If(k + n >= d.out_c):
                        m.d.comb += k_next.eq(0)
                        m.d.sync += [pix_left.eq(pix_left - 1),
                                     out_pix.eq(out_pix + d.out_pix_stride),
                                     out_ptr.eq(out_pix + d.out_pix_stride)]
                        with m.If(pix_left == 1):
                            m.d.sync += self.done.eq(1)
                            m.next = "IDLE"
                        with m.Else():
                            m.next = "WAIT"
        with m.If(self.busy):
            m.d.sync += self.busy_cycles.eq(self.busy_cycles + 1)
        return m
