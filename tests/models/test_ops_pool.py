"""max pool, average pool (with and without counted padding) and global average pool:
golden vs onnxruntime."""

import numpy as np
from compare import assert_within_rounding, draw_quant, draw_rng, float_input, make_tests
from hypothesis import strategies as st
from qdq_builders import single_op

from hetsoc.crosscheck import ort_run
from hetsoc.golden import avgpool, run_graph
from hetsoc.onnx_import import import_model


def _real_average(q, attrs, out_shape):
    """Average of the valid (or all, count_include_pad) taps per output, by plain loops."""
    kh, kw = attrs["kernel_shape"]
    sh, sw = attrs["strides"]
    top, left = out_shape[4], out_shape[5]
    h, w = q.shape[2:]
    avg = np.zeros(out_shape[:4])
    for i in range(out_shape[2]):
        for j in range(out_shape[3]):
            rows = [r for r in range(i * sh - top, i * sh - top + kh) if 0 <= r < h]
            cols = [c for c in range(j * sw - left, j * sw - left + kw) if 0 <= c < w]
            total = q[:, :, rows][:, :, :, cols].sum(axis=(2, 3))
            count = kh * kw if attrs.get("count_include_pad") else len(rows) * len(cols)
            avg[:, :, i, j] = total / count
    return avg


def assert_avgpool_within_rounding(model, x, xq, yq, attrs):
    """Differences only at exact ties of the average: onnxruntime's QLinearAveragePool breaks
    them in float32 with a precomputed scale, not always to even (docs/numerics.md)."""
    graph = import_model(model)
    q = run_graph(graph, x, keep=True)[graph.nodes[0].outputs[0]].astype(np.float64) - xq[1]
    gold = np.rint(run_graph(graph, x)[graph.outputs[0]] / np.float32(yq[0])) + yq[1]
    # The fused graph, where QLinearAveragePool runs (no u8 x s8 products, so no CPU issue).
    ref = np.rint(ort_run(model, {"x": x}, fused=True)[0] / np.float32(yq[0])) + yq[1]
    diff = np.abs(gold - ref)
    assert diff.max(initial=0) <= 1
    if not diff.any():
        return
    pool = graph.nodes[1]
    if pool.op == "global_avgpool":
        avg = q.mean(axis=(2, 3), keepdims=True)
    else:
        a = pool.attrs
        avg = _real_average(q, {"kernel_shape": a["kernel"], "strides": a["strides"],
                                "count_include_pad": a["count_include_pad"]},
                            gold.shape + tuple(a["pads"][:2]))
    real = avg * (np.float64(np.float32(xq[0])) / np.float64(np.float32(yq[0])))
    tie = np.abs(np.abs(real % 1) - 0.5) < 1e-6
    assert tie[diff > 0].all(), "a difference that is not at a rounding tie"


def _window(data, h, w):
    k = data.draw(st.sampled_from([(2, 2), (3, 3), (1, 3), (2, 1)]), label="kernel")
    k = (min(k[0], h), min(k[1], w))
    s = data.draw(st.sampled_from([1, 2]), label="stride")
    attrs = {"kernel_shape": list(k), "strides": [s, s]}
    pad = data.draw(st.sampled_from(["none", "sym", "SAME_UPPER"]), label="pad")
    if pad == "sym":
        attrs["pads"] = [k[0] // 2, k[1] // 2, k[0] // 2, k[1] // 2]
    elif pad == "SAME_UPPER" and min(k) >= s:
        # onnxruntime computes a negative SAME pad (and fails) when the kernel is below the
        # stride; ONNX clamps it at 0, as we do.
        attrs["auto_pad"] = "SAME_UPPER"
    return attrs


def _check(data, op):
    rng = draw_rng(data)
    shape = (1, data.draw(st.integers(1, 4)), data.draw(st.integers(2, 9)),
             data.draw(st.integers(2, 9)))
    xq = draw_quant(data)
    yq = xq if data.draw(st.booleans(), label="same quant") else draw_quant(data)
    attrs = {} if op == "GlobalAveragePool" else _window(data, *shape[2:])
    if op == "AveragePool":
        attrs["count_include_pad"] = int(data.draw(st.booleans(), label="count_include_pad"))
    model = single_op(shape, xq, yq, op, **attrs)
    x = float_input(rng, shape, *xq)
    if op == "MaxPool":
        assert_within_rounding(model, x)
    else:
        assert_avgpool_within_rounding(model, x, xq, yq, attrs)


test_maxpool, test_maxpool_slow = make_tests(lambda d: _check(d, "MaxPool"))
test_avgpool, test_avgpool_slow = make_tests(lambda d: _check(d, "AveragePool"))
test_global_avgpool, test_global_avgpool_slow = make_tests(
    lambda d: _check(d, "GlobalAveragePool"))


def test_average_of_four_equal_scales_ties_round_to_even():
    # sum/4 with equal scales hits exact .5 ties; ONNX and our spec both round them to even.
    x = np.array([[[[0.0, 1.0], [0.0, 1.0]], [[1.0, 1.0], [1.0, 2.0]]]], np.float32) * 0.1
    model = single_op(x.shape, (0.1, 0), (0.1, 0), "AveragePool", kernel_shape=[2, 2])
    graph = import_model(model)
    y = np.rint(run_graph(graph, x)[graph.outputs[0]] / np.float32(0.1))
    # (0 + 1 + 0 + 1) / 4 = 0.5 -> 0; (1 + 1 + 1 + 2) / 4 = 1.25 -> 1
    assert y.reshape(-1).tolist() == [0.0, 1.0]


def test_exact_ties_of_a_sum_over_120_taps_round_to_even():
    # DS-CNN's 25x5 input pooled by (24, 5): 120 taps. 1/120 has no exact fixed-point form,
    # so the division by the count is an integer division: 60/120 = 0.5 -> 0, 180/120 = 1.5
    # -> 2, -60/120 -> 0; the output zero point is added after rounding, as in ONNX.
    x = np.zeros((1, 3, 24, 5), np.int8)
    x[0, 0].flat[:60] = 1
    x[0, 1].flat[:90] = 2
    x[0, 2].flat[:60] = -1
    y = avgpool(x, x_zero_point=0, kernel=(24, 5), multiplier=1 << 30, shift=30,
                y_zero_point=0)
    assert y.reshape(-1).tolist() == [0, 2, 0]
    y = avgpool(x, x_zero_point=0, kernel=(24, 5), multiplier=1 << 30, shift=30,
                y_zero_point=1)
    assert y.reshape(-1).tolist() == [1, 3, 1]
