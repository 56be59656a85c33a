"""On-chip memories as bus targets: the host's dual-port main memory and banked scratchpads."""

from amaranth import Module, Signal
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In

from .bus import BusSignature

__all__ = ["MainMemory", "BankedSram"]


def _check_size(size, what="Size"):
    if not isinstance(size, int) or size < 8 or size & (size - 1):
        raise ValueError(f"{what} must be a power of two of at least 8 bytes, not {size!r}")


class MainMemory(wiring.Component):
    """The host's unified instruction and data memory: one read-only fetch port and one
    read/write data port on the same storage, so stores are visible to fetches (fence.i).

    Both ports answer one cycle after a request (synchronous BRAM). The storage is the
    submodule ``storage`` (Verilog path ``<soc>.main_memory.storage``), which the simulation
    harness loads and dumps by backdoor.

    Parameters
    ----------
    size : int
        Size in bytes, a power of two.
    init : list of int, optional
        Initial words (the Amaranth simulator's way of loading a program).
    """

    def __init__(self, size: int, init=()):
        _check_size(size)
        self.size = size
        self.depth = size // 4
        aw = (size - 1).bit_length()
        super().__init__({"fetch": In(BusSignature(aw)), "data": In(BusSignature(aw))})
        self.storage = memory.Memory(shape=32, depth=self.depth, init=list(init))

    def elaborate(self, platform):
        m = Module()
        m.submodules.storage = self.storage
        fetch_port = self.storage.read_port()
        data_rport = self.storage.read_port()
        data_wport = self.storage.write_port(granularity=8)
        for bus, rport in ((self.fetch, fetch_port), (self.data, data_rport)):
            m.d.comb += [bus.req_ready.eq(1), rport.addr.eq(bus.addr[2:]), bus.rdata.eq(rport.data),
                         # Read only when asked: rdata matters only with rsp_valid, and an idle
                         # port then costs nothing in simulation (nor power on an FPGA).
                         rport.en.eq(bus.req_valid & ~bus.we)]
            m.d.sync += bus.rsp_valid.eq(bus.req_valid)
        # The fetch port is read-only: a store through it is a bus error, never a silent write.
        m.d.sync += self.fetch.err.eq(self.fetch.req_valid & self.fetch.we)
        d = self.data
        m.d.comb += [
            data_wport.addr.eq(d.addr[2:]),
            data_wport.data.eq(d.wdata),
            data_wport.en.eq(d.wstrb & (d.req_valid & d.we).replicate(4)),
        ]
        return m


class BankedSram(wiring.Component):
    """A scratchpad of ``banks`` word-interleaved single-port banks behind one bus port.

    Word ``w`` lives in bank ``w % banks``, so consecutive words (a DMA burst, a PE row) spread
    over all banks. With a single port there is no conflict yet; the DMA and accelerator ports
    (memory-hierarchy issue) add arbitration and a conflict counter here.

    Parameters
    ----------
    size : int
        Total size in bytes.
    banks : int
        Number of banks, a power of two.
    """

    def __init__(self, size: int, banks: int):
        _check_size(size)
        if not isinstance(banks, int) or banks < 1 or banks & (banks - 1) or size // banks < 8:
            raise ValueError(f"Banks must be a power of two dividing the size, not {banks!r}")
        self.size = size
        self.banks = banks
        super().__init__({"bus": In(BusSignature((size - 1).bit_length()))})
        self.bank_memories = [memory.Memory(shape=32, depth=size // 4 // banks, init=[])
                              for _ in range(banks)]

    def elaborate(self, platform):
        m = Module()
        bus = self.bus
        bank_bits = (self.banks - 1).bit_length()
        sel = bus.addr[2:2 + bank_bits] if bank_bits else 0
        sel_q = Signal(max(1, bank_bits))
        m.d.comb += bus.req_ready.eq(1)
        m.d.sync += [bus.rsp_valid.eq(bus.req_valid), bus.err.eq(0), sel_q.eq(sel)]
        for i, mem in enumerate(self.bank_memories):
            m.submodules[f"bank{i}"] = mem
            rport = mem.read_port()
            wport = mem.write_port(granularity=8)
            hit = (sel == i) if bank_bits else 1
            m.d.comb += [
                rport.addr.eq(bus.addr[2 + bank_bits:]),
                rport.en.eq(bus.req_valid & ~bus.we & hit),
                wport.addr.eq(bus.addr[2 + bank_bits:]),
                wport.data.eq(bus.wdata),
                wport.en.eq(bus.wstrb & (bus.req_valid & bus.we & hit).replicate(4)),
            ]
            with m.If((sel_q == i) if bank_bits else 1):
                m.d.comb += bus.rdata.eq(rport.data)
        return m
