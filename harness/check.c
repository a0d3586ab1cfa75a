/* check.c -- the invariant checker (see check.h). Freestanding.
 *
 * Nothing here calls the port's helpers: the expected entries come from the
 * tables and rules below, written from TRACE_FORMAT.md and upstream's
 * documented behaviour, and from this file's own records of processes,
 * directories, page tables and mirrors. The port's state (bookkeeping,
 * shared frames, the frame allocator's counts) is read as the thing under
 * test. */
#include "check.h"
#include "machine.h"
#include "frame_allocator.h"

/* ---- the checker's own view of i386 paging and of the trace format ---- */

#define PG 4096u
#define E_PRESENT 0x001u
#define E_WRITABLE 0x002u
#define E_USER 0x004u
#define E_ACCESSED 0x020u
#define E_DIRTY 0x040u
#define E_GUARD 0x200u
#define E_FRAME 0xfffff000u
#define E_IGNORED (E_ACCESSED | E_DIRTY) /* set by a real MMU */
#define SLOT_SPAN 0x00400000u            /* what one directory entry covers */
#define UL_SLOTS 768u                    /* UserLand: slots 0..767 */
#define KL_FIRST 768u                    /* KernelLand: slots 768..1022 */
#define KL_LAST 1022u
#define KL_SLOTS (KL_LAST - KL_FIRST + 1)
#define REC_SLOT 1023u /* RecursiveTablesLand */
#define KL_START 0xc0000000u
#define KL_END 0xffc00000u
#define TRACE_FRAMES (TRACE_RAM_HIGH_END / PG)

/* MappingAccessRights (READABLE 1, WRITABLE 2, EXECUTABLE 4, USER 8) ->
 * the entry flags upstream writes: no R/W/X gives a guard entry, else
 * PRESENT, WRITABLE when W, USER_ACCESSIBLE when U. Written out, not
 * computed, so a wrong rule in the port cannot be repeated here. */
static const uint32_t RIGHTS_FLAGS[16] = {
	E_GUARD,                           /* 0 none */
	E_PRESENT,                         /* 1 R */
	E_PRESENT | E_WRITABLE,            /* 2 W */
	E_PRESENT | E_WRITABLE,            /* 3 RW */
	E_PRESENT,                         /* 4 X */
	E_PRESENT,                         /* 5 RX */
	E_PRESENT | E_WRITABLE,            /* 6 WX */
	E_PRESENT | E_WRITABLE,            /* 7 RWX */
	E_GUARD,                           /* 8 U */
	E_PRESENT | E_USER,                /* 9 UR */
	E_PRESENT | E_WRITABLE | E_USER,   /* 10 UW */
	E_PRESENT | E_WRITABLE | E_USER,   /* 11 URW */
	E_PRESENT | E_USER,                /* 12 UX */
	E_PRESENT | E_USER,                /* 13 URX */
	E_PRESENT | E_WRITABLE | E_USER,   /* 14 UWX */
	E_PRESENT | E_WRITABLE | E_USER,   /* 15 URWX */
};
/* A UserLand directory entry pointing to a table. */
#define UL_PDE_FLAGS (E_PRESENT | E_WRITABLE | E_USER)
/* The recursive entry of a directory, and a mirror's pages (K_RW). */
#define REC_PDE_FLAGS (E_PRESENT | E_WRITABLE)
#define MIRROR_FLAGS (E_PRESENT | E_WRITABLE)
#define MAX_MIRRORS 16u

/* ---- messages ------------------------------------------------------------ */

static char msg[256];
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
	char c[11];
	c[0] = '0';
	c[1] = 'x';
	for (int i = 0; i < 8; i++)
		c[2 + i] = d[(v >> ((7 - i) * 4)) & 0xf];
	c[10] = 0;
	m_str(c);
}

/* "WHAT A [MORE B]" */
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

static const char *fail_entry_by(vaddr_t va, uint32_t e, const char *who, uint32_t want)
{
	msg_len = 0;
	m_str("page ");
	m_hex(va);
	m_str(" maps entry ");
	m_hex(e);
	m_str(", ");
	m_str(who);
	m_str(" expects ");
	m_hex(want);
	return msg;
}

static const char *fail_entry(vaddr_t va, uint32_t e, uint32_t want)
{
	return fail_entry_by(va, e, "bookkeeping", want);
}

/* ---- tokens ---------------------------------------------------------------- */

static bool tok_is(check_tok t, const char *lit)
{
	size_t i = 0;
	for (; i < t.n; i++)
		if (lit[i] != t.s[i])
			return false;
	return lit[i] == '\0';
}

/* A number as TRACE_FORMAT writes it (the runner already validated it). */
static uint32_t tok_num(check_tok t)
{
	uint32_t v = 0, base = 10;
	size_t i = 0;
	if (t.n >= 2 && t.s[0] == '0' && t.s[1] == 'x') {
		base = 16;
		i = 2;
	}
	for (; i < t.n; i++) {
		char c = t.s[i];
		uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0')
		           : c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10)
		           : c >= 'A' && c <= 'F' ? (uint32_t)(c - 'A' + 10) : 0;
		v = v * base + d;
	}
	return v;
}

/* RIGHTS: a shorthand or a number 0..15. */
static uint32_t tok_rights(check_tok t)
{
	static const struct { const char *name; uint32_t bits; } sh[] = {
		{ "none", 0 }, { "k_r", 1 }, { "k_w", 2 }, { "k_rw", 3 }, { "k_rx", 5 },
		{ "u_r", 9 }, { "u_w", 10 }, { "u_rw", 11 }, { "u_rx", 13 },
	};
	for (unsigned i = 0; i < sizeof(sh) / sizeof(sh[0]); i++)
		if (tok_is(t, sh[i].name))
			return sh[i].bits;
	return tok_num(t) & 15;
}

/* ---- a small name table (names of processes and mirrors) --------------------- */

typedef struct nslot {
	char name[16];
	uint8_t len;
	uint8_t state; /* 0 empty, 1 live, 2 tombstone */
	uint32_t val;
} nslot;

typedef struct ntab {
	nslot *s;
	uint32_t cap, used;
} ntab;

static uint32_t nhash(check_tok t)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < t.n; i++)
		h = (h ^ (uint8_t)t.s[i]) * 16777619u;
	return h;
}

static nslot *nt_find(ntab *nt, check_tok t)
{
	if (!nt->cap || t.n > 16)
		return 0;
	for (uint32_t i = nhash(t) & (nt->cap - 1);; i = (i + 1) & (nt->cap - 1)) {
		nslot *s = &nt->s[i];
		if (s->state == 0)
			return 0;
		if (s->state == 1 && s->len == t.n) {
			size_t k = 0;
			while (k < t.n && s->name[k] == t.s[k])
				k++;
			if (k == t.n)
				return s;
		}
	}
}

