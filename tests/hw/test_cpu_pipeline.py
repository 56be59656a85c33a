"""Pipeline behaviour: forwarding and hazards, penalties, counters and CSR semantics, fence.i,
and the CPI of an int8 dot product. Random code against a model is in test_cpu_random.py."""

import random

from cpu_harness import run

M32 = 0xFFFF_FFFF
STRESS = dict(ibus_ready=0.6, dbus_ready=0.6, ibus_delay=3, dbus_delay=3)


def test_forwarding_distances():
    """Producer -> consumer at distance 0..3 for each kind of producer, into rs1, rs2 and
    store data, a branch and a jalr."""
    src = """
    la s0, buf
    li a0, 5
    lw a1, 0(s0)            # load-use into rs1 and rs2
    add a2, a1, a1          # 2 * 40
    mul a3, a2, a0          # mul-use
    add a3, a3, a0          # 405
    sw a3, 4(s0)            # store data forwarded from X
    lw a4, 4(s0)            # load after store, same address
    sub a5, a0, a4          # rs2 load-use: -400
    slli a6, a5, 2          # -1600
    sw a6, 8(s0)
    lw t0, 8(s0)
    nop
    add t1, t0, a0          # distance 1 from a load: -1595
    lw t2, 0(s0)
    nop
    nop
    add t3, t2, a0          # distance 2: 45
    li t4, 45
    bne t3, t4, bad         # branch on forwarded values
    lw t5, 12(s0)           # address of `good`
    jalr ra, 0(t5)          # jalr base from a load
bad:
    li s1, 0xbad
    END
good:
    lui s2, 0x1
    addi s2, s2, 1          # 4097
    auipc s3, 0
    sub s3, s3, s2
    li s1, 0x600d
    END
.data
buf: .word 40, 0, 0, good
"""
    r = run(src, max_cycles=500)
    assert r.reg("s1") == 0x600D
    assert r.reg("a3") == 405 and r.reg("a5") == (-400) & M32 and r.reg("t1") == -1595 & M32
    assert r.reg("t3") == 45 and r.reg("s2") == 4097
    assert r.reg("s3") == (r.symbols["good"] + 8 - 4097) & M32
    assert r.reg("ra") == r.symbols["bad"]


def test_csr_operations():
    src = """
    li a0, 0xF0F0
    csrw mscratch, a0
    li a1, 0x0FF0
    csrrs a2, mscratch, a1  # old 0xF0F0 -> 0xFFF0
    csrrc a3, mscratch, a0  # old 0xFFF0 -> 0x0F00
    csrrw a4, mscratch, zero   # old 0x0F00 -> 0
    csrrwi a5, mscratch, 21    # old 0 -> 21
    csrrsi a6, mscratch, 10    # old 21 -> 31
    csrrci a7, mscratch, 3     # old 31 -> 28
    csrrs t0, mscratch, zero   # read only
    csrrc t1, mscratch, zero
    csrrsi t2, mscratch, 0
    csrr t3, mscratch
    li t4, -1
    csrw mie, t4
    csrr t5, mie            # only MSIE, MTIE, MEIE
    csrw mie, zero
    csrw mtval, t4
    csrr s1, mtval
    csrw mcause, a0
    csrr s2, mcause
    csrr s3, mvendorid
    csrr s4, marchid
    csrr s5, mimpid
    csrr s6, mhartid
    li s7, 0x1888
    csrs mstatus, t4        # writable: MIE, MPIE; MPP stays 3; nothing else sticks
    csrr s7, mstatus
    csrw mstatus, zero
    csrr s8, mstatus
"""
    r = run(src + "\n    END", max_cycles=500)
    assert [r.reg(n) for n in ("a2", "a3", "a4", "a5", "a6", "a7")] == [
        0xF0F0, 0xFFF0, 0x0F00, 0, 21, 31]
    assert [r.reg(n) for n in ("t0", "t1", "t2", "t3")] == [28] * 4
    assert r.reg("t5") == 0x888 and r.reg("s1") == M32 and r.reg("s2") == 0xF0F0
    assert [r.reg(n) for n in ("s3", "s4", "s5", "s6")] == [0] * 4
    assert r.reg("s7") == 0x1888 and r.reg("s8") == 0x1800


def test_counters():
    src = """
    csrr a0, mcycle
    csrr a1, mcycle         # one cycle later (serialised: two)
    csrr a2, minstret
    csrr a3, minstret       # exactly one instruction later
    li t0, 1000
    csrw minstret, t0       # replaces the increment of the csrw itself
    csrr a4, minstret       # 1000
    csrr a5, instret        # 1001
    li t0, -3
    csrw mcycle, t0
    csrw mcycleh, zero      # mcycle wraps into mcycleh within a few cycles
    nop
    nop
    nop
    nop
    csrr a6, mcycleh
    csrr a7, cycleh
    csrr s1, time
    csrr s2, cycle
    csrr s3, timeh
    li t0, 7
    csrw minstreth, t0
    csrr s4, minstreth
    csrr s5, instreth
"""
    r = run(src + "\n    END", max_cycles=500)
    assert 0 < r.reg("a1") - r.reg("a0") <= 3
    assert r.reg("a3") == r.reg("a2") + 1
    assert r.reg("a4") == 1000 and r.reg("a5") == 1001
    assert r.reg("a6") == 1 and r.reg("a7") == 1 and r.reg("s3") == 1
    assert 0 < r.reg("s2") - r.reg("s1") <= 3
    assert r.reg("s4") == 7 and r.reg("s5") == 7
    assert r.instret >> 32 == 7


