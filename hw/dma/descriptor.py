"""The DMA descriptor: one ``data.Struct`` shared by the gateware and the host-side encoder.

A descriptor is eight 32-bit words (256 bits), written by the CPU into a channel's staging
registers ``DESC0`` .. ``DESC7`` and pushed onto the channel's queue. Field order is the word
order: ``DESCk`` holds bits ``[32k, 32k + 32)``.

A transfer is a 3-D copy: ``planes`` planes of ``rows`` rows of ``row_bytes`` contiguous bytes.
Byte ``i`` of row ``r`` of plane ``p`` moves from ``src + p*src_plane_stride + r*src_row_stride
+ i`` to ``dst + p*dst_plane_stride + r*dst_row_stride + i``. Strides are unsigned: tiles are
walked forwards, so the lowest and highest addresses touched are known before any byte moves,
which is what lets the engine check the whole transfer against its windows up front.
"""

from amaranth.lib import data

__all__ = ["BEAT_BYTES", "DESCRIPTOR_WORDS", "Descriptor"]

#: Bytes per datapath beat (64-bit datapath): addresses, row sizes and strides are multiples.
BEAT_BYTES = 8


class Descriptor(data.Struct):
    """One 3-D transfer (see the module docstring for the address formula).

    Fields
    ------
    src, dst : 32
        Byte addresses of the first beat; multiples of 8.
    row_bytes : 16
        Bytes per row, a nonzero multiple of 8 (at most 65528).
    rows : 16
        Rows per plane, nonzero.
    planes : 16
        Planes, nonzero.
    tag : 16
        Returned in the completion status, so software can match completions to submissions.
    src_row_stride, src_plane_stride, dst_row_stride, dst_plane_stride : 32
        Byte distances between consecutive rows / planes, multiples of 8.
    """

    src: 32
    dst: 32
    row_bytes: 16
    rows: 16
    planes: 16
    tag: 16
    src_row_stride: 32
    src_plane_stride: 32
    dst_row_stride: 32
    dst_plane_stride: 32


#: 32-bit words per descriptor (staging registers DESC0..DESC7).
DESCRIPTOR_WORDS = Descriptor.as_shape().size // 32
assert Descriptor.as_shape().size == 32 * DESCRIPTOR_WORDS
