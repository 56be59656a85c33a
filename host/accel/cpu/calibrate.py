"""Calibration of the kernels' cycle model (`hetsoc.accel.cpu.cost.OVERHEADS`).

`calibration_cases` draws small layers of every kernel and every code path (3x3 tiles of both
strides and all remainders, GEMM blocks of 8, 4, 2 and 1 channels, odd and even k, the wide
requantization, padded and unpadded pools, aligned and unaligned copies...). Measured on the
Verilator SoC, their cycles are a linear function of the loop counts of `cost.counts`: `fit`
solves for the costs not fixed by `cost.INNER_LOOPS`, non-negative, weighting every case by its
relative error. ``bench/cpu_kernels.py --calibrate`` runs both and prints the table; the bench
then checks the model on its own (larger) shapes.
"""

from __future__ import annotations

import numpy as np

from . import cost
from . import testgen as tg

__all__ = ["calibration_cases", "fit", "nnls"]


def calibration_cases(rng: np.random.Generator) -> list[tg.KernelCase]:
    """About 120 small random layers covering every counted loop of every kernel."""
    cs = []

    def r(a, b):
        return int(rng.integers(a, b + 1))

    def pads(hi=1):
        return tuple(r(0, hi) for _ in range(4))

    for i in range(14):
        s = 1 + i % 2
        cs.append(tg.conv_case(rng, f"conv3x3_{i}", c=r(1, 8), o=r(1, 5), h=r(3, 12),
                               w=r(3, 13), kernel=(3, 3), strides=(s, s),
                               pads=pads() if i % 3 else (0, 0, 0, 0), n=r(1, 2), wide=i == 5))
    for i in range(14):
        cs.append(tg.fitting(lambda i=i: tg.conv_case(
            rng, f"conv_{i}", c=r(1, 4), o=r(1, 19), h=r(5, 11), w=r(5, 11),
            kernel=(r(1, 4), r(1, 4)), strides=(r(1, 3), r(1, 3)), dilations=(r(1, 2), r(1, 2)),
            pads=pads(), n=r(1, 2), wide=i == 3)))
    for i in range(10):
        cs.append(tg.conv_case(rng, f"pointwise_{i}", c=r(1, 20), o=r(1, 19), h=r(2, 9),
                               w=r(2, 9), kernel=(1, 1), n=r(1, 2), wide=i == 2))
    cs.append(tg.conv_case(rng, "pointwise_chunks", c=8, o=3, h=48, w=48, kernel=(1, 1)))
    for i in range(12):
        cs.append(tg.dense_case(rng, f"dense_{i}", k=r(1, 90), o=r(1, 25), n=r(1, 3),
                                wide=i == 4))
    for i in range(16):
        c = r(2, 8)
        if i < 12:      # a third of them read no padding (no padded copy)
            s = 1 + i % 2
            cs.append(tg.conv_case(rng, f"dw3x3_{i}", c=c, o=c, h=r(3, 13), w=r(3, 14),
                                   kernel=(3, 3), strides=(s, s),
                                   pads=pads() if i % 3 else (0, 0, 0, 0), depthwise=True,
                                   n=r(1, 2)))
        else:
            cs.append(tg.fitting(lambda i=i, c=c: tg.conv_case(
                rng, f"dw_{i}", c=c, o=c, h=r(5, 10), w=r(5, 10), kernel=(r(1, 4), r(1, 4)),
                strides=(r(1, 2), r(1, 2)), dilations=(r(1, 2), 1), pads=pads(),
                depthwise=True, wide=i == 13)))
    for i in range(8):
        shape = (r(1, 2), r(1, 5), r(1, 6), r(1, 9))
        other = tuple(d if rng.random() < 0.6 else 1 for d in shape)
        ratio = {3: (1e7, 1e8), 5: (0.05, 0.45)}.get(i, (0.4, 1.25))
        cs.append(tg.add_case(rng, f"add_{i}", a_shape=shape, b_shape=other, ratio=ratio))
    for i in range(6):
        n = r(1, 300)
        cs.append(tg.rescale_case(rng, f"rescale_{i}", op="clip" if i % 2 else "reshape",
                                  shape=(1, n), new_shape=(n, 1), requant=i % 3 != 0))
    for i in range(6):
        axis = r(0, 3)
        base = [r(1, 3), r(1, 4), r(1, 5), r(1, 6)]
        shapes = []
        for _ in range(r(1, 3)):
            s = list(base)
            s[axis] = r(1, 5)
            shapes.append(tuple(s))
        cs.append(tg.concat_case(rng, f"concat_{i}", shapes=shapes, axis=axis,
                                 same=(0,) if i % 2 else ()))
    for i in range(10):
        cs.append(tg.fitting(lambda i=i: tg.pool_case(
            rng, f"maxpool_{i}", op="maxpool", shape=(1, r(1, 4), r(6, 12), r(6, 12)),
            kernel=(r(1, 3), (2, 3, 4)[i % 3]), strides=(r(1, 2), r(1, 2)), pads=pads(),
            dilations=(r(1, 2), 1 if i % 2 else r(1, 2)), requant=bool(i % 2))))
    for i in range(10):
        kh, kw = r(1, 4), r(1, 5)
        cs.append(tg.pool_case(rng, f"avgpool_{i}", op="avgpool",
                               shape=(1, r(1, 3), r(6, 10), r(6, 10)), kernel=(kh, kw),
                               strides=(r(1, 2), r(1, 2)),
                               pads=tuple(min(v, kh - 1, kw - 1) for v in pads()),
                               count_include_pad=bool(i % 2),
                               ratio=(5.0, 10.0) if i < 3 else (0.5, 2.0)))
    for i in range(4):
        cs.append(tg.pool_case(rng, f"global_avgpool_{i}", op="global_avgpool",
                               shape=(1, r(1, 6), r(1, 9), r(1, 9))))
    for i in range(6):
        cs.append(tg.softmax_case(rng, f"softmax_{i}", shape=(r(1, 3), r(1, 40)),
                                  y_scale=(1 / 256, 8.0)[i % 2]))
    return cs


