"""conv2d (groups 1 and depthwise; stride 1/2; symmetric, asymmetric and SAME padding; fused
ReLU/ReLU6) as single-op QDQ and QOperator models: golden vs onnxruntime."""

import numpy as np
from compare import assert_within_rounding, draw_quant, draw_rng, float_input, make_tests
from hypothesis import strategies as st
from qdq_builders import conv_model, qlinear_conv_model

from hetsoc.golden import run_graph
from hetsoc.onnx_import import import_model


def _draw_conv(data, depthwise):
    rng = draw_rng(data)
    c = data.draw(st.integers(1, 8), label="C")
    o = c if depthwise else data.draw(st.integers(1, 8), label="O")
    k = data.draw(st.sampled_from([(1, 1), (3, 3), (5, 5), (3, 1), (10, 4)]), label="kernel")
    stride = data.draw(st.sampled_from([1, 2]), label="stride")
    h = data.draw(st.integers(k[0], 12), label="H")
    w = data.draw(st.integers(k[1], 12), label="W")
    pad = data.draw(st.sampled_from(["none", "sym", "asym", "SAME_UPPER"]), label="pad")
    attrs = {"strides": [stride, stride], "group": c if depthwise else 1}
    if pad == "sym":
        attrs["pads"] = [k[0] // 2, k[1] // 2, k[0] // 2, k[1] // 2]
    elif pad == "asym":
        attrs["pads"] = [0, 0, k[0] - 1, k[1] - 1]          # TF 'same' with stride 2: bottom/right
    elif pad == "SAME_UPPER" and min(k) >= stride:
        # onnxruntime fails on a negative SAME pad (kernel below stride); ONNX clamps it at 0.
        attrs["auto_pad"] = "SAME_UPPER"
    xq, yq = draw_quant(data), draw_quant(data, 0.01, 0.5)
    weights = rng.integers(-127, 128, (o, 1 if depthwise else c, *k)).astype(np.int8)
    w_scale = rng.uniform(0.002, 0.05, o).astype(np.float32)
    bias = rng.integers(-5000, 5000, o).astype(np.int32) if data.draw(st.booleans()) else None
    return rng, (1, c, h, w), xq, weights, w_scale, bias, yq, attrs


def _check(data, depthwise):
    rng, shape, xq, w, ws, b, yq, attrs = _draw_conv(data, depthwise)
    relu = data.draw(st.sampled_from([None, "relu", "relu6"]), label="activation")
    model = conv_model(shape, xq, w, ws, b, yq, relu=relu, **attrs)
    assert_within_rounding(model, float_input(rng, shape, *xq))


def _check_qlinear(data):
    rng, shape, xq, w, ws, b, yq, attrs = _draw_conv(data, data.draw(st.booleans()))
    model = qlinear_conv_model(shape, xq, w, ws, b, yq, **attrs)
    assert_within_rounding(model, rng.integers(-128, 128, shape, dtype=np.int8))


test_conv, test_conv_slow = make_tests(lambda d: _check(d, False))
test_depthwise, test_depthwise_slow = make_tests(lambda d: _check(d, True))
test_qlinear_conv, test_qlinear_conv_slow = make_tests(_check_qlinear)


def test_relu_folds_into_the_clamp_and_leaves_no_node():
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
    model = conv_model((1, 3, 8, 8), (0.02, 3), w, np.full(4, 0.01, np.float32), None,
                       (0.05, -20), relu="relu6", pads=[1, 1, 1, 1])
    graph = import_model(model)
    conv = [n for n in graph.nodes if n.op == "conv2d"]
    assert [n.op for n in graph.nodes] == ["quantize", "conv2d", "dequantize"]
    # ReLU6 at scale 0.05, zero point -20: [0, 6] -> [-20, -20 + 120].
    assert (conv[0].attrs["y_min"], conv[0].attrs["y_max"]) == (-20, 100)
    y = run_graph(graph, float_input(rng, (1, 3, 8, 8), 0.02, 3))
    out = next(iter(y.values()))
    assert out.min() >= 0.0 and out.max() <= 6.0 + 1e-6
