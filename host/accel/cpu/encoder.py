"""IR nodes as calls of the CPU's C kernels (``sw/kernels``): constants, scratch, cycles, C.

`lower(graph, node)` returns a `CpuCall`: the kernel's name, the blob of constants in the exact
layout the kernel reads (docs/cpu.md), the bytes of scratch it needs, the cycle model's estimate
(`hetsoc.accel.cpu.cost`), the MACs, and `c_code`, which writes the argument struct and the
call once the compiler has placed the tensors. The integer parameters come from
`hetsoc.golden.integer_params`, and every table is computed by calling the golden functions
themselves, so the kernels reproduce golden bit for bit.

Contract with the compiler: activations are contiguous int8 NCHW (NC) tensors at 8-byte-aligned
addresses in L1 or L2, the output never overlaps an input, the blob is copied to an 8-byte-aligned
address in L2 before the call, and the scratch buffer (8-byte-aligned, in L2) is the call's own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ... import golden
from ...ir import IRError
from . import cost
from .layout import (
    CPU_CONV3X3,
    CPU_POINTWISE,
    CPU_WIDE,
    add_strides,
    conv3x3_weights,
    conv_scratch,
    gemm_weights,
    is_conv3x3,
    lut_bytes,
    pool_scratch,
    rq_records,
    softmax_table_bytes,
)

__all__ = ["CpuCall", "Ref", "kernel_include", "kernel_sources", "lower", "supports"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Ref:
    """A pointer argument, resolved by `CpuCall.c_code` once addresses are known.

    ``kind`` is ``"input"`` (``index``: which activation input), ``"output"``, ``"blob"`` or
    ``"scratch"`` (``index``: byte offset), or ``"none"`` (a null pointer); ``ctype`` is the
    field's C pointer type.
    """

    kind: str
    index: int = 0
    ctype: str = "const int8_t *"


@dataclass
class CpuCall:
    """One kernel call: what `lower` returns.

    Attributes
    ----------
    kernel : str
        The C function (``sw/kernels/kernels.h``).
    blob : bytes
        Constants in the kernel's layout (docs/cpu.md); ``b""`` if none.
    scratch : int
        Bytes of scratch buffer the kernel needs (0 if none).
    cycles : int
        The cycle model's estimate (an estimate: `hetsoc.accel.cpu.cost`).
    macs : int
        Multiply-accumulates (conv2d and dense; 0 for the other ops).
    struct : str
        The C type of the argument struct.
    args : tuple of (str, value)
        The struct's fields: ints, `Ref`s, or for ``parts`` a list of tuples (concat).
    n_inputs : int
        How many activation addresses `c_code` takes.
    """

    kernel: str
    blob: bytes
    scratch: int
    cycles: int
    macs: int
    struct: str = ""
    args: tuple = field(default=(), repr=False)
    n_inputs: int = 1

    def c_code(self, name: str, inputs: list[int], output: int, blob: int,
               scratch: int) -> str:
        """C statements running the call: a ``static const`` argument struct named `name` (and
        ``name_parts`` for concat) and the call, for absolute byte addresses of the activation
        inputs (in node order, constants excluded), the output, the blob and the scratch."""
        if not isinstance(name, str) or not _IDENT.fullmatch(name):
            raise ValueError(f"name must be a C identifier, not {name!r}")
        if len(inputs) != self.n_inputs:
            raise ValueError(f"inputs must be {self.n_inputs} address(es) for "
                             f"{self.kernel}, not {list(inputs)!r}")
        for what, addr in [*(("input", a) for a in inputs), ("output", output),
                           ("blob", blob), ("scratch", scratch)]:
            if not isinstance(addr, int | np.integer) or addr < 0 or addr % 8:
                raise ValueError(f"{what} address must be a non-negative multiple of 8, "
                                 f"not {addr!r}")
        bases = {"output": int(output), "blob": int(blob), "scratch": int(scratch)}

        def value(v):
            if isinstance(v, tuple):    # an int array field (add's dims and strides)
                return "{" + ", ".join(str(int(x)) for x in v) + "}"
            if isinstance(v, Ref):
                if v.kind == "none":
                    return "0"
                addr = int(inputs[v.index]) if v.kind == "input" else bases[v.kind] + v.index
                return f"({v.ctype})0x{addr:08x}u"
            return str(int(v))

        lines = []
        fields = []
        for key, v in self.args:
            if isinstance(v, list):     # concat's parts: an array beside the struct
                rows = ["{" + ", ".join(value(x) for x in row) + "}" for row in v]
                lines.append(f"static const cpu_concat_part_t {name}_{key}[] = "
                             f"{{{', '.join(rows)}}};")
                fields.append(f".{key} = {name}_{key}")
            else:
                fields.append(f".{key} = {value(v)}")
        lines.append(f"static const {self.struct} {name} = {{")
        lines += [f"    {f}," for f in fields]
        lines += ["};", f"{self.kernel}(&{name});"]
        return "\n".join(lines)


def kernel_sources() -> list[Path]:
    """The kernels' C files (link them with the firmware; unused kernels are dropped)."""
    from ...firmware import sw_path

    return sorted(sw_path("kernels").glob("*.c"))


