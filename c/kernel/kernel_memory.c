/* kernel_memory.c -- KernelMemory (upstream kernel/src/paging/kernel_memory.rs). */
#include "kernel_memory.h"
#include "frame_allocator.h"
#include "lands.h"

static kernel_memory KERNEL_MEMORY = { &ACTIVE_HIERARCHY };

/* get_kernel_memory */
kernel_memory *get_kernel_memory(void)
{
	return &KERNEL_MEMORY;
}

/* KernelMemory::get_hierarchy */
table_hierarchy *kernel_memory_get_hierarchy(kernel_memory *km)
{
	return &km->tables->base;
}

/* KernelMemory::find_virtual_space_aligned: first fit in KernelLand. */
kernel_error kernel_memory_find_virtual_space_aligned(kernel_memory *km, uint32_t length, uint32_t alignment, vaddr_t *out)
{
	if (table_hierarchy_find_available_virtual_space_aligned(kernel_memory_get_hierarchy(km), length,
	                                                         land_start_addr(&KERNEL_LAND), land_end_addr(&KERNEL_LAND),
	                                                         alignment, out))
		return kerr_ok();
	return kerr_virtual_memory_exhaustion();
}

/* KernelMemory::find_virtual_space */
kernel_error kernel_memory_find_virtual_space(kernel_memory *km, uint32_t length, vaddr_t *out)
{
	return kernel_memory_find_virtual_space_aligned(km, length, PAGE_SIZE, out);
}

/* KernelMemory::map_phys_region_to */
void kernel_memory_map_phys_region_to(kernel_memory *km, physical_mem_region phys, vaddr_t address, mapping_access_rights flags)
{
	kassert(land_contains_region(&KERNEL_LAND, address, physical_mem_region_size(&phys)),
	        "map_phys_region_to: region not in KernelLand");
	frame_iter it = frame_iter_region(&phys);
	table_hierarchy_map_to_from_iterator(kernel_memory_get_hierarchy(km), &it, address, flags);
	physical_mem_region_forget(&phys); /* must not be freed while mapped */
}

/* KernelMemory::map_phys_region */
vaddr_t kernel_memory_map_phys_region(kernel_memory *km, physical_mem_region phys, mapping_access_rights flags)
{
	vaddr_t va;
	EXPECT(kernel_memory_find_virtual_space(km, physical_mem_region_size(&phys), &va),
	       "called `Result::unwrap()` on an `Err` value");
	kernel_memory_map_phys_region_to(km, phys, va, flags);
	return va;
}

/* KernelMemory::map_phys_regions */
vaddr_t kernel_memory_map_phys_regions(kernel_memory *km, const region_vec *phys, mapping_access_rights flags)
{
	vaddr_t va;
	uint32_t length = ck_mul(region_vec_frame_count(phys), PAGE_SIZE);
	EXPECT(kernel_memory_find_virtual_space(km, length, &va), "called `Result::unwrap()` on an `Err` value");
	frame_iter it = frame_iter_vec(phys);
	table_hierarchy_map_to_from_iterator(kernel_memory_get_hierarchy(km), &it, va, flags);
	return va;
}

/* KernelMemory::map_frame_iterator_to */
void kernel_memory_map_frame_iterator_to(kernel_memory *km, frame_iter iterator, vaddr_t address, mapping_access_rights flags)
{
	kassert(land_contains_region(&KERNEL_LAND, address, ck_mul(frame_iter_count(iterator), PAGE_SIZE)),
	        "map_frame_iterator_to: region not in KernelLand");
	table_hierarchy_map_to_from_iterator(kernel_memory_get_hierarchy(km), &iterator, address, flags);
}

/* KernelMemory::map_frame_iterator */
vaddr_t kernel_memory_map_frame_iterator(kernel_memory *km, frame_iter iterator, mapping_access_rights flags)
{
	vaddr_t va;
	uint32_t length = ck_mul(frame_iter_count(iterator), PAGE_SIZE);
	EXPECT(kernel_memory_find_virtual_space(km, length, &va), "called `Result::unwrap()` on an `Err` value");
	table_hierarchy_map_to_from_iterator(kernel_memory_get_hierarchy(km), &iterator, va, flags);
	return va;
}

/* KernelMemory::get_page */
vaddr_t kernel_memory_get_page(kernel_memory *km)
{
	physical_mem_region pr;
	EXPECT(frame_allocator_allocate_frame(&pr), "called `Result::unwrap()` on an `Err` value");
	return kernel_memory_map_phys_region(km, pr, MAPPING_ACCESS_RIGHTS_K_RW);
}

