/* srp.h -- the panic-armed shim between the Rust crate `sunrise_mm_c` and the
 * C port.
 *
 * Every port function the crate calls goes through one srp_* function here.
 * Each arms machine_panic_jmp with MACHINE_SETJMP in its own frame before
 * calling the port, so a port panic (mach_panic -> MACHINE_LONGJMP) lands
 * back in that C frame and is returned as SRP_PANICKED, the message being
 * available from srp_panic_message(). A longjmp therefore never crosses a
 * Rust frame. The shim holds no state of its own.
 *
 * Only plain integers, opaque pointers and the two small structs below
 * cross the boundary: the crate never depends on the layout of the port's
 * own structs. */
#ifndef SRP_H
#define SRP_H

#include <stdint.h>

/* Status of every srp_* call. */
enum { SRP_OK = 0, SRP_PANICKED = 1 };

/* A KernelError: kind is a kernel_error_kind (0: Ok). */
typedef struct srp_err {
	uint32_t kind;
	uint32_t address;
	uint32_t size;
	uint32_t ty;
} srp_err;

/* The plain fields of a Mapping; frames_kind is a mapping_frames_kind. */
typedef struct srp_mapping_info {
	uint32_t address;
	uint32_t length;
	uint32_t state;
	uint32_t flags;
	uint32_t offset;
	uint32_t frames_kind;
} srp_mapping_info;

/* A PhysicalMemRegion, by value. */
typedef struct srp_region {
	uint32_t start;
	uint32_t frames;
	uint32_t free_on_drop;
} srp_region;

/* One entry visited by for_every_entry: kind is a page_state_kind. */
typedef void (*srp_entry_cb)(void *ctx, uint32_t kind, uint32_t addr, uint32_t length);

/* The message of the last port panic ("file:line: why"). */
const char *srp_panic_message(void);

/* Pure functions of libkern/mapping (no machine state, never panic). */
uint32_t srp_memory_type_get_memory_state(uint32_t ty);
uint32_t srp_memory_state_ty(uint32_t state);
uint32_t srp_memory_state_from_bits_truncate(uint32_t bits);
uint32_t srp_memory_permissions_from_bits_truncate(uint32_t bits);
uint32_t srp_mapping_access_rights_to_memory_permissions(uint32_t rights);
const char *srp_memory_type_name(uint32_t ty);
const char *srp_kernel_error_name(uint32_t kind);

/* Machine and frame allocator. */
int srp_machine_reset(void);
int srp_mark_area_free(uint32_t start, uint32_t end);
int srp_mark_area_reserved(uint32_t start, uint32_t end);
int srp_mark_frame_bootstrap_allocated(uint32_t addr);
int srp_read32(uint32_t va, uint32_t *out, int *fault);
int srp_write32(uint32_t va, uint32_t value, int *fault);
int srp_boot_directory(uint32_t *out);
int srp_read_cr3(uint32_t *out);
/* Frame allocator state (used by the mixed builds, reference/upstream/mix/):
 * frame_allocator_init_all_reserved, KernelMemory::reserve_kernel_land_frames,
 * check_is_allocated / check_is_reserved (*out 1 or 0). */
int srp_init_all_reserved(void);
int srp_reserve_kernel_land_frames(void);
int srp_check_is_allocated(uint32_t address, uint32_t length, uint32_t *out);
int srp_check_is_reserved(uint32_t address, uint32_t length, uint32_t *out);
int srp_free_count(uint32_t *out);

/* FrameAllocator / PhysicalMemRegion. */
int srp_allocate_region(uint32_t length, srp_err *err, srp_region *out);
int srp_allocate_frames_fragmented(uint32_t length, srp_err *err, srp_region **out, uint32_t *n);
void srp_free_buffer(void *p);
int srp_on_fixed_mmio(uint32_t address, uint32_t length, srp_err *err, srp_region *out);
/* PhysicalMemRegion::new_unchecked (mode 0), ::reconstruct (1),
 * ::reconstruct_no_dealloc (2); their assertions panic. */
int srp_region_make(uint32_t address, uint32_t length, uint32_t mode, srp_region *out);
int srp_region_drop(srp_region r);

