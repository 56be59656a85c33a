/* timer_irq.c: machine timer interrupts handled by overriding trap_handler_hook.
 *
 * Three interrupts TICK cycles apart; the hook re-arms the timer and returns 1 so the
 * interrupted code resumes. Returns 0 when all ticks arrived, 1 if the timer never fired.
 */
#include "hetsoc.h"

#ifndef TICK
#define TICK 2000u
#endif
#define TICKS 3

static volatile int ticks;

int trap_handler_hook(struct trap_frame *frame)
{
    if (frame->mcause != (MCAUSE_INTERRUPT | 7u))
        return 0; /* anything else is fatal: let the runtime report it */
    ticks++;
    if (ticks < TICKS)
        timer_set_compare(timer_read64() + TICK);
    else
        irq_disable(MIP_MTIP); /* done: no more timer interrupts */
    return 1;                  /* mepc already points at the interrupted instruction */
}

int main(void)
{
    timer_set_compare(timer_read64() + TICK);
    irq_enable(MIP_MTIP); /* mie.MTIE has the same bit position as mip.MTIP */
    irq_global_enable();
    uint64_t start = read_mcycle64();
    /* Spin rather than wfi: the last tick disables MTIE, and a wfi entered just after it
     * would wait for an interrupt that can no longer come. */
    while (ticks < TICKS && read_mcycle64() - start < 100u * TICK)
        ;
    irq_global_disable();
    printf("timer_irq: %d ticks\n", ticks);
    return ticks == TICKS ? 0 : 1;
}
