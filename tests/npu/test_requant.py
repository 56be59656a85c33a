"""The requantization lanes against `hetsoc.golden.requantize`, ties and extremes included."""

import numpy as np
import pytest
from amaranth.sim import Simulator

from hetsoc import golden
from hetsoc.hw.npu.requant import Requant

LANES = 8


def _cases(rng, count):
    """(acc[LANES], m, n, zp, lo, hi) with many exact ties and saturating values."""
    for i in range(count):
        n = int(rng.integers(1, 63))
        m = int(rng.integers(1 << 30, 1 << 31))
        if i % 3 == 0:
            # exact ties: acc * m == (2k + 1) * 2^(n-1); pick m = 2^30 + multiple of 2^j
            m = 1 << 30
            n = int(rng.integers(31, 40))
            k = rng.integers(-300, 300, LANES)
            acc = (2 * k + 1) << (n - 31)
        else:
            acc = rng.integers(-(1 << 31), 1 << 31, LANES)
            if i % 3 == 1:
                acc >>= int(rng.integers(0, 31))
        zp = int(rng.integers(-128, 128))
        lo, hi = sorted(int(v) for v in rng.integers(-128, 128, 2))
        if i % 5 == 0:
            lo, hi = -128, 127
        yield np.asarray(acc, dtype=np.int64), m, n, zp, lo, hi


def test_requant_matches_golden():
    dut = Requant(LANES)
    rng = np.random.default_rng(5)
    cases = list(_cases(rng, 300))
    got = []

    async def bench(ctx):
        for acc, m, n, zp, lo, hi in cases:
            for i in range(LANES):
                ctx.set(dut.acc[i], int(acc[i]))
            ctx.set(dut.mult, m)
            ctx.set(dut.shift, n)
            ctx.set(dut.zp, zp)
            ctx.set(dut.y_min, lo)
            ctx.set(dut.y_max, hi)
            await ctx.delay(1e-9)
            got.append([ctx.get(dut.y[i]) for i in range(LANES)])

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    ties = 0
    for (acc, m, n, zp, lo, hi), y in zip(cases, got, strict=True):
        want = golden.requantize(acc, m, n, zp, lo, hi)
        assert y == want.tolist(), (acc, m, n, zp, lo, hi)
        p = acc * m if n < 40 else None
        if p is not None:
            ties += int(np.sum((p & ((1 << n) - 1)) == (1 << (n - 1))))
    assert ties > 100   # the tie rule was exercised, not just plain rounding


def test_requant_lanes_type():
    with pytest.raises(TypeError, match=r"^lanes must be a positive integer, not 0$"):
        Requant(0)


def test_add_lanes_match_golden_add():
    from hetsoc.hw.npu.eltwise import AddLanes

    dut = AddLanes(LANES)
    rng = np.random.default_rng(7)
    cases = []
    for i in range(200):
        ra, rb = np.exp(rng.uniform(-6, 3, 2))
        ma, mb, n = golden.add_multipliers(ra, rb)
        if i % 4 == 0:   # force ties: equal power-of-two multipliers
            ma = mb = 1 << 30
            n = int(rng.integers(31, 34))
        a = rng.integers(-128, 128, LANES).astype(np.int8)
        b = rng.integers(-128, 128, LANES).astype(np.int8)
        zps = [int(v) for v in rng.integers(-128, 128, 3)]
        lo, hi = sorted(int(v) for v in rng.integers(-128, 128, 2))
        if i % 3 == 0:
            lo, hi = -128, 127
        cases.append((a, b, ma, mb, n, zps, lo, hi))
    got = []

    async def bench(ctx):
        for a, b, ma, mb, n, (za, zb, zy), lo, hi in cases:
            for i in range(LANES):
                ctx.set(dut.a[i], int(a[i]))
                ctx.set(dut.b[i], int(b[i]))
            for sig, v in ((dut.a_zp, za), (dut.b_zp, zb), (dut.y_zp, zy), (dut.y_min, lo),
                           (dut.y_max, hi), (dut.a_mult, ma), (dut.b_mult, mb),
                           (dut.shift, n)):
                ctx.set(sig, v)
            await ctx.delay(1e-9)
            got.append([ctx.get(dut.y[i]) for i in range(LANES)])

    sim = Simulator(dut)
    sim.add_testbench(bench)
    sim.run()
    for (a, b, ma, mb, n, (za, zb, zy), lo, hi), y in zip(cases, got, strict=True):
        want = golden.add(a, b, a_zero_point=za, b_zero_point=zb, a_multiplier=ma,
                          b_multiplier=mb, shift=n, y_zero_point=zy, y_min=lo, y_max=hi)
        assert y == want.tolist()