static void nt_put(ntab *nt, check_tok t, uint32_t val)
{
	if ((nt->used + 1) * 4 >= nt->cap * 3) {
		ntab old = *nt;
		nt->cap = old.cap ? old.cap * 2 : 64;
		nt->used = 0;
		nt->s = mach_alloc(nt->cap * sizeof(nslot));
		if (!nt->s)
			mach_panic("checker: out of memory");
		for (uint32_t i = 0; i < nt->cap; i++)
			nt->s[i].state = 0;
		for (uint32_t i = 0; i < old.cap; i++)
			if (old.s[i].state == 1) {
				check_tok o = { old.s[i].name, old.s[i].len };
				nt_put(nt, o, old.s[i].val);
			}
		mach_free(old.s);
	}
	uint32_t i = nhash(t) & (nt->cap - 1);
	while (nt->s[i].state == 1)
		i = (i + 1) & (nt->cap - 1);
	nslot *s = &nt->s[i];
	if (s->state == 0)
		nt->used++;
	for (size_t k = 0; k < t.n; k++)
		s->name[k] = t.s[k];
	s->len = (uint8_t)t.n;
	s->state = 1;
	s->val = val;
}

/* ---- the checker's records ------------------------------------------------------ */

typedef struct cproc {
	process_memory *pm; /* the port's object, while live */
	paddr_t dir;        /* its directory, recorded at `new` */
	bool live;
} cproc;

typedef struct cmirror {
	bool live;
	vaddr_t kstart;   /* page-aligned start in KernelLand */
	uint32_t npages;
	paddr_t *frames;  /* npages frames, derived at mirror_mapping */
} cmirror;

static cproc *procs;
static uint32_t nprocs_rec, procs_cap;
static ntab proc_names, mirror_names;
static int32_t sel = -1; /* selected process (own record), -1: none */
static cmirror mirrors[MAX_MIRRORS];
static uint32_t mirror_pages; /* pages of the live named mirrors */
static uint32_t kl_present;   /* present KernelLand entries, kept from changes */
static bool kl_count_known;

/* Roles of trace RAM frames: dir_of = pid + 1 of a process directory;
 * table_of = (pid + 1) << 10 | slot of a UserLand page table. */
static uint32_t dir_of[TRACE_FRAMES];
static uint32_t table_of[TRACE_FRAMES];
static paddr_t boot_pde[1024];           /* the boot directory's KernelLand slots */
static paddr_t kl_sorted[KL_SLOTS];      /* KernelLand table frames, sorted */
static uint16_t kl_slot_of[KL_SLOTS];    /* their slots */

static bool mc_valid; /* see mapping_floor */

/* Changed pages of one operation (the machine's arrays, valid until the
 * port runs again). */
typedef struct change {
	paddr_t frame;
	const uint32_t *was, *now;
} change;
static change *chg;
static uint32_t nchg, chg_cap;
static bool chg_oom;
/* new_table_op[f] == op_count: frame f became a page table in this
 * operation and is checked whole, not word by word */
static uint32_t new_table_op[TRACE_FRAMES];
static uint32_t op_count;

/* New tables to check whole. */
typedef struct newtab {
	uint32_t pid, slot;
	paddr_t frame;
} newtab;
static newtab *ntabs;
static uint32_t nntabs, ntabs_cap;

static void *grow(void *old, uint32_t n, uint32_t *cap, size_t elem)
{
	uint32_t c = *cap ? *cap * 2 : 64;
	uint8_t *p = mach_alloc(c * elem);
	if (!p)
		return 0;
	const uint8_t *o = old;
	for (size_t i = 0; i < n * elem; i++)
		p[i] = o[i];
	mach_free(old);
	*cap = c;
	return p;
}

void check_begin(void)
{
	/* the machine's reset released the kernel heap: forget the pointers */
	procs = 0;
	nprocs_rec = procs_cap = 0;
	proc_names.s = mirror_names.s = 0;
	proc_names.cap = proc_names.used = mirror_names.cap = mirror_names.used = 0;
	sel = -1;
	for (uint32_t i = 0; i < MAX_MIRRORS; i++)
		mirrors[i].live = false;
	mirror_pages = 0;
	kl_present = 0; /* the machine starts with nothing mapped in KernelLand */
	kl_count_known = true;
	for (uint32_t i = 0; i < TRACE_FRAMES; i++) /* one loop per array: each a block clear */
		dir_of[i] = 0;
	for (uint32_t i = 0; i < TRACE_FRAMES; i++)
		table_of[i] = 0;
	chg = 0;
	nchg = chg_cap = 0;
	mc_valid = false;
	ntabs = 0;
	nntabs = ntabs_cap = 0;
	paddr_t boot = machine_boot_directory();
	for (uint32_t i = KL_FIRST; i <= REC_SLOT; i++)
		boot_pde[i] = machine_phys_read32(boot + i * 4);
	/* insertion sort of the KernelLand table frames */
	for (uint32_t i = 0; i < KL_SLOTS; i++) {
		paddr_t f = boot_pde[KL_FIRST + i] & E_FRAME;
		uint32_t k = i;
		while (k && kl_sorted[k - 1] > f) {
			kl_sorted[k] = kl_sorted[k - 1];
			kl_slot_of[k] = kl_slot_of[k - 1];
			k--;
		}
		kl_sorted[k] = f;
		kl_slot_of[k] = (uint16_t)(KL_FIRST + i);
	}
}

/* The KernelLand slot whose table is frame `f`, or 0. */
static uint32_t kl_slot_of_frame(paddr_t f)
{
	uint32_t lo = 0, hi = KL_SLOTS;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (kl_sorted[mid] < f)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < KL_SLOTS && kl_sorted[lo] == f ? kl_slot_of[lo] : 0;
}

/* ---- reading the port's state (the thing under test) -------------------------- */

static uint32_t pread(paddr_t pa) { return machine_phys_read32(pa); }

/* One page table read whole (not 1024 loads): the full check's scans of
 * UserLand and KernelLand tables. Only one is in use at a time. */
static uint32_t page_buf[1024];
static const uint32_t *pread_page(paddr_t frame)
{
	return machine_phys_page(frame, page_buf);
}

/* Whether all 1024 words of a page read whole are 0 (most of KernelLand's
 * tables): one pass with no early exit, which the compiler vectorises. */
static bool page_is_zero(const uint32_t *t)
{
	uint32_t acc = 0;
	for (uint32_t j = 0; j < 1024; j++)
		acc |= t[j];
	return acc == 0;
}

/* A one-entry cache of mapping_at_or_preceding: for every va in
 * [mc_lo, mc_hi] of process mc_pm it is mc_m (the range runs from that
 * mapping's address, or 0, to the next mapping's address). Valid within one
 * check only: the bookkeeping changes between operations. */
static const process_memory *mc_pm;
static const mapping *mc_m;
static vaddr_t mc_lo, mc_hi;

