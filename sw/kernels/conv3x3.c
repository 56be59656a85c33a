/* conv3x3.c: the direct path of conv2d for 3x3 kernels (dilation 1, stride 1 or 2).
 *
 * No im2col: a tile of 2 output channels by 4 neighbouring outputs of a row reads, per input
 * channel and kernel row, the (4 - 1) * stride + 3 input bytes its windows cover and the
 * 6 weights of that row, and does 24 multiply-adds: with stride 1, 63 instructions for 24
 * MACs including the loop, each input byte serving three taps. The rest of a row goes one
 * output at a time, an odd last output channel in a 1-channel tile. Weights (the encoder's
 * layout): blocks of 2 output channels, (ky, c, kx, channel of the block) order, then the
 * odd last channel (ky, c, kx). The input is the padded image of conv.c, so the folded bias
 * holds.
 */
#include "kernel_util.h"

KERNEL_TUNING

typedef struct {
    int32_t row, plane, c;
    int32_t zp, lo, hi, wide;
} tile_ctx_t;

/* The accumulation of a tile: OB channels by PB outputs, stride S, over all input channels;
 * the window rows of input channel 0 start at r. Kernel rows outermost: per row of the
 * kernel, one loop over the input channels (planes `plane` apart, weights in (ky, c, kx)
 * order), which keeps two pointers live instead of three row pointers. */
KALWAYS_INLINE void accumulate3x3(const int8_t *r, const int8_t *w, int32_t c, int32_t row,
                                  int32_t plane, uint32_t *out, const int OB, const int PB,
                                  const int S)
{
    uint32_t acc[2][4];
    for (int o = 0; o < OB; o++)
        for (int p = 0; p < PB; p++)
            acc[o][p] = out[o * PB + p];
#pragma clang loop unroll(full)
    for (int ky = 0; ky < 3; ky++) {
        const int8_t *s = r + ky * row;
        const int8_t *wend = w + c * 3 * OB;
        while (w != wend) {
            int32_t x[(4 - 1) * 2 + 3];
#pragma clang loop unroll(full)
            for (int i = 0; i < (PB - 1) * S + 3; i++)
                x[i] = s[i];
#pragma clang loop unroll(full)
            for (int kx = 0; kx < 3; kx++) {
#pragma clang loop unroll(full)
                for (int o = 0; o < OB; o++) {
                    int32_t wv = w[kx * OB + o];
#pragma clang loop unroll(full)
                    for (int p = 0; p < PB; p++)
                        acc[o][p] += (uint32_t)(x[p * S + kx] * wv);
                }
            }
            /* finish this row's adds before the next one's loads (see gemm.c's PIN) */
#pragma clang loop unroll(full)
            for (int o = 0; o < OB; o++)
#pragma clang loop unroll(full)
                for (int p = 0; p < PB; p++)
                    __asm__("" : "+r"(acc[o][p]));
            s += plane;
            w += 3 * OB;
        }
    }
    for (int o = 0; o < OB; o++)
        for (int p = 0; p < PB; p++)
            out[o * PB + p] = acc[o][p];
}

/* One function per tile shape: the inner loop's registers are allocated on their own, not
 * shared with the requantization around it (which costs the loop spills otherwise). */
#define ACCUMULATE(OB, PB, S)                                                                  \
    static __attribute__((noinline)) void accumulate_##OB##x##PB##s##S(                        \
        const int8_t *r, const int8_t *w, int32_t c, int32_t row, int32_t plane,              \
        uint32_t *out)                                                                         \
    {                                                                                          \
        accumulate3x3(r, w, c, row, plane, out, OB, PB, S);                                    \
    }
ACCUMULATE(2, 4, 1)
ACCUMULATE(2, 1, 1)
ACCUMULATE(1, 4, 1)
ACCUMULATE(1, 1, 1)
ACCUMULATE(2, 4, 2)
ACCUMULATE(2, 1, 2)
ACCUMULATE(1, 4, 2)
ACCUMULATE(1, 1, 2)

KALWAYS_INLINE void accumulate(const int8_t *r, const int8_t *w, int32_t c, int32_t row,
                               int32_t plane, uint32_t *out, const int OB, const int PB,
                               const int S)
{
    if (S == 1)
        (OB == 2 ? (PB == 4 ? accumulate_2x4s1 : accumulate_2x1s1)
                 : (PB == 4 ? accumulate_1x4s1 : accumulate_1x1s1))(r, w, c, row, plane, out);
    else
        (OB == 2 ? (PB == 4 ? accumulate_2x4s2 : accumulate_2x1s2)
                 : (PB == 4 ? accumulate_1x4s2 : accumulate_1x1s2))(r, w, c, row, plane, out);
}

/* OB channels by PB outputs, stride S: the window rows of input channel 0 start at r. */
KALWAYS_INLINE void tile3x3(const tile_ctx_t *t, const int8_t *r, const int8_t *w,
                            const cpu_rq_t *rq, int8_t *y, int32_t ys, const int OB,
                            const int PB, const int S)
{
    uint32_t acc[2 * 4];
    for (int o = 0; o < OB; o++)
        for (int p = 0; p < PB; p++)
            acc[o * PB + p] = (uint32_t)rq[o].bias;
    accumulate(r, w, t->c, t->row, t->plane, acc, OB, PB, S);
    int8_t out[2][4];
#pragma clang loop unroll(full)
    for (int o = 0; o < OB; o++) {
        int32_t m = rq[o].mult, n = rq[o].shift;
#pragma clang loop unroll(full)
        for (int p = 0; p < PB; p++)
            out[o][p] = __builtin_expect(t->wide, 0)
                            ? k_requant_wide((int32_t)acc[o * PB + p], m, n, rq[o].pre,
                                             rq[o].bits, t->zp, t->lo, t->hi)
                            : k_requant_fast((int32_t)acc[o * PB + p], m, n, t->zp, t->lo,
                                             t->hi);
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
