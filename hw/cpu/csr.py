"""Machine-mode CSR file, trap entry / mret state changes, interrupt arbitration and counters.

The execute stage accesses one CSR per cycle (read-modify-write in a single cycle); the core
only lets a CSR instruction execute when the memory stage is empty, so a CSR write never races a
trap, and ``minstret`` already counts every older instruction when it is read.
"""

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from .isa import MISA_VALUE, MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP, Csr, Interrupt

__all__ = ["CsrFile"]


class CsrFile(wiring.Component):
    """The CSRs of an M-mode-only RV32IM hart.

    Members
    -------
    addr : In(12)
        CSR address of the instruction in the execute stage.
    op : In(2)
        ``funct3[1:0]``: 1 write, 2 set bits, 3 clear bits.
    write : In(1)
        The instruction writes the CSR (csrrw, or csrrs/csrrc with a non-zero source).
    wdata : In(32)
        Source operand (``rs1`` or the zero-extended immediate).
    commit : In(1)
        Perform the access's write this cycle.
    rdata : Out(32)
        Current value of the CSR at ``addr``.
    illegal : Out(1)
        ``addr`` names no implemented CSR, or a read-only one is written.
    mret : In(1)
        Execute mret: ``MIE <- MPIE``, ``MPIE <- 1``.
    mepc, mtvec : Out(32)
        Return address and trap vector.
    trap : In(1)
        Take a trap: record ``trap_cause`` / ``trap_pc`` / ``trap_tval``, ``MPIE <- MIE``,
        ``MIE <- 0``.
    trap_cause, trap_pc, trap_tval : In(32)
    irq_software, irq_timer, irq_external : In(1)
        Interrupt request lines, reflected in ``mip``.
    irq_pending : Out(1)
        An interrupt is pending, enabled in ``mie`` and ``mstatus.MIE`` is set.
    irq_cause : Out(32)
        ``mcause`` of the highest-priority such interrupt (external, software, timer).
    retire : In(1)
        An instruction retires this cycle (counts in ``minstret``).
    cycle, instret : Out(64)
        ``mcycle`` and ``minstret``.
    wfi_wait : Out(1)
        A wfi waits now: an interrupt is enabled in ``mie`` and none of them is pending
        (whatever ``mstatus.MIE``; with ``mie`` zero nothing could end the wait, so none).

    Parameters
    ----------
    counter_domain : str
        The domain ``mcycle`` counts in: the core's own, or one whose clock keeps running while
        a simulation stops the core's clock in a wfi.
    """

    addr: In(12)
    op: In(2)
    write: In(1)
    wdata: In(32)
    commit: In(1)
    rdata: Out(32)
    illegal: Out(1)
    mret: In(1)
    mepc: Out(32)
    mtvec: Out(32)
    trap: In(1)
    trap_cause: In(32)
    trap_pc: In(32)
    trap_tval: In(32)
    irq_software: In(1)
    irq_timer: In(1)
    irq_external: In(1)
    irq_pending: Out(1)
    irq_cause: Out(32)
    retire: In(1)
    cycle: Out(64)
    instret: Out(64)
    wfi_wait: Out(1)

    def __init__(self, counter_domain: str = "sync"):
        if not isinstance(counter_domain, str):
            raise TypeError(f"counter_domain must be a str, not {counter_domain!r}")
        self.counter_domain = counter_domain
        super().__init__()

    def elaborate(self, platform):
        m = Module()
        mie_bit = Signal()                       # mstatus.MIE
        mpie_bit = Signal()                      # mstatus.MPIE
        mie = Signal(32)                         # only bits 3, 7 and 11 are writable
        mtvec = self.mtvec
        mepc = self.mepc
        mcause = Signal(32)
        mtval = Signal(32)
        mscratch = Signal(32)
        mcycle = self.cycle
        minstret = self.instret

        mstatus = Signal(32)
        m.d.comb += [
            mstatus[MSTATUS_MIE].eq(mie_bit),
            mstatus[MSTATUS_MPIE].eq(mpie_bit),
            mstatus[MSTATUS_MPP:MSTATUS_MPP + 2].eq(0b11),
        ]
        mip = Signal(32)
        m.d.comb += [
            mip[Interrupt.SOFTWARE].eq(self.irq_software),
            mip[Interrupt.TIMER].eq(self.irq_timer),
            mip[Interrupt.EXTERNAL].eq(self.irq_external),
        ]
        irq_mask = (1 << Interrupt.SOFTWARE) | (1 << Interrupt.TIMER) | (1 << Interrupt.EXTERNAL)

        # Read side: the address decode doubles as the legality check.
        readonly = self.addr[10:12] == 0b11
        known = Signal()
        csrs = {
            Csr.MSTATUS: mstatus, Csr.MISA: Const(MISA_VALUE, 32), Csr.MIE: mie,
            Csr.MTVEC: mtvec, Csr.MCOUNTINHIBIT: Const(0, 32), Csr.MSCRATCH: mscratch,
            Csr.MEPC: mepc, Csr.MCAUSE: mcause, Csr.MTVAL: mtval, Csr.MIP: mip,
            Csr.MCYCLE: mcycle[:32], Csr.MCYCLEH: mcycle[32:],
            Csr.MINSTRET: minstret[:32], Csr.MINSTRETH: minstret[32:],
            Csr.CYCLE: mcycle[:32], Csr.CYCLEH: mcycle[32:],
            Csr.TIME: mcycle[:32], Csr.TIMEH: mcycle[32:],
            Csr.INSTRET: minstret[:32], Csr.INSTRETH: minstret[32:],
            Csr.MVENDORID: Const(0, 32), Csr.MARCHID: Const(0, 32),
            Csr.MIMPID: Const(0, 32), Csr.MHARTID: Const(0, 32),
        }
        with m.Switch(self.addr):
            for address, value in csrs.items():
                with m.Case(address):
                    m.d.comb += [self.rdata.eq(value), known.eq(1)]
        m.d.comb += self.illegal.eq(~known | (readonly & self.write))

        old = self.rdata
        new = Signal(32)
        with m.Switch(self.op):
            with m.Case(1):
                m.d.comb += new.eq(self.wdata)
            with m.Case(2):
                m.d.comb += new.eq(old | self.wdata)
            with m.Default():
                m.d.comb += new.eq(old & ~self.wdata)
        we = self.commit & self.write & ~self.illegal

        def writes(address):
            return we & (self.addr == address)

        # Counters: a CSR write replaces the increment of that cycle (the instruction that
        # writes minstret is not counted either: the core does not signal its retirement).
        count = m.d[self.counter_domain]
        with m.If(writes(Csr.MCYCLE)):
            count += mcycle[:32].eq(new)
        with m.Elif(writes(Csr.MCYCLEH)):
            count += mcycle[32:].eq(new)
        with m.Else():
            count += mcycle.eq(mcycle + 1)
        with m.If(writes(Csr.MINSTRET)):
            m.d.sync += minstret[:32].eq(new)
        with m.Elif(writes(Csr.MINSTRETH)):
            m.d.sync += minstret[32:].eq(new)
        with m.Elif(self.retire):
            m.d.sync += minstret.eq(minstret + 1)

        with m.If(writes(Csr.MIE)):
            m.d.sync += mie.eq(new & irq_mask)
        with m.If(writes(Csr.MTVEC)):
            m.d.sync += mtvec.eq(Cat(Const(0, 2), new[2:]))
        with m.If(writes(Csr.MSCRATCH)):
            m.d.sync += mscratch.eq(new)

        with m.If(self.trap):
            m.d.sync += [
                mepc.eq(Cat(Const(0, 2), self.trap_pc[2:])),
                mcause.eq(self.trap_cause),
                mtval.eq(self.trap_tval),
                mpie_bit.eq(mie_bit),
                mie_bit.eq(0),
            ]
        with m.Elif(self.mret):
            m.d.sync += [mie_bit.eq(mpie_bit), mpie_bit.eq(1)]
        with m.Else():
            with m.If(writes(Csr.MSTATUS)):
                m.d.sync += [mie_bit.eq(new[MSTATUS_MIE]), mpie_bit.eq(new[MSTATUS_MPIE])]
            with m.If(writes(Csr.MEPC)):
                m.d.sync += mepc.eq(Cat(Const(0, 2), new[2:]))
            with m.If(writes(Csr.MCAUSE)):
                m.d.sync += mcause.eq(new)
            with m.If(writes(Csr.MTVAL)):
                m.d.sync += mtval.eq(new)

        pending = mip & mie
        m.d.comb += self.irq_pending.eq(mie_bit & (pending != 0))
        m.d.comb += self.wfi_wait.eq((mie != 0) & (pending == 0))
        code = Signal(4)
        m.d.comb += code.eq(Mux(pending[Interrupt.EXTERNAL], Interrupt.EXTERNAL,
                                Mux(pending[Interrupt.SOFTWARE], Interrupt.SOFTWARE,
                                    Interrupt.TIMER)))
        m.d.comb += self.irq_cause.eq(Cat(code, Const(0, 27), Const(1, 1)))
        return m
