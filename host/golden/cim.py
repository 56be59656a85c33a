"""The CIM (compute-in-memory) conv2d of docs/numerics.md: ternary weights, 7-bit inputs,
row chunks of 1152 and a 6-bit ADC per chunk, then the usual digital requantization.

With ``noise_scale``/``seed``/``adc_offset`` it is also the exact model of the CIM hardware's
non-idealities (``docs/cim.md``): one seeded LFSR noise stream per descriptor (image, row
chunk of ``rows``, column chunk of ``cols``), samples taken pixel by pixel, column by column.
"""

from __future__ import annotations

import numpy as np

from .cim_noise import ADC_MAX, ADC_MIN, adc_convert, descriptor_seed, noise_samples
from .ops import windows
from .requant import INT8_MAX, INT8_MIN, requantize, rshift_rne

__all__ = ["CIM_ROWS", "cim_column_sums", "cim_conv2d", "cim_conv2d_acc", "cim_dense",
           "cim_dense_acc", "ternarize"]

CIM_ROWS = 1152          # 128 input channels x 3 x 3
_IN_MIN, _IN_MAX = -64, 63
_ADC_MIN, _ADC_MAX = ADC_MIN, ADC_MAX


def ternarize(w):
    """TWN ternarisation per output channel: (int8 weights in {-1, 0, 1}, float scales)."""
    w = np.asarray(w, dtype=np.float64)
    flat = np.abs(w.reshape(w.shape[0], -1))
    delta = 0.7 * flat.mean(axis=1, keepdims=True)
    keep = flat > delta
    kept = np.where(keep, flat, 0.0).sum(axis=1)
    count = keep.sum(axis=1)
    scale = np.where(count > 0, kept / np.maximum(count, 1), 1.0).astype(np.float32)
    t = (np.sign(w.reshape(w.shape[0], -1)) * keep).astype(np.int8).reshape(w.shape)
    return t, scale


def cim_conv2d_acc(x, w, bias, *, x_zero_point, input_shift, adc_shift, strides=(1, 1),
                   pads=(0, 0, 0, 0), rows=CIM_ROWS, cols=None, noise_scale=0, seed=0,
                   adc_offset=0):
    """Digital accumulators after the ADCs: ``sum over chunks of ADC(sum u * t) + bias'``.

    Parameters
    ----------
    x : int8 (N, C, H, W)
    w : int8 (O, C, kh, kw) with values in {-1, 0, 1}
    bias : int32 (O,) already in ADC units (``round_rne(bias / 2**(s_in + s_adc))``) or None
    input_shift : int in 0..2; adc_shift : int in 0..15
    rows : int, rows per analog evaluation (1152 on DIANA)
    cols : int or None, columns per descriptor (512 on DIANA); only orders the noise samples
    noise_scale : int, `cim_noise.noise_scale(sigma)`; 0 is the ideal array
    seed : int, the layer's seed; descriptor (image, row chunk, column chunk) seeds derive from it
    adc_offset : int, added to every ADC code before clipping
    """
    x, w = np.asarray(x), np.asarray(w)
    if x.dtype != np.int8 or w.dtype != np.int8:
        raise TypeError(f"x and w must be int8, not {x.dtype} and {w.dtype}")
    if not np.isin(w, (-1, 0, 1)).all():
        raise ValueError("CIM weights must be ternary (-1, 0, 1)")
    if input_shift not in (0, 1, 2) or not 0 <= adc_shift <= 15:
        raise ValueError(f"input_shift must be 0..2 and adc_shift 0..15, "
                         f"not {(input_shift, adc_shift)!r}")
    o = w.shape[0]
    sums = cim_column_sums(x, w, x_zero_point=x_zero_point, input_shift=input_shift,
                           strides=strides, pads=pads, rows=rows)
    n, oh, ow = sums[0].shape[:3]
    acc = np.zeros((n, oh, ow, o), dtype=np.int64)
    kcols = o if cols is None else cols
    for chunk, p in enumerate(sums):
        if not noise_scale:
            acc += adc_convert(p, adc_shift=adc_shift, offset=adc_offset)
            continue
        for b in range(n):
            for cc, k0 in enumerate(range(0, o, kcols)):
                part = p[b, :, :, k0:k0 + kcols]
                z = noise_samples(descriptor_seed(seed, b, chunk, cc), part.size)
                acc[b, :, :, k0:k0 + kcols] += adc_convert(
                    part, adc_shift=adc_shift, offset=adc_offset, z=z.reshape(part.shape),
                    scale=noise_scale)
    acc = acc.transpose(0, 3, 1, 2)
    if bias is not None:
        acc = acc + np.asarray(bias, dtype=np.int64).reshape(1, o, 1, 1)
    return acc


