# fence.i makes stores to instruction memory visible to fetch: code patched at run time,
# executed after fence.i, must run as patched (including code fetched before, in a loop, and
# branches whose targets fetch has learnt).
#include "test_macros.h"

TEST_BEGIN
    # Patch `addi a4, x0, 1` into `addi a4, x0, 42`.
test_1:
    li TESTNUM, 1
    la a1, 1f
    lw a2, 0(a1)
    li a3, 0x000fffff
    and a2, a2, a3        # clear the immediate
    li a3, 42 << 20
    or a2, a2, a3
    sw a2, 0(a1)
    fence.i
1:  addi a4, x0, 1
    CHECK(a4, 42)

    # Run a block, patch it, run it again: the old instruction must not be reused.
test_2:
    li TESTNUM, 2
    li s8, 0
    la a1, 2f
    la a2, patch_word
    lw a2, 0(a2)          # the replacement word: addi a4, a4, 10
1:  li a4, 0
2:  addi a4, a4, 1
    bnez s8, 4f
    li s8, 1
    CHECK(a4, 1)
    sw a2, 0(a1)
    fence.i
    j 1b
4:  CHECK(a4, 10)

    # Copy a small routine into data memory and call it there.
test_3:
    li TESTNUM, 3
    la a1, routine_src
    la a2, routine_copy
    li a3, 3
6:  lw a4, 0(a1)
    sw a4, 0(a2)
    addi a1, a1, 4
    addi a2, a2, 4
    addi a3, a3, -1
    bnez a3, 6b
    fence.i
    li a5, 20
    la a2, routine_copy
    jalr ra, 0(a2)
    CHECK(a5, 25)

    # A loop branch that fetch has learnt to follow is patched into a nop: after fence.i the
    # loop must run once, not follow the stale prediction.
test_4:
    li TESTNUM, 4
    li s8, 0
    la a1, 7f
    li a3, 0x00000013     # nop
5:  li a4, 0
    li a5, 3
6:  addi a4, a4, 1
    addi a5, a5, -1
7:  bnez a5, 6b
    bnez s8, 8f
    CHECK(a4, 3)
    li s8, 1
    sw a3, 0(a1)
    fence.i
    j 5b
8:  CHECK(a4, 1)

    # A nop that already ran is patched into a forward jump.
test_5:
    li TESTNUM, 5
    li s8, 0
    la a1, 9f
    la a2, jump_word
    lw a2, 0(a2)          # j .+12
5:  li a4, 0
9:  nop
    addi a4, a4, 1
    addi a4, a4, 2
    addi a4, a4, 4
    bnez s8, 8f
    CHECK(a4, 7)
    li s8, 1
    sw a2, 0(a1)
    fence.i
    j 5b
8:  CHECK(a4, 4)

    j pass

jump_word:
    j .+12
patch_word:
    addi a4, a4, 10
routine_src:              # a5 += 5
    addi a5, a5, 2
    addi a5, a5, 3
    ret

    .data
    .balign 4
routine_copy:
    .word 0, 0, 0
TEST_END
