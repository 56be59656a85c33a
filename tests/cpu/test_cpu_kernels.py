"""Every CPU kernel bit-exact with hetsoc.golden on many seeded random shapes, run by unicorn
(QEMU's RV32IM, far faster than the RTL; the same firmware runs on the SoC in
test_cpu_soc.py): strides, asymmetric and large pads, dilations, odd sizes, channel counts of
every remainder, batches, zero points, clamps, exact ties, the 64-bit requantization path,
broadcasting, concat axes, softmax lengths. Each run also checks that nothing but the output
and the scratch buffer was written (inputs, blob, guard bands)."""

import numpy as np
import pytest

from hetsoc.accel.cpu import testgen as tg
from hetsoc.accel.cpu.bench import run_cases
from hetsoc.accel.cpu.encoder import Ref


def _check(cases):
    results = run_cases(cases, "unicorn")
    bad = [r.mismatch() or f"{r.case.name}: wrote outside its output"
           for r in results if not (r.exact and r.guards_ok)]
    assert not bad, "\n".join(bad)
    for r in results:   # the outputs are not degenerate: they would hide wrong arithmetic
        y = r.case.expected.astype(int)
        assert y.size < 8 or len(np.unique(y)) > 1, r.case.name


def _r(rng, lo, hi):
    return int(rng.integers(lo, hi + 1))


def _pads(rng, hi):
    return tuple(_r(rng, 0, hi) for _ in range(4))


def _conv_options(rng, i):
    """Clamps, ties, the wide path, narrow input ranges, no bias: in turn."""
    return dict(clamp=("random", None, (-128, 127))[i % 3], ties=i % 4 == 1,
                wide=i % 7 == 3, bias=i % 5 != 2,
                x_range=(-128, 127) if i % 6 else (-30, 40),
                w_range=(-127, 127) if i % 7 != 3 else (-3, 3))


def test_conv3x3():
    """The direct 3x3 path: strides 1 and 2, pads up to 3 on any side, every remainder of
    output channels (pairs) and of row lengths (4 outputs at a time)."""
    rng = np.random.default_rng(31)
    cases = []
    for i in range(40):
        s = 1 + i % 2
        cases.append(tg.conv_case(rng, f"conv3x3_{i}", c=_r(rng, 1, 9), o=_r(rng, 1, 9),
                                  h=_r(rng, 3, 14), w=_r(rng, 3, 15), kernel=(3, 3),
                                  strides=(s, s), pads=_pads(rng, 3), n=_r(rng, 1, 2),
                                  **_conv_options(rng, i)))
    _check(cases)


def test_conv_general():
    """im2col and the GEMM: any kernel, unequal strides and dilations, pads, the DS-CNN's
    10x4 stride 2 first layer, output channels of every remainder modulo 8."""
    rng = np.random.default_rng(32)
    cases = [tg.conv_case(rng, "dscnn_conv1", c=1, o=20, h=49, w=10, kernel=(10, 4),
                          strides=(2, 2), pads=(4, 1, 5, 1))]
    for i in range(40):
        cases.append(tg.fitting(lambda i=i: tg.conv_case(
            rng, f"conv_{i}", c=_r(rng, 1, 6), o=_r(rng, 1, 20), h=_r(rng, 4, 12),
            w=_r(rng, 4, 12), kernel=(_r(rng, 1, 5), _r(rng, 1, 5)),
            strides=(_r(rng, 1, 3), _r(rng, 1, 3)), dilations=(_r(rng, 1, 3), _r(rng, 1, 2)),
            pads=_pads(rng, 2), n=_r(rng, 1, 2), **_conv_options(rng, i))))
    _check(cases)


