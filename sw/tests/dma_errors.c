/* dma_errors.c: descriptors outside the channel's windows, misaligned or of zero size end with
 * an error status and an interrupt, and leave memory outside the window untouched.
 * Returns 0 on success.
 */
#include "dma.h"
#include "hetsoc.h"

#define RBASE (HETSOC_L2_BASE + 0x2000u)
#define REND (HETSOC_L2_BASE + 0x3000u)
#define WBASE (HETSOC_L1_BASE + 0x1000u)
#define WEND (HETSOC_L1_BASE + 0x2000u)
/* Watched area: the write window and 2 KiB either side of it. */
#define LO (WBASE - 0x800u)
#define HI (WEND + 0x800u)

static volatile int errors_seen;

int trap_handler_hook(struct trap_frame *frame)
{
    if (frame->mcause != (MCAUSE_INTERRUPT | 11u))
        return 0;
    if (dma_irq_pending(0) & DMA_IRQ_ERROR)
        errors_seen++;
    dma_irq_clear(0, DMA_IRQ_DONE | DMA_IRQ_ERROR);
    return 1;
}

static uint32_t pattern(uint32_t addr) { return addr * 0x9E3779B9u + 0x1234567u; }

struct bad_case {
    dma_desc_t d;
    uint32_t status;
};

int main(void)
{
    for (uint32_t p = LO; p < HI; p += 4)
        *(volatile uint32_t *)p = pattern(p);
    for (uint32_t p = RBASE; p < REND; p += 4)
        *(volatile uint32_t *)p = ~pattern(p);
    dma_set_windows(0, RBASE, REND, WBASE, WEND);
    dma_irq_enable(0, DMA_IRQ_ERROR);
    irq_enable(MIP_MEIP);
    irq_global_enable();

    const struct bad_case cases[] = {
        {{RBASE, WEND - 64, 128, 1, 1, 1, 0, 0, 0, 0}, HETSOC_DMA_STATUS_DST_WINDOW},
        {{RBASE, WBASE - 8, 64, 1, 1, 2, 0, 0, 0, 0}, HETSOC_DMA_STATUS_DST_WINDOW},
        {{RBASE, WBASE, 64, 4, 2, 3, 64, 256, 64, 4096}, HETSOC_DMA_STATUS_DST_WINDOW},
        {{REND - 32, WBASE, 64, 1, 1, 4, 0, 0, 0, 0}, HETSOC_DMA_STATUS_SRC_WINDOW},
        {{RBASE + 4, WBASE, 64, 1, 1, 5, 0, 0, 0, 0}, HETSOC_DMA_STATUS_MISALIGNED},
        {{RBASE, WBASE, 60, 1, 1, 6, 0, 0, 0, 0}, HETSOC_DMA_STATUS_MISALIGNED},
        {{RBASE, WBASE, 64, 2, 1, 7, 64, 0, 68, 0}, HETSOC_DMA_STATUS_MISALIGNED},
        {{RBASE, WBASE, 0, 1, 1, 8, 0, 0, 0, 0}, HETSOC_DMA_STATUS_ZERO_SIZE},
        {{RBASE, WBASE, 64, 0, 1, 9, 0, 0, 0, 0}, HETSOC_DMA_STATUS_ZERO_SIZE},
        {{RBASE, HETSOC_MAIN_MEMORY_BASE, 64, 1, 1, 10, 0, 0, 0, 0}, HETSOC_DMA_STATUS_UNMAPPED},
    };
    const int n = sizeof(cases) / sizeof(cases[0]);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        uint16_t tag = 0;
        dma_submit(0, &cases[i].d);
        uint32_t status = dma_wait(0, &tag);
        if (status != cases[i].status || tag != cases[i].d.tag) {
            printf("dma_errors: case %d: %s (tag %d), expected %s\n", i, dma_status_name(status),
                   tag, dma_status_name(cases[i].status));
            bad = 1;
        }
    }
    /* Give the last interrupt time to arrive. */
    for (int spin = 0; spin < 100 && errors_seen < n; spin++)
        ;
    for (uint32_t p = LO; p < HI; p += 4) {
        if (*(volatile uint32_t *)p != pattern(p)) {
            printf("dma_errors: %08x changed\n", p);
            bad = 1;
            break;
        }
    }
    /* A valid copy inside the windows still works and writes only its destination. */
    dma_desc_t ok = dma_desc_1d(RBASE, WBASE + 256, 512, 11);
    dma_submit(0, &ok);
    if (dma_wait(0, 0) != HETSOC_DMA_STATUS_OK)
        bad = 1;
    for (uint32_t p = LO; p < HI; p += 4) {
        int inside = p >= WBASE + 256 && p < WBASE + 768;
        uint32_t want = inside ? ~pattern(RBASE + (p - WBASE - 256)) : pattern(p);
        if (*(volatile uint32_t *)p != want) {
            printf("dma_errors: after the valid copy %08x is %08x, expected %08x\n", p,
                   *(volatile uint32_t *)p, want);
            bad = 1;
            break;
        }
    }
    irq_global_disable();
    if (errors_seen != n) {
        printf("dma_errors: %d error interrupts, expected %d\n", errors_seen, n);
        bad = 1;
    }
    printf("dma_errors: %s, %d bad descriptors refused\n", bad ? "FAIL" : "ok", n);
    return bad;
}
