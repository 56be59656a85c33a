"""The PE array: ``rows x cols`` int8 MACs, output-stationary.

Row ``r`` is output channel ``k0 + r`` (its weight is broadcast along the row), column ``j`` is
output pixel ``ox0 + j`` (its input is broadcast down the column), so one cycle is one
``(c, ky, kx)`` tap for ``rows * cols`` outputs and each PE keeps its own int32 accumulator.
The input arrives as ``x - x_zero_point`` (9 bits, already 0 for padding), so the zero point costs
one subtractor per column instead of one per PE.

When a tile's last tap is in, ``capture`` copies every accumulator into a shadow bank, which the
drain reads a row (one output channel) at a time (``sel`` -> ``row``) while the next tile
computes. Every accumulator and shadow value is a register of its own, so a simulator updates
32-bit values instead of copying one 8,192-bit vector per cycle.
"""

from amaranth import Array, Cat, Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

__all__ = ["PeArray"]


class PeArray(wiring.Component):
    """``acc[r][j] = (bias[r] if first else acc[r][j]) + w[r] * x[j]`` when ``en``; the shadow
    bank takes ``acc`` when ``capture``; ``row`` is shadow row ``sel``.

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
    capture : In(1)
    sel : In(range(rows))
    row : Out(ArrayLayout(signed(32), cols)), shadow row ``sel``
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
            "capture": In(1), "sel": In(range(rows)),
            "row": Out(data.ArrayLayout(signed(32), cols)),
        })

    def elaborate(self, platform):
        m = Module()
        shadow_rows = []
        for r in range(self.rows):
            shadow = []
            for j in range(self.cols):
                acc = Signal(signed(32), name=f"acc_{r}_{j}")
                with m.If(self.en):
                    m.d.sync += acc.eq(Mux(self.first, self.bias[r], acc)
                                       + self.w[r] * self.x[j])
                m.d.comb += self.acc[r][j].eq(acc)
                held = Signal(signed(32), name=f"shadow_{r}_{j}")
                with m.If(self.capture):
                    m.d.sync += held.eq(acc)
                shadow.append(held)
            shadow_rows.append(Cat(*shadow))
        m.d.comb += self.row.eq(Array(shadow_rows)[self.sel])
        return m
