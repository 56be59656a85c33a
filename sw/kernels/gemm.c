/* gemm.c: the register-blocked int8 matrix product of conv2d and dense (kernel_util.h), and
 * cpu_dense.
 *
 * A tile is OB output channels by PB pixels held in OB * PB accumulators: per k it loads PB
 * inputs and OB weights and does OB * PB multiply-adds, so the 8 x 2 tile spends
 * (2 + 8 + 2 * 16) / 16 = 2.6 instructions per MAC. The k loop is unrolled twice (its two
 * pointer updates and branch cost 3 instructions per 2 k). Both operands are read at
 * immediate offsets from one pointer each, which is what the pair-interleaved B and the
 * k-major weight blocks are for: it leaves registers for 16 accumulators. Narrower tiles do
 * the remainders: the odd last pixel, and output channels in blocks of 4, 2 and 1.
 */
#include "kernel_util.h"

KERNEL_TUNING

/* An empty asm that claims to read and change an accumulator pair: the compiler keeps them in
 * registers and finishes each k step's adds before the next one's, instead of regrouping the
 * sums across steps (which spills products). It emits no instruction. */
#define PIN(o)                                                                                 \
    do {                                                                                       \
        if (PB == 2)                                                                           \
            __asm__("" : "+r"(acc[o][0]), "+r"(acc[o][1]));                                    \
        else                                                                                   \
            __asm__("" : "+r"(acc[o][0]));                                                     \
    } while (0)

/* One k step of a tile: the products of PB inputs at b with OB weights at w. */
#define TILE_STEP(b, w)                                                                        \
    do {                                                                                       \
        int32_t xv[2];                                                                         \
        for (int p_ = 0; p_ < PB; p_++)                                                        \
            xv[p_] = (b)[p_];                                                                  \
        for (int o_ = 0; o_ < OB; o_++) {                                                      \
            int32_t wv = (w)[o_];                                                              \
            for (int p_ = 0; p_ < PB; p_++)                                                    \
                acc[o_][p_] += (uint32_t)(xv[p_] * wv);                                        \
        }                                                                                      \
        for (int o_ = 0; o_ < OB; o_++)                                                        \
            PIN(o_);                                                                           \
    } while (0)

KALWAYS_INLINE void gemm_tile(const k_gemm_t *g, const int8_t *b, const int8_t *w,
                              const cpu_rq_t *rq, int8_t *y, const int OB, const int PB)
{
    /* uint32_t: the folded bias may wrap; the exact accumulator is the final sum mod 2^32 */
    uint32_t acc[8][2];
    for (int o = 0; o < OB; o++)
        for (int p = 0; p < PB; p++)
            acc[o][p] = (uint32_t)rq[o].bias;
    const int8_t *wend = w + g->k * OB;
    if (g->k & 1) {
        TILE_STEP(b, w);
        b += PB;
        w += OB;
    }
    while (w != wend) {
        TILE_STEP(b, w);
        TILE_STEP(b + PB, w + OB);
        b += 2 * PB;
        w += 2 * OB;
    }
    /* Fully unrolled, so that the accumulators stay in registers; the channel's multiplier
     * and shift are read before the stores (an int8 store may alias them). */
    int8_t out[8][2];
    int32_t zp = g->y_zp, lo = g->y_min, hi = g->y_max;
    if (__builtin_expect(g->wide, 0)) {
#pragma clang loop unroll(full)
        for (int o = 0; o < OB; o++)
#pragma clang loop unroll(full)
            for (int p = 0; p < PB; p++)
                out[o][p] = k_requant_wide((int32_t)acc[o][p], rq[o].mult, rq[o].shift,
                                           rq[o].pre, rq[o].bits, zp, lo, hi);
    } else {
#pragma clang loop unroll(full)
        for (int o = 0; o < OB; o++)
#pragma clang loop unroll(full)
            for (int p = 0; p < PB; p++)
                out[o][p] = k_requant_fast((int32_t)acc[o][p], rq[o].mult, rq[o].shift, zp,
                                           lo, hi);
    }
    int32_t ys = g->y_stride;
#pragma clang loop unroll(full)
    for (int o = 0; o < OB; o++)
#pragma clang loop unroll(full)
        for (int p = 0; p < PB; p++)
            y[o * ys + p] = out[o][p];
}

/* All pixels for one block of OB output channels: the pairs, then the odd last pixel. */
KALWAYS_INLINE void gemm_block(const k_gemm_t *g, const int8_t *w, const cpu_rq_t *rq,
                               int8_t *y, const int OB)
{
    const int8_t *b = g->b;
    int32_t pairs = g->p >> 1;
    for (int32_t j = 0; j < pairs; j++) {
        gemm_tile(g, b, w, rq, y, OB, 2);
        b += 2 * g->k;
        y += 2;
    }
    if (g->p & 1)
        gemm_tile(g, b, w, rq, y, OB, 1);
}

void k_gemm(const k_gemm_t *g)
{
    const int8_t *w = g->w;
    const cpu_rq_t *rq = g->rq;
    int8_t *y = g->y;
    int32_t o = g->o;
    for (; o >= 8; o -= 8) {
        gemm_block(g, w, rq, y, 8);
        w += 8 * g->k;
        rq += 8;
        y += 8 * g->y_stride;
    }
    if (o & 4) {
        gemm_block(g, w, rq, y, 4);
        w += 4 * g->k;
        rq += 4;
        y += 4 * g->y_stride;
    }
    if (o & 2) {
        gemm_block(g, w, rq, y, 2);
        w += 2 * g->k;
        rq += 2;
        y += 2 * g->y_stride;
    }
    if (o & 1)
        gemm_block(g, w, rq, y, 1);
}

/* dense: y = requant(x w^T + bias') for x (n, k) and w (o, k), one matrix product per row of
 * x. A row is a single pixel to the GEMM, whose B layout for one pixel is its k bytes in
 * order: x itself, no gathering. The input zero point is folded into the biases. */
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
