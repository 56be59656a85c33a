"""The `Target` interface: what the compiler asks a compute unit about a layer.

A target answers, for one IR node of a graph:

- `supports`: can it run the node, and if not, why, in words (the compiler prints the reasons
  of every unit when no unit takes a layer);
- `constraints`: what placement it needs (where activations must live, their alignment, the
  size of its private weight memory);
- `lower`: the node as a list of `Part`s, each one call on the unit with its constants (staged
  by the DMA before the call), its scratch, its cycle estimate and the C that runs it once the
  compiler has placed the tensors (`Part.emit`);
- `estimate`: the cycle model's estimate of the whole node (the sum over its parts).

Estimates are labelled as such everywhere they appear; the hardware counters are the
measurement they are checked against.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field

from ..ir import Graph, Node
from ..spec.config import SocConfig

__all__ = ["Addresses", "Constraints", "Part", "Target", "Verdict"]


@dataclass(frozen=True)
class Verdict:
    """Whether a target runs a node; `reason` says why not (one clause, no trailing period)."""

    ok: bool
    reason: str = ""

    @classmethod
    def yes(cls) -> Verdict:
        return cls(True)

    @classmethod
    def no(cls, reason: str) -> Verdict:
        return cls(False, reason)


@dataclass(frozen=True)
class Constraints:
    """Placement a target needs for a node's tensors.

    Attributes
    ----------
    activations : tuple of str
        Memories (config attribute names) the unit reads and writes activations in.
    align : int
        Byte alignment of every activation buffer.
    weight_memory : int
        Bytes of the unit's private weight memory (0: it reads its constants from L2).
    """

    activations: tuple[str, ...]
    align: int
    weight_memory: int = 0


@dataclass(frozen=True)
class Addresses:
    """Absolute byte addresses the compiler gives a part: its inputs and output (activations),
    its constants (`blob`: in L2 where they are staged, or in L3 for a part that moves them
    itself), its scratch buffer (in L2) and its L1 scratch (`l1_scratch`, 0 if it has none)."""

    inputs: tuple[int, ...]
    output: int
    blob: int
    scratch: int
    l1_scratch: int = 0


@dataclass
class Part:
    """One call on a unit.

    Attributes
    ----------
    unit : str
        The target's name.
    blob : bytes
        Constants the call reads (weights in the unit's layout, per-channel parameters,
        tables); the compiler stages them from L3 into L2 by DMA before the call.
    scratch : int
        Bytes of L2 scratch the call owns while it runs.
    cycles : int
        The cycle model's estimate of the call (an estimate: the hardware counters measure).
    macs : int
        Multiply-accumulates the call performs.
    emit : callable
        ``emit(addresses, name) -> str``: the C statements of the call.
    info : dict
        A JSON-friendly description (descriptor fields, kernel name, channel range...).
    l1_scratch : int
        Bytes of L1 the call owns while its layer runs (a unit that reads and writes only L1:
        its parameter tables, partial sums, activations in its own layout).
    stage : bool
        Whether the compiler stages `blob` from L3 into L2 before the call; a part that moves
        its constants itself (into a unit's DMA window, into L1) says False and gets their L3
        address as `Addresses.blob`.
    """

    unit: str
    blob: bytes
    scratch: int
    cycles: int
    macs: int
    emit: Callable[[Addresses, str], str] = field(repr=False)
    info: dict = field(default_factory=dict)
    l1_scratch: int = 0
    stage: bool = True


class Target(ABC):
    """A compute unit the compiler can dispatch layers to."""

    #: Short name used in strategies, overrides files and manifests: "cpu", "npu", "cim".
    name: str = ""
    #: Whether `lower` generates code (a unit whose code generation is not built yet says so).
    generates_code: bool = True
    #: The layout the unit reads and writes 4-D activations in natively, if not the compiler's
    #: NCHW (the CIM's "NHWC"): a tensor that such a unit produces and only such units read is
    #: stored that way, and `lower` is called with ``layouts`` (tensor -> layout) to know.
    native_layout: str | None = None

    def __init__(self, config: SocConfig):
        if not isinstance(config, SocConfig):
            raise TypeError(f"config must be a SocConfig, not {config!r}")
        self.config = config

    @abstractmethod
    def supports(self, graph: Graph, node: Node) -> Verdict:
        """Whether the unit runs `node`, and if not, why."""

    @abstractmethod
    def constraints(self, graph: Graph, node: Node) -> Constraints:
        """Placement the unit needs for `node`."""

    @abstractmethod
    def lower(self, graph: Graph, node: Node) -> list[Part]:
        """`node` as calls on the unit (only for nodes `supports` accepts)."""

    def estimate(self, graph: Graph, node: Node) -> int:
        """Estimated cycles of `node` on this unit (the sum over its parts)."""
        return sum(p.cycles for p in self.lower(graph, node))
