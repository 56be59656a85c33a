"""Malformed and unsupported models: every one is a one-line error and exit code 2 via the CLI
(`hetsoc inspect` / `hetsoc run`), never a traceback."""

import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from qdq_builders import Builder, conv_model, float_conv_model, gemm_model, single_op

from hetsoc.cli import EXIT_USAGE, main

RNG = np.random.default_rng(0)
W = RNG.integers(-127, 128, (4, 3, 3, 3)).astype(np.int8)
WS = np.full(4, 0.01, np.float32)


def base():
    return conv_model((1, 3, 8, 8), (0.02, 0), W, WS, np.zeros(4, np.int32), (0.05, 0),
                      pads=[1, 1, 1, 1])


def node(m, op):
    return next(n for n in m.graph.node if n.op_type == op)


def init(m, prefix):
    return next(i for i in m.graph.initializer if i.name.startswith(prefix))


float_model = float_conv_model


def unary(op, **attrs):
    b = Builder((1, 3, 8, 8))
    y = b.node(op, [b.qdq("x", 0.02, 0)], **attrs)
    return b.model(b.qdq(y, 0.02, 0))


def mutate(fn):
    def make():
        m = base()
        fn(m)
        return m
    return make


def set_attr(op, name, value):
    def fn(m):
        n = node(m, op)
        n.attribute.append(helper.make_attribute(name, value))
    return fn


def set_input(shape=None, dtype=None):
    def fn(m):
        t = m.graph.input[0].type.tensor_type
        if dtype is not None:
            t.elem_type = dtype
        if shape is not None:
            t.shape.Clear()
            for d in shape:
                t.shape.dim.add().dim_value = d
    return fn


def set_init(prefix, value):
    def fn(m):
        i = init(m, prefix)
        i.CopyFrom(onnx.numpy_helper.from_array(np.asarray(value), i.name))
    return fn


def drop_init(prefix):
    def fn(m):
        m.graph.initializer.remove(init(m, prefix))
    return fn


def set_pads(m):
    a = next(a for a in node(m, "Conv").attribute if a.name == "pads")
    a.ints[0] = -1


def weight_zero_point(m):
    dq = next(n for n in m.graph.node if n.op_type == "DequantizeLinear"
              and n.input[0].startswith("w"))
    i = next(i for i in m.graph.initializer if i.name == dq.input[2])
    i.CopyFrom(onnx.numpy_helper.from_array(np.ones(4, np.int8), i.name))


def second_input(m):
    m.graph.input.append(helper.make_tensor_value_info("x2", TensorProto.FLOAT, [1, 3]))


def unquantized_output(m):
    conv = node(m, "Conv")
    del m.graph.output[:]
    m.graph.output.append(helper.make_tensor_value_info(conv.output[0], TensorProto.FLOAT, None))


def reverse_nodes(m):
    nodes = list(m.graph.node)[::-1]
    del m.graph.node[:]
    m.graph.node.extend(nodes)


def opset(v):
    def fn(m):
        m.opset_import[0].version = v
    return fn


def never_computed(m):
    m.graph.output.append(helper.make_tensor_value_info("nowhere", TensorProto.FLOAT, None))


def custom_domain(m):
    node(m, "Conv").domain = "com.example"


def maxpool_indices():
    m = single_op((1, 3, 8, 8), (0.02, 0), (0.02, 0), "MaxPool", kernel_shape=[2, 2])
    node(m, "MaxPool").output.append("indices")
    return m


def reshape_bad():
    b = Builder((1, 3, 8, 8))
    y = b.node("Reshape", [b.qdq("x", 0.02, 0), b.const(np.array([5, -1], np.int64))])
    return b.model(b.qdq(y, 0.02, 0))


def clip_empty():
    b = Builder((1, 3, 8, 8))
    y = b.node("Clip", [b.qdq("x", 0.02, 0), b.const(np.float32(2)), b.const(np.float32(1))])
    return b.model(b.qdq(y, 0.02, 0))


def gemm(**attrs):
    def make():
        m = gemm_model((1, 6), (0.02, 0), RNG.integers(-127, 128, (3, 6)), np.full(3, 0.01,
                       np.float32), None, (0.05, 0))
        for k, v in attrs.items():
            node(m, "Gemm").attribute.append(helper.make_attribute(k, v))
        return m
    return make


def qlinear_uint8():
    b = Builder((1, 3, 8, 8), TensorProto.UINT8)
    ins = ["x", b.const(np.float32(0.02)), b.const(np.uint8(128)), b.const(W),
           b.const(WS), b.const(np.zeros(4, np.int8)), b.const(np.float32(0.05)),
           b.const(np.uint8(128))]
    return b.model(b.node("QLinearConv", ins), TensorProto.UINT8)


