/* sunrise_mm/arch.h -- what the port needs from the machine it runs on.
 *
 * Not an upstream module: upstream reaches the machine directly (cr3, invlpg,
 * the kernel heap, panic). A backend implements these for the port; the two
 * in this project are c/hosted/sim.c (a simulated i386 machine) and c/i386/
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
#ifndef SUNRISE_MM_ARCH_H
#define SUNRISE_MM_ARCH_H

#include "../../kernel/arch.h"

#endif