/* KernelMemory::map_allocate_to */
void kernel_memory_map_allocate_to(kernel_memory *km, vaddr_t va, uint32_t length, mapping_access_rights flags)
{
	region_vec prs;
	kassert(land_contains_region(&KERNEL_LAND, va, length), "map_allocate_to: region not in KernelLand");
	kassert(length % PAGE_SIZE == 0, "length must be a multiple of PAGE_SIZE");
	EXPECT(frame_allocator_allocate_frames_fragmented(length, &prs), "called `Result::unwrap()` on an `Err` value");
	frame_iter it = frame_iter_vec(&prs);
	table_hierarchy_map_to_from_iterator(kernel_memory_get_hierarchy(km), &it, va, flags);
	/* the frames are mapped: forget them */
	for (uint32_t i = 0; i < prs.len; i++)
		physical_mem_region_forget(&prs.items[i]);
	region_vec_drop(&prs);
}

/* KernelMemory::get_pages */
vaddr_t kernel_memory_get_pages(kernel_memory *km, uint32_t length)
{
	vaddr_t va;
	kassert(length % PAGE_SIZE == 0, "length must be a multiple of PAGE_SIZE");
	EXPECT(kernel_memory_find_virtual_space(km, length, &va), "called `Result::unwrap()` on an `Err` value");
	kernel_memory_map_allocate_to(km, va, length, MAPPING_ACCESS_RIGHTS_K_RW);
	return va;
}

/* KernelMemory::guard */
void kernel_memory_guard(kernel_memory *km, vaddr_t address, uint32_t length)
{
	kassert(length % PAGE_SIZE == 0, "length must be a multiple of PAGE_SIZE");
	table_hierarchy_guard(kernel_memory_get_hierarchy(km), address, length);
}

/* Option<PageState>: upstream's `let mut mapping = None`. */
typedef struct page_state_option {
	bool some;
	page_state state;
} page_state_option;

/* The closure of mapping_state: mapping = Some(state). */
static void record_state(void *ctx, page_state state, uint32_t length)
{
	(void)length;
	page_state_option *found = ctx;
	found->some = true;
	found->state = state;
}

/* KernelMemory::mapping_state */
page_state kernel_memory_mapping_state(kernel_memory *km, vaddr_t addr)
{
	page_state_option found = { .some = false }; /* upstream's `mapping` */
	vaddr_t addr_aligned = align_down(addr, PAGE_SIZE);
	kassert(land_contains_address(&KERNEL_LAND, addr), "mapping_state: address not in KernelLand");
	table_hierarchy_for_every_entry(kernel_memory_get_hierarchy(km), addr_aligned, PAGE_SIZE, record_state, &found);
	kassert(found.some, "mapping_state: called `Option::unwrap()` on a `None` value");
	return found.state;
}

/* Frees a frame that only the page tables tracked. */
static void free_unmapped_frame(void *ctx, paddr_t paddr)
{
	(void)ctx;
	physical_mem_region pr = physical_mem_region_reconstruct(paddr, PAGE_SIZE);
	physical_mem_region_drop(&pr);
}

/* Leaks a frame: somebody else tracks it. */
static void leak_unmapped_frame(void *ctx, paddr_t paddr)
{
	(void)ctx; (void)paddr;
}

/* KernelMemory::unmap */
void kernel_memory_unmap(kernel_memory *km, vaddr_t address, uint32_t length)
{
	kassert(land_contains_region(&KERNEL_LAND, address, length), "unmap: region not in KernelLand");
	kassert(length % PAGE_SIZE == 0, "length must be a multiple of PAGE_SIZE");
	table_hierarchy_unmap(kernel_memory_get_hierarchy(km), address, length, free_unmapped_frame, NULL);
}

/* KernelMemory::unmap_no_dealloc */
void kernel_memory_unmap_no_dealloc(kernel_memory *km, vaddr_t address, uint32_t length)
{
	kassert(land_contains_region(&KERNEL_LAND, address, length), "unmap_no_dealloc: region not in KernelLand");
	kassert(length % PAGE_SIZE == 0, "length must be a multiple of PAGE_SIZE");
	table_hierarchy_unmap(kernel_memory_get_hierarchy(km), address, length, leak_unmapped_frame, NULL);
}

/* Marks every frame of a present entry bootstrap-allocated. */
static void reserve_present(void *ctx, page_state state, uint32_t length)
{
	(void)ctx;
	if (state.kind == PAGE_STATE_PRESENT)
		for (uint32_t offset = 0; offset < length; offset += PAGE_SIZE)
			mark_frame_bootstrap_allocated(ck_add(state.addr, offset));
}

/* KernelMemory::reserve_kernel_land_frames */
void kernel_memory_reserve_kernel_land_frames(kernel_memory *km)
{
	table_hierarchy_for_every_entry(kernel_memory_get_hierarchy(km), land_start_addr(&KERNEL_LAND),
	                                ck_add(land_length(&KERNEL_LAND), land_length(&RECURSIVE_TABLES_LAND)),
	                                reserve_present, NULL);
}
