"""The memory hierarchy: L1 and L2 scratchpads, the DMA between them and L3 (over AXI4)."""

from amaranth import DomainRenamer, Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..spec.config import SocConfig
from .axi.master import AxiBurstMaster
from .axi.signature import Axi4Signature
from .bus import BusSignature
from .dma.engine import Dma
from .dma.ports import SinkSignature
from .dma.sink import BurstSink
from .dma.sram_port import SramBurstPort
from .memory import BankedSram
from .widebus import WideBusSignature

__all__ = ["MemorySystem"]


def _width(size):
    return (size - 1).bit_length()


class MemorySystem(wiring.Component):
    """L1, L2 and the DMA as one block, so tests can drive it without a core.

    Ports: ``cpu_l2`` and ``cpu_l1`` (the core's 32-bit windows onto the scratchpads, first in
    each bank's arbitration), ``dma_bus`` (the DMA's register page), ``m_axi`` (the DMA's AXI4
    master onto L3), ``irq`` (the DMA's interrupt), ``active`` (the DMA has work: see `Dma`),
    and one L1 port per accelerator of the config, ``<name>_l1``, as wide as its slot says
    (``AcceleratorSlot.l1_port_bits``). Inside, each scratchpad has a 64-bit DMA write port
    and read port after the core's; on L1 the accelerators' ports come after the DMA's, in the
    config's order.

    Parameters
    ----------
    config : SocConfig
    bank_domain, dma_domain : str
        Clock domains of the scratchpads' banks and of the DMA (its engine and its ports onto
        the banks and L3): ``sync`` on a board; in simulation each gets its own gated clock
        (`Soc`), so the core's accesses to L1 and L2 do not wake an idle DMA.
    """

    def __init__(self, config: SocConfig, *, bank_domain: str = "sync",
                 dma_domain: str = "sync"):
        if not isinstance(config, SocConfig):
            raise TypeError(f"Config must be a SocConfig, not {config!r}")
        for name, value in (("Bank_domain", bank_domain), ("Dma_domain", dma_domain)):
            if not isinstance(value, str) or not value:
                raise TypeError(f"{name} must be a domain name, not {value!r}")
        self.config = config
        self.bank_domain, self.dma_domain = bank_domain, dma_domain
        #: ``(slot name, port bits)`` of each accelerator's L1 port.
        self.l1_ports = tuple((slot.name, slot.l1_port_bits) for slot in config.accelerators)
        self.l1 = BankedSram(config.l1.size, config.l1.banks,
                             ("dma_wr", "dma_rd", *self.l1_ports))
        self.l2 = BankedSram(config.l2.size, config.l2.banks, ("dma_wr", "dma_rd"))
        super().__init__({
            "cpu_l2": In(BusSignature(_width(config.l2.size))),
            "cpu_l1": In(BusSignature(_width(config.l1.size))),
            "dma_bus": In(BusSignature(_width(config.peripherals.page))),
            "m_axi": Out(Axi4Signature(32, 64)),
            "irq": Out(1), "active": Out(1),
            **{f"{name}_l1": In(WideBusSignature(_width(config.l1.size), bits))
               for name, bits in self.l1_ports},
            **{f"{slot.name}_dma": Out(SinkSignature(_width(region.size)))
               for slot, region in config.dma_sinks},
        })

    def elaborate(self, platform):
        m = Module()

        def in_domain(domain, unit):
            return unit if domain == "sync" else DomainRenamer(domain)(unit)

        l1, l2 = self.l1, self.l2
        m.submodules.l1 = in_domain(self.bank_domain, l1)
        m.submodules.l2 = in_domain(self.bank_domain, l2)
        dma = Dma(self.config)
        l1_port = SramBurstPort(_width(self.config.l1.size))
        l2_port = SramBurstPort(_width(self.config.l2.size))
        l3_port = AxiBurstMaster()
        for name, unit in (("dma", dma), ("l1_port", l1_port), ("l2_port", l2_port),
                           ("l3_port", l3_port)):
            m.submodules[name] = in_domain(self.dma_domain, unit)

        wiring.connect(m, wiring.flipped(self.cpu_l1), l1.bus)
        wiring.connect(m, wiring.flipped(self.cpu_l2), l2.bus)
        for name, _ in self.l1_ports:
            wiring.connect(m, wiring.flipped(getattr(self, f"{name}_l1")), getattr(l1, name))
        wiring.connect(m, wiring.flipped(self.dma_bus), dma.bus)
        for mem, port, name in ((l1, l1_port, "l1"), (l2, l2_port, "l2")):
            wiring.connect(m, getattr(dma, f"{name}_rd"), port.rd)
            wiring.connect(m, getattr(dma, f"{name}_wr"), port.wr)
            wiring.connect(m, port.mem_rd, mem.dma_rd)
            wiring.connect(m, port.mem_wr, mem.dma_wr)
        for slot, region in self.config.dma_sinks:   # the units' DMA windows
            name = slot.name
            sink = BurstSink(_width(region.size))
            m.submodules[f"{name}_sink"] = in_domain(self.dma_domain, sink)
            wiring.connect(m, getattr(dma, f"{name}_wr"), sink.wr)
            wiring.connect(m, sink.unit, wiring.flipped(getattr(self, f"{name}_dma")))
            m.d.comb += [getattr(dma, f"{name}_lo").eq(sink.in_use_lo),
                         getattr(dma, f"{name}_hi").eq(sink.in_use_hi)]
        wiring.connect(m, dma.l3_rd, l3_port.rd)
        wiring.connect(m, dma.l3_wr, l3_port.wr)
        wiring.connect(m, l3_port.axi, wiring.flipped(self.m_axi))
        m.d.comb += [
            self.irq.eq(dma.irq),
            self.active.eq(dma.active),
            dma.l1_conflicts.eq(l1.conflicts),
            dma.l2_conflicts.eq(l2.conflicts),
        ]
        return m
