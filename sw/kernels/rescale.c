/* rescale.c: elementwise int8 tables (reshape or clip with requantization, and the parts of a
 * concat). The encoder tabulates golden's rescale and clamp over all 256 inputs, so a byte
 * costs one table load whatever the parameters; without a table the bytes are copied. */
#include "kernel_util.h"

KERNEL_TUNING

static void map_bytes(const int8_t *x, int8_t *y, const int8_t *lut, int32_t n)
{
    if (!lut) {
        k_copy(y, x, n);
        return;
    }
    const uint8_t *u = (const uint8_t *)x;
    for (; n >= 4; n -= 4) {
        int8_t v0 = lut[u[0]], v1 = lut[u[1]], v2 = lut[u[2]], v3 = lut[u[3]];
        y[0] = v0;
        y[1] = v1;
        y[2] = v2;
        y[3] = v3;
        u += 4;
        y += 4;
    }
    for (; n > 0; n--)
        *y++ = lut[*u++];
}

void cpu_rescale(const cpu_rescale_args_t *a)
{
    map_bytes(a->x, a->y, a->lut, a->count);
}

void cpu_concat(const cpu_concat_args_t *a)
{
    int8_t *y = a->y;
    for (int32_t o = 0; o < a->outer; o++) {
        for (int32_t i = 0; i < a->n_parts; i++) {
            const cpu_concat_part_t *p = &a->parts[i];
            map_bytes(p->x + o * p->inner, y, p->lut, p->inner);
            y += p->inner;
        }
    }
}

KERNEL_TUNING_END
