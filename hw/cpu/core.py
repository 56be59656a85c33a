"""The RV32IM host core: a five-stage in-order pipeline, wired from the units in this package.

This file holds the pipeline registers and the wires between the units: fetch (:mod:`.fetch`),
decoder, branch predictor, register file, ALU, shifter, multiplier, divider, load/store unit,
CSR file, branch resolution (:mod:`.branch`), operand forwarding (:mod:`.forward`) and the
exception selection of each stage (:mod:`.traps`).

Stages
    **F** fetch (:mod:`.fetch`) presents the next address every cycle; the word arrives one
    cycle later into the fetch queue. **D** decodes the queue's head, reads the register file,
    forwards operands, predicts branches (:mod:`.predictor`). **X** executes (ALU, shifter,
    multiplier stage 1, divider, CSRs), resolves branches and presents loads and stores to the
    data bus. **M** receives the data bus response, finishes multiplies, takes traps, retires and
    writes the register file (the writeback is part of this stage).

Hazards and penalties (single-cycle memories)
    Full forwarding from X and M into D. A load or multiply followed by a dependent instruction
    costs one bubble. A branch or jal predicted taken costs no bubble when the branch target
    buffer (:mod:`.predictor`) knows it, one otherwise (D redirects fetch); a mispredicted branch or
    any jalr costs two (resolved in X). CSR instructions, mret and fence.i wait in X until M
    is empty (one bubble); fence.i then refetches, so stores before it are visible to the fetch.
    Every stage stalls correctly when a bus does not accept a request or responds late.

Misaligned loads and stores
    complete inside ``memory_windows`` (:mod:`.lsu`): one that crosses a word boundary is two
    bus accesses, the upper word issued from X, the lower from M once the upper has answered
    (one cycle more than an aligned access with single-cycle memories). Outside the windows a
    misaligned access is an access fault (mcause 5/7), raised in X before any bus access.

Wfi
    A wfi waits in D while an interrupt is enabled in ``mie`` and none is pending (with ``mie``
    zero nothing could end it, so it does not wait), then completes: an interrupt that ends
    the wait is taken on the instruction after it (``mepc`` = pc + 4), as the privileged spec
    asks. ``sleeping`` tells when the core is in that wait with nothing else in flight, so
    that no register of the core changes until an interrupt comes: a simulation stops the
    core's clock then (``Soc``), with ``mcycle`` in a domain of its own (``counter_domain``).

Traps
    An exception travels with its instruction and is taken in M, where everything older has
    completed; the younger instructions in D and X are discarded before they have any effect (a
    store request in X is held back in a cycle where M traps; CSR writes wait for an empty M).
    Interrupts are sampled when an instruction moves from D to X: it becomes the interrupted
    instruction (``mepc``) instead of executing.
"""

from amaranth import Cat, Const, Module, Mux, Signal
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out

from ..bus import BusSignature
from .alu import Alu
from .branch import BranchUnit
from .csr import CsrFile
from .decoder import Decoder
from .divider import Divider
from .fetch import FetchUnit
from .forward import Forwarding
from .isa import ASel, Csr, ResultSel
from .layouts import ExecuteLayout, MemoryLayout
from .lsu import LoadStoreUnit
from .multiplier import Multiplier
from .predictor import BranchPredictor
from .regfile import RegisterFile
from .shifter import Shifter
from .traps import DecodeTrap, ExecuteTrap, MemoryTrap

__all__ = ["Core"]


