/* decode.c -- fuzzer bytes to valid trace lines (see decode.h). */
#include <stdio.h>
#include <string.h>

#include "decode.h"

enum op {
	OP_NEW, OP_SELECT, OP_DROP, OP_SWITCH, OP_SHM, OP_SHM_OF, OP_SHM_DROP,
	OP_CREATE, OP_MAP_ALLOC, OP_MAP_MMIO, OP_MAP_PARTIAL, OP_GUARD, OP_UNMAP,
	OP_QUERY, OP_EXPAND, OP_FIND, OP_RESIZE_HEAP, OP_MIRROR, OP_MIRROR_DROP,
	OP_CHECK_RANGE, OP_FRAMES, OP_WALK, OP_FREE_FRAMES, OP_READ, OP_WRITE,
	OP_MIRROR_READ, OP_MIRROR_WRITE, OP_COUNT
};

/* byte % 64 -> op: the first OP_COUNT entries are the identity (the
 * encoder's choice), the rest weigh the common operations. */
static const uint8_t OPCODE_TABLE[64] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
	21, 22, 23, 24, 25, 26,
	OP_CREATE, OP_CREATE, OP_CREATE, OP_CREATE, OP_CREATE, OP_UNMAP, OP_UNMAP,
	OP_UNMAP, OP_READ, OP_READ, OP_WRITE, OP_WRITE, OP_NEW, OP_SWITCH,
	OP_SWITCH, OP_QUERY, OP_MAP_PARTIAL, OP_MAP_PARTIAL, OP_SHM, OP_MIRROR,
	OP_MIRROR, OP_MIRROR_READ, OP_MIRROR_WRITE, OP_GUARD, OP_GUARD, OP_EXPAND,
	OP_RESIZE_HEAP, OP_WALK, OP_FRAMES, OP_SELECT, OP_CHECK_RANGE,
	OP_MAP_ALLOC, OP_MAP_MMIO, OP_SHM_OF, OP_FREE_FRAMES,
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

