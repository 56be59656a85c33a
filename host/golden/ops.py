"""One integer-exact function per operator (docs/numerics.md), on plain numpy arrays.

Activations are NCHW int8, conv weights OIHW int8, dense weights [out, in] int8, biases int32.
Quantization is passed explicitly: zero points as ints, requantization as integer multipliers
and shifts from `quantize_multiplier`. The hardware tests and the compiler call these functions;
the graph executor (`hetsoc.golden.executor`) only supplies their arguments.

Sums of products are computed with float64 matrix products: every partial sum is an integer
below 2**53, so the result is exact, and BLAS makes whole networks run in seconds.
"""

from __future__ import annotations

import numpy as np

from .requant import (
    INT8_MAX,
    INT8_MIN,
    div_rne,
    requantize,
    rescale,
    round_rne,
    rshift_rne,
)

__all__ = [
    "conv2d_acc", "conv2d", "dense_acc", "dense", "add", "maxpool", "avgpool",
    "global_avgpool", "concat", "softmax_table", "softmax", "windows",
]


def _pair(v, name):
    t = tuple(int(i) for i in v)
    if len(t) != 2 or min(t) < 1:
        raise ValueError(f"{name} must be two positive ints, not {v!r}")
    return t


def _pads(v):
    t = tuple(int(i) for i in v)
    if len(t) != 4 or min(t) < 0:
        raise ValueError(f"pads must be four non-negative ints (top, left, bottom, right), "
                         f"not {v!r}")
    return t


def _int8(x, name):
    x = np.asarray(x)
    if x.dtype != np.int8:
        raise TypeError(f"{name} must be an int8 array, not {x.dtype}")
    return x


def windows(x, kernel, strides, pads, dilations=(1, 1), fill=0):
    """Sliding windows of an NCHW array: shape (N, C, OH, OW, kh, kw), padded with `fill`."""
    kh, kw = _pair(kernel, "kernel")
    sh, sw = _pair(strides, "strides")
    dh, dw = _pair(dilations, "dilations")
    top, left, bottom, right = _pads(pads)
    x = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=fill)
    eh, ew = (kh - 1) * dh + 1, (kw - 1) * dw + 1
    if x.shape[2] < eh or x.shape[3] < ew:
        raise ValueError(f"kernel {(kh, kw)} does not fit the padded input {x.shape[2:]}")
    win = np.lib.stride_tricks.sliding_window_view(x, (eh, ew), axis=(2, 3))
    return win[:, :, ::sh, ::sw, ::dh, ::dw]


def conv2d_acc(x, w, bias, *, x_zero_point, strides=(1, 1), pads=(0, 0, 0, 0), groups=1,
               dilations=(1, 1)):
    """int32 accumulators of a quantized conv2d: ``bias + sum (x - x_zp) * w`` (NCHW, OIHW).

    Parameters
    ----------
    x : numpy.ndarray of int8, shape (N, C, H, W)
    w : numpy.ndarray of int8, shape (O, C // groups, kh, kw)
    bias : numpy.ndarray of int32, shape (O,), or None
    x_zero_point : int
    strides, dilations : (int, int)
    pads : (top, left, bottom, right); padding is a real zero (x_zero_point)
    groups : int; groups == C == O is depthwise

    Returns
    -------
    numpy.ndarray of int64, shape (N, O, OH, OW)
    """
    x, w = _int8(x, "x"), _int8(w, "w")
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x and w must be 4-D, not {x.ndim}-D and {w.ndim}-D")
    n, c = x.shape[:2]
    o, cg, kh, kw = w.shape
    if groups < 1 or c % groups or o % groups or cg != c // groups:
        raise ValueError(f"groups={groups!r} does not fit {c} input and {o} output channels "
                         f"with weights {w.shape}")
    xc = x.astype(np.float64) - int(x_zero_point)       # padding 0 here == real zero
    win = windows(xc, (kh, kw), strides, pads, dilations)  # N, C, OH, OW, kh, kw
    oh, ow = win.shape[2:4]
    win = win.reshape(n, groups, cg, oh, ow, kh, kw)
    wg = w.astype(np.float64).reshape(groups, o // groups, cg, kh, kw)
    acc = np.einsum("ngchwij,gocij->ngohw", win, wg, optimize=True).reshape(n, o, oh, ow)
    acc = acc.astype(np.int64)
    if bias is not None:
        acc += np.asarray(bias, dtype=np.int64).reshape(1, o, 1, 1)
    return acc


def conv2d(x, w, bias, *, x_zero_point, multiplier, shift, y_zero_point, strides=(1, 1),
           pads=(0, 0, 0, 0), groups=1, dilations=(1, 1), y_min=INT8_MIN, y_max=INT8_MAX):
    """Quantized conv2d: `conv2d_acc` then per-channel `requantize` (int8 NCHW out)."""
    acc = conv2d_acc(x, w, bias, x_zero_point=x_zero_point, strides=strides, pads=pads,
                     groups=groups, dilations=dilations)
    return requantize(acc, multiplier, shift, y_zero_point, y_min, y_max, axis=1)


def dense_acc(x, w, bias, *, x_zero_point):
    """int32 accumulators of a quantized dense layer; x (N, K) int8, w (O, K) int8."""
    x, w = _int8(x, "x"), _int8(w, "w")
    if x.ndim != 2 or w.ndim != 2 or x.shape[1] != w.shape[1]:
        raise ValueError(f"x (N, K) and w (O, K) do not match: {x.shape} and {w.shape}")
    acc = ((x.astype(np.float64) - int(x_zero_point)) @ w.astype(np.float64).T).astype(np.int64)
    if bias is not None:
        acc += np.asarray(bias, dtype=np.int64).reshape(1, -1)
    return acc


def dense(x, w, bias, *, x_zero_point, multiplier, shift, y_zero_point, y_min=INT8_MIN,
          y_max=INT8_MAX):
    """Quantized dense (Gemm/MatMul): `dense_acc` then per-output `requantize`."""
    acc = dense_acc(x, w, bias, x_zero_point=x_zero_point)
    return requantize(acc, multiplier, shift, y_zero_point, y_min, y_max, axis=1)


def add(a, b, *, a_zero_point, b_zero_point, a_multiplier, b_multiplier, shift, y_zero_point,
        y_min=INT8_MIN, y_max=INT8_MAX):
    """Quantized add with numpy broadcasting; multipliers from `add_multipliers`."""
    a, b = _int8(a, "a"), _int8(b, "b")
    acc = ((a.astype(np.int64) - int(a_zero_point)) * int(a_multiplier)
           + (b.astype(np.int64) - int(b_zero_point)) * int(b_multiplier))
    y = rshift_rne(acc, int(shift)) + int(y_zero_point)
    return np.clip(y, y_min, y_max).astype(np.int8)


def maxpool(x, *, kernel, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1)):
    """Max pool of int8 NCHW values; padding never wins."""
    x = _int8(x, "x")
    win = windows(x, kernel, strides, pads, dilations, fill=INT8_MIN)
    return win.max(axis=(4, 5)).astype(np.int8)


