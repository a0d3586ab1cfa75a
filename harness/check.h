/* check.h -- the invariant checker of the port (freestanding).
 *
 * Reads the port's state and the page tables (through physical memory, so
 * it changes nothing, not even KernelLand) and reports the first broken
 * invariant:
 *  - bookkeeping <-> page tables: each mapping's pages carry exactly its
 *    frames with the flags upstream derives from its rights (guard entries
 *    for frameless or rights-less mappings, HUGE guards allowed), and no
 *    UserLand entry is set outside a mapping;
 *  - mappings are page aligned, non-empty, do not overflow nor overlap, and
 *    have enough frames;
 *  - KernelLand holds exactly the pages of the live mirrors (no temporary
 *    window left behind);
 *  - frame accounting: free frames + frames held by mappings, shared frames,
 *    page tables and directories = the frames the trace made free, no frame
 *    held twice, no held frame marked free. */
#ifndef SR_CHECK_H
#define SR_CHECK_H

#include "process_memory.h"

typedef struct check_world {
	process_memory *const *procs;
	uint32_t nprocs;
	shared_frames *const *shms;
	uint32_t nshms;
	cross_process_mapping *const *mirrors;
	uint32_t nmirrors;
	uint32_t initial_free; /* free frames when the first operation started */
} check_world;

/* NULL when every invariant holds, else what is broken (static storage). */
const char *check_invariants(const check_world *w);

#endif
