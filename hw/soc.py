"""The SoC top: host core, memories and peripherals on the system bus, placed by a SocConfig.

Address map (every base and size from the config)::

    main_memory   instructions + data of the host (reset vector inside)
    l2            banked L2 scratchpad
    l1            banked L1 scratchpad shared by the accelerators
    peripherals   one page each: timer, console, finisher, dma (hetsoc.spec.regmap), then
                  each accelerator of the config ([[accelerator]] tables) in its order

Anything else is unmapped: an access gets a bus error, which the core reports as an access
fault. L3 is not on the core's bus: only the DMA reaches it, through the ``m_axi`` port (DDR on
a board, a memory model in simulation). The accelerators are register pages on the data bus and
initiators on L1; their interrupts and the DMA's are ORed into the core's external interrupt.
The SoC names no accelerator: it builds each slot of ``config.accelerators`` with the gateware
factory its plug-in declares (`hetsoc.spec.accelerators.Plugin`).
"""

from amaranth import Cat, ClockDomain, ClockSignal, DomainRenamer, Module, ResetSignal, Signal
from amaranth.hdl import ResetInserter
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..spec.config import SocConfig
from .arbiter import BusArbiter
from .axi.signature import Axi4Signature
from .bus import BusSignature
from .cpu.core import Core
from .interconnect import Decoder
from .memory import MainMemory
from .memsys import MemorySystem
from .periph.console import Console
from .periph.finisher import Finisher, FinishStatus
from .periph.timer import Timer

__all__ = ["Soc"]


