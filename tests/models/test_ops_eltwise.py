"""add (two activations with their own quantization, or a constant), concat, relu and clip:
golden vs onnxruntime."""

import numpy as np
from compare import assert_within_rounding, draw_quant, draw_rng, float_input, make_tests
from hypothesis import strategies as st
from qdq_builders import Builder, add_model, concat_model, qlinear_add_model


def _shape(data):
    return (1, data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6)),
            data.draw(st.integers(1, 6)))


def _check_add(data):
    rng, shape = draw_rng(data), _shape(data)
    aq, bq, yq = draw_quant(data), draw_quant(data), draw_quant(data, 0.004, 0.2)
    const = rng.integers(-128, 128, shape).astype(np.int8) if data.draw(st.booleans()) \
        else None
    assert_within_rounding(add_model(shape, aq, bq, yq, const=const),
                           float_input(rng, shape, *aq))


def _check_qlinear_add(data):
    rng, shape = draw_rng(data), _shape(data)
    aq, kq, yq = draw_quant(data), draw_quant(data), draw_quant(data, 0.004, 0.2)
    k = rng.integers(-128, 128, shape).astype(np.int8)
    assert_within_rounding(qlinear_add_model(shape, aq, k, kq, yq),
                           rng.integers(-128, 128, shape, dtype=np.int8))


def _check_concat(data):
    rng, shape = draw_rng(data), _shape(data)
    aq, bq, yq = draw_quant(data), draw_quant(data), draw_quant(data)
    axis = data.draw(st.integers(1, 3), label="axis")
    assert_within_rounding(concat_model(shape, aq, bq, yq, axis), float_input(rng, shape, *aq))


def _check_relu_clip(data):
    rng, shape = draw_rng(data), _shape(data)
    xq = draw_quant(data)
    yq = xq if data.draw(st.booleans(), label="same quant") else draw_quant(data)
    b = Builder(shape)
    x = b.qdq("x", *xq)
    if data.draw(st.booleans(), label="relu"):
        y = b.node("Relu", [x])
    else:
        lo = data.draw(st.floats(-2, 0), label="lo")
        hi = data.draw(st.floats(0.1, 6), label="hi")
        y = b.node("Clip", [x, b.const(np.float32(lo)), b.const(np.float32(hi))])
    assert_within_rounding(b.model(b.qdq(y, *yq)), float_input(rng, shape, *xq))


test_add, test_add_slow = make_tests(_check_add)
test_qlinear_add, test_qlinear_add_slow = make_tests(_check_qlinear_add)
test_concat, test_concat_slow = make_tests(_check_concat)
test_relu_clip, test_relu_clip_slow = make_tests(_check_relu_clip)
