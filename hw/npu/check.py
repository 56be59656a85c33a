"""Descriptor validation: every limit a compiler must respect, checked before anything moves.

`check_descriptor` adds logic that computes, from a latched descriptor, the error code
(:class:`.descriptor.NpuError`, 0 when the layer is acceptable). Extents are computed exactly
(products of the dimensions and strides, no wrap-around), so an out-of-range layer is refused
before the first L1 access rather than faulting part-way with some outputs written.
"""

from __future__ import annotations

from amaranth import Module, Mux, Signal

from ...spec.npu import MAX_KERNEL, NpuError, Op

__all__ = ["check_descriptor"]


def check_descriptor(m: Module, d, *, l1_size: int, weight_words: int, rows: int,
                     cols: int, port_bytes: int):
    """Return a Signal(4) with the first failing check's `NpuError` code (combinational), and
    a Signal(48), one past the last weight-memory word the layer reads (for a conv, depthwise
    or dense layer).

    Parameters
    ----------
    m : Module
    d : View of DESCRIPTOR
        The latched descriptor.
    l1_size : int
        L1 bytes; every tensor byte must be below it.
    weight_words : int
        Weight memory size in ``rows``-byte words.
    rows, cols : int
        PE array shape; a folded layer needs ``out_w <= cols / 2``.
    port_bytes : int
        L1 port width; add operands must be aligned to it.
    """
    code = Signal(4)
    s = d.stride
    # (n - 1) * stride + k  <=  size + pads : the last window stays inside the padded input
    oh_fits = (d.out_h - 1) * s + d.kh <= d.in_h + d.pad_t + d.pad_b
    ow_fits = (d.out_w - 1) * s + d.kw <= d.in_w + d.pad_l + d.pad_r
    empty = ((d.in_c == 0) | (d.in_h == 0) | (d.in_w == 0) | (d.out_k == 0) | (d.out_h == 0)
             | (d.out_w == 0))
    pads_ok = (d.pad_t < d.kh) & (d.pad_b < d.kh) & (d.pad_l < d.kw) & (d.pad_r < d.kw)
    in_end = Signal(48)
    out_end = Signal(48)
    m.d.comb += [
        in_end.eq(d.in_base + (d.in_c - 1) * d.in_cs + (d.in_h - 1) * d.in_rs + d.in_w),
        out_end.eq(d.out_base + (d.out_k - 1) * d.out_cs + (d.out_h - 1) * d.out_rs + d.out_w),
    ]
    log_rows = rows.bit_length() - 1
    blocks = (d.out_k + rows - 1) >> log_rows
    taps = d.kh * d.kw
    w_end = Signal(48)
    # per block: 9 words of bias / multipliers / shifts, then one word per (c, ky, kx) tap;
    # a depthwise block only has its own ``rows`` channels
    m.d.comb += w_end.eq(d.w_base + blocks * 9
                         + Mux(d.op == Op.DEPTHWISE, d.out_k, blocks * d.in_c) * taps)
    dense_bad = (d.op == Op.DENSE) & ((d.in_w != 1) | (d.out_w != 1) | (d.kh != 1)
                                      | (d.kw != 1))
    with m.If(d.op == Op.ADD):
        mask = port_bytes - 1
        with m.If((d.length == 0) | (d.add_shift > 62) | d.a_mult[31] | d.b_mult[31]):
            m.d.comb += code.eq(NpuError.SHAPE)
        with m.Elif(((d.in_base | d.b_base | d.out_base) & mask) != 0):
            m.d.comb += code.eq(NpuError.ALIGN)
        with m.Elif(d.in_base + d.length > l1_size):
            m.d.comb += code.eq(NpuError.INPUT)
        with m.Elif(d.b_base + d.length > l1_size):
            m.d.comb += code.eq(NpuError.OTHER)
        with m.Elif(d.out_base + d.length > l1_size):
            m.d.comb += code.eq(NpuError.OUTPUT)
    with m.Elif((d.kh == 0) | (d.kw == 0) | (d.kh > MAX_KERNEL) | (d.kw > MAX_KERNEL)):
        m.d.comb += code.eq(NpuError.KERNEL)
    with m.Elif((s == 0) | (s > 2)):
        m.d.comb += code.eq(NpuError.STRIDE)
    fold_bad = d.fold & (d.out_w > cols // 2)
    with m.Elif(empty | ~pads_ok | ~oh_fits | ~ow_fits | dense_bad | fold_bad):
        m.d.comb += code.eq(NpuError.SHAPE)
    with m.Elif((d.op == Op.DEPTHWISE) & (d.in_c != d.out_k)):
        m.d.comb += code.eq(NpuError.CHANNELS)
    with m.Elif(in_end > l1_size):
        m.d.comb += code.eq(NpuError.INPUT)
    with m.Elif(out_end > l1_size):
        m.d.comb += code.eq(NpuError.OUTPUT)
    with m.Elif(w_end > weight_words):
        m.d.comb += code.eq(NpuError.WEIGHTS)
    return code, w_end
