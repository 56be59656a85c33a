"""AXI4 and AXI4-Lite signatures (manager's view), named as cocotbext-axi expects.

A port member ``m_axi`` of a top-level component becomes Verilog ports ``m_axi__awaddr`` ...,
which ``AxiBus.from_prefix(dut, "m_axi_")`` finds. Only what this SoC uses is present: one ID
bit (always 0), INCR bursts, no locks, caches, QoS or user signals.
"""

from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["Axi4LiteSignature", "Axi4Signature"]


def _check(addr_width, data_width, widths):
    if not isinstance(addr_width, int) or not 12 <= addr_width <= 64:
        raise TypeError(f"Address width must be an integer in [12, 64], not {addr_width!r}")
    if data_width not in widths:
        raise TypeError(f"Data width must be one of {widths}, not {data_width!r}")


class Axi4Signature(wiring.Signature):
    """An AXI4 manager port.

    Parameters
    ----------
    addr_width : int
    data_width : int
        32, 64 or 128.
    """

    def __init__(self, addr_width: int = 32, data_width: int = 64):
        _check(addr_width, data_width, (32, 64, 128))
        self.addr_width, self.data_width = addr_width, data_width
        members = {}
        for ch in ("aw", "ar"):
            members |= {f"{ch}id": Out(1), f"{ch}addr": Out(addr_width), f"{ch}len": Out(8),
                        f"{ch}size": Out(3), f"{ch}burst": Out(2), f"{ch}valid": Out(1),
                        f"{ch}ready": In(1)}
        members |= {
            "wdata": Out(data_width), "wstrb": Out(data_width // 8), "wlast": Out(1),
            "wvalid": Out(1), "wready": In(1),
            "bid": In(1), "bresp": In(2), "bvalid": In(1), "bready": Out(1),
            "rid": In(1), "rdata": In(data_width), "rresp": In(2), "rlast": In(1),
            "rvalid": In(1), "rready": Out(1),
        }
        super().__init__(members)

    def __eq__(self, other):
        return (isinstance(other, Axi4Signature) and self.addr_width == other.addr_width
                and self.data_width == other.data_width)

    def __repr__(self):
        return f"Axi4Signature({self.addr_width}, {self.data_width})"


class Axi4LiteSignature(wiring.Signature):
    """An AXI4-Lite manager port (the host's view; the SoC's slave port is its flip).

    Parameters
    ----------
    addr_width : int
    data_width : int
        32 or 64.
    """

    def __init__(self, addr_width: int = 16, data_width: int = 32):
        _check(addr_width, data_width, (32, 64))
        self.addr_width, self.data_width = addr_width, data_width
        super().__init__({
            "awaddr": Out(addr_width), "awprot": Out(3), "awvalid": Out(1), "awready": In(1),
            "wdata": Out(data_width), "wstrb": Out(data_width // 8), "wvalid": Out(1),
            "wready": In(1),
            "bresp": In(2), "bvalid": In(1), "bready": Out(1),
            "araddr": Out(addr_width), "arprot": Out(3), "arvalid": Out(1), "arready": In(1),
            "rdata": In(data_width), "rresp": In(2), "rvalid": In(1), "rready": Out(1),
        })

    def __eq__(self, other):
        return (isinstance(other, Axi4LiteSignature) and self.addr_width == other.addr_width
                and self.data_width == other.data_width)

    def __repr__(self):
        return f"Axi4LiteSignature({self.addr_width}, {self.data_width})"