class Core(wiring.Component):
    """RV32IM + Zicsr + Zifencei machine-mode core.

    Parameters
    ----------
    reset_vector : int
        Address of the first instruction (4-byte aligned).
    memory_windows : sequence of (int, int)
        ``(base, size)`` of the memories, where misaligned loads and stores complete (by
        default the whole address space).

    Members
    -------
    ibus, dbus : Out(BusSignature())
        Instruction fetch and data buses.
    irq_timer, irq_software, irq_external : In(1)
        Level-sensitive interrupt requests (``mip.MTIP`` / ``MSIP`` / ``MEIP``).
    trap_valid : Out(1)
        One-cycle pulse, registered: a trap was taken in the previous cycle.
    trap_cause, trap_pc, trap_tval, trap_target : Out(32)
        The ``mcause``, ``mepc`` and ``mtval`` it wrote and the handler address.
    cycle, instret : Out(64)
        ``mcycle`` and ``minstret``.
    sleeping : Out(1)
        Waiting in a wfi, the pipeline and the fetch empty: the core's registers other than
        ``mcycle`` keep their values at the next edge (an interrupt ends it combinationally).
    """

    def __init__(self, reset_vector: int, *, counter_domain: str = "sync",
                 memory_windows=((0, 1 << 32),)):
        if not isinstance(reset_vector, int) or isinstance(reset_vector, bool):
            raise TypeError(f"Reset vector must be an integer, not {reset_vector!r}")
        if not 0 <= reset_vector < 1 << 32 or reset_vector % 4:
            raise ValueError(f"Reset vector must be a 4-byte aligned 32-bit address, "
                             f"not {reset_vector!r}")
        if not isinstance(counter_domain, str):
            raise TypeError(f"counter_domain must be a str, not {counter_domain!r}")
        self.reset_vector = reset_vector
        self.counter_domain = counter_domain
        self.memory_windows = tuple(memory_windows)
        super().__init__({
            "ibus": Out(BusSignature()),
            "dbus": Out(BusSignature()),
            "irq_timer": In(1),
            "irq_software": In(1),
            "irq_external": In(1),
            "trap_valid": Out(1),
            "trap_cause": Out(32),
            "trap_pc": Out(32),
            "trap_tval": Out(32),
            "trap_target": Out(32),
            "cycle": Out(64),
            "instret": Out(64),
            "sleeping": Out(1),
        })
        #: The register file, exposed so that simulations can inspect registers.
        self.regfile = RegisterFile()

    def elaborate(self, platform):
        m = Module()
        m.submodules.fetch = fetch = FetchUnit(self.reset_vector)
        m.submodules.decoder = decoder = Decoder()
        m.submodules.predictor = predictor = BranchPredictor()
        m.submodules.regfile = rf = self.regfile
        m.submodules.alu = alu = Alu()
        m.submodules.shifter = shifter = Shifter()
        m.submodules.multiplier = mul = Multiplier()
        m.submodules.divider = div = Divider()
        m.submodules.lsu = lsu = LoadStoreUnit(self.memory_windows)
        m.submodules.csr = csr = CsrFile(self.counter_domain)
        m.submodules.branch = branch = BranchUnit()
        m.submodules.fwd1 = fwd1 = Forwarding()
        m.submodules.fwd2 = fwd2 = Forwarding()
        m.submodules.d_trap = d_trap = DecodeTrap()
        m.submodules.x_trap = x_trap = ExecuteTrap()
        m.submodules.m_trap_sel = m_trap_sel = MemoryTrap()
        dbus = self.dbus

        wiring.connect(m, wiring.flipped(self.ibus), fetch.ibus)
        m.d.comb += [
            csr.irq_software.eq(self.irq_software),
            csr.irq_timer.eq(self.irq_timer),
            csr.irq_external.eq(self.irq_external),
            self.cycle.eq(csr.cycle),
            self.instret.eq(csr.instret),
        ]

        x = Signal(ExecuteLayout)
        x_valid = Signal()
        mm = Signal(MemoryLayout)
        m_valid = Signal()

        # ---------------------------------------------------------------- M: memory / retire
        m_wait = Signal()       # waiting for the data bus response
        m_trap = Signal()
        m_fault = m_valid & mm.mem & dbus.rsp_valid & dbus.err
        # The access's last response (a split access has two; an error on the first ends it).
        m_done = dbus.rsp_valid & (lsu.m_last | dbus.err)
        m_cause = Signal(32)
        m_tval = Signal(32)
        m_value = Signal(32)
        m_ready = Signal()      # m_value is valid this cycle (for forwarding)
        m_retire = Signal()
        m.d.comb += [
            m_wait.eq(m_valid & mm.mem & ~m_done),
            m_trap.eq(m_valid & (mm.exc | m_fault)),
            m_retire.eq(m_valid & ~m_wait & ~m_trap),
            lsu.m_valid.eq(m_valid & mm.mem), lsu.m_split.eq(mm.split), lsu.m_addr.eq(mm.tval),
            lsu.m_rsp_valid.eq(dbus.rsp_valid), lsu.m_rsp_err.eq(dbus.err),
            lsu.m_rdata.eq(dbus.rdata), lsu.m_funct3.eq(mm.funct3),
            lsu.m_req_ready.eq(dbus.req_ready),
            m_value.eq(Mux(mm.load, lsu.m_value, Mux(mm.mul, mul.result, mm.value))),
            m_ready.eq(~mm.load | (dbus.rsp_valid & lsu.m_last)),
            m_trap_sel.bus_fault.eq(m_fault), m_trap_sel.store.eq(mm.store),
            m_trap_sel.exc_cause.eq(mm.cause), m_trap_sel.interrupt.eq(mm.interrupt),
            m_cause.eq(m_trap_sel.cause),
            # An error on the upper word of a split access: mtval is that part's address.
            m_tval.eq(Mux(lsu.m_first_fault, Cat(Const(0, 2), mm.tval[2:] + 1), mm.tval)),
            rf.rd_addr.eq(mm.rd),
            rf.rd_data.eq(m_value),
            rf.rd_we.eq(m_retire & mm.rd_we),
            csr.retire.eq(m_retire & ~mm.no_count),
            csr.trap.eq(m_trap),
            csr.trap_cause.eq(m_cause),
            csr.trap_pc.eq(mm.pc),
            csr.trap_tval.eq(m_tval),
        ]
        m.d.sync += [
            self.trap_valid.eq(m_trap),
            self.trap_cause.eq(m_cause),
            self.trap_pc.eq(mm.pc),
            self.trap_tval.eq(m_tval),
            self.trap_target.eq(csr.mtvec),
        ]

        # ---------------------------------------------------------------- X: execute
        dec = x.dec
        a = Mux(dec.a_sel == ASel.PC, x.pc, Mux(dec.a_sel == ASel.ZERO, 0, x.rs1))
        b = Mux(dec.b_imm, dec.imm, x.rs2)
        m.d.comb += [
            alu.op.eq(dec.alu_op), alu.a.eq(a), alu.b.eq(b),
            shifter.value.eq(x.rs1), shifter.amount.eq(b[:5]),
            shifter.right.eq(dec.shift_right), shifter.arith.eq(dec.shift_arith),
            mul.a.eq(x.rs1), mul.b.eq(x.rs2), mul.op.eq(dec.funct3[:2]),
            div.a.eq(x.rs1), div.b.eq(x.rs2), div.op.eq(dec.funct3[:2]),
            lsu.x_addr.eq(alu.sum), lsu.x_size.eq(dec.funct3[:2]), lsu.x_store_data.eq(x.rs2),
            csr.addr.eq(dec.imm[:12]), csr.op.eq(dec.funct3[:2]), csr.write.eq(dec.csr_write),
            csr.wdata.eq(Mux(dec.funct3[2], dec.rs1, x.rs1)),
        ]

        m.d.comb += [
            branch.funct3.eq(dec.funct3), branch.branch.eq(dec.branch), branch.jal.eq(dec.jal),
            branch.jalr.eq(dec.jalr), branch.eq.eq(alu.eq), branch.lt.eq(alu.lt),
            branch.ltu.eq(alu.ltu), branch.sum.eq(alu.sum), branch.target_in.eq(x.target),
            branch.predicted.eq(x.predicted),
        ]
        taken, target = branch.taken, branch.target
        pc4 = Signal(32)
        m.d.comb += pc4.eq(x.pc + 4)

        x_ok = x_valid & ~x.exc
        target_misaligned = taken & target[1]
        csr_illegal = dec.csr & csr.illegal
        mem_fault = (dec.load | dec.store) & lsu.x_fault
        m.d.comb += [
            x_trap.csr_illegal.eq(csr_illegal), x_trap.target_misaligned.eq(target_misaligned),
            x_trap.mem_fault.eq(mem_fault),
            x_trap.store.eq(dec.store),
        ]
        x_go = Signal()         # executes (no exception)
        m.d.comb += x_go.eq(x_ok & x_trap.go)
        serial = dec.csr | dec.mret | dec.fence_i
        x_mem = x_go & (dec.load | dec.store)

        # The data bus serves M's second access of a split access first, else X's access (once
        # M's last response arrives).
        with m.If(lsu.m_req_valid):
            m.d.comb += [
                dbus.req_valid.eq(1),
                dbus.addr.eq(lsu.m_req_addr),
                dbus.we.eq(mm.store),
                dbus.wdata.eq(mm.wdata),
                dbus.wstrb.eq(Mux(mm.store, mm.lo_wstrb, 0)),
            ]
        with m.Else():
            m.d.comb += [
                dbus.req_valid.eq(x_mem & (~m_valid | ~mm.mem | (dbus.rsp_valid & lsu.m_last))
                                  & ~m_trap),
                dbus.addr.eq(lsu.x_req_addr),
                dbus.we.eq(dec.store),
                dbus.wdata.eq(lsu.x_wdata),
                dbus.wstrb.eq(Mux(dec.store, lsu.x_wstrb, 0)),
            ]
        x_ready = Mux(x_mem, dbus.req_ready & ~lsu.m_req_valid,
                      Mux(serial, ~m_valid, Mux(dec.div, div.done, 1)))
        x_advance = Signal()
        m.d.comb += x_advance.eq(x_valid & (x_ready | ~x_go) & ~m_wait & ~m_trap)
        m.d.comb += [
            div.start.eq(x_go & dec.div),
            div.clear.eq(x_advance | m_trap),
            csr.commit.eq(x_go & dec.csr & ~m_valid),
            csr.mret.eq(x_go & dec.mret & ~m_valid),
        ]

        x_result = Signal(32)
        with m.Switch(dec.result):
            with m.Case(ResultSel.SHIFT):
                m.d.comb += x_result.eq(shifter.result)
            with m.Case(ResultSel.LINK):
                m.d.comb += x_result.eq(pc4)
            with m.Case(ResultSel.CSR):
                m.d.comb += x_result.eq(csr.rdata)
            with m.Case(ResultSel.DIV):
                m.d.comb += x_result.eq(div.result)
            with m.Default():
                m.d.comb += x_result.eq(alu.result)
        x_result_ready = ~dec.load & ~dec.mul

        # Redirects from X: mispredicted branches, jalr (never predicted), mret, fence.i. They
        # fire once, as soon as known, even if X then waits for M (the flag remembers it).
        x_redirected = Signal()
        x_redirect = Signal()
        x_target = Signal(32)
        mispredict = branch.mispredict
        m.d.comb += [
            x_redirect.eq(x_go & ~x_redirected & ~m_trap
                          & (mispredict | dec.jalr | ((dec.fence_i | dec.mret) & ~m_valid))),
            x_target.eq(Mux(dec.mret, csr.mepc, Mux(taken, target, pc4))),
        ]
        m.d.sync += x_redirected.eq((x_redirected | x_redirect) & ~x_advance & ~m_trap)

        # X -> M.
        writes_counter = dec.csr & dec.csr_write & (
            (dec.imm[:12] == Csr.MINSTRET) | (dec.imm[:12] == Csr.MINSTRETH))
        new_cause = x_trap.cause
        with m.If(x_advance):
            m.d.sync += [
                m_valid.eq(1),
                mm.pc.eq(x.pc),
                mm.rd.eq(dec.rd),
                mm.rd_we.eq(x_go & dec.rd_we),
                mm.value.eq(x_result),
                mm.load.eq(x_go & dec.load),
                mm.mul.eq(dec.mul),
                mm.mem.eq(x_mem),
                mm.store.eq(dec.store),
                mm.funct3.eq(dec.funct3),
                mm.split.eq(lsu.x_split),
                mm.wdata.eq(lsu.x_wdata),
                mm.lo_wstrb.eq(lsu.x_lo_wstrb),
                mm.no_count.eq(writes_counter),
                mm.exc.eq(x_valid & ~x_go),
                mm.interrupt.eq(x.exc & x.interrupt),
                mm.cause.eq(Mux(x.exc, x.cause, new_cause)),
                mm.tval.eq(Mux(x.exc | csr_illegal, x.tval,
                               Mux(target_misaligned, target,
                                   Mux(mem_fault, lsu.x_fault_addr, alu.sum)))),
            ]
        with m.Elif(~m_wait):
            m.d.sync += m_valid.eq(0)

        # ---------------------------------------------------------------- D: decode
        head = fetch.head
        d = decoder.out
        m.d.comb += [
            decoder.insn.eq(head.insn),
            rf.rs1_addr.eq(d.rs1),
            rf.rs2_addr.eq(d.rs2),
            predictor.pc.eq(head.pc),
            predictor.imm.eq(d.imm),
            predictor.branch.eq(d.branch),
            predictor.jal.eq(d.jal),
        ]

        for fwd, rs, rf_data in ((fwd1, d.rs1, rf.rs1_data), (fwd2, d.rs2, rf.rs2_data)):
            m.d.comb += [
                fwd.rs.eq(rs), fwd.rf_data.eq(rf_data),
                fwd.x_valid.eq(x_valid), fwd.x_rd_we.eq(dec.rd_we), fwd.x_rd.eq(dec.rd),
                fwd.x_result.eq(x_result), fwd.x_result_ready.eq(x_result_ready),
                fwd.m_valid.eq(m_valid), fwd.m_rd_we.eq(mm.rd_we), fwd.m_rd.eq(mm.rd),
                fwd.m_value.eq(m_value), fwd.m_ready.eq(m_ready),
            ]
        rs1_value, rs2_value = fwd1.value, fwd2.value
        hazard = (d.rs1_re & fwd1.hazard) | (d.rs2_re & fwd2.hazard)

        # Interrupts are sampled as an instruction enters X. The privileged spec wants them
        # re-evaluated right after a CSR write that can enable one, so the instruction after a
        # write to mstatus or mie waits in D until the write has happened (mret redirects, so
        # its target is sampled with the restored MIE anyway).
        # A wfi is never the interrupted instruction: it completes, and the one after it is.
        d_wfi = d.wfi & ~head.err
        irq_take = csr.irq_pending & ~d_wfi
        csr_addr = dec.imm[:12]
        irq_sync = x_valid & dec.csr & dec.csr_write & (
            (csr_addr == Csr.MSTATUS) | (csr_addr == Csr.MIE))

        d_valid = fetch.head_valid
        wfi_wait = d_valid & d_wfi & csr.wfi_wait
        d_advance = Signal()
        m.d.comb += d_advance.eq(d_valid & (~x_valid | x_advance) & ~hazard & ~irq_sync
                                 & ~x_redirect & ~m_trap & ~wfi_wait)

        # D's static prediction is the one that counts. Fetch already followed it if the BTB
        # hit (head.predicted); otherwise D redirects fetch (one bubble) and trains the BTB.
        # A BTB hit D disagrees with is undone by a redirect to pc + 4.
        d_taken = d_valid & ~head.err & ~d.illegal & predictor.taken
        d_pc4 = Signal(32)
        m.d.comb += d_pc4.eq(head.pc + 4)
        d_redirected = Signal()
        d_redirect = Signal()
        m.d.comb += d_redirect.eq(d_valid & (d_taken != head.predicted)
                                  & ~d_redirected & ~x_redirect & ~m_trap)
        m.d.comb += [
            fetch.train.eq(d_redirect),
            fetch.train_valid.eq(d_taken),
            fetch.train_pc.eq(head.pc),
            fetch.train_target.eq(predictor.target),
        ]
        m.d.sync += d_redirected.eq((d_redirected | d_redirect) & ~d_advance
                                    & ~x_redirect & ~m_trap)
        m.d.comb += self.sleeping.eq(wfi_wait & ~x_valid & ~m_valid & fetch.idle & ~d_redirect
                                     & ~self.trap_valid)

        m.d.comb += [
            d_trap.irq.eq(irq_take), d_trap.irq_cause.eq(csr.irq_cause[:4]),
            d_trap.fetch_err.eq(head.err), d_trap.illegal.eq(d.illegal),
            d_trap.ecall.eq(d.ecall), d_trap.ebreak.eq(d.ebreak),
            d_trap.pc.eq(head.pc), d_trap.insn.eq(head.insn),
        ]
        d_exc, d_cause, d_tval = d_trap.exc, d_trap.cause, d_trap.tval

        with m.If(m_trap):
            m.d.sync += x_valid.eq(0)
        with m.Elif(d_advance):
            m.d.sync += [
                x_valid.eq(1),
                x.pc.eq(head.pc),
                x.dec.eq(d),
                x.rs1.eq(rs1_value),
                x.rs2.eq(rs2_value),
                x.target.eq(predictor.target),
                x.predicted.eq(d_taken),
                x.exc.eq(d_exc),
                x.interrupt.eq(irq_take),
                x.cause.eq(d_cause),
                x.tval.eq(Mux(d_exc, d_tval, head.insn)),
            ]
        with m.Elif(x_advance):
            m.d.sync += x_valid.eq(0)

        # ---------------------------------------------------------------- F: fetch redirects
        # Oldest first: a trap, then an execute-stage redirect, then a decode prediction.
        m.d.comb += [
            fetch.deq.eq(d_advance),
            fetch.redirect.eq(m_trap | x_redirect | d_redirect),
            fetch.target.eq(Mux(m_trap, csr.mtvec,
                                Mux(x_redirect, x_target,
                                    Mux(d_taken, predictor.target, d_pc4)))),
            fetch.flush_btb.eq(x_redirect & dec.fence_i),
            fetch.keep_head.eq(~m_trap & ~x_redirect),
        ]
        return m
