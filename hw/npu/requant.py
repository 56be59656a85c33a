"""Requantization lanes: ``clamp(rshift_rne(acc * m, n) + zp, y_min, y_max)`` (docs/numerics.md).

`round_clamp` is the one place the NPU rounds: the conv/dense drain (`Requant`) and the residual
add (:mod:`.eltwise`) both call it, so both follow `hetsoc.golden.rshift_rne` (ties to even) by
construction. The product ``acc * m`` is exact (32 x 31 bits into 63); nothing is truncated before
the rounding shift.
"""

from __future__ import annotations

from amaranth import Const, Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["Requant", "round_clamp", "SHIFT_BITS"]

#: Width of a shift amount (0..62).
SHIFT_BITS = 6


def round_clamp(m: Module, p, n, zp, y_min, y_max):
    """Combinational ``clamp(rshift_rne(p, n) + zp, y_min, y_max)``; returns a signed(8) Signal.

    Every intermediate value fits 64 bits (a simulator then computes it in one machine word,
    with none of the multi-word shifts a 128-bit ``1 << n`` costs): ``2^(n-1)`` is a right shift
    of a 62-bit constant, the rounded quotient fits 63 bits, and it is saturated to
    [-1024, 1023] before the zero point and the clamp, which cannot tell the values beyond apart.

    Parameters
    ----------
    m : Module
        Module the logic is added to.
    p : Value, signed, at most 63 bits
        The product to round.
    n : Value, unsigned
        Shift, 0..62.
    zp, y_min, y_max : Value, signed(8)
    """
    if len(p) > 63:
        raise ValueError(f"p must be at most 63 bits wide, not {len(p)}")
    down = Signal(7)
    m.d.comb += down.eq(62 - n)                         # n in 0..62
    half = Signal(62)
    m.d.comb += half.eq(Const(1 << 61, 62) >> down)     # 2^(n-1), or 0 for n = 0
    mask = Signal(62)
    m.d.comb += mask.eq(Mux(n == 0, 0, (half << 1) - 1))
    q = Signal(signed(63))                              # |p + half| >> n fits, for any n
    m.d.comb += q.eq((p + half) >> n)                   # arithmetic: floor
    tie = Signal()
    # the discarded bits are exactly one half: a tie; round it to the even neighbour
    m.d.comb += tie.eq((n != 0) & ((p.as_unsigned() & mask) == half))
    near = Signal(signed(11))
    m.d.comb += near.eq(Mux(q > 1023, 1023, Mux(q < -1024, -1024, q)))
    r = Signal(signed(13))
    m.d.comb += r.eq(near - (tie & q[0]) + zp)
    y = Signal(signed(8))
    with m.If(r < y_min):
        m.d.comb += y.eq(y_min)
    with m.Elif(r > y_max):
        m.d.comb += y.eq(y_max)
    with m.Else():
        m.d.comb += y.eq(r[:8])
    return y


class Requant(wiring.Component):
    """``lanes`` int32 accumulators of one output channel to int8, combinational.

    Parameters
    ----------
    lanes : int
        Accumulators handled at once (the PE array's columns).

    Members
    -------
    acc : In(ArrayLayout(signed(32), lanes))
    mult : In(32)
        Multiplier ``m`` (below 2**31).
    shift : In(6)
        Shift ``n``.
    zp, y_min, y_max : In(signed(8))
    y : Out(ArrayLayout(signed(8), lanes))
    """

    def __init__(self, lanes: int):
        if not isinstance(lanes, int) or lanes < 1:
            raise TypeError(f"lanes must be a positive integer, not {lanes!r}")
        self.lanes = lanes
        super().__init__({
            "acc": In(data.ArrayLayout(signed(32), lanes)),
            "mult": In(32), "shift": In(SHIFT_BITS),
            "zp": In(signed(8)), "y_min": In(signed(8)), "y_max": In(signed(8)),
            "y": Out(data.ArrayLayout(signed(8), lanes)),
        })

    def elaborate(self, platform):
        m = Module()
        for i in range(self.lanes):
            p = Signal(signed(63), name=f"p{i}")               # 32 x 31 bits: exact
            m.d.comb += p.eq(self.acc[i] * self.mult[:31])
            y = round_clamp(m, p, self.shift, self.zp, self.y_min, self.y_max)
            m.d.comb += self.y[i].eq(y)
        return m


