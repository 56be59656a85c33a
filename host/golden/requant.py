"""Fixed-point requantization, rounding and saturation (docs/numerics.md).

Everything here is integer arithmetic on numpy arrays except `quantize_multiplier` (which turns a
real multiplier into integers once, at compile time) and the model-boundary `quantize_linear` /
`dequantize_linear`, which follow the ONNX definitions in float32.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "INT8_MIN", "INT8_MAX", "rshift_rne", "div_rne", "quantize_multiplier", "add_multipliers",
    "requantize", "rescale", "clip", "quantize_linear", "dequantize_linear", "round_rne",
]

INT8_MIN, INT8_MAX = -128, 127
_M_BITS = 31      # multipliers are int32 in [2^30, 2^31)
_MAX_SHIFT = 62   # acc * m stays inside int64 for |acc| < 2^31


def rshift_rne(p, n):
    """Divide by ``2**n`` rounding to nearest, ties to even (integer-exact).

    Parameters
    ----------
    p : array_like of int
        Dividends; converted to int64.
    n : int or array_like of int
        Shifts in 0..62, broadcast against `p`.

    Returns
    -------
    numpy.ndarray of int64
    """
    p = np.asarray(p, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    if n.size and (n.min() < 0 or n.max() > _MAX_SHIFT):
        raise ValueError(f"shift must be in 0..{_MAX_SHIFT}, not {n!r}")
    one = np.int64(1)
    half = np.where(n > 0, one << np.maximum(n - 1, 0), 0)
    q = (p + half) >> n                      # arithmetic shift: floor, so this is round-half-up
    tie = (n > 0) & ((p & ((one << n) - 1)) == half)
    return q - (tie & ((q & 1) == 1))        # a tie that went up to an odd value goes back down


def div_rne(num, den):
    """Integer division rounding to nearest, ties to even; `den` must be positive."""
    num = np.asarray(num, dtype=np.int64)
    den = np.asarray(den, dtype=np.int64)
    if den.size and den.min() <= 0:
        raise ValueError(f"den must be positive, not {den!r}")
    q = num // den
    r2 = 2 * (num - q * den)
    return q + ((r2 > den) | ((r2 == den) & ((q & 1) == 1)))


def round_rne(x):
    """Round floats to nearest, ties to even, as int64 (numpy's rint is ties-to-even)."""
    return np.rint(np.asarray(x, dtype=np.float64)).astype(np.int64)


def quantize_multiplier(real):
    """Represent positive real multipliers as ``m * 2**-n`` with ``2**30 <= m < 2**31``.

    Parameters
    ----------
    real : float or array_like of float
        Multipliers in [2**-32, 2**30).

    Returns
    -------
    (numpy.ndarray of int64, numpy.ndarray of int64)
        `m` and `n`, shaped like `real`; the relative error of ``m * 2**-n`` is below 2**-31.
    """
    real = np.asarray(real, dtype=np.float64)
    if not np.all(np.isfinite(real)) or np.any(real <= 0):
        raise ValueError(f"multipliers must be positive and finite, not {real!r}")
    frac, exp = np.frexp(real)               # real = frac * 2^exp, frac in [0.5, 1): exact
    m = np.rint(np.ldexp(frac, _M_BITS)).astype(np.int64)
    carry = m == (1 << _M_BITS)              # rounding reached 2^31: renormalise
    m = np.where(carry, m >> 1, m)
    n = _M_BITS - (exp.astype(np.int64) + carry)
    if n.min() < 1 or n.max() > _MAX_SHIFT:
        raise ValueError(f"multiplier out of the representable range [2^-31, 2^30): {real!r}")
    return m, n


def add_multipliers(a_ratio, b_ratio):
    """Two multipliers with one shared shift for add: ``m_a * 2**-n ~= a_ratio``, likewise b.

    The shift is set by the larger ratio (its multiplier lands in [2^30, 2^31)); the smaller
    multiplier may have fewer significant bits, which bounds the error relative to the sum.
    """
    a_ratio, b_ratio = float(a_ratio), float(b_ratio)
    for name, v in (("a_ratio", a_ratio), ("b_ratio", b_ratio)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name} must be positive and finite, not {v!r}")
    _, n = quantize_multiplier(max(a_ratio, b_ratio))
    n = int(n)
    m_a = int(np.rint(np.ldexp(a_ratio, n)))
    m_b = int(np.rint(np.ldexp(b_ratio, n)))
    return m_a, m_b, n


def _channel(v, ndim, axis):
    # Per-channel parameters broadcast along `axis`; scalars broadcast everywhere.
    v = np.asarray(v, dtype=np.int64)
    if v.ndim == 0 or axis is None:
        return v
    shape = [1] * ndim
    shape[axis] = v.size
    return v.reshape(shape)


def requantize(acc, multiplier, shift, zero_point, y_min=INT8_MIN, y_max=INT8_MAX, axis=None):
    """int32 accumulators to int8: ``clamp(rshift_rne(acc * m, n) + zp, y_min, y_max)``.

    Parameters
    ----------
    acc : array_like of int
        Accumulators (|acc| < 2**31).
    multiplier, shift : int or 1-D array_like of int
        From `quantize_multiplier`; per channel along `axis` when 1-D.
    zero_point : int
        Output zero point.
    y_min, y_max : int
        Clamp bounds (fused ReLU/Clip), within [-128, 127].
    axis : int, optional
        Channel axis of `acc` for per-channel parameters.
    """
    acc = np.asarray(acc, dtype=np.int64)
    if not INT8_MIN <= y_min <= y_max <= INT8_MAX:
        raise ValueError(f"clamp bounds must satisfy -128 <= y_min <= y_max <= 127, "
                         f"not {(y_min, y_max)!r}")
    if acc.size and np.abs(acc).max() >= 1 << 31:
        raise ValueError("accumulator overflows int32")
    m = _channel(multiplier, acc.ndim, axis)
    n = _channel(shift, acc.ndim, axis)
    y = rshift_rne(acc * m, n) + int(zero_point)
    return np.clip(y, y_min, y_max).astype(np.int8)


def rescale(x, *, x_zero_point, multiplier, shift, y_zero_point, y_min=INT8_MIN,
            y_max=INT8_MAX):
    """Move int8 values to other quantization parameters (m, n from x_scale / y_scale)."""
    acc = np.asarray(x, dtype=np.int64) - int(x_zero_point)
    return requantize(acc, multiplier, shift, y_zero_point, y_min, y_max)


def clip(x, *, y_min, y_max):
    """Clamp int8 values in the integer domain (ReLU is ``y_min = zero_point``)."""
    if not INT8_MIN <= y_min <= y_max <= INT8_MAX:
        raise ValueError(f"clip bounds must satisfy -128 <= y_min <= y_max <= 127, "
                         f"not {(y_min, y_max)!r}")
    return np.clip(np.asarray(x), y_min, y_max).astype(np.int8)


def quantize_linear(x, scale, zero_point):
    """ONNX QuantizeLinear to int8: float32 ``x / scale``, ties to even, saturate."""
    q = np.rint(np.asarray(x, dtype=np.float32) / np.float32(scale)).astype(np.float64)
    return np.clip(q + int(zero_point), INT8_MIN, INT8_MAX).astype(np.int8)


def dequantize_linear(q, scale, zero_point):
    """ONNX DequantizeLinear from int8: ``(q - zp) * scale`` in float32."""
    diff = (np.asarray(q, dtype=np.int32) - int(zero_point)).astype(np.float32)
    return diff * np.float32(scale)
