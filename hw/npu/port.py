"""The NPU's L1 port: one wide, word-aligned read or write per cycle.

Bandwidth assumption (DIANA-like): the port is ``2 * cols`` bytes wide (32 bytes = 256 bits on
the default 16x16 array, 16 bytes on the 8x8 `pynq-z2` array), i.e. the L1 arbiter gives the NPU
a path across ``2 * cols / 4`` 32-bit banks in one cycle. That is enough for a 3x3 conv: one
input row segment (``cols + 2`` bytes, at most two words) per three MAC cycles.

Handshake: as :class:`hetsoc.hw.widebus.WideBusSignature` (the system bus protocol, wider).
A request (``req_valid`` with ``addr``, ``we``, ``wdata``, ``wstrb``) is held unchanged until
``req_ready``; every request, write included, gets exactly one ``rsp_valid`` at least one cycle
after it was accepted, in order; the NPU keeps at most one request outstanding and issues the
next in the cycle the response arrives, so a one-cycle L1 sustains one word per cycle.
``addr`` is a byte offset inside L1, aligned to the port width.
"""

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["NpuL1Signature"]


class NpuL1Signature(wiring.Signature):
    """Initiator side of the NPU's L1 port.

    Parameters
    ----------
    addr_width : int
        Byte address width (log2 of the L1 size).
    data_bytes : int
        Port width in bytes, a power of two from 4 to 128.
    """

    def __init__(self, addr_width: int, data_bytes: int):
        if not isinstance(addr_width, int) or not 4 <= addr_width <= 32:
            raise TypeError(f"addr_width must be an integer in [4, 32], not {addr_width!r}")
        if data_bytes not in (4, 8, 16, 32, 64, 128):
            raise TypeError(f"data_bytes must be a power of two from 4 to 128, "
                            f"not {data_bytes!r}")
        self.addr_width = addr_width
        self.data_bytes = data_bytes
        super().__init__({
            "req_valid": Out(1), "req_ready": In(1),
            "addr": Out(addr_width), "we": Out(1),
            "wdata": Out(8 * data_bytes), "wstrb": Out(data_bytes),
            "rsp_valid": In(1), "rdata": In(8 * data_bytes),
        })

    def __eq__(self, other):
        return (isinstance(other, NpuL1Signature) and self.addr_width == other.addr_width
                and self.data_bytes == other.data_bytes)

    def __repr__(self):
        return f"NpuL1Signature({self.addr_width}, {self.data_bytes})"
