# Misaligned loads and stores complete (the core splits one that crosses a word into two
# aligned accesses): every width at every offset in each memory, and at the end of each.
# The expected values are those of a little-endian byte array holding the pattern below.
#include "test_macros.h"

#define PATTERN_LO 0xb4239281    /* bytes 81 92 23 b4 */
#define PATTERN_HI 0xf867d645    /* bytes 45 d6 67 f8 */

/* Write the pattern to the two words at s0. */
#define FILL                                                                  \
    li t0, PATTERN_LO; sw t0, 0(s0); li t0, PATTERN_HI; sw t0, 4(s0)

/* Load with `inst` at s0 + offset. */
#define TEST_LD(n, inst, result, offset)                                      \
    TEST_CASE(n, a4, result, inst a4, offset(s0))

/* Fill the two words at s0 with 0x55, store 0xc3b2a190 with `st` at s0 + offset, read both
   words back (the first at once: a load right behind the store), restore the pattern. */
#define TEST_ST(n, st, offset, lo, hi)                                        \
    TEST_CASE(n, a4, lo, li a2, 0x55555555; sw a2, 0(s0); sw a2, 4(s0);        \
              li a2, 0xc3b2a190; st a2, offset(s0); lw a4, 0(s0); lw a5, 4(s0)) \
    CHECK(a5, hi)                                                             \
    FILL