def test_conv_pointwise():
    """1x1 stride 1: odd pixel counts, chunks of pixels (a gathered matrix above 16 KiB), and
    1x1 with stride or pads (the general path)."""
    rng = np.random.default_rng(33)
    cases = [tg.conv_case(rng, "chunks", c=70, o=9, h=16, w=15, kernel=(1, 1)),
             tg.conv_case(rng, "strided", c=5, o=11, h=9, w=8, kernel=(1, 1), strides=(2, 2)),
             tg.conv_case(rng, "padded", c=3, o=6, h=5, w=4, kernel=(1, 1), pads=(1, 0, 2, 1))]
    for i in range(25):
        cases.append(tg.conv_case(rng, f"pointwise_{i}", c=_r(rng, 1, 40), o=_r(rng, 1, 40),
                                  h=_r(rng, 1, 9), w=_r(rng, 1, 9), kernel=(1, 1),
                                  n=_r(rng, 1, 2), **_conv_options(rng, i)))
    _check(cases)


def test_depthwise():
    rng = np.random.default_rng(34)
    cases = []
    for i in range(30):
        c = _r(rng, 1, 9)
        if i % 3:
            s = 1 + i % 2
            kw = dict(kernel=(3, 3), strides=(s, s), pads=_pads(rng, 2))
        else:
            kw = dict(kernel=(_r(rng, 1, 5), _r(rng, 1, 5)),
                      strides=(_r(rng, 1, 3), _r(rng, 1, 3)),
                      dilations=(_r(rng, 1, 2), _r(rng, 1, 2)), pads=_pads(rng, 2))
        cases.append(tg.fitting(lambda i=i, c=c, kw=kw: tg.conv_case(
            rng, f"dw_{i}", c=c, o=c, h=_r(rng, 3, 13), w=_r(rng, 3, 13), depthwise=True,
            n=_r(rng, 1, 2), **kw, **_conv_options(rng, i))))
    _check(cases)


def test_dense():
    rng = np.random.default_rng(35)
    cases = [tg.dense_case(rng, "dense_640", k=640, o=37)]
    for i in range(40):
        cases.append(tg.dense_case(rng, f"dense_{i}", k=_r(rng, 1, 300), o=_r(rng, 1, 70),
                                   n=_r(rng, 1, 4), clamp=("random", None)[i % 2],
                                   ties=i % 4 == 1, wide=i % 7 == 3, bias=i % 5 != 2,
                                   w_range=(-127, 127) if i % 7 != 3 else (-2, 2)))
    _check(cases)


def test_add():
    """Broadcasting of every kind (scalars, channels, rows, both sides), the three rounding
    paths (shifts >= 33, 11..32 scaled, < 11 in 64 bits), exact ties, clamps."""
    rng = np.random.default_rng(36)
    shapes = [((1, 4, 5, 6), (1, 4, 5, 6)), ((1, 8, 3, 3), (1, 8, 1, 1)), ((2, 3, 7), (7,)),
              ((2, 1, 5), (1, 3, 1)), ((1,), (3, 4)), ((6, 1), (1, 5)), ((17,), (17,)),
              ((1, 2, 3, 4), (2, 1, 4)), ((3, 1, 1, 2), (1, 2, 2, 1)), ((1, 1), (1, 1))]
    ratios = [(0.4, 1.25), (0.05, 0.45), (1e7, 1e8), (2.0, 100.0)]
    cases = []
    for i in range(40):
        a, b = shapes[i % len(shapes)]
        if i % 3 == 1:
            a, b = b, a
        cases.append(tg.add_case(rng, f"add_{i}", a_shape=a, b_shape=b,
                                 clamp=("random", None)[i % 2], ties=i % 5 == 4,
                                 ratio=ratios[i % len(ratios)]))
    _check(cases)


