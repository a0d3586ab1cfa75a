/* tlb_test.c -- the hosted machine's TLB and change reports (sim.c).
 *
 * Builds page tables by hand in the simulated RAM and checks that a cached
 * translation is used until a flush or a cr3 load drops it, that a missing
 * flush is reported by machine_tlb_stale, that a trace's own write into a
 * paging structure drops the TLB, that a write through a cached read-only
 * translation walks again, and that machine_take_changes reports exactly
 * the words the kernel changed. Exit 0 when all hold. */
#include <stdio.h>
#include <string.h>

#include "machine.h"
#include "sim.h"

static int failures;
#define CHECK(c) do { if (!(c)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #c); failures++; } } while (0)

static uint32_t *word(paddr_t pa) { return (uint32_t *)(sim_phys_page(pa) + (pa & 0xfff)); }

static void note(void *ctx, paddr_t pa, uint32_t old, uint32_t now)
{
	uint32_t *n = ctx;
	if (n[0] < 8) {
		n[1 + n[0] * 3] = pa;
		n[2 + n[0] * 3] = old;
		n[3 + n[0] * 3] = now;
	}
	n[0]++;
}

int main(void)
{
	const paddr_t dir = SIM_BOOT_DIR, table = 0x00400000, a = 0x00500000, b = 0x00600000;
	vaddr_t va;
	uint32_t v, cached, now;

	machine_reset();
	memset(sim_phys_page(table), 0, 4096);
	*word(dir + 1 * 4) = table | 3;    /* slot 1: 0x00400000..0x007fffff */
	*word(table + 0 * 4) = a | 3;      /* 0x00400000 -> a, writable */

	CHECK(machine_read32(0x00400010, &v) == 0 && v == a + 0x10);
	CHECK(machine_tlb_stale(&va, &cached, &now) == 0);

	/* the tables change without a flush: the cached translation is used */
	*word(table) = b | 3;
	CHECK(machine_read32(0x00400010, &v) == 0 && v == a + 0x10);
	CHECK(machine_tlb_stale(&va, &cached, &now) == 1 && va == 0x00400000 && (cached & ~0xfffu) == a &&
	      (now & ~0xfffu) == b);
	mach_flush_tlb();
	CHECK(machine_tlb_stale(&va, &cached, &now) == 0);
	CHECK(machine_read32(0x00400010, &v) == 0 && v == b + 0x10);

	/* unmapped without a flush: still readable; a cr3 load drops it */
	*word(table) = 0;
	CHECK(machine_read32(0x00400010, &v) == 0 && v == b + 0x10);
	CHECK(machine_tlb_stale(&va, &cached, &now) == 1 && now == 0);
	mach_swap_cr3(mach_read_cr3());
	CHECK(machine_read32(0x00400010, &v) == -1);
	CHECK(machine_tlb_stale(&va, &cached, &now) == 0);

	/* a not-present walk is not cached */
	*word(table) = a | 1; /* read-only */
	CHECK(machine_read32(0x00400010, &v) == 0 && v == a + 0x10);
	CHECK(machine_write32(0x00400010, 7) == -1);
	/* made writable without a flush: the write faults on the cached
	 * read-only entry, which is dropped, and the walk allows it */
	*word(table) = a | 3;
	CHECK(machine_write32(0x00400010, 7) == 0);
	CHECK(machine_read32(0x00400010, &v) == 0 && v == 7);
	CHECK(machine_tlb_stale(&va, &cached, &now) == 0);

	/* a trace's own write into a walked table drops the TLB: map the
	 * table itself at 0x00401000 and rewrite the entry of 0x00400000 */
	*word(table + 1 * 4) = table | 3;
	mach_flush_tlb();
	CHECK(machine_read32(0x00400010, &v) == 0 && v == 7);
	CHECK(machine_write32(0x00401000, b | 3) == 0);
	CHECK(machine_read32(0x00400010, &v) == 0 && v == b + 0x10);
	CHECK(machine_tlb_stale(&va, &cached, &now) == 0);

	/* changes: the kernel writes one word of a page it reached */
	uint32_t n[1 + 8 * 3] = { 0 };
	machine_take_changes(0, 0);
	uint32_t *k = mach_kptr(0xffc00000u + 1 * 4096); /* the table, through the recursive slot */
	CHECK(machine_take_changes(note, n) >= 1 && n[0] == 0); /* reached, unchanged */
	k = mach_kptr(0xffc00000u + 1 * 4096);
	k[5] = 0x1234;
	CHECK(machine_take_changes(note, n) >= 1 && n[0] == 1 && n[1] == table + 5 * 4 && n[2] == 0 && n[3] == 0x1234);
	n[0] = 0;
	CHECK(machine_take_changes(note, n) == 0 && n[0] == 0);

	machine_shutdown();
	if (!failures)
		printf("tlb_test: all checks passed\n");
	return failures != 0;
}
