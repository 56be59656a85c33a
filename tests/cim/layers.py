"""Hypothesis strategies for CIM layers (conv2d and dense) and the golden reference of one
layer, shared by the tests and ``bench/cim.py``."""

import numpy as np
from hypothesis import strategies as st

from hetsoc.golden import cim_conv2d

__all__ = ["golden", "layers"]


@st.composite
def layers(draw, max_pixel_rows=400):
    """One CIM layer as `CimBench.run` takes it: conv2d (kernel 1..7, stride 1/2, padding) or
    dense (a 1x1 kernel on a 1x1 image), noise off or on with a drawn seed."""
    dense = draw(st.booleans()) if draw(st.integers(0, 3)) == 0 else False
    if dense:
        c, h, w, kh, kw, s, pads = draw(st.integers(1, 48)), 1, 1, 1, 1, 1, (0, 0, 0, 0)
    else:
        kh = draw(st.sampled_from([1, 2, 3, 3, 3, 5, 7]))
        kw = kh if draw(st.integers(0, 3)) else draw(st.integers(1, 7))
        s = draw(st.sampled_from([1, 2]))
        pads = tuple(draw(st.integers(0, min(3, k - 1))) for k in (kh, kw, kh, kw))
        h = draw(st.integers(max(1, kh - pads[0] - pads[2]), kh + 4))
        w = draw(st.integers(max(1, kw - pads[1] - pads[3]), kw + 4))
        c = draw(st.integers(1, 4))
    oh = (h + pads[0] + pads[2] - kh) // s + 1
    ow = (w + pads[1] + pads[3] - kw) // s + 1
    k = draw(st.integers(1, 24))
    if oh * ow * kh * kw * c > max_pixel_rows:
        c = max(1, max_pixel_rows // (oh * ow * kh * kw))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, (c, h, w)).astype(np.int8)
    density = draw(st.sampled_from([0.0, 0.3, 0.7, 1.0]))
    wt = (rng.integers(-1, 2, (k, c, kh, kw)) * (rng.random((k, c, kh, kw)) < density))
    noisy = draw(st.booleans())
    y_lo = draw(st.sampled_from([-128, -128, -5, 0]))
    return dict(
        x=x, w=wt.astype(np.int8), bias=rng.integers(-300, 300, k),
        multiplier=rng.integers(2 ** 30, 2 ** 31, k), shift=rng.integers(6, 16, k),
        x_zero_point=draw(st.integers(-20, 20)), y_zero_point=draw(st.integers(-10, 10)),
        y_min=y_lo, y_max=draw(st.sampled_from([127, 127, 40])),
        input_shift=draw(st.integers(0, 2)), adc_shift=draw(st.integers(0, 5)),
        strides=(s, s), pads=pads, adc_offset=draw(st.integers(-3, 3)),
        noise_scale=draw(st.integers(1, 3000)) if noisy else 0, seed=seed)


def golden(layer, rows, cols):
    """The golden int8 output (K, OH, OW) of one image of ``layer`` on a rows x cols macro."""
    layer = dict(layer)
    x = layer.pop("x")
    return cim_conv2d(x[None], layer.pop("w"), layer.pop("bias"), rows=rows, cols=cols,
                      **layer)[0]
