/* inject_hierarchical_table.c -- c/kernel/hierarchical_table.c, unchanged,
 * compiled for the fault-injection test only (check_faults): its TLB flush
 * and its rights -> entry flags conversion go through the test's switches
 * (check_faults.c), so the test can delete the flush or plant a wrong flags
 * table without touching the shipped sources. */
#define mach_flush_tlb sr_inject_flush_tlb
#define i386_entry_flags_from_rights sr_inject_flags_from_rights
#include "hierarchical_table.c"
