# Machine timer interrupt (timer peripheral: mip.MTIP = mtime >= mtimecmp): mcause 0x80000007,
# mepc = the next instruction to run, MIE/MPIE handling, masking by mie.MTIE and mstatus.MIE,
# taken when enabled by a CSR write and at once when enabled by mret, wfi wake-up, and precise
# interrupts under a mixed workload (same result with and without interrupts).
# Handler registers: s8 interrupt count, s9 last mepc, s10 resume address (0: mepc),
# s11 re-arm period in cycles (0: disarm); t3/t4 are the handler's scratch.
#include "test_macros.h"

/* mtimecmp = mtime + delta (mtime stays below 2^32 in any simulation). */
#define ARM_TIMER(delta)                                                      \
    li t3, TIMER_REG(MTIMECMP_HI); li t4, -1; sw t4, 0(t3);                   \
    li t3, TIMER_REG(MTIME_LO); lw t4, 0(t3); addi t4, t4, delta;             \
    li t3, TIMER_REG(MTIMECMP_LO); sw t4, 0(t3);                              \
    li t3, TIMER_REG(MTIMECMP_HI); sw x0, 0(t3);
#define DISARM_TIMER                                                          \
    li t3, TIMER_REG(MTIMECMP_HI); li t4, -1; sw t4, 0(t3);

/* Wait (bounded) until mip.MTIP is set. */
#define WAIT_MTIP                                                             \
    li t5, 100000;                                                            \
1:  csrr t6, mip; andi t6, t6, MIP_MTIP; bnez t6, 2f;                         \
    addi t5, t5, -1; bnez t5, 1b; j fail; 2:

/* Wait (bounded) until the handler has run. */
#define WAIT_TAKEN                                                            \
    li t5, 100000;                                                            \
1:  bnez s8, 2f;                                                              \
    addi t5, t5, -1; bnez t5, 1b; j fail_notrap; 2:

TEST_BEGIN
    la t0, irq_handler
    csrw mtvec, t0
    li s8, 0
    li s10, 0
    li s11, 0
    DISARM_TIMER
    li a1, MIE_MTIE
    csrw mie, a1

    # 1. An interrupt arrives while spinning; mepc lies in the loop.
test_1:
    li TESTNUM, 1
    ARM_TIMER(200)
    csrsi mstatus, MSTATUS_MIE
    li a1, 100000
1:  bnez s8, 2f
    addi a1, a1, -1
    bnez a1, 1b
    j fail_notrap
2:  csrci mstatus, MSTATUS_MIE
    CHECK(s8, 1)
    la a2, 1b
    bltu s9, a2, fail_epc
    la a2, 2b
    bgeu s9, a2, fail_epc

    # 2. Masked by mstatus.MIE: MTIP shows in mip, nothing is taken; setting MIE takes it.
    #    (That it must be taken before the next instruction is irq_csr_enable.S's business.)
test_2:
    li TESTNUM, 2
    li s8, 0
    ARM_TIMER(50)
    WAIT_MTIP
    bnez s8, fail_count
    csrsi mstatus, MSTATUS_MIE
3:  WAIT_TAKEN
    csrci mstatus, MSTATUS_MIE
    CHECK(s8, 1)
    la a2, 3b
    bltu s9, a2, fail_epc

    # 3. Masked by mie.MTIE, then enabled by a write to mie.
test_3:
    li TESTNUM, 3
    li s8, 0
    csrw mie, x0
    csrsi mstatus, MSTATUS_MIE
    ARM_TIMER(50)
    WAIT_MTIP
    bnez s8, fail_count
    li a1, MIE_MTIE
    csrs mie, a1
3:  WAIT_TAKEN
    csrci mstatus, MSTATUS_MIE
    CHECK(s8, 1)
    la a2, 3b
    bltu s9, a2, fail_epc

    # 4. mret with MPIE = 1 and the timer pending: taken at the mret target.
test_4:
    li TESTNUM, 4
    li s8, 0
    ARM_TIMER(50)
    WAIT_MTIP
    li a1, MSTATUS_MPIE
    csrs mstatus, a1
    la a2, 3f
    csrw mepc, a2
    mret
    j fail
3:  csrci mstatus, MSTATUS_MIE
    CHECK(s8, 1)
    la a2, 3b
    bne s9, a2, fail_epc

    # 5. wfi with MIE = 0 returns once the timer is pending, and nothing is taken.
test_5:
    li TESTNUM, 5
    li s8, 0
    ARM_TIMER(300)
    wfi
    WAIT_MTIP
    bnez s8, fail_count
    DISARM_TIMER

    # 6. wfi with MIE = 1: the interrupt is taken with mepc = the instruction after wfi.
test_6:
    li TESTNUM, 6
    li s8, 0
    la s10, 4f
    ARM_TIMER(300)
    csrsi mstatus, MSTATUS_MIE
    wfi
3:  j 3b                  # if wfi does not wait, the interrupt arrives here: same mepc
4:  csrci mstatus, MSTATUS_MIE
    CHECK(s8, 1)
    la a2, 3b
    bne s9, a2, fail_epc

    # 7. Precise interrupts: a loop of ALU, M, load/store and branch work gives the same
    #    result without interrupts and with one every ~80 cycles.
test_7:
    li TESTNUM, 7
    li s8, 0
    jal ra, workload
    mv s7, a0
    li s11, 80
    ARM_TIMER(80)
    csrsi mstatus, MSTATUS_MIE
    jal ra, workload
    csrci mstatus, MSTATUS_MIE
    li s11, 0
    DISARM_TIMER
    bne a0, s7, fail
    li a1, 8
    bltu s8, a1, fail_count   # at least a few interrupts really happened

    j pass

    # a0 = checksum of 150 iterations; uses a0-a6 only.
workload:
    li a0, 0x1234
    li a1, 150
    la a2, wdata
1:  mul a3, a1, a1
    add a0, a0, a3
    addi a4, a1, 3
    divu a5, a0, a4
    xor a0, a0, a5
    sw a0, 0(a2)
    lw a6, 4(a2)
    add a0, a0, a6
    sw a0, 4(a2)
    lbu a6, 1(a2)
    sh a6, 8(a2)
    lh a6, 8(a2)
    andi a3, a1, 3
    bnez a3, 2f
    rem a6, a0, a4
    srl a0, a0, a6
    slli a0, a0, 1
    addi a0, a0, 1
2:  addi a1, a1, -1
    bnez a1, 1b
    lw a6, 4(a2)
    add a0, a0, a6
    sw x0, 0(a2)
    sw x0, 4(a2)
    sw x0, 8(a2)
    ret

    .balign 4
irq_handler:
    csrr t3, mcause
    li t4, CAUSE_TIMER
    bne t3, t4, fail_cause
    csrr s9, mepc
    addi s8, s8, 1
    csrr t3, mstatus
    andi t4, t3, MSTATUS_MIE
    bnez t4, fail
    andi t4, t3, MSTATUS_MPIE
    beqz t4, fail
    csrr t3, mip
    andi t3, t3, MIP_MTIP
    beqz t3, fail
    beqz s11, 1f
    li t3, TIMER_REG(MTIME_LO)
    lw t4, 0(t3)
    add t4, t4, s11
    li t3, TIMER_REG(MTIMECMP_LO)
    sw t4, 0(t3)
    j 2f
1:  DISARM_TIMER
2:  beqz s10, 3f
    csrw mepc, s10
    li s10, 0
3:  mret

    .data
    .balign 4
wdata:
    .word 0, 0, 0
TEST_END
