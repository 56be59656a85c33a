"""One converter per ONNX operator (QDQ float ops, QOperator ops, Q/DQ, shape ops)."""

from __future__ import annotations

import numpy as np
from onnx import numpy_helper

from ..golden.requant import quantize_linear
from .attrs import node_attrs, reshape_target, window
from .convert import SUPPORTED_OPS
from .values import Const, FloatInput, FloatOfInt, Int, Pending, QConst

__all__ = ["convert_node"]

_WIN = {"auto_pad": "NOTSET", "pads": None, "strides": None, "dilations": None,
        "kernel_shape": None}


def _in(node, i):
    return node.input[i] if len(node.input) > i and node.input[i] else None


def _shape(c, name):
    return c.graph.tensors[name].shape


def _set(c, node, value):
    c.values[node.output[0]] = value


# -- Q / DQ / constants ------------------------------------------------------------------
def _quantize(c, node):
    a = node_attrs(c, node, {"axis": 1, "saturate": 1, "block_size": 0, "output_dtype": 0})
    if a["block_size"] or a["output_dtype"]:
        c.fail("blocked or typed quantization is not supported")
    if _in(node, 2) is None:
        c.fail("no zero point: the output would be uint8; only int8 is supported")
    q = c.quant_of(node.input[1], node.input[2], "output", a["axis"])
    if c.const(node.input[2], "zero point").dtype != np.int8:
        c.fail("output must be int8 (zero point of type int8)")
    v = c.value(node.input[0])
    out = node.output[0]
    if isinstance(v, Const):
        if q.per_channel:
            c.fail("per-channel QuantizeLinear of a constant is not supported")
        _set(c, node, Const(quantize_linear(v.data, q.scale, q.zp)))
    elif isinstance(v, FloatInput):
        if q.per_channel:
            c.fail("per-channel quantization of an activation is not supported")
        name = c.new_int(out, _shape(c, v.name), q)
        c.graph.add_node(c.node_obj("quantize", (v.name,), (name,)))
        _set(c, node, Int(name))
    elif isinstance(v, Pending):
        _set(c, node, Int(c.seal(v, out, q)))
    elif isinstance(v, FloatOfInt):
        if c.graph.tensors[v.name].quant.same_as(q):
            _set(c, node, Int(v.name))
        else:
            _set(c, node, Int(c.seal(Pending(node.name, "clip", [v.name], onnx_op="Identity"),
                                     out, q)))
    else:
        c.fail(f"input {node.input[0]!r} is already quantized")


def _dequantize(c, node):
    a = node_attrs(c, node, {"axis": 1, "block_size": 0, "output_dtype": 0})
    if a["block_size"] or a["output_dtype"]:
        c.fail("blocked or typed dequantization is not supported")
    v = c.value(node.input[0])
    if isinstance(v, Const):
        rank = v.data.ndim
        axis = a["axis"] % rank if rank else None
        q = c.quant_of(node.input[1], _in(node, 2), "bias" if v.data.dtype == np.int32
                       else "weight", axis)
        if v.data.dtype not in (np.int8, np.int32):
            c.fail(f"constant {node.input[0]!r} has type {v.data.dtype}; int8 weights or "
                   f"int32 biases are supported")
        _set(c, node, QConst(v.data, q))
    elif isinstance(v, Int):
        q = c.quant_of(node.input[1], _in(node, 2), "input")
        if q.per_channel:
            c.fail("per-channel dequantization of an activation is not supported")
        c.set_quant(v.name, q)
        _set(c, node, FloatOfInt(v.name))
    else:
        c.fail(f"input {node.input[0]!r} is not an int8 tensor")


def _constant(c, node):
    if len(node.attribute) != 1 or node.attribute[0].name != "value":
        c.fail("only Constant with a 'value' tensor is supported")
    _set(c, node, Const(numpy_helper.to_array(node.attribute[0].t)))


def _identity(c, node):
    node_attrs(c, node, {})
    _set(c, node, c.value(node.input[0]))


