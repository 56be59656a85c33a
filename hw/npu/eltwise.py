"""Residual-add lanes: ``clamp(rshift_rne((a - a_zp) * m_a + (b - b_zp) * m_b, n) + y_zp)``.

The same rounding as `hetsoc.golden.add` (docs/numerics.md, "add"); the sum is exact in 42 bits
(|a - a_zp| <= 255, m < 2**31) and rounded once by :func:`.requant.round_clamp`.
"""

from __future__ import annotations

from amaranth import Module, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from .requant import SHIFT_BITS, round_clamp

__all__ = ["AddLanes"]


class AddLanes(wiring.Component):
    """``lanes`` int8 additions at once, combinational.

    Parameters
    ----------
    lanes : int

    Members
    -------
    a, b : In(ArrayLayout(signed(8), lanes))
    a_zp, b_zp, y_zp, y_min, y_max : In(signed(8))
    a_mult, b_mult : In(32)
        Multipliers below 2**31.
    shift : In(6)
    y : Out(ArrayLayout(signed(8), lanes))
    """

    def __init__(self, lanes: int):
        if not isinstance(lanes, int) or lanes < 1:
            raise TypeError(f"lanes must be a positive integer, not {lanes!r}")
        self.lanes = lanes
        s8 = signed(8)
        super().__init__({
            "a": In(data.ArrayLayout(s8, lanes)), "b": In(data.ArrayLayout(s8, lanes)),
            "a_zp": In(s8), "b_zp": In(s8), "y_zp": In(s8), "y_min": In(s8), "y_max": In(s8),
            "a_mult": In(32), "b_mult": In(32), "shift": In(SHIFT_BITS),
            "y": Out(data.ArrayLayout(s8, lanes)),
        })

    def elaborate(self, platform):
        m = Module()
        for i in range(self.lanes):
            p = Signal(signed(43), name=f"p{i}")
            m.d.comb += p.eq((self.a[i] - self.a_zp) * self.a_mult[:31]
                             + (self.b[i] - self.b_zp) * self.b_mult[:31])
            m.d.comb += self.y[i].eq(round_clamp(m, p, self.shift, self.y_zp, self.y_min,
                                                 self.y_max))
        return m
