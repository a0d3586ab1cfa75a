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
/* mapping.h -- Mapping and MappingFrames, counterpart of upstream
 * kernel/src/paging/mapping.rs, and MappingAccessRights of paging/mod.rs. */
#ifndef SR_MAPPING_H
#define SR_MAPPING_H

#include "paging.h"
#include "physical_mem_region.h"


/* From<MappingAccessRights> for MemoryPermissions */
memory_permissions mapping_access_rights_to_memory_permissions(mapping_access_rights r);

/* Arc<SpinRwLock<Vec<PhysicalMemRegion>>>: frames shared by several holders.
 * The regions are dropped when the last reference goes. */
typedef struct shared_frames {
	uint32_t refcount;
	region_vec regions;
} shared_frames;

/* Arc::new */
shared_frames *shared_frames_new(region_vec regions);
/* Arc::clone */
shared_frames *shared_frames_clone(shared_frames *s);
/* Drop for Arc */
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

static inline mapping_frames mapping_frames_none(void) { mapping_frames f = { MAPPING_FRAMES_NONE, { 0, 0, 0 }, 0 }; return f; }
static inline mapping_frames mapping_frames_owned(region_vec v) { mapping_frames f = { MAPPING_FRAMES_OWNED, v, 0 }; return f; }
static inline mapping_frames mapping_frames_shared(shared_frames *s) { mapping_frames f = { MAPPING_FRAMES_SHARED, { 0, 0, 0 }, s }; return f; }
/* Drop for MappingFrames */
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

/* Mapping::new. `frames` is consumed: dropped when an error is returned. */
kernel_error mapping_new(vaddr_t address, mapping_frames frames, uint32_t offset, uint32_t length,
                         memory_type ty, mapping_access_rights flags, mapping *out);
/* Drop for Mapping */
void mapping_drop(mapping *m);

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

/* Frames of one region. */
frame_iter frame_iter_region(const physical_mem_region *r);
/* iter().flatten() over a Vec. */
frame_iter frame_iter_vec(const region_vec *v);
/* Mapping::frames_it */
frame_iter mapping_frames_it(const mapping *m);
/* Iterator::next: false when exhausted. */
bool frame_iter_next(frame_iter *it, paddr_t *out);
/* Peekable::peek: false when exhausted. */
bool frame_iter_peek(frame_iter *it, paddr_t *out);
/* Iterator::count on a copy. */
uint32_t frame_iter_count(frame_iter it);

#endif
