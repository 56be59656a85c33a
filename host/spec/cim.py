"""The CIM descriptor: ONE ``data.StructLayout`` shared by the gateware and the host encoder
(``hetsoc.cim``), plus the encodings it refers to (cells, parameter entries, error codes).

A descriptor runs one (image, row chunk, column chunk) of a conv2d or dense layer whose
weights are already programmed into macro rows ``0..rows-1`` and columns ``0..out_c-1``.
Field order is the word order: word ``k`` holds bits ``[32k, 32k + 32)``. Activations in L1 are
int8, channels last (HWC), so a pixel's ``in_c`` channels are contiguous.

The weights are programmed a beat at a time: by the CPU through ``PROG_ADDR``/``PROG_DATA``
(a beat is one macro row of ``cols_per_cycle`` cells), or by the DMA through the unit's DMA
window (`dma_sink_bytes`), one 8-byte beat of 32 cells per cycle. Both use the same cell codes
(``CELL_*``, 2 bits a cell, cell ``i`` of a beat in bits ``[2i, 2i + 2)``).
"""

import enum
from dataclasses import dataclass

from amaranth import signed
from amaranth.lib import data

from .accelerators import AcceleratorSpec, Plugin
from .page import UNIT_BASE, protocol_registers
from .regmap import Register

__all__ = ["ADC_MAX", "ADC_MIN", "CELL_MINUS", "CELL_PLUS", "CELL_ZERO", "DESCRIPTOR",
           "CIM_REGISTERS", "CIM_SPEC", "DESCRIPTOR_WORDS", "LFSR_MASK", "NOISE_FRAC",
           "PARAM_BYTES", "PLUGIN", "PROG_ADDR", "TILE", "UNIT_FLAGS", "CimError",
           "CimParams", "dma_sink_bytes"]

DESCRIPTOR = data.StructLayout({
    "in_addr": 32,         # L1 byte address of the input image (HWC int8)
    "out_addr": 32,        # L1 byte address of output pixel 0, channel 0 of this chunk
    "param_addr": 32,      # L1 address of out_c parameter entries (8-byte aligned)
    "psum_addr": 32,       # L1 address of int32 partial sums (pixel-major, out_c per pixel)
    "in_h": 16, "in_w": 16,
    "in_c": 16,            # channels of the input tensor (its pixel stride in bytes)
    "out_c": 16,           # columns of this chunk, 1..cols
    "out_h": 16, "out_w": 16,
    "out_pix_stride": 16,  # bytes between output pixels (the layer's K for column splits)
    "rows": 16,            # rows of this chunk, 1..macro rows
    "row_i0": 4, "row_j0": 4, "row_c0": 16,  # (kh, kw, c) position of the chunk's first row
    "kh": 4, "kw": 4,      # kernel, 1..7
    "stride": 2,           # 1 or 2
    "pad_top": 3, "pad_left": 3,
    "in_shift": 2,         # s_in, 0..2
    "adc_shift": 4,        # s_adc, the ADC gain 2**-s_adc
    "acc_in": 1,           # add the int32 partial sums at psum_addr (not the first row chunk)
    "acc_out": 1,          # write int32 partial sums to psum_addr instead of int8 outputs
    "adc_offset": signed(6),  # signed, added to each ADC code before clipping
    "_reserved0": 10,
    "x_zp": signed(8), "y_zp": signed(8), "y_min": signed(8), "y_max": signed(8),
    "seed": 32,            # noise LFSR seed (0 means 1)
    "noise_scale": 16,     # cim_noise.noise_scale(sigma); 0 = ideal
    "_reserved1": 16,
})

#: 32-bit words per descriptor.
DESCRIPTOR_WORDS = DESCRIPTOR.size // 32
assert DESCRIPTOR.size == 32 * DESCRIPTOR_WORDS

#: Bytes per column parameter entry: int32 bias (ADC units), int32 multiplier, uint32 shift
#: (1..62), one reserved word.
PARAM_BYTES = 16

#: 2-bit cell codes; 0b10 is not a ternary weight and is refused by the programming port.
CELL_ZERO, CELL_PLUS, CELL_MINUS = 0b00, 0b01, 0b11


#: The 6-bit ADC's output codes.
ADC_MIN, ADC_MAX = -32, 31
#: Galois form of the noise LFSR's polynomial x^32 + x^22 + x^2 + x + 1 (maximal length).
LFSR_MASK = 0x80200003
#: Fraction bits of the noise scale and of the value before the ADC.
NOISE_FRAC = 16


class CimError(enum.IntEnum):
    """``error`` codes after a refused descriptor (nothing is read or written)."""

    NONE = 0
    SHAPE = 1          # rows or out_c beyond the macro, zero sizes, bad kernel or stride
    INPUT_SHIFT = 2    # in_shift > 2: the inputs would not fit the 7-bit DAC
    WEIGHTS = 3        # a weight outside {-1, 0, +1} was offered since the last clear
    ALIGN = 4          # param_addr not 8-byte aligned or psum_addr not 4-byte aligned


