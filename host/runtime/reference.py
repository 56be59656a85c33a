"""The golden reference of a compiled network, following its dispatch.

Every layer is computed with the arithmetic of the unit it was dispatched to. The CPU kernels
and the NPU both compute `hetsoc.golden`'s integer functions bit for bit (docs/numerics.md), so
for those layers the reference is the golden executor itself; a unit with arithmetic of its own
(the CIM: 7-bit DAC inputs, a 6-bit ADC per column) gives its target a ``golden(graph, node,
args)`` method, its numpy model with the integers the compiler chose for the layer, and every
layer dispatched to it is computed by that.
"""

from __future__ import annotations

import numpy as np

from ..compiler.targets import plan_targets
from ..golden import dequantize_linear, quantize_linear, run_node
from ..golden.lower import integer_params

__all__ = ["GOLDEN_BY_UNIT", "host_quantize", "host_dequantize", "reference"]

#: The reference function of each unit: ``f(graph, node, args) -> output``.
GOLDEN_BY_UNIT = {"cpu": run_node, "npu": run_node}


def host_quantize(plan, x) -> np.ndarray:
    """The model's input as the SoC receives it: QuantizeLinear on the host, or the int8 input
    itself for an integer model."""
    b = plan.boundary
    t = plan.graph.tensors[b.model_input]
    x = np.asarray(x)
    if x.dtype != np.dtype(t.dtype):
        raise ValueError(f"input must be {t.dtype} (as the model declares), not {x.dtype}")
    if x.shape != t.shape:
        raise ValueError(f"input must have shape {list(t.shape)}, not {list(x.shape)}")
    if not b.quantize:
        return x
    if not np.isfinite(x).all():
        raise ValueError("input holds NaN or infinite values: give finite float32 values")
    node = plan.graph.consumers(b.model_input)[0]
    p = integer_params(plan.graph, node)
    return quantize_linear(x, p["scale"], p["zero_point"])


def host_dequantize(plan, y_q) -> np.ndarray:
    """The model's output from the SoC's int8 output: DequantizeLinear on the host."""
    b = plan.boundary
    if not b.dequantize:
        return y_q
    node = plan.graph.producers()[b.model_output]
    p = integer_params(plan.graph, node)
    return dequantize_linear(y_q, p["scale"], p["zero_point"])


def reference(plan, x_q: np.ndarray) -> dict[str, np.ndarray]:
    """Every tensor of the network from its int8 input, each layer with its unit's golden."""
    graph = plan.graph
    values = {name: t.data for name, t in graph.tensors.items() if t.is_const}
    values[plan.boundary.input] = np.asarray(x_q)
    nodes = {n.name: n for n in graph.nodes}
    units = plan_targets(plan)
    for layer in plan.layers:
        node = nodes[layer.name]
        if layer.unit is None:
            fn = run_node
        else:
            fn = GOLDEN_BY_UNIT.get(layer.unit) or units[layer.unit].golden
        values[layer.output] = fn(graph, node, [values[n] for n in node.inputs])
    return values
