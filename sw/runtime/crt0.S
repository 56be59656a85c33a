/* crt0.S: reset entry and trap entry of the hetsoc host.
 *
 * _start sits in .text.init, which the generated linker script places at cpu.reset_vector.
 * Symbols (__global_pointer$, _stack_top, _bss_start, _bss_end) come from that script.
 */

#define FRAME_SIZE (36 * 4) /* struct trap_frame in hetsoc.h: 32 regs, mepc, mcause, mtval, pad */
#define REG(n) ((n) * 4)
#define F_MEPC (32 * 4)
#define F_MCAUSE (33 * 4)
#define F_MTVAL (34 * 4)

    .section .text.init, "ax", @progbits
    .globl _start
    .type _start, @function
_start:
    /* gp must be loaded without relaxation, or the linker would rewrite this to gp-relative. */
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, _stack_top
    la t0, _trap_entry
    csrw mtvec, t0

    /* Zero .sbss and .bss: both ends are 4-byte aligned by the linker script. */
    la t0, _bss_start
    la t1, _bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:
    li a0, 0 /* argc */
    li a1, 0 /* argv */
    li ra, 0 /* ends backtraces here */
    call main
    call exit /* main's return value is already in a0 */
3:  j 3b
    .size _start, . - _start

/* Direct-mode mtvec needs a 4-byte aligned target. Saves every register so a handler may
 * return (interrupts) and inspect or change any of them through struct trap_frame. */
    .text
    .balign 4
    .globl _trap_entry
    .type _trap_entry, @function
_trap_entry:
    addi sp, sp, -FRAME_SIZE
    sw x1, REG(1)(sp)
    sw x3, REG(3)(sp)
    sw x4, REG(4)(sp)
    sw x5, REG(5)(sp)
    sw x6, REG(6)(sp)
    sw x7, REG(7)(sp)
    sw x8, REG(8)(sp)
    sw x9, REG(9)(sp)
    sw x10, REG(10)(sp)
    sw x11, REG(11)(sp)
    sw x12, REG(12)(sp)
    sw x13, REG(13)(sp)
    sw x14, REG(14)(sp)
    sw x15, REG(15)(sp)
    sw x16, REG(16)(sp)
    sw x17, REG(17)(sp)
    sw x18, REG(18)(sp)
    sw x19, REG(19)(sp)
    sw x20, REG(20)(sp)
    sw x21, REG(21)(sp)
    sw x22, REG(22)(sp)
    sw x23, REG(23)(sp)
    sw x24, REG(24)(sp)
    sw x25, REG(25)(sp)
    sw x26, REG(26)(sp)
    sw x27, REG(27)(sp)
    sw x28, REG(28)(sp)
    sw x29, REG(29)(sp)
    sw x30, REG(30)(sp)
    sw x31, REG(31)(sp)
    sw zero, REG(0)(sp)
    addi t0, sp, FRAME_SIZE /* the interrupted sp */
    sw t0, REG(2)(sp)
    csrr t0, mepc
    sw t0, F_MEPC(sp)
    csrr t0, mcause
    sw t0, F_MCAUSE(sp)
    csrr t0, mtval
    sw t0, F_MTVAL(sp)

    mv a0, sp
    call hetsoc_trap_dispatch /* returns only if the trap was handled */

    lw t0, F_MEPC(sp)
    csrw mepc, t0
    lw x1, REG(1)(sp)
    lw x3, REG(3)(sp)
    lw x4, REG(4)(sp)
    lw x5, REG(5)(sp)
    lw x6, REG(6)(sp)
    lw x7, REG(7)(sp)
    lw x8, REG(8)(sp)
    lw x9, REG(9)(sp)
    lw x10, REG(10)(sp)
    lw x11, REG(11)(sp)
    lw x12, REG(12)(sp)
    lw x13, REG(13)(sp)
    lw x14, REG(14)(sp)
    lw x15, REG(15)(sp)
    lw x16, REG(16)(sp)
    lw x17, REG(17)(sp)
    lw x18, REG(18)(sp)
    lw x19, REG(19)(sp)
    lw x20, REG(20)(sp)
    lw x21, REG(21)(sp)
    lw x22, REG(22)(sp)
    lw x23, REG(23)(sp)
    lw x24, REG(24)(sp)
    lw x25, REG(25)(sp)
    lw x26, REG(26)(sp)
    lw x27, REG(27)(sp)
    lw x28, REG(28)(sp)
    lw x29, REG(29)(sp)
    lw x30, REG(30)(sp)
    lw x31, REG(31)(sp)
    addi sp, sp, FRAME_SIZE
    mret
    .size _trap_entry, . - _trap_entry
