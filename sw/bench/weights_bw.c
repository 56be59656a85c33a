/* weights_bw.c: how fast weights reach the accelerators, by the CPU and by the DMA.
 *
 * Each line: "prog NAME bytes=N cycles=N busy=N": NAME is <unit>_cpu (the driver's register
 * path, npu_load_weights / cim_program_beats, from an image in L2; cycles from the first write
 * to the last, by mcycle) or <unit>_dma (a DMA from L3 into the unit's DMA window on channel 0;
 * cycles from the submission to the completion as the core sees them, busy the channel's busy
 * counter). The images hold zeros: valid weights for both units, and the time does not depend
 * on the values. Returns 0 when every transfer completed.
 */
#include "cim.h"
#include "dma.h"
#include "hetsoc.h"
#include "npu.h"

#define BYTES 32768u

static int bad;

static void dma_path(const char *name, uint32_t window, uint32_t offset)
{
    dma_set_windows(0, HETSOC_L3_BASE, HETSOC_L3_END, window, window + offset + BYTES);
    dma_desc_t d = {HETSOC_L3_BASE, window + offset, 4096, BYTES / 4096, 1, 1, 4096, 0, 4096, 0};
    dma_clear_counters(0);
    uint32_t start = rdcycle();
    dma_submit(0, &d);
    uint32_t status = dma_wait(0, 0);
    uint32_t cycles = rdcycle() - start;
    if (status != HETSOC_DMA_STATUS_OK || dma_bytes(0) != BYTES) {
        printf("%s: %s, %u bytes\n", name, dma_status_name(status), (unsigned)dma_bytes(0));
        bad = 1;
    }
    printf("prog %s bytes=%u cycles=%u busy=%u\n", name, (unsigned)dma_bytes(0),
           (unsigned)cycles, (unsigned)dma_busy_cycles(0));
}

int main(void)
{
    const uint32_t *image = (const uint32_t *)HETSOC_L2_BASE;
    memset((void *)(uintptr_t)HETSOC_L2_BASE, 0, BYTES);
#ifdef HETSOC_HAS_NPU
    uint32_t start = rdcycle();
    if (npu_load_weights(NPU, 0, image, BYTES / 4) != 0)
        bad = 1;
    printf("prog npu_cpu bytes=%u cycles=%u busy=0\n", BYTES, (unsigned)(rdcycle() - start));
    dma_path("npu_dma", HETSOC_NPU_DMA_BASE, 0);
#endif
#if defined(HETSOC_HAS_CIM) && defined(HETSOC_CIM_DMA_BASE)
    /* BYTES of cells: rows of cols / 4 bytes from row 0, all column groups */
    uint32_t row_bytes = HETSOC_CIM_COLS / 4, rows = BYTES / row_bytes;
    uint32_t groups = HETSOC_CIM_COLS / cim_cols_per_cycle(CIM);
    start = rdcycle();
    cim_program_beats(CIM, 0, rows, groups, image);
    printf("prog cim_cpu bytes=%u cycles=%u busy=0\n", BYTES, (unsigned)(rdcycle() - start));
    dma_path("cim_dma", HETSOC_CIM_DMA_BASE, 0);
#endif
    return bad;
}
