"""A small RV32IM(+Zicsr, Zifencei) encoder and printer for generated programs.

The differential tester produces thousands of programs; running an assembler and a linker for
each would cost more than simulating them, so programs are encoded here directly. The same
instruction list also prints as assembly that the project's toolchain accepts, and
``tests/test_differential.py`` checks that both routes give identical bytes.

An instruction is a tuple ``(mnemonic, *operands)``; registers are integers 0-31, immediates
integers, and branch/jump targets label names (strings) resolved by :func:`encode_program`.
"""

from __future__ import annotations

__all__ = ["CSR_NUMBERS", "encode", "encode_program", "format_instr"]

CSR_NUMBERS = {"mstatus": 0x300, "misa": 0x301, "mie": 0x304, "mtvec": 0x305,
               "mscratch": 0x340, "mepc": 0x341, "mcause": 0x342, "mtval": 0x343,
               "mip": 0x344, "mcycle": 0xB00, "minstret": 0xB02, "mcycleh": 0xB80,
               "minstreth": 0xB82, "mvendorid": 0xF11, "mhartid": 0xF14}

# (opcode, funct3, funct7) per mnemonic, grouped by format.
_R = {"add": (0x33, 0, 0x00), "sub": (0x33, 0, 0x20), "sll": (0x33, 1, 0x00),
      "slt": (0x33, 2, 0x00), "sltu": (0x33, 3, 0x00), "xor": (0x33, 4, 0x00),
      "srl": (0x33, 5, 0x00), "sra": (0x33, 5, 0x20), "or": (0x33, 6, 0x00),
      "and": (0x33, 7, 0x00), "mul": (0x33, 0, 0x01), "mulh": (0x33, 1, 0x01),
      "mulhsu": (0x33, 2, 0x01), "mulhu": (0x33, 3, 0x01), "div": (0x33, 4, 0x01),
      "divu": (0x33, 5, 0x01), "rem": (0x33, 6, 0x01), "remu": (0x33, 7, 0x01)}
_I = {"addi": (0x13, 0), "slti": (0x13, 2), "sltiu": (0x13, 3), "xori": (0x13, 4),
      "ori": (0x13, 6), "andi": (0x13, 7), "jalr": (0x67, 0)}
_SHIFT = {"slli": (1, 0x00), "srli": (5, 0x00), "srai": (5, 0x20)}
_LOAD = {"lb": 0, "lh": 1, "lw": 2, "lbu": 4, "lhu": 5}
_STORE = {"sb": 0, "sh": 1, "sw": 2}
_BRANCH = {"beq": 0, "bne": 1, "blt": 4, "bge": 5, "bltu": 6, "bgeu": 7}
_CSR = {"csrrw": 1, "csrrs": 2, "csrrc": 3, "csrrwi": 5, "csrrsi": 6, "csrrci": 7}
_FIXED = {"fence": 0x0FF0000F, "fence.i": 0x0000100F, "ecall": 0x00000073,
          "ebreak": 0x00100073, "mret": 0x30200073, "wfi": 0x10500073}
_CSR_NAMES = {v: k for k, v in CSR_NUMBERS.items()}


def _check_imm(value: int, bits: int, instr) -> int:
    if not -(1 << (bits - 1)) <= value < 1 << (bits - 1):
        raise ValueError(f"immediate {value} does not fit {bits} signed bits in {instr}")
    return value & ((1 << bits) - 1)


