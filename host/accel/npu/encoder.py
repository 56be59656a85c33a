"""Host-side encoder for the NPU: descriptors, weight-memory images and L1 placement.

The descriptor words come from `hetsoc.spec.npu.pack_descriptor` (the gateware's own
`data.StructLayout`), so the encoder and the hardware share one definition. Tensors are placed
in L1 as NCHW (dense: ``(N, K)`` row-major); the arithmetic is that of `hetsoc.golden`, which
the tests call on the same arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ...spec.npu import PARAM_WORDS, Op, pack_descriptor

__all__ = ["NpuJob", "conv_job", "dense_job", "add_job", "weight_image"]


@dataclass
class NpuJob:
    """One layer for the NPU: what to load, the descriptor, where the result lands."""

    desc: list[int]
    weights: bytes                 # image for the weight memory, from word ``w_base``
    w_base: int
    inputs: list[tuple[int, bytes]] = field(default_factory=list)  # (L1 offset, bytes)
    out_base: int = 0
    out_shape: tuple[int, ...] = ()
    macs: int = 0

    def output(self, l1: bytes | bytearray) -> np.ndarray:
        """The int8 result read from an L1 image."""
        n = int(np.prod(self.out_shape))
        raw = bytes(l1[self.out_base:self.out_base + n])
        return np.frombuffer(raw, dtype=np.int8).reshape(self.out_shape)


def _int8(x, name):
    x = np.asarray(x)
    if x.dtype != np.int8:
        raise TypeError(f"{name} must be an int8 array, not {x.dtype}")
    return x


def weight_image(w, bias, multiplier, shift, *, rows: int, depthwise: bool = False) -> bytes:
    """The weight-memory image of a conv (OIHW weights) or depthwise (O1HW) layer.

    Per block of ``rows`` output channels: ``PARAM_WORDS`` words (int32 biases, multipliers,
    one shift byte per channel; lane ``r`` is channel ``k0 + r``), then one ``rows``-byte word
    per tap: ``(c, ky, kx)`` for conv (lane r holds ``w[k0 + r, c, ky, kx]``); for depthwise
    ``(r', ky, kx)`` over the block's own channels, with only lane ``r'`` non-zero, which is how
    a channel-by-channel op runs on a broadcast array.
    """
    w = _int8(w, "w")
    o, cg, kh, kw = w.shape
    bias = np.zeros(o, np.int64) if bias is None else np.asarray(bias, np.int64)
    mult = np.broadcast_to(np.asarray(multiplier, np.int64), (o,))
    sh = np.broadcast_to(np.asarray(shift, np.int64), (o,))
    out = bytearray()
    for k0 in range(0, o, rows):
        n = min(rows, o - k0)
        lanes = np.zeros((3, rows), np.int64)
        lanes[0, :n], lanes[1, :n], lanes[2, :n] = bias[k0:k0 + n], mult[k0:k0 + n], \
            sh[k0:k0 + n]
        out += lanes[0].astype("<i4").tobytes() + lanes[1].astype("<u4").tobytes()
        out += lanes[2].astype(np.uint8).tobytes()
        if depthwise:
            taps = np.zeros((n, kh, kw, rows), np.int8)
            for r in range(n):
                taps[r, :, :, r] = w[k0 + r, 0]
        else:
            taps = np.zeros((cg, kh, kw, rows), np.int8)
            taps[..., :n] = w[k0:k0 + n].transpose(1, 2, 3, 0)
        out += taps.tobytes()
    assert len(out) % rows == 0 and len(out) // rows >= PARAM_WORDS
    return bytes(out)


def conv_job(x, w, bias, *, x_zero_point, multiplier, shift, y_zero_point, strides=(1, 1),
             pads=(0, 0, 0, 0), groups=1, y_min=-128, y_max=127, rows=16, cols=16, in_base=0,
             out_base=None, w_base=0) -> NpuJob:
    """A conv2d (groups 1) or depthwise (groups = channels) layer with golden's arguments.

    ``x`` is one image (1, C, H, W); it is placed at ``in_base`` and the output right after it
    unless ``out_base`` is given. Outputs at most ``cols / 2`` wide are folded (two output rows
    per tile), which keeps the array's columns busy on narrow images.
    """
    x, w = _int8(x, "x"), _int8(w, "w")
    _, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    if groups not in (1, c):
        raise ValueError(f"groups must be 1 or the channel count {c}, not {groups!r}")
    depthwise = groups == c and c > 1
    top, left, bottom, right = pads
    sh, sw = strides
    if sh != sw:
        raise ValueError(f"strides must be equal, not {strides!r}")
    oh = (h + top + bottom - kh) // sh + 1
    ow = (wd + left + right - kw) // sw + 1
    if out_base is None:
        out_base = in_base + x.nbytes
    desc = pack_descriptor(
        op=int(Op.DEPTHWISE if depthwise else Op.CONV), kh=kh, kw=kw, stride=sh,
        pad_t=top, pad_l=left, pad_b=bottom, pad_r=right, x_zp=int(x_zero_point),
        y_zp=int(y_zero_point), y_min=int(y_min), y_max=int(y_max),
        in_base=in_base, in_c=c, in_h=h, in_w=wd, in_cs=h * wd, in_rs=wd,
        out_base=out_base, out_k=o, out_h=oh, out_w=ow, out_cs=oh * ow, out_rs=ow,
        w_base=w_base, fold=int(cols >= 2 and 2 * ow <= cols and oh > 1))
    macs = o * oh * ow * kh * kw * (1 if depthwise else c)
    return NpuJob(desc, weight_image(w, bias, multiplier, shift, rows=rows,
                                     depthwise=depthwise), w_base,
                  [(in_base, x.tobytes())], out_base, (1, o, oh, ow), macs)


def dense_job(x, w, bias, *, x_zero_point, multiplier, shift, y_zero_point, y_min=-128,
              y_max=127, rows=16, in_base=0, out_base=None, w_base=0) -> NpuJob:
    """A dense layer, x (N, K) and w (O, K): a 1x1 conv over N one-pixel rows."""
    x, w = _int8(x, "x"), _int8(w, "w")
    n, k = x.shape
    o = w.shape[0]
    if out_base is None:
        out_base = in_base + x.nbytes
    desc = pack_descriptor(
        op=int(Op.DENSE), kh=1, kw=1, stride=1, x_zp=int(x_zero_point), y_zp=int(y_zero_point),
        y_min=int(y_min), y_max=int(y_max), in_base=in_base, in_c=k, in_h=n, in_w=1, in_cs=1,
        in_rs=k, out_base=out_base, out_k=o, out_h=n, out_w=1, out_cs=1, out_rs=o,
        w_base=w_base)
    return NpuJob(desc, weight_image(w.reshape(o, k, 1, 1), bias, multiplier, shift, rows=rows),
                  w_base, [(in_base, x.tobytes())], out_base, (n, o), n * o * k)


def add_job(a, b, *, a_zero_point, b_zero_point, a_multiplier, b_multiplier, shift,
            y_zero_point, y_min=-128, y_max=127, a_base=0, b_base=None, out_base=None,
            align=32) -> NpuJob:
    """A residual add of two same-shaped int8 tensors (flattened); bases aligned to ``align``."""
    a, b = _int8(a, "a"), _int8(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must have one shape, not {a.shape} and {b.shape}")
    size = -(-a.nbytes // align) * align
    b_base = a_base + size if b_base is None else b_base
    out_base = b_base + size if out_base is None else out_base
    desc = pack_descriptor(
        op=int(Op.ADD), x_zp=int(a_zero_point), b_zp=int(b_zero_point), y_zp=int(y_zero_point),
        y_min=int(y_min), y_max=int(y_max), in_base=a_base, b_base=b_base, out_base=out_base,
        a_mult=int(a_multiplier), b_mult=int(b_multiplier), add_shift=int(shift),
        length=a.nbytes)
    return NpuJob(desc, b"", 0, [(a_base, a.tobytes()), (b_base, b.tobytes())], out_base,
                  a.shape, 0)
