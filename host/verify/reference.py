"""Reference models: the RV32IM arithmetic in Python and the runners of unicorn and the ISS.

Unicorn (QEMU's RISC-V) is the main reference of the differential test, but a reference has to
be checked too: :func:`alu` writes the spec's arithmetic out plainly (the M extension's corner
cases: division by zero, ``INT_MIN / -1``, the signed-unsigned high product), and
:class:`hetsoc.verify.iss.Iss` executes programs with it, so unicorn can be voted against.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .generator import Program

__all__ = ["Image", "RefResult", "UnicornError", "alu", "check_arith", "console_tx", "data_windows",
           "load_image", "run_iss", "run_unicorn"]

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


class RefResult(NamedTuple):
    """A reference run: registers at the tohost write, the dumped memory (ranges joined), the
    value written to tohost, and the bytes written to the console."""

    regs: list[int]
    memory: bytes
    tohost: int
    console: bytes = b""


def _config(config):
    if config is None:
        from ..spec.config import load_config
        return load_config("default")
    return config


def _ranges(prog, img: Image, dump) -> list[tuple[int, int]]:
    if dump is None:
        return list(prog.layout.dumps) if isinstance(prog, Program) else [(img.tohost, 8)]
    return [dump] if isinstance(dump[0], int) else list(dump)


def data_windows(config) -> list[tuple[int, int]]:
    """Memories a program may load and store: main memory, L2 and L1, as ``(base, size)``."""
    return [(m.base, m.size) for m in (config.main_memory, config.l2, config.l1)]


def console_tx(config) -> int:
    from ..spec.regmap import CONSOLE

    return config.peripheral_base(CONSOLE.index) + CONSOLE.offset("TX")


def run_unicorn(prog, dump=None, config=None, max_instr: int = 2_000_000) -> RefResult:
    """Run a program on unicorn until it writes ``tohost``.

    Parameters
    ----------
    prog : Program, bytes or path
        A generated program or an ELF with a ``tohost`` symbol.
    dump : (addr, size) or list of them, optional
        Memory to return (joined); defaults to the generated program's ``layout.dumps``.
    config : SocConfig, optional
        Places main memory, L2, L1 and the console (``default`` config if omitted).
    max_instr : int
        Instruction budget; running out raises :class:`UnicornError`.
    """
    from unicorn import UC_ARCH_RISCV, UC_HOOK_MEM_WRITE, UC_MODE_RISCV32, Uc, UcError
    from unicorn import riscv_const as rc

    img = load_image(prog)
    ranges = _ranges(prog, img, dump)
    config = _config(config)
    uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV32)
    for base, size in data_windows(config):
        uc.mem_map(base, size)
    tx = console_tx(config)
    uc.mem_map(tx & ~0xFFF, 0x1000)
    for addr, data in img.segments:
        uc.mem_write(addr, data)
    written, console = [], bytearray()

    def on_write(uc, access, addr, size, value, user):
        if img.tohost <= addr < img.tohost + 4:
            written.append(value & MASK)
            uc.emu_stop()
        elif addr == tx:
            console.append(value & 0xFF)

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
    memory = b"".join(bytes(uc.mem_read(a, n)) for a, n in ranges)
    return RefResult(regs, memory, written[0], bytes(console))


def run_iss(prog, dump=None, config=None, max_instr: int = 2_000_000) -> RefResult:
    """Like :func:`run_unicorn`, on :class:`hetsoc.verify.iss.Iss`."""
    from .iss import Iss

    img = load_image(prog)
    ranges = _ranges(prog, img, dump)
    config = _config(config)
    iss = Iss(img, config.main_memory.base, config.main_memory.size,
              extra=data_windows(config)[1:], console=console_tx(config))
    value = iss.run(max_instr)
    memory = b"".join(iss.read(a, n) for a, n in ranges)
    return RefResult(list(iss.x), memory, value, bytes(iss.console))


def check_arith(runner=None, config=None) -> list[str]:
    """Run every ALU and M operation on all pairs of corner operands; compare with :func:`alu`.

    Parameters
    ----------
    runner : callable, optional
        :func:`run_unicorn` (default) or :func:`run_iss`.
    config : SocConfig, optional
        Places the program (``default`` config if omitted).

    Returns
    -------
    list of str
        One line per deviation of the runner from the spec, e.g.
        ``mulhsu(0x80000000, 0xffffffff): got 0x... expected 0x...``; empty if none.
    """
    from .generator import Layout, _li

    config = _config(config)
    layout = Layout.from_config(config)
    ops = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
           "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
    corners = [0, 1, 2, MASK, MASK - 1, 0x80000000, 0x7FFFFFFF, 0x80000001, 31, 0x12345678]
    cases = [(op, a, b) for op in ops for a in corners for b in corners]
    out = []
    for first in range(0, len(cases), 1000):  # the data region holds 1024 results
        chunk = cases[first:first + 1000]
        instrs = _li(3, layout.region_base)
        for i, (op, a, b) in enumerate(chunk):
            # x3 moves on every 256 results to keep the store offsets in range.
            if i and i % 256 == 0:
                instrs.append(("addi", 3, 3, 1024))
            instrs += _li(10, a) + _li(11, b) + [(op, 12, 10, 11), ("sw", 12, 3, 4 * (i % 256))]
        instrs += _li(5, layout.tohost) + [("addi", 6, 0, 1), ("sw", 6, 5, 0), ("jal", 0, "halt")]
        prog = Program(0, layout, instrs, {"halt": len(instrs) - 1}, bytes(4 * len(chunk)))
        if 4 * len(instrs) > layout.max_code:
            raise ValueError("the arithmetic check does not fit this config")
        dump = (layout.region_base, 4 * len(chunk))
        mem = (runner or run_unicorn)(prog, dump=dump, config=config)[1]
        for i, (op, a, b) in enumerate(chunk):
            got, want = int.from_bytes(mem[4 * i:4 * i + 4], "little"), alu(op, a, b)
            if got != want:
                out.append(f"{op}({a:#x}, {b:#x}): got {got:#x} expected {want:#x}")
    return out
