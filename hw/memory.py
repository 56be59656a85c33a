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
    over all banks. Port ``bus`` is the host core's (32-bit); ``wide_ports`` adds 64-bit ports
    (:class:`~hetsoc.hw.widebus.WideBusSignature`) for the DMA and the accelerators; a 64-bit
    access uses the two banks of an aligned word pair. Every accepted access is answered exactly
    one cycle later.

    Arbitration is per bank and per cycle, by fixed priority: the core first (so its timing never
    depends on DMA traffic), then the wide ports in the order given. A port whose banks are taken
    waits (``req_ready`` low); ``conflicts`` counts the cycles in which at least one port
    waited that way.

    Parameters
    ----------
    size : int
        Total size in bytes.
    banks : int
        Number of banks, a power of two (at least 2 with wide ports).
    wide_ports : tuple of str
        Names of the 64-bit ports, highest priority first.
    """

    def __init__(self, size: int, banks: int, wide_ports=()):
        _check_size(size)
        if not isinstance(banks, int) or banks < 1 or banks & (banks - 1) or size // banks < 8:
            raise ValueError(f"Banks must be a power of two dividing the size, not {banks!r}")
        wide_ports = tuple(wide_ports)
        if wide_ports and banks < 2:
            raise ValueError(f"Banks must be at least 2 with wide ports, not {banks!r}")
        self.size = size
        self.banks = banks
        self.wide_ports = wide_ports
        aw = (size - 1).bit_length()
        members = {"bus": In(BusSignature(aw)), "conflicts": Out(32)}
        for name in wide_ports:
            members[name] = In(WideBusSignature(aw, 64))
        super().__init__(members)
        self.bank_memories = [memory.Memory(shape=32, depth=size // 4 // banks, init=[])
                              for _ in range(banks)]

    def elaborate(self, platform):
        m = Module()
        nb = self.banks
        bank_bits = (nb - 1).bit_length()
        ports = [self.bus, *(getattr(self, name) for name in self.wide_ports)]
        # Per port: the banks it needs this cycle (one-hot or an aligned pair), and for each
        # bank which 32-bit lane of the port's data it carries.
        need = []
        for i, p in enumerate(ports):
            mask = Signal(nb, name=f"need{i}")
            if i == 0:
                m.d.comb += mask.eq(1 << p.addr[2:2 + bank_bits] if bank_bits else 1)
            else:
                m.d.comb += mask.eq(0b11 << (p.addr[3:2 + bank_bits] << 1))
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
                    lane = 0 if i == 0 else b % 2
                    with m.If(grant[i] & need[i][b]):
                        m.d.comb += [
                            rport.addr.eq(row[i]),
                            rport.en.eq(~p.we),
                            wport.addr.eq(row[i]),
                            wport.data.eq(p.wdata.word_select(lane, 32)),
                            wport.en.eq(p.wstrb.word_select(lane, 4) & p.we.replicate(4)),
                        ]
        # Read data: the banks a port was granted, one cycle later.
        cpu_sel = Signal(max(1, bank_bits))
        m.d.sync += cpu_sel.eq(self.bus.addr[2:2 + bank_bits] if bank_bits else 0)
        m.d.comb += self.bus.rdata.eq(Array(bank_rdata)[cpu_sel])
        pairs = [Cat(bank_rdata[2 * k], bank_rdata[2 * k + 1]) for k in range(nb // 2)]
        for i, p in enumerate(ports[1:], start=1):
            pair = Signal(max(1, bank_bits - 1), name=f"pair{i}")
            m.d.sync += pair.eq(p.addr[3:2 + bank_bits])
            m.d.comb += p.rdata.eq(Array(pairs)[pair])
        return m
