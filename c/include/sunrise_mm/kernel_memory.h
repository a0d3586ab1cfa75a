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
#ifndef SUNRISE_MM_KERNEL_MEMORY_H
#define SUNRISE_MM_KERNEL_MEMORY_H

#include "../../kernel/kernel_memory.h"

#endif
