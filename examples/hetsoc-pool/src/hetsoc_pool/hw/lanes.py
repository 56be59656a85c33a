"""The pooling unit's datapath: a beat of L1 reduced into ``lanes`` window accumulators, and the
accumulators requantized into the bytes of one write.

A read beat holds ``lanes`` input bytes of one input row; output lane ``j`` of the strip owns
the bytes at offsets ``[j * stride, j * stride + kernel)`` from the strip's first window. Every
lane takes the bytes of its window that this beat holds (a mask from the beat's offset ``d``
relative to the strip's window start in that row) and folds them into its accumulator: a masked
sum or a masked max per lane, so a whole beat is consumed in the cycle it arrives, whatever the
stride and the alignment. Requantization is `hetsoc.hw.npu.requant.round_clamp`, the NPU's, so
the rounding is the one `hetsoc.golden.requant.rshift_rne` defines.
"""

from __future__ import annotations

from amaranth import Cat, Module, Mux, Signal, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out

from hetsoc.hw.npu.requant import SHIFT_BITS, round_clamp

__all__ = ["ACC_BITS", "BeatReducer", "Requantizer"]

#: Width of a window accumulator: a sum of 8 x 8 int8 values needs 15 bits.
ACC_BITS = 16


def _max(values):
    while len(values) > 1:      # a balanced tree: log2(lanes) comparators deep
        pairs = [Mux(a > b, a, b) for a, b in zip(values[::2], values[1::2], strict=False)]
        values = pairs + ([values[-1]] if len(values) % 2 else [])
    return values[0]


class BeatReducer(wiring.Component):
    """Combinational: the accumulators after one beat.

    Members
    -------
    beat : In(lanes * 8)
        The beat's bytes, byte ``b`` at the beat's address + ``b``.
    d : In(signed)
        The beat's address minus the strip's first window start in this input row.
    lo, hi : In(ArrayLayout)
        Per lane ``j``: ``j * stride`` and ``j * stride + kernel`` (set once per descriptor).
    avg : In(1)
        Sum (1) or max (0).
    acc : In(ArrayLayout(signed(ACC_BITS), lanes))
    new : Out(ArrayLayout(signed(ACC_BITS), lanes))
    """

    def __init__(self, lanes: int, d_bits: int):
        self.lanes = lanes
        off = data.ArrayLayout(d_bits, lanes)
        super().__init__({
            "beat": In(8 * lanes), "d": In(signed(d_bits + 1)), "lo": In(off), "hi": In(off),
            "avg": In(1), "acc": In(data.ArrayLayout(signed(ACC_BITS), lanes)),
            "new": Out(data.ArrayLayout(signed(ACC_BITS), lanes)),
        })

    def elaborate(self, platform):
        m = Module()
        n = self.lanes
        rel = [Signal(signed(len(self.d) + 1), name=f"rel{b}") for b in range(n)]
        xs = [self.beat.word_select(b, 8).as_signed() for b in range(n)]
        m.d.comb += [r.eq(self.d + b) for b, r in enumerate(rel)]
        for j in range(n):
            lo, hi = self.lo[j], self.hi[j]
            mask = Signal(n, name=f"mask{j}")
            m.d.comb += mask.eq(Cat(*((r >= lo) & (r < hi) for r in rel)))
            total = Signal(signed(8 + n.bit_length()), name=f"sum{j}")
            m.d.comb += total.eq(sum(Mux(mask[b], xs[b], 0) for b in range(n)))
            peak = Signal(signed(8), name=f"max{j}")
            m.d.comb += peak.eq(_max([Mux(mask[b], xs[b], -128) for b in range(n)]))
            acc = self.acc[j]
            m.d.comb += self.new[j].eq(Mux(self.avg, acc + total, Mux(peak > acc, peak, acc)))
        return m


class Requantizer(wiring.Component):
    """Combinational: ``lanes`` accumulators to int8,
    ``clamp(rshift_rne((acc - zp_term) * multiplier, shift) + y_zp, y_min, 127)``.

    Members
    -------
    acc : In(ArrayLayout(signed(ACC_BITS), lanes))
    zp_term : In(signed(ACC_BITS))
        ``x_zp`` (max) or ``kernel * kernel * x_zp`` (average).
    multiplier : In(31)
    shift : In(SHIFT_BITS)
    y_zp, y_min : In(signed(8))
    y : Out(8 * lanes)
        Lane ``j`` in byte ``j``.
    """

    def __init__(self, lanes: int):
        self.lanes = lanes
        super().__init__({
            "acc": In(data.ArrayLayout(signed(ACC_BITS), lanes)), "zp_term": In(signed(ACC_BITS)),
            "multiplier": In(31), "shift": In(SHIFT_BITS), "y_zp": In(signed(8)),
            "y_min": In(signed(8)), "y": Out(8 * lanes),
        })

    def elaborate(self, platform):
        m = Module()
        for j in range(self.lanes):
            v = Signal(signed(ACC_BITS + 1), name=f"v{j}")
            m.d.comb += v.eq(self.acc[j] - self.zp_term)
            p = Signal(signed(ACC_BITS + 32), name=f"p{j}")      # 17 x 31 bits: exact
            m.d.comb += p.eq(v * self.multiplier)
            y = round_clamp(m, p, self.shift, self.y_zp, self.y_min, 127)
            m.d.comb += self.y.word_select(j, 8).eq(y)
        return m
