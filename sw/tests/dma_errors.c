/* dma_errors.c: descriptors outside the channel's windows, misaligned or of zero size end with
 * an error status and an interrupt, and leave memory outside the window untouched; a push onto
 * a full queue is dropped, reported (sticky CH_STATUS.overflow, overflow event and interrupt) and
 * can be pushed again. Returns 0 on success.
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
static volatile int overflows_seen;

int trap_handler_hook(struct trap_frame *frame)
{
    if (frame->mcause != (MCAUSE_INTERRUPT | 11u))
        return 0;
    uint32_t pending = dma_irq_pending(0);
    if (pending & DMA_IRQ_ERROR)
        errors_seen++;
    if (pending & DMA_IRQ_OVERFLOW)
        overflows_seen++;
    dma_irq_clear(0, DMA_IRQ_DONE | DMA_IRQ_ERROR | DMA_IRQ_OVERFLOW);
    return 1;
}

static uint32_t pattern(uint32_t addr) { return addr * 0x9E3779B9u + 0x1234567u; }

#define CH0(reg) HETSOC_REG(DMA, CH_##reg)
#define STATUS_OVERFLOW HETSOC_DMA_CH_STATUS_OVERFLOW_MASK

/* Fill channel 0's queue behind a long transfer, push once more, check the report, then push
 * the dropped descriptor again. Returns nonzero on failure. */
static int overflow_test(void)
{
    int bad = 0;
    /* About 4,000 cycles of work: the read window's 4 KiB copied 8 times over the write window
     * (plane strides 0), so the queue is still full when the extra push comes. */
    dma_desc_t big = {RBASE, WBASE, 4096, 1, 8, 40, 0, 0, 0, 0};
    dma_submit(0, &big);
    int queued = 0;
    dma_desc_t d;
    for (;;) {
        d = dma_desc_1d(RBASE + 64u * queued, WBASE + 0x800u + 64u * queued, 64,
                        (uint16_t)(41 + queued));
        if (dma_try_submit(0, &d) != 0)
            break;
        queued++;
    }
    /* The push dma_try_submit refused, done anyway: the queue is full, so it is dropped. */
    const uint32_t *words = (const uint32_t *)&d;
    for (unsigned k = 0; k < HETSOC_DMA_DESC_WORDS; k++)
        HETSOC_MMIO32(HETSOC_DMA_BASE + HETSOC_DMA_CH_DESC0 + 4 * k) = words[k];
    CH0(PUSH) = 1;
    /* The overflow interrupt is not enabled yet: the flag stays set, nothing is taken. */
    uint32_t status = CH0(STATUS);
    uint32_t pending = dma_irq_pending(0);
    if (!(status & STATUS_OVERFLOW) || !(pending & DMA_IRQ_OVERFLOW) || overflows_seen) {
        printf("dma_errors: overflow not reported: status %08x irq %x seen %d\n", status,
               pending, overflows_seen);
        bad = 1;
    }
    /* Enabling it takes the interrupt; the handler clears the flag. */
    dma_irq_enable(0, DMA_IRQ_ERROR | DMA_IRQ_OVERFLOW);
    for (int spin = 0; spin < 100 && !overflows_seen; spin++)
        ;
    if (overflows_seen != 1 || (CH0(STATUS) & STATUS_OVERFLOW)) {
        printf("dma_errors: %d overflow interrupts, status %08x\n", overflows_seen, CH0(STATUS));
        bad = 1;
    }
    dma_irq_enable(0, DMA_IRQ_ERROR);
    /* One completion per accepted descriptor, in order, and none for the dropped one. */
    for (int i = 0; i <= queued; i++) {
        uint16_t tag = 0;
        uint32_t st = dma_wait(0, &tag);
        if (st != HETSOC_DMA_STATUS_OK || tag != 40 + i) {
            printf("dma_errors: completion %d: %s, tag %d\n", i, dma_status_name(st), tag);
            bad = 1;
        }
    }
    while (dma_busy(0))
        ;
    if (dma_poll(0, 0) != DMA_NO_COMPLETION) {
        printf("dma_errors: a completion for the dropped push\n");
        bad = 1;
    }
    /* The window: the big copy, then the queued small ones; the dropped one wrote nothing. */
    for (uint32_t off = 0; off < 4096; off += 4) {
        uint32_t small = off >= 0x800u ? (off - 0x800u) / 64u : 0xFFFFu;
        uint32_t src = small < (uint32_t)queued ? RBASE + off - 0x800u : RBASE + off;
        if (*(volatile uint32_t *)(WBASE + off) != ~pattern(src)) {
            printf("dma_errors: after the overflow, window byte %x is %08x\n", off,
                   *(volatile uint32_t *)(WBASE + off));
            bad = 1;
            break;
        }
    }
    /* Pushed again, the dropped descriptor runs. */
    dma_submit(0, &d);
    uint16_t tag = 0;
    if (dma_wait(0, &tag) != HETSOC_DMA_STATUS_OK || tag != 41 + queued) {
        printf("dma_errors: the dropped descriptor, pushed again, failed\n");
        bad = 1;
    }
    for (uint32_t off = 0; off < 64; off += 4) {
        if (*(volatile uint32_t *)(d.dst + off) != ~pattern(d.src + off)) {
            printf("dma_errors: the retried copy is wrong at %08x\n", d.dst + off);
            bad = 1;
            break;
        }
    }
    if (queued < 1) {
        printf("dma_errors: the queue took no descriptor\n");
        bad = 1;
    }
    return bad;
}

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
    bad |= overflow_test();
    irq_global_disable();
    if (errors_seen != n) {
        printf("dma_errors: %d error interrupts, expected %d\n", errors_seen, n);
        bad = 1;
    }
    printf("dma_errors: %s, %d bad descriptors refused, overflow reported\n", bad ? "FAIL" : "ok",
           n);
    return bad;
}
