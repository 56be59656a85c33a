/* cim_dma_errors.c: the CIM's cells as a DMA destination, and what its window refuses.
 *
 * The host loads the valid layer of cim_error_cases.h as a window image into L3 at
 * CIM_DMA_IMAGE (its rows x cols/4 bytes) and as many bytes of +1 cells at CIM_DMA_POISON
 * (cim_dma_cases.h, hetsoc.accel.cim.testgen.dma_cases).
 * 1. The image goes into the macro by DMA: PROG_CYCLES grows by a beat per 8 bytes.
 * 2. The layer starts; while it runs, a DMA of the poison into the window ends with a bus
 *    error (programming is serialised with computation). The layer's output is golden's, and
 *    so is a second run on the same cells (the refused transfer wrote nothing), and PROG_CYCLES
 *    did not move.
 * 3. The poison again, by a channel whose write window stops short of the CIM's window
 *    (destination window), and past the end of the CIM's window (unmapped): refused, and the
 *    layer still gives golden's output.
 * Prints one line per check and "cim_dma_errors: ok"; returns 0 on success.
 */
#include "cim.h"
#include "cim_dma_cases.h"
#include "cim_error_cases.h"
#include "hetsoc.h"

#define WINDOW HETSOC_CIM_DMA_BASE

static int bad;

static void expect(const char *what, int ok)
{
    printf("cim_dma_errors: %s: %s\n", what, ok ? "ok" : "FAIL");
    if (!ok)
        bad = 1;
}

static uint32_t program(uint32_t src)
{
    dma_desc_t d;
    if (cim_program_dma_desc(WINDOW, HETSOC_CIM_COLS, src, 0, CIM_OK_ROWS, HETSOC_CIM_COLS, 1,
                             &d) != 0)
        return 0xFFu;
    dma_submit(0, &d);
    return dma_wait(0, 0);
}

static void start(void)
{
    memcpy((void *)(uintptr_t)CIM_L1(CIM_OK_IN_ADDR), cim_ok_x, sizeof cim_ok_x);
    memcpy((void *)(uintptr_t)CIM_L1(CIM_OK_PARAM_ADDR), cim_ok_params, sizeof cim_ok_params);
    memset((void *)(uintptr_t)CIM_L1(CIM_OK_OUT_ADDR), 0x5A, sizeof cim_ok_expected);
    acc_set_descriptor(CIM, cim_ok_desc, CIM_DESC_WORDS);
    acc_start(CIM);
}

static int golden(void)
{
    return acc_wait(CIM) == CIM_ERR_NONE && acc_busy_cycles(CIM) == CIM_OK_CYCLES &&
           memcmp((const void *)(uintptr_t)CIM_L1(CIM_OK_OUT_ADDR), cim_ok_expected,
                  sizeof cim_ok_expected) == 0;
}

int main(void)
{
    dma_set_windows(0, HETSOC_L3_BASE, HETSOC_L3_END, WINDOW, WINDOW + HETSOC_CIM_DMA_SIZE);
    uint32_t prog0 = cim_prog_cycles(CIM);
    expect("image by DMA", program(CIM_DMA_IMAGE) == HETSOC_DMA_STATUS_OK &&
                               cim_prog_cycles(CIM) - prog0 == CIM_DMA_IMAGE_BYTES / 8);

    start();
    prog0 = cim_prog_cycles(CIM);
    uint32_t refused = program(CIM_DMA_POISON);
    int was_busy = acc_busy(CIM);
    expect("poison while a descriptor runs: bus error",
           refused == HETSOC_DMA_STATUS_BUS_ERROR && was_busy);
    expect("output of the layer that ran meanwhile", golden());
    start();
    expect("output again on the same cells", golden() && cim_prog_cycles(CIM) == prog0);

    dma_set_windows(0, HETSOC_L3_BASE, HETSOC_L3_END, WINDOW, WINDOW + 8);
    expect("poison outside the channel's write window: destination window",
           program(CIM_DMA_POISON) == HETSOC_DMA_STATUS_DST_WINDOW);
    dma_set_windows(0, HETSOC_L3_BASE, HETSOC_L3_END, 0, 0xFFFFFFF8u);
    dma_desc_t past = dma_desc_1d(CIM_DMA_POISON, WINDOW + HETSOC_CIM_DMA_SIZE - 8, 16, 2);
    dma_submit(0, &past);
    expect("poison past the end of the CIM's window: unmapped",
           dma_wait(0, 0) == HETSOC_DMA_STATUS_UNMAPPED);
    start();
    expect("output after the refused transfers", golden() && cim_prog_cycles(CIM) == prog0);

    printf("cim_dma_errors: %s\n", bad ? "FAIL" : "ok");
    return bad;
}
