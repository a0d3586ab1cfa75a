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
/* table.h -- the i386 page table hierarchies, counterpart of upstream
 * kernel/src/paging/arch/i386/table.rs.
 *
 * ActiveHierarchy reaches the active tables through the recursive mapping;
 * InactiveHierarchy maps its tables temporarily in KernelLand. */
#ifndef SR_I386_TABLE_H
#define SR_I386_TABLE_H

#include "hierarchical_table.h"

/* ActiveHierarchy (a unit struct upstream). */
typedef struct active_hierarchy {
	table_hierarchy base;
} active_hierarchy;

/* InactiveHierarchy */
typedef struct inactive_hierarchy {
	table_hierarchy base;
	paddr_t directory_physical_address;
} inactive_hierarchy;

/* The one ActiveHierarchy value. */
extern active_hierarchy ACTIVE_HIERARCHY;

/* InactiveHierarchyTrait::new: allocates and zeroes a directory, recursive
 * in its last entry. Panics when no frame is left. */
void inactive_hierarchy_new(inactive_hierarchy *h);
/* InactiveHierarchyTrait::switch_to */
void inactive_hierarchy_switch_to(inactive_hierarchy *h);
/* InactiveHierarchyTrait::copy_active_kernel_space */
void inactive_hierarchy_copy_active_kernel_space(inactive_hierarchy *h);
/* InactiveHierarchyTrait::is_currently_active */
bool inactive_hierarchy_is_currently_active(const inactive_hierarchy *h);
/* InactiveHierarchyTrait::from_currently_active */
void inactive_hierarchy_from_currently_active(inactive_hierarchy *h);
/* Drop for InactiveHierarchy: frees its UserLand tables and its directory. */
void inactive_hierarchy_drop(inactive_hierarchy *h);

#endif
