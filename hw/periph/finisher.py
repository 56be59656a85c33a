"""The test finisher: how a program ends a run, and how a run that cannot go on is stopped.

A run ends in one of four ways (:class:`FinishStatus`):

* ``EXIT``: software writes its exit code to the EXIT register, or, by the HTIF convention of the
  RISC-V test suites, stores ``1`` (pass) or ``(n << 1) | 1`` (fail with code n) to the address
  on ``tohost_addr`` (the ELF's ``tohost`` symbol; 0 turns the snoop off).
* ``TRAP``: a trap handler writes mcause to the TRAP register; the finisher reports the cause,
  pc and tval it latched from the core's trap port, so the report cannot be corrupted by the
  handler.
* ``FATAL``: the core took a trap whose handler cannot be fetched (instruction access fault at
  the address the previous trap jumped to, e.g. mtvec never set). Without this a program with no
  handler would spin forever in a trap loop; the latched trap is the one that started it.
"""

from amaranth import Signal
from amaranth.lib import enum
from amaranth.lib.wiring import In, Out

from ...spec.regmap import FINISHER
from .base import RegisterPage

__all__ = ["FinishStatus", "Finisher"]

# mcause of an instruction access fault.
_FETCH_FAULT = 1


class FinishStatus(enum.Enum, shape=2):
    RUNNING = 0
    EXIT = 1
    TRAP = 2
    FATAL = 3


class Finisher(RegisterPage):
    """Latches the end of a run: ``status`` (sticky once not RUNNING), ``code`` and trap info."""

    def __init__(self):
        super().__init__(FINISHER, extra_members={
            # From the core's trap port.
            "trap_valid": In(1), "trap_cause": In(32), "trap_pc": In(32), "trap_tval": In(32),
            "trap_target": In(32),
            # Snoop of the core's accepted data-bus writes, for HTIF tohost.
            "snoop_valid": In(1), "snoop_addr": In(32), "snoop_data": In(32),
            "tohost_addr": In(32),
            "status": Out(FinishStatus), "code": Out(32),
            "last_cause": Out(32), "last_pc": Out(32), "last_tval": Out(32),
        })

    def elaborate(self, platform):
        m = self.elaborate_page()
        running = self.status == FinishStatus.RUNNING
        last_target = Signal(32)
        have_trap = Signal()

        handler_unreachable = (have_trap & (self.trap_cause == _FETCH_FAULT)
                               & (self.trap_pc == last_target))
        with m.If(running & self.trap_valid):
            with m.If(handler_unreachable):
                # Keep the trap that led here: it is the one the user needs to see.
                m.d.sync += self.status.eq(FinishStatus.FATAL)
            with m.Else():
                m.d.sync += [
                    have_trap.eq(1),
                    self.last_cause.eq(self.trap_cause),
                    self.last_pc.eq(self.trap_pc),
                    self.last_tval.eq(self.trap_tval),
                    last_target.eq(self.trap_target),
                ]

        htif = (self.snoop_valid & (self.tohost_addr != 0)
                & (self.snoop_addr == self.tohost_addr) & self.snoop_data[0])
        with m.If(running):
            with m.If(self.write["EXIT"]):
                m.d.sync += [self.status.eq(FinishStatus.EXIT), self.code.eq(self.wdata)]
            with m.Elif(self.write["TRAP"]):
                m.d.sync += [self.status.eq(FinishStatus.TRAP), self.code.eq(self.wdata)]
            with m.Elif(htif):
                m.d.sync += [self.status.eq(FinishStatus.EXIT),
                             self.code.eq(self.snoop_data[1:])]
        return m
