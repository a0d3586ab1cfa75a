/* bookkeeping.c -- UserspaceBookkeeping (upstream kernel/src/paging/bookkeeping.rs). */
#include "bookkeeping.h"
#include "lands.h"

/* ---- the ordered map: a B+-tree (see bookkeeping.h) ------------------- */

/* The largest hole of the subtree of x. */
static uint32_t node_max(const bk_node *x)
{
	uint32_t g = 0;
	for (uint32_t i = 0; i < x->n; i++)
		g = x->gap[i] > g ? x->gap[i] : g;
	return g;
}

/* The last slot of x whose key is <= k (0 when none): where k belongs. */
static uint32_t slot_for(const bk_node *x, uint32_t k)
{
	uint32_t c = 0;
	for (uint32_t i = 1; i < x->n; i++)
		c += x->key[i] <= k;
	return c;
}

/* The number of slots of x whose key is < k. */
static uint32_t count_below(const bk_node *x, uint32_t k)
{
	uint32_t c = 0;
	for (uint32_t i = 0; i < x->n; i++)
		c += x->key[i] < k;
	return c;
}

static void slot_insert(bk_node *x, uint32_t i, uint32_t k, uint32_t g, void *p)
{
	uint32_t tail = x->n - i;
	memmove(&x->key[i + 1], &x->key[i], tail * sizeof(x->key[0]));
	memmove(&x->gap[i + 1], &x->gap[i], tail * sizeof(x->gap[0]));
	memmove(&x->ptr[i + 1], &x->ptr[i], tail * sizeof(x->ptr[0]));
	x->key[i] = k;
	x->gap[i] = g;
	x->ptr[i] = p;
	x->n++;
}

static void slot_remove(bk_node *x, uint32_t i)
{
	uint32_t tail = x->n - i - 1;
	memmove(&x->key[i], &x->key[i + 1], tail * sizeof(x->key[0]));
	memmove(&x->gap[i], &x->gap[i + 1], tail * sizeof(x->gap[0]));
	memmove(&x->ptr[i], &x->ptr[i + 1], tail * sizeof(x->ptr[0]));
	x->n--;
}

/* Recomputes what inner node x keeps of its child i. */
static void refresh(bk_node *x, uint32_t i)
{
	const bk_node *c = x->ptr[i];
	x->key[i] = c->key[0];
	x->gap[i] = node_max(c);
}

static void *bk_alloc(size_t size)
{
	void *p = mach_alloc(size);
	if (!p)
		panic("bookkeeping: memory allocation failed");
	return p;
}

static bk_node *node_new(bool leaf)
{
	bk_node *x = bk_alloc(sizeof(*x));
	x->n = 0;
	x->leaf = leaf;
	return x;
}

/* Splits a node holding BK_CAP slots; returns its upper half. */
static bk_node *split(bk_node *x)
{
	bk_node *y = node_new(x->leaf);
	uint32_t h = BK_CAP / 2;
	y->n = BK_CAP - h;
	memcpy(y->key, x->key + h, y->n * sizeof(x->key[0]));
	memcpy(y->gap, x->gap + h, y->n * sizeof(x->gap[0]));
	memcpy(y->ptr, x->ptr + h, y->n * sizeof(x->ptr[0]));
	x->n = h;
	return y;
}

/* The gap before entry e: what find_available_space measures. Mappings
 * never overlap, so the previous one ends at or before e's start (and
 * below 4 GiB: only the last mapping can reach the top). */
static uint32_t gap_before(const bk_entry *e)
{
	uint32_t end = e->prev ? e->prev->m.address + e->prev->m.length : 0x00200000u;
	return e->m.address - end;
}

/* Inserts entry e (its key k absent) below x, and into the list of
 * entries; *next_elsewhere is set when the next entry is in another leaf
 * (its hole is then still to update). Returns the new right sibling of x
 * when x had to split. */
static bk_node *tree_insert(userspace_bookkeeping *bk, bk_node *x, uint32_t k, bk_entry *e, bool *next_elsewhere)
{
	if (x->leaf) {
		uint32_t i = count_below(x, k);
		if (i < x->n) {
			e->next = x->ptr[i];
			e->prev = e->next->prev;
		} else {
			e->prev = x->n ? x->ptr[x->n - 1] : 0;
			e->next = e->prev ? e->prev->next : 0;
		}
		if (e->prev)
			e->prev->next = e;
		else
			bk->first = e;
		if (e->next)
			e->next->prev = e;
		slot_insert(x, i, k, gap_before(e), e);
		if (i + 1 < x->n)
			x->gap[i + 1] = gap_before(e->next);
		else
			*next_elsewhere = e->next != 0;
	} else {
		uint32_t i = slot_for(x, k);
		bk_node *s = tree_insert(bk, x->ptr[i], k, e, next_elsewhere);
		refresh(x, i);
		if (s)
			slot_insert(x, i + 1, s->key[0], node_max(s), s);
	}
	return x->n == BK_CAP ? split(x) : 0;
}

