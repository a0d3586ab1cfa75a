/* check_faults.c -- the invariant checker must go red on planted porting
 * bugs, and stay green without them.
 *
 * Linked with the port built with inject_hierarchical_table.c and
 * inject_bookkeeping.c in place of c/kernel/hierarchical_table.c and
 * c/kernel/bookkeeping.c, so that the port's only TLB flush call, its only
 * use of the rights -> entry flags conversion, its free-space search in the
 * page tables and its insertions into the bookkeeping pass through the
 * switches below. Each case replays a small trace line by line through the
 * runner with --check, with a fault switched on during chosen lines, and
 * states what must happen: the checker reports the named invariant (exit 3
 * in sr-run terms), and, for the TLB, a replay without the checker prints
 * other results than the healthy port (a stale translation is used).
 * Every trace also runs with no fault and must then pass the checker and
 * print its expected stream, so a case cannot pass by the checker being
 * always red.
 *
 * Exit status 0 when every case behaves, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "mach.h"
#include "arch/i386/entry.h"
#include "hierarchical_table.h"
#include "bookkeeping.h"
#include "sim.h"

/* ---- the switches ---- */

enum fault {
	FAULT_NONE,
	FAULT_NO_FLUSH,       /* the TLB flush is deleted */
	FAULT_FLAGS_X_IS_W,   /* EXECUTABLE gives a WRITABLE entry */
	FAULT_FLAGS_NO_USER,  /* USER_ACCESSIBLE is dropped */
	FAULT_FLAGS_GUARD_U,  /* a user-only (no R/W/X) mapping is PRESENT */
	FAULT_SEARCH_SKIPS,   /* the free-space search skips the first free page */
	FAULT_BK_STALE_HOLE,  /* an insertion leaves a leaf's hole one page off */
};
static enum fault fault_now;

void sr_inject_flush_tlb(void);
i386_entry_flags sr_inject_flags_from_rights(mapping_access_rights rights);
kernel_error sr_real_add_mapping(userspace_bookkeeping *bk, mapping m);
bool sr_real_find_available_virtual_space_aligned(table_hierarchy *h, uint32_t length, vaddr_t start_addr,
                                                  vaddr_t end_addr, uint32_t alignment, vaddr_t *out);

void sr_inject_flush_tlb(void)
{
	if (fault_now != FAULT_NO_FLUSH)
		mach_flush_tlb();
}

i386_entry_flags sr_inject_flags_from_rights(mapping_access_rights rights)
{
	i386_entry_flags f = i386_entry_flags_from_rights(rights);
	switch (fault_now) {
	case FAULT_FLAGS_X_IS_W:
		if ((rights & MAPPING_ACCESS_RIGHTS_EXECUTABLE) && (f & I386_ENTRY_PRESENT))
			f |= I386_ENTRY_WRITABLE;
		break;
	case FAULT_FLAGS_NO_USER:
		f &= ~I386_ENTRY_USER_ACCESSIBLE;
		break;
	case FAULT_FLAGS_GUARD_U:
		if (rights == MAPPING_ACCESS_RIGHTS_USER_ACCESSIBLE)
			f = I386_ENTRY_PRESENT | I386_ENTRY_USER_ACCESSIBLE;
		break;
	default:
		break;
	}
	return f;
}

/* The search KernelMemory::find_virtual_space asks; under the fault it
 * searches again from the page after the first fit, so the mapping lands
 * above it while its entries stay consistent with where it landed. */
bool table_hierarchy_find_available_virtual_space_aligned(table_hierarchy *h, uint32_t length, vaddr_t start_addr,
                                                          vaddr_t end_addr, uint32_t alignment, vaddr_t *out)
{
	bool found = sr_real_find_available_virtual_space_aligned(h, length, start_addr, end_addr, alignment, out);
	if (found && fault_now == FAULT_SEARCH_SKIPS)
		found = sr_real_find_available_virtual_space_aligned(h, length, *out + PAGE_SIZE, end_addr, alignment, out);
	return found;
}

/* UserspaceBookkeeping::add_mapping; under the fault the first slot of a
 * root leaf keeps a hole one page longer than the real one. */
kernel_error userspace_bookkeeping_add_mapping(userspace_bookkeeping *bk, mapping m)
{
	kernel_error e = sr_real_add_mapping(bk, m);
	if (KERR_IS_OK(e) && fault_now == FAULT_BK_STALE_HOLE && bk->root && bk->root->leaf)
		bk->root->gap[0] += PAGE_SIZE;
	return e;
}

/* ---- replay ---- */

typedef struct buf {
	char b[1 << 14];
	size_t n;
} buf;

static void buf_write(void *ctx, const char *bytes, size_t n)
{
	buf *o = ctx;
	for (size_t i = 0; i < n && o->n < sizeof(o->b) - 1; i++)
		o->b[o->n++] = bytes[i];
	o->b[o->n] = 0;
}

/* Replays `text`; the fault is on for the lines whose text starts with
 * `fault_op` (every line when NULL). Returns the runner's status. */
static int replay(const char *text, enum fault f, const char *fault_op, int check, buf *out, buf *err)
{
	runner_opts opts = { check };
	runner_sink so = { buf_write, out }, se = { buf_write, err };
	out->n = err->n = 0;
	out->b[0] = err->b[0] = 0;
	runner *r = runner_begin("case.trace", &so, &se, &opts);
	int rc = 0;
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		fault_now = (!fault_op || (n >= strlen(fault_op) && !strncmp(p, fault_op, strlen(fault_op)))) ? f : FAULT_NONE;
		rc = runner_feed(r, p, n);
		fault_now = FAULT_NONE;
		if (rc != RUNNER_OK)
			break;
		p += n + (e ? 1 : 0);
	}
	if (rc == RUNNER_OK)
		rc = runner_end(r);
	else if (rc == RUNNER_DEAD)
		rc = 0;
	return rc;
}

