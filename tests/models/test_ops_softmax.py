"""softmax over the last axis: golden (integer table) vs the QDQ float semantics evaluated by
onnxruntime, and how far onnxruntime's fused QLinearSoftmax is from both."""

import numpy as np
from compare import assert_within_rounding, draw_quant, draw_rng, float_input, make_tests
from hypothesis import strategies as st
from qdq_builders import single_op

from hetsoc.crosscheck import crosscheck
from hetsoc.golden import softmax, softmax_table


def _check(data):
    rng = draw_rng(data)
    n = data.draw(st.integers(2, 40), label="classes")
    xq = draw_quant(data, 0.01, 0.3)
    yq = data.draw(st.sampled_from([(1 / 256, -128), (1 / 255, -128), (0.005, -100)]))
    model = single_op((1, n), xq, yq, "Softmax", axis=-1)
    assert_within_rounding(model, float_input(rng, (1, n), *xq))


test_softmax, test_softmax_slow = make_tests(_check)


def test_softmax_matches_float64_rounding_on_a_grid():
    # Independent check: float64 softmax of the dequantized input, rounded to even.
    rng = np.random.default_rng(3)
    for x_scale in (0.02, 0.0625, 0.2):
        x = rng.integers(-128, 128, (50, 10)).astype(np.int8)
        y = softmax(x, table=softmax_table(x_scale), multiplier=1 << 30, shift=22,
                    y_zero_point=-128)                       # 2^30 * 2^-22 = 256 = 1 / y_scale
        f = np.exp(x_scale * (x.astype(np.float64) - x.max(axis=1, keepdims=True)))
        ideal = np.clip(np.rint(256 * f / f.sum(axis=1, keepdims=True)) - 128, -128, 127)
        assert np.abs(y - ideal).max() <= 1
        assert (y == ideal).mean() > 0.99


def test_fused_qlinear_softmax_is_further_off_than_the_rounding():
    # Documented in docs/numerics.md: onnxruntime's QLinearSoftmax uses floor(1 / y_scale).
    rng = np.random.default_rng(0)
    model = single_op((1, 12), (0.05, 0), (1 / 255, -128), "Softmax", axis=-1)
    xs = [float_input(rng, (1, 12), 0.05, 0) for _ in range(100)]
    exact, fused = crosscheck(model, xs), crosscheck(model, xs, fused=True)
    assert exact.max_diff <= 1
    assert fused.fraction_identical < exact.fraction_identical - 0.05
