/* dma_bw.c: DMA throughput on large transfers, one channel and two at once.
 *
 * Each line: "bw NAME bytes=N busy=N wall=N": bytes moved, the channel's busy cycles (from the
 * descriptor's pop to its completion) and the cycles the core saw from submission to the last
 * completion (includes the driver's register writes and polling). The DMA's datapath moves
 * 8 bytes per cycle at most per memory port. Returns 0 when every transfer completed.
 */
#include "dma.h"
#include "hetsoc.h"

#define N 65536u
#define ROW 1024u
#ifndef REPEAT
#define REPEAT 0 /* extra L3 -> L2 -> L3 round trips, for timing the simulation of L3 traffic */
#endif

static int bad;

static dma_desc_t big(uint32_t src, uint32_t dst)
{
    dma_desc_t d = {src, dst, ROW, N / ROW, 1, 0, ROW, 0, ROW, 0};
    return d;
}

static void one(const char *name, uint32_t src, uint32_t dst)
{
    dma_desc_t d = big(src, dst);
    dma_clear_counters(0);
    uint32_t start = rdcycle();
    dma_submit(0, &d);
    if (dma_wait(0, 0) != HETSOC_DMA_STATUS_OK)
        bad = 1;
    uint32_t wall = rdcycle() - start;
    printf("bw %s bytes=%u busy=%u wall=%u\n", name, dma_bytes(0), dma_busy_cycles(0), wall);
}

static void two(const char *name, uint32_t s0, uint32_t d0, uint32_t s1, uint32_t d1)
{
    dma_desc_t a = big(s0, d0), b = big(s1, d1);
    dma_clear_counters(0);
    dma_clear_counters(1);
    uint32_t start = rdcycle();
    dma_submit(0, &a);
    dma_submit(1, &b);
    if (dma_wait(0, 0) != HETSOC_DMA_STATUS_OK || dma_wait(1, 0) != HETSOC_DMA_STATUS_OK)
        bad = 1;
    uint32_t wall = rdcycle() - start;
    uint32_t busy = dma_busy_cycles(0) > dma_busy_cycles(1) ? dma_busy_cycles(0)
                                                              : dma_busy_cycles(1);
    printf("bw %s bytes=%u busy=%u wall=%u\n", name, dma_bytes(0) + dma_bytes(1), busy, wall);
}

int main(void)
{
    for (unsigned ch = 0; ch < 2; ch++)
        dma_set_windows(ch, HETSOC_L2_BASE, HETSOC_L3_END, HETSOC_L2_BASE, HETSOC_L3_END);
    const uint32_t l1 = HETSOC_L1_BASE, l2 = HETSOC_L2_BASE, l3 = HETSOC_L3_BASE;
    one("l2_to_l1", l2, l1);
    one("l1_to_l2", l1, l2 + N);
    one("l3_to_l2", l3, l2);
    one("l2_to_l3", l2 + N, l3 + N);
    one("l1_to_l1", l1, l1 + N);
    two("two_l3_to_l2_and_l2_to_l1", l3, l2 + 2 * N, l2, l1 + 2 * N);
    two("two_l2_to_l1_and_l1_to_l2", l2, l1 + N, l1 + 2 * N, l2 + 3 * N);
    for (unsigned k = 0; k < REPEAT; k++) {
        dma_desc_t in = big(l3, l2), out = big(l2, l3 + N);
        dma_submit(0, &in);
        dma_submit(1, &out);
        if (dma_wait(0, 0) != HETSOC_DMA_STATUS_OK || dma_wait(1, 0) != HETSOC_DMA_STATUS_OK)
            bad = 1;
    }
    printf("dma_bw: %s\n", bad ? "FAIL" : "ok");
    return bad;
}
