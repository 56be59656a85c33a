/* acc.h: the register-page protocol every hetsoc accelerator speaks (hetsoc.spec.page), one
 * API for all of them.
 *
 * A unit is named by the base of its register page, HETSOC_<NAME>_BASE in the generated
 * hetsoc_soc.h (one per [[accelerator]] table of the config). Every page starts with the
 * descriptor's staging words, CTRL, STATUS, IRQ/IRQ_EN and the counters of the last descriptor
 * at the offsets HETSOC_ACC_*; a unit's own registers follow from HETSOC_ACC_UNIT_BASE and its
 * driver (npu.h, cim.h, a plug-in's) keeps only those.
 */
#ifndef HETSOC_ACC_H
#define HETSOC_ACC_H

#include <stdint.h>

#include "hetsoc_soc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An accelerator: the base address of its register page. */
typedef uintptr_t acc_t;

/* The lvalue of register REG (CTRL, STATUS, ...) of unit u. */
#define ACC_REG(u, reg) HETSOC_MMIO32((u) + HETSOC_ACC_##reg)

/* STATUS fields and IRQ events (layouts hetsoc.spec.page.STATUS and IRQ). */
#define ACC_STATUS_BUSY HETSOC_ACC_STATUS_BUSY_MASK
#define ACC_STATUS_DONE HETSOC_ACC_STATUS_DONE_MASK
#define ACC_STATUS_ERROR HETSOC_ACC_STATUS_ERROR_MASK
#define ACC_STATUS_CODE(s) (((s) & HETSOC_ACC_STATUS_CODE_MASK) >> HETSOC_ACC_STATUS_CODE_SHIFT)
#define ACC_IRQ_DONE HETSOC_ACC_IRQ_DONE_MASK
#define ACC_IRQ_ERROR HETSOC_ACC_IRQ_ERROR_MASK

/* Field FIELD of kind KIND's descriptor, for drivers that build descriptors themselves: the
 * kind's AcceleratorSpec.descriptor gives HETSOC_<KIND>_DESC_<FIELD>_WORD, _SHIFT and _MASK.
 * ACC_DESC_SET ors the value into its word (start from zeroed words); ACC_DESC_MAX is the
 * field's largest unsigned value. */
#define ACC_DESC_SET(desc, KIND, FIELD, v)                                                   \
    ((desc)[HETSOC_##KIND##_DESC_##FIELD##_WORD] |=                                          \
     ((uint32_t)(v) << HETSOC_##KIND##_DESC_##FIELD##_SHIFT) & HETSOC_##KIND##_DESC_##FIELD##_MASK)
#define ACC_DESC_MAX(KIND, FIELD)                                                            \
    (HETSOC_##KIND##_DESC_##FIELD##_MASK >> HETSOC_##KIND##_DESC_##FIELD##_SHIFT)

/* Write the descriptor's `words` words into DESC0... */
void acc_set_descriptor(acc_t u, const uint32_t *desc, unsigned words);
/* Acknowledge old done/error events, then start the staged descriptor (the hardware ignores
 * a start while busy). Resets the counters. */
void acc_start(acc_t u);
/* Raw STATUS; acc_busy: nonzero while a descriptor is checked or runs. */
uint32_t acc_status(acc_t u);
int acc_busy(acc_t u);
/* Poll STATUS until the descriptor ended; returns its error code (0: accepted and done). */
uint32_t acc_wait(acc_t u);
/* Sleep (wfi) until the unit's interrupt reaches the core (mip.MEIP with its done event
 * pending), acknowledge its events and return as acc_wait. For the wait it enables IRQ_EN
 * done|error and mie.MEIE and clears mstatus.MIE, so no handler takes the interrupt; all three
 * are restored afterwards. */
uint32_t acc_wait_irq(acc_t u);
/* Sleep (wfi) until the descriptor ended, with the unit's interrupts taken by a handler: needs
 * IRQ_EN done, mie.MEIE and a trap_handler_hook that acknowledges them (acc_irq_service).
 * Returns as acc_wait. */
uint32_t acc_wait_handled(acc_t u);
/* For a trap handler: acknowledge u's pending enabled events and return them (0: the
 * interrupt was not u's). */
uint32_t acc_irq_service(acc_t u);
/* set_descriptor + start + wait. */
uint32_t acc_run(acc_t u, const uint32_t *desc, unsigned words);
/* Interrupt events (ACC_IRQ_*): enable, read, acknowledge. */
void acc_irq_enable(acc_t u, uint32_t events);
uint32_t acc_irq_enabled(acc_t u);
uint32_t acc_irq_pending(acc_t u);
void acc_irq_clear(acc_t u, uint32_t events);
/* Counters of the last descriptor, reset by its start: cycles from start to end, cycles of
 * them waiting on L1, the unit's work units (NPU: MACs, CIM: matrix-vector products), bytes
 * read from and written to L1 through the unit's port. */
uint32_t acc_busy_cycles(acc_t u);
uint32_t acc_stall_cycles(acc_t u);
uint32_t acc_work(acc_t u);
uint32_t acc_l1_read_bytes(acc_t u);
uint32_t acc_l1_written_bytes(acc_t u);
/* INFO: descriptor words, and bytes per access of the unit's L1 port. */
uint32_t acc_desc_words(acc_t u);
uint32_t acc_port_bytes(acc_t u);

#ifdef __cplusplus
}
#endif

#endif /* HETSOC_ACC_H */
