/* srp.c -- the panic-armed shim between the Rust crate `sunrise_mm_c` and the
 * C port (see srp.h).
 *
 * It is written against the public headers (c/include/sunrise_mm/), the
 * one set of declarations of the port and of the machine interface. */
#include <sunrise_mm/sunrise_mm.h>
#include <sunrise_mm/machine.h>

#include "srp.h"

#ifdef SRP_KERNEL_HOST
/* Built into a kernel that is itself the machine (the mixed Rust/C builds of
 * reference/upstream/mix/): no libc, the port's own heap for the shim's
 * buffers, and a port panic is the kernel's panic (mach_panic never returns
 * and nothing unwinds), so there is no landing pad to arm. The hosted
 * machine's entry points (machine_reset, machine_read32, ...) do not exist
 * there: the functions using them are left out. */
/* SRP_LOWER_ONLY: a build whose KernelMemory (and everything above it) is
 * not the C port's: the shim functions reaching them are left out.
 * SRP_RUST_HIERARCHY: a build whose hierarchical tables are upstream's Rust
 * (rung 2; hierarchical_table.c is not linked): the srp_th_* walks are left
 * out. */
#define malloc mach_alloc
#define free mach_free
#define SRP_ARM() do { } while (0)
#else
#include <stdlib.h>

/* Arms the panic landing pad in the calling frame: a port panic makes the
 * calling srp_* function return SRP_PANICKED. Must be used directly in the
 * function that calls the port (the frame must stay live). */
#define SRP_ARM() do { if (MACHINE_SETJMP(machine_panic_jmp)) return SRP_PANICKED; } while (0)

const char *srp_panic_message(void)
{
	return machine_panic_msg ? machine_panic_msg : "";
}
#endif

static void put_err(srp_err *o, kernel_error e)
{
	o->kind = (uint32_t)e.kind;
	o->address = e.address;
	o->size = e.size;
	o->ty = (uint32_t)e.ty;
}

static void put_info(srp_mapping_info *o, const mapping *m)
{
	o->address = mapping_address(m);
	o->length = mapping_length(m);
	o->state = mapping_state(m);
	o->flags = mapping_flags(m);
	o->offset = mapping_phys_offset(m);
	o->frames_kind = (uint32_t)mapping_frames_of(m)->kind;
}

static physical_mem_region region_of(srp_region r)
{
	physical_mem_region p;
	p.frames = r.frames;
	p.start_addr = r.start;
	p.should_free_on_drop = r.free_on_drop != 0;
	return p;
}

static srp_region srp_region_of(const physical_mem_region *p)
{
	srp_region r;
	r.start = p->start_addr;
	r.frames = p->frames;
	r.free_on_drop = p->should_free_on_drop ? 1u : 0u;
	return r;
}

/* `size` bytes of kernel heap for an object the Rust side will own; a
 * kernel panic when the heap is exhausted. */
static void *heap_box(size_t size)
{
	void *p = mach_alloc(size);
	if (!p)
		mach_panic("srp: kernel heap exhausted");
	return p;
}

/* A mapping moved to the kernel heap, for a caller that owns it from then
 * on (srp_mapping_drop). */
static void *box_mapping(const mapping *m)
{
	mapping *boxed = heap_box(sizeof(*boxed));
	*boxed = *m;
	return boxed;
}

#ifndef SRP_LOWER_ONLY
/* The outcome of a mirror made into the heap box `c`: the box, its address
 * and length for the caller on success, else the box is freed. */
static int mirror_out(kernel_error e, cross_process_mapping *c, srp_err *err, void **out, uint32_t *addr,
                      uint32_t *len)
{
	put_err(err, e);
	if (!KERR_IS_OK(e)) {
		mach_free(c);
		return SRP_OK;
	}
	*addr = cross_process_mapping_addr(c);
	*len = cross_process_mapping_len(c);
	*out = c;
	return SRP_OK;
}
#endif

/* ---- pure functions -------------------------------------------------------- */

uint32_t srp_memory_type_get_memory_state(uint32_t ty)
{
	return ty < MEMORY_TYPE_COUNT ? memory_type_get_memory_state((memory_type)ty) : 0;
}

