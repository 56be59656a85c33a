# Integer register-register and register-immediate instructions, lui and auipc:
# sign extension of immediates, shifts by 0/1/31, wrap-around, x0 as destination and source.
#include "test_macros.h"

TEST_BEGIN
    TEST_RR(1, add, 0x00000000, 0x00000000, 0x00000000)
    TEST_RR(2, add, 0x80000000, 0x7fffffff, 0x00000001)       # signed overflow wraps
    TEST_RR(3, add, 0x00000000, 0xffffffff, 0x00000001)
    TEST_RR(4, add, 0x7fffffff, 0x80000000, 0xffffffff)
    TEST_RR(5, sub, 0xffffffff, 0x00000000, 0x00000001)
    TEST_RR(6, sub, 0x7fffffff, 0x80000000, 0x00000001)
    TEST_RR(7, sub, 0x80000000, 0x00000000, 0x80000000)
    TEST_RR(8, sll, 0x00000001, 0x00000001, 0)
    TEST_RR(9, sll, 0x80000000, 0x00000001, 31)
    TEST_RR(10, sll, 0x00000002, 0x00000001, 33)              # only rs2[4:0] counts
    TEST_RR(11, sll, 0x21212121, 0x21212121, 0xffffffe0)        # rs2 = 32 + ... shifts by 0
    TEST_RR(12, srl, 0x00000001, 0x80000000, 31)
    TEST_RR(13, srl, 0x80000000, 0x80000000, 0)
    TEST_RR(14, srl, 0x7fffffff, 0xffffffff, 0xffffffe1)
    TEST_RR(15, sra, 0xffffffff, 0x80000000, 31)
    TEST_RR(16, sra, 0x80000000, 0x80000000, 0)
    TEST_RR(17, sra, 0xc0000000, 0x80000000, 0xffffffe1)
    TEST_RR(18, sra, 0x3fffffff, 0x7fffffff, 1)
    TEST_RR(19, slt, 1, 0x80000000, 0x7fffffff)
    TEST_RR(20, slt, 0, 0x7fffffff, 0x80000000)
    TEST_RR(21, slt, 0, 0xffffffff, 0xffffffff)
    TEST_RR(22, slt, 1, 0xffffffff, 0x00000000)
    TEST_RR(23, sltu, 0, 0x80000000, 0x7fffffff)
    TEST_RR(24, sltu, 1, 0x00000000, 0xffffffff)
    TEST_RR(25, sltu, 0, 0x00000005, 0x00000005)
    TEST_RR(26, xor, 0xf00ff00f, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(27, or, 0xff0fff0f, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR(28, and, 0x0f000f00, 0xff00ff00, 0x0f0f0f0f)
    TEST_RR_SRC1_EQ_DEST(29, add, 24, 13, 11)
    TEST_RR_SRC2_EQ_DEST(30, sub, 2, 13, 11)
    TEST_RR_SRC12_EQ_DEST(31, sub, 0, 0x12345678)
    TEST_RR_SRC12_EQ_DEST(32, sll, 0x00000380, 0x00000007)

    TEST_IMM(40, addi, 0xfffff800, 0x00000000, -2048)         # 12-bit immediate sign-extends
    TEST_IMM(41, addi, 0x800007fe, 0x7fffffff, 2047)
    TEST_IMM(42, addi, 0x7fffffff, 0x80000000, -1)
    TEST_IMM(43, slti, 1, 0xfffffffe, -1)
    TEST_IMM(44, slti, 0, 0x00000000, -2048)
    TEST_IMM(45, slti, 1, 0x80000000, 0)
    TEST_IMM(46, sltiu, 1, 0x00000000, -1)                    # compares with 0xffffffff
    TEST_IMM(47, sltiu, 0, 0xffffffff, -1)
    TEST_IMM(48, sltiu, 0, 0x7ff, 2047)
    TEST_IMM(49, xori, 0xff00f00f, 0x00ff0ff0, -1)
    TEST_IMM(50, xori, 0x00ff0ff0, 0x00ff08ff, 0x70f)
    TEST_IMM(51, ori, 0xffffff0f, 0xff00ff00, -241)
    TEST_IMM(52, andi, 0xff00ff00, 0xff00ff00, -256)
    TEST_IMM(53, andi, 0x00000700, 0xff00ff00, 0x70f)
    TEST_IMM(54, slli, 0x21212121, 0x21212121, 0)
    TEST_IMM(55, slli, 0x80000000, 0xffffffff, 31)
    TEST_IMM(56, srli, 0x21212121, 0x21212121, 0)
    TEST_IMM(57, srli, 0x00000001, 0xffffffff, 31)
    TEST_IMM(58, srai, 0xffffffff, 0x80000001, 31)
    TEST_IMM(59, srai, 0x80000001, 0x80000001, 0)
    TEST_IMM(60, srai, 0x0000ffff, 0x0001fffe, 1)

    # x0 as destination must stay zero; x0 as source reads zero.
    TEST_RR_ZERODEST(70, add, 17, 25)
    TEST_RR_ZERODEST(71, sra, 0x80000000, 4)
    TEST_IMM_ZERODEST(72, addi, 17, 25)
    TEST_IMM_ZERODEST(73, xori, 0, -1)
    TEST_CASE(74, a4, 0, lui x0, 0xfffff; add a4, x0, x0)
    TEST_CASE(75, a4, 0x1234, li a1, 0x1234; add a4, x0, a1)
    TEST_CASE(76, a4, 0x1234, li a1, 0x1234; sub a4, a1, x0)
    TEST_CASE(77, a4, 0, li a1, 0x1234; slt a4, a1, x0)

    # lui / auipc: the 20-bit immediate fills bits 31:12, low bits zero.
    TEST_CASE(80, a4, 0x00000000, lui a4, 0)
    TEST_CASE(81, a4, 0xfffff000, lui a4, 0xfffff)
    TEST_CASE(82, a4, 0x80000000, lui a4, 0x80000)
    TEST_CASE(83, a4, 0xfffff800, lui a4, 0xfffff; srai a4, a4, 1)
    TEST_CASE(84, a4, 0, la a1, 1f; 1: auipc a4, 0; sub a4, a4, a1)
    TEST_CASE(85, a4, 0x00001000, la a1, 1f; 1: auipc a4, 1; sub a4, a4, a1)
    TEST_CASE(86, a4, 0xfffff000, la a1, 1f; 1: auipc a4, 0xfffff; sub a4, a4, a1)
    TEST_CASE(87, a4, 0x80000000, la a1, 1f; 1: auipc a4, 0x80000; sub a4, a4, a1)

    j pass
TEST_END
