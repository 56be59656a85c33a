"""Static branch predictor in the decode stage: backward taken, forward not taken, jal taken.

Loops close with backward branches, so "backward taken" is right for all but the last iteration;
forward branches usually skip rare cases. jal is always taken, so predicting it costs nothing
but the one-cycle redirect. jalr is not predicted (the execute stage redirects). A target that is
not 4-byte aligned is not predicted either: the execute stage raises the misaligned-fetch
exception without the fetch unit ever presenting a misaligned address.
"""

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["BranchPredictor"]


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
