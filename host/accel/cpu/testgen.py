"""Seeded random single-node layers for the CPU kernels, with golden's outputs.

A `KernelCase` is a one-node IR graph (random shapes, quantization, weights), the fills of its
activation inputs, its lowering (`encoder.lower`) and golden's output (`golden.run_node` on the
same arrays). Inputs are not stored in the firmware: it fills them with a xorshift32 generator
that `prng_int8` reproduces here, so even large layers cost no main memory but their blob.
The case builders choose the output scale from the accumulators' spread, so outputs cover the
int8 range; ``ties=True`` makes every scale a power of two (exact multipliers, hence frequent
exact ties of the rounding), ``wide=True`` a real multiplier of 1/4 or more (CPU_WIDE).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ... import golden
from ...ir import Graph, IRError, Node, QuantParams, Tensor, infer_shape
from .encoder import CpuCall, lower

__all__ = [
    "Fill", "KernelCase", "add_case", "concat_case", "conv_case", "dense_case", "pool_case",
    "prng_int8", "rescale_case", "softmax_case", "fitting"]


def prng_int8(seed: int, n: int, lo: int = -128, hi: int = 127) -> np.ndarray:
    """The firmware's fill: xorshift32 from `seed`, each state mapped to lo..hi by
    ``lo + ((state >> 16) * (hi - lo + 1) >> 16)``."""
    if not (0 < seed < 1 << 32):
        raise ValueError(f"seed must be in 1..2^32-1, not {seed!r}")
    if not -128 <= lo <= hi <= 127:
        raise ValueError(f"lo, hi must satisfy -128 <= lo <= hi <= 127, not {(lo, hi)!r}")
    span, s = hi - lo + 1, seed
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        s ^= (s << 13) & 0xFFFFFFFF
        s ^= s >> 17
        s ^= (s << 5) & 0xFFFFFFFF
        out[i] = lo + (((s >> 16) * span) >> 16)
    return out.astype(np.int8)


@dataclass(frozen=True)
class Fill:
    """How the firmware fills one activation input."""

    shape: tuple[int, ...]
    seed: int
    lo: int = -128
    hi: int = 127

    def array(self) -> np.ndarray:
        return prng_int8(self.seed, int(np.prod(self.shape)), self.lo, self.hi).reshape(
            self.shape)


@dataclass
class KernelCase:
    """One layer for the kernel tests and the bench."""

    name: str
    graph: Graph
    node: Node
    fills: list[Fill]
    call: CpuCall = field(init=False)
    expected: np.ndarray = field(init=False)

    def __post_init__(self):
        self.call = lower(self.graph, self.node)
        values = iter(f.array() for f in self.fills)
        args = [self.graph.tensors[n].data if self.graph.tensors[n].is_const else next(values)
                for n in self.node.inputs]
        self.expected = golden.run_node(self.graph, self.node, args)

    @property
    def out_bytes(self) -> int:
        return self.expected.size


def _q(scale, zp=0, axis=None):
    return QuantParams(np.asarray(scale, np.float32), np.asarray(zp, np.int64), axis)


def _graph(name, op, acts, consts, out_q, attrs):
    """A validated one-node graph: activation inputs ``(shape, quant)``, constant inputs
    ``(array, quant or None)`` after them, output quantization `out_q`."""
    g = Graph(name)
    names = []
    for i, (shape, q) in enumerate(acts):
        g.add_tensor(Tensor(f"x{i}", tuple(shape), "int8", q, "ANY"))
        g.inputs.append(f"x{i}")
        names.append(f"x{i}")
    for i, (data, q) in enumerate(consts):
        g.add_tensor(Tensor(f"c{i}", data.shape, str(data.dtype), q, "ANY", data))
        names.append(f"c{i}")
    node = Node(name, op, tuple(names), ("y",), attrs)
    shape = infer_shape(node, [g.tensors[n].shape for n in names])
    g.add_tensor(Tensor("y", tuple(shape), "int8", out_q, "ANY"))
    g.add_node(node)
    g.outputs.append("y")
    return g.validate(), node


def _seed(rng):
    return int(rng.integers(1, 1 << 32))


def _clamp(rng, clamp):
    """A fused activation's bounds: "random" ones around zero, or (lo, hi), or none."""
    if clamp == "random":
        return int(rng.integers(-128, -9)), int(rng.integers(10, 128))
    return clamp or (-128, 127)


