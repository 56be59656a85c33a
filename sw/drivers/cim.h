/* cim.h: driver of the hetsoc CIM accelerator: what is the CIM's own (weight programming, its
 * tile, its codes); the descriptor runs through acc.h like every accelerator's (register map
 * in the generated hetsoc_soc.h, semantics in docs/cim.md "Register page").
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

#include "acc.h"
#include "dma.h"
#include "hetsoc_soc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The config's CIM named "cim" (acc.h's functions take it: acc_start(CIM), acc_wait(CIM), ...);
 * another CIM of the config is HETSOC_<NAME>_BASE. */
#ifdef HETSOC_HAS_CIM
#define CIM ((acc_t)HETSOC_CIM_BASE)
#endif

/* Words of a descriptor (hetsoc.spec.cim.DESCRIPTOR). */
#define CIM_DESC_WORDS HETSOC_CIM_DESC_WORDS

/* CimError (hetsoc.spec.cim), the code of a refused descriptor. */
#define CIM_ERR_NONE HETSOC_CIM_ERROR_NONE
#define CIM_ERR_SHAPE HETSOC_CIM_ERROR_SHAPE             /* rows or out_c beyond the macro, ... */
#define CIM_ERR_INPUT_SHIFT HETSOC_CIM_ERROR_INPUT_SHIFT /* in_shift 3: beyond the 7-bit DAC */
#define CIM_ERR_WEIGHTS HETSOC_CIM_ERROR_WEIGHTS         /* a refused weight since the clear */
#define CIM_ERR_ALIGN HETSOC_CIM_ERROR_ALIGN             /* param_addr or psum_addr misaligned */

/* STATUS unit flag: a refused weight beat is pending (PROG_CTRL clears it). */
#define CIM_STATUS_WEIGHT_ERROR \
    (HETSOC_CIM_UNIT_FLAGS_WEIGHT_ERROR_MASK << HETSOC_ACC_STATUS_UNIT_SHIFT)

/* The CPU's address of L1 offset `off` (descriptor addresses are L1 offsets). */
#define CIM_L1(off) (HETSOC_L1_BASE + (uint32_t)(off))

/* The emulation's tile: rows and columns processed per cycle (TILE register). A programming
 * beat is one macro row of cim_cols_per_cycle() cells, cim_words_per_beat() PROG_DATA words. */
uint32_t cim_rows_per_cycle(acc_t cim);
uint32_t cim_cols_per_cycle(acc_t cim);
uint32_t cim_words_per_beat(acc_t cim);

/* Programming. Both wait until the engine is idle first (PROG_DATA is refused with a bus error
 * while it is busy).
 * cim_program_beats: `rows` macro rows from row0, `groups` column groups per row from column
 * group 0; words = rows * groups * cim_words_per_beat() words, row-major
 * (hetsoc.accel.cim.encoder's weight_beats, each beat's data split into 32-bit words, low first).
 * cim_program_ternary: the int8 matrix t (rows x k, row-major: t[r * k + col]) into macro rows
 * row0.., columns 0..k-1; -1, 0, +1 become cells 0b11, 0b00, 0b01, any other value the code
 * 0b10, which the array refuses (the next descriptor ends with CIM_ERR_WEIGHTS). */
void cim_program_beats(acc_t cim, uint32_t row0, uint32_t rows, uint32_t groups,
                       const uint32_t *words);
void cim_program_ternary(acc_t cim, uint32_t row0, const int8_t *t, uint32_t rows, uint32_t k);
/* Programming by DMA: the cells as a DMA destination, the CIM's DMA window
 * (HETSOC_<NAME>_DMA_BASE, on the DMA's address map only; a macro of macro_cols columns, a power
 * of two of at least 32): row r's cells are bytes [r * macro_cols / 4, (r + 1) * macro_cols / 4),
 * four cells a byte (column c in bits 2 * (c % 4)), the CELL codes of PROG_DATA
 * (hetsoc.accel.cim.encoder.weight_window). Build the descriptor of a copy of `rows` rows of
 * cols / 4 bytes each (columns 0..cols-1, cols a multiple of 32), packed one after the other at
 * `src` (L3, L2 or L1), into macro rows row0..; queue it with dma_submit on a channel whose write
 * window holds the CIM's window. Returns 0, or -1 (d untouched) if it does not fit. One 8-byte
 * beat a cycle (PROG_CYCLES counts each); while a descriptor runs the whole window is refused
 * (the transfer ends with HETSOC_DMA_STATUS_BUS_ERROR, nothing written): wait for the CIM to be
 * idle first. */
int cim_program_dma_desc(uint32_t window, uint32_t macro_cols, uint32_t src, uint32_t row0,
                         uint32_t rows, uint32_t cols, uint16_t tag, dma_desc_t *d);
/* Forget a refused weight (CIM_STATUS_WEIGHT_ERROR). */
void cim_clear_weight_error(acc_t cim);
/* Programming beats accepted since reset, by the CPU or by the DMA. */
uint32_t cim_prog_cycles(acc_t cim);

/* Descriptor, start, wait, interrupt and the counters of the last descriptor: acc.h (WORK
 * counts matrix-vector products). "ok", "shape", "input shift", "weights", "align". */
const char *cim_error_name(uint32_t error);

#ifdef __cplusplus
}
#endif

#endif /* HETSOC_CIM_H */
