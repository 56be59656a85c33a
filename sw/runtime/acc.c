/* acc.c: the accelerator register-page protocol (see sw/include/acc.h), linked into every
 * program like the rest of the runtime. */
#include "acc.h"

#include "hetsoc.h"

void acc_set_descriptor(acc_t u, const uint32_t *desc, unsigned words)
{
    for (unsigned k = 0; k < words; k++)
        HETSOC_MMIO32(u + HETSOC_ACC_DESC0 + 4 * k) = desc[k];
}

void acc_start(acc_t u)
{
    ACC_REG(u, IRQ) = ACC_IRQ_DONE | ACC_IRQ_ERROR;
    ACC_REG(u, CTRL) = HETSOC_ACC_CTRL_START_MASK;
}

uint32_t acc_status(acc_t u) { return ACC_REG(u, STATUS); }
int acc_busy(acc_t u) { return (ACC_REG(u, STATUS) & ACC_STATUS_BUSY) != 0; }

uint32_t acc_wait(acc_t u)
{
    uint32_t status;
    while (!((status = ACC_REG(u, STATUS)) & ACC_STATUS_DONE))
        ;
    return ACC_STATUS_CODE(status);
}

uint32_t acc_wait_irq(acc_t u)
{
    const uint32_t events = ACC_IRQ_DONE | ACC_IRQ_ERROR;
    uint32_t mie_was = csr_read(mie) & MIP_MEIP;
    uint32_t mstatus_was = csr_read(mstatus) & MSTATUS_MIE;
    uint32_t enable_was = ACC_REG(u, IRQ_EN);
    irq_global_disable(); /* wfi still wakes on mip & mie; no handler takes the interrupt */
    irq_enable(MIP_MEIP);
    ACC_REG(u, IRQ_EN) = enable_was | events;
    /* The interrupt is a level (IRQ & IRQ_EN) that stays up until acknowledged, so an event
     * that arrives between the test and the wfi still wakes it. */
    while (!((csr_read(mip) & MIP_MEIP) && (ACC_REG(u, IRQ) & ACC_IRQ_DONE)))
        wait_for_interrupt();
    uint32_t status = ACC_REG(u, STATUS);
    ACC_REG(u, IRQ) = events;
    ACC_REG(u, IRQ_EN) = enable_was;
    if (!mie_was)
        irq_disable(MIP_MEIP);
    if (mstatus_was)
        irq_global_enable();
    return ACC_STATUS_CODE(status);
}

uint32_t acc_wait_handled(acc_t u)
{
    uint32_t status;
    for (;;) {
        /* Check with interrupts off, so the interrupt cannot slip in between the check and the
         * wfi; a pending interrupt wakes wfi even with mstatus.MIE clear, and is taken once MIE
         * is set again. */
        irq_global_disable();
        status = ACC_REG(u, STATUS);
        if (status & ACC_STATUS_DONE)
            break;
        wait_for_interrupt();
        irq_global_enable();
    }
    irq_global_enable();
    return ACC_STATUS_CODE(status);
}

uint32_t acc_irq_service(acc_t u)
{
    uint32_t events = ACC_REG(u, IRQ) & ACC_REG(u, IRQ_EN);
    if (events)
        ACC_REG(u, IRQ) = events;
    return events;
}

uint32_t acc_run(acc_t u, const uint32_t *desc, unsigned words)
{
    acc_set_descriptor(u, desc, words);
    acc_start(u);
    return acc_wait(u);
}

void acc_irq_enable(acc_t u, uint32_t events) { ACC_REG(u, IRQ_EN) = events; }
uint32_t acc_irq_enabled(acc_t u) { return ACC_REG(u, IRQ_EN); }
uint32_t acc_irq_pending(acc_t u) { return ACC_REG(u, IRQ); }
void acc_irq_clear(acc_t u, uint32_t events) { ACC_REG(u, IRQ) = events; }
uint32_t acc_busy_cycles(acc_t u) { return ACC_REG(u, BUSY_CYCLES); }
uint32_t acc_stall_cycles(acc_t u) { return ACC_REG(u, STALL_CYCLES); }
uint32_t acc_work(acc_t u) { return ACC_REG(u, WORK); }
uint32_t acc_l1_read_bytes(acc_t u) { return ACC_REG(u, L1_RD_BYTES); }
uint32_t acc_l1_written_bytes(acc_t u) { return ACC_REG(u, L1_WR_BYTES); }

uint32_t acc_desc_words(acc_t u)
{
    return (ACC_REG(u, INFO) & HETSOC_ACC_INFO_DESC_WORDS_MASK) >> HETSOC_ACC_INFO_DESC_WORDS_SHIFT;
}

uint32_t acc_port_bytes(acc_t u)
{
    return (ACC_REG(u, INFO) & HETSOC_ACC_INFO_PORT_BYTES_MASK) >> HETSOC_ACC_INFO_PORT_BYTES_SHIFT;
}
