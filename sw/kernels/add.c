/* add.c: y = clamp(rshift_rne((a - a_zp) m_a + (b - b_zp) m_b, n) + y_zp) with numpy
 * broadcasting (kernels.h: four output axes, element strides per operand, 0 = broadcast).
 *
 * The sum is exact in int64. Scaling both differences by 2^pre (|.| < 2^30) and shifting by
 * n + pre >= 33 gives the same quotient and remainder bits, and puts the rounding point in the
 * high word, where rq_fast64 (kernel_util.h) handles it with 32-bit operations; the encoder chose pre. Shifts
 * below 11 (ratios above 2^20) take the 64-bit path (CPU_WIDE).
 */
#include "kernel_util.h"

KERNEL_TUNING

typedef struct {
    int32_t azp, bzp, am, bm, pre, n, zp, lo, hi;
} add_params_t;

KALWAYS_INLINE void add_row(const int8_t *pa, int32_t sa, const int8_t *pb, int32_t sb,
                            int8_t *y, int32_t len, const add_params_t *k, const int WIDE)
{
    for (int32_t i = 0; i < len; i++) {
        int32_t da = (*pa - k->azp) << k->pre;
        int32_t db = (*pb - k->bzp) << k->pre;
        int64_t acc = (int64_t)da * k->am + (int64_t)db * k->bm;
        int32_t q = WIDE ? k_rshift_rne64(acc, k->n) : rq_fast64(acc, k->n);
        y[i] = (int8_t)k_clamp(q + k->zp, k->lo, k->hi);
        pa += sa;
        pb += sb;
    }
}

void cpu_add(const cpu_add_args_t *a)
{
    add_params_t k = {a->a_zp, a->b_zp, a->a_mult, a->b_mult, a->pre, a->shift + a->pre,
                      a->y_zp, a->y_min, a->y_max};
    int wide = a->flags & CPU_WIDE;
    int8_t *y = a->y;
    const int32_t *d = a->dims, *sa = a->a_strides, *sb = a->b_strides;
    for (int32_t i0 = 0; i0 < d[0]; i0++) {
        for (int32_t i1 = 0; i1 < d[1]; i1++) {
            for (int32_t i2 = 0; i2 < d[2]; i2++) {
                const int8_t *pa = a->a + i0 * sa[0] + i1 * sa[1] + i2 * sa[2];
                const int8_t *pb = a->b + i0 * sb[0] + i1 * sb[1] + i2 * sb[2];
                if (wide)
                    add_row(pa, sa[3], pb, sb[3], y, d[3], &k, 1);
                else
                    add_row(pa, sa[3], pb, sb[3], y, d[3], &k, 0);
                y += d[3];
            }
        }
    }
}

KERNEL_TUNING_END
