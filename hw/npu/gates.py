"""Gated clocks inside the NPU, for the simulation build only.

Most registers of the NPU core change in a few cycles only: the shadow bank of the PE array
when a tile is captured, the drain's data registers while the drain works. On a clock of their
own that ticks only in those cycles, a simulator does not evaluate them (and the logic that
feeds them, the requantization) in every cycle of the NPU's clock; the enabled registers of
the default build behave the same, cycle for cycle.

Each clock is ``clk & on``, with ``on`` the enable latched on the falling edge of ``clk`` (a
clock-gating cell), so the gated clock has no glitch however late the enable settles. A board
never uses it (`NpuCore` with ``gated_capture=False`` has no such domain).
"""

from __future__ import annotations

from amaranth import ClockDomain, ClockSignal, Module, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

__all__ = ["ClockGates"]


class ClockGates(wiring.Component):
    """One gated copy of the ``sync`` clock per name.

    Parameters
    ----------
    names : tuple of str
        The clocks, for instance ``("capture", "drain")``.

    Members
    -------
    <name>_en : In(1)
        The clock ticks at the end of the cycles where it is high.
    <name>_clk : Out(1)
        The gated clock, for the parent's domain ``<name>``.
    """

    def __init__(self, names: tuple[str, ...]):
        if not names or not all(isinstance(n, str) and n.isidentifier() for n in names):
            raise TypeError(f"names must be a non-empty tuple of identifiers, not {names!r}")
        self.names = tuple(names)
        super().__init__({member: flow(1) for name in self.names
                          for member, flow in ((f"{name}_en", In), (f"{name}_clk", Out))})

    def elaborate(self, platform):
        m = Module()
        # local: the falling-edge domain of these gates only, not another of the parent's
        m.domains.neg_local = ClockDomain("neg_local", clk_edge="neg", local=True,
                                          reset_less=True)
        m.d.comb += ClockSignal("neg_local").eq(ClockSignal("sync"))
        for name in self.names:
            on = Signal(name=f"{name}_on")
            m.d.neg_local += on.eq(getattr(self, f"{name}_en"))
            m.d.comb += getattr(self, f"{name}_clk").eq(ClockSignal("sync") & on)
        return m
