"""Blob layouts of the CPU kernels (docs/cpu.md): the bytes the encoder writes and the kernels
read, and the scratch sizes they need. Every table is golden's own output over all 256 inputs.
"""

from __future__ import annotations

import numpy as np

from ... import golden

__all__ = [
    "CPU_CONV3X3", "CPU_POINTWISE", "CPU_WIDE", "GEMM_BLOCKS", "POINTWISE_CHUNK_BYTES",
    "add_strides", "conv3x3_weights", "conv_scratch", "gemm_weights", "is_conv3x3", "lut_bytes",
    "padded_extent", "pool_scratch", "rq_records", "softmax_table_bytes",
]

#: Flags of the argument structs (kernels.h).
CPU_WIDE = 1          # some real multiplier is 1/4 or more: saturate and pre-scale (rq_records)
CPU_POINTWISE = 2     # conv2d 1x1, stride 1, no pads: the input planes are the GEMM's matrix
CPU_CONV3X3 = 4       # conv2d 3x3, dilation 1, stride 1 or 2: the direct path (conv3x3.c)
#: Output-channel blocks of the GEMM's weights: as many 8s as fit, then 4, 2, 1 by the bits.
GEMM_BLOCKS = (8, 4, 2, 1)
#: Largest gathered matrix of a pointwise conv (the chunk of pixels is sized to fit).
POINTWISE_CHUNK_BYTES = 16384


