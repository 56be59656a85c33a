"""Per-layer figures of QDQ models: MACs and parameters, and how calibration uses int8.

A layer whose int8 output is almost all zero or almost all saturated proves nothing when two
executors agree on it, so every zoo model is checked with :func:`calibration_report`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper, shape_inference

__all__ = ["LayerCost", "LayerStats", "calibration_report", "layer_costs"]


@dataclass(frozen=True)
class LayerCost:
    """MACs and parameters of one weighted layer (conv or dense).

    ``params`` counts weights and biases (batch norm is folded).
    """

    name: str
    op: str
    output_shape: tuple[int, ...]
    macs: int
    params: int
    ternary: bool


@dataclass(frozen=True)
class LayerStats:
    """How one quantized activation tensor uses the int8 range on a set of inputs.

    Attributes
    ----------
    name : str
        The node producing the tensor (after the quantizer removed ReLUs: the conv/dense/add).
    op : str
        Its op type.
    scale, zero_point : float, int
        The tensor's quantization.
    zero_fraction : float
        Fraction of outputs equal to the zero point (real zero, including ReLU's zeros).
    saturated_fraction : float
        Fraction at an end of [-128, 127] that is not real zero (clipped by the range).
    std : float
        Standard deviation of ``q - zero_point`` in LSBs (how many levels are in use).
    """

    name: str
    op: str
    scale: float
    zero_point: int
    zero_fraction: float
    saturated_fraction: float
    std: float


def _weight(model: onnx.ModelProto, name: str) -> np.ndarray:
    # Follow a DequantizeLinear back to its initializer (QDQ) or take the initializer (float).
    inits = {i.name: i for i in model.graph.initializer}
    if name in inits:
        return numpy_helper.to_array(inits[name])
    for node in model.graph.node:
        if name in node.output and node.op_type == "DequantizeLinear":
            return numpy_helper.to_array(inits[node.input[0]])
    raise ValueError(f"weight must come from an initializer, not {name!r}")


def layer_costs(model: onnx.ModelProto) -> list[LayerCost]:
    """MACs and parameters of every Conv, Gemm and MatMul of a (float or QDQ) model."""
    inferred = shape_inference.infer_shapes(model)
    shapes = {v.name: tuple(d.dim_value for d in v.type.tensor_type.shape.dim)
              for v in [*inferred.graph.value_info, *inferred.graph.output]}
    out = []
    for node in model.graph.node:
        if node.op_type not in ("Conv", "Gemm", "MatMul"):
            continue
        w = _weight(model, node.input[1])
        bias = _weight(model, node.input[2]).size if len(node.input) > 2 else 0
        shape = shapes[node.output[0]]
        if node.op_type == "Conv":
            # Every output element takes one weight row: C_in/groups * kh * kw MACs.
            macs = int(np.prod(shape)) * int(np.prod(w.shape[1:]))
        else:
            macs = int(np.prod(shape)) * int(w.size // np.prod(shape[1:]))
        ternary = bool(w.dtype == np.int8 and np.abs(w).max() <= 1)
        out.append(LayerCost(node.name, node.op_type, shape, macs, w.size + bias, ternary))
    return out


def calibration_report(model: onnx.ModelProto, inputs: np.ndarray) -> list[LayerStats]:
    """Per-layer use of the int8 range of a QDQ model on ``inputs``.

    Every QuantizeLinear of an activation is one entry (the model input included), in graph
    order. The model runs in onnxruntime with all optimizations off, so each int8 tensor is
    exactly the QuantizeLinear of the float result of the op before it.

    Parameters
    ----------
    model : onnx.ModelProto
        QDQ model with one float input.
    inputs : numpy.ndarray
        Inputs, shape ``(n, *input shape without batch)``; run one at a time.
    """
    inits = {i.name: i for i in model.graph.initializer}
    producers = {o: n for n in model.graph.node for o in n.output}
    quants = [n for n in model.graph.node
              if n.op_type == "QuantizeLinear" and n.input[0] not in inits]
    if not quants:
        raise ValueError("model must be a QDQ model with quantized activations, not float")
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    del probe.graph.output[:]
    for q in quants:
        probe.graph.output.append(helper.make_tensor_value_info(q.output[0],
                                                                onnx.TensorProto.INT8, None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    sess = ort.InferenceSession(probe.SerializeToString(), opts,
                                providers=["CPUExecutionProvider"])
    feed = model.graph.input[0].name
    runs = [sess.run(None, {feed: x[None].astype(np.float32)}) for x in inputs]
    stats = []
    for i, q in enumerate(quants):
        values = np.concatenate([r[i].ravel() for r in runs]).astype(np.int32)
        zp = int(numpy_helper.to_array(inits[q.input[2]]))
        scale = float(numpy_helper.to_array(inits[q.input[1]]))
        ends = [e for e in (-128, 127) if e != zp]
        src = producers.get(q.input[0])
        stats.append(LayerStats(
            name=src.name if src is not None else q.input[0],
            op=src.op_type if src is not None else "Input",
            scale=scale, zero_point=zp,
            zero_fraction=float(np.mean(values == zp)),
            saturated_fraction=float(np.mean(np.isin(values, ends))),
            std=float(np.std(values - zp))))
    return stats
