/* fault_injection.c: a hardware fault in the middle of a transfer or a layer, reported, with
 * nothing changed outside the faulting transfer's destination.
 *
 * tests/test_fault_injection.py generates fault_cases.h (every address and descriptor, from
 * Python) and loads L3 by backdoor: the initial images of L2 and L1 and the test's data. The
 * program first copies those images into all of L2 and L1 (FI_L2_BYTES and FI_L1_BYTES from
 * their bases), so every byte has a known value, then meets the fault, reports it in one line,
 * and copies L2 and L1 back out to L3 (the snapshots), where the test compares every byte with
 * the DMA's numpy model. Modes:
 *
 * -DFI_DMA: channel 0 runs fi_fault, which meets an injected L3 error part-way (the test puts
 *   the L3 model's fault window in the middle of its source or destination), while channel 1
 *   runs fi_side; prints "fault_injection: dma channel 0: <status> on <descriptor>; N bytes
 *   written; error event pending|not pending".
 * -DFI_HANG: channel 0 runs fi_fault into the L3 model's hang window (an L3 that stops
 *   answering part-way). The program waits until the channel writes no more, snapshots L2 and
 *   L1 by channel 1, then waits on channel 0 for ever: the run ends at its cycle limit and the
 *   simulation's timeout report (hetsoc.sim.watch) names the channel and its descriptor.
 * -DFI_CIM: the CIM's weights go by DMA into its window; the second image holds one beat with
 *   the cell code 0b10, which the CIM refuses part-way through the transfer (the DMA completes:
 *   the window takes the beat and drops it). The layer's descriptor then ends with the error
 *   "weights", having read and written nothing; prints "fault_injection: cim: <error> on
 *   descriptor <words>; ...". After the snapshots, the refusal is cleared and the layer runs
 *   again on the cells as the refusal left them; its output goes to L3 (fi_cim_out).
 *
 * Exits with FI_REPORTED once the fault was met and reported as expected, 1 otherwise.
 */
#include "dma.h"
#include "hetsoc.h"
#ifdef FI_CIM
#include "cim.h"
#endif
#include "fault_cases.h"

#define FI_REPORTED 20
#define ROW 32768u /* bytes per row of the whole-memory copies */

static void fail(const char *what, uint32_t status)
{
    printf("fault_injection: FAIL: %s: %s\n", what, dma_status_name(status));
    exit(1);
}

static void run(unsigned ch, const dma_desc_t *d, const char *what)
{
    dma_submit(ch, d);
    uint32_t status = dma_wait(ch, 0);
    if (status != HETSOC_DMA_STATUS_OK)
        fail(what, status);
}

/* The first FI_L2_BYTES of L2 and FI_L1_BYTES of L1 from their images in L3 (out = 0) or to
 * their snapshots (out = 1); both channels at once unless one_channel. */
static void whole(int out, int one_channel)
{
    dma_desc_t l2 = {out ? HETSOC_L2_BASE : FI_INIT_L2, out ? FI_SNAP_L2 : HETSOC_L2_BASE,
                     ROW, FI_L2_BYTES / ROW, 1, 1, ROW, 0, ROW, 0};
    dma_desc_t l1 = {out ? HETSOC_L1_BASE : FI_INIT_L1, out ? FI_SNAP_L1 : HETSOC_L1_BASE,
                     ROW, FI_L1_BYTES / ROW, 1, 2, ROW, 0, ROW, 0};
    unsigned ch = one_channel ? 1u : 0u;
    dma_submit(ch, &l2);
    dma_submit(1, &l1);
    uint32_t a = dma_wait(ch, 0), b = dma_wait(1, 0);
    if (a != HETSOC_DMA_STATUS_OK || b != HETSOC_DMA_STATUS_OK)
        fail(out ? "snapshot" : "fill", a != HETSOC_DMA_STATUS_OK ? a : b);
}

int main(void)
{
    uint32_t lo = HETSOC_L2_BASE < HETSOC_L1_BASE ? HETSOC_L2_BASE : HETSOC_L1_BASE;
    for (unsigned ch = 0; ch < 2; ch++)
        dma_set_windows(ch, lo, HETSOC_L3_END, lo, HETSOC_L3_END);
    whole(0, 0);
    int bad = 0;
#ifdef FI_DMA
    dma_irq_clear(0, DMA_IRQ_DONE | DMA_IRQ_ERROR);
    dma_clear_counters(0);
    dma_submit(0, &fi_fault);
    dma_submit(1, &fi_side);
    uint16_t tag = 0xFFFF;
    uint32_t status = dma_wait(0, &tag);
    uint32_t written = dma_bytes(0);
    int pending = (dma_irq_pending(0) & DMA_IRQ_ERROR) != 0;
    uint32_t side = dma_wait(1, 0);
    printf("fault_injection: dma channel 0: %s on ", dma_status_name(status));
    dma_print_descriptor(&fi_fault);
    printf("; %u bytes written; error event %s\n", (unsigned)written,
           pending ? "pending" : "not pending");
    bad = status != HETSOC_DMA_STATUS_BUS_ERROR || tag != fi_fault.tag || !pending;
    if (side != HETSOC_DMA_STATUS_OK)
        fail("the transfer beside it", side);
    whole(1, 0);
#endif
#ifdef FI_HANG
    dma_clear_counters(0);
    dma_submit(0, &fi_fault);
    uint32_t written = ~0u;
    for (unsigned quiet = 0; quiet < 200;) { /* until 200 reads see the same count */
        uint32_t now = dma_bytes(0);
        quiet = now == written ? quiet + 1 : 0;
        written = now;
    }
    printf("fault_injection: dma channel 0 stopped after %u bytes\n", (unsigned)written);
    whole(1, 1);
    printf("fault_injection: waiting on channel 0\n");
    dma_wait(0, 0);
    printf("fault_injection: FAIL: channel 0 finished\n");
    return 1;
#endif
#ifdef FI_CIM
    run(0, &fi_cim_x, "input");
    run(0, &fi_cim_params, "parameters");
    cim_clear_weight_error(CIM);
    run(0, &fi_cim_good, "first weights");
    dma_submit(0, &fi_cim_bad);
    uint32_t load = dma_wait(0, 0);
    int refused = (acc_status(CIM) & CIM_STATUS_WEIGHT_ERROR) != 0;
    acc_set_descriptor(CIM, fi_cim_desc, CIM_DESC_WORDS);
    acc_start(CIM);
    uint32_t err = acc_wait(CIM);
    uint32_t rd = acc_l1_read_bytes(CIM), wr = acc_l1_written_bytes(CIM);
    printf("fault_injection: cim: %s on descriptor", cim_error_name(err));
    for (unsigned k = 0; k < CIM_DESC_WORDS; k++)
        printf(" %08x", (unsigned)fi_cim_desc[k]);
    printf("; weights load %s, a weight beat refused: %s; L1 bytes read %u, written %u\n",
           dma_status_name(load), refused ? "yes" : "no", (unsigned)rd, (unsigned)wr);
    bad = err != CIM_ERR_WEIGHTS || load != HETSOC_DMA_STATUS_OK || !refused || rd || wr;
    whole(1, 0);
    cim_clear_weight_error(CIM);
    acc_start(CIM);
    err = acc_wait(CIM);
    printf("fault_injection: cim after the clear: %s\n", cim_error_name(err));
    bad |= err != CIM_ERR_NONE;
    run(0, &fi_cim_out, "output");
#endif
    return bad ? 1 : FI_REPORTED;
}
