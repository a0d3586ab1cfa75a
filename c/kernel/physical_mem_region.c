/* physical_mem_region.c -- PhysicalMemRegion
 * (upstream kernel/src/frame_allocator/physical_mem_region.rs). */
#include "frame_allocator.h"

/* PhysicalMemRegion::on_fixed_mmio */
kernel_error physical_mem_region_on_fixed_mmio(paddr_t address, uint32_t length, physical_mem_region *out)
{
	TRY(check_nonzero_length(length));
	TRY(check_size_aligned(length, PAGE_SIZE));
	TRY(address_check_aligned_to(address, PAGE_SIZE));
	if (!frame_allocator_check_is_reserved(address, length))
		return kerr_invalid_address(address);
	out->start_addr = address;
	out->frames = div_ceil(length, PAGE_SIZE);
	out->should_free_on_drop = false;
	return kerr_ok();
}

/* PhysicalMemRegion::new_unchecked */
physical_mem_region physical_mem_region_new_unchecked(paddr_t address, uint32_t len)
{
	kassert(address % PAGE_SIZE == 0, "PhysicalMemRegion must be constructed from a framesize-aligned pointer");
	kassert(len % PAGE_SIZE == 0, "PhysicalMemRegion must have a framesize-aligned length");
	physical_mem_region r = { div_ceil(len, PAGE_SIZE), address, false };
	return r;
}

/* PhysicalMemRegion::reconstruct */
physical_mem_region physical_mem_region_reconstruct(paddr_t address, uint32_t len)
{
	kassert(address % PAGE_SIZE == 0, "PhysicalMemRegion must be constructed from a framesize-aligned pointer");
	kassert(len % PAGE_SIZE == 0, "PhysicalMemRegion must have a framesize-aligned length");
	kassert(frame_allocator_check_is_allocated(address, len), "reconstruct: frames are not allocated");
	physical_mem_region r = { len / PAGE_SIZE, address, true };
	return r;
}

/* PhysicalMemRegion::reconstruct_no_dealloc */
physical_mem_region physical_mem_region_reconstruct_no_dealloc(paddr_t address, uint32_t len)
{
	physical_mem_region r = physical_mem_region_reconstruct(address, len);
	r.should_free_on_drop = false;
	return r;
}

/* Drop for PhysicalMemRegion. */
void physical_mem_region_drop(physical_mem_region *r)
{
	if (r->should_free_on_drop)
		frame_allocator_free_region(r);
}

/* RawVec::MIN_NON_ZERO_CAP for items of 12 bytes (from 1 to 1024). */
#define VEC_MIN_NON_ZERO_CAP 4

/* Grows v to hold at least `need` items, as Rust's RawVec grows a Vec: to
 * twice its capacity or to `need`, whichever is more, and to no fewer than
 * VEC_MIN_NON_ZERO_CAP items. */
static void region_vec_reserve(region_vec *v, uint32_t need)
{
	if (need <= v->cap)
		return;
	uint32_t cap = v->cap * 2;
	if (cap < need)
		cap = need;
	if (cap < VEC_MIN_NON_ZERO_CAP)
		cap = VEC_MIN_NON_ZERO_CAP;
	physical_mem_region *items = mach_alloc(cap * sizeof(*items));
	if (!items)
		panic("region_vec: memory allocation failed");
	if (v->len)
		memcpy(items, v->items, v->len * sizeof(*items));
	mach_free(v->items);
	v->items = items;
	v->cap = cap;
}

/* Vec::push */
void region_vec_push(region_vec *v, physical_mem_region r)
{
	region_vec_reserve(v, v->len + 1);
	v->items[v->len++] = r;
}

/* Vec::append */
void region_vec_append(region_vec *v, region_vec *from)
{
	region_vec_reserve(v, v->len + from->len);
	for (uint32_t i = 0; i < from->len; i++)
		v->items[v->len++] = from->items[i];
	from->len = 0;
}

/* iter().flatten().count() */
uint32_t region_vec_frame_count(const region_vec *v)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < v->len; i++)
		n = ck_add(n, v->items[i].frames);
	return n;
}

/* Drop for Vec<PhysicalMemRegion>. */
void region_vec_drop(region_vec *v)
{
	for (uint32_t i = 0; i < v->len; i++)
		physical_mem_region_drop(&v->items[i]);
	mach_free(v->items);
	v->items = 0;
	v->len = v->cap = 0;
}