static const mapping *mapping_floor(const process_memory *pm, vaddr_t va)
{
	if (mc_valid && mc_pm == pm && va >= mc_lo && va <= mc_hi)
		return mc_m;
	const userspace_bookkeeping *bk = &pm->userspace_bookkeping;
	const mapping *m = userspace_bookkeeping_mapping_at_or_preceding(bk, va);
	const mapping *n = m ? userspace_bookkeeping_next(bk, m) : userspace_bookkeeping_first(bk);
	if ((m && m->address > va) || (n && n->address <= va)) {
		mc_valid = false; /* not ordered as a search tree must be: no caching */
		return m;
	}
	mc_pm = pm;
	mc_m = m;
	mc_lo = m ? m->address : 0;
	mc_hi = n ? n->address - 1 : 0xffffffffu;
	mc_valid = true;
	return m;
}

/* The mapping of pm over va, or NULL. */
static const mapping *mapping_over(const process_memory *pm, vaddr_t va)
{
	const mapping *m = mapping_floor(pm, va);
	if (m && (uint64_t)m->address + m->length > va)
		return m;
	return 0;
}

/* ---- the bookkeeping's B+-tree ---------------------------------------------- */

/* The port keeps a process's mappings in a B+-tree whose layout and rules
 * sunrise_mm/bookkeeping.h states: checked here from those rules alone,
 * never through the port's tree code, since a rebalancing slip can leave a
 * tree whose lookups still answer today and answer wrongly later. */
#define BK_HEIGHT_MAX 16u /* BK_MIN^16 mappings would not fit in 4 GiB */
#define BK_GAP_BASE 0x00200000u /* the first mapping's hole starts here */

/* The subtree of x at depth d (1: the root) of a tree `height` high: slot
 * counts, leaves all at the bottom, keys ascending, each inner slot's key
 * and largest hole those of its child, each leaf slot's key its mapping's
 * address and its hole the one before it; the list of entries visited in
 * key order (*prev: the last one). */
static const char *bk_subtree(const userspace_bookkeeping *bk, const bk_node *x, uint32_t d, uint32_t height,
                              const bk_entry **prev, uint32_t *min_key, uint32_t *max_gap)
{
	const char *e;
	if (x->n == 0 || x->n >= BK_CAP || (d > 1 && x->n < BK_MIN) || (d == 1 && !x->leaf && x->n < 2))
		return fail("bookkeeping tree: a node at depth", d, "holds slots:", x->n);
	if ((x->leaf != 0) != (d == height))
		return fail("bookkeeping tree: leaf flag wrong at depth", d, "of height", height);
	uint32_t g = 0;
	for (uint32_t i = 0; i < x->n; i++) {
		if (i && x->key[i] <= x->key[i - 1])
			return fail("bookkeeping tree: key", x->key[i], "not above the key before it", x->key[i - 1]);
		if (x->leaf) {
			const bk_entry *en = x->ptr[i];
			const bk_entry *p = *prev;
			if (!en || en->m.address != x->key[i])
				return fail("bookkeeping tree: leaf key", x->key[i], "holds the mapping at", en ? en->m.address : 0);
			if (en->prev != p || (p ? p->next : bk->first) != en)
				return fail("bookkeeping list: links broken at the mapping at", x->key[i], 0, 0);
			uint32_t end = p ? p->m.address + p->m.length : BK_GAP_BASE;
			uint32_t want = (p && end == 0) || x->key[i] < end ? 0 : x->key[i] - end;
			if (x->gap[i] != want)
				return fail("bookkeeping tree: hole recorded before the mapping at", x->key[i], "is", x->gap[i]);
			*prev = en;
		} else {
			uint32_t cmin = 0, cgap = 0;
			if (!x->ptr[i])
				return fail("bookkeeping tree: an inner slot without a child, key", x->key[i], 0, 0);
			if ((e = bk_subtree(bk, x->ptr[i], d + 1, height, prev, &cmin, &cgap)))
				return e;
			if (x->key[i] != cmin || x->gap[i] != cgap)
				return fail("bookkeeping tree: an inner slot's key or hole differs from its child's, key", x->key[i],
				            "child's", cmin);
		}
		g = x->gap[i] > g ? x->gap[i] : g;
	}
	*min_key = x->key[0];
	*max_gap = g;
	return 0;
}

/* pm's whole B+-tree and its list of entries in address order. */
static const char *check_bk_tree(const process_memory *pm)
{
	const userspace_bookkeeping *bk = &pm->userspace_bookkeping;
	if (!bk->root)
		return bk->height || bk->first ? fail("bookkeeping tree: empty but of height", bk->height, 0, 0) : 0;
	if (bk->height == 0 || bk->height > BK_HEIGHT_MAX)
		return fail("bookkeeping tree: height", bk->height, 0, 0);
	const bk_entry *last = 0;
	uint32_t k, g;
	const char *e = bk_subtree(bk, bk->root, 1, bk->height, &last, &k, &g);
	if (!e && last && last->next)
		return fail("bookkeeping list: runs on past the last mapping at", last->m.address, 0, 0);
	return e;
}

static const region_vec *frames_vec(const mapping *m)
{
	if (m->frames.kind == MAPPING_FRAMES_OWNED)
		return &m->frames.owned;
	if (m->frames.kind == MAPPING_FRAMES_SHARED)
		return &m->frames.shared->regions;
	return 0;
}

/* Frame number `idx` of a list of regions (0 when there are fewer). A
 * one-entry cursor makes walks in increasing order linear. */
static const region_vec *cur_vec;
static uint32_t cur_region, cur_base;

static const physical_mem_region *cur_items;

static paddr_t nth_frame(const region_vec *v, uint32_t idx, bool *ok)
{
	if (v != cur_vec || v->items != cur_items || idx < cur_base) {
		cur_items = v->items;
		cur_vec = v;
		cur_region = 0;
		cur_base = 0;
	}
	while (cur_region < v->len) {
		const physical_mem_region *r = &v->items[cur_region];
		if (idx - cur_base < r->frames) {
			*ok = true;
			return r->start_addr + (idx - cur_base) * PG;
		}
		cur_base += r->frames;
		cur_region++;
	}
	*ok = false;
	return 0;
}

/* What the entry of page va of mapping m must be. */
static const char *expected_entry(const mapping *m, vaddr_t va, uint32_t *want)
{
	uint32_t flags = RIGHTS_FLAGS[m->flags & 15];
	const region_vec *v = frames_vec(m);
	if (!v || flags == E_GUARD) {
		*want = E_GUARD;
		return 0;
	}
	bool ok;
	paddr_t f = nth_frame(v, (va - m->address) / PG + m->offset / PG, &ok);
	if (!ok)
		return fail("mapping has fewer frames than pages at", va, 0, 0);
	*want = f | flags;
	return 0;
}

/* A UserLand entry (PTE) of process pm at va. */
static const char *check_pte(const process_memory *pm, vaddr_t va, uint32_t e)
{
	const mapping *m = mapping_over(pm, va);
	uint32_t want;
	const char *err;
	e &= ~E_IGNORED;
	if (!m) {
		if (e)
			return fail("page table entry set outside any mapping at", va, "entry", e);
		return 0;
	}
	if ((err = expected_entry(m, va, &want)))
		return err;
	if (e != want)
		return fail_entry(va, e, want);
	return 0;
}

