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
/* hierarchical_table.h -- arch-independent walks over a hierarchy of page
 * tables, counterpart of upstream kernel/src/paging/hierarchical_table.rs.
 *
 * The HierarchicalTable trait becomes `hier_table` (a mapped table: its
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

/* Releases a table obtained from a hierarchy (SmartHierarchicalTable drop). */
void hier_table_drop(hier_table *t);
/* HierarchicalTable::entry_vm_size */
uint32_t hier_table_entry_vm_size(const hier_table *t);
/* HierarchicalTable::zero */
void hier_table_zero(hier_table *t);
/* HierarchicalTable::guard_all_entries */
void hier_table_guard_all_entries(hier_table *t);
/* HierarchicalTable::map_nth_entry */
void hier_table_map_nth_entry(hier_table *t, uint32_t entry, paddr_t paddr, i386_entry_flags flags);
/* HierarchicalTable::guard_nth_entry */
void hier_table_guard_nth_entry(hier_table *t, uint32_t entry);
/* HierarchicalTable::unmap_nth_entry */
void hier_table_unmap_nth_entry(hier_table *t, uint32_t entry);
/* HierarchicalTable::get_child_table_or_create */
page_state_kind hier_table_get_child_table_or_create(hier_table *t, uint32_t index, hier_table *child);

typedef void (*unmap_callback)(void *ctx, paddr_t paddr);
typedef void (*entry_callback)(void *ctx, page_state state, uint32_t length);

/* TableHierarchy::map_to_from_iterator */
void table_hierarchy_map_to_from_iterator(table_hierarchy *h, frame_iter *frames_iterator,
                                          vaddr_t start_address, mapping_access_rights flags);
/* TableHierarchy::guard */
void table_hierarchy_guard(table_hierarchy *h, vaddr_t address, uint32_t length);
/* TableHierarchy::unmap */
void table_hierarchy_unmap(table_hierarchy *h, vaddr_t address, uint32_t length, unmap_callback cb, void *ctx);
/* TableHierarchy::for_every_entry */
void table_hierarchy_for_every_entry(table_hierarchy *h, vaddr_t address, uint32_t length, entry_callback cb, void *ctx);
/* TableHierarchy::find_available_virtual_space_aligned: false for None. */
bool table_hierarchy_find_available_virtual_space_aligned(table_hierarchy *h, uint32_t length, vaddr_t start_addr,
                                                          vaddr_t end_addr, uint32_t alignment, vaddr_t *out);

#endif
