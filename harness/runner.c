/* runner.c -- TRACE_FORMAT v1 runner over the C port. Freestanding: no libc,
 * only the port, arch.h and machine.h. */
#include "runner.h"
#include "machine.h"
#include "process_memory.h"
#include "frame_allocator.h"
#include "check.h"

#define MAX_TOKENS 10
#define NAME_MAX_LEN 16
#define MIRROR_MAX_LEN 0x01000000u
#define MIRROR_MAX_LIVE 16u
#define KERNEL_LAND_START 0xc0000000u

/* ---- small freestanding helpers ------------------------------------------ */

typedef struct tok {
	const char *s;
	size_t n;
} tok;

static bool tok_is(tok t, const char *lit)
{
	size_t i = 0;
	for (; i < t.n; i++)
		if (lit[i] != t.s[i])
			return false;
	return lit[i] == '\0';
}

/* An output line being built. With a sink, a full buffer is written out
 * and reused (result lines have no length limit: a walk can be long);
 * without one, the text is truncated (messages). */
typedef struct line_buf {
	char b[1024];
	size_t n;
	const runner_sink *sink;
} line_buf;

static void lb_char(line_buf *l, char c)
{
	if (l->n == sizeof(l->b) - 1 && l->sink) {
		l->sink->write(l->sink->ctx, l->b, l->n);
		l->n = 0;
	}
	if (l->n < sizeof(l->b) - 1)
		l->b[l->n++] = c;
}

static void lb_str(line_buf *l, const char *s)
{
	while (*s)
		lb_char(l, *s++);
}

static void lb_mem(line_buf *l, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		lb_char(l, s[i]);
}

/* 0x and 8 lower-case hex digits. */
static void lb_hex(line_buf *l, uint32_t v)
{
	static const char digits[] = "0123456789abcdef";
	lb_str(l, "0x");
	for (int i = 7; i >= 0; i--)
		lb_char(l, digits[(v >> (i * 4)) & 0xf]);
}

static void lb_dec(line_buf *l, uint64_t v)
{
	char tmp[24];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		lb_char(l, tmp[--n]);
}

/* ---- names: three namespaces of live objects ------------------------------ */

typedef struct name_slot {
	char name[NAME_MAX_LEN];
	uint8_t len;   /* 0: empty */
	bool tomb;
	void *val;
	uint32_t aux;
} name_slot;

typedef struct name_table {
	name_slot *slots;
	uint32_t cap;  /* power of two */
	uint32_t used; /* live + tombstones */
	uint32_t live;
} name_table;

static uint32_t name_hash(tok t)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < t.n; i++)
		h = (h ^ (uint8_t)t.s[i]) * 16777619u;
	return h;
}

static bool slot_is(const name_slot *s, tok t)
{
	if (s->len != t.n)
		return false;
	for (size_t i = 0; i < t.n; i++)
		if (s->name[i] != t.s[i])
			return false;
	return true;
}

static name_slot *names_find(name_table *nt, tok t)
{
	if (!nt->cap)
		return 0;
	for (uint32_t i = name_hash(t) & (nt->cap - 1);; i = (i + 1) & (nt->cap - 1)) {
		name_slot *s = &nt->slots[i];
		if (s->len == 0 && !s->tomb)
			return 0;
		if (s->len && slot_is(s, t))
			return s;
	}
}

static void names_insert(name_table *nt, tok t, void *val, uint32_t aux);

/* Rebuilds the table with room for more names. */
static void names_grow(name_table *nt)
{
	name_table old = *nt;
	nt->cap = old.cap ? old.cap * 2 : 64;
	while (old.live * 2 >= nt->cap)
		nt->cap *= 2;
	nt->slots = arch_alloc(nt->cap * sizeof(name_slot));
	if (!nt->slots)
		arch_panic("runner: out of memory for names");
	for (uint32_t i = 0; i < nt->cap; i++) {
		nt->slots[i].len = 0;
		nt->slots[i].tomb = false;
	}
	nt->used = nt->live = 0;
	for (uint32_t i = 0; i < old.cap; i++)
		if (old.slots[i].len) {
			tok t = { old.slots[i].name, old.slots[i].len };
			names_insert(nt, t, old.slots[i].val, old.slots[i].aux);
		}
	arch_free(old.slots);
}

static void names_insert(name_table *nt, tok t, void *val, uint32_t aux)
{
	if ((nt->used + 1) * 4 >= nt->cap * 3)
		names_grow(nt);
	uint32_t i = name_hash(t) & (nt->cap - 1);
	while (nt->slots[i].len)
		i = (i + 1) & (nt->cap - 1);
	name_slot *s = &nt->slots[i];
	if (!s->tomb)
		nt->used++;
	for (size_t k = 0; k < t.n; k++)
		s->name[k] = t.s[k];
	s->len = (uint8_t)t.n;
	s->tomb = false;
	s->val = val;
	s->aux = aux;
	nt->live++;
}

