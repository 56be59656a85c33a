"""The golden model against an independent formulation (loops over windows, exact rational
rounding), the strips the cycle model walks, and the encoder's and the config's one-line
errors, word for word."""

import random
from fractions import Fraction

import numpy as np
import pytest

from hetsoc.spec.config import ConfigError, load_config
from hetsoc.spec.pack import unpack
from hetsoc_pool import config_path, encoder, golden
from hetsoc_pool.spec import DESCRIPTOR, SPEC, PoolMode, PoolParams


def _reference(x, mode, k, s, m, n, x_zp, y_zp, relu, oh, ow):
    """Every output from its window with Python integers; round half to even on a Fraction."""
    c = x.shape[0]
    y = np.zeros((c, oh, ow), np.int8)
    for ch in range(c):
        for oy in range(oh):
            for ox in range(ow):
                win = [int(v) - x_zp for v in x[ch, oy * s:oy * s + k, ox * s:ox * s + k].flat]
                acc = max(win) if mode == PoolMode.MAX else sum(win)
                q = round(Fraction(acc * m, 2 ** n)) + y_zp
                y[ch, oy, ox] = min(127, max(y_zp if relu else -128, q))
    return y


@pytest.mark.parametrize("seed", range(40))
def test_golden_is_the_reference(seed):
    rng = np.random.default_rng(seed)
    mode = PoolMode(seed % 2)
    k, s = int(rng.integers(1, 9)), int(rng.integers(1, 9))
    c, h, w = int(rng.integers(1, 4)), int(rng.integers(k, k + 12)), int(rng.integers(k, k + 12))
    x = rng.integers(-128, 128, (c, h, w)).astype(np.int8)
    m, n = int(rng.integers(1, 2 ** 31)), int(rng.integers(0, 63))
    if seed % 4 == 0:
        m, n = encoder.requant_params(mode, k, rng.uniform(0.01, 1), rng.uniform(0.01, 1))
    x_zp, y_zp, relu = int(rng.integers(-128, 128)), int(rng.integers(-128, 128)), seed % 3 == 0
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    got = golden.pool(x, mode=mode, kernel=k, stride=s, multiplier=m, shift=n, x_zp=x_zp,
                      y_zp=y_zp, relu=relu)
    want = _reference(x, mode, k, s, m, n, x_zp, y_zp, relu, oh, ow)
    assert np.array_equal(got, want)


def test_average_of_a_constant_is_the_constant():
    x = np.full((2, 6, 6), 37, np.int8)
    m, n = encoder.requant_params(PoolMode.AVG, 3, 0.05, 0.05)
    y = golden.pool(x, mode=PoolMode.AVG, kernel=3, stride=3, multiplier=m, shift=n)
    assert (y == 37).all() and y.shape == (2, 2, 2)


@pytest.mark.parametrize("lanes", [8, 16])
def test_strips_cover_the_output_in_aligned_writes(lanes):
    rng = random.Random(lanes)
    for _ in range(20):
        f = encoder.layer_fields(channels=rng.randint(1, 3), in_h=rng.randint(3, 9),
                                 in_w=rng.randint(3, 60), kernel=3, stride=rng.randint(1, 3),
                                 mode=PoolMode.MAX, in_addr=rng.randrange(64),
                                 out_addr=4096 + rng.randrange(64), multiplier=1, shift=0)
        optr, total = f["out_addr"], 0
        for n, beats in golden.strips(f, lanes):
            assert optr // lanes == (optr + n - 1) // lanes and beats >= f["kernel"]
            optr, total = optr + n, total + n
        assert total == f["channels"] * f["out_h"] * f["out_w"]


def test_encoder_packs_the_fields():
    f = encoder.layer_fields(channels=3, in_h=9, in_w=10, kernel=3, stride=2,
                             mode=PoolMode.AVG, in_addr=5, out_addr=0x400, multiplier=12345,
                             shift=40, x_zp=-7, y_zp=9, relu=True)
    words = encoder.encode(f)
    back = unpack(DESCRIPTOR, sum(w << (32 * i) for i, w in enumerate(words)))
    assert back == f and (f["out_h"], f["out_w"]) == (4, 4)


_LAYER = dict(channels=1, in_h=4, in_w=4, kernel=2, stride=2, mode=PoolMode.MAX, in_addr=0,
              out_addr=0x100, multiplier=1, shift=0)


@pytest.mark.parametrize("change, message", [
    (dict(kernel=0), "kernel must be an integer in [1, 8], not 0"),
    (dict(stride=9), "stride must be an integer in [1, 8], not 9"),
    (dict(channels=0), "channels must be a positive integer, not 0"),
    (dict(in_w=True), "in_w must be a positive integer, not True"),
    (dict(in_h=2, kernel=3), "kernel must be at most the input's 2x4, not 3"),
    (dict(out_w=3), "out_w must be at most 2 (windows inside the input), not 3"),
    (dict(shift=63), "shift must be an integer in [0, 62], not 63"),
    (dict(multiplier=2 ** 31),
     "descriptor field multiplier must be an integer in [0, 2147483647], not 2147483648"),
    (dict(x_zp=200), "descriptor field x_zp must be an integer in [-128, 127], not 200"),
    (dict(out_addr=8), "output [0x8, 0xc) must not overlap the input [0x0, 0x10)"),
])
def test_encoder_errors(change, message):
    with pytest.raises(ValueError) as e:
        encoder.layer_fields(**{**_LAYER, **change})
    assert str(e.value) == message


def test_l1_bounds():
    f = encoder.layer_fields(**{**_LAYER, "out_addr": 0xFFE})
    with pytest.raises(ValueError) as e:
        encoder.check_l1(f, 0x1000)
    assert str(e.value) == "output must end within L1's 0x1000 bytes, not at 0x1002"


def test_params_are_checked(tmp_path):
    assert SPEC.check(PoolParams()) is None
    assert SPEC.check(PoolParams(lanes=12)) == "lanes must be a power of two from 8 to 128, not 12"
    bad = tmp_path / "bad.toml"
    bad.write_text(config_path().read_text().replace("lanes = 8", "lanes = 12"))
    with pytest.raises(ConfigError) as e:
        load_config(bad)
    assert str(e.value) == (f"{bad}: accelerator 'pool': lanes must be a power of two from 8 "
                            f"to 128, not 12")
