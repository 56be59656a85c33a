"""Per-layer summary of a graph: shapes, MACs, parameters, quantization (`hetsoc inspect`)."""

from __future__ import annotations

from dataclasses import dataclass

from .ops import macs

__all__ = ["LayerInfo", "layer_table", "summarize"]


@dataclass(frozen=True)
class LayerInfo:
    """One node as `hetsoc inspect` shows it."""

    name: str
    op: str
    input_shapes: tuple
    output_shape: tuple
    macs: int
    params: int
    weight_quant: str
    output_quant: str
    detail: str


def _detail(node, graph):
    a = node.attrs
    if node.op == "conv2d":
        w = graph.tensors[node.inputs[1]]
        kind = "depthwise " if a["groups"] > 1 and a["groups"] == w.shape[0] else ""
        g = f" groups={a['groups']}" if a["groups"] > 1 and not kind else ""
        return (f"{kind}{w.shape[2]}x{w.shape[3]} stride {a['strides'][0]}x{a['strides'][1]} "
                f"pads {list(a['pads'])}{g} clamp [{a['y_min']}, {a['y_max']}]")
    if node.op in ("dense", "add", "clip"):
        return f"clamp [{a['y_min']}, {a['y_max']}]"
    if node.op in ("maxpool", "avgpool"):
        return (f"{a['kernel'][0]}x{a['kernel'][1]} stride {a['strides'][0]}x{a['strides'][1]} "
                f"pads {list(a['pads'])}")
    if node.op in ("concat", "softmax"):
        return f"axis {a['axis']}"
    return ""


def summarize(graph):
    """LayerInfo for every node of a validated graph, in execution order."""
    rows = []
    for node in graph.nodes:
        ins = [graph.tensors[n] for n in node.inputs]
        out = graph.tensors[node.outputs[0]]
        consts = [t for t in ins if t.is_const]
        wq = next((t.quant.describe() for t in consts if t.quant is not None), "")
        rows.append(LayerInfo(
            name=node.name, op=node.op,
            input_shapes=tuple(t.shape for t in ins if not t.is_const),
            output_shape=out.shape, macs=macs(node, [t.shape for t in ins], out.shape),
            params=sum(t.size for t in consts), weight_quant=wq,
            output_quant=out.quant.describe() if out.quant is not None else out.dtype,
            detail=_detail(node, graph)))
    return rows


def layer_table(graph):
    """The text `hetsoc inspect` prints: one line per layer, then totals."""
    rows = summarize(graph)
    lines = [f"model {graph.name}: inputs " + ", ".join(
        f"{n} {graph.tensors[n].dtype}{list(graph.tensors[n].shape)}" for n in graph.inputs)
        + "; outputs " + ", ".join(
        f"{n} {graph.tensors[n].dtype}{list(graph.tensors[n].shape)}" for n in graph.outputs)]
    header = f"{'#':>3} {'layer':<28} {'op':<14} {'output':<18} {'MACs':>11} {'params':>8}  " \
             "quantization"
    lines += [header, "-" * len(header)]
    for i, r in enumerate(rows):
        quant = r.output_quant + (f"; weights {r.weight_quant}" if r.weight_quant else "")
        detail = f" ({r.detail})" if r.detail else ""
        lines.append(f"{i:>3} {r.name[:28]:<28} {r.op:<14} {str(list(r.output_shape)):<18} "
                     f"{r.macs:>11,} {r.params:>8,}  {quant}{detail}")
    total_macs = sum(r.macs for r in rows)
    total_params = sum(r.params for r in rows)
    lines.append(f"total: {len(rows)} layers, {total_macs:,} MACs, {total_params:,} parameters")
    return "\n".join(lines)
