"""A wide (64-bit or wider) memory port: the system bus protocol with a wider data path.

Same handshake as :class:`hetsoc.hw.bus.BusSignature` (request held until ``req_ready``,
exactly one response per request, in order), used by the DMA and accelerators on L1 and L2.
A banked memory answers exactly one cycle after accepting, so an initiator may issue one
request per cycle and never needs more than a one-entry pipeline.
"""

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["WideBusSignature"]


class WideBusSignature(wiring.Signature):
    """Initiator side of a wide memory port.

    Parameters
    ----------
    addr_width : int
        Byte address width.
    data_width : int
        Data width in bits, a power of two from 32 to 1024.
    """

    def __init__(self, addr_width: int, data_width: int = 64):
        if not isinstance(addr_width, int) or not 3 <= addr_width <= 32:
            raise TypeError(f"Address width must be an integer in [3, 32], not {addr_width!r}")
        if data_width not in (32, 64, 128, 256, 512, 1024):
            raise TypeError(f"Data width must be a power of two from 32 to 1024, "
                            f"not {data_width!r}")
        self.addr_width = addr_width
        self.data_width = data_width
        super().__init__({
            "req_valid": Out(1),
            "req_ready": In(1),
            "addr": Out(addr_width),
            "we": Out(1),
            "wdata": Out(data_width),
            "wstrb": Out(data_width // 8),
            "rsp_valid": In(1),
            "rdata": In(data_width),
        })

    def __eq__(self, other):
        return (isinstance(other, WideBusSignature) and self.addr_width == other.addr_width
                and self.data_width == other.data_width)

    def __repr__(self):
        return f"WideBusSignature({self.addr_width}, {self.data_width})"
