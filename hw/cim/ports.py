"""The CIM's ports: the L1 data port and the weight-programming port."""

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["L1PortSignature", "ProgSignature"]


class L1PortSignature(wiring.Signature):
    """Initiator side of the CIM's L1 port: 64-bit, one request per cycle at most.

    Member for member the wide memory port of the memory hierarchy (``req_valid``/``req_ready``
    handshake, request held until accepted, exactly one response per request, in order, one
    cycle after acceptance), so the L1 arbiter attaches it with ``wiring.connect``.

    Parameters
    ----------
    addr_width : int
        Byte address width of L1.
    """

    def __init__(self, addr_width: int):
        if not isinstance(addr_width, int) or not 3 <= addr_width <= 32:
            raise TypeError(f"Address width must be an integer in [3, 32], not {addr_width!r}")
        self.addr_width = addr_width
        super().__init__({
            "req_valid": Out(1), "req_ready": In(1), "addr": Out(addr_width), "we": Out(1),
            "wdata": Out(64), "wstrb": Out(8), "rsp_valid": In(1), "rdata": In(64),
        })


class ProgSignature(wiring.Signature):
    """Weight programming (initiator side, the DMA's): one macro row of ``cols_per_write``
    cells per accepted beat, 2 bits each (``descriptor.CELL_*``), cell ``i`` in bits
    ``[2i, 2i+2)``.

    ``row`` and ``group`` select macro row ``row`` and columns
    ``[group * cols_per_write, (group + 1) * cols_per_write)``. ``clear_error`` forgets an
    earlier refused beat.
    """

    def __init__(self, rows: int, groups: int, cols_per_write: int):
        super().__init__({
            "valid": Out(1), "ready": In(1),
            "row": Out(max(1, (rows - 1).bit_length())),
            "group": Out(max(1, (groups - 1).bit_length())),
            "data": Out(2 * cols_per_write),
            "clear_error": Out(1),
        })
