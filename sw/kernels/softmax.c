/* softmax.c: golden.softmax over rows of `len` int8 values.
 *
 * d_i = max - x_i indexes the encoder's table T (golden.softmax_table: 2^16 exp(-x_scale d)),
 * S = sum T[d_i] (< 2^31 for rows up to 32767 long), y_i = div_rne(T[d_i] m, S 2^n) + y_zp
 * clamped: integers only, one 32-bit division per element (kernel_util.h).
 */
#include "kernel_util.h"

KERNEL_TUNING

void cpu_softmax(const cpu_softmax_args_t *a)
{
    /* locals: an int8 store may alias the struct (the compiler would reload its fields) */
    const int8_t *x = a->x;
    int8_t *y = a->y;
    const uint32_t *t = a->table;
    int32_t len = a->len, m = a->mult, n = a->shift, zp = a->y_zp;
    for (int32_t r = 0; r < a->rows; r++) {
        int32_t top = -128;
        for (int32_t i = 0; i < len; i++) {
            int32_t d = top - x[i]; /* branch-free max, as in pool.c */
            top -= d & k_opaque(d >> 31);
        }
        uint32_t sum = 0;
        for (int32_t i = 0; i < len; i++)
            sum += t[top - x[i]];
        for (int32_t i = 0; i < len; i++) {
            int32_t q = k_div_rne_shift((int64_t)t[top - x[i]] * m, (int32_t)sum, n);
            y[i] = (int8_t)k_clamp(q + zp, -128, 127);
        }
        x += len;
        y += len;
    }
}

KERNEL_TUNING_END
