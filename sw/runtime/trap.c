/* trap.c: ending a run through the finisher, and the C side of the trap entry in crt0.S. */
#include "hetsoc.h"

void exit(int code)
{
    HETSOC_REG(FINISHER, EXIT) = (uint32_t)code;
    /* The simulator stops at the write; on hardware without a host there is nothing to return
     * to, so park the hart. */
    for (;;)
        wait_for_interrupt();
}

void hetsoc_trap_exit(uint32_t mcause)
{
    HETSOC_REG(FINISHER, TRAP) = mcause;
    for (;;)
        wait_for_interrupt();
}

static const char *const exception_names[] = {
    "instruction address misaligned",
    "instruction access fault",
    "illegal instruction",
    "breakpoint",
    "load address misaligned",
    "load access fault",
    "store address misaligned",
    "store access fault",
    "ecall from U-mode",
    "ecall from S-mode",
    "reserved",
    "ecall from M-mode",
};

const char *trap_cause_name(uint32_t mcause)
{
    uint32_t code = mcause & ~MCAUSE_INTERRUPT;
    if (mcause & MCAUSE_INTERRUPT) {
        switch (code) {
        case 3:
            return "machine software interrupt";
        case 7:
            return "machine timer interrupt";
        case 11:
            return "machine external interrupt";
        default:
            return "unknown interrupt";
        }
    }
    if (code < sizeof exception_names / sizeof exception_names[0])
        return exception_names[code];
    return "unknown exception";
}

/* Weak default: nothing is handled, so every trap is fatal. */
__attribute__((weak)) int trap_handler_hook(struct trap_frame *frame)
{
    (void)frame;
    return 0;
}

/* Called by crt0's _trap_entry with the saved frame; returns only if the hook handled it. */
void hetsoc_trap_dispatch(struct trap_frame *frame);

void hetsoc_trap_dispatch(struct trap_frame *frame)
{
    if (trap_handler_hook(frame))
        return;
    printf("trap: %s (mcause=0x%08x) at pc=0x%08x mtval=0x%08x\n",
           trap_cause_name(frame->mcause), (unsigned)frame->mcause, (unsigned)frame->mepc,
           (unsigned)frame->mtval);
    hetsoc_trap_exit(frame->mcause);
}
