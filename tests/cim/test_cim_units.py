"""Amaranth-sim unit tests of the CIM datapath pieces (rounding, LFSR, noise, ADC) against the
golden functions, and the component's parameter checks."""

import numpy as np
import pytest
from amaranth import Module, Signal, signed
from amaranth.sim import Simulator

from hetsoc.golden.cim_noise import adc_convert, lfsr_leap, noise_samples
from hetsoc.golden.requant import rshift_rne as golden_rshift
from hetsoc.hw.cim import Cim
from hetsoc.hw.cim.arith import adc_code, noise_sample, rshift_rne
from hetsoc.hw.cim.arith import lfsr_leap as hw_leap


def _comb(signals, exprs, cases):
    """Drive ``signals`` with each case's values; return the outputs of ``exprs``."""
    m = Module()
    outs = []
    for e, width in exprs:
        o = Signal(signed(width))
        m.d.comb += o.eq(e)
        outs.append(o)
    sim = Simulator(m)
    got = []

    async def tb(ctx):
        for case in cases:
            for s, v in zip(signals, case, strict=True):
                ctx.set(s, v)
            got.append(tuple(ctx.get(o) for o in outs))

    sim.add_testbench(tb)
    sim.run()
    return got


def test_rshift_rne_matches_golden():
    rng = np.random.default_rng(0)
    v, n = Signal(signed(48)), Signal(6)
    cases = []
    for _ in range(1500):
        sh = int(rng.integers(1, 40))
        val = int(rng.integers(-2 ** 40, 2 ** 40))
        if rng.random() < 0.4:                  # exact ties, both parities
            val = int(rng.integers(-2 ** 6, 2 ** 6)) * 2 ** sh + 2 ** (sh - 1)
        cases.append((val, sh))
    got = _comb([v, n], [(rshift_rne(v, n, 6), 48)], cases)
    for (val, sh), (g,) in zip(cases, got, strict=True):
        assert g == int(golden_rshift(np.int64(val), sh)), (val, sh)


def test_lfsr_leap_and_noise_sample_match_golden():
    s = Signal(32)
    states = [1, 5, 0x80000000, 0xFFFFFFFF, 0xDEADBEEF, 123456789]
    got = _comb([s], [(hw_leap(s), 33), (noise_sample(hw_leap(s)), 12)],
                [(x,) for x in states])
    for x, (leap, z) in zip(states, got, strict=True):
        assert leap & 0xFFFFFFFF == lfsr_leap(x)
        assert z == noise_samples(x, 1)[0]


def test_adc_code_matches_golden():
    rng = np.random.default_rng(1)
    p, z, scale, shift, off = (Signal(signed(20)), Signal(signed(12)), Signal(16), Signal(4),
                               Signal(signed(6)))
    cases = [(int(rng.integers(-70000, 70000)), int(rng.integers(-510, 511)),
              int(rng.integers(0, 1 << 16)) if rng.random() < 0.7 else 0,
              int(rng.integers(0, 16)), int(rng.integers(-32, 32))) for _ in range(1500)]
    got = _comb([p, z, scale, shift, off], [(adc_code(p, z, scale, shift, off), 8)], cases)
    for (pv, zv, sc, sh, of), (g,) in zip(cases, got, strict=True):
        assert g == adc_convert(pv, adc_shift=sh, offset=of, z=zv, scale=sc)


@pytest.mark.parametrize("kwargs,message", [
    (dict(rows=0, cols=8), "rows must be an integer in [1, 4096], not 0"),
    (dict(rows=16, cols=8.0), "cols must be an integer in [1, 4096], not 8.0"),
    (dict(rows=16, cols=8, rows_per_cycle=3), "rows_per_cycle must be a power of two dividing "
                                              "16, not 3"),
    (dict(rows=16, cols=8, cols_per_cycle=16), "cols_per_cycle must be a power of two dividing "
                                               "8, not 16"),
])
def test_cim_parameter_errors(kwargs, message):
    with pytest.raises(ValueError) as e:
        Cim(**kwargs)
    assert str(e.value) == message