# -- compute ops (QDQ: pending until QuantizeLinear) --------------------------------------
def _qweight(c, name, what):
    v = c.value(name)
    if isinstance(v, Const):
        c.fail(f"{what} {name!r} must be quantized (DequantizeLinear of int8), not "
               f"{v.data.dtype} constant")
    if not isinstance(v, QConst):
        c.fail(f"{what} {name!r} must be a constant")
    return v


def _bias(c, name, xq, wq, channels):
    if name is None:
        return None
    v = c.value(name)
    if isinstance(v, QConst):
        return c.bias_int32((v.data, v.quant), xq, wq, channels)
    if isinstance(v, Const) and v.data.dtype.kind == "f":
        return c.bias_int32((v.data, None), xq, wq, channels)
    c.fail(f"bias {name!r} must be a constant")


def _conv(c, node):
    a = node_attrs(c, node, {**_WIN, "group": 1})
    x = c.int_tensor(node.input[0])
    w = _qweight(c, node.input[1], "weights")
    if w.data.ndim != 4:
        c.fail(f"only 2-D convolution is supported, not weights of rank {w.data.ndim}")
    xq = c.graph.tensors[x].quant
    strides, pads, dil = window(c, a, _shape(c, x)[2:], a["kernel_shape"] or w.data.shape[2:])
    if a["kernel_shape"] and tuple(a["kernel_shape"]) != w.data.shape[2:]:
        c.fail(f"kernel_shape {list(a['kernel_shape'])} does not match weights "
               f"{list(w.data.shape)}")
    ins = [x, c.weight_const(node.input[1], w.data, w.quant)]
    b = _bias(c, _in(node, 2), xq, w.quant, w.data.shape[0])
    if b is not None:
        ins.append(c.new_const(node.input[2], b, None, "C"))
    attrs = {"strides": strides, "pads": pads, "dilations": dil, "groups": int(a["group"])}
    _set(c, node, Pending(node.name, "conv2d", ins, attrs, onnx_op=node.op_type))


def _dense_weights(c, w, transposed):
    # Dense weights are (O, K) in the IR; ONNX MatMul / Gemm(transB=0) hold (K, O).
    from ..ir import QuantParams

    if w.data.ndim != 2:
        c.fail(f"weights must be 2-D, not rank {w.data.ndim}")
    if transposed:
        return w.data, w.quant
    q = w.quant
    if q.per_channel:
        if q.axis != 1:
            c.fail("weights must be quantized per output column")
        q = QuantParams(q.scale, q.zero_point, 0)
    return np.ascontiguousarray(w.data.T), q


def _gemm(c, node):
    a = node_attrs(c, node, {"alpha": 1.0, "beta": 1.0, "transA": 0, "transB": 0})
    if a["alpha"] != 1.0 or a["beta"] != 1.0 or a["transA"]:
        c.fail("only alpha=1, beta=1, transA=0 is supported")
    _dense(c, node, bool(a["transB"]), _in(node, 2))


def _matmul(c, node):
    node_attrs(c, node, {})
    _dense(c, node, False, None)


def _dense(c, node, trans_b, bias_name):
    x = c.int_tensor(node.input[0])
    if len(_shape(c, x)) != 2:
        c.fail(f"input must be 2-D (flatten first), not shape {list(_shape(c, x))}")
    data, q = _dense_weights(c, _qweight(c, node.input[1], "weights"), trans_b)
    xq = c.graph.tensors[x].quant
    ins = [x, c.weight_const(node.input[1], data, q)]
    b = _bias(c, bias_name, xq, q, data.shape[0])
    if b is not None:
        ins.append(c.new_const(bias_name, b, None, "C"))
    _set(c, node, Pending(node.name, "dense", ins, onnx_op=node.op_type))


def _add(c, node):
    node_attrs(c, node, {})
    ins = []
    for n in node.input:
        v = c.value(n)
        if isinstance(v, QConst) and v.data.dtype == np.int8 and not v.quant.per_channel:
            ins.append(c.new_const(n, v.data, v.quant, "ANY"))   # a constant operand
        else:
            ins.append(c.int_tensor(n))
    _set(c, node, Pending(node.name, "add", ins, onnx_op=node.op_type))


