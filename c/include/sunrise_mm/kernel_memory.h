/* sunrise_mm/kernel_memory.h -- upstream kernel/src/paging/kernel_memory.rs.
 *
 *   kernel_memory, get_kernel_memory         KernelMemory, get_kernel_memory (no lock:
 *                                            the port is single-threaded)
 *   kernel_memory_find_virtual_space_aligned KernelMemory::find_virtual_space_aligned
 *   kernel_memory_find_virtual_space         KernelMemory::find_virtual_space
 *   kernel_memory_map_phys_region_to         KernelMemory::map_phys_region_to
 *   kernel_memory_map_phys_region            KernelMemory::map_phys_region
 *   kernel_memory_map_phys_regions           KernelMemory::map_phys_regions
 *   kernel_memory_map_frame_iterator_to      KernelMemory::map_frame_iterator_to
 *   kernel_memory_map_frame_iterator         KernelMemory::map_frame_iterator
 *   kernel_memory_get_page                   KernelMemory::get_page
 *   kernel_memory_map_allocate_to            KernelMemory::map_allocate_to
 *   kernel_memory_get_pages                  KernelMemory::get_pages
 *   kernel_memory_guard                      KernelMemory::guard
 *   kernel_memory_mapping_state              KernelMemory::mapping_state
 *   kernel_memory_unmap                      KernelMemory::unmap
 *   kernel_memory_unmap_no_dealloc           KernelMemory::unmap_no_dealloc
 *   kernel_memory_reserve_kernel_land_frames KernelMemory::reserve_kernel_land_frames
 *   kernel_memory_get_hierarchy              KernelMemory::get_hierarchy
 *
 * (KernelMemory::dump_kernelland_state, a debug print, is not ported.)
 */
/* kernel_memory.h -- KernelMemory, the manager of KernelLand, counterpart of
 * upstream kernel/src/paging/kernel_memory.rs. It always acts on the active
 * page tables. */
#ifndef SR_KERNEL_MEMORY_H
#define SR_KERNEL_MEMORY_H

#include "arch/i386/table.h"

typedef struct kernel_memory {
	active_hierarchy *tables;
} kernel_memory;

/* get_kernel_memory: the KERNEL_MEMORY manager (its lock has no
 * counterpart: the port is single-threaded). */
kernel_memory *get_kernel_memory(void);

/* KernelMemory::find_virtual_space_aligned */
kernel_error kernel_memory_find_virtual_space_aligned(kernel_memory *km, uint32_t length, uint32_t alignment, vaddr_t *out);
/* KernelMemory::find_virtual_space */
kernel_error kernel_memory_find_virtual_space(kernel_memory *km, uint32_t length, vaddr_t *out);
/* KernelMemory::map_phys_region_to: the region is forgotten once mapped. */
void kernel_memory_map_phys_region_to(kernel_memory *km, physical_mem_region phys, vaddr_t address, mapping_access_rights flags);
/* KernelMemory::map_phys_region */
vaddr_t kernel_memory_map_phys_region(kernel_memory *km, physical_mem_region phys, mapping_access_rights flags);
/* KernelMemory::map_phys_regions */
vaddr_t kernel_memory_map_phys_regions(kernel_memory *km, const region_vec *phys, mapping_access_rights flags);
/* KernelMemory::map_frame_iterator_to */
void kernel_memory_map_frame_iterator_to(kernel_memory *km, frame_iter iterator, vaddr_t address, mapping_access_rights flags);
/* KernelMemory::map_frame_iterator */
vaddr_t kernel_memory_map_frame_iterator(kernel_memory *km, frame_iter iterator, mapping_access_rights flags);
/* KernelMemory::get_page */
vaddr_t kernel_memory_get_page(kernel_memory *km);
/* KernelMemory::map_allocate_to */
void kernel_memory_map_allocate_to(kernel_memory *km, vaddr_t va, uint32_t length, mapping_access_rights flags);
/* KernelMemory::get_pages */
vaddr_t kernel_memory_get_pages(kernel_memory *km, uint32_t length);
/* KernelMemory::guard */
void kernel_memory_guard(kernel_memory *km, vaddr_t address, uint32_t length);
/* KernelMemory::mapping_state */
page_state kernel_memory_mapping_state(kernel_memory *km, vaddr_t addr);
/* KernelMemory::unmap: frees the frames. */
void kernel_memory_unmap(kernel_memory *km, vaddr_t address, uint32_t length);
/* KernelMemory::unmap_no_dealloc: leaves the frames allocated. */
void kernel_memory_unmap_no_dealloc(kernel_memory *km, vaddr_t address, uint32_t length);
/* KernelMemory::reserve_kernel_land_frames */
void kernel_memory_reserve_kernel_land_frames(kernel_memory *km);
/* KernelMemory::get_hierarchy */
table_hierarchy *kernel_memory_get_hierarchy(kernel_memory *km);

#endif
