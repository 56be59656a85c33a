"""A CIM layer as one compiler part: its constants in L3, its L1 scratch, and the C that runs it.

The layer is split by the host encoder (`plan_conv2d`) into (row chunk, column chunk) jobs of
at most the macro's rows and columns, with the integers the compiler chose
(`hetsoc.accel.cim.network.plan_cim`). The part's constants stay in L3 (`Part.stage` False):

- every job's column parameter table (16 bytes a column), one after the other, loaded into
  the part's L1 scratch by one DMA transfer before the first job;
- every job's weights in the CIM's DMA window layout (`encoder.weight_window`: ``cols / 4``
  bytes a row, ``cols`` the job's columns rounded up to a power of two of at least 32),
  programmed by a DMA transfer from L3 into the window (macro row 0, column 0) before the job.

The compiler keeps activations NCHW in L1; the CIM reads and writes HWC (channels of a pixel
contiguous). A conv2d whose input (or output) has more than one pixel and one channel is
transposed by the core into (out of) an HWC buffer in the part's L1 scratch; a dense layer (a
1x1 kernel on a 1x1 image) is the same bytes in both layouts and is run in place. Row chunks
beyond the first add int32 partial sums, kept in the L1 scratch too.
"""

from __future__ import annotations

from ...golden import integer_params
from ...spec.cim import DESCRIPTOR
from ..dma.cost import transfer_cycles
from ..target import Addresses, Part
from .cost import cycles, dma_program_cycles
from .encoder import encode_descriptor, plan_conv2d, weight_window

__all__ = ["TRANSPOSE_CYCLES_PER_BYTE", "JOB_OVERHEAD_CYCLES", "lower_node", "transpose_cycles"]

#: Estimated core cycles per byte of netrt.c's NCHW <-> HWC transposes, by the path the shape
#: takes (4x4 blocks when channels and pixels are multiples of 4, a word of 4 channels
#: against 4 bytes when the channels are, else bytes); fitted to the step marks of ResNet-8 and
#: DS-CNN on Verilator: an estimate.
TRANSPOSE_CYCLES_PER_BYTE = {"blocks": 2.95, "words": 4.35, "bytes": 5.6}
#: Estimated cycles around one job: the weight transfer's set-up (windows, descriptor, wait)
#: and the descriptor's writes, start and interrupt wait.
JOB_OVERHEAD_CYCLES = 120

