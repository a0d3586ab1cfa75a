/* sunrise_mm/mapping.h -- upstream kernel/src/paging/mapping.rs, and
 * MappingAccessRights of paging/mod.rs.
 *
 *   (mapping_access_rights, MappingAccessRights, is in paging.h)
 *   mapping_access_rights_to_memory_permissions  From<MappingAccessRights> for MemoryPermissions
 *   shared_frames                           Arc<SpinRwLock<Vec<PhysicalMemRegion>>>
 *   shared_frames_new / _clone / _drop      Arc::new / Arc::clone / <Arc as Drop>::drop
 *   mapping_frames                          MappingFrames (None, Owned, Shared)
 *   mapping_frames_none / _owned / _shared  the MappingFrames variants
 *   mapping_frames_drop                     <MappingFrames as Drop>::drop
 *   mapping                                 Mapping
 *   mapping_new                             Mapping::new
 *   mapping_drop                            <Mapping as Drop>::drop
 *   mapping_address                         Mapping::address
 *   mapping_length                          Mapping::length
 *   mapping_frames_of                       Mapping::frames
 *   mapping_phys_offset                     Mapping::phys_offset
 *   mapping_state                           Mapping::state
 *   mapping_flags                           Mapping::flags
 *   mapping_frames_it                       Mapping::frames_it
 *   frame_iter, frame_iter_region,          the frame iterators: PhysicalMemRegion::into_iter,
 *   frame_iter_vec                          Vec::iter().flatten()
 *   frame_iter_next / _peek / _count        Iterator::next, Peekable::peek, Iterator::count
 */
#ifndef SR_MAPPING_H
#define SR_MAPPING_H

#include "paging.h"
#include "physical_mem_region.h"

/* From<MappingAccessRights> for MemoryPermissions (paging/mod.rs). The
 * user-visible permissions: none unless USER_ACCESSIBLE, then R, W and X as
 * given. Pure; never fails. */
memory_permissions mapping_access_rights_to_memory_permissions(mapping_access_rights r);

/* Arc<SpinRwLock<Vec<PhysicalMemRegion>>>: frames shared by several holders.
 * The regions are dropped when the last reference goes. */
typedef struct shared_frames {
	uint32_t refcount;
	region_vec regions;
} shared_frames;

/* Arc::new. A shared-frames object holding `regions`, with one reference.
 * Ownership: takes `regions`; the caller owns the reference (release it
 * with shared_frames_drop). Panics: when the kernel heap is exhausted. */
shared_frames *shared_frames_new(region_vec regions);
/* Arc::clone. Adds a reference and returns `s`. Never fails. */
shared_frames *shared_frames_clone(shared_frames *s);
/* Drop for Arc. Releases one reference; the last one frees the regions
 * (their frames go back to the allocator) and the object. */
void shared_frames_drop(shared_frames *s);

typedef enum mapping_frames_kind {
	MAPPING_FRAMES_NONE,
	MAPPING_FRAMES_OWNED,
	MAPPING_FRAMES_SHARED,
} mapping_frames_kind;

/* MappingFrames */
typedef struct mapping_frames {
	mapping_frames_kind kind;
	region_vec owned;       /* MAPPING_FRAMES_OWNED */
	shared_frames *shared;  /* MAPPING_FRAMES_SHARED */
} mapping_frames;

/* The MappingFrames variants None, Owned(v) (takes `v`) and Shared(s)
 * (takes one reference of `s`). Never fail. */
static inline mapping_frames mapping_frames_none(void) { mapping_frames f = { MAPPING_FRAMES_NONE, { 0, 0, 0 }, 0 }; return f; }
static inline mapping_frames mapping_frames_owned(region_vec v) { mapping_frames f = { MAPPING_FRAMES_OWNED, v, 0 }; return f; }
static inline mapping_frames mapping_frames_shared(shared_frames *s) { mapping_frames f = { MAPPING_FRAMES_SHARED, { 0, 0, 0 }, s }; return f; }
/* Drop for MappingFrames. Frees owned regions, releases a shared
 * reference; *f becomes None (dropping it again does nothing). */