/* Every entry of the page table `frame` of slot `slot` of pm (its words
 * `now`, or read from memory when NULL), in ascending order: check_pte on
 * each, with a run of pages outside any mapping checked as one. */
static const char *check_table_whole(const process_memory *pm, uint32_t slot, paddr_t frame, const uint32_t *now)
{
	const char *e;
	vaddr_t base = slot << 22;
	for (uint32_t j = 0; j < 1024;) {
		vaddr_t va = base | (j << 12);
		const mapping *m = mapping_floor(pm, va);
		uint32_t end = j + 1;
		if (!(m && (uint64_t)m->address + m->length > va) && mc_valid && mc_pm == pm) {
			/* no mapping from va to mc_hi (the next mapping's start) */
			uint64_t last = ((uint64_t)mc_hi - base) >> 12;
			end = last >= 1023 ? 1024 : (uint32_t)last + 1;
			for (; j < end; j++) {
				uint32_t w = (now ? now[j] : pread(frame + j * 4)) & ~E_IGNORED;
				if (w)
					return fail("page table entry set outside any mapping at", base | (j << 12), "entry", w);
			}
			continue;
		}
		if ((e = check_pte(pm, va, now ? now[j] : pread(frame + j * 4))))
			return e;
		j = end;
	}
	return 0;
}

/* The UserLand directory slot `slot` of pm (directory `dir`) holds no
 * table: it must be empty with no mapping over its 4 MiB, or a HUGE guard
 * inside a guard mapping covering all of it. [lo, hi] is the part that
 * matters. */
static const char *check_tableless_slot(const process_memory *pm, uint32_t slot, uint32_t pde, vaddr_t lo, vaddr_t hi)
{
	vaddr_t start = slot * SLOT_SPAN, last = start + (SLOT_SPAN - 1);
	pde &= ~E_IGNORED;
	if (pde == 0) {
		const mapping *m = mapping_floor(pm, hi);
		if (m && (uint64_t)m->address + m->length > lo) {
			vaddr_t at = m->address > lo ? m->address : lo;
			uint32_t want;
			const char *err = expected_entry(m, at, &want);
			return err ? err : fail_entry(at, 0, want);
		}
		return 0;
	}
	if (pde != E_GUARD)
		return fail("directory entry is neither a table, a HUGE guard nor empty at", start, "entry", pde);
	/* a HUGE guard: every mapping under it a guard, one guard mapping
	 * covering the whole slot */
	for (vaddr_t at = lo;;) {
		const mapping *m = userspace_bookkeeping_mapping_at_or_following(&pm->userspace_bookkeping, at);
		const mapping *p = mapping_over(pm, at);
		uint32_t want;
		const char *err;
		if (p)
			m = p;
		if (!m || m->address > hi)
			break;
		vaddr_t first = m->address > lo ? m->address : lo;
		if ((err = expected_entry(m, first, &want)))
			return err;
		if (want != E_GUARD)
			return fail_entry(first, pde, want);
		if ((uint64_t)m->address + m->length - 1 >= hi)
			break;
		at = m->address + m->length;
	}
	const mapping *m = mapping_over(pm, start);
	if (!m || (uint64_t)m->address + m->length - 1 < last)
		return fail("HUGE guard reaches outside its mapping at", start, 0, 0);
	return 0;
}

/* Every page of [va, va + len) of pm (directory dir) as expected. */
static const char *check_range_pages(const process_memory *pm, paddr_t dir, vaddr_t va, uint32_t len)
{
	if (!len)
		return 0;
	uint64_t end = (uint64_t)va + len;
	if (end > KL_START)
		end = KL_START;
	while (va < end) {
		uint32_t slot = va >> 22;
		uint64_t slot_end = (uint64_t)(slot + 1) * SLOT_SPAN;
		uint64_t stop = end < slot_end ? end : slot_end;
		uint32_t pde = pread(dir + slot * 4);
		const char *e;
		if (pde & E_PRESENT) {
			paddr_t t = pde & E_FRAME;
			/* many entries: the table read whole; a few: word by word */
			const uint32_t *whole = stop - va > 16 * PG ? pread_page(t) : 0;
			for (uint64_t p = va; p < stop; p += PG) {
				uint32_t j = ((uint32_t)p >> 12) & 1023;
				if ((e = check_pte(pm, (vaddr_t)p, whole ? whole[j] : pread(t + j * 4))))
					return e;
			}
		} else if ((e = check_tableless_slot(pm, slot, pde, va, (vaddr_t)(stop - 1)))) {
			return e;
		}
		va = (vaddr_t)stop;
	}
	return 0;
}

/* Mapping guarantees of m, and no overlap with its neighbours. */
static const char *check_structure(const process_memory *pm, const mapping *m)
{
	const userspace_bookkeeping *bk = &pm->userspace_bookkeping;
	if (m->address % PG || m->length % PG || m->offset % PG || !m->length)
		return fail("mapping is not page aligned or empty at", m->address, 0, 0);
	if ((uint64_t)m->address + m->length > 0x100000000ull)
		return fail("mapping overflows at", m->address, 0, 0);
	if (m->address) {
		const mapping *prev = userspace_bookkeeping_mapping_at_or_preceding(bk, m->address - 1);
		if (prev && prev != m && (uint64_t)prev->address + prev->length > m->address)
			return fail("mappings overlap at", m->address, "previous mapping at", prev->address);
	}
	const mapping *next = userspace_bookkeeping_next(bk, m);
	if (next && (uint64_t)m->address + m->length > next->address)
		return fail("mappings overlap at", next->address, "previous mapping at", m->address);
	return 0;
}

/* A mapping an operation made or changed: its structure, its neighbours,
 * every page. */
static const char *check_mapping_whole(const process_memory *pm, paddr_t dir, const mapping *m)
{
	const char *e = check_structure(pm, m);
	return e ? e : check_range_pages(pm, dir, m->address, m->length);
}

/* The entry of UserLand page va in directory dir (0 without a table). */
static uint32_t entry_of(paddr_t dir, vaddr_t va)
{
	uint32_t pde = pread(dir + (va >> 22) * 4);
	if (!(pde & E_PRESENT))
		return 0;
	return pread((pde & E_FRAME) + ((va >> 12) & 1023) * 4);
}

/* The present pages of [va, va + len) map the frames the trace line asked
 * for: frame i is own_frame(i). */
static const char *check_own_frames(paddr_t dir, vaddr_t va, uint32_t len, const region_vec *v, uint32_t skip,
                                    paddr_t base)
{
	for (uint32_t i = 0; i < len / PG; i++) {
		uint32_t e = entry_of(dir, va + i * PG);
		if (!(e & E_PRESENT))
			continue;
		paddr_t want = base + i * PG;
		if (v) {
			bool ok;
			want = nth_frame(v, skip + i, &ok);
			if (!ok)
				return fail("mapping has fewer frames than pages at", va + i * PG, 0, 0);
		}
		if ((e & E_FRAME) != want)
			return fail("page maps another frame than the trace line asked at", va + i * PG, "frame", want);
	}
	return 0;
}

