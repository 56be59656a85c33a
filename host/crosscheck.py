"""Golden executor vs onnxruntime on the same model: fraction identical, largest difference.

Outputs are compared as the int8 values they encode: a float (dequantized) output of a QDQ
model is mapped back with its output scale and zero point, which is exact because onnxruntime
computes it as ``(q - zp) * scale`` in float32. docs/numerics.md explains the differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx

__all__ = ["CrossCheck", "check_input", "crosscheck", "ort_reference", "ort_run", "random_input"]


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


def ort_session(model: onnx.ModelProto, *, fused: bool = False):
    """An onnxruntime CPU session of ``model``.

    ``fused=False`` (the reference) runs the graph as written, with graph optimizations off:
    each QDQ group as DequantizeLinear, the float op, QuantizeLinear (QOperator nodes such as
    QLinearConv run their integer kernels either way). ``fused=True`` lets onnxruntime fuse QDQ
    groups into its integer kernels (QLinearConv, QGemm, QLinearSoftmax, ...). Those are not a
    reference: on x86 CPUs without VNNI they multiply u8 x s8 pairs with VPMADDUBSW, whose
    int16 pair sums saturate, and their results then depend on the CPU (docs/numerics.md).
    """
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if not fused:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(model.SerializeToString(), opts,
                                providers=["CPUExecutionProvider"])


def ort_run(model: onnx.ModelProto, feeds: dict, *, fused: bool = False) -> list[np.ndarray]:
    """Run a model with onnxruntime's CPU provider (see `ort_session` for ``fused``)."""
    return ort_session(model, fused=fused).run(None, feeds)


def ort_reference(model: onnx.ModelProto, feeds: dict) -> list[np.ndarray]:
    """onnxruntime's outputs for the graph as written: each QDQ group evaluated as
    DequantizeLinear, float op, QuantizeLinear (`ort_session` with ``fused=False``).

    Not the fused kernels: QLinearSoftmax multiplies by ``floor(1 / y_scale)`` (254 instead of
    255 for the usual 1/255) and ends several steps away from the value the QDQ graph defines,
    and the integer convolution kernels saturate on x86 without VNNI (docs/numerics.md).
    """
    return ort_run(model, feeds)


def random_input(graph, seed=0, batch=None):
    """A seeded random input as the graph declares it: float32 in [-1, 1) or int8."""
    rng = np.random.default_rng(seed)
    t = graph.tensors[graph.inputs[0]]
    if t.dtype == "float32":
        return rng.uniform(-1, 1, t.shape).astype(np.float32)
    return rng.integers(-128, 128, t.shape, dtype=np.int8)


def check_input(graph, x) -> None:
    """Refuse an input the graph cannot take, before anything is compiled: its dtype and shape
    must be what the graph declares, and a float input must be finite (NaN would quantize to
    an arbitrary int8 and give a confident, meaningless answer).

    Raises
    ------
    ValueError
        One line, with the messages the runtime's own check gives.
    """
    t = graph.tensors[graph.inputs[0]]
    x = np.asarray(x)
    if x.dtype != np.dtype(t.dtype):
        raise ValueError(f"input must be {t.dtype} (as the model declares), not {x.dtype}")
    if x.shape != tuple(t.shape):
        raise ValueError(f"input must have shape {list(t.shape)}, not {list(x.shape)}")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise ValueError("input holds NaN or infinite values: give finite float32 values")


def _as_int(graph, name, y):
    # The golden graph's float outputs come from a dequantize node: recover its int8 input.
    t = graph.tensors[name]
    if t.dtype == "int8":
        return np.asarray(y).astype(np.int64)
    producer = graph.producers()[name]
    q = graph.tensors[producer.inputs[0]].quant
    return np.rint(np.asarray(y, dtype=np.float64) / np.float64(q.scale)).astype(np.int64) \
        + q.zp


def crosscheck(model: onnx.ModelProto, inputs, graph=None, *, fused=False) -> CrossCheck:
    """Run `model` on each input with the golden executor and with onnxruntime; compare.

    Parameters
    ----------
    model : onnx.ModelProto
        A QDQ or QOperator model.
    inputs : iterable of numpy.ndarray
        Inputs as the model declares them (with the batch dimension).
    graph : hetsoc.ir.Graph, optional
        The imported model (imported here if not given).
    fused : bool
        Compare with onnxruntime's fused kernels (``ort_run(fused=True)``: QLinearSoftmax,
        QLinearConv, ...) instead of `ort_reference`; CPU-dependent (docs/numerics.md).
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
        ref = (ort_run(model, {onnx_in: x}, fused=True) if fused
               else ort_reference(model, {onnx_in: x}))
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
