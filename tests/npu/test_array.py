"""The PE array against a numpy model: first/enable sequencing, bias, extremes, int32 range."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from hetsoc.hw.npu.array import PeArray

ROWS, COLS = 3, 5


def test_array_accumulates_like_numpy():
    dut = PeArray(ROWS, COLS)
    rng = np.random.default_rng(11)
    steps = []
    for i in range(400):
        x = rng.integers(-255, 256, COLS)
        if i % 7 == 0:
            x[:] = rng.choice([-255, 255])        # extremes of x - x_zp
        w = rng.integers(-127, 128, ROWS)
        if i % 11 == 0:
            w[:] = rng.choice([-127, 127])
        steps.append((int(rng.random() < 0.85), int(i % 23 == 0), x, w,
                      rng.integers(-(1 << 30), 1 << 30, ROWS)))
    got = []

    async def bench(ctx):
        for en, first, x, w, bias in steps:
            ctx.set(dut.en, en)
            ctx.set(dut.first, first)
            for j in range(COLS):
                ctx.set(dut.x[j], int(x[j]))
            for r in range(ROWS):
                ctx.set(dut.w[r], int(w[r]))
                ctx.set(dut.bias[r], int(bias[r]))
            await ctx.tick()
            got.append([[ctx.get(dut.accs[r][j].as_signed()) for j in range(COLS)]
                        for r in range(ROWS)])

    sim = Simulator(dut)
    sim.add_clock(1e-8)
    sim.add_testbench(bench)
    sim.run()
    acc = np.zeros((ROWS, COLS), np.int64)
    for (en, first, x, w, bias), g in zip(steps, got, strict=True):
        if en:
            base = np.repeat(bias[:, None], COLS, axis=1) if first else acc
            acc = base + np.outer(w, x)
        assert g == acc.tolist()


def test_array_shape_type():
    with pytest.raises(TypeError, match=r"^cols must be a positive integer, not 0$"):
        PeArray(4, 0)


def test_array_capture_domain_type():
    with pytest.raises(TypeError, match=r"^capture_domain must be a str or None, not 1$"):
        PeArray(4, 4, capture_domain=1)
