/* sys.c: ending a run through the finisher peripheral. */
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