# (id, model factory or None, extra CLI args, fragment of the message)
MODEL_CASES = [
    ("unsupported-sigmoid", lambda: unary("Sigmoid"), "'Sigmoid'"),
    ("unsupported-tanh", lambda: unary("Tanh"), "'Tanh'"),
    ("unsupported-leakyrelu", lambda: unary("LeakyRelu"), "'LeakyRelu'"),
    ("unsupported-transpose", lambda: unary("Transpose", perm=[0, 2, 3, 1]), "'Transpose'"),
    ("unsupported-hardswish", lambda: unary("HardSwish"), "'HardSwish'"),
    ("unsupported-neg", lambda: unary("Neg"), "'Neg'"),
    ("unsupported-abs", lambda: unary("Abs"), "'Abs'"),
    ("unsupported-exp", lambda: unary("Exp"), "'Exp'"),
    ("unsupported-sqrt", lambda: unary("Sqrt"), "'Sqrt'"),
    ("unsupported-lrn", lambda: unary("LRN", size=3), "'LRN'"),
    ("unsupported-custom-domain", mutate(custom_domain), "com.example"),
    ("conv-attr-unknown", mutate(set_attr("Conv", "foo", 1)), "'foo'"),
    ("conv-auto-pad-bogus", mutate(set_attr("Conv", "auto_pad", "MIRROR")), "auto_pad"),
    ("conv-kernel-shape-mismatch", mutate(set_attr("Conv", "kernel_shape", [5, 5])),
     "kernel_shape"),
    ("conv-group-mismatch", mutate(set_attr("Conv", "group", 2)), "groups"),
    ("conv-stride-zero", mutate(set_attr("Conv", "strides", [0, 1])), "strides"),
    ("conv-pads-negative", mutate(set_pads), "pads"),
    ("maxpool-ceil-mode", lambda: single_op((1, 3, 8, 8), (0.02, 0), (0.02, 0), "MaxPool",
                                            kernel_shape=[2, 2], ceil_mode=1), "ceil_mode"),
    ("avgpool-ceil-mode", lambda: single_op((1, 3, 8, 8), (0.02, 0), (0.02, 0), "AveragePool",
                                            kernel_shape=[2, 2], ceil_mode=1), "ceil_mode"),
    ("maxpool-no-kernel", lambda: single_op((1, 3, 8, 8), (0.02, 0), (0.02, 0), "MaxPool"),
     "kernel_shape"),
    ("pool-kernel-too-big", lambda: single_op((1, 3, 4, 4), (0.02, 0), (0.02, 0), "MaxPool",
                                              kernel_shape=[9, 9]), "does not fit"),
    ("maxpool-indices", maxpool_indices, "Indices"),
    ("softmax-axis-1-rank4", lambda: single_op((1, 3, 4, 4), (0.02, 0), (1 / 256, -128),
                                               "Softmax", axis=1), "last axis"),
    ("concat-no-axis", lambda: single_op((1, 3, 4, 4), (0.02, 0), (0.02, 0), "Concat"),
     "axis"),
    ("reshape-bad-target", reshape_bad, "reshape"),
    ("clip-min-above-max", clip_empty, "greater than max"),
    ("gemm-alpha", gemm(alpha=2.0), "alpha=1"),
    ("gemm-transA", gemm(transA=1), "transA=0"),
    ("missing-weight-initializer", mutate(drop_init("w")), "missing initializer"),
    ("missing-scale-initializer", mutate(drop_init("s")), "missing initializer"),
    ("weights-float-not-quantized", mutate(lambda m: node(m, "Conv").input.__setitem__(
        1, init(m, "w").name)), "must be quantized"),
    ("weights-zero-point-nonzero", mutate(weight_zero_point), "symmetric"),
    ("weights-minus-128", mutate(set_init("w", np.full(W.shape, -128, np.int8))), "-128"),
    ("weights-int16", mutate(set_init("w", W.astype(np.int16))), "int16"),
    ("activation-uint8", mutate(set_init("zp", np.uint8(3))), "uint8"),
    ("scale-zero", mutate(set_init("s", np.float32(0))), "scale"),
    ("scale-negative", mutate(set_init("s", np.float32(-1))), "scale"),
    ("bias-wrong-size", mutate(set_init("b", np.zeros(3, np.int32))), "bias"),
    ("input-rank-3", mutate(set_input(shape=(1, 3, 8))), "rank 3"),
    ("input-rank-5", mutate(set_input(shape=(1, 3, 8, 8, 1))), "rank 5"),
    ("input-int32", mutate(set_input(dtype=TensorProto.INT32)), "int32"),
    ("input-float64", mutate(set_input(dtype=TensorProto.DOUBLE)), "float64"),
    ("input-batch-2", mutate(set_input(shape=(2, 3, 8, 8))), "batch 2"),
    ("input-zero-dim", mutate(set_input(shape=(1, 0, 8, 8))), "dimensions"),
    ("two-inputs", mutate(second_input), "2 inputs"),
    ("unquantized-output", mutate(unquantized_output), "no QuantizeLinear"),
    ("nodes-out-of-order", mutate(reverse_nodes), "topological"),
    ("opset-too-old", mutate(opset(6)), "opset 6"),
    ("output-never-computed", mutate(never_computed), "never computed"),
    ("qlinear-conv-uint8", qlinear_uint8, "uint8"),
    ("float-model-without-calibration", float_model, "calibration"),
]


