"""The CIM's readout: columns ``k ..`` of an MVM through the ADC to int8 results (or int32 sum).

The exact arithmetic is `PostProc`'s (noise sample, 6-bit ADC, bias, partial sum,
requantization, ``docs/cim.md``); this unit gives it its operands: the column sum, read from the
macro's column-sum memory a column group at a time (``psum_addr`` -> ``psum_data``), the
column's parameters (bias and multiplier, shift: one memory each, one word per column, written
by the parameter beats the sequencer loads) and, when the layer accumulates, the partial sum
the sequencer read from L1, taken in the cycle it arrives and held while the result is written.

The memories are read synchronously, addressed by ``k_next``, the first column of the next
cycle: the words of a column are there in the cycle it is written, whether it follows the
previous write directly or a ``POST_RD`` cycle. ``post_cols`` columns are converted at once (a
`PostProc` each, the noise LFSR stepping through them in column order), which the sequencer
writes as one int8 word; with partial sums (``acc_in``, ``acc_out``) one column at a time.
"""

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

from ...spec.cim import DESCRIPTOR
from .post import PostProc
from .sequencer import P_ACC, P_PARAM_HI, P_PARAM_LO, ColumnSignature, RspSignature

__all__ = ["CimReadout"]


class CimReadout(wiring.Component):
    """Post-processing of ``post_cols`` columns per conversion, with their parameters (and,
    one column at a time, the partial sum).

    Parameters
    ----------
    cols, cols_per_cycle : int
        Macro columns, and columns per column-sum word.
    post_cols : int
        Columns converted at once: a power of two dividing ``cols_per_cycle``.
    psum_width : int
        Width of a signed column sum.

    Members
    -------
    desc : In(DESCRIPTOR)
    rsp : In(RspSignature())
        L1 responses: parameter beats and partial sums are this unit's.
    column : In(ColumnSignature(post_cols))
        The first column, how many, and the noise state in; their results and the next noise
        state out.
    psum_addr : Out(range(column groups)), psum_data : In(psum_width * cols_per_cycle)
        The macro's column sums.
    """

    def __init__(self, *, cols: int, cols_per_cycle: int, post_cols: int, psum_width: int):
        self.cols, self.cp, self.npc, self.psum_width = cols, cols_per_cycle, post_cols, \
            psum_width
        super().__init__({
            "desc": In(DESCRIPTOR), "rsp": In(RspSignature()),
            "column": In(ColumnSignature(post_cols)),
            "psum_addr": Out(range(cols // cols_per_cycle)),
            "psum_data": In(psum_width * cols_per_cycle),
        })

    def elaborate(self, platform):
        m = Module()
        npc, psum_width = self.npc, self.psum_width
        cp_bits, n_bits = self.cp.bit_length() - 1, npc.bit_length() - 1
        d, rsp, col = self.desc, self.rsp, self.column
        k, k_next = col.k, col.k_next

        # Per-column parameters in post_cols banks, column c in bank c % post_cols: bias |
        # multiplier, and shift. Bank b is read at the word of the first column >= k_next it
        # holds, so a group (k a multiple of post_cols) is one word of every bank, and a single
        # column k is bank k % post_cols.
        deep = -(-self.cols // npc)
        banks = []
        acc_in_reg = Signal(32)
        rword = Signal(32)
        m.d.comb += rword.eq(Mux(rsp.lane[2], rsp.data[32:], rsp.data[:32]))
        wbank = rsp.idx[:n_bits] if n_bits else Const(0, 1)
        for b in range(npc):
            pbm = memory.Memory(shape=64, depth=deep, init=[])
            psh = memory.Memory(shape=6, depth=deep, init=[])
            m.submodules[f"pbm{b}"], m.submodules[f"psh{b}"] = pbm, psh
            pbm_wr, pbm_rd = pbm.write_port(), pbm.read_port()
            psh_wr, psh_rd = psh.write_port(), psh.read_port()
            mine = wbank == b
            m.d.comb += [pbm_wr.addr.eq(rsp.idx >> n_bits), pbm_wr.data.eq(rsp.data),
                         psh_wr.addr.eq(rsp.idx >> n_bits), psh_wr.data.eq(rsp.data[:6]),
                         pbm_wr.en.eq((rsp.pend == P_PARAM_LO) & mine),
                         psh_wr.en.eq((rsp.pend == P_PARAM_HI) & mine)]
            ahead = Signal(16, name=f"param_col{b}")          # bank b's first column >= k_next
            m.d.comb += ahead.eq(k_next + ((b - k_next)[:n_bits] if n_bits else 0))
            m.d.comb += [pbm_rd.addr.eq(ahead >> n_bits), psh_rd.addr.eq(ahead >> n_bits)]
            banks.append((pbm_rd.data, psh_rd.data))
        with m.If(rsp.pend == P_ACC):
            m.d.sync += acc_in_reg.eq(rword)

        # ---- post-processing of columns k .. k + post_cols - 1, the noise LFSR chained ------
        m.d.comb += self.psum_addr.eq(k_next[cp_bits:])
        lfsr = col.lfsr
        after = []
        ys = []
        for j in range(npc):
            c = Signal(16, name=f"post_col{j}")
            m.d.comb += c.eq(k + j)
            p_col = self.psum_data.word_select(c[:cp_bits] if cp_bits else Const(0, 1),
                                               psum_width).as_signed()
            bank = c[:n_bits] if n_bits else Const(0, 1)
            bm, sh = Signal(64, name=f"post_bm{j}"), Signal(6, name=f"post_sh{j}")
            with m.Switch(bank):
                for b, (bank_bm, bank_sh) in enumerate(banks):
                    with m.Case(b):
                        m.d.comb += [bm.eq(bank_bm), sh.eq(bank_sh)]
            post = PostProc(psum_width)
            m.submodules[f"post{j}"] = post
            m.d.comb += [
                post.p.eq(p_col), post.lfsr.eq(lfsr), post.noise_scale.eq(d.noise_scale),
                post.adc_shift.eq(d.adc_shift), post.adc_offset.eq(d.adc_offset),
                post.bias.eq(bm[:32]), post.multiplier.eq(bm[32:]), post.shift.eq(sh),
                post.acc_in.eq(d.acc_in),
                post.partial.eq(Mux(rsp.pend == P_ACC, rword, acc_in_reg)),
                post.y_zp.eq(d.y_zp), post.y_min.eq(d.y_min), post.y_max.eq(d.y_max),
            ]
            lfsr = post.lfsr_next
            after.append(post.lfsr_next)
            ys.append(post.y)
            if j == 0:
                m.d.comb += col.total.eq(post.total)
        m.d.comb += col.y.eq(Cat(*ys))
        with m.Switch(col.n):
            for j in range(npc):
                with m.Case(j + 1):
                    m.d.comb += col.lfsr_next.eq(after[j])
        return m
