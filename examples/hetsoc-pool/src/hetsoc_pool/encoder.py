"""Descriptor words from a pooling layer's parameters (`hetsoc.spec.pack`, the layout the
gateware reads), and the requantization that makes an average of a sum.

The encoder refuses, with one line, what the unit would refuse (so a compiler never emits a
descriptor that ends in a `PoolError`), except what depends on the SoC: whether the tensors fit
its L1 (`check_l1`, given the size).
"""

from __future__ import annotations

import numpy as np

from hetsoc.golden.requant import quantize_multiplier
from hetsoc.spec.pack import pack, words

from .spec import DESC_WORDS, DESCRIPTOR, MAX_KERNEL, MAX_SHIFT, MAX_STRIDE, PoolMode

__all__ = ["check_l1", "encode", "layer_fields", "requant_params"]


def _positive(name, v, hi=None):
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1 \
            or (hi is not None and v > hi):
        what = f"an integer in [1, {hi}]" if hi is not None else "a positive integer"
        raise ValueError(f"{name} must be {what}, not {v!r}")
    return int(v)


def requant_params(mode, kernel: int, x_scale: float, y_scale: float) -> tuple[int, int]:
    """``(multiplier, shift)`` for real outputs ``y = mean(x)`` (AVG) or ``y = max(x)`` (MAX)
    with the given scales: ``x_scale / y_scale``, divided by ``kernel * kernel`` for AVG."""
    kernel = _positive("kernel", kernel, MAX_KERNEL)
    ratio = float(x_scale) / float(y_scale)
    if PoolMode(mode) == PoolMode.AVG:
        ratio /= kernel * kernel
    m, n = quantize_multiplier(ratio)
    return int(m), int(n)


def layer_fields(*, channels, in_h, in_w, kernel, stride, mode, in_addr, out_addr,
                 multiplier, shift, x_zp=0, y_zp=0, relu=False, out_h=None,
                 out_w=None) -> dict[str, int]:
    """The descriptor's fields of a layer; ``out_h``/``out_w`` default to every window that
    fits. Raises ValueError (one line) for what the unit would refuse whatever its L1."""
    channels, in_h, in_w = (_positive(n, v) for n, v in
                            (("channels", channels), ("in_h", in_h), ("in_w", in_w)))
    kernel = _positive("kernel", kernel, MAX_KERNEL)
    stride = _positive("stride", stride, MAX_STRIDE)
    if kernel > in_h or kernel > in_w:
        raise ValueError(f"kernel must be at most the input's {in_h}x{in_w}, not {kernel!r}")
    out_h = (in_h - kernel) // stride + 1 if out_h is None else _positive("out_h", out_h)
    out_w = (in_w - kernel) // stride + 1 if out_w is None else _positive("out_w", out_w)
    for name, o, i in (("out_h", out_h, in_h), ("out_w", out_w, in_w)):
        if (o - 1) * stride + kernel > i:
            raise ValueError(f"{name} must be at most {(i - kernel) // stride + 1} (windows "
                             f"inside the input), not {o!r}")
    if not isinstance(shift, (int, np.integer)) or not 0 <= shift <= MAX_SHIFT:
        raise ValueError(f"shift must be an integer in [0, {MAX_SHIFT}], not {shift!r}")
    fields = dict(in_addr=in_addr, out_addr=out_addr, in_h=in_h, in_w=in_w, out_h=out_h,
                  out_w=out_w, channels=channels, kernel=kernel, stride=stride,
                  mode=int(PoolMode(mode)), relu=int(bool(relu)), shift=int(shift),
                  multiplier=multiplier, x_zp=x_zp, y_zp=y_zp)
    pack(DESCRIPTOR, fields)          # every field in its range, or the one-line error
    lo_in, hi_in = in_addr, in_addr + channels * in_h * in_w
    lo_out, hi_out = out_addr, out_addr + channels * out_h * out_w
    if lo_in < hi_out and lo_out < hi_in:
        raise ValueError(f"output [{lo_out:#x}, {hi_out:#x}) must not overlap the input "
                         f"[{lo_in:#x}, {hi_in:#x})")
    return {k: int(v) for k, v in fields.items()}


def check_l1(fields, l1_size: int) -> None:
    """Raise ValueError (one line) if a tensor of the descriptor reaches beyond L1."""
    f = fields
    for name, base, size in (("input", f["in_addr"], f["in_h"] * f["in_w"]),
                             ("output", f["out_addr"], f["out_h"] * f["out_w"])):
        end = base + f["channels"] * size
        if end > l1_size:
            raise ValueError(f"{name} must end within L1's {l1_size:#x} bytes, not at {end:#x}")


def encode(fields) -> list[int]:
    """The ``DESC_WORDS`` words of descriptor fields (DESC0 first)."""
    return words(pack(DESCRIPTOR, fields), DESC_WORDS)
