"""A character console: each byte written to TX appears on the ``tx`` stream for the host."""

from amaranth.lib.wiring import Out

from ...spec.regmap import CONSOLE
from .base import RegisterPage

__all__ = ["Console"]


class Console(RegisterPage):
    """``tx_valid`` pulses for one cycle with ``tx_data``; the simulation top writes it to a file,
    a board's shell to a FIFO the ARM reads."""

    def __init__(self):
        super().__init__(CONSOLE, extra_members={"tx_valid": Out(1), "tx_data": Out(8)})

    def elaborate(self, platform):
        m = self.elaborate_page()
        m.d.comb += [
            self.tx_valid.eq(self.write["TX"]),
            self.tx_data.eq(self.wdata[:8]),
            self.read["STATUS"].eq(1),
        ]
        return m
