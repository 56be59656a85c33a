/* conv.c: conv2d with groups 1, as matrix products (gemm.c) over gathered inputs.
 *
 * acc = bias' + sum x * w with bias' = bias - x_zp * sum(w) folded by the encoder, so the
 * inner loop multiplies raw int8 inputs; padding must then contribute x_zp * w, which it does
 * because the padded copy is filled with x_zp (docs/cpu.md).
 *
 * Pointwise (1x1, stride 1, no pads): the input planes are the matrix; a chunk of pixels at a
 * time is gathered into pixel pairs (the GEMM's B layout). Otherwise: a padded copy of the
 * image (skipped when no pad is read), then per output row the im2col gather of its pixels
 * into pairs and one matrix product. Scratch: [padded image, 8-aligned][B].
 */
#include "kernel_util.h"

KERNEL_TUNING

/* d[0] = s[0], d[1] = s[step] for each of `pairs` pixel pairs; the pairs are dstep apart in d
 * and 2 step apart in s. Two pairs per iteration: 3 instructions a byte. */
static void gather_pairs(const int8_t *s, int32_t step, int8_t *d, int32_t dstep, int32_t pairs)
{
    int32_t step2 = 2 * step;
    for (; pairs >= 2; pairs -= 2) {
        int8_t a0 = s[0], a1 = s[step], b0 = s[step2], b1 = s[step2 + step];
        d[0] = a0;
        d[1] = a1;
        d[dstep] = b0;
        d[dstep + 1] = b1;
        s += 2 * step2;
        d += 2 * dstep;
    }
    if (pairs) {
        int8_t a0 = s[0], a1 = s[step];
        d[0] = a0;
        d[1] = a1;
    }
}

static void gemm_args(k_gemm_t *g, const cpu_conv2d_args_t *a, const int8_t *b, int32_t k)
{
    g->b = b;
    g->k = k;
    g->w = a->wt;
    g->rq = a->rq;
    g->y_stride = a->oh * a->ow;
    g->o = a->o;
    g->y_zp = a->y_zp;
    g->y_min = a->y_min;
    g->y_max = a->y_max;
    g->wide = a->flags & CPU_WIDE;
}

/* 1x1, stride 1, no pads: B for pixels [p0, p0 + np) of the planes is channel c's bytes. */
static void conv_pointwise(const cpu_conv2d_args_t *a, const int8_t *x, int8_t *y)
{
    int32_t plane = a->h * a->w, k = a->c;
    int8_t *b = a->scratch;
    k_gemm_t g;
    gemm_args(&g, a, b, k);
    for (int32_t p0 = 0; p0 < plane; p0 += a->chunk) {
        int32_t np = plane - p0 < a->chunk ? plane - p0 : a->chunk;
        int32_t pairs = np >> 1;
        for (int32_t c = 0; c < k; c++) {
            const int8_t *s = x + c * plane + p0;
            gather_pairs(s, 1, b + 2 * c, 2 * k, pairs);
            if (np & 1)
                b[pairs * 2 * k + c] = s[np - 1];
        }
        g.p = np;
        g.y = y + p0;
        k_gemm(&g);
    }
}

static void conv_general(const cpu_conv2d_args_t *a, const int8_t *x, int8_t *y)
{
    int32_t kh = a->kh, kw = a->kw, sw = a->sw, ow = a->ow;
    int32_t k = a->c * kh * kw;
    /* the padded rows and columns any window reads */
    int32_t hn = (a->oh - 1) * a->sh + (kh - 1) * a->dh + 1;
    int32_t wn = (ow - 1) * sw + (kw - 1) * a->dw + 1;
    const int8_t *xp = x;
    int32_t row = a->w, plane = a->h * a->w;
    int8_t *b = a->scratch;
    if (a->pt || a->pl || hn > a->h || wn > a->w) {
        k_pad_planes(x, a->scratch, a->c, a->h, a->w, hn, wn, a->pt, a->pl, (int8_t)a->x_zp);
        xp = a->scratch;
        row = wn;
        plane = hn * wn;
        b = a->scratch + ((a->c * plane + 7) & ~7);
    }
    if (a->flags & CPU_CONV3X3) {
        k_conv3x3(a, xp, row, plane, y);
        return;
    }
    k_gemm_t g;
    gemm_args(&g, a, b, k);
    g.p = ow;
    int32_t pairs = ow >> 1;
    int8_t *tail = b + pairs * 2 * k;
    for (int32_t oy = 0; oy < a->oh; oy++) {
        int8_t *d = b;
        const int8_t *src_c = xp + oy * a->sh * row;
        for (int32_t c = 0; c < a->c; c++) {
            const int8_t *src = src_c;
            for (int32_t ky = 0; ky < kh; ky++) {
                for (int32_t kx = 0; kx < kw; kx++) {
                    const int8_t *s = src + kx * a->dw;
                    gather_pairs(s, sw, d, 2 * k, pairs);
                    if (ow & 1)
                        tail[(d - b) >> 1] = s[(ow - 1) * sw];
                    d += 2;
                }
                src += a->dh * row;
            }
            src_c += plane;
        }
        g.y = y + oy * ow;
        k_gemm(&g);
    }
}

void cpu_conv2d(const cpu_conv2d_args_t *a)
{
    int32_t in_size = a->c * a->h * a->w, out_size = a->o * a->oh * a->ow;
    for (int32_t n = 0; n < a->n; n++) {
        const int8_t *x = a->x + n * in_size;
        int8_t *y = a->y + n * out_size;
        if (a->flags & CPU_POINTWISE)
            conv_pointwise(a, x, y);
        else
            conv_general(a, x, y);
    }
}

KERNEL_TUNING_END
