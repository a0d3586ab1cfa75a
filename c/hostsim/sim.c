/* sim.c -- the hosted backend: a simulated i386 machine on Linux.
 *
 * Implements c/include/sunrise_mm/mach.h and harness/machine.h. Physical memory is
 * simulated: trace RAM and the kernel's own frames (the boot directory at
 * SIM_BOOT_DIR and the 255 KernelLand page tables after it) are flat arrays
 * initialised lazily, page by page, after each reset; any other physical
 * frame reads as zero until the kernel writes it.
 *
 * The MMU has a TLB, as a real i386 does: every successful translation (a
 * kernel access through mach_kptr, a trace's read or write) is cached per
 * page, and later accesses use the cached translation without walking the
 * tables again. Only mach_flush_tlb and a cr3 load (mach_swap_cr3) drop
 * cached translations, so a port that forgets a flush sees stale
 * translations here as it would on hardware. The TLB has no capacity limit
 * (nothing is evicted), so a forgotten flush is never hidden by an eviction.
 * A not-present or not-writable walk is never cached; a write through a
 * cached read-only translation drops it and walks again (as the processor
 * does on a page fault, which a kernel then retries).
 *
 * For the invariant checker the simulation also tracks which physical pages
 * the kernel reached through mach_kptr (page tables and directories) or a
 * trace wrote, and reports the words that changed (machine_take_changes). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"
#include "sim.h"

#define FLAT_PAGES (SIM_FLAT_END / PAGE)
#define PAGE 4096u

machine_jmp_buf machine_panic_jmp;
const char *machine_panic_msg;

static uint8_t *flat;                      /* SIM_FLAT_END bytes */
static uint8_t flat_ready[FLAT_PAGES / 8]; /* page initialised since reset */

/* Whether flat page n has been initialised since the reset. */
static bool flat_page_ready(uint32_t n)
{
	return (flat_ready[n / 8] & (1u << (n % 8))) != 0;
}
static paddr_t cr3 = SIM_BOOT_DIR;

/* ---- TLB ------------------------------------------------------------------ */

/* tlb[vpn]: the frame | TLB_VALID, and TLB_WRITABLE when both levels
 * allowed writes; TLB_LISTED while vpn is in tlb_live, the list of vpns
 * cached since the last full flush (an entry dropped by a fault stays
 * listed, without TLB_VALID, until the list is compacted). */
#define TLB_VALID 1u
#define TLB_WRITABLE 2u
#define TLB_LISTED 4u
static uint32_t *tlb;      /* 2^20 entries, allocated on first use */
static uint32_t *tlb_live; /* vpns cached since the last full flush */
static uint32_t tlb_nlive, tlb_cap;

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (!p) {
		fputs("simulator: out of host memory\n", stderr);
		abort();
	}
	return p;
}

static void tlb_flush_all(void)
{
	for (uint32_t i = 0; i < tlb_nlive; i++)
		tlb[tlb_live[i]] = 0;
	tlb_nlive = 0;
}

static void tlb_insert(uint32_t vpn, uint32_t value)
{
	if (!tlb) {
		tlb = calloc(1u << 20, sizeof(*tlb));
		if (!tlb) {
			fputs("simulator: out of host memory\n", stderr);
			abort();
		}
	}
	if (!(tlb[vpn] & TLB_LISTED)) {
		if (tlb_nlive == tlb_cap) {
			uint32_t cap = tlb_cap ? tlb_cap * 2 : 1024;
			uint32_t *n = xmalloc(cap * sizeof(*n));
			if (tlb_nlive)
				memcpy(n, tlb_live, tlb_nlive * sizeof(*n));
			free(tlb_live);
			tlb_live = n;
			tlb_cap = cap;
		}
		tlb_live[tlb_nlive++] = vpn;
	}
	tlb[vpn] = value | TLB_LISTED;
}

/* Frames the MMU walked since the reset (directories, page tables). A
 * trace's own write into one of them (through an alias: hosted-only traces)
 * drops the whole TLB: upstream's recorder has no TLB, so such a trace's
 * results are defined without one, and only the port's own forgotten
 * flushes may leave a stale translation behind. */
static uint8_t walked[FLAT_PAGES / 8];

static void mark_walked(paddr_t pa)
{
	paddr_t n = (pa & ~(PAGE - 1)) / PAGE;
	if (n < FLAT_PAGES)
		walked[n / 8] |= (uint8_t)(1u << (n % 8));
}

static bool was_walked(paddr_t pa)
{
	paddr_t n = (pa & ~(PAGE - 1)) / PAGE;
	return n < FLAT_PAGES && (walked[n / 8] & (1u << (n % 8)));
}

/* ---- change tracking for the checker ------------------------------------ */

