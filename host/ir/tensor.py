"""Typed tensors of the IR: dtype, shape, layout and quantization parameters."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["DTYPES", "LAYOUTS", "IRError", "QuantParams", "Tensor"]

DTYPES = ("int8", "int32", "float32")
# NCHW activations, NC flattened activations, OIHW conv weights, OI dense weights, C biases and
# per-channel vectors; ANY where no order is implied (scalars, reshaped tensors of other rank).
LAYOUTS = ("NCHW", "NC", "OIHW", "OI", "C", "ANY")


class IRError(ValueError):
    """A malformed graph or tensor; the message names the tensor or node."""


@dataclass(frozen=True)
class QuantParams:
    """``real = scale * (q - zero_point)``; per tensor, or per channel along `axis`.

    Parameters
    ----------
    scale : numpy.ndarray of float32, 0-D or 1-D, positive and finite
    zero_point : numpy.ndarray of int64, same shape as `scale`
    axis : int or None; required (and only allowed) when `scale` is 1-D with more than one entry
    """

    scale: np.ndarray
    zero_point: np.ndarray
    axis: int | None = None

    def __post_init__(self):
        scale = np.asarray(self.scale, dtype=np.float32)
        zp = np.asarray(self.zero_point)
        if zp.dtype.kind not in "iu":
            raise IRError(f"zero_point must be an integer array, not {zp.dtype}")
        zp = zp.astype(np.int64)
        if scale.ndim > 1 or scale.size == 0:
            raise IRError(f"scale must be a scalar or a 1-D array, not shape {scale.shape}")
        if scale.size == 1:
            scale, zp = scale.reshape(()), zp.reshape(()) if zp.size == 1 else zp
        if zp.shape != scale.shape:
            raise IRError(f"zero_point shape {zp.shape} does not match scale shape "
                          f"{scale.shape}")
        if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
            raise IRError(f"scale must be positive and finite, not {scale.tolist()!r}")
        if scale.ndim == 1 and self.axis is None:
            raise IRError("per-channel quantization needs an axis")
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "zero_point", zp)
        if scale.ndim == 0:
            object.__setattr__(self, "axis", None)

    @property
    def per_channel(self) -> bool:
        return self.scale.ndim == 1

    @property
    def zp(self) -> int:
        """The zero point of a per-tensor quantization."""
        if self.per_channel:
            raise IRError("a per-channel quantization has no single zero point")
        return int(self.zero_point)

    def same_as(self, other: QuantParams | None) -> bool:
        return (other is not None and self.axis == other.axis
                and np.array_equal(self.scale, other.scale)
                and np.array_equal(self.zero_point, other.zero_point))

    def describe(self) -> str:
        if self.per_channel:
            return (f"scale[{self.scale.size}] {self.scale.min():.3g}..{self.scale.max():.3g} "
                    f"zp {'0' if not self.zero_point.any() else 'mixed'} (axis {self.axis})")
        return f"scale {float(self.scale):.4g} zp {int(self.zero_point)}"


@dataclass
class Tensor:
    """A value in the graph: an activation, or a constant when `data` is set."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    quant: QuantParams | None = None
    layout: str = "ANY"
    data: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name:
            raise IRError(f"tensor name must be a non-empty str, not {self.name!r}")
        if self.dtype not in DTYPES:
            raise IRError(f"tensor {self.name!r}: dtype must be one of {DTYPES}, "
                          f"not {self.dtype!r}")
        if self.layout not in LAYOUTS:
            raise IRError(f"tensor {self.name!r}: layout must be one of {LAYOUTS}, "
                          f"not {self.layout!r}")
        shape = tuple(self.shape)
        if not all(isinstance(d, int | np.integer) and d > 0 for d in shape):
            raise IRError(f"tensor {self.name!r}: shape must be positive ints, not {shape!r}")
        self.shape = tuple(int(d) for d in shape)
        if self.quant is not None and self.quant.per_channel:
            if not 0 <= self.quant.axis < len(self.shape) \
                    or self.shape[self.quant.axis] != self.quant.scale.size:
                raise IRError(f"tensor {self.name!r}: {self.quant.scale.size} channel scales "
                              f"on axis {self.quant.axis} do not fit shape {self.shape}")
        if self.data is not None:
            data = np.asarray(self.data)
            if data.dtype != np.dtype(self.dtype) or data.shape != self.shape:
                raise IRError(f"tensor {self.name!r}: data is {data.dtype}{list(data.shape)}, "
                              f"declared {self.dtype}{list(self.shape)}")
            self.data = data

    @property
    def is_const(self) -> bool:
        return self.data is not None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))
