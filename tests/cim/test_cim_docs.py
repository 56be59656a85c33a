"""docs/cim.md states the timing model that `hetsoc.cim.cycles` computes (and the RTL meets,
test_cim_layers)."""

from pathlib import Path

from hetsoc.accel.cim.cost import cycles

DOC = (Path(__file__).resolve().parents[2] / "docs" / "cim.md").read_text()


def test_doc_formula_is_the_model():
    assert "cycles = 2 + 2K + P * (R + 2 + ceil(R / Rp) * ceil(K / Cp) + 2K)" in DOC
    for r, k, p, rp, cp in [(1152, 128, 64, 32, 32), (18, 5, 9, 8, 8), (1, 1, 1, 4, 2)]:
        f = dict(rows=r, out_c=k, out_h=p, out_w=1)
        want = 2 + 2 * k + p * (r + 2 + -(-r // rp) * -(-k // cp) + 2 * k)
        assert cycles(f, rp, cp) == want


def test_doc_numbers_follow_the_model():
    # 3x3 conv 128->128 at 8x8 on 1152x512 with 32x32 tiles: 1,153 gather and 145 MVM cycles
    # per pixel, 99,714 in all (the figure bench/cim.py measured on the RTL).
    assert cycles(dict(rows=1152, out_c=128, out_h=8, out_w=8), 32, 32) == 99_714
    assert "99,714" in DOC and "1,153 gather cycles" in DOC and "145 MVM cycles" in DOC
