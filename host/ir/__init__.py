"""The model IR: typed int8 tensors with quantization and layout, operators, a validator."""

from .graph import Graph, Node
from .ops import OPS, OpSpec, conv_out_size, infer_shape, macs
from .summary import LayerInfo, layer_table, summarize
from .tensor import DTYPES, LAYOUTS, IRError, QuantParams, Tensor

__all__ = [
    "DTYPES", "LAYOUTS", "OPS", "Graph", "IRError", "LayerInfo", "Node", "OpSpec",
    "QuantParams", "Tensor", "conv_out_size", "infer_shape", "layer_table", "macs", "summarize",
]
