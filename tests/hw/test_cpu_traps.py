"""Traps: every exception cause with its mcause / mepc / mtval, precision, interrupts, mret."""

import pytest
from cpu_harness import ERR_BASE, RAM_BASE, RAM_SIZE, TOHOST, assemble, run

STRESS = dict(ibus_ready=0.6, dbus_ready=0.6, ibus_delay=3, dbus_delay=3, seed=7)


@pytest.fixture(params=["ideal", "stressed"])
def bus(request):
    """Every trap test runs with single-cycle memories and with random backpressure and late
    responses on both buses: traps must stay precise however the pipeline is stalled."""
    return {} if request.param == "ideal" else STRESS

# A handler that logs (mcause, mepc, mtval, s2, mstatus) per trap and resumes: after the
# faulting instruction for exceptions, at `ra` for instruction access faults, at mepc for
# interrupts (after dropping the line that was taken; s10 mirrors the IRQ device register).
SETUP = """
    la t0, handler
    csrw mtvec, t0
    la s11, log
    li s2, 0
    li s10, 0
"""

HANDLER = """
.balign 4
handler:
    csrr t0, mcause
    csrr t1, mepc
    csrr t2, mtval
    csrr t3, mstatus
    sw t0, 0(s11)
    sw t1, 4(s11)
    sw t2, 8(s11)
    sw s2, 12(s11)
    sw t3, 16(s11)
    addi s11, s11, 20
    bltz t0, 2f
    li t3, 1
    beq t0, t3, 1f
    addi t1, t1, 4
    csrw mepc, t1
    mret
1:  csrw mepc, ra
    mret
2:  andi t3, t0, 15
    li t4, 1
    li t5, 3
    beq t3, t5, 3f
    li t4, 2
    li t5, 7
    beq t3, t5, 3f
    li t4, 4
3:  not t4, t4
    and s10, s10, t4
    li t5, IRQ
    sw s10, 0(t5)
    mret
"""


def _program(body, log_entries=32, data=""):
    return (SETUP + body + "\n    END\n" + HANDLER
            + f".data\n.balign 4\nlog: .space {20 * log_entries}\n" + data)


def _log(result, n=None):
    base = result.symbols["log"]
    entries = []
    for i in range(n if n is not None else 32):
        cause, epc, tval, s2, mstatus = (result.word(base + 20 * i + 4 * k) for k in range(5))
        if n is None and cause == 0 and epc == 0:
            break
        entries.append((cause, epc, tval, s2, mstatus))
    return entries


def _check_outputs(result, log):
    """The trap_* outputs match what the handler read from the CSRs."""
    assert [(t.cause, t.pc, t.tval) for t in result.traps] == [e[:3] for e in log]
    assert all(t.target == result.symbols["handler"] for t in result.traps)


ILLEGAL_WORDS = [
    0x00000000,  # all zeros
    0xFFFFFFFF,  # all ones
    0x00000013 & ~3,  # addi x0 with low bits 00 (compressed space)
    0x00003003,  # ld (RV64 load)
    0x00006003,  # lwu
    0x00003023,  # sd
    0x00002063,  # branch funct3 = 2
    0x00001067,  # jalr funct3 = 1
    0x0000200F,  # misc-mem funct3 = 2
    0x00004073,  # system funct3 = 4
    0x00100273,  # ecall-like with rd != 0
    0x10200073,  # sret
    0x7B200073,  # dret
    0x02001013,  # slli with funct7 = 1
    0x40001013,  # slli with funct7 = 0x20
    0x04005013,  # srli with funct7 = 2
    0x4000C7B3,  # xor with funct7 = 0x20 (rd = a5)
    0x040007B3,  # add with funct7 = 2 (rd = a5)
    0x7C002573,  # csrr a0, 0x7c0 (no such CSR)
    0x3A002573,  # csrr a0, pmpcfg0 (not implemented)
    0x30601073,  # csrw mcounteren (no U-mode, not implemented)
    0xF1459073,  # csrw mhartid, a1 (read-only)
    0xC0059073,  # csrw cycle, a1 (read-only)
    0xC0202573 | (1 << 15),  # csrrs a0, instret, x1 (writes a read-only CSR)
    0xB0001073 | (0x7FF << 20),  # csrw 0xfff
]