@pytest.fixture
def run_cli(capsys):
    def run(*argv):
        code = main([str(a) for a in argv])
        err = capsys.readouterr().err
        return code, err
    return run


def assert_one_line(code, err, fragment):
    assert code == EXIT_USAGE, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("hetsoc: error: ")
    assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("make,fragment", [c[1:] for c in MODEL_CASES],
                         ids=[c[0] for c in MODEL_CASES])
@pytest.mark.parametrize("command", ["inspect", "run"])
def test_bad_model_is_one_line_exit_2(tmp_path, run_cli, make, fragment, command):
    path = tmp_path / "m.onnx"
    path.write_bytes(make().SerializeToString())
    assert_one_line(*run_cli(command, path), fragment)


def _file_cases(tmp):
    good = tmp / "good.onnx"
    data = base().SerializeToString()
    good.write_bytes(data)
    (tmp / "trunc.onnx").write_bytes(data[: len(data) // 2])
    (tmp / "empty.onnx").write_bytes(b"")
    (tmp / "junk.onnx").write_bytes(bytes(range(256)) * 4)
    (tmp / "text.onnx").write_text("hello, I am not a model\n")
    (tmp / "dir.onnx").mkdir()
    np.save(tmp / "x_int8.npy", np.zeros((1, 3, 8, 8), np.int8))
    np.save(tmp / "x_shape.npy", np.zeros((1, 3, 4, 4), np.float32))
    np.save(tmp / "calib_bad.npy", np.zeros((4, 5), np.float32))
    (tmp / "notnpy.npy").write_text("not numpy")
    f = tmp / "float.onnx"
    f.write_bytes(float_model().SerializeToString())
    return [
        (["inspect", tmp / "missing.onnx"], "does not exist"),
        (["run", tmp / "missing.onnx"], "does not exist"),
        (["inspect", tmp / "trunc.onnx"], "not an ONNX model"),
        (["inspect", tmp / "empty.onnx"], "empty"),
        (["inspect", tmp / "junk.onnx"], "not an ONNX model"),
        (["inspect", tmp / "text.onnx"], "not an ONNX model"),
        (["inspect", tmp / "dir.onnx"], "not a file"),
        (["inspect", "no-such-zoo-model"], "neither a zoo model"),
        (["run", good, "--input", tmp / "x_int8.npy"], "must be float32"),
        (["run", good, "--input", tmp / "x_shape.npy"], "shape"),
        (["run", good, "--input", tmp / "notnpy.npy"], "not a .npy"),
        (["run", good, "--input", tmp / "nope.npy"], "does not exist"),
        (["inspect", f, "--calibration", tmp / "calib_bad.npy"], "calibration data"),
        (["inspect", f, "--calibration", tmp / "nope.npy"], "does not exist"),
        (["inspect", f, "--calibration", tmp / "notnpy.npy"], "not a .npy"),
    ]


def test_bad_files_and_arguments_are_one_line_exit_2(tmp_path, run_cli):
    for argv, fragment in _file_cases(tmp_path):
        code, err = run_cli(*argv)
        assert_one_line(code, err, fragment)


def test_at_least_fifty_distinct_cases(tmp_path):
    assert len(MODEL_CASES) + len(_file_cases(tmp_path)) >= 50


def test_no_traceback_in_a_real_process(tmp_path):
    path = tmp_path / "t.onnx"
    path.write_bytes(base().SerializeToString()[:100])
    proc = subprocess.run([sys.executable, "-m", "hetsoc", "run", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == EXIT_USAGE
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("hetsoc: error: ") and proc.stderr.count("\n") == 1


def test_float_model_with_calibration_is_quantized_and_runs(tmp_path, run_cli, capsys):
    path = tmp_path / "f.onnx"
    path.write_bytes(float_model().SerializeToString())
    np.save(tmp_path / "calib.npy", RNG.normal(size=(8, 3, 8, 8)).astype(np.float32))
    code = main(["run", str(path), "--calibration", str(tmp_path / "calib.npy"),
                 "--output", str(tmp_path / "y.npy")])
    assert code == 0, capsys.readouterr().err
    y = np.load(tmp_path / "y.npy")
    assert y.dtype == np.float32 and y.shape == (1, 4, 6, 6)
