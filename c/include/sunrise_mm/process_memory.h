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
/* process_memory.h -- ProcessMemory, the memory of one process, counterpart
 * of upstream kernel/src/paging/process_memory.rs. */
#ifndef SR_PROCESS_MEMORY_H
#define SR_PROCESS_MEMORY_H

#include "bookkeeping.h"
#include "cross_process.h"
#include "arch/i386/table.h"

typedef struct process_memory {
	userspace_bookkeeping userspace_bookkeping;
	inactive_hierarchy table_hierarchy;
	vaddr_t heap_base_address;
} process_memory;

/* The result of check_range. */
typedef struct check_range_result {
	memory_state state;
	memory_permissions perms;
	memory_attributes attrs;
} check_range_result;

/* ProcessMemory::default: bookkeeping and a fresh directory. */
void process_memory_default(process_memory *pm);
/* Drop for ProcessMemory: its mappings, then its tables and directory. */
void process_memory_drop(process_memory *pm);
/* ProcessMemory::map_phys_region_to: `phys` is consumed. */
kernel_error process_memory_map_phys_region_to(process_memory *pm, physical_mem_region phys, vaddr_t address,
                                               memory_type ty, mapping_access_rights flags);
/* ProcessMemory::create_regular_mapping */
kernel_error process_memory_create_regular_mapping(process_memory *pm, vaddr_t address, uint32_t length,
                                                   memory_type ty, mapping_access_rights flags);
/* ProcessMemory::map_partial_shared_mapping: `shared_mapping` (one
 * reference) is consumed. */
kernel_error process_memory_map_partial_shared_mapping(process_memory *pm, shared_frames *shared_mapping, vaddr_t address,
                                                       uint32_t phys_offset, uint32_t length, memory_type ty,
                                                       mapping_access_rights flags);
/* ProcessMemory::guard */
kernel_error process_memory_guard(process_memory *pm, vaddr_t address, uint32_t length, memory_type ty);
/* ProcessMemory::unmap: the removed mapping goes to *out (caller drops it). */
kernel_error process_memory_unmap(process_memory *pm, vaddr_t address, uint32_t length, mapping *out);
/* ProcessMemory::query_memory */
query_memory process_memory_query_memory(const process_memory *pm, vaddr_t address);
/* ProcessMemory::expand_mapping: grows a Heap mapping. */
kernel_error process_memory_expand_mapping(process_memory *pm, vaddr_t address, uint32_t new_size);
/* ProcessMemory::find_available_space */
kernel_error process_memory_find_available_space(const process_memory *pm, uint32_t length, vaddr_t *out);
/* ProcessMemory::mirror_mapping */
kernel_error process_memory_mirror_mapping(const process_memory *pm, vaddr_t address, uint32_t length,
                                           cross_process_mapping *out);
/* ProcessMemory::resize_heap: the heap's address goes to *out. */
kernel_error process_memory_resize_heap(process_memory *pm, uint32_t new_size, vaddr_t *out);
/* ProcessMemory::switch_to */
void process_memory_switch_to(process_memory *pm);
/* ProcessMemory::check_range (the attribute arguments are ignored upstream). */
kernel_error process_memory_check_range(const process_memory *pm, vaddr_t addr, uint32_t size,
                                        memory_state state_mask, memory_state state_expected,
                                        memory_permissions perms_mask, memory_permissions perms_expected,
                                        memory_attributes attrs_mask, memory_attributes attrs_expected,
                                        memory_attributes attrs_ignore_mask, check_range_result *out);
/* ProcessMemory::get_hierarchy: the active or the inactive hierarchy. */
table_hierarchy *process_memory_get_hierarchy(process_memory *pm);

#endif
