"""Cycle models of the CPU kernels (estimates; the SoC's ``mcycle`` is the measurement).

The core has no caches and every hot path of the kernels is branch-free, so a call's cycles are
a sum over the kernel's loops of (iterations x cycles per iteration). `counts` walks a call's
loops exactly as the C code in ``sw/kernels`` does and counts the iterations of each loop body
(``"gemm.iter8x2"``: one pass of the 8-channel by 2-pixel GEMM tile over two k); `CYCLES` holds
each body's cost. The inner loops' costs are the compiled loops' instruction counts plus their
load/multiply-use bubbles (`INNER_LOOPS`); the rest (call and tile set-up, requantization, loop
exits, short loops) was calibrated on measured shapes (`OVERHEADS`, from
``bench/cpu_kernels.py --calibrate``), and ``bench/cpu_kernels.py`` checks the model on other
shapes (docs/cpu.md has the figures).
"""

from __future__ import annotations

from collections import Counter

from .layout import CPU_CONV3X3, CPU_POINTWISE, CPU_WIDE, padded_extent

__all__ = ["CYCLES", "INNER_LOOPS", "OVERHEADS", "counts", "estimate"]

#: Inner loops: instructions per iteration of the compiled loop plus its load- and
#: multiply-use bubbles (an instruction right behind a load or multiply whose result it uses
#: waits one cycle), read off ``llvm-objdump -d`` of the kernels built as the firmware builds
#: them. A GEMM iteration is two k steps of its tile (8 x 2: 20 loads, 32 mul, 32 add, two
#: pointer updates and the branch = 87, plus 5 spill reloads and a bubble); a 3x3 iteration
#: is one kernel row of one input channel (2 x 4, stride 1: 6 + 6 loads, 24 mul, 24 add, two
#: pointer updates and the branch = 63, no bubble); a depthwise tile is 4 outputs of a row
#: with their requantization.
INNER_LOOPS: dict[str, float] = {
    "gemm.iter8x2": 93, "gemm.iter8x1": 53, "gemm.iter4x2": 47, "gemm.iter4x1": 29,
    "gemm.iter2x2": 27, "gemm.iter2x1": 17, "gemm.iter1x2": 17, "gemm.iter1x1": 11,
    "c3.iter2x4s1": 63, "c3.iter2x4s2": 66, "c3.iter1x4s1": 36, "c3.iter1x4s2": 39,
    "c3.iter2x1s1": 25, "c3.iter2x1s2": 25, "c3.iter1x1s1": 15, "c3.iter1x1s2": 15,
    "dw.tile4.s1": 182, "dw.tile4.s2": 196,
}

