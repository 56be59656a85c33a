"""The CIM accelerator as a compiler target: ternary conv2d and dense layers on the macro.

The CIM computes with its own arithmetic (7-bit DAC inputs, 6-bit ADC, docs/numerics.md): a
layer dispatched to it needs the DAC shift and the ADC gain chosen from calibration data and
folded into its bias and multipliers (`hetsoc.accel.cim.network.plan_cim`), and its golden
reference is the CIM's numpy model with those integers (`golden`), which the compiled network's
reference uses for every layer on the CIM. Calibration: `CALIBRATION_INPUTS` seeded random
inputs of the model's declared input (float32 in [-1, 1), or int8), the same for every
compile of a model, so the shifts, the firmware and the reference agree. Row chunks are the
config's macro rows (`plan_conv2d`). The noise model is off unless the target is built with
``noise_sigma`` (ADC LSBs, the compile's unit option): then every descriptor carries its
``noise_scale`` and a seed derived from the layer's (its index in the graph), and `golden` draws
the same samples as the hardware.
"""

from __future__ import annotations

import math

import numpy as np

from ...golden.cim_noise import noise_scale
from ...spec.cim import dma_sink_bytes
from ..target import Constraints, Part, Target, Verdict
from .cost import cycles
from .encoder import plan_conv2d
from .lower import lower_node
from .network import cim_node, plan_cim

__all__ = ["CALIBRATION_INPUTS", "CALIBRATION_SEED", "CimTarget"]

#: Calibration batch of the DAC and ADC shifts: this many seeded inputs.
CALIBRATION_INPUTS = 8
CALIBRATION_SEED = 2024


def calibration_batch(graph) -> np.ndarray:
    """``(CALIBRATION_INPUTS, ...)`` seeded inputs as the graph declares its input (batch 1)."""
    rng = np.random.default_rng(CALIBRATION_SEED)
    t = graph.tensors[graph.inputs[0]]
    shape = (CALIBRATION_INPUTS, *t.shape[1:])
    if t.dtype == "float32":
        return rng.uniform(-1, 1, shape).astype(np.float32)
    return rng.integers(-128, 128, shape, dtype=np.int8)


class CimTarget(Target):
    """Ternary conv2d (groups 1) and dense layers on the CIM macro."""

    name = "cim"
    native_layout = "NHWC"

    def __init__(self, config, noise_sigma: float = 0.0):
        super().__init__(config)
        if isinstance(noise_sigma, float) and not math.isfinite(noise_sigma):
            raise ValueError(f"the CIM's noise_sigma must be finite, not {noise_sigma!r}")
        try:
            self.noise_scale = noise_scale(noise_sigma)
        except (ValueError, OverflowError) as e:
            raise ValueError(f"the CIM's noise_sigma (ADC LSBs): {e}") from None
        self._plans = {}            # id(graph) -> (graph, {node: CimPlan})

    def supports(self, graph, node) -> Verdict:
        if node.op not in ("conv2d", "dense"):
            return Verdict.no(f"it runs conv2d and dense, not {node.op}")
        w = graph.tensors[node.inputs[1]].data
        if w is None or not np.isin(w, (-1, 0, 1)).all():
            return Verdict.no("its weights are not ternary ({-1, 0, +1})")
        if graph.tensors[node.inputs[0]].shape[0] != 1:
            return Verdict.no(f"batch {graph.tensors[node.inputs[0]].shape[0]}: it runs one "
                              f"image at a time")
        if dma_sink_bytes(self.config.cim) is None:
            return Verdict.no(f"config {self.config.name!r}'s CIM has no DMA window for its "
                              f"weights (cols {self.config.cim.cols}: a power of two of at "
                              f"least 32 has one)")
        if node.op == "dense":
            return Verdict.yes()
        a = node.attrs
        if a["groups"] != 1:
            return Verdict.no(f"groups {a['groups']}: it runs groups 1 only")
        if tuple(a["dilations"]) != (1, 1):
            return Verdict.no(f"dilation {tuple(a['dilations'])} is not 1")
        if max(w.shape[2:]) > 7:
            return Verdict.no(f"kernel {w.shape[2]}x{w.shape[3]} exceeds 7x7")
        if tuple(a["strides"]) not in ((1, 1), (2, 2)):
            return Verdict.no(f"strides {tuple(a['strides'])}: it takes 1 or 2")
        if max(a["pads"]) > 7:
            return Verdict.no(f"pads {tuple(a['pads'])} exceed 7")
        return Verdict.yes()

    def constraints(self, graph, node) -> Constraints:
        return Constraints(activations=("l1",), align=8)

    # -- the layer's integers and seed -------------------------------------------------------

    def layer_plan(self, graph, node):
        """The node's `CimPlan` (shifts from the calibration batch), computed once a graph."""
        cached = self._plans.get(id(graph))
        if cached is None or cached[0] is not graph:
            cached = (graph, plan_cim(graph, calibration_batch(graph), rows=self.config.cim.rows))
            self._plans = {id(graph): cached}
        return cached[1][node.name]

    @staticmethod
    def seed(graph, node) -> int:
        """The layer's noise seed: its index in the graph (network seed 0, as
        `run_graph_cim`)."""
        return next(i for i, n in enumerate(graph.nodes) if n.name == node.name)

    def golden(self, graph, node, args):
        """The node's output as the CIM computes it (its numpy model, bit-exact with the RTL)."""
        return cim_node(graph, node, args, self.layer_plan(graph, node), rows=self.config.cim.rows,
                        cols=self.config.cim.cols, noise_scale=self.noise_scale,
                        seed=self.seed(graph, node))

    # -- cost and code -----------------------------------------------------------------------

    def estimate(self, graph, node) -> int:
        """Busy cycles of the node's descriptors (the exact stall-free timing model), without
        calibration: the shifts do not change the timing."""
        x = graph.tensors[node.inputs[0]]
        w = graph.tensors[node.inputs[1]].data
        k = w.shape[0]
        unit = dict(multiplier=np.full(k, 1 << 30), shift=np.full(k, 31), x_zero_point=0,
                    y_zero_point=0, input_shift=0, adc_shift=0, rows=self.config.cim.rows,
                    cols=self.config.cim.cols)
        if node.op == "dense":
            jobs = plan_conv2d((x.shape[1], 1, 1), w[:, :, None, None], None, **unit)
        else:
            a = node.attrs
            jobs = plan_conv2d(x.shape[1:], w, None, strides=tuple(a["strides"]),
                               pads=tuple(a["pads"]), **unit)
        cim = self.config.cim
        return sum(cycles(job.fields, cim.rows_per_cycle, cim.cols_per_cycle, cim.post_cols)
                   for job in jobs)

    def lower(self, graph, node, layouts=None) -> list[Part]:
        """``layouts``: tensor -> layout; an NHWC input or output is read or written as it is,
        an NCHW one transposed around the CIM."""
        verdict = self.supports(graph, node)
        if not verdict.ok:
            raise ValueError(f"the CIM cannot run it: {verdict.reason}")
        layouts = layouts or {}
        return [lower_node(self.config, graph, node, self.layer_plan(graph, node),
                           seed=self.seed(graph, node), noise_scale=self.noise_scale,
                           nhwc=(layouts.get(node.inputs[0]) == "NHWC",
                                 layouts.get(node.outputs[0]) == "NHWC"))]
