/* hetsoc.h: the bare-metal runtime of the hetsoc RISC-V host (RV32IM, M-mode only).
 *
 * There is no libc for this target: this header declares the few C library functions the
 * runtime implements (string, stdio-like output, exit) plus CSR, counter, timer and interrupt
 * helpers. Addresses come from the generated hetsoc_soc.h, never from literals here.
 */
#ifndef HETSOC_H
#define HETSOC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "hetsoc_soc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- string.h subset (sw/runtime/string.c) ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* ---- console output (sw/runtime/stdio.c): bytes go to the console TX register ---- */
int putchar(int c);
int puts(const char *s); /* appends '\n', like C's puts */
/* printf subset: %d %i %u %x %X %c %s %p %%, flags '-' and '0', a width (digits or '*'),
 * length modifiers 'l' and 'll' (and 'z'). No floating point. Returns the characters written. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
/* Like printf into buf; writes at most size bytes including the NUL; returns the full length. */
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* ---- ending a run (sw/runtime/trap.c) ---- */
/* Write code to the finisher's EXIT register (0 = pass); crt0 passes main's return value. */
__attribute__((noreturn)) void exit(int code);
/* Write mcause to the finisher's TRAP register: the run ends as a trap. */
__attribute__((noreturn)) void hetsoc_trap_exit(uint32_t mcause);

/* ---- CSRs ---- */
#define HETSOC_STR_(x) #x
#define HETSOC_STR(x) HETSOC_STR_(x)
#define csr_read(csr) ({ uint32_t v_; __asm__ volatile("csrr %0, " HETSOC_STR(csr) : "=r"(v_)); v_; })
#define csr_write(csr, val) __asm__ volatile("csrw " HETSOC_STR(csr) ", %0" ::"r"((uint32_t)(val)))
#define csr_set(csr, bits) __asm__ volatile("csrs " HETSOC_STR(csr) ", %0" ::"r"((uint32_t)(bits)))
#define csr_clear(csr, bits) __asm__ volatile("csrc " HETSOC_STR(csr) ", %0" ::"r"((uint32_t)(bits)))

#define MSTATUS_MIE (1u << 3)
#define MIP_MSIP (1u << 3)
#define MIP_MTIP (1u << 7)
#define MIP_MEIP (1u << 11)
#define MCAUSE_INTERRUPT (1u << 31)

/* ---- performance counters ---- */
/* 64-bit reads on RV32: read hi, lo, hi again and retry if the low word wrapped in between. */
static inline uint64_t read_mcycle64(void)
{
    uint32_t hi, lo, hi2;
    do {
        hi = csr_read(mcycleh);
        lo = csr_read(mcycle);
        hi2 = csr_read(mcycleh);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_minstret64(void)
{
    uint32_t hi, lo, hi2;
    do {
        hi = csr_read(minstreth);
        lo = csr_read(minstret);
        hi2 = csr_read(minstreth);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

/* Low 32 bits of the cycle counter through the user-level alias (rdcycle). */
static inline uint32_t rdcycle(void)
{
    uint32_t v;
    __asm__ volatile("rdcycle %0" : "=r"(v));
    return v;
}

/* ---- machine timer (timer peripheral) ---- */
static inline uint64_t timer_read64(void)
{
    uint32_t hi, lo, hi2;
    do {
        hi = HETSOC_REG(TIMER, MTIME_HI);
        lo = HETSOC_REG(TIMER, MTIME_LO);
        hi2 = HETSOC_REG(TIMER, MTIME_HI);
    } while (hi != hi2);
    return ((uint64_t)hi << 32) | lo;
}

/* Program mtimecmp without a spurious interrupt: park the high word at its maximum first. */
static inline void timer_set_compare(uint64_t when)
{
    HETSOC_REG(TIMER, MTIMECMP_HI) = 0xFFFFFFFFu;
    HETSOC_REG(TIMER, MTIMECMP_LO) = (uint32_t)when;
    HETSOC_REG(TIMER, MTIMECMP_HI) = (uint32_t)(when >> 32);
}

/* ---- interrupts ---- */
static inline void irq_global_enable(void) { csr_set(mstatus, MSTATUS_MIE); }
static inline void irq_global_disable(void) { csr_clear(mstatus, MSTATUS_MIE); }
static inline void irq_enable(uint32_t mie_bits) { csr_set(mie, mie_bits); }
static inline void irq_disable(uint32_t mie_bits) { csr_clear(mie, mie_bits); }
static inline void wait_for_interrupt(void) { __asm__ volatile("wfi"); }

/* ---- traps (sw/runtime/trap.c, entry in crt0.S) ---- */
/* What crt0's trap entry saved: x0..x31 (x0 reads 0, x2 is the interrupted sp), then CSRs. */
struct trap_frame {
    uint32_t regs[32];
    uint32_t mepc; /* written back to mepc before mret: a hook may advance it */
    uint32_t mcause;
    uint32_t mtval;
    uint32_t pad; /* keeps the frame a multiple of 16 bytes */
};

/* Programs override this weak function to handle traps (e.g. timer interrupts, ecall).
 * Return nonzero if handled: registers are restored from the frame and mret resumes at
 * frame->mepc. The default returns 0: the runtime prints one line and ends the run as a trap. */
int trap_handler_hook(struct trap_frame *frame);
/* Human-readable name of an mcause value ("illegal instruction", ...). */
const char *trap_cause_name(uint32_t mcause);

#ifdef __cplusplus
}
#endif

#endif /* HETSOC_H */
