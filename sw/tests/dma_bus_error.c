/* dma_bus_error.c: AXI errors from L3 reach the firmware through the DMA driver.
 *
 * The simulation's L3 model answers DECERR in a fault window, L3_FAULT_BASE / L3_FAULT_SIZE:
 * -D defines from hetsoc.sim.hdl.l3_fault_window (the last 4 KiB of L3), set by the test that
 * builds this program, so the address is written nowhere here. A read from the window
 * (L3 -> L2), a write into it (L2 -> L3) and a read that starts before it and runs into it end
 * with BUS_ERROR and a pending error interrupt (CH_IRQ bit 1, mip.MEIP); a read writes nothing
 * from its failing beat on. Afterwards the same channel copies normally again, right up to the
 * window's edge. Returns 0 on success.
 */
#include "dma.h"
#include "hetsoc.h"

#if !defined(L3_FAULT_BASE) || !defined(L3_FAULT_SIZE)
#error "build with -DL3_FAULT_BASE=... -DL3_FAULT_SIZE=... (hetsoc.sim.hdl.l3_fault_window)"
#endif

#define N 1024u                             /* bytes per transfer */
#define BEFORE 512u                         /* bytes of case 3 that lie before the window */
#define A (HETSOC_L2_BASE + 0x1000u)        /* source data, made by the CPU */
#define B (HETSOC_L2_BASE + 0x2000u)        /* second source, for the copy after the errors */
#define D1 (HETSOC_L2_BASE + 0x3000u)       /* destination of the read from the window */
#define D3 (HETSOC_L2_BASE + 0x4000u)       /* destination of the read running into it */
#define D4 (HETSOC_L2_BASE + 0x5000u)       /* destination of the normal read afterwards */
#define EDGE ((uint32_t)L3_FAULT_BASE - BEFORE) /* L3 just below the window */
#define SENTINEL 0xDEADBEEFu

static uint32_t pattern(uint32_t i, uint32_t seed) { return i * 2654435761u ^ seed; }

static void fill(uint32_t addr, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n / 4; i++)
        ((volatile uint32_t *)addr)[i] = seed ? pattern(i, seed) : SENTINEL;
}

/* Index of the first word of [addr, addr + n) that differs from fill(_, n, seed), or -1. */
static int differs(uint32_t addr, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n / 4; i++)
        if (((volatile uint32_t *)addr)[i] != (seed ? pattern(i, seed) : SENTINEL))
            return (int)i;
    return -1;
}

static int wait_meip(void)
{
    for (int spin = 0; spin < 100; spin++)
        if (csr_read(mip) & MIP_MEIP)
            return 1;
    return 0;
}

/* Run d on channel 0 and check its completion: status want, and for an error, the error event
 * (and no done event) pending and the core's external interrupt up, both gone once
 * acknowledged. Returns nonzero on failure. */
static int run(const char *what, dma_desc_t d, uint32_t want)
{
    int bad = 0;
    uint16_t tag = 0xFFFF;
    dma_irq_clear(0, DMA_IRQ_DONE | DMA_IRQ_ERROR);
    dma_clear_counters(0);
    dma_submit(0, &d);
    uint32_t status = dma_wait(0, &tag);
    printf("dma_bus_error: %s: %s, %u bytes written\n", what, dma_status_name(status),
           dma_bytes(0));
    if (status != want || tag != d.tag) {
        printf("dma_bus_error: %s: tag %d, expected %s\n", what, tag, dma_status_name(want));
        bad = 1;
    }
    if (want == HETSOC_DMA_STATUS_OK) {
        if (dma_irq_pending(0) != DMA_IRQ_DONE || (csr_read(mip) & MIP_MEIP)) {
            printf("dma_bus_error: %s: IRQ %x, mip.MEIP %d\n", what, dma_irq_pending(0),
                   (csr_read(mip) & MIP_MEIP) != 0);
            bad = 1;
        }
    } else {
        int meip = wait_meip();
        if (dma_irq_pending(0) != DMA_IRQ_ERROR || !meip) {
            printf("dma_bus_error: %s: IRQ %x, mip.MEIP %d, expected the error interrupt\n",
                   what, dma_irq_pending(0), meip);
            bad = 1;
        }
    }
    dma_irq_clear(0, DMA_IRQ_DONE | DMA_IRQ_ERROR);
    if (dma_irq_pending(0) != 0 || (csr_read(mip) & MIP_MEIP)) {
        printf("dma_bus_error: %s: acknowledged but IRQ %x, mip.MEIP %d\n", what,
               dma_irq_pending(0), (csr_read(mip) & MIP_MEIP) != 0);
        bad = 1;
    }
    return bad;
}

