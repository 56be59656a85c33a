"""The SoC's system bus: a split request/response protocol, in the style of amaranth-soc.

Protocol (initiator's view; a target's port is the flipped signature):

* **Request**: the initiator drives ``addr``, ``we``, ``wdata``, ``wstrb`` with ``req_valid``;
  the request is accepted in a cycle where ``req_valid & req_ready``. A target that is always
  ready ties ``req_ready`` high. Once valid, a request holds until accepted.
* **Response**: exactly one per accepted request, in order, at least one cycle after acceptance:
  ``rsp_valid`` for one cycle, with ``rdata`` (loads) and ``err`` (bus error: unmapped address,
  refused access). Stores get a response too, so a bus error on a store is precise.
* The initiator always accepts a response. At most one request is outstanding per initiator, but
  a new request may be accepted in the same cycle as the previous response arrives, so a
  single-cycle synchronous memory sustains one access per cycle.
"""

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["BusSignature"]


class BusSignature(wiring.Signature):
    """Initiator side of a 32-bit system bus port.

    Parameters
    ----------
    addr_width : int
        Byte address width (32 on the system bus).
    """

    def __init__(self, addr_width: int = 32):
        if not isinstance(addr_width, int) or not 2 <= addr_width <= 32:
            raise TypeError(f"Address width must be an integer in [2, 32], not {addr_width!r}")
        self.addr_width = addr_width
        super().__init__({
            "req_valid": Out(1),
            "req_ready": In(1),
            "addr": Out(addr_width),
            "we": Out(1),
            "wdata": Out(32),
            "wstrb": Out(4),
            "rsp_valid": In(1),
            "rdata": In(32),
            "err": In(1),
        })

    def __eq__(self, other):
        return isinstance(other, BusSignature) and self.addr_width == other.addr_width

    def __repr__(self):
        return f"BusSignature({self.addr_width})"
