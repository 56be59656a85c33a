"""Completion codes of a DMA descriptor, as the channel reports them (``CPL`` register)."""

from amaranth.lib import enum

__all__ = ["DmaStatus"]


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