def kernel_include() -> Path:
    """The folder holding ``kernels.h`` (an ``-I`` flag for the firmware build)."""
    from ...firmware import sw_path

    return sw_path("kernels")


# ---- per-op lowering --------------------------------------------------------------------------

def _tensors(graph, node):
    return [graph.tensors[n] for n in node.inputs], graph.tensors[node.outputs[0]]


def _out(ctype="int8_t *"):
    return Ref("output", 0, ctype)


def _scratch(size):
    return Ref("scratch", 0, "int8_t *") if size else Ref("none")


def _conv(graph, node, p):
    ins, out = _tensors(graph, node)
    x, w = ins[0], ins[1]
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    _, _, oh, ow = out.shape
    a = node.attrs
    sh, sw = a["strides"]
    dh, dw = a["dilations"]
    pt, pl = a["pads"][0], a["pads"][1]
    depthwise = a["groups"] == c and c == o and cg == 1 and c > 1
    if a["groups"] != 1 and not depthwise:
        raise ValueError(f"conv2d groups must be 1 or the channel count (depthwise), not "
                         f"{a['groups']!r}")
    wts = w.data
    bias = ins[2].data if len(ins) > 2 else None
    rq, wide = rq_records(wts, bias, p["x_zero_point"], p["multiplier"], p["shift"])
    shape = dict(n=n, c=c, h=h, w=wd, o=o, oh=oh, ow=ow, kh=kh, kw=kw, sh=sh, sw=sw, dh=dh,
                 dw=dw, pt=pt, pl=pl)
    pointwise = not depthwise and kh == kw == 1 and (sh, sw) == (1, 1) and not any(a["pads"])
    direct = not depthwise and is_conv3x3(shape)
    flags = (CPU_WIDE if wide else 0) | (CPU_POINTWISE if pointwise else 0) \
        | (CPU_CONV3X3 if direct else 0)
    scratch, chunk = conv_scratch(shape, depthwise, pointwise)
    if depthwise:
        weights = wts.tobytes()
    elif direct:
        weights = conv3x3_weights(wts)
    else:
        weights = gemm_weights(wts.reshape(o, -1))
    kernel = "cpu_dwconv2d" if depthwise else "cpu_conv2d"
    args = dict(x=Ref("input"), y=_out(), wt=Ref("blob", len(rq)),
                rq=Ref("blob", 0, "const cpu_rq_t *"),
                scratch=_scratch(scratch), **shape,
                x_zp=p["x_zero_point"], y_zp=p["y_zero_point"], y_min=p["y_min"],
                y_max=p["y_max"], chunk=chunk, flags=flags)
    macs = n * o * oh * ow * cg * kh * kw
    return kernel, "cpu_conv2d_args_t", args, rq + weights, scratch, macs


