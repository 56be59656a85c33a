/* dense.c: y = requant(x w^T + bias') for x (n, k) and w (o, k), one matrix product (gemm.c)
 * per row of x. A row is a single pixel to the GEMM, whose B layout for one pixel is its k
 * bytes in order: x itself, no gathering. The input zero point is folded into the biases. */
#include "kernel_util.h"

KERNEL_TUNING

void cpu_dense(const cpu_dense_args_t *a)
{
    k_gemm_t g = {
        .k = a->k, .p = 1, .w = a->wt, .rq = a->rq, .y_stride = 1, .o = a->o,
        .y_zp = a->y_zp, .y_min = a->y_min, .y_max = a->y_max, .wide = a->flags & CPU_WIDE,
    };
    for (int32_t n = 0; n < a->n; n++) {
        g.b = a->x + n * a->k;
        g.y = a->y + n * a->o;
        k_gemm(&g);
    }
}

KERNEL_TUNING_END