def avgpool(x, *, x_zero_point, kernel, multiplier, shift, y_zero_point, strides=(1, 1),
            pads=(0, 0, 0, 0), count_include_pad=False):
    """Average pool: ``div_rne(sum(x - x_zp) * m, count * 2**n) + y_zp``.

    `m * 2**-n ~= x_scale / y_scale` (`quantize_multiplier`; exact for power-of-two ratios).
    The division by the tap count is exact integer division, so an exact tie (e.g. a sum
    of 60 over 120 taps) stays a tie and rounds to even (docs/numerics.md).
    """
    x = _int8(x, "x")
    kh, kw = _pair(kernel, "kernel")
    xc = x.astype(np.float64) - int(x_zero_point)
    acc = windows(xc, kernel, strides, pads).sum(axis=(4, 5)).astype(np.int64)
    if count_include_pad:
        count = np.full(acc.shape[2:], kh * kw, dtype=np.int64)
    else:
        ones = np.ones((1, 1) + x.shape[2:], dtype=np.float64)
        count = windows(ones, kernel, strides, pads).sum(axis=(4, 5))[0, 0].astype(np.int64)
    return _average(acc, count, multiplier, shift, y_zero_point)


def _average(acc, count, multiplier, shift, y_zero_point):
    den = count << int(shift)
    if int(np.abs(acc).max(initial=0)).bit_length() + 31 > 62 \
            or int(den.max(initial=1)).bit_length() + 8 > 62:
        raise ValueError("average pool overflows int64")
    y = div_rne(acc * int(multiplier), den) + int(y_zero_point)
    return np.clip(y, INT8_MIN, INT8_MAX).astype(np.int8)


def global_avgpool(x, *, x_zero_point, multiplier, shift, y_zero_point):
    """Global average pool (N, C, H, W) -> (N, C, 1, 1), rounded as `avgpool`."""
    x = _int8(x, "x")
    acc = (x.astype(np.int64) - int(x_zero_point)).sum(axis=(2, 3), keepdims=True)
    count = np.int64(x.shape[2] * x.shape[3])
    return _average(acc, count, multiplier, shift, y_zero_point)


def concat(xs, *, axis, x_zero_points, multipliers, shifts, y_zero_point):
    """Concatenate int8 tensors after rescaling each to the output's quantization."""
    if not (len(xs) == len(x_zero_points) == len(multipliers) == len(shifts)) or not xs:
        raise ValueError("concat needs one zero point, multiplier and shift per input")
    parts = [rescale(_int8(x, "x"), x_zero_point=zp, multiplier=m, shift=n,
                     y_zero_point=y_zero_point)
             for x, zp, m, n in zip(xs, x_zero_points, multipliers, shifts, strict=True)]
    return np.concatenate(parts, axis=axis)


def softmax_table(x_scale):
    """The 256-entry table ``T[d] = round(2**16 * exp(-x_scale * d))`` (compile time)."""
    x_scale = float(x_scale)
    if not (np.isfinite(x_scale) and x_scale > 0):
        raise ValueError(f"x_scale must be positive and finite, not {x_scale!r}")
    return round_rne(np.ldexp(np.exp(-x_scale * np.arange(256, dtype=np.float64)), 16))


def softmax(x, *, table, multiplier, shift, y_zero_point, axis=-1):
    """Integer softmax along `axis`: ``y = div_rne(T[max - x] * m, sum(T) * 2**n) + zp``.

    `m, n ~= 1 / y_scale` (`quantize_multiplier`); `table` from `softmax_table(x_scale)`.
    """
    x = _int8(x, "x").astype(np.int64)
    table = np.asarray(table, dtype=np.int64)
    if table.shape != (256,) or table.min() < 0 or table[0] <= 0:
        raise ValueError(f"table must be 256 non-negative ints with table[0] > 0, "
                         f"not shape {table.shape}")
    d = x.max(axis=axis, keepdims=True) - x
    t = table[d]
    s = t.sum(axis=axis, keepdims=True)
    if int(s.max(initial=1)).bit_length() + int(shift) > 62:
        raise ValueError(f"softmax over {x.shape[axis]} values overflows int64")
    y = div_rne(t * int(multiplier), s << int(shift)) + int(y_zero_point)
    return np.clip(y, INT8_MIN, INT8_MAX).astype(np.int8)
