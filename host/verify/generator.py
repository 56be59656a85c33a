"""Seeded random RV32IM programs that never trap and always terminate.

A program is built from *blocks*: short instruction sequences that must run as a unit (a
``lui``/``addi`` pair, an ``auipc``/``addi``/``jalr`` triple, a bounded loop). Control flow only
ever moves forward to the start of a later block, except for a loop's own closing branch, whose
counter register ``x4`` no other instruction writes; so every program ends. Loads and stores
address a data region through ``x3``, which nothing writes either, and small areas in L2 and
L1; a fraction (:data:`MISALIGNED`) of them are misaligned, which the core completes in
hardware as unicorn does; a few stores print to the console.

Memory map (inside the config's main memory; see :class:`Layout`)::

    code_base            prologue, body, epilogue (starting at the reset vector)
    region_base          signature: word 0 = mscratch, word i = x_i after the body
    region_base + 128    data, random initial contents, all that the body loads and stores
    region_base + 4096   tohost (HTIF), 64-byte aligned
    region_base + 4160   copies of the far areas (L2, L1) made by the epilogue
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .elfwrite import write_elf
from .encode import encode_program, format_instr

__all__ = ["Layout", "Program", "generate", "generate_program"]

REGION_SIZE = 4096
SIG_SIZE = 128
FAR_SIZE = 128
BASE_REG, LOOP_REG = 3, 4
WRITABLE = [1, 2, *range(5, 32)]
MISALIGNED = 0.15   # share of loads and stores at an address not a multiple of their width
CORNERS = [0, 1, -1, -(1 << 31), (1 << 31) - 1, 2, -2, -(1 << 31) + 1]
_ALU_RR = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"]
_ALU_RI = ["addi", "slti", "sltiu", "xori", "ori", "andi"]
_MULDIV = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
_BRANCH = ["beq", "bne", "blt", "bge", "bltu", "bgeu"]
_LOADS = {"lb": 1, "lbu": 1, "lh": 2, "lhu": 2, "lw": 4}
_STORES = {"sb": 1, "sh": 2, "sw": 4}
_CSRS = ["csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"]


@dataclass(frozen=True)
class Layout:
    """Where a generated program lives; derived from a :class:`~hetsoc.spec.config.SocConfig`.

    ``far`` lists small areas in other memories (L2, L1) that the body also loads from and
    stores to; the epilogue copies them to ``copy_base`` in main memory, after ``tohost``, so
    they can be compared. ``console`` is the console's TX register (0: no console output).
    """

    code_base: int
    region_base: int
    tohost: int
    far: tuple[tuple[str, int], ...] = ()
    console: int = 0

    @classmethod
    def from_config(cls, config) -> Layout:
        from ..spec.regmap import CONSOLE

        main = config.main_memory
        region = main.base + main.size // 2
        # Off-centre, unaligned to the bank size, so bank selection is exercised.
        far = tuple((m.name, m.base + m.size // 2 + 0x40) for m in (config.l2, config.l1))
        tx = config.peripheral_base(CONSOLE.index) + CONSOLE.offset("TX")
        layout = cls(config.cpu.reset_vector, region, region + REGION_SIZE, far, tx)
        if not main.contains(layout.copy_base, FAR_SIZE * len(far)):
            raise ValueError("main memory is too small for the differential layout")
        return layout

    @property
    def max_code(self) -> int:
        return self.region_base - self.code_base

    @property
    def copy_base(self) -> int:
        return self.tohost + 64

    @property
    def dumps(self) -> tuple[tuple[int, int], ...]:
        """The ``(addr, size)`` ranges compared after a run: signature and data, far copies."""
        far = ((self.copy_base, FAR_SIZE * len(self.far)),) if self.far else ()
        return ((self.region_base, REGION_SIZE), *far)


@dataclass
class Program:
    """A generated program: instructions, labels (name -> index) and initial data."""

    seed: int
    layout: Layout
    instrs: list[tuple]
    labels: dict[str, int]
    data: bytes
    body_instrs: int = 0
    _code: bytes | None = field(default=None, repr=False)

    def code(self) -> bytes:
        if self._code is None:
            self._code = encode_program(self.instrs, self.labels, self.layout.code_base)
        return self._code

    def segments(self) -> list[tuple[str, int, bytes]]:
        return [(".text", self.layout.code_base, self.code()),
                (".data", self.layout.region_base, self.data),
                (".tohost", self.layout.tohost, bytes(8))]

    def elf(self) -> bytes:
        return write_elf(self.segments(), self.layout.code_base,
                         {"_start": self.layout.code_base, "tohost": self.layout.tohost})

    def asm(self) -> str:
        """The program as assembly: link it with ``.text``, ``.data`` and ``.tohost`` placed
        at the layout's addresses (see :func:`hetsoc.verify.toolchain.program_link_script`)."""
        at = {}
        for name, index in self.labels.items():
            at.setdefault(index, []).append(name)
        lines = [f"# hetsoc.verify generated program, seed {self.seed}",
                 ".section .text", ".globl _start", "_start:"]
        for i, ins in enumerate(self.instrs):
            lines += [f"{n}:" for n in at.get(i, ())]
            lines.append(f"    {format_instr(ins)}")
        lines += [".section .data"]
        for i in range(0, len(self.data), 16):
            words = [int.from_bytes(self.data[j:j + 4], "little") for j in range(i, i + 16, 4)]
            lines.append("    .word " + ", ".join(f"{w:#010x}" for w in words))
        lines += ['.section .tohost,"aw",@progbits', ".globl tohost", "tohost:", "    .word 0, 0"]
        return "\n".join(lines) + "\n"


