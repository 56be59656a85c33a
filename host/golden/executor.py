"""Run an IR graph with the golden functions, node by node."""

from __future__ import annotations

import numpy as np

from ..ir import IRError
from . import ops
from .lower import integer_params
from .requant import clip, dequantize_linear, quantize_linear, rescale

__all__ = ["run_graph", "run_node"]


def _maybe_rescale(x, p):
    return rescale(x, **p) if p else x


def run_node(graph, node, args):
    """Run one node of ``graph`` on the golden functions.

    Parameters
    ----------
    graph : hetsoc.ir.Graph
        The graph holding ``node`` (its tensors give the quantization parameters).
    node : hetsoc.ir.Node
    args : list of numpy.ndarray
        The values of ``node.inputs``, in order.

    Returns
    -------
    numpy.ndarray
        The value of the node's output.
    """
    p = integer_params(graph, node)
    op, a = node.op, node.attrs
    if op == "quantize":
        return quantize_linear(args[0], p["scale"], p["zero_point"])
    if op == "dequantize":
        return dequantize_linear(args[0], p["scale"], p["zero_point"])
    if op == "conv2d":
        return ops.conv2d(args[0], args[1], args[2] if len(args) > 2 else None, **p)
    if op == "dense":
        return ops.dense(args[0], args[1], args[2] if len(args) > 2 else None, **p)
    if op == "add":
        return ops.add(args[0], args[1], **p)
    if op == "maxpool":
        y = ops.maxpool(args[0], kernel=a["kernel"], strides=a["strides"], pads=a["pads"],
                        dilations=a["dilations"])
        return _maybe_rescale(y, p)
    if op == "avgpool":
        return ops.avgpool(args[0], **p)
    if op == "global_avgpool":
        return ops.global_avgpool(args[0], **p)
    if op == "reshape":
        return _maybe_rescale(args[0].reshape(a["shape"]), p)
    if op == "concat":
        return ops.concat(args, **p)
    if op == "clip":
        return clip(_maybe_rescale(args[0], p), y_min=a["y_min"], y_max=a["y_max"])
    if op == "softmax":
        return ops.softmax(args[0], **p)
    raise IRError(f"node {node.name!r}: no golden function for operator {op!r}")


def run_graph(graph, feeds, *, keep=False):
    """Execute a validated graph.

    Parameters
    ----------
    graph : hetsoc.ir.Graph
    feeds : dict of str to numpy.ndarray, or one array for a single-input graph
        Inputs with the dtype and shape the graph declares.
    keep : bool
        Return every intermediate tensor, not only the outputs.

    Returns
    -------
    dict of str to numpy.ndarray
    """
    if not isinstance(feeds, dict):
        if len(graph.inputs) != 1:
            raise ValueError(f"feeds must be a dict for a graph with {len(graph.inputs)} inputs")
        feeds = {graph.inputs[0]: feeds}
    values = {}
    for name in graph.inputs:
        t = graph.tensors[name]
        if name not in feeds:
            raise ValueError(f"no value for input {name!r}")
        x = np.asarray(feeds[name])
        if x.dtype != np.dtype(t.dtype):
            raise ValueError(f"input {name!r} must be {t.dtype}, not {x.dtype}")
        if x.shape != t.shape:
            raise ValueError(f"input {name!r} must have shape {list(t.shape)}, "
                             f"not {list(x.shape)}")
        values[name] = x
    extra = set(feeds) - set(graph.inputs)
    if extra:
        raise ValueError(f"unknown input(s): {', '.join(sorted(extra))}")
    for name, t in graph.tensors.items():
        if t.is_const:
            values[name] = t.data
    for node in graph.nodes:
        args = [values[n] for n in node.inputs]
        values[node.outputs[0]] = run_node(graph, node, args)
    if keep:
        return values
    return {name: values[name] for name in graph.outputs}
