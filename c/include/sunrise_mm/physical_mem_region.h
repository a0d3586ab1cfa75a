/* sunrise_mm/physical_mem_region.h -- upstream
 * kernel/src/frame_allocator/physical_mem_region.rs.
 *
 *   physical_mem_region                     PhysicalMemRegion
 *   physical_mem_region_address             PhysicalMemRegion::address
 *   physical_mem_region_size                PhysicalMemRegion::size
 *   physical_mem_region_on_fixed_mmio       PhysicalMemRegion::on_fixed_mmio
 *   physical_mem_region_new_unchecked       PhysicalMemRegion::new_unchecked
 *   physical_mem_region_reconstruct         PhysicalMemRegion::reconstruct
 *   physical_mem_region_reconstruct_no_dealloc  PhysicalMemRegion::reconstruct_no_dealloc
 *   physical_mem_region_drop                <PhysicalMemRegion as Drop>::drop
 *   physical_mem_region_forget              core::mem::forget
 *   region_vec                              Vec<PhysicalMemRegion>
 *   region_vec_new / _push / _append        Vec::new / push / append
 *   region_vec_frame_count                  iter().flatten().count()
 *   region_vec_drop                         <Vec<PhysicalMemRegion> as Drop>::drop
 *
 * Ownership is by value as upstream: a function that takes a
 * physical_mem_region or region_vec by value consumes it (drops it on error).
 */
#ifndef SUNRISE_MM_PHYSICAL_MEM_REGION_H
#define SUNRISE_MM_PHYSICAL_MEM_REGION_H

#include "../../kernel/physical_mem_region.h"

#endif
