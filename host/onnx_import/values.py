"""What an ONNX tensor name stands for while a model is being converted to the IR."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..ir import QuantParams

__all__ = ["Const", "FloatInput", "FloatOfInt", "Int", "Pending", "QConst"]


@dataclass
class Const:
    """An initializer or Constant output (float weights, shapes, scales, zero points)."""

    data: np.ndarray


@dataclass
class QConst:
    """A DequantizeLinear of a constant: integer data with its quantization."""

    data: np.ndarray
    quant: QuantParams


@dataclass
class Int:
    """An integer IR activation tensor (quant may be unknown for a raw int8 graph input)."""

    name: str


@dataclass
class FloatOfInt:
    """The float view (DequantizeLinear) of an integer IR tensor."""

    name: str


@dataclass
class FloatInput:
    """A float32 graph input, which only a QuantizeLinear may consume."""

    name: str


@dataclass
class Pending:
    """The float output of a float op, turned into an IR node by the QuantizeLinear after it.

    `lo` / `hi` are the real-valued bounds of ReLU/Clip nodes folded in on the way.
    """

    node: str           # the ONNX node that produced it (for messages)
    op: str             # IR operator
    inputs: list        # IR tensor names (activations and constants)
    attrs: dict = field(default_factory=dict)
    lo: float = -np.inf
    hi: float = np.inf
    onnx_op: str = ""