int main(void)
{
    int bad = 0;
    if (L3_FAULT_SIZE < N || (uint32_t)L3_FAULT_BASE < HETSOC_L3_BASE + BEFORE ||
        (uint32_t)L3_FAULT_BASE + L3_FAULT_SIZE > HETSOC_L3_END) {
        printf("dma_bus_error: fault window %08x+%x does not fit the test\n",
               (uint32_t)L3_FAULT_BASE, (uint32_t)L3_FAULT_SIZE);
        return 1;
    }
    fill(A, N, 0x5a5a1234u);
    fill(B, N, 0x0f1e2d3cu);
    fill(D1, N, 0);
    fill(D3, N, 0);
    fill(D4, N, 0);
    /* Channel 0 reads and writes anywhere from L2 to the end of L3 (L1 lies in between). The
     * interrupt is enabled at the DMA, not taken by the core: mip.MEIP shows it. */
    dma_set_windows(0, HETSOC_L2_BASE, HETSOC_L3_END, HETSOC_L2_BASE, HETSOC_L3_END);
    dma_irq_enable(0, DMA_IRQ_ERROR);

    /* L3 below the window gets A's first half: the data case 3 reads before the error. */
    bad |= run("seed below the window", dma_desc_1d(A, EDGE, BEFORE, 1), HETSOC_DMA_STATUS_OK);

    /* 1. Read from the window: its first beat fails, so nothing is written. */
    bad |= run("read from the window", dma_desc_1d(L3_FAULT_BASE, D1, N, 2),
               HETSOC_DMA_STATUS_BUS_ERROR);
    if (dma_bytes(0) != 0 || differs(D1, N, 0) >= 0) {
        printf("dma_bus_error: read from the window wrote %u bytes, word %d changed\n",
               dma_bytes(0), differs(D1, N, 0));
        bad = 1;
    }

    /* 2. Write into the window. */
    bad |= run("write into the window", dma_desc_1d(A, L3_FAULT_BASE, N, 3),
               HETSOC_DMA_STATUS_BUS_ERROR);

    /* 3. A read from below the window into it: the destination may get whole chunks from
     * before the window (a prefix, CH_BYTES long), nothing from the window's first beat on. */
    bad |= run("read running into the window", dma_desc_1d(EDGE, D3, N, 4),
               HETSOC_DMA_STATUS_BUS_ERROR);
    uint32_t written = dma_bytes(0);
    int prefix = differs(D3, written, 0x5a5a1234u);
    int rest = differs(D3 + written, N - written, 0);
    if (written > BEFORE || prefix >= 0 || rest >= 0) {
        printf("dma_bus_error: read running into the window: %u bytes written (at most %u), "
               "prefix word %d, word %d after it changed\n", written, BEFORE, prefix, rest);
        bad = 1;
    }

    /* 4. The same channel afterwards: B to L3 right up to the window's edge, and back. */
    bad |= run("write below the window", dma_desc_1d(B, EDGE, BEFORE, 5), HETSOC_DMA_STATUS_OK);
    bad |= run("read below the window", dma_desc_1d(EDGE, D4, BEFORE, 6), HETSOC_DMA_STATUS_OK);
    int wrong = differs(D4, BEFORE, 0x0f1e2d3cu);
    int beyond = differs(D4 + BEFORE, N - BEFORE, 0);
    if (wrong >= 0 || beyond >= 0) {
        printf("dma_bus_error: copy after the errors: word %d wrong, word %d beyond it changed\n",
               wrong, beyond);
        bad = 1;
    }
    printf("dma_bus_error: %s, 3 transfers into the fault window at %08x ended with \"%s\"\n",
           bad ? "FAIL" : "ok", (uint32_t)L3_FAULT_BASE,
           dma_status_name(HETSOC_DMA_STATUS_BUS_ERROR));
    return bad;
}