def _out_scale(acc_std, rng, ties):
    """A y_scale putting accumulators of this spread at about +-40 (a power of two for ties)."""
    s = max(float(acc_std), 1.0) / 40.0 * rng.uniform(0.7, 1.3)
    return 2.0 ** np.round(np.log2(s)) if ties else s


def _mac_scales(rng, o, taps, x_range, w_range, ties, wide):
    """x, per-channel w and y scales of a conv or dense layer: outputs at about +-40 (the
    accumulators' spread from the value ranges), or a real multiplier in [0.3, 3] (`wide`)."""
    x_scale = 2.0 ** -int(rng.integers(5, 9)) if ties else float(rng.uniform(0.01, 0.05))
    w_scale = 2.0 ** -rng.integers(6, 9, o) if ties else rng.uniform(0.002, 0.01, o)
    if wide:
        return x_scale, w_scale, x_scale * float(np.max(w_scale)) / rng.uniform(0.3, 3.0)
    acc_std = np.sqrt(taps) * (x_range[1] - x_range[0] + 1) * (w_range[1] - w_range[0] + 1) / 12
    return x_scale, w_scale, x_scale * float(np.mean(w_scale)) * _out_scale(acc_std, rng, ties)


def conv_case(rng, name, *, c, o, h, w, kernel, strides=(1, 1), pads=(0, 0, 0, 0),
              dilations=(1, 1), depthwise=False, n=1, clamp=None, ties=False, wide=False,
              bias=True, x_range=(-128, 127), w_range=(-127, 127)) -> KernelCase:
    """A conv2d (groups 1, or depthwise with ``o == c``) with random weights and quantization."""
    groups = c if depthwise else 1
    kh, kw = kernel
    wt = rng.integers(w_range[0], w_range[1] + 1, (o, c // groups, kh, kw)).astype(np.int8)
    b = rng.integers(-(1 << 12), 1 << 12, o).astype(np.int32) if bias else None
    x_zp = int(rng.integers(-20, 21))
    x_scale, w_scale, y_scale = _mac_scales(rng, o, c // groups * kh * kw, x_range, w_range,
                                            ties, wide)
    lo, hi = _clamp(rng, clamp)
    consts = [(wt, _q(w_scale.astype(np.float32), np.zeros(o, np.int64), 0))]
    if b is not None:
        consts.append((b, None))
    g, node = _graph(name, "conv2d", [((n, c, h, w), _q(x_scale, x_zp))], consts,
                     _q(y_scale, int(rng.integers(-10, 11))),
                     dict(strides=tuple(strides), pads=tuple(pads), dilations=tuple(dilations),
                          groups=groups, y_min=lo, y_max=hi))
    return KernelCase(name, g, node, [Fill((n, c, h, w), _seed(rng), *x_range)])


def dense_case(rng, name, *, k, o, n=1, clamp=None, ties=False, wide=False, bias=True,
               x_range=(-128, 127), w_range=(-127, 127)) -> KernelCase:
    wt = rng.integers(w_range[0], w_range[1] + 1, (o, k)).astype(np.int8)
    b = rng.integers(-(1 << 12), 1 << 12, o).astype(np.int32) if bias else None
    x_zp = int(rng.integers(-20, 21))
    x_scale, w_scale, y_scale = _mac_scales(rng, o, k, x_range, w_range, ties, wide)
    lo, hi = _clamp(rng, clamp)
    consts = [(wt, _q(w_scale.astype(np.float32), np.zeros(o, np.int64), 0))]
    if b is not None:
        consts.append((b, None))
    g, node = _graph(name, "dense", [((n, k), _q(x_scale, x_zp))], consts,
                     _q(y_scale, int(rng.integers(-10, 11))), dict(y_min=lo, y_max=hi))
    return KernelCase(name, g, node, [Fill((n, k), _seed(rng), *x_range)])


def add_case(rng, name, *, a_shape, b_shape, clamp=None, ties=False,
             ratio=(0.4, 1.25)) -> KernelCase:
    """add with numpy broadcasting; the larger input-to-output scale ratio drawn from `ratio`
    (below 1/2: shifts of 33 and more, the kernel's direct path; above 2^20: shifts below 11,
    its 64-bit path; in between the scaled path)."""
    if ties:    # power-of-two scales: exact multipliers, many exact ties
        sa, sb = 2.0 ** -rng.integers(4, 7, 2)
        sy = max(sa, sb) * 2.0 ** int(rng.integers(0, 3))
    else:
        sa, sb = rng.uniform(0.01, 0.05, 2)
        sy = max(sa, sb) / rng.uniform(*ratio)
    lo, hi = _clamp(rng, clamp)
    g, node = _graph(name, "add", [(a_shape, _q(sa, int(rng.integers(-30, 31)))),
                                   (b_shape, _q(sb, int(rng.integers(-30, 31))))], [],
                     _q(sy, int(rng.integers(-20, 21))), dict(y_min=lo, y_max=hi))
    return KernelCase(name, g, node, [Fill(tuple(a_shape), _seed(rng)),
                                      Fill(tuple(b_shape), _seed(rng))])


def pool_case(rng, name, *, op, shape, kernel=None, strides=(1, 1), pads=(0, 0, 0, 0),
              dilations=(1, 1), count_include_pad=False, requant=True, ties=False,
              ratio=(0.5, 2.0)) -> KernelCase:
    """maxpool, avgpool or global_avgpool; `requant` gives the output other parameters, its
    scale the input's times a factor drawn from `ratio` (a power of two for `ties`)."""
    x_scale = 2.0 ** -int(rng.integers(4, 7)) if ties else float(rng.uniform(0.01, 0.05))
    xq = _q(x_scale, int(rng.integers(-20, 21)))
    if requant:
        f = 2.0 ** int(rng.integers(-1, 2)) if ties else rng.uniform(*ratio)
        yq = _q(x_scale * f, int(rng.integers(-20, 21)))
    else:
        yq = xq
    attrs = {}
    if op != "global_avgpool":
        attrs = dict(kernel=tuple(kernel), strides=tuple(strides), pads=tuple(pads),
                     dilations=tuple(dilations))
        if op == "avgpool":
            attrs["count_include_pad"] = bool(count_include_pad)
    g, node = _graph(name, op, [(shape, xq)], [], yq, attrs)
    return KernelCase(name, g, node, [Fill(tuple(shape), _seed(rng))])


def rescale_case(rng, name, *, op, shape, new_shape=None, requant=True, clamp=None,
                 x_range=(-128, 127)) -> KernelCase:
    """reshape (to `new_shape`) or clip, requantizing or not."""
    x_scale = float(rng.uniform(0.01, 0.05))
    xq = _q(x_scale, int(rng.integers(-20, 21)))
    yq = _q(x_scale * rng.uniform(0.3, 3.0), int(rng.integers(-20, 21))) if requant else xq
    if op == "reshape":
        attrs = dict(shape=tuple(new_shape))
    else:
        lo, hi = _clamp(rng, clamp or "random")
        attrs = dict(y_min=lo, y_max=hi)
    g, node = _graph(name, op, [(shape, xq)], [], yq, attrs)
    return KernelCase(name, g, node, [Fill(tuple(shape), _seed(rng), *x_range)])


def concat_case(rng, name, *, shapes, axis, same=()) -> KernelCase:
    """concat of inputs of `shapes` along `axis`; inputs whose index is in `same` share the
    output's quantization (copied, not requantized)."""
    yq = _q(float(rng.uniform(0.02, 0.05)), int(rng.integers(-20, 21)))
    acts = [(s, yq if i in same else _q(float(rng.uniform(0.01, 0.08)),
                                        int(rng.integers(-30, 31))))
            for i, s in enumerate(shapes)]
    g, node = _graph(name, "concat", acts, [], yq, dict(axis=axis))
    return KernelCase(name, g, node, [Fill(tuple(s), _seed(rng)) for s in shapes])


def softmax_case(rng, name, *, shape, x_scale=None, y_scale=1 / 256, y_zp=-128,
                 x_range=(-128, 127)) -> KernelCase:
    x_scale = float(rng.uniform(0.02, 0.2)) if x_scale is None else x_scale
    g, node = _graph(name, "softmax", [(shape, _q(x_scale, int(rng.integers(-20, 21))))], [],
                     _q(y_scale, y_zp), dict(axis=-1))
    return KernelCase(name, g, node, [Fill(tuple(shape), _seed(rng), *x_range)])


def fitting(make):
    """``make()`` again until its random window fits its random input (a seeded generator
    makes this deterministic); the draws that do not fit raise `IRError`."""
    for _ in range(50):
        try:
            return make()
        except IRError:
            pass
    raise RuntimeError("no fitting shape in 50 draws")
