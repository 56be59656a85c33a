"""The CIM macro, emulated: ternary weights, the DAC codes of the input, tile MACs, column sums.

The weights are one memory word per ``(row group, column group)`` tile, written a macro row
at a time by the programming port (a beat with an invalid cell, 0b10, is refused and leaves
the cells as they were; ``weight_error`` remembers it until ``clear_error``). The input vector
is the gathered im2col row, each byte turned into a 7-bit DAC code as it arrives from L1
(``(x - x_zp) >> in_shift``, rounded to nearest even and clamped; padding is 0).

An MVM reads one tile per cycle (the sequencer's ``mvm.cg``/``mvm.rg``) and, the cycle after,
adds its column sums (`TileMac`, an adder tree per column, what the analog array computes in one
evaluation) to the accumulators of its column group; after the last row group they go to the
column-sum memory, which the readout reads a column group at a time (``psum_addr`` ->
``psum_data``). The ADC is the readout's: the column sums here are exact.
"""

from amaranth import Cat, Const, Module, Mux, Signal, signed
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

from ...spec.cim import DESCRIPTOR
from .arith import clamp, rshift_rne
from .ports import ProgSignature
from .sequencer import P_GATHER, MvmSignature, RspSignature
from .tile import TileMac

__all__ = ["CimMacro"]


class CimMacro(wiring.Component):
    """Weight array, input DAC codes and the MVM datapath of the CIM accelerator.

    Parameters
    ----------
    rows, cols : int
        Macro size.
    rows_per_cycle, cols_per_cycle : int
        The tile (powers of two dividing ``rows`` and ``cols``).
    psum_width : int
        Width of a signed column sum.

    Members
    -------
    prog : In(ProgSignature)
        Weight programming, ready while ``busy`` is low.
    busy : In(1)
        A descriptor runs: programming waits.
    weight_error, prog_cycles : Out
        As `Cim`.
    desc : In(DESCRIPTOR)
    rsp : In(RspSignature())
        L1 responses: the gathered input bytes are this unit's.
    mvm : In(MvmSignature())
    psum_addr : In(range(column groups)), psum_data : Out(psum_width * cols_per_cycle)
        Read port of the column sums (the data a cycle after the address).
    """

    def __init__(self, *, rows: int, cols: int, rows_per_cycle: int, cols_per_cycle: int,
                 psum_width: int):
        self.rows, self.rp, self.cp, self.psum_width = rows, rows_per_cycle, cols_per_cycle, \
            psum_width
        self.row_groups, self.col_groups = rows // rows_per_cycle, cols // cols_per_cycle
        super().__init__({
            "prog": In(ProgSignature(rows, self.col_groups, cols_per_cycle)), "busy": In(1),
            "weight_error": Out(1), "prog_cycles": Out(32),
            "desc": In(DESCRIPTOR), "rsp": In(RspSignature()), "mvm": In(MvmSignature()),
            "psum_addr": In(range(self.col_groups)),
            "psum_data": Out(psum_width * cols_per_cycle),
        })

    def elaborate(self, platform):
        m = Module()
        rp, cp, ncg, psum_width = self.rp, self.cp, self.col_groups, self.psum_width
        cg_bits = max(1, (ncg - 1).bit_length())
        rp_bits = rp.bit_length() - 1
        d, rsp, mvm = self.desc, self.rsp, self.mvm

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
        m.d.comb += [ps_rd.addr.eq(self.psum_addr), self.psum_data.eq(ps_rd.data)]

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

        # ---- gather stage 2: the DAC code of the byte that arrived (0 for padding) ----------
        byte = rsp.data.word_select(rsp.lane, 8).as_signed()
        diff = Signal(signed(10))
        m.d.comb += diff.eq(byte - d.x_zp)
        shifted = Mux(d.in_shift == 0, diff, rshift_rne(diff, d.in_shift, 2))
        u = Signal(signed(7))
        m.d.comb += u.eq(Mux(rsp.pad, 0, clamp(shifted, -64, 63)))
        in_lane = rsp.idx[:rp_bits] if rp_bits else Const(0, 1)
        m.d.comb += [in_wr.addr.eq(rsp.idx[rp_bits:]),
                     in_wr.data.eq(u.as_unsigned().replicate(rp)),
                     in_wr.en.eq(Mux(rsp.pend == P_GATHER, 1 << in_lane, 0))]

        # ---- MVM stage 2: one tile of ternary MACs, an adder tree per column ----------------
        m.d.comb += [w_rd.addr.eq(Cat(mvm.cg[:cg_bits], mvm.rg)), in_rd.addr.eq(mvm.rg)]
        m.submodules.tile = tile = TileMac(rp, cp, psum_width)
        row0 = Signal(32)
        m.d.comb += [tile.cells.eq(w_rd.data), tile.inputs.eq(in_rd.data),
                     row0.eq(mvm.mvm_rg << rp_bits),
                     tile.live.eq(Cat(*(row0 + row < d.rows for row in range(rp))))]
        accs = [Signal(signed(psum_width), name=f"acc{col}") for col in range(cp)]
        acc_next = [Signal(signed(psum_width), name=f"acc_next{col}") for col in range(cp)]
        for col in range(cp):
            s = tile.sums[col * psum_width:(col + 1) * psum_width].as_signed()
            m.d.comb += acc_next[col].eq(Mux(mvm.first, 0, accs[col]) + s)
        with m.If(mvm.valid):
            m.d.sync += [accs[col].eq(acc_next[col]) for col in range(cp)]
        m.d.comb += [ps_wr.addr.eq(mvm.mvm_cg), ps_wr.data.eq(Cat(*acc_next)),
                     ps_wr.en.eq(mvm.valid & mvm.last)]
        return m