/* Pages reached since the last machine_take_changes, with their content at the
 * first reach (shadow). A page outside the flat range cannot be tracked:
 * `untracked` then makes the next report say so. */
static uint8_t *shadow;                  /* SIM_FLAT_END bytes */
static uint32_t touched_epoch[FLAT_PAGES];
static uint32_t epoch = 1;
static uint32_t touched[FLAT_PAGES];
static uint32_t ntouched;
static bool untracked;

/* ---- sparse memory outside the flat range -------------------------------- */

typedef struct sparse_page {
	struct sparse_page *next;
	paddr_t frame;
	uint8_t bytes[PAGE];
} sparse_page;

#define SPARSE_BUCKETS 256
static sparse_page *sparse[SPARSE_BUCKETS];

/* The zero-initialised page backing physical frame `frame` outside flat RAM. */
static uint8_t *sparse_page_of(paddr_t frame)
{
	sparse_page **b = &sparse[(frame >> 12) % SPARSE_BUCKETS];
	for (sparse_page *p = *b; p; p = p->next)
		if (p->frame == frame)
			return p->bytes;
	sparse_page *p = calloc(1, sizeof(*p));
	if (!p) {
		fputs("simulator: out of host memory\n", stderr);
		abort();
	}
	p->frame = frame;
	p->next = *b;
	*b = p;
	return p->bytes;
}

/* Releases every sparse page. */
static void sparse_reset(void)
{
	for (unsigned i = 0; i < SPARSE_BUCKETS; i++) {
		sparse_page *p = sparse[i];
		while (p) {
			sparse_page *n = p->next;
			free(p);
			p = n;
		}
		sparse[i] = 0;
	}
}

/* ---- flat memory, initialised on first touch ----------------------------- */

/* True when the 4 bytes at pa are ordinary RAM a trace may touch. */
static bool in_trace_ram(paddr_t pa)
{
	return pa < TRACE_RAM_LOW_END || (pa >= TRACE_RAM_HIGH_BASE && pa < TRACE_RAM_HIGH_END);
}

/* Writes the initial content of flat page `frame`. */
static void flat_init_page(paddr_t frame)
{
	uint32_t *w = (uint32_t *)(flat + frame);
	if (in_trace_ram(frame)) {
		for (uint32_t i = 0; i < PAGE / 4; i++)
			w[i] = frame + i * 4; /* every word holds its own address */
	} else {
		memset(w, 0, PAGE);
		if (frame == SIM_BOOT_DIR) {
			for (uint32_t i = 0; i < SIM_KL_TABLES; i++)
				w[768 + i] = (SIM_KL_TABLE0 + i * PAGE) | 0x3;
			w[1023] = SIM_BOOT_DIR | 0x3; /* recursive mapping */
		}
	}
}

/* Host pointer to the 4 KiB physical page holding `paddr`. */
uint8_t *sim_phys_page(paddr_t paddr)
{
	paddr_t frame = paddr & ~(PAGE - 1);
	if (frame < SIM_FLAT_END) {
		uint32_t n = frame / PAGE;
		if (!flat_page_ready(n)) {
			flat_init_page(frame);
			flat_ready[n / 8] |= (uint8_t)(1u << (n % 8));
		}
		return flat + frame;
	}
	return sparse_page_of(frame);
}

/* Records that the page holding `pa` may be written during this epoch. */
static void touch(paddr_t pa)
{
	paddr_t frame = pa & ~(PAGE - 1);
	if (frame >= SIM_FLAT_END) {
		untracked = true;
		return;
	}
	uint32_t n = frame / PAGE;
	if (touched_epoch[n] == epoch)
		return;
	touched_epoch[n] = epoch;
	touched[ntouched++] = n;
	if (!shadow)
		shadow = xmalloc(SIM_FLAT_END);
	memcpy(shadow + frame, sim_phys_page(frame), PAGE);
}

int machine_take_changed_pages(machine_page_fn fn, void *ctx)
{
	int n = untracked ? -1 : (int)ntouched;
	for (uint32_t i = 0; i < ntouched && fn && !untracked; i++) {
		paddr_t frame = touched[i] * PAGE;
		const uint32_t *now = (const uint32_t *)(flat + frame);
		const uint32_t *was = (const uint32_t *)(shadow + frame);
		if (memcmp(now, was, PAGE))
			fn(ctx, frame, was, now);
	}
	ntouched = 0;
	untracked = false;
	if (++epoch == 0) {
		memset(touched_epoch, 0, sizeof(touched_epoch));
		epoch = 1;
	}
	return n;
}

typedef struct word_report {
	machine_word_fn fn;
	void *ctx;
} word_report;

static void report_words(void *ctx, paddr_t frame, const uint32_t *was, const uint32_t *now)
{
	const word_report *r = ctx;
	for (uint32_t w = 0; w < PAGE / 4; w++)
		if (now[w] != was[w])
			r->fn(r->ctx, frame + w * 4, was[w], now[w]);
}

