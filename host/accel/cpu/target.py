"""The host CPU as a compiler target: every int8 IR op, as C kernels (``sw/kernels``).

Each node is one kernel call (`hetsoc.accel.cpu.encoder.lower`): its constants (weights
rearranged for the kernel's inner loop, folded biases, multipliers, tables) are staged in L2 by
the DMA, its activations are NCHW in L1, and its scratch is in L2.
"""

from __future__ import annotations

from ..target import Addresses, Constraints, Part, Target, Verdict
from . import encoder

__all__ = ["CpuTarget"]


class CpuTarget(Target):
    """Every op of the IR but the model-boundary quantize/dequantize."""

    name = "cpu"

    def supports(self, graph, node) -> Verdict:
        ok, reason = encoder.supports(graph, node)
        return Verdict(ok, "" if ok else reason)

    def constraints(self, graph, node) -> Constraints:
        return Constraints(activations=("l1", "l2"), align=8)

    def lower(self, graph, node) -> list[Part]:
        call = encoder.lower(graph, node)

        def emit(addr: Addresses, name: str) -> str:
            return call.c_code(name, list(addr.inputs), addr.output, addr.blob, addr.scratch)

        return [Part(self.name, call.blob, call.scratch, call.cycles, call.macs, emit,
                     {"kernel": call.kernel})]
