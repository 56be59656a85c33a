/* npu_busy.c: the NPU kept busy, for timing the simulation of NPU work.
 *
 * Runs the first layer of npu_layers.h (hetsoc.accel.npu.testgen: weights, descriptor, input)
 * once with its inputs copied into L1 and checks golden's output, then REPEAT more times back
 * to back, the core waiting for each as the network runtime does (asleep in a wfi until the
 * NPU's interrupt, acc_wait_irq) or, with -DPOLL=1, polling STATUS (acc_wait): from the second
 * run on, nearly every cycle is NPU work. Prints "npu_busy runs=N busy=N" (the busy cycles of
 * one run, from the counter); returns 0 when the output matched.
 */
#include <stdint.h>

#include "hetsoc.h"
#include "npu.h"
#include "npu_layers.h"

#ifndef REPEAT
#define REPEAT 0
#endif
#ifndef POLL
#define POLL 0
#endif

int main(void)
{
    const npu_test_layer_t *t = &npu_layers[0];
    uint8_t *l1 = (uint8_t *)HETSOC_L1_BASE;
    for (uint32_t k = 0; k < t->n_inputs; k++)
        memcpy(l1 + t->inputs[k].offset, t->inputs[k].data, t->inputs[k].size);
    if (t->weight_words32 && npu_load_weights(NPU, t->w_base, t->weights, t->weight_words32) != 0)
        return 2;
    if ((npu_error_t)acc_run(NPU, t->desc, HETSOC_NPU_DESC_WORDS) != NPU_OK)
        return 3;
    if (memcmp(l1 + t->expected.offset, t->expected.data, t->expected.size) != 0) {
        printf("npu_busy: output differs from golden\n");
        return 1;
    }
    for (unsigned r = 0; r < REPEAT; r++) {
        acc_set_descriptor(NPU, t->desc, HETSOC_NPU_DESC_WORDS);
        acc_start(NPU);
        if ((POLL ? (npu_error_t)acc_wait(NPU) : (npu_error_t)acc_wait_irq(NPU)) != NPU_OK)
            return 3;
    }
    printf("npu_busy runs=%u busy=%u\n", (unsigned)(REPEAT + 1), (unsigned)acc_busy_cycles(NPU));
    return 0;
}