#: Everything else, calibrated (`hetsoc.accel.cpu.calibrate`): per call, tile set-up and
#: requantization, loop exits, helper calls, the short loops of the copies and sums.
OVERHEADS: dict[str, float] = {
    'add.call': 117.8, 'add.elem': 38.98, 'add.row': 60.36, 'add.wide': 113.12,
    'avgpool.call': 110.03, 'avgpool.count': 26.07, 'avgpool.flat.byte': 6.09,
    'avgpool.flat.quad': 12.05, 'avgpool.out.hi': 115.67, 'avgpool.out.lo': 126.65,
    'avgpool.plane': 44.8, 'avgpool.row': 40.21, 'avgpool.wrow': 19.14, 'avgpool.wrow.byte': 6.17,
    'avgpool.wrow.quad': 11.49, 'c3.block': 71.64, 'c3.row': 18.74, 'c3.tile1x1s1': 86.93,
    'c3.tile1x1s2': 67.22, 'c3.tile1x4s1': 151.13, 'c3.tile1x4s2': 221.45, 'c3.tile2x1s1': 107.56,
    'c3.tile2x1s2': 109.14, 'c3.tile2x4s1': 282.65, 'c3.tile2x4s2': 288.79, 'concat.call': 68.08,
    'concat.part': 31.08, 'conv.batch': 97.08, 'conv.call': 97.7, 'conv.chunk': 0.0,
    'conv.gather_odd': 8.41, 'conv.ky': 20.65, 'conv.row': 90.48, 'copy.byte': 5.61,
    'copy.call': 19.17, 'copy.quad': 14.07, 'copy.word8': 8.96, 'dense.call': 76.87,
    'dw.call': 155.96, 'dw.gky': 14.82, 'dw.gout': 61.55, 'dw.grow': 4.13, 'dw.gtap': 8.88,
    'dw.plane': 145.3, 'dw.row.s1': 59.79, 'dw.row.s2': 43.64, 'dw.tile1.s1': 63.95,
    'dw.tile1.s2': 73.34, 'fill.byte': 5.91, 'fill.call': 16.59, 'fill.quad': 7.55,
    'gather.call': 20.26, 'gather.iter': 17.23, 'gather.tail': 0.56, 'gemm.block': 18.09,
    'gemm.call': 48.13, 'gemm.peel1x1': 10.46, 'gemm.peel1x2': 13.12, 'gemm.peel2x1': 7.45,
    'gemm.peel2x2': 12.93, 'gemm.peel4x1': 41.93, 'gemm.peel4x2': 13.47, 'gemm.peel8x1': 12.46,
    'gemm.peel8x2': 34.68, 'gemm.tile1x1': 28.28, 'gemm.tile1x2': 62.8, 'gemm.tile2x1': 70.47,
    'gemm.tile2x2': 107.26, 'gemm.tile4x1': 87.06, 'gemm.tile4x2': 197.5, 'gemm.tile8x1': 238.34,
    'gemm.tile8x2': 390.73, 'map.byte': 10.69, 'map.quad': 20.97, 'maxpool.call': 77.82,
    'maxpool.lut': 1.56, 'maxpool.out0': 13.57, 'maxpool.out2': 19.55, 'maxpool.out3': 19.33,
    'maxpool.plane': 84.17, 'maxpool.row': 2.07, 'maxpool.tap': 7.89, 'maxpool.wrow0': 14.9,
    'maxpool.wrow2': 13.0, 'maxpool.wrow3': 17.87, 'pad.call': 115.84, 'pad.outrow': 0.0,
    'rescale.call': 44.05, 'rq.wide': 13.98, 'softmax.call': 79.92, 'softmax.elem.hi': 118.02,
    'softmax.elem.lo': 129.01, 'softmax.row': 34.96,
}

#: Cycles per execution of each counted loop body.
CYCLES: dict[str, float] = {**OVERHEADS, **INNER_LOOPS}


def _clamp(v, hi):
    return max(0, min(v, hi))


def _copy(c: Counter, n: int, dst: int, src: int):
    """k_copy: 8 bytes per word iteration when both ends are 4-aligned, then 4 per byte
    iteration, then single bytes (tensor bases are 8-aligned: offsets decide)."""
    c["copy.call"] += 1
    if (dst | src) % 4 == 0:
        c["copy.word8"] += n // 8
        n %= 8
    c["copy.quad"] += n // 4
    c["copy.byte"] += n % 4


def _fill(c: Counter, n: int):
    c["fill.call"] += 1
    c["fill.quad"] += n // 4
    c["fill.byte"] += n % 4


def _pad(c: Counter, planes, h, w, hn, wn, pt, pl, dst0, src0):
    """k_pad_planes of `planes` planes from byte offsets dst0 (scratch) and src0 (input)."""
    c["pad.call"] += 1
    left = _clamp(pl, wn)
    mid = _clamp(w, wn - left)
    right = wn - left - mid
    for p in range(planes):
        for r in range(hn):
            ir = r - pt
            if 0 <= ir < h:
                _fill(c, left)
                _copy(c, mid, dst0 + (p * hn + r) * wn + left, src0 + (p * h + ir) * w)
                _fill(c, right)
            else:
                c["pad.outrow"] += 1
                _fill(c, wn)


