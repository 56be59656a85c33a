"""Golden executor vs onnxruntime on the same model: fraction identical, largest difference.

Outputs are compared as the int8 values they encode: a float (dequantized) output of a QDQ
model is mapped back with its output scale and zero point, which is exact because onnxruntime
computes it as ``(q - zp) * scale`` in float32. docs/numerics.md explains the differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx

__all__ = ["CrossCheck", "crosscheck", "ort_reference", "ort_run", "random_input"]


@dataclass(frozen=True)
class CrossCheck:
    """Result of `crosscheck`: counts over every output element of every input."""

    total: int
    identical: int
    max_diff: int
    histogram: dict   # |difference| -> count

    @property
    def fraction_identical(self) -> float:
        return self.identical / self.total if self.total else 1.0

    def line(self) -> str:
        return (f"{self.identical}/{self.total} identical ({100 * self.fraction_identical:.3f}%),"
                f" max |diff| {self.max_diff}, histogram {self.histogram}")


def ort_run(model: onnx.ModelProto, feeds: dict) -> list[np.ndarray]:
    """Run a model with onnxruntime's CPU provider and default (full) graph optimizations."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), opts,
                                providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def _softmax_tails(model):
    # QDQ groups "DQ(q_in) -> Softmax -> Q -> DQ -> graph output": (q_in, Q node, output name).
    nodes = model.graph.node
    prod = {o: n for n in nodes for o in n.output}
    outs = {o.name for o in model.graph.output}
    tails = []
    for n in nodes:
        if n.op_type != "Softmax":
            continue
        dq_in = prod.get(n.input[0])
        q = next((m for m in nodes if m.op_type == "QuantizeLinear" and m.input[0] == n.output[0]),
                 None)
        dq = q and next((m for m in nodes if m.op_type == "DequantizeLinear"
                         and m.input[0] == q.output[0] and m.output[0] in outs), None)
        if dq_in is not None and dq_in.op_type == "DequantizeLinear" and dq is not None:
            tails.append((dq_in, n, q, dq.output[0]))
    return tails


def ort_reference(model: onnx.ModelProto, feeds: dict) -> list[np.ndarray]:
    """onnxruntime's outputs, with a final QDQ Softmax evaluated by its float Softmax kernel.

    onnxruntime fuses DQ-Softmax-Q into QLinearSoftmax, which multiplies by
    ``floor(1 / y_scale)`` (254 instead of 255 for the usual 1/255) over a float table and
    ends up several steps away from the value the QDQ graph defines (docs/numerics.md). Here
    the int8 softmax input comes from the fused model, and the softmax itself from
    onnxruntime's float Softmax between DequantizeLinear and QuantizeLinear, as the graph says.
    """
    from onnx import helper, numpy_helper

    tails = _softmax_tails(model)
    if not tails:
        return ort_run(model, feeds)
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for dq_in, _, _, _ in tails:
        m.graph.output.append(helper.make_tensor_value_info(dq_in.input[0],
                                                            onnx.TensorProto.INT8, None))
    names = [o.name for o in m.graph.output]
    got = dict(zip(names, ort_run(m, feeds), strict=True))
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for dq_in, sm, q, out in tails:
        xs, xz = inits[dq_in.input[1]], inits[dq_in.input[2]]
        ys, yz = inits[q.input[1]], inits[q.input[2]]
        tail = helper.make_graph(
            [helper.make_node("DequantizeLinear", ["q", "xs", "xz"], ["f"]),
             helper.make_node("Softmax", ["f"], ["p"], axis=_axis(sm)),
             helper.make_node("Cast", ["p"], ["y"], to=onnx.TensorProto.FLOAT)],
            "tail", [helper.make_tensor_value_info("q", onnx.TensorProto.INT8, None)],
            [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
            [numpy_helper.from_array(xs, "xs"), numpy_helper.from_array(xz, "xz")])
        tm = helper.make_model(tail, opset_imports=model.opset_import, ir_version=model.ir_version)
        p = ort_run(tm, {"q": got[dq_in.input[0]]})[0]
        from .golden import dequantize_linear, quantize_linear

        got[out] = dequantize_linear(quantize_linear(p, ys, int(yz)), ys, int(yz))
    return [got[o.name] for o in model.graph.output]


def _axis(node):
    return next((a.i for a in node.attribute if a.name == "axis"), -1)


def random_input(graph, seed=0, batch=None):
    """A seeded random input as the graph declares it: float32 in [-1, 1) or int8."""
    rng = np.random.default_rng(seed)
    t = graph.tensors[graph.inputs[0]]
    if t.dtype == "float32":
        return rng.uniform(-1, 1, t.shape).astype(np.float32)
    return rng.integers(-128, 128, t.shape, dtype=np.int8)


def _as_int(graph, name, y):
    # The golden graph's float outputs come from a dequantize node: recover its int8 input.
    t = graph.tensors[name]
    if t.dtype == "int8":
        return np.asarray(y).astype(np.int64)
    producer = graph.producers()[name]
    q = graph.tensors[producer.inputs[0]].quant
    return np.rint(np.asarray(y, dtype=np.float64) / np.float64(q.scale)).astype(np.int64) \
        + q.zp


def crosscheck(model: onnx.ModelProto, inputs, graph=None, *, fused_softmax=False) -> CrossCheck:
    """Run `model` on each input with the golden executor and with onnxruntime; compare.

    Parameters
    ----------
    model : onnx.ModelProto
        A QDQ or QOperator model.
    inputs : iterable of numpy.ndarray
        Inputs as the model declares them (with the batch dimension).
    graph : hetsoc.ir.Graph, optional
        The imported model (imported here if not given).
    fused_softmax : bool
        Compare a final softmax with onnxruntime's QLinearSoftmax instead of
        `ort_reference`'s float Softmax (expect differences of several steps).
    """
    from .golden import run_graph
    from .onnx_import import import_model

    graph = graph or import_model(model)
    onnx_in = [i.name for i in model.graph.input
               if i.name not in {t.name for t in model.graph.initializer}][0]
    total = identical = max_diff = 0
    hist: dict[int, int] = {}
    for x in inputs:
        gold = run_graph(graph, {graph.inputs[0]: x})
        ref = (ort_run if fused_softmax else ort_reference)(model, {onnx_in: x})
        for name, r in zip(graph.outputs, ref, strict=True):
            a = _as_int(graph, name, gold[name])
            b = _as_int(graph, name, r)
            d = np.abs(a - b).reshape(-1)
            total += d.size
            identical += int((d == 0).sum())
            max_diff = max(max_diff, int(d.max(initial=0)))
            for v, k in zip(*np.unique(d, return_counts=True), strict=True):
                hist[int(v)] = hist.get(int(v), 0) + int(k)
    return CrossCheck(total, identical, max_diff, dict(sorted(hist.items())))