def _pool(c, node):
    avg = node.op_type == "AveragePool"
    extra = {"count_include_pad": 0} if avg else {"storage_order": 0}
    a = node_attrs(c, node, {**_WIN, "ceil_mode": 0, **extra})
    if a["ceil_mode"]:
        c.fail("ceil_mode=1 is not supported")
    if a["kernel_shape"] is None:
        c.fail("kernel_shape is required")
    v = c.value(node.input[0])
    x = c.int_tensor(node.input[0])
    strides, pads, dil = window(c, a, _shape(c, x)[2:], a["kernel_shape"])
    attrs = {"kernel": tuple(a["kernel_shape"]), "strides": strides, "pads": pads}
    if avg:
        if dil != (1, 1):
            c.fail("dilated average pooling is not supported")
        attrs["count_include_pad"] = bool(a["count_include_pad"])
        _set(c, node, Pending(node.name, "avgpool", [x], attrs, onnx_op=node.op_type))
        return
    attrs["dilations"] = dil
    _same_quant(c, node, v, x, "maxpool", attrs)


def _same_quant(c, node, v, x, op, attrs):
    # Max pool and reshapes do not change values: apply them on the integers and keep the
    # quantization; a QuantizeLinear after them with other parameters requantizes.
    out = c.emit(op, [x], node.output[0], c.graph.tensors[x].quant, attrs)
    _set(c, node, FloatOfInt(out) if isinstance(v, FloatOfInt) else Int(out))


def _global_avgpool(c, node):
    node_attrs(c, node, {})
    x = c.int_tensor(node.input[0])
    _set(c, node, Pending(node.name, "global_avgpool", [x], onnx_op=node.op_type))


def _reshape(c, node):
    if node.op_type == "Flatten":
        a = node_attrs(c, node, {"axis": 1})
        x = c.int_tensor(node.input[0])
        s = _shape(c, x)
        axis = a["axis"] % len(s) if a["axis"] < 0 else a["axis"]
        target = (int(np.prod(s[:axis])), int(np.prod(s[axis:])))
    else:
        a = node_attrs(c, node, {"allowzero": 0})
        x = c.int_tensor(node.input[0])
        target = reshape_target(c, c.const(node.input[1], "shape"), _shape(c, x),
                                a["allowzero"])
    _same_quant(c, node, c.value(node.input[0]), x, "reshape", {"shape": target})


def _relu_clip(c, node):
    v = c.value(node.input[0])
    if node.op_type == "Relu":
        node_attrs(c, node, {})
        lo, hi = 0.0, np.inf
    else:
        a = node_attrs(c, node, {"min": None, "max": None})
        lo = a["min"] if a["min"] is not None else -np.inf
        hi = a["max"] if a["max"] is not None else np.inf
        if _in(node, 1):
            lo = float(c.const(node.input[1], "min"))
        if _in(node, 2):
            hi = float(c.const(node.input[2], "max"))
    if lo > hi:
        c.fail(f"min {lo} is greater than max {hi}")
    if isinstance(v, Pending):
        v.lo, v.hi = max(v.lo, lo), min(v.hi, hi)
        _set(c, node, v)
    elif isinstance(v, Int):
        # An integer Relu/Clip clamps the raw int8 values, whatever the zero point.
        lo_i, hi_i = max(-128, int(np.ceil(lo))), min(127, int(np.floor(hi)))
        if lo_i > hi_i:
            c.fail(f"clip range [{lo}, {hi}] is empty in int8")
        out = c.emit("clip", [v.name], node.output[0], c.graph.tensors[v.name].quant,
                     {"y_min": lo_i, "y_max": hi_i})
        _set(c, node, Int(out))
    else:
        x = c.int_tensor(node.input[0])
        _set(c, node, Pending(node.name, "clip", [x], lo=lo, hi=hi, onnx_op=node.op_type))


def _softmax_axis(c, node, opset, rank):
    a = node_attrs(c, node, {"axis": 1 if opset < 13 else -1})
    axis = a["axis"] % rank
    if axis != rank - 1:
        c.fail(f"softmax over axis {a['axis']} of a rank-{rank} tensor: only the last axis "
               f"is supported")
    return -1