/* One operation line for `op`, or 0 when it cannot be made valid now. */
static size_t op_line(decoder *d, int op, char *buf, size_t cap)
{
	int i;
	uint32_t a, b, c, rights;
	const char *ty;
	bool need_proc = !(op == OP_NEW || op == OP_SELECT || op == OP_SHM || op == OP_SHM_DROP ||
	                   op == OP_MIRROR_DROP || op == OP_READ || op == OP_WRITE || op == OP_MIRROR_READ ||
	                   op == OP_MIRROR_WRITE || op == OP_FREE_FRAMES);
	if (need_proc && d->selected < 0)
		return 0;
	switch (op) {
	case OP_NEW:
		if ((i = pick_free(d->proc_live, DEC_PROCS, u8(d))) < 0)
			return 0;
		d->proc_live[i] = true; /* `new` binds or panics */
		d->selected = i;
		return (size_t)snprintf(buf, cap, "new P%d", i);
	case OP_SELECT:
		if ((i = pick_live(d->proc_live, DEC_PROCS, u8(d))) < 0)
			return 0;
		d->selected = i;
		return (size_t)snprintf(buf, cap, "select P%d", i);
	case OP_DROP:
		if ((i = pick_live(d->proc_live, DEC_PROCS, u8(d))) < 0)
			return 0;
		d->proc_live[i] = false;
		if (d->selected == i)
			d->selected = -1;
		return (size_t)snprintf(buf, cap, "drop P%d", i);
	case OP_SWITCH:
		return (size_t)snprintf(buf, cap, "switch_to");
	case OP_SHM:    /* shm NAME LEN */
	case OP_SHM_OF: /* shm_of NAME ADDR */
		if ((i = pick_free(d->shm_live, DEC_SHMS, u8(d))) < 0)
			return 0;
		a = op == OP_SHM ? v_len(d) : v_addr(d);
		d->pending_kind = 1;
		d->pending_idx = i;
		return (size_t)snprintf(buf, cap, "%s S%d 0x%08x", op == OP_SHM ? "shm" : "shm_of", i, a);
	case OP_SHM_DROP:
		if ((i = pick_live(d->shm_live, DEC_SHMS, u8(d))) < 0)
			return 0;
		d->shm_live[i] = false;
		return (size_t)snprintf(buf, cap, "shm_drop S%d", i);
	case OP_CREATE:
		a = v_addr(d);
		b = v_len(d);
		ty = TYPES[u8(d) % 22];
		rights = u8(d) % 16u;
		remember_region(d, a, b);
		return (size_t)snprintf(buf, cap, "create_regular_mapping 0x%08x 0x%08x %s %u", a, b, ty, rights);
	case OP_MAP_ALLOC:
		a = v_len(d);
		b = v_addr(d);
		ty = TYPES[u8(d) % 22];
		rights = u8(d) % 16u;
		remember_region(d, b, a);
		return (size_t)snprintf(buf, cap, "map_phys_region_to alloc 0x%08x 0x%08x %s %u", a, b, ty, rights);
	case OP_MAP_MMIO:
		a = v_paddr(d);
		b = v_len(d);
		c = v_addr(d);
		ty = TYPES[u8(d) % 22];
		rights = u8(d) % 16u;
		remember_region(d, c, b);
		return (size_t)snprintf(buf, cap, "map_phys_region_to mmio 0x%08x 0x%08x 0x%08x %s %u", a, b, c, ty,
		                        rights);
	case OP_MAP_PARTIAL: {
		if ((i = pick_live(d->shm_live, DEC_SHMS, u8(d))) < 0)
			return 0;
		a = v_addr(d);
		b = v_len(d);
		c = v_len(d);
		ty = TYPES[u8(d) % 22];
		rights = u8(d) % 16u;
		remember_region(d, a, c);
		return (size_t)snprintf(buf, cap, "map_partial_shared_mapping S%d 0x%08x 0x%08x 0x%08x %s %u", i, a, b, c,
		                        ty, rights);
	}
	case OP_GUARD:
		a = v_addr(d);
		b = v_len(d);
		remember_region(d, a, b);
		return (size_t)snprintf(buf, cap, "guard 0x%08x 0x%08x %s", a, b, TYPES[u8(d) % 22]);
	case OP_UNMAP: {
		uint8_t k = u8(d);
		if (k % 4) { /* usually a region we made */
			a = recent_addr(d, k);
			b = recent_len(d, k);
		} else {
			a = v_addr(d);
			b = v_len(d);
		}
		return (size_t)snprintf(buf, cap, "unmap 0x%08x 0x%08x", a, b);
	}
	case OP_QUERY:
		return (size_t)snprintf(buf, cap, "query_memory 0x%08x", v_addr(d));
	case OP_EXPAND:
		a = v_addr(d);
		return (size_t)snprintf(buf, cap, "expand_mapping 0x%08x 0x%08x", a, v_len(d));
	case OP_FIND:
		return (size_t)snprintf(buf, cap, "find_available_space 0x%08x", v_len(d));
	case OP_RESIZE_HEAP:
		return (size_t)snprintf(buf, cap, "resize_heap 0x%08x", v_len(d));
	case OP_MIRROR: {
		uint8_t named = u8(d);
		a = v_addr(d);
		b = v_mirror_len(d);
		if (named & 1) {
			if ((i = pick_free(d->mirror_live, DEC_MIRRORS, named >> 1)) >= 0) {
				d->pending_kind = 2;
				d->pending_idx = i;
				d->pending_a = b;
				return (size_t)snprintf(buf, cap, "mirror_mapping 0x%08x 0x%08x M%d", a, b, i);
			}
		}
		return (size_t)snprintf(buf, cap, "mirror_mapping 0x%08x 0x%08x", a, b);
	}
	case OP_MIRROR_DROP:
		if ((i = pick_live(d->mirror_live, DEC_MIRRORS, u8(d))) < 0)
			return 0;
		d->mirror_live[i] = false;
		return (size_t)snprintf(buf, cap, "mirror_drop M%d", i);
	case OP_CHECK_RANGE: {
		uint32_t v[6];
		v[0] = v_addr(d);
		v[1] = v_len(d);
		for (int k = 2; k < 6; k++)
			v[k] = v_mask(d);
		return (size_t)snprintf(buf, cap, "check_range 0x%08x 0x%08x 0x%08x 0x%08x 0x%08x 0x%08x",
		                        v[0], v[1], v[2], v[3], v[4], v[5]);
	}
	case OP_FRAMES:
		return (size_t)snprintf(buf, cap, "frames 0x%08x", v_addr(d));
	case OP_WALK:
		a = v_addr(d) & ~0xfffu;
		b = v_len(d) & ~0xfffu;
		if (a >= 0xc0000000u)
			a = (a % 0xc0000000u) & ~0xfffu;
		if (b == 0)
			b = 0x1000;
		if (b > 0xc0000000u - a)
			b = 0xc0000000u - a;
		return (size_t)snprintf(buf, cap, "walk 0x%08x 0x%08x", a, b);
	case OP_FREE_FRAMES:
		return (size_t)snprintf(buf, cap, "free_frames");
	case OP_READ:
	case OP_WRITE:
		a = v_addr(d) & ~3u;
		if (a >= 0xc0000000u)
			a = (a % 0xc0000000u) & ~3u;
		if (op == OP_READ)
			return (size_t)snprintf(buf, cap, "read 0x%08x", a);
		return (size_t)snprintf(buf, cap, "write 0x%08x 0x%08x", a, u32(d));
	case OP_MIRROR_READ:
	case OP_MIRROR_WRITE:
		if ((i = pick_live(d->mirror_live, DEC_MIRRORS, u8(d))) < 0 || d->mirror_len[i] == 0)
			return 0;
		a = (v_len(d) % d->mirror_len[i]) & ~3u;
		if (op == OP_MIRROR_READ)
			return (size_t)snprintf(buf, cap, "mirror_read M%d 0x%08x", i, a);
		return (size_t)snprintf(buf, cap, "mirror_write M%d 0x%08x 0x%08x", i, a, u32(d));
	}
	return 0;
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
		int op = OPCODE_TABLE[u8(d) % 64];
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
