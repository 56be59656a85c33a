/* depthwise.c: conv2d with groups = channels, one plane at a time.
 *
 * Per channel: a zero-point-padded copy of its plane in scratch (skipped when no pad is read),
 * the folded bias (bias - x_zp * sum(w), so padding is x_zp as in conv.c), then the windows.
 * The 3x3 path (dilation 1, stride 1 or 2) keeps the nine weights and the requantization
 * parameters in registers and computes four neighbouring outputs at a time, so each input
 * byte loaded serves up to three taps; other kernels take the plain tap loop.
 * Blob: the records, then the weights channel-major (c, ky, kx).
 */
#include "kernel_util.h"

KERNEL_TUNING

typedef struct {
    const int8_t *xp; /* padded plane */
    int32_t row;      /* its row length */
    int8_t *y;
    const int8_t *w;
    int32_t bias, mult, shift, pre, bits, wide;
    int32_t zp, lo, hi;
} dw_plane_t;

KALWAYS_INLINE int8_t dw_out(const dw_plane_t *d, uint32_t acc)
{
    if (__builtin_expect(d->wide, 0))
        return k_requant_wide((int32_t)acc, d->mult, d->shift, d->pre, d->bits, d->zp, d->lo,
                              d->hi);
    return k_requant_fast((int32_t)acc, d->mult, d->shift, d->zp, d->lo, d->hi);
}

/* PB outputs of one row (3x3, stride S): rows r0..r2 of the window start at r. The channel's
 * values come as scalars, not through the struct: an int8 store may alias the struct, which
 * would make the compiler reload them for every output. */
KALWAYS_INLINE void dw3x3_tile(const int8_t *r, int32_t row, int8_t *y, const int32_t w[9],
                               int32_t bias, int32_t m, int32_t n, int32_t zp, int32_t lo,
                               int32_t hi, const int S, const int PB)
{
    uint32_t acc[4];
    for (int p = 0; p < PB; p++)
        acc[p] = (uint32_t)bias;
#pragma clang loop unroll(full)
    for (int ky = 0; ky < 3; ky++) {
        const int8_t *s = r + ky * row;
        int32_t x[(4 - 1) * 2 + 3];
#pragma clang loop unroll(full)
        for (int i = 0; i < (PB - 1) * S + 3; i++)
            x[i] = s[i];
#pragma clang loop unroll(full)
        for (int p = 0; p < PB; p++)
#pragma clang loop unroll(full)
            for (int kx = 0; kx < 3; kx++)
                acc[p] += (uint32_t)(x[p * S + kx] * w[ky * 3 + kx]);
    }
    int8_t out[4];
#pragma clang loop unroll(full)
    for (int p = 0; p < PB; p++)
        out[p] = k_requant_fast((int32_t)acc[p], m, n, zp, lo, hi);
#pragma clang loop unroll(full)
    for (int p = 0; p < PB; p++)
        y[p] = out[p];
}

KALWAYS_INLINE void dw3x3(const dw_plane_t *d, int32_t oh, int32_t ow, const int S)
{
    int32_t w[9];
    for (int i = 0; i < 9; i++)
        w[i] = d->w[i];
    int32_t row = d->row, bias = d->bias, m = d->mult, n = d->shift;
    int32_t zp = d->zp, lo = d->lo, hi = d->hi;
    const int8_t *xp = d->xp;
    int8_t *y = d->y;
    for (int32_t oy = 0; oy < oh; oy++) {
        const int8_t *r = xp + oy * S * row;
        int32_t ox = 0;
        for (; ox + 4 <= ow; ox += 4)
            dw3x3_tile(r + ox * S, row, y + ox, w, bias, m, n, zp, lo, hi, S, 4);
        for (; ox < ow; ox++)
            dw3x3_tile(r + ox * S, row, y + ox, w, bias, m, n, zp, lo, hi, S, 1);
        y += ow;
    }
}

static void dw_generic(const dw_plane_t *d, const cpu_conv2d_args_t *a)
{
    int8_t *y = d->y;
    for (int32_t oy = 0; oy < a->oh; oy++) {
        for (int32_t ox = 0; ox < a->ow; ox++) {
            const int8_t *r = d->xp + oy * a->sh * d->row + ox * a->sw;
            const int8_t *w = d->w;
            uint32_t acc = (uint32_t)d->bias;
            for (int32_t ky = 0; ky < a->kh; ky++) {
                const int8_t *s = r + ky * a->dh * d->row;
                for (int32_t kx = 0; kx < a->kw; kx++)
                    acc += (uint32_t)(s[kx * a->dw] * *w++);
            }
            *y++ = dw_out(d, acc);
        }
    }
}

void cpu_dwconv2d(const cpu_conv2d_args_t *a)
{
    int32_t hn = (a->oh - 1) * a->sh + (a->kh - 1) * a->dh + 1;
    int32_t wn = (a->ow - 1) * a->sw + (a->kw - 1) * a->dw + 1;
    int padded = a->pt || a->pl || hn > a->h || wn > a->w;
    /* the 3x3 path keeps the channel's fast requantization in registers; CPU_WIDE calls (a
     * real multiplier of 1/4 or more, rare) take the tap loop */
    int fast = a->kh == 3 && a->kw == 3 && a->dh == 1 && a->dw == 1 && a->sh == a->sw &&
               a->sh <= 2 && !(a->flags & CPU_WIDE);
    int32_t plane = a->h * a->w, taps = a->kh * a->kw, out_plane = a->oh * a->ow;
    dw_plane_t d = {.zp = a->y_zp, .lo = a->y_min, .hi = a->y_max,
                    .wide = a->flags & CPU_WIDE};
    for (int32_t i = 0; i < a->n * a->c; i++) {
        int32_t c = i % a->c;
        const int8_t *x = a->x + i * plane;
        d.xp = x;
        d.row = a->w;
        if (padded) {
            k_pad_planes(x, a->scratch, 1, a->h, a->w, hn, wn, a->pt, a->pl, (int8_t)a->x_zp);
            d.xp = a->scratch;
            d.row = wn;
        }
        d.y = a->y + i * out_plane;
        d.w = a->wt + c * taps;
        d.bias = a->rq[c].bias;
        d.mult = a->rq[c].mult;
        d.shift = a->rq[c].shift;
        d.pre = a->rq[c].pre;
        d.bits = a->rq[c].bits;
        if (fast && a->sh == 1)
            dw3x3(&d, a->oh, a->ow, 1);
        else if (fast)
            dw3x3(&d, a->oh, a->ow, 2);
        else
            dw_generic(&d, a);
    }
}

KERNEL_TUNING_END
