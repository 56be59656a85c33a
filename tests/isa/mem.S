# Loads and stores of every width: byte lanes, sign/zero extension, offsets of both signs,
# store-then-load of other widths, load-use, x0 as load destination.
#include "test_macros.h"

#define TEST_LD(n, inst, result, offset, base)                                \
    TEST_CASE(n, a4, result, la a1, base; inst a4, offset(a1))

/* Store `value` with `st`, read the whole word back. */
#define TEST_ST(n, st, value, offset, word)                                   \
    TEST_CASE(n, a4, word, la a1, scratch; li a2, 0x55555555; sw a2, 0(a1);   \
              sw a2, 4(a1); li a2, value; st a2, offset(a1); lw a4, (offset & ~3)(a1))

TEST_BEGIN
    TEST_LD(1, lb, 0xffffff80, 0, words)
    TEST_LD(2, lb, 0x00000001, 1, words)
    TEST_LD(3, lb, 0x0000007f, 2, words)
    TEST_LD(4, lb, 0xffffffff, 3, words)
    TEST_LD(5, lbu, 0x00000080, 0, words)
    TEST_LD(6, lbu, 0x000000ff, 3, words)
    TEST_LD(7, lh, 0x00000180, 0, words)
    TEST_LD(8, lh, 0xffffff7f, 2, words)
    TEST_LD(9, lhu, 0x0000ff7f, 2, words)
    TEST_LD(10, lhu, 0x00008001, 4, words)
    TEST_LD(11, lh, 0xffff8001, 4, words)
    TEST_LD(12, lw, 0xff7f0180, 0, words)
    TEST_LD(13, lw, 0x7ffe8001, 4, words)
    TEST_LD(14, lw, 0x12345678, -4, words)          # negative offset
    TEST_LD(15, lbu, 0x00000012, -1, words)
    TEST_LD(16, lh, 0x00007ffe, 6, words)
    TEST_LD(17, lw, 0xdeadbeef, 2044, far_word_base)  # largest positive offset
    TEST_LD(18, lw, 0x0badf00d, -2048, far_word_base + 2044)  # largest negative

    TEST_ST(20, sb, 0xaabbccdd, 0, 0x555555dd)
    TEST_ST(21, sb, 0xaabbccdd, 1, 0x5555dd55)
    TEST_ST(22, sb, 0xaabbccdd, 2, 0x55dd5555)
    TEST_ST(23, sb, 0xaabbccdd, 3, 0xdd555555)
    TEST_ST(24, sh, 0xaabbccdd, 0, 0x5555ccdd)
    TEST_ST(25, sh, 0xaabbccdd, 2, 0xccdd5555)
    TEST_ST(26, sw, 0xaabbccdd, 0, 0xaabbccdd)
    TEST_ST(27, sb, 0x00000080, 5, 0x55558055)
    TEST_ST(28, sh, 0x00008000, 6, 0x80005555)
    TEST_ST(29, sw, 0x00000000, 4, 0x00000000)

    # A store does not touch the neighbouring words.
test_30:
    li TESTNUM, 30
    la a1, scratch
    li a2, -1
    sw a2, 0(a1)
    sw a2, 4(a1)
    sw a2, 8(a1)
    sb x0, 4(a1)
    sh x0, 10(a1)
    lw a4, 0(a1)
    CHECK(a4, 0xffffffff)
    lw a4, 4(a1)
    CHECK(a4, 0xffffff00)
    lw a4, 8(a1)
    CHECK(a4, 0x0000ffff)

    # Load-use: the loaded value feeds the next instruction (ALU, address, branch, store).
test_31:
    li TESTNUM, 31
    la a1, words
    lw a2, 4(a1)
    addi a4, a2, 1
    CHECK(a4, 0x7ffe8002)
test_32:
    li TESTNUM, 32
    la a1, pointer
    lw a2, 0(a1)                # a pointer to words
    lw a4, 0(a2)                # used at once as a base
    CHECK(a4, 0xff7f0180)
test_33:
    li TESTNUM, 33
    la a1, words
    lbu a2, 1(a1)
    li a3, 1
    bne a2, a3, fail            # branch on a just-loaded value
    lb a2, 0(a1)
    bge a2, x0, fail
test_34:
    li TESTNUM, 34
    la a1, words
    la a3, scratch
    lw a2, 0(a1)
    sw a2, 0(a3)                # store data from the load just before
    lw a4, 0(a3)
    CHECK(a4, 0xff7f0180)
test_35:
    li TESTNUM, 35
    la a1, words
    lw a1, 0(a1)                # rd = rs1
    CHECK(a1, 0xff7f0180)

    # Store followed at once by a load of the same address, then a narrower one.
test_36:
    li TESTNUM, 36
    la a1, scratch
    li a2, 0x87654321
    sw a2, 0(a1)
    lw a4, 0(a1)
    CHECK(a4, 0x87654321)
    sb x0, 3(a1)
    lb a4, 3(a1)
    CHECK(a4, 0)
    lh a4, 2(a1)
    CHECK(a4, 0x00000065)

    # x0 as load destination.
test_37:
    li TESTNUM, 37
    la a1, words
    lw x0, 0(a1)
    CHECK(x0, 0)
    add a4, x0, x0
    CHECK(a4, 0)

    j pass

    .data
    .balign 4
    .word 0x12345678
words:
    .word 0xff7f0180
    .word 0x7ffe8001
pointer:
    .word words
    .balign 4
scratch:
    .word 0, 0, 0, 0x0badf00d
far_word_base:
    .space 2044
    .word 0xdeadbeef
TEST_END
