/* sunrise_mm/hierarchical_table.h -- upstream
 * kernel/src/paging/hierarchical_table.rs.
 *
 *   page_state / page_state_kind          PageState<PhysicalAddress> (Available, Guarded, Present)
 *   hier_table, table_ops                 the HierarchicalTable trait, SmartHierarchicalTable
 *   table_hierarchy                       the TableHierarchy trait
 *   hier_table_drop                       <SmartHierarchicalTable as Drop>::drop
 *   hier_table_entry_vm_size              HierarchicalTable::entry_vm_size
 *   hier_table_zero                       HierarchicalTable::zero
 *   hier_table_guard_all_entries          HierarchicalTable::guard_all_entries
 *   hier_table_map_nth_entry              HierarchicalTable::map_nth_entry
 *   hier_table_guard_nth_entry            HierarchicalTable::guard_nth_entry
 *   hier_table_unmap_nth_entry            HierarchicalTable::unmap_nth_entry
 *   hier_table_get_child_table_or_create  HierarchicalTable::get_child_table_or_create
 *   table_hierarchy_map_to_from_iterator  TableHierarchy::map_to_from_iterator
 *   table_hierarchy_guard                 TableHierarchy::guard
 *   table_hierarchy_unmap                 TableHierarchy::unmap (callback per freed frame)
 *   table_hierarchy_for_every_entry       TableHierarchy::for_every_entry
 *   table_hierarchy_find_available_virtual_space_aligned
 *                                         TableHierarchy::find_available_virtual_space_aligned
 *                                         (false for None)
 */
/* The HierarchicalTable trait becomes `hier_table` (a mapped table: its
 * entries, its level, and what its get/create/drop do); the TableHierarchy
 * trait becomes `table_hierarchy`, whose only arch-specific piece is how the
 * top-level table is reached. A hier_table obtained from a get/create must
 * be released with hier_table_drop, as SmartHierarchicalTable is dropped. */
#ifndef SR_HIERARCHICAL_TABLE_H
#define SR_HIERARCHICAL_TABLE_H

#include "arch/i386/entry.h"
#include "mapping.h" /* frame_iter */

typedef struct hier_table hier_table;

typedef struct table_ops {
	uint32_t level;  /* HierarchicalTable::table_level */
	bool tlb_flush;  /* CacheFlusherType: TlbFlush (true) or NoFlush */
	/* HierarchicalTable::get_child_table: fills *child when Present. */
	page_state_kind (*get_child_table)(hier_table *self, uint32_t index, hier_table *child);
	/* HierarchicalTable::create_child_table */
	void (*create_child_table)(hier_table *self, uint32_t index, hier_table *child);
	/* Drop of the SmartHierarchicalTable (NULL: nothing to do). */
	void (*drop)(hier_table *self);
} table_ops;

/* SmartHierarchicalTable<T>: a table mapped at kernel address `va`. */
struct hier_table {
	const table_ops *ops;
	i386_entry *entries;
	vaddr_t va;
};

/* TableHierarchy */
typedef struct table_hierarchy {
	/* TableHierarchy::get_top_level_table */
	void (*get_top_level_table)(struct table_hierarchy *self, hier_table *out);
} table_hierarchy;

/* Drop for SmartHierarchicalTable: releases a table obtained from a
 * hierarchy (an inactive hierarchy's table is unmapped from KernelLand).
 * *t must not be used again. */
void hier_table_drop(hier_table *t);
/* HierarchicalTable::entry_vm_size: the bytes one entry spans,
 * ENTRY_COUNT^level * PAGE_SIZE (4 KiB for a page table, 4 MiB for a
 * directory). Pure. */
uint32_t hier_table_entry_vm_size(const hier_table *t);
/* HierarchicalTable::zero, guard_all_entries: every entry unused, or every
 * entry a guard; then the TLB is flushed when the table is active. Frames
 * the entries pointed to are not freed. */
void hier_table_zero(hier_table *t);
void hier_table_guard_all_entries(hier_table *t);
/* HierarchicalTable::map_nth_entry, guard_nth_entry, unmap_nth_entry: sets
 * entry `entry` (below ENTRY_COUNT) to `paddr` with `flags`, to a guard,
 * or to unused, then flushes as zero does. Nothing is checked: the entry's
 * previous content (and any frame it held) is overwritten. */
void hier_table_map_nth_entry(hier_table *t, uint32_t entry, paddr_t paddr, i386_entry_flags flags);
void hier_table_guard_nth_entry(hier_table *t, uint32_t entry);
void hier_table_unmap_nth_entry(hier_table *t, uint32_t entry);
/* HierarchicalTable::get_child_table_or_create: the child table of entry
 * `index` in *child (PAGE_STATE_PRESENT), allocating and zeroing a frame
 * for it when the entry is unused; PAGE_STATE_GUARDED (nothing in *child)
 * when the entry is a guard. Ownership: a present *child must go to
 * hier_table_drop. Panics: on a leaf table (level 0), or when no frame is
 * left for a new table. */
page_state_kind hier_table_get_child_table_or_create(hier_table *t, uint32_t index, hier_table *child);

typedef void (*unmap_callback)(void *ctx, paddr_t paddr);
typedef void (*entry_callback)(void *ctx, page_state state, uint32_t length);

/* TableHierarchy::map_to_from_iterator: maps the frames the iterator
 * yields, one page each, from `start_address` on, with entry flags derived
 * from `flags` (no R/W/X: a guard); creates page tables as needed. The
 * frames stay owned by the caller. Panics: when `start_address` is
 * unaligned, when an entry on the way is not available (already present or
 * guarded: upstream maps only over vacant space), or when no frame is left
 * for a page table. */
void table_hierarchy_map_to_from_iterator(table_hierarchy *h, frame_iter *frames_iterator,
                                          vaddr_t start_address, mapping_access_rights flags);
/* TableHierarchy::guard: guard entries over [address, address + length);
 * a whole directory entry is guarded at once (a HUGE guard) when the span
 * covers it. Panics: when `address` or `length` is unaligned, or an entry
 * is present or already guarded. */
void table_hierarchy_guard(table_hierarchy *h, vaddr_t address, uint32_t length);
/* TableHierarchy::unmap: clears the entries of [address, address +
 * length), calling cb(ctx, frame) for every present page (the callback
 * decides whether the frame is freed); a HUGE guard partly unmapped is
 * split into a page table of guards. Empty page tables are not freed, as
 * upstream. Panics: when `address` or `length` is unaligned, or an entry
 * in the span is unused. */
void table_hierarchy_unmap(table_hierarchy *h, vaddr_t address, uint32_t length, unmap_callback cb, void *ctx);
/* TableHierarchy::for_every_entry: calls cb(ctx, state, span) for each
 * entry over [address, address + length), in order: a present page, a
 * guard or an unused entry (for a whole 4 MiB directory entry when it is
 * not a table). Changes nothing. Panics: when `address` or `length` is
 * unaligned. */
void table_hierarchy_for_every_entry(table_hierarchy *h, vaddr_t address, uint32_t length, entry_callback cb, void *ctx);
/* TableHierarchy::find_available_virtual_space_aligned: the lowest
 * `alignment`-aligned address in [start_addr, end_addr] where `length`
 * bytes of entries are unused, in *out; false (upstream's None) when there
 * is none. Panics: when an argument is unaligned, start_addr > end_addr,
 * or `length` is 0. */
bool table_hierarchy_find_available_virtual_space_aligned(table_hierarchy *h, uint32_t length, vaddr_t start_addr,
                                                          vaddr_t end_addr, uint32_t alignment, vaddr_t *out);

#endif
