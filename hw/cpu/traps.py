"""Which exception an instruction raises, stage by stage (taken in M, see `Core`)."""

from amaranth import Cat, Const, Module, Mux
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .isa import Cause

__all__ = ["DecodeTrap", "ExecuteTrap", "MemoryTrap"]


class DecodeTrap(wiring.Component):
    """The exception an instruction leaving D carries, by priority: an interrupt taken on it,
    a fetch fault, an illegal instruction, ecall, ebreak.

    Members
    -------
    irq, irq_cause : In
        An interrupt is taken on this instruction, and its code.
    fetch_err, illegal, ecall, ebreak : In(1)
    pc, insn : In(32)
    exc : Out(1)
    cause : Out(4)
    tval : Out(32)
        0 for an interrupt or ecall, the instruction word for an illegal one, else the pc.
    """

    irq: In(1)
    irq_cause: In(4)
    fetch_err: In(1)
    illegal: In(1)
    ecall: In(1)
    ebreak: In(1)
    pc: In(32)
    insn: In(32)
    exc: Out(1)
    cause: Out(4)
    tval: Out(32)

    def elaborate(self, platform):
        m = Module()
        m.d.comb += [
            self.exc.eq(self.fetch_err | self.illegal | self.ecall | self.ebreak | self.irq),
            self.cause.eq(Mux(self.irq, self.irq_cause,
                              Mux(self.fetch_err, Cause.FETCH_FAULT,
                                  Mux(self.illegal, Cause.ILLEGAL,
                                      Mux(self.ecall, Cause.ECALL_M, Cause.BREAKPOINT))))),
            self.tval.eq(Mux(self.irq | (self.ecall & ~self.fetch_err & ~self.illegal), 0,
                             Mux(self.illegal & ~self.fetch_err, self.insn, self.pc))),
        ]
        return m


class ExecuteTrap(wiring.Component):
    """The exception X finds: an illegal CSR access, a misaligned jump target, a load or store
    access fault the load/store unit finds before any bus access (a misaligned access outside
    the memory windows), in that order; ``go`` when there is none.

    Members
    -------
    csr_illegal, target_misaligned, mem_fault, store : In(1)
    go : Out(1)
    cause : Out(4)
    """

    csr_illegal: In(1)
    target_misaligned: In(1)
    mem_fault: In(1)
    store: In(1)
    go: Out(1)
    cause: Out(4)

    def elaborate(self, platform):
        m = Module()
        m.d.comb += [
            self.go.eq(~self.csr_illegal & ~self.target_misaligned & ~self.mem_fault),
            self.cause.eq(Mux(self.csr_illegal, Cause.ILLEGAL, Mux(
                self.target_misaligned, Cause.FETCH_MISALIGNED,
                Mux(self.store, Cause.STORE_FAULT, Cause.LOAD_FAULT)))),
        ]
        return m


class MemoryTrap(wiring.Component):
    """``mcause`` of the trap M takes: a data bus error on its access, else the exception the
    instruction carries (an interrupt's code with bit 31 set).

    Members
    -------
    bus_fault, store : In(1)
    exc_cause : In(4)
    interrupt : In(1)
    cause : Out(32)
    """

    bus_fault: In(1)
    store: In(1)
    exc_cause: In(4)
    interrupt: In(1)
    cause: Out(32)

    def elaborate(self, platform):
        m = Module()
        m.d.comb += self.cause.eq(Mux(
            self.bus_fault, Mux(self.store, Cause.STORE_FAULT, Cause.LOAD_FAULT),
            Cat(self.exc_cause, Const(0, 27), self.interrupt)))
        return m
