"""ONNX attribute parsing for the importer: whitelists, window geometry, reshape targets."""

from __future__ import annotations

import numpy as np
from onnx import helper

__all__ = ["node_attrs", "window", "reshape_target"]


def node_attrs(conv, node, allowed):
    """Attributes of `node` with defaults from `allowed`; any other attribute is an error."""
    out = dict(allowed)
    for a in node.attribute:
        if a.name not in allowed:
            conv.fail(f"attribute {a.name!r} is not supported")
        v = helper.get_attribute_value(a)
        out[a.name] = v.decode() if isinstance(v, bytes) else v
    return out


def window(conv, attrs, in_hw, kernel):
    """(strides, pads (top, left, bottom, right), dilations) from ONNX conv/pool attributes."""
    kernel = tuple(int(k) for k in kernel)
    if len(kernel) != 2:
        conv.fail(f"only 2-D windows are supported, not kernel_shape {list(kernel)}")
    strides = tuple(int(s) for s in (attrs.get("strides") or (1, 1)))
    dil = tuple(int(d) for d in (attrs.get("dilations") or (1, 1)))
    if len(strides) != 2 or min(strides) < 1:
        conv.fail(f"strides must be two positive ints, not {list(strides)}")
    if len(dil) != 2 or min(dil) < 1:
        conv.fail(f"dilations must be two positive ints, not {list(dil)}")
    auto = attrs.get("auto_pad") or "NOTSET"
    pads = attrs.get("pads")
    if auto == "NOTSET":
        pads = tuple(int(p) for p in (pads or (0, 0, 0, 0)))
        if len(pads) != 4 or min(pads) < 0:
            conv.fail(f"pads must be four non-negative ints, not {list(pads)}")
    elif auto == "VALID":
        pads = (0, 0, 0, 0)
    elif auto in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for size, k, s, d in zip(in_hw, kernel, strides, dil, strict=True):
            out = -(-size // s)
            total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
            small = total // 2
            # SAME_UPPER (TF/Keras 'same') puts the odd extra row/column at the end.
            b, e = (small, total - small) if auto == "SAME_UPPER" else (total - small, small)
            begin.append(b)
            end.append(e)
        pads = (begin[0], begin[1], end[0], end[1])
    else:
        conv.fail(f"auto_pad={auto!r} is not supported")
    return strides, pads, dil


def reshape_target(conv, shape, in_shape, allowzero=0):
    """Resolve an ONNX Reshape target (0 copies a dimension, -1 is inferred)."""
    shape = [int(d) for d in np.asarray(shape).reshape(-1)]
    size = int(np.prod(in_shape))
    out = []
    for i, d in enumerate(shape):
        if d == 0 and not allowzero:
            if i >= len(in_shape):
                conv.fail(f"reshape target {shape} copies dimension {i} of {list(in_shape)}")
            out.append(in_shape[i])
        else:
            out.append(d)
    if out.count(-1) > 1 or any(d < -1 or d == 0 for d in out):
        conv.fail(f"reshape target {shape} is not valid for input {list(in_shape)}")
    if -1 in out:
        rest = int(np.prod([d for d in out if d != -1]))
        if rest == 0 or size % rest:
            conv.fail(f"cannot reshape {list(in_shape)} to {shape}")
        out[out.index(-1)] = size // rest
    if int(np.prod(out)) != size:
        conv.fail(f"cannot reshape {list(in_shape)} to {shape}")
    return tuple(out)
