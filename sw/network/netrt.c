/* netrt.c: the runtime of generated network firmware (see netrt.h). */
#include "netrt.h"

#include "dma.h"
#include "hetsoc.h"
#ifdef HETSOC_HAS_NPU
#include "npu.h"
#endif
#ifdef HETSOC_HAS_CIM
#include "cim.h"
#endif

/* The step running, for error lines: -1 before the first (the prologue's loads), NET_STEPS
 * after the last (the epilogue's store). */
static int current_step = -1;

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static void load_windows(void)
{
    /* One write window covering L2 and L1 (the gap between them is unmapped for the DMA). */
    dma_set_windows(NET_LOAD_CHANNEL, HETSOC_L3_BASE, HETSOC_L3_END,
                    MIN(HETSOC_L2_BASE, HETSOC_L1_BASE), MAX(HETSOC_L2_END, HETSOC_L1_END));
}

void net_init(void)
{
    load_windows();
    dma_set_windows(NET_STORE_CHANNEL, HETSOC_L1_BASE, HETSOC_L1_END, HETSOC_L3_BASE,
                    HETSOC_L3_END);
}

void net_mark(unsigned index)
{
    current_step = (int)index;
    net_busy[index] = 0; /* referenced here, so every firmware links it */
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
    net_busy[current_step] += acc_busy_cycles(NPU);
    if (err != NPU_OK) {
        printf("net: step %d: the NPU refused the descriptor: %s\n", current_step,
               npu_error_name(err));
        exit(NET_EXIT_NPU);
    }
}
#endif

#ifdef HETSOC_HAS_CIM /* a config without a CIM links no CIM driver */
void net_cim_weights(uint32_t l3_addr, uint32_t rows, uint32_t cols)
{
    dma_desc_t d;
    if (cim_program_dma_desc(HETSOC_CIM_DMA_BASE, HETSOC_CIM_COLS, l3_addr, 0, rows, cols,
                             3 /* tag: CIM weights; copy() uses 1 and 2 */, &d) != 0) {
        printf("net: step %d: CIM weights of %u rows x %u columns do not fit the macro\n",
               current_step, (unsigned)rows, (unsigned)cols);
        exit(NET_EXIT_CIM);
    }
    /* The load channel writes the CIM's window for this transfer only. */
    dma_set_windows(NET_LOAD_CHANNEL, HETSOC_L3_BASE, HETSOC_L3_END, HETSOC_CIM_DMA_BASE,
                    HETSOC_CIM_DMA_BASE + HETSOC_CIM_DMA_SIZE);
    dma_clear_counters(NET_LOAD_CHANNEL);
    dma_submit(NET_LOAD_CHANNEL, &d);
    uint32_t status = dma_wait(NET_LOAD_CHANNEL, 0);
    load_windows();
    if (status != HETSOC_DMA_STATUS_OK) { /* the line of a failed copy (see copy) */
        uint32_t n = rows * (cols / 4u);
        printf("net: step %d: DMA channel %u: %s on ", current_step, NET_LOAD_CHANNEL,
               dma_status_name(status));
        dma_print_descriptor(&d);
        printf("; %u of the copy's %u bytes written (0x%08x -> 0x%08x)\n",
               (unsigned)dma_bytes(NET_LOAD_CHANNEL), (unsigned)n, (unsigned)l3_addr,
               (unsigned)d.dst);
        exit(NET_EXIT_DMA);
    }
}

void net_cim_run(const uint32_t desc[HETSOC_CIM_DESC_WORDS])
{
    acc_set_descriptor(CIM, desc, HETSOC_CIM_DESC_WORDS);
    acc_start(CIM);
    uint32_t err = acc_wait_irq(CIM);
    net_busy[current_step] += acc_busy_cycles(CIM);
    if (err != CIM_ERR_NONE) {
        printf("net: step %d: the CIM refused the descriptor: %s\n", current_step,
               cim_error_name(err));
        exit(NET_EXIT_CIM);
    }
}
#endif

/* The transposes move 4 bytes a load or a store where the layout allows it: a 4x4 block of
 * bytes (4 pixels of 4 channels) through registers when c and hw are multiples of 4, else one
 * word of 4 channels of a pixel against 4 bytes; any other shape byte by byte. */
