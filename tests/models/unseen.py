"""A QDQ int8 ONNX model the project has never seen, made the way a user makes one.

A float CNN written with onnx.helper (random weights, nothing from the zoo's builder), then
quantized by onnxruntime's own `quantize_static` (QDQ, int8 activations, per-channel
symmetric int8 weights). It exercises what a real model throws at the compiler: a conv with
asymmetric padding, a depthwise conv with stride 2, a pointwise conv, max and average pooling
(with padding), a residual add, a dense layer, odd spatial sizes and channel counts that are
not multiples of any array.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = ["INPUT_SHAPE", "float_model", "qdq_model", "calibration"]

INPUT_SHAPE = (1, 3, 19, 23)


def _he(rng, shape):
    fan_in = int(np.prod(shape[1:]))
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def float_model(seed: int = 7) -> onnx.ModelProto:
    rng = np.random.default_rng(seed)
    inits, nodes = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op, inputs, out, **attrs):
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def conv(x, name, c_in, c_out, k, *, stride=1, pads=(0, 0, 0, 0), group=1, relu=True):
        w = const(f"{name}_w", _he(rng, (c_out, c_in // group, *k)))
        b = const(f"{name}_b", (0.1 * rng.standard_normal(c_out)).astype(np.float32))
        y = node("Conv", [x, w, b], name, kernel_shape=list(k), strides=[stride, stride],
                 pads=list(pads), group=group)
        return node("Relu", [y], f"{name}_relu") if relu else y

    # ONNX pads: (top, left, bottom, right) for 2-D.
    x = conv("x", "conv_asym", 3, 11, (3, 3), pads=(1, 0, 2, 1))         # 19x23 -> 20x21
    x = conv(x, "dw_s2", 11, 11, (3, 3), stride=2, pads=(1, 1, 0, 1), group=11)  # -> 10x11
    x = conv(x, "pw", 11, 19, (1, 1))                                   # 19 channels
    x = node("MaxPool", [x], "maxpool", kernel_shape=[2, 2], strides=[2, 2])  # -> 5x5
    y = conv(x, "res_conv", 19, 19, (3, 3), pads=(1, 1, 1, 1), relu=False)
    x = node("Relu", [node("Add", [x, y], "residual")], "residual_relu")
    x = node("AveragePool", [x], "avgpool", kernel_shape=[3, 3], strides=[2, 2],
             pads=[1, 1, 1, 1], count_include_pad=0)                    # -> 3x3
    x = node("Flatten", [x], "flatten", axis=1)
    w = const("fc_w", _he(rng, (19 * 3 * 3, 7)))
    b = const("fc_b", (0.1 * rng.standard_normal(7)).astype(np.float32))
    out = node("Gemm", [x, w, b], "fc")
    graph = helper.make_graph(
        nodes, "unseen_cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT,
                                                            list(INPUT_SHAPE))],
        [helper.make_tensor_value_info(out, TensorProto.FLOAT, [1, 7])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def calibration(n: int = 16, seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, (n, *INPUT_SHAPE[1:])).astype(np.float32)


def qdq_model(seed: int = 7) -> onnx.ModelProto:
    """`float_model` quantized by onnxruntime's quantize_static (QDQ, int8)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"x": c[None]} for c in calibration()])

        def get_next(self):
            return next(self.batches, None)

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "float.onnx", Path(tmp) / "qdq.onnx"
        onnx.save(float_model(seed), src)
        quantize_static(str(src), str(dst), Reader(), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                        per_channel=True,
                        extra_options={"WeightSymmetric": True, "ActivationSymmetric": False})
        return onnx.load(dst)
