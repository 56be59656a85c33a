"""Every zoo model: valid QDQ int8, runs, published MACs/parameters, Keras padding, ternary
layers where HTVM's mixed mode puts them, and every layer uses the int8 range."""

import platform
import re
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from onnx import numpy_helper, shape_inference

from hetsoc import zoo

NAMES = zoo.names()
# Published figures (mlcommons/tiny; see REFERENCE.md): MACs and parameters.
PUBLISHED = {
    "ds-cnn": (2.66e6, 22.6e3),
    "mobilenet-v1-0.25": (7.49e6, 211e3),
    "resnet-8": (12.5e6, 77.7e3),
    "autoencoder": (0.26e6, 266e3),
}


def _base(name):
    return name.removesuffix("-mixed")


def _inits(model):
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


def _weight(model, tensor):
    """The int8 initializer behind a DequantizeLinear output, with its scale."""
    inits = _inits(model)
    (dq,) = [n for n in model.graph.node if tensor in n.output]
    assert dq.op_type == "DequantizeLinear"
    return inits[dq.input[0]], inits[dq.input[1]], inits[dq.input[2]]


def _weighted(model):
    return [n for n in model.graph.node if n.op_type in ("Conv", "Gemm", "MatMul")]


def _count(model):
    """MACs and parameters counted from the graph (independently of hetsoc.zoo.report)."""
    g = shape_inference.infer_shapes(model, strict_mode=True).graph
    dims = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in [*g.value_info, *g.output]}
    macs = params = 0
    for node in _weighted(model):
        w, _, _ = _weight(model, node.input[1])
        b, _, _ = _weight(model, node.input[2])
        out = dims[node.output[0]]
        if node.op_type == "Conv":
            _, cout, ho, wo = out
            group = next(a.i for a in node.attribute if a.name == "group")
            cin_per_group, kh, kw = w.shape[1:]
            assert w.shape[0] == cout and cin_per_group * group == \
                dims.get(node.input[0], [0, cin_per_group * group])[1]
            macs += ho * wo * cout * cin_per_group * kh * kw
        else:
            (k, n) = (w.shape[1], w.shape[0])  # Gemm transB=1
            assert out == [1, n]
            macs += k * n
        params += w.size + b.size
    return macs, params


@pytest.fixture(scope="module", params=NAMES)
def model(request):
    return request.param, zoo.load(request.param)