_WORDS = -(-DESCRIPTOR.size // 32)


def _up(n: int, a: int = 8) -> int:
    return -(-n // a) * a


def _window_cols(k: int) -> int:
    cols = 32
    while cols < k:
        cols *= 2
    return cols


def transpose_cycles(c: int, hw: int) -> int:
    """Estimated cycles of one transpose of ``c`` channels of ``hw`` pixels (buffers 4-byte
    aligned, as the compiler places them)."""
    path = "bytes" if c % 4 else "words" if hw % 4 else "blocks"
    return round(c * hw * TRANSPOSE_CYCLES_PER_BYTE[path])


def _c_words(words) -> str:
    return "{" + ", ".join(f"0x{w:08x}u" for w in words) + "}"


def lower_node(config, graph, node, plan, *, seed: int, noise_scale: int,
               nhwc=(False, False)) -> Part:
    """The node as one part (see the module's docstring); ``nhwc``: whether its input and its
    output are stored NHWC already (between two CIM layers), so not transposed."""
    cim = config.cim
    p = integer_params(graph, node)
    x = graph.tensors[node.inputs[0]]
    w = graph.tensors[node.inputs[1]].data
    dense = node.op == "dense"
    if dense:
        c, h, wd = x.shape[1], 1, 1
        w4, conv = w[:, :, None, None], {}
    else:
        _, c, h, wd = x.shape
        w4, conv = w, dict(strides=tuple(p["strides"]), pads=tuple(p["pads"]))
    k = w4.shape[0]
    jobs = plan_conv2d((c, h, wd), w4, plan.bias, multiplier=plan.multiplier, shift=plan.shift,
                       x_zero_point=p["x_zero_point"], y_zero_point=p["y_zero_point"],
                       input_shift=plan.input_shift, adc_shift=plan.adc_shift, rows=cim.rows,
                       cols=cim.cols, y_min=p["y_min"], y_max=p["y_max"],
                       noise_scale=noise_scale, seed=seed, **conv)
    oh, ow = jobs[0].fields["out_h"], jobs[0].fields["out_w"]
    in_hwc = not dense and c > 1 and h * wd > 1 and not nhwc[0]
    out_hwc = not dense and k > 1 and oh * ow > 1 and not nhwc[1]

    # L3 blob: the parameter tables, then each job's window image.
    params = b"".join(job.params for job in jobs)
    blob = bytearray(params + b"\0" * (_up(len(params)) - len(params)))
    windows = []                                     # (blob offset, rows, cols)
    for job in jobs:
        cols = _window_cols(job.weights.shape[1])
        windows.append((len(blob), job.weights.shape[0], cols))
        blob += weight_window(job.weights, cols)
    # L1 scratch: parameters, partial sums, the HWC input and output.
    psum = max((4 * j.fields["out_c"] * oh * ow for j in jobs if j.fields["acc_out"]),
               default=0)
    at = {"params": 0, "psum": _up(len(params))}
    at["in"] = at["psum"] + _up(psum)
    at["out"] = at["in"] + (_up(c * h * wd) if in_hwc else 0)
    l1_scratch = at["out"] + (_up(k * oh * ow) if out_hwc else 0)

    rp, cp = cim.rows_per_cycle, cim.cols_per_cycle
    busy = sum(cycles(job.fields, rp, cp, cim.post_cols) for job in jobs)
    program = sum(dma_program_cycles(r * cols // 4) for _, r, cols in windows)
    moved = (c * h * wd if in_hwc else 0) + (k * oh * ow if out_hwc else 0)
    transposes = ((transpose_cycles(c, h * wd) if in_hwc else 0)
                  + (transpose_cycles(k, oh * ow) if out_hwc else 0))
    estimate = (busy + program + transfer_cycles(_up(len(params)))
                + len(jobs) * JOB_OVERHEAD_CYCLES + transposes)
    macs = k * oh * ow * c * w4.shape[2] * w4.shape[3]

    def emit(addr: Addresses, name: str) -> str:
        l1 = config.l1.base
        s = addr.l1_scratch
        x_at = s + at["in"] if in_hwc else addr.inputs[0]
        y_at = s + at["out"] if out_hwc else addr.output
        lines = [f"net_dma_load(0x{addr.blob:08x}u, 0x{s + at['params']:08x}u, "
                 f"{_up(len(params))}u);  /* column parameters */"]
        if in_hwc:
            lines.append(f"net_nchw_to_hwc(0x{addr.inputs[0]:08x}u, 0x{x_at:08x}u, {c}u, "
                         f"{h * wd}u);")
        param_at = s + at["params"]
        for j, (job, (off, rows, cols)) in enumerate(zip(jobs, windows, strict=True)):
            f = dict(job.fields, in_addr=x_at - l1, out_addr=y_at - l1 + job.fields["out_addr"],
                     param_addr=param_at - l1, psum_addr=s + at["psum"] - l1)
            param_at += len(job.params)
            word = encode_descriptor(**f)
            words = [(word >> (32 * i)) & 0xFFFFFFFF for i in range(_WORDS)]
            lines += [f"net_cim_weights(0x{addr.blob + off:08x}u, {rows}u, {cols}u);",
                      f"static const uint32_t {name}_{j}[HETSOC_CIM_DESC_WORDS] = "
                      f"{_c_words(words)};", f"net_cim_run({name}_{j});"]
        if out_hwc:
            lines.append(f"net_hwc_to_nchw(0x{y_at:08x}u, 0x{addr.output:08x}u, {k}u, "
                         f"{oh * ow}u);")
        return "\n".join(lines)

    info = {"op": node.op, "jobs": len(jobs),
            "row_chunks": int(max(j.row_chunk for j in jobs)) + 1,
            "col_chunks": int(max(j.col_chunk for j in jobs)) + 1,
            "input_shift": int(plan.input_shift), "adc_shift": int(plan.adc_shift),
            "noise_scale": int(noise_scale), "seed": int(seed),
            "busy_cycles_estimate": int(busy), "program_cycles_estimate": int(program),
            "transposed_bytes": int(moved), "transpose_cycles_estimate": int(transposes),
            "weight_bytes": int(len(blob) - _up(len(params)))}
    return Part("cim", bytes(blob), 0, int(estimate), int(macs), emit, info,
                l1_scratch=l1_scratch, stage=False)
