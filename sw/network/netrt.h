/* netrt.h: what the compiler's generated network firmware calls (hetsoc.compiler.codegen).
 *
 * Transfers are blocking: the load channel brings constants and the input from L3, the store
 * channel writes outputs to L3, and the call returns once the copy has completed. A failure
 * (a DMA status other than ok, an NPU error) prints one line naming the step and what failed
 * (a DMA failure: the channel, the status, the descriptor and the bytes written) and ends the
 * run with a NET_EXIT_* code, so nothing wrong goes unnoticed; hetsoc.runtime names the layer,
 * its unit and the transfer from that line.
 */
#ifndef HETSOC_NETRT_H
#define HETSOC_NETRT_H

#include <stdint.h>

#include "hetsoc_soc.h"

#define NET_LOAD_CHANNEL 0u
#define NET_STORE_CHANNEL 1u

/* Exit codes of a failed run (the host runtime names them). */
#define NET_EXIT_DMA 10
#define NET_EXIT_NPU 11
#define NET_EXIT_CIM 12

/* mcycle at the start of each step and at the end (defined by the generated code). */
extern uint64_t net_marks[];
/* Each step's accelerator busy cycles: the unit's BUSY_CYCLES counter added after each of the
 * step's descriptors (defined by the generated code, zero at start). */
extern uint32_t net_busy[];

/* Open the DMA windows: loads read L3 and write L2/L1, stores read L1 and write L3. */
void net_init(void);
/* Step `index` starts: record mcycle in net_marks[index] (also the step named in errors). */
void net_mark(unsigned index);
/* Blocking copies of n bytes (a multiple of 8, 8-byte aligned addresses). */
void net_dma_load(uint32_t src, uint32_t dst, uint32_t n);
void net_dma_store(uint32_t src, uint32_t dst, uint32_t n);
#ifdef HETSOC_HAS_NPU
/* Load a weight-memory image of n32 words from L2 into the NPU's weight memory at word 0. */
void net_npu_weights(uint32_t l2_addr, uint32_t n32);
/* Run one NPU descriptor to its end. */
void net_npu_run(const uint32_t desc[HETSOC_NPU_DESC_WORDS]);
#endif
#ifdef HETSOC_HAS_CIM
/* Program the CIM's macro rows 0..rows-1, columns 0..cols-1 (cols a multiple of 32) by one DMA
 * transfer from L3 into its window: rows packed rows of cols / 4 bytes at l3_addr. */
void net_cim_weights(uint32_t l3_addr, uint32_t rows, uint32_t cols);
/* Run one CIM descriptor to its end. */
void net_cim_run(const uint32_t desc[HETSOC_CIM_DESC_WORDS]);
#endif
/* Activations between the compiler's NCHW and a unit's HWC: c channels of hw pixels each. */
void net_nchw_to_hwc(uint32_t src, uint32_t dst, uint32_t c, uint32_t hw);
void net_hwc_to_nchw(uint32_t src, uint32_t dst, uint32_t c, uint32_t hw);

#endif /* HETSOC_NETRT_H */
