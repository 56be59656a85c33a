"""legalize: the IR graph as layers the SoC runs, with the model boundary on the host.

- QuantizeLinear on the model input and DequantizeLinear on its output run on the host with
  the model's own parameters (the SoC has no floating point, docs/numerics.md): the network
  the SoC runs takes and returns int8 (`Boundary`).
- A clip after a conv2d, dense or add with the same quantization, on a tensor nothing else
  reads, is folded into that op's clamp (ReLU, ReLU6), so it costs nothing.
- A reshape that keeps its quantization is an alias: no code, its output is its input's bytes
  (every tensor is stored contiguously, so a reshape does not move anything).
- Layouts: activations are stored NCHW (NC for 2-D), which every unit of the ``cpu`` and
  ``npu`` strategies reads; the plan records each tensor's layout.
"""

from __future__ import annotations

import dataclasses

from ..golden import integer_params
from ..ir import Graph, Node
from .plan import Boundary, CompileError, Layer, Plan

__all__ = ["legalize"]

_CLAMPED = ("conv2d", "dense", "add")


def _copy_graph(graph: Graph) -> Graph:
    """A graph whose node list and nodes may be changed without touching `graph` (tensors,
    constant data included, are shared and never modified)."""
    g = Graph(graph.name)
    g.tensors = dict(graph.tensors)
    g.nodes = [Node(n.name, n.op, n.inputs, n.outputs, dict(n.attrs)) for n in graph.nodes]
    g.inputs, g.outputs = list(graph.inputs), list(graph.outputs)
    return g


def _boundary(graph: Graph) -> Boundary:
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise CompileError(f"model {graph.name!r} has {len(graph.inputs)} inputs and "
                           f"{len(graph.outputs)} outputs; the compiler takes one of each")
    model_in, model_out = graph.inputs[0], graph.outputs[0]
    readers = graph.consumers(model_in)
    quantize = graph.tensors[model_in].dtype == "float32"
    if quantize:
        if len(readers) != 1 or readers[0].op != "quantize":
            raise CompileError(f"the float input {model_in!r} must feed one QuantizeLinear, "
                               f"the only float op the host runs before the network")
        net_in = readers[0].outputs[0]
    else:
        net_in = model_in
    producer = graph.producers().get(model_out)
    dequantize = graph.tensors[model_out].dtype == "float32"
    if dequantize:
        if producer is None or producer.op != "dequantize":
            raise CompileError(f"the float output {model_out!r} must come from one "
                               f"DequantizeLinear, the only float op the host runs after it")
        net_out = producer.inputs[0]
    else:
        net_out = model_out
    return Boundary(net_in, net_out, model_in, model_out, quantize, dequantize)


def _fold_clips(graph: Graph) -> None:
    """Fold clips into their producer's clamp (in place on a copied graph)."""
    producers = graph.producers()
    keep = []
    for node in graph.nodes:
        src = producers.get(node.inputs[0]) if node.op == "clip" else None
        if (src is not None and src.op in _CLAMPED and integer_params(graph, node) == {}
                and len(graph.consumers(node.inputs[0])) == 1
                and node.inputs[0] not in graph.outputs):
            src.attrs["y_min"] = max(src.attrs["y_min"], node.attrs["y_min"])
            src.attrs["y_max"] = min(src.attrs["y_max"], node.attrs["y_max"])
            if src.attrs["y_min"] > src.attrs["y_max"]:  # an empty range clamps to one value
                src.attrs["y_max"] = src.attrs["y_min"]
            src.outputs = (node.outputs[0],)
            producers[node.outputs[0]] = src
            continue
        keep.append(node)
    graph.nodes = keep


def legalize(plan: Plan) -> Plan:
    """Boundary ops to the host, clips folded, reshapes aliased, layouts chosen."""
    graph = _copy_graph(plan.graph)
    boundary = _boundary(graph)
    _fold_clips(graph)
    layers = []
    for node in graph.nodes:
        if node.op == "quantize" and node.outputs[0] == boundary.input and boundary.quantize:
            continue
        if node.op == "dequantize" and node.inputs[0] == boundary.output \
                and boundary.dequantize:
            continue
        if node.op in ("quantize", "dequantize"):
            raise CompileError(f"layer {node.name!r} ({node.op}) converts to or from float "
                               f"inside the network; the SoC computes in int8 only")
        alias = node.op == "reshape" and integer_params(graph, node) == {}
        layers.append(Layer(len(layers), node.name, node.op, node.inputs, node.outputs[0],
                            alias=alias))
    if not layers:
        raise CompileError(f"model {graph.name!r} has no layer to run on the SoC")
    layouts = {}
    for layer in layers:
        for name in (*layer.inputs, layer.output):
            t = graph.tensors[name]
            if not t.is_const:
                layouts[name] = {4: "NCHW", 2: "NC"}.get(len(t.shape), "contiguous")
    return dataclasses.replace(plan, graph=graph, boundary=boundary, layers=tuple(layers),
                               layouts=layouts)