def test_valid_qdq_int8(model):
    name, m = model
    onnx.checker.check_model(m, full_check=True)
    ops = {n.op_type for n in m.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    assert ops <= {"QuantizeLinear", "DequantizeLinear", "Conv", "Gemm", "Add", "AveragePool",
                   "Flatten", "Softmax"}, ops
    inits = _inits(m)
    for node in _weighted(m):
        w, scale, zp = _weight(m, node.input[1])
        assert w.dtype == np.int8 and np.abs(w).max() <= 127 and not np.any(zp)
        assert scale.shape == (w.shape[0],) and np.all(scale > 0)  # per output channel
        b, _, _ = _weight(m, node.input[2])
        assert b.dtype == np.int32
    for node in m.graph.node:
        if node.op_type == "QuantizeLinear":
            assert inits[node.input[2]].dtype == np.int8


def test_runs_in_onnxruntime(model):
    name, m = model
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    x = zoo.report_inputs(name)[:2]
    for xi in x:
        (y,) = sess.run(None, {"input": xi[None]})
        assert np.all(np.isfinite(y))
        if _base(name) != "autoencoder":
            assert abs(y.sum() - 1) < 0.05  # softmax, int8 probabilities


@pytest.mark.parametrize("name", NAMES[:-1])
def test_macs_and_parameters_match_published(name):
    macs, params = _count(zoo.load(name))
    pub_macs, pub_params = PUBLISHED[_base(name)]
    assert abs(macs / pub_macs - 1) < 0.02, (name, macs)
    assert abs(params / pub_params - 1) < 0.02, (name, params)
    # The zoo's own accounting (describe) agrees with this independent count.
    costs = zoo.layer_costs(zoo.load(name))
    assert (sum(c.macs for c in costs), sum(c.params for c in costs)) == (macs, params)


def test_keras_same_padding_is_asymmetric_for_stride_2():
    convs = [n for n in zoo.load("ds-cnn").graph.node if n.op_type == "Conv"]
    pads = {a.name: list(a.ints) for a in convs[0].attribute}["pads"]
    # 49x10 input, 10x4 kernel, stride 2 -> 25x5: 9 rows of padding (4 top, 5 bottom), 2 cols.
    assert pads == [4, 1, 5, 1]
    for name in ("mobilenet-v1-0.25", "resnet-8"):
        for node in zoo.load(name).graph.node:
            if node.op_type != "Conv":
                continue
            attrs = {a.name: list(a.ints) for a in node.attribute if a.ints}
            if attrs["strides"] == [2, 2] and attrs["kernel_shape"] == [3, 3]:
                assert attrs["pads"] == [0, 0, 1, 1], node.name  # even input: extra at bottom
            elif attrs["kernel_shape"] == [3, 3]:
                assert attrs["pads"] == [1, 1, 1, 1], node.name
            else:
                assert attrs["pads"] == [0, 0, 0, 0], node.name


@pytest.mark.parametrize("name", [n for n in NAMES if n.endswith("-mixed")])
def test_mixed_ternary_exactly_on_cim_eligible_convs(name):
    m, ref = zoo.load(name), zoo.load(_base(name))
    layers = _weighted(m)
    assert [n.name for n in layers] == [n.name for n in _weighted(ref)]
    n_ternary = 0
    for i, node in enumerate(layers):
        w, scale, _ = _weight(m, node.input[1])
        group = next((a.i for a in node.attribute if a.name == "group"), 1)
        eligible = node.op_type == "Conv" and group == 1 and 0 < i < len(layers) - 1
        flat = np.abs(w.reshape(w.shape[0], -1))
        if eligible:
            n_ternary += 1
            assert set(np.unique(w)) <= {-1, 0, 1}, node.name
            assert np.all(flat.max(axis=1) == 1)  # every channel has nonzero weights
            # TWN keeps roughly half of the weights (threshold 0.7 * mean |w|).
            assert 0.3 < np.mean(w != 0) < 0.8, node.name
        else:
            # int8 layers use the full symmetric range in every channel.
            assert np.all(flat.max(axis=1) == 127), node.name
    assert n_ternary >= 4
    # The int8 network never has ternary layers.
    for node in _weighted(ref):
        w, _, _ = _weight(ref, node.input[1])
        assert np.all(np.abs(w.reshape(w.shape[0], -1)).max(axis=1) == 127)


@pytest.mark.parametrize("name", NAMES)
def test_every_layer_uses_the_int8_range(name):
    stats = zoo.report(name)
    assert stats[0].op == "Input" and len(stats) >= 5
    for s in stats:
        if name == "digits" and s.op == "Softmax":
            # A trained classifier is confident: its probabilities are near one-hot by design.
            # Its logits (the Gemm before) are checked like every other layer.
            assert s.zero_fraction + s.saturated_fraction > 0.9
            continue
        where = f"{name} {s.name} ({s.op}): {s}"
        assert s.zero_fraction <= 0.75, where
        assert s.saturated_fraction <= 0.1, where
        assert s.zero_fraction + s.saturated_fraction <= 0.8, where
        # Several levels in use, not a handful of codes around the zero point.
        assert s.std >= 3.0, where
    convs = [s for s in stats if s.op in ("Conv", "Gemm", "Add")]
    assert np.mean([s.std for s in convs]) >= 15.0, name


def _is_pow2(a):
    a = np.asarray(a, dtype=np.float64)
    return bool(np.all(a > 0) and np.all(np.log2(a) == np.round(np.log2(a))))


@pytest.mark.parametrize("name", [n for n in NAMES if n != "digits"])
def test_synthetic_models_have_power_of_two_scales(name):
    # Every requantization multiplier is then a power of two: exact in float32 and as m * 2^-n.
    m = zoo.load(name)
    inits = _inits(m)
    for node in m.graph.node:
        if node.op_type in ("QuantizeLinear", "DequantizeLinear"):
            scale = inits[node.input[1]]
            if inits.get(node.input[0], np.zeros(0)).dtype == np.int32:
                continue  # bias scale: a product of two powers of two, checked by its inputs
            assert _is_pow2(scale), (node.name, scale)


def _fused_kernels_saturate() -> bool:
    # onnxruntime's u8s8 integer kernels on x86 without VNNI multiply with VPMADDUBSW, whose
    # int16 pair sums saturate: there the fused path is not exact, whatever the scales.
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return False
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return re.search(r"\b(avx512_vnni|avx_vnni)\b", cpuinfo) is None


@pytest.mark.skipif(_fused_kernels_saturate(), reason="x86 CPU without VNNI: onnxruntime's "
                    "fused u8s8 kernels saturate (docs/numerics.md); the reference is unfused")
@pytest.mark.parametrize("name", [n for n in NAMES if n != "digits"])
def test_onnxruntime_fused_integer_kernels_match_its_float_path(name):
    # onnxruntime runs QDQ groups as integer kernels (QLinearConv, QGemm, ...) when optimizing
    # and as float ops between Q/DQ when not; with power-of-two scales no rounding can differ,
    # so the two must agree bit for bit (they do not on models with general scales).
    m = zoo.load(name)
    outs = {}
    for level in ("ORT_DISABLE_ALL", "ORT_ENABLE_ALL"):
        opts = ort.SessionOptions()
        opts.graph_optimization_level = getattr(ort.GraphOptimizationLevel, level)
        sess = ort.InferenceSession(m.SerializeToString(), opts,
                                    providers=["CPUExecutionProvider"])
        outs[level] = [sess.run(None, {"input": x[None]})[0] for x in zoo.report_inputs(name)]
    for a, b in zip(outs["ORT_DISABLE_ALL"], outs["ORT_ENABLE_ALL"], strict=True):
        np.testing.assert_array_equal(a, b)
