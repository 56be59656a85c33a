/* kernel_util.h: arithmetic shared by the CPU kernels (sw/kernels), the C form of
 * docs/numerics.md's requantization, clamping and rounding division.
 *
 * Everything here is branch-free on the common path, so a kernel's cycle count depends on its
 * shape only (the cycle models of hetsoc.accel.cpu.cost rely on that), and exact: results equal
 * hetsoc.golden's bit for bit.
 */
#ifndef HETSOC_KERNEL_UTIL_H
#define HETSOC_KERNEL_UTIL_H

#include <stdint.h>

#include "kernels.h"

#define KALWAYS_INLINE static inline __attribute__((always_inline))
#define KNOINLINE __attribute__((noinline))

/* rshift_rne(p, n) for a product p = acc * m and n in 33..62, the common case (real multipliers below 2^-2):
 * 2^(n-1) lies in the high word of the product, so one 32x32 high multiply and 32-bit
 * operations suffice. RISC-V shifts use the low 5 bits of the amount, so `n & 31` is n - 32
 * and `-n & 31` is 64 - n; the compiler drops the masks. Ties (the discarded bits are exactly
 * one half: the low word is 0 and the high word's discarded bits are 10...0 before adding the
 * half, 00...0 after) clear the quotient's lowest bit: q - (q & 1) is q rounded to even. */
KALWAYS_INLINE int32_t rq_fast64(int64_t p, int32_t n)
{
    int32_t hi = (int32_t)(p >> 32);
    uint32_t lo = (uint32_t)p;
    int32_t s = hi + (int32_t)(0x80000000u >> (-n & 31));
    int32_t q = s >> (n & 31);
    uint32_t tie = (((uint32_t)s << (-n & 31)) | lo) == 0;
    return q - (int32_t)(tie & (uint32_t)q);
}

/* The same for an int32 accumulator and multiplier: rshift_rne(acc * m, n), n in 33..62. */
KALWAYS_INLINE int32_t rq_fast(int32_t acc, int32_t m, int32_t n)
{
    return rq_fast64((int64_t)acc * m, n);
}

/* rshift_rne(p, n) for any 64-bit p and n in 1..62, saturated to [-2^16, 2^16] (outside that
 * every int8 clamp gives the same result): add's path for ratios above 2^20 (shifts below
 * 11), where the sum of two products can be small and the quotient still must be exact. */
int32_t k_rshift_rne64(int64_t p, int32_t n);

/* An empty asm that hides a value from the optimiser. Used where it would otherwise turn
 * branch-free arithmetic back into a compare and a branch (this core has no conditional move,
 * so LLVM lowers min, max and selects to branches, whose cost depends on the data). */
KALWAYS_INLINE int32_t k_opaque(int32_t v)
{
    __asm__("" : "+r"(v));
    return v;
}

/* max(y, lo), then min(.., hi), without branches: d & (d >> 31) is min(d, 0). The operands
 * are small (|y| < 2^30), so the differences do not overflow. 8 instructions. */
KALWAYS_INLINE int32_t k_clamp(int32_t y, int32_t lo, int32_t hi)
{
    int32_t d = lo - y;
    y = lo - (d & k_opaque(d >> 31));
    d = y - hi;
    return hi + (d & k_opaque(d >> 31));
}

/* One output of conv2d / dense with the fast rounding: requantize and clamp. */
KALWAYS_INLINE int8_t k_requant_fast(int32_t acc, int32_t m, int32_t n, int32_t y_zp,
                                     int32_t y_min, int32_t y_max)
{
    return (int8_t)k_clamp(rq_fast(acc, m, n) + y_zp, y_min, y_max);
}

/* v saturated to [-2^b, 2^b - 1] (b in 1..31) without a branch: v fits when v >> b is its
 * sign; otherwise the sign picks 2^b - 1 or its complement, -2^b. */
KALWAYS_INLINE int32_t k_saturate(int32_t v, int32_t b)
{
    int32_t sign = v >> 31;
    int32_t limit = sign ^ (int32_t)((1u << b) - 1);
    int32_t keep = k_opaque(-(int32_t)((v >> b) == sign));
    return (v & keep) | (limit & ~keep);
}

/* The same for a CPU_WIDE call (some real multiplier of 1/4 or more): the accumulator
 * saturated to the channel's bits and scaled by 2^pre, exactly (kernels.h, cpu_rq_t). */
KALWAYS_INLINE int8_t k_requant_wide(int32_t acc, int32_t m, int32_t n, int32_t pre,
                                     int32_t bits, int32_t y_zp, int32_t y_min, int32_t y_max)
{
    return k_requant_fast(k_saturate(acc, bits) << pre, m, n, y_zp, y_min, y_max);
}

/* div_rne(num, den * 2^n) clamped to [-2^16, 2^16], for average pools and softmax.
 * den in 1..2^20 (the tap count, or softmax's table sum), n in 1..62. */
int32_t k_div_rne_shift(int64_t num, int32_t den, int32_t n);

/* Kernels are scheduled for an in-order pipeline: with the Rocket core's model the compiler
 * puts a load or multiply a few instructions before its first use, as this core needs (a
 * dependent instruction right behind costs a bubble); with the default (no model) it does
 * not, and regroups sums in ways that spill accumulators. */
#define K_PRAGMA(text) _Pragma(#text)
#define KERNEL_TUNING                                                                          \
    K_PRAGMA(clang attribute push(__attribute__((target("tune=rocket-rv32"))),                \
                                  apply_to = function))
#define KERNEL_TUNING_END K_PRAGMA(clang attribute pop)

/* The matrix product at the heart of conv2d (groups 1) and dense:
 *   y[o * y_stride + p] = requant(rq[o].bias + sum_k w[o][k] * B[k][p])
 * for o < o_count, p < p_count. B comes in pixel pairs, K x 2 bytes each, k-major (b[2k + i]
 * is pixel 2j + i of pair j), then the odd last pixel's K bytes: the order the 8 x 2 tile
 * reads. Weights come in blocks of 8 output channels, then one block each of 4, 2 and 1 for
 * the bits of o % 8; a block of ob channels is k-major, ob bytes per k. */
typedef struct {
    const int8_t *b;
    int32_t k, p;
    const int8_t *w;
    const cpu_rq_t *rq;
    int8_t *y;
    int32_t y_stride, o;
    int32_t y_zp, y_min, y_max, wide;
} k_gemm_t;

void k_gemm(const k_gemm_t *g);

/* conv2d 3x3 (dilation 1, stride 1 or 2) on a padded image xp (planes `plane` bytes apart,
 * rows `row` bytes long) into y: conv3x3.c. */
void k_conv3x3(const cpu_conv2d_args_t *a, const int8_t *xp, int32_t row, int32_t plane,
               int8_t *y);

/* Byte moves with a fixed cost per byte (the runtime's memcpy and memset depend on alignment):
 * 4 bytes per iteration, then single bytes. */
void k_copy(int8_t *dst, const int8_t *src, int32_t n);
void k_fill(int8_t *dst, int8_t value, int32_t n);

/* A zero-point-padded copy of `planes` planes of h x w bytes: rows [0, hn) by columns [0, wn)
 * of the padded plane, where padded (r, q) is x[r - pt][q - pl] inside the input and `fill`
 * outside. Consecutive planes, hn * wn bytes each. */
void k_pad_planes(const int8_t *x, int8_t *dst, int32_t planes, int32_t h, int32_t w,
                  int32_t hn, int32_t wn, int32_t pt, int32_t pl, int8_t fill);

#endif
