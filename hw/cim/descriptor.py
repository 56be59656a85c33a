"""The CIM descriptor: ONE ``data.StructLayout`` shared by the gateware and the host encoder
(``hetsoc.cim``), plus the encodings it refers to (cells, parameter entries, error codes).

A descriptor runs one (image, row chunk, column chunk) of a conv2d or dense layer whose
weights are already programmed into macro rows ``0..rows-1`` and columns ``0..out_c-1``.
Field order is the word order: word ``k`` holds bits ``[32k, 32k + 32)``. Activations in L1 are
int8, channels last (HWC), so a pixel's ``in_c`` channels are contiguous.
"""

import enum

from amaranth import signed
from amaranth.lib import data

from ..periph.regmap import CIM_DESC_WORDS

__all__ = ["CELL_MINUS", "CELL_PLUS", "CELL_ZERO", "DESCRIPTOR", "DESCRIPTOR_WORDS", "CimError",
           "PARAM_BYTES"]

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
assert DESCRIPTOR_WORDS == CIM_DESC_WORDS, "the CIM's register page (regmap.CIM) must hold it"

#: Bytes per column parameter entry: int32 bias (ADC units), int32 multiplier, uint32 shift
#: (1..62), one reserved word.
PARAM_BYTES = 16

#: 2-bit cell codes; 0b10 is not a ternary weight and is refused by the programming port.
CELL_ZERO, CELL_PLUS, CELL_MINUS = 0b00, 0b01, 0b11


class CimError(enum.IntEnum):
    """``error`` codes after a refused descriptor (nothing is read or written)."""

    NONE = 0
    SHAPE = 1          # rows or out_c beyond the macro, zero sizes, bad kernel or stride
    INPUT_SHIFT = 2    # in_shift > 2: the inputs would not fit the 7-bit DAC
    WEIGHTS = 3        # a weight outside {-1, 0, +1} was offered since the last clear
    ALIGN = 4          # param_addr not 8-byte aligned or psum_addr not 4-byte aligned
