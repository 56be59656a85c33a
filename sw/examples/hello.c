/* hello.c: the smallest useful program: a greeting and the counters after it. */
#include "hetsoc.h"

int main(void)
{
    uint64_t c0 = read_mcycle64();
    uint64_t i0 = read_minstret64();
    printf("Hello from hetsoc (%s, %u MHz)!\n", HETSOC_CONFIG_NAME,
           (unsigned)(HETSOC_CLOCK_HZ / 1000000u));
    uint64_t c1 = read_mcycle64();
    uint64_t i1 = read_minstret64();
    printf("kernel cycles=%llu instret=%llu\n", (unsigned long long)(c1 - c0),
           (unsigned long long)(i1 - i0));
    return 0;
}