/* Arc<SpinRwLock<Vec<PhysicalMemRegion>>> */
int srp_shared_new(const srp_region *regions, uint32_t n, void **out);
int srp_shared_clone(void *s);
int srp_shared_drop(void *s);
/* The regions of a shared_frames (up to cap into buf; *n their number). */
int srp_shared_regions(void *s, srp_region *buf, uint32_t cap, uint32_t *n);
int srp_shared_frame_count(void *s, uint32_t *out);

/* ProcessMemory */
int srp_process_new(void **out);
int srp_process_drop(void *pm);
int srp_create_regular_mapping(void *pm, uint32_t address, uint32_t length, uint32_t ty, uint32_t flags, srp_err *err);
int srp_map_phys_region_to(void *pm, srp_region phys, uint32_t address, uint32_t ty, uint32_t flags, srp_err *err);
int srp_map_partial_shared_mapping(void *pm, void *shared, uint32_t address, uint32_t phys_offset, uint32_t length,
                                   uint32_t ty, uint32_t flags, srp_err *err);
int srp_guard(void *pm, uint32_t address, uint32_t length, uint32_t ty, srp_err *err);
int srp_unmap(void *pm, uint32_t address, uint32_t length, srp_err *err, void **out);
int srp_query_memory(void *pm, uint32_t address, srp_mapping_info *info, const void **used);
int srp_occupied_mapping_at(void *pm, uint32_t address, srp_err *err, srp_mapping_info *info, const void **out);
int srp_expand_mapping(void *pm, uint32_t address, uint32_t new_size, srp_err *err);
int srp_find_available_space(void *pm, uint32_t length, srp_err *err, uint32_t *out);
int srp_mirror_mapping(void *pm, uint32_t address, uint32_t length, srp_err *err, void **out, uint32_t *addr,
                       uint32_t *len);
int srp_resize_heap(void *pm, uint32_t new_size, srp_err *err, uint32_t *out);
int srp_switch_to(void *pm);
int srp_check_range(void *pm, uint32_t addr, uint32_t size, uint32_t state_mask, uint32_t state_expected,
                    uint32_t perms_mask, uint32_t perms_expected, uint32_t attrs_mask, uint32_t attrs_expected,
                    uint32_t attrs_ignore_mask, srp_err *err, uint32_t out[3]);
int srp_for_every_entry(void *pm, uint32_t address, uint32_t length, srp_entry_cb cb, void *ctx);

/* Mapping (a stored one or an owned one) and CrossProcessMapping. */
int srp_mapping_info_of(const void *m, srp_mapping_info *info);
int srp_mapping_frames(const void *m, uint32_t *buf, uint32_t cap, uint32_t *n);
/* Moves an owned mapping's regions out to the caller (a malloc'd array of *n
 * regions, freed with srp_free_buffer; NULL and 0 for other mappings): the
 * mapping keeps none, so dropping it frees no frame. */
int srp_mapping_take_owned(void *m, srp_region **out, uint32_t *n);
/* The physical address of the process's page directory. */
int srp_process_directory(void *pm, uint32_t *out);
int srp_mapping_shared_clone(const void *m, void **out);
int srp_mapping_drop(void *m);
int srp_mirror_drop(void *c);

/* ---- the lower modules one by one (the mixed builds' middle rungs) ----
 * A hierarchy `h` is an inactive_hierarchy box from srp_hier_new, or NULL
 * for the active hierarchy; `bk` a userspace_bookkeeping box; `m` a mapping
 * box. Ownership as in the port's headers. */
typedef void (*srp_frame_cb)(void *ctx, uint32_t paddr);
int srp_hier_new(int from_currently_active, void **out);
int srp_hier_drop(void *h, int forget); /* forget: free the box only */
int srp_hier_switch_to(void *h);
int srp_hier_copy_active_kernel_space(void *h);
int srp_hier_is_currently_active(void *h, uint32_t *out);
int srp_hier_directory(void *h, uint32_t *out);
/* srp_th_*: C's TableHierarchy walks (not in a build defining
 * SRP_RUST_HIERARCHY, whose walks are upstream's Rust). */
