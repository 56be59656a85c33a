"""The CIM's sequencer: the descriptor, its check, and the per-pixel schedule on the L1 port.

A descriptor runs as ``CHECK``, ``LOAD`` (two 8-byte parameter beats per output column), then
per output pixel ``GATHER`` (the im2col row of the pixel, one input byte per cycle, padding
taking a cycle but no request), ``MVM`` (the macro's tiles, a row group per cycle, column group
after column group) and, per output column, ``POST_RD`` (its partial sum, if accumulating) and
``POST_WR`` (its int8 result or int32 partial sum). Every L1 request is the sequencer's; each
response arrives exactly one cycle after its acceptance, so the sequencer tags the request it
got accepted (`RspSignature`: what it is for and where it goes) instead of tracking responses,
and the macro and the readout take the words tagged for them.

The noise LFSR is here too: it is seeded at the check and steps once per column written, the
readout computing the next state (``column.lfsr_next``).
"""

from amaranth import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ...spec.cim import DESCRIPTOR, CimError
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
        ``P_*``: nothing, a column's (bias, multiplier) or its shift, a gathered input byte,
        a partial sum.
    idx : Out(16)
        The column of a parameter, the row of an input byte.
    lane : Out(3)
        Byte of the 8-byte word the input byte, or the 4-byte partial sum, is at.
    pad : Out(1)
        The input byte is padding (no request was made: 0).
    data : Out(64)
        The response's word (L1's ``rdata``).
    """

    def __init__(self):
        super().__init__({"pend": Out(3), "idx": Out(16), "lane": Out(3), "pad": Out(1),
                          "data": Out(64)})


class MvmSignature(wiring.Signature):
    """The macro's schedule (the sequencer's side): ``cg``, ``rg`` address the tile read this
    cycle; ``valid`` (with ``first``/``last`` row group, and the tile's ``mvm_cg``/``mvm_rg``)
    says the tile read last cycle is to be accumulated."""

    def __init__(self):
        super().__init__({"cg": Out(16), "rg": Out(16), "valid": Out(1), "first": Out(1),
                          "last": Out(1), "mvm_cg": Out(16), "mvm_rg": Out(16)})


class ColumnSignature(wiring.Signature):
    """The column being converted (the sequencer's side): ``k`` and the noise state ``lfsr``
    out; the readout's ``total`` (int32 partial sum), ``y`` (int8) and ``lfsr_next`` back."""

    def __init__(self):
        super().__init__({"k": Out(16), "lfsr": Out(32), "lfsr_next": In(32),
                          "total": In(signed(34)), "y": In(signed(8))})


class CimSequencer(wiring.Component):
    """Control of the CIM accelerator: its state machine, loop counters and L1 requests.

    Parameters
    ----------
    rows, cols : int
        Macro size (the limits of the check).
    rows_per_cycle, cols_per_cycle : int
        The tile: rows and columns of the macro per MVM cycle (powers of two).
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
                 l1_addr_width: int):
        self.rows, self.cols, self.rp, self.cp = rows, cols, rows_per_cycle, cols_per_cycle
        super().__init__({
            "start": In(1), "desc_in": In(DESCRIPTOR), "desc": Out(DESCRIPTOR),
            "weight_error": In(1),
            "busy": Out(1), "done": Out(1), "error": Out(3),
            "busy_cycles": Out(32), "mvms": Out(32), "mvm_end": Out(1),
            "l1": Out(L1PortSignature(l1_addr_width)),
            "rsp": Out(RspSignature()), "mvm": Out(MvmSignature()),
            "column": Out(ColumnSignature()),
        })

    def elaborate(self, platform):  # noqa: C901 - one state machine, read top to bottom
        m = Module()
        rp, cp = self.rp, self.cp
        rp_bits, cp_bits = rp.bit_length() - 1, cp.bit_length() - 1
        l1, d = self.l1, self.desc
        k, lfsr = self.column.k, self.column.lfsr   # column (or parameter beat) index
        pix_left = Signal(32)             # pixels still to do, including this one
        oh, ow = Signal(16), Signal(16)
        y0, x0 = Signal(signed(18)), Signal(signed(18))
        r, i, j, c = Signal(16), Signal(4), Signal(4), Signal(16)
        cg, rg = self.mvm.cg, self.mvm.rg
        n_rg, n_cg = Signal(16), Signal(16)
        out_pix, out_ptr, psum_ptr = Signal(32), Signal(32), Signal(32)
        pend, pend_idx, pend_lane, pend_pad = (self.rsp.pend, self.rsp.idx, self.rsp.lane,
                                               self.rsp.pad)
        mvm_valid, mvm_first, mvm_last = self.mvm.valid, self.mvm.first, self.mvm.last
        mvm_cg, mvm_rg = self.mvm.mvm_cg, self.mvm.mvm_rg
        lfsr_next, total, y_out = self.column.lfsr_next, self.column.total, self.column.y
        m.d.comb += self.rsp.data.eq(l1.rdata)

        m.d.sync += self.done.eq(0)
        accepted = l1.req_valid & l1.req_ready
        m.d.sync += pend.eq(P_NONE)
        m.d.sync += mvm_valid.eq(0)

        # ---- im2col address of the current gather row -----------------------------------
        yy, xx = Signal(signed(18)), Signal(signed(18))
        m.d.comb += [yy.eq(y0 + i), xx.eq(x0 + j)]
        pad = (yy < 0) | (yy >= d.in_h) | (xx < 0) | (xx >= d.in_w)
        tap_addr = Signal(32)
        m.d.comb += tap_addr.eq(d.in_addr + (yy[:16] * d.in_w + xx[:16]) * d.in_c + c)

        with m.FSM():
            with m.State("IDLE"):
                with m.If(self.start):
                    m.d.sync += [d.eq(self.desc_in), self.error.eq(CimError.NONE)]
                    m.next = "CHECK"
            with m.State("CHECK"):
                m.d.comb += self.busy.eq(1)
                shape_bad = ((d.rows == 0) | (d.rows > self.rows) | (d.out_c == 0)
                             | (d.out_c > self.cols) | (d.kh == 0) | (d.kh > 7) | (d.kw == 0)
                             | (d.kw > 7) | (d.stride == 0) | (d.stride == 3)
                             | (d.out_h == 0) | (d.out_w == 0) | (d.in_c == 0)
                             | (d.row_c0 >= d.in_c) | (d.row_i0 >= d.kh)
                             | (d.row_j0 >= d.kw))
                m.d.sync += [
                    k.eq(0), lfsr.eq(Mux(d.seed == 0, 1, d.seed)),
                    n_rg.eq((d.rows + rp - 1) >> rp_bits),
                    n_cg.eq((d.out_c + cp - 1) >> cp_bits),
                    pix_left.eq(d.out_h * d.out_w), oh.eq(0), ow.eq(0),
                    y0.eq(-d.pad_top), x0.eq(-d.pad_left),
                    r.eq(0), i.eq(d.row_i0), j.eq(d.row_j0), c.eq(d.row_c0),
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
                    m.d.comb += [l1.req_valid.eq(1),
                                 l1.addr.eq(d.param_addr + (k << 3))]
                    with m.If(accepted):
                        m.d.sync += [k.eq(k + 1), pend.eq(Mux(k[0], P_PARAM_HI, P_PARAM_LO)),
                                     pend_idx.eq(k >> 1)]
                with m.Else():
                    m.d.sync += k.eq(0)
                    m.next = "GATHER"
            with m.State("GATHER"):
                m.d.comb += self.busy.eq(1)
                with m.If(r < d.rows):
                    m.d.comb += [l1.req_valid.eq(~pad), l1.addr.eq(tap_addr)]
                    with m.If(pad | accepted):
                        m.d.sync += [r.eq(r + 1), pend.eq(P_GATHER), pend_idx.eq(r),
                                     pend_lane.eq(tap_addr[:3]), pend_pad.eq(pad)]
                        with m.If(c == d.in_c - 1):
                            m.d.sync += c.eq(0)
                            with m.If(j == d.kw - 1):
                                m.d.sync += [j.eq(0), i.eq(i + 1)]
                            with m.Else():
                                m.d.sync += j.eq(j + 1)
                        with m.Else():
                            m.d.sync += c.eq(c + 1)
                with m.Else():
                    m.d.sync += [cg.eq(0), rg.eq(0)]
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
                    m.d.comb += [l1.req_valid.eq(1), l1.addr.eq(psum_ptr)]
                    with m.If(accepted):
                        m.d.sync += [pend.eq(P_ACC), pend_lane.eq(psum_ptr[:3])]
                        m.next = "POST_WR"
                with m.Else():
                    m.next = "POST_WR"
            with m.State("POST_WR"):
                m.d.comb += [self.busy.eq(1), l1.req_valid.eq(1), l1.we.eq(1)]
                with m.If(d.acc_out):
                    m.d.comb += [l1.addr.eq(psum_ptr), l1.wdata.eq(total[:32].replicate(2)),
                                 l1.wstrb.eq(Mux(psum_ptr[2], 0xF0, 0x0F))]
                with m.Else():
                    m.d.comb += [l1.addr.eq(out_ptr), l1.wdata.eq(y_out.as_unsigned()
                                                                  .replicate(8)),
                                 l1.wstrb.eq(1 << out_ptr[:3])]
                with m.If(accepted):
                    m.d.sync += [k.eq(k + 1), lfsr.eq(lfsr_next), psum_ptr.eq(psum_ptr + 4),
                                 out_ptr.eq(out_ptr + 1)]
                    m.next = "POST_RD"
                    with m.If(k == d.out_c - 1):
                        # Next pixel: restart the gather at the chunk's first row.
                        m.d.sync += [k.eq(0), pix_left.eq(pix_left - 1), r.eq(0),
                                     i.eq(d.row_i0), j.eq(d.row_j0), c.eq(d.row_c0),
                                     out_pix.eq(out_pix + d.out_pix_stride),
                                     out_ptr.eq(out_pix + d.out_pix_stride)]
                        with m.If(ow == d.out_w - 1):
                            m.d.sync += [ow.eq(0), oh.eq(oh + 1), x0.eq(-d.pad_left),
                                         y0.eq(y0 + d.stride)]
                        with m.Else():
                            m.d.sync += [ow.eq(ow + 1), x0.eq(x0 + d.stride)]
                        with m.If(pix_left == 1):
                            m.d.sync += self.done.eq(1)
                            m.next = "IDLE"
                        with m.Else():
                            m.next = "GATHER"
        with m.If(self.busy):
            m.d.sync += self.busy_cycles.eq(self.busy_cycles + 1)
        return m
