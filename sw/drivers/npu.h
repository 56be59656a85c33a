/* npu.h: driver of the hetsoc digital NPU (register map in the generated hetsoc_soc.h).
 *
 * One layer at a time: load the layer's weight-memory image (per-channel parameters and
 * weights, built on the host by hetsoc.accel.npu.encoder.weight_image) with npu_load_weights,
 * then run its descriptor (HETSOC_NPU_DESC_WORDS words, hetsoc.accel.npu.encoder: conv_job,
 * dense_job, add_job) through the accelerator protocol of acc.h: acc_run(NPU, desc, words), or
 * acc_start and acc_wait / acc_wait_irq. A rejected descriptor reads and writes nothing and
 * ends with an npu_error_t code; activations live in L1 (descriptor addresses are byte offsets
 * from HETSOC_L1_BASE).
 */
#ifndef HETSOC_NPU_H
#define HETSOC_NPU_H

#include <stdint.h>

#include "acc.h"
#include "dma.h"
#include "hetsoc_soc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NpuError (hetsoc.spec.npu), generated into hetsoc_soc.h by hetsoc.cheader. */
typedef enum {
    NPU_OK = HETSOC_NPU_ERROR_NONE,
    NPU_ERR_KERNEL = HETSOC_NPU_ERROR_KERNEL,     /* kernel side 0 or above 7 */
    NPU_ERR_STRIDE = HETSOC_NPU_ERROR_STRIDE,     /* stride not 1 or 2 */
    NPU_ERR_SHAPE = HETSOC_NPU_ERROR_SHAPE,       /* empty dimension, pad >= kernel, ... */
    NPU_ERR_INPUT = HETSOC_NPU_ERROR_INPUT,       /* input (add: a) past the end of L1 */
    NPU_ERR_OUTPUT = HETSOC_NPU_ERROR_OUTPUT,     /* output past the end of L1 */
    NPU_ERR_WEIGHTS = HETSOC_NPU_ERROR_WEIGHTS,   /* past the end of the weight memory */
    NPU_ERR_ALIGN = HETSOC_NPU_ERROR_ALIGN,       /* add operands not port-aligned */
    NPU_ERR_CHANNELS = HETSOC_NPU_ERROR_CHANNELS, /* depthwise with in_c != out_k */
    NPU_ERR_OTHER = HETSOC_NPU_ERROR_OTHER,       /* add operand b past the end of L1 */
} npu_error_t;

/* The config's NPU named "npu" (acc.h's functions take it: acc_start(NPU), acc_wait(NPU), ...).
 * Another NPU of the config is HETSOC_<NAME>_BASE. */
#ifdef HETSOC_HAS_NPU
#define NPU ((acc_t)HETSOC_NPU_BASE)
#endif

/* Bytes of one weight-memory word (lane r = output channel k0 + r): the unit's rows; the
 * memory's words; its columns (GEOMETRY and WMEM_WORDS, so one driver serves any size). */
uint32_t npu_rows(acc_t npu);
uint32_t npu_cols(acc_t npu);
uint32_t npu_weight_words(acc_t npu);
/* Write a weight-memory image of n32 little-endian 32-bit words starting at weight word
 * w_base (4 bytes per WMEM_DATA write, rows / 4 writes per word). Returns 0, or -1 (nothing
 * written) if n32 is not a whole number of words or the image does not fit. Not while the NPU
 * is busy: the running layer reads the same memory. */
int npu_load_weights(acc_t npu, uint32_t w_base, const uint32_t *image, uint32_t n32);
/* The weight memory as a DMA destination: byte i of the NPU's DMA window (HETSOC_<NAME>_DMA_BASE,
 * on the DMA's address map only) is byte i % rows of weight word i / rows. Build the descriptor
 * of a copy of a weight image of `bytes` bytes at `src` (L3, L2 or L1) to weight word w_base;
 * queue it with dma_submit on a channel whose write window holds the NPU's window. Returns 0, or
 * -1 (d untouched) if bytes or w_base * rows is not a multiple of 8, or the image does not fit.
 * The NPU refuses DMA writes into the words its running layer reads (the transfer ends with
 * HETSOC_DMA_STATUS_BUS_ERROR, nothing written), and takes the rest while it computes: the next
 * layer's weights can stream in behind this one. 8 bytes a cycle (a CPU WMEM_DATA write takes
 * precedence for its cycle). */
int npu_weights_dma_desc(acc_t npu, uint32_t window, uint32_t src, uint32_t w_base,
                         uint32_t bytes, uint16_t tag, dma_desc_t *d);
/* Descriptor, start, wait, interrupt and counters: acc.h (WORK counts multiply-accumulates).
 * "ok", "kernel", "stride", "shape", "input", "output", "weights", "align", "channels",
 * "other". */
const char *npu_error_name(uint32_t err);

#ifdef __cplusplus
}
#endif

#endif /* HETSOC_NPU_H */
