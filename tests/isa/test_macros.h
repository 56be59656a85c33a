/* Shared macros of the ISA tests (riscv-tests style, HTIF exit through `tohost`).
 *
 * TESTNUM (gp) holds the number of the running case; a failure writes (code << 1) | 1 to tohost
 * where code is TESTNUM plus a flag saying what went wrong:
 *   0x000 wrong value             0x100 wrong mcause   0x200 wrong mepc   0x300 wrong mtval
 *   0x400 unexpected trap         0x500 expected trap not taken           0x600 trap count
 * Addresses come from the generated hetsoc_soc.h and from -D defines made by hetsoc.verify.
 */
#include "hetsoc_soc.h"

#define TESTNUM gp
#define TIMER_REG(r) (HETSOC_TIMER_BASE + HETSOC_TIMER_##r)

#define MSTATUS_MIE  0x8
#define MSTATUS_MPIE 0x80
#define MIE_MTIE     0x80
#define MIP_MTIP     0x80
#define CAUSE_TIMER  0x80000007

/* Start of every test: entry at the reset vector, an unexpected-trap handler in mtvec. */
#define TEST_BEGIN                                                            \
    .section .text.init, "ax", @progbits;                                     \
    .globl _start;                                                            \
_start:                                                                       \
    li TESTNUM, 1;                                                            \
    la t0, unexpected_trap;                                                   \
    csrw mtvec, t0;

/* End of every test: pass/fail exits, the handlers, and the tohost mailbox. */
#define TEST_END                                                              \
    .text;                                                                    \
pass:                                                                         \
    li t1, 1;                                                                 \
    j write_tohost;                                                           \
fail_cause: ori TESTNUM, TESTNUM, 0x100; j fail;                              \
fail_epc:   ori TESTNUM, TESTNUM, 0x200; j fail;                              \
fail_tval:  ori TESTNUM, TESTNUM, 0x300; j fail;                              \
fail_notrap: ori TESTNUM, TESTNUM, 0x500; j fail;                             \
fail_count: ori TESTNUM, TESTNUM, 0x600; j fail;                              \
fail:                                                                         \
    slli t1, TESTNUM, 1;                                                      \
    ori t1, t1, 1;                                                            \
write_tohost:                                                                 \
    la t0, tohost;                                                            \
    sw t1, 0(t0);                                                             \
1:  j 1b;                                                                     \
    .balign 4;                                                                \
unexpected_trap:                                                              \
    ori TESTNUM, TESTNUM, 0x400;                                              \
    j fail;                                                                   \
    /* Checks a trap announced by TRAP_EXPECT; resumes at s5 and counts in s6. */ \
    .balign 4;                                                                \
trap_check:                                                                   \
    csrr t5, mcause;                                                          \
    bne t5, s2, fail_cause;                                                   \
    csrr t5, mepc;                                                            \
    bne t5, s3, fail_epc;                                                     \
    csrr t5, mtval;                                                           \
    bne t5, s4, fail_tval;                                                    \
    addi s6, s6, 1;                                                           \
    csrw mepc, s5;                                                            \
    mret;                                                                     \
    .section .tohost, "aw", @progbits;                                        \
    .balign 64;                                                               \
    .globl tohost;                                                            \
tohost: .word 0, 0;                                                           \
    .globl fromhost;                                                          \
fromhost: .word 0, 0;                                                         \
    .text

/* Compare register `reg` with `correct` (uses t6). */
#define CHECK(reg, correct)                                                   \
    li t6, correct;                                                           \
    bne reg, t6, fail;

/* One case: run `code`, then expect `correct` in `reg`. */
#define TEST_CASE(n, reg, correct, ...)                                       \
test_##n:                                                                     \
    li TESTNUM, n;                                                            \
    __VA_ARGS__;                                                              \
    CHECK(reg, correct)

#define TEST_RR(n, inst, result, v1, v2)                                      \
    TEST_CASE(n, a4, result, li a1, v1; li a2, v2; inst a4, a1, a2)
#define TEST_IMM(n, inst, result, v1, imm)                                    \
    TEST_CASE(n, a4, result, li a1, v1; inst a4, a1, imm)
/* Destination is also a source. */
#define TEST_RR_SRC1_EQ_DEST(n, inst, result, v1, v2)                         \
    TEST_CASE(n, a1, result, li a1, v1; li a2, v2; inst a1, a1, a2)
#define TEST_RR_SRC2_EQ_DEST(n, inst, result, v1, v2)                         \
    TEST_CASE(n, a2, result, li a1, v1; li a2, v2; inst a2, a1, a2)
#define TEST_RR_SRC12_EQ_DEST(n, inst, result, v1)                            \
    TEST_CASE(n, a1, result, li a1, v1; inst a1, a1, a1)
/* A result written to x0 must vanish; x0 must still read 0 right after. */
#define TEST_RR_ZERODEST(n, inst, v1, v2)                                     \
    TEST_CASE(n, a4, 0, li a1, v1; li a2, v2; inst x0, a1, a2; add a4, x0, x0)
#define TEST_IMM_ZERODEST(n, inst, v1, imm)                                   \
    TEST_CASE(n, a4, 0, li a1, v1; inst x0, a1, imm; add a4, x0, x0)

/* Announce the trap of the instruction at `label`: mcause, mepc = label, mtval; after the
 * handler, execution resumes at `resume`. mtvec must point to trap_check. */
#define TRAP_EXPECT(cause, epc, tval, resume)                                 \
    li s2, cause;                                                             \
    la s3, epc;                                                               \
    li s4, tval;                                                              \
    la s5, resume;                                                            \
    li s6, 0;

/* A single instruction that must trap with `cause` and `tval`, then fall through. */
#define TEST_TRAP(n, cause, tval, ...)                                        \
test_##n:                                                                     \
    li TESTNUM, n;                                                            \
    TRAP_EXPECT(cause, test_##n##_insn, tval, test_##n##_resume)              \
test_##n##_insn:                                                              \
    __VA_ARGS__;                                                              \
    j fail_notrap;                                                            \
test_##n##_resume:                                                            \
    li t6, 1;                                                                 \
    bne s6, t6, fail_count;

/* Same, for illegal instructions: mtval is the instruction word, read back from memory. */
#define TEST_ILLEGAL(n, ...)                                                  \
test_##n:                                                                     \
    li TESTNUM, n;                                                            \
    TRAP_EXPECT(2, test_##n##_insn, 0, test_##n##_resume)                     \
    lw s4, 0(s3);                                                             \
test_##n##_insn:                                                              \
    __VA_ARGS__;                                                              \
    j fail_notrap;                                                            \
test_##n##_resume:                                                            \
    li t6, 1;                                                                 \
    bne s6, t6, fail_count;

#define USE_TRAP_CHECK                                                        \
    la t0, trap_check;                                                        \
    csrw mtvec, t0;
