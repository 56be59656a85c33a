"""Reference models: the RV32IM arithmetic in Python, a small ISS, and a unicorn runner.

Unicorn (QEMU's RISC-V) is the main reference of the differential test, but a reference has to
be checked too: :func:`alu` writes the spec's arithmetic out plainly (the M extension's corner
cases: division by zero, ``INT_MIN / -1``, the signed-unsigned high product), and :class:`Iss`
executes generated programs with it, so unicorn can be voted against.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from .generator import Program

__all__ = ["Image", "Iss", "UnicornError", "alu", "load_image", "run_iss", "run_unicorn"]

MASK = 0xFFFFFFFF


def _s(x: int) -> int:
    x &= MASK
    return x - (1 << 32) if x >> 31 else x


def alu(op: str, a: int, b: int) -> int:
    """Result of register-register (or register-immediate) operation ``op`` on 32-bit values."""
    a &= MASK
    b &= MASK
    sa, sb = _s(a), _s(b)
    match op:
        case "add" | "addi":
            r = a + b
        case "sub":
            r = a - b
        case "sll" | "slli":
            r = a << (b & 31)
        case "slt" | "slti":
            r = int(sa < sb)
        case "sltu" | "sltiu":
            r = int(a < b)
        case "xor" | "xori":
            r = a ^ b
        case "srl" | "srli":
            r = a >> (b & 31)
        case "sra" | "srai":
            r = sa >> (b & 31)
        case "or" | "ori":
            r = a | b
        case "and" | "andi":
            r = a & b
        case "mul":
            r = a * b
        case "mulh":
            r = (sa * sb) >> 32
        case "mulhsu":
            r = (sa * b) >> 32
        case "mulhu":
            r = (a * b) >> 32
        case "div":
            # Division by zero gives -1; INT_MIN / -1 overflows to INT_MIN. Both fall out of
            # truncating division except the zero case.
            r = -1 if b == 0 else abs(sa) // abs(sb) * (1 if (sa < 0) == (sb < 0) else -1)
        case "divu":
            r = MASK if b == 0 else a // b
        case "rem":
            r = sa if b == 0 else sa - sb * (abs(sa) // abs(sb)
                                               * (1 if (sa < 0) == (sb < 0) else -1))
        case "remu":
            r = a if b == 0 else a % b
        case _:
            raise ValueError(f"not an ALU operation: {op}")
    return r & MASK


@dataclass
class Image:
    """What a runner needs from a program: loadable chunks, entry and the tohost address."""

    segments: list[tuple[int, bytes]]
    entry: int
    tohost: int


def load_image(prog) -> Image:
    """An :class:`Image` from a :class:`Program`, ELF bytes or an ELF file path."""
    if isinstance(prog, Program):
        return Image([(a, d) for _, a, d in prog.segments()], prog.layout.code_base,
                     prog.layout.tohost)
    from elftools.elf.elffile import ELFFile

    data = Path(prog).read_bytes() if isinstance(prog, (str, Path)) else bytes(prog)
    elf = ELFFile(io.BytesIO(data))
    segs = [(s["p_paddr"], s.data() + bytes(s["p_memsz"] - s["p_filesz"]))
            for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
    syms = elf.get_section_by_name(".symtab").get_symbol_by_name("tohost")
    if not syms:
        raise ValueError("the ELF has no tohost symbol")
    return Image(segs, elf["e_entry"], syms[0]["st_value"])


class UnicornError(RuntimeError):
    """Unicorn stopped somewhere other than at the tohost write."""


def _main_memory(config):
    if config is None:
        from ..config import load_config
        config = load_config("default")
    return config.main_memory


def run_unicorn(prog, dump: tuple[int, int] | None = None, config=None,
                max_instr: int = 2_000_000) -> tuple[list[int], bytes, int]:
    """Run a program on unicorn until it writes ``tohost``.

    Parameters
    ----------
    prog : Program, bytes or path
        A generated program or an ELF with a ``tohost`` symbol.
    dump : (addr, size), optional
        Memory to return; defaults to the generated program's signature and data region.
    config : SocConfig, optional
        Sizes the main memory (``default`` config if omitted).
    max_instr : int
        Instruction budget; running out raises :class:`UnicornError`.

    Returns
    -------
    regs : list of int
        x0..x31 at the tohost write.
    memory : bytes
        The ``dump`` region.
    tohost : int
        The value written to tohost.
    """
    from unicorn import UC_ARCH_RISCV, UC_HOOK_MEM_WRITE, UC_MODE_RISCV32, Uc, UcError
    from unicorn import riscv_const as rc

    img = load_image(prog)
    if dump is None:
        dump = prog.layout.dump if isinstance(prog, Program) else (img.tohost, 8)
    main = _main_memory(config)
    uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV32)
    uc.mem_map(main.base, main.size)
    for addr, data in img.segments:
        uc.mem_write(addr, data)
    written = []

    def on_write(uc, access, addr, size, value, user):
        if img.tohost <= addr < img.tohost + 4:
            written.append(value & MASK)
            uc.emu_stop()

    uc.hook_add(UC_HOOK_MEM_WRITE, on_write)
    try:
        uc.emu_start(img.entry, 0, count=max_instr)
    except UcError as e:
        pc = uc.reg_read(rc.UC_RISCV_REG_PC)
        raise UnicornError(f"unicorn stopped at pc {pc:#010x}: {e}") from None
    if not written:
        pc = uc.reg_read(rc.UC_RISCV_REG_PC)
        raise UnicornError(f"no tohost write within {max_instr} instructions (pc {pc:#010x})")
    regs = [0] + [uc.reg_read(rc.UC_RISCV_REG_X1 + i) for i in range(31)]
    return regs, bytes(uc.mem_read(*dump)), written[0]


class Iss:
    """A plain RV32IM interpreter for generated (trap-free) programs.

    Parameters
    ----------
    image : Image
        What to load.
    base, size : int
        The main memory window; anything outside it is an error, as are traps.
    """

    def __init__(self, image: Image, base: int, size: int):
        self.mem = bytearray(size)
        self.base = base
        for addr, data in image.segments:
            self.mem[addr - base:addr - base + len(data)] = data
        self.pc, self.x, self.mscratch = image.entry, [0] * 32, 0
        self.tohost, self.instret = image.tohost, 0

    def _load(self, addr: int, n: int, signed: bool) -> int:
        off = addr - self.base
        if addr % n or not 0 <= off <= len(self.mem) - n:
            raise RuntimeError(f"bad load at {addr:#x} (pc {self.pc:#x})")
        v = int.from_bytes(self.mem[off:off + n], "little", signed=signed)
        return v & MASK

    def _store(self, addr: int, n: int, v: int):
        off = addr - self.base
        if addr % n or not 0 <= off <= len(self.mem) - n:
            raise RuntimeError(f"bad store at {addr:#x} (pc {self.pc:#x})")
        self.mem[off:off + n] = (v & ((1 << 8 * n) - 1)).to_bytes(n, "little")

    def run(self, max_instr: int = 2_000_000) -> int:
        """Execute until the tohost write; return its value."""
        x = self.x
        for _ in range(max_instr):
            pc = self.pc
            w = self._load(pc, 4, False)
            opc, rd, f3 = w & 0x7F, w >> 7 & 31, w >> 12 & 7
            rs1, rs2, f7 = x[w >> 15 & 31], x[w >> 20 & 31], w >> 25
            imm_i = _s(w) >> 20
            nxt, val = pc + 4, None
            if opc == 0x37:
                val = w & 0xFFFFF000
            elif opc == 0x17:
                val = pc + (w & 0xFFFFF000)
            elif opc == 0x6F:
                off = (_s(w) >> 11 & ~0xFFFFF | (w & 0xFF000) | (w >> 9 & 0x800)
                       | (w >> 20 & 0x7FE))
                val, nxt = pc + 4, pc + off
            elif opc == 0x67:
                val, nxt = pc + 4, (rs1 + imm_i) & ~1
            elif opc == 0x63:
                off = (_s(w) >> 19 & ~0xFFF | (w << 4 & 0x800) | (w >> 20 & 0x7E0)
                       | (w >> 7 & 0x1E))
                take = {0: rs1 == rs2, 1: rs1 != rs2, 4: _s(rs1) < _s(rs2),
                        5: _s(rs1) >= _s(rs2), 6: rs1 < rs2, 7: rs1 >= rs2}[f3]
                nxt = pc + off if take else nxt
            elif opc == 0x03:
                n, signed = {0: (1, True), 1: (2, True), 2: (4, False), 4: (1, False),
                             5: (2, False)}[f3]
                val = self._load((rs1 + imm_i) & MASK, n, signed)
            elif opc == 0x23:
                addr = (rs1 + (_s(w) >> 25 << 5 | (w >> 7 & 31))) & MASK
                self._store(addr, 1 << f3, rs2)
                if addr == self.tohost:
                    self.instret += 1
                    return rs2
            elif opc == 0x13:
                name = ["addi", "slli", "slti", "sltiu", "xori", "srli", "ori", "andi"][f3]
                if f3 == 5 and f7 == 0x20:
                    name = "srai"
                val = alu(name, rs1, imm_i)
            elif opc == 0x33:
                names = (["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
                         if f7 == 1 else
                         ["add", "sll", "slt", "sltu", "xor", "srl", "or", "and"])
                name = names[f3]
                if f7 == 0x20:
                    name = {"add": "sub", "srl": "sra"}[name]
                val = alu(name, rs1, rs2)
            elif opc == 0x0F:
                pass
            elif opc == 0x73 and f3 and (w >> 20) == 0x340:
                src = (w >> 15 & 31) if f3 >= 5 else rs1
                old = self.mscratch
                self.mscratch = [None, src, old | src, old & ~src][f3 & 3] & MASK
                val = old
            else:
                raise RuntimeError(f"ISS: unsupported instruction {w:#010x} at {pc:#x}")
            if val is not None and rd:
                x[rd] = val & MASK
            self.pc = nxt & MASK
            self.instret += 1
        raise RuntimeError(f"ISS: no tohost write within {max_instr} instructions")


def run_iss(prog, dump: tuple[int, int] | None = None, config=None,
            max_instr: int = 2_000_000) -> tuple[list[int], bytes, int]:
    """Like :func:`run_unicorn`, on :class:`Iss`."""
    img = load_image(prog)
    if dump is None:
        dump = prog.layout.dump if isinstance(prog, Program) else (img.tohost, 8)
    main = _main_memory(config)
    iss = Iss(img, main.base, main.size)
    value = iss.run(max_instr)
    off = dump[0] - main.base
    return list(iss.x), bytes(iss.mem[off:off + dump[1]]), value

