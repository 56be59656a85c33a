/* dma_chain.c: a 4x8x64-byte tensor goes L3 -> L2 -> L1 -> L2 -> L3 through the DMA driver,
 * padded and unpadded by 3-D strides on the way, and comes back unchanged.
 *
 * The CPU cannot address L3, so the tensor is made in L2 and seeded into L3 by DMA first, and
 * read back into L2 at the end. Steps alternate between the two channels; channel 0 reports
 * completions by interrupt too, counted by the trap hook. Returns 0 on success.
 */
#include "dma.h"
#include "hetsoc.h"

#define PLANES 4
#define ROWS 8
#define ROW 64
#define BYTES (PLANES * ROWS * ROW)
#define PAD_ROW (ROW + 16)
#define PAD_PLANE (ROWS * PAD_ROW + 32)

#define A (HETSOC_L2_BASE + 0x1000u)  /* the tensor, made by the CPU */
#define B (HETSOC_L2_BASE + 0x2000u)  /* padded copy from L3 */
#define C (HETSOC_L2_BASE + 0x4000u)  /* padded copy from L1 */
#define D (HETSOC_L2_BASE + 0x6000u)  /* final read-back */
#define X (HETSOC_L1_BASE + 0x0100u)  /* dense copy in L1 */
#define T (HETSOC_L3_BASE + 0x10000u) /* seed in L3 */
#define U (HETSOC_L3_BASE + 0x20008u) /* result in L3 */

static volatile int irqs;

int trap_handler_hook(struct trap_frame *frame)
{
    if (frame->mcause != (MCAUSE_INTERRUPT | 11u))
        return 0;
    irqs++;
    dma_irq_clear(0, dma_irq_pending(0));
    return 1;
}

static dma_desc_t tile(uint32_t src, uint32_t dst, int pad_src, int pad_dst, uint16_t tag)
{
    dma_desc_t d = {src, dst, ROW, ROWS, PLANES, tag,
                    pad_src ? PAD_ROW : ROW, pad_src ? PAD_PLANE : ROWS * ROW,
                    pad_dst ? PAD_ROW : ROW, pad_dst ? PAD_PLANE : ROWS * ROW};
    return d;
}

static int step(unsigned ch, dma_desc_t d)
{
    uint16_t tag = 0xFFFF;
    dma_submit(ch, &d);
    uint32_t status = dma_wait(ch, &tag);
    if (status != HETSOC_DMA_STATUS_OK || tag != d.tag) {
        printf("dma_chain: step %d on channel %u: %s, tag %d\n", d.tag, ch,
               dma_status_name(status), tag);
        return 1;
    }
    return 0;
}

static int compare(uint32_t addr, const char *what)
{
    const volatile uint32_t *got = (const volatile uint32_t *)addr;
    const volatile uint32_t *want = (const volatile uint32_t *)A;
    for (unsigned i = 0; i < BYTES / 4; i++) {
        if (got[i] != want[i]) {
            printf("dma_chain: %s word %u is %08x, expected %08x\n", what, i, got[i], want[i]);
            return 1;
        }
    }
    return 0;
}

int main(void)
{
    volatile uint32_t *a = (volatile uint32_t *)A;
    for (unsigned i = 0; i < BYTES / 4; i++)
        a[i] = i * 2654435761u ^ 0x5a5a1234u;
    for (unsigned ch = 0; ch < 2; ch++)
        dma_set_windows(ch, HETSOC_L2_BASE, HETSOC_L3_END, HETSOC_L2_BASE, HETSOC_L3_END);
    dma_irq_enable(0, DMA_IRQ_DONE | DMA_IRQ_ERROR);
    irq_enable(MIP_MEIP);
    irq_global_enable();

    int bad = 0;
    bad |= step(0, dma_desc_1d(A, T, BYTES, 1));   /* seed: L2 -> L3 */
    bad |= step(1, tile(T, B, 0, 1, 2));           /* L3 -> L2, padded */
    bad |= step(0, tile(B, X, 1, 0, 3));           /* L2 -> L1, dense */
    bad |= step(1, tile(X, C, 0, 1, 4));           /* L1 -> L2, padded */
    bad |= step(0, tile(C, U, 1, 0, 5));           /* L2 -> L3, dense */
    bad |= step(1, dma_desc_1d(U, D, BYTES, 6));   /* read back: L3 -> L2 */
    bad |= compare(X, "L1 copy");
    bad |= compare(D, "round trip");
    irq_global_disable();
    if (irqs != 3) {
        printf("dma_chain: %d interrupts from channel 0, expected 3\n", irqs);
        bad = 1;
    }
    printf("dma_chain: %s, %u bytes by channel 0, %u by channel 1\n", bad ? "FAIL" : "ok",
           dma_bytes(0), dma_bytes(1));
    return bad;
}