/* Merges child j + 1 of x into child j. */
static void merge(bk_node *x, uint32_t j)
{
	bk_node *l = x->ptr[j], *r = x->ptr[j + 1];
	memcpy(l->key + l->n, r->key, r->n * sizeof(r->key[0]));
	memcpy(l->gap + l->n, r->gap, r->n * sizeof(r->gap[0]));
	memcpy(l->ptr + l->n, r->ptr, r->n * sizeof(r->ptr[0]));
	l->n += r->n;
	mach_free(r);
	slot_remove(x, j + 1);
	refresh(x, j);
}

/* Child i of x holds BK_MIN - 1 slots: takes one from a sibling that can
 * spare it, or merges it with a sibling. */
static void fix_underflow(bk_node *x, uint32_t i)
{
	bk_node *c = x->ptr[i];
	if (i > 0) {
		bk_node *l = x->ptr[i - 1];
		if (l->n > BK_MIN) {
			uint32_t t = l->n - 1;
			slot_insert(c, 0, l->key[t], l->gap[t], l->ptr[t]);
			l->n--;
			refresh(x, i - 1);
			refresh(x, i);
			return;
		}
	}
	if (i + 1 < x->n) {
		bk_node *r = x->ptr[i + 1];
		if (r->n > BK_MIN) {
			slot_insert(c, c->n, r->key[0], r->gap[0], r->ptr[0]);
			slot_remove(r, 0);
			refresh(x, i);
			refresh(x, i + 1);
			return;
		}
	}
	merge(x, i > 0 ? i - 1 : i);
}

/* Takes the mapping keyed k, `length` long, out of the subtree of x and
 * out of the list of entries; returns its entry. Changes nothing and
 * returns NULL with *err set when no mapping starts at k (InvalidAddress)
 * or its length differs (InvalidSize). *next_elsewhere is set when the next
 * entry is in another leaf (its hole is then still to update). */
static bk_entry *tree_remove(userspace_bookkeeping *bk, bk_node *x, uint32_t k, uint32_t length, kernel_error *err,
                             bool *next_elsewhere)
{
	uint32_t i = slot_for(x, k);
	if (x->leaf) {
		bk_entry *e = x->ptr[i];
		if (x->key[i] != k) {
			*err = kerr_invalid_address(k);
			return 0;
		}
		if (e->m.length != length) {
			*err = kerr_invalid_size(length);
			return 0;
		}
		if (e->prev)
			e->prev->next = e->next;
		else
			bk->first = e->next;
		if (e->next)
			e->next->prev = e->prev;
		slot_remove(x, i);
		if (i < x->n)
			x->gap[i] = gap_before(e->next);
		else
			*next_elsewhere = e->next != 0;
		return e;
	}
	bk_node *c = x->ptr[i];
	bk_entry *e = tree_remove(bk, c, k, length, err, next_elsewhere);
	if (!e)
		return 0;
	if (c->n < BK_MIN)
		fix_underflow(x, i);
	else
		refresh(x, i);
	return e;
}

/* Sets the hole before the mapping keyed k (present); returns the largest
 * hole of x's subtree. */
static uint32_t tree_set_gap(bk_node *x, uint32_t k, uint32_t g)
{
	uint32_t i = slot_for(x, k);
	x->gap[i] = x->leaf ? g : tree_set_gap(x->ptr[i], k, g);
	return node_max(x);
}

/* range(key..).next(): smallest key >= k. */
static bk_entry *tree_ceil(const userspace_bookkeeping *bk, vaddr_t k)
{
	const bk_node *x = bk->root;
	if (!x)
		return 0;
	while (!x->leaf)
		x = x->ptr[slot_for(x, k)];
	uint32_t i = count_below(x, k);
	if (i < x->n)
		return x->ptr[i];
	/* every key of this leaf is below k; the next one is the answer */
	return ((bk_entry *)x->ptr[x->n - 1])->next;
}

/* range(0..=key).rev().next(): largest key <= k. */
static bk_entry *tree_floor(const userspace_bookkeeping *bk, vaddr_t k)
{
	const bk_node *x = bk->root;
	if (!x || x->key[0] > k)
		return 0;
	/* key[0] of each node is the lowest key of its subtree, so it stays <= k */
	while (!x->leaf)
		x = x->ptr[slot_for(x, k)];
	return x->ptr[slot_for(x, k)];
}

static void tree_free(bk_node *x)
{
	if (!x->leaf)
		for (uint32_t i = 0; i < x->n; i++)
			tree_free(x->ptr[i]);
	mach_free(x);
}

