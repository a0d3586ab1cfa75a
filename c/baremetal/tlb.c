/* tlb.c -- mach_flush_tlb() as the port calls it, at the price TCG allows.
 *
 * The port asks for a whole-TLB flush after every page-table entry it
 * changes, as upstream does. On a real CPU that is cheap; under QEMU's TCG
 * a cr3 reload throws away the whole soft TLB and the jump cache: about
 * 2.5 us for the reload and as much again in refills, and the corpus asks
 * for 2.6 million of them (80% of its replay time). The kernel is linked
 * with --wrap=mach_flush_tlb, so the port's calls come here, and a full
 * flush happens only when a stale translation could be used by anything
 * but a probe:
 *
 *  - the port writes the active hierarchy's entries through the recursive
 *    mapping, so the CPU sets the dirty bit of directory entry i when it
 *    writes a PTE of table i, and of entry 1023 when it writes any
 *    directory entry. A dirty bit in entries 768..1023 means a KernelLand
 *    PTE or a directory entry changed: the port itself may use those
 *    translations (temporary mappings of inactive tables, the recursive
 *    view of a new table), so the TLB is flushed at once (and the dirty
 *    bits cleared, which re-arms the test);
 *  - otherwise only UserLand PTEs changed. Nothing in the kernel touches
 *    UserLand memory except the probes of machine_read32/write32 (the
 *    `read`/`write` ops), so the flush is left pending, and the next probe
 *    does it before its access.
 *
 * Inactive hierarchies are written through KernelLand temporary mappings,
 * whose creation and removal are KernelLand PTE changes: full flushes.
 */
#include "machine.h"
#include "i386.h"

#define PTE_D 0x40u

void __wrap_mach_flush_tlb(void);

static int user_flush_pending;

/* mach.h: make the page tables' changes visible (see above). */
void __wrap_mach_flush_tlb(void)
{
	volatile uint32_t *pd = (volatile uint32_t *)RECURSIVE_DIR;
	uint32_t any = 0;

	/* One OR per entry, no branch: a loop iteration is a translated
	 * block under TCG, so fewer and longer iterations are faster. */
	for (uint32_t i = KL_FIRST_SLOT; i <= RECURSIVE_SLOT; i += 16)
		any |= pd[i] | pd[i + 1] | pd[i + 2] | pd[i + 3] |
		       pd[i + 4] | pd[i + 5] | pd[i + 6] | pd[i + 7] |
		       pd[i + 8] | pd[i + 9] | pd[i + 10] | pd[i + 11] |
		       pd[i + 12] | pd[i + 13] | pd[i + 14] | pd[i + 15];
	if (!(any & PTE_D)) {
		user_flush_pending = 1;
		return;
	}
	/* Slot 1023 last: the writes before it go through the recursive
	 * view of the directory, whose own dirty bit they set. */
	for (uint32_t i = KL_FIRST_SLOT; i <= RECURSIVE_SLOT; i++)
		if (pd[i] & PTE_D)
			pd[i] &= ~PTE_D;
	lcr3(rcr3());
	user_flush_pending = 0;
}

/* Flushes what mach_flush_tlb() left pending, before a probe. */
static void flush_pending(void)
{
	if (user_flush_pending) {
		lcr3(rcr3());
		user_flush_pending = 0;
	}
}

/* machine.h's machine_read32() loads through here. */
int probe_read32(uint32_t va, uint32_t *out)
{
	flush_pending();
	return probe_load32(va, out);
}

/* machine.h's machine_write32() stores through here: the store, then the
 * page(s) it wrote marked for the next reset (reset.c). The tables that
 * translated it are present (the store did not fault), so the recursive
 * mapping reads them. */
int probe_write32(uint32_t va, uint32_t v)
{
	volatile uint32_t *ptes = (volatile uint32_t *)RECURSIVE_BASE;

	flush_pending();
	if (probe_store32(va, v) < 0)
		return -1;
	reset_mark_dirty(ptes[va >> 12] & ~(PAGE_SIZE - 1));
	if ((va & (PAGE_SIZE - 1)) > PAGE_SIZE - 4)
		reset_mark_dirty(ptes[(va + 3) >> 12] & ~(PAGE_SIZE - 1));
	return 0;
}
