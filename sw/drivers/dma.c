/* dma.c: the DMA driver (see dma.h). */
#include "dma.h"

#include "hetsoc.h"

static inline volatile uint32_t *dma_reg(unsigned ch, uint32_t offset)
{
    return (volatile uint32_t *)(uintptr_t)(HETSOC_DMA_BASE + ch * HETSOC_DMA_CH_STRIDE + offset);
}

void dma_set_windows(unsigned ch, uint32_t rbase, uint32_t rend, uint32_t wbase, uint32_t wend)
{
    *dma_reg(ch, HETSOC_DMA_CH_RWIN_BASE) = rbase;
    *dma_reg(ch, HETSOC_DMA_CH_RWIN_END) = rend;
    *dma_reg(ch, HETSOC_DMA_CH_WWIN_BASE) = wbase;
    *dma_reg(ch, HETSOC_DMA_CH_WWIN_END) = wend;
}

int dma_try_submit(unsigned ch, const dma_desc_t *d)
{
    if (*dma_reg(ch, HETSOC_DMA_CH_PUSH) == 0)
        return -1;
    const uint32_t *words = (const uint32_t *)d;
    for (unsigned k = 0; k < HETSOC_DMA_DESC_WORDS; k++)
        *dma_reg(ch, HETSOC_DMA_CH_DESC0 + 4 * k) = words[k];
    *dma_reg(ch, HETSOC_DMA_CH_PUSH) = 1;
    return 0;
}

void dma_submit(unsigned ch, const dma_desc_t *d)
{
    while (dma_try_submit(ch, d) != 0)
        ;
}

uint32_t dma_poll(unsigned ch, uint16_t *tag)
{
    uint32_t cpl = *dma_reg(ch, HETSOC_DMA_CH_CPL);
    if (!(cpl & HETSOC_DMA_CH_CPL_VALID_MASK))
        return DMA_NO_COMPLETION;
    *dma_reg(ch, HETSOC_DMA_CH_CPL) = 1; /* pop it */
    if (tag)
        *tag = (uint16_t)((cpl & HETSOC_DMA_CH_CPL_TAG_MASK) >> HETSOC_DMA_CH_CPL_TAG_SHIFT);
    return (cpl & HETSOC_DMA_CH_CPL_STATUS_MASK) >> HETSOC_DMA_CH_CPL_STATUS_SHIFT;
}

uint32_t dma_wait(unsigned ch, uint16_t *tag)
{
    uint32_t status;
    while ((status = dma_poll(ch, tag)) == DMA_NO_COMPLETION)
        ;
    return status;
}

int dma_busy(unsigned ch)
{
    uint32_t s = *dma_reg(ch, HETSOC_DMA_CH_STATUS);
    return (s & (HETSOC_DMA_CH_STATUS_BUSY_MASK | HETSOC_DMA_CH_STATUS_QUEUED_MASK)) != 0;
}

void dma_irq_enable(unsigned ch, uint32_t events) { *dma_reg(ch, HETSOC_DMA_CH_IRQ_EN) = events; }
uint32_t dma_irq_pending(unsigned ch) { return *dma_reg(ch, HETSOC_DMA_CH_IRQ); }
void dma_irq_clear(unsigned ch, uint32_t events) { *dma_reg(ch, HETSOC_DMA_CH_IRQ) = events; }
uint32_t dma_bytes(unsigned ch) { return *dma_reg(ch, HETSOC_DMA_CH_BYTES); }
uint32_t dma_busy_cycles(unsigned ch) { return *dma_reg(ch, HETSOC_DMA_CH_BUSY_CYCLES); }
uint32_t dma_stall_cycles(unsigned ch) { return *dma_reg(ch, HETSOC_DMA_CH_STALL_CYCLES); }
void dma_clear_counters(unsigned ch) { *dma_reg(ch, HETSOC_DMA_CH_CLEAR) = 1; }
uint32_t dma_l1_conflicts(void) { return HETSOC_REG(DMA, L1_CONFLICTS); }
uint32_t dma_l2_conflicts(void) { return HETSOC_REG(DMA, L2_CONFLICTS); }

const char *dma_status_name(uint32_t status)
{
    static const char *const names[] = {"ok", "zero size", "misaligned", "unmapped",
                                        "source window", "destination window", "bus error"};
    return status < sizeof(names) / sizeof(names[0]) ? names[status] : "unknown";
}

void dma_print_descriptor(const dma_desc_t *d)
{
    printf("descriptor tag %u: %u bytes (%u x %u x %u) 0x%08x -> 0x%08x", (unsigned)d->tag,
           (unsigned)d->row_bytes * d->rows * d->planes, (unsigned)d->planes, (unsigned)d->rows,
           (unsigned)d->row_bytes, (unsigned)d->src, (unsigned)d->dst);
}
