"""The golden executor: integer-exact numpy reference of docs/numerics.md, one function per op.

Hardware tests and the compiler call these functions with plain numpy arrays and explicit
integer quantization parameters (`integer_params` derives them from an IR node).
"""

from .cim import CIM_ROWS, cim_conv2d, cim_conv2d_acc, cim_dense, cim_dense_acc, ternarize
from .executor import run_graph, run_node
from .lower import integer_params
from .ops import (
    add,
    avgpool,
    concat,
    conv2d,
    conv2d_acc,
    dense,
    dense_acc,
    global_avgpool,
    maxpool,
    softmax,
    softmax_table,
    windows,
)
from .requant import (
    INT8_MAX,
    INT8_MIN,
    add_multipliers,
    clip,
    dequantize_linear,
    div_rne,
    quantize_linear,
    quantize_multiplier,
    requantize,
    rescale,
    round_rne,
    rshift_rne,
)

__all__ = [
    "CIM_ROWS", "INT8_MAX", "INT8_MIN", "add", "add_multipliers", "avgpool",
    "cim_conv2d", "cim_conv2d_acc", "cim_dense", "cim_dense_acc", "clip", "concat", "conv2d",
    "conv2d_acc", "dense", "dense_acc", "dequantize_linear", "div_rne", "global_avgpool",
    "integer_params", "maxpool", "quantize_linear", "quantize_multiplier", "requantize",
    "rescale", "round_rne", "rshift_rne", "run_graph", "run_node", "softmax", "softmax_table",
    "ternarize", "windows",
]
