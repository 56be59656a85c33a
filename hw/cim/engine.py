"""The CIM accelerator: weight-stationary ternary macro, im2col input streaming from L1, one
tile of ``rows_per_cycle x cols_per_cycle`` ternary MACs per cycle, a 6-bit ADC per column
with seeded noise, and post-processing to int8 (or int32 partial sums) written to L1.

Timing (no L1 stalls; ``docs/cim.md`` derives it): a descriptor is busy for
``2 + 2*K + P * (R + 2 + ceil(R/Rp) * ceil(K/Cp) + 2*K)`` cycles, where P = out_h * out_w,
R = rows, K = out_c.
"""

from amaranth import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

from .arith import clamp, rshift_rne
from .descriptor import DESCRIPTOR, CimError
from .ports import L1PortSignature, ProgSignature
from .post import PostProc
from .tile import TileMac

__all__ = ["Cim"]

# What the request accepted last cycle was for (its response arrives this cycle).
_P_NONE, _P_PARAM_LO, _P_PARAM_HI, _P_GATHER, _P_ACC = range(5)


def _pow2(name, v, limit):
    if not isinstance(v, int) or v < 1 or v & (v - 1) or limit % v:
        raise ValueError(f"{name} must be a power of two dividing {limit}, not {v!r}")


class Cim(wiring.Component):
    """The CIM accelerator (standalone; the SoC attaches ``l1`` and ``prog``).

    Parameters
    ----------
    rows, cols : int
        Macro size (``SocConfig.cim``).
    rows_per_cycle, cols_per_cycle : int
        The digital emulation's parallelism: one tile of this many rows by columns (an adder
        tree per column) per cycle. Powers of two dividing ``rows`` and ``cols``.
    l1_addr_width : int
        Byte address width of L1.

    Members
    -------
    desc : In(DESCRIPTOR), start : In(1)
        A descriptor is taken in a cycle where ``start`` is high and ``busy`` is low.
    busy, done : Out(1)
        ``done`` pulses for one cycle when a descriptor ends (also when refused).
    error : Out(3)
        ``CimError`` of the last descriptor; when not 0, nothing was read or written.
    weight_error : Out(1)
        A programming beat was refused since the last ``prog.clear_error``: the next
        descriptor will end with ``CimError.WEIGHTS``.
    l1 : Out(L1PortSignature), prog : In(ProgSignature)
    busy_cycles, mvms, prog_cycles : Out(32)
        Counters: cycles busy, matrix-vector products done, programming beats accepted.
    """

    def __init__(self, rows: int, cols: int, rows_per_cycle: int = 16, cols_per_cycle: int = 16,
                 l1_addr_width: int = 18):
        for name, v in (("rows", rows), ("cols", cols)):
            if not isinstance(v, int) or not 1 <= v <= 4096:
                raise ValueError(f"{name} must be an integer in [1, 4096], not {v!r}")
        _pow2("rows_per_cycle", rows_per_cycle, rows)
        _pow2("cols_per_cycle", cols_per_cycle, cols)
        self.rows, self.cols = rows, cols
        self.rp, self.cp = rows_per_cycle, cols_per_cycle
        self.row_groups, self.col_groups = rows // rows_per_cycle, cols // cols_per_cycle
        super().__init__({
            "desc": In(DESCRIPTOR), "start": In(1),
            "busy": Out(1), "done": Out(1), "error": Out(3), "weight_error": Out(1),
            "l1": Out(L1PortSignature(l1_addr_width)),
            "prog": In(ProgSignature(rows, self.col_groups, cols_per_cycle)),
            "busy_cycles": Out(32), "mvms": Out(32), "prog_cycles": Out(32),
        })

    def elaborate(self, platform):
        m = Module()
        rp, cp, ncg = self.rp, self.cp, self.col_groups
        cg_bits = max(1, (ncg - 1).bit_length())
        rp_bits, cp_bits = rp.bit_length() - 1, cp.bit_length() - 1
        psum_width = (self.rows * 64).bit_length() + 1    # |p| <= rows * 64
        l1 = self.l1

        # Weight array: one word per (row group, column group) tile, written a row at a time.
        m.submodules.weights = weights = memory.Memory(
            shape=2 * rp * cp, depth=self.row_groups << cg_bits, init=[])
        w_wr = weights.write_port(granularity=2 * cp)
        w_rd = weights.read_port()
        # Input vector (7-bit DAC codes), written a row at a time by the gather.
        m.submodules.inputs = inputs = memory.Memory(shape=7 * rp, depth=self.row_groups, init=[])
        in_wr = inputs.write_port(granularity=7)
        in_rd = inputs.read_port()
        # Column sums of one MVM, a column group per word.
        m.submodules.psums = psums = memory.Memory(shape=psum_width * cp, depth=ncg, init=[])
        ps_wr = psums.write_port()
        ps_rd = psums.read_port()
        # Per-column parameters: bias | multiplier, and shift.
        m.submodules.pbm = pbm = memory.Memory(shape=64, depth=self.cols, init=[])
        m.submodules.psh = psh = memory.Memory(shape=6, depth=self.cols, init=[])
        pbm_wr, pbm_rd = pbm.write_port(), pbm.read_port()
        psh_wr, psh_rd = psh.write_port(), psh.read_port()

        # ---- weight programming -------------------------------------------------------
        prog = self.prog
        weight_error = self.weight_error
        bad_cell = Cat(*(prog.data[2 * i + 1] & ~prog.data[2 * i] for i in range(cp))).any()
        m.d.comb += prog.ready.eq(~self.busy)
        beat = prog.valid & prog.ready
        lane = prog.row[:rp_bits] if rp_bits else Const(0, 1)
        m.d.comb += [
            w_wr.addr.eq(Cat(prog.group[:cg_bits], prog.row[rp_bits:])),
            w_wr.data.eq(prog.data.replicate(rp)),
            w_wr.en.eq(Mux(beat & ~bad_cell, 1 << lane, 0)),
        ]
        with m.If(beat):
            m.d.sync += self.prog_cycles.eq(self.prog_cycles + 1)
            with m.If(bad_cell):
                m.d.sync += weight_error.eq(1)       # refused: the cells keep their value
        with m.If(prog.clear_error):
            m.d.sync += weight_error.eq(0)

        # ---- registers ------------------------------------------------------------------
        d = Signal(DESCRIPTOR)
        k = Signal(16)                    # column (or parameter beat) index
        pix_left = Signal(32)             # pixels still to do, including this one
        oh, ow = Signal(16), Signal(16)
        y0, x0 = Signal(signed(18)), Signal(signed(18))
        r, i, j, c = Signal(16), Signal(4), Signal(4), Signal(16)
        cg, rg = Signal(16), Signal(16)
        n_rg, n_cg = Signal(16), Signal(16)
        out_pix, out_ptr, psum_ptr = Signal(32), Signal(32), Signal(32)
        lfsr = Signal(32)
        pend = Signal(3)
        pend_idx = Signal(16)
        pend_lane = Signal(3)
        pend_pad = Signal()
        acc_in_reg = Signal(32)
        mvm_valid, mvm_first, mvm_last = Signal(), Signal(), Signal()
        mvm_cg, mvm_rg = Signal(16), Signal(16)

        m.d.sync += self.done.eq(0)
        accepted = l1.req_valid & l1.req_ready
        m.d.sync += pend.eq(_P_NONE)

        # ---- responses (exactly one cycle after acceptance) --------------------------------
        rword = Signal(32)
        m.d.comb += rword.eq(Mux(pend_lane[2], l1.rdata[32:], l1.rdata[:32]))
        m.d.comb += [pbm_wr.addr.eq(pend_idx), pbm_wr.data.eq(l1.rdata),
                     psh_wr.addr.eq(pend_idx), psh_wr.data.eq(l1.rdata[:6])]
        with m.If(pend == _P_PARAM_LO):
            m.d.comb += pbm_wr.en.eq(1)
        with m.If(pend == _P_PARAM_HI):
            m.d.comb += psh_wr.en.eq(1)
        with m.If(pend == _P_ACC):
            m.d.sync += acc_in_reg.eq(rword)
        # Gather stage 2: the DAC code of the byte that arrived (0 for padding).
        byte = l1.rdata.word_select(pend_lane, 8).as_signed()
        diff = Signal(signed(10))
        m.d.comb += diff.eq(byte - d.x_zp)
        shifted = Mux(d.in_shift == 0, diff, rshift_rne(diff, d.in_shift, 2))
        u = Signal(signed(7))
        m.d.comb += u.eq(Mux(pend_pad, 0, clamp(shifted, -64, 63)))
        in_lane = pend_idx[:rp_bits] if rp_bits else Const(0, 1)
        m.d.comb += [in_wr.addr.eq(pend_idx[rp_bits:]),
                     in_wr.data.eq(u.as_unsigned().replicate(rp)),
                     in_wr.en.eq(Mux(pend == _P_GATHER, 1 << in_lane, 0))]

        # ---- MVM stage 2: one tile of ternary MACs, an adder tree per column ----------------
        m.d.comb += [w_rd.addr.eq(Cat(cg[:cg_bits], rg)), in_rd.addr.eq(rg)]
        m.submodules.tile = tile = TileMac(rp, cp, psum_width)
        row0 = Signal(32)
        m.d.comb += [tile.cells.eq(w_rd.data), tile.inputs.eq(in_rd.data),
                     row0.eq(mvm_rg << rp_bits),
                     tile.live.eq(Cat(*(row0 + row < d.rows for row in range(rp))))]
        accs = [Signal(signed(psum_width), name=f"acc{col}") for col in range(cp)]
        acc_next = [Signal(signed(psum_width), name=f"acc_next{col}") for col in range(cp)]
        for col in range(cp):
            s = tile.sums[col * psum_width:(col + 1) * psum_width].as_signed()
            m.d.comb += acc_next[col].eq(Mux(mvm_first, 0, accs[col]) + s)
        with m.If(mvm_valid):
            m.d.sync += [accs[col].eq(acc_next[col]) for col in range(cp)]
        m.d.comb += [ps_wr.addr.eq(mvm_cg), ps_wr.data.eq(Cat(*acc_next)),
                     ps_wr.en.eq(mvm_valid & mvm_last)]
        m.d.sync += mvm_valid.eq(0)

        # ---- post-processing of column k (ADC, noise, bias, partial sums, requantization) ----
        m.d.comb += [ps_rd.addr.eq(k[cp_bits:]), pbm_rd.addr.eq(k), psh_rd.addr.eq(k)]
        p_col = ps_rd.data.word_select(k[:cp_bits] if cp_bits else Const(0, 1),
                                       psum_width).as_signed()
        m.submodules.post = post = PostProc(psum_width)
        m.d.comb += [
            post.p.eq(p_col), post.lfsr.eq(lfsr), post.noise_scale.eq(d.noise_scale),
            post.adc_shift.eq(d.adc_shift), post.adc_offset.eq(d.adc_offset),
            post.bias.eq(pbm_rd.data[:32]), post.multiplier.eq(pbm_rd.data[32:]),
            post.shift.eq(psh_rd.data), post.acc_in.eq(d.acc_in),
            post.partial.eq(Mux(pend == _P_ACC, rword, acc_in_reg)), post.y_zp.eq(d.y_zp),
            post.y_min.eq(d.y_min), post.y_max.eq(d.y_max),
        ]
        lfsr_next, total, y_out = post.lfsr_next, post.total, post.y

        # ---- im2col address of the current gather row -----------------------------------
        yy, xx = Signal(signed(18)), Signal(signed(18))
        m.d.comb += [yy.eq(y0 + i), xx.eq(x0 + j)]
        pad = (yy < 0) | (yy >= d.in_h) | (xx < 0) | (xx >= d.in_w)
        tap_addr = Signal(32)
        m.d.comb += tap_addr.eq(d.in_addr + (yy[:16] * d.in_w + xx[:16]) * d.in_c + c)

        with m.FSM():
            with m.State("IDLE"):
                with m.If(self.start):
                    m.d.sync += [d.eq(self.desc), self.error.eq(CimError.NONE)]
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
                with m.If(shape_bad | (d.in_shift == 3) | weight_error
                          | (d.param_addr[:3] != 0) | (d.psum_addr[:2] != 0)):
                    m.d.sync += [self.error.eq(Mux(shape_bad, CimError.SHAPE,
                                               Mux(d.in_shift == 3, CimError.INPUT_SHIFT,
                                                   Mux(weight_error, CimError.WEIGHTS,
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
                        m.d.sync += [k.eq(k + 1), pend.eq(Mux(k[0], _P_PARAM_HI, _P_PARAM_LO)),
                                     pend_idx.eq(k >> 1)]
                with m.Else():
                    m.d.sync += k.eq(0)
                    m.next = "GATHER"
            with m.State("GATHER"):
                m.d.comb += self.busy.eq(1)
                with m.If(r < d.rows):
                    m.d.comb += [l1.req_valid.eq(~pad), l1.addr.eq(tap_addr)]
                    with m.If(pad | accepted):
                        m.d.sync += [r.eq(r + 1), pend.eq(_P_GATHER), pend_idx.eq(r),
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
                    m.next = "POST_RD"
            with m.State("POST_RD"):
                m.d.comb += self.busy.eq(1)
                with m.If(d.acc_in):
                    m.d.comb += [l1.req_valid.eq(1), l1.addr.eq(psum_ptr)]
                    with m.If(accepted):
                        m.d.sync += [pend.eq(_P_ACC), pend_lane.eq(psum_ptr[:3])]
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
