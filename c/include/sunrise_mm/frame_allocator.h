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
#ifndef SUNRISE_MM_FRAME_ALLOCATOR_H
#define SUNRISE_MM_FRAME_ALLOCATOR_H

#include "../../kernel/frame_allocator.h"

#endif
