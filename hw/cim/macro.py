"""The CIM macro, emulated: ternary weights, the DAC codes of the input, tile MACs, column sums.

The weights are one memory word per ``(row group, column group)`` tile, written a macro row
at a time by the programming port (a beat with an invalid cell, 0b10, is refused and leaves
the cells as they were; ``weight_error`` remembers it until ``clear_error``) or, with ``dma``,
32 cells of a row per cycle by the DMA's beats (the same refusal). So that one beat is one
write, the tiles are split by column group into ``32 / cols_per_cycle`` banks when a tile row
is narrower than a beat (the beat's groups are then in different banks, one write port each),
and written in 64-bit sub-lanes when it is wider. The CPU's port wins a cycle where both
offer a beat. The input vector is the gathered im2col row, each byte turned into a 7-bit DAC
code as it arrives from L1 (``(x - x_zp) >> in_shift``, rounded to nearest even and clamped;
padding is 0), up to 8 bytes (rows) per gather beat.

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
    dma : bool
        Add the DMA's programming port (``cols`` a multiple of 32, as `Cim` checks).

    Members
    -------
    prog : In(ProgSignature)
        Weight programming, ready while ``busy`` is low.
    dma : In(ProgSignature(rows, cols // 32, 32)), with ``dma``
        The DMA's beats: row ``row``, columns ``[32 group, 32 group + 32)``; ready while
        ``busy`` is low and ``prog`` offers no beat.
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
                 psum_width: int, dma: bool = False):
        self.rows, self.rp, self.cp, self.psum_width = rows, rows_per_cycle, cols_per_cycle, \
            psum_width
        self.row_groups, self.col_groups = rows // rows_per_cycle, cols // cols_per_cycle
        self.dma_port = dma
        #: Weight banks (column group ``cg`` in bank ``cg % banks``) and 64-bit write sub-lanes
        #: per tile row: a DMA beat is one write either way.
        self.banks = 32 // cols_per_cycle if dma and cols_per_cycle < 32 else 1
        self.sub_lanes = cols_per_cycle // 32 if dma and cols_per_cycle > 32 else 1
        dma_port = {"dma": In(ProgSignature(rows, cols // 32, 32))} if dma else {}
        super().__init__({
            "prog": In(ProgSignature(rows, self.col_groups, cols_per_cycle)), **dma_port,
            "busy": In(1),
            "weight_error": Out(1), "prog_cycles": Out(32),
            "desc": In(DESCRIPTOR), "rsp": In(RspSignature()), "mvm": In(MvmSignature()),
            "psum_addr": In(range(self.col_groups)),
            "psum_data": Out(psum_width * cols_per_cycle),
        })

    def elaborate(self, platform):
        m = Module()
        rp, cp, ncg, psum_width = self.rp, self.cp, self.col_groups, self.psum_width
        rp_bits = rp.bit_length() - 1
        d, rsp, mvm = self.desc, self.rsp, self.mvm

        # Weight array: one word per (row group, column group) tile, written a row at a time;
        # column group cg in bank cg % nb, word cg // nb.
        nb, sub = self.banks, self.sub_lanes
        nb_bits, sub_bits = nb.bit_length() - 1, sub.bit_length() - 1
        bg_bits = max(1, (ncg // nb - 1).bit_length())
        # Block RAM even when the banks are shallow (36 words on pynq-z2): as distributed RAM
        # they would cost 1,400 LUTs and a flop per bit read, and LUTs are what boards lack.
        w_banks = []
        for j in range(nb):
            weights = memory.Memory(shape=2 * rp * cp, depth=self.row_groups << bg_bits, init=[],
                                    attrs={"ram_style": "block"})
            m.submodules["weights" if nb == 1 else f"weights{j}"] = weights
            w_banks.append((weights.write_port(granularity=2 * cp // sub), weights.read_port()))
        # Input vector (7-bit DAC codes) in 8 banks, so that a gather beat writes up to 8 rows
        # from any row on: bank b holds the rows r with r % 8 == b, `slots` of them per word,
        # a word per block of max(Rp, 8) rows; a tile (Rp consecutive rows) is one read.
        # Two buffers: the gather fills one while the MVM reads the other (word | buffer << ..).
        block = max(rp, 8)
        slots = block // 8
        depth = -(-self.rows // block)
        word_bits = max(1, (depth - 1).bit_length())
        banks = []
        for b in range(8):
            bank = memory.Memory(shape=7 * slots, depth=2 << word_bits, init=[])
            m.submodules[f"inputs{b}"] = bank
            banks.append((bank.write_port(granularity=7), bank.read_port()))
        # Column sums of one MVM, a column group per word.
        m.submodules.psums = psums = memory.Memory(shape=psum_width * cp, depth=ncg, init=[])
        ps_wr = psums.write_port()
        ps_rd = psums.read_port()
        m.d.comb += [ps_rd.addr.eq(self.psum_addr), self.psum_data.eq(ps_rd.data)]

        # ---- weight programming -------------------------------------------------------
        # Programming waits for the descriptor to end (the MVM reads the tiles meanwhile).
        # The CPU's beat wins the write ports: its bus write has no way to wait, the DMA's has.
        prog = self.prog
        weight_error = self.weight_error

        def bad_cell(data):
            return Cat(*(data[2 * i + 1] & ~data[2 * i] for i in range(len(data) // 2))).any()

        def row_lane(row):
            return row[:rp_bits] if rp_bits else Const(0, 1)

        def bank_word(group, shift):    # the group's word in its bank: bg_bits bits, always
            return Cat(group, Const(0, bg_bits))[shift:shift + bg_bits]

        m.d.comb += prog.ready.eq(~self.busy)
        cpu_beat = prog.valid & prog.ready
        cpu_en = Mux(cpu_beat & ~bad_cell(prog.data),
                     Const((1 << sub) - 1, sub) << (row_lane(prog.row) << sub_bits), 0)
        bad, beat = cpu_beat & bad_cell(prog.data), cpu_beat
        if self.dma_port:
            dma = self.dma
            m.d.comb += dma.ready.eq(~self.busy & ~prog.valid)
            dma_beat = dma.valid & dma.ready
            # Beat g (columns 32g ..) is column groups g * nb .. g * nb + nb - 1, one per bank,
            # each at word g; or, with sub-lanes, sub-lane g % sub of column group g // sub.
            dma_en = Mux(dma_beat & ~bad_cell(dma.data),
                         1 << Cat(dma.group[:sub_bits], row_lane(dma.row)) if sub_bits
                         else 1 << row_lane(dma.row), 0)
            bad, beat = bad | (dma_beat & bad_cell(dma.data)), cpu_beat | dma_beat
        for j, (w_wr, _) in enumerate(w_banks):
            mine = prog.group[:nb_bits] == j if nb_bits else 1
            m.d.comb += [w_wr.addr.eq(Cat(bank_word(prog.group, nb_bits), prog.row[rp_bits:])),
                         w_wr.data.eq(prog.data.replicate(rp)),
                         w_wr.en.eq(Mux(mine, cpu_en, 0))]
            if self.dma_port:
                with m.If(dma_beat):        # never with a CPU beat
                    m.d.comb += [
                        w_wr.addr.eq(Cat(bank_word(dma.group, sub_bits), dma.row[rp_bits:])),
                        w_wr.data.eq(dma.data.word_select(j, 2 * cp).replicate(rp) if nb > 1
                                     else dma.data.replicate(rp * sub)),
                        w_wr.en.eq(dma_en)]
        with m.If(beat):
            m.d.sync += self.prog_cycles.eq(self.prog_cycles + 1)
        with m.If(bad):
            m.d.sync += weight_error.eq(1)           # refused: the cells keep their value
        with m.If(prog.clear_error):
            m.d.sync += weight_error.eq(0)

        # ---- gather stage 2: the DAC codes of the bytes that arrived (0 for padding) ---------
        # Bank b takes the beat's row idx + t with (idx + t) % 8 == b, if t < count.
        block_bits = block.bit_length() - 1
        for b, (in_wr, _) in enumerate(banks):
            t = Signal(3, name=f"gather_t{b}")
            row = Signal(16, name=f"gather_row{b}")
            m.d.comb += [t.eq(b - rsp.idx[:3]), row.eq(rsp.idx + t)]
            byte = rsp.data.word_select((rsp.lane + t)[:3], 8).as_signed()
            diff = Signal(signed(10), name=f"gather_diff{b}")
            m.d.comb += diff.eq(byte - d.x_zp)
            shifted = Mux(d.in_shift == 0, diff, rshift_rne(diff, d.in_shift, 2))
            u = Signal(signed(7), name=f"gather_code{b}")
            m.d.comb += u.eq(Mux(rsp.pad, 0, clamp(shifted, -64, 63)))
            slot = row[3:block_bits] if slots > 1 else Const(0, 1)
            m.d.comb += [in_wr.addr.eq(Cat(row[block_bits:][:word_bits], rsp.buf)),
                         in_wr.data.eq(u.as_unsigned().replicate(slots)),
                         in_wr.en.eq(Mux((rsp.pend == P_GATHER) & (t < rsp.count),
                                         1 << slot, 0))]

        # ---- MVM stage 2: one tile of ternary MACs, an adder tree per column ----------------
        # Every bank reads the tile's word; the data is the bank of the tile read last cycle.
        for _, w_rd in w_banks:
            m.d.comb += w_rd.addr.eq(Cat(bank_word(mvm.cg, nb_bits), mvm.rg))
        w_data = Cat(*(w_rd.data for _, w_rd in w_banks))
        if nb > 1:
            w_data = w_data.word_select(mvm.mvm_cg[:nb_bits], 2 * rp * cp)
        codes = []
        if rp >= 8:     # a tile is one word of every bank: row t in bank t % 8, slot t // 8
            for _, in_rd in banks:
                m.d.comb += in_rd.addr.eq(Cat(mvm.rg[:word_bits], mvm.buf))
            for row in range(rp):
                codes.append(banks[row % 8][1].data.word_select(row // 8, 7))
        else:           # a tile is rows (rg * rp) % 8 .. of one word of 8 rows, one per bank
            for _, in_rd in banks:
                m.d.comb += in_rd.addr.eq(Cat((mvm.rg >> (3 - rp_bits))[:word_bits], mvm.buf))
            first = (mvm.mvm_rg << rp_bits)[:3]     # the tile read last cycle: its data now
            for row in range(rp):
                code = Signal(7, name=f"tile_code{row}")
                with m.Switch(first):
                    for o in range(0, 8, rp):
                        with m.Case(o):
                            m.d.comb += code.eq(banks[o + row][1].data)
                codes.append(code)
        m.submodules.tile = tile = TileMac(rp, cp, psum_width)
        row0 = Signal(32)
        m.d.comb += [tile.cells.eq(w_data), tile.inputs.eq(Cat(*codes)),
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