def _dense(graph, node, p):
    ins, out = _tensors(graph, node)
    n, k = ins[0].shape
    o = ins[1].shape[0]
    bias = ins[2].data if len(ins) > 2 else None
    rq, wide = rq_records(ins[1].data, bias, p["x_zero_point"], p["multiplier"], p["shift"])
    args = dict(x=Ref("input"), y=_out(), wt=Ref("blob", len(rq)),
                rq=Ref("blob", 0, "const cpu_rq_t *"), n=n, k=k, o=o, y_zp=p["y_zero_point"],
                y_min=p["y_min"], y_max=p["y_max"], flags=CPU_WIDE if wide else 0)
    return ("cpu_dense", "cpu_dense_args_t", args, rq + gemm_weights(ins[1].data), 0,
            n * o * k)


def _add(graph, node, p):
    ins, out = _tensors(graph, node)
    dims, a_str, b_str = add_strides(ins[0].shape, ins[1].shape, out.shape)
    shift = p["shift"]
    # Scaling a - a_zp and b - b_zp by 2^pre (|.| < 2^30) and shifting by shift + pre >= 33
    # is exact and puts the rounding in the high word: the fast path. Shifts below 11 (ratios
    # above 2^20) take the 64-bit path.
    pre = max(0, 33 - shift) if shift >= 11 else 0
    args = dict(a=Ref("input", 0), b=Ref("input", 1), y=_out(), dims=dims, a_strides=a_str,
                b_strides=b_str, a_zp=p["a_zero_point"], b_zp=p["b_zero_point"],
                a_mult=p["a_multiplier"], b_mult=p["b_multiplier"], pre=pre, shift=shift,
                y_zp=p["y_zero_point"], y_min=p["y_min"], y_max=p["y_max"],
                flags=0 if shift >= 11 else CPU_WIDE)
    return "cpu_add", "cpu_add_args_t", args, b"", 0, 0


def _pool_shape(node, x_shape, out_shape, kernel, strides, pads, dilations):
    n, c, h, w = x_shape
    return dict(n=n, c=c, h=h, w=w, oh=out_shape[2], ow=out_shape[3], kh=kernel[0],
                kw=kernel[1], sh=strides[0], sw=strides[1], dh=dilations[0], dw=dilations[1],
                pt=pads[0], pl=pads[1])


def _maxpool(graph, node, p):
    ins, out = _tensors(graph, node)
    a = node.attrs
    shape = _pool_shape(node, ins[0].shape, out.shape, a["kernel"], a["strides"], a["pads"],
                        a["dilations"])
    blob = lut_bytes(p) if p else b""
    scratch = pool_scratch(shape)
    args = dict(x=Ref("input"), y=_out(), lut=Ref("blob") if blob else Ref("none"),
                scratch=_scratch(scratch), **shape)
    return "cpu_maxpool", "cpu_pool_args_t", args, blob, scratch, 0


def _windows_overlap(x_shape, out_shape, kernel, strides, pads) -> bool:
    """Whether every window has a tap inside the input (golden divides by that count)."""
    for size, out, k, s, before in ((x_shape[2], out_shape[2], kernel[0], strides[0], pads[0]),
                                    (x_shape[3], out_shape[3], kernel[1], strides[1], pads[1])):
        starts = np.arange(out) * s - before
        if (np.minimum(starts + k, size) - np.maximum(starts, 0) <= 0).any():
            return False
    return True


def _avgpool(graph, node, p):
    ins, out = _tensors(graph, node)
    if node.op == "global_avgpool":
        h, w = ins[0].shape[2:]
        kernel, strides, pads, dil, incl = (h, w), (1, 1), (0, 0, 0, 0), (1, 1), 0
    else:
        a = node.attrs
        if tuple(a["dilations"]) != (1, 1):
            raise ValueError(f"avgpool dilations must be (1, 1), not {tuple(a['dilations'])!r}")
        kernel, strides, pads, dil = a["kernel"], a["strides"], a["pads"], (1, 1)
        incl = int(bool(a["count_include_pad"]))
    taps = kernel[0] * kernel[1]
    if not incl and not _windows_overlap(ins[0].shape, out.shape, kernel, strides, pads):
        raise ValueError("avgpool windows must overlap the input when count_include_pad is 0 "
                         "(an average of no taps)")
    if taps > 1 << 20:
        raise ValueError(f"avgpool windows must have at most 2^20 taps, not {taps!r}")
    shape = _pool_shape(node, ins[0].shape, out.shape, kernel, strides, pads, dil)
    # golden refuses windows whose rounding division would overflow int64; so do the kernels
    if (255 * taps).bit_length() + 31 > 62 or (taps << p["shift"]).bit_length() + 8 > 62:
        raise ValueError("average pool overflows int64")
    scratch = pool_scratch(shape)
    args = dict(x=Ref("input"), y=_out(), lut=Ref("none"), scratch=_scratch(scratch), **shape,
                x_zp=p["x_zero_point"], mult=p["multiplier"], shift=p["shift"],
                y_zp=p["y_zero_point"], count_include_pad=incl)
    return "cpu_avgpool", "cpu_pool_args_t", args, b"", scratch, 0