/* ---- KernelLand and mirrors --------------------------------------------------- */

/* The live mirror over KernelLand page va, or NULL. */
static const cmirror *mirror_over(vaddr_t va)
{
	for (uint32_t i = 0; i < MAX_MIRRORS; i++)
		if (mirrors[i].live && va >= mirrors[i].kstart && (va - mirrors[i].kstart) / PG < mirrors[i].npages)
			return &mirrors[i];
	return 0;
}

/* A KernelLand entry at va. */
static const char *check_kl_entry(vaddr_t va, uint32_t e)
{
	const cmirror *m = mirror_over(va);
	e &= ~E_IGNORED;
	if (!m) {
		if (e)
			return fail("KernelLand page mapped outside any live mirror (a window left behind?) at", va, "entry", e);
		return 0;
	}
	uint32_t want = m->frames[(va - m->kstart) / PG] | MIRROR_FLAGS;
	if (e != want)
		return fail_entry_by(va, e, "the mirror (derived from the trace)", want);
	return 0;
}

static const char *check_mirror_pages(const cmirror *m, bool present)
{
	for (uint32_t i = 0; i < m->npages; i++) {
		vaddr_t va = m->kstart + i * PG;
		uint32_t slot = va >> 22;
		uint32_t e = pread((boot_pde[slot] & E_FRAME) + ((va >> 12) & 1023) * 4) & ~E_IGNORED;
		uint32_t want = present ? m->frames[i] | MIRROR_FLAGS : 0;
		if (e != want)
			return present ? fail_entry_by(va, e, "the mirror (derived from the trace)", want)
			               : fail("a dropped mirror's page is still mapped at", va, "entry", e);
	}
	return 0;
}

/* Where upstream puts a mirror of npages pages: KernelMemory::find_virtual_
 * space is a first fit, so the lowest page of KernelLand from which npages
 * pages are free of the live mirrors (nothing else stays mapped in the
 * hosted machine's KernelLand once an operation returns). 0 when none fits;
 * the format's bounds on mirrors keep that from happening. */
static vaddr_t kl_first_fit(uint32_t npages)
{
	uint64_t a = KL_START, len = (uint64_t)npages * PG;
	for (bool moved = true; moved;) {
		moved = false;
		for (uint32_t i = 0; i < MAX_MIRRORS; i++) {
			const cmirror *m = &mirrors[i];
			uint64_t end = (uint64_t)m->kstart + (uint64_t)m->npages * PG;
			if (m->live && m->kstart < a + len && a < end) {
				a = end;
				moved = true;
			}
		}
	}
	return a + len <= KL_END ? (vaddr_t)a : 0;
}

/* Records a named mirror made by `mirror_mapping ADDR LEN NAME` (ok). */
static const char *record_mirror(const check_world *w, const check_tok *toks)
{
	vaddr_t a = tok_num(toks[1]);
	uint32_t len = tok_num(toks[2]);
	if (sel < 0)
		return fail("mirror_mapping succeeded with no process selected at", a, 0, 0);
	const mapping *m = mapping_over(procs[sel].pm, a);
	if (!m || m->frames.kind != MAPPING_FRAMES_SHARED)
		return fail("mirror_mapping succeeded over a mapping without shared frames at", a, 0, 0);
	const cross_process_mapping *c = w->lookup(w->ctx, CHECK_NS_MIRROR, toks[3].s, toks[3].n);
	if (!c)
		return fail("a mirror that succeeded is not live at", a, 0, 0);
	uint32_t in_page = a % PG;
	uint64_t full = ((uint64_t)in_page + len + PG - 1) / PG * PG;
	if (c->len != len || c->kernel_address % PG != in_page)
		return fail("mirror address or length differs from the request at", a, "mirror at", c->kernel_address);
	uint32_t slot = 0;
	while (slot < MAX_MIRRORS && mirrors[slot].live)
		slot++;
	if (slot == MAX_MIRRORS)
		return fail("more live mirrors than the format allows at", a, 0, 0);
	cmirror *r = &mirrors[slot];
	r->kstart = c->kernel_address - in_page;
	r->npages = (uint32_t)(full / PG);
	if (r->kstart < KL_START || (uint64_t)r->kstart + full > KL_END)
		return fail("mirror outside KernelLand at", r->kstart, 0, 0);
	vaddr_t fit = kl_first_fit(r->npages);
	if (r->kstart != fit)
		return fail("mirror not at the first fit in KernelLand: at", r->kstart, "first fit", fit);
	r->frames = mach_alloc((r->npages + 1) * sizeof(paddr_t));
	if (!r->frames)
		mach_panic("checker: out of memory");
	/* upstream: the shared frames from the mapping's offset plus ADDR's
	 * page within the mapping, for the whole pages of [ADDR, ADDR + LEN) */
	uint32_t skip = (m->offset + ((a - m->address) & ~(PG - 1))) / PG;
	const region_vec *v = &m->frames.shared->regions;
	for (uint32_t i = 0; i < r->npages; i++) {
		bool ok;
		r->frames[i] = nth_frame(v, skip + i, &ok);
		if (!ok) {
			mach_free(r->frames);
			return fail("mirror has fewer frames than pages at", r->kstart + i * PG, 0, 0);
		}
	}
	r->live = true;
	mirror_pages += r->npages;
	nt_put(&mirror_names, toks[3], slot);
	return check_mirror_pages(r, true);
}

/* ---- processing changed words ----------------------------------------------------- */

static void collect(void *ctx, paddr_t frame, const uint32_t *was, const uint32_t *now)
{
	(void)ctx;
	if (nchg == chg_cap) {
		change *n = grow(chg, nchg, &chg_cap, sizeof(change));
		if (!n) {
			chg_oom = true;
			return;
		}
		chg = n;
	}
	chg[nchg].frame = frame;
	chg[nchg].was = was;
	chg[nchg].now = now;
	nchg++;
}

/* The next changed word of page c at or after word *w (1024: none). */
static uint32_t next_changed(const change *c, uint32_t w)
{
	while (w < PG / 4) {
		if ((w & 7) == 0 && w + 8 <= PG / 4) {
			uint32_t d = 0;
			for (uint32_t k = 0; k < 8; k++)
				d |= c->was[w + k] ^ c->now[w + k];
			if (!d) {
				w += 8;
				continue;
			}
		}
		if (c->was[w] != c->now[w])
			return w;
		w++;
	}
	return PG / 4;
}

