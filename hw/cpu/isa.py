"""RV32IM + Zicsr + Zifencei encodings, CSR addresses and trap causes used by the core.

Only the constants live here, so the decoder, the CSR file and the tests agree on one spelling.
"""

from amaranth.lib import enum

__all__ = [
    "Opcode", "Funct3", "AluOp", "ResultSel", "ASel", "Csr", "Cause", "Interrupt",
    "MISA_VALUE", "MSTATUS_MIE", "MSTATUS_MPIE", "MSTATUS_MPP",
]


class Opcode(enum.Enum, shape=5):
    """Major opcode, ``insn[6:2]`` (the low two bits are always ``0b11`` without C)."""

    LOAD = 0b00000
    MISC_MEM = 0b00011
    OP_IMM = 0b00100
    AUIPC = 0b00101
    STORE = 0b01000
    OP = 0b01100
    LUI = 0b01101
    BRANCH = 0b11000
    JALR = 0b11001
    JAL = 0b11011
    SYSTEM = 0b11100


class Funct3:
    """``funct3`` values, grouped by instruction class."""

    # Branches.
    BEQ, BNE, BLT, BGE, BLTU, BGEU = 0b000, 0b001, 0b100, 0b101, 0b110, 0b111
    # Loads and stores: the low two bits are log2 of the size, bit 2 is "unsigned".
    B, H, W, BU, HU = 0b000, 0b001, 0b010, 0b100, 0b101
    # OP / OP-IMM.
    ADD, SLL, SLT, SLTU, XOR, SR, OR, AND = range(8)
    # M extension (OP with funct7 = 1).
    MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU = range(8)
    # SYSTEM.
    PRIV, CSRRW, CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI = 0, 1, 2, 3, 5, 6, 7
    # MISC-MEM.
    FENCE, FENCE_I = 0b000, 0b001


class AluOp(enum.Enum, shape=3):
    """Operation of :class:`~hetsoc.hw.cpu.alu.Alu`."""

    ADD = 0
    SUB = 1
    SLT = 2
    SLTU = 3
    XOR = 4
    OR = 5
    AND = 6


class ResultSel(enum.Enum, shape=3):
    """Which unit produces an instruction's ``rd`` value."""

    ALU = 0
    SHIFT = 1
    LINK = 2   # pc + 4, for jal / jalr
    CSR = 3
    DIV = 4
    MUL = 5    # finished in the memory stage
    LOAD = 6   # finished in the memory stage


class ASel(enum.Enum, shape=2):
    """First ALU operand: ``rs1``, the pc (auipc) or zero (lui)."""

    RS1 = 0
    PC = 1
    ZERO = 2


class Csr:
    """Addresses of the implemented CSRs."""

    MSTATUS = 0x300
    MISA = 0x301
    MIE = 0x304
    MTVEC = 0x305
    MCOUNTINHIBIT = 0x320
    MSCRATCH = 0x340
    MEPC = 0x341
    MCAUSE = 0x342
    MTVAL = 0x343
    MIP = 0x344
    MCYCLE = 0xB00
    MINSTRET = 0xB02
    MCYCLEH = 0xB80
    MINSTRETH = 0xB82
    CYCLE = 0xC00
    TIME = 0xC01
    INSTRET = 0xC02
    CYCLEH = 0xC80
    TIMEH = 0xC81
    INSTRETH = 0xC82
    MVENDORID = 0xF11
    MARCHID = 0xF12
    MIMPID = 0xF13
    MHARTID = 0xF14


class Cause:
    """Synchronous exception codes (``mcause`` with the interrupt bit clear)."""

    FETCH_MISALIGNED = 0
    FETCH_FAULT = 1
    ILLEGAL = 2
    BREAKPOINT = 3
    LOAD_MISALIGNED = 4
    LOAD_FAULT = 5
    STORE_MISALIGNED = 6
    STORE_FAULT = 7
    ECALL_M = 11


class Interrupt:
    """Interrupt codes: bit positions in ``mip`` / ``mie`` and ``mcause`` with bit 31 set."""

    SOFTWARE = 3
    TIMER = 7
    EXTERNAL = 11


MISA_VALUE = 0x40001100  # MXL = 1 (32-bit), extensions I and M
MSTATUS_MIE = 3
MSTATUS_MPIE = 7
MSTATUS_MPP = 11  # two bits, hardwired to 3 (machine mode only)
