/* process_memory.c -- ProcessMemory (upstream kernel/src/paging/process_memory.rs). */
#include "process_memory.h"
#include "frame_allocator.h"
#include "lands.h"

/* ProcessMemory::default */
void process_memory_default(process_memory *pm)
{
	pm->heap_base_address = 0x80000000u; /* no ASLR yet */
	userspace_bookkeeping_new(&pm->userspace_bookkeping);
	inactive_hierarchy_new(&pm->table_hierarchy);
}

/* Drop for ProcessMemory: fields in declaration order. */
void process_memory_drop(process_memory *pm)
{
	userspace_bookkeeping_drop(&pm->userspace_bookkeping);
	inactive_hierarchy_drop(&pm->table_hierarchy);
}

/* ProcessMemory::get_hierarchy (DynamicHierarchy) */
table_hierarchy *process_memory_get_hierarchy(process_memory *pm)
{
	if (inactive_hierarchy_is_currently_active(&pm->table_hierarchy))
		return &ACTIVE_HIERARCHY.base;
	return &pm->table_hierarchy.base;
}

/* ProcessMemory::map_phys_region_to */
kernel_error process_memory_map_phys_region_to(process_memory *pm, physical_mem_region phys, vaddr_t address,
                                               memory_type ty, mapping_access_rights flags)
{
	kernel_error e;
	uint32_t length = physical_mem_region_size(&phys);
	if (!KERR_IS_OK(e = address_check_aligned_to(address, PAGE_SIZE)) ||
	    !KERR_IS_OK(e = land_check_contains_region(&USER_LAND, address, length)) ||
	    !KERR_IS_OK(e = userspace_bookkeeping_check_vacant(&pm->userspace_bookkeping, address, length))) {
		physical_mem_region_drop(&phys);
		return e;
	}
	/* from now on, errors are unexpected */
	frame_iter it = frame_iter_region(&phys);
	table_hierarchy_map_to_from_iterator(process_memory_get_hierarchy(pm), &it, address, flags);
	region_vec v = region_vec_new();
	region_vec_push(&v, phys);
	mapping m;
	EXPECT(mapping_new(address, mapping_frames_owned(v), 0, length, ty, flags, &m),
	       "We checked everything, but bookkeeping refuses to create the mapping");
	EXPECT(userspace_bookkeeping_add_mapping(&pm->userspace_bookkeping, m),
	       "We checked everything, but bookkeeping refuses to add the mapping");
	return kerr_ok();
}

/* ProcessMemory::create_regular_mapping */
kernel_error process_memory_create_regular_mapping(process_memory *pm, vaddr_t address, uint32_t length,
                                                   memory_type ty, mapping_access_rights flags)
{
	region_vec frames;
	TRY(address_check_aligned_to(address, PAGE_SIZE));
	TRY(check_size_aligned(length, PAGE_SIZE));
	TRY(check_nonzero_length(length));
	TRY(land_check_contains_region(&USER_LAND, address, length));
	TRY(userspace_bookkeeping_check_vacant(&pm->userspace_bookkeping, address, length));
	TRY(frame_allocator_allocate_frames_fragmented(length, &frames));
	/* from now on, errors are unexpected */
	frame_iter it = frame_iter_vec(&frames);
	table_hierarchy_map_to_from_iterator(process_memory_get_hierarchy(pm), &it, address, flags);
	mapping_frames mf;
	if (memory_type_get_memory_state(ty) & MEMORY_STATE_IS_REFERENCE_COUNTED)
		mf = mapping_frames_shared(shared_frames_new(frames));
	else
		mf = mapping_frames_owned(frames);
	mapping m;
	EXPECT(mapping_new(address, mf, 0, length, ty, flags, &m),
	       "We checked everything, but bookkeeping refuses to create the mapping");
	EXPECT(userspace_bookkeeping_add_mapping(&pm->userspace_bookkeping, m),
	       "We checked everything, but bookkeeping refuses to add the mapping");
	return kerr_ok();
}

