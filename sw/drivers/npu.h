/* npu.h: driver of the hetsoc digital NPU (register map in the generated hetsoc_soc.h).
 *
 * One layer at a time: load the layer's weight-memory image (per-channel parameters and
 * weights, built on the host by hetsoc.accel.npu.encoder.weight_image), write its descriptor
 * (13 words, hetsoc.accel.npu.encoder: conv_job, dense_job, add_job), start, and wait for done
 * or error by polling STATUS or sleeping on the interrupt. A rejected descriptor reads and writes nothing and reports
 * an npu_error_t; activations live in L1 (descriptor addresses are byte offsets from
 * HETSOC_L1_BASE).
 */
#ifndef HETSOC_NPU_H
#define HETSOC_NPU_H

#include <stdint.h>

#include "hetsoc_soc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NpuError (hetsoc.hw.npu.descriptor), generated into hetsoc_soc.h by hetsoc.cheader. */
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

#define NPU_STATUS_BUSY 1u  /* STATUS bits (hetsoc.hw.npu.regs) */
#define NPU_STATUS_DONE 2u
#define NPU_STATUS_ERROR 4u
#define NPU_STATUS_CODE_SHIFT 8
#define NPU_STATUS_CODE_MASK 0xFu
#define NPU_IRQ_DONE 1u  /* IRQ / IRQ_EN bits */
#define NPU_IRQ_ERROR 2u
/* Bytes in one weight-memory word (lane r = output channel k0 + r) and words in the memory. */
#define NPU_WORD_BYTES HETSOC_NPU_ROWS
#define NPU_WEIGHT_WORDS (HETSOC_NPU_WEIGHT_MEMORY / HETSOC_NPU_ROWS)

/* Write a weight-memory image of n32 little-endian 32-bit words starting at weight word
 * w_base (4 bytes per WMEM_DATA write, NPU_WORD_BYTES / 4 writes per word). Returns 0, or -1
 * (nothing written) if n32 is not a whole number of words or the image does not fit. Not while
 * the NPU is busy: the running layer reads the same memory. */
int npu_load_weights(uint32_t w_base, const uint32_t *image, uint32_t n32);
/* Write DESC0..DESC12. */
void npu_set_descriptor(const uint32_t desc[HETSOC_NPU_DESC_WORDS]);
/* Acknowledge old done/error events, then start the layer in the descriptor registers
 * (ignored by the hardware while busy). */
void npu_start(void);
/* Raw STATUS; nonzero while a layer runs. */
uint32_t npu_status(void);
int npu_busy(void);
/* Poll STATUS until the layer is done or rejected; returns NPU_OK or the error. */
npu_error_t npu_wait(void);
/* Sleep (wfi) until the NPU's interrupt reaches the core (mip.MEIP with an NPU done/error
 * event pending), then acknowledge both events and return as npu_wait. For the wait it enables
 * IRQ_EN done|error and mie.MEIE and clears mstatus.MIE, so no handler takes the interrupt;
 * all three are restored afterwards. Never returns if the interrupt is not wired. */
npu_error_t npu_wait_irq(void);
/* set_descriptor + start + wait. */
npu_error_t npu_run(const uint32_t desc[HETSOC_NPU_DESC_WORDS]);
/* Interrupts: enable events (NPU_IRQ_*), read and acknowledge pending ones. */
void npu_irq_enable(uint32_t events);
uint32_t npu_irq_enabled(void);
uint32_t npu_irq_pending(void);
void npu_irq_clear(uint32_t events);
/* Counters of the last layer (reset by its start): cycles from start to done, cycles of
 * them waiting on L1, multiply-accumulates. */
uint32_t npu_busy_cycles(void);
uint32_t npu_stall_cycles(void);
uint32_t npu_macs(void);
/* "ok", "kernel", "stride", "shape", "input", "output", "weights", "align", "channels",
 * "other". */
const char *npu_error_name(npu_error_t err);

#ifdef __cplusplus
}
#endif

#endif /* HETSOC_NPU_H */