def _softmax(c, node):
    x = c.int_tensor(node.input[0])
    _softmax_axis(c, node, c.opset, len(_shape(c, x)))
    _set(c, node, Pending(node.name, "softmax", [x], {"axis": -1}, onnx_op=node.op_type))


def _concat(c, node):
    a = node_attrs(c, node, {"axis": None})
    if a["axis"] is None:
        c.fail("attribute 'axis' is required")
    ins = [c.int_tensor(n) for n in node.input]
    rank = len(_shape(c, ins[0]))
    _set(c, node, Pending(node.name, "concat", ins, {"axis": a["axis"] % rank},
                          onnx_op=node.op_type))


# -- QOperator ops: the output quantization is given, so they map directly -------------------
def _qin(c, node, i, what="input"):
    x = c.int_tensor(node.input[i], what)
    q = c.quant_of(node.input[i + 1], _in(node, i + 2), what)
    if q.per_channel:
        c.fail(f"{what} must be quantized per tensor")
    c.set_quant(x, q)
    return x


def _qout(c, node, scale_i):
    if _in(node, scale_i) is None:
        c.fail("a float output (no y_scale) is not supported")
    q = c.quant_of(node.input[scale_i], _in(node, scale_i + 1), "output")
    if q.per_channel:
        c.fail("output must be quantized per tensor")
    return q


def _qlinear(c, node, op, x_ins, out_scale_i, attrs, weights=None):
    ins = list(x_ins)
    if weights is not None:
        ins += weights
    out = c.emit(op, ins, node.output[0], _qout(c, node, out_scale_i), attrs)
    _set(c, node, Int(out))


def _qweights(c, node, w_i, transposed):
    w = c.const(node.input[w_i], "weights")
    axis = 0 if transposed or w.ndim == 4 else 1
    return QConst(w, c.quant_of(node.input[w_i + 1], node.input[w_i + 2], "weight", axis))


def _qbias(c, node, i, xq, wq, channels):
    if _in(node, i) is None:
        return []
    b = c.const(node.input[i], "bias")
    if b.dtype != np.int32:
        c.fail(f"bias must be int32, not {b.dtype}")
    # QOperator biases are defined at scale x_scale * w_scale: use them as they are.
    if b.reshape(-1).size != channels:
        c.fail(f"bias has {b.size} values for {channels} output channels")
    return [c.new_const(node.input[i], b.reshape(-1).astype(np.int32), None, "C")]


def _qlinear_conv(c, node):
    a = node_attrs(c, node, {**_WIN, "group": 1})
    x = _qin(c, node, 0)
    w = _qweights(c, node, 3, False)
    if w.data.ndim != 4:
        c.fail(f"only 2-D convolution is supported, not weights of rank {w.data.ndim}")
    strides, pads, dil = window(c, a, _shape(c, x)[2:], a["kernel_shape"] or w.data.shape[2:])
    ws = [c.weight_const(node.input[3], w.data, w.quant)]
    ws += _qbias(c, node, 8, c.graph.tensors[x].quant, w.quant, w.data.shape[0])
    _qlinear(c, node, "conv2d", [x], 6, {"strides": strides, "pads": pads, "dilations": dil,
                                         "groups": int(a["group"])}, ws)


def _qlinear_matmul(c, node):
    node_attrs(c, node, {})
    x = _qin(c, node, 0)
    data, q = _dense_weights(c, _qweights(c, node, 3, False), False)
    _qlinear(c, node, "dense", [x], 6, {}, [c.weight_const(node.input[3], data, q)])


def _qgemm(c, node):
    a = node_attrs(c, node, {"alpha": 1.0, "transA": 0, "transB": 0})
    if a["alpha"] != 1.0 or a["transA"]:
        c.fail("only alpha=1, transA=0 is supported")
    x = _qin(c, node, 0)
    data, q = _dense_weights(c, _qweights(c, node, 3, bool(a["transB"])), bool(a["transB"]))
    ws = [c.weight_const(node.input[3], data, q)]
    ws += _qbias(c, node, 6, c.graph.tensors[x].quant, q, data.shape[0])
    _qlinear(c, node, "dense", [x], 7, {}, ws)