static void names_remove(name_table *nt, name_slot *s)
{
	s->len = 0;
	s->tomb = true;
	nt->live--;
}

/* ---- the runner ------------------------------------------------------------ */

struct runner {
	const runner_sink *out, *err;
	const runner_opts *opts;
	const char *file;
	uint32_t line_no;
	bool started;
	bool saw_phys;
	uint32_t initial_free;
	name_table procs, shms, mirrors;
	process_memory *selected;
	line_buf reason;
	bool dead; /* panicked, malformed or broken: nothing more runs */
	/* for the checker: the current line's tokens and its result line */
	tok toks[MAX_TOKENS];
	size_t ntoks;
	char result[64];
	size_t result_n;
};

/* Sends a finished result line. */
static void emit(runner *r, line_buf *l)
{
	for (r->result_n = 0; r->result_n < l->n && r->result_n < sizeof(r->result); r->result_n++)
		r->result[r->result_n] = l->b[r->result_n];
	lb_char(l, '\n');
	r->out->write(r->out->ctx, l->b, l->n);
}

static void emit_str(runner *r, const char *s)
{
	line_buf l = { .n = 0, .sink = r->out };
	lb_str(&l, s);
	emit(r, &l);
}

/* Malformed: builds the reason; returns false to propagate. */
static bool bad(runner *r, const char *why, tok t)
{
	r->reason.n = 0;
	lb_str(&r->reason, why);
	if (t.s) {
		lb_str(&r->reason, " '");
		lb_mem(&r->reason, t.s, t.n > 64 ? 64 : t.n);
		if (t.n > 64)
			lb_str(&r->reason, "...");
		lb_str(&r->reason, "'");
	}
	return false;
}

static const tok NOTOK = { 0, 0 };

/* A number: decimal, or lower-case 0x then hex digits; fits in 32 bits. */
static bool parse_number(runner *r, tok t, uint32_t *out)
{
	uint64_t v = 0;
	size_t i = 0;
	unsigned base = 10;
	if (t.n >= 2 && t.s[0] == '0' && t.s[1] == 'x') {
		base = 16;
		i = 2;
	}
	if (i == t.n)
		return bad(r, "bad number", t);
	for (; i < t.n; i++) {
		char c = t.s[i];
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return bad(r, "bad number", t);
		v = v * base + d;
		if (v > 0xffffffffu)
			return bad(r, "number does not fit in 32 bits", t);
	}
	*out = (uint32_t)v;
	return true;
}

/* NAME: 1 to 16 of [A-Za-z0-9_]. */
static bool parse_name(runner *r, tok t)
{
	if (t.n < 1 || t.n > NAME_MAX_LEN)
		return bad(r, "bad name (1 to 16 of [A-Za-z0-9_])", t);
	for (size_t i = 0; i < t.n; i++) {
		char c = t.s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return bad(r, "bad name (1 to 16 of [A-Za-z0-9_])", t);
	}
	return true;
}

static bool parse_type(runner *r, tok t, memory_type *out)
{
	if (!memory_type_from_name(t.s, t.n, out))
		return bad(r, "unknown memory type", t);
	return true;
}

static bool parse_rights(runner *r, tok t, mapping_access_rights *out)
{
	static const struct { const char *name; uint32_t bits; } shorthands[] = {
		{ "none", 0 }, { "k_r", 1 }, { "k_w", 2 }, { "k_rw", 3 }, { "k_rx", 5 },
		{ "u_r", 9 }, { "u_w", 10 }, { "u_rw", 11 }, { "u_rx", 13 },
	};
	for (unsigned i = 0; i < sizeof(shorthands) / sizeof(shorthands[0]); i++)
		if (tok_is(t, shorthands[i].name)) {
			*out = shorthands[i].bits;
			return true;
		}
	uint32_t v;
	if (!parse_number(r, t, &v))
		return bad(r, "bad rights", t);
	if (v > 15)
		return bad(r, "rights out of range 0..15", t);
	*out = v;
	return true;
}

/* Parses args against a signature: N number, A name, T type, R rights. */
typedef struct args {
	uint32_t n[8];
	tok a[8];
	memory_type t;
	mapping_access_rights rights;
} args;

