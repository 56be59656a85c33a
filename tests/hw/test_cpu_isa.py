"""Every RV32IM instruction's result, checked against a Python reference model.

Each test generates one assembly program with many cases that store their results into a
``results`` array, so one simulation checks a whole instruction class.
"""

import pytest
from cpu_harness import run

M32 = 0xFFFF_FFFF
INT_MIN = 0x8000_0000


def s32(v):
    v &= M32
    return v - (1 << 32) if v >> 31 else v


def _div(a, b, signed, rem):
    if signed:
        a, b = s32(a), s32(b)
    if b == 0:
        return a & M32 if rem else M32
    if signed and a == -(1 << 31) and b == -1:
        return 0 if rem else INT_MIN
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    r = a - q * b
    return (r if rem else q) & M32


REF = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "sll": lambda a, b: a << (b & 31),
    "slt": lambda a, b: int(s32(a) < s32(b)),
    "sltu": lambda a, b: int(a < b),
    "xor": lambda a, b: a ^ b,
    "srl": lambda a, b: a >> (b & 31),
    "sra": lambda a, b: s32(a) >> (b & 31),
    "or": lambda a, b: a | b,
    "and": lambda a, b: a & b,
    "mul": lambda a, b: a * b,
    "mulh": lambda a, b: (s32(a) * s32(b)) >> 32,
    "mulhsu": lambda a, b: (s32(a) * b) >> 32,
    "mulhu": lambda a, b: (a * b) >> 32,
    "div": lambda a, b: _div(a, b, True, False),
    "divu": lambda a, b: _div(a, b, False, False),
    "rem": lambda a, b: _div(a, b, True, True),
    "remu": lambda a, b: _div(a, b, False, True),
}

VALUES = [0, 1, 2, 3, 7, 31, 32, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, M32, M32 - 6,
          0x1234_5678, 0xFEDC_BA98, 0x0000_FFFF, 0xFFFF_0000]
PAIRS = [(a, b) for a in VALUES for b in VALUES][::5] + [
    (INT_MIN, M32), (INT_MIN, 1), (5, 0), (M32, 0), (INT_MIN, 0), (0, 0), (M32 - 6, 2),
    (7, M32 - 1), (100, 7), (M32 - 99, 7)]


def _program(cases):
    """cases: list of assembly snippets, each leaving its result in a2."""
    body = ["    la s0, results"]
    for snippet in cases:
        body.append(snippet)
        body.append("    sw a2, 0(s0)\n    addi s0, s0, 4")
    body.append("    END")
    body.append(f".data\nresults: .space {4 * len(cases)}")
    return "\n".join(body)


def _check(result, expected, labels):
    assert result.finished
    got = [result.word(result.symbols["results"] + 4 * i) for i in range(len(expected))]
    bad = [(lab, hex(g), hex(e & M32)) for lab, g, e in zip(labels, got, expected, strict=True)
           if g != e & M32]
    assert not bad, bad[:10]


@pytest.mark.parametrize("group", [
    ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"],
    ["mul", "mulh", "mulhsu", "mulhu"],
    ["div", "divu", "rem", "remu"],
])
def test_register_ops(group):
    cases, expected, labels = [], [], []
    for op in group:
        for a, b in PAIRS:
            cases.append(f"    li a0, {a:#x}\n    li a1, {b:#x}\n    {op} a2, a0, a1")
            expected.append(REF[op](a, b))
            labels.append(f"{op} {a:#x} {b:#x}")
    _check(run(_program(cases), max_cycles=60_000), expected, labels)


def test_immediate_ops():
    imms = [0, 1, -1, 2047, -2048, 0x555, -0x556]
    ops = {"addi": "add", "slti": "slt", "sltiu": "sltu", "xori": "xor", "ori": "or",
           "andi": "and"}
    cases, expected, labels = [], [], []
    for a in VALUES[::2]:
        for op, ref in ops.items():
            for imm in imms:
                cases.append(f"    li a0, {a:#x}\n    {op} a2, a0, {imm}")
                expected.append(REF[ref](a, imm & M32))
                labels.append(f"{op} {a:#x} {imm}")
        for op in ("slli", "srli", "srai"):
            for sh in (0, 1, 15, 31):
                cases.append(f"    li a0, {a:#x}\n    {op} a2, a0, {sh}")
                expected.append(REF[op[:-1]](a, sh))
                labels.append(f"{op} {a:#x} {sh}")
    for imm in (0, 1, 0x80000, 0xFFFFF, 0x12345):
        cases.append(f"    lui a2, {imm:#x}")
        expected.append(imm << 12)
        labels.append(f"lui {imm:#x}")
        cases.append(f"1:  auipc a2, {imm:#x}\n    la a3, 1b\n    sub a2, a2, a3")
        expected.append(imm << 12)
        labels.append(f"auipc {imm:#x}")
    # x0 is never written.
    cases.append("    li a2, 5\n    addi zero, a2, 1\n    add a2, zero, zero")
    expected.append(0)
    labels.append("x0")
    _check(run(_program(cases), max_cycles=20_000), expected, labels)


