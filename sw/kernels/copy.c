/* copy.c: byte moves and padded copies for the kernels (kernel_util.h). */
#include "kernel_util.h"

KERNEL_TUNING

/* may_alias: words of int8 tensors */
typedef uint32_t __attribute__((may_alias)) k_word_t;

void k_copy(int8_t *dst, const int8_t *src, int32_t n)
{
    if ((((uintptr_t)dst | (uintptr_t)src) & 3) == 0) {
        /* whole tensors (reshape): 8 bytes in 5 instructions */
        for (; n >= 8; n -= 8) {
            k_word_t w0 = ((const k_word_t *)src)[0], w1 = ((const k_word_t *)src)[1];
            ((k_word_t *)dst)[0] = w0;
            ((k_word_t *)dst)[1] = w1;
            src += 8;
            dst += 8;
        }
    }
    for (; n >= 4; n -= 4) {
        int8_t b0 = src[0], b1 = src[1], b2 = src[2], b3 = src[3];
        dst[0] = b0;
        dst[1] = b1;
        dst[2] = b2;
        dst[3] = b3;
        src += 4;
        dst += 4;
    }
    for (; n > 0; n--)
        *dst++ = *src++;
}

void k_fill(int8_t *dst, int8_t value, int32_t n)
{
    for (; n >= 4; n -= 4) {
        dst[0] = value;
        dst[1] = value;
        dst[2] = value;
        dst[3] = value;
        dst += 4;
    }
    for (; n > 0; n--)
        *dst++ = value;
}

static int32_t clamp_count(int32_t v, int32_t hi)
{
    return v < 0 ? 0 : v > hi ? hi : v;
}

void k_pad_planes(const int8_t *x, int8_t *dst, int32_t planes, int32_t h, int32_t w,
                  int32_t hn, int32_t wn, int32_t pt, int32_t pl, int8_t fill)
{
    /* Every row of the input that is used has the same three runs: pad, input, pad. */
    int32_t left = clamp_count(pl, wn);
    int32_t mid = clamp_count(w, wn - left);
    int32_t right = wn - left - mid;
    for (int32_t c = 0; c < planes; c++) {
        for (int32_t r = 0; r < hn; r++) {
            int32_t ir = r - pt;
            if (ir < 0 || ir >= h) {
                k_fill(dst, fill, wn);
            } else {
                k_fill(dst, fill, left);
                k_copy(dst + left, x + ir * w, mid);
                k_fill(dst + left + mid, fill, right);
            }
            dst += wn;
        }
        x += h * w;
    }
}

KERNEL_TUNING_END