class _Fwd:
    """A forward reference to the start of the block ``k`` blocks after the current one."""

    def __init__(self, k: int, adjust: int | None = None, auipc: str | None = None):
        self.k, self.adjust, self.auipc = k, adjust, auipc


def _li(rd: int, value: int) -> list[tuple]:
    value &= 0xFFFFFFFF
    lo = (value & 0xFFF) - ((value & 0x800) << 1)
    return [("lui", rd, ((value - lo) >> 12) & 0xFFFFF), ("addi", rd, rd, lo)]


class _Gen:
    def __init__(self, seed: int, layout: Layout):
        self.r = random.Random(seed)
        self.far = [a for _, a in layout.far]
        self.console = layout.console
        self.recent: list[int] = []
        self.nlabel = 0

    def label(self) -> str:
        self.nlabel += 1
        return f"I{self.nlabel}"

    def rd(self) -> int:
        reg = 0 if self.r.random() < 0.03 else self.r.choice(WRITABLE)
        self.recent = (self.recent + [reg])[-3:]
        return reg

    def rs(self) -> int:
        # Sources mostly come from the last few destinations: back-to-back dependencies are
        # where bypass and hazard bugs live.
        if self.recent and self.r.random() < 0.5:
            return self.r.choice(self.recent)
        return self.r.randrange(32)

    def value(self) -> int:
        return self.r.choice(CORNERS) if self.r.random() < 0.6 else self.r.getrandbits(32)

    def imm12(self) -> int:
        if self.r.random() < 0.4:
            return self.r.choice([0, 1, -1, 2047, -2048, 0x7FF >> 1])
        return self.r.randrange(-2048, 2048)

    def mem_operand(self, width: int) -> tuple[list[tuple], int, int]:
        """Setup instructions, base register and offset of an access in the data: aligned,
        or misaligned with probability :data:`MISALIGNED` (when the width allows it)."""
        lo, hi = SIG_SIZE - REGION_SIZE // 2, REGION_SIZE // 2 - width
        align = -1 if self.r.random() < MISALIGNED else -width
        roll = self.r.random()
        if roll < 0.5:
            return [], BASE_REG, self.r.randrange(lo, hi + 1) & align
        base = self.r.choice(WRITABLE)
        self.recent = (self.recent + [base])[-3:]
        if roll < 0.8 or not self.far:
            k = self.r.randrange(-256, 257) * 4
            off = self.r.randrange(max(-2048, lo - k), min(2047, hi - k) + 1) & align
            return [("addi", base, BASE_REG, k)], base, off
        # Another memory (L2 or L1): a different target on the bus, other latencies.
        area = self.r.choice(self.far)
        off = self.r.randrange(0, FAR_SIZE - width + 1) & align
        shift = self.r.choice([0, 0, 16, -16]) if FAR_SIZE > 16 else 0
        return _li(base, area + shift), base, off - shift

    # Straight-line blocks (also allowed inside loops).
    def b_alu_rr(self):
        return [(self.r.choice(_ALU_RR), self.rd(), self.rs(), self.rs())]

    def b_alu_ri(self):
        return [(self.r.choice(_ALU_RI), self.rd(), self.rs(), self.imm12())]

    def b_shift_imm(self):
        sh = self.r.choice([0, 1, 31, self.r.randrange(32)])
        return [(self.r.choice(["slli", "srli", "srai"]), self.rd(), self.rs(), sh)]

    def b_upper(self):
        return [(self.r.choice(["lui", "auipc"]), self.rd(), self.r.getrandbits(20))]

    def b_li(self):
        return _li(self.rd(), self.value())

    def b_muldiv(self):
        out = []
        srcs = []
        for _ in range(2):
            if self.r.random() < 0.5:
                reg = self.r.choice(WRITABLE)
                out += _li(reg, self.value())
                srcs.append(reg)
            else:
                srcs.append(self.rs())
        if self.r.random() < 0.1:
            srcs[1] = srcs[0]
        out.append((self.r.choice(_MULDIV), self.rd(), *srcs))
        if self.r.random() < 0.3:  # a dependent M op right behind it
            out.append((self.r.choice(_MULDIV), self.rd(), out[-1][1], self.rs()))
        return out

    def b_load(self):
        op = self.r.choice(list(_LOADS))
        setup, base, off = self.mem_operand(_LOADS[op])
        out = setup + [(op, self.rd(), base, off)]
        if self.r.random() < 0.4:  # load-use
            out.append((self.r.choice(_ALU_RR + _MULDIV), self.rd(), out[-1][1], self.rs()))
        return out

    def b_store(self):
        op = self.r.choice(list(_STORES))
        setup, base, off = self.mem_operand(_STORES[op])
        out = setup + [(op, self.rs(), base, off)]
        if self.r.random() < 0.4:  # read back at once, possibly with another width
            lop = self.r.choice([o for o, w in _LOADS.items() if w <= _STORES[op]])
            out.append((lop, self.rd(), base, off))
        return out

    def b_csr(self):
        op = self.r.choice(_CSRS)
        src = self.r.randrange(32) if op.endswith("i") else self.rs()
        return [(op, self.rd(), "mscratch", src)]

    def b_console(self):
        if not self.console:
            return [("addi", self.rd(), self.rs(), 1)]
        base = self.r.choice(WRITABLE)
        # Word stores only: peripheral registers refuse narrower accesses with a bus error.
        return _li(base, self.console) + [("sw", self.rs(), base, 0)]

    def b_fence(self):
        return [(self.r.choice(["fence", "fence.i"]),)]

    # Control flow.
    def b_branch(self):
        rs1 = self.rs()
        rs2 = rs1 if self.r.random() < 0.1 else self.rs()
        return [(self.r.choice(_BRANCH), rs1, rs2, _Fwd(self.r.randrange(1, 6)))]

    def b_jal(self):
        rd = 0 if self.r.random() < 0.3 else self.rd()
        return [("jal", rd, _Fwd(self.r.randrange(1, 6)))]

    def b_jalr(self):
        base = self.r.choice(WRITABLE)
        imm = self.r.randrange(-16, 17)
        # Odd targets are legal: jalr clears bit 0 of the sum.
        adjust = self.r.choice([0, 0, 1]) - imm
        here = self.label()
        rd = base if self.r.random() < 0.2 else self.rd()
        return [("@", here), ("auipc", base, 0),
                ("addi", base, base, _Fwd(self.r.randrange(1, 6), adjust, here)),
                ("jalr", rd, base, imm)]

    def b_loop(self):
        """A counted loop; its body may branch forward inside itself (also to the decrement).

        The closing branch varies (bne/blt/bltu on the counter), so predictors see backward
        branches of several kinds, and taken forward branches and jal inside a hot loop.
        """
        top, cont = self.label(), self.label()
        subs, count, want = [], 0, self.r.randrange(2, 8)
        while count < want:
            subs.append(self.r.choice(self.straight)())
            count += len(subs[-1])
        names = [self.label() for _ in subs]
        body = []
        for i, sub in enumerate(subs):
            body += [("@", names[i]), *sub]
            if self.r.random() < 0.3:
                j = self.r.randrange(i + 1, len(subs) + 1)
                target = names[j] if j < len(subs) else cont
                if self.r.random() < 0.7:
                    body.append((self.r.choice(_BRANCH), self.rs(), self.rs(), target))
                else:
                    body.append(("jal", self.rd(), target))
        close = self.r.choice([("bne", LOOP_REG, 0, top), ("blt", 0, LOOP_REG, top),
                               ("bltu", 0, LOOP_REG, top)])
        return [("addi", LOOP_REG, 0, self.r.randrange(1, 5)), ("@", top), *body,
                ("@", cont), ("addi", LOOP_REG, LOOP_REG, -1), close]

    @property
    def straight(self):
        return [self.b_alu_rr, self.b_alu_ri, self.b_shift_imm, self.b_upper, self.b_li,
                self.b_muldiv, self.b_load, self.b_store, self.b_csr]

    def blocks(self, n_instr: int) -> list[list[tuple]]:
        kinds = [(self.b_alu_rr, 14), (self.b_alu_ri, 10), (self.b_shift_imm, 5),
                 (self.b_upper, 3), (self.b_li, 4), (self.b_muldiv, 12), (self.b_load, 10),
                 (self.b_store, 9), (self.b_csr, 3), (self.b_fence, 1), (self.b_console, 1),
                 (self.b_branch, 8), (self.b_jal, 3), (self.b_jalr, 3), (self.b_loop, 3)]
        funcs, weights = zip(*kinds, strict=True)
        out, count = [], 0
        while count < n_instr:
            block = self.r.choices(funcs, weights)[0]()
            out.append(block)
            count += sum(1 for ins in block if ins[0] != "@")
        return out