def cim_column_sums(x, w, *, x_zero_point, input_shift, strides=(1, 1), pads=(0, 0, 0, 0),
                    rows=CIM_ROWS):
    """The analog column sums ``p = sum u * t`` of each row chunk: a list (one per chunk of
    ``rows`` rows in (kh, kw, c_in) order) of int64 arrays (N, OH, OW, O)."""
    o, c, kh, kw = w.shape
    if x.ndim != 4 or x.shape[1] != c:
        raise ValueError(f"x {x.shape} does not match weights {w.shape}")
    u = np.clip(rshift_rne(x.astype(np.int64) - int(x_zero_point), input_shift), _IN_MIN,
                _IN_MAX)
    win = windows(u.astype(np.float64), (kh, kw), strides, pads)     # N, C, OH, OW, kh, kw
    n, _, oh, ow = win.shape[:4]
    # Rows in (kh, kw, c_in) order, as laid out in the array.
    win_rows = win.transpose(0, 2, 3, 4, 5, 1).reshape(n, oh, ow, kh * kw * c)
    wrows = w.transpose(0, 2, 3, 1).reshape(o, kh * kw * c).astype(np.float64)
    return [(win_rows[..., r:r + rows] @ wrows[:, r:r + rows].T).astype(np.int64)
            for r in range(0, kh * kw * c, rows)]


def cim_conv2d(x, w, bias, *, x_zero_point, input_shift, adc_shift, multiplier, shift,
               y_zero_point, strides=(1, 1), pads=(0, 0, 0, 0), y_min=INT8_MIN,
               y_max=INT8_MAX, rows=CIM_ROWS, **nonideal):
    """CIM conv2d: `cim_conv2d_acc` then per-channel requantization with
    ``m * 2**-n ~= x_scale * 2**s_in * w_scale[c] * 2**s_adc / y_scale``.

    ``nonideal``: `cim_conv2d_acc`'s ``cols``, ``noise_scale``, ``seed``, ``adc_offset``."""
    acc = cim_conv2d_acc(x, w, bias, x_zero_point=x_zero_point, input_shift=input_shift,
                         adc_shift=adc_shift, strides=strides, pads=pads, rows=rows, **nonideal)
    return requantize(acc, multiplier, shift, y_zero_point, y_min, y_max, axis=1)


def cim_dense_acc(x, w, bias, **kwargs):
    """Dense on the CIM: `cim_conv2d_acc` of a 1x1 kernel on a 1x1 image.

    Parameters
    ----------
    x : int8 (N, C)
    w : int8 (O, C) with values in {-1, 0, 1}
    bias, kwargs : as `cim_conv2d_acc` (no ``strides``/``pads``)
    """
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 2 or w.ndim != 2:
        raise ValueError(f"x and w must be 2-D, not {x.shape} and {w.shape}")
    acc = cim_conv2d_acc(x[:, :, None, None], w[:, :, None, None], bias, **kwargs)
    return acc[:, :, 0, 0]


def cim_dense(x, w, bias, *, multiplier, shift, y_zero_point, y_min=INT8_MIN, y_max=INT8_MAX,
              **kwargs):
    """Dense on the CIM: `cim_dense_acc` then per-channel requantization."""
    acc = cim_dense_acc(x, w, bias, **kwargs)
    return requantize(acc, multiplier, shift, y_zero_point, y_min, y_max, axis=1)
