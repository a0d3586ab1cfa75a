/* mapping.c -- Mapping (upstream kernel/src/paging/mapping.rs). */
#include "mapping.h"

/* From<MappingAccessRights> for MemoryPermissions (paging/mod.rs). */
memory_permissions mapping_access_rights_to_memory_permissions(mapping_access_rights r)
{
	memory_permissions p = 0;
	if (!(r & MAPPING_ACCESS_RIGHTS_USER_ACCESSIBLE))
		return p;
	if (r & MAPPING_ACCESS_RIGHTS_READABLE)
		p |= MEMORY_PERMISSIONS_READABLE;
	if (r & MAPPING_ACCESS_RIGHTS_WRITABLE)
		p |= MEMORY_PERMISSIONS_WRITABLE;
	if (r & MAPPING_ACCESS_RIGHTS_EXECUTABLE)
		p |= MEMORY_PERMISSIONS_EXECUTABLE;
	return p;
}

/* Arc::new(SpinRwLock::new(regions)) */
shared_frames *shared_frames_new(region_vec regions)
{
	shared_frames *s = mach_alloc(sizeof(*s));
	if (!s)
		panic("shared_frames_new: memory allocation failed");
	s->refcount = 1;
	s->regions = regions;
	return s;
}

/* Arc::clone */
shared_frames *shared_frames_clone(shared_frames *s)
{
	s->refcount++;
	return s;
}

/* Drop for Arc: the last reference drops the regions. */
void shared_frames_drop(shared_frames *s)
{
	if (--s->refcount == 0) {
		region_vec_drop(&s->regions);
		mach_free(s);
	}
}

/* Drop for MappingFrames */
void mapping_frames_drop(mapping_frames *f)
{
	if (f->kind == MAPPING_FRAMES_OWNED)
		region_vec_drop(&f->owned);
	else if (f->kind == MAPPING_FRAMES_SHARED)
		shared_frames_drop(f->shared);
	*f = mapping_frames_none();
}

/* Mapping::new */
kernel_error mapping_new(vaddr_t address, mapping_frames frames, uint32_t offset, uint32_t length,
                         memory_type ty, mapping_access_rights flags, mapping *out)
{
	kernel_error e = kerr_ok();
	uint32_t frames_len, last;

	if (!KERR_IS_OK(e = address_check_aligned_to(address, PAGE_SIZE)) ||
	    !KERR_IS_OK(e = address_check_aligned_to(offset, PAGE_SIZE)) ||
	    !KERR_IS_OK(e = address_check_aligned_to(length, PAGE_SIZE)) ||
	    !KERR_IS_OK(e = check_nonzero_length(length)))
		goto fail;

	switch (frames.kind) {
	case MAPPING_FRAMES_OWNED: frames_len = ck_mul(region_vec_frame_count(&frames.owned), PAGE_SIZE); break;
	case MAPPING_FRAMES_SHARED: frames_len = ck_mul(region_vec_frame_count(&frames.shared->regions), PAGE_SIZE); break;
	default: frames_len = USIZE_MAX; break;
	}
	if (frames_len < offset) {
		e = kerr_invalid_address(offset);
		goto fail;
	}
	if (frames_len - offset < length) {
		e = kerr_invalid_size(length);
		goto fail;
	}
	if (!checked_add(address, length - 1, &last)) {
		e = kerr_invalid_address(address);
		goto fail;
	}

	memory_state state = memory_type_get_memory_state(ty);
	bool refcounted = (state & MEMORY_STATE_IS_REFERENCE_COUNTED) != 0;
	bool ok = (frames.kind == MAPPING_FRAMES_NONE &&
	           (ty == MEMORY_TYPE_UNMAPPED || ty == MEMORY_TYPE_RESERVED || ty == MEMORY_TYPE_KERNEL_STACK)) ||
	          (frames.kind == MAPPING_FRAMES_SHARED && refcounted) ||
	          (frames.kind == MAPPING_FRAMES_OWNED && !refcounted);
	if (!ok) {
		e = kerr_wrong_mapping_frames_for_ty(ty);
		goto fail;
	}

	out->address = address;
	out->frames = frames;
	out->offset = offset;
	out->length = length;
	out->state = state;
	out->flags = flags;
	return kerr_ok();
fail:
	mapping_frames_drop(&frames);
	return e;
}

