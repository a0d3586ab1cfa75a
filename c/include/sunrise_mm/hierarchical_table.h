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
#ifndef SUNRISE_MM_HIERARCHICAL_TABLE_H
#define SUNRISE_MM_HIERARCHICAL_TABLE_H

#include "../../kernel/hierarchical_table.h"

#endif
