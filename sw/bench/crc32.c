/* crc32.c: bitwise CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) of a generated buffer.
 *
 * A branchy integer kernel: one data-dependent branch per bit. The buffer is filled with
 * data[i] = (i * 7 + 3) & 0xFF so the host computes the expected value independently
 * (zlib.crc32(bytes((i * 7 + 3) & 0xFF for i in range(LEN)))) and may pass it as
 * -DCRC32_EXPECTED=...; the default length carries its value (the firmware test re-derives it
 * with zlib). Returns 0 on a match, 1 on a mismatch.
 */
#include "hetsoc.h"

#ifndef LEN
#define LEN 1024
#endif
#if !defined(CRC32_EXPECTED) && LEN == 1024
#define CRC32_EXPECTED 0x5D3DE8EDu
#endif

static uint8_t data[LEN];

static uint32_t crc32_bitwise(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            if (crc & 1)
                crc = (crc >> 1) ^ 0xEDB88320u;
            else
                crc >>= 1;
        }
    }
    return ~crc;
}

int main(void)
{
    for (uint32_t i = 0; i < LEN; i++)
        data[i] = (uint8_t)(i * 7 + 3);

    uint64_t c0 = read_mcycle64();
    uint64_t i0 = read_minstret64();
    uint32_t crc = crc32_bitwise(data, LEN);
    uint64_t c1 = read_mcycle64();
    uint64_t i1 = read_minstret64();

    printf("kernel cycles=%llu instret=%llu\n", (unsigned long long)(c1 - c0),
           (unsigned long long)(i1 - i0));
    printf("crc32: len=%d crc=0x%08x\n", LEN, (unsigned)crc);
#ifdef CRC32_EXPECTED
    if (crc != (uint32_t)(CRC32_EXPECTED)) {
        printf("crc32: FAIL, expected 0x%08x\n", (unsigned)(CRC32_EXPECTED));
        return 1;
    }
#endif
    return 0;
}