def _wrap32(v):
    """int64 values modulo 2^32, as int32 (the kernels accumulate modulo 2^32)."""
    v = np.asarray(v, dtype=np.int64)
    return ((v + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)


def rq_records(w, bias, x_zero_point, multiplier, shift) -> tuple[bytes, bool]:
    """Per output channel ``(bias - x_zp * sum(w[o]), m, shift, pre, bits)`` as five int32
    (20 bytes, kernels.h's cpu_rq_t), and whether some channel has golden's n <= 32 (the
    kernels' CPU_WIDE path).

    For n <= 32 the rounding point of ``acc * m`` lies in the low word; with
    ``e = max(n, 22)``, saturating acc to ``bits = e - 2`` bits and scaling it by
    ``2^pre = 2^(33 - e)`` gives the same result with shift 33: below 22 every nonzero
    accumulator saturates the output (|acc * m / 2^n| >= 512), so n may grow to 22; a
    saturated accumulator still saturates the output (|2^(e-2) m / 2^e| >= 2^28); and
    ``|acc| * 2^pre <= 2^31`` fits the kernels' int32."""
    w = np.asarray(w)
    o = w.shape[0]
    sums = w.reshape(o, -1).astype(np.int64).sum(axis=1)
    b = np.zeros(o, np.int64) if bias is None else np.asarray(bias, np.int64)
    m = np.broadcast_to(np.asarray(multiplier, np.int64), (o,))
    n = np.broadcast_to(np.asarray(shift, np.int64), (o,))
    e = np.maximum(n, 22)
    wide = n <= 32
    pre = np.where(wide, 33 - e, 0)
    bits = np.where(wide, e - 2, 31)
    rec = np.stack([_wrap32(b - int(x_zero_point) * sums), m, np.where(wide, 33, n), pre,
                    bits], axis=1).astype("<i4")
    return rec.tobytes(), bool(wide.any())


def gemm_weights(w2d) -> bytes:
    """(O, K) weights in the GEMM's blocks: 8 output channels at a time, then blocks of 4, 2
    and 1 for the bits of O % 8; each block k-major, one byte per channel of the block."""
    w2d = np.asarray(w2d, dtype=np.int8)
    o = w2d.shape[0]
    out, o0 = [], 0
    while o - o0 >= 8:
        out.append(w2d[o0:o0 + 8].T.tobytes())
        o0 += 8
    for ob in GEMM_BLOCKS[1:]:
        if (o - o0) & ob:
            out.append(w2d[o0:o0 + ob].T.tobytes())
            o0 += ob
    return b"".join(out)


def conv3x3_weights(w) -> bytes:
    """(O, C, 3, 3) weights for conv3x3.c: blocks of 2 output channels in (ky, c, kx, channel)
    order, then the odd last channel in (ky, c, kx) order."""
    w = np.asarray(w, dtype=np.int8)
    o = w.shape[0]
    out = [np.transpose(w[o0:o0 + 2], (2, 1, 3, 0)).tobytes() for o0 in range(0, o - 1, 2)]
    if o % 2:
        out.append(np.transpose(w[-1], (1, 0, 2)).tobytes())
    return b"".join(out)


def is_conv3x3(s: dict) -> bool:
    """Whether a conv2d (groups 1) takes the direct 3x3 path."""
    return (s["kh"], s["kw"], s["dh"], s["dw"]) == (3, 3, 1, 1) and s["sh"] == s["sw"] \
        and s["sh"] in (1, 2)


def padded_extent(s: dict) -> tuple[int, int, bool]:
    """Rows and columns of the padded input any window reads, and whether a copy is needed
    (some pad is read, or the windows reach past the input)."""
    hn = (s["oh"] - 1) * s["sh"] + (s["kh"] - 1) * s["dh"] + 1
    wn = (s["ow"] - 1) * s["sw"] + (s["kw"] - 1) * s["dw"] + 1
    return hn, wn, bool(s["pt"] or s["pl"] or hn > s["h"] or wn > s["w"])


def conv_scratch(s: dict, depthwise: bool, pointwise: bool) -> tuple[int, int]:
    """Scratch bytes of a conv2d / depthwise call, and the pointwise chunk (pixels per GEMM)."""
    if pointwise:
        k, plane = s["c"], s["h"] * s["w"]
        chunk = plane if k * plane <= POINTWISE_CHUNK_BYTES \
            else max(2, (POINTWISE_CHUNK_BYTES // k) & ~1)
        return k * min(chunk, plane), chunk
    hn, wn, padded = padded_extent(s)
    if depthwise:
        return (hn * wn if padded else 0), 0
    pad = (s["c"] * hn * wn + 7) & ~7 if padded else 0
    if is_conv3x3(s):
        return pad, 0
    return pad + s["c"] * s["kh"] * s["kw"] * s["ow"], 0


def pool_scratch(s: dict) -> int:
    """Scratch of a pool: one padded plane if some window reads padding."""
    hn, wn, padded = padded_extent(s)
    return hn * wn if padded else 0


def lut_bytes(p: dict, y_min: int = golden.INT8_MIN, y_max: int = golden.INT8_MAX) -> bytes:
    """256 output bytes indexed by the input's bit pattern: golden's rescale with parameters
    `p` (none: the identity), then the clamp [y_min, y_max]."""
    x = np.arange(256, dtype=np.uint8).view(np.int8)
    y = golden.rescale(x, **p) if p else x
    return golden.clip(y, y_min=y_min, y_max=y_max).tobytes()


def softmax_table_bytes(table) -> bytes:
    """golden.softmax_table as 256 little-endian uint32."""
    t = np.asarray(table, dtype=np.int64)
    return t.astype("<u4").tobytes()


def add_strides(a_shape, b_shape, out_shape):
    """numpy broadcasting as four output axes (outermost first) with a's and b's element
    strides (0 where broadcast), after dropping size-1 axes and merging neighbours that both
    operands walk contiguously, so the kernel's inner loop is as long as possible."""
    rank = len(out_shape)

    def strides(shape):
        shape = (1,) * (rank - len(shape)) + tuple(shape)
        st, step = [], 1
        for d in reversed(shape):
            st.append(step if d > 1 else 0)
            step *= d
        return list(reversed(st))

    dims, sa, sb = list(out_shape), strides(a_shape), strides(b_shape)
    axes = [(d, x, y) for d, x, y in zip(dims, sa, sb, strict=True) if d > 1]
    merged: list[tuple[int, int, int]] = []
    for d, x, y in axes:
        if merged:
            pd, px, py = merged[-1]
            if px == x * d and py == y * d:
                merged[-1] = (pd * d, x, y)
                continue
        merged.append((d, x, y))
    if len(merged) > 4:
        raise ValueError(f"add broadcasting needs at most 4 axes after merging, not "
                         f"{len(merged)}")
    merged = [(1, 0, 0)] * (4 - len(merged)) + merged
    return (tuple(m[0] for m in merged), tuple(m[1] for m in merged),
            tuple(m[2] for m in merged))
