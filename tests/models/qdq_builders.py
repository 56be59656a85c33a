"""Single-op QDQ and QOperator ONNX models for the property and error tests.

Every model has one float32 (QDQ) or int8 (QOperator) input. Quantization parameters are
given explicitly, so hypothesis can draw them.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


def _init(name, value):
    return numpy_helper.from_array(np.asarray(value), name)


class Builder:
    """Accumulates nodes and initializers of a graph with one input."""

    def __init__(self, x_shape, dtype=TensorProto.FLOAT):
        self.nodes, self.inits, self.n = [], [], 0
        self.inp = helper.make_tensor_value_info("x", dtype, list(x_shape))

    def name(self, base):
        self.n += 1
        return f"{base}{self.n}"

    def const(self, value, base="c"):
        name = self.name(base)
        self.inits.append(_init(name, value))
        return name

    def node(self, op, inputs, domain="", **attrs):
        out = self.name(op.lower() + "_out")
        self.nodes.append(helper.make_node(op, inputs, [out], name=self.name(op), domain=domain,
                                           **attrs))
        return out

    def q(self, x, scale, zp):
        return self.node("QuantizeLinear", [x, self.const(np.float32(scale), "s"),
                                            self.const(np.int8(zp), "zp")])

    def dq(self, x, scale, zp, axis=None):
        zp = np.asarray(zp)
        if zp.dtype == np.int64:        # a Python int: an activation's int8 zero point
            zp = zp.astype(np.int8)
        attrs = {} if axis is None else {"axis": axis}
        return self.node("DequantizeLinear", [x, self.const(np.asarray(scale, np.float32), "s"),
                                              self.const(zp, "zp")], **attrs)

    def qdq(self, x, scale, zp):
        return self.dq(self.q(x, scale, zp), scale, zp)

    def weight(self, w, scales, axis=0):
        return self.dq(self.const(w.astype(np.int8), "w"), np.asarray(scales, np.float32),
                       np.zeros(np.shape(scales), np.int8), axis=axis if np.ndim(scales) else None)

    def bias(self, b, scales):
        return self.dq(self.const(b.astype(np.int32), "b"), np.asarray(scales, np.float32),
                       np.zeros(np.shape(scales), np.int32), axis=0 if np.ndim(scales) else None)

    def model(self, out, out_dtype=TensorProto.FLOAT, domains=()):
        graph = helper.make_graph(self.nodes, "g", [self.inp],
                                  [helper.make_tensor_value_info(out, out_dtype, None)],
                                  self.inits)
        ops = [helper.make_opsetid("", OPSET)] + [helper.make_opsetid(d, 1) for d in domains]
        m = helper.make_model(graph, opset_imports=ops)
        m.ir_version = 8
        return m


def single_op(x_shape, xq, yq, op, *extra_inputs, out_shape_op=None, **attrs):
    """x -> Q/DQ(xq) -> op(..., extra) -> Q/DQ(yq)."""
    b = Builder(x_shape)
    x = b.qdq("x", *xq)
    y = b.node(op, [x, *extra_inputs(b)] if callable(extra_inputs) else [x], **attrs)
    return b.model(b.qdq(y, *yq))


def conv_model(x_shape, xq, w, w_scale, bias, yq, relu=None, **attrs):
    b = Builder(x_shape)
    x = b.qdq("x", *xq)
    ins = [x, b.weight(w, w_scale)]
    if bias is not None:
        ins.append(b.bias(bias, np.float32(xq[0]) * np.asarray(w_scale, np.float32)))
    y = b.node("Conv", ins, **attrs)
    if relu == "relu":
        y = b.node("Relu", [y])
    elif relu == "relu6":
        y = b.node("Clip", [y, b.const(np.float32(0)), b.const(np.float32(6))])
    return b.model(b.qdq(y, *yq))


def gemm_model(x_shape, xq, w, w_scale, bias, yq):
    b = Builder(x_shape)
    x = b.qdq("x", *xq)
    ins = [x, b.weight(w, w_scale)]
    if bias is not None:
        ins.append(b.bias(bias, np.float32(xq[0]) * np.asarray(w_scale, np.float32)))
    return b.model(b.qdq(b.node("Gemm", ins, transB=1), *yq))


def add_model(x_shape, aq, bq, yq, second_shape=None, const=None):
    b = Builder(x_shape)
    a = b.qdq("x", *aq)
    other = b.dq(b.const(const.astype(np.int8), "k"), *bq) if const is not None \
        else b.qdq("x", *bq)
    return b.model(b.qdq(b.node("Add", [a, other]), *yq))


def concat_model(x_shape, aq, bq, yq, axis):
    b = Builder(x_shape)
    y = b.node("Concat", [b.qdq("x", *aq), b.qdq("x", *bq)], axis=axis)
    return b.model(b.qdq(y, *yq))


def qlinear_conv_model(x_shape, xq, w, w_scale, bias, yq, **attrs):
    b = Builder(x_shape, TensorProto.INT8)
    ins = ["x", b.const(np.float32(xq[0])), b.const(np.int8(xq[1])), b.const(w.astype(np.int8)),
           b.const(np.asarray(w_scale, np.float32)),
           b.const(np.zeros(np.shape(w_scale), np.int8)), b.const(np.float32(yq[0])),
           b.const(np.int8(yq[1]))]
    if bias is not None:
        ins.append(b.const(bias.astype(np.int32)))
    return b.model(b.node("QLinearConv", ins, **attrs), TensorProto.INT8)


def qlinear_matmul_model(x_shape, xq, w_kn, w_scale, yq):
    b = Builder(x_shape, TensorProto.INT8)
    ins = ["x", b.const(np.float32(xq[0])), b.const(np.int8(xq[1])),
           b.const(w_kn.astype(np.int8)), b.const(np.asarray(w_scale, np.float32)),
           b.const(np.zeros(np.shape(w_scale), np.int8)), b.const(np.float32(yq[0])),
           b.const(np.int8(yq[1]))]
    return b.model(b.node("QLinearMatMul", ins), TensorProto.INT8)


def qlinear_add_model(x_shape, aq, k, kq, yq):
    b = Builder(x_shape, TensorProto.INT8)
    ins = ["x", b.const(np.float32(aq[0])), b.const(np.int8(aq[1])), b.const(k.astype(np.int8)),
           b.const(np.float32(kq[0])), b.const(np.int8(kq[1])), b.const(np.float32(yq[0])),
           b.const(np.int8(yq[1]))]
    return b.model(b.node("QLinearAdd", ins, domain="com.microsoft"), TensorProto.INT8,
                   domains=("com.microsoft",))


def to_bytes(model: onnx.ModelProto) -> bytes:
    return model.SerializeToString()


def float_conv_model(shape=(1, 3, 8, 8)) -> onnx.ModelProto:
    """A float Conv model (no quantization): importing it needs calibration data."""
    w = helper.make_tensor("w", TensorProto.FLOAT, (4, 3, 3, 3),
                           np.random.default_rng(0).normal(size=108).tolist())
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], name="conv")], "f",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m
