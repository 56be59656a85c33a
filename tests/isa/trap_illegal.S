# Illegal instructions: mcause 2, mepc = the instruction, mtval = the instruction word.
# Reserved encodings, RV64-only and other-extension encodings, unknown CSRs and writes to
# read-only CSRs; the destination register of a trapping instruction is not written.
#include "test_macros.h"

TEST_BEGIN
    USE_TRAP_CHECK
    TEST_ILLEGAL(1, .word 0x00000000)       # all zeros: defined illegal
    TEST_ILLEGAL(2, .word 0xffffffff)       # all ones
    TEST_ILLEGAL(3, .word 0x0000000b)       # custom-0 opcode
    TEST_ILLEGAL(4, .word 0x0000007f)       # an opcode of a >= 80-bit encoding
    TEST_ILLEGAL(5, .word 0x0000001b)       # OP-IMM-32 (RV64 only)
    TEST_ILLEGAL(6, .word 0x0000003b)       # OP-32 (RV64 only)
    TEST_ILLEGAL(7, .word 0x00003003)       # ld (RV64 only)
    TEST_ILLEGAL(8, .word 0x00006003)       # lwu (RV64 only)
    TEST_ILLEGAL(9, .word 0x00007003)       # load funct3 = 7
    TEST_ILLEGAL(10, .word 0x00003023)      # sd (RV64 only)
    TEST_ILLEGAL(11, .word 0x00004023)      # store funct3 = 4
    TEST_ILLEGAL(12, .word 0x00002063)      # branch funct3 = 2
    TEST_ILLEGAL(13, .word 0x00003063)      # branch funct3 = 3
    TEST_ILLEGAL(14, .word 0x00001067)      # jalr funct3 = 1
    TEST_ILLEGAL(15, .word 0x02001013)      # slli with shamt[5] = 1 (RV32: 5-bit shamt)
    TEST_ILLEGAL(16, .word 0x40001013)      # slli with funct7 = 0x20
    TEST_ILLEGAL(17, .word 0x02005013)      # srli with shamt[5] = 1
    TEST_ILLEGAL(18, .word 0x60005013)      # srai with funct7 = 0x30
    TEST_ILLEGAL(19, .word 0x40001033)      # sll with funct7 = 0x20
    TEST_ILLEGAL(20, .word 0x40002033)      # slt with funct7 = 0x20
    TEST_ILLEGAL(21, .word 0x80000033)      # add with funct7 = 0x40
    TEST_ILLEGAL(22, .word 0x04000033)      # OP funct7 = 2
    TEST_ILLEGAL(23, .word 0x00000053)      # OP-FP (no F extension)
    TEST_ILLEGAL(24, .word 0x00002007)      # flw (no F extension)
    TEST_ILLEGAL(25, .word 0x0000202f)      # AMO (no A extension)
    TEST_ILLEGAL(26, .word 0x0000200f)      # MISC-MEM funct3 = 2
    TEST_ILLEGAL(27, .word 0x00004073)      # SYSTEM funct3 = 4
    TEST_ILLEGAL(28, .word 0x10200073)      # sret (no S-mode)
    TEST_ILLEGAL(29, .word 0x00200073)      # uret (no N extension)

    # CSRs: unknown ones and writes to read-only ones (CSR address bits 11:10 = 3).
    TEST_ILLEGAL(40, csrr a5, satp)                 # no S-mode: no satp
    TEST_ILLEGAL(41, csrr a5, stvec)
    TEST_ILLEGAL(42, csrw mvendorid, a1)
    TEST_ILLEGAL(43, csrrs a5, mvendorid, a1)       # rs1 != x0 means a write, whatever its value
    TEST_ILLEGAL(44, csrrwi x0, mhartid, 0)         # csrrwi always writes
    TEST_ILLEGAL(45, csrrci a5, mvendorid, 1)
    TEST_ILLEGAL(46, csrw cycle, a1)
    TEST_ILLEGAL(47, csrrw a5, cycle, x0)
    TEST_ILLEGAL(48, csrrw x0, 0xfff, a1)           # custom read-only space

    # The destination of a trapping instruction keeps its value.
test_50:
    li TESTNUM, 50
    li a5, 0x1234
    li a1, 0
    TRAP_EXPECT(2, 1f, 0, 2f)
    lw s4, 0(s3)
1:  csrrs a5, mvendorid, a1
    j fail_notrap
2:  CHECK(a5, 0x1234)
test_51:
    li TESTNUM, 51
    TRAP_EXPECT(2, 1f, 0, 2f)
    lw s4, 0(s3)
1:  .word 0x00003783                         # ld a5, 0(x0)
    j fail_notrap
2:  CHECK(a5, 0x1234)
test_52:
    li TESTNUM, 52
    TRAP_EXPECT(2, 1f, 0, 2f)
    lw s4, 0(s3)
1:  .word 0x02c5d7b3 | 0x40000000            # divu with funct7 = 0x21
    j fail_notrap
2:  CHECK(a5, 0x1234)

    # Reads of read-only CSRs are legal (csrrs/csrrc with x0, csrrsi/csrrci with 0).
test_60:
    li TESTNUM, 60
    li s6, 0
    csrrs a5, mvendorid, x0
    csrrc a5, mhartid, x0
    csrrsi a5, mvendorid, 0
    csrrci a5, mvendorid, 0
    bnez s6, fail_count

    j pass
TEST_END
