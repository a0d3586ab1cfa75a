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

/* PhysicalMemRegion::address and ::size (frames * PAGE_SIZE). Reads of *r.
 * Panics: size, when the byte count overflows 32 bits. */
static inline paddr_t physical_mem_region_address(const physical_mem_region *r) { return r->start_addr; }
static inline uint32_t physical_mem_region_size(const physical_mem_region *r) { return ck_mul(r->frames, PAGE_SIZE); }

/* PhysicalMemRegion::on_fixed_mmio: a region over [address, address +
 * length) of frames the allocator holds reserved (a device's), never freed
 * on drop. Errors: InvalidSize { 0 } for a zero length, InvalidSize
 * { length } when unaligned; InvalidAddress { address } when unaligned or
 * when some frame of the span is free or allocated. */
kernel_error physical_mem_region_on_fixed_mmio(paddr_t address, uint32_t length, physical_mem_region *out);
/* PhysicalMemRegion::new_unchecked: a region over any frames, not freed on
 * drop; nothing is checked with the allocator. Panics: when `address` or
 * `len` is not page aligned. */
physical_mem_region physical_mem_region_new_unchecked(paddr_t address, uint32_t len);
/* PhysicalMemRegion::reconstruct: takes back ownership of allocated
 * frames; the region frees them when dropped. Panics: when `address` or
 * `len` is unaligned, or some frame is not allocated. */
physical_mem_region physical_mem_region_reconstruct(paddr_t address, uint32_t len);
/* PhysicalMemRegion::reconstruct_no_dealloc: as reconstruct (same panics),
 * but the region does not free the frames when dropped. */
physical_mem_region physical_mem_region_reconstruct_no_dealloc(paddr_t address, uint32_t len);
/* Drop for PhysicalMemRegion: frees its frames when it owns them
 * (should_free_on_drop); *r must not be used again. Panics: when the frames
 * are not allocated (a double free). */
void physical_mem_region_drop(physical_mem_region *r);
/* mem::forget: the region is abandoned; its frames stay allocated. */
static inline void physical_mem_region_forget(physical_mem_region *r) { r->should_free_on_drop = false; }

/* Vec::new: an empty vector, no heap memory yet. */
static inline region_vec region_vec_new(void) { region_vec v = { 0, 0, 0 }; return v; }
/* Vec::push: takes `r`. Panics: when the kernel heap is exhausted (as
 * upstream's allocation does). */
void region_vec_push(region_vec *v, physical_mem_region r);
/* Vec::append: moves every region of `from` to the end of `v`; `from` is
 * left empty (still to be dropped). Panics: heap exhaustion. */
void region_vec_append(region_vec *v, region_vec *from);
/* iter().flatten().count(): the number of frames of every region. Panics:
 * when the count overflows. */
uint32_t region_vec_frame_count(const region_vec *v);
/* Drop for Vec<PhysicalMemRegion>: drops each region in order (freeing the
 * frames it owns), then the vector's memory; *v is empty afterwards. */
void region_vec_drop(region_vec *v);

#endif