def _qlinear_add(c, node):
    node_attrs(c, node, {})
    ins = []
    for i in (0, 3):
        v = c.value(node.input[i])
        if isinstance(v, Const) and v.data.dtype == np.int8:      # a constant operand
            q = c.quant_of(node.input[i + 1], _in(node, i + 2), "input")
            ins.append(c.new_const(node.input[i], v.data, q, "ANY"))
        else:
            ins.append(_qin(c, node, i))
    _qlinear(c, node, "add", ins, 6, {})


def _qlinear_pool(c, node):
    glob = node.op_type == "QLinearGlobalAveragePool"
    extra = {} if glob else {**_WIN, "ceil_mode": 0, "count_include_pad": 0}
    a = node_attrs(c, node, {"channels_last": 0, **extra})
    if a["channels_last"]:
        c.fail("channels_last=1 is not supported")
    x = _qin(c, node, 0)
    if glob:
        _qlinear(c, node, "global_avgpool", [x], 3, {})
        return
    if a["ceil_mode"]:
        c.fail("ceil_mode=1 is not supported")
    strides, pads, _ = window(c, a, _shape(c, x)[2:], a["kernel_shape"] or ())
    _qlinear(c, node, "avgpool", [x], 3, {"kernel": tuple(a["kernel_shape"]),
                                          "strides": strides, "pads": pads,
                                          "count_include_pad": bool(a["count_include_pad"])})


def _qlinear_concat(c, node):
    a = node_attrs(c, node, {"axis": None})
    if a["axis"] is None or (len(node.input) - 2) % 3:
        c.fail("needs an axis and (tensor, scale, zero point) triples")
    ins = [_qin(c, node, i) for i in range(2, len(node.input), 3)]
    rank = len(_shape(c, ins[0]))
    _qlinear(c, node, "concat", ins, 0, {"axis": a["axis"] % rank})


def _qlinear_softmax(c, node):
    x = _qin(c, node, 0)
    a = node_attrs(c, node, {"axis": -1, "opset": 13})
    rank = len(_shape(c, x))
    if a["axis"] % rank != rank - 1:
        c.fail("only softmax over the last axis is supported")
    _qlinear(c, node, "softmax", [x], 3, {"axis": -1})


_HANDLERS = {
    "QuantizeLinear": _quantize, "DequantizeLinear": _dequantize, "Constant": _constant,
    "Identity": _identity, "Conv": _conv, "Gemm": _gemm, "MatMul": _matmul, "Add": _add,
    "MaxPool": _pool, "AveragePool": _pool, "GlobalAveragePool": _global_avgpool,
    "Reshape": _reshape, "Flatten": _reshape, "Relu": _relu_clip, "Clip": _relu_clip,
    "Softmax": _softmax, "Concat": _concat, "QLinearConv": _qlinear_conv,
    "QLinearMatMul": _qlinear_matmul, "QGemm": _qgemm, "QLinearAdd": _qlinear_add,
    "QLinearAveragePool": _qlinear_pool, "QLinearGlobalAveragePool": _qlinear_pool,
    "QLinearConcat": _qlinear_concat, "QLinearSoftmax": _qlinear_softmax,
}
assert set(_HANDLERS) == set(SUPPORTED_OPS)


def convert_node(c, node):
    """Convert one ONNX node, updating the converter's values and graph."""
    handler = _HANDLERS.get(node.op_type)
    if handler is None or node.domain not in ("", "ai.onnx", "com.microsoft"):
        c.fail(f"operator {node.op_type!r} (domain {node.domain or 'ai.onnx'!r}) is not "
               f"supported; supported: {', '.join(SUPPORTED_OPS)}")
    if len(node.output) != 1 and node.op_type != "MaxPool":
        c.fail(f"{len(node.output)} outputs; one is supported")
    if node.op_type == "MaxPool" and len([o for o in node.output if o]) > 1:
        c.fail("the Indices output is not supported")
    if not node.input or not node.input[0]:
        c.fail("has no input")
    handler(c, node)
