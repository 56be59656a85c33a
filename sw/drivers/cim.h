/* cim.h: driver of the hetsoc CIM accelerator (register map in the generated hetsoc_soc.h,
 * semantics in docs/cim.md "Register page").
 *
 * The CIM runs one descriptor at a time: a (row chunk, column chunk) of a conv2d or dense layer
 * whose ternary weights were programmed into macro rows 0.. and columns 0.. beforehand. The host
 * encoder (hetsoc.accel.cim.encoder: plan_conv2d, encode_descriptor, weight_beats,
 * param_table) prepares the descriptor words, and either the programming beats or the int8 weights (packed here).
 * Descriptor addresses are L1 offsets: CIM_L1(offset) is the CPU's address of the same byte.
 */
#ifndef HETSOC_CIM_H
#define HETSOC_CIM_H

#include <stdint.h>

#include "hetsoc_soc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Words of a descriptor (hetsoc.hw.cim.descriptor.DESCRIPTOR). */
#define CIM_DESC_WORDS 13u

/* CimError (hetsoc.hw.cim.descriptor; tests/cim/test_cim_firmware.py checks these values). */
#define CIM_ERR_NONE 0u
#define CIM_ERR_SHAPE 1u       /* rows or out_c zero or beyond the macro, bad kernel/stride */
#define CIM_ERR_INPUT_SHIFT 2u /* in_shift 3: int8 inputs cannot reach the 7-bit DAC */
#define CIM_ERR_WEIGHTS 3u     /* a weight outside {-1, 0, +1} was programmed since the clear */
#define CIM_ERR_ALIGN 4u       /* param_addr not 8-aligned or psum_addr not 4-aligned */

/* STATUS bits */
#define CIM_STATUS_BUSY 1u
#define CIM_STATUS_DONE 2u         /* the last descriptor ended (cleared by a start) */
#define CIM_STATUS_ERROR 4u        /* ... and was refused: nothing read or written */
#define CIM_STATUS_WEIGHT_ERROR 8u /* a refused weight beat is pending */
#define CIM_STATUS_CODE(s) (((s) >> 8) & 7u)

/* IRQ / IRQ_EN bits */
#define CIM_IRQ_DONE 1u
#define CIM_IRQ_ERROR 2u

/* The CPU's address of L1 offset `off` (descriptor addresses are L1 offsets). */
#define CIM_L1(off) (HETSOC_L1_BASE + (uint32_t)(off))

/* The emulation's tile: rows and columns processed per cycle (TILE register). A programming
 * beat is one macro row of cim_cols_per_cycle() cells, cim_words_per_beat() PROG_DATA words. */
uint32_t cim_rows_per_cycle(void);
uint32_t cim_cols_per_cycle(void);
uint32_t cim_words_per_beat(void);

/* Programming. Both wait until the engine is idle first (PROG_DATA is refused with a bus error
 * while it is busy).
 * cim_program_beats: `rows` macro rows from row0, `groups` column groups per row from column
 * group 0; words = rows * groups * cim_words_per_beat() words, row-major
 * (hetsoc.accel.cim.encoder's weight_beats, each beat's data split into 32-bit words, low first).
 * cim_program_ternary: the int8 matrix t (rows x k, row-major: t[r * k + col]) into macro rows
 * row0.., columns 0..k-1; -1, 0, +1 become cells 0b11, 0b00, 0b01, any other value the code
 * 0b10, which the array refuses (the next descriptor ends with CIM_ERR_WEIGHTS). */
void cim_program_beats(uint32_t row0, uint32_t rows, uint32_t groups, const uint32_t *words);
void cim_program_ternary(uint32_t row0, const int8_t *t, uint32_t rows, uint32_t k);
/* Forget a refused weight (STATUS.WEIGHT_ERROR). */
void cim_clear_weight_error(void);

/* Stage a descriptor and start it (the engine must be idle). */
void cim_start(const uint32_t desc[CIM_DESC_WORDS]);
uint32_t cim_status(void);
int cim_busy(void);
void cim_wait_idle(void);
/* Poll until the descriptor ends; returns its CimError. */
uint32_t cim_wait(void);
/* Wait with interrupts: needs IRQ_EN to hold CIM_IRQ_DONE, mie.MEIE set, and a
 * trap_handler_hook calling cim_irq_service() on machine external interrupts. Returns the
 * CimError. */
uint32_t cim_wait_irq(void);
/* Start and poll. */
uint32_t cim_run(const uint32_t desc[CIM_DESC_WORDS]);

/* Interrupts: enable events (CIM_IRQ_*), read and acknowledge pending ones. */
void cim_irq_enable(uint32_t events);
uint32_t cim_irq_pending(void);
void cim_irq_clear(uint32_t events);
/* For a trap handler: acknowledge the CIM's pending events, count them in cim_irq_done_count
 * and cim_irq_error_count, and return them (0: the interrupt was not the CIM's). */
uint32_t cim_irq_service(void);
extern volatile uint32_t cim_irq_done_count;
extern volatile uint32_t cim_irq_error_count;

/* Counters since reset: busy cycles, matrix-vector products, programming beats. */
uint32_t cim_busy_cycles(void);
uint32_t cim_mvms(void);
uint32_t cim_prog_cycles(void);

/* "ok", "shape", "input shift", "weights", "align". */
const char *cim_error_name(uint32_t error);

#ifdef __cplusplus
}
#endif

#endif /* HETSOC_CIM_H */