/* ProcessMemory::map_partial_shared_mapping */
kernel_error process_memory_map_partial_shared_mapping(process_memory *pm, shared_frames *shared_mapping, vaddr_t address,
                                                       uint32_t phys_offset, uint32_t length, memory_type ty,
                                                       mapping_access_rights flags)
{
	kernel_error e;
	uint32_t max_length;
	if (!KERR_IS_OK(e = address_check_aligned_to(address, PAGE_SIZE)) ||
	    !KERR_IS_OK(e = check_nonzero_length(length)) ||
	    !KERR_IS_OK(e = check_size_aligned(length, PAGE_SIZE)))
		goto fail;
	max_length = ck_sub(ck_mul(region_vec_frame_count(&shared_mapping->regions), PAGE_SIZE), phys_offset);
	if (max_length < length) {
		e = kerr_invalid_size(length);
		goto fail;
	}
	if (!KERR_IS_OK(e = land_check_contains_region(&USER_LAND, address, length)) ||
	    !KERR_IS_OK(e = userspace_bookkeeping_check_vacant(&pm->userspace_bookkeping, address, length)))
		goto fail;
	/* from now on, errors are unexpected */
	mapping m;
	EXPECT(mapping_new(address, mapping_frames_shared(shared_mapping), phys_offset, length, ty, flags, &m),
	       "We checked everything, but bookkeeping refuses to create the mapping");
	frame_iter it = mapping_frames_it(&m);
	table_hierarchy_map_to_from_iterator(process_memory_get_hierarchy(pm), &it, address, flags);
	EXPECT(userspace_bookkeeping_add_mapping(&pm->userspace_bookkeping, m),
	       "We checked everything, but bookkeeping refuses to add the mapping");
	return kerr_ok();
fail:
	shared_frames_drop(shared_mapping);
	return e;
}

/* ProcessMemory::guard */
kernel_error process_memory_guard(process_memory *pm, vaddr_t address, uint32_t length, memory_type ty)
{
	mapping m;
	TRY(land_check_contains_region(&USER_LAND, address, length));
	TRY(mapping_new(address, mapping_frames_none(), 0, length, ty, 0, &m));
	TRY(userspace_bookkeeping_add_mapping(&pm->userspace_bookkeping, m));
	/* everything is ok, actually map the guard */
	table_hierarchy_guard(process_memory_get_hierarchy(pm), address, length);
	return kerr_ok();
}

/* The frames stay in the removed mapping: nothing to do per frame. */
static void keep_frames(void *ctx, paddr_t paddr)
{
	(void)ctx; (void)paddr;
}

/* ProcessMemory::unmap */
kernel_error process_memory_unmap(process_memory *pm, vaddr_t address, uint32_t length, mapping *out)
{
	TRY(land_check_contains_region(&USER_LAND, address, length));
	/* unaligned address or length: remove_mapping just finds nothing */
	TRY(userspace_bookkeeping_remove_mapping(&pm->userspace_bookkeping, address, length, out));
	table_hierarchy_unmap(process_memory_get_hierarchy(pm), address, length, keep_frames, NULL);
	return kerr_ok();
}

/* ProcessMemory::query_memory */
query_memory process_memory_query_memory(const process_memory *pm, vaddr_t address)
{
	return userspace_bookkeeping_mapping_at(&pm->userspace_bookkeping, address);
}

/* ProcessMemory::expand_mapping */
kernel_error process_memory_expand_mapping(process_memory *pm, vaddr_t address, uint32_t new_size)
{
	const mapping *old_mapping_ref;
	TRY(check_size_aligned(new_size, PAGE_SIZE));
	/* 1. the previous mapping's address and size */
	TRY(userspace_bookkeeping_occupied_mapping_at(&pm->userspace_bookkeping, address, &old_mapping_ref));
	if (memory_state_ty(old_mapping_ref->state) != MEMORY_TYPE_HEAP)
		return kerr_invalid_mem_state(address, memory_state_ty(old_mapping_ref->state));
	if (old_mapping_ref->frames.kind == MAPPING_FRAMES_OWNED || old_mapping_ref->frames.kind == MAPPING_FRAMES_NONE)
		return kerr_invalid_address(address);
	vaddr_t start_addr = old_mapping_ref->address;
	uint32_t old_size = old_mapping_ref->length;

	/* 2. the area we extend to must be available */
	TRY(land_check_contains_region(&USER_LAND, start_addr, new_size));
	if (new_size < old_size)
		return kerr_invalid_size(new_size);
	if (new_size == old_size)
		return kerr_ok();
	uint32_t added_length = new_size - old_size;
	TRY(userspace_bookkeeping_check_vacant(&pm->userspace_bookkeping, ck_add(start_addr, old_size), added_length));

	/* 3. the new frames */
	region_vec new_frames;
	TRY(frame_allocator_allocate_frames_fragmented(added_length, &new_frames));

	/* 4. the old mapping leaves the bookkeeping */
	mapping old_mapping;
	EXPECT(userspace_bookkeeping_remove_mapping(&pm->userspace_bookkeping, start_addr, old_size, &old_mapping),
	       "expand_mapping: removing the mapping failed.");
	mapping_access_rights flags = old_mapping.flags;

	/* 5. a bigger mapping with the same type and flags */
	if (old_mapping.frames.kind != MAPPING_FRAMES_SHARED)
		panic("We checked we could only get a MappingFrames earlier.");
	shared_frames *frames = old_mapping.frames.shared;
	/* 6. map the added part */
	frame_iter it = frame_iter_vec(&new_frames);
	table_hierarchy_map_to_from_iterator(process_memory_get_hierarchy(pm), &it, ck_add(start_addr, old_size), flags);
	region_vec_append(&frames->regions, &new_frames);
	region_vec_drop(&new_frames);
	mapping new_mapping;
	EXPECT(mapping_new(start_addr, mapping_frames_shared(shared_frames_clone(frames)), 0, new_size, MEMORY_TYPE_HEAP,
	                   flags, &new_mapping),
	       "expand_mapping: couldn't recreate mapping");
	EXPECT(userspace_bookkeeping_add_mapping(&pm->userspace_bookkeping, new_mapping),
	       "expand_mapping: failed re-adding the mapping to the bookkeeping");
	mapping_drop(&old_mapping);
	return kerr_ok();
}