def test_illegal_instructions(bus):
    body = "\n".join(f"    addi s2, s2, 1\nill{i}: .word {w:#010x}\n    li a5, 0"
                     for i, w in enumerate(ILLEGAL_WORDS))
    body = "    li a5, 0x55\n    li a0, 0x66\n" + body.replace("    li a5, 0", "    mv a4, a5")
    r = run(_program(body), max_cycles=20_000, **bus)
    assert r.finished
    log = _log(r, len(ILLEGAL_WORDS))
    for i, (w, (cause, epc, tval, s2, mstatus)) in enumerate(
            zip(ILLEGAL_WORDS, log, strict=True)):
        assert (cause, epc, tval, s2) == (2, r.symbols[f"ill{i}"], w, i + 1), hex(w)
        assert mstatus & 0x1888 == 0x1800     # MPP = 3, MIE = 0, MPIE = 0
    assert r.reg("a5") == 0x55 and r.reg("a0") == 0x66    # no illegal word wrote a register
    _check_outputs(r, log)


def test_ecall_ebreak_and_legal_system_instructions(bus):
    body = """
    addi s2, s2, 1
e0: ecall
    addi s2, s2, 1
e1: ebreak
    wfi
    fence
    fence rw, rw
    fence.i
    csrw misa, zero         # WARL: ignored, not illegal
    csrr a0, misa
    csrw mip, a0            # the pending bits are read-only: ignored
    csrr a1, mcountinhibit
"""
    r = run(_program(body), max_cycles=2000, **bus)
    log = _log(r, 2)
    assert [e[:4] for e in log] == [(11, r.symbols["e0"], 0, 1),
                                    (3, r.symbols["e1"], r.symbols["e1"], 2)]
    assert r.reg("a0") == 0x40001100 and r.reg("a1") == 0
    assert len(r.traps) == 2
    _check_outputs(r, log)


def test_faulting_accesses_are_precise(bus):
    body = f"""
    la s0, probe
    li a5, 0x1234
    li s3, {ERR_BASE:#x}
    addi s2, s2, 1
f0: lw a5, 4(s3)
    sw s2, 0(s0)        # younger store: must not have happened when the trap is taken
    addi s2, s2, 1
f1: sb a5, 9(s3)
    sw s2, 0(s0)
    addi s2, s2, 1
    li s4, 0x40000000
f2: lb a5, 0(s4)        # unmapped
    lw a6, 0(s0)        # older stores did happen
"""
    r = run(_program(body, data="probe: .word 0, 0"), max_cycles=3000, **bus)
    log = _log(r, 3)
    expect = [(5, "f0", ERR_BASE + 4), (7, "f1", ERR_BASE + 9), (5, "f2", 0x40000000)]
    for i, ((cause, label, tval), entry) in enumerate(zip(expect, log, strict=True)):
        assert entry[:4] == (cause, r.symbols[label], tval, i + 1), label
    assert r.reg("a5") == 0x1234                 # no faulting load wrote its register
    assert r.reg("a6") == 2                      # the last sw s2 before f2
    assert r.word(r.symbols["probe"] + 4) == 0   # the faulting stores wrote nothing
    _check_outputs(r, log)