int srp_th_map_frames(void *h, const uint32_t *frames, uint32_t n, uint32_t address, uint32_t flags);
int srp_th_guard(void *h, uint32_t address, uint32_t length);
int srp_th_unmap(void *h, uint32_t address, uint32_t length, srp_frame_cb cb, void *ctx);
int srp_th_for_every_entry(void *h, uint32_t address, uint32_t length, srp_entry_cb cb, void *ctx);
int srp_th_find_available_virtual_space_aligned(void *h, uint32_t length, uint32_t start, uint32_t end,
                                                uint32_t alignment, uint32_t *found, uint32_t *out);
/* The i386 entries and tables alone (rung 2: upstream's Rust walks them).
 * An entry `e` is a pointer to one i386_entry, a u32 inside a table (the
 * layout both languages see). A table is a srp_table: the C port's
 * hier_table (a mapped table: its operations, its entries, its kernel
 * address) copied field by field, so that its layout is the shim's, not the
 * port's. A table out of srp_table_top, srp_table_get_child (kind
 * PAGE_STATE_PRESENT) or srp_table_create_child must go to srp_table_drop
 * once (an inactive table's window is then unmapped: the table's own drop,
 * not hier_table_drop). `kind` is a
 * page_state_kind: 0 available, 1 guarded, 2 present (then `addr`). */
typedef struct srp_table {
	const void *ops;
	uint32_t *entries;
	uint32_t va;
} srp_table;
int srp_entry_flags_from_rights(uint32_t rights, uint32_t *out);
int srp_entry_is_unused(const uint32_t *e, uint32_t *out);
int srp_entry_flags(const uint32_t *e, uint32_t *out);
int srp_entry_pointed_frame(const uint32_t *e, uint32_t *kind, uint32_t *addr);
int srp_entry_set_unused(uint32_t *e, uint32_t *kind, uint32_t *addr);
int srp_entry_set(uint32_t *e, uint32_t frame, uint32_t flags);
int srp_entry_set_guard(uint32_t *e);
int srp_table_top(void *h, srp_table *out);
int srp_table_level(const srp_table *t, uint32_t *level, uint32_t *tlb_flush);
int srp_table_get_child(const srp_table *t, uint32_t index, srp_table *child, uint32_t *kind);
int srp_table_create_child(const srp_table *t, uint32_t index, srp_table *child);
int srp_table_drop(const srp_table *t);
int srp_bk_new(void **out);
int srp_bk_drop(void *bk);
int srp_bk_mapping_at(void *bk, uint32_t address, srp_mapping_info *info, const void **used);
int srp_bk_occupied_mapping_at(void *bk, uint32_t address, srp_err *err, const void **out);
int srp_bk_is_vacant(void *bk, uint32_t address, uint32_t length, srp_err *err, uint32_t *out);
int srp_bk_check_vacant(void *bk, uint32_t address, uint32_t length, srp_err *err);
int srp_bk_add_mapping(void *bk, void *m, srp_err *err); /* consumes m */
int srp_bk_remove_mapping(void *bk, uint32_t address, uint32_t length, srp_err *err, void **out);
int srp_bk_find_available_space(void *bk, uint32_t length, srp_err *err, uint32_t *out);
/* Mapping::new; kind a mapping_frames_kind; owned regions are moved in, a
 * shared reference is consumed (also on error, dropped as the port does). */
int srp_mapping_new(uint32_t address, uint32_t kind, const srp_region *regions, uint32_t n, void *shared,
                    uint32_t offset, uint32_t length, uint32_t ty, uint32_t flags, srp_err *err, void **out);
/* Appends regions (moved in) to a shared_frames' vector: `frames.write().append(..)`. */
int srp_shared_append(void *s, const srp_region *regions, uint32_t n);
/* CrossProcessMapping::mirror_mapping of a mapping. */
int srp_mirror_of_mapping(const void *m, uint32_t offset, uint32_t length, srp_err *err, void **out, uint32_t *addr,
                          uint32_t *len);

#endif
