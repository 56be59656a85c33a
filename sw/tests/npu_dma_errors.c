/* npu_dma_errors.c: the NPU's weight memory as a DMA destination, and what it refuses.
 *
 * The host loads the weight image of layer NPU_DMA_LAYER of npu_layers.h (the longest) into L3 at NPU_DMA_IMAGE and as many
 * random bytes at NPU_DMA_POISON (npu_dma_cases.h, hetsoc.accel.npu.testgen.dma_cases_header).
 * 1. The image goes to its words by DMA; the layer starts. While it runs, a DMA of the poison
 *    into those words ends with a bus error, and a DMA of the image into words the layer does
 *    not read (from NPU_DMA_RELOC_BASE on) completes: weights stream in behind a running layer.
 * 2. The layer's output is golden's; so is a second run from the same words (the refused
 *    transfer wrote nothing), and a run of the relocated descriptor (the streamed copy).
 * 3. The poison aimed at the layer's words again, by a channel whose write window stops short of
 *    them (destination window), and past the end of the NPU's DMA window (unmapped): refused,
 *    and the layer still gives golden's output.
 * Prints one line per check and "npu_dma_errors: ok"; returns 0 on success.
 */
#include "hetsoc.h"
#include "npu.h"
#include "npu_layers.h"
#include "npu_dma_cases.h"

#define UNIT NPU
#define WINDOW HETSOC_NPU_DMA_BASE

static int bad;

static void expect(const char *what, int ok)
{
    printf("npu_dma_errors: %s: %s\n", what, ok ? "ok" : "FAIL");
    if (!ok)
        bad = 1;
}

/* Copy the poison or the image into weight word w_base by DMA (channel 0); the status. */
static uint32_t dma_weights(uint32_t src, uint32_t w_base)
{
    dma_desc_t d;
    if (npu_weights_dma_desc(UNIT, WINDOW, src, w_base, NPU_DMA_IMAGE_BYTES, 1, &d) != 0)
        return 0xFFu;
    dma_submit(0, &d);
    return dma_wait(0, 0);
}

/* Wait for the layer; 1 if it ended well with golden's output. */
static int output_ok(void)
{
    const npu_test_layer_t *L = &npu_layers[NPU_DMA_LAYER];
    return acc_wait(UNIT) == NPU_OK &&
           memcmp((const void *)(uintptr_t)(HETSOC_L1_BASE + L->expected.offset),
                  L->expected.data, L->expected.size) == 0;
}

/* Start the layer with its descriptor or another; unless start_only, wait: 1 if golden's. */
static int run(const uint32_t *desc, int start_only)
{
    const npu_test_layer_t *L = &npu_layers[NPU_DMA_LAYER];
    for (uint32_t i = 0; i < L->n_inputs; i++)
        memcpy((void *)(uintptr_t)(HETSOC_L1_BASE + L->inputs[i].offset), L->inputs[i].data,
               L->inputs[i].size);
    memset((void *)(uintptr_t)(HETSOC_L1_BASE + L->expected.offset), 0x5A, L->expected.size);
    acc_set_descriptor(UNIT, desc, HETSOC_NPU_DESC_WORDS);
    acc_start(UNIT);
    return start_only || output_ok();
}

int main(void)
{
    const npu_test_layer_t *L = &npu_layers[NPU_DMA_LAYER];
    const uint32_t span = npu_weight_words(UNIT) * npu_rows(UNIT);
    dma_set_windows(0, HETSOC_L3_BASE, HETSOC_L3_END, WINDOW, WINDOW + span);

    expect("image by DMA", dma_weights(NPU_DMA_IMAGE, L->w_base) == HETSOC_DMA_STATUS_OK);
    run(L->desc, 1);
    uint32_t refused = dma_weights(NPU_DMA_POISON, L->w_base);
    int was_busy = acc_busy(UNIT);
    expect("poison into the running layer's words: bus error",
           refused == HETSOC_DMA_STATUS_BUS_ERROR && was_busy);
    uint32_t streamed = dma_weights(NPU_DMA_IMAGE, NPU_DMA_RELOC_BASE);
    was_busy = acc_busy(UNIT);
    expect("image into other words while the layer runs", streamed == HETSOC_DMA_STATUS_OK &&
                                                              was_busy);
    expect("output of the layer that ran meanwhile", output_ok());
    expect("output again from the same words", run(L->desc, 0));
    expect("output from the streamed copy", run(npu_dma_reloc_desc, 0));

    /* a write window that ends before the layer's words */
    dma_set_windows(0, HETSOC_L3_BASE, HETSOC_L3_END, WINDOW, WINDOW + L->w_base * npu_rows(UNIT));
    expect("poison outside the channel's write window: destination window",
           dma_weights(NPU_DMA_POISON, L->w_base) == HETSOC_DMA_STATUS_DST_WINDOW);
    dma_set_windows(0, HETSOC_L3_BASE, HETSOC_L3_END, 0, 0xFFFFFFF8u);
    dma_desc_t past = dma_desc_1d(NPU_DMA_POISON, WINDOW + span - 8, 16, 2);
    dma_submit(0, &past);
    expect("poison past the end of the NPU's window: unmapped",
           dma_wait(0, 0) == HETSOC_DMA_STATUS_UNMAPPED);
    expect("output after the refused transfers", run(L->desc, 0));

    printf("npu_dma_errors: %s\n", bad ? "FAIL" : "ok");
    return bad;
}