def _gemm(c: Counter, k: int, p: int, o: int, wide: bool):
    """k_gemm: blocks of 8 output channels, then 4, 2, 1; per block pixel pairs, then the odd
    pixel; per tile k // 2 unrolled iterations and one more step if k is odd."""
    c["gemm.call"] += 1
    blocks = [8] * (o // 8) + [b for b in (4, 2, 1) if o % 8 & b]
    for ob in blocks:
        c["gemm.block"] += 1
        for pb, tiles in ((2, p // 2), (1, p & 1)):
            if tiles:
                c[f"gemm.tile{ob}x{pb}"] += tiles
                c[f"gemm.iter{ob}x{pb}"] += tiles * (k // 2)
                c[f"gemm.peel{ob}x{pb}"] += tiles * (k & 1)
    if wide:
        c["rq.wide"] += o * p


def _gather(c: Counter, pairs: int):
    c["gather.call"] += 1
    c["gather.iter"] += pairs // 2
    c["gather.tail"] += pairs & 1


def _conv(c: Counter, a: dict):
    c["conv.call"] += 1
    wide = bool(a["flags"] & CPU_WIDE)
    k = a["c"] * a["kh"] * a["kw"]
    for n in range(a["n"]):
        c["conv.batch"] += 1
        x0 = n * a["c"] * a["h"] * a["w"]
        if a["flags"] & CPU_POINTWISE:
            plane = a["h"] * a["w"]
            for p0 in range(0, plane, a["chunk"]):
                np_ = min(a["chunk"], plane - p0)
                c["conv.chunk"] += 1
                for _ in range(a["c"]):
                    _gather(c, np_ // 2)
                    c["conv.gather_odd"] += np_ & 1
                _gemm(c, k, np_, a["o"], wide)
            continue
        hn, wn, padded = padded_extent(a)
        if padded:
            _pad(c, a["c"], a["h"], a["w"], hn, wn, a["pt"], a["pl"], 0, x0)
        if a["flags"] & CPU_CONV3X3:
            s = a["sh"]
            for ob, blocks in ((2, a["o"] // 2), (1, a["o"] % 2)):
                c["c3.block"] += blocks
                c["c3.row"] += blocks * a["oh"]
                for pb, tiles in ((4, a["ow"] // 4), (1, a["ow"] % 4)):
                    n_t = blocks * a["oh"] * tiles
                    c[f"c3.tile{ob}x{pb}s{s}"] += n_t
                    c[f"c3.iter{ob}x{pb}s{s}"] += n_t * 3 * a["c"]     # kernel rows x channels
            if wide:
                c["rq.wide"] += a["o"] * a["oh"] * a["ow"]
            continue
        ow = a["ow"]
        for _ in range(a["oh"]):
            c["conv.row"] += 1
            c["conv.ky"] += a["c"] * a["kh"]
            for _ in range(k):
                _gather(c, ow // 2)
                c["conv.gather_odd"] += ow & 1
            _gemm(c, k, ow, a["o"], wide)


def _dwconv(c: Counter, a: dict):
    c["dw.call"] += 1
    hn, wn, padded = padded_extent(a)
    wide = bool(a["flags"] & CPU_WIDE)
    fast = (a["kh"], a["kw"], a["dh"], a["dw"]) == (3, 3, 1, 1) and a["sh"] == a["sw"] \
        and a["sh"] <= 2 and not wide
    plane = a["h"] * a["w"]
    for i in range(a["n"] * a["c"]):
        c["dw.plane"] += 1
        if padded:
            _pad(c, 1, a["h"], a["w"], hn, wn, a["pt"], a["pl"], 0, i * plane)
        if fast:
            s = a["sh"]
            c[f"dw.row.s{s}"] += a["oh"]
            c[f"dw.tile4.s{s}"] += a["oh"] * (a["ow"] // 4)
            c[f"dw.tile1.s{s}"] += a["oh"] * (a["ow"] % 4)
        else:
            c["dw.grow"] += a["oh"]
            outs = a["oh"] * a["ow"]
            c["dw.gout"] += outs
            c["dw.gky"] += outs * a["kh"]
            c["dw.gtap"] += outs * a["kh"] * a["kw"]
            if wide:
                c["rq.wide"] += outs


def _dense(c: Counter, a: dict):
    c["dense.call"] += 1
    for _ in range(a["n"]):
        _gemm(c, a["k"], 1, a["o"], bool(a["flags"] & CPU_WIDE))


def _add(c: Counter, a: dict):
    c["add.call"] += 1
    d = a["dims"]
    rows = d[0] * d[1] * d[2]
    c["add.row"] += rows
    c["add.wide" if a["flags"] & CPU_WIDE else "add.elem"] += rows * d[3]


def _map(c: Counter, n: int, lut: bool, dst: int, src: int):
    if lut:
        c["map.quad"] += n // 4
        c["map.byte"] += n % 4
    else:
        _copy(c, n, dst, src)


def _rescale(c: Counter, a: dict):
    c["rescale.call"] += 1
    _map(c, a["count"], a["lut"].kind != "none", 0, 0)


def _concat(c: Counter, a: dict):
    c["concat.call"] += 1
    total = sum(p[2] for p in a["parts"])
    for o in range(a["outer"]):
        off = o * total
        for _, lut, inner in a["parts"]:
            c["concat.part"] += 1
            _map(c, inner, lut.kind != "none", off, o * inner)
            off += inner


def _pool_plane(c: Counter, a: dict, i: int, dil: tuple[int, int]) -> int:
    """pool_plane: the padded copy if some window reads padding; the row length."""
    s = dict(a, dh=dil[0], dw=dil[1])
    hn, wn, padded = padded_extent(s)
    if padded:
        _pad(c, 1, a["h"], a["w"], hn, wn, a["pt"], a["pl"], 0, i * a["h"] * a["w"])
        return wn
    return a["w"]


def _maxpool(c: Counter, a: dict):
    c["maxpool.call"] += 1
    kw = a["kw"] if a["kw"] in (2, 3) and a["dw"] == 1 else 0
    outs = a["oh"] * a["ow"]
    for i in range(a["n"] * a["c"]):
        c["maxpool.plane"] += 1
        _pool_plane(c, a, i, (a["dh"], a["dw"]))
        c["maxpool.row"] += a["oh"]
        c[f"maxpool.out{kw}"] += outs
        c[f"maxpool.wrow{kw}"] += outs * a["kh"]
        if not kw:
            c["maxpool.tap"] += outs * a["kh"] * a["kw"]
        if a["lut"].kind != "none":
            c["maxpool.lut"] += outs


def _run_sum(c: Counter, n: int, times: int, where: str):
    c[f"{where}.quad"] += times * (n // 4)
    c[f"{where}.byte"] += times * (n % 4)


def _avgpool(c: Counter, a: dict):
    c["avgpool.call"] += 1
    outs = a["oh"] * a["ow"]
    for i in range(a["n"] * a["c"]):
        c["avgpool.plane"] += 1
        row = _pool_plane(c, a, i, (1, 1))
        c["avgpool.row"] += a["oh"]
        # the rounding division (k_div_rne_shift: its 64-bit shift by n - 1 has two paths)
        c["avgpool.out.hi" if a["shift"] >= 33 else "avgpool.out.lo"] += outs
        if not a["count_include_pad"]:
            c["avgpool.count"] += outs     # the taps inside, from the window's position
        if row == a["kw"]:      # the window's rows back to back: one run
            _run_sum(c, a["kh"] * a["kw"], outs, "avgpool.flat")
        else:
            c["avgpool.wrow"] += outs * a["kh"]
            _run_sum(c, a["kw"], outs * a["kh"], "avgpool.wrow")


def _softmax(c: Counter, a: dict):
    c["softmax.call"] += 1
    c["softmax.row"] += a["rows"]
    # max, sum and the rounding division (two paths, as avgpool's) per element
    c["softmax.elem.hi" if a["shift"] >= 33 else "softmax.elem.lo"] += a["rows"] * a["len"]


_KERNELS = {
    "cpu_conv2d": _conv, "cpu_dwconv2d": _dwconv, "cpu_dense": _dense, "cpu_add": _add,
    "cpu_rescale": _rescale, "cpu_concat": _concat, "cpu_maxpool": _maxpool,
    "cpu_avgpool": _avgpool, "cpu_softmax": _softmax,
}


def counts(kernel: str, args: dict) -> Counter:
    """Executions of each loop body of one call of `kernel` with argument struct `args` (the
    field values `hetsoc.accel.cpu.encoder` writes)."""
    if kernel not in _KERNELS:
        raise ValueError(f"kernel must be one of {', '.join(_KERNELS)}, not {kernel!r}")
    c: Counter = Counter()
    _KERNELS[kernel](c, args)
    return c


def estimate(kernel: str, args: dict) -> int:
    """Estimated cycles of one call of `kernel` with argument struct `args`."""
    return round(sum(n * CYCLES.get(key, 0.0) for key, n in counts(kernel, args).items()))
