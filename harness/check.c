/* check.c -- the invariant checker (see check.h). Freestanding. */
#include "check.h"
#include "machine.h"
#include "frame_allocator.h"
#include "lands.h"

#define TRACE_FRAMES (TRACE_RAM_HIGH_END / PAGE_SIZE)
#define IGNORED_BITS (I386_ENTRY_ACCESSED | I386_ENTRY_DIRTY) /* set by a real MMU */

static char msg[256];
static uint8_t owner[TRACE_FRAMES]; /* what holds each frame of trace RAM */
static uint32_t held;

enum { HOLDER_NONE, HOLDER_DIRECTORY, HOLDER_TABLE, HOLDER_MAPPING, HOLDER_SHARED };

/* ---- message building -------------------------------------------------- */

static size_t msg_len;

static void m_str(const char *s)
{
	while (*s && msg_len < sizeof(msg) - 1)
		msg[msg_len++] = *s++;
	msg[msg_len] = '\0';
}

static void m_hex(uint32_t v)
{
	static const char d[] = "0123456789abcdef";
	m_str("0x");
	for (int i = 7; i >= 0; i--) {
		char c[2] = { d[(v >> (i * 4)) & 0xf], 0 };
		m_str(c);
	}
}

/* Starts a failure message; returns it. */
static const char *fail(const char *what, uint32_t a, const char *more, uint32_t b)
{
	msg_len = 0;
	m_str(what);
	m_str(" ");
	m_hex(a);
	if (more) {
		m_str(" ");
		m_str(more);
		m_str(" ");
		m_hex(b);
	}
	return msg;
}

/* ---- page tables -------------------------------------------------------- */

static uint32_t pde_of(paddr_t dir, uint32_t i) { return machine_phys_read32(dir + i * 4); }
static uint32_t pte_of(uint32_t pde, uint32_t j) { return machine_phys_read32((pde & ENTRY_PHYS_ADDRESS_MASK) + j * 4); }

/* The entry of page `va` in directory `dir`; *huge when the directory
 * entry itself is a (HUGE) guard. */
static uint32_t entry_at(paddr_t dir, vaddr_t va, bool *huge)
{
	uint32_t pde = pde_of(dir, va >> 22);
	*huge = false;
	if (pde & I386_ENTRY_PRESENT)
		return pte_of(pde, (va >> 12) & 1023);
	*huge = (pde & I386_ENTRY_GUARD_PAGE) != 0;
	return pde;
}

/* A mapping's pages carry its frames, or guards. */
static const char *check_mapping_pages(paddr_t dir, const mapping *m)
{
	frame_iter it = mapping_frames_it(m);
	bool has_frames = m->frames.kind != MAPPING_FRAMES_NONE;
	i386_entry_flags flags = i386_entry_flags_from_rights(m->flags);
	for (uint32_t off = 0; off < m->length; off += PAGE_SIZE) {
		vaddr_t va = m->address + off;
		bool huge;
		uint32_t e = entry_at(dir, va, &huge) & ~IGNORED_BITS;
		paddr_t frame = 0;
		if (has_frames && !frame_iter_next(&it, &frame))
			return fail("mapping has fewer frames than pages at", va, 0, 0);
		if (!has_frames || flags == I386_ENTRY_GUARD_PAGE) {
			if (e != I386_ENTRY_GUARD_PAGE)
				return fail("page of a guard mapping is not guarded at", va, "entry", e);
			if (huge && !(va % (PAGE_SIZE * ENTRY_COUNT) == 0 && m->address <= va &&
			              va + (PAGE_SIZE * ENTRY_COUNT - 1) <= m->address + (m->length - 1)))
				return fail("HUGE guard reaches outside its mapping at", va, 0, 0);
		} else if (huge || e != (frame | flags)) {
			msg_len = 0;
			m_str("page ");
			m_hex(va);
			m_str(" maps entry ");
			m_hex(e);
			m_str(", bookkeeping expects ");
			m_hex(frame | flags);
			return msg;
		}
		if (huge)
			off += PAGE_SIZE * ENTRY_COUNT - PAGE_SIZE;
	}
	return 0;
}

/* No set UserLand entry outside a mapping. */
static const char *check_no_stray_entry(const process_memory *pm, paddr_t dir)
{
	const userspace_bookkeeping *bk = &pm->userspace_bookkeping;
	for (uint32_t i = USERLAND_START_TABLE; i <= USERLAND_END_TABLE; i++) {
		uint32_t pde = pde_of(dir, i);
		if (!(pde & I386_ENTRY_PRESENT)) {
			if (pde && !userspace_bookkeeping_mapping_at(bk, i << 22).used)
				return fail("directory entry set outside any mapping at", i << 22, "entry", pde);
			continue;
		}
		for (uint32_t j = 0; j < ENTRY_COUNT; j++) {
			vaddr_t va = (i << 22) | (j << 12);
			uint32_t pte = pte_of(pde, j);
			if (!pte)
				continue;
			const mapping *m = userspace_bookkeeping_mapping_at_or_preceding(bk, va);
			if (!m || m->address + (m->length - 1) < va)
				return fail("page table entry set outside any mapping at", va, "entry", pte);
		}
	}
	return 0;
}

