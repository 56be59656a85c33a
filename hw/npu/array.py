"""The PE array: ``rows x cols`` int8 MACs, output-stationary.

Row ``r`` is output channel ``k0 + r`` (its weight is broadcast along the row), column ``j`` is
output pixel ``ox0 + j`` (its input is broadcast down the column), so one cycle is one
``(c, ky, kx)`` tap for ``rows * cols`` outputs and each PE keeps its own int32 accumulator.
The input arrives as ``x - x_zero_point`` (9 bits, already 0 for padding), so the zero point costs
one subtractor per column instead of one per PE.
"""

from amaranth import Module, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["PeArray"]


class PeArray(wiring.Component):
    """``acc[r][j] = (bias[r] if first else acc[r][j]) + w[r] * x[j]`` when ``en``.

    Parameters
    ----------
    rows, cols : int

    Members
    -------
    en, first : In(1)
    x : In(ArrayLayout(signed(9), cols))
    w : In(ArrayLayout(signed(8), rows))
    bias : In(ArrayLayout(signed(32), rows))
    acc : Out(ArrayLayout(ArrayLayout(signed(32), cols), rows)), registered
    """

    def __init__(self, rows: int, cols: int):
        for name, v in (("rows", rows), ("cols", cols)):
            if not isinstance(v, int) or v < 1:
                raise TypeError(f"{name} must be a positive integer, not {v!r}")
        self.rows, self.cols = rows, cols
        super().__init__({
            "en": In(1), "first": In(1),
            "x": In(data.ArrayLayout(signed(9), cols)),
            "w": In(data.ArrayLayout(signed(8), rows)),
            "bias": In(data.ArrayLayout(signed(32), rows)),
            "acc": Out(data.ArrayLayout(data.ArrayLayout(signed(32), cols), rows)),
        })

    def elaborate(self, platform):
        m = Module()
        for r in range(self.rows):
            for j in range(self.cols):
                acc = self.acc[r][j]
                prod = self.w[r] * self.x[j]
                base = Signal(signed(32), name=f"base_{r}_{j}")
                m.d.comb += base.eq(acc)
                with m.If(self.first):
                    m.d.comb += base.eq(self.bias[r])
                with m.If(self.en):
                    m.d.sync += acc.eq(base + prod)
        return m