def _rescale(graph, node, p):
    ins, out = _tensors(graph, node)
    if node.op == "clip":
        lut = lut_bytes(p, node.attrs["y_min"], node.attrs["y_max"])
    else:
        lut = lut_bytes(p) if p else b""
    args = dict(x=Ref("input"), y=_out(), lut=Ref("blob") if lut else Ref("none"),
                count=out.size)
    return "cpu_rescale", "cpu_rescale_args_t", args, lut, 0, 0


def _concat(graph, node, p):
    ins, out = _tensors(graph, node)
    axis = node.attrs["axis"] % len(out.shape)
    outer = int(np.prod(out.shape[:axis], dtype=np.int64))
    blob, parts = b"", []
    for i, t in enumerate(ins):
        one = {"x_zero_point": p["x_zero_points"][i], "multiplier": p["multipliers"][i],
               "shift": p["shifts"][i], "y_zero_point": p["y_zero_point"]}
        lut = lut_bytes(one) if not t.quant.same_as(out.quant) else b""
        parts.append((Ref("input", i), Ref("blob", len(blob)) if lut else Ref("none"),
                      t.size // outer))
        blob += lut
    args = dict(y=_out(), parts=parts, n_parts=len(ins), outer=outer)
    return "cpu_concat", "cpu_concat_args_t", args, blob, 0, 0


def _softmax(graph, node, p):
    ins, out = _tensors(graph, node)
    length = out.shape[-1]
    if length > 32767:
        raise ValueError(f"softmax rows must be at most 32767 long, not {length!r}")
    if (length * int(p["table"][0])).bit_length() + p["shift"] > 62:
        raise ValueError(f"softmax over {length} values overflows int64")
    args = dict(x=Ref("input"), y=_out(), table=Ref("blob", 0, "const uint32_t *"),
                rows=out.size // length, len=length, mult=p["multiplier"], shift=p["shift"],
                y_zp=p["y_zero_point"])
    return ("cpu_softmax", "cpu_softmax_args_t", args, softmax_table_bytes(p["table"]), 0, 0)


_LOWER = {
    "conv2d": _conv, "dense": _dense, "add": _add, "maxpool": _maxpool, "avgpool": _avgpool,
    "global_avgpool": _avgpool, "reshape": _rescale, "clip": _rescale, "concat": _concat,
    "softmax": _softmax,
}


def lower(graph, node) -> CpuCall:
    """`node` of `graph` as one kernel call.

    Raises
    ------
    ValueError
        One line saying what the kernels cannot do with this node.
    """
    if node.op not in _LOWER:
        if node.op in ("quantize", "dequantize"):
            raise ValueError(f"{node.op} is the model boundary, run by the host, not a CPU "
                             f"kernel")
        raise ValueError(f"no CPU kernel for operator {node.op!r}")
    try:
        p = golden.integer_params(graph, node)
    except IRError as e:
        raise ValueError(str(e)) from None
    kernel, struct, args, blob, scratch, macs = _LOWER[node.op](graph, node, p)
    n_inputs = len(node.inputs) if node.op not in ("conv2d", "dense") else 1
    return CpuCall(kernel, bytes(blob), scratch, cost.estimate(kernel, args), macs, struct,
                   tuple(args.items()), n_inputs)


def supports(graph, node) -> tuple[bool, str]:
    """``(True, "")`` if a kernel runs `node`, else ``(False, reason)``."""
    try:
        lower(graph, node)
    except ValueError as e:
        return False, str(e)
    return True, ""
