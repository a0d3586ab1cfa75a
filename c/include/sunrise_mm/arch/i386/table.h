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
/* ActiveHierarchy reaches the active tables through the recursive mapping;
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

/* InactiveHierarchyTrait::new: allocates a frame for a directory, zeroes
 * it and makes its last entry recursive; KernelLand is not copied yet
 * (switch_to does). Ownership: *h owns the directory frame and must go to
 * inactive_hierarchy_drop. Panics: when no frame is left (upstream's
 * unwrap) or KernelLand has no room for the temporary window. */
void inactive_hierarchy_new(inactive_hierarchy *h);
/* InactiveHierarchyTrait::switch_to: copies the active KernelLand
 * directory entries into *h, then loads *h's directory into cr3 (the whole
 * TLB is flushed). Never fails. */
void inactive_hierarchy_switch_to(inactive_hierarchy *h);
/* InactiveHierarchyTrait::copy_active_kernel_space: the directory entries
 * of KernelLand (768..1022) of the active directory, copied into *h's. The
 * recursive entry and UserLand are untouched. */
void inactive_hierarchy_copy_active_kernel_space(inactive_hierarchy *h);
/* InactiveHierarchyTrait::is_currently_active: whether cr3 holds *h's
 * directory. Pure read. */
bool inactive_hierarchy_is_currently_active(const inactive_hierarchy *h);
/* InactiveHierarchyTrait::from_currently_active: *h names the directory
 * in cr3 (boot time). Ownership: *h then claims a directory it did not
 * allocate: dropping it frees that frame, as upstream would. */
void inactive_hierarchy_from_currently_active(inactive_hierarchy *h);
/* Drop for InactiveHierarchy: frees the frames of its UserLand page tables
 * (entries 0..767) and of its directory. The frames the tables mapped are
 * not touched (their mappings own them). Panics: when *h is the active
 * hierarchy, or a frame is not allocated. */
void inactive_hierarchy_drop(inactive_hierarchy *h);

#endif
