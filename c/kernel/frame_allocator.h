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
