/* sunrise_mm/machine.h -- the entry points a host needs beside the port.
 *
 * Not an upstream module. These are implemented by the backend (the hosted
 * simulation c/hosted/sim.c, or the i386 kernel c/i386/), not by the port;
 * the declarations are the backend's own (harness/machine.h), repeated here
 * so that this directory is the only include path a host needs. A build
 * that includes both checks that they agree.
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
 * Panics: the port calls arch_panic(), which never returns. The hosted
 * backend implements it as a longjmp to machine_panic_jmp with the message
 * in machine_panic_msg: a host must arm machine_panic_jmp with
 * MACHINE_SETJMP in a C frame around every call into the port (see
 * harness/machine.h) and must never let that jump cross frames of another
 * language. After a panic the port's state is that of a dead kernel: only
 * machine_reset() brings it back. */
#ifndef SUNRISE_MM_MACHINE_H
#define SUNRISE_MM_MACHINE_H

#include <stdint.h>
#include "arch.h"

/* The machine's state before a trace (harness/machine.h machine_reset):
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

/* A 32-bit load from physical address `pa`, bypassing the page tables. */
uint32_t machine_phys_read32(paddr_t pa);

#endif
