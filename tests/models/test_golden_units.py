"""The golden arithmetic against independent definitions: exact rationals (fractions) for the
rounding, a direct loop for conv2d, and the CIM conv's reduction to conv2d."""

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hetsoc.golden import (
    add_multipliers,
    cim_conv2d_acc,
    conv2d_acc,
    div_rne,
    quantize_multiplier,
    rshift_rne,
    ternarize,
)


def rne(fr: Fraction) -> int:
    floor = fr.numerator // fr.denominator
    rest = fr - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2):
        return floor + 1
    return floor


@settings(max_examples=300, deadline=None)
@given(st.integers(-2**61, 2**61), st.integers(0, 30))
def test_rshift_rne_is_exact_rounding(p, n):
    assert int(rshift_rne(p, n)) == rne(Fraction(p, 2**n))


@settings(max_examples=300, deadline=None)
@given(st.integers(-2**40, 2**40), st.integers(1, 2**20))
def test_div_rne_is_exact_rounding(num, den):
    assert int(div_rne(num, den)) == rne(Fraction(num, den))


@settings(max_examples=300, deadline=None)
@given(st.floats(2**-31, 2**29))
def test_quantize_multiplier_is_normalised_and_precise(real):
    m, n = quantize_multiplier(real)
    assert 2**30 <= int(m) < 2**31
    assert abs(Fraction(int(m), 2**int(n)) / Fraction(real) - 1) <= Fraction(1, 2**31)


@pytest.mark.parametrize("real", [0.0, -1.0, float("nan"), float("inf"), 2.0**31, 2.0**-40])
def test_quantize_multiplier_rejects_out_of_range(real):
    with pytest.raises(ValueError):
        quantize_multiplier(real)


def test_add_multipliers_share_one_shift():
    ma, mb, n = add_multipliers(0.75, 0.001)
    assert 2**30 <= ma < 2**31
    assert abs(ma / 2**n - 0.75) < 2**-31 and abs(mb / 2**n - 0.001) < 2**-31


def _conv_loops(x, w, b, zp, stride, pads, groups):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.zeros((n, c, h + pads[0] + pads[2], wd + pads[1] + pads[3]), np.int64)
    xp[:, :, pads[0]:pads[0] + h, pads[1]:pads[1] + wd] = x.astype(np.int64) - zp
    oh = (xp.shape[2] - kh) // stride + 1
    ow = (xp.shape[3] - kw) // stride + 1
    y = np.zeros((n, o, oh, ow), np.int64)
    for oc in range(o):
        g = oc // (o // groups)
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, g * cg:(g + 1) * cg, i * stride:i * stride + kh,
                           j * stride:j * stride + kw]
                y[:, oc, i, j] = (patch * w[oc].astype(np.int64)).sum(axis=(1, 2, 3)) + b[oc]
    return y


@pytest.mark.parametrize("groups,stride,pads", [(1, 1, (1, 1, 1, 1)), (1, 2, (0, 0, 1, 1)),
                                                (4, 1, (1, 1, 1, 1)), (2, 2, (2, 0, 1, 3))])
def test_conv2d_acc_equals_direct_loops(groups, stride, pads):
    rng = np.random.default_rng(groups * 10 + stride)
    x = rng.integers(-128, 128, (2, 4, 7, 6)).astype(np.int8)
    w = rng.integers(-127, 128, (8, 4 // groups, 3, 3)).astype(np.int8)
    b = rng.integers(-1000, 1000, 8).astype(np.int32)
    got = conv2d_acc(x, w, b, x_zero_point=-7, strides=(stride, stride), pads=pads,
                     groups=groups)
    assert np.array_equal(got, _conv_loops(x, w, b, -7, stride, pads, groups))


def test_cim_without_shifts_or_saturation_is_conv2d():
    rng = np.random.default_rng(1)
    x = rng.integers(-1, 2, (1, 8, 6, 6)).astype(np.int8)   # |chunk sum| <= 8: no ADC clipping
    t, _ = ternarize(rng.normal(size=(4, 8, 3, 3)))
    acc = cim_conv2d_acc(x, t, None, x_zero_point=0, input_shift=0, adc_shift=0,
                         pads=(1, 1, 1, 1), rows=8)         # 72 rows in 9 chunks
    ref = conv2d_acc(x, t, None, x_zero_point=0, pads=(1, 1, 1, 1))
    assert np.array_equal(acc, ref)


def test_cim_adc_saturates_each_chunk():
    x = np.full((1, 1, 1, 1), 63, np.int8)
    w = np.ones((1, 1, 1, 1), np.int8)
    acc = cim_conv2d_acc(x, w, None, x_zero_point=0, input_shift=0, adc_shift=0)
    assert int(acc.reshape(())) == 31                   # 63 clipped by the 6-bit ADC
    acc = cim_conv2d_acc(x, w, None, x_zero_point=0, input_shift=0, adc_shift=1)
    assert int(acc.reshape(())) == 31                   # 63 / 2 = 31.5 -> 32 -> clipped to 31
    acc = cim_conv2d_acc(x, w, None, x_zero_point=0, input_shift=0, adc_shift=2)
    assert int(acc.reshape(())) == 16                   # 63 / 4 = 15.75 -> 16
    x = np.full((1, 1, 1, 1), 127, np.int8)
    acc = cim_conv2d_acc(x, w, None, x_zero_point=0, input_shift=1, adc_shift=2)
    assert int(acc.reshape(())) == 16                   # 127 / 2 = 63.5 -> 64 -> 63 (7 bit)