/* ProcessMemory::find_available_space */
kernel_error process_memory_find_available_space(const process_memory *pm, uint32_t length, vaddr_t *out)
{
	return userspace_bookkeeping_find_available_space(&pm->userspace_bookkeping, length, out);
}

/* ProcessMemory::mirror_mapping */
kernel_error process_memory_mirror_mapping(const process_memory *pm, vaddr_t address, uint32_t length,
                                           cross_process_mapping *out)
{
	const mapping *m;
	TRY(land_check_contains_address(&USER_LAND, address));
	TRY(userspace_bookkeeping_occupied_mapping_at(&pm->userspace_bookkeping, address, &m));
	uint32_t offset = ck_sub(address, m->address);
	return cross_process_mapping_mirror_mapping(m, offset, length, out);
}

/* ProcessMemory::resize_heap */
kernel_error process_memory_resize_heap(process_memory *pm, uint32_t new_size, vaddr_t *out)
{
	bool no_heap;
	uint32_t old_size = 0;
	TRY(land_check_contains_region(&USER_LAND, pm->heap_base_address, new_size));
	{
		query_memory q = userspace_bookkeeping_mapping_at(&pm->userspace_bookkeping, pm->heap_base_address);
		const mapping *heap = query_memory_mapping(&q);
		no_heap = memory_state_ty(heap->state) == MEMORY_TYPE_UNMAPPED;
		if (!no_heap)
			old_size = heap->length;
	}
	vaddr_t heap_base_address = pm->heap_base_address;
	if (no_heap) {
		if (new_size != 0)
			TRY(process_memory_create_regular_mapping(pm, heap_base_address, new_size, MEMORY_TYPE_HEAP,
			                                          MAPPING_ACCESS_RIGHTS_USER_ACCESSIBLE |
			                                          MAPPING_ACCESS_RIGHTS_READABLE | MAPPING_ACCESS_RIGHTS_WRITABLE));
	} else if (new_size < old_size) {
		/* shrinking is not implemented upstream: nothing happens */
	} else {
		TRY(process_memory_expand_mapping(pm, heap_base_address, new_size));
	}
	*out = pm->heap_base_address;
	return kerr_ok();
}

/* ProcessMemory::switch_to */
void process_memory_switch_to(process_memory *pm)
{
	inactive_hierarchy_switch_to(&pm->table_hierarchy);
}

/* ProcessMemory::check_range */
kernel_error process_memory_check_range(const process_memory *pm, vaddr_t addr, uint32_t size,
                                        memory_state state_mask, memory_state state_expected,
                                        memory_permissions perms_mask, memory_permissions perms_expected,
                                        memory_attributes attrs_mask, memory_attributes attrs_expected,
                                        memory_attributes attrs_ignore_mask, check_range_result *out)
{
	(void)attrs_mask; (void)attrs_expected; (void)attrs_ignore_mask;
	vaddr_t addr_end = ck_add(addr, size);
	vaddr_t cur_addr = addr;
	bool have_first = false;
	memory_state first_block_state = 0;
	memory_permissions first_block_perms = 0;
	for (;;) {
		query_memory mem = process_memory_query_memory(pm, cur_addr);
		const mapping *m = query_memory_mapping(&mem);
		memory_permissions mapping_perms = mapping_access_rights_to_memory_permissions(m->flags);

		/* blocks after the first must have the same state and permissions */
		if (!have_first) {
			first_block_state = m->state;
			first_block_perms = mapping_perms;
			have_first = true;
		}
		if (first_block_state != m->state)
			return kerr_invalid_mem_state(cur_addr, memory_state_ty(m->state));
		if (first_block_perms != mapping_perms)
			return kerr_invalid_mem_state(cur_addr, memory_state_ty(m->state));
		/* and be in the expected state */
		if ((m->state & state_mask) != state_expected || (mapping_perms & perms_mask) != perms_expected)
			return kerr_invalid_mem_state(cur_addr, memory_state_ty(m->state));

		cur_addr = ck_add(m->address, m->length);
		if (cur_addr >= addr_end) {
			out->state = m->state;
			out->perms = mapping_access_rights_to_memory_permissions(m->flags);
			out->attrs = 0;
			return kerr_ok();
		}
	}
}