#: The CIM's register page: the accelerator protocol (`hetsoc.spec.page`), then its own.
CIM_REGISTERS = (
    *protocol_registers(DESCRIPTOR_WORDS, "matrix-vector products"),
    Register("PROG_CYCLES", UNIT_BASE, "r", "weight-programming beats accepted, CPU or DMA, "
                                            "counted since reset"),
    Register("PROG_ADDR", UNIT_BASE + 0x04, "rw", "next programming beat (PROG_ADDR layout): "
                                                  "macro row, column group, groups per row (0: "
                                                  "up to the macro's last); advances group first, "
                                                  "then row (back to the group written); a write "
                                                  "restarts the beat"),
    Register("PROG_DATA", UNIT_BASE + 0x08, "w", "next 32 bits of the beat at PROG_ADDR (2-bit "
                                                 "cells, cell i in bits 2i+1..2i); the beat is "
                                                 "issued after max(1, 2*cols_per_cycle/32) "
                                                 "writes; refused with a bus error, changing "
                                                 "nothing, while busy"),
    Register("PROG_CTRL", UNIT_BASE + 0x0C, "w", "write bit 0 = 1: clear a refused-weight error"),
    Register("TILE", UNIT_BASE + 0x10, "r", "rows_per_cycle and cols_per_cycle (TILE layout)"),
)

#: PROG_ADDR: the next programming beat.
PROG_ADDR = data.StructLayout({"row": 16, "group": 8, "groups": 8})
#: TILE: cells per cycle of the emulation; a programming beat is one row of ``cols_per_cycle``.
TILE = data.StructLayout({"rows_per_cycle": 16, "cols_per_cycle": 16})
#: STATUS bits 3-7, the protocol's unit flags: a refused weight beat is pending.
UNIT_FLAGS = data.StructLayout({"weight_error": 1})


@dataclass(frozen=True)
class CimParams:
    """An ``[[accelerator]]`` table of kind ``cim``: a ``rows`` x ``cols`` ternary macro that
    computes a ``rows_per_cycle`` x ``cols_per_cycle`` tile of it per cycle, and reads out,
    converts and writes ``post_cols`` columns per cycle."""

    rows: int
    cols: int
    rows_per_cycle: int = 16
    cols_per_cycle: int = 16
    post_cols: int = 8


def _check(p: CimParams) -> str | None:
    for name in ("rows", "cols"):
        v = getattr(p, name)
        if not isinstance(v, int) or isinstance(v, bool) or not 1 <= v <= 4096:
            return f"{name} must be an integer in [1, 4096], not {v!r}"
    for name, limit in (("rows_per_cycle", p.rows), ("cols_per_cycle", p.cols)):
        v = getattr(p, name)
        if not isinstance(v, int) or isinstance(v, bool) or v < 1 or v & (v - 1) or limit % v:
            return f"{name} must be a power of two dividing {limit}, not {v!r}"
    v = p.post_cols
    if (not isinstance(v, int) or isinstance(v, bool) or v < 1 or v & (v - 1)
            or v > min(8, p.cols_per_cycle)):
        return (f"post_cols must be a power of two of at most 8 and at most cols_per_cycle "
                f"({p.cols_per_cycle}), not {v!r}")
    if p.cols // p.cols_per_cycle > 256:
        return (f"cols / cols_per_cycle must be at most 256 (PROG_ADDR bits 16-23), "
                f"not {p.cols // p.cols_per_cycle!r}")
    return None


def dma_sink_bytes(p: CimParams) -> int | None:
    """Bytes of the CIM's DMA window: ``rows * cols / 4`` (every cell of the macro, 2 bits
    each) when ``cols`` is a power of two of at least 32, else None (no window).

    Window layout: macro row ``r`` is the ``cols / 4`` bytes from ``r * cols / 4`` on, column
    ``c`` the 2 bits ``2 (c % 4)`` of its byte ``c / 4`` (little-endian, as ``PROG_DATA``'s
    cells). So the 8-byte beat at offset ``o`` holds the 32 cells of row ``o // (cols / 4)``
    from column ``(o % (cols / 4)) * 4`` on, cell ``i`` in bits ``[2i, 2i + 2)`` of the 64-bit
    little-endian word. The row pitch ``cols / 4`` must be a power of two multiple of 8 bytes:
    then a beat never straddles two rows and the hardware splits the offset into (row, beat)
    by bits, without a divider. The window the SoC places (`SocConfig.dma_sinks`) is this
    rounded up to a power of two (at least 1 KiB); beats past ``rows`` rows are refused.
    """
    if p.cols < 32 or p.cols & (p.cols - 1):
        return None
    return p.rows * p.cols // 4


CIM_SPEC = AcceleratorSpec(
    kind="cim", params=CimParams, registers=lambda p: CIM_REGISTERS,
    l1_port_bits=lambda p: 64, check=_check,
    doc="CIM accelerator: descriptor, start/status, interrupt, counters, weight programming",
    desc_words=DESCRIPTOR_WORDS,
    fields={"PROG_ADDR": PROG_ADDR, "TILE": TILE, "UNIT_FLAGS": UNIT_FLAGS},
    enums={"ERROR": CimError}, dma_sink=dma_sink_bytes)

PLUGIN = Plugin(spec="hetsoc.spec.cim:CIM_SPEC",
                gateware="hetsoc.hw.cim.peripheral:CimPeripheral.for_slot",
                target="hetsoc.accel.cim.target:CimTarget",
                drivers=("hetsoc.sw:drivers/cim.c",),
                cases="hetsoc.accel.cim.testgen:conformance_cases")