def test_pools():
    """maxpool (2, 3 and other widths, dilations, pads that only pad, requantized or not),
    avgpool (pads, count_include_pad, exact ties, both rounding paths), global_avgpool."""
    rng = np.random.default_rng(37)
    cases = [tg.pool_case(rng, "dscnn_avgpool", op="avgpool", shape=(1, 6, 25, 5),
                          kernel=(24, 5), strides=(24, 5)),
             tg.pool_case(rng, "padding_only_avg", op="avgpool", shape=(1, 2, 5, 5),
                          kernel=(2, 2), strides=(2, 2), pads=(2, 3, 1, 0),
                          count_include_pad=True),
             tg.pool_case(rng, "padding_only_max", op="maxpool", shape=(1, 2, 5, 5),
                          kernel=(2, 2), strides=(2, 2), pads=(2, 3, 1, 0))]
    for i in range(20):
        cases.append(tg.fitting(lambda i=i: tg.pool_case(
            rng, f"maxpool_{i}", op="maxpool",
            shape=(_r(rng, 1, 2), _r(rng, 1, 4), _r(rng, 3, 11), _r(rng, 3, 11)),
            kernel=(_r(rng, 1, 3), (2, 3, 4, 1)[i % 4]), strides=(_r(rng, 1, 3), _r(rng, 1, 3)),
            pads=_pads(rng, 2), dilations=(_r(rng, 1, 2), _r(rng, 1, 2)), requant=i % 2 == 1,
            ties=i % 4 == 3)))
    for i in range(24):
        kh, kw = _r(rng, 1, 4), _r(rng, 1, 4)
        cases.append(tg.pool_case(rng, f"avgpool_{i}", op="avgpool",
                                  shape=(_r(rng, 1, 2), _r(rng, 1, 4), _r(rng, 4, 11),
                                         _r(rng, 4, 11)),
                                  kernel=(kh, kw), strides=(_r(rng, 1, 3), _r(rng, 1, 3)),
                                  pads=tuple(min(v, kh - 1, kw - 1) for v in _pads(rng, 2)),
                                  count_include_pad=i % 2 == 1,
                                  ties=i % 3 == 0,
                                  ratio=(5.0, 10.0) if i % 4 == 2 else (0.5, 2.0)))
    for i in range(6):
        cases.append(tg.pool_case(rng, f"global_{i}", op="global_avgpool",
                                  shape=(_r(rng, 1, 2), _r(rng, 1, 8), _r(rng, 1, 12),
                                         _r(rng, 1, 12)), ties=i % 2 == 0))
    _check(cases)


def test_rescale_and_concat():
    rng = np.random.default_rng(38)
    cases = []
    for i in range(12):
        n = _r(rng, 1, 200)
        op = ("reshape", "clip")[i % 2]
        cases.append(tg.rescale_case(rng, f"{op}_{i}", op=op, shape=(1, n), new_shape=(n, 1),
                                     requant=i % 3 != 0))
    for i in range(16):
        rank = _r(rng, 2, 4)
        axis = _r(rng, -rank, rank - 1)
        base = [_r(rng, 1, 4) for _ in range(rank)]
        shapes = []
        for _ in range(_r(rng, 1, 4)):
            s = list(base)
            s[axis] = _r(rng, 1, 6)
            shapes.append(tuple(s))
        cases.append(tg.concat_case(rng, f"concat_{i}", shapes=shapes, axis=axis,
                                    same=(0,) if i % 2 else ()))
    _check(cases)


@pytest.mark.parametrize("seed", [39, 40])
def test_softmax(seed):
    """Lengths 1 to 300 (the table sum up to 2^25), several rows and ranks, input scales from
    fine to coarse, output scales 1/256 (the zoo's) and 1/255 (ties of the division)."""
    rng = np.random.default_rng(seed)
    cases = []
    for i, length in enumerate([1, 2, 3, 10, 12, 33, 100, 300]):
        shape = [(1, length), (3, length), (2, 2, length)][i % 3]
        cases.append(tg.softmax_case(rng, f"softmax_{length}", shape=shape,
                                     x_scale=(0.01, 0.0625, 0.3)[i % 3],
                                     y_scale=(1 / 256, 1 / 255)[i % 2],
                                     y_zp=(-128, 0)[i % 2]))
    _check(cases)


def test_harness_sees_stray_writes():
    """The checks can fail: a clip one byte too long writes past its output, and one whose
    output is its input changes the input (and leaves the output as it was)."""
    rng = np.random.default_rng(41)
    long, into = (tg.rescale_case(rng, n, op="clip", shape=(1, 30)) for n in ("long", "into"))
    long.call.args = tuple((k, v + 1 if k == "count" else v) for k, v in long.call.args)
    into.call.args = tuple((k, Ref("input", 0, "int8_t *") if k == "y" else v)
                           for k, v in into.call.args)
    results = run_cases([long, into], "unicorn")
    assert [r.exact for r in results] == [True, False]
    assert [r.guards_ok for r in results] == [False, False]
