/* inject_hierarchical_table.c -- c/kernel/hierarchical_table.c, unchanged,
 * compiled for the fault-injection test only (check_faults): its TLB flush,
 * its rights -> entry flags conversion and its free-space search (whose
 * callers now reach the test's wrapper) go through the test's switches
 * (check_faults.c), so the test can delete the flush, plant a wrong flags
 * table or move where KernelLand mappings land without touching the
 * shipped sources. */
#define mach_flush_tlb sr_inject_flush_tlb
#define i386_entry_flags_from_rights sr_inject_flags_from_rights
#define table_hierarchy_find_available_virtual_space_aligned sr_real_find_available_virtual_space_aligned
#include "hierarchical_table.c"
