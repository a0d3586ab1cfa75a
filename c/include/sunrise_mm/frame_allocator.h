/* sunrise_mm/frame_allocator.h -- upstream kernel/src/frame_allocator/mod.rs
 * and frame_allocator/i386.rs (the bitmap allocator).
 *
 *   frame_allocator_init_all_reserved          i386::init, first step: FrameAllocatori386
 *                                              with every frame reserved
 *   frame_allocator_mark_area_free             i386::mark_area_free
 *   frame_allocator_mark_area_reserved         i386::mark_area_reserved
 *   mark_frame_bootstrap_allocated             i386::mark_frame_bootstrap_allocated
 *   frame_allocator_allocate_region            FrameAllocatorTrait::allocate_region
 *   frame_allocator_allocate_frame             FrameAllocatorTrait::allocate_frame
 *   frame_allocator_allocate_frames_fragmented FrameAllocatorTrait::allocate_frames_fragmented
 *   frame_allocator_free_region                FrameAllocatorTraitPrivate::free_region
 *   frame_allocator_check_is_allocated         FrameAllocatorTrait::check_is_allocated
 *   frame_allocator_check_is_reserved          FrameAllocatorTrait::check_is_reserved
 *   frame_allocator_free_count                 (no counterpart: free frames, an observation)
 *   frame_allocator_frame_is_free              (no counterpart: one bit of the bitmap)
 *
 * Upstream's init(boot_info) walks the multiboot memory map; a host does the
 * same with init_all_reserved and the two mark_area functions.
 */
/* One bit per frame of the 4 GiB physical space; a set bit is a free frame.
 * The allocator is a single global object: it is not thread safe (upstream
 * holds a spin lock around it). Every function but init panics ("The frame
 * allocator was not initialized") before frame_allocator_init_all_reserved
 * has run. */
#ifndef SR_FRAME_ALLOCATOR_H
#define SR_FRAME_ALLOCATOR_H

#include "physical_mem_region.h"

#define FRAMES_BITMAP_BITS (1u << 20)

/* frame_allocator::init, first half: every frame reserved, the allocator
 * initialised (the state before a trace's `phys` lines). Frames handed out
 * earlier are forgotten: only for a fresh start. */
void frame_allocator_init_all_reserved(void);
/* i386.rs mark_area_free: the frames inside [start_addr, end_addr)
 * (start rounded up, end down) become free, whatever their state. */
void frame_allocator_mark_area_free(paddr_t start_addr, paddr_t end_addr);
/* i386.rs mark_area_reserved: the frames touching [start_addr, end_addr)
 * (start rounded down, end up) become reserved, whatever their state. */
void frame_allocator_mark_area_reserved(paddr_t start_addr, paddr_t end_addr);
/* i386.rs mark_frame_bootstrap_allocated: the free frame at `addr` becomes
 * occupied (used by the bootstrap, never to be freed through a region).
 * Panics: when `addr` is unaligned, or the frame is not free. */
void mark_frame_bootstrap_allocated(paddr_t addr);

/* FrameAllocator::allocate_region: the lowest run of length / PAGE_SIZE
 * consecutive free frames, now allocated, in *out. Ownership: the caller
 * owns the region (it frees its frames when dropped). Errors: InvalidSize
 * { 0 } for a zero length, InvalidSize { length } when unaligned;
 * PhysicalMemoryExhaustion when no run is long enough (nothing changes). */
kernel_error frame_allocator_allocate_region(uint32_t length, physical_mem_region *out);
/* FrameAllocatorTrait::allocate_frame: allocate_region(PAGE_SIZE), one
 * frame owned by the caller. Errors: PhysicalMemoryExhaustion when no frame
 * is free. */
kernel_error frame_allocator_allocate_frame(physical_mem_region *out);
/* FrameAllocator::allocate_frames_fragmented: length / PAGE_SIZE frames,
 * the lowest free ones, as runs of consecutive frames, in *out; all or
 * nothing. Ownership: the caller owns the vector (region_vec_drop frees the
 * frames). Errors: InvalidSize { 0 }, InvalidSize { length } (unaligned),
 * PhysicalMemoryExhaustion. Panics: when the kernel heap is exhausted. */
kernel_error frame_allocator_allocate_frames_fragmented(uint32_t length, region_vec *out);
/* FrameAllocator::free_region: the region's frames become free (the region
 * itself is not changed: physical_mem_region_drop calls this). Panics: when
 * some frame of it is not allocated (a double free). */
void frame_allocator_free_region(const physical_mem_region *region);
/* FrameAllocator::check_is_allocated: whether no frame touching [address,
 * address + length) is free (an empty span: true). Panics: when address +
 * length overflows. */
bool frame_allocator_check_is_allocated(paddr_t address, uint32_t length);
/* FrameAllocator::check_is_reserved: the same test as check_is_allocated
 * (the bitmap does not tell reserved from allocated, as upstream's). */
bool frame_allocator_check_is_reserved(paddr_t address, uint32_t length);

/* The number of free frames (an observation for traces and checkers; no
 * upstream counterpart). */
uint32_t frame_allocator_free_count(void);
/* Whether frame number `frame` (address >> 12, below 2^20) is free (for
 * checkers and tests). */
bool frame_allocator_frame_is_free(uint32_t frame);

#endif
