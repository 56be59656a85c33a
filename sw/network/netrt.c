/* netrt.c: the runtime of generated network firmware (see netrt.h). */
#include "netrt.h"

#include "dma.h"
#include "hetsoc.h"
#ifdef HETSOC_HAS_NPU
#include "npu.h"
#endif

/* The step running, for error lines: -1 before the first (the prologue's loads), NET_STEPS
 * after the last (the epilogue's store). */
static int current_step = -1;

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

void net_init(void)
{
    /* One write window covering L2 and L1 (the gap between them is unmapped for the DMA). */
    dma_set_windows(NET_LOAD_CHANNEL, HETSOC_L3_BASE, HETSOC_L3_END,
                    MIN(HETSOC_L2_BASE, HETSOC_L1_BASE), MAX(HETSOC_L2_END, HETSOC_L1_END));
    dma_set_windows(NET_STORE_CHANNEL, HETSOC_L1_BASE, HETSOC_L1_END, HETSOC_L3_BASE,
                    HETSOC_L3_END);
}

void net_mark(unsigned index)
{
    current_step = (int)index;
    net_marks[index] = read_mcycle64();
}

/* The DMA's rows are at most 65535 bytes: a long copy goes as rows of CHUNK bytes (tag 1),
 * then the remainder (tag 2). A failure names the step, the channel, the status and the
 * descriptor that failed, and how many bytes of the copy had been written
 * (hetsoc.runtime names the layer and the transfer from them). */
#define CHUNK 32768u

static void copy(unsigned ch, uint32_t src, uint32_t dst, uint32_t n)
{
    dma_desc_t d[2];
    unsigned count = 0;
    uint32_t rows = n <= 65528u ? 0 : n / CHUNK, done = rows * CHUNK;
    if (rows) {
        dma_desc_t big = {src, dst, (uint16_t)CHUNK, (uint16_t)rows, 1, 1, CHUNK, 0, CHUNK, 0};
        d[count++] = big;
    }
    if (n > done)
        d[count++] = dma_desc_1d(src + done, dst + done, n - done, 2);
    dma_clear_counters(ch);
    for (unsigned k = 0; k < count; k++)
        dma_submit(ch, &d[k]);
    for (unsigned k = 0; k < count; k++) { /* completions come in queue order */
        uint32_t status = dma_wait(ch, 0);
        if (status != HETSOC_DMA_STATUS_OK) {
            printf("net: step %d: DMA channel %u: %s on ", current_step, ch,
                   dma_status_name(status));
            dma_print_descriptor(&d[k]);
            printf("; %u of the copy's %u bytes written (0x%08x -> 0x%08x)\n",
                   (unsigned)dma_bytes(ch), (unsigned)n, (unsigned)src, (unsigned)dst);
            exit(NET_EXIT_DMA);
        }
    }
}

void net_dma_load(uint32_t src, uint32_t dst, uint32_t n) { copy(NET_LOAD_CHANNEL, src, dst, n); }
void net_dma_store(uint32_t src, uint32_t dst, uint32_t n) { copy(NET_STORE_CHANNEL, src, dst, n); }

#ifdef HETSOC_HAS_NPU /* a config without an NPU links no NPU driver */
void net_npu_weights(uint32_t l2_addr, uint32_t n32)
{
    if (npu_load_weights(NPU, 0, (const uint32_t *)(uintptr_t)l2_addr, n32) != 0) {
        printf("net: step %d: NPU weight image of %u words does not fit\n", current_step,
               (unsigned)n32);
        exit(NET_EXIT_NPU);
    }
}

void net_npu_run(const uint32_t desc[HETSOC_NPU_DESC_WORDS])
{
    /* The core sleeps in a wfi while the layer runs (acc_wait_irq), as a TinyML SoC's host
     * does: nothing for it to do, and a simulation stops its clock meanwhile. */
    acc_set_descriptor(NPU, desc, HETSOC_NPU_DESC_WORDS);
    acc_start(NPU);
    npu_error_t err = (npu_error_t)acc_wait_irq(NPU);
    if (err != NPU_OK) {
        printf("net: step %d: the NPU refused the descriptor: %s\n", current_step,
               npu_error_name(err));
        exit(NET_EXIT_NPU);
    }
}
#endif
