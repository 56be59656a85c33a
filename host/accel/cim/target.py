"""The CIM accelerator as a compiler target: which nodes it runs and their cycle estimate.

The CIM computes with its own arithmetic (7-bit DAC inputs, 6-bit ADC, docs/numerics.md), so
a layer dispatched to it needs per-layer DAC and ADC shifts chosen from calibration data
(`hetsoc.accel.cim.network.plan_cim`) and a golden reference that follows the dispatch. Both
arrive with the compiler's ``cim`` strategy; until then this target answers `supports`,
`constraints` and `estimate` (the exact timing model of `hetsoc.accel.cim.cost`), and the
strategies ``cpu`` and ``npu`` never dispatch to it (`generates_code` is False).
"""

from __future__ import annotations

import numpy as np

from ..target import Constraints, Part, Target, Verdict
from .cost import cycles
from .encoder import plan_conv2d

__all__ = ["CimTarget"]


class CimTarget(Target):
    """Ternary conv2d (groups 1) and dense layers on the CIM macro."""

    name = "cim"
    generates_code = False

    def supports(self, graph, node) -> Verdict:
        if node.op not in ("conv2d", "dense"):
            return Verdict.no(f"it runs conv2d and dense, not {node.op}")
        w = graph.tensors[node.inputs[1]].data
        if not np.isin(w, (-1, 0, 1)).all():
            return Verdict.no("its weights are not ternary ({-1, 0, +1})")
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

    def _jobs(self, graph, node):
        x = graph.tensors[node.inputs[0]]
        w = graph.tensors[node.inputs[1]].data
        k = w.shape[0]
        unit = dict(multiplier=np.full(k, 1 << 30), shift=np.full(k, 31), x_zero_point=0,
                    y_zero_point=0, input_shift=0, adc_shift=0, rows=self.config.cim.rows,
                    cols=self.config.cim.cols)
        if node.op == "dense":
            return plan_conv2d((x.shape[1], 1, 1), w[:, :, None, None], None, **unit)
        a = node.attrs
        return plan_conv2d(x.shape[1:], w, None, strides=tuple(a["strides"]),
                           pads=tuple(a["pads"]), **unit)

    def estimate(self, graph, node) -> int:
        """Busy cycles of the node's descriptors (the exact stall-free timing model)."""
        from .testgen import tile

        rp, cp = tile(self.config)
        return sum(cycles(job.fields, rp, cp, self.config.cim.post_cols)
                   for job in self._jobs(graph, node))

    def lower(self, graph, node) -> list[Part]:
        raise ValueError(f"node {node.name!r} ({node.op}): code generation for the CIM comes "
                         f"with the compiler's cim strategy; run it on the cpu or the npu")