class Soc(wiring.Component):
    """The whole SoC as one component.

    Ports: ``tohost_addr`` (HTIF snoop address, 0 = off); ``console_valid``/``console_data``
    (each byte the program prints); ``status``, ``exit_code`` and the latched trap
    (``trap_cause``, ``trap_pc``, ``trap_tval``) from the finisher; the core's ``cycle`` and
    ``instret`` counters; ``m_axi``, the DMA's AXI4 master onto L3 (Verilog ports
    ``m_axi__araddr`` ...). The interrupts of the DMA and of every accelerator, ORed, are the
    core's external interrupt (firmware finds the source in each unit's ``IRQ`` register).
    ``host`` is a second initiator on the data bus (a board host's window; it gets the bus in
    cycles the core leaves it idle) and ``cpu_hold`` keeps the core in reset (tie both to 0
    otherwise).

    With ``gated_acc`` (simulation only) every block the core does not need in every cycle
    runs on a clock of its own that ticks only while it is in use: the scratchpads' banks
    (domain ``mem``), the DMA (``dma``) and each accelerator (a domain named after its slot,
    ``npu``, ``cim``, ...). A domain's
    clock ticks while the core or the host addresses it, while it has work (a unit's ``active``;
    the banks while any initiator on them is active), and for `SETTLE` cycles after, for the
    registers that settle behind the last event (responses, interrupt flags); it is ``clk``
    gated by an enable latched on the falling edge, so it never glitches, and its edges are
    ``clk``'s. A simulator then skips an idle block's logic, with the one-clock design's
    behaviour cycle for cycle (``tests/test_gated_clock.py``): a core's access to L1 wakes the
    banks only, a running NPU does not tick an idle CIM. The core's own clock (domain ``core``)
    stops while it sleeps in a wfi (`Core.sleeping`), ``mcycle`` counting on in ``core_cnt``.
    ``l3_clk`` is the DMA's clock, for the simulation's L3 model. A board uses one clock (the
    core's reset comes a cycle after the SoC's in both builds).

    Parameters
    ----------
    config : SocConfig
        Sizes and addresses of everything.
    main_memory_init : list of int, optional
        Initial main-memory words, for the Amaranth simulator (HDL simulators load by backdoor).
    gated_acc : bool
        Give the core, the banks, the DMA and each accelerator gated clocks of their own (see
        above).
    """

    #: Cycles a gated domain's clock keeps ticking after its last request or activity.
    SETTLE = 8
    #: The gated domains of the simulation build besides one per accelerator (named after its
    #: slot), in the order their clocks are made.
    GATED_DOMAINS = ("mem", "dma")

    def __init__(self, config: SocConfig, *, main_memory_init=(), gated_acc: bool = False):
        if not isinstance(config, SocConfig):
            raise TypeError(f"Config must be a SocConfig, not {config!r}")
        if not isinstance(gated_acc, bool):
            raise TypeError(f"Gated_acc must be a bool, not {gated_acc!r}")
        self.config = config
        self.gated_acc = gated_acc
        # Built here, not in elaborate(), so simulators can reach its storage.
        self.main_memory = MainMemory(config.main_memory.size, main_memory_init)
        self.memsys = MemorySystem(config, **({"bank_domain": "mem", "dma_domain": "dma"}
                                              if gated_acc else {}))
        #: The accelerators by slot name, each built by its plug-in's gateware factory.
        self.accelerators = {
            slot.name: slot.load_gateware()(slot, l1_size=config.l1.size, gated=gated_acc)
            for slot in config.accelerators}
        super().__init__({
            "tohost_addr": In(32),
            "console_valid": Out(1), "console_data": Out(8),
            "status": Out(FinishStatus), "exit_code": Out(32),
            "trap_cause": Out(32), "trap_pc": Out(32), "trap_tval": Out(32),
            "cycle": Out(64), "instret": Out(64),
            "m_axi": Out(Axi4Signature(32, 64)),
            "host": In(BusSignature()), "cpu_hold": In(1),
            **({"l3_clk": Out(1)} if gated_acc else {}),
        })

    def data_windows(self):
        c = self.config
        windows = [(r.name, r.base, r.size) for r in c.memories]
        windows += [(p.name, c.peripheral_base(p.index), c.peripherals.page) for p in c.pages]
        return windows

    def elaborate(self, platform):
        c = self.config
        m = Module()
        cpu = Core(c.cpu.reset_vector, counter_domain="cnt",
                   memory_windows=[(r.base, r.size) for r in c.memories])
        held = ResetInserter({"sync": self.cpu_hold, "cnt": self.cpu_hold})(cpu)
        m.submodules.cpu = DomainRenamer(
            {"sync": "core", "cnt": "core_cnt" if self.gated_acc else "core"})(held)
        self._core_domains(m, cpu)
        m.submodules.main_memory = main = self.main_memory
        memsys, units = self.memsys, self.accelerators
        m.submodules.memsys = memsys  # its banks and DMA are in domains of their own
        m.submodules.timer = timer = Timer()
        m.submodules.console = console = Console()
        m.submodules.finisher = finisher = Finisher()
        for name, unit in units.items():  # each in a domain named after its slot
            m.submodules[name] = DomainRenamer(name)(unit) if self.gated_acc else unit

        # Instructions come from main memory only; fetching elsewhere is an access fault.
        m.submodules.ibus_decoder = idec = Decoder(
            [("main_memory", c.main_memory.base, c.main_memory.size)])
        wiring.connect(m, cpu.ibus, idec.bus)
        wiring.connect(m, idec.main_memory, main.fetch)

        m.submodules.dbus_decoder = ddec = Decoder(self.data_windows())
        m.submodules.dbus_arbiter = arb = BusArbiter()
        wiring.connect(m, cpu.dbus, arb.first)
        wiring.connect(m, wiring.flipped(self.host), arb.second)
        wiring.connect(m, arb.bus, ddec.bus)
        wiring.connect(m, ddec.main_memory, main.data)
        # The decoder's windows onto the blocks that have a gated clock in simulation.
        windows = [("l2", memsys.cpu_l2, "mem"), ("l1", memsys.cpu_l1, "mem"),
                   ("dma", memsys.dma_bus, "dma"),
                   *((name, unit.bus, name) for name, unit in units.items())]
        for name, target, domain in windows:
            self._connect_window(m, getattr(ddec, name), target, domain)
        if not self.gated_acc:
            for name, unit in units.items():
                wiring.connect(m, unit.l1, getattr(memsys, f"{name}_l1"))
        # The units' DMA windows: the beats DMA channels write there (`SinkSignature`).
        offers = {}
        for slot, _ in c.dma_sinks:
            port = getattr(memsys, f"{slot.name}_dma")
            wiring.connect(m, port, units[slot.name].dma)
            offers[slot.name] = port.valid
        wiring.connect(m, memsys.m_axi, wiring.flipped(self.m_axi))
        wiring.connect(m, ddec.timer, timer.bus)
        wiring.connect(m, ddec.console, console.bus)
        wiring.connect(m, ddec.finisher, finisher.bus)

        if self.gated_acc:
            # The enables are latched while `clk` is low, so no gated clock glitches.
            m.domains.neg = ClockDomain("neg", clk_edge="neg", reset_less=True)
            m.d.comb += ClockSignal("neg").eq(ClockSignal("sync"))
            # the banks work while any initiator on L1/L2 does
            busy = {"mem": Cat(memsys.active, *(u.active for u in units.values())).any(),
                    "dma": memsys.active,
                    # a unit also works while the DMA offers it a beat
                    **{name: u.active | offers.get(name, 0) for name, u in units.items()}}
            for domain in (*self.GATED_DOMAINS, *units):
                requests = Cat(*(getattr(ddec, name).req_valid for name, _, d in windows
                                 if d == domain)).any()
                self._clock_gate(m, domain, requests | busy[domain], requests)
            for name, unit in units.items():
                self._connect_l1(m, unit.l1, getattr(memsys, f"{name}_l1"), name)
            m.d.comb += self.l3_clk.eq(ClockSignal("dma"))  # only the DMA talks to L3

        m.d.comb += [
            cpu.irq_timer.eq(timer.irq),
            cpu.irq_software.eq(0),
            cpu.irq_external.eq(Cat(memsys.irq, *(u.irq for u in units.values())).any()),
            finisher.trap_valid.eq(cpu.trap_valid),
            finisher.trap_cause.eq(cpu.trap_cause),
            finisher.trap_pc.eq(cpu.trap_pc),
            finisher.trap_tval.eq(cpu.trap_tval),
            finisher.trap_target.eq(cpu.trap_target),
            finisher.snoop_valid.eq(cpu.dbus.req_valid & cpu.dbus.req_ready & cpu.dbus.we),
            finisher.snoop_addr.eq(cpu.dbus.addr),
            finisher.snoop_data.eq(cpu.dbus.wdata),
            finisher.tohost_addr.eq(self.tohost_addr),
            self.console_valid.eq(console.tx_valid),
            self.console_data.eq(console.tx_data),
            self.status.eq(finisher.status),
            self.exit_code.eq(finisher.code),
            self.trap_cause.eq(finisher.last_cause),
            self.trap_pc.eq(finisher.last_pc),
            self.trap_tval.eq(finisher.last_tval),
            self.cycle.eq(cpu.cycle),
            self.instret.eq(cpu.instret),
        ]
        return m

    def _core_domains(self, m, cpu):
        """The core's clock domain, ``core``: ``clk``, its reset a cycle after the SoC's (a
        reset synchroniser, in both builds). The simulation build stops that clock while the
        core sleeps in a wfi (`Core.sleeping`: no register of it would change), with the
        enable latched on the falling edge like the other gates; ``mcycle`` counts in domain
        ``core_cnt``, on ``clk`` itself. The reset flop is on the core's own clock, so the
        core's next-state logic is evaluated only at its edges."""
        core_rst = Signal(init=1, reset_less=True)
        m.domains.core = ClockDomain("core")
        m.d.comb += ResetSignal("core").eq(core_rst)
        if not self.gated_acc:
            m.d.comb += ClockSignal("core").eq(ClockSignal("sync"))
            m.d.sync += core_rst.eq(ResetSignal())
            return
        on = Signal(init=1, name="core_clk_on")
        m.d.neg += on.eq(~cpu.sleeping | ResetSignal() | core_rst)
        m.domains += [ClockDomain("core_cnt"), ClockDomain("core_rs", reset_less=True)]
        m.d.core_rs += core_rst.eq(ResetSignal())
        m.d.comb += [ClockSignal("core").eq(ClockSignal("sync") & on),
                     ClockSignal("core_rs").eq(ClockSignal("sync") & on),
                     ClockSignal("core_cnt").eq(ClockSignal("sync")),
                     ResetSignal("core_cnt").eq(core_rst)]

    def _connect_window(self, m, window, target, domain):
        if not self.gated_acc:
            wiring.connect(m, window, target)
            return
        # The requests reach a gated block through flops clocked in the middle of each cycle
        # its clock ticks at the end of (`<domain>_in`, a rising edge at the falling edge of
        # `clk` when the domain is enabled): the same values the block would see at that edge
        # (the core's bus is stable in the second half of a cycle), but logic that decodes them
        # is no longer evaluated by the simulator in every cycle of the core.
        for name in ("req_valid", "addr", "we", "wdata", "wstrb"):
            m.d[f"{domain}_in"] += getattr(target, name).eq(getattr(window, name))
        for name in ("req_ready", "rsp_valid", "rdata", "err"):
            m.d.comb += getattr(window, name).eq(getattr(target, name))

    def _connect_l1(self, m, unit_port, port, domain):
        """An accelerator's L1 port, its responses sampled in the middle of the cycles that have
        one (and of the cycle after, to take the valid flag back down) in domain
        `<domain>_rsp`: the values the unit sees at the next edge, but its logic that uses
        them (the CIM's post-processing takes a partial sum from L1) is no longer evaluated by
        the simulator at every edge of the banks' clock, as when the core works on L1 or L2
        with the unit idle. The units read ``rdata`` only in the cycle a response arrives."""
        had = Signal(name=f"{domain}_had_rsp")
        m.d.mem += had.eq(port.rsp_valid)
        m.domains += ClockDomain(f"{domain}_rsp", reset_less=True)
        m.d.comb += ClockSignal(f"{domain}_rsp").eq(~ClockSignal("sync")
                                                    & (port.rsp_valid | had))
        for name, flow in unit_port.signature.members.items():
            if flow.flow == wiring.Out:
                m.d.comb += getattr(port, name).eq(getattr(unit_port, name))
            elif name in ("rsp_valid", "rdata"):
                m.d[f"{domain}_rsp"] += getattr(unit_port, name).eq(getattr(port, name))
            else:
                m.d.comb += getattr(unit_port, name).eq(getattr(port, name))

    def _clock_gate(self, m, domain, work, requests):
        """Domain `domain` on ``clk`` gated by `work` (and `SETTLE` cycles after it), the
        enable latched in domain ``neg``, on the falling edge; its requests sampled in domain
        ``<domain>_in`` in the cycles with a request, and in the one after each (to take its
        valid flag back down)."""
        settle = Signal(range(self.SETTLE + 1), init=self.SETTLE, name=f"{domain}_settle")
        with m.If(work):
            m.d.sync += settle.eq(self.SETTLE)
        with m.Elif(settle != 0):
            m.d.sync += settle.eq(settle - 1)
        enable = Signal(name=f"{domain}_clk_en")
        m.d.comb += enable.eq(work | (settle != 0) | ResetSignal())
        on = Signal(init=1, name=f"{domain}_clk_on")
        m.d.neg += on.eq(enable)
        had = Signal(init=1, name=f"{domain}_had_request")   # in the cycle before
        m.d.sync += had.eq(requests)
        # The reset reaches the domain through a flop on the domain's own clock (`<domain>_rs`),
        # a cycle late: a direct `rst`, or one sampled with the requests, would put the
        # next-state logic of every register of the domain into the simulator's evaluation at
        # every edge of the core's clock, or of the requests' (the units are idle in reset and
        # for the cycles after it, so the late release changes nothing).
        rst = Signal(init=1, name=f"{domain}_rst")
        m.domains += [ClockDomain(domain), ClockDomain(f"{domain}_in", reset_less=True),
                      ClockDomain(f"{domain}_rs", reset_less=True)]
        m.d[f"{domain}_rs"] += rst.eq(ResetSignal())
        m.d.comb += [ClockSignal(domain).eq(ClockSignal("sync") & on),
                     ClockSignal(f"{domain}_rs").eq(ClockSignal("sync") & on),
                     ResetSignal(domain).eq(rst),
                     # only while a request comes or goes: the logic that decodes them is
                     # then evaluated in those cycles only, not in every cycle of a busy unit
                     ClockSignal(f"{domain}_in").eq(~ClockSignal("sync")
                                                    & (requests | had | ResetSignal()))]
