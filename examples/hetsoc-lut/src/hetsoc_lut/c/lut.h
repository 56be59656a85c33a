/* lut.h: driver of the hetsoc-lut unit, an int8 lookup-table activation (hetsoc_lut.spec):
 * what is the unit's own (its table, its descriptor, its codes). Start, wait, interrupt and the
 * counters of the last descriptor are acc.h's, as for every hetsoc accelerator; offsets, codes
 * and descriptor fields come from the generated hetsoc_soc.h.
 *
 * A unit is the base of its register page: (acc_t)HETSOC_<NAME>_BASE, e.g. LUT for the
 * config's unit named "lut". Descriptor addresses are L1 byte offsets.
 */
#ifndef HETSOC_LUT_H
#define HETSOC_LUT_H

#include <stdint.h>

#include "acc.h"
#include "hetsoc_soc.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef HETSOC_HAS_LUT
#define LUT ((acc_t)HETSOC_LUT_BASE)
#endif

/* LutError (hetsoc_lut.spec): the code of a refused descriptor. */
#define LUT_ERR_NONE HETSOC_LUT_ERROR_NONE
#define LUT_ERR_EMPTY HETSOC_LUT_ERROR_EMPTY     /* count 0 */
#define LUT_ERR_ALIGN HETSOC_LUT_ERROR_ALIGN     /* src or dst not a multiple of the port */
#define LUT_ERR_WINDOW HETSOC_LUT_ERROR_WINDOW   /* beyond L1 */
#define LUT_ERR_OVERLAP HETSOC_LUT_ERROR_OVERLAP /* dst overlaps src without being it */

/* Write the unit's 256 table entries (entry i: the output for input bits i, i.e. inputs 0..127
 * then -128..-1). Waits until the unit is idle: the table does not change under a run. */
void lut_load_table(acc_t lut, const int8_t table[256]);

/* The descriptor translating `count` bytes from L1 offset `src` to `dst` (dst == src: in
 * place), built from the fields of hetsoc_soc.h; start it with acc_run or acc_set_descriptor
 * and acc_start. */
void lut_descriptor(uint32_t desc[HETSOC_LUT_DESC_WORDS], uint32_t src, uint32_t dst,
                    uint32_t count);

/* Translate and wait (polling STATUS); returns the error code (LUT_ERR_NONE: done). */
uint32_t lut_translate(acc_t lut, uint32_t src, uint32_t dst, uint32_t count);

/* "ok", "empty", "align", "window", "overlap", or "?". */
const char *lut_error_name(uint32_t error);

#ifdef __cplusplus
}
#endif

#endif /* HETSOC_LUT_H */
