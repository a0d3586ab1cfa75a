/* decode.c -- fuzzer bytes to valid trace lines (see decode.h). */
#include <stdio.h>
#include <string.h>

#include "decode.h"

/* The ops and their opcodes come from the op table (harness/ops.def): the
 * rows that are operations (PROC none or sel), in table order, are opcodes
 * 0, 1, ...; phys lines are the header's. */
enum op_id {
#define OP(id, name, form, args, proc, rules, results) OP_##id,
#include "ops.def"
#undef OP
	OP_COUNT
};

#define IF_OPCODE_none(x) x,
#define IF_OPCODE_sel(x) x,
#define IF_OPCODE_pre(x)
#define IS_SEL_none false
#define IS_SEL_sel true
#define IS_SEL_pre false

/* opcode -> op */
static const uint8_t OPCODES[] = {
#define OP(id, name, form, args, proc, rules, results) IF_OPCODE_##proc(OP_##id)
#include "ops.def"
#undef OP
};

/* Whether the op needs a selected process. */
static const bool NEEDS_PROCESS[OP_COUNT] = {
#define OP(id, name, form, args, proc, rules, results) [OP_##id] = IS_SEL_##proc,
#include "ops.def"
#undef OP
};

/* byte % 64 past the opcodes: weighs the common operations (37 entries
 * with the 27 opcodes of today's table). */
static const uint8_t WEIGHTED[] = {
	OP_create_regular_mapping, OP_create_regular_mapping, OP_create_regular_mapping,
	OP_create_regular_mapping, OP_create_regular_mapping, OP_unmap, OP_unmap, OP_unmap, OP_read, OP_read,
	OP_write, OP_write, OP_new, OP_switch_to, OP_switch_to, OP_query_memory, OP_map_partial_shared_mapping,
	OP_map_partial_shared_mapping, OP_shm, OP_mirror_mapping, OP_mirror_mapping, OP_mirror_read,
	OP_mirror_write, OP_guard, OP_guard, OP_expand_mapping, OP_resize_heap, OP_walk, OP_frames, OP_select,
	OP_check_range, OP_map_alloc, OP_map_mmio, OP_shm_of, OP_free_frames, OP_new, OP_new,
};

static const char *const TYPES[22] = {
	"Unmapped", "Io", "Normal", "CodeStatic", "CodeMutable", "Heap",
	"SharedMemory", "Alias", "ModuleCodeStatic", "ModuleCodeMutable", "Ipc",
	"Stack", "ThreadLocal", "TransferMemoryIsolated", "TransferMemory",
	"ProcessMemory", "Reserved", "NonSecureIpc", "NonDeviceIpc", "KernelStack",
	"CodeReadOnly", "CodeWritable",
};

static const uint32_t ADDR_EDGES[] = {
	0x00000000, 0x00001000, 0x001ff000, 0x00200000, 0x003ff000, 0x00400000,
	0x007ff000, 0x00800000, 0x7ffff000, 0x80000000, 0xbfbff000, 0xbfc00000,
	0xbfffe000, 0xbffff000, 0xc0000000, 0xffc00000, 0xfffff000, 0xffffffff,
};
static const uint32_t LEN_EDGES[] = {
	0x00000000, 0x00000800, 0x00001001, 0x00001000, 0x00002000, 0x003ff000,
	0x00400000, 0x00401000, 0x00800000, 0x01000000, 0x7fc00000, 0xbfe00000,
	0xfffff000, 0xffffffff,
};
static const uint32_t PHYS_TABLE[][2] = {
	{ 0x00400000, 0x00800000 }, { 0x00400000, 0x00404000 }, { 0x00400000, 0x00402000 },
	{ 0x00010000, 0x00020000 }, { 0x00100000, 0x00110000 }, { 0x00000000, 0x0009f000 },
	{ 0x00100000, 0x01000000 }, { 0x00401000, 0x00403000 }, { 0x00ff0000, 0x01000000 },
	{ 0x00500000, 0x00508000 },
};
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- reading bytes ------------------------------------------------------- */

static uint8_t u8(decoder *d)
{
	return d->p < d->end ? *d->p++ : 0;
}

static uint32_t u16(decoder *d)
{
	uint32_t v = u8(d);
	return v | (uint32_t)u8(d) << 8;
}

static uint32_t u32(decoder *d)
{
	uint32_t v = u16(d);
	return v | u16(d) << 16;
}

static uint32_t recent_addr(decoder *d, uint8_t i)
{
	return d->nrecent ? d->recent_addr[i % d->nrecent] : 0x00400000u;
}

