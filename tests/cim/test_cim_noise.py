"""The golden CIM noise and ADC model against direct loops written from docs/cim.md."""

import numpy as np
import pytest

from hetsoc.golden import cim_conv2d_acc, cim_dense_acc
from hetsoc.golden.cim_noise import (
    Z_STD,
    adc_convert,
    descriptor_seed,
    lfsr_leap,
    noise_samples,
    noise_scale,
)


def _direct_samples(seed, count):
    s = seed or 1
    out = []
    for _ in range(count):
        for _ in range(32):                      # x^32 + x^22 + x^2 + x + 1, Galois form
            s = (s >> 1) ^ (0x80200003 if s & 1 else 0)
        out.append(sum((s >> (8 * b)) & 0xFF for b in range(4)) - 510)
    return out


@pytest.mark.parametrize("seed", [0, 1, 5, 0xDEADBEEF, 0xFFFFFFFF])
def test_noise_samples_follow_the_lfsr(seed):
    assert noise_samples(seed, 300).tolist() == _direct_samples(seed, 300)


def test_leap_is_32_single_steps():
    s = 0x1234567
    for _ in range(32):
        s = (s >> 1) ^ (0x80200003 if s & 1 else 0)
    assert lfsr_leap(0x1234567) == s


def test_noise_statistics():
    z = noise_samples(99, 100_000)
    assert abs(z.mean()) < 2.0
    assert abs(z.std() / Z_STD - 1) < 0.01
    assert z.min() >= -510 and z.max() <= 510


def test_noise_scale():
    assert noise_scale(0) == 0
    assert noise_scale(1.0) == round(2 ** 16 / Z_STD)
    with pytest.raises(ValueError, match=r"^sigma must be a number >= 0, not -1$"):
        noise_scale(-1)
    with pytest.raises(ValueError, match=r"^sigma must be at most 147\.8 LSB, not 1000$"):
        noise_scale(1000)


def _rne(v, n):
    q, r = divmod(v, 1 << n)
    half = 1 << (n - 1)
    return q + (1 if r > half or (r == half and q % 2) else 0)


def test_adc_convert_matches_its_formula():
    rng = np.random.default_rng(0)
    for _ in range(2000):
        p = int(rng.integers(-5000, 5000))
        z = int(rng.integers(-510, 511))
        shift = int(rng.integers(0, 8))
        scale = int(rng.integers(0, 3000))
        off = int(rng.integers(-32, 32))
        want = min(31, max(-32, _rne(p * 2 ** 16 + z * scale * 2 ** shift, shift + 16) + off))
        assert adc_convert(p, adc_shift=shift, offset=off, z=z, scale=scale) == want


def test_descriptor_seeds_differ_and_are_never_zero():
    seeds = {descriptor_seed(s, i, r, c) for s in range(4) for i in range(3) for r in range(3)
             for c in range(3)}
    assert len(seeds) == 108 and 0 not in seeds


def _direct_conv_acc(x, w, bias, zp, s_in, s_adc, stride, pad, rows, cols, scale, seed, off):
    """One image at a time, one pixel and column at a time, noise drawn in hardware order."""
    n, c, h, wd = x.shape
    k, _, kh, kw = w.shape
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    acc = np.zeros((n, k, oh, ow), dtype=np.int64)
    taps = [(i, j, ch) for i in range(kh) for j in range(kw) for ch in range(c)]
    for b in range(n):
        for rc, r0 in enumerate(range(0, len(taps), rows)):
            for cc, k0 in enumerate(range(0, k, cols)):
                z = iter(_direct_samples(descriptor_seed(seed, b, rc, cc), oh * ow * cols))
                for y in range(oh):
                    for xx in range(ow):
                        u = []
                        for i, j, ch in taps[r0:r0 + rows]:
                            yy, xi = y * stride - pad + i, xx * stride - pad + j
                            if 0 <= yy < h and 0 <= xi < wd:
                                d = int(x[b, ch, yy, xi]) - zp
                                u.append(min(63, max(-64, _rne(d, s_in) if s_in else d)))
                            else:
                                u.append(0)
                        for kk in range(k0, min(k, k0 + cols)):
                            p = sum(ui * int(w[kk, ch, i, j]) for ui, (i, j, ch)
                                    in zip(u, taps[r0:r0 + rows], strict=True))
                            v = p * 2 ** 16 + next(z) * scale * 2 ** s_adc
                            acc[b, kk, y, xx] += min(31, max(-32, _rne(v, s_adc + 16) + off))
    return acc + np.asarray(bias).reshape(1, k, 1, 1)


@pytest.mark.parametrize("scale,seed,off", [(0, 0, 0), (500, 3, 0), (2000, 11, -3)])
def test_cim_conv2d_acc_noise_order(scale, seed, off):
    rng = np.random.default_rng(seed + 1)
    x = rng.integers(-128, 128, (2, 3, 5, 4)).astype(np.int8)
    w = rng.integers(-1, 2, (7, 3, 3, 3)).astype(np.int8)
    bias = rng.integers(-9, 9, 7)
    got = cim_conv2d_acc(x, w, bias, x_zero_point=-4, input_shift=1, adc_shift=2,
                         strides=(2, 2), pads=(1, 1, 1, 1), rows=10, cols=4, noise_scale=scale,
                         seed=seed, adc_offset=off)
    want = _direct_conv_acc(x, w, bias, -4, 1, 2, 2, 1, 10, 4, scale, seed, off)
    np.testing.assert_array_equal(got, want)


def test_cim_dense_is_a_1x1_conv():
    rng = np.random.default_rng(3)
    x = rng.integers(-128, 128, (3, 40)).astype(np.int8)
    w = rng.integers(-1, 2, (9, 40)).astype(np.int8)
    kw = dict(x_zero_point=1, input_shift=1, adc_shift=1, rows=16, cols=4, noise_scale=900,
              seed=8)
    got = cim_dense_acc(x, w, None, **kw)
    want = _direct_conv_acc(x[:, :, None, None], w[:, :, None, None], np.zeros(9), 1, 1, 1, 1,
                            0, 16, 4, 900, 8, 0)[:, :, 0, 0]
    np.testing.assert_array_equal(got, want)