uint32_t srp_memory_state_ty(uint32_t state) { return (uint32_t)memory_state_ty(state); }
uint32_t srp_memory_state_from_bits_truncate(uint32_t bits) { return memory_state_from_bits_truncate(bits); }
uint32_t srp_memory_permissions_from_bits_truncate(uint32_t bits) { return memory_permissions_from_bits_truncate(bits); }
uint32_t srp_mapping_access_rights_to_memory_permissions(uint32_t rights)
{
	return mapping_access_rights_to_memory_permissions(rights);
}
const char *srp_memory_type_name(uint32_t ty) { return memory_type_name((memory_type)ty); }
const char *srp_kernel_error_name(uint32_t kind) { return kernel_error_name((kernel_error_kind)kind); }

/* ---- machine and frame allocator ------------------------------------------ */

#ifndef SRP_KERNEL_HOST
int srp_machine_reset(void)
{
	SRP_ARM();
	machine_reset();
	frame_allocator_init_all_reserved();
	return SRP_OK;
}
#endif

int srp_mark_area_free(uint32_t start, uint32_t end)
{
	SRP_ARM();
	frame_allocator_mark_area_free(start, end);
	return SRP_OK;
}

int srp_mark_area_reserved(uint32_t start, uint32_t end)
{
	SRP_ARM();
	frame_allocator_mark_area_reserved(start, end);
	return SRP_OK;
}

int srp_mark_frame_bootstrap_allocated(uint32_t addr)
{
	SRP_ARM();
	mark_frame_bootstrap_allocated(addr);
	return SRP_OK;
}

#ifndef SRP_KERNEL_HOST
int srp_read32(uint32_t va, uint32_t *out, int *fault)
{
	SRP_ARM();
	*fault = machine_read32(va, out) != 0;
	return SRP_OK;
}

int srp_write32(uint32_t va, uint32_t value, int *fault)
{
	SRP_ARM();
	*fault = machine_write32(va, value) != 0;
	return SRP_OK;
}

int srp_boot_directory(uint32_t *out)
{
	SRP_ARM();
	*out = machine_boot_directory();
	return SRP_OK;
}

int srp_read_cr3(uint32_t *out)
{
	SRP_ARM();
	*out = mach_read_cr3();
	return SRP_OK;
}

#endif /* !SRP_KERNEL_HOST */

int srp_init_all_reserved(void)
{
	SRP_ARM();
	frame_allocator_init_all_reserved();
	return SRP_OK;
}

#ifndef SRP_LOWER_ONLY /* C's KernelMemory */
int srp_reserve_kernel_land_frames(void)
{
	SRP_ARM();
	kernel_memory_reserve_kernel_land_frames(get_kernel_memory());
	return SRP_OK;
}

#endif

int srp_check_is_allocated(uint32_t address, uint32_t length, uint32_t *out)
{
	SRP_ARM();
	*out = frame_allocator_check_is_allocated(address, length) ? 1u : 0u;
	return SRP_OK;
}

int srp_check_is_reserved(uint32_t address, uint32_t length, uint32_t *out)
{
	SRP_ARM();
	*out = frame_allocator_check_is_reserved(address, length) ? 1u : 0u;
	return SRP_OK;
}

int srp_free_count(uint32_t *out)
{
	SRP_ARM();
	*out = frame_allocator_free_count();
	return SRP_OK;
}

/* ---- FrameAllocator / PhysicalMemRegion ------------------------------------ */

int srp_allocate_region(uint32_t length, srp_err *err, srp_region *out)
{
	SRP_ARM();
	physical_mem_region r;
	kernel_error e = frame_allocator_allocate_region(length, &r);
	put_err(err, e);
	if (KERR_IS_OK(e))
		*out = srp_region_of(&r);
	return SRP_OK;
}

int srp_allocate_frames_fragmented(uint32_t length, srp_err *err, srp_region **out, uint32_t *n)
{
	SRP_ARM();
	region_vec v;
	kernel_error e = frame_allocator_allocate_frames_fragmented(length, &v);
	put_err(err, e);
	*out = 0;
	*n = 0;
	if (!KERR_IS_OK(e))
		return SRP_OK;
	srp_region *buf = malloc((v.len ? v.len : 1) * sizeof(*buf));
	if (!buf)
		mach_panic("srp: out of host memory");
	for (uint32_t i = 0; i < v.len; i++)
		buf[i] = srp_region_of(&v.items[i]);
	*out = buf;
	*n = v.len;
	/* the regions now belong to the caller: free the Vec's buffer only */
	mach_free(v.items);
	return SRP_OK;
}

void srp_free_buffer(void *p)
{
	free(p);
}

