"""One tile of the macro: ``rows x cols`` ternary cells times a ``rows``-vector of 7-bit DAC
codes, summed per column by an adder tree (what the analog array does in one evaluation)."""

from amaranth import Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["TileMac"]


class TileMac(wiring.Component):
    """Column sums of one tile (combinational).

    Parameters
    ----------
    rows, cols : int
        Tile size (the engine's rows and columns per cycle).
    width : int
        Width of each signed column sum.

    Members
    -------
    cells : In(2 * rows * cols)
        Cell ``(r, c)`` in bits ``[2 (r cols + c), +2)``: 0b01 = +1, 0b11 = -1, else 0.
    inputs : In(7 * rows)
        Signed DAC code of row ``r`` in bits ``[7r, 7r + 7)``.
    live : In(rows)
        Rows that belong to the layer (the last row group may be partial).
    sums : Out(width * cols)
        Signed column sums.
    """

    def __init__(self, rows: int, cols: int, width: int):
        self.rows, self.cols, self.width = rows, cols, width
        super().__init__({"cells": In(2 * rows * cols), "inputs": In(7 * rows),
                          "live": In(rows), "sums": Out(width * cols)})

    def elaborate(self, platform):
        m = Module()
        for col in range(self.cols):
            terms = []
            for row in range(self.rows):
                at = 2 * (row * self.cols + col)
                cell = self.cells[at:at + 2]
                x = self.inputs[7 * row:7 * row + 7].as_signed()
                live = self.live[row]
                terms.append(Mux(live & (cell == 0b01), x, 0) - Mux(live & (cell == 0b11), x, 0))
            while len(terms) > 1:           # a balanced adder tree
                terms = [terms[t] + terms[t + 1] if t + 1 < len(terms) else terms[t]
                         for t in range(0, len(terms), 2)]
            s = Signal(signed(self.width), name=f"sum{col}")
            m.d.comb += [s.eq(terms[0]),
                         self.sums[col * self.width:(col + 1) * self.width].eq(s)]
        return m
