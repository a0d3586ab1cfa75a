/* sunrise_mm/process_memory.h -- upstream kernel/src/paging/process_memory.rs,
 * the top-level API.
 *
 *   process_memory                          ProcessMemory
 *   check_range_result                      (MemoryState, MemoryPermissions, MemoryAttributes)
 *   process_memory_default                  <ProcessMemory as Default>::default
 *   process_memory_drop                     <ProcessMemory as Drop>::drop
 *   process_memory_map_phys_region_to       ProcessMemory::map_phys_region_to
 *   process_memory_create_regular_mapping   ProcessMemory::create_regular_mapping
 *   process_memory_map_partial_shared_mapping  ProcessMemory::map_partial_shared_mapping
 *   process_memory_guard                    ProcessMemory::guard
 *   process_memory_unmap                    ProcessMemory::unmap (the Mapping in *out)
 *   process_memory_query_memory             ProcessMemory::query_memory
 *   process_memory_expand_mapping           ProcessMemory::expand_mapping
 *   process_memory_find_available_space     ProcessMemory::find_available_space
 *   process_memory_mirror_mapping           ProcessMemory::mirror_mapping
 *   process_memory_resize_heap              ProcessMemory::resize_heap
 *   process_memory_switch_to                ProcessMemory::switch_to
 *   process_memory_check_range              ProcessMemory::check_range
 *   process_memory_get_hierarchy            ProcessMemory::get_hierarchy (private upstream:
 *                                           the DynamicHierarchy)
 *
 * (shrink_mapping is commented out upstream and has no counterpart.)
 * Returned values go to out-parameters; a kernel_error of kind KERR_NONE is
 * Ok. Arguments passed by value (physical_mem_region, shared_frames *) are
 * consumed, as upstream moves them.
 */
#ifndef SUNRISE_MM_PROCESS_MEMORY_H
#define SUNRISE_MM_PROCESS_MEMORY_H

#include "../../kernel/process_memory.h"

#endif