def nnls(a: np.ndarray, b: np.ndarray, iterations: int = 500) -> np.ndarray:
    """min |a x - b| with x >= 0 (Lawson and Hanson's active set method)."""
    n = a.shape[1]
    x = np.zeros(n)
    free = np.zeros(n, bool)
    for _ in range(iterations):
        grad = a.T @ (b - a @ x)
        if free.all() or grad[~free].max(initial=0) <= 1e-9 * max(1.0, abs(grad).max()):
            break
        free[np.argmax(np.where(free, -np.inf, grad))] = True
        while True:
            z = np.zeros(n)
            z[free] = np.linalg.lstsq(a[:, free], b, rcond=None)[0]
            if (z[free] > 0).all():
                x = z
                break
            neg = free & (z <= 0)
            step = np.min(x[neg] / (x[neg] - z[neg]))
            x = x + step * (z - x)
            free &= x > 1e-12
    return x


def fit(measured: list[tuple[dict, int]]) -> tuple[dict[str, float], np.ndarray]:
    """Overhead costs from ``(loop counts, measured cycles)`` pairs, `cost.INNER_LOOPS` fixed;
    and the relative errors (%) of the fitted model on those pairs."""
    keys = sorted({k for counts, _ in measured for k in counts} - set(cost.INNER_LOOPS))
    a = np.array([[c.get(k, 0) for k in keys] for c, _ in measured], float)
    fixed = np.array([sum(n * cost.INNER_LOOPS.get(k, 0) for k, n in c.items())
                      for c, _ in measured], float)
    y = np.array([cycles for _, cycles in measured], float)
    weight = 1 / y
    x = nnls(a * weight[:, None], (y - fixed) * weight)
    errors = ((a @ x + fixed) - y) / y * 100
    return {k: round(float(v), 2) for k, v in zip(keys, x, strict=True)}, errors
