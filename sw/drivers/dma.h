/* dma.h: driver of the hetsoc DMA engine (register map in the generated hetsoc_soc.h).
 *
 * Each channel runs a queue of 3-D descriptors in order. Software opens the channel's read and
 * write windows (reset: empty, so every descriptor fails until it does), submits descriptors,
 * and collects one completion (tag, status) per descriptor, by polling or after the external
 * interrupt. Addresses, row sizes and strides are multiples of 8 bytes.
 *
 * Errors: a descriptor that fails a check moves nothing; one that meets an AXI error on L3
 * ends with HETSOC_DMA_STATUS_BUS_ERROR and may have written part of its destination, never
 * from the failing read beat on (docs/dma.md). A push onto a full queue is dropped by the
 * hardware and raises the overflow event (DMA_IRQ_OVERFLOW, also CH_STATUS bit 1) until
 * cleared with dma_irq_clear(); dma_try_submit() checks for a free slot first, so it only
 * meets this if an interrupt handler pushes onto the same channel between its check and its
 * push.
 */
#ifndef HETSOC_DMA_H
#define HETSOC_DMA_H

#include <stdint.h>

#include "hetsoc_soc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The descriptor, in register order: DESC0 = src, DESC1 = dst, DESC2 = row_bytes | rows << 16,
 * DESC3 = planes | tag << 16, DESC4..7 = strides. Byte i of row r of plane p moves from
 * src + p*src_plane_stride + r*src_row_stride + i to the same place relative to dst. */
typedef struct {
    uint32_t src;
    uint32_t dst;
    uint16_t row_bytes;
    uint16_t rows;
    uint16_t planes;
    uint16_t tag;
    uint32_t src_row_stride;
    uint32_t src_plane_stride;
    uint32_t dst_row_stride;
    uint32_t dst_plane_stride;
} dma_desc_t;

/* The struct is the Python layout (hetsoc.spec.dma.Descriptor), field for field. */
_Static_assert(sizeof(dma_desc_t) == 4 * HETSOC_DMA_DESC_WORDS, "descriptor size");
#define DMA_DESC_FIELD(f, F)                                                                  \
    _Static_assert(__builtin_offsetof(dma_desc_t, f) == HETSOC_DMA_DESC_##F##_OFFSET            \
                       && sizeof(((dma_desc_t *)0)->f) == HETSOC_DMA_DESC_##F##_BYTES,         \
                   "dma_desc_t." #f " is not where hetsoc.spec.dma.Descriptor has it")
DMA_DESC_FIELD(src, SRC);
DMA_DESC_FIELD(dst, DST);
DMA_DESC_FIELD(row_bytes, ROW_BYTES);
DMA_DESC_FIELD(rows, ROWS);
DMA_DESC_FIELD(planes, PLANES);
DMA_DESC_FIELD(tag, TAG);
DMA_DESC_FIELD(src_row_stride, SRC_ROW_STRIDE);
DMA_DESC_FIELD(src_plane_stride, SRC_PLANE_STRIDE);
DMA_DESC_FIELD(dst_row_stride, DST_ROW_STRIDE);
DMA_DESC_FIELD(dst_plane_stride, DST_PLANE_STRIDE);

#define DMA_IRQ_DONE HETSOC_DMA_CH_IRQ_DONE_MASK /* CH_IRQ / CH_IRQ_EN events */
#define DMA_IRQ_ERROR HETSOC_DMA_CH_IRQ_ERROR_MASK
#define DMA_IRQ_OVERFLOW HETSOC_DMA_CH_IRQ_OVERFLOW_MASK
#define DMA_NO_COMPLETION 0xFFFFFFFFu

/* A contiguous copy of n bytes. */
static inline dma_desc_t dma_desc_1d(uint32_t src, uint32_t dst, uint32_t n, uint16_t tag)
{
    dma_desc_t d = {src, dst, (uint16_t)n, 1, 1, tag, 0, 0, 0, 0};
    return d;
}

/* Open channel ch's windows: reads in [rbase, rend), writes in [wbase, wend). */
void dma_set_windows(unsigned ch, uint32_t rbase, uint32_t rend, uint32_t wbase, uint32_t wend);
/* Queue a descriptor; returns 0, or -1 if the channel's queue is full (nothing pushed). */
int dma_try_submit(unsigned ch, const dma_desc_t *d);
/* Queue a descriptor, waiting for a free slot. */
void dma_submit(unsigned ch, const dma_desc_t *d);
/* Pop the oldest completion: returns its status (HETSOC_DMA_STATUS_*) and stores its tag, or
 * returns DMA_NO_COMPLETION when there is none yet. */
uint32_t dma_poll(unsigned ch, uint16_t *tag);
/* Wait for the next completion and pop it; returns its status. */
uint32_t dma_wait(unsigned ch, uint16_t *tag);
/* Nonzero while the channel has a descriptor queued or in progress. */
int dma_busy(unsigned ch);
/* Interrupts: enable events (DMA_IRQ_*), read and acknowledge pending ones. */
void dma_irq_enable(unsigned ch, uint32_t events);
uint32_t dma_irq_pending(unsigned ch);
void dma_irq_clear(unsigned ch, uint32_t events);
/* Counters since the last dma_clear_counters(ch). */
uint32_t dma_bytes(unsigned ch);
uint32_t dma_busy_cycles(unsigned ch);
uint32_t dma_stall_cycles(unsigned ch);
void dma_clear_counters(unsigned ch);
/* Cycles an L1 / L2 port waited for a bank another port held (since reset). */
uint32_t dma_l1_conflicts(void);
uint32_t dma_l2_conflicts(void);
/* "ok", "zero size", "misaligned", "unmapped", "source window", "destination window",
 * "bus error". */
const char *dma_status_name(uint32_t status);
/* Print "descriptor tag T: N bytes (P x R x B) 0xSRC -> 0xDST" (no newline): the phrase the
 * simulation's timeout report uses for a channel's last descriptor (hetsoc.sim.watch), so a
 * fault reported by firmware names its descriptor the same way. */
void dma_print_descriptor(const dma_desc_t *d);

#ifdef __cplusplus
}
#endif

#endif /* HETSOC_DMA_H */