static inline void transpose4(uint32_t a, uint32_t b, uint32_t c, uint32_t d, uint32_t *out)
{
    uint32_t t0 = (a & 0x00FF00FFu) | ((b << 8) & 0xFF00FF00u);
    uint32_t t1 = ((a >> 8) & 0x00FF00FFu) | (b & 0xFF00FF00u);
    uint32_t t2 = (c & 0x00FF00FFu) | ((d << 8) & 0xFF00FF00u);
    uint32_t t3 = ((c >> 8) & 0x00FF00FFu) | (d & 0xFF00FF00u);
    out[0] = (t0 & 0xFFFFu) | (t2 << 16);
    out[1] = (t1 & 0xFFFFu) | (t3 << 16);
    out[2] = (t0 >> 16) | (t2 & 0xFFFF0000u);
    out[3] = (t1 >> 16) | (t3 & 0xFFFF0000u);
}

/* A rows x cols byte matrix at src into its transpose at dst (both 4-byte aligned, rows and
 * cols multiples of 4). */
static void transpose_blocks(uint32_t src, uint32_t dst, uint32_t rows, uint32_t cols)
{
    for (uint32_t r = 0; r < rows; r += 4) {
        const uint32_t *s = (const uint32_t *)(uintptr_t)(src + r * cols);
        uint32_t *d = (uint32_t *)(uintptr_t)(dst + r);
        const uint32_t sw = cols / 4, dw = rows / 4;
        for (uint32_t k = 0; k < sw; k++, s++, d += 4 * dw) {
            uint32_t out[4];
            transpose4(s[0], s[sw], s[2 * sw], s[3 * sw], out);
            d[0] = out[0];
            d[dw] = out[1];
            d[2 * dw] = out[2];
            d[3 * dw] = out[3];
        }
    }
}

void net_nchw_to_hwc(uint32_t src, uint32_t dst, uint32_t c, uint32_t hw)
{
    const int8_t *s = (const int8_t *)(uintptr_t)src;
    int aligned = ((src | dst) & 3u) == 0 && c % 4u == 0;
    if (aligned && hw % 4u == 0) {
        transpose_blocks(src, dst, c, hw);
        return;
    }
    if (aligned) {
        uint32_t *d = (uint32_t *)(uintptr_t)dst;
        for (uint32_t p = 0; p < hw; p++)
            for (uint32_t ch = 0; ch < c; ch += 4) {
                const uint8_t *q = (const uint8_t *)s + ch * hw + p;
                *d++ = q[0] | (uint32_t)q[hw] << 8 | (uint32_t)q[2 * hw] << 16 |
                       (uint32_t)q[3 * hw] << 24;
            }
        return;
    }
    for (uint32_t ch = 0; ch < c; ch++) {
        int8_t *d = (int8_t *)(uintptr_t)dst + ch;
        for (uint32_t p = 0; p < hw; p++, d += c)
            *d = *s++;
    }
}

void net_hwc_to_nchw(uint32_t src, uint32_t dst, uint32_t c, uint32_t hw)
{
    int8_t *d = (int8_t *)(uintptr_t)dst;
    int aligned = ((src | dst) & 3u) == 0 && c % 4u == 0;
    if (aligned && hw % 4u == 0) {
        transpose_blocks(src, dst, hw, c);
        return;
    }
    if (aligned) {
        const uint32_t *s = (const uint32_t *)(uintptr_t)src;
        for (uint32_t p = 0; p < hw; p++)
            for (uint32_t ch = 0; ch < c; ch += 4) {
                uint32_t v = *s++;
                uint8_t *q = (uint8_t *)d + ch * hw + p;
                q[0] = (uint8_t)v;
                q[hw] = (uint8_t)(v >> 8);
                q[2 * hw] = (uint8_t)(v >> 16);
                q[3 * hw] = (uint8_t)(v >> 24);
            }
        return;
    }
    for (uint32_t ch = 0; ch < c; ch++) {
        const int8_t *s = (const int8_t *)(uintptr_t)src + ch;
        for (uint32_t p = 0; p < hw; p++, s += c)
            *d++ = *s;
    }
}
