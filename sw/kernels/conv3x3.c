/* conv3x3.c: the direct path of conv2d for 3x3 kernels (dilation 1, stride 1 or 2).
 *
 * No im2col: a tile of 2 output channels by 4 neighbouring outputs of a row reads, per input
 * channel and kernel row, the (4 - 1) * stride + 3 input bytes its windows cover and the
 * 6 weights of that row, and does 24 multiply-adds: with stride 1, 60 instructions for 24
 * MACs, each input byte serving three taps. The rest of a row goes one output at a time, an
 * odd last output channel in a 1-channel tile. Weights (the encoder's layout): blocks of 2
 * output channels, (c, ky, kx, channel of the block) order, then the odd last channel
 * (c, ky, kx). The input is the padded image of conv.c, so the folded bias holds.
 */
#include "kernel_util.h"

KERNEL_TUNING

typedef struct {
    int32_t row, plane, c;
    int32_t zp, lo, hi, wide;
} tile_ctx_t;

/* OB channels by PB outputs, stride S: the window rows of input channel 0 start at r. */
KALWAYS_INLINE void tile3x3(const tile_ctx_t *t, const int8_t *r, const int8_t *w,
                            const cpu_rq_t *rq, int8_t *y, int32_t ys, const int OB,
                            const int PB, const int S)
{
    uint32_t acc[2][4];
    for (int o = 0; o < OB; o++)
        for (int p = 0; p < PB; p++)
            acc[o][p] = (uint32_t)rq[o].bias;
    const int8_t *wend = w + t->c * 9 * OB;
    int32_t row = t->row;
    while (w != wend) {
#pragma clang loop unroll(full)
        for (int ky = 0; ky < 3; ky++) {
            const int8_t *s = r + ky * row;
            int32_t x[(4 - 1) * 2 + 3];
#pragma clang loop unroll(full)
            for (int i = 0; i < (PB - 1) * S + 3; i++)
                x[i] = s[i];
#pragma clang loop unroll(full)
            for (int kx = 0; kx < 3; kx++) {
#pragma clang loop unroll(full)
                for (int o = 0; o < OB; o++) {
                    int32_t wv = w[(ky * 3 + kx) * OB + o];
#pragma clang loop unroll(full)
                    for (int p = 0; p < PB; p++)
                        acc[o][p] += (uint32_t)(x[p * S + kx] * wv);
                }
            }
        }
        /* finish this channel's adds before the next channel's loads (see gemm.c's PIN) */
#pragma clang loop unroll(full)
        for (int o = 0; o < OB; o++)
#pragma clang loop unroll(full)
            for (int p = 0; p < PB; p++)
                __asm__("" : "+r"(acc[o][p]));
        r += t->plane;
        w += 9 * OB;
    }
    int8_t out[2][4];
#pragma clang loop unroll(full)
    for (int o = 0; o < OB; o++) {
        int32_t m = rq[o].mult, n = rq[o].shift;
#pragma clang loop unroll(full)
        for (int p = 0; p < PB; p++)
            out[o][p] = __builtin_expect(t->wide, 0)
                            ? k_requant_wide((int32_t)acc[o][p], m, n, rq[o].pre, rq[o].bits,
                                             t->zp, t->lo, t->hi)
                            : k_requant_fast((int32_t)acc[o][p], m, n, t->zp, t->lo, t->hi);
    }
#pragma clang loop unroll(full)
    for (int o = 0; o < OB; o++)
#pragma clang loop unroll(full)
        for (int p = 0; p < PB; p++)
            y[o * ys + p] = out[o][p];
}

/* Every output of OB channels: rows, 4 outputs at a time, then single ones. */
KALWAYS_INLINE void block3x3(const tile_ctx_t *t, const cpu_conv2d_args_t *a, const int8_t *xp,
                             const int8_t *w, const cpu_rq_t *rq, int8_t *y, const int OB,
                             const int S)
{
    int32_t ys = a->oh * a->ow;
    for (int32_t oy = 0; oy < a->oh; oy++) {
        const int8_t *r = xp + oy * S * t->row;
        int32_t ox = 0;
        for (; ox + 4 <= a->ow; ox += 4)
            tile3x3(t, r + ox * S, w, rq, y + ox, ys, OB, 4, S);
        for (; ox < a->ow; ox++)
            tile3x3(t, r + ox * S, w, rq, y + ox, ys, OB, 1, S);
        y += a->ow;
    }
}

KALWAYS_INLINE void conv3x3(const cpu_conv2d_args_t *a, const int8_t *xp, int32_t row,
                            int32_t plane, int8_t *y, const int S)
{
    tile_ctx_t t = {row, plane, a->c, a->y_zp, a->y_min, a->y_max, a->flags & CPU_WIDE};
    const int8_t *w = a->wt;
    const cpu_rq_t *rq = a->rq;
    int32_t ys = a->oh * a->ow;
    for (int32_t o = 0; o + 2 <= a->o; o += 2) {
        block3x3(&t, a, xp, w, rq, y, 2, S);
        w += 2 * 9 * a->c;
        rq += 2;
        y += 2 * ys;
    }
    if (a->o & 1)
        block3x3(&t, a, xp, w, rq, y, 1, S);
}

void k_conv3x3(const cpu_conv2d_args_t *a, const int8_t *xp, int32_t row, int32_t plane,
               int8_t *y)
{
    if (a->sh == 1)
        conv3x3(a, xp, row, plane, y, 1);
    else
        conv3x3(a, xp, row, plane, y, 2);
}

KERNEL_TUNING_END