def test_fence_i_self_modifying_code():
    src = """
    la a0, patch
    lw a1, new              # encoding of `li a2, 42`
    li a3, 0
1:  sw a1, 0(a0)
    fence.i
patch:
    li a2, 1
    addi a3, a3, 1
    lw a1, new2             # second round: patch to `li a2, 77`
    li t0, 2
    blt a3, t0, 1b
    END
.data
new:  li a2, 42
new2: li a2, 77
"""
    r = run(src, max_cycles=500)
    assert r.reg("a2") == 77 and r.reg("a3") == 2
    src_stressed = src
    r = run(src_stressed, max_cycles=3000, **STRESS)
    assert r.reg("a2") == 77 and r.reg("a3") == 2


DOT = """
    la a0, va
    la a1, vb
    li a2, {n}
    add a2, a1, a2
    li a3, 0
    csrr s4, mcycle
    csrr s5, minstret
loop:                       # clang -O2's loop for an int8 dot product
    lb a4, 0(a0)
    lb a5, 0(a1)
    addi a1, a1, 1
    mul a4, a5, a4
    add a3, a4, a3
    addi a0, a0, 1
    bne a1, a2, loop
    csrr s6, mcycle
    csrr s7, minstret
    END
.data
va: .byte {va}
vb: .byte {vb}
"""


def test_dot_product_cpi():
    n = 64
    rng = random.Random(0)
    va = [rng.randint(-128, 127) for _ in range(n)]
    vb = [rng.randint(-128, 127) for _ in range(n)]
    src = DOT.format(n=n, va=", ".join(map(str, va)), vb=", ".join(map(str, vb)))
    r = run(src, max_cycles=5000)
    assert r.reg("a3") == sum(a * b for a, b in zip(va, vb, strict=True)) & M32
    cycles = r.reg("s6") - r.reg("s4")
    insns = r.reg("s7") - r.reg("s5")
    cpi = cycles / insns
    print(f"\nint8 dot product, {n} elements: {cycles} cycles, {insns} instructions, "
          f"CPI {cpi:.3f}")
    # Deterministic in simulated cycles: a design property, not a wall-clock measurement.
    assert cpi < 1.3
    r = run(src, max_cycles=20_000, **STRESS)
    assert r.reg("a3") == sum(a * b for a, b in zip(va, vb, strict=True)) & M32


PENALTY_LOOPS = {
    # name: (loop body before the counter update, expected cycles per iteration)
    "taken branch (BTB hit)": ("", 2),
    "load-use": ("lw t1, 0(s0)\n    add t2, t1, t1", 5),
    "mul-use": ("mul t1, t0, t0\n    add t2, t1, t1", 5),
    "load, one instruction, use": ("lw t1, 0(s0)\n    nop\n    add t2, t1, t1", 5),
    "forward branch taken (mispredicted)": ("beq zero, zero, 2f\n    nop\n2:", 5),
    "call and return": ("jal ra, leaf", 6),
    "csr read": ("csrr t1, mscratch", 4),
    "divide": ("div t1, t0, t0", 3 + 33),
}


def test_pipeline_penalties():
    """Cycles per loop iteration of micro-benchmarks: the hazard penalties are a design
    property (deterministic in simulated cycles), measured as the difference between 16 and 8
    iterations so that warm-up cancels."""
    lines = ["    la s0, word", "    la s1, results"]
    for i, (body, _) in enumerate(PENALTY_LOOPS.values()):
        for n in (8, 16):
            lines += [f"    li t0, {n}", "    csrr s2, mcycle", f"l{i}_{n}:", f"    {body}",
                      "    addi t0, t0, -1", f"    bnez t0, l{i}_{n}", "    csrr s3, mcycle",
                      "    sub s3, s3, s2", "    sw s3, 0(s1)", "    addi s1, s1, 4"]
    lines += ["    END", "leaf:", "    ret", ".data", "word: .word 5",
              f"results: .space {8 * len(PENALTY_LOOPS)}"]
    r = run("\n".join(lines), max_cycles=10_000)
    base = r.symbols["results"]
    measured = {name: (r.word(base + 8 * i + 4) - r.word(base + 8 * i)) / 8
                for i, name in enumerate(PENALTY_LOOPS)}
    print("\n" + "\n".join(f"{name:40s} {cycles:5.1f} cycles/iteration"
                           for name, cycles in measured.items()))
    assert measured == {name: float(c) for name, (_, c) in PENALTY_LOOPS.items()}


def _b_type(funct3, rs1, rs2, offset):
    imm = offset & 0x1FFF
    return ((imm >> 12 & 1) << 31 | (imm >> 5 & 0x3F) << 25 | rs2 << 20 | rs1 << 15
            | funct3 << 12 | (imm >> 1 & 0xF) << 8 | (imm >> 11 & 1) << 7 | 0x63)


def test_fence_i_flushes_branch_targets():
    """A branch the BTB has learnt is rewritten to jump elsewhere: after fence.i the core must
    follow the new target, not the remembered one."""
    patched = _b_type(1, 5, 0, -12)     # bne t0, zero, loop2 (at `br`)
    src = f"""
    li a2, 0
    li a3, 0
    li a4, 0
again:
    li t0, 3
loop2:
    addi a4, a4, 1
loop:
    addi a2, a2, 1
    addi t0, t0, -1
br: bnez t0, loop
    addi a3, a3, 1
    li t1, 2
    beq a3, t1, done
    la t2, br
    li t3, {patched:#x}
    sw t3, 0(t2)
    fence.i
    j again
done:
    END
"""
    for bus in ({}, STRESS):
        r = run(src, max_cycles=3000, **bus)
        assert (r.reg("a2"), r.reg("a4")) == (6, 4)
