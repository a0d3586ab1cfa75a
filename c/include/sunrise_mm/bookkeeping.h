/* sunrise_mm/bookkeeping.h -- upstream kernel/src/paging/bookkeeping.rs.
 *
 *   userspace_bookkeeping                       UserspaceBookkeeping (the BTreeMap is an AVL tree)
 *   query_memory                                QueryMemory (Available / Used)
 *   query_memory_mapping                        QueryMemory::mapping
 *   userspace_bookkeeping_new                   UserspaceBookkeeping::new
 *   userspace_bookkeeping_drop                  <UserspaceBookkeeping as Drop>::drop
 *   userspace_bookkeeping_mapping_at_or_following  ::mapping_at_or_following
 *   userspace_bookkeeping_mapping_at_or_preceding  ::mapping_at_or_preceding
 *   userspace_bookkeeping_mapping_at            ::mapping_at
 *   userspace_bookkeeping_occupied_mapping_at   ::occupied_mapping_at
 *   userspace_bookkeeping_is_vacant             ::is_vacant
 *   userspace_bookkeeping_check_vacant          ::check_vacant
 *   userspace_bookkeeping_add_mapping           ::add_mapping
 *   userspace_bookkeeping_remove_mapping        ::remove_mapping
 *   userspace_bookkeeping_remove_mapping_split  ::remove_mapping_split (unimplemented!: panics)
 *   userspace_bookkeeping_find_available_space  ::find_available_space
 *   userspace_bookkeeping_first / _next         BTreeMap::values() (in-order walk)
 */
/* bookkeeping.h -- UserspaceBookkeeping and QueryMemory, counterpart of
 * upstream kernel/src/paging/bookkeeping.rs. The BTreeMap<VirtualAddress,
 * Mapping> is an AVL tree keyed by mapping address: O(log n) lookup,
 * insertion and removal. */
#ifndef SR_BOOKKEEPING_H
#define SR_BOOKKEEPING_H

#include "mapping.h"

typedef struct bk_node {
	struct bk_node *left, *right;
	struct bk_node *prev, *next; /* in address order */
	int height;
	uint32_t gap;     /* address - end of the previous mapping (UserLand start for the first) */
	uint32_t max_gap; /* largest gap in this subtree */
	mapping m;
} bk_node;

typedef struct userspace_bookkeeping {
	bk_node *root;
	bk_node *first; /* lowest address */
	bk_node *last;  /* highest address */
	uint32_t count;
} userspace_bookkeeping;

/* QueryMemory: either an Available mapping made up for a hole, or a
 * reference to a stored mapping. */
typedef struct query_memory {
	bool used;
	const mapping *used_mapping; /* QueryMemory::Used */
	mapping available;           /* QueryMemory::Available */
} query_memory;

/* QueryMemory::mapping */
static inline const mapping *query_memory_mapping(const query_memory *q)
{
	return q->used ? q->used_mapping : &q->available;
}

/* UserspaceBookkeeping::new: KernelLand and RecursiveTablesLand reserved. */
void userspace_bookkeeping_new(userspace_bookkeeping *bk);
/* Drop: every mapping dropped in ascending address order. */
void userspace_bookkeeping_drop(userspace_bookkeeping *bk);
/* mapping_at_or_following: NULL when no mapping starts at or after address. */
const mapping *userspace_bookkeeping_mapping_at_or_following(const userspace_bookkeeping *bk, vaddr_t address);
/* mapping_at_or_preceding: NULL when no mapping starts at or before address. */
const mapping *userspace_bookkeeping_mapping_at_or_preceding(const userspace_bookkeeping *bk, vaddr_t address);
/* mapping_at */
query_memory userspace_bookkeeping_mapping_at(const userspace_bookkeeping *bk, vaddr_t address);
/* occupied_mapping_at: InvalidAddress when address falls in a hole. */
kernel_error userspace_bookkeeping_occupied_mapping_at(const userspace_bookkeeping *bk, vaddr_t address, const mapping **out);
/* is_vacant: no mapping *starts* in [address, address + length - 1]. */
kernel_error userspace_bookkeeping_is_vacant(const userspace_bookkeeping *bk, vaddr_t address, uint32_t length, bool *out);
/* check_vacant */
kernel_error userspace_bookkeeping_check_vacant(const userspace_bookkeeping *bk, vaddr_t address, uint32_t length);
/* add_mapping: `m` is consumed (dropped when an error is returned). */
kernel_error userspace_bookkeeping_add_mapping(userspace_bookkeeping *bk, mapping m);
/* remove_mapping: the mapping starting at address, of exactly length. */
kernel_error userspace_bookkeeping_remove_mapping(userspace_bookkeeping *bk, vaddr_t address, uint32_t length, mapping *out);
/* remove_mapping_split: unimplemented upstream (panics). */
kernel_error userspace_bookkeeping_remove_mapping_split(userspace_bookkeeping *bk, vaddr_t address, uint32_t length, mapping *out);
/* find_available_space: first hole of at least length from UserLand start. */
kernel_error userspace_bookkeeping_find_available_space(const userspace_bookkeeping *bk, uint32_t length, vaddr_t *out);

/* In-order traversal (for observers and checkers). */
const mapping *userspace_bookkeeping_first(const userspace_bookkeeping *bk);
const mapping *userspace_bookkeeping_next(const userspace_bookkeeping *bk, const mapping *m);

#endif
