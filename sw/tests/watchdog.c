/* watchdog.c: a program that waits forever on a unit, for the timeout report
 * (hetsoc.sim.watch): the simulation must end at its cycle limit naming the unit still busy and
 * its last descriptor, never silently.
 *
 * -DHANG_DMA_READ: channel 0 copies 4 KiB from the L3 model's hang window (L3_HANG_BASE, from
 *   hetsoc.sim.hdl.l3_hang_defines), which never answers, to L2; the program waits for it.
 * -DHANG_DMA_WRITE: channel 1 copies 4 KiB from L2 into the hang window; same.
 * -DNPU_LONG=i: the NPU runs layer i of the firmware test (npu_layers.h) over and over, so at
 *   the cycle limit it is busy (in all but a few cycles between runs).
 * Each prints "watchdog: waiting" first, so the console shows the program got that far.
 */
#include "dma.h"
#include "hetsoc.h"
#ifdef NPU_LONG
#include "npu.h"
#include "npu_layers.h"
#endif

int main(void)
{
#ifdef HANG_DMA_READ
    dma_set_windows(0, HETSOC_L3_BASE, HETSOC_L3_END, HETSOC_L2_BASE, HETSOC_L2_END);
    dma_desc_t d = dma_desc_1d(L3_HANG_BASE, HETSOC_L2_BASE, 4096, 5);
    dma_submit(0, &d);
    printf("watchdog: waiting\n");
    dma_wait(0, 0);
#endif
#ifdef HANG_DMA_WRITE
    dma_set_windows(1, HETSOC_L2_BASE, HETSOC_L2_END, HETSOC_L3_BASE, HETSOC_L3_END);
    dma_desc_t d = dma_desc_1d(HETSOC_L2_BASE, L3_HANG_BASE, 4096, 6);
    dma_submit(1, &d);
    printf("watchdog: waiting\n");
    dma_wait(1, 0);
#endif
#ifdef NPU_LONG
    const npu_test_layer_t *L = &npu_layers[NPU_LONG];
    npu_load_weights(NPU, L->w_base, L->weights, L->weight_words32);
    printf("watchdog: waiting\n");
    for (;;) { /* the layer again and again: busy in all but a few cycles of each run */
        acc_set_descriptor(NPU, L->desc, HETSOC_NPU_DESC_WORDS);
        acc_start(NPU);
        while (acc_busy(NPU))
            ;
    }
#endif
    printf("watchdog: finished\n");
    return 1;
}