int srp_on_fixed_mmio(uint32_t address, uint32_t length, srp_err *err, srp_region *out)
{
	SRP_ARM();
	physical_mem_region r;
	kernel_error e = physical_mem_region_on_fixed_mmio(address, length, &r);
	put_err(err, e);
	if (KERR_IS_OK(e))
		*out = srp_region_of(&r);
	return SRP_OK;
}

/* PhysicalMemRegion::new_unchecked (mode 0), ::reconstruct (1),
 * ::reconstruct_no_dealloc (2). */
int srp_region_make(uint32_t address, uint32_t length, uint32_t mode, srp_region *out)
{
	SRP_ARM();
	physical_mem_region r = mode == 0 ? physical_mem_region_new_unchecked(address, length)
	                      : mode == 1 ? physical_mem_region_reconstruct(address, length)
	                                  : physical_mem_region_reconstruct_no_dealloc(address, length);
	*out = srp_region_of(&r);
	return SRP_OK;
}

int srp_region_drop(srp_region r)
{
	SRP_ARM();
	physical_mem_region p = region_of(r);
	physical_mem_region_drop(&p);
	return SRP_OK;
}

/* ---- shared frames --------------------------------------------------------- */

int srp_shared_new(const srp_region *regions, uint32_t n, void **out)
{
	SRP_ARM();
	region_vec v = region_vec_new();
	for (uint32_t i = 0; i < n; i++)
		region_vec_push(&v, region_of(regions[i]));
	*out = shared_frames_new(v);
	return SRP_OK;
}

int srp_shared_clone(void *s)
{
	SRP_ARM();
	shared_frames_clone(s);
	return SRP_OK;
}

int srp_shared_drop(void *s)
{
	SRP_ARM();
	shared_frames_drop(s);
	return SRP_OK;
}

int srp_shared_regions(void *s, srp_region *buf, uint32_t cap, uint32_t *n)
{
	SRP_ARM();
	const region_vec *v = &((shared_frames *)s)->regions;
	for (uint32_t i = 0; i < v->len && i < cap; i++)
		buf[i] = srp_region_of(&v->items[i]);
	*n = v->len;
	return SRP_OK;
}

int srp_shared_frame_count(void *s, uint32_t *out)
{
	SRP_ARM();
	*out = region_vec_frame_count(&((shared_frames *)s)->regions);
	return SRP_OK;
}

/* ---- ProcessMemory ---------------------------------------------------------- */

#ifndef SRP_LOWER_ONLY /* C's ProcessMemory */
int srp_process_new(void **out)
{
	SRP_ARM();
	process_memory *pm = heap_box(sizeof(*pm));
	process_memory_default(pm);
	*out = pm;
	return SRP_OK;
}

int srp_process_drop(void *pm)
{
	SRP_ARM();
	process_memory_drop(pm);
	mach_free(pm);
	return SRP_OK;
}

int srp_create_regular_mapping(void *pm, uint32_t address, uint32_t length, uint32_t ty, uint32_t flags, srp_err *err)
{
	SRP_ARM();
	put_err(err, process_memory_create_regular_mapping(pm, address, length, (memory_type)ty, flags));
	return SRP_OK;
}

int srp_map_phys_region_to(void *pm, srp_region phys, uint32_t address, uint32_t ty, uint32_t flags, srp_err *err)
{
	SRP_ARM();
	put_err(err, process_memory_map_phys_region_to(pm, region_of(phys), address, (memory_type)ty, flags));
	return SRP_OK;
}

int srp_map_partial_shared_mapping(void *pm, void *shared, uint32_t address, uint32_t phys_offset, uint32_t length,
                                   uint32_t ty, uint32_t flags, srp_err *err)
{
	SRP_ARM();
	put_err(err, process_memory_map_partial_shared_mapping(pm, shared, address, phys_offset, length,
	                                                       (memory_type)ty, flags));
	return SRP_OK;
}

int srp_guard(void *pm, uint32_t address, uint32_t length, uint32_t ty, srp_err *err)
{
	SRP_ARM();
	put_err(err, process_memory_guard(pm, address, length, (memory_type)ty));
	return SRP_OK;
}

int srp_unmap(void *pm, uint32_t address, uint32_t length, srp_err *err, void **out)
{
	SRP_ARM();
	mapping m;
	kernel_error e = process_memory_unmap(pm, address, length, &m);
	put_err(err, e);
	*out = 0;
	if (KERR_IS_OK(e))
		*out = box_mapping(&m);
	return SRP_OK;
}

