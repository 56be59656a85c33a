# Conditional branches (taken and not taken, signed and unsigned edges, backward loops) and
# jal/jalr (link values, rd = x0, rd = rs1, bit 0 of the jalr target cleared).
#include "test_macros.h"

/* Branch `inst` on (v1, v2) must be taken: falling through fails. */
#define TEST_BR_TAKEN(n, inst, v1, v2)                                        \
test_##n: li TESTNUM, n; li a1, v1; li a2, v2;                                \
    inst a1, a2, 1f; j fail; 1:

/* Branch must not be taken: landing on its target fails. */
#define TEST_BR_NOT_TAKEN(n, inst, v1, v2)                                    \
test_##n: li TESTNUM, n; li a1, v1; li a2, v2;                                \
    inst a1, a2, 1f; j 2f; 1: j fail; 2:

TEST_BEGIN
    TEST_BR_TAKEN(1, beq, 0, 0)
    TEST_BR_TAKEN(2, beq, 0x80000000, 0x80000000)
    TEST_BR_NOT_TAKEN(3, beq, 0, 1)
    TEST_BR_NOT_TAKEN(4, beq, 0x80000000, 0x00000000)
    TEST_BR_TAKEN(5, bne, 0, 1)
    TEST_BR_TAKEN(6, bne, 0xffffffff, 0x7fffffff)
    TEST_BR_NOT_TAKEN(7, bne, 5, 5)
    TEST_BR_TAKEN(8, blt, 0xffffffff, 0)
    TEST_BR_TAKEN(9, blt, 0x80000000, 0x7fffffff)
    TEST_BR_NOT_TAKEN(10, blt, 0, 0)
    TEST_BR_NOT_TAKEN(11, blt, 0x7fffffff, 0x80000000)
    TEST_BR_TAKEN(12, bge, 0, 0)
    TEST_BR_TAKEN(13, bge, 0x7fffffff, 0x80000000)
    TEST_BR_TAKEN(14, bge, 0, 0xffffffff)
    TEST_BR_NOT_TAKEN(15, bge, 0x80000000, 0x7fffffff)
    TEST_BR_TAKEN(16, bltu, 0, 0xffffffff)
    TEST_BR_TAKEN(17, bltu, 0x7fffffff, 0x80000000)
    TEST_BR_NOT_TAKEN(18, bltu, 0xffffffff, 0)
    TEST_BR_NOT_TAKEN(19, bltu, 3, 3)
    TEST_BR_TAKEN(20, bgeu, 0xffffffff, 0)
    TEST_BR_TAKEN(21, bgeu, 3, 3)
    TEST_BR_TAKEN(22, bgeu, 0x80000000, 0x7fffffff)
    TEST_BR_NOT_TAKEN(23, bgeu, 0, 0xffffffff)

    # x0 operands.
test_24:
    li TESTNUM, 24
    beq x0, x0, 1f
    j fail
1:  li a1, 1
    bltu x0, a1, 1f
    j fail
1:  bltu a1, x0, fail

    # Backward branch loop: 10 iterations, sum 0..9.
test_25:
    li TESTNUM, 25
    li a1, 0
    li a2, 0
    li a3, 10
1:  add a1, a1, a2
    addi a2, a2, 1
    blt a2, a3, 1b
    CHECK(a1, 45)

    # Instructions after a taken branch must not execute (no wrong-path side effects).
test_26:
    li TESTNUM, 26
    li a1, 0
    beq x0, x0, 1f
    addi a1, a1, 1
    addi a1, a1, 2
    addi a1, a1, 4
1:  CHECK(a1, 0)

    # jal: link is pc + 4, target reached, skipped instruction not executed.
test_27:
    li TESTNUM, 27
    li a1, 0
    la a2, 2f
1:  jal ra, 3f
2:  j fail
3:  bne ra, a2, fail
    addi a1, a1, 1
    CHECK(a1, 1)

    # jal with rd = x0 writes nothing.
test_28:
    li TESTNUM, 28
    jal x0, 1f
    j fail
1:  CHECK(x0, 0)

    # jal backward.
test_29:
    li TESTNUM, 29
    li a1, 0
    j 2f
1:  addi a1, a1, 5
    j 3f
2:  jal t0, 1b
    j fail
3:  CHECK(a1, 5)

    # jalr: target = rs1 + imm, link = pc + 4.
test_30:
    li TESTNUM, 30
    la a1, 2f
    la a2, 1f
    addi a2, a2, 4
1:  jalr ra, 8(a1)
    j fail
2:  j fail
    j fail
3:  bne ra, a2, fail

    # jalr with rd = rs1: the target uses the old value.
test_31:
    li TESTNUM, 31
    la a1, 2f
    la a2, 1f
    addi a2, a2, 4
1:  jalr a1, 0(a1)
    j fail
2:  bne a1, a2, fail

    # jalr clears bit 0 of the target (an odd sum is legal).
test_32:
    li TESTNUM, 32
    la a1, 1f
    addi a1, a1, 1
    jalr x0, 0(a1)
    j fail
1:  li a1, 0
    la a2, 1f
    jalr x0, -3(a2)       # 1f - 3 is odd: clearing bit 0 gives 1f - 4, the `j 2f`
    j fail
    j 2f
1:  j fail
2:

    # jalr negative offset and rd = x0.
test_33:
    li TESTNUM, 33
    la a1, 2f
    jalr x0, -8(a1)
    j fail
    j 1f
    j fail
2:  j fail
1:  CHECK(x0, 0)

    # A call/return pair with the link used at once.
test_34:
    li TESTNUM, 34
    li a1, 0
    jal ra, 1f
    addi a1, a1, 100
    j 2f
1:  addi a1, a1, 1
    jalr x0, 0(ra)
2:  CHECK(a1, 101)

    j pass
TEST_END
