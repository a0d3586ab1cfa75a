/* machine.h -- what the trace runner needs from the machine, beside the port.
 *
 * Implemented by the hosted simulation (c/hosted/) and by the i386 kernel
 * (c/i386/). The runner itself (harness/runner.c) is freestanding: no libc I/O.
 */
#ifndef SR_MACHINE_H
#define SR_MACHINE_H

#include <stdint.h>
#include "arch.h"

/* Trace RAM, as TRACE_FORMAT.md defines it. */
#define TRACE_RAM_LOW_END   0x0009f000u
#define TRACE_RAM_HIGH_BASE 0x00100000u
#define TRACE_RAM_HIGH_END  0x01000000u

/* Puts the machine in its state before a trace: every word of trace RAM
 * holds its own physical address, the boot page directory (empty UserLand,
 * every KernelLand page table present, nothing mapped in KernelLand) is
 * active, and every kernel heap block of the previous trace is released. */
void machine_reset(void);

/* A 32-bit load/store at `va` by ring 0 with CR0.WP set, through the active
 * page tables. Returns 0 on success, -1 when it would page-fault or when the
 * translated physical address lies outside trace RAM. */
int machine_read32(vaddr_t va, uint32_t *out);
int machine_write32(vaddr_t va, uint32_t value);

/* The physical address of the boot page directory. */
paddr_t machine_boot_directory(void);

/* A 32-bit load from physical address `pa` (4-byte aligned), bypassing the
 * page tables (for the invariant checker). Memory that is not RAM reads 0. */
uint32_t machine_phys_read32(paddr_t pa);

/* ---- for the invariant checker (harness/check.c) ---- */

/* Reports, through fn, every 32-bit word of physical memory whose value
 * changed since the previous call (or the reset), among the pages the
 * kernel reached through arch_kptr (page tables, directories) and those a
 * trace access wrote; then starts over. Returns how many pages were
 * reached (0: no page table can have changed), or -1 when the machine
 * cannot tell (the checker then checks everything). fn may be NULL. */
typedef void (*machine_word_fn)(void *ctx, paddr_t pa, uint32_t old_value, uint32_t new_value);
int machine_take_changes(machine_word_fn fn, void *ctx);

/* The TLB against the active page tables: 1 with the first cached
 * translation that disagrees (*va its page, *cached and *now the frame |
 * 1 (valid) | 2 (writable) cached and walked now, 0 for not present), 0
 * when every cached translation agrees, -1 when the TLB cannot be read. */
int machine_tlb_stale(vaddr_t *va, uint32_t *cached, uint32_t *now);

/* Panic recovery: the runner arms machine_panic_jmp with MACHINE_SETJMP
 * before each operation; arch_panic() stores its message in
 * machine_panic_msg and jumps back there with MACHINE_LONGJMP. */
#ifdef SR_HOSTED
#include <setjmp.h>
typedef jmp_buf machine_jmp_buf;
#define MACHINE_SETJMP(b) setjmp(b)
#define MACHINE_LONGJMP(b) longjmp((b), 1)
#else
typedef void *machine_jmp_buf[5];
#define MACHINE_SETJMP(b) __builtin_setjmp(b)
#define MACHINE_LONGJMP(b) __builtin_longjmp((b), 1)
#endif
extern machine_jmp_buf machine_panic_jmp;
extern const char *machine_panic_msg;

#endif
