"""dense (QDQ Gemm, QLinearMatMul) and flatten/reshape: golden vs onnxruntime."""

import numpy as np
from compare import assert_within_rounding, draw_quant, draw_rng, float_input, make_tests
from hypothesis import strategies as st
from qdq_builders import Builder, gemm_model, qlinear_matmul_model


def _check_gemm(data):
    rng = draw_rng(data)
    k, o = data.draw(st.integers(1, 64), label="K"), data.draw(st.integers(1, 32), label="O")
    xq, yq = draw_quant(data), draw_quant(data, 0.01, 0.5)
    w = rng.integers(-127, 128, (o, k)).astype(np.int8)
    ws = rng.uniform(0.002, 0.05, o).astype(np.float32)
    b = rng.integers(-5000, 5000, o).astype(np.int32) if data.draw(st.booleans()) else None
    assert_within_rounding(gemm_model((1, k), xq, w, ws, b, yq), float_input(rng, (1, k), *xq))


def _check_qlinear_matmul(data):
    rng = draw_rng(data)
    k, o = data.draw(st.integers(1, 64), label="K"), data.draw(st.integers(1, 32), label="O")
    xq, yq = draw_quant(data), draw_quant(data, 0.01, 0.5)
    w = rng.integers(-127, 128, (k, o)).astype(np.int8)
    ws = rng.uniform(0.002, 0.05, o).astype(np.float32)
    model = qlinear_matmul_model((1, k), xq, w, ws, yq)
    assert_within_rounding(model, rng.integers(-128, 128, (1, k), dtype=np.int8))


def _check_flatten_dense(data):
    # conv-style NCHW activations flattened into a dense layer, as at the end of a CNN.
    rng = draw_rng(data)
    shape = (1, data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)),
             data.draw(st.integers(1, 4)))
    k = int(np.prod(shape))
    xq, yq = draw_quant(data), draw_quant(data, 0.01, 0.5)
    b = Builder(shape)
    x = b.qdq("x", *xq)
    if data.draw(st.booleans(), label="flatten"):
        x = b.node("Flatten", [x], axis=1)
    else:
        x = b.node("Reshape", [x, b.const(np.array([1, -1], np.int64))])
    x = b.qdq(x, *xq)
    ws = rng.uniform(0.002, 0.05, 5).astype(np.float32)
    y = b.node("Gemm", [x, b.weight(rng.integers(-127, 128, (5, k)), ws)], transB=1)
    assert_within_rounding(b.model(b.qdq(y, *yq)), float_input(rng, shape, *xq))


test_gemm, test_gemm_slow = make_tests(_check_gemm)
test_qlinear_matmul, test_qlinear_matmul_slow = make_tests(_check_qlinear_matmul)
test_flatten_dense, test_flatten_dense_slow = make_tests(_check_flatten_dense)
