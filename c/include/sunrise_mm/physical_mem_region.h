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
/* physical_mem_region.h -- PhysicalMemRegion and Vec<PhysicalMemRegion>,
 * counterpart of upstream kernel/src/frame_allocator/physical_mem_region.rs. */
#ifndef SR_PHYSICAL_MEM_REGION_H
#define SR_PHYSICAL_MEM_REGION_H

#include "checks.h"

/* A span of consecutive physical frames. Dropping it frees the frames when
 * should_free_on_drop is set. */
typedef struct physical_mem_region {
	uint32_t frames;
	paddr_t start_addr;
	bool should_free_on_drop;
} physical_mem_region;

/* Vec<PhysicalMemRegion>. */
typedef struct region_vec {
	physical_mem_region *items;
	uint32_t len;
	uint32_t cap;
} region_vec;

/* PhysicalMemRegion::address */
static inline paddr_t physical_mem_region_address(const physical_mem_region *r) { return r->start_addr; }
/* PhysicalMemRegion::size (frames * PAGE_SIZE, panics on overflow). */
static inline uint32_t physical_mem_region_size(const physical_mem_region *r) { return ck_mul(r->frames, PAGE_SIZE); }

/* PhysicalMemRegion::on_fixed_mmio: a region of reserved frames, never freed. */
kernel_error physical_mem_region_on_fixed_mmio(paddr_t address, uint32_t length, physical_mem_region *out);
/* PhysicalMemRegion::new_unchecked */
physical_mem_region physical_mem_region_new_unchecked(paddr_t address, uint32_t len);
/* PhysicalMemRegion::reconstruct: frames must be allocated; freed on drop. */
physical_mem_region physical_mem_region_reconstruct(paddr_t address, uint32_t len);
/* PhysicalMemRegion::reconstruct_no_dealloc: same, not freed on drop. */
physical_mem_region physical_mem_region_reconstruct_no_dealloc(paddr_t address, uint32_t len);
/* Drop for PhysicalMemRegion. */
void physical_mem_region_drop(physical_mem_region *r);
/* mem::forget: the region is abandoned without freeing. */
static inline void physical_mem_region_forget(physical_mem_region *r) { r->should_free_on_drop = false; }

/* An empty Vec. */
static inline region_vec region_vec_new(void) { region_vec v = { 0, 0, 0 }; return v; }
/* Vec::push (panics when the heap is exhausted, as alloc does). */
void region_vec_push(region_vec *v, physical_mem_region r);
/* Vec::append: moves every region of `from` to the end of `v`. */
void region_vec_append(region_vec *v, region_vec *from);
/* iter().flatten().count(): the number of frames. */
uint32_t region_vec_frame_count(const region_vec *v);
/* Drop for Vec<PhysicalMemRegion>: drops each region in order. */
void region_vec_drop(region_vec *v);

#endif
