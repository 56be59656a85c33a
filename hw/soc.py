"""The SoC top: host core, memories and peripherals on the system bus, placed by a SocConfig.

Address map (every base and size from the config)::

    main_memory   instructions + data of the host (reset vector inside)
    l2            banked L2 scratchpad
    l1            banked L1 scratchpad shared by the accelerators
    peripherals   one page each: timer, console, finisher, dma, npu, cim (hw/periph/regmap.py)

Anything else is unmapped: an access gets a bus error, which the core reports as an access
fault. L3 is not on the core's bus: only the DMA reaches it, through the ``m_axi`` port (DDR on
a board, a memory model in simulation). The accelerators are register pages on the data bus and
initiators on L1; their interrupts and the DMA's are ORed into the core's external interrupt.
"""

from amaranth import Cat, ClockDomain, ClockSignal, DomainRenamer, Module, ResetSignal, Signal
from amaranth.hdl import ResetInserter
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..config import SocConfig
from .arbiter import BusArbiter
from .axi.signature import Axi4Signature
from .bus import BusSignature
from .cim.peripheral import CimPeripheral
from .cpu.core import Core
from .interconnect import Decoder
from .memory import MainMemory
from .memsys import MemorySystem
from .npu.npu import Npu
from .periph.console import Console
from .periph.finisher import Finisher, FinishStatus
from .periph.regmap import PERIPHERALS
from .periph.timer import Timer

__all__ = ["Soc"]


