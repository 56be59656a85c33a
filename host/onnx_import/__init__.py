"""ONNX import: QDQ and QOperator int8 models (and float models through PTQ) to the IR.

`import_model(model)` runs the passes of `PASSES`, in order; each takes and returns the state
dict. Every failure is a one-line `ModelError` (a ValueError) naming the node and operator.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx

from ..ir import Graph, IRError
from .convert import SUPPORTED_OPS, Converter
from .load import ModelError, load_onnx, model_kind, quantize_float_model

__all__ = ["PASSES", "SUPPORTED_OPS", "ModelError", "import_model", "load_onnx", "model_kind",
           "quantize_float_model"]


def _check_structure(state):
    """One graph, opsets we understand, every node input defined, nodes in order."""
    model = state["model"]
    g = model.graph
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx") and not 7 <= o.version <= 23:
            raise ModelError(f"opset {o.version} is not supported (7..23)")
    if not any(o.domain in ("", "ai.onnx") for o in model.opset_import):
        raise ModelError("the model imports no ai.onnx opset")
    defined = {i.name for i in g.initializer} | {i.name for i in g.input}
    inputs = [i for i in g.input if i.name not in {t.name for t in g.initializer}]
    if len(inputs) != 1:
        raise ModelError(f"the model has {len(inputs)} inputs; one is supported")
    if not g.output:
        raise ModelError("the model has no outputs")
    for node in g.node:
        for name in node.input:
            if name and name not in defined:
                producers = {o for n in g.node for o in n.output}
                what = "is computed later (nodes not in topological order)" \
                    if name in producers else "is not defined (missing initializer?)"
                raise ModelError(f"node {node.name or '(unnamed)'!r} ({node.op_type}): input "
                                 f"{name!r} {what}")
        defined.update(o for o in node.output if o)
    return state


def _quantize_if_float(state):
    """Float models go through onnxruntime's post-training quantization (needs data)."""
    kind = model_kind(state["model"])
    state["kind"] = kind
    if kind == "float":
        if state["calibration"] is None:
            raise ModelError("the model is float (no QuantizeLinear/DequantizeLinear or "
                             "QLinear ops): give calibration data to quantize it")
        state["model"] = quantize_float_model(state["model"], state["calibration"])
        state["kind"] = "qdq"
    return state


def _convert(state):
    """Node-by-node conversion; ReLU/Clip fold into the producer's clamp on the way."""
    state["graph"] = Converter(state["model"], state["name"]).convert()
    return state


def _remove_dead(state):
    """Drop nodes and constants that no output depends on (e.g. unused Q/DQ branches)."""
    g: Graph = state["graph"]
    live = set(g.outputs)
    keep = []
    for node in reversed(g.nodes):
        if node.outputs[0] in live:
            keep.append(node)
            live.update(node.inputs)
    g.nodes = keep[::-1]
    g.tensors = {n: t for n, t in g.tensors.items() if n in live or n in g.inputs}
    return state


def _validate(state):
    """The IR validator: types, quantization, shapes."""
    try:
        state["graph"].validate()
    except IRError as e:
        raise ModelError(str(e)) from None
    return state


#: The import, in order.
PASSES = (_check_structure, _quantize_if_float, _convert, _remove_dead, _validate)


def import_model(model, *, calibration=None, name=None) -> Graph:
    """Import an ONNX model into a validated IR graph.

    Parameters
    ----------
    model : onnx.ModelProto, str or pathlib.Path
        A QDQ or QOperator int8 model, or a float model (then `calibration` is required).
    calibration : numpy.ndarray, optional
        Float calibration inputs ``(B, *input_shape[1:])`` for a float model.
    name : str, optional
        Graph name (default: the ONNX graph's name, or the file's stem).

    Returns
    -------
    hetsoc.ir.Graph
    """
    if isinstance(model, str | Path):
        path = Path(model)
        model = load_onnx(path)
        name = name or model.graph.name or path.stem
    elif not isinstance(model, onnx.ModelProto):
        raise TypeError(f"model must be an onnx.ModelProto or a path, not {model!r}")
    if calibration is not None:
        calibration = np.asarray(calibration)
    state = {"model": model, "calibration": calibration, "name": name or model.graph.name
             or "model"}
    for p in PASSES:
        state = p(state)
    return state["graph"]
