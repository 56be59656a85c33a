"""Integer ALU: add/subtract, set-less-than and bitwise logic, plus the branch comparisons.

The comparisons (``eq``, ``lt``, ``ltu``) are always computed from the two operands, so the
execute stage evaluates a branch condition with ``b = rs2`` while the same unit's sum is unused.
"""

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .isa import AluOp

__all__ = ["Alu"]


class Alu(wiring.Component):
    """Combinational 32-bit ALU.

    Members
    -------
    op : In(AluOp)
        Operation selecting ``result``.
    a, b : In(32)
        Operands.
    result : Out(32)
        ``a op b``.
    sum : Out(32)
        ``a + b`` regardless of ``op``: the jalr target and the load/store address.
    eq, lt, ltu : Out(1)
        ``a == b``, signed ``a < b``, unsigned ``a < b``.
    """

    op: In(AluOp)
    a: In(32)
    b: In(32)
    result: Out(32)
    sum: Out(32)
    eq: Out(1)
    lt: Out(1)
    ltu: Out(1)

    def elaborate(self, platform):
        m = Module()
        a, b = self.a, self.b
        # A separate adder for the sum keeps the address path free of the subtract mux.
        m.d.comb += [
            self.sum.eq(a + b),
            self.eq.eq(a == b),
            self.ltu.eq(a < b),
            self.lt.eq(a.as_signed() < b.as_signed()),
        ]
        with m.Switch(self.op):
            with m.Case(AluOp.ADD):
                m.d.comb += self.result.eq(self.sum)
            with m.Case(AluOp.SUB):
                m.d.comb += self.result.eq(a - b)
            with m.Case(AluOp.SLT):
                m.d.comb += self.result.eq(self.lt)
            with m.Case(AluOp.SLTU):
                m.d.comb += self.result.eq(self.ltu)
            with m.Case(AluOp.XOR):
                m.d.comb += self.result.eq(a ^ b)
            with m.Case(AluOp.OR):
                m.d.comb += self.result.eq(a | b)
            with m.Case(AluOp.AND):
                m.d.comb += self.result.eq(a & b)
        return m