def test_misaligned_faults_are_precise(bus):
    """Misaligned accesses across the end of memory, to a device, or whose upper word gets a
    bus error are access faults with the faulting part's address, before any side effect."""
    end = RAM_BASE + RAM_SIZE
    body = f"""
    la s0, probe
    la s1, hole
    li s4, {end:#x}
    li s5, 0x5a5a5a5a
    sw s5, -4(s4)       # the last word of memory, which the faulting stores must not change
    li s6, TOHOST
    li a5, 0x1234
    addi s2, s2, 1
e0: lw a5, -2(s4)       # crosses the end of memory
    sw s2, 0(s0)
    addi s2, s2, 1
e1: sw s2, -1(s4)
    addi s2, s2, 1
e2: sh s2, -1(s4)
    addi s2, s2, 1
e3: lhu a5, -1(s4)
    addi s2, s2, 1
p0: sh s2, 1(s6)        # a device: it would end the run if it reached the bus
    addi s2, s2, 1
p1: lw a5, 2(s6)
    addi s2, s2, 1
d0: sw s5, -2(s1)       # the upper word is the bus-error hole: the lower is not written
    sw s2, 0(s0)
    addi s2, s2, 1
d1: lw a5, -1(s1)
    addi s2, s2, 1
d2: lw a5, 2(s1)        # the upper word answers, the lower (the hole) faults
    lw a6, -4(s4)
    lw a7, -4(s1)
"""
    program = assemble(_program(body, data="probe: .word 0, 0\n.balign 16\n"
                                         ".word 0x11223344\nhole: .word 0, 0x66778899"))
    hole = program.symbols["hole"]
    r = run(program, max_cycles=5000, err_ranges=((ERR_BASE, ERR_BASE + 0x1000),
                                                  (hole, hole + 4)), **bus)
    log = _log(r, 9)
    expect = [(5, "e0", end), (7, "e1", end), (7, "e2", end), (5, "e3", end),
              (7, "p0", TOHOST + 1), (5, "p1", TOHOST + 2),
              (7, "d0", hole), (5, "d1", hole), (5, "d2", hole + 2)]
    for i, ((cause, label, tval), entry) in enumerate(zip(expect, log, strict=True)):
        assert entry[:4] == (cause, r.symbols[label], tval, i + 1), label
    assert r.reg("a5") == 0x1234                 # no faulting load wrote its register
    assert r.reg("a6") == 0x5a5a5a5a             # the stores across the end wrote nothing
    assert r.reg("a7") == 0x11223344             # nor did the store whose upper word faulted
    _check_outputs(r, log)


def test_misaligned_jump_targets(bus):
    # jal / branch encodings with an offset of 2 cannot be written as labels: use .word.
    body = """
    la a0, 1f
    addi a0, a0, 2
    addi s2, s2, 1
j0: jalr ra, 0(a0)      # target % 4 == 2
1:  addi s2, s2, 1
j1: .word 0x0060006f    # jal x0, +6
    addi s2, s2, 1
    li a1, 1
j2: .word 0x00b51363    # bne a0, a1, +6 (taken; forward)
    addi s2, s2, 1
j3: .word 0xfe0007e3    # beq x0, x0, -18 (taken; backward: predicted taken)
    addi s2, s2, 1
j4: .word 0x00b50363    # beq a0, a1, +6: not taken, so no exception
    addi s2, s2, 1
    la a0, 2f
    addi a0, a0, 1
j5: jalr ra, 0(a0)      # odd target: bit 0 is cleared, fine
    addi s2, s2, 100
2:  addi s2, s2, 1
"""
    r = run(_program(body), max_cycles=2000, **bus)
    log = _log(r, 4)
    j = r.symbols
    assert [e[:4] for e in log] == [
        (0, j["j0"], j["j0"] + 6, 1),
        (0, j["j1"], j["j1"] + 6, 2),
        (0, j["j2"], j["j2"] + 6, 3),
        (0, j["j3"], j["j3"] - 18, 4),
    ]
    assert r.reg("s2") == 7 and r.reg("ra") == j["j5"] + 4
    _check_outputs(r, log)


def test_instruction_access_fault(bus):
    body = f"""
    li a0, {ERR_BASE + 0x100:#x}
    addi s2, s2, 1
    jalr ra, 0(a0)
    addi s2, s2, 1
    li a0, 0x40000000   # unmapped
    jalr ra, 8(a0)
    addi s2, s2, 1
"""
    r = run(_program(body), max_cycles=2000, **bus)
    log = _log(r, 2)
    assert [e[:4] for e in log] == [(1, ERR_BASE + 0x100, ERR_BASE + 0x100, 1),
                                    (1, 0x40000008, 0x40000008, 2)]
    assert r.reg("s2") == 3
    _check_outputs(r, log)


def test_trapping_instruction_is_not_counted(bus):
    src = """
    la t0, handler
    csrw mtvec, t0
    csrr a0, minstret
    ecall
    END
handler:
    csrr a1, minstret   # a0 + 1: only the csrr a0 retired in between
    csrr a2, mepc
    addi a2, a2, 4
    csrw mepc, a2
    mret
"""
    r = run(src, max_cycles=500, **bus)
    assert r.reg("a1") == r.reg("a0") + 1


