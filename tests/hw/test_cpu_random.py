"""Random programs against a Python model: straight-line code with short forward branches,
counted loops and calls, on six registers (so nearly every instruction depends on a recent
one), with and without bus backpressure, and with interrupts arriving at random cycles.

Each program's final registers and scratch memory must equal the model's: every forwarding
path, hazard, prediction and stall must be invisible, and so must interrupts.
"""

import random

import pytest
from cpu_harness import RAM_BASE, run
from test_cpu_isa import REF, s32

M32 = 0xFFFF_FFFF
REGS = ["a0", "a1", "a2", "a3", "a4", "a5"]
ALU_OPS = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
           "mul", "mulh", "mulhsu", "mulhu"]
IMM_OPS = {"addi": "add", "slti": "slt", "sltiu": "sltu", "xori": "xor", "ori": "or",
           "andi": "and"}
BRANCH = {"beq": lambda a, b: a == b, "bne": lambda a, b: a != b,
          "blt": lambda a, b: s32(a) < s32(b), "bge": lambda a, b: s32(a) >= s32(b),
          "bltu": lambda a, b: a < b, "bgeu": lambda a, b: a >= b}
LOADS = {"lb": (1, True), "lbu": (1, False), "lh": (2, True), "lhu": (2, False),
         "lw": (4, False)}
STORES = {"sb": 1, "sh": 2, "sw": 4}
SCRATCH = 64
STRESS = dict(ibus_ready=0.6, dbus_ready=0.6, ibus_delay=3, dbus_delay=3)


class Model:
    """Just enough of an RV32IM interpreter for the generated code."""

    def __init__(self, scratch, regs):
        self.regs = dict(regs)
        self.mem = bytearray(scratch)

    def step(self, insn):
        op, *args = insn
        r = self.regs
        if op == "loop":
            count, body = args
            for _ in range(count):
                for inner in body:
                    self.step(inner)
        elif op == "call":
            for inner in args[1]:
                self.step(inner)
        elif op in REF:
            rd, rs1, rs2 = args
            r[rd] = REF[op](r[rs1], r[rs2]) & M32
        elif op in IMM_OPS:
            rd, rs1, imm = args
            r[rd] = REF[IMM_OPS[op]](r[rs1], imm & M32) & M32
        elif op in ("slli", "srli", "srai"):
            rd, rs1, sh = args
            r[rd] = REF[op[:-1]](r[rs1], sh) & M32
        elif op == "lui":
            r[args[0]] = args[1] << 12
        elif op in LOADS:
            rd, off = args
            size, signed = LOADS[op]
            v = int.from_bytes(self.mem[off:off + size], "little")
            if signed and v >> (8 * size - 1):
                v -= 1 << (8 * size)
            r[rd] = v & M32
        elif op in STORES:
            rs2, off = args
            size = STORES[op]
            self.mem[off:off + size] = (r[rs2] & ((1 << 8 * size) - 1)).to_bytes(size, "little")
        elif op in BRANCH:
            rs1, rs2, inner = args
            if not BRANCH[op](r[rs1], r[rs2]):
                self.step(inner)
        else:
            raise AssertionError(op)


class Generator:
    def __init__(self, rng):
        self.rng = rng
        self.labels = 0
        self.functions = []    # (label, body) emitted after the main program

    def reg(self):
        return self.rng.choice(REGS)

    def simple(self, allow_branch=True):
        rng, reg = self.rng, self.reg
        kind = rng.random()
        if kind < 0.35:
            return (rng.choice(ALU_OPS), reg(), reg(), reg())
        if kind < 0.39:
            return (rng.choice(["div", "divu", "rem", "remu"]), reg(), reg(), reg())
        if kind < 0.55:
            return (rng.choice(list(IMM_OPS)), reg(), reg(), rng.randint(-2048, 2047))
        if kind < 0.60:
            return (rng.choice(["slli", "srli", "srai"]), reg(), reg(), rng.randint(0, 31))
        if kind < 0.65:
            return ("lui", reg(), rng.randint(0, 0xFFFFF))
        if kind < 0.80:
            op = rng.choice(list(LOADS))
            return (op, reg(), rng.randrange(0, SCRATCH, LOADS[op][0]))
        if kind < 0.92 or not allow_branch:
            op = rng.choice(list(STORES))
            return (op, reg(), rng.randrange(0, SCRATCH, STORES[op]))
        return (rng.choice(list(BRANCH)), reg(), reg(), self.simple(allow_branch=False))

    def item(self):
        kind = self.rng.random()
        if kind < 0.04:
            body = [self.simple() for _ in range(self.rng.randint(1, 4))]
            return ("loop", self.rng.randint(1, 4), body)
        if kind < 0.07:
            body = [self.simple() for _ in range(self.rng.randint(0, 3))]
            label = f"fn{len(self.functions)}"
            self.functions.append((label, body))
            return ("call", label, body)
        return self.simple()

    def asm(self, insn):
        op, *args = insn
        if op in LOADS or op in STORES:
            return f"{op} {args[0]}, {args[1]}(s0)"
        if op in BRANCH:
            return f"{op} {args[0]}, {args[1]}, 1f\n    {self.asm(args[2])}\n1:"
        if op == "loop":
            self.labels += 1
            body = "\n    ".join(self.asm(i) for i in args[1])
            return (f"li t0, {args[0]}\nloop{self.labels}:\n    {body}\n    addi t0, t0, -1\n"
                    f"    bnez t0, loop{self.labels}")
        if op == "call":
            return f"jal ra, {args[0]}"
        return f"{op} " + ", ".join(str(a) for a in args)


