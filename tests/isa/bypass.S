# Back-to-back dependencies at distances 0, 1 and 2 instructions, through the ALU, the
# multiplier/divider and loads, on both source operands; writes to x0 must never be forwarded.
#include "test_macros.h"

TEST_BEGIN
    # A chain of dependent ALU operations, each using the previous result at once.
test_1:
    li TESTNUM, 1
    li a1, 1
    add a1, a1, a1
    add a1, a1, a1
    slli a1, a1, 3
    sub a1, x0, a1
    srai a1, a1, 1
    xori a1, a1, -1
    CHECK(a1, 15)

    # Distance 1 and 2, on rs1 and on rs2.
test_2:
    li TESTNUM, 2
    li a1, 10
    li a2, 20
    add a3, a1, a2        # 30
    nop
    add a4, a3, a1        # distance 1 on rs1: 40
    add a5, a1, a3        # distance 2 on rs2: 40
    sub a6, a5, a4        # distance 0 and 1: 0
    add a6, a6, a4        # 40
    CHECK(a6, 40)
test_3:
    li TESTNUM, 3
    li a1, 5
    li a2, 7
    nop
    nop
    add a3, a2, a1        # 12: both sources two or more back
    sub a3, a3, a3        # both from distance 0: 0
    CHECK(a3, 0)

    # The newest write wins when several are in flight to the same register.
test_4:
    li TESTNUM, 4
    li a1, 1
    li a1, 2
    li a1, 3
    add a4, a1, x0
    CHECK(a4, 3)

    # A write to x0 must not be forwarded as a value.
test_5:
    li TESTNUM, 5
    li a1, 0x1234
    add x0, a1, a1
    add a4, x0, x0
    CHECK(a4, 0)
    addi x0, x0, 5
    addi a4, x0, 0
    CHECK(a4, 0)
    la a2, tdata
    lw x0, 0(a2)
    or a4, x0, x0
    CHECK(a4, 0)

    # Multiplier and divider results used at once, and fed from a just-computed value.
test_6:
    li TESTNUM, 6
    li a1, 12345
    addi a2, a1, 1        # 12346
    mul a3, a1, a2        # 152411370
    addi a3, a3, 30       # 152411400
    li a5, 100
    divu a4, a3, a5       # 1524114
    rem a6, a4, a5        # 14
    mul a6, a6, a6        # 196
    CHECK(a6, 196)
test_7:
    li TESTNUM, 7
    li a1, -7
    li a2, 2
    div a3, a1, a2        # -3
    div a3, a3, a2        # -1
    mulh a4, a3, a3       # 0
    add a4, a4, a3        # -1
    CHECK(a4, 0xffffffff)

    # Load-use at distances 0, 1, 2 and on the second operand.
test_8:
    li TESTNUM, 8
    la a1, tdata
    lw a2, 0(a1)          # 100
    add a3, a1, a2        # distance 0 on rs2
    sub a3, a3, a1        # 100
    lw a4, 4(a1)          # 200
    nop
    add a5, a4, a3        # distance 1: 300
    lw a6, 8(a1)          # 300
    nop
    nop
    sub a6, a6, a5        # distance 2: 0
    CHECK(a6, 0)

    # Load to a register then store it; load then load with the result as an address.
test_9:
    li TESTNUM, 9
    la a1, tdata
    lw a2, 12(a1)         # pointer to tdata + 4
    lw a3, 0(a2)          # 200
    sw a3, 16(a1)
    lw a4, 16(a1)
    CHECK(a4, 200)

    # A computed address used at once by a load and by a store.
test_10:
    li TESTNUM, 10
    la a1, tdata
    addi a2, a1, 8
    lw a3, 0(a2)          # 300
    addi a2, a2, 12       # tdata + 20
    sw a3, 0(a2)
    lw a4, 20(a1)
    CHECK(a4, 300)

    # Branch and jalr on just-computed and just-loaded values.
test_11:
    li TESTNUM, 11
    li a1, 3
    addi a1, a1, -3
    bnez a1, fail
    la a2, 1f
    jalr x0, 0(a2)
    j fail
1:  la a3, tdata
    lw a4, 24(a3)         # address of label 2f
    jalr x0, 0(a4)
    j fail
2:

    # Store data forwarded from the ALU and from the multiplier.
test_12:
    li TESTNUM, 12
    la a1, tdata
    li a2, 6
    mul a3, a2, a2
    sw a3, 28(a1)
    addi a3, a3, 1
    sw a3, 32(a1)
    lw a4, 28(a1)
    lw a5, 32(a1)
    add a4, a4, a5
    CHECK(a4, 73)

    j pass

    .data
    .balign 4
tdata:
    .word 100, 200, 300, tdata + 4, 0, 0, 2b, 0, 0
TEST_END
