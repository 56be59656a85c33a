"""The board-ready top: the SoC behind an AXI4-Lite slave (the ARM host) and an AXI4 master (L3).

Verilog ports (``hetsoc rtl``-style names): ``s_axil__*`` (the host's AXI4-Lite, 16-bit
addresses: control registers and a 32 KiB window, see :mod:`hetsoc.hw.axi.lite_slave`),
``m_axi__*`` (the DMA's AXI4 master onto DDR), ``console_valid``/``console_data``, ``irq``
(a run ended: status left RUNNING). The core starts held in reset so the host can load
main memory through the window first, then release it (CTRL = 0).
"""

from amaranth import Module
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..spec.config import SocConfig
from .axi.lite_slave import AxiLiteHost
from .axi.signature import Axi4LiteSignature, Axi4Signature
from .soc import Soc

__all__ = ["BOARD_TOP_NAME", "BoardTop"]

BOARD_TOP_NAME = "hetsoc_board_top"


class BoardTop(wiring.Component):
    """:class:`~hetsoc.hw.soc.Soc` with the host's AXI4-Lite slave in front.

    Parameters
    ----------
    config : SocConfig
    """

    def __init__(self, config: SocConfig):
        if not isinstance(config, SocConfig):
            raise TypeError(f"Config must be a SocConfig, not {config!r}")
        self.config = config
        self.soc = Soc(config)
        super().__init__({
            "s_axil": In(Axi4LiteSignature(16, 32)),
            "m_axi": Out(Axi4Signature(32, 64)),
            "console_valid": Out(1), "console_data": Out(8), "irq": Out(1),
        })

    def elaborate(self, platform):
        m = Module()
        m.submodules.soc = soc = self.soc
        m.submodules.host = host = AxiLiteHost(self.config.cpu.reset_vector)
        wiring.connect(m, wiring.flipped(self.s_axil), host.axi)
        wiring.connect(m, host.bus, soc.host)
        wiring.connect(m, soc.m_axi, wiring.flipped(self.m_axi))
        m.d.comb += [
            soc.cpu_hold.eq(host.hold),
            soc.tohost_addr.eq(0),
            host.status.eq(soc.status), host.exit_code.eq(soc.exit_code),
            host.cycle.eq(soc.cycle), host.instret.eq(soc.instret),
            self.console_valid.eq(soc.console_valid), self.console_data.eq(soc.console_data),
            self.irq.eq(soc.status.as_value() != 0),
        ]
        return m
