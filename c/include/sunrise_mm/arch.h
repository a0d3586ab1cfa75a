/* sunrise_mm/arch.h -- what the port needs from the machine it runs on.
 *
 * Not an upstream module: upstream reaches the machine directly (cr3, invlpg,
 * the kernel heap, panic). A backend implements these for the port; the two
 * in this project are c/hostsim/sim.c (a simulated i386 machine) and c/baremetal/
 * (a real i386 kernel).
 *
 *   arch_kptr(va)           dereference a kernel virtual address (on i386 the
 *                           address itself; hosted, a simulated MMU walk)
 *   arch_read_cr3()         cr3 read                  (x86 crate control::Cr3::read)
 *   arch_swap_cr3(dir)      cr3 write, returns the old (InactiveHierarchy::switch_to)
 *   arch_flush_tlb()        TLB flush                 (tlb::flush_all)
 *   arch_is_paging_on()     CR0.PE and CR0.PG         (paging::PAGING_ON check)
 *   arch_panic(msg)         panic!; never returns     (core::panic)
 *   arch_alloc / arch_free  kernel heap (NULL when exhausted; upstream's alloc
 *                           then panics, and so does the port)
 */
/* Everything in c/kernel/ that touches the machine goes through these few
 * functions; machine.h adds what a host driving the port needs. */
#ifndef SR_ARCH_H
#define SR_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t vaddr_t; /* i386 VirtualAddress (usize) */
typedef uint32_t paddr_t; /* i386 PhysicalAddress (usize) */

/* Pointer through which the kernel dereferences kernel virtual address `va`
 * (KernelLand or RecursiveTablesLand) as mapped in the active page tables.
 * i386: the address itself. Hosted: translated by the simulated MMU. */
void *arch_kptr(vaddr_t va);

/* Current page directory physical address (cr3). */
paddr_t arch_read_cr3(void);

/* Loads cr3 with `dir`, returns the previous value. */
paddr_t arch_swap_cr3(paddr_t dir);

/* Flushes the whole TLB (tlb::flush_all), so that later accesses see the
 * current page tables. Never fails. */
void arch_flush_tlb(void);

/* True when protected mode and paging are on (CR0.PE and CR0.PG). */
bool arch_is_paging_on(void);

/* Kernel panic: never returns. `msg` is "where: why". */
_Noreturn void arch_panic(const char *msg);

/* Kernel heap. NULL when exhausted (callers panic, as upstream's alloc does). */
void *arch_alloc(size_t size);
void arch_free(void *p);

#endif
