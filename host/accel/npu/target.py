"""The digital NPU as a compiler target: which nodes it runs, how they are split to fit its
weight memory, and the descriptor and driver calls of each part.

A conv2d, depthwise conv2d or dense layer whose weights and per-channel parameters exceed the
weight memory is split by output channels (whole blocks of ``rows`` channels per part); every
part loads its weight image (staged in L2 by the DMA) through the driver, then runs one
descriptor. Activations are NCHW in L1 (dense: ``(N, K)`` rows); descriptors hold L1 offsets.
"""

from __future__ import annotations

import numpy as np

from ...golden import integer_params
from ...spec.npu import DESCRIPTOR, MAX_KERNEL, PARAM_WORDS, Op, pack_descriptor
from ..target import Addresses, Constraints, Part, Target, Verdict
from .encoder import weight_image

__all__ = ["NpuTarget", "WEIGHT_LOAD_CYCLES_PER_WORD"]

#: Estimated CPU cycles per 32-bit word the driver writes to WMEM_DATA (eight loads from L2 and
#: eight stores to the register page per loop, about 21 cycles per eight words measured on the
#: autoencoder's dense layers): an estimate until weights move by DMA.
WEIGHT_LOAD_CYCLES_PER_WORD = 2.6
#: Estimated cycles the driver spends around one descriptor (writes, start, polling).
DESCRIPTOR_OVERHEAD_CYCLES = 60


def _limit(name: str) -> int:
    return (1 << DESCRIPTOR[name].width) - 1


def _c_words(words) -> str:
    return "{" + ", ".join(f"0x{w:08x}u" for w in words) + "}"


