"""Hypothesis strategies for NPU layers within the documented limits, and the golden check.

Each strategy draws a whole layer (shapes, strides, paddings, zero points, per-channel
multipliers and shifts, clamp bounds, data) and returns ``(job, expected, macs)``: the encoded
job, `hetsoc.golden`'s output for the same arrays and the layer's MAC count from its shapes.
Sizes are bounded by ``limits`` so a layer fits the testbed's L1 and weight memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from hetsoc import golden
from hetsoc.accel.npu.encoder import add_job, conv_job, dense_job


@dataclass(frozen=True)
class Limits:
    rows: int = 4
    cols: int = 4
    max_c: int = 4
    max_k: int = 6
    max_hw: int = 9
    max_kernel: int = 7
    port_bytes: int = 8


def _arr(draw, shape, lo, hi):
    seed = draw(st.integers(0, 2**32 - 1))
    return np.random.default_rng(seed).integers(lo, hi + 1, shape)


def _requant(draw, k, taps):
    """Per-channel multipliers/shifts putting typical outputs in range, sometimes saturating."""
    m = _arr(draw, k, 1 << 30, (1 << 31) - 1)
    scale = int(np.log2(max(1, taps))) // 2 + draw(st.integers(10, 16))
    n = _arr(draw, k, max(1, 30 + scale - 3), 30 + scale + 1)
    if draw(st.booleans()):   # exact ties: m = 2^30 and small shifts
        m = np.full(k, 1 << 30)
        n = _arr(draw, k, 31, 34)
    return m, n


def _clamp(draw):
    if draw(st.booleans()):
        return -128, 127
    lo, hi = sorted(draw(st.tuples(st.integers(-128, 127), st.integers(-128, 127))))
    return lo, hi


@st.composite
def conv_layers(draw, limits=Limits(), depthwise=False):
    c = draw(st.integers(1, limits.max_c if not depthwise else 2 * limits.rows))
    k = c if depthwise else draw(st.integers(1, limits.max_k))
    kh = draw(st.integers(1, limits.max_kernel))
    kw = draw(st.sampled_from([kh, draw(st.integers(1, limits.max_kernel))]))
    s = draw(st.sampled_from([1, 2]))
    pads = tuple(draw(st.integers(0, kk - 1)) for kk in (kh, kw, kh, kw))
    h = draw(st.integers(max(1, kh - pads[0] - pads[2]), max(kh, limits.max_hw)))
    w = draw(st.integers(max(1, kw - pads[1] - pads[3]), max(kw, limits.max_hw)))
    x = _arr(draw, (1, c, h, w), -128, 127).astype(np.int8)
    wt = _arr(draw, (k, 1 if depthwise else c, kh, kw), -127, 127).astype(np.int8)
    bias = _arr(draw, k, -(1 << 15), 1 << 15)
    m, n = _requant(draw, k, (1 if depthwise else c) * kh * kw)
    lo, hi = _clamp(draw)
    kwargs = dict(x_zero_point=draw(st.integers(-128, 127)), multiplier=m, shift=n,
                  y_zero_point=draw(st.integers(-128, 127)), strides=(s, s),
                  pads=(pads[0], pads[1], pads[2], pads[3]), y_min=lo, y_max=hi,
                  groups=c if depthwise else 1)
    in_base = draw(st.integers(0, 40))
    job = conv_job(x, wt, bias, rows=limits.rows, cols=limits.cols, in_base=in_base,
                   out_base=in_base + x.nbytes + draw(st.integers(0, 40)),
                   w_base=draw(st.integers(0, 20)), **kwargs)
    want = golden.conv2d(x, wt, bias, **kwargs)
    return job, want, want.size * wt[0].size


@st.composite
def dense_layers(draw, limits=Limits()):
    n_in = draw(st.integers(1, 3))
    k = draw(st.integers(1, 48))
    o = draw(st.integers(1, 2 * limits.max_k))
    x = _arr(draw, (n_in, k), -128, 127).astype(np.int8)
    wt = _arr(draw, (o, k), -127, 127).astype(np.int8)
    bias = _arr(draw, o, -(1 << 15), 1 << 15)
    m, n = _requant(draw, o, k)
    lo, hi = _clamp(draw)
    kwargs = dict(x_zero_point=draw(st.integers(-128, 127)), multiplier=m, shift=n,
                  y_zero_point=draw(st.integers(-128, 127)), y_min=lo, y_max=hi)
    in_base = draw(st.integers(0, 40))
    job = dense_job(x, wt, bias, rows=limits.rows, in_base=in_base,
                    w_base=draw(st.integers(0, 20)), **kwargs)
    return job, golden.dense(x, wt, bias, **kwargs), n_in * o * k


@st.composite
def add_layers(draw, limits=Limits()):
    length = draw(st.integers(1, 100))
    a = _arr(draw, (length,), -128, 127).astype(np.int8)
    b = _arr(draw, (length,), -128, 127).astype(np.int8)
    ra, rb = (float(np.exp(draw(st.floats(-5, 2)))) for _ in range(2))
    ma, mb, n = golden.add_multipliers(ra, rb)
    if draw(st.booleans()):   # equal power-of-two multipliers: many exact ties
        ma = mb = 1 << 30
        n = draw(st.integers(31, 33))
    lo, hi = _clamp(draw)
    kwargs = dict(a_zero_point=draw(st.integers(-128, 127)),
                  b_zero_point=draw(st.integers(-128, 127)), a_multiplier=ma,
                  b_multiplier=mb, shift=n, y_zero_point=draw(st.integers(-128, 127)),
                  y_min=lo, y_max=hi)
    pb = limits.port_bytes
    job = add_job(a, b, a_base=pb * draw(st.integers(0, 4)), align=pb, **kwargs)
    return job, golden.add(a, b, **kwargs), 0


def expected_l1(job, want, before: bytes) -> bytes:
    """L1 after a correct run: ``before`` with exactly the output region replaced."""
    out = bytearray(before)
    data = np.ascontiguousarray(want, dtype=np.int8).tobytes()
    out[job.out_base:job.out_base + len(data)] = data
    return bytes(out)

