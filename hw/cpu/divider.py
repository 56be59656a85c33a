"""Iterative radix-2 divider for div / divu / rem / remu.

A restoring divider on the operands' magnitudes, one quotient bit per cycle (32 cycles plus one
to load), with the signs fixed up at the end. RISC-V defines every corner case, so nothing traps:
division by zero gives a quotient of all ones and the dividend as remainder, and the signed
overflow ``INT_MIN / -1`` gives ``INT_MIN`` with remainder 0. The magnitude algorithm produces
both of these on its own once the quotient's sign is not flipped for a zero divisor.
"""

from amaranth import Cat, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["Divider"]


class Divider(wiring.Component):
    """Multi-cycle 32-bit divider.

    Members
    -------
    start : In(1)
        Load ``a``, ``b`` and ``op`` and begin (only looked at while idle).
    clear : In(1)
        Return to idle: the result was consumed, or the instruction was flushed.
    a, b : In(32)
        Dividend (``rs1``) and divisor (``rs2``).
    op : In(2)
        ``funct3[1:0]``: 0 div, 1 divu, 2 rem, 3 remu.
    busy : Out(1)
        A division is in progress.
    done : Out(1)
        ``result`` is valid; it stays valid until ``clear``.
    result : Out(32)
        Quotient or remainder.
    """

    start: In(1)
    clear: In(1)
    a: In(32)
    b: In(32)
    op: In(2)
    busy: Out(1)
    done: Out(1)
    result: Out(32)

    def elaborate(self, platform):
        m = Module()
        is_signed = ~self.op[0]
        a_neg = is_signed & self.a[31]
        b_neg = is_signed & self.b[31]

        count = Signal(range(33))
        rem = Signal(32)
        quo = Signal(32)
        divisor = Signal(32)
        want_rem = Signal()
        q_neg = Signal()
        r_neg = Signal()

        # One restoring step: shift the next dividend bit into the partial remainder and
        # subtract the divisor if it fits.
        shifted = Cat(quo[31], rem)                      # 33 bits
        diff = Signal(34)
        m.d.comb += diff.eq(shifted - divisor)
        fits = ~diff[33]

        with m.If(self.clear):
            m.d.sync += [self.busy.eq(0), self.done.eq(0)]
        with m.Elif(self.busy):
            m.d.sync += [
                rem.eq(Mux(fits, diff[:32], shifted[:32])),
                quo.eq(Cat(fits, quo[:31])),
                count.eq(count - 1),
            ]
            with m.If(count == 1):
                m.d.sync += [self.busy.eq(0), self.done.eq(1)]
        with m.Elif(self.start & ~self.done):
            m.d.sync += [
                self.busy.eq(1),
                count.eq(32),
                rem.eq(0),
                quo.eq(Mux(a_neg, -self.a, self.a)),
                divisor.eq(Mux(b_neg, -self.b, self.b)),
                want_rem.eq(self.op[1]),
                q_neg.eq((a_neg ^ b_neg) & (self.b != 0)),
                r_neg.eq(a_neg),
            ]

        value = Mux(want_rem, rem, quo)
        negate = Mux(want_rem, r_neg, q_neg)
        m.d.comb += self.result.eq(Mux(negate, -value, value))
        return m
