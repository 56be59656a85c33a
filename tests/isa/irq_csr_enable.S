# A pending timer interrupt must be taken right after the CSR write that enables it, before the
# next instruction (privileged spec, "Machine Interrupt Registers": the interrupt conditions
# "must also be evaluated immediately following ... an explicit write to a CSR on which these
# interrupt trap conditions expressly depend"). Software relies on it to open a one-instruction
# interrupt window: `csrsi mstatus, MIE; csrci mstatus, MIE`.
#include "test_macros.h"

#define ARM_TIMER(delta)                                                      \
    li t3, TIMER_REG(MTIMECMP_HI); li t4, -1; sw t4, 0(t3);                   \
    li t3, TIMER_REG(MTIME_LO); lw t4, 0(t3); addi t4, t4, delta;             \
    li t3, TIMER_REG(MTIMECMP_LO); sw t4, 0(t3);                              \
    li t3, TIMER_REG(MTIMECMP_HI); sw x0, 0(t3);
#define WAIT_MTIP                                                             \
    li t5, 100000;                                                            \
1:  csrr t6, mip; andi t6, t6, MIP_MTIP; bnez t6, 2f;                         \
    addi t5, t5, -1; bnez t5, 1b; j fail; 2:

TEST_BEGIN
    la t0, irq_handler
    csrw mtvec, t0
    li s8, 0
    li a1, MIE_MTIE
    csrw mie, a1

    # 1. Enabled by mstatus.MIE.
test_1:
    li TESTNUM, 1
    ARM_TIMER(50)
    WAIT_MTIP
    csrsi mstatus, MSTATUS_MIE
3:  csrci mstatus, MSTATUS_MIE
    CHECK(s8, 1)
    la a2, 3b
    bne s9, a2, fail_epc

    # 2. Enabled by mie.MTIE (mstatus.MIE already set).
test_2:
    li TESTNUM, 2
    li s8, 0
    csrw mie, x0
    csrsi mstatus, MSTATUS_MIE
    ARM_TIMER(50)
    WAIT_MTIP
    li a1, MIE_MTIE
    csrs mie, a1
3:  csrci mstatus, MSTATUS_MIE
    CHECK(s8, 1)
    la a2, 3b
    bne s9, a2, fail_epc

    j pass

    .balign 4
irq_handler:
    csrr t3, mcause
    li t4, CAUSE_TIMER
    bne t3, t4, fail_cause
    csrr s9, mepc
    addi s8, s8, 1
    li t3, TIMER_REG(MTIMECMP_HI)
    li t4, -1
    sw t4, 0(t3)
    mret
TEST_END
