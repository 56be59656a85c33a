# Load/store traps. Misaligned lw/lh/lhu/sw/sh: mcause 4/6, mtval = the address. Unmapped
# addresses: load/store access faults, mcause 5/7, mtval = the address. A trapping load does
# not write its destination; a trapping store changes no memory. Byte accesses never misalign.
#include "test_macros.h"

TEST_BEGIN
    USE_TRAP_CHECK
    la s7, scratch
    li a5, 0x1234

    # Misaligned loads and stores.
    TEST_TRAP(1, 4, 0, addi a1, s7, 1; la s3, 1f; addi s4, s7, 1; 1: lw a5, 0(a1))
    CHECK(a5, 0x1234)
    TEST_TRAP(2, 4, 0, la s3, 1f; addi s4, s7, 2; 1: lw a5, 2(s7))
    TEST_TRAP(3, 4, 0, la s3, 1f; addi s4, s7, 3; 1: lw a5, 3(s7))
    TEST_TRAP(4, 4, 0, la s3, 1f; addi s4, s7, 1; 1: lh a5, 1(s7))
    TEST_TRAP(5, 4, 0, la s3, 1f; addi s4, s7, 3; 1: lhu a5, 3(s7))
    CHECK(a5, 0x1234)
    TEST_TRAP(6, 6, 0, la s3, 1f; addi s4, s7, 1; 1: sw a5, 1(s7))
    TEST_TRAP(7, 6, 0, la s3, 1f; addi s4, s7, 2; 1: sw a5, 2(s7))
    TEST_TRAP(8, 6, 0, la s3, 1f; addi s4, s7, 7; 1: sw a5, 7(s7))
    TEST_TRAP(9, 6, 0, la s3, 1f; addi s4, s7, 5; 1: sh a5, 5(s7))
    # The stores above changed nothing.
    TEST_CASE(10, a4, 0x11223344, lw a4, 0(s7))
    TEST_CASE(11, a4, 0x55667788, lw a4, 4(s7))
    # Aligned halves and any byte are fine.
    TEST_CASE(12, a4, 0x1122, lhu a4, 2(s7))
    TEST_CASE(13, a4, 0x33, lbu a4, 1(s7); lb a5, 3(s7); sb a5, 9(s7); sh a5, 10(s7))
    li a5, 0x1234

    # Access faults: an address nothing decodes (UNMAPPED_ADDR from the config) and the first
    # byte past main memory.
    TEST_TRAP(20, 5, UNMAPPED_ADDR, li a1, UNMAPPED_ADDR; la s3, 1f; 1: lw a5, 0(a1))
    CHECK(a5, 0x1234)
    TEST_TRAP(21, 5, UNMAPPED_ADDR + 2, li a1, UNMAPPED_ADDR; la s3, 1f; 1: lh a5, 2(a1))
    TEST_TRAP(22, 5, UNMAPPED_ADDR + 3, li a1, UNMAPPED_ADDR; la s3, 1f; 1: lbu a5, 3(a1))
    CHECK(a5, 0x1234)
    TEST_TRAP(23, 7, UNMAPPED_ADDR, li a1, UNMAPPED_ADDR; la s3, 1f; 1: sw a5, 0(a1))
    TEST_TRAP(24, 7, UNMAPPED_ADDR + 2, li a1, UNMAPPED_ADDR; la s3, 1f; 1: sh a5, 2(a1))
    TEST_TRAP(25, 7, UNMAPPED_ADDR + 1, li a1, UNMAPPED_ADDR; la s3, 1f; 1: sb a5, 1(a1))
    TEST_TRAP(26, 5, HETSOC_MAIN_MEMORY_END,
              li a1, HETSOC_MAIN_MEMORY_END; la s3, 1f; 1: lw a5, 0(a1))
    TEST_TRAP(27, 7, HETSOC_MAIN_MEMORY_END,
              li a1, HETSOC_MAIN_MEMORY_END - 4; la s3, 1f; 1: sw a5, 4(a1))
    CHECK(a5, 0x1234)

    # A faulting load right after a store, and a faulting store right after a load.
test_30:
    li TESTNUM, 30
    TRAP_EXPECT(5, 1f, UNMAPPED_ADDR, 2f)
    li a1, UNMAPPED_ADDR
    li a2, 0x99
    sw a2, 12(s7)
1:  lw a2, 0(a1)
    j fail_notrap
2:  CHECK(a2, 0x99)
    lw a4, 12(s7)
    CHECK(a4, 0x99)
test_31:
    li TESTNUM, 31
    TRAP_EXPECT(7, 1f, UNMAPPED_ADDR, 2f)
    lw a2, 12(s7)
1:  sw a2, 0(a1)
    j fail_notrap
2:  CHECK(a2, 0x99)

    j pass

    .data
    .balign 16
scratch:
    .word 0x11223344, 0x55667788, 0, 0
TEST_END