/* Drop for Mapping */
void mapping_drop(mapping *m)
{
	mapping_frames_drop(&m->frames);
}

/* An iterator over `n` regions, skipping and taking frames. */
static frame_iter frame_iter_over(const physical_mem_region *regions, uint32_t n, uint32_t skip, uint32_t take)
{
	frame_iter it;
	memset(&it, 0, sizeof(it));
	it.regions = regions;
	it.nregions = n;
	it.skip = skip;
	it.take = take;
	return it;
}

/* PhysicalMemRegion::into_iter */
frame_iter frame_iter_region(const physical_mem_region *r)
{
	return frame_iter_over(r, 1, 0, USIZE_MAX);
}

/* Vec::iter().flatten() */
frame_iter frame_iter_vec(const region_vec *v)
{
	return frame_iter_over(v->items, v->len, 0, USIZE_MAX);
}

/* MappingFramesIt::None: the iterator of a mapping without frames, over no
 * regions (yields nothing). */
static const frame_iter mapping_frames_it_none;

/* Mapping::frames_it: skip(phys_offset / PAGE_SIZE).take(length / PAGE_SIZE) */
frame_iter mapping_frames_it(const mapping *m)
{
	const region_vec *v = 0;
	if (m->frames.kind == MAPPING_FRAMES_OWNED)
		v = &m->frames.owned;
	else if (m->frames.kind == MAPPING_FRAMES_SHARED)
		v = &m->frames.shared->regions;
	if (!v)
		return mapping_frames_it_none;
	return frame_iter_over(v->items, v->len, m->offset / PAGE_SIZE, m->length / PAGE_SIZE);
}

/* The flattened iterator's next, before skip/take. */
static bool raw_next(frame_iter *it, paddr_t *out)
{
	while (it->cur >= it->end) {
		if (it->curframe >= it->nregions)
			return false;
		const physical_mem_region *r = &it->regions[it->curframe++];
		it->cur = r->start_addr;
		it->end = ck_add(r->start_addr, physical_mem_region_size(r));
	}
	*out = it->cur;
	it->cur += PAGE_SIZE;
	return true;
}

/* Take<Skip<..>>::next, as Rust's core: Take counts down before it asks
 * (and answers None at 0); Skip skips its frames on its first call. Once
 * raw_next fails it fails for good, so nothing is reset on the way out. */
static bool adapted_next(frame_iter *it, paddr_t *out)
{
	if (it->take == 0)
		return false;
	it->take--;
	while (it->skip) {
		paddr_t dummy;
		it->skip--;
		if (!raw_next(it, &dummy))
			return false;
	}
	return raw_next(it, out);
}

/* Iterator::next (through Peekable). */
bool frame_iter_next(frame_iter *it, paddr_t *out)
{
	if (it->peeked) {
		it->peeked = false;
		*out = it->peek_value;
		return it->peek_some;
	}
	return adapted_next(it, out);
}

/* Peekable::peek */
bool frame_iter_peek(frame_iter *it, paddr_t *out)
{
	if (!it->peeked) {
		it->peek_some = adapted_next(it, &it->peek_value);
		it->peeked = true;
	}
	*out = it->peek_value;
	return it->peek_some;
}

/* Iterator::count */
uint32_t frame_iter_count(frame_iter it)
{
	uint32_t n = 0;
	paddr_t p;
	while (frame_iter_next(&it, &p))
		n = ck_add(n, 1);
	return n;
}