int srp_query_memory(void *pm, uint32_t address, srp_mapping_info *info, const void **used)
{
	SRP_ARM();
	query_memory q = process_memory_query_memory(pm, address);
	put_info(info, query_memory_mapping(&q));
	*used = q.used ? (const void *)q.used_mapping : 0;
	return SRP_OK;
}

int srp_occupied_mapping_at(void *pm, uint32_t address, srp_err *err, srp_mapping_info *info, const void **out)
{
	SRP_ARM();
	const mapping *m = 0;
	kernel_error e = userspace_bookkeeping_occupied_mapping_at(&((process_memory *)pm)->userspace_bookkeping,
	                                                           address, &m);
	put_err(err, e);
	*out = 0;
	if (KERR_IS_OK(e)) {
		put_info(info, m);
		*out = m;
	}
	return SRP_OK;
}

int srp_expand_mapping(void *pm, uint32_t address, uint32_t new_size, srp_err *err)
{
	SRP_ARM();
	put_err(err, process_memory_expand_mapping(pm, address, new_size));
	return SRP_OK;
}

int srp_find_available_space(void *pm, uint32_t length, srp_err *err, uint32_t *out)
{
	SRP_ARM();
	put_err(err, process_memory_find_available_space(pm, length, out));
	return SRP_OK;
}

int srp_mirror_mapping(void *pm, uint32_t address, uint32_t length, srp_err *err, void **out, uint32_t *addr,
                       uint32_t *len)
{
	SRP_ARM();
	*out = 0;
	cross_process_mapping *c = heap_box(sizeof(*c));
	return mirror_out(process_memory_mirror_mapping(pm, address, length, c), c, err, out, addr, len);
}

int srp_resize_heap(void *pm, uint32_t new_size, srp_err *err, uint32_t *out)
{
	SRP_ARM();
	put_err(err, process_memory_resize_heap(pm, new_size, out));
	return SRP_OK;
}

int srp_switch_to(void *pm)
{
	SRP_ARM();
	process_memory_switch_to(pm);
	return SRP_OK;
}

int srp_check_range(void *pm, uint32_t addr, uint32_t size, uint32_t state_mask, uint32_t state_expected,
                    uint32_t perms_mask, uint32_t perms_expected, uint32_t attrs_mask, uint32_t attrs_expected,
                    uint32_t attrs_ignore_mask, srp_err *err, uint32_t out[3])
{
	SRP_ARM();
	check_range_result r;
	kernel_error e = process_memory_check_range(pm, addr, size, state_mask, state_expected, perms_mask,
	                                            perms_expected, attrs_mask, attrs_expected, attrs_ignore_mask, &r);
	put_err(err, e);
	if (KERR_IS_OK(e)) {
		out[0] = r.state;
		out[1] = r.perms;
		out[2] = r.attrs;
	}
	return SRP_OK;
}

#endif

#if !defined(SRP_LOWER_ONLY) || !defined(SRP_RUST_HIERARCHY) /* a C walk is linked */
/* Adapts the port's entry_callback to srp_entry_cb. */
typedef struct entry_ctx {
	srp_entry_cb cb;
	void *ctx;
} entry_ctx;

static void entry_adapter(void *ctx, page_state state, uint32_t length)
{
	entry_ctx *c = ctx;
	c->cb(c->ctx, (uint32_t)state.kind, state.addr, length);
}
#endif

#ifndef SRP_LOWER_ONLY /* C's ProcessMemory */
int srp_for_every_entry(void *pm, uint32_t address, uint32_t length, srp_entry_cb cb, void *ctx)
{
	SRP_ARM();
	entry_ctx c = { cb, ctx };
	table_hierarchy_for_every_entry(process_memory_get_hierarchy(pm), address, length, entry_adapter, &c);
	return SRP_OK;
}

#endif

/* ---- Mapping and CrossProcessMapping --------------------------------------- */

int srp_mapping_info_of(const void *m, srp_mapping_info *info)
{
	SRP_ARM();
	put_info(info, m);
	return SRP_OK;
}

int srp_mapping_frames(const void *m, uint32_t *buf, uint32_t cap, uint32_t *n)
{
	SRP_ARM();
	frame_iter it = mapping_frames_it(m);
	paddr_t p;
	uint32_t count = 0;
	while (frame_iter_next(&it, &p)) {
		if (count < cap)
			buf[count] = p;
		count++;
	}
	*n = count;
	return SRP_OK;
}