static uint32_t recent_len(decoder *d, uint8_t i)
{
	return d->nrecent ? d->recent_len[i % d->nrecent] : 0x1000u;
}

/* An address. */
static uint32_t v_addr(decoder *d)
{
	switch (u8(d) % 10) {
	case 0: case 1: return 0x00400000u + (u8(d) % 64u) * 0x1000u;
	case 2: { uint32_t a = (u8(d) % 48u) * 0x400000u; return a + ((u8(d) % 3u) - 1u) * 0x1000u; }
	case 3: return u32(d);
	case 4: return ADDR_EDGES[u8(d) % NELEM(ADDR_EDGES)];
	case 5: { uint32_t a = recent_addr(d, u8(d)); return a + (u8(d) % 4u) * 0x1000u; }
	case 6: return 0x80000000u + (u8(d) % 16u) * 0x1000u;
	case 7: { uint32_t a = 0x00400000u + (u8(d) % 64u) * 0x1000u; return a + (u8(d) | 1u); }
	case 8: return recent_addr(d, u8(d));
	default: return 0x00400000u + u16(d) * 0x1000u;
	}
}

/* A length. */
static uint32_t v_len(decoder *d)
{
	switch (u8(d) % 8) {
	case 0: case 1: return ((u8(d) % 16u) + 1u) * 0x1000u;
	case 2: { uint32_t l = ((u8(d) % 3u) + 1u) * 0x400000u; return l + ((u8(d) % 3u) - 1u) * 0x1000u; }
	case 3: return u32(d);
	case 4: return LEN_EDGES[u8(d) % NELEM(LEN_EDGES)];
	case 5: return recent_len(d, u8(d));
	case 6: return (u8(d) + 1u) * 0x1000u;
	default: return u16(d) * 0x1000u;
	}
}

/* A physical address for mmio. */
static uint32_t v_paddr(decoder *d)
{
	switch (u8(d) % 6) {
	case 0: return 0x00400000u + (u8(d) % 64u) * 0x1000u;
	case 1: return 0x00900000u + (u8(d) % 16u) * 0x1000u;
	case 2: return 0xfee00000u;
	case 3: return u32(d);
	case 4: return 0x000b8000u;
	default: return 0x0009e000u;
	}
}

/* A mirror length (at most 0x01000000). */
static uint32_t v_mirror_len(decoder *d)
{
	switch (u8(d) % 4) {
	case 0: return u8(d);
	case 1: return u16(d);
	case 2: return 0x01000000u;
	default: return u32(d) % 0x01000001u;
	}
}

/* A mask or value for check_range. */
static uint32_t v_mask(decoder *d)
{
	switch (u8(d) % 4) {
	case 0: return 0;
	case 1: return 0xffffffffu;
	case 2: return u8(d);
	default: return u32(d);
	}
}

/* ---- names ------------------------------------------------------------------ */

/* A live index at or after `i`, -1 if none. */
static int pick_live(const bool *live, int n, uint8_t i)
{
	for (int k = 0; k < n; k++)
		if (live[(i + k) % n])
			return (i + k) % n;
	return -1;
}

/* A free index at or after `i`, -1 if none. */
static int pick_free(const bool *live, int n, uint8_t i)
{
	for (int k = 0; k < n; k++)
		if (!live[(i + k) % n])
			return (i + k) % n;
	return -1;
}

/* ---- lines -------------------------------------------------------------------- */

void decoder_init(decoder *d, const uint8_t *data, size_t len)
{
	memset(d, 0, sizeof(*d));
	d->p = data;
	d->end = data + len;
	d->selected = -1;
}

/* The next phys line, or 0 when the candidate is not a valid one. */
static size_t phys_line(decoder *d, char *buf, size_t cap)
{
	uint8_t kind = u8(d), sel = u8(d);
	uint32_t start, end;
	if (sel < 0xf0) {
		start = PHYS_TABLE[sel % NELEM(PHYS_TABLE)][0];
		end = PHYS_TABLE[sel % NELEM(PHYS_TABLE)][1];
	} else {
		start = u32(d);
		end = u32(d);
	}
	bool is_free = !(kind & 1);
	if (start % 0x1000 || end % 0x1000 || start > end)
		return 0;
	if (is_free && !(end <= 0x0009f000u || (start >= 0x00100000u && end <= 0x01000000u)))
		return 0;
	return (size_t)snprintf(buf, cap, "phys %s 0x%08x 0x%08x", is_free ? "free" : "reserve", start, end);
}

