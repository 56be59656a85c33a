"""The LUT unit's numpy reference and cycle model: bit-exact with its Verilog engine.

`translate` is what one accepted descriptor does to L1; `verdict` which descriptors the engine
refuses, with which code; `busy_cycles` the engine's BUSY_CYCLES with an L1 that never stalls.
`activation_table` builds the table of an elementwise activation between two int8
quantizations, the way a compiler would for a quantized model's Sigmoid, Tanh or HardSwish.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hetsoc.golden.requant import dequantize_linear, quantize_linear

from .spec import TABLE_ENTRIES, LutError

__all__ = ["activation_table", "busy_cycles", "translate", "verdict"]


def translate(table, x) -> np.ndarray:
    """``table[x as uint8]``: the unit's output for int8 inputs `x`."""
    table = np.asarray(table, dtype=np.int8)
    if table.shape != (TABLE_ENTRIES,):
        raise ValueError(f"table must have {TABLE_ENTRIES} entries, not {table.shape!r}")
    return table[np.asarray(x, dtype=np.int8).view(np.uint8)]


def verdict(src: int, dst: int, count: int, *, lanes: int, l1_size: int) -> LutError:
    """The code the engine ends a descriptor with, in the order it checks."""
    if count == 0:
        return LutError.EMPTY
    if src % lanes or dst % lanes:
        return LutError.ALIGN
    if src + count > l1_size or dst + count > l1_size:
        return LutError.WINDOW
    if (src < dst < src + count) or (dst < src < dst + count):
        return LutError.OVERLAP
    return LutError.NONE


def busy_cycles(count: int, *, lanes: int, refused: bool = False) -> int:
    """BUSY_CYCLES with an L1 that never stalls: the check, the first read, then a read and a
    write response per word of `lanes` bytes; a refusal only the check."""
    return 1 if refused else 2 + 2 * -(-count // lanes)


def activation_table(fn: Callable[[np.ndarray], np.ndarray], *, x_scale: float, x_zp: int,
                     y_scale: float, y_zp: int) -> np.ndarray:
    """The table of ``y = fn(x)`` from int8 ``(x_scale, x_zp)`` to int8 ``(y_scale, y_zp)``:
    entry ``i`` is the output for the input whose bits are ``i`` (0..127 then -128..-1),
    dequantized and quantized as ONNX's DequantizeLinear and QuantizeLinear do (float32, ties
    to even, saturated), so the table is the float model's activation between them."""
    q = np.arange(TABLE_ENTRIES, dtype=np.uint8).view(np.int8)
    x = dequantize_linear(q, x_scale, x_zp)
    return quantize_linear(np.asarray(fn(x), dtype=np.float32), y_scale, y_zp)
