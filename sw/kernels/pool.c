/* pool.c: maxpool and avgpool (global_avgpool is an avgpool whose window is the plane).
 *
 * When a window reads padding, the plane is first copied into scratch with the padding filled
 * in, so every window is whole and the loops have no bounds: -128 for max (padding never
 * wins; a window of padding only gives -128, as golden), x_zp for average (padding adds
 * x - x_zp = 0). Max pool then keeps a branch-free running max and maps it through the
 * requantization table if the output's parameters differ. Average pool sums the window,
 * acc = sum - x_zp * taps, and rounds div_rne(acc * m, count * 2^n) with count the taps
 * inside the input (or the whole window, count_include_pad), computed from the window's
 * position, as golden does.
 */
#include "kernel_util.h"

KERNEL_TUNING

/* max(m, v) without a branch: t = m - v is negative exactly when v wins. */
KALWAYS_INLINE int32_t max8(int32_t m, int32_t v)
{
    int32_t t = m - v;
    return m - (t & k_opaque(t >> 31));
}

/* The plane to read (padded into scratch if any window reads padding) and its row length. */
static const int8_t *pool_plane(const cpu_pool_args_t *a, const int8_t *x, int8_t fill,
                                int32_t dh, int32_t dw, int32_t *row)
{
    int32_t hn = (a->oh - 1) * a->sh + (a->kh - 1) * dh + 1;
    int32_t wn = (a->ow - 1) * a->sw + (a->kw - 1) * dw + 1;
    if (!(a->pt || a->pl || hn > a->h || wn > a->w)) {
        *row = a->w;
        return x;
    }
    k_pad_planes(x, a->scratch, 1, a->h, a->w, hn, wn, a->pt, a->pl, fill);
    *row = wn;
    return a->scratch;
}

/* The max of a kh x KW window (columns dw apart, rows `step` apart); KW 0: a->kw at run time. */
KALWAYS_INLINE int32_t window_max(const int8_t *p, int32_t kh, int32_t kw, int32_t dw,
                                  int32_t step, const int KW)
{
    int32_t m = -128;
    for (int32_t ky = 0; ky < kh; ky++) {
        if (KW) {
#pragma clang loop unroll(full)
            for (int kx = 0; kx < KW; kx++)
                m = max8(m, p[kx]);
        } else {
            for (int32_t kx = 0; kx < kw; kx++)
                m = max8(m, p[kx * dw]);
        }
        p += step;
    }
    return m;
}

/* One plane. The fields are read into locals first: an int8 store may alias the struct, so
 * the compiler would otherwise reload them for every output. */
KALWAYS_INLINE void maxpool_plane(const cpu_pool_args_t *a, const int8_t *xp, int32_t row,
                                  int8_t *y, const int KW)
{
    int32_t step = a->dh * row, rstep = a->sh * row, sw = a->sw, oh = a->oh, ow = a->ow;
    int32_t kh = a->kh, kw = a->kw, dw = a->dw;
    const int8_t *lut = a->lut;
    for (int32_t oy = 0; oy < oh; oy++) {
        const int8_t *p = xp + oy * rstep;
        if (lut) {
            for (int32_t ox = 0; ox < ow; ox++, p += sw)
                *y++ = lut[(uint8_t)window_max(p, kh, kw, dw, step, KW)];
        } else {
            for (int32_t ox = 0; ox < ow; ox++, p += sw)
                *y++ = (int8_t)window_max(p, kh, kw, dw, step, KW);
        }
    }
}

void cpu_maxpool(const cpu_pool_args_t *a)
{
    int32_t plane = a->h * a->w, out_plane = a->oh * a->ow;
    for (int32_t i = 0; i < a->n * a->c; i++) {
        int32_t row;
        const int8_t *xp = pool_plane(a, a->x + i * plane, -128, a->dh, a->dw, &row);
        int8_t *y = a->y + i * out_plane;
        if (a->kw == 2 && a->dw == 1)
            maxpool_plane(a, xp, row, y, 2);
        else if (a->kw == 3 && a->dw == 1)
            maxpool_plane(a, xp, row, y, 3);
        else
            maxpool_plane(a, xp, row, y, 0);
    }
}

/* Sum of n consecutive bytes, four per iteration. */
KALWAYS_INLINE int32_t run_sum(const int8_t *p, int32_t n)
{
    int32_t s0 = 0, s1 = 0;
    for (; n >= 4; n -= 4) {
        s0 += p[0] + p[1];
        s1 += p[2] + p[3];
        p += 4;
    }
    for (; n > 0; n--)
        s0 += *p++;
    return s0 + s1;
}

/* Taps of [start, start + k) inside [0, size), without branches (a border output costs
 * what an inner one does): max(start, 0) and min(start + k, size) as in k_clamp. */
KALWAYS_INLINE int32_t inside(int32_t start, int32_t k, int32_t size)
{
    int32_t lo = start & ~k_opaque(start >> 31);
    int32_t d = start + k - size;
    int32_t hi = size + (d & k_opaque(d >> 31));
    return hi - lo;
}

void cpu_avgpool(const cpu_pool_args_t *a)
{
    int32_t plane = a->h * a->w, kh = a->kh, kw = a->kw, taps = kh * kw;
    int32_t sh = a->sh, sw = a->sw, pt = a->pt, pl = a->pl, h = a->h, w = a->w;
    int32_t zp_taps = a->x_zp * taps, m = a->mult, n = a->shift, zp = a->y_zp;
    int32_t incl = a->count_include_pad;
    int8_t *y = a->y;
    for (int32_t i = 0; i < a->n * a->c; i++) {
        int32_t row;
        const int8_t *xp = pool_plane(a, a->x + i * plane, (int8_t)a->x_zp, 1, 1, &row);
        /* rows of the window back to back (a whole-plane window): one run */
        int flat = row == kw;
        for (int32_t oy = 0; oy < a->oh; oy++) {
            const int8_t *p = xp + oy * sh * row;
            int32_t rows_in = inside(oy * sh - pt, kh, h);
            for (int32_t ox = 0; ox < a->ow; ox++, p += sw) {
                int32_t sum = 0;
                if (flat) {
                    sum = run_sum(p, taps);
                } else {
                    for (int32_t ky = 0; ky < kh; ky++)
                        sum += run_sum(p + ky * row, kw);
                }
                int32_t count = incl ? taps : rows_in * inside(ox * sw - pl, kw, w);
                int32_t q = k_div_rne_shift((int64_t)(sum - zp_taps) * m, count, n);
                *y++ = (int8_t)k_clamp(q + zp, -128, 127);
            }
        }
    }
}

KERNEL_TUNING_END
