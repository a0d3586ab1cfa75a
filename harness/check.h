/* check.h -- the invariant checker of the port (freestanding).
 *
 * The checker is independent of the port: the page-table entries it
 * expects come from its own reading of TRACE_FORMAT.md and of upstream's
 * rules (its own rights -> entry flags table, its own directory-entry
 * rules), and from its own records of the live processes, their page
 * directories and tables, and the live mirrors and their frames, built from
 * the trace lines and the result lines the runner hands it. It reads the
 * port's bookkeeping (mappings, their rights and frames) and the page
 * tables as the things under test, and never calls the port's helpers.
 *
 * After each operation (check_op) it checks what the operation touched:
 *  - every page-table word that changed (the machine reports them): a
 *    UserLand entry is exactly what the mapping over it expects (frame |
 *    flags, a guard, or 0 outside any mapping); a UserLand directory entry
 *    points to a table with PRESENT|WRITABLE|USER, is a HUGE guard inside
 *    a guard mapping, or is empty with no mapping over its 4 MiB; a
 *    KernelLand directory slot of a process is empty or the boot
 *    directory's; the recursive slot points to the directory itself; a
 *    KernelLand entry belongs to a live mirror, with the mirror's frame;
 *  - each new page table: all its entries;
 *  - the mappings the operation names (create, map, guard, expand,
 *    resize_heap, the range of unmap) and their neighbours: aligned,
 *    non-empty, not overflowing, disjoint, every page as expected, rights
 *    and address as the trace line asked;
 *  - mirrors: a named mirror's pages hold its frames (from the shared
 *    frames, at the offset upstream's rule gives), it starts at the first
 *    fit in KernelLand between the live mirrors (upstream's
 *    KernelMemory::find_virtual_space), and KernelLand holds exactly the
 *    live mirrors' pages (no temporary window left behind);
 *  - the bookkeeping's B+-tree, after an operation that may change it
 *    (whatever its result), from the layout sunrise_mm/bookkeeping.h
 *    documents: slot counts within bounds, every leaf at the bottom, keys
 *    ascending, an inner slot's key and largest hole those of its child, a
 *    leaf slot's key its mapping's address and its hole the one before
 *    that mapping, and the list of mappings linked both ways in that order;
 *  - switch_to: cr3 is the process's directory and its KernelLand slots
 *    are the boot directory's;
 *  - the TLB: no cached translation disagrees with the page tables (a
 *    forgotten flush).
 * check_invariants is the full check (end of a trace, on demand, and after
 * every operation on a machine that cannot report changed words): all of
 * the above over everything live, no UserLand entry set outside a mapping,
 * and frame accounting: free frames + frames held by mappings, shared
 * frames, page tables and directories = the frames the trace made free,
 * none held twice, none held and free. */
#ifndef SR_CHECK_H
#define SR_CHECK_H

#include "process_memory.h"
#include "cross_process.h"

/* A token of a trace line. */
typedef struct check_tok {
	const char *s;
	size_t n;
} check_tok;

enum { CHECK_NS_PROC, CHECK_NS_SHM, CHECK_NS_MIRROR };

typedef struct check_world {
	/* for the full check: everything live */
	process_memory *const *procs;
	uint32_t nprocs;
	shared_frames *const *shms;
	uint32_t nshms;
	cross_process_mapping *const *mirrors;
	uint32_t nmirrors;
	uint32_t initial_free; /* free frames when the first operation started */
	/* for check_op */
	process_memory *selected;                                          /* after the operation */
	int changes_bookkeeping; /* the op table's `bookkeeping` rule holds for the operation */
	void *(*lookup)(void *ctx, int ns, const char *name, size_t n);    /* a live name's object */
	void *ctx;
} check_world;

/* A new trace starts (after the machine's reset). */
void check_begin(void);

/* After one operation ran: `toks` is the trace line's tokens, `result` the
 * result line printed (without '\n'; its first bytes are enough). NULL when
 * every invariant it checked holds, else what is broken (static storage).
 * Sets *need_full when the caller must now run check_invariants (`full`
 * asked for it, or the machine cannot report changed words); only
 * `selected`, `changes_bookkeeping`, `lookup` and `ctx` of w are read. */
const char *check_op(const check_world *w, const check_tok *toks, size_t ntoks,
                     const char *result, size_t rlen, int full, int *need_full);

/* The runner dropped everything itself (end-of-trace teardown): forget the
 * records of processes and mirrors. */
void check_forget(void);

/* The full check over everything live. NULL when all holds. */
const char *check_invariants(const check_world *w);

#endif
