"""The IR's operators: arity, attributes, output shapes, MACs.

Every operator works on int8 tensors with quantization parameters (docs/numerics.md), except
`quantize` (float32 in) and `dequantize` (float32 out) at the model boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from .tensor import IRError

__all__ = ["OPS", "OpSpec", "conv_out_size", "infer_shape", "macs"]


@dataclass(frozen=True)
class OpSpec:
    """Inputs (min, max; None = variadic), required attributes, and their defaults."""

    min_inputs: int
    max_inputs: int | None
    attrs: dict
    doc: str


_CLAMP = {"y_min": -128, "y_max": 127}
_WINDOW = {"kernel": None, "strides": (1, 1), "pads": (0, 0, 0, 0), "dilations": (1, 1)}

OPS = {
    "quantize": OpSpec(1, 1, {}, "float32 -> int8, ONNX QuantizeLinear"),
    "dequantize": OpSpec(1, 1, {}, "int8 -> float32, ONNX DequantizeLinear"),
    "conv2d": OpSpec(2, 3, {"strides": (1, 1), "pads": (0, 0, 0, 0), "dilations": (1, 1),
                            "groups": 1, **_CLAMP}, "x, w (OIHW), bias?; NCHW"),
    "dense": OpSpec(2, 3, {**_CLAMP}, "x (N, K), w (O, K), bias?"),
    "add": OpSpec(2, 2, {**_CLAMP}, "elementwise, numpy broadcasting"),
    "maxpool": OpSpec(1, 1, dict(_WINDOW), "NCHW"),
    "avgpool": OpSpec(1, 1, {**_WINDOW, "count_include_pad": False}, "NCHW"),
    "global_avgpool": OpSpec(1, 1, {}, "NCHW -> N, C, 1, 1"),
    "reshape": OpSpec(1, 1, {"shape": None}, "target shape, fully resolved"),
    "concat": OpSpec(1, None, {"axis": None}, "requantizes inputs to the output"),
    "clip": OpSpec(1, 1, {**_CLAMP}, "clamp in the output's integer domain (ReLU, ReLU6)"),
    "softmax": OpSpec(1, 1, {"axis": -1}, "integer table softmax over the last axis"),
}


def conv_out_size(size, kernel, stride, pad_begin, pad_end, dilation=1):
    """Output length of a convolution or pooling window along one axis (floor mode)."""
    span = (kernel - 1) * dilation + 1
    padded = size + pad_begin + pad_end
    if padded < span:
        return 0
    return (padded - span) // stride + 1


def _window_shape(node, x_shape, kernel, channels):
    if len(x_shape) != 4:
        raise IRError(f"node {node.name!r} ({node.op}): input must be 4-D NCHW, "
                      f"not shape {x_shape}")
    a = node.attrs
    strides, pads, dil = a["strides"], a["pads"], a["dilations"]
    for key, n, lo in (("strides", 2, 1), ("pads", 4, 0), ("dilations", 2, 1)):
        v = a[key]
        if len(v) != n or any(int(i) < lo for i in v):
            raise IRError(f"node {node.name!r} ({node.op}): {key} must be {n} ints >= {lo}, "
                          f"not {v!r}")
    if len(kernel) != 2 or min(kernel) < 1:
        raise IRError(f"node {node.name!r} ({node.op}): kernel must be 2 positive ints, "
                      f"not {kernel!r}")
    oh = conv_out_size(x_shape[2], kernel[0], strides[0], pads[0], pads[2], dil[0])
    ow = conv_out_size(x_shape[3], kernel[1], strides[1], pads[1], pads[3], dil[1])
    if oh < 1 or ow < 1:
        raise IRError(f"node {node.name!r} ({node.op}): kernel {tuple(kernel)} does not fit "
                      f"input {x_shape[2:]} with pads {tuple(pads)}")
    return (x_shape[0], channels, oh, ow)


def infer_shape(node, in_shapes):
    """Output shape of `node` given its input shapes; IRError when they do not fit."""
    op, a = node.op, node.attrs

    def fail(msg):
        raise IRError(f"node {node.name!r} ({op}): {msg}")

    if op in ("quantize", "dequantize", "clip", "softmax"):
        return in_shapes[0]
    if op == "conv2d":
        x, w = in_shapes[0], in_shapes[1]
        if len(w) != 4:
            fail(f"weights must be 4-D OIHW, not shape {w}")
        g = a["groups"]
        if len(x) != 4 or g < 1 or x[1] % g or w[0] % g or w[1] != x[1] // g:
            fail(f"weights {w} with groups={g} do not fit input {x}")
        if len(in_shapes) == 3 and in_shapes[2] != (w[0],):
            fail(f"bias shape {in_shapes[2]} must be ({w[0]},)")
        return _window_shape(node, x, w[2:], w[0])
    if op == "dense":
        x, w = in_shapes[0], in_shapes[1]
        if len(x) != 2 or len(w) != 2 or x[1] != w[1]:
            fail(f"input (N, K) {x} and weights (O, K) {w} do not match")
        if len(in_shapes) == 3 and in_shapes[2] != (w[0],):
            fail(f"bias shape {in_shapes[2]} must be ({w[0]},)")
        return (x[0], w[0])
    if op == "add":
        a_s, b_s = in_shapes
        try:
            import numpy as np

            return tuple(np.broadcast_shapes(a_s, b_s))
        except ValueError:
            fail(f"shapes {a_s} and {b_s} do not broadcast")
    if op in ("maxpool", "avgpool"):
        return _window_shape(node, in_shapes[0], tuple(a["kernel"]), in_shapes[0][1]
                             if len(in_shapes[0]) == 4 else 0)
    if op == "global_avgpool":
        if len(in_shapes[0]) != 4:
            fail(f"input must be 4-D NCHW, not shape {in_shapes[0]}")
        return in_shapes[0][:2] + (1, 1)
    if op == "reshape":
        shape = tuple(a["shape"])
        size = 1
        for d in in_shapes[0]:
            size *= d
        target = 1
        for d in shape:
            target *= d
        if not shape or min(shape) < 1 or target != size:
            fail(f"cannot reshape {in_shapes[0]} to {shape}")
        return shape
    if op == "concat":
        rank = len(in_shapes[0])
        axis = a["axis"]
        if not -rank <= axis < rank:
            fail(f"axis {axis} out of range for rank {rank}")
        axis %= rank
        for s in in_shapes[1:]:
            if len(s) != rank or any(s[i] != in_shapes[0][i] for i in range(rank) if i != axis):
                fail(f"input shapes {in_shapes} differ outside axis {axis}")
        return tuple(sum(s[axis] for s in in_shapes) if i == axis else in_shapes[0][i]
                     for i in range(rank))
    fail("unknown operator")


def macs(node, in_shapes, out_shape):
    """Multiply-accumulates of one node (conv2d and dense; every other op counts 0)."""
    if node.op == "conv2d":
        w = in_shapes[1]
        n, o, oh, ow = out_shape
        return n * o * oh * ow * w[1] * w[2] * w[3]
    if node.op == "dense":
        return in_shapes[0][0] * in_shapes[1][0] * in_shapes[1][1]
    return 0