int srp_mapping_take_owned(void *m, srp_region **out, uint32_t *n)
{
	SRP_ARM();
	mapping_frames *f = &((mapping *)m)->frames;
	*out = 0;
	*n = 0;
	if (f->kind != MAPPING_FRAMES_OWNED)
		return SRP_OK;
	region_vec *v = &f->owned;
	srp_region *buf = malloc((v->len ? v->len : 1) * sizeof(*buf));
	if (!buf)
		mach_panic("srp: kernel heap exhausted");
	for (uint32_t i = 0; i < v->len; i++)
		buf[i] = srp_region_of(&v->items[i]);
	*out = buf;
	*n = v->len;
	/* the regions now belong to the caller: the mapping keeps none */
	mach_free(v->items);
	*v = region_vec_new();
	return SRP_OK;
}

#ifndef SRP_LOWER_ONLY /* C's ProcessMemory */
int srp_process_directory(void *pm, uint32_t *out)
{
	SRP_ARM();
	*out = ((process_memory *)pm)->table_hierarchy.directory_physical_address;
	return SRP_OK;
}

#endif

int srp_mapping_shared_clone(const void *m, void **out)
{
	SRP_ARM();
	const mapping_frames *f = mapping_frames_of(m);
	*out = f->kind == MAPPING_FRAMES_SHARED ? shared_frames_clone(f->shared) : 0;
	return SRP_OK;
}

int srp_mapping_drop(void *m)
{
	SRP_ARM();
	mapping_drop(m);
	mach_free(m);
	return SRP_OK;
}

#ifndef SRP_LOWER_ONLY /* C's CrossProcessMapping */
int srp_mirror_drop(void *c)
{
	SRP_ARM();
	cross_process_mapping_drop(c);
	mach_free(c);
	return SRP_OK;
}

#endif

/* ---- the lower modules one by one (the mixed builds' middle rungs) --------- */

/* The hierarchy `h` names: an inactive_hierarchy box, or NULL for the active
 * one. */
static table_hierarchy *hier_of(void *h)
{
	return h ? &((inactive_hierarchy *)h)->base : &ACTIVE_HIERARCHY.base;
}

int srp_hier_new(int from_currently_active, void **out)
{
	SRP_ARM();
	inactive_hierarchy *h = heap_box(sizeof(*h));
	if (from_currently_active)
		inactive_hierarchy_from_currently_active(h);
	else
		inactive_hierarchy_new(h);
	*out = h;
	return SRP_OK;
}

int srp_hier_drop(void *h, int forget)
{
	SRP_ARM();
	if (!forget)
		inactive_hierarchy_drop(h);
	mach_free(h);
	return SRP_OK;
}

int srp_hier_switch_to(void *h)
{
	SRP_ARM();
	inactive_hierarchy_switch_to(h);
	return SRP_OK;
}

int srp_hier_copy_active_kernel_space(void *h)
{
	SRP_ARM();
	inactive_hierarchy_copy_active_kernel_space(h);
	return SRP_OK;
}

int srp_hier_is_currently_active(void *h, uint32_t *out)
{
	SRP_ARM();
	*out = inactive_hierarchy_is_currently_active(h) ? 1u : 0u;
	return SRP_OK;
}

int srp_hier_directory(void *h, uint32_t *out)
{
	SRP_ARM();
	*out = ((inactive_hierarchy *)h)->directory_physical_address;
	return SRP_OK;
}

#ifndef SRP_RUST_HIERARCHY /* C's TableHierarchy walks */
int srp_th_map_frames(void *h, const uint32_t *frames, uint32_t n, uint32_t address, uint32_t flags)
{
	SRP_ARM();
	region_vec v = region_vec_new();
	for (uint32_t i = 0; i < n; i++) {
		physical_mem_region r = { 1, frames[i], false };
		region_vec_push(&v, r);
	}
	frame_iter it = frame_iter_vec(&v);
	table_hierarchy_map_to_from_iterator(hier_of(h), &it, address, flags);
	region_vec_drop(&v);
	return SRP_OK;
}

int srp_th_guard(void *h, uint32_t address, uint32_t length)
{
	SRP_ARM();
	table_hierarchy_guard(hier_of(h), address, length);
	return SRP_OK;
}

