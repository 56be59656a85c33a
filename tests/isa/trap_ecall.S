# ecall and ebreak: mcause, mepc, mtval; trap entry saves MIE in MPIE and clears MIE; mret
# returns to mepc; the instruction after the trapping one is not executed before the handler.
#include "test_macros.h"

TEST_BEGIN
    USE_TRAP_CHECK
    TEST_TRAP(1, 11, 0, ecall)
    # ebreak: mtval is its pc (the contract), which TEST_TRAP cannot know up front.
test_3:
    li TESTNUM, 3
    TRAP_EXPECT(3, 1f, 0, 2f)
    mv s4, s3
1:  ebreak
    j fail_notrap
2:  li t6, 1
    bne s6, t6, fail_count

    # Trap entry: MPIE <- MIE, MIE <- 0; mret: MIE <- MPIE. No interrupt is enabled in mie, so
    # setting MIE is safe.
test_4:
    li TESTNUM, 4
    la t0, 3f
    csrw mtvec, t0
    csrw mie, x0
    csrsi mstatus, MSTATUS_MIE
    li a1, 0
1:  ecall
    addi a1, a1, 1        # runs once, after the handler returns
    j 4f
    .balign 4
3:  csrr a2, mstatus      # handler
    andi a3, a2, MSTATUS_MIE
    bnez a3, fail         # MIE cleared
    andi a3, a2, MSTATUS_MPIE
    beqz a3, fail         # MPIE holds the old MIE
    bnez a1, fail         # the instruction after ecall has not run
    csrr a2, mepc
    la a3, 1b
    bne a2, a3, fail_epc
    addi a2, a2, 4
    csrw mepc, a2
    mret
4:  CHECK(a1, 1)
    csrr a2, mstatus
    andi a3, a2, MSTATUS_MIE
    beqz a3, fail         # MIE restored from MPIE
    csrci mstatus, MSTATUS_MIE

    # A trap with MIE clear leaves MPIE clear.
test_5:
    li TESTNUM, 5
    la t0, 3f
    csrw mtvec, t0
1:  ecall
    j 4f
    .balign 4
3:  csrr a2, mstatus
    andi a3, a2, MSTATUS_MPIE | MSTATUS_MIE
    bnez a3, fail
    csrr a2, mepc
    addi a2, a2, 4
    csrw mepc, a2
    mret
4:
    # Back-to-back traps: ecall in the instruction right after mret.
test_6:
    li TESTNUM, 6
    la t0, 3f
    csrw mtvec, t0
    li a1, 0
1:  ecall
2:  ecall
    j 4f
    .balign 4
3:  addi a1, a1, 1
    csrr a2, mepc
    addi a2, a2, 4
    csrw mepc, a2
    mret
4:  CHECK(a1, 2)
    USE_TRAP_CHECK

    # An ecall in the shadow of a taken branch must not trap.
test_7:
    li TESTNUM, 7
    li s6, 0
    j 1f
    ecall
1:  bnez s6, fail_count

    j pass
TEST_END
