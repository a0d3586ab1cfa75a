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
/* KernelMemory manages KernelLand [0xc0000000, 0xffc00000) and always acts
 * on the active page tables (KernelLand's tables are shared by every
 * directory). Most operations unwrap upstream: where upstream panics on an
 * Err, so does the port, with upstream's message. */
#ifndef SR_KERNEL_MEMORY_H
#define SR_KERNEL_MEMORY_H

#include "arch/i386/table.h"

typedef struct kernel_memory {
	active_hierarchy *tables;
} kernel_memory;

/* get_kernel_memory: the KERNEL_MEMORY manager (its lock has no
 * counterpart: the port is single-threaded). */
kernel_memory *get_kernel_memory(void);

/* KernelMemory::find_virtual_space_aligned: the lowest `alignment`-aligned
 * address of KernelLand where `length` bytes are unmapped (available
 * entries only: guards count as used), in *out. Errors:
 * VirtualMemoryExhaustion when there is none. Panics: on overflow. */
kernel_error kernel_memory_find_virtual_space_aligned(kernel_memory *km, uint32_t length, uint32_t alignment, vaddr_t *out);
/* KernelMemory::find_virtual_space: find_virtual_space_aligned with
 * PAGE_SIZE alignment. Errors: VirtualMemoryExhaustion when KernelLand has
 * no run of `length` unused bytes. Panics: when `length` is 0 or
 * unaligned. */
kernel_error kernel_memory_find_virtual_space(kernel_memory *km, uint32_t length, vaddr_t *out);
/* KernelMemory::map_phys_region_to: maps the frames of `phys` at
 * `address`. Ownership: `phys` is consumed and forgotten: its frames stay
 * allocated, and unmap() frees them later. Panics: when the span leaves
 * KernelLand, or a page of it is already present. */
void kernel_memory_map_phys_region_to(kernel_memory *km, physical_mem_region phys, vaddr_t address, mapping_access_rights flags);
/* KernelMemory::map_phys_region: map_phys_region_to at the first free
 * space; returns its address. Ownership: as map_phys_region_to. Panics:
 * when KernelLand has no room (upstream's unwrap). */
vaddr_t kernel_memory_map_phys_region(kernel_memory *km, physical_mem_region phys, mapping_access_rights flags);
/* KernelMemory::map_phys_regions: maps every frame of *phys, in order, at
 * the first free space; returns its address. Ownership: *phys is borrowed
 * and still owns its frames (the caller must keep them alive while mapped,
 * and unmap with unmap_no_dealloc). Panics: when KernelLand has no room. */
vaddr_t kernel_memory_map_phys_regions(kernel_memory *km, const region_vec *phys, mapping_access_rights flags);
/* KernelMemory::map_frame_iterator_to: maps the frames `iterator` yields at
 * `address`; the frames stay owned by whoever owns them. Panics: when the
 * span leaves KernelLand, or a page is already present. */
void kernel_memory_map_frame_iterator_to(kernel_memory *km, frame_iter iterator, vaddr_t address, mapping_access_rights flags);
/* KernelMemory::map_frame_iterator: map_frame_iterator_to at the first
 * free space; returns its address. Panics: when KernelLand has no room. */
vaddr_t kernel_memory_map_frame_iterator(kernel_memory *km, frame_iter iterator, mapping_access_rights flags);
/* KernelMemory::get_page: allocates one frame and maps it k_rw at the
 * first free space; returns its address (release with unmap). Panics: when
 * no frame is free or KernelLand has no room (upstream's unwraps). */
vaddr_t kernel_memory_get_page(kernel_memory *km);
/* KernelMemory::map_allocate_to: allocates length / PAGE_SIZE frames (any)
 * and maps them at `va` with `flags`; unmap frees them. Panics: when the
 * span leaves KernelLand, `length` is unaligned, frames run out, or a page
 * is already present. */
void kernel_memory_map_allocate_to(kernel_memory *km, vaddr_t va, uint32_t length, mapping_access_rights flags);
/* KernelMemory::get_pages: map_allocate_to(k_rw) at the first free space;
 * returns its address. Panics: unaligned `length`, no room, no frames. */
vaddr_t kernel_memory_get_pages(kernel_memory *km, uint32_t length);
/* KernelMemory::guard: guard entries over [address, address + length).
 * Panics: when `length` is unaligned, or a page is present. */
void kernel_memory_guard(kernel_memory *km, vaddr_t address, uint32_t length);
/* KernelMemory::mapping_state: the state (available, guarded, present and
 * its frame) of the page containing `addr`. Panics: when `addr` is outside
 * KernelLand. */
page_state kernel_memory_mapping_state(kernel_memory *km, vaddr_t addr);
/* KernelMemory::unmap: clears the entries of [address, address + length)
 * and frees every frame that was mapped there (they must be allocated:
 * mapped by get_page(s), map_allocate_to or map_phys_region(_to)). Panics:
 * when the span leaves KernelLand, `length` is unaligned, a page is not
 * present, or a frame is not allocated. */
void kernel_memory_unmap(kernel_memory *km, vaddr_t address, uint32_t length);
/* KernelMemory::unmap_no_dealloc: as unmap, but the frames stay allocated
 * (their owner frees them). Same panics, but for the frame check. */
void kernel_memory_unmap_no_dealloc(kernel_memory *km, vaddr_t address, uint32_t length);
/* KernelMemory::reserve_kernel_land_frames: marks every frame mapped in
 * KernelLand and RecursiveTablesLand bootstrap-allocated (boot time, before
 * any allocation). Panics: when one of them is not free in the allocator. */
void kernel_memory_reserve_kernel_land_frames(kernel_memory *km);
/* KernelMemory::get_hierarchy: the active hierarchy, as a table_hierarchy.
 * Never fails. */
table_hierarchy *kernel_memory_get_hierarchy(kernel_memory *km);

#endif
