"""On-chip memories as bus targets: the host's dual-port main memory and banked scratchpads."""

from amaranth import Array, Cat, Const, Module, Mux, Signal
from amaranth.lib import memory, wiring
from amaranth.lib.wiring import In, Out

from .bus import BusSignature
from .widebus import WideBusSignature

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
    """A scratchpad of ``banks`` word-interleaved single-port banks shared by several ports.

    Word ``w`` lives in bank ``w % banks``, so consecutive words (a DMA burst, a PE row) spread
    over all banks. Port ``bus`` is the host core's (32-bit); ``wide_ports`` adds wider ports
    (:class:`~hetsoc.hw.widebus.WideBusSignature`) for the DMA and the accelerators. An access
    of ``n`` 32-bit words (``n`` = port width / 32, a power of two) uses the ``n`` banks of an
    aligned group of ``n`` words, so it never meets itself in a bank. Every accepted access is
    answered exactly one cycle later.

    Arbitration is per bank and per cycle, by fixed priority: the core first (so its timing never
    depends on DMA or accelerator traffic), then the wide ports in the order given. A port whose
    banks are taken waits (``req_ready`` low); ``conflicts`` counts the cycles in which at least
    one port waited that way.

    Parameters
    ----------
    size : int
        Total size in bytes.
    banks : int
        Number of banks, a power of two (at least 2 with wide ports).
    wide_ports : sequence of str or (str, int)
        The wide ports, highest priority first: a name (a 64-bit port) or a (name, data width
        in bits) pair; widths are powers of two from 64 to ``32 * banks``.
    """

    def __init__(self, size: int, banks: int, wide_ports=()):
        _check_size(size)
        if not isinstance(banks, int) or banks < 1 or banks & (banks - 1) or size // banks < 8:
            raise ValueError(f"Banks must be a power of two dividing the size, not {banks!r}")
        wide_ports = tuple(wide_ports)
        if wide_ports and banks < 2:
            raise ValueError(f"Banks must be at least 2 with wide ports, not {banks!r}")
        ports = {}
        for port in wide_ports:
            name, width = (port, 64) if isinstance(port, str) else port
            if (not isinstance(width, int) or width < 64 or width & (width - 1)
                    or width > 32 * banks):
                raise ValueError(f"Width of port {name!r} must be a power of two from 64 to "
                                 f"{32 * banks} bits, not {width!r}")
            ports[name] = width
        self.size = size
        self.banks = banks
        self.wide_ports = tuple(ports)
        self.port_widths = ports
        aw = (size - 1).bit_length()
        members = {"bus": In(BusSignature(aw)), "conflicts": Out(32)}
        for name, width in ports.items():
            members[name] = In(WideBusSignature(aw, width))
        super().__init__(members)
        self.bank_memories = [memory.Memory(shape=32, depth=size // 4 // banks, init=[])
                              for _ in range(banks)]

    def elaborate(self, platform):
        m = Module()
        nb = self.banks
        bank_bits = (nb - 1).bit_length()
        ports = [self.bus, *(getattr(self, name) for name in self.wide_ports)]
        words = [1, *(self.port_widths[name] // 32 for name in self.wide_ports)]
        # Per port: the banks it needs this cycle (an aligned group of `words[i]` banks).
        need = []
        for i, p in enumerate(ports):
            mask = Signal(nb, name=f"need{i}")
            group_bits = (words[i] - 1).bit_length()
            group = p.addr[2 + group_bits:2 + bank_bits]
            ones = (1 << words[i]) - 1
            m.d.comb += mask.eq(ones << (group * words[i]) if len(group) else ones)
            need.append(mask)
        taken = Const(0, nb)
        grant = []
        waited = []
        for i, p in enumerate(ports):
            free = Signal(name=f"free{i}")
            m.d.comb += free.eq((need[i] & taken) == 0)
            ok = Signal(name=f"grant{i}")
            m.d.comb += ok.eq(p.req_valid & free)
            # The core's port is first in line: always ready, exactly as a private memory.
            m.d.comb += p.req_ready.eq(1 if i == 0 else free)
            taken = taken | Mux(ok, need[i], 0)
            grant.append(ok)
            waited.append(p.req_valid & ~free)
            m.d.sync += p.rsp_valid.eq(ok)
        if len(ports) > 1:
            with m.If(Cat(*waited).any()):
                m.d.sync += self.conflicts.eq(self.conflicts + 1)
        m.d.sync += self.bus.err.eq(0)

        row = [p.addr[2 + bank_bits:] for p in ports]
        bank_rdata = []
        for b, mem in enumerate(self.bank_memories):
            m.submodules[f"bank{b}"] = mem
            rport = mem.read_port()
            wport = mem.write_port(granularity=8)
            bank_rdata.append(rport.data)
            # The highest-priority granted port that needs this bank drives it.
            with m.If(Cat(*(g & n[b] for g, n in zip(grant, need, strict=True))).any()):
                for i in reversed(range(len(ports))):
                    p = ports[i]
                    lane = b % words[i]
                    with m.If(grant[i] & need[i][b]):
                        m.d.comb += [
                            rport.addr.eq(row[i]),
                            rport.en.eq(~p.we),
                            wport.addr.eq(row[i]),
                            wport.data.eq(p.wdata.word_select(lane, 32)),
                            wport.en.eq(p.wstrb.word_select(lane, 4) & p.we.replicate(4)),
                        ]
        # Read data: the group of banks a port was granted, one cycle later.
        for i, p in enumerate(ports):
            n = words[i]
            groups = [Cat(*bank_rdata[k * n:(k + 1) * n]) for k in range(nb // n)]
            if len(groups) == 1:
                m.d.comb += p.rdata.eq(groups[0])
                continue
            group_bits = (n - 1).bit_length()
            sel = Signal(bank_bits - group_bits, name=f"group{i}")
            m.d.sync += sel.eq(p.addr[2 + group_bits:2 + bank_bits])
            m.d.comb += p.rdata.eq(Array(groups)[sel])
        return m