/* Mapping guarantees, and no overlap with the next mapping. */
static const char *check_bookkeeping(const process_memory *pm)
{
	const userspace_bookkeeping *bk = &pm->userspace_bookkeping;
	const mapping *prev = 0;
	for (const mapping *m = userspace_bookkeeping_first(bk); m; m = userspace_bookkeeping_next(bk, m)) {
		uint32_t last;
		if (m->address % PAGE_SIZE || m->length % PAGE_SIZE || m->offset % PAGE_SIZE || !m->length)
			return fail("mapping is not page aligned or empty at", m->address, 0, 0);
		if (__builtin_add_overflow(m->address, m->length - 1, &last))
			return fail("mapping overflows at", m->address, 0, 0);
		if (prev && prev->address + (prev->length - 1) >= m->address)
			return fail("mappings overlap at", m->address, "previous mapping at", prev->address);
		prev = m;
	}
	return 0;
}

/* ---- frame accounting ----------------------------------------------------- */

static const char *hold(paddr_t frame, uint8_t holder)
{
	uint32_t n = frame / PAGE_SIZE;
	if (n >= TRACE_FRAMES)
		return fail("a held frame lies outside trace RAM:", frame, 0, 0);
	if (owner[n])
		return fail("frame held twice:", frame, 0, 0);
	if (frame_allocator_frame_is_free(n))
		return fail("a held frame is free in the allocator:", frame, 0, 0);
	owner[n] = holder;
	held++;
	return 0;
}

static const char *hold_regions(const region_vec *v, uint8_t holder)
{
	for (uint32_t i = 0; i < v->len; i++) {
		const physical_mem_region *r = &v->items[i];
		if (!r->should_free_on_drop)
			continue; /* mmio: never the allocator's */
		for (uint32_t k = 0; k < r->frames; k++) {
			const char *e = hold(r->start_addr + k * PAGE_SIZE, holder);
			if (e)
				return e;
		}
	}
	return 0;
}

/* Shared frame objects already counted. */
#define MAX_SEEN 4096
static const shared_frames *seen[MAX_SEEN];
static uint32_t nseen;

static const char *hold_shared(const shared_frames *s)
{
	for (uint32_t i = 0; i < nseen; i++)
		if (seen[i] == s)
			return 0;
	if (nseen == MAX_SEEN)
		return 0; /* too many to track: accounting below will say */
	seen[nseen++] = s;
	return hold_regions(&s->regions, HOLDER_SHARED);
}

static const char *hold_mapping_frames(const mapping *m)
{
	if (m->frames.kind == MAPPING_FRAMES_OWNED)
		return hold_regions(&m->frames.owned, HOLDER_MAPPING);
	if (m->frames.kind == MAPPING_FRAMES_SHARED)
		return hold_shared(m->frames.shared);
	return 0;
}

/* ---- KernelLand ------------------------------------------------------------- */

/* KernelLand pages mapped in the active directory: exactly the mirrors'. */
static const char *check_kernel_land(const check_world *w)
{
	uint32_t expected = 0, present = 0;
	paddr_t dir = arch_read_cr3();
	for (uint32_t i = 0; i < w->nmirrors; i++)
		expected += w->mirrors[i]->mapping.length / PAGE_SIZE;
	for (uint32_t i = KERNELLAND_START_TABLE; i <= KERNELLAND_END_TABLE; i++) {
		uint32_t pde = pde_of(dir, i);
		if (!(pde & I386_ENTRY_PRESENT))
			continue;
		for (uint32_t j = 0; j < ENTRY_COUNT; j++)
			if (pte_of(pde, j) & I386_ENTRY_PRESENT)
				present++;
	}
	if (present != expected)
		return fail("KernelLand pages mapped:", present, "mirror pages:", expected);
	return 0;
}

/* ---- entry point -------------------------------------------------------------- */

const char *check_invariants(const check_world *w)
{
	const char *e;
	for (uint32_t n = 0; n < TRACE_FRAMES; n++)
		owner[n] = HOLDER_NONE;
	held = 0;
	nseen = 0;

	for (uint32_t p = 0; p < w->nprocs; p++) {
		const process_memory *pm = w->procs[p];
		paddr_t dir = pm->table_hierarchy.directory_physical_address;
		if ((e = check_bookkeeping(pm)) || (e = check_no_stray_entry(pm, dir)))
			return e;
		const userspace_bookkeeping *bk = &pm->userspace_bookkeping;
		for (const mapping *m = userspace_bookkeeping_first(bk); m; m = userspace_bookkeeping_next(bk, m)) {
			if (m->address < KERNEL_LAND.start && (e = check_mapping_pages(dir, m)))
				return e;
			if ((e = hold_mapping_frames(m)))
				return e;
		}
		if ((e = hold(dir, HOLDER_DIRECTORY)))
			return e;
		for (uint32_t i = USERLAND_START_TABLE; i <= USERLAND_END_TABLE; i++) {
			uint32_t pde = pde_of(dir, i);
			if ((pde & I386_ENTRY_PRESENT) && (e = hold(pde & ENTRY_PHYS_ADDRESS_MASK, HOLDER_TABLE)))
				return e;
		}
	}
	for (uint32_t i = 0; i < w->nshms; i++)
		if ((e = hold_shared(w->shms[i])))
			return e;
	for (uint32_t i = 0; i < w->nmirrors; i++)
		if ((e = hold_mapping_frames(&w->mirrors[i]->mapping)))
			return e;
	if ((e = check_kernel_land(w)))
		return e;
	uint32_t free_now = frame_allocator_free_count();
	if (free_now + held != w->initial_free) {
		msg_len = 0;
		m_str("frames lost: free ");
		m_hex(free_now);
		m_str(" + held ");
		m_hex(held);
		m_str(" != made free ");
		m_hex(w->initial_free);
		return msg;
	}
	return 0;
}
