/* sunrise_mm/arch/i386/table.h -- upstream
 * kernel/src/paging/arch/i386/table.rs.
 *
 *   active_hierarchy, ACTIVE_HIERARCHY        ActiveHierarchy
 *   inactive_hierarchy                        InactiveHierarchy
 *   inactive_hierarchy_new                    InactiveHierarchyTrait::new
 *   inactive_hierarchy_switch_to              InactiveHierarchyTrait::switch_to
 *   inactive_hierarchy_copy_active_kernel_space  InactiveHierarchyTrait::copy_active_kernel_space
 *   inactive_hierarchy_is_currently_active    InactiveHierarchyTrait::is_currently_active
 *   inactive_hierarchy_from_currently_active  InactiveHierarchyTrait::from_currently_active
 *   inactive_hierarchy_drop                   <InactiveHierarchy as Drop>::drop
 */
#ifndef SUNRISE_MM_I386_TABLE_H
#define SUNRISE_MM_I386_TABLE_H

#include "../../../../kernel/arch/i386/table.h"

#endif
