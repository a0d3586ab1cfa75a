/* inject_bookkeeping.c -- c/kernel/bookkeeping.c, unchanged, compiled for
 * the fault-injection test only (check_faults): the callers of
 * userspace_bookkeeping_add_mapping reach the test's wrapper, which can
 * leave the B+-tree with a stale hole, as a forgotten update would, without
 * touching the shipped sources. */
#define userspace_bookkeeping_add_mapping sr_real_add_mapping
#include "bookkeeping.c"
