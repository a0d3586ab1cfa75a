/* unit_tests.c -- unit tests of the port's pieces, over the hosted backend.
 * Prints one line per failed check and "N passed, N failed" at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "sim.h"
#include "frame_allocator.h"
#include "bookkeeping.h"
#include "lands.h"
#include "process_memory.h"
#include "kernel_memory.h"
#include "cross_process.h"

static int passed, failed;

#define CHECK(cond) do { if (cond) passed++; else { failed++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* Where an unexpected panic lands (main). */
static machine_jmp_buf top_jmp;

/* CHECK that `stmt` panics with a message holding `what`; then unexpected
 * panics land in main again. */
#define CHECK_PANICS_WITH(stmt, what) do { \
	if (!MACHINE_SETJMP(machine_panic_jmp)) { stmt; failed++; printf("FAIL %s:%d: no panic: %s\n", __FILE__, __LINE__, #stmt); } \
	else if (!strstr(machine_panic_msg, what)) { failed++; printf("FAIL %s:%d: panic \"%s\", not \"%s\"\n", __FILE__, __LINE__, machine_panic_msg, what); } \
	else passed++; \
	memcpy(machine_panic_jmp, top_jmp, sizeof(top_jmp)); } while (0)

/* CHECK that `stmt` panics, whatever the message. */
#define CHECK_PANICS(stmt) CHECK_PANICS_WITH(stmt, "")

/* A fresh machine with frames [start, end) free. */
static void fresh(paddr_t start, paddr_t end)
{
	machine_reset();
	frame_allocator_init_all_reserved();
	frame_allocator_mark_area_free(start, end);
	machine_heap_meter(1); /* every kernel-heap block from here is counted */
}

/* CHECK that every kernel-heap block taken since fresh() is freed. */
#define CHECK_HEAP_EMPTY() CHECK(machine_heap_metered_live() == 0)

static void test_frame_allocator(void)
{
	physical_mem_region r;
	region_vec v;

	fresh(0x1000, 0x9000); /* frames 1..8 */
	CHECK(frame_allocator_free_count() == 8);
	CHECK(KERR_IS_OK(frame_allocator_allocate_frame(&r)) && r.start_addr == 0x1000 && r.frames == 1);
	physical_mem_region r2;
	CHECK(KERR_IS_OK(frame_allocator_allocate_region(0x3000, &r2)) && r2.start_addr == 0x2000);
	physical_mem_region_drop(&r);
	/* lowest run long enough: frame 1 alone is too short for 2 frames */
	physical_mem_region r3;
	CHECK(KERR_IS_OK(frame_allocator_allocate_region(0x2000, &r3)) && r3.start_addr == 0x5000);
	/* fragmented takes the lowest free frames: 1, then 7..8 */
	CHECK(KERR_IS_OK(frame_allocator_allocate_frames_fragmented(0x3000, &v)));
	CHECK(v.len == 2 && v.items[0].start_addr == 0x1000 && v.items[0].frames == 1 &&
	      v.items[1].start_addr == 0x7000 && v.items[1].frames == 2);
	CHECK(frame_allocator_free_count() == 0);
	region_vec_drop(&v);
	CHECK(frame_allocator_free_count() == 3);
	/* a dropped vector is empty (its contract): dropping it again is a no-op */
	CHECK(v.len == 0 && v.cap == 0 && v.items == NULL && region_vec_frame_count(&v) == 0);
	region_vec_drop(&v);
	CHECK(frame_allocator_free_count() == 3);
	/* exhaustion frees what was collected */
	region_vec w;
	kernel_error e = frame_allocator_allocate_frames_fragmented(0x4000, &w);
	CHECK(e.kind == KERR_PHYSICAL_MEMORY_EXHAUSTION && frame_allocator_free_count() == 3);
	CHECK(frame_allocator_allocate_region(0, &r).kind == KERR_INVALID_SIZE);
	CHECK(frame_allocator_allocate_region(0x1800, &r).kind == KERR_INVALID_SIZE);
	CHECK(frame_allocator_allocate_region(0x4000, &r).kind == KERR_PHYSICAL_MEMORY_EXHAUSTION);
	/* check_is_allocated on occupied and free spans */
	CHECK(frame_allocator_check_is_allocated(0x2000, 0x3000));
	CHECK(!frame_allocator_check_is_allocated(0x1000, 0x1000));
	CHECK(frame_allocator_check_is_allocated(0x00900000, 0x100000));
	/* double free panics */
	physical_mem_region twice = { 1, 0x1000, true };
	CHECK_PANICS(frame_allocator_free_region(&twice));
	/* the last frame of the address space */
	CHECK_PANICS(frame_allocator_check_is_allocated(0xfffff000, 0x1000));
	physical_mem_region_drop(&r2);
	physical_mem_region_drop(&r3);
	CHECK(frame_allocator_free_count() == 8);
	/* every frame of an area is found one by one, the last ones too
	 * (frames 0x400..0x44b: the last 12 are past a 64-frame word) */
	fresh(0x00400000, 0x0044c000);
	uint32_t got = 0;
	paddr_t last = 0;
	while (KERR_IS_OK(frame_allocator_allocate_frame(&r))) {
		got++;
		last = r.start_addr;
		physical_mem_region_forget(&r);
	}
	CHECK(got == 76 && last == 0x0044b000 && frame_allocator_free_count() == 0);
	/* frames made free high first, then lower, are all found */
	fresh(0x01f80000, 0x01f81000); /* frame 0x1f80, the first of bitmap word 126 */
	frame_allocator_mark_area_free(0x01f7f000, 0x01f80000); /* frame 0x1f7f, word 125 */
	CHECK(KERR_IS_OK(frame_allocator_allocate_frame(&r)) && r.start_addr == 0x01f7f000);
	CHECK(KERR_IS_OK(frame_allocator_allocate_frame(&r)) && r.start_addr == 0x01f80000);
	/* bootstrap marking wants a frame-aligned address, of a free frame */
	fresh(0x00400000, 0x00402000);
	CHECK_PANICS_WITH(mark_frame_bootstrap_allocated(0x00400001), "unaligned frame");
	mark_frame_bootstrap_allocated(0x00401000);
	CHECK(frame_allocator_free_count() == 1 && !frame_allocator_frame_is_free(0x401));
	CHECK_PANICS_WITH(mark_frame_bootstrap_allocated(0x00401000), "already allocated");
	/* the bitmap's last word: frames 0xfffc0..0xffffe can be free (not
	 * 0xfffff: no 32-bit end address lies past it); a scan for a free frame
	 * stops at the bitmap's end (the sanitizer build of these tests reports
	 * a read one word further) */
	fresh(0xfffc0000, 0xfffff000);
	CHECK(frame_allocator_free_count() == 63);
	CHECK(KERR_IS_OK(frame_allocator_allocate_region(63 * PAGE_SIZE, &r)) && r.start_addr == 0xfffc0000);
	CHECK(frame_allocator_allocate_frame(&r2).kind == KERR_PHYSICAL_MEMORY_EXHAUSTION);
	CHECK(frame_allocator_allocate_frames_fragmented(0x1000, &w).kind == KERR_PHYSICAL_MEMORY_EXHAUSTION);
	CHECK(frame_allocator_check_is_allocated(0xfffc0000, 63 * PAGE_SIZE));
	physical_mem_region_drop(&r);
	CHECK(frame_allocator_free_count() == 63 && !frame_allocator_check_is_allocated(0xffffe000, 0x1000));
	CHECK(KERR_IS_OK(frame_allocator_allocate_frame(&r)) && r.start_addr == 0xfffc0000);
	/* fragmented, from low frames on to the top ones: 10 low frames, then
	 * 60 of the last word's, which end one frame below the bitmap's end */
	fresh(0x00400000, 0x0040a000);
	frame_allocator_mark_area_free(0xfffc0000, 0xfffff000);
	CHECK(KERR_IS_OK(frame_allocator_allocate_frames_fragmented(70 * PAGE_SIZE, &v)));
	CHECK(v.len == 2 && v.items[0].start_addr == 0x00400000 && v.items[0].frames == 10 &&
	      v.items[1].start_addr == 0xfffc0000 && v.items[1].frames == 60 && frame_allocator_free_count() == 3);
	region_vec_drop(&v);
	CHECK(frame_allocator_free_count() == 73);
}

/* A region vector grows as Rust's Vec<PhysicalMemRegion>: to at least 4,
 * then to twice its capacity, or to what an append needs when that is
 * more; the items stay in order. */
static void test_region_vec(void)
{
	fresh(0x00400000, 0x00400000);
	region_vec v = region_vec_new(), w = region_vec_new();
	uint32_t caps[6];
	for (uint32_t i = 0; i < 6; i++) {
		region_vec_push(&v, physical_mem_region_new_unchecked(0x1000 * i, 0x1000));
		caps[i] = v.cap;
	}
	CHECK(caps[0] == 4 && caps[3] == 4 && caps[4] == 8 && caps[5] == 8);
	for (uint32_t i = 0; i < 20; i++)
		region_vec_push(&w, physical_mem_region_new_unchecked(0x100000 + 0x1000 * i, 0x1000));
	CHECK(w.cap == 32);
	region_vec_append(&v, &w); /* 26 items: more than twice 8 */
	CHECK(v.len == 26 && v.cap == 26 && w.len == 0 && region_vec_frame_count(&v) == 26);
	CHECK(v.items[5].start_addr == 0x5000 && v.items[6].start_addr == 0x100000 && v.items[25].start_addr == 0x113000);
	region_vec_push(&v, physical_mem_region_new_unchecked(0x200000, 0x1000));
	CHECK(v.len == 27 && v.cap == 52);
	/* three items appended to an empty vector: 4 of room, not 3 */
	region_vec x = region_vec_new();
	for (uint32_t i = 0; i < 3; i++)
		region_vec_push(&w, physical_mem_region_new_unchecked(0x300000 + 0x1000 * i, 0x1000));
	region_vec_append(&x, &w);
	CHECK(x.len == 3 && x.cap == 4 && x.items[2].start_addr == 0x302000);
	region_vec_drop(&x);
	region_vec_drop(&v);
	region_vec_drop(&w);
	CHECK_HEAP_EMPTY();
}

/* An exhausted kernel heap is a panic, as under Rust's alloc error
 * handler, wherever the port allocates. */
static void test_heap_exhaustion(void)
{
	fresh(0x00400000, 0x00800000);
	region_vec v = region_vec_new();
	sim_heap_fail_after(0);
	CHECK_PANICS_WITH(region_vec_push(&v, physical_mem_region_new_unchecked(0x1000, 0x1000)),
	                  "region_vec: memory allocation failed");
	sim_heap_fail_after(0);
	CHECK_PANICS_WITH(shared_frames_new(region_vec_new()), "shared_frames_new: memory allocation failed");
	userspace_bookkeeping bk;
	sim_heap_fail_after(0);
	CHECK_PANICS_WITH(userspace_bookkeeping_new(&bk), "bookkeeping: memory allocation failed");
	/* the hook counts: one block is handed out before the failure */
	sim_heap_fail_after(1);
	region_vec_push(&v, physical_mem_region_new_unchecked(0x1000, 0x1000));
	CHECK(v.len == 1);
	CHECK_PANICS_WITH(shared_frames_new(region_vec_new()), "shared_frames_new: memory allocation failed");
	region_vec_drop(&v);
	CHECK_HEAP_EMPTY();
}

/* Brute-force reference: the address of the mapping at or before `a`. */
static int floor_ref(const uint32_t *keys, int n, uint32_t a)
{
	int best = -1;
	for (int i = 0; i < n; i++)
		if (keys[i] <= a && (best < 0 || keys[i] > keys[best]))
			best = i;
	return best;
}

/* The mappings of `bk`, counted by walking them in address order. */
static uint32_t bk_len(const userspace_bookkeeping *bk)
{
	uint32_t n = 0;
	for (const mapping *m = userspace_bookkeeping_first(bk); m; m = userspace_bookkeeping_next(bk, m))
		n++;
	return n;
}

static void test_bookkeeping(void)
{
	userspace_bookkeeping bk;
	uint32_t keys[600];
	int n = 0;
	fresh(0x00400000, 0x00800000);
	userspace_bookkeeping_new(&bk);
	CHECK(bk_len(&bk) == 2);
	srand(7);
	/* one-page Reserved mappings at random distinct pages */
	for (int i = 0; i < 2000 && n < 600; i++) {
		uint32_t a = 0x00200000u + (uint32_t)(rand() % 0x10000) * 0x1000u;
		mapping m;
		bool vacant;
		CHECK(KERR_IS_OK(userspace_bookkeeping_is_vacant(&bk, a, 0x1000, &vacant)));
		CHECK(KERR_IS_OK(mapping_new(a, mapping_frames_none(), 0, 0x1000, MEMORY_TYPE_RESERVED, 0, &m)));
		kernel_error e = userspace_bookkeeping_add_mapping(&bk, m);
		CHECK(KERR_IS_OK(e) == vacant);
		if (vacant)
			keys[n++] = a;
	}
	CHECK(bk_len(&bk) == (uint32_t)n + 2);
	/* in-order traversal is sorted */
	uint32_t last = 0, count = 0;
	for (const mapping *m = userspace_bookkeeping_first(&bk); m; m = userspace_bookkeeping_next(&bk, m)) {
		CHECK(count == 0 || m->address > last);
		last = m->address;
		count++;
	}
	CHECK(count == (uint32_t)n + 2);
	/* B+-tree height bound: nodes below the root hold >= BK_MIN slots */
	CHECK(bk.height >= 2 && bk.height <= 3);
	/* floor/ceil against brute force */
	for (int i = 0; i < 300; i++) {
		uint32_t a = 0x00200000u + (uint32_t)(rand() % 0x10000) * 0x1000u + (uint32_t)(rand() % 0x1000);
		int f = floor_ref(keys, n, a);
		const mapping *m = userspace_bookkeeping_mapping_at_or_preceding(&bk, a);
		CHECK(f < 0 ? m == NULL : (m && m->address == keys[f]));
		query_memory q = userspace_bookkeeping_mapping_at(&bk, a);
		CHECK(q.used == (f >= 0 && a < keys[f] + 0x1000));
	}
	/* removal of every other key */
	for (int i = 0; i < n; i += 2) {
		mapping out;
		CHECK(userspace_bookkeeping_remove_mapping(&bk, keys[i], 0x2000, &out).kind == KERR_INVALID_SIZE);
		CHECK(KERR_IS_OK(userspace_bookkeeping_remove_mapping(&bk, keys[i], 0x1000, &out)));
		mapping_drop(&out);
		CHECK(userspace_bookkeeping_remove_mapping(&bk, keys[i], 0x1000, &out).kind == KERR_INVALID_ADDRESS);
	}
	CHECK(bk_len(&bk) == (uint32_t)(n / 2) + 2);
	/* is_vacant only looks at mapping starts (upstream behaviour) */
	bool vacant;
	CHECK(KERR_IS_OK(userspace_bookkeeping_is_vacant(&bk, keys[1] + 0x800, 0x800, &vacant)) && vacant);
	CHECK(userspace_bookkeeping_is_vacant(&bk, 0xfffff000, 0x2000, &vacant).kind == KERR_INVALID_ADDRESS);
	CHECK(userspace_bookkeeping_is_vacant(&bk, keys[1], 0, &vacant).kind == KERR_INVALID_SIZE);
	/* a range whose last byte is a mapping's first is not vacant */
	CHECK(KERR_IS_OK(userspace_bookkeeping_is_vacant(&bk, keys[1] - 0x800, 0x801, &vacant)) && !vacant);
	CHECK(KERR_IS_OK(userspace_bookkeeping_is_vacant(&bk, keys[1] - 0x800, 0x800, &vacant)) && vacant);
	/* add_mapping takes the mapping: refused for an overlap, it is dropped
	 * and its frames freed (no ProcessMemory call gets there: each checks
	 * vacancy first) */
	region_vec fr;
	uint32_t free_before = frame_allocator_free_count();
	CHECK(KERR_IS_OK(frame_allocator_allocate_frames_fragmented(0x1000, &fr)));
	mapping taken;
	CHECK(KERR_IS_OK(mapping_new(keys[1], mapping_frames_owned(fr), 0, 0x1000, MEMORY_TYPE_NORMAL, 0, &taken)));
	kernel_error refused = userspace_bookkeeping_add_mapping(&bk, taken);
	CHECK(refused.kind == KERR_INVALID_ADDRESS && refused.address == keys[1] &&
	      frame_allocator_free_count() == free_before);
	userspace_bookkeeping_drop(&bk);
	CHECK_HEAP_EMPTY();
}

/* Upstream's linear find_available_space, for comparison. */
static kernel_error linear_find(const userspace_bookkeeping *bk, uint32_t length, vaddr_t *out)
{
	if (!length)
		return kerr_invalid_size(0);
	vaddr_t last = 0x00200000u;
	for (const mapping *m = userspace_bookkeeping_first(bk); m; m = userspace_bookkeeping_next(bk, m)) {
		if (m->address - last >= length) {
			*out = last;
			return kerr_ok();
		}
		last = m->address + m->length;
	}
	return kerr_virtual_memory_exhaustion();
}

/* The subtree-gap search answers exactly as the linear walk. */
static void test_find_available_space(void)
{
	userspace_bookkeeping bk;
	fresh(0x00400000, 0x00800000);
	userspace_bookkeeping_new(&bk);
	srand(11);
	for (int i = 0; i < 4000; i++) {
		uint32_t a = 0x00200000u + (uint32_t)(rand() % 0x800) * 0x1000u;
		uint32_t len = (uint32_t)(rand() % 4 + 1) * 0x1000u;
		mapping m, out;
		if (rand() % 3) {
			/* no left overlap: a live trace never keeps one (it panics) */
			if (!userspace_bookkeeping_mapping_at(&bk, a).used &&
			    KERR_IS_OK(mapping_new(a, mapping_frames_none(), 0, len, MEMORY_TYPE_RESERVED, 0, &m)))
				(void)userspace_bookkeeping_add_mapping(&bk, m);
		} else {
			const mapping *at = userspace_bookkeeping_mapping_at_or_following(&bk, a);
			if (at && at->address < 0xc0000000u &&
			    KERR_IS_OK(userspace_bookkeeping_remove_mapping(&bk, at->address, at->length, &out)))
				mapping_drop(&out);
		}
		uint32_t want_len = (uint32_t)(rand() % 8 + 1) * 0x1000u;
		if (rand() % 50 == 0)
			want_len = 0xbfe00000u;
		vaddr_t x = 0, y = 0;
		kernel_error e1 = userspace_bookkeeping_find_available_space(&bk, want_len, &x);
		kernel_error e2 = linear_find(&bk, want_len, &y);
		CHECK(e1.kind == e2.kind && x == y);
	}
	userspace_bookkeeping_drop(&bk);
	CHECK_HEAP_EMPTY();
}

/* ---- the B+-tree against a sorted-array oracle ---- */

typedef struct oracle {
	uint32_t addr[8192], len[8192];
	int n;
} oracle;

/* The oracle's index of the last mapping starting at or before a, or -1. */
static int oracle_floor(const oracle *o, uint32_t a)
{
	int lo = 0, hi = o->n; /* first index with addr > a */
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (o->addr[mid] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/* The hole before mapping i as the linear walk sees it (0 for a wrap). */
static uint32_t oracle_gap(const oracle *o, int i)
{
	uint32_t end = i ? o->addr[i - 1] + o->len[i - 1] : 0x00200000u;
	if (i && end == 0)
		return 0;
	return o->addr[i] >= end ? o->addr[i] - end : 0;
}

/* Checks the subtree of x (depth d of `height`); *idx walks the oracle.
 * Returns false at the first broken rule. */
static bool btree_node_ok(const bk_node *x, uint32_t d, uint32_t height, bool is_root, const oracle *o, int *idx,
                          uint32_t *min_key, uint32_t *max_gap)
{
	if (x->n == 0 || x->n >= BK_CAP || (!is_root && x->n < BK_MIN) || (is_root && !x->leaf && x->n < 2))
		return false;
	if ((bool)x->leaf != (d == height))
		return false;
	uint32_t g = 0;
	for (uint32_t i = 0; i < x->n; i++) {
		if (i && x->key[i] <= x->key[i - 1])
			return false;
		if (x->leaf) {
			const bk_entry *e = x->ptr[i];
			if (*idx >= o->n || e->m.address != o->addr[*idx] || e->m.length != o->len[*idx] ||
			    x->key[i] != o->addr[*idx] || x->gap[i] != oracle_gap(o, *idx))
				return false;
			++*idx;
		} else {
			uint32_t cmin, cgap;
			if (!btree_node_ok(x->ptr[i], d + 1, height, false, o, idx, &cmin, &cgap))
				return false;
			if (x->key[i] != cmin || x->gap[i] != cgap)
				return false;
		}
		g = x->gap[i] > g ? x->gap[i] : g;
	}
	*min_key = x->key[0];
	*max_gap = g;
	return true;
}

/* The whole bookkeeping agrees with the oracle: tree shape, keys, holes,
 * the list in address order (as many entries as the oracle holds). */
static bool btree_ok(const userspace_bookkeeping *bk, const oracle *o)
{
	if (!bk->root)
		return o->n == 0 && bk->height == 0 && !bk->first;
	int idx = 0;
	uint32_t mk, mg;
	if (!btree_node_ok(bk->root, 1, bk->height, true, o, &idx, &mk, &mg) || idx != o->n)
		return false;
	int i = 0;
	const bk_entry *prev = 0;
	for (const bk_entry *e = bk->first; e; prev = e, e = e->next, i++)
		if (i >= o->n || e->m.address != o->addr[i] || e->prev != prev)
			return false;
	return i == o->n;
}

static void oracle_insert(oracle *o, uint32_t a, uint32_t len)
{
	int i = oracle_floor(o, a) + 1;
	memmove(&o->addr[i + 1], &o->addr[i], (size_t)(o->n - i) * sizeof(uint32_t));
	memmove(&o->len[i + 1], &o->len[i], (size_t)(o->n - i) * sizeof(uint32_t));
	o->addr[i] = a;
	o->len[i] = len;
	o->n++;
}

static void oracle_remove(oracle *o, int i)
{
	memmove(&o->addr[i], &o->addr[i + 1], (size_t)(o->n - i - 1) * sizeof(uint32_t));
	memmove(&o->len[i], &o->len[i + 1], (size_t)(o->n - i - 1) * sizeof(uint32_t));
	o->n--;
}

static bool bt_add(userspace_bookkeeping *bk, oracle *o, uint32_t a, uint32_t len)
{
	mapping m;
	if (!KERR_IS_OK(mapping_new(a, mapping_frames_none(), 0, len, MEMORY_TYPE_RESERVED, 0, &m)))
		return false;
	if (!KERR_IS_OK(userspace_bookkeeping_add_mapping(bk, m)))
		return false;
	oracle_insert(o, a, len);
	return true;
}

static bool bt_remove(userspace_bookkeeping *bk, oracle *o, int i)
{
	mapping out;
	if (!KERR_IS_OK(userspace_bookkeeping_remove_mapping(bk, o->addr[i], o->len[i], &out)))
		return false;
	bool ok = out.address == o->addr[i] && out.length == o->len[i];
	mapping_drop(&out);
	oracle_remove(o, i);
	return ok;
}

/* The oracle's answer to find_available_space. */
static kernel_error oracle_find(const oracle *o, uint32_t length, vaddr_t *out)
{
	if (!length)
		return kerr_invalid_size(0);
	for (int i = 0; i < o->n; i++)
		if (oracle_gap(o, i) >= length) {
			*out = o->addr[i] - oracle_gap(o, i);
			return kerr_ok();
		}
	return kerr_virtual_memory_exhaustion();
}

/* Splits and merges in sequential orders, down to empty and back. */
static void test_btree_shapes(void)
{
	static userspace_bookkeeping bk;
	static oracle o;
	fresh(0x00400000, 0x00800000);
	userspace_bookkeeping_new(&bk);
	o.n = 0;
	oracle_insert(&o, 0xc0000000u, 0x3fc00000u);
	oracle_insert(&o, 0xffc00000u, 0x00400000u);
	CHECK(btree_ok(&bk, &o) && bk.height == 1);
	/* ascending: the rightmost leaf splits again and again */
	bool ok = true;
	for (uint32_t i = 0; i < 5000; i++)
		ok &= bt_add(&bk, &o, 0x00400000u + i * 0x2000u, 0x1000);
	CHECK(ok);
	CHECK(btree_ok(&bk, &o) && bk.height == 3);
	/* a descending removal of every other one: borrows and merges on the left */
	ok = true;
	for (int i = o.n - 3; i >= 0; i -= 2)
		ok &= bt_remove(&bk, &o, i);
	CHECK(ok && btree_ok(&bk, &o));
	/* descending insertion into the holes left: splits on the left */
	ok = true;
	for (int i = 4999; i >= 0; i -= 2)
		ok &= bt_add(&bk, &o, 0x00400000u + (uint32_t)i * 0x2000u + 0x1000u, 0x1000);
	CHECK(ok && btree_ok(&bk, &o));
	/* every mapping out, from the front: the tree shrinks to nothing */
	ok = true;
	int checks_ok = 1;
	while (o.n) {
		ok &= bt_remove(&bk, &o, 0);
		if (o.n % 97 == 0)
			checks_ok &= btree_ok(&bk, &o);
	}
	CHECK(ok && checks_ok && btree_ok(&bk, &o));
	CHECK(bk.root == NULL && bk.first == NULL && bk.height == 0);
	CHECK_HEAP_EMPTY(); /* the reserved mappings went too: nothing is left */
	mapping none_left;
	CHECK(userspace_bookkeeping_remove_mapping(&bk, 0x00400000, 0x1000, &none_left).kind == KERR_INVALID_ADDRESS);
	CHECK(userspace_bookkeeping_first(&bk) == NULL);
	CHECK(userspace_bookkeeping_mapping_at_or_following(&bk, 0) == NULL);
	CHECK(userspace_bookkeeping_mapping_at_or_preceding(&bk, 0xffffffffu) == NULL);
	vaddr_t x;
	CHECK(userspace_bookkeeping_find_available_space(&bk, 0x1000, &x).kind == KERR_VIRTUAL_MEMORY_EXHAUSTION);
	/* the hole of an empty space is 4 GiB long: its length overflows, as upstream */
	CHECK_PANICS_WITH((void)userspace_bookkeeping_mapping_at(&bk, 0x12345678u), "attempt to add with overflow");
	/* and grows again from empty; then a removal from the back down to empty */
	ok = true;
	for (uint32_t i = 0; i < 3000; i++)
		ok &= bt_add(&bk, &o, 0x00201000u + i * 0x3000u, 0x2000);
	CHECK(ok && btree_ok(&bk, &o));
	CHECK(KERR_IS_OK(userspace_bookkeeping_find_available_space(&bk, 0x1000, &x)) && x == 0x00200000u);
	/* no mapping after the last hole: it does not count, as upstream */
	CHECK(userspace_bookkeeping_find_available_space(&bk, 0x2000, &x).kind == KERR_VIRTUAL_MEMORY_EXHAUSTION);
	/* but mapping_at reports it, up to the top of the address space */
	query_memory top_hole = userspace_bookkeeping_mapping_at(&bk, 0x10000000u);
	CHECK(!top_hole.used && top_hole.available.address == 0x02528000u && top_hole.available.length == 0xfdad8000u);
	mapping_drop(&top_hole.available);
	ok = true;
	while (o.n)
		ok &= bt_remove(&bk, &o, o.n - 1);
	CHECK(ok && btree_ok(&bk, &o) && bk.root == NULL);
	userspace_bookkeeping_drop(&bk);
	CHECK_HEAP_EMPTY();
}

/* 10^5 random operations against the oracle: add (vacant or not), remove
 * (present, absent, wrong length), lookups and find_available_space. The
 * size swings between empty and a few thousand mappings. */
static void test_btree_random(void)
{
	static userspace_bookkeeping bk;
	static oracle o;
	fresh(0x00400000, 0x00800000);
	userspace_bookkeeping_new(&bk);
	o.n = 0;
	oracle_insert(&o, 0xc0000000u, 0x3fc00000u);
	oracle_insert(&o, 0xffc00000u, 0x00400000u);
	srand(16);
	int bad_add = 0, bad_remove = 0, bad_lookup = 0, bad_find = 0, bad_tree = 0, emptied = 0;
	int target = 4000;
	for (int k = 0; k < 100000; k++) {
		if (k % 20000 == 0)
			target = target ? 0 : 4000; /* shrink to empty, then grow */
		bool grow = o.n < target ? rand() % 4 != 0 : rand() % 4 == 0;
		uint32_t a = 0x00200000u + (uint32_t)(rand() % 0x8000) * 0x1000u;
		if (grow && o.n < 8000) {
			uint32_t len = (uint32_t)(rand() % 4 + 1) * 0x1000u;
			int f = oracle_floor(&o, a + len - 1);
			/* a start inside the range is refused; a covering one is avoided
			 * (a live trace never keeps a left overlap) */
			bool starts_in = f >= 0 && o.addr[f] >= a;
			bool covered = f >= 0 && o.addr[f] < a && o.addr[f] + o.len[f] > a;
			if (covered)
				continue;
			mapping m;
			CHECK(KERR_IS_OK(mapping_new(a, mapping_frames_none(), 0, len, MEMORY_TYPE_RESERVED, 0, &m)));
			kernel_error e = userspace_bookkeeping_add_mapping(&bk, m);
			if (starts_in)
				bad_add += e.kind != KERR_INVALID_ADDRESS || e.address != a;
			else if (KERR_IS_OK(e))
				oracle_insert(&o, a, len);
			else
				bad_add++;
		} else if (o.n) {
			int i = rand() % o.n;
			mapping out;
			int how = rand() % 8;
			if (how == 0) {
				/* wrong length */
				kernel_error e = userspace_bookkeeping_remove_mapping(&bk, o.addr[i], o.len[i] + 0x1000u, &out);
				bad_remove += e.kind != KERR_INVALID_SIZE;
			} else if (how == 1) {
				/* no mapping starts there */
				int f = oracle_floor(&o, a);
				if (f < 0 || o.addr[f] != a) {
					kernel_error e = userspace_bookkeeping_remove_mapping(&bk, a, 0x1000, &out);
					bad_remove += e.kind != KERR_INVALID_ADDRESS || e.address != a;
				}
			} else {
				bad_remove += !bt_remove(&bk, &o, i);
			}
		}
		if (o.n == 0)
			emptied++;
		/* lookups at a random address */
		uint32_t b = (uint32_t)rand() * 2654435761u;
		if (rand() % 2)
			b = 0x00200000u + (uint32_t)(rand() % 0x8000) * 0x1000u + (uint32_t)(rand() % 3) * 0x800u;
		int f = oracle_floor(&o, b);
		const mapping *p = userspace_bookkeeping_mapping_at_or_preceding(&bk, b);
		const mapping *c = userspace_bookkeeping_mapping_at_or_following(&bk, b);
		int cf = f >= 0 && o.addr[f] == b ? f : f + 1;
		bad_lookup += f < 0 ? p != NULL : !(p && p->address == o.addr[f]);
		bad_lookup += cf >= o.n ? c != NULL : !(c && c->address == o.addr[cf]);
		bool vacant;
		if (KERR_IS_OK(userspace_bookkeeping_is_vacant(&bk, b, 0x1000, &vacant)))
			bad_lookup += vacant != !(cf < o.n && o.addr[cf] <= b + 0xfffu);
		/* find_available_space against the oracle's linear walk */
		if (k % 8 == 0) {
			uint32_t len = (uint32_t)(rand() % 6 + 1) * 0x1000u;
			if (rand() % 40 == 0)
				len = 0xbfe00000u;
			vaddr_t x = 0, y = 0;
			kernel_error e1 = userspace_bookkeeping_find_available_space(&bk, len, &x);
			kernel_error e2 = oracle_find(&o, len, &y);
			bad_find += e1.kind != e2.kind || x != y;
		}
		if (k % 500 == 0 || o.n == 0)
			bad_tree += !btree_ok(&bk, &o);
	}
	CHECK(bad_add == 0);
	CHECK(bad_remove == 0);
	CHECK(bad_lookup == 0);
	CHECK(bad_find == 0);
	CHECK(bad_tree == 0);
	CHECK(emptied > 0);
	CHECK(btree_ok(&bk, &o));
	userspace_bookkeeping_drop(&bk);
	CHECK(bk.root == NULL && bk.first == NULL && bk.height == 0); /* empty afterwards */
	CHECK_HEAP_EMPTY();
}

static void test_mapping(void)
{
	mapping m;
	fresh(0x00400000, 0x00800000);
	CHECK(mapping_new(0x1001, mapping_frames_none(), 0, 0x1000, MEMORY_TYPE_RESERVED, 0, &m).kind == KERR_INVALID_ADDRESS);
	kernel_error e = mapping_new(0x1000, mapping_frames_none(), 0, 0x1800, MEMORY_TYPE_RESERVED, 0, &m);
	CHECK(e.kind == KERR_INVALID_ADDRESS && e.address == 0x1800);
	CHECK(mapping_new(0x1000, mapping_frames_none(), 0, 0, MEMORY_TYPE_RESERVED, 0, &m).kind == KERR_INVALID_SIZE);
	CHECK(mapping_new(0xffffe000, mapping_frames_none(), 0, 0x2000, MEMORY_TYPE_RESERVED, 0, &m).kind == KERR_NONE);
	CHECK(mapping_new(0xffffe000, mapping_frames_none(), 0, 0x3000, MEMORY_TYPE_RESERVED, 0, &m).kind == KERR_INVALID_ADDRESS);
	e = mapping_new(0x1000, mapping_frames_none(), 0, 0x1000, MEMORY_TYPE_NORMAL, 0, &m);
	CHECK(e.kind == KERR_WRONG_MAPPING_FRAMES_FOR_TY && e.ty == MEMORY_TYPE_NORMAL);
	/* frames_it honours offset and length */
	region_vec v;
	CHECK(KERR_IS_OK(frame_allocator_allocate_frames_fragmented(0x3000, &v)));
	shared_frames *s = shared_frames_new(v);
	CHECK(KERR_IS_OK(mapping_new(0x1000, mapping_frames_shared(shared_frames_clone(s)), 0x1000, 0x1000,
	                             MEMORY_TYPE_STACK, 0, &m)));
	frame_iter it = mapping_frames_it(&m);
	paddr_t p;
	CHECK(frame_iter_next(&it, &p) && p == 0x00401000 && !frame_iter_next(&it, &p));
	CHECK(s->refcount == 2);
	mapping_drop(&m);
	CHECK(s->refcount == 1 && frame_allocator_free_count() == 1021);
	e = mapping_new(0x1000, mapping_frames_shared(shared_frames_clone(s)), 0x1000, 0x3000, MEMORY_TYPE_STACK, 0, &m);
	CHECK(e.kind == KERR_INVALID_SIZE && e.size == 0x3000 && s->refcount == 1);
	/* an offset past the frames is an InvalidAddress of the offset */
	e = mapping_new(0x1000, mapping_frames_shared(shared_frames_clone(s)), 0x4000, 0x1000, MEMORY_TYPE_STACK, 0, &m);
	CHECK(e.kind == KERR_INVALID_ADDRESS && e.address == 0x4000 && s->refcount == 1);
	/* an offset at the frames' end is not past them: no frame is left for
	 * the length, an InvalidSize of the length */
	e = mapping_new(0x1000, mapping_frames_shared(shared_frames_clone(s)), 0x3000, 0x1000, MEMORY_TYPE_STACK, 0, &m);
	CHECK(e.kind == KERR_INVALID_SIZE && e.size == 0x1000 && s->refcount == 1);
	shared_frames_drop(s);
	CHECK(frame_allocator_free_count() == 1024);
	CHECK_HEAP_EMPTY();
}

static void test_entries_and_lands(void)
{
	i386_entry e = 0;
	CHECK(i386_entry_flags_from_rights(0) == I386_ENTRY_GUARD_PAGE);
	CHECK(i386_entry_flags_from_rights(MAPPING_ACCESS_RIGHTS_EXECUTABLE) == I386_ENTRY_PRESENT);
	CHECK(i386_entry_flags_from_rights(11) == (I386_ENTRY_PRESENT | I386_ENTRY_WRITABLE | I386_ENTRY_USER_ACCESSIBLE));
	i386_entry_set(&e, 0x00401000, i386_entry_flags_from_rights(3));
	CHECK(e == 0x00401003 && i386_entry_pointed_frame(&e).kind == PAGE_STATE_PRESENT);
	i386_entry_set(&e, 0x00401000, I386_ENTRY_GUARD_PAGE);
	CHECK(e == 0x200 && i386_entry_pointed_frame(&e).kind == PAGE_STATE_GUARDED);
	CHECK(i386_entry_set_unused(&e).kind == PAGE_STATE_GUARDED && e == 0);
	CHECK_PANICS(i386_entry_set(&e, 0x00401800, I386_ENTRY_PRESENT));
	CHECK_PANICS(i386_entry_set(&e, 0x00401000, I386_ENTRY_PRESENT | I386_ENTRY_GUARD_PAGE));
	CHECK(land_contains_region(&USER_LAND, 0x00200000, 0xbfe00000));
	CHECK(!land_contains_region(&USER_LAND, 0x00200000, 0xbfe00001));
	CHECK(!land_contains_region(&USER_LAND, 0x001ff000, 0x1000));
	CHECK(!land_contains_region(&USER_LAND, 0xfffff000, 0x2000));
	CHECK(land_length(&KERNEL_LAND) == 0x3fc00000);
	CHECK_PANICS(land_contains_region(&USER_LAND, 0x00400000, 0));
	CHECK(land_check_contains_address(&USER_LAND, 0xc0000000).kind == KERR_INVALID_ADDRESS);
	CHECK_PANICS(ck_add(0xffffffffu, 1));
	CHECK_PANICS(ck_sub(0, 1));
	CHECK(align_up(0x1001, 0x1000) == 0x2000);
	CHECK_PANICS(align_up(0xfffff001, 0x1000));
	/* MemoryState::ty: a low byte that names no type is Reserved */
	CHECK(memory_state_ty(0x15) == MEMORY_TYPE_CODE_WRITABLE);
	CHECK(memory_state_ty(0x16) == MEMORY_TYPE_RESERVED && memory_state_ty(0xff) == MEMORY_TYPE_RESERVED);
	CHECK(memory_type_get_memory_state(MEMORY_TYPE_CODE_WRITABLE) == memory_state_from_bits_truncate(0x00402015));
	CHECK_PANICS(memory_type_get_memory_state((memory_type)MEMORY_TYPE_COUNT));
}

/* unmap_callback: counts the frames unmapped. */
static void count_unmapped(void *ctx, paddr_t paddr)
{
	(void)paddr;
	++*(uint32_t *)ctx;
}

/* entry_callback: keeps the last state seen. */
static void last_state(void *ctx, page_state state, uint32_t length)
{
	(void)length;
	*(page_state *)ctx = state;
}

/* Entry `i` of the top-level table of `h`. */
static i386_entry dir_entry(table_hierarchy *h, uint32_t i)
{
	hier_table top;
	h->get_top_level_table(h, &top);
	i386_entry e = top.entries[i];
	hier_table_drop(&top);
	return e;
}

/* The state of the page at `va` in `h`. */
static page_state hier_state(table_hierarchy *h, vaddr_t va)
{
	page_state s = { PAGE_STATE_AVAILABLE, 0 };
	table_hierarchy_for_every_entry(h, va, PAGE_SIZE, last_state, &s);
	return s;
}

static void test_hierarchy(void)
{
	uint32_t unmapped = 0;
	process_memory pm;
	fresh(0x00400000, 0x00800000);
	process_memory_default(&pm);
	CHECK(frame_allocator_free_count() == 1023);
	/* inactive path: the directory maps nothing but itself */
	hier_table top;
	pm.table_hierarchy.base.get_top_level_table(&pm.table_hierarchy.base, &top);
	CHECK(top.entries[1023] == (pm.table_hierarchy.directory_physical_address | 3));
	CHECK(top.entries[0] == 0);
	hier_table_drop(&top);
	/* KernelLand temporary windows are all released */
	CHECK(kernel_memory_mapping_state(get_kernel_memory(), 0xc0000000).kind == PAGE_STATE_AVAILABLE);
	CHECK(KERR_IS_OK(process_memory_create_regular_mapping(&pm, 0x00400000, 0x2000, MEMORY_TYPE_NORMAL, 11)));
	CHECK(kernel_memory_mapping_state(get_kernel_memory(), 0xc0000000).kind == PAGE_STATE_AVAILABLE);
	/* unmapping part of a guarded 4 MiB: the directory's guard entry is
	 * split into a new page table of guards, less the page unmapped (no
	 * ProcessMemory or KernelMemory call does this: KernelLand's directory
	 * entries are all page tables, and a UserLand unmap is of a whole
	 * mapping) */
	table_hierarchy *h = &pm.table_hierarchy.base;
	uint32_t before = frame_allocator_free_count();
	table_hierarchy_guard(h, 0x00800000, 0x400000);
	CHECK(frame_allocator_free_count() == before);
	/* the space search steps over the guard entry of the directory */
	vaddr_t found;
	CHECK(table_hierarchy_find_available_virtual_space_aligned(h, 0x1000, 0x00800000, 0x01000000, 0x1000, &found) &&
	      found == 0x00c00000);
	static uint32_t first_word[1024]; /* of each frame in [0x00400000, 0x00800000) */
	for (uint32_t i = 0; i < 1024; i++)
		memcpy(&first_word[i], sim_phys_page(0x00400000 + i * PAGE_SIZE), 4);
	table_hierarchy_unmap(h, 0x00801000, 0x1000, count_unmapped, &unmapped);
	CHECK(frame_allocator_free_count() == before - 1 && unmapped == 0);
	CHECK(hier_state(h, 0x00800000).kind == PAGE_STATE_GUARDED);
	CHECK(hier_state(h, 0x00801000).kind == PAGE_STATE_AVAILABLE);
	CHECK(hier_state(h, 0x00bff000).kind == PAGE_STATE_GUARDED);
	CHECK(hier_state(h, 0x00c00000).kind == PAGE_STATE_AVAILABLE);
	/* the new table was written, and nothing else (its 1024 entries only) */
	paddr_t table_b = dir_entry(h, 2) & ~(paddr_t)0xfff;
	uint32_t changed = 0;
	for (uint32_t i = 0; i < 1024; i++)
		changed += 0x00400000 + i * PAGE_SIZE != table_b &&
		           memcmp(&first_word[i], sim_phys_page(0x00400000 + i * PAGE_SIZE), 4) != 0;
	CHECK(table_b >= 0x00400000 && table_b < 0x00800000 && changed == 0);
	/* the space search ends at the end of each table: a hole in the last
	 * page of one does not run on into what lies in memory after it (here
	 * a zeroed frame, which reads as an unused entry), and the guarded
	 * first page of the next table ends it */
	table_hierarchy_unmap(h, 0x00bff000, 0x1000, count_unmapped, &unmapped);
	physical_mem_region spacer;
	CHECK(KERR_IS_OK(frame_allocator_allocate_frame(&spacer)) && spacer.start_addr == table_b + PAGE_SIZE);
	memset(sim_phys_page(spacer.start_addr), 0, PAGE_SIZE);
	table_hierarchy_guard(h, 0x00c00000, 0x1000);
	CHECK(table_hierarchy_find_available_virtual_space_aligned(h, 0x2000, 0x00bff000, 0x01000000, 0x1000, &found) &&
	      found == 0x00c01000);
	/* a hole that ends exactly at end_addr fits; one page more does not */
	CHECK(table_hierarchy_find_available_virtual_space_aligned(h, 0x1000, 0x00c01000, 0x00c02000, 0x1000, &found) &&
	      found == 0x00c01000);
	CHECK(!table_hierarchy_find_available_virtual_space_aligned(h, 0x2000, 0x00c01000, 0x00c02000, 0x1000, &found));
	/* a range across 2 GiB, whose start + end would wrap */
	CHECK(table_hierarchy_find_available_virtual_space_aligned(h, 0x20000000, 0x40000000, 0xd0000000, 0x1000, &found) &&
	      found == 0x40000000);
	/* an empty search range is allowed, and holds nothing */
	CHECK(!table_hierarchy_find_available_virtual_space_aligned(h, 0x1000, 0x00c01000, 0x00c01000, 0x1000, &found));
	/* a hole exactly as long as asked for is taken, though a used page
	 * follows it and a longer hole lies further on */
	table_hierarchy_guard(h, 0x00c02000, 0x1000);
	CHECK(table_hierarchy_find_available_virtual_space_aligned(h, 0x1000, 0x00c01000, 0x01000000, 0x1000, &found) &&
	      found == 0x00c01000);
	/* every table the searches mapped in KernelLand is unmapped again */
	CHECK(kernel_memory_mapping_state(get_kernel_memory(), 0xc0000000).kind == PAGE_STATE_AVAILABLE);
	physical_mem_region_drop(&spacer);
	/* a page table has no children, inactive or active */
	hier_table pt, none;
	table_hierarchy_guard(h, 0x01000000, 0x400000);
	pm.table_hierarchy.base.get_top_level_table(&pm.table_hierarchy.base, &top);
	CHECK(top.ops->get_child_table(&top, 1, &pt) == PAGE_STATE_PRESENT && pt.ops->level == 0);
	/* the child of a directory's guard entry is GUARDED, and nothing is
	 * made; the child of an unused entry is a new table */
	before = frame_allocator_free_count();
	CHECK(hier_table_get_child_table_or_create(&top, 4, &none) == PAGE_STATE_GUARDED &&
	      frame_allocator_free_count() == before);
	hier_table fresh_pt;
	CHECK(hier_table_get_child_table_or_create(&top, 5, &fresh_pt) == PAGE_STATE_PRESENT &&
	      fresh_pt.ops->level == 0 && frame_allocator_free_count() == before - 1);
	hier_table_drop(&fresh_pt);
	CHECK_PANICS(pt.ops->get_child_table(&pt, 0, &none));
	CHECK_PANICS(pt.ops->create_child_table(&pt, 1, &none));
	hier_table_drop(&pt);
	hier_table_drop(&top);
	/* active path: the same tables through the recursive mapping */
	process_memory_switch_to(&pm);
	table_hierarchy *active = process_memory_get_hierarchy(&pm);
	active->get_top_level_table(active, &top);
	CHECK(top.ops->get_child_table(&top, 1, &pt) == PAGE_STATE_PRESENT && pt.ops->level == 0);
	CHECK_PANICS(pt.ops->get_child_table(&pt, 0, &none));
	CHECK_PANICS(pt.ops->create_child_table(&pt, 1, &none));
	hier_table_drop(&pt);
	hier_table_drop(&top);
	/* mapping over a present page panics in rec_map_to, before any table
	 * is asked for a child */
	physical_mem_region mmio_frame = physical_mem_region_new_unchecked(0x00900000, 0x1000);
	frame_iter one = frame_iter_region(&mmio_frame);
	CHECK_PANICS_WITH(table_hierarchy_map_to_from_iterator(active, &one, 0x00400000, MAPPING_ACCESS_RIGHTS_K_RW),
	                  "rec_map_to was asked to map a non-available entry");
	physical_mem_region_forget(&mmio_frame);
	/* guarding a present page panics in rec_guard itself, not in a page
	 * table asked for a child (a panic line is compared on the word alone,
	 * so only this check tells the two apart) */
	CHECK_PANICS_WITH(table_hierarchy_guard(active, 0x00400000, 0x1000),
	                  "rec_guard was asked to guard a non-available entry");
	uint32_t v;
	CHECK(machine_read32(0x00400000, &v) == 0 && v == 0x00401000);
	CHECK(machine_write32(0x00401ffc, 5) == 0 && machine_read32(0x00401ffc, &v) == 0 && v == 5);
	CHECK(machine_read32(0x00402000, &v) == -1);
	mapping m;
	CHECK(KERR_IS_OK(process_memory_unmap(&pm, 0x00400000, 0x2000, &m)));
	mapping_drop(&m);
	CHECK(machine_read32(0x00400000, &v) == -1);
	CHECK_PANICS(process_memory_drop(&pm));
	mach_swap_cr3(SIM_BOOT_DIR);
	process_memory_drop(&pm);
	CHECK_HEAP_EMPTY();
	CHECK(frame_allocator_free_count() == 1024);
}

/* KernelMemory's own API (upstream uses it outside ProcessMemory too). */
static void test_kernel_memory(void)
{
	kernel_memory *km = get_kernel_memory();
	fresh(0x00400000, 0x00408000); /* 8 frames */
	vaddr_t a = kernel_memory_get_page(km);
	CHECK(a == 0xc0000000 && frame_allocator_free_count() == 7);
	page_state st = kernel_memory_mapping_state(km, a + 0x123);
	CHECK(st.kind == PAGE_STATE_PRESENT && st.addr == 0x00400000);
	vaddr_t b = kernel_memory_get_pages(km, 0x3000);
	CHECK(b == 0xc0001000 && frame_allocator_free_count() == 4);
	uint32_t *w = mach_kptr(b + 0x2000);
	CHECK(*w == 0x00403000); /* data frames are not zeroed */
	kernel_memory_guard(km, 0xc0004000, 0x1000);
	CHECK(kernel_memory_mapping_state(km, 0xc0004000).kind == PAGE_STATE_GUARDED);
	vaddr_t c;
	CHECK(KERR_IS_OK(kernel_memory_find_virtual_space(km, 0x1000, &c)) && c == 0xc0005000);
	CHECK(KERR_IS_OK(kernel_memory_find_virtual_space_aligned(km, 0x1000, 0x400000, &c)) && c == 0xc0400000);
	kernel_memory_unmap(km, b, 0x3000);
	CHECK(frame_allocator_free_count() == 7);
	physical_mem_region mmio;
	CHECK(KERR_IS_OK(physical_mem_region_on_fixed_mmio(0x00900000, 0x2000, &mmio)));
	vaddr_t d = kernel_memory_map_phys_region(km, mmio, MAPPING_ACCESS_RIGHTS_K_RW);
	CHECK(d == 0xc0001000 && kernel_memory_mapping_state(km, d + 0x1000).addr == 0x00901000);
	region_vec v;
	CHECK(KERR_IS_OK(frame_allocator_allocate_frames_fragmented(0x2000, &v)));
	vaddr_t e = kernel_memory_map_phys_regions(km, &v, MAPPING_ACCESS_RIGHTS_K_RW);
	CHECK(e == 0xc0005000); /* 0xc0003000 is a one-page hole before the guard */
	vaddr_t f = kernel_memory_map_frame_iterator(km, frame_iter_vec(&v), MAPPING_ACCESS_RIGHTS_K_RW);
	CHECK(f == 0xc0007000 && kernel_memory_mapping_state(km, f).addr == v.items[0].start_addr);
	CHECK(frame_iter_count(frame_iter_vec(&v)) == 2);
	kernel_memory_unmap_no_dealloc(km, e, 0x2000);
	kernel_memory_unmap_no_dealloc(km, f, 0x2000);
	region_vec_drop(&v);
	/* map_allocate_to maps new frames and frees the vector that held them */
	uint32_t live = machine_heap_metered_live();
	kernel_memory_map_allocate_to(km, 0xc0800000, 0x2000, MAPPING_ACCESS_RIGHTS_K_RW);
	CHECK(machine_heap_metered_live() == live && frame_allocator_free_count() == 5);
	CHECK(kernel_memory_mapping_state(km, 0xc0801000).kind == PAGE_STATE_PRESENT);
	kernel_memory_unmap(km, 0xc0800000, 0x2000);
	CHECK(frame_allocator_free_count() == 7);
	/* a mirror that finds no room in KernelLand fails, and gives back its
	 * reference to the shared frames */
	region_vec sv;
	CHECK(KERR_IS_OK(frame_allocator_allocate_frames_fragmented(0x1000, &sv)));
	shared_frames *sf = shared_frames_new(sv);
	mapping sm;
	CHECK(KERR_IS_OK(mapping_new(0x00400000, mapping_frames_shared(shared_frames_clone(sf)), 0, 0x1000,
	                             MEMORY_TYPE_SHARED_MEMORY, MAPPING_ACCESS_RIGHTS_K_RW, &sm)));
	cross_process_mapping cm;
	kernel_error ce = cross_process_mapping_mirror_mapping(&sm, 0, 0x40000000, &cm);
	CHECK(ce.kind == KERR_VIRTUAL_MEMORY_EXHAUSTION && sf->refcount == 2);
	mapping_drop(&sm);
	shared_frames_drop(sf);
	CHECK(frame_allocator_free_count() == 7 && machine_heap_metered_live() == live);
	CHECK_PANICS(kernel_memory_unmap(km, 0xc0004000 + 0x400000, 0x1000)); /* not mapped */
	/* map_allocate_to over 4 runs of one frame (a region vector filled to
	 * its capacity): each run mapped in order, nothing past the vector's
	 * end touched */
	fresh(0x00400000, 0x00408000);
	physical_mem_region held[8];
	for (int i = 0; i < 8; i++)
		CHECK(KERR_IS_OK(frame_allocator_allocate_frame(&held[i])));
	for (int i = 0; i < 8; i += 2)
		physical_mem_region_drop(&held[i]);
	kernel_memory_map_allocate_to(km, 0xc0800000, 0x4000, MAPPING_ACCESS_RIGHTS_K_RW);
	CHECK(frame_allocator_free_count() == 0 && kernel_memory_mapping_state(km, 0xc0803000).addr == 0x00406000);
	kernel_memory_unmap(km, 0xc0800000, 0x4000);
	for (int i = 1; i < 8; i += 2)
		physical_mem_region_drop(&held[i]);
	CHECK(frame_allocator_free_count() == 8 && machine_heap_metered_live() == live);
	/* reserve_kernel_land_frames marks what KernelLand maps: a frame that is
	 * free yet mapped in KernelLand would now be taken */
	fresh(0x00400000, 0x00408000);
	/* as at boot, the frames of the boot directory and KernelLand tables are
	 * in RAM the allocator believes free */
	frame_allocator_mark_area_free(SIM_BOOT_DIR, SIM_FLAT_END);
	kernel_memory_map_phys_region_to(km, physical_mem_region_new_unchecked(0x00400000, 0x1000), 0xc0000000,
	                                 MAPPING_ACCESS_RIGHTS_K_RW);
	kernel_memory_reserve_kernel_land_frames(km);
	CHECK(!frame_allocator_frame_is_free(0x400) && frame_allocator_free_count() == 7);
	CHECK_PANICS(mark_frame_bootstrap_allocated(0x00400000));
}

int main(void)
{
	if (MACHINE_SETJMP(machine_panic_jmp)) {
		printf("FAIL unexpected panic: %s\n%d passed, %d failed\n", machine_panic_msg, passed, failed + 1);
		return 1;
	}
	memcpy(top_jmp, machine_panic_jmp, sizeof(top_jmp));
	test_frame_allocator();
	test_region_vec();
	test_heap_exhaustion();
	test_bookkeeping();
	test_mapping();
	test_find_available_space();
	test_btree_shapes();
	test_btree_random();
	test_entries_and_lands();
	test_hierarchy();
	test_kernel_memory();
	machine_shutdown();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
