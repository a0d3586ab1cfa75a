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
/* frame_allocator.h -- the i386 bitmap frame allocator, counterpart of
 * upstream kernel/src/frame_allocator/{mod,i386}.rs. One bit per frame of the
 * 4 GiB physical space; a set bit is a free frame. */
#ifndef SR_FRAME_ALLOCATOR_H
#define SR_FRAME_ALLOCATOR_H

#include "physical_mem_region.h"

#define FRAMES_BITMAP_BITS (1u << 20)

/* Every frame reserved, allocator initialized (state before `phys` lines). */
void frame_allocator_init_all_reserved(void);
/* mark_area_free: frames in [round_up(start), round_down(end)) become free. */
void frame_allocator_mark_area_free(paddr_t start_addr, paddr_t end_addr);
/* mark_area_reserved: frames in [round_down(start), round_up(end)) reserved. */
void frame_allocator_mark_area_reserved(paddr_t start_addr, paddr_t end_addr);
/* mark_frame_bootstrap_allocated: a free frame becomes occupied. */
void mark_frame_bootstrap_allocated(paddr_t addr);

/* FrameAllocator::allocate_region: `length` bytes of consecutive frames. */
kernel_error frame_allocator_allocate_region(uint32_t length, physical_mem_region *out);
/* FrameAllocator::allocate_frame */
kernel_error frame_allocator_allocate_frame(physical_mem_region *out);
/* FrameAllocator::allocate_frames_fragmented: `length` bytes, any frames. */
kernel_error frame_allocator_allocate_frames_fragmented(uint32_t length, region_vec *out);
/* FrameAllocator::free_region */
void frame_allocator_free_region(const physical_mem_region *region);
/* FrameAllocator::check_is_allocated: every frame in the span occupied. */
bool frame_allocator_check_is_allocated(paddr_t address, uint32_t length);
/* FrameAllocator::check_is_reserved (same bitmap test). */
bool frame_allocator_check_is_reserved(paddr_t address, uint32_t length);

/* Number of free frames (an observation; no upstream counterpart). */
uint32_t frame_allocator_free_count(void);
/* Whether frame number `frame` is free (for checkers and tests). */
bool frame_allocator_frame_is_free(uint32_t frame);

#endif