int srp_th_unmap(void *h, uint32_t address, uint32_t length, srp_frame_cb cb, void *ctx)
{
	SRP_ARM();
	table_hierarchy_unmap(hier_of(h), address, length, cb, ctx);
	return SRP_OK;
}

int srp_th_for_every_entry(void *h, uint32_t address, uint32_t length, srp_entry_cb cb, void *ctx)
{
	SRP_ARM();
	entry_ctx c = { cb, ctx };
	table_hierarchy_for_every_entry(hier_of(h), address, length, entry_adapter, &c);
	return SRP_OK;
}

int srp_th_find_available_virtual_space_aligned(void *h, uint32_t length, uint32_t start, uint32_t end,
                                                uint32_t alignment, uint32_t *found, uint32_t *out)
{
	SRP_ARM();
	*found = table_hierarchy_find_available_virtual_space_aligned(hier_of(h), length, start, end, alignment, out)
	         ? 1u : 0u;
	return SRP_OK;
}

#endif

/* ---- the i386 entries and tables alone (rung 2) ---- */

static hier_table table_of(const srp_table *t)
{
	hier_table h;
	h.ops = t->ops;
	h.entries = t->entries;
	h.va = t->va;
	return h;
}

static void put_table(srp_table *o, const hier_table *h)
{
	o->ops = h->ops;
	o->entries = h->entries;
	o->va = h->va;
}

int srp_entry_flags_from_rights(uint32_t rights, uint32_t *out)
{
	SRP_ARM();
	*out = i386_entry_flags_from_rights(rights);
	return SRP_OK;
}

int srp_entry_is_unused(const uint32_t *e, uint32_t *out)
{
	SRP_ARM();
	*out = i386_entry_is_unused(e) ? 1u : 0u;
	return SRP_OK;
}

int srp_entry_flags(const uint32_t *e, uint32_t *out)
{
	SRP_ARM();
	*out = i386_entry_flags_of(e);
	return SRP_OK;
}

int srp_entry_pointed_frame(const uint32_t *e, uint32_t *kind, uint32_t *addr)
{
	SRP_ARM();
	page_state st = i386_entry_pointed_frame(e);
	*kind = (uint32_t)st.kind;
	*addr = st.kind == PAGE_STATE_PRESENT ? st.addr : 0;
	return SRP_OK;
}

int srp_entry_set_unused(uint32_t *e, uint32_t *kind, uint32_t *addr)
{
	SRP_ARM();
	page_state st = i386_entry_set_unused(e);
	*kind = (uint32_t)st.kind;
	*addr = st.kind == PAGE_STATE_PRESENT ? st.addr : 0;
	return SRP_OK;
}

int srp_entry_set(uint32_t *e, uint32_t frame, uint32_t flags)
{
	SRP_ARM();
	i386_entry_set(e, frame, flags);
	return SRP_OK;
}

int srp_entry_set_guard(uint32_t *e)
{
	SRP_ARM();
	i386_entry_set_guard(e);
	return SRP_OK;
}

int srp_table_top(void *h, srp_table *out)
{
	SRP_ARM();
	table_hierarchy *th = hier_of(h);
	hier_table t;
	th->get_top_level_table(th, &t);
	put_table(out, &t);
	return SRP_OK;
}

int srp_table_level(const srp_table *t, uint32_t *level, uint32_t *tlb_flush)
{
	SRP_ARM();
	const table_ops *ops = t->ops;
	*level = ops->level;
	*tlb_flush = ops->tlb_flush ? 1u : 0u;
	return SRP_OK;
}

int srp_table_get_child(const srp_table *t, uint32_t index, srp_table *child, uint32_t *kind)
{
	SRP_ARM();
	hier_table self = table_of(t), c;
	page_state_kind k = self.ops->get_child_table(&self, index, &c);
	if (k == PAGE_STATE_PRESENT)
		put_table(child, &c);
	*kind = (uint32_t)k;
	return SRP_OK;
}

int srp_table_create_child(const srp_table *t, uint32_t index, srp_table *child)
{
	SRP_ARM();
	hier_table self = table_of(t), c;
	self.ops->create_child_table(&self, index, &c);
	put_table(child, &c);
	return SRP_OK;
}

int srp_table_drop(const srp_table *t)
{
	SRP_ARM();
	hier_table self = table_of(t);
	if (self.ops->drop) /* the table's own Drop (table.c) */
		self.ops->drop(&self);
	return SRP_OK;
}

