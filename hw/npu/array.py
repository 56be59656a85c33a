"""The PE array: ``rows x cols`` int8 MACs, output-stationary.

Row ``r`` is output channel ``k0 + r`` (its weight is broadcast along the row), column ``j`` is
output pixel ``ox0 + j`` (its input is broadcast down the column), so one cycle is one
``(c, ky, kx)`` tap for ``rows * cols`` outputs and each PE keeps its own int32 accumulator.
The input arrives as ``x - x_zero_point`` (9 bits, already 0 for padding), so the zero point costs
one subtractor per column instead of one per PE.

When a tile's last tap is in, ``capture`` copies every accumulator into a shadow bank, which the
drain reads a row (one output channel) at a time (``sel`` -> ``row``) while the next tile
computes. Every accumulator and shadow value is a register of its own, so a simulator updates
32-bit values instead of copying one 8,192-bit vector per cycle, and the arithmetic is 32-bit
modular (operands sign-extended once per row and column): the same low 32 bits as the signed
sum of an int32 and a 17-bit product, in the machine words a simulator computes with.
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
    capture_domain : str or None
        If given, the shadow bank takes ``acc`` at every edge of this domain's clock, which
        the parent ticks exactly at the edges where ``capture`` is high (the simulation build).

    Members
    -------
    en, first : In(1)
    x : In(ArrayLayout(signed(9), cols))
    w : In(ArrayLayout(signed(8), rows))
    bias : In(ArrayLayout(signed(32), rows))
    capture : In(1)
    sel : In(range(rows))
    row : Out(ArrayLayout(signed(32), cols)), shadow row ``sel``

    Attributes
    ----------
    accs : list of list of Signal(32)
        The accumulators (two's complement), ``accs[r][j]``: for tests; the drain reads ``row``.
    """

    def __init__(self, rows: int, cols: int, *, capture_domain: str | None = None):
        for name, v in (("rows", rows), ("cols", cols)):
            if not isinstance(v, int) or v < 1:
                raise TypeError(f"{name} must be a positive integer, not {v!r}")
        if capture_domain is not None and not isinstance(capture_domain, str):
            raise TypeError(f"capture_domain must be a str or None, not {capture_domain!r}")
        self.rows, self.cols, self.capture_domain = rows, cols, capture_domain
        super().__init__({
            "en": In(1), "first": In(1),
            "x": In(data.ArrayLayout(signed(9), cols)),
            "w": In(data.ArrayLayout(signed(8), rows)),
            "bias": In(data.ArrayLayout(signed(32), rows)),
            "capture": In(1), "sel": In(range(rows)),
            "row": Out(data.ArrayLayout(signed(32), cols)),
        })
        # No reset: a tile's first tap overwrites an accumulator (bias + product), and the drain
        # reads the shadow bank only after a capture, so no value from before one is ever seen.
        self.accs = [[Signal(32, name=f"acc_{r}_{j}", reset_less=True) for j in range(cols)]
                     for r in range(rows)]

    def elaborate(self, platform):
        m = Module()
        xs = [Signal(32, name=f"x_{j}") for j in range(self.cols)]
        ws = [Signal(32, name=f"w_{r}") for r in range(self.rows)]
        m.d.comb += [x.eq(self.x[j]) for j, x in enumerate(xs)]     # sign-extending
        m.d.comb += [w.eq(self.w[r]) for r, w in enumerate(ws)]
        shadow_rows = []
        for r in range(self.rows):
            shadow = []
            for j in range(self.cols):
                acc = self.accs[r][j]
                with m.If(self.en):
                    base = Mux(self.first, self.bias[r].as_unsigned(), acc)
                    m.d.sync += acc.eq(base + (ws[r] * xs[j])[:32])
                held = Signal(32, name=f"shadow_{r}_{j}", reset_less=True)
                if self.capture_domain is not None:
                    m.d[self.capture_domain] += held.eq(acc)
                else:
                    with m.If(self.capture):
                        m.d.sync += held.eq(acc)
                shadow.append(held)
            shadow_rows.append(Cat(*shadow))
        m.d.comb += self.row.eq(Array(shadow_rows)[self.sel])
        return m
