# Instruction-fetch traps. A jump or taken branch to an address that is not 4-byte aligned
# traps on the jump: mcause 0, mepc = the jump, mtval = the target, rd not written. A fetch
# from an address nothing decodes: mcause 1, mepc = mtval = that address (the jump there
# completed, so its link register is written).
#include "test_macros.h"

TEST_BEGIN
    USE_TRAP_CHECK
    li ra, 0x55

    # jal +2 (hand-encoded: assemblers refuse misaligned targets).
test_1:
    li TESTNUM, 1
    TRAP_EXPECT(0, 1f, 0, 2f)
    addi s4, s3, 2
1:  .word 0x002000ef                        # jal ra, .+2
    j fail_notrap
2:  CHECK(ra, 0x55)
    li t6, 1
    bne s6, t6, fail_count

    # jal -2.
test_2:
    li TESTNUM, 2
    TRAP_EXPECT(0, 1f, 0, 2f)
    addi s4, s3, -2
1:  .word 0xfffff06f                        # jal x0, .-2
    j fail_notrap
2:  li t6, 1
    bne s6, t6, fail_count

    # jalr to base + 2, and to base + 3 (bit 0 cleared: still misaligned by 2).
test_3:
    li TESTNUM, 3
    TRAP_EXPECT(0, 1f, 0, 2f)
    la a1, 3f
    addi s4, a1, 2
1:  jalr ra, 2(a1)
    j fail_notrap
3:  j fail_notrap
    j fail_notrap
2:  CHECK(ra, 0x55)
    li t6, 1
    bne s6, t6, fail_count
test_4:
    li TESTNUM, 4
    TRAP_EXPECT(0, 1f, 0, 2f)
    la a1, 3f
    addi s4, a1, 2
1:  jalr ra, 3(a1)
    j fail_notrap
3:  j fail_notrap
    j fail_notrap
2:  CHECK(ra, 0x55)
    li t6, 1
    bne s6, t6, fail_count

    # Taken branch to +2 traps, a not-taken one does not.
test_5:
    li TESTNUM, 5
    TRAP_EXPECT(0, 1f, 0, 2f)
    addi s4, s3, 2
1:  .word 0x00000163                        # beq x0, x0, .+2
    j fail_notrap
2:  li t6, 1
    bne s6, t6, fail_count
test_6:
    li TESTNUM, 6
    li s6, 0
    li a1, 5
    li a2, 5
    .word 0x00001163                        # bne x0, x0, .+2
    .word 0x00c59163                        # bne a1, a2, .+2
    .word 0x00b64163                        # blt a2, a1, .+2
    bnez s6, fail_count

    # Fetch from an unmapped address: the jalr itself completes and links.
test_7:
    li TESTNUM, 7
    TRAP_EXPECT(1, 0, UNMAPPED_ADDR, 2f)
    li s3, UNMAPPED_ADDR
    li a1, UNMAPPED_ADDR
    la a2, 1f
    addi a2, a2, 4
1:  jalr ra, 0(a1)
    j fail_notrap
2:  bne ra, a2, fail
    li t6, 1
    bne s6, t6, fail_count

    # Fetch from the first address past main memory, reached by jal-free jalr with an offset.
test_8:
    li TESTNUM, 8
    TRAP_EXPECT(1, 0, HETSOC_MAIN_MEMORY_END, 2f)
    li s3, HETSOC_MAIN_MEMORY_END
    li a1, HETSOC_MAIN_MEMORY_END - 16
1:  jalr x0, 16(a1)
    j fail_notrap
2:  li t6, 1
    bne s6, t6, fail_count

    # Fetch from address 0 (below the peripheral window; also mtvec's reset value).
test_9:
    li TESTNUM, 9
    TRAP_EXPECT(1, 0, 0, 2f)
    li s3, 0
1:  jalr x0, 0(x0)
    j fail_notrap
2:  li t6, 1
    bne s6, t6, fail_count

    j pass
TEST_END
