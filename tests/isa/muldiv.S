# The M extension: every instruction with zero, one, minus one, INT_MIN and INT_MAX operands,
# division by zero, INT_MIN / -1 overflow, and the signed/unsigned high products.
#include "test_macros.h"

TEST_BEGIN
    TEST_RR(1, mul, 0x00000000, 0x00000000, 0x00000000)
    TEST_RR(2, mul, 0x00000001, 0xffffffff, 0xffffffff)
    TEST_RR(3, mul, 0x80000000, 0x80000000, 0xffffffff)
    TEST_RR(4, mul, 0x00000000, 0x80000000, 0x80000000)
    TEST_RR(5, mul, 0x0000ff7f, 0xaaaaaaab, 0x0002fe7d)
    TEST_RR(6, mul, 0x7fffffff, 0x7fffffff, 0x00000001)
    TEST_RR(7, mulh, 0x00000000, 0x00000000, 0x00000000)
    TEST_RR(8, mulh, 0x00000000, 0xffffffff, 0xffffffff)
    TEST_RR(9, mulh, 0x40000000, 0x80000000, 0x80000000)
    TEST_RR(10, mulh, 0x00000000, 0x80000000, 0x00000000)
    TEST_RR(11, mulh, 0xffffffff, 0xffffffff, 0x00000001)
    TEST_RR(12, mulh, 0xc0000000, 0x80000000, 0x7fffffff)
    TEST_RR(13, mulh, 0xffff0081, 0xaaaaaaab, 0x0002fe7d)
    TEST_RR(14, mulhsu, 0xffffffff, 0xffffffff, 0x00000001)
    TEST_RR(15, mulhsu, 0xffffffff, 0xffffffff, 0xffffffff)
    TEST_RR(16, mulhsu, 0x00000000, 0x80000000, 0x00000000)
    TEST_RR(17, mulhsu, 0x80000000, 0x80000000, 0xffffffff)
    TEST_RR(18, mulhsu, 0x3fffffff, 0x7fffffff, 0x80000000)
    TEST_RR(19, mulhsu, 0xc0000000, 0x80000000, 0x80000000)
    TEST_RR(20, mulhu, 0x00000000, 0x00000000, 0xffffffff)
    TEST_RR(21, mulhu, 0xfffffffe, 0xffffffff, 0xffffffff)
    TEST_RR(22, mulhu, 0x40000000, 0x80000000, 0x80000000)
    TEST_RR(23, mulhu, 0x7fffffff, 0x80000000, 0xffffffff)
    TEST_RR(24, mulhu, 0x0001fefe, 0xaaaaaaab, 0x0002fe7d)

    TEST_RR(30, div, 0x00000003, 20, 6)
    TEST_RR(31, div, 0xfffffffd, -20, 6)                     # rounds toward zero
    TEST_RR(32, div, 0xfffffffd, 20, -6)
    TEST_RR(33, div, 0x00000003, -20, -6)
    TEST_RR(34, div, 0x80000000, 0x80000000, 1)
    TEST_RR(35, div, 0x80000000, 0x80000000, -1)             # overflow: INT_MIN
    TEST_RR(36, div, 0xffffffff, 0x80000000, 0)              # by zero: -1
    TEST_RR(37, div, 0xffffffff, 1, 0)
    TEST_RR(38, div, 0xffffffff, 0, 0)
    TEST_RR(39, div, 0x00000000, 0, 5)
    TEST_RR(40, divu, 0x00000003, 20, 6)
    TEST_RR(41, divu, 0x2aaaaaa7, -20, 6)
    TEST_RR(42, divu, 0x00000000, 20, -6)
    TEST_RR(43, divu, 0x00000000, 0x80000000, -1)
    TEST_RR(44, divu, 0xffffffff, 0x80000000, 0)             # by zero: all ones
    TEST_RR(45, divu, 0xffffffff, 0, 0)
    TEST_RR(46, divu, 0x00000001, 0xffffffff, 0xffffffff)
    TEST_RR(47, rem, 0x00000002, 20, 6)
    TEST_RR(48, rem, 0xfffffffe, -20, 6)                     # sign of the dividend
    TEST_RR(49, rem, 0x00000002, 20, -6)
    TEST_RR(50, rem, 0xfffffffe, -20, -6)
    TEST_RR(51, rem, 0x00000000, 0x80000000, 1)
    TEST_RR(52, rem, 0x00000000, 0x80000000, -1)             # overflow: remainder 0
    TEST_RR(53, rem, 0x80000000, 0x80000000, 0)              # by zero: the dividend
    TEST_RR(54, rem, 0x00000001, 1, 0)
    TEST_RR(55, rem, 0x00000000, 0, 0)
    TEST_RR(56, remu, 0x00000002, 20, 6)
    TEST_RR(57, remu, 0x00000002, -20, 6)
    TEST_RR(58, remu, 0x00000014, 20, -6)
    TEST_RR(59, remu, 0x80000000, 0x80000000, -1)
    TEST_RR(60, remu, 0x80000000, 0x80000000, 0)             # by zero: the dividend
    TEST_RR(61, remu, 0x00000000, 0, 0)
    TEST_RR(62, remu, 0x00000000, 0xffffffff, 0xffffffff)

    # Sources equal to the destination, x0 destination and sources.
    TEST_RR_SRC1_EQ_DEST(70, mul, 143, 13, 11)
    TEST_RR_SRC2_EQ_DEST(71, div, 1, 13, 11)
    TEST_RR_SRC12_EQ_DEST(72, rem, 0, 0x80000000)
    TEST_RR_SRC12_EQ_DEST(73, mulhu, 0x3fffffff, 0x7fffffff)
    TEST_RR_ZERODEST(74, mul, 17, 25)
    TEST_RR_ZERODEST(75, div, 17, 0)
    TEST_RR_ZERODEST(76, remu, 0x80000000, 3)
    TEST_CASE(77, a4, 0xffffffff, li a1, 7; div a4, a1, x0)
    TEST_CASE(78, a4, 0x00000000, li a1, 7; divu a4, x0, a1)
    TEST_CASE(79, a4, 7, li a1, 7; remu a4, a1, x0)

    # Dependent chains through the multiplier and divider.
    TEST_CASE(80, a4, 1000, li a1, 10; mul a2, a1, a1; mul a3, a2, a1; div a4, a3, a1; mul a4, a4, a1)
    TEST_CASE(81, a4, 6, li a1, 100; li a2, 7; rem a3, a1, a2; div a4, a1, a3; sub a4, a4, a3; rem a4, a4, a2)
    TEST_CASE(82, a4, 0x00000002, li a1, 0x80000000; li a2, -1; div a3, a1, a2; mulhu a4, a3, a1; srli a4, a4, 29)

    j pass
TEST_END
