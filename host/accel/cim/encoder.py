"""Host encoder of the CIM accelerator: descriptors (packed from the one shared layout,
``hetsoc.spec.cim.DESCRIPTOR``), weight-programming beats, parameter entries, and
the split of a conv2d/dense layer into (row chunk, column chunk) jobs (``docs/cim.md``).

Errors are one-line ``ValueError``s; nothing is encoded for a layer that the macro cannot run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...golden.cim_noise import descriptor_seed
from ...spec.cim import CELL_MINUS, CELL_PLUS, CELL_ZERO, DESCRIPTOR, PARAM_BYTES
from ...spec.pack import pack

__all__ = ["CimJob", "encode_descriptor", "param_table", "plan_conv2d", "weight_beats",
           "weight_window"]


def encode_descriptor(**fields) -> int:
    """Pack descriptor fields (missing ones are 0) into an integer of ``DESCRIPTOR.size`` bits.

    Raises ValueError for an unknown field or a value that does not fit its field
    (`hetsoc.spec.pack.pack`)."""
    return pack(DESCRIPTOR, fields)


def _cell_codes(t) -> np.ndarray:
    t = np.asarray(t)
    if not np.isin(t, (-1, 0, 1)).all():
        bad = t[~np.isin(t, (-1, 0, 1))].flat[0]
        raise ValueError(f"CIM weights must be in {{-1, 0, +1}}, not {int(bad)!r}")
    return np.where(t == 1, CELL_PLUS, np.where(t == -1, CELL_MINUS, CELL_ZERO)).astype(np.int64)


def weight_beats(t, cols_per_write: int):
    """Programming beats ``(row, group, data)`` for a ternary matrix ``t`` (rows x columns)
    placed at macro row 0, column 0."""
    t = np.asarray(t)
    codes = _cell_codes(t)
    beats = []
    for r in range(t.shape[0]):
        for g in range(-(-t.shape[1] // cols_per_write)):
            cells = codes[r, g * cols_per_write:(g + 1) * cols_per_write]
            beats.append((r, g, sum(int(v) << (2 * i) for i, v in enumerate(cells))))
    return beats


def weight_window(t, cols: int) -> bytes:
    """The first bytes of the CIM's DMA window (``hetsoc.spec.cim.dma_sink_bytes``) for a
    ternary matrix ``t`` (rows x at most ``cols`` columns) at macro row 0, column 0: its rows
    whole, ``cols / 4`` bytes each, four cells a byte (cell ``c`` in bits ``2 (c % 4)``), the
    columns past ``t``'s zero. One DMA transfer of ``rows * cols / 4`` bytes programs it."""
    if not isinstance(cols, int) or cols < 32 or cols & (cols - 1):
        raise ValueError(f"cols must be a power of two of at least 32, not {cols!r}")
    codes = _cell_codes(t)
    if codes.ndim != 2 or codes.shape[1] > cols:
        raise ValueError(f"t must be rows x at most {cols} columns, not shape {codes.shape}")
    row = np.zeros((codes.shape[0], cols), np.int64)
    row[:, :codes.shape[1]] = codes
    return (row.reshape(-1, 4) << np.array([0, 2, 4, 6])).sum(axis=1).astype(np.uint8).tobytes()


