/* bookkeeping.c -- UserspaceBookkeeping (upstream kernel/src/paging/bookkeeping.rs). */
#include "bookkeeping.h"
#include "lands.h"

/* ---- the ordered map --------------------------------------------------- */

static int height(const bk_node *n) { return n ? n->height : 0; }

static uint32_t max_gap(const bk_node *n) { return n ? n->max_gap : 0; }

static void update(bk_node *n)
{
	int l = height(n->left), r = height(n->right);
	n->height = (l > r ? l : r) + 1;
	uint32_t g = n->gap, gl = max_gap(n->left), gr = max_gap(n->right);
	n->max_gap = g > gl ? (g > gr ? g : gr) : (gl > gr ? gl : gr);
}

static bk_node *rotate_right(bk_node *n)
{
	bk_node *l = n->left;
	n->left = l->right;
	l->right = n;
	update(n);
	update(l);
	return l;
}

static bk_node *rotate_left(bk_node *n)
{
	bk_node *r = n->right;
	n->right = r->left;
	r->left = n;
	update(n);
	update(r);
	return r;
}

/* Restores the AVL balance of n after one insertion or removal below it. */
static bk_node *rebalance(bk_node *n)
{
	update(n);
	int bal = height(n->left) - height(n->right);
	if (bal > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bal < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

/* Inserts node (its key is not present). */
static bk_node *tree_insert(bk_node *root, bk_node *node)
{
	if (!root)
		return node;
	if (node->m.address < root->m.address)
		root->left = tree_insert(root->left, node);
	else
		root->right = tree_insert(root->right, node);
	return rebalance(root);
}

/* Detaches the minimum of the subtree into *min. */
static bk_node *tree_remove_min(bk_node *root, bk_node **min)
{
	if (!root->left) {
		*min = root;
		return root->right;
	}
	root->left = tree_remove_min(root->left, min);
	return rebalance(root);
}

/* Detaches the node keyed `key` into *out (which must exist). */
static bk_node *tree_remove(bk_node *root, vaddr_t key, bk_node **out)
{
	if (key < root->m.address) {
		root->left = tree_remove(root->left, key, out);
	} else if (key > root->m.address) {
		root->right = tree_remove(root->right, key, out);
	} else {
		*out = root;
		if (!root->left)
			return root->right;
		if (!root->right)
			return root->left;
		bk_node *min;
		bk_node *right = tree_remove_min(root->right, &min);
		min->left = root->left;
		min->right = right;
		return rebalance(min);
	}
	return rebalance(root);
}

/* BTreeMap::get */
static bk_node *tree_get(bk_node *n, vaddr_t key)
{
	while (n && n->m.address != key)
		n = key < n->m.address ? n->left : n->right;
	return n;
}

/* Recomputes the subtree data on the path from the root to `key`. */
static void tree_fix_path(bk_node *n, vaddr_t key)
{
	if (!n)
		return;
	if (key < n->m.address)
		tree_fix_path(n->left, key);
	else if (key > n->m.address)
		tree_fix_path(n->right, key);
	update(n);
}

/* The gap before node n: what find_available_space measures (0 where the
 * previous mapping ends past n's start, which live states never have). */
static uint32_t gap_before(const bk_node *n)
{
	uint32_t end = n->prev ? n->prev->m.address + n->prev->m.length : 0x00200000u;
	if (n->prev && end == 0)
		return 0; /* the previous mapping reaches the top of the address space */
	return n->m.address >= end ? n->m.address - end : 0;
}

/* range(key..).next(): smallest key >= key. */
static bk_node *tree_ceil(bk_node *n, vaddr_t key)
{
	bk_node *best = 0;
	while (n) {
		if (n->m.address >= key) {
			best = n;
			n = n->left;
		} else {
			n = n->right;
		}
	}
	return best;
}

/* range(0..=key).rev().next(): largest key <= key. */
static bk_node *tree_floor(bk_node *n, vaddr_t key)
{
	bk_node *best = 0;
	while (n) {
		if (n->m.address <= key) {
			best = n;
			n = n->right;
		} else {
			n = n->left;
		}
	}
	return best;
}

/* Drops the subtree in ascending key order (BTreeMap's drop order). */
static void tree_drop(bk_node *n)
{
	if (!n)
		return;
	tree_drop(n->left);
	bk_node *right = n->right;
	mapping_drop(&n->m);
	arch_free(n);
	tree_drop(right);
}

/* BTreeMap::insert of a key known to be absent. */
static void bk_insert(userspace_bookkeeping *bk, mapping m)
{
	bk_node *node = arch_alloc(sizeof(*node));
	if (!node)
		panic("bookkeeping: memory allocation failed");
	node->left = node->right = 0;
	node->height = 1;
	node->m = m;
	node->next = tree_ceil(bk->root, m.address);
	node->prev = node->next ? node->next->prev : bk->last;
	if (node->prev)
		node->prev->next = node;
	else
		bk->first = node;
	if (node->next)
		node->next->prev = node;
	else
		bk->last = node;
	node->gap = gap_before(node);
	node->max_gap = node->gap;
	bk->root = tree_insert(bk->root, node);
	if (node->next) {
		node->next->gap = gap_before(node->next);
		tree_fix_path(bk->root, node->next->m.address);
	}
	bk->count++;
}

/* ---- UserspaceBookkeeping ---------------------------------------------- */

/* UserspaceBookkeeping::new */
void userspace_bookkeeping_new(userspace_bookkeeping *bk)
{
	mapping kl, rtl;
	bk->root = 0;
	bk->first = bk->last = 0;
	bk->count = 0;
	EXPECT(mapping_new(land_start_addr(&KERNEL_LAND), mapping_frames_none(), 0, land_length(&KERNEL_LAND),
	                   MEMORY_TYPE_RESERVED, 0, &kl),
	       "Cannot create KernelLand system_reserved mapping");
	EXPECT(mapping_new(land_start_addr(&RECURSIVE_TABLES_LAND), mapping_frames_none(), 0,
	                   land_length(&RECURSIVE_TABLES_LAND), MEMORY_TYPE_RESERVED, 0, &rtl),
	       "Cannot create RecursiveTableLand system_reserved mapping");
	bk_insert(bk, kl);
	bk_insert(bk, rtl);
}

/* Drop for UserspaceBookkeeping */
void userspace_bookkeeping_drop(userspace_bookkeeping *bk)
{
	bk_node *root = bk->root;
	bk->root = 0;
	bk->first = bk->last = 0;
	bk->count = 0;
	tree_drop(root);
}

/* UserspaceBookkeeping::mapping_at_or_following */
const mapping *userspace_bookkeeping_mapping_at_or_following(const userspace_bookkeeping *bk, vaddr_t address)
{
	bk_node *n = tree_ceil(bk->root, address);
	return n ? &n->m : 0;
}

/* UserspaceBookkeeping::mapping_at_or_preceding */
const mapping *userspace_bookkeeping_mapping_at_or_preceding(const userspace_bookkeeping *bk, vaddr_t address)
{
	bk_node *n = tree_floor(bk->root, address);
	return n ? &n->m : 0;
}

/* UserspaceBookkeeping::mapping_at */
query_memory userspace_bookkeeping_mapping_at(const userspace_bookkeeping *bk, vaddr_t address)
{
	query_memory q;
	vaddr_t start_addr;
	uint32_t length;
	const mapping *m = userspace_bookkeeping_mapping_at_or_preceding(bk, address);

	memset(&q, 0, sizeof(q));
	if (m && ck_add(ck_sub(m->length, 1), m->address) >= address) {
		q.used = true;
		q.used_mapping = m;
		return q;
	}
	start_addr = m ? ck_add(m->address, m->length) : 0;
	m = userspace_bookkeeping_mapping_at_or_following(bk, address);
	if (m)
		length = ck_sub(m->address, start_addr);
	else
		length = ck_add(ck_sub(USIZE_MAX, start_addr), 1);
	EXPECT(mapping_new(start_addr, mapping_frames_none(), 0, length, MEMORY_TYPE_UNMAPPED, 0, &q.available),
	       "Failed creating an available mapping");
	return q;
}

/* UserspaceBookkeeping::occupied_mapping_at */
kernel_error userspace_bookkeeping_occupied_mapping_at(const userspace_bookkeeping *bk, vaddr_t address, const mapping **out)
{
	const mapping *m = userspace_bookkeeping_mapping_at_or_preceding(bk, address);
	if (m && ck_add(ck_sub(m->length, 1), m->address) >= address) {
		*out = m;
		return kerr_ok();
	}
	return kerr_invalid_address(address);
}

/* UserspaceBookkeeping::is_vacant */
kernel_error userspace_bookkeeping_is_vacant(const userspace_bookkeeping *bk, vaddr_t address, uint32_t length, bool *out)
{
	uint32_t end_addr;
	TRY(check_nonzero_length(length));
	if (!checked_add(address, length - 1, &end_addr))
		return kerr_invalid_address(address);
	bk_node *n = tree_ceil(bk->root, address);
	*out = !(n && n->m.address <= end_addr);
	return kerr_ok();
}

/* UserspaceBookkeeping::check_vacant */
kernel_error userspace_bookkeeping_check_vacant(const userspace_bookkeeping *bk, vaddr_t address, uint32_t length)
{
	bool vacant;
	TRY(userspace_bookkeeping_is_vacant(bk, address, length, &vacant));
	return vacant ? kerr_ok() : kerr_invalid_address(address);
}

/* UserspaceBookkeeping::add_mapping */
kernel_error userspace_bookkeeping_add_mapping(userspace_bookkeeping *bk, mapping m)
{
	kernel_error e = userspace_bookkeeping_check_vacant(bk, m.address, m.length);
	if (!KERR_IS_OK(e)) {
		mapping_drop(&m);
		return e;
	}
	bk_insert(bk, m);
	return kerr_ok();
}

/* UserspaceBookkeeping::remove_mapping */
kernel_error userspace_bookkeeping_remove_mapping(userspace_bookkeeping *bk, vaddr_t address, uint32_t length, mapping *out)
{
	bk_node *n = tree_get(bk->root, address);
	if (!n)
		return kerr_invalid_address(address);
	if (n->m.length != length)
		return kerr_invalid_size(length);
	bk_node *removed;
	bk->root = tree_remove(bk->root, address, &removed);
	bk->count--;
	if (removed->prev)
		removed->prev->next = removed->next;
	else
		bk->first = removed->next;
	if (!removed->next)
		bk->last = removed->prev;
	if (removed->next) {
		removed->next->prev = removed->prev;
		removed->next->gap = gap_before(removed->next);
		tree_fix_path(bk->root, removed->next->m.address);
	}
	*out = removed->m;
	arch_free(removed);
	return kerr_ok();
}

/* In-order successor of the node holding m. */
const mapping *userspace_bookkeeping_next(const userspace_bookkeeping *bk, const mapping *m)
{
	(void)bk;
	const bk_node *n = (const bk_node *)((const char *)m - offsetof(bk_node, m));
	return n->next ? &n->next->m : 0;
}

/* The mapping with the lowest address. */
const mapping *userspace_bookkeeping_first(const userspace_bookkeeping *bk)
{
	return bk->first ? &bk->first->m : 0;
}

/* UserspaceBookkeeping::find_available_space: the first hole (in address
 * order, from UserLand's start) at least `length` long. Upstream walks every
 * mapping; each node here also knows the largest hole in its subtree, so the
 * same first hole is found in O(log n). */
kernel_error userspace_bookkeeping_find_available_space(const userspace_bookkeeping *bk, uint32_t length, vaddr_t *out)
{
	TRY(check_nonzero_length(length));
	const bk_node *n = bk->root;
	while (n && n->max_gap >= length) {
		if (max_gap(n->left) >= length) {
			n = n->left;
		} else if (n->gap >= length) {
			*out = n->m.address - n->gap;
			return kerr_ok();
		} else {
			n = n->right;
		}
	}
	return kerr_virtual_memory_exhaustion();
}
