"""The CIM's readout: column ``k`` of an MVM through the ADC to its int8 result (or int32 sum).

The exact arithmetic is `PostProc`'s (noise sample, 6-bit ADC, bias, partial sum,
requantization, ``docs/cim.md``); this unit gives it its operands: the column sum, read from the
macro's column-sum memory a column group at a time (``psum_addr`` -> ``psum_data``), the
column's parameters (bias and multiplier, shift: one memory each, one word per column, written
by the parameter beats the sequencer loads) and, when the layer accumulates, the partial sum
the sequencer read from L1, taken in the cycle it arrives and held while the result is written.

The memories are read synchronously, addressed by ``k`` itself: the words of a new column
arrive a cycle after ``k`` changes, in the ``POST_RD`` cycle that always comes before the
``POST_WR`` that uses them.
"""

from amaranth import Const, Module, Mux, Signal
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

from ...spec.cim import DESCRIPTOR
from .post import PostProc
from .sequencer import P_ACC, P_PARAM_HI, P_PARAM_LO, ColumnSignature, RspSignature

__all__ = ["CimReadout"]


class CimReadout(wiring.Component):
    """Post-processing of one column per conversion, with its parameters and partial sum.

    Parameters
    ----------
    cols, cols_per_cycle : int
        Macro columns, and columns per column-sum word.
    psum_width : int
        Width of a signed column sum.

    Members
    -------
    desc : In(DESCRIPTOR)
    rsp : In(RspSignature())
        L1 responses: parameter beats and partial sums are this unit's.
    column : In(ColumnSignature())
        The column and noise state in, its results and the next noise state out.
    psum_addr : Out(range(column groups)), psum_data : In(psum_width * cols_per_cycle)
        The macro's column sums.
    """

    def __init__(self, *, cols: int, cols_per_cycle: int, psum_width: int):
        self.cols, self.cp, self.psum_width = cols, cols_per_cycle, psum_width
        super().__init__({
            "desc": In(DESCRIPTOR), "rsp": In(RspSignature()), "column": In(ColumnSignature()),
            "psum_addr": Out(range(cols // cols_per_cycle)),
            "psum_data": In(psum_width * cols_per_cycle),
        })

    def elaborate(self, platform):
        m = Module()
        cp_bits, psum_width = self.cp.bit_length() - 1, self.psum_width
        d, rsp, k = self.desc, self.rsp, self.column.k
        # Per-column parameters: bias | multiplier, and shift.
        m.submodules.pbm = pbm = memory.Memory(shape=64, depth=self.cols, init=[])
        m.submodules.psh = psh = memory.Memory(shape=6, depth=self.cols, init=[])
        pbm_wr, pbm_rd = pbm.write_port(), pbm.read_port()
        psh_wr, psh_rd = psh.write_port(), psh.read_port()
        acc_in_reg = Signal(32)

        # ---- responses: a parameter beat, or the partial sum of the column --------------
        rword = Signal(32)
        m.d.comb += rword.eq(Mux(rsp.lane[2], rsp.data[32:], rsp.data[:32]))
        m.d.comb += [pbm_wr.addr.eq(rsp.idx), pbm_wr.data.eq(rsp.data),
                     psh_wr.addr.eq(rsp.idx), psh_wr.data.eq(rsp.data[:6])]
        with m.If(rsp.pend == P_PARAM_LO):
            m.d.comb += pbm_wr.en.eq(1)
        with m.If(rsp.pend == P_PARAM_HI):
            m.d.comb += psh_wr.en.eq(1)
        with m.If(rsp.pend == P_ACC):
            m.d.sync += acc_in_reg.eq(rword)

        # ---- post-processing of column k (ADC, noise, bias, partial sums, requantization) ----
        m.d.comb += [self.psum_addr.eq(k[cp_bits:]), pbm_rd.addr.eq(k), psh_rd.addr.eq(k)]
        p_col = self.psum_data.word_select(k[:cp_bits] if cp_bits else Const(0, 1),
                                           psum_width).as_signed()
        m.submodules.post = post = PostProc(psum_width)
        m.d.comb += [
            post.p.eq(p_col), post.lfsr.eq(self.column.lfsr),
            post.noise_scale.eq(d.noise_scale),
            post.adc_shift.eq(d.adc_shift), post.adc_offset.eq(d.adc_offset),
            post.bias.eq(pbm_rd.data[:32]), post.multiplier.eq(pbm_rd.data[32:]),
            post.shift.eq(psh_rd.data), post.acc_in.eq(d.acc_in),
            post.partial.eq(Mux(rsp.pend == P_ACC, rword, acc_in_reg)), post.y_zp.eq(d.y_zp),
            post.y_min.eq(d.y_min), post.y_max.eq(d.y_max),
            self.column.lfsr_next.eq(post.lfsr_next), self.column.total.eq(post.total),
            self.column.y.eq(post.y),
        ]
        return m