class Soc(wiring.Component):
    """The whole SoC as one component.

    Ports: ``tohost_addr`` (HTIF snoop address, 0 = off); ``console_valid``/``console_data``
    (each byte the program prints); ``status``, ``exit_code`` and the latched trap
    (``trap_cause``, ``trap_pc``, ``trap_tval``) from the finisher; the core's ``cycle`` and
    ``instret`` counters; ``m_axi``, the DMA's AXI4 master onto L3 (Verilog ports
    ``m_axi__araddr`` ...). The DMA's, NPU's and CIM's interrupts, ORed, are the core's external
    interrupt (firmware finds the source in each unit's ``IRQ`` register). ``host`` is
    a second initiator on the data bus (a board host's window; it gets the bus in cycles the
    core leaves it idle) and ``cpu_hold`` keeps the core in reset (tie both to 0 otherwise).

    With ``gated_acc`` (simulation only) the memory system, the DMA, the NPU and the CIM run in
    clock domain ``acc`` (input ``acc_clk``, reset from ``rst``), and ``acc_clk_en`` says in
    which cycles that clock must tick: while the core or the host addresses one of them, while
    one has work (``active``), and for ``ACC_SETTLE`` cycles after, for the registers that
    settle behind the last event (responses, interrupt flags). A simulator that gates ``clk``
    with it (``host/sim/sim_top.v``) skips these blocks while they idle, with the same
    cycle-by-cycle behaviour (``tests/test_gated_clock.py``). A board uses one clock.

    Parameters
    ----------
    config : SocConfig
        Sizes and addresses of everything.
    main_memory_init : list of int, optional
        Initial main-memory words, for the Amaranth simulator (HDL simulators load by backdoor).
    gated_acc : bool
        Put the memory system and accelerators in the gated ``acc`` domain (see above).
    """

    #: Cycles the ``acc`` clock keeps ticking after the last request or activity.
    ACC_SETTLE = 8

    def __init__(self, config: SocConfig, *, main_memory_init=(), gated_acc: bool = False):
        if not isinstance(config, SocConfig):
            raise TypeError(f"Config must be a SocConfig, not {config!r}")
        if not isinstance(gated_acc, bool):
            raise TypeError(f"Gated_acc must be a bool, not {gated_acc!r}")
        self.config = config
        self.gated_acc = gated_acc
        # Built here, not in elaborate(), so simulators can reach its storage.
        self.main_memory = MainMemory(config.main_memory.size, main_memory_init)
        self.memsys = MemorySystem(config)
        self.npu = Npu(config.npu.rows, config.npu.cols, l1_size=config.l1.size,
                       weight_memory=config.npu.weight_memory)
        self.cim = CimPeripheral(config)
        super().__init__({
            "tohost_addr": In(32),
            "console_valid": Out(1), "console_data": Out(8),
            "status": Out(FinishStatus), "exit_code": Out(32),
            "trap_cause": Out(32), "trap_pc": Out(32), "trap_tval": Out(32),
            "cycle": Out(64), "instret": Out(64),
            "m_axi": Out(Axi4Signature(32, 64)),
            "host": In(BusSignature()), "cpu_hold": In(1),
            **({"acc_clk": In(1), "acc_in_clk": In(1), "acc_clk_en": Out(1)}
               if gated_acc else {}),
        })

    def data_windows(self):
        c = self.config
        windows = [(r.name, r.base, r.size) for r in c.memories]
        windows += [(p.name, c.peripheral_base(p.index), c.peripherals.page) for p in PERIPHERALS]
        return windows

    def elaborate(self, platform):
        c = self.config
        m = Module()
        cpu = Core(c.cpu.reset_vector)
        m.submodules.cpu = ResetInserter({"sync": self.cpu_hold})(cpu)
        m.submodules.main_memory = main = self.main_memory
        memsys, npu, cim = self.memsys, self.npu, self.cim
        acc = DomainRenamer("acc") if self.gated_acc else (lambda unit: unit)
        m.submodules.memsys = acc(memsys)
        m.submodules.timer = timer = Timer()
        m.submodules.console = console = Console()
        m.submodules.finisher = finisher = Finisher()
        m.submodules.npu = acc(npu)
        m.submodules.cim = acc(cim)

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
        # The decoder's windows onto the blocks of the (gated) `acc` domain.
        acc_windows = [getattr(ddec, name) for name in ("l2", "l1", "dma", "npu", "cim")]
        for window, target in zip(acc_windows, (memsys.cpu_l2, memsys.cpu_l1, memsys.dma_bus,
                                                npu.bus, cim.bus), strict=True):
            self._connect_acc_window(m, window, target)
        wiring.connect(m, npu.l1, memsys.npu_l1)
        wiring.connect(m, cim.l1, memsys.cim_l1)
        wiring.connect(m, memsys.m_axi, wiring.flipped(self.m_axi))
        wiring.connect(m, ddec.timer, timer.bus)
        wiring.connect(m, ddec.console, console.bus)
        wiring.connect(m, ddec.finisher, finisher.bus)

        if self.gated_acc:
            self._acc_clock_gate(m, acc_windows)

        m.d.comb += [
            cpu.irq_timer.eq(timer.irq),
            cpu.irq_software.eq(0),
            cpu.irq_external.eq(memsys.irq | npu.irq | cim.irq),
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

    def _connect_acc_window(self, m, window, target):
        if not self.gated_acc:
            wiring.connect(m, window, target)
            return
        # The requests reach the `acc` blocks through flops clocked in the middle of each cycle
        # the `acc` clock ticks at its end (`acc_in_clk`, a rising edge at the falling edge of
        # `clk` when `acc_clk_en`): the same values the blocks would see at that edge (the
        # core's bus is stable in the second half of a cycle), but logic that decodes them
        # is no longer evaluated by the simulator in every cycle of the core.
        for name in ("req_valid", "addr", "we", "wdata", "wstrb"):
            m.d.acc_in += getattr(target, name).eq(getattr(window, name))
        for name in ("req_ready", "rsp_valid", "rdata", "err"):
            m.d.comb += getattr(window, name).eq(getattr(target, name))

    def _acc_clock_gate(self, m, acc_windows):
        # Same edges as `sync` whenever it ticks, so signals cross between the two domains as
        # within one; `acc_clk_en` is a function of the cycle's `sync` state, latched by the
        # simulator on the falling edge.
        m.domains.acc = ClockDomain("acc")
        m.domains.acc_in = ClockDomain("acc_in", reset_less=True)
        # The reset reaches `acc` sampled like the requests: a direct `rst` would put the
        # next-state logic of every `acc` register back into the core's every-cycle evaluation.
        acc_rst = Signal(init=1)
        m.d.acc_in += acc_rst.eq(ResetSignal())
        m.d.comb += [ClockSignal("acc").eq(self.acc_clk), ResetSignal("acc").eq(acc_rst),
                     ClockSignal("acc_in").eq(self.acc_in_clk)]
        work = (Cat(*(window.req_valid for window in acc_windows)).any()
                | self.memsys.active | self.npu.active | self.cim.active)
        settle = Signal(range(self.ACC_SETTLE + 1), init=self.ACC_SETTLE)
        with m.If(work):
            m.d.sync += settle.eq(self.ACC_SETTLE)
        with m.Elif(settle != 0):
            m.d.sync += settle.eq(settle - 1)
        m.d.comb += self.acc_clk_en.eq(work | (settle != 0) | ResetSignal())
