/* cim.c: the CIM driver (see cim.h). */
#include "cim.h"

#include "hetsoc.h"

#define CIM_REG(cim, name) HETSOC_MMIO32((cim) + HETSOC_CIM_##name)

uint32_t cim_rows_per_cycle(acc_t cim)
{
    return (CIM_REG(cim, TILE) & HETSOC_CIM_TILE_ROWS_PER_CYCLE_MASK)
           >> HETSOC_CIM_TILE_ROWS_PER_CYCLE_SHIFT;
}

uint32_t cim_cols_per_cycle(acc_t cim)
{
    return (CIM_REG(cim, TILE) & HETSOC_CIM_TILE_COLS_PER_CYCLE_MASK)
           >> HETSOC_CIM_TILE_COLS_PER_CYCLE_SHIFT;
}

uint32_t cim_words_per_beat(acc_t cim)
{
    uint32_t cp = cim_cols_per_cycle(cim);
    return cp < 16u ? 1u : cp / 16u;
}

static void wait_idle(acc_t cim)
{
    while (acc_busy(cim))
        ;
}

static uint32_t prog_addr(uint32_t row0, uint32_t groups)
{
    return (row0 << HETSOC_CIM_PROG_ADDR_ROW_SHIFT)
           | (groups << HETSOC_CIM_PROG_ADDR_GROUPS_SHIFT); /* from column group 0 */
}

void cim_program_beats(acc_t cim, uint32_t row0, uint32_t rows, uint32_t groups,
                       const uint32_t *words)
{
    uint32_t n = rows * groups * cim_words_per_beat(cim);
    wait_idle(cim);
    CIM_REG(cim, PROG_ADDR) = prog_addr(row0, groups);
    for (uint32_t i = 0; i < n; i++)
        CIM_REG(cim, PROG_DATA) = words[i];
}

int cim_program_dma_desc(uint32_t window, uint32_t macro_cols, uint32_t src, uint32_t row0,
                         uint32_t rows, uint32_t cols, uint16_t tag, dma_desc_t *d)
{
    const uint32_t pitch = macro_cols / 4, row_bytes = cols / 4;
    if (macro_cols < 32 || (macro_cols & (macro_cols - 1)) || cols == 0 || cols % 32 ||
        cols > macro_cols || rows == 0 || rows > 0xFFFFu)
        return -1;
    dma_desc_t out = {src, window + row0 * pitch, (uint16_t)row_bytes, (uint16_t)rows, 1, tag,
                      row_bytes, 0, pitch, 0};
    *d = out;
    return 0;
}

static inline uint32_t cell(int8_t w)
{
    return w == 0 ? 0u : w == 1 ? 1u : w == -1 ? 3u : 2u;
}

void cim_program_ternary(acc_t cim, uint32_t row0, const int8_t *t, uint32_t rows, uint32_t k)
{
    uint32_t cp = cim_cols_per_cycle(cim);
    uint32_t per_word = cp < 16u ? cp : 16u;
    uint32_t wpb = cim_words_per_beat(cim);
    uint32_t groups = (k + cp - 1u) / cp;
    wait_idle(cim);
    CIM_REG(cim, PROG_ADDR) = prog_addr(row0, groups);
    for (uint32_t r = 0; r < rows; r++) {
        const int8_t *row = t + r * k;
        for (uint32_t g = 0; g < groups; g++) {
            for (uint32_t w = 0; w < wpb; w++) {
                uint32_t col = g * cp + w * per_word, word = 0;
                for (uint32_t i = 0; i < per_word && col + i < k; i++)
                    word |= cell(row[col + i]) << (2u * i);
                CIM_REG(cim, PROG_DATA) = word;
            }
        }
    }
}

void cim_clear_weight_error(acc_t cim) { CIM_REG(cim, PROG_CTRL) = 1u; }
uint32_t cim_prog_cycles(acc_t cim) { return CIM_REG(cim, PROG_CYCLES); }

const char *cim_error_name(uint32_t error)
{
    static const char *const names[] = {"ok", "shape", "input shift", "weights", "align"};
    return error < sizeof(names) / sizeof(names[0]) ? names[error] : "unknown";
}
