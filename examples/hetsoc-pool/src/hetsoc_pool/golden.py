"""The pooling unit's golden model (bit-exact with the gateware) and its cycle model.

Numerics (for every output ``y[c, oy, ox]`` and its window ``w = x[c, oy*s:oy*s+k, ox*s:ox*s+k]``)::

    acc = max(w) - x_zp                 (PoolMode.MAX)
    acc = sum(w) - k * k * x_zp         (PoolMode.AVG)
    y   = clamp(rshift_rne(acc * multiplier, shift) + y_zp, y_zp if relu else -128, 127)

i.e. `hetsoc.golden.requant.requantize`, the rounding every hetsoc unit shares. An average is
a sum whose ``1 / (k * k)`` lives in the multiplier (`hetsoc_pool.encoder.requant_params`);
max pooling passes values through unchanged with ``multiplier = 1, shift = 0, x_zp = y_zp``.

Timing (`cycles`, with an L1 that takes every request and answers a cycle later): the unit
walks the output in *strips*, runs of at most ``lanes`` outputs of one output row that end at
an aligned ``lanes``-byte boundary of the output, so each strip is one write. A strip reads, for
each of its ``k`` input rows, the aligned beats its input span ``(n - 1) * s + k`` touches, one
per cycle, and its write goes out two cycles after its last read, between the next strip's
reads. A strip of a single read that follows another strip waits one more cycle (one result is
held at a time: its read may not be issued while the previous strip's last read is in flight).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hetsoc.golden.requant import INT8_MIN, requantize

from .spec import PoolMode

__all__ = ["CHECK_CYCLES", "cycles", "pool", "read_beats", "strips"]

#: Busy cycles of the descriptor check (the whole run of a refused descriptor).
CHECK_CYCLES = 3
#: Cycles after a run's last read: its response, the result register, the write, its response.
TAIL_CYCLES = 2


def pool(x, *, mode, kernel, stride, multiplier, shift, x_zp=0, y_zp=0, relu=False,
         out_h=None, out_w=None) -> np.ndarray:
    """Pool a ``(C, H, W)`` int8 tensor; returns ``(C, out_h, out_w)`` int8.

    ``out_h`` and ``out_w`` default to every window that fits (``(H - k) // s + 1``); smaller
    values pool the top-left part, as a descriptor with those sizes does.
    """
    x = np.asarray(x)
    if x.ndim != 3 or x.dtype != np.int8:
        raise ValueError(f"x must be a (C, H, W) int8 array, not {x.dtype} {x.shape}")
    k, s = int(kernel), int(stride)
    _, h, w = x.shape
    oh = (h - k) // s + 1 if out_h is None else int(out_h)
    ow = (w - k) // s + 1 if out_w is None else int(out_w)
    if oh < 1 or ow < 1 or (oh - 1) * s + k > h or (ow - 1) * s + k > w:
        raise ValueError(f"windows of {k}x{k}, stride {s}, {oh}x{ow} of them, do not fit "
                         f"a {h}x{w} plane")
    win = sliding_window_view(x.astype(np.int64), (k, k), axis=(1, 2))[:, ::s, ::s][:, :oh, :ow]
    if PoolMode(mode) == PoolMode.MAX:
        acc = win.max(axis=(3, 4)) - int(x_zp)
    else:
        acc = win.sum(axis=(3, 4)) - k * k * int(x_zp)
    lo = int(y_zp) if relu else INT8_MIN
    return requantize(acc, int(multiplier), int(shift), int(y_zp), y_min=lo)


def strips(f: Mapping[str, int], lanes: int) -> Iterator[tuple[int, int]]:
    """``(outputs, read beats)`` of each strip of descriptor fields `f`, in the unit's order:
    channels, output rows, then strips left to right."""
    k, s, w = f["kernel"], f["stride"], f["in_w"]
    plane, out_plane = f["in_h"] * w, f["out_h"] * f["out_w"]
    for c in range(f["channels"]):
        for oy in range(f["out_h"]):
            optr = f["out_addr"] + c * out_plane + oy * f["out_w"]
            row = f["in_addr"] + c * plane + oy * s * w
            ox = 0
            while ox < f["out_w"]:
                n = min(lanes - optr % lanes, f["out_w"] - ox)
                span = (n - 1) * s + k
                beats = 0
                for ky in range(k):
                    start = row + ky * w + ox * s
                    beats += (start + span - 1) // lanes - start // lanes + 1
                yield n, beats
                ox += n
                optr += n


def read_beats(f: Mapping[str, int], lanes: int) -> int:
    """L1 reads of a descriptor (``L1_RD_BYTES`` is ``lanes`` times as many)."""
    return sum(b for _, b in strips(f, lanes))


def cycles(f: Mapping[str, int], lanes: int) -> int:
    """``BUSY_CYCLES`` of an accepted descriptor with an L1 that never stalls."""
    total = CHECK_CYCLES
    for i, (_, beats) in enumerate(strips(f, lanes)):
        # its reads, its write (slipped between the next strip's reads, or after the last)
        total += beats + 1 + (1 if i and beats == 1 else 0)
    return total + TAIL_CYCLES
