/* sunrise_mm/arch/i386/entry.h -- upstream
 * kernel/src/paging/arch/i386/entry.rs.
 *
 *   i386_entry, i386_entry_flags, I386_ENTRY_*  I386Entry, I386EntryFlags
 *   i386_entry_flags_from_rights    From<MappingAccessRights> for I386EntryFlags
 *   i386_entry_is_unused            HierarchicalEntry::is_unused
 *   i386_entry_flags_of             HierarchicalEntry::flags
 *   i386_entry_pointed_frame        HierarchicalEntry::pointed_frame
 *   i386_entry_set_unused           HierarchicalEntry::set_unused
 *   i386_entry_set                  HierarchicalEntry::set
 *   i386_entry_set_guard            HierarchicalEntry::set_guard
 */
/* An entry is a u32 in a table: a frame address and flags. A guard entry
 * holds GUARD_PAGE alone, never a frame (L1TF). The functions act on one
 * entry in memory; none flushes the TLB (the tables do). */
#ifndef SR_I386_ENTRY_H
#define SR_I386_ENTRY_H

#include "mem.h"
#include "paging.h"

typedef uint32_t i386_entry;
typedef uint32_t i386_entry_flags;
#define I386_ENTRY_PRESENT         (1u << 0)
#define I386_ENTRY_WRITABLE        (1u << 1)
#define I386_ENTRY_USER_ACCESSIBLE (1u << 2)
#define I386_ENTRY_WRITE_THROUGH   (1u << 3)
#define I386_ENTRY_NO_CACHE        (1u << 4)
#define I386_ENTRY_ACCESSED        (1u << 5)
#define I386_ENTRY_DIRTY           (1u << 6)
#define I386_ENTRY_HUGE_PAGE       (1u << 7)
#define I386_ENTRY_GLOBAL          (1u << 8)
#define I386_ENTRY_GUARD_PAGE      (1u << 9)
#define I386_ENTRY_USER_DEFINED_2  (1u << 10)
#define I386_ENTRY_USER_DEFINED_3  (1u << 11)
#define I386_ENTRY_ALL_FLAGS       0xfffu
#define ENTRY_PHYS_ADDRESS_MASK    0xfffff000u

/* PageState<PhysicalAddress> */
typedef enum page_state_kind { PAGE_STATE_AVAILABLE, PAGE_STATE_GUARDED, PAGE_STATE_PRESENT } page_state_kind;
typedef struct page_state {
	page_state_kind kind;
	paddr_t addr; /* PAGE_STATE_PRESENT */
} page_state;

/* From<MappingAccessRights> for I386EntryFlags: no R, W or X gives
 * GUARD_PAGE alone; else PRESENT, plus WRITABLE and USER_ACCESSIBLE as
 * given (i386 cannot forbid execution). Pure. */
i386_entry_flags i386_entry_flags_from_rights(mapping_access_rights rights);
/* HierarchicalEntry::is_unused (the entry is 0) and ::flags (its low 12
 * bits, from_bits_truncate). Pure reads. */
static inline bool i386_entry_is_unused(const i386_entry *e) { return *e == 0; }
static inline i386_entry_flags i386_entry_flags_of(const i386_entry *e) { return *e & I386_ENTRY_ALL_FLAGS; }
/* HierarchicalEntry::pointed_frame: Present(frame) when PRESENT is set,
 * else Guarded when GUARD_PAGE is, else Available. Pure read. */
page_state i386_entry_pointed_frame(const i386_entry *e);
/* HierarchicalEntry::set_unused: clears the entry and returns what it
 * pointed to; the frame is not freed. */
page_state i386_entry_set_unused(i386_entry *e);
/* HierarchicalEntry::set: `frame` with `flags`; with GUARD_PAGE in
 * `flags`, a guard (the frame is dropped). Panics: when `flags` has both
 * PRESENT and GUARD_PAGE, or `frame` is not page aligned. */
void i386_entry_set(i386_entry *e, paddr_t frame, i386_entry_flags flags);
/* HierarchicalEntry::set_guard: the entry becomes a guard, whatever it
 * held (a frame it pointed to is not freed). */
static inline void i386_entry_set_guard(i386_entry *e) { *e = I386_ENTRY_GUARD_PAGE; }

#endif