TEST_BEGIN

    # main memory: every load and store width at every offset.
    la s0, data
    FILL
    TEST_LD(1, lb, 0xffffff81, 0)
    TEST_LD(2, lb, 0xffffff92, 1)
    TEST_LD(3, lb, 0x00000023, 2)
    TEST_LD(4, lb, 0xffffffb4, 3)
    TEST_LD(5, lbu, 0x00000081, 0)
    TEST_LD(6, lbu, 0x00000092, 1)
    TEST_LD(7, lbu, 0x00000023, 2)
    TEST_LD(8, lbu, 0x000000b4, 3)
    TEST_LD(9, lh, 0xffff9281, 0)
    TEST_LD(10, lh, 0x00002392, 1)
    TEST_LD(11, lh, 0xffffb423, 2)
    TEST_LD(12, lh, 0x000045b4, 3)
    TEST_LD(13, lhu, 0x00009281, 0)
    TEST_LD(14, lhu, 0x00002392, 1)
    TEST_LD(15, lhu, 0x0000b423, 2)
    TEST_LD(16, lhu, 0x000045b4, 3)
    TEST_LD(17, lw, 0xb4239281, 0)
    TEST_LD(18, lw, 0x45b42392, 1)
    TEST_LD(19, lw, 0xd645b423, 2)
    TEST_LD(20, lw, 0x67d645b4, 3)
    TEST_ST(21, sb, 0, 0x55555590, 0x55555555)
    TEST_ST(22, sb, 1, 0x55559055, 0x55555555)
    TEST_ST(23, sb, 2, 0x55905555, 0x55555555)
    TEST_ST(24, sb, 3, 0x90555555, 0x55555555)
    TEST_ST(25, sh, 0, 0x5555a190, 0x55555555)
    TEST_ST(26, sh, 1, 0x55a19055, 0x55555555)
    TEST_ST(27, sh, 2, 0xa1905555, 0x55555555)
    TEST_ST(28, sh, 3, 0x90555555, 0x555555a1)
    TEST_ST(29, sw, 0, 0xc3b2a190, 0x55555555)
    TEST_ST(30, sw, 1, 0xb2a19055, 0x555555c3)
    TEST_ST(31, sw, 2, 0xa1905555, 0x5555c3b2)
    TEST_ST(32, sw, 3, 0x90555555, 0x55c3b2a1)

    # L1: every load and store width at every offset.
    li s0, HETSOC_L1_BASE + 0x100
    FILL
    TEST_LD(33, lb, 0xffffff81, 0)
    TEST_LD(34, lb, 0xffffff92, 1)
    TEST_LD(35, lb, 0x00000023, 2)
    TEST_LD(36, lb, 0xffffffb4, 3)
    TEST_LD(37, lbu, 0x00000081, 0)
    TEST_LD(38, lbu, 0x00000092, 1)
    TEST_LD(39, lbu, 0x00000023, 2)
    TEST_LD(40, lbu, 0x000000b4, 3)
    TEST_LD(41, lh, 0xffff9281, 0)
    TEST_LD(42, lh, 0x00002392, 1)
    TEST_LD(43, lh, 0xffffb423, 2)
    TEST_LD(44, lh, 0x000045b4, 3)
    TEST_LD(45, lhu, 0x00009281, 0)
    TEST_LD(46, lhu, 0x00002392, 1)
    TEST_LD(47, lhu, 0x0000b423, 2)
    TEST_LD(48, lhu, 0x000045b4, 3)
    TEST_LD(49, lw, 0xb4239281, 0)
    TEST_LD(50, lw, 0x45b42392, 1)
    TEST_LD(51, lw, 0xd645b423, 2)
    TEST_LD(52, lw, 0x67d645b4, 3)
    TEST_ST(53, sb, 0, 0x55555590, 0x55555555)
    TEST_ST(54, sb, 1, 0x55559055, 0x55555555)
    TEST_ST(55, sb, 2, 0x55905555, 0x55555555)
    TEST_ST(56, sb, 3, 0x90555555, 0x55555555)
    TEST_ST(57, sh, 0, 0x5555a190, 0x55555555)
    TEST_ST(58, sh, 1, 0x55a19055, 0x55555555)
    TEST_ST(59, sh, 2, 0xa1905555, 0x55555555)
    TEST_ST(60, sh, 3, 0x90555555, 0x555555a1)
    TEST_ST(61, sw, 0, 0xc3b2a190, 0x55555555)
    TEST_ST(62, sw, 1, 0xb2a19055, 0x555555c3)
    TEST_ST(63, sw, 2, 0xa1905555, 0x5555c3b2)
    TEST_ST(64, sw, 3, 0x90555555, 0x55c3b2a1)

    # L2: every load and store width at every offset.
    li s0, HETSOC_L2_BASE + 0x100
    FILL
    TEST_LD(65, lb, 0xffffff81, 0)
    TEST_LD(66, lb, 0xffffff92, 1)
    TEST_LD(67, lb, 0x00000023, 2)
    TEST_LD(68, lb, 0xffffffb4, 3)
    TEST_LD(69, lbu, 0x00000081, 0)
    TEST_LD(70, lbu, 0x00000092, 1)
    TEST_LD(71, lbu, 0x00000023, 2)
    TEST_LD(72, lbu, 0x000000b4, 3)
    TEST_LD(73, lh, 0xffff9281, 0)
    TEST_LD(74, lh, 0x00002392, 1)
    TEST_LD(75, lh, 0xffffb423, 2)
    TEST_LD(76, lh, 0x000045b4, 3)
    TEST_LD(77, lhu, 0x00009281, 0)
    TEST_LD(78, lhu, 0x00002392, 1)
    TEST_LD(79, lhu, 0x0000b423, 2)
    TEST_LD(80, lhu, 0x000045b4, 3)
    TEST_LD(81, lw, 0xb4239281, 0)
    TEST_LD(82, lw, 0x45b42392, 1)
    TEST_LD(83, lw, 0xd645b423, 2)
    TEST_LD(84, lw, 0x67d645b4, 3)
    TEST_ST(85, sb, 0, 0x55555590, 0x55555555)
    TEST_ST(86, sb, 1, 0x55559055, 0x55555555)
    TEST_ST(87, sb, 2, 0x55905555, 0x55555555)
    TEST_ST(88, sb, 3, 0x90555555, 0x55555555)
    TEST_ST(89, sh, 0, 0x5555a190, 0x55555555)
    TEST_ST(90, sh, 1, 0x55a19055, 0x55555555)
    TEST_ST(91, sh, 2, 0xa1905555, 0x55555555)
    TEST_ST(92, sh, 3, 0x90555555, 0x555555a1)
    TEST_ST(93, sw, 0, 0xc3b2a190, 0x55555555)
    TEST_ST(94, sw, 1, 0xb2a19055, 0x555555c3)
    TEST_ST(95, sw, 2, 0xa1905555, 0x5555c3b2)
    TEST_ST(96, sw, 3, 0x90555555, 0x55c3b2a1)

    # The last two words of main memory: misaligned accesses that end at or just before its end.
    li s0, HETSOC_MAIN_MEMORY_END - 8
    FILL
    TEST_LD(97, lw, 0x45b42392, 1)
    TEST_LD(98, lw, 0xd645b423, 2)
    TEST_LD(99, lw, 0x67d645b4, 3)
    TEST_LD(100, lw, 0xf867d645, 4)
    TEST_LD(101, lh, 0x000067d6, 5)
    TEST_LD(102, lhu, 0x000045b4, 3)
    TEST_LD(103, lhu, 0x0000f867, 6)
    TEST_ST(104, sw, 3, 0x90555555, 0x55c3b2a1)
    TEST_ST(105, sh, 5, 0x55555555, 0x55a19055)
    TEST_ST(106, sh, 6, 0x55555555, 0xa1905555)

    # The last two words of L1: misaligned accesses that end at or just before its end.
    li s0, HETSOC_L1_END - 8
    FILL
    TEST_LD(107, lw, 0x45b42392, 1)
    TEST_LD(108, lw, 0xd645b423, 2)
    TEST_LD(109, lw, 0x67d645b4, 3)
    TEST_LD(110, lw, 0xf867d645, 4)
    TEST_LD(111, lh, 0x000067d6, 5)
    TEST_LD(112, lhu, 0x000045b4, 3)
    TEST_LD(113, lhu, 0x0000f867, 6)
    TEST_ST(114, sw, 3, 0x90555555, 0x55c3b2a1)
    TEST_ST(115, sh, 5, 0x55555555, 0x55a19055)
    TEST_ST(116, sh, 6, 0x55555555, 0xa1905555)

    # The last two words of L2: misaligned accesses that end at or just before its end.
    li s0, HETSOC_L2_END - 8
    FILL
    TEST_LD(117, lw, 0x45b42392, 1)
    TEST_LD(118, lw, 0xd645b423, 2)
    TEST_LD(119, lw, 0x67d645b4, 3)
    TEST_LD(120, lw, 0xf867d645, 4)
    TEST_LD(121, lh, 0x000067d6, 5)
    TEST_LD(122, lhu, 0x000045b4, 3)
    TEST_LD(123, lhu, 0x0000f867, 6)
    TEST_ST(124, sw, 3, 0x90555555, 0x55c3b2a1)
    TEST_ST(125, sh, 5, 0x55555555, 0x55a19055)
    TEST_ST(126, sh, 6, 0x55555555, 0xa1905555)

    j pass

    .data
    .balign 16
data:
    .word 0, 0, 0, 0
TEST_END
