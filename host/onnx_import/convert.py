"""ONNX (QDQ or QOperator) to the IR: the node-by-node conversion.

Float ops of a QDQ model become pending until the QuantizeLinear after them fixes their output
quantization; ReLU/Clip between them are folded into the clamp. QOperator nodes map directly.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import numpy_helper

from ..ir import Graph, IRError, Node, QuantParams, Tensor, infer_shape
from .load import ModelError
from .values import Const, FloatInput, FloatOfInt, Int, Pending

__all__ = ["Converter"]

_LAYOUT = {4: "NCHW", 2: "NC"}
_FLOAT_OPS = {"Conv", "Gemm", "MatMul", "Add", "MaxPool", "AveragePool", "GlobalAveragePool",
              "Reshape", "Flatten", "Concat", "Relu", "Clip", "Softmax", "Identity"}
_INT_OPS = {"QLinearConv", "QLinearMatMul", "QLinearAdd", "QGemm", "QLinearAveragePool",
            "QLinearGlobalAveragePool", "QLinearConcat", "QLinearSoftmax", "MaxPool", "Reshape",
            "Flatten", "Relu", "Clip", "Identity"}
SUPPORTED_OPS = sorted(_FLOAT_OPS | _INT_OPS | {"QuantizeLinear", "DequantizeLinear",
                                                "Constant"})


class Converter:
    """Builds a Graph from a checked, batch-1 ONNX graph. Use `convert()` once."""

    def __init__(self, model: onnx.ModelProto, name: str):
        self.model = model
        self.opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")),
                          1)
        self.graph = Graph(name)
        self.values: dict[str, object] = {}
        self.node = None
        self._n = 0

    # -- helpers -------------------------------------------------------------------------
    def fail(self, msg):
        n = self.node
        where = f"node {n.name or '(unnamed)'!r} ({n.op_type}): " if n is not None else ""
        raise ModelError(where + msg)

    def value(self, name):
        if name not in self.values:
            self.fail(f"input {name!r} is not defined (missing initializer?)")
        return self.values[name]

    def const(self, name, what):
        v = self.value(name)
        if not isinstance(v, Const):
            self.fail(f"{what} ({name!r}) must be a constant")
        return v.data

    def quant_of(self, scale_name, zp_name, what, axis=None):
        scale = self.const(scale_name, f"{what} scale").astype(np.float32)
        if zp_name:
            zp = self.const(zp_name, f"{what} zero point")
        else:
            zp = np.zeros(scale.shape, dtype=np.uint8)  # ONNX default zero point type
        if zp.dtype == np.uint8 and what != "bias":
            self.fail(f"{what} is uint8; only int8 quantization is supported "
                      f"(quantize with activation_type=QInt8)")
        if zp.dtype not in (np.int8, np.int32, np.uint8):
            self.fail(f"{what} zero point type {zp.dtype} is not supported")
        try:
            return QuantParams(scale.reshape(-1) if scale.size > 1 else scale,
                               zp.reshape(-1) if zp.size > 1 else zp,
                               axis if scale.size > 1 else None)
        except IRError as e:
            self.fail(f"{what}: {e}")

    def new_int(self, base, shape, quant):
        name = base
        while name in self.graph.tensors:
            self._n += 1
            name = f"{base}_{self._n}"
        self.graph.add_tensor(Tensor(name, tuple(shape), "int8", quant,
                                     _LAYOUT.get(len(shape), "ANY")))
        return name

    def int_tensor(self, name, what="input"):
        """An integer activation for this node, from Int or (QDQ) FloatOfInt."""
        v = self.value(name)
        if isinstance(v, Int | FloatOfInt):
            return v.name
        if isinstance(v, FloatInput):
            self.fail(f"{what} {name!r} is a float graph input without QuantizeLinear")
        if isinstance(v, Pending):
            self.fail(f"{what} {name!r} is the float output of node {v.node!r} ({v.onnx_op}) "
                      f"with no QuantizeLinear after it")
        self.fail(f"{what} {name!r} must be a quantized activation, not a constant")

    def set_quant(self, ir_name, quant):
        # A raw int8 graph input of a QOperator model learns its quantization from its
        # first consumer; every other consumer must agree.
        t = self.graph.tensors[ir_name]
        if t.quant is None:
            t.quant = quant
        elif not t.quant.same_as(quant):
            self.fail(f"input {ir_name!r} quantization ({quant.describe()}) disagrees with "
                      f"its producer's ({t.quant.describe()})")

    def node_obj(self, op, inputs, outputs, attrs=None, name=None):
        name = name or self.node.name or f"{op}_{len(self.graph.nodes)}"
        names = {n.name for n in self.graph.nodes}
        while name in names:
            name += "_"
        return Node(name, op, inputs, outputs, attrs or {})

    def emit(self, op, inputs, out_base, out_quant, attrs, name=None):
        shapes = [self.graph.tensors[i].shape for i in inputs]
        try:
            node = self.node_obj(op, inputs, (), attrs, name)
            shape = infer_shape(node, shapes)
            out = self.new_int(out_base, shape, out_quant)
            node.outputs = (out,)
        except IRError as e:
            self.fail(str(e))
        self.graph.add_node(node)
        return out

    def weight_const(self, base, data, quant):
        """IR constant for int8 conv/dense weights (per output channel, symmetric)."""
        if data.dtype != np.int8:
            self.fail(f"weights {base!r} must be int8, not {data.dtype}")
        if quant.per_channel and quant.axis != 0:
            self.fail(f"weights {base!r} must be quantized per output channel (axis 0), "
                      f"not axis {quant.axis}")
        if quant.zero_point.any():
            self.fail(f"weights {base!r} must be symmetric (zero point 0)")
        if data.min(initial=0) < -127:
            self.fail(f"weights {base!r} use -128; the weight range is [-127, 127]")
        return self.new_const(base, data, quant, "OIHW" if data.ndim == 4 else "OI")

    def new_const(self, base, data, quant, layout):
        name = base
        while name in self.graph.tensors:
            self._n += 1
            name = f"{base}_{self._n}"
        try:
            self.graph.add_tensor(Tensor(name, data.shape, str(data.dtype), quant, layout,
                                         data=data))
        except IRError as e:
            self.fail(str(e))
        return name

    def bias_int32(self, bias, x_quant, w_quant, channels):
        """Re-express a bias at scale x_scale * w_scale[c] (exact when it already is)."""
        if bias is None:
            return None
        data, q = bias
        data = np.asarray(data).reshape(-1)
        if data.size != channels:
            self.fail(f"bias has {data.size} values for {channels} output channels")
        if q is None:                       # a float bias: quantize it here
            real = data.astype(np.float64)
        else:
            real = (data.astype(np.float64) - q.zero_point) * q.scale.astype(np.float64)
        acc_scale = np.float64(x_quant.scale) * np.broadcast_to(
            w_quant.scale.astype(np.float64), (channels,))
        b = np.rint(real / acc_scale)
        if np.abs(b).max(initial=0) >= 2**31:
            self.fail("bias does not fit int32 at scale x_scale * w_scale")
        return b.astype(np.int32)

    # -- conversion ----------------------------------------------------------------------
    def convert(self):
        g = self.model.graph
        for init in g.initializer:
            try:
                self.values[init.name] = Const(numpy_helper.to_array(init))
            except Exception as e:
                raise ModelError(f"initializer {init.name!r} cannot be read: {e}") from None
        inits = set(self.values)
        for inp in g.input:
            if inp.name in inits:
                continue
            self.values[inp.name] = self.graph_input(inp)
        from .nodes import convert_node

        for node in g.node:
            self.node = node
            convert_node(self, node)
        self.node = None
        for out in g.output:
            self.graph_output(out.name)
        return self.graph

    def graph_input(self, inp):
        tt = inp.type.tensor_type
        if not inp.type.HasField("tensor_type"):
            raise ModelError(f"input {inp.name!r} is not a tensor")
        dtype = onnx.helper.tensor_dtype_to_np_dtype(tt.elem_type) if tt.elem_type else None
        if dtype not in (np.float32, np.int8):
            raise ModelError(f"input {inp.name!r} has type {dtype}; supported: float32 (QDQ) "
                             f"or int8 (QOperator)")
        dims = [d.dim_value if d.HasField("dim_value") else None for d in tt.shape.dim]
        if not tt.HasField("shape"):
            raise ModelError(f"input {inp.name!r} has no declared shape")
        if len(dims) not in (2, 4):
            raise ModelError(f"input {inp.name!r} has rank {len(dims)}; supported: 4 (NCHW) "
                             f"or 2 (NC)")
        if dims[0] is None:
            dims[0] = 1                                  # symbolic batch: run batch 1
        if any(d is None or d < 1 for d in dims[1:]):
            raise ModelError(f"input {inp.name!r} has unknown or zero dimensions {dims}")
        if dims[0] != 1:
            raise ModelError(f"input {inp.name!r} has batch {dims[0]}; only batch 1 is "
                             f"supported")
        if dtype == np.float32:
            self.graph.add_tensor(Tensor(inp.name, tuple(dims), "float32", None,
                                         _LAYOUT.get(len(dims), "ANY")))
            self.graph.inputs.append(inp.name)
            return FloatInput(inp.name)
        self.graph.add_tensor(Tensor(inp.name, tuple(dims), "int8", None,
                                     _LAYOUT.get(len(dims), "ANY")))
        self.graph.inputs.append(inp.name)
        return Int(inp.name)

    def graph_output(self, name):
        if name not in self.values:
            raise ModelError(f"graph output {name!r} is never computed")
        v = self.values[name]
        if isinstance(v, Int):
            if v.name in self.graph.outputs:
                raise ModelError(f"graph output {name!r} is listed twice")
            self.graph.outputs.append(v.name)
            return
        if isinstance(v, FloatOfInt):
            t = self.graph.tensors[v.name]
            out = name if name not in self.graph.tensors else f"{name}_float"
            self.graph.add_tensor(Tensor(out, t.shape, "float32", None, t.layout))
            self.graph.add_node(Node(f"dequantize_{out}", "dequantize", (v.name,), (out,)))
            self.graph.outputs.append(out)
            return
        if isinstance(v, Pending):
            raise ModelError(f"graph output {name!r} is the float output of node {v.node!r} "
                             f"({v.onnx_op}) with no QuantizeLinear after it")
        raise ModelError(f"graph output {name!r} is a constant or an unquantized input")

    def seal(self, pending: Pending, out_name, quant):
        """Turn a pending float op into an IR node now that its output quantization is known."""
        if quant.per_channel:
            self.fail("per-channel quantization of an activation is not supported")
        attrs = dict(pending.attrs)
        lo = quant.zp + np.rint(pending.lo / np.float64(quant.scale)) \
            if np.isfinite(pending.lo) else -128
        hi = quant.zp + np.rint(pending.hi / np.float64(quant.scale)) \
            if np.isfinite(pending.hi) else 127
        lo, hi = int(max(-128, min(127, lo))), int(max(-128, min(127, hi)))
        if pending.op in ("conv2d", "dense", "add", "clip"):
            attrs.update(y_min=lo, y_max=hi)
        elif (lo, hi) != (-128, 127):
            self.fail(f"ReLU/Clip after {pending.onnx_op} cannot be fused")
        return self.emit(pending.op, list(pending.inputs), out_name, quant, attrs,
                         name=pending.node or None)
