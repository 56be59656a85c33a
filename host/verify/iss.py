"""A plain RV32IM + Zicsr machine-mode instruction-set simulator, written from the spec.

It is a second reference beside unicorn: it executes the generated programs (so unicorn's
results can be voted against) and, unlike unicorn, takes traps through ``mtvec`` exactly as
``docs/contracts.md`` describes, which lets the ISA tests' trap checks be validated before any
RTL runs. It knows the memories and a console register: every other address faults, and there
are no interrupts. Misaligned loads and stores complete inside a memory, as in the core.
"""

from __future__ import annotations

from .reference import MASK, Image, alu

__all__ = ["Iss", "IssTrap"]


def _s(x: int) -> int:
    return x - (1 << 32) if x >> 31 & 1 else x


class IssTrap(Exception):
    """An exception raised by one instruction: ``cause`` and ``tval``."""

    def __init__(self, cause: int, tval: int):
        super().__init__(f"cause {cause} tval {tval:#x}")
        self.cause, self.tval = cause, tval & MASK


# misa: MXL = 1 (RV32), extensions I and M.
_MISA = 1 << 30 | 1 << 8 | 1 << 12
_CSRS = ("mstatus", "misa", "mie", "mtvec", "mscratch", "mepc", "mcause", "mtval", "mip")
_CSR_ADDR = {0x300: "mstatus", 0x301: "misa", 0x304: "mie", 0x305: "mtvec", 0x340: "mscratch",
             0x341: "mepc", 0x342: "mcause", 0x343: "mtval", 0x344: "mip"}
