/* pool.h: driver of the hetsoc-pool unit (an int8 max/average pooling accelerator): what is
 * the pool's own, a descriptor built from a C struct and the names of its codes. Start, wait,
 * interrupt and counters are acc.h's, like every accelerator's.
 *
 * Every constant comes from the generated hetsoc_soc.h: the descriptor's word count
 * (HETSOC_POOL_DESC_WORDS), each field's word, shift and mask (HETSOC_POOL_DESC_<FIELD>_WORD /
 * _SHIFT / _MASK, from hetsoc_pool.spec.DESCRIPTOR, set with acc.h's ACC_DESC_SET), the modes (HETSOC_POOL_MODE_*) and the error codes
 * (HETSOC_POOL_ERROR_*). Addresses in a descriptor are L1 offsets.
 */
#ifndef HETSOC_POOL_H
#define HETSOC_POOL_H

#include <stdint.h>

#include "acc.h"
#include "hetsoc_soc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The config's pooling unit named "pool"; another one is (acc_t)HETSOC_<NAME>_BASE. */
#ifdef HETSOC_HAS_POOL
#define POOL ((acc_t)HETSOC_POOL_BASE)
#endif

#define POOL_DESC_WORDS HETSOC_POOL_DESC_WORDS

/* One layer: y[c][oy][ox] from the kernel x kernel window at (oy * stride, ox * stride) of
 * plane c (NCHW int8, no padding), reduced by max or sum (mode: HETSOC_POOL_MODE_MAX / _AVG),
 * then clamp(rshift_rne((acc - zp) * multiplier, shift) + y_zp, relu ? y_zp : -128, 127)
 * with zp = x_zp (max) or kernel * kernel * x_zp (average). */
typedef struct {
    uint32_t in_addr, out_addr; /* L1 offsets of channel 0 of the input and of the output */
    uint32_t channels, in_h, in_w, out_h, out_w;
    uint32_t kernel, stride; /* 1..8 */
    uint32_t mode, relu;
    uint32_t shift;      /* 0..62 */
    uint32_t multiplier; /* below 2^31 */
    int32_t x_zp, y_zp;  /* int8 */
} pool_layer_t;

/* The descriptor's words of `layer`. Returns 0, or the index + 1 of the first field (in the
 * struct's order) that does not fit its bits; the unit checks the rest (POOL_ERROR_*). */
int pool_encode(const pool_layer_t *layer, uint32_t desc[POOL_DESC_WORDS]);

/* Encode, start and wait (polling, or sleeping in a wfi with `irq`); returns the unit's error
 * code (HETSOC_POOL_ERROR_NONE: done), or POOL_ENCODE_ERROR if a field does not fit. */
#define POOL_ENCODE_ERROR 0x100u
uint32_t pool_run(acc_t pool, const pool_layer_t *layer, int irq);

/* "ok", "shape", "kernel", "shift", "window", "bounds", "overlap", "encode", or "unknown". */
const char *pool_error_name(uint32_t code);

#ifdef __cplusplus
}
#endif

#endif /* HETSOC_POOL_H */
