"""The RISC-V machine timer: a 64-bit cycle counter and a compare register."""

from amaranth import Signal
from amaranth.lib.wiring import Out

from ...spec.regmap import TIMER
from .base import RegisterPage

__all__ = ["Timer"]


class Timer(RegisterPage):
    """``mtime`` counts clock cycles; ``irq`` (to mip.MTIP) is ``mtime >= mtimecmp``.

    ``mtimecmp`` resets to all ones so no interrupt is pending before software sets it.
    """

    def __init__(self):
        super().__init__(TIMER, extra_members={"irq": Out(1)})

    def elaborate(self, platform):
        m = self.elaborate_page()
        mtime = Signal(64)
        mtimecmp = Signal(64, init=(1 << 64) - 1)
        m.d.sync += mtime.eq(mtime + 1)
        m.d.comb += [
            self.read["MTIME_LO"].eq(mtime[:32]),
            self.read["MTIME_HI"].eq(mtime[32:]),
            self.read["MTIMECMP_LO"].eq(mtimecmp[:32]),
            self.read["MTIMECMP_HI"].eq(mtimecmp[32:]),
            self.irq.eq(mtime >= mtimecmp),
        ]
        # A write wins over the increment: software sees exactly the value it wrote.
        with m.If(self.write["MTIME_LO"]):
            m.d.sync += mtime[:32].eq(self.wdata)
        with m.If(self.write["MTIME_HI"]):
            m.d.sync += mtime[32:].eq(self.wdata)
        with m.If(self.write["MTIMECMP_LO"]):
            m.d.sync += mtimecmp[:32].eq(self.wdata)
        with m.If(self.write["MTIMECMP_HI"]):
            m.d.sync += mtimecmp[32:].eq(self.wdata)
        return m
