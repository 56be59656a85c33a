"""Golden vs onnxruntime on one model and input, in the int8 domain (docs/numerics.md)."""

from __future__ import annotations

import numpy as np

from hetsoc.crosscheck import crosscheck
from hetsoc.onnx_import import import_model

#: Differences allowed by docs/numerics.md: onnxruntime's float32 requantization can move a
#: value that lies within ~2^-23 (relative) of a rounding tie by one; nothing else may differ.
MAX_DIFF = 1
MIN_IDENTICAL = 0.97


def golden_vs_ort(model, x):
    graph = import_model(model)
    return crosscheck(model, [x], graph)


def assert_within_rounding(model, x):
    r = golden_vs_ort(model, x)
    assert r.max_diff <= MAX_DIFF, r.line()
    assert r.fraction_identical >= MIN_IDENTICAL, r.line()
    return r


def float_input(rng, shape, scale, zp):
    """Floats spread over the int8 range of (scale, zp), a few beyond it (saturation)."""
    lo, hi = (-128 - zp) * scale, (127 - zp) * scale
    span = hi - lo
    return rng.uniform(lo - 0.05 * span, hi + 0.05 * span, shape).astype(np.float32)


def make_tests(check, fast=10, slow=200):
    """A bounded hypothesis test for CI and a `slow`-marked one with many more examples."""
    import pytest
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

    @settings(max_examples=fast, **common)
    @given(data=st.data())
    def test_fast(data):
        check(data)

    @pytest.mark.slow
    @settings(max_examples=slow, **common)
    @given(data=st.data())
    def test_slow(data):
        check(data)

    return test_fast, test_slow


def draw_quant(data, lo=0.004, hi=0.1):
    """An activation quantization (scale, zero point) drawn by hypothesis."""
    from hypothesis import strategies as st

    scale = data.draw(st.floats(lo, hi, allow_nan=False), label="scale")
    zp = data.draw(st.integers(-128, 127), label="zp")
    return float(np.float32(scale)), zp


def draw_rng(data):
    from hypothesis import strategies as st

    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