typedef struct fcase {
	const char *name;
	const char *trace;
	const char *healthy_out; /* the stream without a fault */
	enum fault fault;
	const char *fault_op;    /* lines the fault is on for; NULL: all */
	const char *invariant;   /* what the checker must report */
	int results_change;      /* the stream itself must differ under the fault */
} fcase;

static const fcase CASES[] = {
	{ "unmap forgets its TLB flush",
	  "new A\nswitch_to\ncreate_regular_mapping 0x00400000 0x00002000 Normal u_rw\n"
	  "write 0x00401ff0 0x12345678\nunmap 0x00400000 0x00002000\nread 0x00401ff0\n",
	  "ok\nok\nok\nok\nok\nfault\n",
	  FAULT_NO_FLUSH, "unmap", "TLB keeps a stale translation", 1 },
	{ "every TLB flush deleted",
	  "new A\ncreate_regular_mapping 0x00400000 0x00001000 Normal u_rw\nswitch_to\nread 0x00400000\n",
	  "ok\nok\nok\nok 0x00401000\n",
	  FAULT_NO_FLUSH, 0, "TLB keeps a stale translation", 0 },
	{ "a mirror's window unmapped without a flush",
	  "new A\nshm S 0x00002000\nmap_partial_shared_mapping S 0x00400000 0 0x00002000 SharedMemory u_rw\n"
	  "mirror_mapping 0x00400000 0x00002000 M\nmirror_write M 4 0x77\nmirror_drop M\n"
	  "switch_to\nread 0x00400004\n",
	  "ok\nok\nok\nok\nok\nok\nok\nok 0x00000077\n",
	  FAULT_NO_FLUSH, "mirror_drop", "TLB keeps a stale translation", 0 },
	{ "rights->flags: EXECUTABLE gives WRITABLE",
	  "new A\ncreate_regular_mapping 0x00400000 0x00001000 CodeStatic u_rx\n",
	  "ok\nok\n",
	  FAULT_FLAGS_X_IS_W, 0, "page 0x00400000 maps entry 0x00401007, bookkeeping expects 0x00401005", 0 },
	{ "rights->flags: USER_ACCESSIBLE dropped",
	  "new A\nmap_phys_region_to alloc 0x00002000 0x00800000 Normal u_r\n",
	  "ok\nok\n",
	  FAULT_FLAGS_NO_USER, 0, "page 0x00800000 maps entry", 0 },
	{ "rights->flags: a user-only mapping made present",
	  "new A\ncreate_regular_mapping 0x00400000 0x00001000 Normal 8\nwalk 0x00400000 0x00001000\n",
	  "ok\nok\nok guard/0x00001000*1\n",
	  FAULT_FLAGS_GUARD_U, 0, "page 0x00400000 maps entry 0x00401005, bookkeeping expects 0x00000200", 1 },
	{ "a mirror placed past KernelLand's first fit",
	  "new A\nshm S 0x00002000\nmap_partial_shared_mapping S 0x00400000 0 0x00002000 SharedMemory u_rw\n"
	  "mirror_mapping 0x00400000 0x00001000 M1\nmirror_mapping 0x00401000 0x00001000 M2\nmirror_read M2 0\n",
	  "ok\nok\nok\nok\nok\nok 0x00402000\n",
	  FAULT_SEARCH_SKIPS, "mirror_mapping 0x00401000", "mirror not at the first fit in KernelLand: at 0xc0002000 first fit 0xc0001000", 0 },
	{ "the bookkeeping's tree left with a stale hole",
	  "new A\ncreate_regular_mapping 0x00400000 0x00001000 Normal u_rw\nguard 0x00800000 0x00001000 Unmapped\n"
	  "free_frames\n",
	  "ok\nok\nok\nok 1020\n",
	  /* on the guard's own line: the op table marks guard as changing the
	   * bookkeeping, so the tree is checked right after it */
	  FAULT_BK_STALE_HOLE, "guard",
	  "case.trace:3: invariant broken: bookkeeping tree: hole recorded before the mapping at 0x00400000 is 0x00201000", 0 },
};

int main(void)
{
	int bad = 0;
	static buf out, err, out_f, err_f;
	for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
		const fcase *c = &CASES[i];
		/* healthy: green, the expected stream */
		int rc = replay(c->trace, FAULT_NONE, 0, 1, &out, &err);
		if (rc != 0 || strcmp(out.b, c->healthy_out)) {
			printf("FAIL %s: the healthy port is not green (status %d)\n--- out\n%s--- err\n%s", c->name, rc, out.b, err.b);
			bad = 1;
			continue;
		}
		/* planted bug: the checker names the invariant */
		rc = replay(c->trace, c->fault, c->fault_op, 1, &out_f, &err_f);
		if (rc != 3 || !strstr(err_f.b, c->invariant)) {
			printf("FAIL %s: the checker did not report \"%s\" (status %d)\n--- err\n%s", c->name, c->invariant, rc, err_f.b);
			bad = 1;
			continue;
		}
		printf("PASS %s\n     %s", c->name, err_f.b);
		if (c->results_change) {
			replay(c->trace, c->fault, c->fault_op, 0, &out_f, &err_f);
			if (!strcmp(out_f.b, c->healthy_out)) {
				printf("FAIL %s: the results do not change under the fault\n", c->name);
				bad = 1;
				continue;
			}
			printf("     and without the checker the results change:\n%s", out_f.b);
		}
	}
	machine_shutdown();
	return bad;
}
