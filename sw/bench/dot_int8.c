/* dot_int8.c: int8 dot products with int32 accumulation, the inner loop of a quantized layer.
 *
 * ROWS dot products of LEN int8 pairs (a few KiB of operands) are timed with mcycle/minstret;
 * nothing is printed inside the timed region. A straightforward reference, run after the timed
 * kernel, checks every result. Returns 0 on success, 1 on a mismatch.
 */
#include "hetsoc.h"

#ifndef LEN
#define LEN 256
#endif
#ifndef ROWS
#define ROWS 16
#endif

static int8_t weights[ROWS][LEN];
static int8_t input[LEN];
static int32_t out[ROWS];

/* xorshift32: a deterministic generator the host can reproduce if it needs the data. */
static uint32_t rng_state = 0x12345678u;
static int8_t next_int8(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return (int8_t)(rng_state >> 24);
}

/* The kernel: four independent accumulators shorten the multiply-add dependency chain. */
static void dot_rows(const int8_t (*w)[LEN], const int8_t *x, int32_t *y)
{
    for (int r = 0; r < ROWS; r++) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (int i = 0; i < LEN; i += 4) {
            a0 += w[r][i] * x[i];
            a1 += w[r][i + 1] * x[i + 1];
            a2 += w[r][i + 2] * x[i + 2];
            a3 += w[r][i + 3] * x[i + 3];
        }
        y[r] = a0 + a1 + a2 + a3;
    }
}

/* Reference: one accumulator, one element at a time, in a separate function on purpose. */
static int32_t dot_reference(const int8_t *w, const int8_t *x)
{
    int32_t acc = 0;
    for (int i = 0; i < LEN; i++)
        acc += (int32_t)w[i] * (int32_t)x[i];
    return acc;
}

int main(void)
{
    for (int r = 0; r < ROWS; r++)
        for (int i = 0; i < LEN; i++)
            weights[r][i] = next_int8();
    for (int i = 0; i < LEN; i++)
        input[i] = next_int8();

    uint64_t c0 = read_mcycle64();
    uint64_t i0 = read_minstret64();
    dot_rows(weights, input, out);
    uint64_t c1 = read_mcycle64();
    uint64_t i1 = read_minstret64();

    int errors = 0;
    for (int r = 0; r < ROWS; r++) {
        int32_t want = dot_reference(weights[r], input);
        if (out[r] != want) {
            printf("dot_int8: row %d: got %ld want %ld\n", r, (long)out[r], (long)want);
            errors++;
        }
    }
    printf("kernel cycles=%llu instret=%llu\n", (unsigned long long)(c1 - c0),
           (unsigned long long)(i1 - i0));
    printf("dot_int8: %d rows x %d: %s\n", ROWS, LEN, errors ? "FAIL" : "ok");
    return errors ? 1 : 0;
}
