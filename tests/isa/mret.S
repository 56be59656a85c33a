# mret: jumps to mepc, sets MIE from MPIE and MPIE to 1; the instruction after it never runs;
# mepc written right before is used. No interrupt is enabled in mie, so MIE = 1 is harmless.
#include "test_macros.h"

TEST_BEGIN
    csrw mie, x0

    # MPIE = 1, MIE = 0 -> MIE = 1, MPIE = 1.
test_1:
    li TESTNUM, 1
    csrci mstatus, MSTATUS_MIE
    li a1, MSTATUS_MPIE
    csrs mstatus, a1
    la a2, 1f
    csrw mepc, a2
    mret
    j fail
1:  csrr a3, mstatus
    andi a4, a3, MSTATUS_MIE | MSTATUS_MPIE
    CHECK(a4, MSTATUS_MIE | MSTATUS_MPIE)

    # MPIE = 0, MIE = 1 -> MIE = 0, MPIE = 1.
test_2:
    li TESTNUM, 2
    li a1, MSTATUS_MPIE
    csrc mstatus, a1
    csrsi mstatus, MSTATUS_MIE
    la a2, 1f
    csrw mepc, a2
    mret
    j fail
1:  csrr a3, mstatus
    andi a4, a3, MSTATUS_MIE | MSTATUS_MPIE
    CHECK(a4, MSTATUS_MPIE)

    # MPIE = 0, MIE = 0 -> MIE = 0, MPIE = 1.
test_3:
    li TESTNUM, 3
    li a1, MSTATUS_MPIE | MSTATUS_MIE
    csrc mstatus, a1
    la a2, 1f
    csrw mepc, a2
    mret
    j fail
1:  csrr a3, mstatus
    andi a4, a3, MSTATUS_MIE | MSTATUS_MPIE
    CHECK(a4, MSTATUS_MPIE)

    # mret goes exactly to mepc (backward too) and skips what follows it.
test_4:
    li TESTNUM, 4
    li a1, 0
    j 2f
1:  addi a1, a1, 1
    j 3f
2:  la a2, 1b
    csrw mepc, a2
    mret
    addi a1, a1, 100
    addi a1, a1, 100
3:  CHECK(a1, 1)

    # mepc computed and written by the instructions right before mret.
test_5:
    li TESTNUM, 5
    la a2, 1f
    addi a2, a2, 8
    csrw mepc, a2
    mret
1:  j fail
    j fail
    csrr a4, mepc         # 1f + 8
    sub a4, a4, a2
    CHECK(a4, 0)

    # A trap handler that returns with mret to the instruction after ecall twice in a row.
test_6:
    li TESTNUM, 6
    la t0, 3f
    csrw mtvec, t0
    li a1, 0
    ecall
    addi a1, a1, 1
    ecall
    addi a1, a1, 1
    j 4f
    .balign 4
3:  csrr t1, mepc
    addi t1, t1, 4
    csrw mepc, t1
    mret
4:  CHECK(a1, 2)
    la t0, unexpected_trap
    csrw mtvec, t0

    j pass
TEST_END