static void remember_region(decoder *d, uint32_t addr, uint32_t len)
{
	d->pending_kind = 3;
	d->pending_a = addr;
	d->pending_b = len;
}

/* ---- lines: a generic generator driven by the op's row, and strategies
 * for the ops that feed the decoder's memory of recent regions ---------- */

/* The ops' names, forms, arguments and rules, from the table. */
static const struct {
	const char *name, *form, *args, *rules;
} ROWS[OP_COUNT] = {
#define OP(id, name, form, args, proc, rules, results) [OP_##id] = { name, form, args, rules },
#include "ops.def"
#undef OP
};

/* Appends to the line being built; false when it does not fit. */
typedef struct line {
	char *buf;
	size_t cap, n;
} line;

static bool put_len(line *l, int k)
{
	if (k < 0 || (size_t)k >= l->cap - l->n)
		return false;
	l->n += (size_t)k;
	return true;
}

/* Appends the k bytes at t as snprintf would: at most the room less one
 * byte, then a NUL; false (nothing counted) when they do not all fit. */
static bool put_bytes(line *l, const char *t, size_t k)
{
	size_t room = l->cap - l->n;
	if (room) {
		size_t w = k < room - 1 ? k : room - 1;
		memcpy(l->buf + l->n, t, w);
		l->buf[l->n + w] = '\0';
	}
	return put_len(l, (int)k);
}

/* " WORD" (or "WORD" first) */
static bool put_str(line *l, const char *s)
{
	char t[256];
	size_t k = 0;
	const char *p = s;
	if (l->n)
		t[k++] = ' ';
	while (*p && k < sizeof(t))
		t[k++] = *p++;
	if (*p) /* longer than any word of the op table: the general way */
		return put_len(l, snprintf(l->buf + l->n, l->cap - l->n, l->n ? " %s" : "%s", s));
	return put_bytes(l, t, k);
}

