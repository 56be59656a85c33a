"""Run a model with its CIM-eligible layers on the CIM's golden model (``docs/cim.md``).

A layer goes to the CIM when it is a conv2d (groups 1, dilation 1, kernel at most 7x7,
stride 1 or 2) or a dense layer whose weights are all in {-1, 0, +1}; every other node runs on
the ordinary golden functions. The "compiler" part (`plan_cim`) picks per layer the DAC shift
``s_in`` and the ADC gain ``s_adc`` from calibration inputs and folds them into the bias and
the requantization multiplier, as ``docs/numerics.md`` specifies.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np

from ...golden import integer_params, run_graph, run_node, ternarize
from ...golden.cim import cim_column_sums, cim_conv2d, cim_dense
from ...golden.cim_noise import apply_faults
from ...golden.requant import quantize_multiplier, round_rne, rshift_rne
from ...ir import QuantParams

__all__ = ["CimPlan", "cim_layers", "cim_node", "plan_cim", "run_graph_cim",
           "ternarize_hidden"]

_SATURATED = 0.01      # at most this fraction of DAC inputs or ADC codes may clip


@dataclasses.dataclass(frozen=True)
class CimPlan:
    """Integers of one CIM layer: shifts, bias in ADC units, per-channel multiplier/shift."""

    input_shift: int
    adc_shift: int
    bias: np.ndarray
    multiplier: np.ndarray
    shift: np.ndarray


def _weights(graph, node):
    t = graph.tensors[node.inputs[1]]
    return t.data if t.is_const else None


def cim_layers(graph) -> list[str]:
    """Names of the nodes that run on the CIM (ternary conv2d with groups 1, or dense)."""
    names = []
    for node in graph.nodes:
        w = _weights(graph, node) if node.op in ("conv2d", "dense") else None
        if w is None or not np.isin(w, (-1, 0, 1)).all():
            continue
        a = node.attrs
        if node.op == "conv2d" and (
                a["groups"] != 1 or tuple(a["dilations"]) != (1, 1) or max(w.shape[2:]) > 7
                or tuple(a["strides"]) not in ((1, 1), (2, 2)) or max(a["pads"]) > 7):
            continue
        names.append(node.name)
    return names


def _as4d(node, x, w):
    return (x[:, :, None, None], w[:, :, None, None]) if node.op == "dense" else (x, w)


def plan_cim(graph, calibration, *, rows: int) -> dict[str, CimPlan]:
    """Pick ``s_in`` and ``s_adc`` per CIM layer (the smallest shifts that clip at most 1% of
    the calibration values) and derive the layer's integers.

    ``calibration`` is a batch (B, ...) of inputs, each run alone (the graph's batch is 1)."""
    runs = [run_graph(graph, x[None], keep=True) for x in np.asarray(calibration)]
    values = {name: np.concatenate([r[name] for r in runs]) for name in runs[0]}
    plans = {}
    for node in graph.nodes:
        if node.name not in cim_layers(graph):
            continue
        p = integer_params(graph, node)
        x, w = _as4d(node, values[node.inputs[0]], _weights(graph, node))
        d = x.astype(np.int64) - p["x_zero_point"]
        s_in = next((s for s in (0, 1, 2) if np.mean(np.abs(rshift_rne(d, s) + 0.5) > 64)
                     <= _SATURATED), 2)
        conv = {} if node.op == "dense" else dict(strides=p["strides"], pads=p["pads"])
        sums = np.concatenate([c.reshape(-1) for c in cim_column_sums(
            x, w, x_zero_point=p["x_zero_point"], input_shift=s_in, rows=rows, **conv)])
        s_adc = next((s for s in range(16) if np.mean((rshift_rne(sums, s) < -32)
                                                      | (rshift_rne(sums, s) > 31))
                      <= _SATURATED), 15)
        xq, wq = graph.tensors[node.inputs[0]].quant, graph.tensors[node.inputs[1]].quant
        yq = graph.tensors[node.outputs[0]].quant
        k = w.shape[0]
        w_scale = np.broadcast_to(wq.scale.astype(np.float64), (k,))
        real = (np.float64(xq.scale) * 2.0 ** s_in * w_scale * 2.0 ** s_adc
                / np.float64(yq.scale))
        m, n = quantize_multiplier(real)
        bias = (graph.tensors[node.inputs[2]].data if len(node.inputs) > 2
                else np.zeros(k, dtype=np.int64))
        plans[node.name] = CimPlan(s_in, s_adc,
                                   round_rne(np.asarray(bias, np.float64) / 2 ** (s_in + s_adc)),
                                   np.asarray(m, np.int64), np.asarray(n, np.int64))
    return plans


def cim_node(graph, node, args, plan: CimPlan, *, rows: int, cols: int, noise_scale: int = 0,
             seed: int = 0, adc_offset: int = 0, faults=None):
    """One conv2d or dense node on the CIM's golden model with the integers of ``plan``;
    ``seed`` is the layer's (each descriptor's derives from it, as the encoder's)."""
    p = integer_params(graph, node)
    kw = dict(x_zero_point=p["x_zero_point"], input_shift=plan.input_shift,
              adc_shift=plan.adc_shift, multiplier=plan.multiplier, shift=plan.shift,
              y_zero_point=p["y_zero_point"], y_min=p["y_min"], y_max=p["y_max"],
              rows=rows, cols=cols, noise_scale=noise_scale, seed=seed & 0xFFFFFFFF,
              adc_offset=adc_offset)
    w = args[1]
    if faults is not None:
        w4 = apply_faults(w[:, :, None, None] if node.op == "dense" else w, *faults)
        w = w4[:, :, 0, 0] if node.op == "dense" else w4
    if node.op == "dense":
        return cim_dense(args[0], w, plan.bias, **kw)
    return cim_conv2d(args[0], w, plan.bias, strides=p["strides"], pads=p["pads"], **kw)


def run_graph_cim(graph, feeds, plans, *, rows: int, cols: int, noise_scale: int = 0,
                  seed: int = 0, adc_offset: int = 0, faults=None):
    """`hetsoc.golden.run_graph` with the planned layers on the CIM golden model; layer ``i``
    (in node order) is seeded with ``seed * 1000003 + i`` (mod 2**32). ``faults``: the
    ``(stuck, value)`` of `golden.cim_noise.fault_map(rows, cols, ...)`, one array for all
    layers."""
    if not isinstance(feeds, dict):
        feeds = {graph.inputs[0]: feeds}
    values = dict(feeds)
    for name, t in graph.tensors.items():
        if t.is_const:
            values[name] = t.data
    for index, node in enumerate(graph.nodes):
        args = [values[n] for n in node.inputs]
        plan = plans.get(node.name)
        if plan is None:
            values[node.outputs[0]] = run_node(graph, node, args)
            continue
        values[node.outputs[0]] = cim_node(
            graph, node, args, plan, rows=rows, cols=cols, noise_scale=noise_scale,
            seed=seed * 1000003 + index, adc_offset=adc_offset, faults=faults)
    return {name: values[name] for name in graph.outputs}


def ternarize_hidden(graph):
    """A copy of ``graph`` whose hidden weight layers (conv2d with groups 1 and dense, not the
    first or the last) have TWN-ternarized weights, as HTVM's ``mixed`` strategy places them;
    scales and biases follow (``w_scale' = w_scale * s``, ``bias' = round(bias / s)``)."""
    layers = [n for n in graph.nodes if n.op in ("conv2d", "dense")
              and (n.op == "dense" or n.attrs["groups"] == 1)]
    tensors = dict(graph.tensors)
    for node in layers[1:-1]:
        wt = tensors[node.inputs[1]]
        t, s = ternarize(wt.data.astype(np.float64))
        k = t.shape[0]
        old = np.broadcast_to(wt.quant.scale.astype(np.float64), (k,))
        new_scale = (old * s).astype(np.float32)
        tensors[wt.name] = dataclasses.replace(
            wt, data=t, quant=QuantParams(new_scale, np.zeros(k, dtype=wt.quant.zero_point.dtype),
                                          axis=0))
        if len(node.inputs) > 2:
            bt = tensors[node.inputs[2]]
            xs = np.float64(tensors[node.inputs[0]].quant.scale)
            tensors[bt.name] = dataclasses.replace(
                bt, data=round_rne(bt.data / s).astype(bt.data.dtype),
                quant=QuantParams((xs * new_scale).astype(np.float32),
                                  np.zeros(k, dtype=np.int32), axis=0))
    out = copy.copy(graph)
    out.tensors = tensors
    return out
