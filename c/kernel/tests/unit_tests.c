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

static int passed, failed;

#define CHECK(cond) do { if (cond) passed++; else { failed++; printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)

/* Where an unexpected panic lands (main). */
static machine_jmp_buf top_jmp;

/* CHECK that `stmt` panics; then unexpected panics land in main again. */
#define CHECK_PANICS(stmt) do { \
	if (!MACHINE_SETJMP(machine_panic_jmp)) { stmt; failed++; printf("FAIL %s:%d: no panic: %s\n", __FILE__, __LINE__, #stmt); } \
	else passed++; \
	memcpy(machine_panic_jmp, top_jmp, sizeof(top_jmp)); } while (0)

/* A fresh machine with frames [start, end) free. */
static void fresh(paddr_t start, paddr_t end)
{
	machine_reset();
	frame_allocator_init_all_reserved();
	frame_allocator_mark_area_free(start, end);
}

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

static void test_bookkeeping(void)
{
	userspace_bookkeeping bk;
	uint32_t keys[600];
	int n = 0;
	fresh(0x00400000, 0x00800000);
	userspace_bookkeeping_new(&bk);
	CHECK(bk.count == 2);
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
	CHECK(bk.count == (uint32_t)n + 2);
	/* in-order traversal is sorted */
	uint32_t last = 0, count = 0;
	for (const mapping *m = userspace_bookkeeping_first(&bk); m; m = userspace_bookkeeping_next(&bk, m)) {
		CHECK(count == 0 || m->address > last);
		last = m->address;
		count++;
	}
	CHECK(count == bk.count);
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
	CHECK(bk.count == (uint32_t)(n / 2) + 2);
	/* is_vacant only looks at mapping starts (upstream behaviour) */
	bool vacant;
	CHECK(KERR_IS_OK(userspace_bookkeeping_is_vacant(&bk, keys[1] + 0x800, 0x800, &vacant)) && vacant);
	CHECK(userspace_bookkeeping_is_vacant(&bk, 0xfffff000, 0x2000, &vacant).kind == KERR_INVALID_ADDRESS);
	userspace_bookkeeping_drop(&bk);
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
	shared_frames_drop(s);
	CHECK(frame_allocator_free_count() == 1024);
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
}

static void test_hierarchy(void)
{
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
	/* active path: the same tables through the recursive mapping */
	process_memory_switch_to(&pm);
	uint32_t v;
	CHECK(machine_read32(0x00400000, &v) == 0 && v == 0x00401000);
	CHECK(machine_write32(0x00401ffc, 5) == 0 && machine_read32(0x00401ffc, &v) == 0 && v == 5);
	CHECK(machine_read32(0x00402000, &v) == -1);
	mapping m;
	CHECK(KERR_IS_OK(process_memory_unmap(&pm, 0x00400000, 0x2000, &m)));
	mapping_drop(&m);
	CHECK(machine_read32(0x00400000, &v) == -1);
	CHECK_PANICS(process_memory_drop(&pm));
	arch_swap_cr3(SIM_BOOT_DIR);
	process_memory_drop(&pm);
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
	uint32_t *w = arch_kptr(b + 0x2000);
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
	kernel_memory_unmap_no_dealloc(km, e, 0x2000);
	kernel_memory_unmap_no_dealloc(km, f, 0x2000);
	region_vec_drop(&v);
	CHECK_PANICS(kernel_memory_unmap(km, 0xc0004000 + 0x400000, 0x1000)); /* not mapped */
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
	test_bookkeeping();
	test_mapping();
	test_find_available_space();
	test_entries_and_lands();
	test_hierarchy();
	test_kernel_memory();
	machine_shutdown();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