/* A changed word of a process directory. */
static const char *dir_word(uint32_t pid, uint32_t slot, uint32_t old, uint32_t now)
{
	const cproc *p = &procs[pid];
	if (slot < UL_SLOTS) {
		if (old & E_PRESENT) {
			uint32_t f = (old & E_FRAME) / PG;
			if (f < TRACE_FRAMES && table_of[f] == (((pid + 1) << 10) | slot))
				table_of[f] = 0;
		}
		if (now & E_PRESENT) {
			uint32_t f = (now & E_FRAME) / PG;
			if ((now & 0xfffu & ~E_IGNORED) != UL_PDE_FLAGS)
				return fail("directory entry of a page table has flags other than PRESENT|WRITABLE|USER at",
				            slot * SLOT_SPAN, "entry", now);
			if (f >= TRACE_FRAMES)
				return fail("page table outside trace RAM at", slot * SLOT_SPAN, "entry", now);
			table_of[f] = ((pid + 1) << 10) | slot;
			if (nntabs == ntabs_cap) {
				newtab *n = grow(ntabs, nntabs, &ntabs_cap, sizeof(newtab));
				if (!n)
					mach_panic("checker: out of memory");
				ntabs = n;
			}
			ntabs[nntabs].pid = pid;
			ntabs[nntabs].slot = slot;
			ntabs[nntabs].frame = now & E_FRAME;
			nntabs++;
			return 0;
		}
		return check_tableless_slot(p->pm, slot, now, slot * SLOT_SPAN, slot * SLOT_SPAN + (SLOT_SPAN - 1));
	}
	/* KernelLand and recursive slots: the port writes them at `new` and
	 * switch_to, where they are checked; any other change is a trace's
	 * write through an alias (hosted-only traces), not the port's doing */
	return 0;
}

static const char *process_changes(void)
{
	const char *e;
	if (chg_oom)
		return "checker: out of memory for the changed words";
	/* directories first: they say which frames are tables now */
	for (uint32_t i = 0; i < nchg; i++) {
		uint32_t f = chg[i].frame / PG;
		if (!(f < TRACE_FRAMES && dir_of[f]))
			continue;
		for (uint32_t w = next_changed(&chg[i], 0); w < PG / 4; w = next_changed(&chg[i], w + 1))
			if (procs[dir_of[f] - 1].live && (e = dir_word(dir_of[f] - 1, w, chg[i].was[w], chg[i].now[w])))
				return e;
	}
	/* a new table is checked whole below: its changed words need not be */
	if (++op_count == 0) {
		for (uint32_t f = 0; f < TRACE_FRAMES; f++)
			new_table_op[f] = 0;
		op_count = 1;
	}
	for (uint32_t i = 0; i < nntabs; i++)
		if (table_of[ntabs[i].frame / PG] == (((ntabs[i].pid + 1) << 10) | ntabs[i].slot))
			new_table_op[ntabs[i].frame / PG] = op_count;
	for (uint32_t i = 0; i < nchg; i++) {
		paddr_t frame = chg[i].frame;
		uint32_t f = frame / PG, slot;
		if (f < TRACE_FRAMES && table_of[f]) {
			uint32_t pid = (table_of[f] >> 10) - 1;
			slot = table_of[f] & 1023;
			if (!procs[pid].live || new_table_op[f] == op_count)
				continue;
			for (uint32_t w = next_changed(&chg[i], 0); w < PG / 4; w = next_changed(&chg[i], w + 1))
				if ((e = check_pte(procs[pid].pm, (slot << 22) | (w << 12), chg[i].now[w])))
					return e;
		} else if ((slot = kl_slot_of_frame(frame))) {
			for (uint32_t w = next_changed(&chg[i], 0); w < PG / 4; w = next_changed(&chg[i], w + 1)) {
				if (chg[i].was[w] & E_PRESENT)
					kl_present--;
				if (chg[i].now[w] & E_PRESENT)
					kl_present++;
				if ((e = check_kl_entry((slot << 22) | (w << 12), chg[i].now[w])))
					return e;
			}
		}
	}
	for (uint32_t i = 0; i < nntabs; i++) {
		const cproc *p = &procs[ntabs[i].pid];
		if (!p->live || table_of[ntabs[i].frame / PG] != (((ntabs[i].pid + 1) << 10) | ntabs[i].slot))
			continue;
		const uint32_t *now = 0; /* the table's words, when the machine reported them */
		for (uint32_t k = 0; k < nchg && !now; k++)
			if (chg[k].frame == ntabs[i].frame)
				now = chg[k].now;
		if ((e = check_table_whole(p->pm, ntabs[i].slot, ntabs[i].frame, now)))
			return e;
	}
	return 0;
}

static const char *check_tlb(void)
{
	vaddr_t va;
	uint32_t cached, now;
	if (machine_tlb_stale(&va, &cached, &now) == 1) {
		msg_len = 0;
		m_str("TLB keeps a stale translation (a forgotten flush): page ");
		m_hex(va);
		m_str(" cached ");
		m_hex(cached);
		m_str(", page tables give ");
		m_hex(now);
		return msg;
	}
	return 0;
}

/* ---- the full check ------------------------------------------------------------------ */

static uint8_t held_by[TRACE_FRAMES];
static uint32_t held;
#define MAX_SEEN 4096
static const shared_frames *seen[MAX_SEEN];
static uint32_t nseen;

static const char *hold(paddr_t frame)
{
	uint32_t n = frame / PG;
	if (n >= TRACE_FRAMES)
		return fail("a held frame lies outside trace RAM:", frame, 0, 0);
	if (held_by[n])
		return fail("frame held twice:", frame, 0, 0);
	if (frame_allocator_frame_is_free(n))
		return fail("a held frame is free in the allocator:", frame, 0, 0);
	held_by[n] = 1;
	held++;
	return 0;
}

static const char *hold_regions(const region_vec *v)
{
	for (uint32_t i = 0; i < v->len; i++) {
		const physical_mem_region *r = &v->items[i];
		if (!r->should_free_on_drop)
			continue; /* mmio: never the allocator's */
		for (uint32_t k = 0; k < r->frames; k++) {
			const char *e = hold(r->start_addr + k * PG);
			if (e)
				return e;
		}
	}
	return 0;
}

static const char *hold_shared(const shared_frames *s)
{
	for (uint32_t i = 0; i < nseen; i++)
		if (seen[i] == s)
			return 0;
	if (nseen == MAX_SEEN)
		return 0; /* too many to track: the count below will say */
	seen[nseen++] = s;
	return hold_regions(&s->regions);
}

static const char *hold_mapping_frames(const mapping *m)
{
	if (m->frames.kind == MAPPING_FRAMES_OWNED)
		return hold_regions(&m->frames.owned);
	if (m->frames.kind == MAPPING_FRAMES_SHARED)
		return hold_shared(m->frames.shared);
	return 0;
}

/* Every UserLand entry of directory dir against pm's bookkeeping: each
 * mapping's pages, then every set entry outside them. */
