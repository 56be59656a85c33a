"""A bus target for a page of 32-bit registers, the base of every peripheral.

Each peripheral answers one cycle after a request, like a single-cycle memory. An access to an
offset its register map does not name, or one that is not a full aligned word, gets a bus error,
so a firmware bug traps instead of silently reading zero.
"""

from amaranth import Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In

from ...spec.regmap import Peripheral
from ..bus import BusSignature

__all__ = ["RegisterPage"]


class RegisterPage(wiring.Component):
    """Decode a page of registers described by a :class:`~.regmap.Peripheral`.

    Subclasses call :meth:`elaborate_page` and then describe, per register, what a write does
    (``self.write[name]`` is high for one cycle with ``self.wdata``) and what a read returns
    (assign ``self.read[name]``).

    Parameters
    ----------
    regmap : Peripheral
        The register map; offsets come from it alone.
    addr_width : int
        Width of the page offset seen on ``bus.addr``.
    """

    def __init__(self, regmap: Peripheral, addr_width: int = 12, extra_members=None):
        if not isinstance(regmap, Peripheral):
            raise TypeError(f"Register map must be a Peripheral, not {regmap!r}")
        self.regmap = regmap
        members = {"bus": In(BusSignature(addr_width))}
        members.update(extra_members or {})
        super().__init__(members)
        self.write = {r.name: Signal(name=f"write_{r.name.lower()}") for r in regmap.registers
                      if "w" in r.access}
        self.read = {r.name: Signal(32, name=f"read_{r.name.lower()}") for r in regmap.registers
                     if "r" in r.access}
        self.wdata = Signal(32)

    def elaborate_page(self) -> Module:
        m = Module()
        bus = self.bus
        m.d.comb += bus.req_ready.eq(1)
        accept = bus.req_valid & bus.req_ready
        known = Signal()
        rdata = Signal(32)
        for reg in self.regmap.registers:
            hit = bus.addr[2:] == reg.offset >> 2
            if reg.name in self.write:
                m.d.comb += self.write[reg.name].eq(accept & bus.we & hit & (bus.wstrb == 0xF))
                with m.If(hit & bus.we):
                    m.d.comb += known.eq(1)
            if reg.name in self.read:
                with m.If(hit & ~bus.we):
                    m.d.comb += [known.eq(1), rdata.eq(self.read[reg.name])]
        m.d.comb += self.wdata.eq(bus.wdata)
        m.d.sync += [
            bus.rsp_valid.eq(accept),
            bus.rdata.eq(rdata),
            bus.err.eq(accept & (~known | (bus.addr[:2] != 0) | (bus.we & (bus.wstrb != 0xF)))),
        ]
        return m