def _prologue(g: _Gen, layout: Layout) -> list[tuple]:
    out = []
    # Fill the far areas (their memories are not loaded from the ELF) with a pattern that
    # depends on the seed: x7 <- 5 * x7 + 1 per word.
    for i, (_, area) in enumerate(layout.far):
        top = f"fill{i}"
        out += _li(5, area) + [("addi", 6, 0, FAR_SIZE // 4)] + _li(7, g.value())
        out += [("@", top), ("sw", 7, 5, 0), ("slli", 8, 7, 2), ("add", 7, 7, 8),
                ("addi", 7, 7, 1), ("addi", 5, 5, 4), ("addi", 6, 6, -1), ("bne", 6, 0, top)]
    for reg in WRITABLE:
        out += _li(reg, g.value())
    out += _li(BASE_REG, layout.region_base + REGION_SIZE // 2)
    out += [("addi", LOOP_REG, 0, 0)]
    out += _li(5, g.value()) + [("csrrw", 0, "mscratch", 5)] + _li(5, g.value())
    return out


def _epilogue(layout: Layout) -> list[tuple]:
    sig = -REGION_SIZE // 2  # signature offset from x3
    out = [("sw", reg, BASE_REG, sig + 4 * reg) for reg in range(1, 32)]
    out += [("csrrs", 5, "mscratch", 0), ("sw", 5, BASE_REG, sig)]
    # Copy the far areas into main memory, where the harness can dump them (x5-x8 are saved).
    out += _li(6, layout.copy_base)
    for i, (_, area) in enumerate(layout.far):
        top = f"copy{i}"
        out += _li(5, area) + [("addi", 7, 0, FAR_SIZE // 4), ("@", top), ("lw", 8, 5, 0),
                               ("sw", 8, 6, 0), ("addi", 5, 5, 4), ("addi", 6, 6, 4),
                               ("addi", 7, 7, -1), ("bne", 7, 0, top)]
    out += _li(5, layout.tohost) + [("addi", 6, 0, 1), ("sw", 6, 5, 0), ("@", "halt"),
                                    ("jal", 0, "halt")]
    return out


def generate(seed: int, n_instr: int = 200, layout: Layout | None = None) -> Program:
    """Generate the program of ``seed`` with about ``n_instr`` body instructions.

    Parameters
    ----------
    seed : int
        Everything (instructions, initial registers and data) follows from it.
    n_instr : int
        Static body size; the dynamic count is larger (loops) or smaller (skips).
    layout : Layout, optional
        Defaults to the ``default`` config's.
    """
    if layout is None:
        from ..spec.config import load_config
        layout = Layout.from_config(load_config("default"))
    g = _Gen(seed, layout)
    items = [("@", "_body")] + _prologue(g, layout)
    blocks = g.blocks(n_instr)
    starts = []
    for i, block in enumerate(blocks):
        starts.append(f"B{i}")
        items.append(("@", f"B{i}"))
        for ins in block:
            items.append(tuple(_Ref(i, a) if isinstance(a, _Fwd) else a for a in ins))
    items += [("@", "end")] + _epilogue(layout)

    instrs, labels = [], {}
    for ins in items:
        if ins[0] == "@":
            labels[ins[1]] = len(instrs)
        else:
            instrs.append(ins)

    def target(ref: _Ref) -> str:
        j = ref.block + ref.fwd.k
        return starts[j] if j < len(starts) else "end"

    for n, ins in enumerate(instrs):
        for a in ins:
            if isinstance(a, _Ref):
                if a.fwd.auipc is None:
                    value = target(a)
                else:  # the addi of an auipc/addi/jalr triple: a byte offset
                    value = 4 * (labels[target(a)] - labels[a.fwd.auipc]) + a.fwd.adjust
                instrs[n] = tuple(value if x is a else x for x in ins)
    del labels["_body"]
    data = random.Random(seed ^ 0x5EED).randbytes(REGION_SIZE)
    data = bytes(SIG_SIZE) + data[SIG_SIZE:]
    prog = Program(seed, layout, instrs, labels, data,
                   body_instrs=sum(sum(1 for i in b if i[0] != "@") for b in blocks))
    if len(prog.code()) > layout.max_code:
        raise ValueError(f"program of {len(prog.code())} bytes does not fit below the data "
                         f"region ({layout.max_code} bytes): lower n_instr")
    return prog


class _Ref:
    def __init__(self, block: int, fwd: _Fwd):
        self.block, self.fwd = block, fwd


def generate_program(seed: int, n_instr: int = 200, layout: Layout | None = None) -> str:
    """The assembly text of :func:`generate` (``seed``, ``n_instr``)."""
    return generate(seed, n_instr, layout).asm()
