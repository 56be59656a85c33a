/* libgcc.c: the 64-bit division helpers clang calls on RV32 (there is no divu for 64 bits).
 *
 * -nostdlib leaves out zig's compiler_rt, so `uint64_t / uint64_t` in any program would not
 * link without these. Restoring shift-subtract: at most 64 iterations, no recursion into
 * helpers because every step is a 32-bit-pair operation the compiler open-codes.
 */
#include "hetsoc.h"

uint64_t __udivmoddi4(uint64_t num, uint64_t den, uint64_t *rem);
uint64_t __udivdi3(uint64_t num, uint64_t den);
uint64_t __umoddi3(uint64_t num, uint64_t den);
int64_t __divdi3(int64_t num, int64_t den);
int64_t __moddi3(int64_t num, int64_t den);

uint64_t __udivmoddi4(uint64_t num, uint64_t den, uint64_t *rem)
{
    uint64_t quot = 0;
    if (den == 0) {
        /* RISC-V semantics of divu by zero: all-ones quotient, remainder = dividend. */
        if (rem)
            *rem = num;
        return ~0ull;
    }
    if ((num >> 32) == 0 && (den >> 32) == 0) {
        /* Common case: the hardware divider does it. */
        uint32_t n = (uint32_t)num, d = (uint32_t)den;
        if (rem)
            *rem = n % d;
        return n / d;
    }
    /* Align den's top bit with num's, then subtract back down one bit at a time. */
    int shift = __builtin_clzll(den) - __builtin_clzll(num);
    if (shift < 0) {
        if (rem)
            *rem = num;
        return 0;
    }
    den <<= shift;
    for (; shift >= 0; shift--) {
        quot <<= 1;
        if (num >= den) {
            num -= den;
            quot |= 1;
        }
        den >>= 1;
    }
    if (rem)
        *rem = num;
    return quot;
}

uint64_t __udivdi3(uint64_t num, uint64_t den) { return __udivmoddi4(num, den, 0); }

uint64_t __umoddi3(uint64_t num, uint64_t den)
{
    uint64_t r;
    __udivmoddi4(num, den, &r);
    return r;
}

/* Signed versions truncate toward zero (C semantics): work on magnitudes, then fix signs. */
int64_t __divdi3(int64_t num, int64_t den)
{
    uint64_t un = num < 0 ? 0ull - (uint64_t)num : (uint64_t)num;
    uint64_t ud = den < 0 ? 0ull - (uint64_t)den : (uint64_t)den;
    uint64_t q = __udivmoddi4(un, ud, 0);
    return (int64_t)(((num < 0) != (den < 0)) ? 0ull - q : q);
}

int64_t __moddi3(int64_t num, int64_t den)
{
    uint64_t un = num < 0 ? 0ull - (uint64_t)num : (uint64_t)num;
    uint64_t ud = den < 0 ? 0ull - (uint64_t)den : (uint64_t)den;
    uint64_t r;
    __udivmoddi4(un, ud, &r);
    return (int64_t)(num < 0 ? 0ull - r : r);
}
