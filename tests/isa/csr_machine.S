# Machine-mode CSR details that a reference emulator does not model exactly (so these run on
# the RTL only): exact minstret counting, mcycle progress, the 64-bit counters' high halves,
# the read-only ID registers, mstatus.MPP of an M-only hart, mepc's alignment bits.
#include "test_macros.h"

TEST_BEGIN
    # mcycle counts up.
test_1:
    li TESTNUM, 1
    csrr a1, mcycle
    nop
    csrr a2, mcycle
    bgeu a1, a2, fail

    # minstret counts retired instructions exactly.
test_2:
    li TESTNUM, 2
    csrr a1, minstret
    nop
    nop
    nop
    csrr a2, minstret
    sub a4, a2, a1        # the first csrr and three nops retired in between
    CHECK(a4, 4)

    # Taken branches, loads, stores, multiplies and divides retire once each.
test_3:
    li TESTNUM, 3
    la a3, scratch
    csrr a1, minstret
    beq x0, x0, 1f        # 1
1:  lw a5, 0(a3)          # 2
    sw a5, 4(a3)          # 3
    mul a5, a5, a5        # 4
    div a5, a5, a1        # 5
    jal x0, 1f            # 6
1:  csrr a2, minstret     # the first csrr + 6
    sub a4, a2, a1
    CHECK(a4, 7)

    # The high halves of the 64-bit counters exist and read 0 this early.
    TEST_CASE(4, a4, 0, csrr a4, mcycleh)
    TEST_CASE(5, a4, 0, csrr a4, minstreth)

    # mcycle and minstret are writable in M-mode.
test_6:
    li TESTNUM, 6
    li a1, 0x10000
    csrw minstret, a1
    csrr a2, minstret
    sub a4, a2, a1
    sltiu a4, a4, 4       # within a few instructions of the written value
    CHECK(a4, 1)

    # The ID registers read; hart 0 must exist.
    TEST_CASE(7, a4, 0, csrr a4, mhartid)
    TEST_CASE(8, a4, 0, csrr a1, marchid; csrr a2, mimpid; csrr a3, mvendorid; li a4, 0)

    # An M-only hart keeps mstatus.MPP at 3.
    TEST_CASE(9, a4, 0x1800, csrr a1, mstatus; li a2, 0x1800; and a4, a1, a2)
    TEST_CASE(10, a4, 0x1800, li a1, 0x1800; csrc mstatus, a1; csrr a1, mstatus; li a2, 0x1800;
              and a4, a1, a2)

    # With 32-bit instructions only, mepc[1:0] read as zero.
    TEST_CASE(11, a4, 0x100, li a1, 0x103; csrw mepc, a1; csrr a4, mepc)

    j pass

    .data
    .balign 4
scratch:
    .word 3, 0
TEST_END
