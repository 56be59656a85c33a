# Load/store traps. A misaligned access completes inside a memory (misaligned.S). One that
# crosses the end of a memory, touches a peripheral page or starts at an unmapped address is
# an access fault (mcause 5 load / 7 store), raised before any bus access: mtval is the address
# of the part that faulted (the memory's end, else the access's own address). Aligned accesses
# to unmapped addresses: access faults, mtval = the address. A trapping load does not write its
# destination; a trapping store changes no memory.
#include "test_macros.h"

TEST_BEGIN
    USE_TRAP_CHECK
    li a5, 0x1234

    # Across the end of main memory: the part past the end faults, nothing of the rest happens.
    li s0, HETSOC_MAIN_MEMORY_END - 4
    li a2, 0x11223344
    sw a2, 0(s0)
    TEST_TRAP(1, 5, HETSOC_MAIN_MEMORY_END, lw a5, 1(s0))
    TEST_TRAP(2, 5, HETSOC_MAIN_MEMORY_END, lh a5, 3(s0))
    TEST_TRAP(3, 5, HETSOC_MAIN_MEMORY_END, lhu a5, 3(s0))
    CHECK(a5, 0x1234)
    TEST_TRAP(4, 7, HETSOC_MAIN_MEMORY_END, sw a5, 2(s0))
    TEST_TRAP(5, 7, HETSOC_MAIN_MEMORY_END, sh a5, 3(s0))
    TEST_CASE(6, a4, 0x11223344, lw a4, 0(s0))

    # Across the end of L1: the part past the end faults, nothing of the rest happens.
    li s0, HETSOC_L1_END - 4
    li a2, 0x11223344
    sw a2, 0(s0)
    TEST_TRAP(7, 5, HETSOC_L1_END, lw a5, 1(s0))
    TEST_TRAP(8, 5, HETSOC_L1_END, lh a5, 3(s0))
    TEST_TRAP(9, 5, HETSOC_L1_END, lhu a5, 3(s0))
    CHECK(a5, 0x1234)
    TEST_TRAP(10, 7, HETSOC_L1_END, sw a5, 2(s0))
    TEST_TRAP(11, 7, HETSOC_L1_END, sh a5, 3(s0))
    TEST_CASE(12, a4, 0x11223344, lw a4, 0(s0))

    # Across the end of L2: the part past the end faults, nothing of the rest happens.
    li s0, HETSOC_L2_END - 4
    li a2, 0x11223344
    sw a2, 0(s0)
    TEST_TRAP(13, 5, HETSOC_L2_END, lw a5, 1(s0))
    TEST_TRAP(14, 5, HETSOC_L2_END, lh a5, 3(s0))
    TEST_TRAP(15, 5, HETSOC_L2_END, lhu a5, 3(s0))
    CHECK(a5, 0x1234)
    TEST_TRAP(16, 7, HETSOC_L2_END, sw a5, 2(s0))
    TEST_TRAP(17, 7, HETSOC_L2_END, sh a5, 3(s0))
    TEST_CASE(18, a4, 0x11223344, lw a4, 0(s0))

    # Misaligned accesses to peripheral pages never reach the device: the finisher would end
    # the run, the console print.
    li s0, HETSOC_TIMER_BASE
    TEST_TRAP(40, 5, HETSOC_TIMER_BASE + 1, lw a5, 1(s0))
    TEST_TRAP(41, 5, HETSOC_TIMER_BASE + 3, lh a5, 3(s0))
    TEST_TRAP(42, 5, HETSOC_TIMER_BASE + 1, lhu a5, 1(s0))
    CHECK(a5, 0x1234)
    li s0, HETSOC_FINISHER_BASE
    TEST_TRAP(43, 7, HETSOC_FINISHER_BASE + 1, sh a5, 1(s0))
    TEST_TRAP(44, 7, HETSOC_FINISHER_BASE + 2, sw a5, 2(s0))
    li s0, HETSOC_CONSOLE_BASE
    TEST_TRAP(45, 7, HETSOC_CONSOLE_BASE + 3, sh a5, 3(s0))
    # Starting at an unmapped address.
    li s0, UNMAPPED_ADDR
    TEST_TRAP(46, 5, UNMAPPED_ADDR + 2, lw a5, 2(s0))
    TEST_TRAP(47, 7, UNMAPPED_ADDR + 1, sh a5, 1(s0))
    CHECK(a5, 0x1234)

    # Access faults: an address nothing decodes (UNMAPPED_ADDR from the config) and the first
    # byte past main memory.
    TEST_TRAP(50, 5, UNMAPPED_ADDR, li a1, UNMAPPED_ADDR; la s3, 1f; 1: lw a5, 0(a1))
    CHECK(a5, 0x1234)
    TEST_TRAP(51, 5, UNMAPPED_ADDR + 2, li a1, UNMAPPED_ADDR; la s3, 1f; 1: lh a5, 2(a1))
    TEST_TRAP(52, 5, UNMAPPED_ADDR + 3, li a1, UNMAPPED_ADDR; la s3, 1f; 1: lbu a5, 3(a1))
    CHECK(a5, 0x1234)
    TEST_TRAP(53, 7, UNMAPPED_ADDR, li a1, UNMAPPED_ADDR; la s3, 1f; 1: sw a5, 0(a1))
    TEST_TRAP(54, 7, UNMAPPED_ADDR + 2, li a1, UNMAPPED_ADDR; la s3, 1f; 1: sh a5, 2(a1))
    TEST_TRAP(55, 7, UNMAPPED_ADDR + 1, li a1, UNMAPPED_ADDR; la s3, 1f; 1: sb a5, 1(a1))
    TEST_TRAP(56, 5, HETSOC_MAIN_MEMORY_END,
              li a1, HETSOC_MAIN_MEMORY_END; la s3, 1f; 1: lw a5, 0(a1))
    TEST_TRAP(57, 7, HETSOC_MAIN_MEMORY_END,
              li a1, HETSOC_MAIN_MEMORY_END - 4; la s3, 1f; 1: sw a5, 4(a1))
    CHECK(a5, 0x1234)

    # A faulting load right after a store, and a faulting store right after a load.
    la s7, scratch
test_60:
    li TESTNUM, 60
    TRAP_EXPECT(5, 1f, UNMAPPED_ADDR, 2f)
    li a1, UNMAPPED_ADDR
    li a2, 0x99
    sw a2, 12(s7)
1:  lw a2, 0(a1)
    j fail_notrap
2:  CHECK(a2, 0x99)
    lw a4, 12(s7)
    CHECK(a4, 0x99)
test_61:
    li TESTNUM, 61
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
