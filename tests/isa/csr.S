# The six CSR instructions on mscratch (old value returned, set/clear masks, the x0 and
# uimm=0 forms that do not write), CSR read-after-write, and read/write of the trap CSRs;
# fence and fence.i execute as ordinary instructions.
#include "test_macros.h"

TEST_BEGIN
    TEST_CASE(1, a4, 0x12345678, li a1, 0x12345678; csrw mscratch, a1; csrr a4, mscratch)
    TEST_CASE(2, a4, 0x12345678, li a1, 0xcafe; csrrw a4, mscratch, a1)   # returns the old
    TEST_CASE(3, a4, 0xcafe, csrr a4, mscratch)
    TEST_CASE(4, a4, 0xcafe, li a1, 0x0f0f0000; csrrs a4, mscratch, a1)
    TEST_CASE(5, a4, 0x0f0fcafe, csrr a4, mscratch)
    TEST_CASE(6, a4, 0x0f0fcafe, li a1, 0x0f00000e; csrrc a4, mscratch, a1)
    TEST_CASE(7, a4, 0x000fcaf0, csrr a4, mscratch)
    TEST_CASE(8, a4, 0x000fcaf0, csrrwi a4, mscratch, 31)
    TEST_CASE(9, a4, 0x0000001f, csrr a4, mscratch)
    TEST_CASE(10, a4, 0x0000001f, csrrci a4, mscratch, 5)
    TEST_CASE(11, a4, 0x0000001a, csrrsi a4, mscratch, 0x4)
    TEST_CASE(12, a4, 0x0000001e, csrr a4, mscratch)
    # Set/clear with x0 or uimm 0 read without writing.
    TEST_CASE(13, a4, 0x0000001e, csrrs a4, mscratch, x0; csrrc a5, mscratch, x0;
              csrrsi a5, mscratch, 0; csrrci a5, mscratch, 0; csrr a4, mscratch)
    # rd = x0: the write happens, x0 stays zero.
    TEST_CASE(14, a4, 0x00000abc, li a1, 0xabc; csrrw x0, mscratch, a1; csrr a4, mscratch)
    TEST_CASE(15, a4, 0, csrrw x0, mscratch, x0; add a4, x0, x0)
    TEST_CASE(16, a4, 0x00000000, csrr a4, mscratch)
    # rd = rs1: the old value goes to rd, the register's old value is written.
    TEST_CASE(17, a1, 0x00000000, li a1, 0x55; csrrw a1, mscratch, a1)
    TEST_CASE(18, a4, 0x00000055, csrr a4, mscratch)
    # Back to back: the write of one CSR instruction is seen by the next.
    TEST_CASE(19, a4, 0x00000077, li a1, 0x77; csrw mscratch, a1; csrr a4, mscratch)
    TEST_CASE(20, a4, 0x000000ff, li a1, 0x88; csrs mscratch, a1; csrr a4, mscratch)
    TEST_CASE(21, a4, 0x000001ff, li a1, 0x100; csrrs a2, mscratch, a1; csrrs a4, mscratch, x0)
    # The value written from a just-computed register (bypass into the CSR unit).
    TEST_CASE(22, a4, 0x00000003, li a1, 1; addi a1, a1, 2; csrw mscratch, a1; csrr a4, mscratch)
    TEST_CASE(23, a4, 0x00000004, csrr a1, mscratch; addi a4, a1, 1)

    # The trap CSRs hold what is written (mtvec direct mode, mepc aligned values).
    TEST_CASE(30, a4, HETSOC_RESET_VECTOR + 0x100, li a1, HETSOC_RESET_VECTOR + 0x100; csrw mepc, a1; csrr a4, mepc)
    TEST_CASE(31, a4, 0x0000000b, li a1, 11; csrw mcause, a1; csrr a4, mcause)
    TEST_CASE(32, a4, 0x12345678, li a1, 0x12345678; csrw mtval, a1; csrr a4, mtval)
    TEST_CASE(33, a4, 0x00000000, csrr t0, mtvec; la a1, 1f; csrw mtvec, a1; csrr a4, mtvec;
              csrw mtvec, t0; sub a4, a4, a1; 1:)
    TEST_CASE(34, a4, MIE_MTIE, li a1, MIE_MTIE; csrw mie, a1; csrr a4, mie; csrw mie, x0)
    TEST_CASE(35, a4, MSTATUS_MIE, csrsi mstatus, MSTATUS_MIE; csrr a4, mstatus;
              andi a4, a4, MSTATUS_MIE; csrci mstatus, MSTATUS_MIE)
    TEST_CASE(36, a4, 0, csrr a4, mstatus; andi a4, a4, MSTATUS_MIE)
    TEST_CASE(37, a4, MSTATUS_MPIE, li a1, MSTATUS_MPIE; csrs mstatus, a1; csrr a4, mstatus;
              andi a4, a4, MSTATUS_MPIE)

    # misa: MXL = 1 (RV32) with I and M if implemented (zero is allowed); writes are ignored.
test_40:
    li TESTNUM, 40
    csrr a1, misa
    beqz a1, 1f
    srli a2, a1, 30
    CHECK(a2, 1)
    li a3, (1 << 8) | (1 << 12)
    and a2, a1, a3
    bne a2, a3, fail
1:  csrw misa, x0
    csrr a4, misa
    bne a4, a1, fail

    # mvendorid is readable.
test_41:
    li TESTNUM, 41
    csrr a1, mvendorid
    csrrs a2, mvendorid, x0
    bne a1, a2, fail

    # fence and fence.i are plain instructions here.
test_44:
    li TESTNUM, 44
    li a1, 1
    fence
    fence rw, rw
    fence.i
    addi a1, a1, 1
    CHECK(a1, 2)

    j pass
TEST_END