# Interrupt handler: uses only t3..t6 (the random code does not), counts the interrupts and
# drops the lines. Any exception is a failure: it stops the run with t3 = mcause.
HANDLER = """
.balign 4
handler:
    csrr t3, mcause
    bgez t3, fail
    li t4, IRQ
    sw zero, 0(t4)
    la t5, irq_count
    lw t6, 0(t5)
    addi t6, t6, 1
    sw t6, 0(t5)
    mret
fail:
    END
"""


def random_program(seed, n=200, interrupts=False):
    rng = random.Random(seed)
    gen = Generator(rng)
    scratch = bytes(rng.randrange(256) for _ in range(SCRATCH))
    init = {r: rng.choice([0, 1, M32, 0x8000_0000, rng.getrandbits(32)]) for r in REGS}
    items = [gen.item() for _ in range(n)]
    model = Model(scratch, init)
    for item in items:
        model.step(item)
    lines = ["    la s0, scratch", "    la t0, handler", "    csrw mtvec, t0"]
    if interrupts:
        lines += ["    li t0, 0x888", "    csrw mie, t0", "    csrsi mstatus, 8"]
    lines += [f"    li {r}, {v:#x}" for r, v in init.items()]
    lines += [f"    {gen.asm(i)}" for i in items]
    lines += ["    csrci mstatus, 8", "    li t3, 0", "    END"]
    for label, body in gen.functions:
        lines += [f"{label}:"] + [f"    {gen.asm(i)}" for i in body] + ["    ret"]
    lines += [HANDLER, ".data", ".balign 4", "irq_count: .word 0",
              "scratch: .byte " + ", ".join(map(str, scratch))]
    return "\n".join(lines), model


def _check(r, model):
    assert r.reg("t3") == 0, f"unexpected exception, mcause {r.reg('t3'):#x}"
    assert {name: r.reg(name) for name in REGS} == model.regs
    base = r.symbols["scratch"] - RAM_BASE
    assert bytes(r.ram[base:base + SCRATCH]) == bytes(model.mem)


@pytest.mark.parametrize("seed,bus", [(1, {}), (2, {}), (3, STRESS), (4, STRESS),
                                      (5, dict(dbus_ready=0.3, dbus_delay=5)),
                                      (6, dict(ibus_ready=0.3, ibus_delay=5))])
def test_random_code_matches_model(seed, bus):
    source, model = random_program(seed)
    _check(run(source, max_cycles=30_000, seed=seed, **bus), model)


@pytest.mark.parametrize("seed,bus", [(11, {}), (12, STRESS)])
def test_random_code_with_interrupts(seed, bus):
    """Interrupt lines rise at random cycles; the handler drops them. Precise interrupts leave
    the program's results unchanged."""
    source, model = random_program(seed, interrupts=True)
    rng = random.Random(seed)
    schedule, cycle = [], 0
    for _ in range(40):
        cycle += rng.randint(20, 120)
        schedule.append((cycle, rng.randint(1, 7)))
    r = run(source, max_cycles=40_000, seed=seed, irq_schedule=schedule, **bus)
    _check(r, model)
    taken = r.word("irq_count")
    assert taken >= 5 and taken == len(r.traps)
