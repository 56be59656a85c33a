"""docs/cim.md states the timing model that `hetsoc.accel.cim.cost.cycles` computes (and the RTL
meets, test_cim_layers)."""

from pathlib import Path

import pytest

from hetsoc.accel.cim.cost import cycles, pixel_gather_beats

DOC = (Path(__file__).resolve().parents[2] / "docs" / "cim.md").read_text()


def _aligned(c, kh, h, k):
    """A layer whose every tap is 8-byte aligned (C a multiple of 8, no padding) and whose
    outputs start on 8-byte words (K a multiple of 8)."""
    o = h - kh + 1
    return dict(rows=c * kh * kh, in_c=c, in_h=h, in_w=h, kh=kh, kw=kh, stride=1, out_h=o,
                out_w=o, out_c=k, row_i0=0, row_j0=0, row_c0=0, in_addr=0, out_addr=0,
                out_pix_stride=k, pad_top=0, pad_left=0)


@pytest.mark.parametrize("c, kh, h, k, rp, cp, pc", [
    (128, 3, 10, 128, 32, 32, 8), (16, 3, 6, 16, 32, 32, 8), (8, 1, 4, 24, 8, 8, 4),
    (64, 3, 5, 64, 16, 16, 2),
])
def test_doc_formula_is_the_model(c, kh, h, k, rp, cp, pc):
    """The doc's sum, written out independently for aligned layers: G = kh^2 C / 8 beats per
    pixel, K / Pc writes."""
    assert "1 + (2K + 1) + (G_0 + 2) + sum_p (M + 1 + W_p) + sum_{p >= 1} V_p" in DOC
    f = _aligned(c, kh, h, k)
    p = f["out_h"] * f["out_w"]
    g = kh * kh * c // 8
    assert pixel_gather_beats(f) == [g] * p
    m = -(-f["rows"] // rp) * -(-k // cp)
    w = 1 + -(-k // pc)
    v = 1 if g <= m + 2 else g - (m + 2) + 2
    assert cycles(f, rp, cp, pc) == 1 + (2 * k + 1) + (g + 2) + p * (m + 1 + w) + (p - 1) * v


def test_a_tap_costs_the_words_it_touches():
    """One 1x1 pixel, 5 channels at byte 6: words 0 and 1, two beats; padding 8 rows a beat."""
    f = dict(rows=5, in_c=5, in_h=1, in_w=1, kh=1, kw=1, stride=1, out_h=1, out_w=1, out_c=1,
             row_i0=0, row_j0=0, row_c0=0, in_addr=6)
    assert pixel_gather_beats(f) == [2]
    padded = dict(f, rows=9 * 12, in_c=12, kh=3, kw=3, pad_top=1, pad_left=1, in_addr=0)
    # 8 of the 9 taps are padding (2 beats each); the centre reads bytes 0..11 (2 words)
    assert pixel_gather_beats(padded) == [8 * 2 + 2]


def test_doc_numbers_follow_the_model():
    """3x3 conv 128->128 at 8x8 (padded), 32x32 tiles: 144 gather beats per inner pixel, 144
    MVM tiles, 16 writes of 8 columns."""
    f = dict(_aligned(128, 3, 8, 128), out_h=8, out_w=8, pad_top=1, pad_left=1)
    beats = pixel_gather_beats(f)
    assert max(beats) == 144 and -(-1152 // 32) * -(-128 // 32) == 144
    assert "144 beats" in DOC and "144 MVM cycles" in DOC and "writes 16" in DOC