void mapping_frames_drop(mapping_frames *f);

/* Mapping: page-aligned address, length and offset, length never zero,
 * address + length - 1 never overflows, enough frames for the span. */
typedef struct mapping {
	vaddr_t address;
	uint32_t length;
	memory_state state;
	mapping_frames frames;
	uint32_t offset;
	mapping_access_rights flags;
} mapping;

/* Mapping::new. Checks and builds a mapping in *out; nothing is mapped in
 * the page tables. Ownership: `frames` is consumed on every path (dropped
 * on error, held by *out on success; mapping_drop releases it).
 * Errors: InvalidAddress { address }, InvalidAddress { offset } or
 * InvalidAddress { length } when one of them is not page aligned;
 * InvalidSize { 0 } for a zero length; InvalidAddress { offset } when it
 * lies past the frames; InvalidSize { length } when the frames past
 * `offset` are too short; InvalidAddress { address } when address + length
 * overflows; WrongMappingFramesForTy { ty } when `ty` does not take that
 * kind of frames (None: Unmapped, Reserved, KernelStack; Shared: the
 * reference-counted types; Owned: the others). Panics: on overflow of the
 * frames' byte count. */
kernel_error mapping_new(vaddr_t address, mapping_frames frames, uint32_t offset, uint32_t length,
                         memory_type ty, mapping_access_rights flags, mapping *out);
/* Drop for Mapping: drops its frames (mapping_frames_drop). The page
 * tables are not touched: unmapping is the caller's business. */
void mapping_drop(mapping *m);

/* Mapping::address, length, frames, phys_offset, state and flags: plain
 * reads of *m. */
static inline vaddr_t mapping_address(const mapping *m) { return m->address; }
static inline uint32_t mapping_length(const mapping *m) { return m->length; }
static inline const mapping_frames *mapping_frames_of(const mapping *m) { return &m->frames; }
static inline uint32_t mapping_phys_offset(const mapping *m) { return m->offset; }
static inline memory_state mapping_state(const mapping *m) { return m->state; }
static inline mapping_access_rights mapping_flags(const mapping *m) { return m->flags; }

/* An iterator over physical frame addresses: the frames of a list of
 * regions, after skipping `skip` of them, at most `take` of them. It stands
 * for PhysicalMemRegion::into_iter, Vec::iter().flatten() and
 * Mapping::frames_it(). */
typedef struct frame_iter {
	const physical_mem_region *regions;
	uint32_t nregions;
	uint32_t curframe; /* next region to open */
	uint32_t cur, end; /* remaining span of the open region */
	uint32_t skip;
	uint32_t take;
	bool peeked;       /* Peekable */
	bool peek_some;
	paddr_t peek_value;
} frame_iter;

/* PhysicalMemRegion::into_iter: the frames of *r, lowest first. Borrows
 * *r, which must outlive the iterator. */
frame_iter frame_iter_region(const physical_mem_region *r);
/* Vec::iter().flatten(): the frames of every region of *v, in order.
 * Borrows *v, which must not change while the iterator is used. */
frame_iter frame_iter_vec(const region_vec *v);
/* Mapping::frames_it: the frames the mapping maps, i.e. its frames after
 * skipping offset / PAGE_SIZE of them, length / PAGE_SIZE at most; none
 * for a frameless mapping. Borrows *m (and its shared frames). */
frame_iter mapping_frames_it(const mapping *m);
/* Iterator::next: the next frame in *out; false when exhausted (and from
 * then on). Panics: when a region's end overflows. */
bool frame_iter_next(frame_iter *it, paddr_t *out);
/* Peekable::peek: the frame next() will return, without consuming it;
 * false when exhausted. */
bool frame_iter_peek(frame_iter *it, paddr_t *out);
/* Iterator::count, on a copy: how many frames remain; `it` is unchanged
 * for the caller. */
uint32_t frame_iter_count(frame_iter it);

#endif
