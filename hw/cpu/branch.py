"""Branch resolution in the execute stage: the condition, the target and the misprediction."""

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .isa import Funct3

__all__ = ["BranchUnit"]


class BranchUnit(wiring.Component):
    """Resolve a control-flow instruction in X from the ALU's comparisons.

    Members
    -------
    funct3 : In(3)
        The branch's comparison (``Funct3.BEQ`` ..).
    branch, jal, jalr : In(1)
        What the instruction is.
    eq, lt, ltu : In(1)
        The ALU's comparisons of rs1 and rs2.
    sum : In(32)
        The ALU's ``rs1 + imm``: a jalr's target before its low bit is cleared.
    target_in : In(32)
        ``pc + imm``, computed in decode: a branch's or jal's target.
    predicted : In(1)
        Decode sent fetch to ``target_in``.
    taken : Out(1)
        Control goes to ``target`` (a jal or jalr always, a branch if its condition holds).
    target : Out(32)
    mispredict : Out(1)
        A branch or jal went the other way than decode predicted (a jalr is never predicted:
        the core redirects it whatever this says).
    """

    funct3: In(3)
    branch: In(1)
    jal: In(1)
    jalr: In(1)
    eq: In(1)
    lt: In(1)
    ltu: In(1)
    sum: In(32)
    target_in: In(32)
    predicted: In(1)
    taken: Out(1)
    target: Out(32)
    mispredict: Out(1)

    def elaborate(self, platform):
        m = Module()
        cond = Signal()
        with m.Switch(self.funct3):
            for case, value in ((Funct3.BEQ, self.eq), (Funct3.BNE, ~self.eq),
                                (Funct3.BLT, self.lt), (Funct3.BGE, ~self.lt),
                                (Funct3.BLTU, self.ltu), (Funct3.BGEU, ~self.ltu)):
                with m.Case(case):
                    m.d.comb += cond.eq(value)
        m.d.comb += [
            self.taken.eq(self.jal | self.jalr | (self.branch & cond)),
            self.target.eq(Mux(self.jalr, Cat(Const(0, 1), self.sum[1:]), self.target_in)),
            self.mispredict.eq((self.branch | self.jal) & (self.taken != self.predicted)),
        ]
        return m