class NpuTarget(Target):
    """conv2d (groups 1), depthwise conv2d, dense and same-shape add on the NPU."""

    name = "npu"

    def __init__(self, config):
        super().__init__(config)
        npu = config.npu
        self.rows, self.cols = npu.rows, npu.cols
        self.weight_words = npu.weight_memory // npu.rows
        self.port_bytes = 2 * npu.cols

    # -- what it runs ----------------------------------------------------------------------

    def supports(self, graph, node) -> Verdict:
        ins = [graph.tensors[n] for n in node.inputs]
        out = graph.tensors[node.outputs[0]]
        if node.op == "conv2d":
            return self._supports_conv(node, ins, out)
        if node.op == "dense":
            n, k = ins[0].shape
            o = ins[1].shape[0]
            if n > _limit("in_h"):
                return Verdict.no(f"{n} rows exceed the descriptor's {_limit('in_h')}")
            if max(k, o) > _limit("in_c"):
                return Verdict.no(f"{max(k, o)} channels exceed the descriptor's "
                                  f"{_limit('in_c')}")
            if k > _limit("in_rs"):
                return Verdict.no(f"a row of {k} bytes exceeds the descriptor's row stride")
            return self._fits_weight_memory(PARAM_WORDS + k)
        if node.op == "add":
            if ins[0].shape != ins[1].shape:
                return Verdict.no(f"it adds same-shaped tensors only, not {ins[0].shape} and "
                                  f"{ins[1].shape} (broadcasting)")
            if out.size > _limit("length"):
                return Verdict.no(f"{out.size} elements exceed the descriptor's length field")
            return Verdict.yes()
        return Verdict.no(f"it runs conv2d, depthwise conv2d, dense and add, not {node.op}")

    def _supports_conv(self, node, ins, out) -> Verdict:
        a = node.attrs
        n, c, h, w = ins[0].shape
        o, cg, kh, kw = ins[1].shape
        if n != 1:
            return Verdict.no(f"batch {n}: it runs one image at a time")
        if tuple(a["dilations"]) != (1, 1):
            return Verdict.no(f"dilation {tuple(a['dilations'])} is not 1")
        if not (1 <= kh <= MAX_KERNEL and 1 <= kw <= MAX_KERNEL):
            return Verdict.no(f"kernel {kh}x{kw} is outside 1..{MAX_KERNEL}")
        sh, sw = a["strides"]
        if sh != sw or sh not in (1, 2):
            return Verdict.no(f"strides {sh}x{sw}: it takes 1 or 2, the same in both directions")
        top, left, bottom, right = a["pads"]
        if top >= kh or bottom >= kh or left >= kw or right >= kw:
            return Verdict.no(f"pads {tuple(a['pads'])} must each be below the kernel side")
        depthwise = a["groups"] == c == o and c > 1
        if a["groups"] != 1 and not depthwise:
            return Verdict.no(f"groups {a['groups']}: it runs groups 1 or depthwise")
        _, _, oh, ow = out.shape
        if max(c, o) > _limit("in_c"):
            return Verdict.no(f"{max(c, o)} channels exceed the descriptor's {_limit('in_c')}")
        if max(h, w, oh, ow) > _limit("in_h"):
            return Verdict.no(f"a side of {max(h, w, oh, ow)} exceeds the descriptor's "
                              f"{_limit('in_h')}")
        if w > _limit("in_rs") or ow > _limit("out_rs"):
            return Verdict.no("a row exceeds the descriptor's row stride")
        per_block = PARAM_WORDS + kh * kw * (self.rows if depthwise else c)
        return self._fits_weight_memory(per_block)

    def _fits_weight_memory(self, words_per_block: int) -> Verdict:
        if words_per_block > self.weight_words:
            return Verdict.no(f"one block of {self.rows} output channels needs "
                              f"{words_per_block * self.rows} bytes of weight memory, it has "
                              f"{self.weight_words * self.rows}")
        return Verdict.yes()

    def constraints(self, graph, node) -> Constraints:
        return Constraints(activations=("l1",), align=max(8, self.port_bytes),
                           weight_memory=self.config.npu.weight_memory)

    # -- lowering ----------------------------------------------------------------------------

    def _chunks(self, channels: int, words_per_block) -> list[tuple[int, int]]:
        """Output-channel ranges ``[k0, k1)`` whose weight images fit the weight memory."""
        blocks = max(1, self.weight_words // words_per_block)
        step = blocks * self.rows
        return [(k0, min(channels, k0 + step)) for k0 in range(0, channels, step)]

    def lower(self, graph, node) -> list[Part]:
        verdict = self.supports(graph, node)
        if not verdict.ok:
            raise ValueError(f"node {node.name!r} ({node.op}): the NPU cannot run it: "
                             f"{verdict.reason}")
        p = integer_params(graph, node)
        if node.op == "add":
            return [self._add_part(graph, node, p)]
        if node.op == "dense":
            return self._dense_parts(graph, node, p)
        return self._conv_parts(graph, node, p)

    def _part(self, fields_at, blob: bytes, macs: int, info: dict) -> Part:
        """A part from ``fields_at(addresses) -> descriptor fields``; its estimate uses the
        fields at offset 0 (the cycle model does not depend on where tensors lie, except
        through alignment, which the compiler fixes to the port width)."""
        from .cost import busy_cycles

        l1 = self.config.l1.base
        probe = Addresses(inputs=(l1, l1), output=l1, blob=0, scratch=0)
        every = dict.fromkeys((name for name, _ in DESCRIPTOR), 0)  # the model reads all
        busy = busy_cycles({**every, **fields_at(probe)}, rows=self.rows, cols=self.cols)
        words32 = len(blob) // 4
        load = round(words32 * WEIGHT_LOAD_CYCLES_PER_WORD)
        cycles = busy + DESCRIPTOR_OVERHEAD_CYCLES + load

        def emit(addr: Addresses, name: str) -> str:
            words = pack_descriptor(**fields_at(addr))
            lines = []
            if blob:
                lines.append(f"net_npu_weights(0x{addr.blob:08x}u, {words32}u);")
            lines.append(f"static const uint32_t {name}[HETSOC_NPU_DESC_WORDS] = "
                         f"{_c_words(words)};")
            lines.append(f"net_npu_run({name});")
            return "\n".join(lines)

        return Part(self.name, blob, 0, cycles, macs, emit,
                    {**info, "busy_cycles_estimate": busy, "weight_words32": words32})

    def _conv_parts(self, graph, node, p) -> list[Part]:
        x, w_t = (graph.tensors[n] for n in node.inputs[:2])
        bias = graph.tensors[node.inputs[2]].data if len(node.inputs) > 2 else None
        _, c, h, wd = x.shape
        o, _, kh, kw = w_t.shape
        _, _, oh, ow = graph.tensors[node.outputs[0]].shape
        depthwise = p["groups"] == c == o and c > 1
        top, left, bottom, right = p["pads"]
        stride = p["strides"][0]
        fold = int(self.cols >= 2 and 2 * ow <= self.cols and oh > 1)
        m = np.broadcast_to(np.asarray(p["multiplier"], np.int64), (o,))
        n = np.broadcast_to(np.asarray(p["shift"], np.int64), (o,))
        b = np.zeros(o, np.int64) if bias is None else bias.astype(np.int64)
        per_block = PARAM_WORDS + kh * kw * (self.rows if depthwise else c)
        l1 = self.config.l1.base
        parts = []
        for k0, k1 in self._chunks(o, per_block):
            image = weight_image(w_t.data[k0:k1], b[k0:k1], m[k0:k1], n[k0:k1], rows=self.rows,
                                 depthwise=depthwise)

            def fields_at(addr, k0=k0, k1=k1):
                in_off = addr.inputs[0] - l1 + (k0 * h * wd if depthwise else 0)
                return dict(
                    op=int(Op.DEPTHWISE if depthwise else Op.CONV), kh=kh, kw=kw,
                    stride=stride, pad_t=top, pad_l=left, pad_b=bottom, pad_r=right,
                    x_zp=int(p["x_zero_point"]), y_zp=int(p["y_zero_point"]),
                    y_min=int(p["y_min"]), y_max=int(p["y_max"]),
                    in_base=in_off, in_c=(k1 - k0) if depthwise else c, in_h=h, in_w=wd,
                    in_cs=h * wd, in_rs=wd,
                    out_base=addr.output - l1 + k0 * oh * ow, out_k=k1 - k0, out_h=oh,
                    out_w=ow, out_cs=oh * ow, out_rs=ow, w_base=0, fold=fold)

            macs = (k1 - k0) * oh * ow * kh * kw * (1 if depthwise else c)
            parts.append(self._part(fields_at, image, macs,
                                    {"op": "depthwise" if depthwise else "conv",
                                     "channels": [k0, k1], "fold": fold}))
        return parts

    def _dense_parts(self, graph, node, p) -> list[Part]:
        x, w_t = (graph.tensors[n] for n in node.inputs[:2])
        bias = graph.tensors[node.inputs[2]].data if len(node.inputs) > 2 else None
        rows_n, k = x.shape
        o = w_t.shape[0]
        m = np.broadcast_to(np.asarray(p["multiplier"], np.int64), (o,))
        n = np.broadcast_to(np.asarray(p["shift"], np.int64), (o,))
        b = np.zeros(o, np.int64) if bias is None else bias.astype(np.int64)
        l1 = self.config.l1.base
        parts = []
        for k0, k1 in self._chunks(o, PARAM_WORDS + k):
            image = weight_image(w_t.data[k0:k1].reshape(k1 - k0, k, 1, 1), b[k0:k1], m[k0:k1],
                                 n[k0:k1], rows=self.rows)

            def fields_at(addr, k0=k0, k1=k1):
                return dict(
                    op=int(Op.DENSE), kh=1, kw=1, stride=1, x_zp=int(p["x_zero_point"]),
                    y_zp=int(p["y_zero_point"]), y_min=int(p["y_min"]), y_max=int(p["y_max"]),
                    in_base=addr.inputs[0] - l1, in_c=k, in_h=rows_n, in_w=1, in_cs=1,
                    in_rs=k, out_base=addr.output - l1 + k0, out_k=k1 - k0, out_h=rows_n,
                    out_w=1, out_cs=1, out_rs=o, w_base=0)

            parts.append(self._part(fields_at, image, rows_n * (k1 - k0) * k,
                                    {"op": "dense", "channels": [k0, k1]}))
        return parts

    def _add_part(self, graph, node, p) -> Part:
        length = graph.tensors[node.outputs[0]].size
        l1 = self.config.l1.base

        def fields_at(addr):
            return dict(
                op=int(Op.ADD), x_zp=int(p["a_zero_point"]), b_zp=int(p["b_zero_point"]),
                y_zp=int(p["y_zero_point"]), y_min=int(p["y_min"]), y_max=int(p["y_max"]),
                in_base=addr.inputs[0] - l1, b_base=addr.inputs[1] - l1,
                out_base=addr.output - l1, a_mult=int(p["a_multiplier"]),
                b_mult=int(p["b_multiplier"]), add_shift=int(p["shift"]), length=length)

        return self._part(fields_at, b"", 0, {"op": "add", "length": length})