def encode(instr: tuple, pc: int = 0, labels: dict[str, int] | None = None) -> int:
    """Encode one instruction to its 32-bit word.

    Parameters
    ----------
    instr : tuple
        ``(mnemonic, *operands)`` as described in the module docstring.
    pc : int
        Address of the instruction (for branch and jump offsets).
    labels : dict of str to int, optional
        Label addresses for branch and jump targets.
    """
    op, *a = instr
    if op in _FIXED:
        return _FIXED[op]
    if op in _R:
        opc, f3, f7 = _R[op]
        rd, rs1, rs2 = a
        return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc
    if op in _I:
        opc, f3 = _I[op]
        rd, rs1, imm = a
        return _check_imm(imm, 12, instr) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc
    if op in _SHIFT:
        f3, f7 = _SHIFT[op]
        rd, rs1, sh = a
        if not 0 <= sh < 32:
            raise ValueError(f"shift amount out of range in {instr}")
        return f7 << 25 | sh << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x13
    if op in _LOAD:
        rd, rs1, imm = a
        return _check_imm(imm, 12, instr) << 20 | rs1 << 15 | _LOAD[op] << 12 | rd << 7 | 0x03
    if op in _STORE:
        rs2, rs1, imm = a
        imm = _check_imm(imm, 12, instr)
        return ((imm >> 5) << 25 | rs2 << 20 | rs1 << 15 | _STORE[op] << 12
                | (imm & 0x1F) << 7 | 0x23)
    if op in ("lui", "auipc"):
        rd, imm20 = a
        if not 0 <= imm20 < 1 << 20:
            raise ValueError(f"upper immediate out of range in {instr}")
        return imm20 << 12 | rd << 7 | (0x37 if op == "lui" else 0x17)
    if op in _BRANCH:
        rs1, rs2, target = a
        off = _check_imm(_resolve(target, labels) - pc, 13, instr)
        return ((off >> 12 & 1) << 31 | (off >> 5 & 0x3F) << 25 | rs2 << 20 | rs1 << 15
                | _BRANCH[op] << 12 | (off >> 1 & 0xF) << 8 | (off >> 11 & 1) << 7 | 0x63)
    if op == "jal":
        rd, target = a
        off = _check_imm(_resolve(target, labels) - pc, 21, instr)
        return ((off >> 20 & 1) << 31 | (off >> 1 & 0x3FF) << 21 | (off >> 11 & 1) << 20
                | (off >> 12 & 0xFF) << 12 | rd << 7 | 0x6F)
    if op in _CSR:
        rd, csr, src = a
        csr = CSR_NUMBERS.get(csr, csr)
        return csr << 20 | src << 15 | _CSR[op] << 12 | rd << 7 | 0x73
    raise ValueError(f"unknown instruction {instr}")


def _resolve(target, labels) -> int:
    if isinstance(target, int):
        return target
    if labels is None or target not in labels:
        raise ValueError(f"undefined label {target!r}")
    return labels[target]


def encode_program(instrs: list[tuple], labels: dict[str, int], base: int) -> bytes:
    """Encode a list of instructions placed from ``base``; ``labels`` maps names to indices."""
    addrs = {name: base + 4 * index for name, index in labels.items()}
    return b"".join(encode(ins, base + 4 * i, addrs).to_bytes(4, "little")
                    for i, ins in enumerate(instrs))


def format_instr(instr: tuple) -> str:
    """Print one instruction in the assembler's syntax (numeric register names)."""
    op, *a = instr
    if op in _FIXED:
        return op
    if op in _LOAD:
        return f"{op} x{a[0]}, {a[2]}(x{a[1]})"
    if op in _STORE:
        return f"{op} x{a[0]}, {a[2]}(x{a[1]})"
    if op == "jalr":
        return f"jalr x{a[0]}, {a[2]}(x{a[1]})"
    if op in ("lui", "auipc"):
        return f"{op} x{a[0]}, {a[1]:#x}"
    if op == "jal":
        return f"jal x{a[0]}, {a[1]}"
    if op in _BRANCH:
        return f"{op} x{a[0]}, x{a[1]}, {a[2]}"
    if op in _CSR:
        csr = a[1] if isinstance(a[1], str) else _CSR_NAMES.get(a[1], f"{a[1]:#x}")
        src = str(a[2]) if op.endswith("i") else f"x{a[2]}"
        return f"{op} x{a[0]}, {csr}, {src}"
    if op in _R:
        return f"{op} x{a[0]}, x{a[1]}, x{a[2]}"
    return f"{op} x{a[0]}, x{a[1]}, {a[2]}"
