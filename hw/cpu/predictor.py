"""Branch prediction: a static predictor in decode, and a branch target buffer in fetch.

The static predictor decides: backward taken, forward not taken, jal taken.

Loops close with backward branches, so "backward taken" is right for all but the last iteration;
forward branches usually skip rare cases. jal is always taken, so predicting it costs nothing
but the one-cycle redirect. jalr is not predicted (the execute stage redirects). A target that is
not 4-byte aligned is not predicted either: the execute stage raises the misaligned-fetch
exception without the fetch unit ever presenting a misaligned address.

The branch target buffer only remembers where decode redirected to. When decode redirects for
the branch at ``pc`` it trains the entry, and the next time fetch requests ``pc`` it continues at
the remembered target in the following cycle instead of ``pc + 4``, so a loop-closing branch
costs no bubble at all. Entries are direct-mapped with full tags, so a hit always belongs to the
very same address; the instruction there can only change by a store followed by fence.i, which
flushes the buffer. Decode checks each hit against its own prediction (taken or not) and
corrects fetch if they differ. It does not compare targets (that would lengthen the redirect
path), so code rewritten *without* a fence.i, whose fetch the ISA leaves unsynchronised, may
see the new branch go to the old target.
"""

from amaranth import Cat, Const, Module, Signal
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

__all__ = ["BranchPredictor", "BranchTargetBuffer"]


class BranchPredictor(wiring.Component):
    """Decode-stage static predictor.

    Members
    -------
    pc : In(32)
        Address of the instruction in decode.
    imm : In(32)
        Its decoded immediate (the branch or jump offset).
    branch, jal : In(1)
        The instruction is a conditional branch / a jal.
    taken : Out(1)
        Predict taken: the decode stage redirects fetch to ``target``.
    target : Out(32)
        ``pc + imm``, also the branch target the execute stage uses.
    """

    pc: In(32)
    imm: In(32)
    branch: In(1)
    jal: In(1)
    taken: Out(1)
    target: Out(32)

    def elaborate(self, platform):
        m = Module()
        # pc is aligned, so the target is aligned exactly when imm[1] is clear (imm[0] is 0).
        m.d.comb += [
            self.target.eq(self.pc + self.imm),
            self.taken.eq((self.jal | (self.branch & self.imm[31])) & ~self.imm[1]),
        ]
        return m


class BranchTargetBuffer(wiring.Component):
    """Direct-mapped BTB with asynchronous lookup.

    Parameters
    ----------
    entries : int
        Number of entries (a power of two).

    Members
    -------
    pc : In(32)
        Fetch address to look up.
    hit : Out(1)
        ``pc`` has an entry: predict taken.
    target : Out(32)
        The remembered target.
    write : In(1)
        Update the entry of ``write_pc``.
    write_pc, write_target : In(32)
        The branch's address and target.
    write_valid : In(1)
        Make the entry valid (else invalidate it).
    flush : In(1)
        Invalidate every entry (fence.i).
    """

    pc: In(32)
    hit: Out(1)
    target: Out(32)
    write: In(1)
    write_pc: In(32)
    write_target: In(32)
    write_valid: In(1)
    flush: In(1)

    def __init__(self, entries: int = 32):
        if not isinstance(entries, int) or entries < 2 or entries & (entries - 1):
            raise ValueError(f"BTB entries must be a power of two of at least 2, not {entries!r}")
        self.entries = entries
        self.index_bits = entries.bit_length() - 1
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        lo = 2 + self.index_bits
        entry = data.StructLayout({"tag": 32 - lo, "target": 30})
        m.submodules.mem = mem = Memory(shape=entry, depth=self.entries, init=[])
        # Valid bits live in flip-flops so that fence.i can clear them all in one cycle.
        valid = Signal(self.entries)

        read = mem.read_port(domain="comb")
        index = self.pc[2:lo]
        m.d.comb += [
            read.addr.eq(index),
            self.hit.eq(valid.bit_select(index, 1) & (read.data.tag == self.pc[lo:])),
            self.target.eq(Cat(Const(0, 2), read.data.target)),
        ]

        write = mem.write_port()
        windex = self.write_pc[2:lo]
        m.d.comb += [
            write.addr.eq(windex),
            write.data.tag.eq(self.write_pc[lo:]),
            write.data.target.eq(self.write_target[2:]),
            write.en.eq(self.write & self.write_valid),
        ]
        with m.If(self.flush):
            m.d.sync += valid.eq(0)
        with m.Elif(self.write):
            m.d.sync += valid.bit_select(windex, 1).eq(self.write_valid)
        return m
