"""Barrel shifter for sll / srl / sra (and their immediate forms).

A left shift is done as a right shift of the bit-reversed operand, so one log-depth mux tree
serves all three operations (the usual FPGA-friendly trick: fewer LUTs than two shifters).

The arithmetic fill is a 33rd operand bit that a signed shift replicates, so no separate fill
mask is needed. The whole unit is combinational and sits in the execute stage beside the ALU:
five 2:1 mux levels between the reversal muxes, about as deep as the ALU's adder, so it does
not lengthen the execute stage's critical path.
"""

from amaranth import Cat, Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["Shifter"]


class Shifter(wiring.Component):
    """Combinational 32-bit barrel shifter.

    Members
    -------
    value : In(32)
        The value to shift.
    amount : In(5)
        Shift distance.
    right : In(1)
        Shift right (else left).
    arith : In(1)
        Arithmetic right shift (fill with the sign bit); ignored for left shifts.
    result : Out(32)
        The shifted value.
    """

    value: In(32)
    amount: In(5)
    right: In(1)
    arith: In(1)
    result: Out(32)

    def elaborate(self, platform):
        m = Module()
        reversed_value = Cat(*reversed(list(self.value)))
        operand = Mux(self.right, self.value, reversed_value)
        fill = self.right & self.arith & self.value[31]
        # 33-bit signed view: the extra top bit is the fill, so `>>` shifts it in.
        extended = Cat(operand, fill).as_signed()
        shifted = (extended >> self.amount)[:32]
        m.d.comb += self.result.eq(Mux(self.right, shifted, Cat(*reversed(list(shifted)))))
        return m