/* BTreeMap::insert of a key known to be absent. */
static void bk_insert(userspace_bookkeeping *bk, mapping m)
{
	bk_entry *e = bk_alloc(sizeof(*e));
	bool next_elsewhere = false;
	e->m = m;
	if (!bk->root) {
		bk->root = node_new(true);
		bk->height = 1;
	}
	bk_node *s = tree_insert(bk, bk->root, m.address, e, &next_elsewhere);
	if (s) {
		bk_node *r = node_new(false);
		slot_insert(r, 0, bk->root->key[0], node_max(bk->root), bk->root);
		slot_insert(r, 1, s->key[0], node_max(s), s);
		bk->root = r;
		bk->height++;
	}
	if (next_elsewhere)
		tree_set_gap(bk->root, e->next->m.address, gap_before(e->next));
}

/* BTreeMap::remove of the mapping at `address`, checked to be `length`
 * long; returns its entry, out of the tree and the list, or NULL with *err
 * set (and nothing changed). */
static bk_entry *bk_remove(userspace_bookkeeping *bk, vaddr_t address, uint32_t length, kernel_error *err)
{
	bool next_elsewhere = false;
	if (!bk->root) {
		*err = kerr_invalid_address(address);
		return 0;
	}
	bk_entry *e = tree_remove(bk, bk->root, address, length, err, &next_elsewhere);
	if (!e)
		return 0;
	bk_node *r = bk->root;
	if (r->n == 0) {
		mach_free(r);
		bk->root = NULL;
		bk->height = 0;
	} else if (!r->leaf && r->n == 1) {
		bk->root = r->ptr[0];
		bk->height--;
		mach_free(r);
	}
	if (next_elsewhere)
		tree_set_gap(bk->root, e->next->m.address, gap_before(e->next));
	return e;
}

/* ---- UserspaceBookkeeping ---------------------------------------------- */

/* UserspaceBookkeeping::new */
void userspace_bookkeeping_new(userspace_bookkeeping *bk)
{
	mapping kl, rtl;
	*bk = (userspace_bookkeeping){ .root = NULL }; /* an empty tree */
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
	bk_entry *e = bk->first;
	*bk = (userspace_bookkeeping){ .root = NULL }; /* left empty */
	/* the mappings in ascending address order (BTreeMap's drop order) */
	while (e) {
		bk_entry *next = e->next;
		mapping_drop(&e->m);
		mach_free(e);
		e = next;
	}
	if (root)
		tree_free(root);
}

/* UserspaceBookkeeping::mapping_at_or_following */
const mapping *userspace_bookkeeping_mapping_at_or_following(const userspace_bookkeeping *bk, vaddr_t address)
{
	bk_entry *e = tree_ceil(bk, address);
	return e ? &e->m : NULL;
}

/* UserspaceBookkeeping::mapping_at_or_preceding */
const mapping *userspace_bookkeeping_mapping_at_or_preceding(const userspace_bookkeeping *bk, vaddr_t address)
{
	bk_entry *e = tree_floor(bk, address);
	return e ? &e->m : NULL;
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
	/* mapping_at_or_following(address): no mapping starts at `address` (it
	 * would contain it), so it is the one after m, or the first */
	m = m ? userspace_bookkeeping_next(bk, m) : userspace_bookkeeping_first(bk);
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
	bk_entry *e = tree_ceil(bk, address);
	*out = !(e && e->m.address <= end_addr);
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
	kernel_error err = kerr_ok();
	bk_entry *e = bk_remove(bk, address, length, &err);
	if (!e)
		return err;
	*out = e->m;
	mach_free(e);
	return kerr_ok();
}

/* In-order successor of the node holding m. */
const mapping *userspace_bookkeeping_next(const userspace_bookkeeping *bk, const mapping *m)
{
	(void)bk;
	const bk_entry *e = (const bk_entry *)((const char *)m - offsetof(bk_entry, m));
	return e->next ? &e->next->m : 0;
}

/* The mapping with the lowest address. */
const mapping *userspace_bookkeeping_first(const userspace_bookkeeping *bk)
{
	return bk->first ? &bk->first->m : 0;
}

/* UserspaceBookkeeping::find_available_space: the first hole (in address
 * order, from UserLand's start) at least `length` long. Upstream walks every
 * mapping; each slot here also knows the largest hole in its subtree, so the
 * same first hole is found by one descent, in O(log n). */
kernel_error userspace_bookkeeping_find_available_space(const userspace_bookkeeping *bk, uint32_t length, vaddr_t *out)
{
	TRY(check_nonzero_length(length));
	const bk_node *x = bk->root;
	while (x) {
		uint32_t i = 0;
		while (i < x->n && x->gap[i] < length)
			i++;
		if (i == x->n)
			break; /* only at the root: a slot's hole is in its subtree */
		if (x->leaf) {
			*out = x->key[i] - x->gap[i];
			return kerr_ok();
		}
		x = x->ptr[i];
	}
	return kerr_virtual_memory_exhaustion();
}