int machine_take_changes(machine_word_fn fn, void *ctx)
{
	word_report r = { fn, ctx };
	return machine_take_changed_pages(fn ? report_words : 0, &r);
}

/* The 32-bit word at physical address paddr (4-byte aligned). */
static uint32_t *phys_word(paddr_t paddr)
{
	return (uint32_t *)(sim_phys_page(paddr) + (paddr & (PAGE - 1)));
}

/* ---- kernel heap, released wholesale on reset ---------------------------- */

typedef struct heap_block {
	struct heap_block *prev, *next;
	uint64_t metered; /* allocated while metering was on (and keeps the
	                   * payload 16-byte aligned) */
} heap_block;

static heap_block heap_head = { &heap_head, &heap_head, 0 };
static int heap_metering;
static uint32_t heap_metered_live;
static int heap_fail_after = -1; /* sim_heap_fail_after */

void sim_heap_fail_after(int n)
{
	heap_fail_after = n;
}

int machine_heap_meter(int on)
{
	int was = heap_metering;
	heap_metering = on;
	return was;
}

uint32_t machine_heap_metered_live(void)
{
	return heap_metered_live;
}

void *mach_alloc(size_t size)
{
	if (heap_fail_after == 0) {
		heap_fail_after = -1;
		return 0;
	}
	if (heap_fail_after > 0)
		heap_fail_after--;
	heap_block *b = malloc(sizeof(*b) + size);
	if (!b)
		return 0;
	b->metered = heap_metering != 0;
	heap_metered_live += heap_metering != 0;
	b->next = heap_head.next;
	b->prev = &heap_head;
	heap_head.next->prev = b;
	heap_head.next = b;
	return b + 1;
}

void mach_free(void *p)
{
	if (!p)
		return;
	heap_block *b = (heap_block *)p - 1;
	heap_metered_live -= b->metered != 0;
	b->prev->next = b->next;
	b->next->prev = b->prev;
	free(b);
}

/* Frees every block still allocated. */
static void heap_reset(void)
{
	while (heap_head.next != &heap_head)
		mach_free(heap_head.next + 1);
	heap_metering = 0;
	heap_metered_live = 0;
	heap_fail_after = -1;
}

/* ---- mach.h --------------------------------------------------------------- */

/* Walks the active tables for page `va`: the TLB value it would cache
 * (frame | TLB_VALID | TLB_WRITABLE), or 0 when the page is not present. */
static uint32_t walk(vaddr_t va)
{
	uint32_t pde = *phys_word((cr3 & ~(PAGE - 1)) + (va >> 22) * 4);
	mark_walked(cr3);
	if (!(pde & 1))
		return 0;
	mark_walked(pde);
	uint32_t pte = *phys_word((pde & ~(PAGE - 1)) + ((va >> 12) & 1023) * 4);
	if (!(pte & 1))
		return 0;
	return (pte & ~(PAGE - 1)) | TLB_VALID | (pde & pte & 2 ? TLB_WRITABLE : 0);
}

/* Translates va through the TLB, walking the tables on a miss; false when
 * va is not mapped (PRESENT) or, for a write, not WRITABLE at both levels. */
static bool translate(vaddr_t va, bool write, paddr_t *out)
{
	uint32_t vpn = va >> 12;
	uint32_t e = tlb ? tlb[vpn] & ~TLB_LISTED : 0;
	if (!(e & TLB_VALID) || (write && !(e & TLB_WRITABLE))) {
		if (e)
			tlb[vpn] = TLB_LISTED; /* the page fault drops it; the walk decides */
		e = walk(va);
		if (!e || (write && !(e & TLB_WRITABLE)))
			return false;
		tlb_insert(vpn, e);
	}
	*out = (e & ~(PAGE - 1)) | (va & (PAGE - 1));
	return true;
}

int machine_tlb_stale(vaddr_t *va, uint32_t *cached, uint32_t *now)
{
	uint32_t k = 0;
	int found = 0;
	for (uint32_t i = 0; i < tlb_nlive; i++) {
		uint32_t vpn = tlb_live[i];
		if (!(tlb[vpn] & TLB_VALID)) {
			tlb[vpn] = 0; /* dropped by a fault: compact it away */
			continue;
		}
		tlb_live[k++] = vpn;
		if (found)
			continue;
		uint32_t w = walk(vpn << 12);
		if (w != (tlb[vpn] & ~TLB_LISTED)) {
			*va = vpn << 12;
			*cached = tlb[vpn] & ~TLB_LISTED;
			*now = w;
			found = 1;
		}
	}
	tlb_nlive = k;
	return found;
}

