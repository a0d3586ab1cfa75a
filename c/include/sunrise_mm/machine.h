/* sunrise_mm/machine.h -- the entry points a host needs beside the port.
 *
 * Not an upstream module. The port itself needs only mach.h; these are the
 * rest of what a backend (the hosted simulation c/hostsim/sim.c, or the
 * bare-metal i386 kernel c/baremetal/) implements for a host that drives the
 * port: the trace runner (harness/runner.c), the invariant checker, the
 * Rust wrapper crate. This is the only declaration of them.
 *
 * Bring-up, in upstream's order:
 *
 *   machine_reset();                          // the machine's boot state
 *   frame_allocator_init_all_reserved();      // frame_allocator::init: every frame reserved,
 *   frame_allocator_mark_area_free(s, e);     //   then the free areas of the memory map
 *   frame_allocator_mark_area_reserved(s, e); //   and the reserved ones
 *   mark_frame_bootstrap_allocated(a);        // frames the bootstrap already uses
 *
 * (those three are declared in sunrise_mm/frame_allocator.h).
 *
 * Panics: the port calls mach_panic(), which never returns. The hosted
 * backend implements it as a longjmp to machine_panic_jmp with the message
 * in machine_panic_msg: a host must arm machine_panic_jmp with
 * MACHINE_SETJMP in a C frame around every call into the port (below) and
 * must never let that jump cross frames of another language. After a panic the port's state is that of a dead kernel: only
 * machine_reset() brings it back. */
#ifndef SUNRISE_MM_MACHINE_H
#define SUNRISE_MM_MACHINE_H

#include <stdint.h>
#include "mach.h"

/* Trace RAM, as TRACE_FORMAT.md defines it: the only physical memory a
 * trace may free, and the only memory machine_read32/write32 reach. */
#define TRACE_RAM_LOW_END   0x0009f000u
#define TRACE_RAM_HIGH_BASE 0x00100000u
#define TRACE_RAM_HIGH_END  0x01000000u

/* The machine's state before a trace:
 * trace RAM holds its own addresses, the boot page directory is active with
 * an empty UserLand and every KernelLand table present, and every kernel
 * heap block is released (every pointer the port handed out is dangling). */
void machine_reset(void);

/* A 32-bit load / store at `va` by ring 0 with CR0.WP set, through the
 * active page tables. 0 on success; -1 when it would page-fault or when the
 * physical address is not ordinary RAM. */
int machine_read32(vaddr_t va, uint32_t *out);
int machine_write32(vaddr_t va, uint32_t value);

/* The physical address of the boot page directory. */
paddr_t machine_boot_directory(void);

/* Kernel-heap accounting, for the checker's end-of-trace leak check. While
 * metering is on, mach_alloc marks the blocks it hands out; an mach_free of
 * a marked block unmarks it whatever the setting. machine_heap_meter sets
 * metering (the reset turns it off) and returns the previous setting;
 * machine_heap_metered_live counts the marked blocks still allocated. */
int machine_heap_meter(int on);
uint32_t machine_heap_metered_live(void);

/* A 32-bit load from physical address `pa` (4-byte aligned), bypassing
 * the page tables (for the invariant checker). Memory that is not RAM reads
 * 0. */
uint32_t machine_phys_read32(paddr_t pa);

/* The 1024 words of the physical page `frame` (page aligned), as 1024
 * machine_phys_read32 calls would read them: a pointer to the page itself
 * where the machine can give one, else to `buf`, filled with a copy. Valid
 * until the next call into the machine or the port. The checker's way to
 * read a whole page table at the cost of at most one copy. */
const uint32_t *machine_phys_page(paddr_t frame, uint32_t buf[1024]);

/* ---- for the invariant checker (harness/check.c) ---- */

/* Reports, through fn, every 32-bit word of physical memory whose value
 * changed since the previous call (or the reset), among the pages the
 * kernel reached through mach_kptr (page tables, directories) and those a
 * trace access wrote; then starts over. Returns how many pages were
 * reached (0: no page table can have changed), or -1 when the machine
 * cannot tell (the checker then checks everything). fn may be NULL. */
typedef void (*machine_word_fn)(void *ctx, paddr_t pa, uint32_t old_value, uint32_t new_value);
int machine_take_changes(machine_word_fn fn, void *ctx);

/* The same report a page at a time: fn gets each reached page whose
 * content changed, its physical address and its 1024 words as they were
 * at the previous call (or the reset) and as they are now. Both arrays
 * stay valid until the kernel or a trace access runs again. Returns what
 * machine_take_changes returns; fn may be NULL. */
typedef void (*machine_page_fn)(void *ctx, paddr_t frame, const uint32_t *was, const uint32_t *now);
int machine_take_changed_pages(machine_page_fn fn, void *ctx);

/* The TLB against the active page tables: 1 with the first cached
 * translation that disagrees (*va its page, *cached and *now the frame |
 * 1 (valid) | 2 (writable) cached and walked now, 0 for not present), 0
 * when every cached translation agrees, -1 when the TLB cannot be read. */
int machine_tlb_stale(vaddr_t *va, uint32_t *cached, uint32_t *now);

/* Panic recovery: the host arms machine_panic_jmp with MACHINE_SETJMP
 * before each call into the port; mach_panic() stores its message in
 * machine_panic_msg and jumps back there with MACHINE_LONGJMP. Hosted
 * (SR_HOSTED): setjmp/longjmp; bare metal: the compiler's builtins. */
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
