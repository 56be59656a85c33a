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

from amaranth.lib import data, enum

__all__ = ["BEAT_BYTES", "CH_CPL", "CH_IRQ", "CH_STATUS", "DESCRIPTOR_WORDS", "LEN_WIDTH",
           "MAX_BURST", "ORDER_DEPTH", "Descriptor", "DmaStatus"]

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


#: Beats per chunk at most (256 bytes): the walker splits rows into chunks of up to this many.
MAX_BURST = 32
#: Width of a burst command's length (holds 1..MAX_BURST).
LEN_WIDTH = 6
#: Chunks a target may owe at once: more only adds area (the memories answer in a cycle, AXI
#: within a few). It also bounds how far a channel's writes can run ahead of a write error.
ORDER_DEPTH = 4

#: ``CH_STATUS``: the channel moves a descriptor; a push was dropped (``CH_IRQ.overflow``);
#: descriptors queued; completions waiting in ``CH_CPL``.
CH_STATUS = data.StructLayout({"busy": 1, "overflow": 1, "_reserved": 6, "queued": 8,
                               "completions": 8})
#: ``CH_CPL``: the oldest completion (``valid``), its `DmaStatus` and the descriptor's tag.
CH_CPL = data.StructLayout({"tag": 16, "status": 4, "_reserved": 11, "valid": 1})
#: ``CH_IRQ`` and ``CH_IRQ_EN``: done, error (a status other than OK), overflow (sticky).
CH_IRQ = data.StructLayout({"done": 1, "error": 1, "overflow": 1})

#: 32-bit words per descriptor (staging registers DESC0..DESC7).
DESCRIPTOR_WORDS = Descriptor.as_shape().size // 32
assert Descriptor.as_shape().size == 32 * DESCRIPTOR_WORDS


# Completion codes, as a channel reports them (``CH_CPL`` bits 16-19).
class DmaStatus(enum.Enum, shape=4):
    """Why a descriptor ended.

    The checks ``ZERO_SIZE`` .. ``DST_WINDOW`` run in this order, before any byte moves; a
    descriptor that fails one moves nothing. ``BUS_ERROR`` is the only status that can end a
    descriptor after bytes have moved.

    ``OK``: every byte copied. ``ZERO_SIZE``: ``row_bytes``, ``rows`` or ``planes`` is 0.
    ``MISALIGNED``: an address, the row size or a stride is not a multiple of 8 bytes.
    ``UNMAPPED``: the source or destination extent is not inside one of L1, L2, L3.
    ``SRC_WINDOW`` / ``DST_WINDOW``: the extent leaves the channel's read / write window.
    ``BUS_ERROR``: an L3 read beat or write burst answered SLVERR or DECERR; the transfer
    stopped there (docs/dma.md says what may already have been written).
    """

    OK = 0
    ZERO_SIZE = 1
    MISALIGNED = 2
    UNMAPPED = 3
    SRC_WINDOW = 4
    DST_WINDOW = 5
    BUS_ERROR = 6