static bool parse_args(runner *r, tok op, const char *sig, const tok *toks, size_t ntoks, args *a)
{
	size_t want = 0;
	while (sig[want])
		want++;
	if (ntoks != want) {
		r->reason.n = 0;
		lb_str(&r->reason, "'");
		lb_mem(&r->reason, op.s, op.n);
		lb_str(&r->reason, "' takes ");
		lb_dec(&r->reason, want);
		lb_str(&r->reason, " argument(s), got ");
		lb_dec(&r->reason, ntoks);
		return false;
	}
	for (size_t i = 0; i < want; i++) {
		bool ok = true;
		switch (sig[i]) {
		case 'N': ok = parse_number(r, toks[i], &a->n[i]); break;
		case 'A': ok = parse_name(r, toks[i]); a->a[i] = toks[i]; break;
		case 'T': ok = parse_type(r, toks[i], &a->t); break;
		case 'R': ok = parse_rights(r, toks[i], &a->rights); break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* ---- result formatting ----------------------------------------------------- */

static void emit_error(runner *r, kernel_error e)
{
	line_buf l = { .n = 0, .sink = r->out };
	lb_str(&l, "err ");
	lb_str(&l, kernel_error_name(e.kind));
	switch (e.kind) {
	case KERR_INVALID_ADDRESS: lb_str(&l, " address="); lb_hex(&l, e.address); break;
	case KERR_INVALID_SIZE: lb_str(&l, " size="); lb_hex(&l, e.size); break;
	case KERR_WRONG_MAPPING_FRAMES_FOR_TY: lb_str(&l, " ty="); lb_str(&l, memory_type_name(e.ty)); break;
	case KERR_INVALID_MEM_STATE:
		lb_str(&l, " address="); lb_hex(&l, e.address);
		lb_str(&l, " ty="); lb_str(&l, memory_type_name(e.ty));
		break;
	default: break;
	}
	emit(r, &l);
}

/* `ok` or the error line. */
static void emit_result(runner *r, kernel_error e)
{
	if (KERR_IS_OK(e))
		emit_str(r, "ok");
	else
		emit_error(r, e);
}

static void emit_ok_hex(runner *r, uint32_t v)
{
	line_buf l = { .n = 0, .sink = r->out };
	lb_str(&l, "ok ");
	lb_hex(&l, v);
	emit(r, &l);
}

static void emit_query(runner *r, const mapping *m)
{
	line_buf l = { .n = 0, .sink = r->out };
	lb_str(&l, "ok addr="); lb_hex(&l, m->address);
	lb_str(&l, " len="); lb_hex(&l, m->length);
	lb_str(&l, " type="); lb_str(&l, memory_type_name(memory_state_ty(m->state)));
	lb_str(&l, " state="); lb_hex(&l, m->state);
	lb_str(&l, " flags=");
	lb_char(&l, m->flags & MAPPING_ACCESS_RIGHTS_READABLE ? 'r' : '-');
	lb_char(&l, m->flags & MAPPING_ACCESS_RIGHTS_WRITABLE ? 'w' : '-');
	lb_char(&l, m->flags & MAPPING_ACCESS_RIGHTS_EXECUTABLE ? 'x' : '-');
	lb_char(&l, m->flags & MAPPING_ACCESS_RIGHTS_USER_ACCESSIBLE ? 'u' : '-');
	lb_str(&l, " offset="); lb_hex(&l, m->offset);
	emit(r, &l);
}

/* " START*COUNT": one run of consecutive frames. */
static void lb_frame_run(line_buf *l, paddr_t start, uint32_t count)
{
	lb_char(l, ' ');
	lb_hex(l, start);
	lb_char(l, '*');
	lb_dec(l, count);
}

static void emit_frames(runner *r, const mapping *m)
{
	line_buf l = { .n = 0, .sink = r->out };
	frame_iter it = mapping_frames_it(m);
	paddr_t p, run_start = 0;
	uint32_t run_len = 0;
	lb_str(&l, "ok");
	while (frame_iter_next(&it, &p)) {
		if (run_len && p == run_start + run_len * PAGE_SIZE) {
			run_len++;
			continue;
		}
		if (run_len)
			lb_frame_run(&l, run_start, run_len);
		run_start = p;
		run_len = 1;
	}
	if (run_len)
		lb_frame_run(&l, run_start, run_len);
	else
		lb_str(&l, " -");
	emit(r, &l);
}

/* Runs of (state, entry size) seen by for_every_entry. */
typedef struct walk_state {
	line_buf l;
	page_state_kind kind;
	uint32_t size, count;
	paddr_t first;
	bool open;
} walk_state;

static void walk_flush(walk_state *w)
{
	static const char *const names[] = { "avail", "guard", "page" };
	if (!w->open)
		return;
	lb_char(&w->l, ' ');
	lb_str(&w->l, names[w->kind]);
	lb_char(&w->l, '/');
	lb_hex(&w->l, w->size);
	lb_char(&w->l, '*');
	lb_dec(&w->l, w->count);
	if (w->kind == PAGE_STATE_PRESENT) {
		lb_char(&w->l, '@');
		lb_hex(&w->l, w->first);
	}
}

static void walk_entry(void *ctx, page_state st, uint32_t length)
{
	walk_state *w = ctx;
	if (w->open && st.kind == w->kind && length == w->size &&
	    (st.kind != PAGE_STATE_PRESENT || st.addr == w->first + w->count * w->size)) {
		w->count++;
		return;
	}
	walk_flush(w);
	w->open = true;
	w->kind = st.kind;
	w->size = length;
	w->count = 1;
	w->first = st.addr;
}

static void emit_access(runner *r, int rc, uint32_t v, bool is_read)
{
	if (rc)
		emit_str(r, "fault");
	else if (is_read)
		emit_ok_hex(r, v);
	else
		emit_str(r, "ok");
}

/* ---- operations -------------------------------------------------------------- */

static bool need_process(runner *r, tok op)
{
	if (!r->selected)
		return bad(r, "operation needs a selected process (none is selected):", op);
	return true;
}

static name_slot *need_name(runner *r, name_table *nt, const char *what, tok t)
{
	name_slot *s = names_find(nt, t);
	if (!s)
		bad(r, what, t);
	return s;
}

static bool fresh_name(runner *r, name_table *nt, const char *what, tok t)
{
	if (names_find(nt, t))
		return bad(r, what, t);
	return true;
}

/* Executes one operation line; false when it is malformed. */
static bool run_op(runner *r, const tok *toks, size_t ntoks)
{
	tok op = toks[0];
	const tok *av = toks + 1;
	size_t ac = ntoks - 1;
	args a;
	process_memory *pm;
	kernel_error e;
	name_slot *s;

	if (tok_is(op, "phys")) {
		if (ac != 3) {
			r->reason.n = 0;
			lb_str(&r->reason, "'phys' takes 3 arguments, got ");
			lb_dec(&r->reason, ac);
			return false;
		}
		bool is_free = tok_is(av[0], "free");
		if (!is_free && !tok_is(av[0], "reserve"))
			return bad(r, "phys takes 'free' or 'reserve', not", av[0]);
		if (!parse_number(r, av[1], &a.n[1]) || !parse_number(r, av[2], &a.n[2]))
			return false;
		uint32_t start = a.n[1], end = a.n[2];
		if (r->started)
			return bad(r, "'phys' after the first operation", NOTOK);
		if (start % PAGE_SIZE || end % PAGE_SIZE)
			return bad(r, "phys START and END must be page aligned", NOTOK);
		if (start > end)
			return bad(r, "phys START > END", NOTOK);
		if (is_free && !((end <= TRACE_RAM_LOW_END) || (start >= TRACE_RAM_HIGH_BASE && end <= TRACE_RAM_HIGH_END)))
			return bad(r, "phys free range is not inside trace RAM [0x00000000, 0x0009f000) or [0x00100000, 0x01000000)", NOTOK);
		if (is_free)
			frame_allocator_mark_area_free(start, end);
		else
			frame_allocator_mark_area_reserved(start, end);
		r->saw_phys = true;
		return true;
	}

	/* the first operation: the default physical memory when no phys line */
	if (!r->started) {
		r->started = true;
		if (!r->saw_phys)
			frame_allocator_mark_area_free(0x00400000u, 0x00800000u);
		r->initial_free = frame_allocator_free_count();
	}
	/* (syntax errors are reported before the selection rule, as the
	 *  reference checker does: each branch parses first) */

	if (tok_is(op, "new")) {
		if (!parse_args(r, op, "A", av, ac, &a) || !fresh_name(r, &r->procs, "process name is still live:", a.a[0]))
			return false;
		pm = arch_alloc(sizeof(*pm));
		if (!pm)
			arch_panic("runner: out of memory");
		process_memory_default(pm);
		names_insert(&r->procs, a.a[0], pm, 0);
		r->selected = pm;
		emit_str(r, "ok");
	} else if (tok_is(op, "select")) {
		if (!parse_args(r, op, "A", av, ac, &a) || !(s = need_name(r, &r->procs, "no live process named", a.a[0])))
			return false;
		r->selected = s->val;
		emit_str(r, "ok");
	} else if (tok_is(op, "drop")) {
		if (!parse_args(r, op, "A", av, ac, &a) || !need_process(r, op) ||
		    !(s = need_name(r, &r->procs, "no live process named", a.a[0])))
			return false;
		pm = s->val;
		names_remove(&r->procs, s);
		if (r->selected == pm)
			r->selected = 0;
		process_memory_drop(pm);
		arch_free(pm);
		emit_str(r, "ok");
	} else if (tok_is(op, "switch_to")) {
		if (!parse_args(r, op, "", av, ac, &a) || !need_process(r, op))
			return false;
		process_memory_switch_to(r->selected);
		emit_str(r, "ok");
	} else if (tok_is(op, "shm")) {
		if (!parse_args(r, op, "AN", av, ac, &a) || !fresh_name(r, &r->shms, "shm name is still live:", a.a[0]))
			return false;
		region_vec frames;
		e = frame_allocator_allocate_frames_fragmented(a.n[1], &frames);
		if (KERR_IS_OK(e))
			names_insert(&r->shms, a.a[0], shared_frames_new(frames), 0);
		emit_result(r, e);
	} else if (tok_is(op, "shm_of")) {
		if (!parse_args(r, op, "AN", av, ac, &a) || !need_process(r, op) ||
		    !fresh_name(r, &r->shms, "shm name is still live:", a.a[0]))
			return false;
		const mapping *m;
		e = userspace_bookkeeping_occupied_mapping_at(&r->selected->userspace_bookkeping, a.n[1], &m);
		if (KERR_IS_OK(e) && m->frames.kind != MAPPING_FRAMES_SHARED)
			e = kerr_invalid_mem_state(m->address, memory_state_ty(m->state));
		if (KERR_IS_OK(e))
			names_insert(&r->shms, a.a[0], shared_frames_clone(m->frames.shared), 0);
		emit_result(r, e);
	} else if (tok_is(op, "shm_drop")) {
		if (!parse_args(r, op, "A", av, ac, &a) || !(s = need_name(r, &r->shms, "no live shm named", a.a[0])))
			return false;
		shared_frames *sf = s->val;
		names_remove(&r->shms, s);
		shared_frames_drop(sf);
		emit_str(r, "ok");
	} else if (tok_is(op, "create_regular_mapping")) {
		if (!parse_args(r, op, "NNTR", av, ac, &a) || !need_process(r, op))
			return false;
		emit_result(r, process_memory_create_regular_mapping(r->selected, a.n[0], a.n[1], a.t, a.rights));
	} else if (tok_is(op, "map_phys_region_to")) {
		bool alloc = ac >= 1 && tok_is(av[0], "alloc");
		bool mmio = ac >= 1 && tok_is(av[0], "mmio");
		if (!alloc && !mmio)
			return bad(r, "'map_phys_region_to' needs 'alloc' or 'mmio' first", NOTOK);
		if (!parse_args(r, op, alloc ? "NNTR" : "NNNTR", av + 1, ac - 1, &a) || !need_process(r, op))
			return false;
		physical_mem_region region;
		if (alloc) {
			e = frame_allocator_allocate_region(a.n[0], &region);
			if (KERR_IS_OK(e))
				e = process_memory_map_phys_region_to(r->selected, region, a.n[1], a.t, a.rights);
		} else {
			e = physical_mem_region_on_fixed_mmio(a.n[0], a.n[1], &region);
			if (KERR_IS_OK(e))
				e = process_memory_map_phys_region_to(r->selected, region, a.n[2], a.t, a.rights);
		}
		emit_result(r, e);
	} else if (tok_is(op, "map_partial_shared_mapping")) {
		if (!parse_args(r, op, "ANNNTR", av, ac, &a) || !need_process(r, op) ||
		    !(s = need_name(r, &r->shms, "no live shm named", a.a[0])))
			return false;
		emit_result(r, process_memory_map_partial_shared_mapping(r->selected, shared_frames_clone(s->val), a.n[1],
		                                                         a.n[2], a.n[3], a.t, a.rights));
	} else if (tok_is(op, "guard")) {
		if (!parse_args(r, op, "NNT", av, ac, &a) || !need_process(r, op))
			return false;
		emit_result(r, process_memory_guard(r->selected, a.n[0], a.n[1], a.t));
	} else if (tok_is(op, "unmap")) {
		if (!parse_args(r, op, "NN", av, ac, &a) || !need_process(r, op))
			return false;
		mapping m;
		e = process_memory_unmap(r->selected, a.n[0], a.n[1], &m);
		if (KERR_IS_OK(e))
			mapping_drop(&m);
		emit_result(r, e);
	} else if (tok_is(op, "query_memory")) {
		if (!parse_args(r, op, "N", av, ac, &a) || !need_process(r, op))
			return false;
		query_memory q = process_memory_query_memory(r->selected, a.n[0]);
		emit_query(r, query_memory_mapping(&q));
	} else if (tok_is(op, "expand_mapping")) {
		if (!parse_args(r, op, "NN", av, ac, &a) || !need_process(r, op))
			return false;
		emit_result(r, process_memory_expand_mapping(r->selected, a.n[0], a.n[1]));
	} else if (tok_is(op, "find_available_space")) {
		if (!parse_args(r, op, "N", av, ac, &a) || !need_process(r, op))
			return false;
		vaddr_t va;
		e = process_memory_find_available_space(r->selected, a.n[0], &va);
		if (KERR_IS_OK(e))
			emit_ok_hex(r, va);
		else
			emit_error(r, e);
	} else if (tok_is(op, "resize_heap")) {
		if (!parse_args(r, op, "N", av, ac, &a) || !need_process(r, op))
			return false;
		vaddr_t va;
		e = process_memory_resize_heap(r->selected, a.n[0], &va);
		if (KERR_IS_OK(e))
			emit_ok_hex(r, va);
		else
			emit_error(r, e);
	} else if (tok_is(op, "mirror_mapping")) {
		bool named = ac == 3;
		if (!parse_args(r, op, named ? "NNA" : "NN", av, ac, &a) || !need_process(r, op))
			return false;
		if (a.n[1] > MIRROR_MAX_LEN)
			return bad(r, "mirror_mapping LEN exceeds 0x01000000", NOTOK);
		if (named && (!fresh_name(r, &r->mirrors, "mirror name is still live:", a.a[2])))
			return false;
		if (named && r->mirrors.live >= MIRROR_MAX_LIVE)
			return bad(r, "more than 16 named mirrors would be live", NOTOK);
		cross_process_mapping *c = arch_alloc(sizeof(*c));
		if (!c)
			arch_panic("runner: out of memory");
		e = process_memory_mirror_mapping(r->selected, a.n[0], a.n[1], c);
		if (KERR_IS_OK(e) && named) {
			names_insert(&r->mirrors, a.a[2], c, a.n[1]);
		} else {
			if (KERR_IS_OK(e))
				cross_process_mapping_drop(c);
			arch_free(c);
		}
		emit_result(r, e);
	} else if (tok_is(op, "mirror_drop")) {
		if (!parse_args(r, op, "A", av, ac, &a) || !(s = need_name(r, &r->mirrors, "no live mirror named", a.a[0])))
			return false;
		cross_process_mapping *c = s->val;
		names_remove(&r->mirrors, s);
		cross_process_mapping_drop(c);
		arch_free(c);
		emit_str(r, "ok");
	} else if (tok_is(op, "check_range")) {
		if (!parse_args(r, op, "NNNNNN", av, ac, &a) || !need_process(r, op))
			return false;
		check_range_result cr;
		e = process_memory_check_range(r->selected, a.n[0], a.n[1], memory_state_from_bits_truncate(a.n[2]),
		                               memory_state_from_bits_truncate(a.n[3]),
		                               memory_permissions_from_bits_truncate(a.n[4]),
		                               memory_permissions_from_bits_truncate(a.n[5]), 0, 0, 0, &cr);
		if (KERR_IS_OK(e)) {
			line_buf l = { .n = 0, .sink = r->out };
			lb_str(&l, "ok state="); lb_hex(&l, cr.state);
			lb_str(&l, " perms="); lb_hex(&l, cr.perms);
			lb_str(&l, " attrs="); lb_hex(&l, cr.attrs);
			emit(r, &l);
		} else {
			emit_error(r, e);
		}
	} else if (tok_is(op, "frames")) {
		if (!parse_args(r, op, "N", av, ac, &a) || !need_process(r, op))
			return false;
		query_memory q = process_memory_query_memory(r->selected, a.n[0]);
		emit_frames(r, query_memory_mapping(&q));
	} else if (tok_is(op, "walk")) {
		if (!parse_args(r, op, "NN", av, ac, &a) || !need_process(r, op))
			return false;
		if (a.n[0] % PAGE_SIZE || a.n[1] % PAGE_SIZE || a.n[1] == 0)
			return bad(r, "walk ADDR and LEN must be page aligned, LEN > 0", NOTOK);
		if ((uint64_t)a.n[0] + a.n[1] > KERNEL_LAND_START)
			return bad(r, "walk ADDR + LEN must not exceed 0xc0000000", NOTOK);
		walk_state w;
		w.l.n = 0;
		w.l.sink = r->out;
		w.open = false;
		lb_str(&w.l, "ok");
		table_hierarchy_for_every_entry(process_memory_get_hierarchy(r->selected), a.n[0], a.n[1], walk_entry, &w);
		walk_flush(&w);
		emit(r, &w.l);
	} else if (tok_is(op, "free_frames")) {
		if (!parse_args(r, op, "", av, ac, &a))
			return false;
		line_buf l = { .n = 0, .sink = r->out };
		lb_str(&l, "ok ");
		lb_dec(&l, frame_allocator_free_count());
		emit(r, &l);
	} else if (tok_is(op, "read") || tok_is(op, "write")) {
		bool is_read = tok_is(op, "read");
		if (!parse_args(r, op, is_read ? "N" : "NN", av, ac, &a))
			return false;
		if (a.n[0] % 4)
			return bad(r, "ADDR must be 4-byte aligned:", op);
		if (a.n[0] >= KERNEL_LAND_START)
			return bad(r, "ADDR must be below 0xc0000000:", op);
		uint32_t v = 0;
		int rc = is_read ? machine_read32(a.n[0], &v) : machine_write32(a.n[0], a.n[1]);
		emit_access(r, rc, v, is_read);
	} else if (tok_is(op, "mirror_read") || tok_is(op, "mirror_write")) {
		bool is_read = tok_is(op, "mirror_read");
		if (!parse_args(r, op, is_read ? "AN" : "ANN", av, ac, &a) ||
		    !(s = need_name(r, &r->mirrors, "no live mirror named", a.a[0])))
			return false;
		if (a.n[1] % 4 || a.n[1] >= s->aux)
			return bad(r, "mirror OFFSET must be 4-byte aligned and below the mirror's len()", NOTOK);
		cross_process_mapping *c = s->val;
		vaddr_t va = cross_process_mapping_addr(c) + a.n[1];
		uint32_t v = 0;
		int rc = is_read ? machine_read32(va, &v) : machine_write32(va, a.n[2]);
		emit_access(r, rc, v, is_read);
	} else {
		return bad(r, "unknown op", op);
	}
	return true;
}

/* ---- invariants ---------------------------------------------------------------- */

/* The live values of a name table, in an array from the kernel heap. */
static void **name_values(name_table *nt)
{
	void **v = arch_alloc((nt->live + 1) * sizeof(void *));
	uint32_t n = 0;
	if (!v)
		arch_panic("runner: out of memory");
	for (uint32_t i = 0; i < nt->cap; i++)
		if (nt->slots[i].len)
			v[n++] = nt->slots[i].val;
	return v;
}

/* check_world.lookup: a live name's object. */
static void *check_lookup(void *ctx, int ns, const char *name, size_t n)
{
	runner *r = ctx;
	name_table *nt = ns == CHECK_NS_PROC ? &r->procs : ns == CHECK_NS_SHM ? &r->shms : &r->mirrors;
	tok t = { name, n };
	name_slot *s = names_find(nt, t);
	return s ? s->val : 0;
}

/* Runs the checker over everything live; NULL when all holds. */
static const char *check_now(runner *r)
{
	check_world w;
	w.selected = r->selected;
	w.lookup = check_lookup;
	w.ctx = r;
	void **procs = name_values(&r->procs), **shms = name_values(&r->shms), **mirrors = name_values(&r->mirrors);
	w.procs = (process_memory *const *)procs;
	w.nprocs = r->procs.live;
	w.shms = (shared_frames *const *)shms;
	w.nshms = r->shms.live;
	w.mirrors = (cross_process_mapping *const *)mirrors;
	w.nmirrors = r->mirrors.live;
	w.initial_free = r->initial_free;
	const char *e = check_invariants(&w);
	arch_free(procs);
	arch_free(shms);
	arch_free(mirrors);
	return e;
}

/* End of a trace under --check: drop every mirror, shm and process (the
 * boot directory active first); nothing may be lost. */
static const char *teardown(runner *r)
{
	if (!r->started)
		return 0;
	arch_swap_cr3(machine_boot_directory());
	for (uint32_t i = 0; i < r->mirrors.cap; i++)
		if (r->mirrors.slots[i].len) {
			cross_process_mapping_drop(r->mirrors.slots[i].val);
			names_remove(&r->mirrors, &r->mirrors.slots[i]);
		}
	for (uint32_t i = 0; i < r->shms.cap; i++)
		if (r->shms.slots[i].len) {
			shared_frames_drop(r->shms.slots[i].val);
			names_remove(&r->shms, &r->shms.slots[i]);
		}
	for (uint32_t i = 0; i < r->procs.cap; i++)
		if (r->procs.slots[i].len) {
			process_memory_drop(r->procs.slots[i].val);
			names_remove(&r->procs, &r->procs.slots[i]);
		}
	r->selected = 0;
	check_forget();
	return check_now(r);
}

/* The checker after one line: what the operation touched, or everything
 * when the machine cannot tell or opts->check >= 2. */
static const char *check_line_done(runner *r)
{
	check_world w = { 0 };
	check_tok t[MAX_TOKENS];
	int need_full;
	size_t n = r->ntoks < MAX_TOKENS ? r->ntoks : MAX_TOKENS;
	for (size_t i = 0; i < n; i++) {
		t[i].s = r->toks[i].s;
		t[i].n = r->toks[i].n;
	}
	w.selected = r->selected;
	w.lookup = check_lookup;
	w.ctx = r;
	const char *e = check_op(&w, t, n, r->result, r->result_n, r->opts->check >= 2, &need_full);
	if (!e && need_full)
		e = check_now(r);
	return e;
}

/* Reports a broken invariant on err. */
static void report_invariant(runner *r, const char *what, bool at_end)
{
	line_buf l = { .n = 0, .sink = r->err };
	lb_str(&l, r->file);
	lb_char(&l, ':');
	lb_dec(&l, r->line_no);
	lb_str(&l, at_end ? ": invariant broken after the end-of-trace teardown: " : ": invariant broken: ");
	lb_str(&l, what);
	lb_char(&l, '\n');
	r->err->write(r->err->ctx, l.b, l.n);
}

/* ---- lines ------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) len = 2;
	else if (c == 0xe0) { len = 3; lo = 0xa0; }
	else if (c == 0xed) { len = 3; hi = 0x9f; }
	else if (c >= 0xe1 && c <= 0xef) len = 3;
	else if (c == 0xf0) { len = 4; lo = 0x90; }
	else if (c >= 0xf1 && c <= 0xf3) len = 4;
	else if (c == 0xf4) { len = 4; hi = 0x8f; }
	else return 0;
	if (n < len)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Checks the lexical rules of a whole line: UTF-8, no control character
 * (Unicode category Cc) but tab. */
static bool check_line_bytes(runner *r, const char *line, size_t n)
{
	const unsigned char *s = (const unsigned char *)line;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_len(s + i, n - i);
		if (!len)
			return bad(r, "line is not valid UTF-8", NOTOK);
		if ((len == 1 && ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)) ||
		    (len == 2 && s[i] == 0xc2 && s[i + 1] <= 0x9f)) {
			r->reason.n = 0;
			lb_str(&r->reason, "control character in the line");
			return false;
		}
		i += len;
	}
	return true;
}

/* Runs one line; false when it is malformed. */
static bool run_line(runner *r, const char *line, size_t n)
{
	tok toks[MAX_TOKENS];
	size_t ntoks = 0;
	if (!check_line_bytes(r, line, n))
		return false;
	for (size_t i = 0; i < n && line[i] != '#';) {
		if (line[i] == ' ' || line[i] == '\t') {
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && line[j] != ' ' && line[j] != '\t' && line[j] != '#')
			j++;
		if (ntoks < MAX_TOKENS) {
			toks[ntoks].s = line + i;
			toks[ntoks].n = j - i;
		}
		ntoks++;
		i = j;
	}
	if (ntoks == 0)
		return true;
	for (size_t i = 0; i < ntoks && i < MAX_TOKENS; i++)
		r->toks[i] = toks[i];
	r->ntoks = ntoks;
	if (ntoks > MAX_TOKENS) {
		r->reason.n = 0;
		lb_str(&r->reason, "too many arguments (");
		lb_dec(&r->reason, ntoks - 1);
		lb_str(&r->reason, ")");
		return false;
	}
	return run_op(r, toks, ntoks);
}

/* Reports the malformed line on err. */
static void report_malformed(runner *r)
{
	line_buf l = { .n = 0, .sink = r->err };
	lb_str(&l, r->file);
	lb_char(&l, ':');
	lb_dec(&l, r->line_no);
	lb_str(&l, ": ");
	lb_mem(&l, r->reason.b, r->reason.n);
	lb_char(&l, '\n');
	r->err->write(r->err->ctx, l.b, l.n);
}

static runner the_runner; /* static: survives a panic's longjmp unchanged */

runner *runner_begin(const char *file, const runner_sink *out, const runner_sink *err, const runner_opts *opts)
{
	runner *r = &the_runner;
	machine_reset();
	frame_allocator_init_all_reserved();
	memset(r, 0, sizeof(*r));
	r->out = out;
	r->err = err;
	r->opts = opts;
	r->file = file;
	if (opts && opts->check)
		check_begin();
	return r;
}

int runner_feed(runner *r, const char *line, size_t n)
{
	if (r->dead)
		return RUNNER_DEAD;
	r->line_no++;
	r->ntoks = 0;
	r->result_n = 0;
	if (MACHINE_SETJMP(machine_panic_jmp)) {
		line_buf l = { .n = 0, .sink = r->out };
		lb_str(&l, "panic ");
		lb_str(&l, machine_panic_msg ? machine_panic_msg : "");
		emit(r, &l);
		r->dead = true;
		return RUNNER_DEAD;
	}
	if (!run_line(r, line, n)) {
		report_malformed(r);
		r->dead = true;
		return RUNNER_MALFORMED;
	}
	if (r->opts && r->opts->check && r->started && r->ntoks) {
		const char *broken = check_line_done(r);
		if (broken) {
			report_invariant(r, broken, false);
			r->dead = true;
			return RUNNER_INVARIANT;
		}
	}
	return RUNNER_OK;
}

int runner_end(runner *r)
{
	if (r->dead || !r->opts || !r->opts->check)
		return RUNNER_OK;
	r->dead = true;
	if (MACHINE_SETJMP(machine_panic_jmp)) {
		report_invariant(r, "a drop panicked in the end-of-trace teardown", true);
		return RUNNER_INVARIANT;
	}
	const char *broken = r->started ? check_now(r) : 0; /* the state at the end */
	if (broken) {
		report_invariant(r, broken, false);
		return RUNNER_INVARIANT;
	}
	broken = teardown(r);
	if (broken) {
		report_invariant(r, broken, true);
		return RUNNER_INVARIANT;
	}
	return RUNNER_OK;
}

int runner_run(const char *file, const char *text, size_t len,
               const runner_sink *out, const runner_sink *err,
               const runner_opts *opts)
{
	runner *r = runner_begin(file, out, err, opts);
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && text[end] != '\n')
			end++;
		int rc = runner_feed(r, text + pos, end - pos);
		if (rc == RUNNER_DEAD)
			return 0;
		if (rc != RUNNER_OK)
			return rc;
		pos = end + 1;
	}
	return runner_end(r);
}