BRANCHES = {
    "beq": lambda a, b: a == b, "bne": lambda a, b: a != b,
    "blt": lambda a, b: s32(a) < s32(b), "bge": lambda a, b: s32(a) >= s32(b),
    "bltu": lambda a, b: a < b, "bgeu": lambda a, b: a >= b,
}


def test_branches_both_directions():
    """Forward branches are predicted not taken, backward ones taken: all four outcomes."""
    vals = [(0, 0), (1, 2), (2, 1), (M32, 1), (1, M32), (INT_MIN, 0x7FFF_FFFF), (5, 5)]
    cases, expected, labels = [], [], []
    for op, ref in BRANCHES.items():
        for a, b in vals:
            cases.append(f"    li a0, {a:#x}\n    li a1, {b:#x}\n    li a2, 1\n"
                         f"    {op} a0, a1, 1f\n    li a2, 0\n1:")
            expected.append(int(ref(a, b)))
            labels.append(f"fwd {op} {a:#x} {b:#x}")
            cases.append(f"    li a0, {a:#x}\n    li a1, {b:#x}\n    li a2, 0\n    j 2f\n"
                         f"1:  li a2, 1\n    j 3f\n2:  {op} a0, a1, 1b\n3:")
            expected.append(int(ref(a, b)))
            labels.append(f"bwd {op} {a:#x} {b:#x}")
    _check(run(_program(cases), max_cycles=20_000), expected, labels)


def test_jumps():
    src = """
    la s0, results
    jal ra, 1f              # forward jal with link
    li a2, 99               # skipped
1:  la a3, 1b
    sub a2, a3, ra          # ra = address after the jal: 1b - 4
    sw a2, 0(s0)
    j 3f
2:  li a2, 7                # backward jal target
    sw a2, 4(s0)
    j 4f
3:  jal zero, 2b
4:  la a0, 5f
    jalr ra, 0(a0)          # jalr, link
    li a2, 99
5:  la a3, 5b
    sub a2, a3, ra          # 4 (the li a2, 99 is skipped)
    sw a2, 8(s0)
    la a0, 6f
    addi a0, a0, -3
    jalr a0, 4(a0)          # rd == rs1, bit 0 of the sum cleared
    li a2, 99
6:  la a3, 6b
    sub a2, a3, a0
    sw a2, 12(s0)
    li a2, 0                # call / return pairs
    call func
    call func
    sw a2, 16(s0)
    END
func:
    addi a2, a2, 3
    ret
.data
results: .space 20
"""
    r = run(src, max_cycles=2000)
    assert r.finished
    assert [r.word(r.symbols["results"] + 4 * i) for i in range(5)] == [4, 7, 4, 4, 6]


def test_loads_and_stores():
    src = """
    la s0, data
    la s1, results
    lb a2, 0(s0);  sw a2, 0(s1)
    lb a2, 1(s0);  sw a2, 4(s1)
    lb a2, 3(s0);  sw a2, 8(s1)
    lbu a2, 3(s0); sw a2, 12(s1)
    lh a2, 0(s0);  sw a2, 16(s1)
    lh a2, 2(s0);  sw a2, 20(s1)
    lhu a2, 2(s0); sw a2, 24(s1)
    lw a2, 0(s0);  sw a2, 28(s1)
    lw a2, 4(s0);  sw a2, 32(s1)
    lb a2, -1(s1); sw a2, 36(s1)    # negative offset (last byte of `data2`)
    li a0, 0x11223344
    sw a0, 40(s1)
    li a0, 0xAB
    sb a0, 41(s1)
    li a0, 0xCDEF
    sh a0, 46(s1)
    li a0, 0x5566
    sw a0, 44(s1)
    sh a0, 46(s1)
    sb a0, 44(s1)
    END
.data
data:  .word 0x8182F37F, 0x01020304
data2: .word 0xA5000000
results: .space 48
"""
    r = run(src, max_cycles=2000)
    assert r.finished
    got = [r.word(r.symbols["results"] + 4 * i) for i in range(12)]
    assert got == [0x7F, 0xFFFFFFF3, 0xFFFFFF81, 0x81, 0xFFFFF37F, 0xFFFF8182, 0x8182,
                   0x8182F37F, 0x01020304, 0xFFFFFFA5, 0x1122AB44, 0x55665566]