static const char *check_userland(const process_memory *pm, paddr_t dir)
{
	const char *e;
	const userspace_bookkeeping *bk = &pm->userspace_bookkeping;
	for (const mapping *m = userspace_bookkeeping_first(bk); m; m = userspace_bookkeeping_next(bk, m))
		if (m->address < KL_START && (e = check_range_pages(pm, dir, m->address, m->length)))
			return e;
	for (uint32_t slot = 0; slot < UL_SLOTS; slot++) {
		uint32_t pde = pread(dir + slot * 4);
		if (pde & E_PRESENT) {
			if ((pde & 0xfffu & ~E_IGNORED) != UL_PDE_FLAGS)
				return fail("directory entry of a page table has flags other than PRESENT|WRITABLE|USER at",
				            slot * SLOT_SPAN, "entry", pde);
			if ((e = hold(pde & E_FRAME)))
				return e;
			const uint32_t *t = pread_page(pde & E_FRAME);
			for (uint32_t j = 0; j < 1024; j++) {
				uint32_t pte = t[j];
				vaddr_t va = (slot << 22) | (j << 12);
				if (pte && !mapping_over(pm, va))
					return fail("page table entry set outside any mapping at", va, "entry", pte);
			}
		} else if (pde && (e = check_tableless_slot(pm, slot, pde, slot * SLOT_SPAN, slot * SLOT_SPAN + (SLOT_SPAN - 1)))) {
			return e;
		}
	}
	return 0;
}

/* KernelLand of the boot tables: exactly the live mirrors' pages. */
static const char *check_kernel_land(const check_world *w)
{
	uint32_t present = 0, live = 0;
	for (uint32_t i = 0; i < MAX_MIRRORS; i++)
		live += mirrors[i].live;
	if (live != w->nmirrors)
		return fail("live named mirrors:", w->nmirrors, "recorded from the trace:", live);
	for (uint32_t slot = KL_FIRST; slot <= KL_LAST; slot++) {
		const uint32_t *t = pread_page(boot_pde[slot] & E_FRAME);
		if (page_is_zero(t))
			continue;
		for (uint32_t j = 0; j < 1024; j++) {
			uint32_t e = t[j];
			const char *err;
			if (e & E_PRESENT)
				present++;
			if (e && (err = check_kl_entry((slot << 22) | (j << 12), e)))
				return err;
		}
	}
	for (uint32_t i = 0; i < MAX_MIRRORS; i++) {
		const char *err;
		if (mirrors[i].live && (err = check_mirror_pages(&mirrors[i], true)))
			return err;
	}
	if (present != mirror_pages)
		return fail("KernelLand pages mapped:", present, "mirror pages:", mirror_pages);
	kl_present = present;
	kl_count_known = true;
	return 0;
}