int srp_bk_new(void **out)
{
	SRP_ARM();
	userspace_bookkeeping *bk = heap_box(sizeof(*bk));
	userspace_bookkeeping_new(bk);
	*out = bk;
	return SRP_OK;
}

int srp_bk_drop(void *bk)
{
	SRP_ARM();
	userspace_bookkeeping_drop(bk);
	mach_free(bk);
	return SRP_OK;
}

int srp_bk_mapping_at(void *bk, uint32_t address, srp_mapping_info *info, const void **used)
{
	SRP_ARM();
	query_memory q = userspace_bookkeeping_mapping_at(bk, address);
	put_info(info, query_memory_mapping(&q));
	*used = q.used ? (const void *)q.used_mapping : 0;
	return SRP_OK;
}

int srp_bk_occupied_mapping_at(void *bk, uint32_t address, srp_err *err, const void **out)
{
	SRP_ARM();
	const mapping *m = 0;
	put_err(err, userspace_bookkeeping_occupied_mapping_at(bk, address, &m));
	*out = m;
	return SRP_OK;
}

int srp_bk_is_vacant(void *bk, uint32_t address, uint32_t length, srp_err *err, uint32_t *out)
{
	SRP_ARM();
	bool v = false;
	put_err(err, userspace_bookkeeping_is_vacant(bk, address, length, &v));
	*out = v ? 1u : 0u;
	return SRP_OK;
}

int srp_bk_check_vacant(void *bk, uint32_t address, uint32_t length, srp_err *err)
{
	SRP_ARM();
	put_err(err, userspace_bookkeeping_check_vacant(bk, address, length));
	return SRP_OK;
}

int srp_bk_add_mapping(void *bk, void *m, srp_err *err)
{
	SRP_ARM();
	mapping v = *(mapping *)m;
	mach_free(m);
	put_err(err, userspace_bookkeeping_add_mapping(bk, v));
	return SRP_OK;
}

int srp_bk_remove_mapping(void *bk, uint32_t address, uint32_t length, srp_err *err, void **out)
{
	SRP_ARM();
	mapping m;
	kernel_error e = userspace_bookkeeping_remove_mapping(bk, address, length, &m);
	put_err(err, e);
	*out = 0;
	if (KERR_IS_OK(e))
		*out = box_mapping(&m);
	return SRP_OK;
}

int srp_bk_find_available_space(void *bk, uint32_t length, srp_err *err, uint32_t *out)
{
	SRP_ARM();
	put_err(err, userspace_bookkeeping_find_available_space(bk, length, out));
	return SRP_OK;
}

int srp_mapping_new(uint32_t address, uint32_t kind, const srp_region *regions, uint32_t n, void *shared,
                    uint32_t offset, uint32_t length, uint32_t ty, uint32_t flags, srp_err *err, void **out)
{
	SRP_ARM();
	mapping_frames f;
	if (kind == MAPPING_FRAMES_OWNED) {
		region_vec v = region_vec_new();
		for (uint32_t i = 0; i < n; i++)
			region_vec_push(&v, region_of(regions[i]));
		f = mapping_frames_owned(v);
	} else if (kind == MAPPING_FRAMES_SHARED) {
		f = mapping_frames_shared(shared);
	} else {
		f = mapping_frames_none();
	}
	mapping *boxed = heap_box(sizeof(*boxed));
	kernel_error e = mapping_new(address, f, offset, length, (memory_type)ty, flags, boxed);
	put_err(err, e);
	*out = 0;
	if (KERR_IS_OK(e))
		*out = boxed;
	else
		mach_free(boxed);
	return SRP_OK;
}

int srp_shared_append(void *s, const srp_region *regions, uint32_t n)
{
	SRP_ARM();
	for (uint32_t i = 0; i < n; i++)
		region_vec_push(&((shared_frames *)s)->regions, region_of(regions[i]));
	return SRP_OK;
}

#ifndef SRP_LOWER_ONLY /* C's CrossProcessMapping */
int srp_mirror_of_mapping(const void *m, uint32_t offset, uint32_t length, srp_err *err, void **out, uint32_t *addr,
                          uint32_t *len)
{
	SRP_ARM();
	*out = 0;
	cross_process_mapping *c = heap_box(sizeof(*c));
	return mirror_out(cross_process_mapping_mirror_mapping(m, offset, length, c), c, err, out, addr, len);
}
#endif