_RO_ZERO = {0xF11, 0xF12, 0xF13, 0xF14}  # mvendorid, marchid, mimpid, mhartid
_OP_IMM = ["addi", "slli", "slti", "sltiu", "xori", "srli", "ori", "andi"]
_OP = ["add", "sll", "slt", "sltu", "xor", "srl", "or", "and"]
_MULDIV = ["mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
_LOADS = {0: (1, True), 1: (2, True), 2: (4, False), 4: (1, False), 5: (2, False)}


class Iss:
    """Execute an :class:`~hetsoc.verify.reference.Image` in a main memory window.

    Parameters
    ----------
    image : Image
        What to load, the entry and the ``tohost`` address.
    base, size : int
        The main memory window, the only one instructions come from.
    extra : list of (base, size)
        Further data windows (L2, L1), zero-filled.
    console : int, optional
        Address whose stores append their low byte to ``self.console``.

    All other addresses raise access faults.
    """

    def __init__(self, image: Image, base: int, size: int, extra=(), console: int | None = None):
        self.mem = bytearray(size)
        self.base = base
        # Data windows (main memory first: the only one instructions are fetched from).
        self.regions = [(base, self.mem)] + [(b, bytearray(n)) for b, n in extra]
        for addr, data in image.segments:
            self.mem[addr - base:addr - base + len(data)] = data
        self.pc, self.x = image.entry, [0] * 32
        self.csr = dict.fromkeys(_CSRS, 0)
        self.csr.update(misa=_MISA, mstatus=0x1800)
        self.tohost, self.instret, self.traps = image.tohost, 0, []
        self.console_addr, self.console = console, bytearray()

    def _find(self, addr: int, n: int, fault: int) -> tuple[bytearray, int]:
        """The window holding ``[addr, addr + n)``. Misaligned accesses complete, as in the
        core; one that crosses a window's end faults with the end as ``mtval`` (the address
        of the part outside), one outside every window with its own address."""
        for base, buf in self.regions:
            if base <= addr < base + len(buf):
                if addr + n > base + len(buf):
                    raise IssTrap(fault, base + len(buf))
                return buf, addr - base
        raise IssTrap(fault, addr)

    def read(self, addr: int, n: int) -> bytes:
        """Bytes ``[addr, addr + n)`` of one data window (no side effects)."""
        buf, off = self._find(addr, n, 5)
        return bytes(buf[off:off + n])

    def load(self, addr: int, n: int, signed: bool = False) -> int:
        buf, off = self._find(addr, n, 5)
        return int.from_bytes(buf[off:off + n], "little", signed=signed) & MASK

    def store(self, addr: int, n: int, value: int):
        if addr == self.console_addr:
            self.console.append(value & 0xFF)
            return
        buf, off = self._find(addr, n, 7)
        buf[off:off + n] = (value & ((1 << 8 * n) - 1)).to_bytes(n, "little")

    def _csr_read(self, num: int, w: int) -> int:
        if num in _CSR_ADDR:
            return self.csr[_CSR_ADDR[num]]
        if num in (0xB00, 0xB02, 0xC00, 0xC02):  # mcycle/minstret: one cycle per instruction
            return self.instret & MASK
        if num in (0xB80, 0xB82, 0xC80, 0xC82):
            return self.instret >> 32
        if num in _RO_ZERO:
            return 0
        raise IssTrap(2, w)

    def _csr_write(self, num: int, value: int, w: int):
        if num >> 10 == 3:
            raise IssTrap(2, w)  # read-only CSR
        if num in (0xB00, 0xB02):
            self.instret = (self.instret & ~MASK | value) - 1  # this instruction retires too
        elif num in (0xB80, 0xB82):
            self.instret = (self.instret & MASK | value << 32) - 1
        elif _CSR_ADDR.get(num) == "mepc":
            self.csr["mepc"] = value & ~3
        elif _CSR_ADDR.get(num) == "mstatus":
            self.csr["mstatus"] = value & 0x88 | 0x1800  # MIE, MPIE; MPP fixed at M
        elif _CSR_ADDR.get(num) == "mtvec":
            self.csr["mtvec"] = value & ~3  # direct mode only
        elif _CSR_ADDR.get(num) in ("mscratch", "mcause", "mtval", "mie"):
            self.csr[_CSR_ADDR[num]] = value
        elif num not in (0x301, 0x344):  # misa and mip ignore writes
            raise IssTrap(2, w)

    def step(self):
        """Execute one instruction (taking a trap if it raises one)."""
        pc = self.pc
        try:
            if pc % 4:
                raise IssTrap(0, pc)
            if not self.base <= pc <= self.base + len(self.mem) - 4:
                raise IssTrap(1, pc)
            w = self.load(pc, 4)
            self.pc = self._execute(pc, w) & MASK
        except IssTrap as t:
            self.traps.append((t.cause, pc, t.tval))
            st = self.csr["mstatus"]
            self.csr.update(mcause=t.cause, mepc=pc & ~3, mtval=t.tval,
                            mstatus=st & ~0x88 | (st & 8) << 4 | 0x1800)
            self.pc = self.csr["mtvec"]
            return
        self.instret += 1

    def _execute(self, pc: int, w: int) -> int:
        x = self.x
        opc, rd, f3 = w & 0x7F, w >> 7 & 31, w >> 12 & 7
        rs1, rs2, f7 = x[w >> 15 & 31], x[w >> 20 & 31], w >> 25
        imm_i = _s(w) >> 20
        nxt, val = pc + 4, None

        def jump(target):
            target &= MASK
            if target % 4:
                raise IssTrap(0, target)
            return target

        if opc == 0x37:
            val = w & 0xFFFFF000
        elif opc == 0x17:
            val = pc + (w & 0xFFFFF000)
        elif opc == 0x6F:
            off = _s(w) >> 11 & ~0xFFFFF | (w & 0xFF000) | (w >> 9 & 0x800) | (w >> 20 & 0x7FE)
            nxt, val = jump(pc + off), pc + 4
        elif opc == 0x67 and f3 == 0:
            nxt, val = jump((rs1 + imm_i) & ~1), pc + 4
        elif opc == 0x63 and f3 not in (2, 3):
            off = _s(w) >> 19 & ~0xFFF | (w << 4 & 0x800) | (w >> 20 & 0x7E0) | (w >> 7 & 0x1E)
            take = {0: rs1 == rs2, 1: rs1 != rs2, 4: _s(rs1) < _s(rs2), 5: _s(rs1) >= _s(rs2),
                    6: rs1 < rs2, 7: rs1 >= rs2}[f3]
            nxt = jump(pc + off) if take else nxt
        elif opc == 0x03 and f3 in _LOADS:
            val = self.load((rs1 + imm_i) & MASK, *_LOADS[f3])
        elif opc == 0x23 and f3 < 3:
            addr = (rs1 + (_s(w) >> 25 << 5 | (w >> 7 & 31))) & MASK
            self.store(addr, 1 << f3, rs2)
        elif opc == 0x13 and (f3 not in (1, 5) or f7 in ((0,) if f3 == 1 else (0, 0x20))):
            name = "srai" if f3 == 5 and f7 == 0x20 else _OP_IMM[f3]
            val = alu(name, rs1, imm_i)
        elif opc == 0x33 and (f7 in (0, 1) or (f7 == 0x20 and f3 in (0, 5))):
            name = _MULDIV[f3] if f7 == 1 else _OP[f3]
            if f7 == 0x20:
                name = {"add": "sub", "srl": "sra"}[name]
            val = alu(name, rs1, rs2)
        elif opc == 0x0F and f3 in (0, 1):
            pass  # fence, fence.i: this model fetches from memory every time
        elif opc == 0x73 and f3 in (1, 2, 3, 5, 6, 7):
            num, src_reg = w >> 20, w >> 15 & 31
            src = src_reg if f3 >= 5 else rs1
            writes = f3 & 3 == 1 or src_reg != 0
            old = self._csr_read(num, w) if (rd or f3 & 3 != 1) else 0
            if writes:
                self._csr_write(num, [0, src, old | src, old & ~src][f3 & 3] & MASK, w)
            val = old
        elif w == 0x00000073:
            raise IssTrap(11, 0)
        elif w == 0x00100073:
            raise IssTrap(3, pc)
        elif w == 0x30200073:  # mret
            st = self.csr["mstatus"]
            self.csr["mstatus"] = st & ~8 | (st >> 4 & 8) | 0x80 | 0x1800
            nxt = self.csr["mepc"]
        elif w == 0x10500073:
            pass  # wfi: no interrupts here, so a nop
        else:
            raise IssTrap(2, w)
        if val is not None and rd:
            x[rd] = val & MASK
        return nxt

    def run(self, max_instr: int = 2_000_000, watch: int | None = None) -> int:
        """Execute until a word store to ``tohost``; return the value written.

        ``watch`` names a register whose largest value is kept in ``self.watched`` (the ISA
        tests' case number, to prove that the last case was reached).
        """
        self.watched = 0
        for _ in range(max_instr):
            if watch is not None:
                self.watched = max(self.watched, self.x[watch])
            pc, ntraps = self.pc, len(self.traps)
            w = self.load(pc, 4) if self.base <= pc < self.base + len(self.mem) - 3 else 0
            is_tohost = (w & 0x707F) == 0x2023 and (
                self.x[w >> 15 & 31] + (_s(w) >> 25 << 5 | (w >> 7 & 31))) & MASK == self.tohost
            value = self.x[w >> 20 & 31]
            self.step()
            if is_tohost and len(self.traps) == ntraps:
                return value
        raise RuntimeError(f"ISS: no tohost write within {max_instr} instructions "
                           f"(pc {self.pc:#x})")
