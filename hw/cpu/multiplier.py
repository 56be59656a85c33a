"""Two-stage pipelined multiplier for mul / mulh / mulhsu / mulhu.

Stage 1 (execute) forms four partial products of 17 x 17 bits or smaller, each of which fits one
DSP48 multiplier, and registers them (the DSP's own M register). Stage 2 (memory) adds them and
picks the low or high word. The pipeline register updates every cycle: whenever a multiply
reaches the memory stage it left the execute stage in the previous cycle, so the registered
products are always its own, and no enable (or stall logic) is needed.
"""

from amaranth import Module, Mux, Signal, signed, unsigned
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .isa import Funct3

__all__ = ["Multiplier"]


class Multiplier(wiring.Component):
    """32 x 32 multiplier with a latency of one cycle.

    Members
    -------
    a, b : In(32)
        Operands (``rs1``, ``rs2``), sampled in the execute stage.
    op : In(2)
        ``funct3[1:0]``: 0 mul, 1 mulh, 2 mulhsu, 3 mulhu.
    result : Out(32)
        The product word of the operation issued in the previous cycle.
    """

    a: In(32)
    b: In(32)
    op: In(2)
    result: Out(32)

    def elaborate(self, platform):
        m = Module()
        a_signed = (self.op == Funct3.MULH) | (self.op == Funct3.MULHSU)
        b_signed = self.op == Funct3.MULH
        # Split each 33-bit (sign-extended) operand into a signed 17-bit high and unsigned
        # 16-bit low half.
        a_hi = Signal(signed(17))
        b_hi = Signal(signed(17))
        a_lo = Signal(unsigned(16))
        b_lo = Signal(unsigned(16))
        m.d.comb += [
            a_lo.eq(self.a[:16]), b_lo.eq(self.b[:16]),
        ]
        m.d.comb += [
            a_hi[:16].eq(self.a[16:32]), a_hi[16].eq(a_signed & self.a[31]),
            b_hi[:16].eq(self.b[16:32]), b_hi[16].eq(b_signed & self.b[31]),
        ]
        hh = Signal(signed(34))
        hl = Signal(signed(34))
        lh = Signal(signed(34))
        ll = Signal(unsigned(32))
        high = Signal()
        m.d.sync += [
            hh.eq(a_hi * b_hi),
            hl.eq(a_hi * b_lo),
            lh.eq(a_lo * b_hi),
            ll.eq(a_lo * b_lo),
            high.eq(self.op != Funct3.MUL),
        ]
        product = Signal(signed(66))
        m.d.comb += product.eq((hh << 32) + ((hl + lh) << 16) + ll)
        m.d.comb += self.result.eq(Mux(high, product[32:64], product[:32]))
        return m
