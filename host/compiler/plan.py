"""The compiler's plan: what each pass receives and returns.

One frozen `Plan` travels through the passes (`hetsoc.compiler.PASSES`); each pass returns a
new plan with its own fields filled in (`dataclasses.replace`) and never changes the one it
was given. `Plan.to_json` dumps whatever is filled in so far (``--dump-after PASS``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from ..accel.target import Addresses, Part
from ..ir import Graph
from ..spec.config import SocConfig

__all__ = ["Boundary", "Buffer", "CompileError", "Layer", "Plan", "PlacedPart", "Step",
           "Transfer", "STRATEGIES", "UNITS"]

#: Strategies of this compiler: every layer on the host; every layer the NPU supports on the
#: NPU and the rest on the host; every ternary conv2d and dense layer on the CIM and the rest
#: on the host.
STRATEGIES = ("cpu", "npu", "cim")
#: Units a layer can be dispatched (or pinned by an overrides file) to.
UNITS = ("cpu", "npu", "cim")


class CompileError(ValueError):
    """The model cannot be compiled as asked; the message is one line naming the layer, what is
    wrong and the way out."""


@dataclass(frozen=True)
class Boundary:
    """The network's int8 input and output tensors and the host's float conversions around
    them (QuantizeLinear before, DequantizeLinear after, with the model's own parameters)."""

    input: str                 # int8 tensor the SoC receives
    output: str                # int8 tensor the SoC returns
    model_input: str           # what the model declares (float32 for a QDQ model)
    model_output: str
    quantize: bool             # the host quantizes model_input into input
    dequantize: bool           # the host dequantizes output into model_output

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Layer:
    """One IR node to run on the SoC.

    `alias` marks a reshape that keeps its quantization: no code, its output is its input's
    buffer. `unit` and `refused` (unit -> why not) are set by dispatch; `pinned` when an
    overrides file chose the unit.
    """

    index: int
    name: str
    op: str
    inputs: tuple[str, ...]
    output: str
    alias: bool = False
    unit: str | None = None
    refused: dict = field(default_factory=dict)
    pinned: bool = False

    def to_json(self) -> dict:
        out = {"index": self.index, "name": self.name, "op": self.op,
               "inputs": list(self.inputs), "output": self.output}
        if self.alias:
            out["alias"] = True
        if self.unit is not None:
            out["unit"] = self.unit
            out["pinned"] = self.pinned
            if self.refused:
                out["refused"] = dict(self.refused)
        return out


@dataclass(frozen=True)
class Buffer:
    """Where a tensor lives: ``[addr, addr + size)`` in `memory` from layer `first` (-1: the
    network input, loaded before the first layer) to layer `last` inclusive."""

    tensor: str
    memory: str
    addr: int
    size: int
    nbytes: int
    first: int
    last: int

    def to_json(self) -> dict:
        return {"tensor": self.tensor, "memory": self.memory, "addr": f"0x{self.addr:08x}",
                "size": self.size, "nbytes": self.nbytes, "live": [self.first, self.last]}


@dataclass(frozen=True)
class Transfer:
    """A blocking DMA copy of `size` bytes (a multiple of 8) on `channel`."""

    channel: int
    src: int
    dst: int
    size: int
    what: str

    def to_json(self) -> dict:
        return {"channel": self.channel, "src": f"0x{self.src:08x}", "dst": f"0x{self.dst:08x}",
                "size": self.size, "what": self.what}


@dataclass(frozen=True)
class PlacedPart:
    """A unit's part with its addresses and the transfers that stage it."""

    part: Part
    addresses: Addresses
    transfers: tuple[Transfer, ...]
    l3_blob: int | None       # L3 address of the part's constants in the image

    def to_json(self) -> dict:
        a = self.addresses
        return {"unit": self.part.unit, **self.part.info, "macs": self.part.macs,
                "cycles_estimate": self.part.cycles, "blob_bytes": len(self.part.blob),
                "scratch_bytes": self.part.scratch,
                **({"l1_scratch_bytes": self.part.l1_scratch} if self.part.l1_scratch else {}),
                "addresses": {"inputs": [f"0x{i:08x}" for i in a.inputs],
                              "output": f"0x{a.output:08x}", "blob": f"0x{a.blob:08x}",
                              "scratch": f"0x{a.scratch:08x}",
                              **({"l1_scratch": f"0x{a.l1_scratch:08x}"}
                                 if self.part.l1_scratch else {})},
                "transfers": [t.to_json() for t in self.transfers]}


@dataclass(frozen=True)
class Step:
    """A placed layer: its parts in order, the transfers after it (``--check-layers``' copy of
    its output to L3) and its cycle estimate (parts plus DMA)."""

    layer: int
    parts: tuple[PlacedPart, ...]
    after: tuple[Transfer, ...]
    cycles: int
    debug_addr: int | None = None   # L3 address of the layer's output copy

    def to_json(self) -> dict:
        out = {"layer": self.layer, "cycles_estimate": self.cycles,
               "parts": [p.to_json() for p in self.parts]}
        if self.after:
            out["after"] = [t.to_json() for t in self.after]
        return out


@dataclass(frozen=True)
class Plan:
    """The compilation of one model for one config and strategy, filled in pass by pass."""

    name: str
    config: SocConfig
    strategy: str
    graph: Graph
    overrides: dict = field(default_factory=dict)
    unit_options: dict = field(default_factory=dict)       # kind -> its target's options
    check_layers: bool = False
    boundary: Boundary | None = None
    layouts: dict = field(default_factory=dict)
    layers: tuple[Layer, ...] = ()
    buffers: dict = field(default_factory=dict)           # tensor -> Buffer
    steps: tuple[Step, ...] = ()
    l3_image: bytes = b""                                   # from config.l3.base
    l3_regions: dict = field(default_factory=dict)          # input/output -> (addr, size)
    prologue: tuple[Transfer, ...] = ()                     # before the first layer
    epilogue: tuple[Transfer, ...] = ()                     # after the last
    c_source: str = ""
    manifest: dict = field(default_factory=dict)
    out_dir: Path | None = None
    elf: Path | None = None
    passes_done: tuple[str, ...] = ()

    def layer(self, name: str) -> Layer:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)

    def to_json(self) -> dict:
        """Everything filled in so far, JSON-friendly."""
        out = {"model": self.name, "config": self.config.name, "strategy": self.strategy,
               "passes_done": list(self.passes_done)}
        if self.overrides:
            out["overrides"] = dict(self.overrides)
        if self.unit_options:
            out["unit_options"] = {k: dict(v) for k, v in self.unit_options.items()}
        if self.boundary is not None:
            out["boundary"] = self.boundary.to_json()
        if self.layouts:
            out["layouts"] = dict(self.layouts)
        if self.layers:
            out["layers"] = [layer.to_json() for layer in self.layers]
        if self.buffers:
            out["buffers"] = [b.to_json() for b in self.buffers.values()]
        if self.prologue:
            out["prologue"] = [t.to_json() for t in self.prologue]
        if self.steps:
            out["steps"] = [s.to_json() for s in self.steps]
        if self.epilogue:
            out["epilogue"] = [t.to_json() for t in self.epilogue]
        if self.l3_regions:
            out["l3"] = {k: {"addr": f"0x{a:08x}", "size": s}
                         for k, (a, s) in self.l3_regions.items()}
            out["l3"]["image_bytes"] = len(self.l3_image)
        if self.c_source:
            out["c_source"] = self.c_source
        if self.elf is not None:
            out["elf"] = str(self.elf)
        return out
