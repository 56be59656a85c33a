/* lut.c: driver of the hetsoc-lut unit (see lut.h). */
#include "lut.h"

#include "hetsoc.h"

#define LUT_REG(u, reg) HETSOC_MMIO32((u) + HETSOC_LUT_##reg)

void lut_load_table(acc_t lut, const int8_t table[256])
{
    while (acc_busy(lut))
        ;
    LUT_REG(lut, TABLE_INDEX) = 0;
    for (unsigned i = 0; i < 256; i += 4)
        LUT_REG(lut, TABLE_DATA) = (uint32_t)(uint8_t)table[i]
                                   | (uint32_t)(uint8_t)table[i + 1] << 8
                                   | (uint32_t)(uint8_t)table[i + 2] << 16
                                   | (uint32_t)(uint8_t)table[i + 3] << 24;
}

void lut_descriptor(uint32_t desc[HETSOC_LUT_DESC_WORDS], uint32_t src, uint32_t dst,
                    uint32_t count)
{
    for (unsigned k = 0; k < HETSOC_LUT_DESC_WORDS; k++)
        desc[k] = 0;
    ACC_DESC_SET(desc, LUT, SRC, src);
    ACC_DESC_SET(desc, LUT, DST, dst);
    ACC_DESC_SET(desc, LUT, COUNT, count);
}

uint32_t lut_translate(acc_t lut, uint32_t src, uint32_t dst, uint32_t count)
{
    uint32_t desc[HETSOC_LUT_DESC_WORDS];
    lut_descriptor(desc, src, dst, count);
    return acc_run(lut, desc, HETSOC_LUT_DESC_WORDS);
}

const char *lut_error_name(uint32_t error)
{
    switch (error) {
    case LUT_ERR_NONE: return "ok";
    case LUT_ERR_EMPTY: return "empty";
    case LUT_ERR_ALIGN: return "align";
    case LUT_ERR_WINDOW: return "window";
    case LUT_ERR_OVERLAP: return "overlap";
    default: return "?";
    }
}
