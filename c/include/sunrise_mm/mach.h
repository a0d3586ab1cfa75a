/* sunrise_mm/mach.h -- what the port needs from the machine it runs on.
 *
 * Not an upstream module: upstream reaches the machine directly (cr3, invlpg,
 * the kernel heap, panic). A backend implements these for the port; the two
 * in this project are c/hostsim/sim.c (a simulated i386 machine) and c/baremetal/
 * (a real i386 kernel).
 *
 *   mach_kptr(va)           dereference a kernel virtual address (on i386 the
 *                           address itself; hosted, a simulated MMU walk)
 *   mach_read_cr3()         cr3 read                  (x86 crate control::Cr3::read)
 *   mach_swap_cr3(dir)      cr3 write, returns the old (InactiveHierarchy::switch_to)
 *   mach_flush_tlb()        TLB flush                 (tlb::flush_all)
 *   mach_is_paging_on()     CR0.PE and CR0.PG         (paging::PAGING_ON check)
 *   mach_panic(msg)         panic!; never returns     (core::panic)
 *   mach_alloc / mach_free  kernel heap (NULL when exhausted; upstream's alloc
 *                           then panics, and so does the port)
 */
/* Everything in c/kernel/ that touches the machine goes through these few
 * functions; machine.h adds what a host driving the port needs. The prefix
 * is mach_ (the machine): "arch" in this project names only upstream's
 * paging/arch/i386, ported in c/kernel/arch/i386/. */
#ifndef SR_MACH_H
#define SR_MACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint32_t vaddr_t; /* i386 VirtualAddress (usize) */
typedef uint32_t paddr_t; /* i386 PhysicalAddress (usize) */

/* Pointer through which the kernel dereferences kernel virtual address `va`
 * (KernelLand or RecursiveTablesLand) as mapped in the active page tables.
 * i386: the address itself. Hosted: translated by the simulated MMU, which
 * panics (a kernel page fault) when the page is not mapped, or not
 * writable: the port writes what it reaches this way (page tables), and
 * the QEMU kernel runs with CR0.WP set. */
void *mach_kptr(vaddr_t va);

/* Current page directory physical address (cr3). */
paddr_t mach_read_cr3(void);

/* Loads cr3 with `dir`, returns the previous value. */
paddr_t mach_swap_cr3(paddr_t dir);

/* Flushes the whole TLB (tlb::flush_all), so that later accesses see the
 * current page tables. Never fails. */
void mach_flush_tlb(void);

/* True when protected mode and paging are on (CR0.PE and CR0.PG). */
bool mach_is_paging_on(void);

/* Kernel panic: never returns. `msg` is "where: why". */
_Noreturn void mach_panic(const char *msg);

/* Kernel heap. NULL when exhausted (callers panic, as upstream's alloc does). */
void *mach_alloc(size_t size);
void mach_free(void *p);

#endif
