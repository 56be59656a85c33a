"""Integer parameters of an IR node: the real scales turned into multipliers and shifts once.

`integer_params(graph, node)` returns exactly the keyword arguments of the node's golden
function (`hetsoc.golden.ops`), so the executor, the compiler and the hardware tests all feed
the same integers to the same functions.
"""

from __future__ import annotations

import numpy as np

from ..ir import IRError
from .ops import softmax_table
from .requant import add_multipliers, quantize_multiplier

__all__ = ["integer_params"]


def _ratio(node, real):
    try:
        return quantize_multiplier(real)
    except ValueError as e:
        raise IRError(f"node {node.name!r} ({node.op}): {e}") from None


def _rescale_params(node, xq, yq):
    m, n = _ratio(node, np.float64(xq.scale) / np.float64(yq.scale))
    return {"x_zero_point": xq.zp, "multiplier": int(m), "shift": int(n),
            "y_zero_point": yq.zp}


def integer_params(graph, node):
    """Keyword arguments (ints and integer arrays) of the golden function for `node`."""
    ins = [graph.tensors[n] for n in node.inputs]
    out = graph.tensors[node.outputs[0]]
    a, op = node.attrs, node.op
    yq = out.quant
    if op in ("conv2d", "dense"):
        xq, wq = ins[0].quant, ins[1].quant
        channels = ins[1].shape[0]
        w_scale = np.broadcast_to(wq.scale.astype(np.float64), (channels,))
        m, n = _ratio(node, np.float64(xq.scale) * w_scale / np.float64(yq.scale))
        p = {"x_zero_point": xq.zp, "multiplier": m, "shift": n, "y_zero_point": yq.zp,
             "y_min": a["y_min"], "y_max": a["y_max"]}
        if op == "conv2d":
            p.update(strides=tuple(a["strides"]), pads=tuple(a["pads"]), groups=a["groups"],
                     dilations=tuple(a["dilations"]))
        return p
    if op == "add":
        aq, bq = ins[0].quant, ins[1].quant
        try:
            ma, mb, n = add_multipliers(np.float64(aq.scale) / np.float64(yq.scale),
                                        np.float64(bq.scale) / np.float64(yq.scale))
        except ValueError as e:
            raise IRError(f"node {node.name!r} (add): {e}") from None
        return {"a_zero_point": aq.zp, "b_zero_point": bq.zp, "a_multiplier": ma,
                "b_multiplier": mb, "shift": n, "y_zero_point": yq.zp,
                "y_min": a["y_min"], "y_max": a["y_max"]}
    if op == "avgpool":
        xq = ins[0].quant
        m, n = _ratio(node, np.float64(xq.scale) / np.float64(yq.scale))
        return {"x_zero_point": xq.zp, "kernel": tuple(a["kernel"]), "multiplier": int(m),
                "shift": int(n), "y_zero_point": yq.zp, "strides": tuple(a["strides"]),
                "pads": tuple(a["pads"]), "count_include_pad": bool(a["count_include_pad"])}
    if op == "global_avgpool":
        xq = ins[0].quant
        m, n = _ratio(node, np.float64(xq.scale) / np.float64(yq.scale))
        return {"x_zero_point": xq.zp, "multiplier": int(m), "shift": int(n),
                "y_zero_point": yq.zp}
    if op == "concat":
        ps = [_rescale_params(node, t.quant, yq) for t in ins]
        return {"axis": a["axis"], "x_zero_points": [p["x_zero_point"] for p in ps],
                "multipliers": [p["multiplier"] for p in ps],
                "shifts": [p["shift"] for p in ps], "y_zero_point": yq.zp}
    if op == "softmax":
        m, n = _ratio(node, 1.0 / np.float64(yq.scale))
        return {"table": softmax_table(np.float64(ins[0].quant.scale)), "multiplier": int(m),
                "shift": int(n), "y_zero_point": yq.zp, "axis": a["axis"]}
    if op in ("maxpool", "reshape", "clip"):
        # Requantization only when the output's parameters differ from the input's.
        if ins[0].quant.same_as(yq):
            return {}
        return _rescale_params(node, ins[0].quant, yq)
    if op in ("quantize", "dequantize"):
        q = out.quant if op == "quantize" else ins[0].quant
        return {"scale": np.float32(q.scale), "zero_point": q.zp}
    raise IRError(f"node {node.name!r}: no golden function for operator {op!r}")
