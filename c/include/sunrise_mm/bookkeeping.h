/* sunrise_mm/bookkeeping.h -- upstream kernel/src/paging/bookkeeping.rs.
 *
 *   userspace_bookkeeping                       UserspaceBookkeeping (the BTreeMap is a B+-tree)
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
 *   (::remove_mapping_split is unimplemented! upstream and unused: no counterpart)
 *   userspace_bookkeeping_find_available_space  ::find_available_space
 *   userspace_bookkeeping_first / _next         BTreeMap::values() (in-order walk)
 */
/* The BTreeMap<VirtualAddress, Mapping> is a B+-tree keyed by mapping
 * address: wide nodes hold their keys in arrays, so a lookup touches a few
 * contiguous nodes; lookup, insertion and removal are O(log n). Each slot of
 * a node also keeps the largest hole of its subtree (for a leaf slot, the
 * hole just before its mapping), for find_available_space. Every mapping
 * lives in its own heap block (a bk_entry), which keeps a mapping's address
 * stable while it is stored, and the entries form a list in address order,
 * for the in-order walk. The bookkeeping owns its mappings (and through them
 * their frames). */
#ifndef SR_BOOKKEEPING_H
#define SR_BOOKKEEPING_H

#include "mapping.h"

typedef struct bk_entry {
	struct bk_entry *prev, *next; /* in address order */
	mapping m;
} bk_entry;

/* Slots of a node: at most BK_CAP - 1 between operations (BK_CAP for an
 * instant, before a split); a node other than the root holds at least
 * BK_MIN. */
#define BK_CAP 32
#define BK_MIN 15

/* A node of the B+-tree. In a leaf, slot i is a stored mapping: key[i] is
 * its address, gap[i] the hole before it (from the end of the previous
 * mapping, or from UserLand's start for the first), ptr[i] its bk_entry. In
 * an inner node, slot i is a child: key[i] is the lowest address in the
 * child's subtree, gap[i] its largest hole, ptr[i] the child. Slots are in
 * ascending key order. */
typedef struct bk_node {
	uint32_t n;
	uint32_t leaf;
	uint32_t key[BK_CAP];
	uint32_t gap[BK_CAP];
	void *ptr[BK_CAP];
} bk_node;

typedef struct userspace_bookkeeping {
	bk_node *root;  /* NULL when empty */
	bk_entry *first; /* lowest address */
	uint32_t height; /* levels of the tree (1: the root is a leaf) */
} userspace_bookkeeping;

/* QueryMemory: either an Available mapping made up for a hole, or a
 * reference to a stored mapping. */
typedef struct query_memory {
	bool used;
	const mapping *used_mapping; /* QueryMemory::Used */
	mapping available;           /* QueryMemory::Available */
} query_memory;

/* QueryMemory::mapping: the stored mapping (borrowed from the bookkeeping)
 * or the made-up Unmapped one (inside *q). Valid while both live. */
static inline const mapping *query_memory_mapping(const query_memory *q)
{
	return q->used ? q->used_mapping : &q->available;
}

/* UserspaceBookkeeping::new. Initialises *bk with two Reserved frameless
 * mappings over KernelLand and RecursiveTablesLand. Ownership: *bk must go
 * to userspace_bookkeeping_drop. Panics: when the kernel heap is
 * exhausted. */
void userspace_bookkeeping_new(userspace_bookkeeping *bk);
/* Drop for UserspaceBookkeeping: drops every mapping, in ascending address
 * order, with its frames; the page tables are not touched. *bk is empty
 * afterwards. */
void userspace_bookkeeping_drop(userspace_bookkeeping *bk);
/* UserspaceBookkeeping::mapping_at_or_following: the mapping starting at or
 * after `address` with the lowest address; NULL when none. Borrowed. */
const mapping *userspace_bookkeeping_mapping_at_or_following(const userspace_bookkeeping *bk, vaddr_t address);
/* UserspaceBookkeeping::mapping_at_or_preceding: the mapping starting at or
 * before `address` with the highest address; NULL when none. Borrowed. */
const mapping *userspace_bookkeeping_mapping_at_or_preceding(const userspace_bookkeeping *bk, vaddr_t address);
/* UserspaceBookkeeping::mapping_at: Used(the mapping containing `address`)
 * or Available(an Unmapped frameless mapping over the whole hole around
 * it). Never fails. Panics: only on an internal inconsistency (upstream's
 * "Failed creating an available mapping" expect). */
query_memory userspace_bookkeeping_mapping_at(const userspace_bookkeeping *bk, vaddr_t address);
/* UserspaceBookkeeping::occupied_mapping_at: the mapping containing
 * `address` in *out (borrowed). Errors: InvalidAddress { address } when
 * `address` falls in a hole. */
kernel_error userspace_bookkeeping_occupied_mapping_at(const userspace_bookkeeping *bk, vaddr_t address, const mapping **out);
/* UserspaceBookkeeping::is_vacant: *out is true when no mapping *starts*
 * in [address, address + length - 1] (a mapping starting before and
 * reaching into the range is not seen, as upstream). Errors: InvalidSize
 * { 0 } for a zero length; InvalidAddress { address } when the range's end
 * overflows. */
kernel_error userspace_bookkeeping_is_vacant(const userspace_bookkeeping *bk, vaddr_t address, uint32_t length, bool *out);
/* UserspaceBookkeeping::check_vacant: is_vacant as an error. Errors: those
 * of is_vacant, and InvalidAddress { address } when not vacant. */
kernel_error userspace_bookkeeping_check_vacant(const userspace_bookkeeping *bk, vaddr_t address, uint32_t length);
/* UserspaceBookkeeping::add_mapping: stores `m`. Ownership: `m` is
 * consumed on every path (dropped, with its frames, on error). Errors:
 * those of check_vacant over m's range. Panics: when the kernel heap is
 * exhausted. */
kernel_error userspace_bookkeeping_add_mapping(userspace_bookkeeping *bk, mapping m);
/* UserspaceBookkeeping::remove_mapping: takes out the mapping starting at
 * `address`, which must be exactly `length` long. Ownership: on success the
 * mapping moves to *out (the caller drops it). Errors: InvalidAddress
 * { address } when no mapping starts there; InvalidSize { length } when its
 * length differs. */
kernel_error userspace_bookkeeping_remove_mapping(userspace_bookkeeping *bk, vaddr_t address, uint32_t length, mapping *out);
/* UserspaceBookkeeping::find_available_space: the start of the first hole
 * (in address order, from UserLand's start) at least `length` long, in
 * *out; the same answer as upstream's linear walk, in O(log n). Errors:
 * InvalidSize { 0 } for a zero length; VirtualMemoryExhaustion when no hole
 * is long enough. */
kernel_error userspace_bookkeeping_find_available_space(const userspace_bookkeeping *bk, uint32_t length, vaddr_t *out);

/* BTreeMap::values(): the mapping with the lowest address, then the one
 * after `m` (a mapping of this bookkeeping); NULL past the last. Borrowed:
 * valid until the bookkeeping changes. For observers and checkers. */
const mapping *userspace_bookkeeping_first(const userspace_bookkeeping *bk);
const mapping *userspace_bookkeeping_next(const userspace_bookkeeping *bk, const mapping *m);

#endif