const char *check_invariants(const check_world *w)
{
	const char *e;
	cur_vec = 0; /* frames may have moved since the last check */
	mc_valid = false; /* and mappings */
	for (uint32_t n = 0; n < TRACE_FRAMES; n++)
		held_by[n] = 0;
	held = 0;
	nseen = 0;
	for (uint32_t p = 0; p < w->nprocs; p++) {
		const process_memory *pm = w->procs[p];
		paddr_t dir = pm->table_hierarchy.directory_physical_address;
		const userspace_bookkeeping *bk = &pm->userspace_bookkeping;
		if ((e = check_bk_tree(pm)))
			return e;
		for (const mapping *m = userspace_bookkeeping_first(bk); m; m = userspace_bookkeeping_next(bk, m)) {
			if ((e = check_structure(pm, m)) || (e = hold_mapping_frames(m)))
				return e;
		}
		if ((e = hold(dir)) || (e = check_userland(pm, dir)))
			return e;
	}
	for (uint32_t i = 0; i < w->nshms; i++)
		if ((e = hold_shared(w->shms[i])))
			return e;
	for (uint32_t i = 0; i < w->nmirrors; i++)
		if ((e = hold_mapping_frames(&w->mirrors[i]->mapping)))
			return e;
	if ((e = check_kernel_land(w)) || (e = check_tlb()))
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

/* ---- after each operation ------------------------------------------------------------- */

static int32_t pid_of(check_tok name)
{
	nslot *s = nt_find(&proc_names, name);
	return s ? (int32_t)s->val : -1;
}

/* Updates the records from the line and its result (before the changes are
 * looked at). */
static const char *record(const check_world *w, const check_tok *t, size_t n, bool ok, bool *mirror_made)
{
	check_tok op = t[0];
	*mirror_made = false;
	if (tok_is(op, "new") && n == 2 && ok) {
		process_memory *pm = w->lookup(w->ctx, CHECK_NS_PROC, t[1].s, t[1].n);
		if (!pm)
			return fail("a process `new` made is not live; line token count", (uint32_t)n, 0, 0);
		if (nprocs_rec == procs_cap) {
			cproc *np = grow(procs, nprocs_rec, &procs_cap, sizeof(cproc));
			if (!np)
				mach_panic("checker: out of memory");
			procs = np;
		}
		uint32_t pid = nprocs_rec++;
		procs[pid].pm = pm;
		procs[pid].dir = pm->table_hierarchy.directory_physical_address;
		procs[pid].live = true;
		if (procs[pid].dir / PG >= TRACE_FRAMES || procs[pid].dir % PG)
			return fail("page directory outside trace RAM:", procs[pid].dir, 0, 0);
		dir_of[procs[pid].dir / PG] = pid + 1;
		nt_put(&proc_names, t[1], pid);
		sel = (int32_t)pid;
		/* a fresh directory: empty UserLand and KernelLand, recursive slot */
		for (uint32_t s = 0; s < REC_SLOT; s++) {
			uint32_t pde = pread(procs[pid].dir + s * 4);
			if (pde)
				return fail("a new directory is not empty at", s * SLOT_SPAN, "entry", pde);
		}
		uint32_t rec = pread(procs[pid].dir + REC_SLOT * 4);
		if ((rec & ~E_IGNORED) != (procs[pid].dir | REC_PDE_FLAGS))
			return fail("recursive directory entry does not point to its directory: entry", rec, "directory",
			            procs[pid].dir);
	} else if (tok_is(op, "select") && n == 2) {
		sel = pid_of(t[1]);
	} else if (tok_is(op, "drop") && n == 2) {
		nslot *s = nt_find(&proc_names, t[1]);
		if (s) {
			uint32_t pid = s->val;
			s->state = 2;
			if (sel == (int32_t)pid)
				sel = -1;
			procs[pid].live = false;
			procs[pid].pm = 0;
			dir_of[procs[pid].dir / PG] = 0;
			for (uint32_t slot = 0; slot < UL_SLOTS; slot++) {
				uint32_t pde = pread(procs[pid].dir + slot * 4);
				uint32_t f = (pde & E_FRAME) / PG;
				if ((pde & E_PRESENT) && f < TRACE_FRAMES && table_of[f] == (((pid + 1) << 10) | slot))
					table_of[f] = 0;
			}
		}
	} else if (tok_is(op, "mirror_mapping") && n == 4 && ok) {
		*mirror_made = true;
	} else if (tok_is(op, "mirror_drop") && n == 2) {
		nslot *s = nt_find(&mirror_names, t[1]);
		if (s) {
			cmirror *m = &mirrors[s->val];
			s->state = 2;
			m->live = false;
			mirror_pages -= m->npages;
			const char *e = check_mirror_pages(m, false);
			mach_free(m->frames);
			m->frames = 0;
			if (e)
				return e;
		}
	}
	return 0;
}

/* The checks an operation's own line asks for. */
static const char *check_line(const check_world *w, const check_tok *t, size_t n, const char *res, size_t rlen, bool ok)
{
	check_tok op = t[0];
	if (sel < 0 || !ok)
		return 0;
	const cproc *p = &procs[sel];
	const process_memory *pm = p->pm;
	const mapping *m;
	const char *e;
	vaddr_t a;
	uint32_t len, rights;
	bool named_rights = false;

	if (tok_is(op, "create_regular_mapping") && n == 5) {
		a = tok_num(t[1]), len = tok_num(t[2]), rights = tok_rights(t[4]);
		named_rights = true;
	} else if (tok_is(op, "map_phys_region_to") && n == 6 && tok_is(t[1], "alloc")) {
		a = tok_num(t[3]), len = tok_num(t[2]), rights = tok_rights(t[5]);
		named_rights = true;
	} else if (tok_is(op, "map_phys_region_to") && n == 7) {
		a = tok_num(t[4]), len = tok_num(t[3]), rights = tok_rights(t[6]);
		named_rights = true;
	} else if (tok_is(op, "map_partial_shared_mapping") && n == 7) {
		a = tok_num(t[2]), len = tok_num(t[4]), rights = tok_rights(t[6]);
		named_rights = true;
	} else if (tok_is(op, "guard") && n == 4) {
		a = tok_num(t[1]), len = tok_num(t[2]), rights = 0;
		if (!(m = mapping_over(pm, a)) || m->address != a || m->length != len || frames_vec(m))
			return fail("guard succeeded but the bookkeeping holds no such guard at", a, 0, 0);
		return check_mapping_whole(pm, p->dir, m);
	} else if (tok_is(op, "unmap") && n == 3) {
		a = tok_num(t[1]), len = tok_num(t[2]);
		if ((e = check_range_pages(pm, p->dir, a, len)))
			return e;
		if (len && (m = mapping_over(pm, a)))
			return fail("unmap succeeded but a mapping remains at", a, 0, 0);
		if (a && (m = userspace_bookkeeping_mapping_at_or_preceding(&pm->userspace_bookkeping, a - 1)) &&
		    (e = check_structure(pm, m)))
			return e;
		if ((uint64_t)a + len < KL_START && (m = mapping_over(pm, a + len)) && (e = check_structure(pm, m)))
			return e;
		return 0;
	} else if (tok_is(op, "expand_mapping") && n == 3) {
		a = tok_num(t[1]);
		if (!(m = mapping_over(pm, a)))
			return fail("expand_mapping succeeded but no mapping is at", a, 0, 0);
		if (m->length != tok_num(t[2]))
			return fail("expand_mapping succeeded but the mapping's length is", m->length, "asked", tok_num(t[2]));
		return check_mapping_whole(pm, p->dir, m);
	} else if (tok_is(op, "resize_heap") && n == 2) {
		if (rlen < 13)
			return 0;
		check_tok r = { res + 3, 10 };
		a = tok_num(r);
		if (tok_num(t[1]) && (m = mapping_over(pm, a)))
			return check_mapping_whole(pm, p->dir, m);
		return 0;
	} else if (tok_is(op, "switch_to") && n == 1) {
		if (mach_read_cr3() != p->dir)
			return fail("after switch_to cr3 is", mach_read_cr3(), "not the directory", p->dir);
		for (uint32_t s = KL_FIRST; s <= KL_LAST; s++)
			if ((pread(p->dir + s * 4) & ~E_IGNORED) != (boot_pde[s] & ~E_IGNORED))
				return fail("after switch_to a KernelLand directory entry differs from the boot directory's at",
				            s * SLOT_SPAN, "entry", pread(p->dir + s * 4));
		return 0;
	} else {
		return 0;
	}
	/* a mapping the line made: where, how long and with which rights the
	 * line said, its frames as the line said, every page as expected */
	m = mapping_over(pm, a);
	if (!m || m->address != a || m->length != len)
		return fail("the line made a mapping the bookkeeping does not hold at", a, "length", len);
	if (named_rights && m->flags != rights)
		return fail("the bookkeeping's rights differ from the line's at", a, "rights", m->flags);
	if ((e = check_mapping_whole(pm, p->dir, m)))
		return e;
	if (tok_is(op, "map_phys_region_to") && n == 7)
		return check_own_frames(p->dir, a, len, 0, 0, tok_num(t[2]) & E_FRAME);
	if (tok_is(op, "map_partial_shared_mapping")) {
		const shared_frames *s = w->lookup(w->ctx, CHECK_NS_SHM, t[1].s, t[1].n);
		if (s)
			return check_own_frames(p->dir, a, len, &s->regions, tok_num(t[3]) / PG, 0);
	}
	return 0;
}

void check_forget(void)
{
	mc_valid = false;
	for (uint32_t i = 0; i < nprocs_rec; i++)
		procs[i].live = false;
	for (uint32_t i = 0; i < MAX_MIRRORS; i++)
		mirrors[i].live = false;
	mirror_pages = 0;
	sel = -1;
}

const char *check_op(const check_world *w, const check_tok *toks, size_t ntoks,
                     const char *result, size_t rlen, int full, int *need_full)
{
	const char *e;
	bool mirror_made;
	*need_full = 0;
	cur_vec = 0; /* frames may have moved since the last check */
	mc_valid = false; /* and mappings */
	if (!ntoks)
		return 0;
	bool ok = rlen >= 2 && result[0] == 'o' && result[1] == 'k';
	if ((e = record(w, toks, ntoks, ok, &mirror_made)))
		return e;
	nchg = 0;
	nntabs = 0;
	chg_oom = false;
	int touched = machine_take_changed_pages(full ? 0 : collect, 0);
	if (touched < 0)
		full = 1;
	if (mirror_made && (e = record_mirror(w, toks)))
		return e;
	if (!full) {
		/* the line's own mappings first (lowest page first), then every
		 * changed word */
		if ((e = check_line(w, toks, ntoks, result, rlen, ok)))
			return e;
		/* an op the op table marks as changing the bookkeeping (whatever
		 * its result: a refused operation must leave the tree whole too) */
		if (sel >= 0 && w->changes_bookkeeping && (e = check_bk_tree(procs[sel].pm)))
			return e;
		if (touched > 0 && (e = process_changes()))
			return e;
		if (kl_count_known && kl_present != mirror_pages)
			return fail("KernelLand pages mapped:", kl_present, "mirror pages:", mirror_pages);
		if (touched > 0 && (e = check_tlb()))
			return e;
		return 0;
	}
	*need_full = 1;
	return 0;
}
