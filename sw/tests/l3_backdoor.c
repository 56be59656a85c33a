/* l3_backdoor.c: the host loads SRC_BYTES bytes into L3 at L3_SRC by backdoor; the DMA brings
 * them to L2, the CPU adds 1 to every byte, the DMA writes them to L3 at L3_DST, where the host
 * reads them back by backdoor (tests/test_l3_backdoor.py). */
#include <stdint.h>

#include "dma.h"
#include "hetsoc.h"

int main(void)
{
    uint8_t *buf = (uint8_t *)HETSOC_L2_BASE;
    dma_set_windows(0, HETSOC_L3_BASE, HETSOC_L3_BASE + HETSOC_L3_SIZE, HETSOC_L2_BASE,
                    HETSOC_L2_BASE + HETSOC_L2_SIZE);
    dma_set_windows(1, HETSOC_L2_BASE, HETSOC_L2_BASE + HETSOC_L2_SIZE, HETSOC_L3_BASE,
                    HETSOC_L3_BASE + HETSOC_L3_SIZE);
    dma_desc_t in = dma_desc_1d(L3_SRC, HETSOC_L2_BASE, SRC_BYTES, 1);
    dma_submit(0, &in);
    uint32_t status = dma_wait(0, 0);
    if (status != HETSOC_DMA_STATUS_OK) {
        printf("load: %s\n", dma_status_name(status));
        return 1;
    }
    for (uint32_t i = 0; i < SRC_BYTES; i++)
        buf[i] += 1;
    dma_desc_t out = dma_desc_1d(HETSOC_L2_BASE, L3_DST, SRC_BYTES, 2);
    dma_submit(1, &out);
    status = dma_wait(1, 0);
    if (status != HETSOC_DMA_STATUS_OK) {
        printf("store: %s\n", dma_status_name(status));
        return 2;
    }
    return 0;
}
