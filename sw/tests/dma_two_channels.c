/* dma_two_channels.c: two channels at once, L3 -> L1 on channel 0 and L2 -> L1 on channel 1,
 * each as a queue of descriptors; checks the data, prints counters and throughput.
 * Returns 0 on success.
 */
#include "dma.h"
#include "hetsoc.h"

#define N 16384u                      /* bytes per channel */
#define P (HETSOC_L2_BASE + 0x10000u) /* channel 0's data, seeded into L3 */
#define Q (HETSOC_L2_BASE + 0x20000u) /* channel 1's data */
#define S (HETSOC_L3_BASE + 0x40000u)
#define Y (HETSOC_L1_BASE + 0x00000u)
#define Z (HETSOC_L1_BASE + 0x10000u)
#define PARTS 4                       /* descriptors per channel */

static uint32_t p_word(uint32_t i) { return i * 0x01000193u + 17u; }
static uint32_t q_word(uint32_t i) { return ~(i * 0x9E3779B9u); }

int main(void)
{
    volatile uint32_t *p = (volatile uint32_t *)P, *q = (volatile uint32_t *)Q;
    for (uint32_t i = 0; i < N / 4; i++) {
        p[i] = p_word(i);
        q[i] = q_word(i);
    }
    for (unsigned ch = 0; ch < 2; ch++)
        dma_set_windows(ch, HETSOC_L2_BASE, HETSOC_L3_END, HETSOC_L1_BASE, HETSOC_L3_END);
    dma_desc_t seed = dma_desc_1d(P, S, N, 0);
    dma_submit(0, &seed);
    int bad = dma_wait(0, 0) != HETSOC_DMA_STATUS_OK;
    dma_clear_counters(0);
    dma_clear_counters(1);

    uint32_t start = rdcycle();
    for (unsigned k = 0; k < PARTS; k++) {
        dma_desc_t a = dma_desc_1d(S + k * (N / PARTS), Y + k * (N / PARTS), N / PARTS, k);
        dma_desc_t b = dma_desc_1d(Q + k * (N / PARTS), Z + k * (N / PARTS), N / PARTS, k);
        dma_submit(0, &a);
        dma_submit(1, &b);
    }
    for (unsigned k = 0; k < 2 * PARTS; k++) {
        uint16_t tag;
        if (dma_wait(k % 2, &tag) != HETSOC_DMA_STATUS_OK || tag != k / 2)
            bad = 1;
    }
    uint32_t cycles = rdcycle() - start;

    const volatile uint32_t *y = (const volatile uint32_t *)Y, *z = (const volatile uint32_t *)Z;
    for (uint32_t i = 0; i < N / 4; i++) {
        if (y[i] != p_word(i) || z[i] != q_word(i)) {
            printf("dma_two_channels: word %u differs\n", i);
            bad = 1;
            break;
        }
    }
    for (unsigned ch = 0; ch < 2; ch++)
        printf("channel %u: bytes=%u busy=%u stall=%u\n", ch, dma_bytes(ch), dma_busy_cycles(ch),
               dma_stall_cycles(ch));
    printf("both: %u bytes in %u cycles (x100 bytes/cycle: %u); L1 conflicts %u\n", 2 * N,
           cycles, 200 * N / cycles, dma_l1_conflicts());
    if (dma_bytes(0) != N || dma_bytes(1) != N)
        bad = 1;
    printf("dma_two_channels: %s\n", bad ? "FAIL" : "ok");
    return bad;
}