void *mach_kptr(vaddr_t va)
{
	paddr_t pa;
	/* the port writes the tables it reaches through mach_kptr; the QEMU
	 * kernel runs with CR0.WP set, so a read-only window faults there */
	if (!translate(va, true, &pa))
		mach_panic(translate(va, false, &pa) ?
		           "kernel page fault: the kernel writes through a read-only mapping (CR0.WP)" :
		           "kernel page fault: the kernel touched an unmapped address");
	touch(pa);
	/* pages are initialised lazily; the next one is made ready now, so that
	 * a port that runs off the end of a table (entry 1024) writes into the
	 * next frame for good, as on hardware, and is not undone by that
	 * frame's first initialisation later */
	if ((pa & ~(PAGE - 1)) + PAGE < SIM_FLAT_END)
		(void)sim_phys_page((pa & ~(PAGE - 1)) + PAGE);
	return sim_phys_page(pa) + (pa & (PAGE - 1));
}

paddr_t mach_read_cr3(void) { return cr3; }

paddr_t mach_swap_cr3(paddr_t dir)
{
	paddr_t old = cr3;
	cr3 = dir;
	tlb_flush_all(); /* a cr3 load drops every (non-global) translation */
	return old;
}

void mach_flush_tlb(void) { tlb_flush_all(); }

bool mach_is_paging_on(void) { return true; }

_Noreturn void mach_panic(const char *msg)
{
	machine_panic_msg = msg;
	MACHINE_LONGJMP(machine_panic_jmp);
}

/* ---- machine.h ------------------------------------------------------------ */

void machine_reset(void)
{
	if (!flat) {
		flat = malloc(SIM_FLAT_END);
		if (!flat) {
			fputs("simulator: out of host memory\n", stderr);
			abort();
		}
	}
	memset(flat_ready, 0, sizeof(flat_ready));
	sparse_reset();
	heap_reset();
	cr3 = SIM_BOOT_DIR;
	if (tlb)
		tlb_flush_all();
	memset(walked, 0, sizeof(walked));
	machine_take_changed_pages(0, 0);
}

void machine_shutdown(void)
{
	machine_reset();
	free(flat);
	flat = 0;
	free(shadow);
	shadow = 0;
	free(tlb);
	tlb = 0;
	free(tlb_live);
	tlb_live = 0;
	tlb_nlive = tlb_cap = 0;
}

/* Physical addresses of the 4 bytes at va (an access may straddle two
 * pages); false when any would fault or lies outside trace RAM. */
static bool translate_word(vaddr_t va, bool write, paddr_t pa[4])
{
	for (uint32_t i = 0; i < 4; i++) {
		if (i == 0 || ((va + i) & (PAGE - 1)) == 0) {
			if (!translate(va + i, write, &pa[i]))
				return false;
		} else {
			pa[i] = pa[i - 1] + 1;
		}
		if (!in_trace_ram(pa[i]))
			return false;
	}
	return true;
}

int machine_read32(vaddr_t va, uint32_t *out)
{
	paddr_t pa[4];
	if (!translate_word(va, false, pa))
		return -1;
	uint32_t v = 0;
	for (uint32_t i = 0; i < 4; i++)
		v |= (uint32_t)sim_phys_page(pa[i])[pa[i] & (PAGE - 1)] << (8 * i);
	*out = v;
	return 0;
}

int machine_write32(vaddr_t va, uint32_t value)
{
	paddr_t pa[4];
	if (!translate_word(va, true, pa))
		return -1;
	touch(pa[0]);
	touch(pa[3]);
	for (uint32_t i = 0; i < 4; i++)
		sim_phys_page(pa[i])[pa[i] & (PAGE - 1)] = (uint8_t)(value >> (8 * i));
	if (was_walked(pa[0]) || was_walked(pa[3]))
		tlb_flush_all(); /* the trace wrote a paging structure: see `walked` */
	return 0;
}

paddr_t machine_boot_directory(void)
{
	return SIM_BOOT_DIR;
}

const uint32_t *machine_phys_page(paddr_t frame, uint32_t buf[1024])
{
	static const uint32_t zero_page[PAGE / 4];
	uint32_t n = frame / PAGE;
	(void)buf;
	frame &= ~(PAGE - 1);
	/* a page outside trace RAM not written since the reset is all zeros
	 * (the boot directory aside): no need to make it ready to say so */
	if (frame < SIM_FLAT_END && !flat_page_ready(n) && frame != SIM_BOOT_DIR && !in_trace_ram(frame))
		return zero_page;
	return (const uint32_t *)sim_phys_page(frame);
}

uint32_t machine_phys_read32(paddr_t pa)
{
	uint32_t n = pa / PAGE;
	if (pa < SIM_FLAT_END && flat_page_ready(n))
		return *(const uint32_t *)(flat + (pa & ~3u)); /* the common case */
	return *phys_word(pa & ~3u);
}