def param_table(bias, multiplier, shift) -> bytes:
    """Column parameter entries (``PARAM_BYTES`` each): int32 bias in ADC units, int32
    multiplier, uint32 shift, reserved."""
    bias, multiplier, shift = (np.asarray(a, dtype=np.int64).reshape(-1)
                               for a in (bias, multiplier, shift))
    out = np.zeros((bias.size, PARAM_BYTES // 4), dtype="<u4")
    out[:, 0] = bias & 0xFFFFFFFF
    out[:, 1] = multiplier & 0xFFFFFFFF
    out[:, 2] = shift
    return out.tobytes()


@dataclass(frozen=True)
class CimJob:
    """One descriptor's worth of a layer: program ``weights`` (rows x columns, ternary), put
    ``params`` at the descriptor's ``param_addr``, then run ``fields``."""

    row_chunk: int
    col_chunk: int
    weights: np.ndarray
    params: bytes
    fields: dict


def _check(cond, message):
    if not cond:
        raise ValueError(message)


def plan_conv2d(x_shape, w, bias, *, multiplier, shift, x_zero_point, y_zero_point,
                input_shift, adc_shift, rows, cols, strides=(1, 1), pads=(0, 0, 0, 0),
                y_min=-128, y_max=127, adc_offset=0, noise_scale=0, seed=0, image=0,
                in_addr=0, out_addr=0, param_addr=0, psum_addr=0, split=True):
    """Split one image of a CIM conv2d (dense: a 1x1 kernel on a 1x1 image) into jobs.

    Parameters
    ----------
    x_shape : (C, H, W) of the int8 input, stored HWC at ``in_addr``
    w : (K, C, kh, kw) ternary; rows are laid out in (kh, kw, c) order
    bias, multiplier, shift : per output channel (bias in ADC units, or None)
    rows, cols : the macro's size; ``split=False`` refuses a layer larger than the macro
    out_addr : the HWC int8 output; ``psum_addr`` : scratch for int32 partial sums (row splits)

    Returns
    -------
    list of CimJob, in execution order (for each column chunk, its row chunks in order)
    """
    w = np.asarray(w)
    _check(w.ndim == 4, f"w must be (K, C, kh, kw), not shape {w.shape}")
    k, c, kh, kw = w.shape
    _check(tuple(x_shape)[0] == c, f"x_shape must have {c} channels, not {tuple(x_shape)!r}")
    if not np.isin(w, (-1, 0, 1)).all():
        raise ValueError(f"CIM weights must be in {{-1, 0, +1}}, "
                         f"not {int(w[~np.isin(w, (-1, 0, 1))][0])!r}")
    _check(input_shift in (0, 1, 2),
           f"input_shift must be 0, 1 or 2 (7-bit inputs), not {input_shift!r}")
    _check(isinstance(adc_shift, int) and 0 <= adc_shift <= 15,
           f"adc_shift must be an integer in [0, 15], not {adc_shift!r}")
    _check(1 <= kh <= 7 and 1 <= kw <= 7, f"kernel must be at most 7x7, not {kh}x{kw}")
    _check(tuple(strides) in ((1, 1), (2, 2)), f"strides must be (1, 1) or (2, 2), not "
                                                f"{tuple(strides)!r}")
    pt, pl, pb, pr = pads
    _check(max(pads) <= 7 and min(pads) >= 0, f"pads must be in [0, 7], not {tuple(pads)!r}")
    _, h, wd = x_shape
    s = strides[0]
    oh, ow = (h + pt + pb - kh) // s + 1, (wd + pl + pr - kw) // s + 1
    _check(oh >= 1 and ow >= 1, f"the kernel {kh}x{kw} does not fit the padded input {h}x{wd}")
    r_total = kh * kw * c
    if not split:
        _check(r_total <= rows and k <= cols,
               f"layer needs {r_total} rows x {k} columns but the macro has {rows} x {cols}; "
               f"split it (split=True)")
    bias = np.zeros(k, dtype=np.int64) if bias is None else np.asarray(bias, np.int64)
    multiplier = np.broadcast_to(np.asarray(multiplier, np.int64), (k,))
    shift = np.broadcast_to(np.asarray(shift, np.int64), (k,))
    wrows = w.transpose(2, 3, 1, 0).reshape(r_total, k)      # row index = (i * kw + j) * C + c
    n_rc = -(-r_total // rows)
    jobs = []
    for cc, k0 in enumerate(range(0, k, cols)):
        kn = min(cols, k - k0)
        for rc, r0 in enumerate(range(0, r_total, rows)):
            rn = min(rows, r_total - r0)
            last = rc == n_rc - 1
            i0, rem = divmod(r0, kw * c)
            j0, c0 = divmod(rem, c)
            fields = dict(
                in_addr=in_addr, out_addr=out_addr + k0, param_addr=param_addr,
                psum_addr=psum_addr, in_h=h, in_w=wd, in_c=c, out_c=kn, out_h=oh, out_w=ow,
                out_pix_stride=k, rows=rn, row_i0=i0, row_j0=j0, row_c0=c0, kh=kh, kw=kw,
                stride=s, pad_top=pt, pad_left=pl, in_shift=input_shift, adc_shift=adc_shift,
                acc_in=int(rc > 0), acc_out=int(not last), adc_offset=adc_offset,
                x_zp=int(x_zero_point), y_zp=int(y_zero_point), y_min=int(y_min),
                y_max=int(y_max), seed=descriptor_seed(seed, image, rc, cc),
                noise_scale=noise_scale)
            params = param_table(bias[k0:k0 + kn] if last else np.zeros(kn, np.int64),
                                 multiplier[k0:k0 + kn], shift[k0:k0 + kn])
            jobs.append(CimJob(rc, cc, wrows[r0:r0 + rn, k0:k0 + kn].astype(np.int8), params,
                               fields))
    return jobs