/* " VALUE" in hexadecimal (" 0x%08x") or in decimal (" %u") */
static bool put_u32(line *l, bool hex, uint32_t v)
{
	static const char digits[] = "0123456789abcdef";
	char t[16];
	size_t k = 0;
	t[k++] = ' ';
	if (hex) {
		t[k++] = '0';
		t[k++] = 'x';
		for (int i = 7; i >= 0; i--)
			t[k++] = digits[(v >> (4 * i)) & 0xf];
	} else {
		char r[10];
		int n = 0;
		do {
			r[n++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		while (n)
			t[k++] = r[--n];
	}
	return put_bytes(l, t, k);
}

/* A 4-byte aligned address below KernelLand. */
static uint32_t v_user_word(decoder *d)
{
	uint32_t a = v_addr(d) & ~3u;
	if (a >= 0xc0000000u)
		a = (a % 0xc0000000u) & ~3u;
	return a;
}

/* Whether the space-separated list `list` holds `word`. */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

/* A NAME argument of kind `kind` ("proc", "shm+", "mirror-", ...): picks an
 * index and applies what the kind does; -1 when none can be had. */
static int name_arg(decoder *d, const char *kind, size_t n, uint8_t pick, bool selects)
{
	bool *live = d->proc_live;
	int size = DEC_PROCS, ns = 0;
	if (!strncmp(kind, "shm", 3)) {
		live = d->shm_live;
		size = DEC_SHMS;
		ns = 1;
	} else if (!strncmp(kind, "mirror", 6)) {
		live = d->mirror_live;
		size = DEC_MIRRORS;
		ns = 2;
	}
	char use = kind[n - 1];
	int i = use == '+' ? pick_free(live, size, pick) : pick_live(live, size, pick);
	if (i < 0)
		return -1;
	if (use == '-') {
		live[i] = false;
		if (ns == 0 && d->selected == i)
			d->selected = -1;
	} else if (use == '+' && ns == 0) {
		live[i] = true; /* a process binds or panics */
	} else if (use == '+') {
		d->pending_kind = ns; /* 1 shm, 2 mirror: bound when the result is ok */
		d->pending_idx = i;
	}
	if (ns == 0 && selects)
		d->selected = i;
	return i;
}

/* The generic line of `op`: each argument drawn by its kind, in order (an
 * optional trailing NAME is present when a flag byte read first is odd). */
static size_t generic_line(decoder *d, int op, char *buf, size_t cap)
{
	static const char prefix[] = { 'P', 'S', 'M' };
	const char *a = ROWS[op].args, *rules = ROWS[op].rules;
	line l = { buf, cap, 0 };
	uint32_t v[8] = { 0 };
	int nv = 0, mirror = -1;
	uint8_t flag = 0;
	if (strchr(a, '['))
		flag = u8(d);
	if (!put_str(&l, ROWS[op].name) || (ROWS[op].form[0] && !put_str(&l, ROWS[op].form)))
		return 0;
	while (*a) {
		while (*a == ' ')
			a++;
		const char *w = a;
		while (*a && *a != ' ')
			a++;
		bool optional = *w == '[';
		const char *kind = memchr(w, ':', (size_t)(a - w));
		if (!kind)
			return 0;
		kind++;
		size_t kn = (size_t)(a - kind) - (optional ? 1 : 0);
		char k[16];
		if (kn >= sizeof(k))
			return 0;
		memcpy(k, kind, kn);
		k[kn] = '\0';
		uint32_t x = 0;
		if (!strcmp(k, "type")) {
			if (!put_str(&l, TYPES[u8(d) % 22]))
				return 0;
			continue;
		}
		if (!strcmp(k, "rights")) {
			if (!put_u32(&l, false, u8(d) % 16u))
				return 0;
			continue;
		}
		if (!strncmp(k, "proc", 4) || !strncmp(k, "shm", 3) || !strncmp(k, "mirror", 6)) {
			if (optional && !(flag & 1))
				continue;
			int i = name_arg(d, k, kn, optional ? (uint8_t)(flag >> 1) : u8(d), has_word(rules, "selects"));
			if (i < 0) {
				if (optional)
					continue; /* no free name: the op without it */
				return 0;
			}
			if (k[0] == 'm')
				mirror = i;
			if (k[0] == 'm' && k[kn - 1] == '+' && nv > 0)
				d->pending_a = v[nv - 1]; /* the mirror's len(): the mlen before it */
			if (!put_len(&l, snprintf(l.buf + l.n, l.cap - l.n, " %c%d",
			                          prefix[k[0] == 'p' ? 0 : k[0] == 's' ? 1 : 2], i)))
				return 0;
			continue;
		}
		if (!strcmp(k, "addr")) x = v_addr(d);
		else if (!strcmp(k, "size") || !strcmp(k, "offset")) x = v_len(d);
		else if (!strcmp(k, "paddr")) x = v_paddr(d);
		else if (!strcmp(k, "mask")) x = v_mask(d);
		else if (!strcmp(k, "value")) x = u32(d);
		else if (!strcmp(k, "mlen")) x = v_mirror_len(d);
		else if (!strcmp(k, "uword")) x = v_user_word(d);
		else if (!strcmp(k, "page")) {
			x = v_addr(d) & ~0xfffu;
			if (has_word(rules, "below_kernel_land") && x >= 0xc0000000u)
				x = (x % 0xc0000000u) & ~0xfffu;
		} else if (!strcmp(k, "pages")) {
			x = v_len(d) & ~0xfffu;
			if (x == 0)
				x = 0x1000;
			if (has_word(rules, "below_kernel_land") && nv > 0 && x > 0xc0000000u - v[nv - 1])
				x = 0xc0000000u - v[nv - 1];
		} else if (!strcmp(k, "moff")) {
			if (mirror < 0 || d->mirror_len[mirror] == 0)
				return 0;
			x = (v_len(d) % d->mirror_len[mirror]) & ~3u;
		} else {
			return 0; /* a kind this decoder does not know */
		}
		if (nv < 8)
			v[nv++] = x;
		if (!put_u32(&l, true, x))
			return 0;
	}
	return l.n;
}

/* A strategy: a line for the op, or 0 when it cannot be made valid now. */
typedef size_t gen_fn(decoder *d, char *buf, size_t cap);

static size_t gen_create_regular_mapping(decoder *d, char *buf, size_t cap)
{
	uint32_t a = v_addr(d), b = v_len(d);
	const char *ty = TYPES[u8(d) % 22];
	uint32_t rights = u8(d) % 16u;
	remember_region(d, a, b);
	return (size_t)snprintf(buf, cap, "create_regular_mapping 0x%08x 0x%08x %s %u", a, b, ty, rights);
}

static size_t gen_map_alloc(decoder *d, char *buf, size_t cap)
{
	uint32_t a = v_len(d), b = v_addr(d);
	const char *ty = TYPES[u8(d) % 22];
	uint32_t rights = u8(d) % 16u;
	remember_region(d, b, a);
	return (size_t)snprintf(buf, cap, "map_phys_region_to alloc 0x%08x 0x%08x %s %u", a, b, ty, rights);
}

static size_t gen_map_mmio(decoder *d, char *buf, size_t cap)
{
	uint32_t a = v_paddr(d), b = v_len(d), c = v_addr(d);
	const char *ty = TYPES[u8(d) % 22];
	uint32_t rights = u8(d) % 16u;
	remember_region(d, c, b);
	return (size_t)snprintf(buf, cap, "map_phys_region_to mmio 0x%08x 0x%08x 0x%08x %s %u", a, b, c, ty, rights);
}

static size_t gen_map_partial_shared_mapping(decoder *d, char *buf, size_t cap)
{
	int i = pick_live(d->shm_live, DEC_SHMS, u8(d));
	if (i < 0)
		return 0;
	uint32_t a = v_addr(d), b = v_len(d), c = v_len(d);
	const char *ty = TYPES[u8(d) % 22];
	uint32_t rights = u8(d) % 16u;
	remember_region(d, a, c);
	return (size_t)snprintf(buf, cap, "map_partial_shared_mapping S%d 0x%08x 0x%08x 0x%08x %s %u", i, a, b, c, ty,
	                        rights);
}

static size_t gen_guard(decoder *d, char *buf, size_t cap)
{
	uint32_t a = v_addr(d), b = v_len(d);
	remember_region(d, a, b);
	return (size_t)snprintf(buf, cap, "guard 0x%08x 0x%08x %s", a, b, TYPES[u8(d) % 22]);
}

/* A strategy byte first: usually a region made earlier (encode.py writes 0,
 * the explicit ADDR and LEN). */
static size_t gen_unmap(decoder *d, char *buf, size_t cap)
{
	uint8_t k = u8(d);
	uint32_t a, b;
	if (k % 4) {
		a = recent_addr(d, k);
		b = recent_len(d, k);
	} else {
		a = v_addr(d);
		b = v_len(d);
	}
	return (size_t)snprintf(buf, cap, "unmap 0x%08x 0x%08x", a, b);
}

/* The ops with a strategy of their own (the mappings feed the recent
 * regions unmap draws from); every other op, a new one included, gets the
 * generic line of its row. */
static gen_fn *const STRATEGY[OP_COUNT] = {
	[OP_create_regular_mapping] = gen_create_regular_mapping,
	[OP_map_alloc] = gen_map_alloc,
	[OP_map_mmio] = gen_map_mmio,
	[OP_map_partial_shared_mapping] = gen_map_partial_shared_mapping,
	[OP_guard] = gen_guard,
	[OP_unmap] = gen_unmap,
};

/* One operation line for `op`, or 0 when it cannot be made valid now. */
static size_t op_line(decoder *d, int op, char *buf, size_t cap)
{
	if (NEEDS_PROCESS[op] && d->selected < 0)
		return 0;
	return STRATEGY[op] ? STRATEGY[op](d, buf, cap) : generic_line(d, op, buf, cap);
}

/* The op of an opcode byte. */
static int opcode_op(uint8_t byte)
{
	unsigned i = byte % 64u;
	if (i < NELEM(OPCODES))
		return OPCODES[i];
	return WEIGHTED[(i - NELEM(OPCODES)) % NELEM(WEIGHTED)];
}

size_t decoder_next(decoder *d, char *buf, size_t cap)
{
	if (!d->header_done) {
		uint8_t h = u8(d);
		d->header_done = true;
		d->nphys = h >= 0x80 ? (h & 0x0f) : 0;
	}
	while (d->nphys > 0) {
		d->nphys--;
		size_t n = phys_line(d, buf, cap);
		if (n)
			return n;
	}
	while (d->p < d->end) {
		d->pending_kind = 0;
		int op = opcode_op(u8(d));
		size_t n = op_line(d, op, buf, cap);
		if (n)
			return n;
	}
	return 0;
}

void decoder_feedback(decoder *d, const char *result, size_t n)
{
	bool ok = n >= 2 && result[0] == 'o' && result[1] == 'k';
	if (!ok)
		return;
	switch (d->pending_kind) {
	case 1:
		d->shm_live[d->pending_idx] = true;
		break;
	case 2:
		d->mirror_live[d->pending_idx] = true;
		d->mirror_len[d->pending_idx] = d->pending_a;
		break;
	case 3:
		d->recent_addr[d->recent_next] = d->pending_a;
		d->recent_len[d->recent_next] = d->pending_b;
		d->recent_next = (d->recent_next + 1) % DEC_RECENT;
		if (d->nrecent < DEC_RECENT)
			d->nrecent++;
		break;
	}
	d->pending_kind = 0;
}
