/* reset.c -- machine_reset() between traces, in proportion to what the
 * previous trace wrote.
 *
 * mmu.c's machine_reset() rewrites every word of trace RAM (15.6 MiB), which
 * costs about 9 ms under TCG: more than everything else a small trace does.
 * The kernel is linked with --wrap=machine_reset, so the runner reaches
 * __wrap_machine_reset() below instead. It does the same, except that it
 * rewrites only the trace RAM pages the last trace may have written:
 *
 *  - page tables and directories: the port writes trace RAM only in the
 *    frames it takes with frame_allocator_allocate_frame() (zeroed tables),
 *    and that call is wrapped too (reset_port.c);
 *  - the `write` and `mirror_write` ops: machine_write32() stores through
 *    probe_write32() below, which marks the page it wrote.
 *
 * Frames handed to user mappings are never written by the port (upstream
 * does not zero them). The full reset still runs for the first trace of a
 * boot (RAM may hold anything then) and after a crash (the trace may have
 * written anywhere). With the "verifyreset" command-line option the kernel
 * checks all of trace RAM after every reset and crashes the trace that
 * finds it changed: the test of this file's promise.
 */
#include <string.h>

#include "machine.h"
#include "i386.h"

#define TRACE_PAGES  (TRACE_RAM_HIGH_END >> 12)
#define KL_PTE_COUNT (KL_TABLES * 1024u)
#define WINDOW_PTE   ((FILL_WINDOW - KERNELLAND_BASE) >> 12)

void __real_machine_reset(void);
void __wrap_machine_reset(void);

static uint32_t dirty_bits[TRACE_PAGES / 32];
static uint16_t dirty_list[TRACE_PAGES];
static uint32_t ndirty;
static int full_needed = 1;
static int verify;

/* True when physical page number `pg` is a page of trace RAM. */
static int is_trace_page(uint32_t pg)
{
	return pg < (TRACE_RAM_LOW_END >> 12) ||
	       (pg >= (TRACE_RAM_HIGH_BASE >> 12) && pg < TRACE_PAGES);
}

/* Marks the trace RAM page holding physical address `pa` for the next
 * reset (nothing for an address outside trace RAM). */
void reset_mark_dirty(uint32_t pa)
{
	uint32_t pg = pa >> 12;

	if (!is_trace_page(pg) || (dirty_bits[pg / 32] >> (pg % 32)) & 1)
		return;
	dirty_bits[pg / 32] |= 1u << (pg % 32);
	dirty_list[ndirty++] = (uint16_t)pg;
}

/* The next reset rewrites all of trace RAM. */
void reset_force_full(void)
{
	full_needed = 1;
}

/* Turns the check of all trace RAM after each reset on or off. */
void reset_set_verify(int on)
{
	verify = on;
}

/* Empties the dirty set. */
static void dirty_clear(void)
{
	for (uint32_t i = 0; i < ndirty; i++)
		dirty_bits[dirty_list[i] / 32] = 0;
	ndirty = 0;
}

/* Rewrites the identity pattern over the dirty pages, through the fill
 * window (left mapped: the KernelLand clear that follows unmaps it). */
static void refill_dirty(void)
{
	for (uint32_t i = 0; i < ndirty; i++) {
		uint32_t pa = (uint32_t)dirty_list[i] << 12;
		kl_ptes[WINDOW_PTE + dirty_list[i]] = pa | PTE_P | PTE_W;
	}
	lcr3(rcr3());
	for (uint32_t i = 0; i < ndirty; i++) {
		uint32_t pa = (uint32_t)dirty_list[i] << 12;
		uint32_t *p = (uint32_t *)(FILL_WINDOW + pa);
		for (uint32_t k = 0; k < PAGE_SIZE / 4; k += 4, pa += 16) {
			p[k] = pa;
			p[k + 1] = pa + 4;
			p[k + 2] = pa + 8;
			p[k + 3] = pa + 12;
		}
	}
}

/* Empties KernelLand outside the kernel's own area (as mmu.c does). */
static void kernelland_clear(void)
{
	uint32_t kstart = (KERNEL_VIRT - KERNELLAND_BASE) >> 12;
	uint32_t kend = (P2V(mmu_direct_end()) - KERNELLAND_BASE) >> 12;

	memset(kl_ptes, 0, kstart * 4);
	memset(&kl_ptes[kend], 0, (KL_PTE_COUNT - kend) * 4);
	lcr3(rcr3());
}

/* The first word of trace RAM that does not hold its own address, or 1
 * when every word does (read through the fill window, unmapped after). */
uint32_t reset_ram_mismatch(void)
{
	uint32_t bad = 1;

	for (uint32_t pg = 0; pg < TRACE_PAGES; pg++)
		if (is_trace_page(pg))
			kl_ptes[WINDOW_PTE + pg] = (pg << 12) | PTE_P;
	lcr3(rcr3());
	for (uint32_t pg = 0; pg < TRACE_PAGES && bad == 1; pg++) {
		if (!is_trace_page(pg))
			continue;
		const uint32_t *p = (const uint32_t *)(FILL_WINDOW + (pg << 12));
		for (uint32_t k = 0; k < PAGE_SIZE / 4; k++)
			if (p[k] != (pg << 12) + k * 4) {
				bad = (pg << 12) + k * 4;
				break;
			}
	}
	memset(&kl_ptes[WINDOW_PTE], 0, TRACE_PAGES * 4);
	lcr3(rcr3());
	return bad;
}

/* Crashes the running trace when trace RAM is not all pattern. */
static void verify_trace_ram(void)
{
	uint32_t bad = reset_ram_mismatch();

	if (bad != 1) {
		char msg[96];
		full_needed = 1;
		ksnprintf(msg, sizeof msg,
		          "reset left trace RAM changed at 0x%08x", bad);
		trace_crashed(msg);
	}
}

/* machine.h: the state before a trace. */
void __wrap_machine_reset(void)
{
	if (full_needed) {
		__real_machine_reset();
		full_needed = 0;
	} else {
		mmu_restore_boot_cr3();
		refill_dirty();
		kernelland_clear();
		heap_reset();
	}
	dirty_clear();
	if (verify)
		verify_trace_ram();
}
