"""The IR graph: tensors, nodes in topological order, inputs and outputs, and its validator."""

from __future__ import annotations

from dataclasses import dataclass, field

from .ops import OPS, infer_shape
from .tensor import IRError, Tensor

__all__ = ["Graph", "Node"]

_CLAMP_OPS = ("conv2d", "dense", "add", "clip")


@dataclass
class Node:
    """One operator application; `attrs` is completed with the operator's defaults."""

    name: str
    op: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    attrs: dict = field(default_factory=dict)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise IRError(f"node name must be a non-empty str, not {self.name!r}")
        spec = OPS.get(self.op)
        if spec is None:
            raise IRError(f"node {self.name!r}: unknown operator {self.op!r} "
                          f"(known: {', '.join(OPS)})")
        self.inputs, self.outputs = tuple(self.inputs), tuple(self.outputs)
        unknown = set(self.attrs) - set(spec.attrs)
        if unknown:
            raise IRError(f"node {self.name!r} ({self.op}): unknown attribute(s) "
                          f"{', '.join(sorted(unknown))}")
        attrs = {**spec.attrs, **self.attrs}
        missing = [k for k, v in attrs.items() if v is None]
        if missing:
            raise IRError(f"node {self.name!r} ({self.op}): missing attribute(s) "
                          f"{', '.join(missing)}")
        self.attrs = attrs


class Graph:
    """Tensors by name, nodes in execution order, graph input and output names."""

    def __init__(self, name="graph"):
        self.name = name
        self.tensors: dict[str, Tensor] = {}
        self.nodes: list[Node] = []
        self.inputs: list[str] = []
        self.outputs: list[str] = []

    def add_tensor(self, tensor: Tensor) -> Tensor:
        if not isinstance(tensor, Tensor):
            raise TypeError(f"tensor must be a Tensor, not {tensor!r}")
        if tensor.name in self.tensors:
            raise IRError(f"tensor {tensor.name!r} defined twice")
        self.tensors[tensor.name] = tensor
        return tensor

    def add_node(self, node: Node) -> Node:
        if not isinstance(node, Node):
            raise TypeError(f"node must be a Node, not {node!r}")
        self.nodes.append(node)
        return node

    def tensor(self, name) -> Tensor:
        try:
            return self.tensors[name]
        except KeyError:
            raise IRError(f"no tensor named {name!r}") from None

    def producers(self) -> dict[str, Node]:
        return {out: node for node in self.nodes for out in node.outputs}

    def consumers(self, name) -> list[Node]:
        return [node for node in self.nodes if name in node.inputs]

    def validate(self) -> Graph:
        """Check structure, types, quantization and shapes; raise IRError naming the culprit."""
        if not self.inputs:
            raise IRError(f"graph {self.name!r} has no inputs")
        if not self.outputs:
            raise IRError(f"graph {self.name!r} has no outputs")
        defined = set()
        for name in self.inputs:
            t = self.tensor(name)
            if t.is_const:
                raise IRError(f"graph input {name!r} is a constant")
            defined.add(name)
        defined |= {n for n, t in self.tensors.items() if t.is_const}
        names = set()
        for node in self.nodes:
            if node.name in names:
                raise IRError(f"node name {node.name!r} used twice")
            names.add(node.name)
            spec = OPS[node.op]
            n_in = len(node.inputs)
            if n_in < spec.min_inputs or (spec.max_inputs is not None and n_in > spec.max_inputs):
                raise IRError(f"node {node.name!r} ({node.op}): {n_in} inputs, expected "
                              f"{spec.min_inputs}..{spec.max_inputs or 'any'}")
            if len(node.outputs) != 1:
                raise IRError(f"node {node.name!r} ({node.op}): must have one output, "
                              f"not {len(node.outputs)}")
            for name in node.inputs:
                self.tensor(name)
                if name not in defined:
                    raise IRError(f"node {node.name!r} ({node.op}): input {name!r} is used "
                                  f"before it is computed (or never is)")
            out = self.tensor(node.outputs[0])
            if out.name in defined:
                raise IRError(f"node {node.name!r} ({node.op}): output {out.name!r} is already "
                              f"defined")
            if out.is_const:
                raise IRError(f"node {node.name!r} ({node.op}): output {out.name!r} is a "
                              f"constant")
            self._check_types(node)
            shape = infer_shape(node, [self.tensors[i].shape for i in node.inputs])
            if tuple(shape) != out.shape:
                raise IRError(f"node {node.name!r} ({node.op}): output {out.name!r} declared "
                              f"{out.shape}, computed {tuple(shape)}")
            defined.add(out.name)
        for name in self.outputs:
            self.tensor(name)
            if name not in defined:
                raise IRError(f"graph output {name!r} is never computed")
        return self

    def _check_types(self, node):
        def fail(msg):
            raise IRError(f"node {node.name!r} ({node.op}): {msg}")

        ins = [self.tensors[n] for n in node.inputs]
        out = self.tensors[node.outputs[0]]

        def act(t, what):
            if t.dtype != "int8" or t.quant is None or t.quant.per_channel:
                fail(f"{what} {t.name!r} must be int8 with per-tensor quantization")
            if not -128 <= t.quant.zp <= 127:
                fail(f"{what} {t.name!r} zero point {t.quant.zp} is outside int8")

        if node.op == "quantize":
            if ins[0].dtype != "float32":
                fail(f"input {ins[0].name!r} must be float32, not {ins[0].dtype}")
            act(out, "output")
            return
        if node.op == "dequantize":
            act(ins[0], "input")
            if out.dtype != "float32":
                fail(f"output {out.name!r} must be float32, not {out.dtype}")
            return
        act(out, "output")
        if node.op in ("conv2d", "dense"):
            act(ins[0], "input")
            w = ins[1]
            if not w.is_const or w.dtype != "int8" or w.quant is None:
                fail(f"weights {w.name!r} must be a quantized int8 constant")
            if w.quant.zero_point.any():
                fail(f"weights {w.name!r} must be symmetric (zero point 0)")
            if w.quant.per_channel and w.quant.axis != 0:
                fail(f"weights {w.name!r} must be quantized per output channel (axis 0), "
                     f"not axis {w.quant.axis}")
            if w.data.min(initial=0) < -127:
                fail(f"weights {w.name!r} use -128; the weight range is [-127, 127]")
            if len(ins) == 3 and (not ins[2].is_const or ins[2].dtype != "int32"):
                fail(f"bias {ins[2].name!r} must be an int32 constant")
        else:
            for t in ins:
                act(t, "input")
        if node.op in _CLAMP_OPS:
            lo, hi = node.attrs["y_min"], node.attrs["y_max"]
            if not -128 <= lo <= hi <= 127:
                fail(f"y_min/y_max must satisfy -128 <= y_min <= y_max <= 127, "
                     f"not {(lo, hi)!r}")
        if node.op == "softmax":
            rank = len(ins[0].shape)
            if node.attrs["axis"] % rank != rank - 1:
                fail(f"softmax is supported over the last axis only, not axis "
                     f"{node.attrs['axis']}")
