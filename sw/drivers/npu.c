/* npu.c: the NPU driver (see npu.h). */
#include "npu.h"

#include "hetsoc.h"

#define NPU_REG(name) HETSOC_REG(NPU, name)

int npu_load_weights(uint32_t w_base, const uint32_t *image, uint32_t n32)
{
    const uint32_t per_word = NPU_WORD_BYTES / 4;
    if (n32 % per_word || w_base > NPU_WEIGHT_WORDS || n32 / per_word > NPU_WEIGHT_WORDS - w_base)
        return -1;
    NPU_REG(WMEM_ADDR) = w_base;
    volatile uint32_t *data = &NPU_REG(WMEM_DATA);
    const uint32_t *p = image, *end = image + n32;
    /* Eight loads, then eight stores: no load-use bubble, one loop branch per eight words
     * (about 1.3 cycles a word instead of 4.3 word by word). */
    for (; end - p >= 8; p += 8) {
        uint32_t w0 = p[0], w1 = p[1], w2 = p[2], w3 = p[3];
        uint32_t w4 = p[4], w5 = p[5], w6 = p[6], w7 = p[7];
        *data = w0; *data = w1; *data = w2; *data = w3;
        *data = w4; *data = w5; *data = w6; *data = w7;
    }
    for (; p < end; p++)
        *data = *p;
    return 0;
}

void npu_set_descriptor(const uint32_t desc[HETSOC_NPU_DESC_WORDS])
{
    for (unsigned k = 0; k < HETSOC_NPU_DESC_WORDS; k++)
        HETSOC_MMIO32(HETSOC_NPU_BASE + HETSOC_NPU_DESC0 + 4 * k) = desc[k];
}

void npu_start(void)
{
    NPU_REG(IRQ) = NPU_IRQ_DONE | NPU_IRQ_ERROR;
    NPU_REG(CTRL) = 1;
}

uint32_t npu_status(void) { return NPU_REG(STATUS); }
int npu_busy(void) { return (NPU_REG(STATUS) & NPU_STATUS_BUSY) != 0; }

static npu_error_t status_error(uint32_t status)
{
    if (!(status & NPU_STATUS_ERROR))
        return NPU_OK;
    return (npu_error_t)((status >> NPU_STATUS_CODE_SHIFT) & NPU_STATUS_CODE_MASK);
}

npu_error_t npu_wait(void)
{
    uint32_t status;
    while (!((status = NPU_REG(STATUS)) & (NPU_STATUS_DONE | NPU_STATUS_ERROR)))
        ;
    return status_error(status);
}

npu_error_t npu_wait_irq(void)
{
    const uint32_t events = NPU_IRQ_DONE | NPU_IRQ_ERROR;
    uint32_t mie_was = csr_read(mie) & MIP_MEIP;
    uint32_t mstatus_was = csr_read(mstatus) & MSTATUS_MIE;
    uint32_t enable_was = NPU_REG(IRQ_EN);
    irq_global_disable(); /* wfi still wakes on mip & mie; no handler takes the interrupt */
    irq_enable(MIP_MEIP);
    NPU_REG(IRQ_EN) = enable_was | events;
    /* The NPU's interrupt is a level (IRQ & IRQ_EN) that stays up until acknowledged, so an
     * event that arrives between the test and the wfi still wakes it. */
    while (!((csr_read(mip) & MIP_MEIP) && (NPU_REG(IRQ) & events)))
        wait_for_interrupt();
    uint32_t status = NPU_REG(STATUS);
    NPU_REG(IRQ) = events;
    NPU_REG(IRQ_EN) = enable_was;
    if (!mie_was)
        irq_disable(MIP_MEIP);
    if (mstatus_was)
        irq_global_enable();
    return status_error(status);
}

npu_error_t npu_run(const uint32_t desc[HETSOC_NPU_DESC_WORDS])
{
    npu_set_descriptor(desc);
    npu_start();
    return npu_wait();
}

void npu_irq_enable(uint32_t events) { NPU_REG(IRQ_EN) = events; }
uint32_t npu_irq_enabled(void) { return NPU_REG(IRQ_EN); }
uint32_t npu_irq_pending(void) { return NPU_REG(IRQ); }
void npu_irq_clear(uint32_t events) { NPU_REG(IRQ) = events; }
uint32_t npu_busy_cycles(void) { return NPU_REG(BUSY_CYCLES); }
uint32_t npu_stall_cycles(void) { return NPU_REG(STALL_CYCLES); }
uint32_t npu_macs(void) { return NPU_REG(MACS); }

const char *npu_error_name(npu_error_t err)
{
    static const char *const names[] = {"ok",      "kernel",  "stride", "shape",    "input",
                                        "output",  "weights", "align",  "channels", "other"};
    return (unsigned)err < sizeof(names) / sizeof(names[0]) ? names[err] : "unknown";
}
