/* cim.c: the CIM driver (see cim.h). */
#include "cim.h"

#include "hetsoc.h"

volatile uint32_t cim_irq_done_count;
volatile uint32_t cim_irq_error_count;

uint32_t cim_rows_per_cycle(void) { return HETSOC_REG(CIM, TILE) & 0xFFFFu; }
uint32_t cim_cols_per_cycle(void) { return HETSOC_REG(CIM, TILE) >> 16; }

uint32_t cim_words_per_beat(void)
{
    uint32_t cp = cim_cols_per_cycle();
    return cp < 16u ? 1u : cp / 16u;
}

uint32_t cim_status(void) { return HETSOC_REG(CIM, STATUS); }
int cim_busy(void) { return (int)(cim_status() & CIM_STATUS_BUSY); }

void cim_wait_idle(void)
{
    while (cim_busy())
        ;
}

void cim_program_beats(uint32_t row0, uint32_t rows, uint32_t groups, const uint32_t *words)
{
    uint32_t n = rows * groups * cim_words_per_beat();
    cim_wait_idle();
    HETSOC_REG(CIM, PROG_ADDR) = row0 | (groups << 24);
    for (uint32_t i = 0; i < n; i++)
        HETSOC_REG(CIM, PROG_DATA) = words[i];
}

static inline uint32_t cell(int8_t w)
{
    return w == 0 ? 0u : w == 1 ? 1u : w == -1 ? 3u : 2u;
}

void cim_program_ternary(uint32_t row0, const int8_t *t, uint32_t rows, uint32_t k)
{
    uint32_t cp = cim_cols_per_cycle();
    uint32_t per_word = cp < 16u ? cp : 16u;
    uint32_t wpb = cim_words_per_beat();
    uint32_t groups = (k + cp - 1u) / cp;
    cim_wait_idle();
    HETSOC_REG(CIM, PROG_ADDR) = row0 | (groups << 24);
    for (uint32_t r = 0; r < rows; r++) {
        const int8_t *row = t + r * k;
        for (uint32_t g = 0; g < groups; g++) {
            for (uint32_t w = 0; w < wpb; w++) {
                uint32_t col = g * cp + w * per_word, word = 0;
                for (uint32_t i = 0; i < per_word && col + i < k; i++)
                    word |= cell(row[col + i]) << (2u * i);
                HETSOC_REG(CIM, PROG_DATA) = word;
            }
        }
    }
}

void cim_clear_weight_error(void) { HETSOC_REG(CIM, PROG_CTRL) = 1u; }

void cim_start(const uint32_t desc[CIM_DESC_WORDS])
{
    volatile uint32_t *regs = &HETSOC_REG(CIM, DESC0);
    for (uint32_t k = 0; k < CIM_DESC_WORDS; k++)
        regs[k] = desc[k];
    HETSOC_REG(CIM, CTRL) = 1u;
}

uint32_t cim_wait(void)
{
    uint32_t s;
    while (!((s = cim_status()) & CIM_STATUS_DONE))
        ;
    return CIM_STATUS_CODE(s);
}

uint32_t cim_wait_irq(void)
{
    uint32_t s;
    for (;;) {
        /* Check with interrupts off, so the done interrupt cannot slip in between the check
         * and the wfi; a pending interrupt wakes wfi even with mstatus.MIE clear, and is taken
         * once MIE is set again. */
        irq_global_disable();
        s = cim_status();
        if (s & CIM_STATUS_DONE)
            break;
        wait_for_interrupt();
        irq_global_enable();
    }
    irq_global_enable();
    return CIM_STATUS_CODE(s);
}

uint32_t cim_run(const uint32_t desc[CIM_DESC_WORDS])
{
    cim_start(desc);
    return cim_wait();
}

void cim_irq_enable(uint32_t events) { HETSOC_REG(CIM, IRQ_EN) = events; }
uint32_t cim_irq_pending(void) { return HETSOC_REG(CIM, IRQ); }
void cim_irq_clear(uint32_t events) { HETSOC_REG(CIM, IRQ) = events; }

uint32_t cim_irq_service(void)
{
    uint32_t events = HETSOC_REG(CIM, IRQ) & HETSOC_REG(CIM, IRQ_EN);
    if (events) {
        HETSOC_REG(CIM, IRQ) = events;
        if (events & CIM_IRQ_DONE)
            cim_irq_done_count++;
        if (events & CIM_IRQ_ERROR)
            cim_irq_error_count++;
    }
    return events;
}

uint32_t cim_busy_cycles(void) { return HETSOC_REG(CIM, BUSY_CYCLES); }
uint32_t cim_mvms(void) { return HETSOC_REG(CIM, MVMS); }
uint32_t cim_prog_cycles(void) { return HETSOC_REG(CIM, PROG_CYCLES); }

const char *cim_error_name(uint32_t error)
{
    static const char *const names[] = {"ok", "shape", "input shift", "weights", "align"};
    return error < sizeof(names) / sizeof(names[0]) ? names[error] : "unknown";
}
