/* sunrise_mm/arch/i386/entry.h -- upstream
 * kernel/src/paging/arch/i386/entry.rs.
 *
 *   i386_entry, i386_entry_flags, I386_ENTRY_*  I386Entry, I386EntryFlags
 *   i386_entry_flags_from_rights    From<MappingAccessRights> for I386EntryFlags
 *   i386_entry_is_unused            HierarchicalEntry::is_unused
 *   i386_entry_flags_of             HierarchicalEntry::flags
 *   i386_entry_is_guard             HierarchicalEntry::is_guard
 *   i386_entry_pointed_frame        HierarchicalEntry::pointed_frame
 *   i386_entry_set_unused           HierarchicalEntry::set_unused
 *   i386_entry_set                  HierarchicalEntry::set
 *   i386_entry_set_guard            HierarchicalEntry::set_guard
 */
#ifndef SUNRISE_MM_I386_ENTRY_H
#define SUNRISE_MM_I386_ENTRY_H

#include "../../../../kernel/arch/i386/entry.h"

#endif
