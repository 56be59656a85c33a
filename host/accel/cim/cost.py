"""The CIM's cycle model: busy cycles of one descriptor as a function of its fields and the
macro's tile (rows and columns evaluated per cycle, columns converted per write), equal to the
hardware's ``BUSY_CYCLES`` on every stall-free layer (``tests/cim/test_cim_layers.py``,
``bench/cim.py``).

The CIM gathers pixel ``p + 1``'s im2col row into one input buffer while it multiplies pixel
``p`` from the other and writes its results, the gather using the L1 port in the cycles the
rest leaves free. With ``K`` columns, ``M = ceil(R / Rp) * ceil(K / Cp)`` MVM tiles and
``G_p`` the gather beats of pixel ``p``, a descriptor is busy for

    1 + (2K + 1) + (G_0 + 2) + sum over pixels p of (M + 1 + W_p) + sum over p >= 1 of V_p

- ``1``: the check; ``2K + 1``: the parameters, two 8-byte reads per column, and a drain;
- ``G_0 + 2``: the first pixel's gather, its drain, and the cycle that starts the MVM;
- ``M + 1``: the MVM's tiles and a drain;
- ``W_p``: the writes of pixel ``p``: a lead cycle reading the first columns' operands, then
  one write per ``post_cols`` columns (two if their bytes straddle an 8-byte word); with
  ``acc_out`` one write per column; with ``acc_in`` a read of the column's partial sum before
  each write (``2K``, the lead being the first read);
- ``V_p``: the wait for pixel ``p``'s gather, which had the MVM and the lead cycle of pixel
  ``p - 1`` free, ``F = M + 2`` cycles (``M + 1`` with ``acc_in``): 1 if ``G_p <= F``, else
  ``G_p - F + 2`` (the rest of its beats, its drain and the start).

``G_p``: the gather walks the chunk's im2col rows tap by tap; a tap's channels are contiguous in
L1 (HWC), so one beat reads the bytes up to the end of their 8-byte word: a tap whose ``n``
channels start at byte address ``a`` takes as many beats as the words ``[a, a + n)`` touches; a
padding tap (no read) ``ceil(n / 8)``.

Weight programming (`dma_program_cycles`, `cpu_program_beats`) happens between descriptors
and is counted apart, by ``PROG_CYCLES`` (beats accepted, CPU or DMA).
"""

from __future__ import annotations

__all__ = ["cpu_program_beats", "cycles", "dma_program_cycles", "pixel_gather_beats"]


def pixel_gather_beats(fields) -> list[int]:
    """Gather beats of each pixel of the descriptor, in pixel order (``G_p``)."""
    f = fields
    rows, in_c = f["rows"], f["in_c"]
    in_h, in_w, kw, stride = f["in_h"], f["in_w"], f["kw"], f["stride"]
    # the chunk's rows as (i, j, first channel, channels) segments, one per tap
    segments = []
    i, j, c, left = f["row_i0"], f["row_j0"], f["row_c0"], rows
    while left > 0:
        n = min(in_c - c, left)
        segments.append((i, j, c, n))
        left -= n
        c = 0
        j += 1
        if j == kw:
            i, j = i + 1, 0
    base = f.get("in_addr", 0)
    beats = []
    for oh in range(f["out_h"]):
        y0 = oh * stride - f.get("pad_top", 0)
        for ow in range(f["out_w"]):
            x0 = ow * stride - f.get("pad_left", 0)
            total = 0
            for i, j, c, n in segments:
                yy, xx = y0 + i, x0 + j
                if yy < 0 or yy >= in_h or xx < 0 or xx >= in_w:
                    total += -(-n // 8)
                else:
                    a = base + (yy * in_w + xx) * in_c + c
                    total += (a + n - 1) // 8 - a // 8 + 1
            beats.append(total)
    return beats


def _writes(fields, post_cols: int, pixel: int) -> int:
    k = fields["out_c"]
    if fields.get("acc_in"):
        return 2 * k
    if fields.get("acc_out"):
        return 1 + k
    out = fields.get("out_addr", 0) + pixel * fields.get("out_pix_stride", 0)
    writes = 1
    for first in range(0, k, post_cols):
        n = min(post_cols, k - first)
        writes += 2 if (out + first) % 8 + n > 8 else 1
    return writes


def cycles(fields, rows_per_cycle: int, cols_per_cycle: int, post_cols: int | None = None) -> int:
    """Busy cycles of one descriptor without L1 stalls (the model above); ``post_cols``
    defaults to the hardware's, ``min(8, cols_per_cycle)``."""
    post_cols = min(8, cols_per_cycle) if post_cols is None else post_cols
    r, k = fields["rows"], fields["out_c"]
    mvm = -(-r // rows_per_cycle) * -(-k // cols_per_cycle)
    free = mvm + (1 if fields.get("acc_in") else 2)
    beats = pixel_gather_beats(fields)
    total = 1 + (2 * k + 1) + (beats[0] + 2)
    for p, g in enumerate(beats):
        total += mvm + 1 + _writes(fields, post_cols, p)
        if p:
            total += 1 if g <= free else g - free + 2
    return total


def dma_program_cycles(nbytes: int) -> int:
    """Cycles the CIM's DMA window takes to accept ``nbytes`` (a multiple of 8) of weights:
    one 8-byte beat (32 cells of a row) per cycle while the engine is idle and no
    ``PROG_DATA`` beat competes; each beat adds one to ``PROG_CYCLES``. This is the sink's
    side: a DMA that delivers beats more slowly sets the pace itself."""
    if not isinstance(nbytes, int) or nbytes < 0 or nbytes % 8:
        raise ValueError(f"nbytes must be a non-negative multiple of 8, not {nbytes!r}")
    return nbytes // 8


def cpu_program_beats(rows: int, k: int, cols_per_cycle: int) -> int:
    """Programming beats (``PROG_CYCLES``) of a ``rows x k`` block through ``PROG_DATA``: a row
    of ``cols_per_cycle`` cells each, so ``rows * ceil(k / cols_per_cycle)``; the firmware
    writes ``max(1, 2 cols_per_cycle / 32)`` words per beat, one ``PROG_ADDR`` before them.
    The core's cycles per store are the CPU's (not modelled here)."""
    return rows * -(-k // cols_per_cycle)
