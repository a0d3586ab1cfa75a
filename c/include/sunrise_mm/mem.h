/* sunrise_mm/mem.h -- upstream kernel/src/mem.rs and the alignment helpers
 * of libutils.
 *
 *   vaddr_t / paddr_t                  VirtualAddress / PhysicalAddress (i386 usize)
 *   PAGE_SIZE, ENTRY_COUNT             paging::PAGE_SIZE, arch ENTRY_COUNT
 *   ck_add / ck_sub / ck_mul           usize `+`, `-`, `*` of a debug build (panic on overflow)
 *   checked_add                        usize::checked_add
 *   align_down / align_up              libutils::align_down / align_up
 *   align_up_checked                   libutils::align_up_checked
 *   div_ceil                           libutils::div_ceil
 *   round_to_page / round_to_page_upper  mem::round_to_page / round_to_page_upper
 *   panic(msg), kassert(c, msg)        panic!, assert!
 */
#ifndef SUNRISE_MM_MEM_H
#define SUNRISE_MM_MEM_H

#include "../../kernel/mem.h"

#endif
