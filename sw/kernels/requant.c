/* requant.c: the out-of-line slow paths of kernel_util.h (64-bit rounding shift, rounding
 * division). See docs/numerics.md for the definitions they reproduce. */
#include "kernel_util.h"

#define SAT (1 << 16) /* beyond +-2^16 every int8 clamp gives the same result */

static int32_t saturate64(int64_t q)
{
    if (q > SAT)
        return SAT;
    if (q < -SAT)
        return -SAT;
    return (int32_t)q;
}

int32_t k_rshift_rne64(int64_t p, int32_t n)
{
    /* |p| < 2^62, so adding 2^(n-1) <= 2^61 cannot overflow. */
    int64_t s = p + ((int64_t)1 << (n - 1));
    int64_t q = s >> n;
    if ((s & (((int64_t)1 << n) - 1)) == 0) /* the discarded bits were exactly one half */
        q &= ~(int64_t)1;
    return saturate64(q);
}

/* u = floor(2 num / (den 2^n)) decides everything: num / (den 2^n) lies in [u/2, (u+1)/2),
 * so the result is u/2 for even u, and (u+1)/2 for odd u unless 2 num == u den 2^n exactly,
 * a tie, which goes to the even neighbour. u comes from a = floor(num / 2^(n-1)) (the
 * discarded fraction never changes a floor division by an integer) and one 32-bit division,
 * which the divider does in a fixed 34 cycles. */
int32_t k_div_rne_shift(int64_t num, int32_t den, int32_t n)
{
    int32_t sh = n - 1;
    int64_t a64 = num >> sh;
    int32_t exact_low = (num & (((int64_t)1 << sh) - 1)) == 0;
    int32_t a = (int32_t)a64;
    if (a64 != a) {
        /* |num / (den 2^n)| >= 2^30 / den: saturated for den <= 2^20; else divide in 64 bits */
        if (den <= (1 << 20))
            return a64 < 0 ? -SAT : SAT;
        int64_t d = (int64_t)den << sh;
        int64_t q = num / d, r = num - q * d;
        if (r < 0) {
            q -= 1;
            r += d;
        }
        /* now num = q d + r, 0 <= r < d, d = den 2^(n-1): the same decision on u = q */
        int64_t k = q >> 1;
        if (q & 1)
            k += 1 - (r == 0 && !(k & 1));
        return saturate64(k);
    }
    int32_t u = a / den;
    int32_t r = a - u * den;
    int32_t neg = r >> 31; /* C division truncates: step down once for a floor */
    u += neg;
    r += den & neg;
    int32_t k = u >> 1;
    int32_t odd = u & 1;
    int32_t tie = (r == 0) & exact_low & ~k & 1;
    return k + odd - (odd & tie);
}
