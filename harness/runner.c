/* runner.c -- TRACE_FORMAT v1 runner over the C port. Freestanding: no libc,
 * only the port, mach.h and machine.h. */
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

/* An empty line buffer writing to `sink` (the bytes are not cleared: only
 * the first n are ever read, and clearing 1 KiB per result line is most of
 * a short line's cost under QEMU). */
static void lb_init(line_buf *l, const runner_sink *sink)
{
	l->n = 0;
	l->sink = sink;
}

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

/* The runner's own heap blocks (names, the objects it hands the port), kept
 * out of the kernel-heap leak check. */
static void *own_alloc(size_t size)
{
	int was = machine_heap_meter(0);
	void *p = mach_alloc(size);
	machine_heap_meter(was);
	return p;
}

/* Rebuilds the table with room for more names. */
static void names_grow(name_table *nt)
{
	name_table old = *nt;
	nt->cap = old.cap ? old.cap * 2 : 64;
	while (old.live * 2 >= nt->cap)
		nt->cap *= 2;
	nt->slots = own_alloc(nt->cap * sizeof(name_slot));
	if (!nt->slots)
		mach_panic("runner: out of memory for names");
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
	mach_free(old.slots);
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
	/* for the checker: the current line's tokens, its op's RULE_ bits and
	 * its result line */
	tok toks[MAX_TOKENS];
	size_t ntoks;
	unsigned rules;
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
	line_buf l;
	lb_init(&l, r->out);
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

/* TYPE: a MemoryType variant name, exact and case sensitive (the inverse
 * of the port's memory_type_name). */
static bool parse_type(runner *r, tok t, memory_type *out)
{
	for (unsigned i = 0; i < MEMORY_TYPE_COUNT; i++) {
		const char *name = memory_type_name((memory_type)i);
		size_t k = 0;
		while (k < t.n && name[k] == t.s[k])
			k++;
		if (k == t.n && name[k] == '\0') {
			*out = (memory_type)i;
			return true;
		}
	}
	return bad(r, "unknown memory type", t);
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

/* ---- result formatting ----------------------------------------------------- */

static void emit_error(runner *r, kernel_error e)
{
	line_buf l;
	lb_init(&l, r->out);
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
	line_buf l;
	lb_init(&l, r->out);
	lb_str(&l, "ok ");
	lb_hex(&l, v);
	emit(r, &l);
}

static void emit_query(runner *r, const mapping *m)
{
	line_buf l;
	lb_init(&l, r->out);
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
	line_buf l;
	lb_init(&l, r->out);
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

/* ---- the op table (harness/ops.def) ------------------------------------------ */

/* Each op is decoded (its arguments parsed and validated against its row of
 * ops.def: kinds, selection, names, rules) before it is performed (the call
 * into the port and the result line). A perform function sees only
 * arguments that passed decode; a malformed line never reaches one. */

#define MAX_ARGS 8

typedef struct op_args {
	uint32_t n[MAX_ARGS];       /* numbers, by position */
	tok name[MAX_ARGS];         /* names, by position */
	name_slot *slot[MAX_ARGS];  /* the live name's slot (proc, shm, mirror, and their '-' forms) */
	memory_type type;
	mapping_access_rights rights;
	size_t count;               /* arguments present (an optional one may be missing) */
} op_args;

typedef void perform_fn(runner *r, const op_args *a);
#define OP(id, name, form, args, proc, rules, results) static perform_fn perform_##id;
#include "ops.def"
#undef OP

enum op_id {
#define OP(id, name, form, args, proc, rules, results) OP_##id,
#include "ops.def"
#undef OP
	OP_COUNT
};

enum op_proc { PROC_none, PROC_sel, PROC_pre };

typedef struct op_desc {
	const char *name, *form, *args, *rules;
	enum op_proc proc;
	perform_fn *perform;
} op_desc;

static const op_desc OPS[OP_COUNT] = {
#define OP(id, name, form, args, proc, rules, results) { name, form, args, rules, PROC_##proc, perform_##id },
#include "ops.def"
#undef OP
};

enum arg_kind {
	K_ADDR, K_SIZE, K_PADDR, K_OFFSET, K_MASK, K_VALUE, K_PAGE, K_PAGES, K_UWORD, K_MLEN, K_MOFF,
	K_TYPE, K_RIGHTS, K_NAME,
};
enum name_use { USE_NONE, USE_LIVE, USE_BIND, USE_RELEASE };
enum name_space { NS_PROC, NS_SHM, NS_MIRROR };
enum { RULE_SELECTS = 1, RULE_MIRROR_LIMIT = 2, RULE_BELOW_KERNEL_LAND = 4, RULE_START_LE_END = 8,
       RULE_IN_TRACE_RAM = 16, RULE_BOOKKEEPING = 32 /* passed to the checker: no effect on parsing */ };

/* A row's ARGS and RULES, compiled once. */
typedef struct op_sig {
	uint8_t nargs, nrequired;
	uint8_t kind[MAX_ARGS], use[MAX_ARGS], ns[MAX_ARGS];
	tok spec[MAX_ARGS];
	unsigned rules;
} op_sig;

static op_sig SIGS[OP_COUNT];
static bool sigs_ready;

/* The next space-separated word of `s` from *pos; false at the end. */
static bool next_word(const char *s, size_t *pos, tok *w)
{
	while (s[*pos] == ' ')
		(*pos)++;
	if (!s[*pos])
		return false;
	w->s = s + *pos;
	while (s[*pos] && s[*pos] != ' ')
		(*pos)++;
	w->n = (size_t)(s + *pos - w->s);
	return true;
}

static void compile_arg(op_sig *g, tok w)
{
	static const struct { const char *word; uint8_t kind; } kinds[] = {
		{ "addr", K_ADDR }, { "size", K_SIZE }, { "paddr", K_PADDR }, { "offset", K_OFFSET },
		{ "mask", K_MASK }, { "value", K_VALUE }, { "page", K_PAGE }, { "pages", K_PAGES },
		{ "uword", K_UWORD }, { "mlen", K_MLEN }, { "moff", K_MOFF }, { "type", K_TYPE },
		{ "rights", K_RIGHTS },
	};
	static const char *const spaces[] = { "proc", "shm", "mirror" };
	uint8_t i = g->nargs;
	bool optional = w.n >= 2 && w.s[0] == '[' && w.s[w.n - 1] == ']';
	if (optional) {
		w.s++;
		w.n -= 2;
	} else if (g->nrequired != g->nargs) {
		mach_panic("ops.def: a required argument after an optional one");
	}
	size_t colon = 0;
	while (colon < w.n && w.s[colon] != ':')
		colon++;
	if (colon == w.n || i == MAX_ARGS)
		mach_panic("ops.def: bad argument");
	g->spec[i].s = w.s;
	g->spec[i].n = colon;
	tok k = { w.s + colon + 1, w.n - colon - 1 };
	g->use[i] = USE_NONE;
	bool found = false;
	for (unsigned j = 0; j < sizeof(kinds) / sizeof(kinds[0]); j++)
		if (tok_is(k, kinds[j].word)) {
			g->kind[i] = kinds[j].kind;
			found = true;
		}
	if (!found && k.n) {
		uint8_t use = USE_LIVE;
		if (k.s[k.n - 1] == '+' || k.s[k.n - 1] == '-') {
			use = k.s[k.n - 1] == '+' ? USE_BIND : USE_RELEASE;
			k.n--;
		}
		for (uint8_t j = 0; j < 3; j++)
			if (tok_is(k, spaces[j])) {
				g->kind[i] = K_NAME;
				g->use[i] = use;
				g->ns[i] = j;
				found = true;
			}
	}
	if (!found)
		mach_panic("ops.def: unknown argument kind");
	g->nargs++;
	if (!optional)
		g->nrequired++;
}

static void compile_sigs(void)
{
	static const char *const rules[] = { "selects", "mirror_limit", "below_kernel_land", "start_le_end",
	                                     "in_trace_ram", "bookkeeping" };
	for (unsigned op = 0; op < OP_COUNT; op++) {
		op_sig *g = &SIGS[op];
		size_t pos = 0;
		tok w;
		g->nargs = g->nrequired = 0;
		g->rules = 0;
		while (next_word(OPS[op].args, &pos, &w))
			compile_arg(g, w);
		pos = 0;
		while (next_word(OPS[op].rules, &pos, &w)) {
			unsigned j = 0;
			while (j < sizeof(rules) / sizeof(rules[0]) && !tok_is(w, rules[j]))
				j++;
			if (j == sizeof(rules) / sizeof(rules[0]))
				mach_panic("ops.def: unknown rule");
			g->rules |= 1u << j;
		}
	}
	sigs_ready = true;
}

/* ---- decode ------------------------------------------------------------------- */

/* Starts a reason "OP SPEC must ..." for a number argument. */
static bool bad_arg(runner *r, const op_desc *d, tok spec, const char *must, tok t)
{
	r->reason.n = 0;
	lb_str(&r->reason, d->name);
	lb_char(&r->reason, ' ');
	lb_mem(&r->reason, spec.s, spec.n);
	lb_char(&r->reason, ' ');
	lb_str(&r->reason, must);
	lb_str(&r->reason, ": '");
	lb_mem(&r->reason, t.s, t.n > 64 ? 64 : t.n);
	if (t.n > 64)
		lb_str(&r->reason, "...");
	lb_char(&r->reason, '\'');
	return false;
}

/* The row for `op` and the arguments after its form, or NULL (reason set). */
static const op_desc *find_op(runner *r, tok op, const tok **av, size_t *ac)
{
	bool known = false;
	for (unsigned i = 0; i < OP_COUNT; i++) {
		const op_desc *d = &OPS[i];
		/* the first byte first: most rows differ there (names are never empty) */
		if (!op.n || d->name[0] != op.s[0] || !tok_is(op, d->name))
			continue;
		known = true;
		if (!d->form[0])
			return d;
		if (*ac >= 1 && tok_is((*av)[0], d->form)) {
			(*av)++;
			(*ac)--;
			return d;
		}
	}
	if (!known) {
		bad(r, "unknown op", op);
		return 0;
	}
	/* a name whose rows all have forms, none given */
	r->reason.n = 0;
	lb_char(&r->reason, '\'');
	lb_mem(&r->reason, op.s, op.n);
	lb_str(&r->reason, "' needs");
	const char *sep = " '";
	for (unsigned i = 0; i < OP_COUNT; i++)
		if (tok_is(op, OPS[i].name)) {
			lb_str(&r->reason, sep);
			lb_str(&r->reason, OPS[i].form);
			lb_char(&r->reason, '\'');
			sep = " or '";
		}
	lb_str(&r->reason, " first");
	return 0;
}

/* Arity and the syntax of each argument, with the stateless checks of its
 * kind. */
static bool decode_syntax(runner *r, const op_desc *d, const op_sig *g, const tok *av, size_t ac, op_args *a)
{
	if (ac < g->nrequired || ac > g->nargs) {
		r->reason.n = 0;
		lb_char(&r->reason, '\'');
		lb_str(&r->reason, d->name);
		if (d->form[0]) {
			lb_char(&r->reason, ' ');
			lb_str(&r->reason, d->form);
		}
		lb_str(&r->reason, "' takes ");
		lb_dec(&r->reason, g->nrequired);
		if (g->nargs != g->nrequired) {
			lb_str(&r->reason, " or ");
			lb_dec(&r->reason, g->nargs);
		}
		lb_str(&r->reason, " argument(s), got ");
		lb_dec(&r->reason, ac);
		return false;
	}
	a->count = ac;
	for (size_t i = 0; i < ac; i++) {
		tok t = av[i];
		uint32_t v = 0;
		a->slot[i] = 0;
		switch (g->kind[i]) {
		case K_TYPE:
			if (!parse_type(r, t, &a->type))
				return false;
			continue;
		case K_RIGHTS:
			if (!parse_rights(r, t, &a->rights))
				return false;
			continue;
		case K_NAME:
			if (!parse_name(r, t))
				return false;
			a->name[i] = t;
			continue;
		default:
			if (!parse_number(r, t, &v))
				return false;
			a->n[i] = v;
			break;
		}
		switch (g->kind[i]) {
		case K_PAGE:
			if (v % PAGE_SIZE)
				return bad_arg(r, d, g->spec[i], "must be page aligned", t);
			break;
		case K_PAGES:
			if (v % PAGE_SIZE || v == 0)
				return bad_arg(r, d, g->spec[i], "must be page aligned and > 0", t);
			break;
		case K_UWORD:
			if (v % 4)
				return bad_arg(r, d, g->spec[i], "must be 4-byte aligned", t);
			if (v >= KERNEL_LAND_START)
				return bad_arg(r, d, g->spec[i], "must be below 0xc0000000", t);
			break;
		case K_MLEN:
			if (v > MIRROR_MAX_LEN)
				return bad_arg(r, d, g->spec[i], "exceeds 0x01000000", t);
			break;
		case K_MOFF:
			if (v % 4)
				return bad_arg(r, d, g->spec[i], "must be 4-byte aligned", t);
			break;
		default:
			break;
		}
	}
	return true;
}

static name_table *name_space(runner *r, uint8_t ns)
{
	return ns == NS_PROC ? &r->procs : ns == NS_SHM ? &r->shms : &r->mirrors;
}

/* Malformed by a rule of the row: "OP WHAT". */
static bool bad_rule(runner *r, const op_desc *d, const char *what)
{
	r->reason.n = 0;
	lb_str(&r->reason, d->name);
	lb_char(&r->reason, ' ');
	lb_str(&r->reason, what);
	return false;
}

/* The checks that need state: selection, live names, the rules. */
static bool decode_state(runner *r, const op_desc *d, const op_sig *g, tok op, op_args *a)
{
	static const char *const fresh_msg[] = { "process name is still live:", "shm name is still live:",
	                                         "mirror name is still live:" };
	static const char *const live_msg[] = { "no live process named", "no live shm named", "no live mirror named" };
	if (d->proc == PROC_pre && r->started)
		return bad_rule(r, d, "after the first operation");
	if (d->proc == PROC_sel && !r->selected)
		return bad(r, "operation needs a selected process (none is selected):", op);
	for (size_t i = 0; i < a->count; i++) {
		if (g->kind[i] == K_NAME) {
			name_table *nt = name_space(r, g->ns[i]);
			name_slot *s = names_find(nt, a->name[i]);
			if (g->use[i] == USE_BIND && s)
				return bad(r, fresh_msg[g->ns[i]], a->name[i]);
			if (g->use[i] != USE_BIND && !s)
				return bad(r, live_msg[g->ns[i]], a->name[i]);
			if (g->use[i] == USE_BIND && g->ns[i] == NS_MIRROR && (g->rules & RULE_MIRROR_LIMIT) &&
			    r->mirrors.live >= MIRROR_MAX_LIVE)
				return bad_rule(r, d, "would make more than 16 named mirrors live");
			a->slot[i] = s;
		} else if (g->kind[i] == K_MOFF) {
			/* the bound is the len() of the op's mirror, an earlier argument */
			const name_slot *m = 0;
			for (size_t j = 0; j < i; j++)
				if (g->kind[j] == K_NAME && g->ns[j] == NS_MIRROR)
					m = a->slot[j];
			if (!m || a->n[i] >= m->aux)
				return bad(r, "mirror OFFSET must be 4-byte aligned and below the mirror's len()", NOTOK);
		}
	}
	if ((g->rules & RULE_BELOW_KERNEL_LAND) && (uint64_t)a->n[0] + a->n[1] > KERNEL_LAND_START)
		return bad_rule(r, d, "ADDR + LEN must not exceed 0xc0000000");
	if ((g->rules & RULE_START_LE_END) && a->n[0] > a->n[1])
		return bad_rule(r, d, "START > END");
	if ((g->rules & RULE_IN_TRACE_RAM) &&
	    !(a->n[1] <= TRACE_RAM_LOW_END || (a->n[0] >= TRACE_RAM_HIGH_BASE && a->n[1] <= TRACE_RAM_HIGH_END)))
		return bad_rule(r, d, "range is not inside trace RAM [0x00000000, 0x0009f000) or [0x00100000, 0x01000000)");
	return true;
}

/* Executes one operation line; false when it is malformed. */
static bool run_op(runner *r, const tok *toks, size_t ntoks)
{
	const tok *av = toks + 1;
	size_t ac = ntoks - 1;
	const op_desc *d = find_op(r, toks[0], &av, &ac);
	if (!d)
		return false;
	/* the first operation: the default physical memory when no phys line */
	if (d->proc != PROC_pre && !r->started) {
		r->started = true;
		if (!r->saw_phys)
			frame_allocator_mark_area_free(0x00400000u, 0x00800000u);
		r->initial_free = frame_allocator_free_count();
	}
	const op_sig *g = &SIGS[d - OPS];
	op_args a;
	r->rules = g->rules;
	/* syntax errors are reported before the selection rule, as the
	 * reference checker does */
	if (!decode_syntax(r, d, g, av, ac, &a) || !decode_state(r, d, g, toks[0], &a))
		return false;
	/* the port's heap blocks are metered for the end-of-trace leak check */
	int was = machine_heap_meter(1);
	d->perform(r, &a);
	machine_heap_meter(was);
	return true;
}

/* ---- perform: one function per row of ops.def ----------------------------------- */

static void perform_new(runner *r, const op_args *a)
{
	process_memory *pm = own_alloc(sizeof(*pm));
	if (!pm)
		mach_panic("runner: out of memory");
	process_memory_default(pm);
	names_insert(&r->procs, a->name[0], pm, 0);
	r->selected = pm;
	emit_str(r, "ok");
}

static void perform_select(runner *r, const op_args *a)
{
	r->selected = a->slot[0]->val;
	emit_str(r, "ok");
}

static void perform_drop(runner *r, const op_args *a)
{
	process_memory *pm = a->slot[0]->val;
	names_remove(&r->procs, a->slot[0]);
	if (r->selected == pm)
		r->selected = 0;
	process_memory_drop(pm);
	mach_free(pm);
	emit_str(r, "ok");
}

static void perform_switch_to(runner *r, const op_args *a)
{
	(void)a;
	process_memory_switch_to(r->selected);
	emit_str(r, "ok");
}

static void perform_shm(runner *r, const op_args *a)
{
	region_vec frames;
	kernel_error e = frame_allocator_allocate_frames_fragmented(a->n[1], &frames);
	if (KERR_IS_OK(e))
		names_insert(&r->shms, a->name[0], shared_frames_new(frames), 0);
	emit_result(r, e);
}

static void perform_shm_of(runner *r, const op_args *a)
{
	const mapping *m;
	kernel_error e = userspace_bookkeeping_occupied_mapping_at(&r->selected->userspace_bookkeping, a->n[1], &m);
	if (KERR_IS_OK(e) && m->frames.kind != MAPPING_FRAMES_SHARED)
		e = kerr_invalid_mem_state(m->address, memory_state_ty(m->state));
	if (KERR_IS_OK(e))
		names_insert(&r->shms, a->name[0], shared_frames_clone(m->frames.shared), 0);
	emit_result(r, e);
}

static void perform_shm_drop(runner *r, const op_args *a)
{
	shared_frames *sf = a->slot[0]->val;
	names_remove(&r->shms, a->slot[0]);
	shared_frames_drop(sf);
	emit_str(r, "ok");
}

static void perform_create_regular_mapping(runner *r, const op_args *a)
{
	emit_result(r, process_memory_create_regular_mapping(r->selected, a->n[0], a->n[1], a->type, a->rights));
}

static void perform_map_alloc(runner *r, const op_args *a)
{
	physical_mem_region region;
	kernel_error e = frame_allocator_allocate_region(a->n[0], &region);
	if (KERR_IS_OK(e))
		e = process_memory_map_phys_region_to(r->selected, region, a->n[1], a->type, a->rights);
	emit_result(r, e);
}

static void perform_map_mmio(runner *r, const op_args *a)
{
	physical_mem_region region;
	kernel_error e = physical_mem_region_on_fixed_mmio(a->n[0], a->n[1], &region);
	if (KERR_IS_OK(e))
		e = process_memory_map_phys_region_to(r->selected, region, a->n[2], a->type, a->rights);
	emit_result(r, e);
}

static void perform_map_partial_shared_mapping(runner *r, const op_args *a)
{
	emit_result(r, process_memory_map_partial_shared_mapping(r->selected, shared_frames_clone(a->slot[0]->val),
	                                                         a->n[1], a->n[2], a->n[3], a->type, a->rights));
}

static void perform_guard(runner *r, const op_args *a)
{
	emit_result(r, process_memory_guard(r->selected, a->n[0], a->n[1], a->type));
}

static void perform_unmap(runner *r, const op_args *a)
{
	mapping m;
	kernel_error e = process_memory_unmap(r->selected, a->n[0], a->n[1], &m);
	if (KERR_IS_OK(e))
		mapping_drop(&m);
	emit_result(r, e);
}

static void perform_query_memory(runner *r, const op_args *a)
{
	query_memory q = process_memory_query_memory(r->selected, a->n[0]);
	emit_query(r, query_memory_mapping(&q));
}

static void perform_expand_mapping(runner *r, const op_args *a)
{
	emit_result(r, process_memory_expand_mapping(r->selected, a->n[0], a->n[1]));
}

/* `ok ADDR` or the error line. */
static void emit_addr_result(runner *r, kernel_error e, vaddr_t va)
{
	if (KERR_IS_OK(e))
		emit_ok_hex(r, va);
	else
		emit_error(r, e);
}

static void perform_find_available_space(runner *r, const op_args *a)
{
	vaddr_t va = 0;
	kernel_error e = process_memory_find_available_space(r->selected, a->n[0], &va);
	emit_addr_result(r, e, va);
}

static void perform_resize_heap(runner *r, const op_args *a)
{
	vaddr_t va = 0;
	kernel_error e = process_memory_resize_heap(r->selected, a->n[0], &va);
	emit_addr_result(r, e, va);
}

static void perform_mirror_mapping(runner *r, const op_args *a)
{
	bool named = a->count == 3;
	cross_process_mapping *c = own_alloc(sizeof(*c));
	if (!c)
		mach_panic("runner: out of memory");
	kernel_error e = process_memory_mirror_mapping(r->selected, a->n[0], a->n[1], c);
	if (KERR_IS_OK(e) && named) {
		names_insert(&r->mirrors, a->name[2], c, a->n[1]);
	} else {
		if (KERR_IS_OK(e))
			cross_process_mapping_drop(c);
		mach_free(c);
	}
	emit_result(r, e);
}

static void perform_mirror_drop(runner *r, const op_args *a)
{
	cross_process_mapping *c = a->slot[0]->val;
	names_remove(&r->mirrors, a->slot[0]);
	cross_process_mapping_drop(c);
	mach_free(c);
	emit_str(r, "ok");
}

static void perform_check_range(runner *r, const op_args *a)
{
	check_range_result cr;
	kernel_error e = process_memory_check_range(r->selected, a->n[0], a->n[1], memory_state_from_bits_truncate(a->n[2]),
	                                            memory_state_from_bits_truncate(a->n[3]),
	                                            memory_permissions_from_bits_truncate(a->n[4]),
	                                            memory_permissions_from_bits_truncate(a->n[5]), 0, 0, 0, &cr);
	if (!KERR_IS_OK(e)) {
		emit_error(r, e);
		return;
	}
	line_buf l;
	lb_init(&l, r->out);
	lb_str(&l, "ok state="); lb_hex(&l, cr.state);
	lb_str(&l, " perms="); lb_hex(&l, cr.perms);
	lb_str(&l, " attrs="); lb_hex(&l, cr.attrs);
	emit(r, &l);
}

static void perform_frames(runner *r, const op_args *a)
{
	query_memory q = process_memory_query_memory(r->selected, a->n[0]);
	emit_frames(r, query_memory_mapping(&q));
}

static void perform_walk(runner *r, const op_args *a)
{
	walk_state w;
	w.l.n = 0;
	w.l.sink = r->out;
	w.open = false;
	lb_str(&w.l, "ok");
	table_hierarchy_for_every_entry(process_memory_get_hierarchy(r->selected), a->n[0], a->n[1], walk_entry, &w);
	walk_flush(&w);
	emit(r, &w.l);
}

static void perform_free_frames(runner *r, const op_args *a)
{
	(void)a;
	line_buf l;
	lb_init(&l, r->out);
	lb_str(&l, "ok ");
	lb_dec(&l, frame_allocator_free_count());
	emit(r, &l);
}

static void perform_read(runner *r, const op_args *a)
{
	uint32_t v = 0;
	int rc = machine_read32(a->n[0], &v);
	emit_access(r, rc, v, true);
}

static void perform_write(runner *r, const op_args *a)
{
	emit_access(r, machine_write32(a->n[0], a->n[1]), 0, false);
}

static vaddr_t mirror_va(const op_args *a)
{
	return cross_process_mapping_addr(a->slot[0]->val) + a->n[1];
}

static void perform_mirror_read(runner *r, const op_args *a)
{
	uint32_t v = 0;
	int rc = machine_read32(mirror_va(a), &v);
	emit_access(r, rc, v, true);
}

static void perform_mirror_write(runner *r, const op_args *a)
{
	emit_access(r, machine_write32(mirror_va(a), a->n[2]), 0, false);
}

static void perform_phys_free(runner *r, const op_args *a)
{
	frame_allocator_mark_area_free(a->n[0], a->n[1]);
	r->saw_phys = true;
}

static void perform_phys_reserve(runner *r, const op_args *a)
{
	frame_allocator_mark_area_reserved(a->n[0], a->n[1]);
	r->saw_phys = true;
}

/* ---- invariants ---------------------------------------------------------------- */

/* The live values of a name table, in an array from the kernel heap. */
static void **name_values(name_table *nt)
{
	void **v = mach_alloc((nt->live + 1) * sizeof(void *));
	uint32_t n = 0;
	if (!v)
		mach_panic("runner: out of memory");
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
	mach_free(procs);
	mach_free(shms);
	mach_free(mirrors);
	return e;
}

/* End of a trace under --check: drop every mirror, shm and process (the
 * boot directory active first); nothing may be lost. */
static const char *teardown(runner *r)
{
	if (!r->started)
		return 0;
	mach_swap_cr3(machine_boot_directory());
	int was = machine_heap_meter(1);
	for (uint32_t i = 0; i < r->mirrors.cap; i++)
		if (r->mirrors.slots[i].len) {
			cross_process_mapping_drop(r->mirrors.slots[i].val);
			mach_free(r->mirrors.slots[i].val);
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
			mach_free(r->procs.slots[i].val);
			names_remove(&r->procs, &r->procs.slots[i]);
		}
	machine_heap_meter(was);
	r->selected = 0;
	check_forget();
	/* upstream frees everything a process, shm or mirror holds when it is
	 * dropped: every kernel-heap block the port took during the trace is
	 * back (blocks allocated by the runner and the checker are not counted) */
	uint32_t live = machine_heap_metered_live();
	if (live) {
		static char msg[128];
		line_buf l = { .n = 0, .sink = 0 };
		lb_str(&l, "kernel heap blocks still allocated after every mirror, shm and process was dropped: ");
		lb_dec(&l, live);
		size_t n = l.n < sizeof(msg) - 1 ? l.n : sizeof(msg) - 1;
		for (size_t i = 0; i < n; i++)
			msg[i] = l.b[i];
		msg[n] = 0;
		return msg;
	}
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
	w.changes_bookkeeping = (r->rules & RULE_BOOKKEEPING) != 0;
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
	line_buf l;
	lb_init(&l, r->err);
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
	line_buf l;
	lb_init(&l, r->err);
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
	if (!sigs_ready)
		compile_sigs();
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
	r->rules = 0;
	r->result_n = 0;
	if (MACHINE_SETJMP(machine_panic_jmp)) {
		line_buf l;
		lb_init(&l, r->out);
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