def test_mret_and_mstatus(bus):
    body = """
    li a0, 0x80             # MPIE = 1, MIE = 0
    csrw mstatus, a0
    la a1, back
    csrw mepc, a1
    mret
    li s2, 99               # skipped
back:
    csrr a2, mstatus        # MIE = MPIE = 1, MPP = 3
    csrci mstatus, 8
    csrr a3, mstatus
    ecall                   # MPIE <- MIE (0), MIE <- 0
    csrsi mstatus, 8
    ecall                   # MPIE <- 1
    csrr a4, mstatus        # mret restored MIE = 1
    csrw mepc, a1
    csrr a5, mepc
    li a0, 0x1233
    csrw mepc, a0           # the low two bits of mepc are zero
    csrr a6, mepc
    csrw mtvec, a0
    csrr a7, mtvec
    la t0, handler
    csrw mtvec, t0
"""
    r = run(_program(body), max_cycles=2000, **bus)
    assert r.reg("s2") == 0
    assert r.reg("a2") == 0x1888 and r.reg("a3") == 0x1880
    log = _log(r, 2)
    assert [e[4] for e in log] == [0x1800, 0x1880]   # in the handler: MPIE = old MIE
    assert r.reg("a4") == 0x1888
    assert r.reg("a5") == r.symbols["back"]
    assert r.reg("a6") == 0x1230 and r.reg("a7") == 0x1230


IRQ_BODY = """
    li a0, 0x888
    csrw mie, a0
    csrr a1, mie
    li s10, {lines}
    li t0, IRQ
    sw s10, 0(t0)       # raise the lines (MIE is still 0: nothing happens)
    nop
    nop
    nop
    csrr a2, mip
    li s2, 0
    csrsi mstatus, 8    # now the interrupts are taken, highest priority first
    li s3, 0
1:  addi s3, s3, 1      # a loop the interrupts land in: its result must not change
    addi s2, s2, 1
    li a3, 20
    blt s3, a3, 1b
    csrci mstatus, 8
"""


@pytest.mark.parametrize("lines,causes", [
    (1, [0x80000003]), (2, [0x80000007]), (4, [0x8000000B]),
    (7, [0x8000000B, 0x80000003, 0x80000007]),
])
def test_interrupts_priority(lines, causes, bus):
    r = run(_program(IRQ_BODY.format(lines=lines)), max_cycles=3000, **bus)
    assert r.finished
    assert r.reg("a1") == 0x888
    assert r.reg("a2") == sum(1 << b for b, bit in ((3, 1), (7, 2), (11, 4)) if lines & bit)
    log = _log(r)
    assert [e[0] for e in log] == causes
    assert r.reg("s3") == 20 and r.reg("s2") == 20
    assert all(e[2] == 0 and e[4] & 0x88 == 0x80 for e in log)   # mtval 0, MPIE was 1
    _check_outputs(r, log)


def test_interrupts_gated_by_mie(bus):
    body = """
    li s10, 7
    li s5, IRQ
    sw s10, 0(s5)
    csrsi mstatus, 8    # MIE set but mie = 0: nothing
    li s3, 0
1:  addi s3, s3, 1
    li a3, 5
    blt s3, a3, 1b
    li a0, 0x80         # enable the timer only
    csrw mie, a0
    nop
    nop
    li a0, 0
    csrw mie, a0        # the handler left software and external pending
    csrr a4, mip
    li s10, 0
    sw s10, 0(s5)
    wfi
"""
    r = run(_program(body), max_cycles=2000, **bus)
    log = _log(r)
    assert [e[0] for e in log] == [0x80000007]
    assert r.reg("a4") == 0x808


def test_interrupt_taken_right_after_enabling_csr_write(bus):
    """The interrupt conditions are re-evaluated immediately after a CSR write that enables a
    pending interrupt: `csrsi mstatus, MIE; csrci mstatus, MIE` opens a one-instruction window."""
    body = """
    li a0, 0x80
    csrw mie, a0
    li s10, 2
    li s5, IRQ
    sw s10, 0(s5)       # timer line up, masked by mstatus.MIE
    nop
    nop
    csrsi mstatus, 8
w0: csrci mstatus, 8
    li s10, 2
    sw s10, 0(s5)       # again, masked by mie this time
    csrw mie, zero
    csrsi mstatus, 8
    nop
    nop
    csrw mie, a0
w1: csrw mie, zero
    csrci mstatus, 8
"""
    r = run(_program(body), max_cycles=2000, **bus)
    log = _log(r)
    assert [e[:2] for e in log] == [(0x80000007, r.symbols["w0"]),
                                    (0x80000007, r.symbols["w1"])]
