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

/* ProcessMemory::default. Initialises *pm: an empty bookkeeping (KernelLand
 * and RecursiveTablesLand already reserved) and a fresh zeroed page
 * directory, recursive in its last entry, inactive (KernelLand is copied in
 * at switch_to); the heap base is 0x80000000.
 * Ownership: *pm must later go to process_memory_drop.
 * Panics: when no frame is left for the directory, or the kernel heap is
 * exhausted (both upstream's allocation unwraps). */
void process_memory_default(process_memory *pm);
/* Drop for ProcessMemory. Drops every mapping (its frames go back to the
 * allocator unless shared frames are still referenced elsewhere), then the
 * UserLand page tables and the directory. *pm is dead afterwards.
 * Panics: when the process is the active one (upstream's "Dropped the
 * currently active paging hierarchy": switch away first). */
void process_memory_drop(process_memory *pm);
/* ProcessMemory::map_phys_region_to. Maps the frames of `phys` at
 * `address` as one mapping of type `ty` with rights `flags`.
 * Ownership: `phys` is consumed on every path (dropped on error, owned by
 * the new mapping on success).
 * Errors: InvalidAddress { address } when `address` is not page aligned,
 * when the region does not fit in UserLand, or when a mapping starts inside
 * it. Panics: when `ty` refuses owned frames (upstream's "We checked
 * everything" expect), on arithmetic overflow, or when the page tables
 * find a page already present (a mapping that starts before `address`
 * overlaps it: upstream checks only for mappings starting inside). */
kernel_error process_memory_map_phys_region_to(process_memory *pm, physical_mem_region phys, vaddr_t address,
                                               memory_type ty, mapping_access_rights flags);
/* ProcessMemory::create_regular_mapping. Allocates length / PAGE_SIZE
 * frames (any frames, not contiguous) and maps them at `address`; a
 * reference-counted `ty` gets shared frames, any other owned frames.
 * Errors: InvalidAddress { address } (unaligned, outside UserLand, or a
 * mapping starts inside the range); InvalidSize { length } when `length` is
 * not page aligned, InvalidSize { 0 } when it is 0;
 * PhysicalMemoryExhaustion when not enough frames are free (nothing is
 * allocated then). Panics: as map_phys_region_to (a guard `ty` refuses
 * frames; an overlapping mapping that starts before `address`). */
kernel_error process_memory_create_regular_mapping(process_memory *pm, vaddr_t address, uint32_t length,
                                                   memory_type ty, mapping_access_rights flags);
/* ProcessMemory::map_partial_shared_mapping. Maps `length` bytes of the
 * shared frames, starting `phys_offset` bytes into them, at `address`.
 * Ownership: one reference of `shared_mapping` is consumed on every path
 * (dropped on error, held by the new mapping on success).
 * Errors: InvalidAddress { address } (unaligned, outside UserLand, or a
 * mapping starts inside the range); InvalidSize { 0 } for a zero length,
 * InvalidSize { length } when it is unaligned or longer than the frames
 * past `phys_offset`. Panics: when `phys_offset` lies past the end of the
 * frames (upstream's debug-mode subtraction overflow), when `ty` refuses
 * shared frames, or on an overlap the vacancy check misses. */
kernel_error process_memory_map_partial_shared_mapping(process_memory *pm, shared_frames *shared_mapping, vaddr_t address,
                                                       uint32_t phys_offset, uint32_t length, memory_type ty,
                                                       mapping_access_rights flags);
/* ProcessMemory::guard. Reserves [address, address + length) with guard
 * entries and a frameless mapping of type `ty` (Unmapped, Reserved or
 * KernelStack: the types that accept no frames).
 * Errors: InvalidAddress { address } when the range leaves UserLand or a
 * mapping starts inside it; from Mapping::new, InvalidAddress { address }
 * for an unaligned address and InvalidAddress { length } (sic: the length's
 * alignment is checked as an address's) for an unaligned length, and
 * WrongMappingFramesForTy { ty } for a type that needs frames. Panics: when `length` is 0 (upstream documents
 * InvalidSize, but contains_region asserts first), or when the guard lands
 * on a present page (an overlap the vacancy check misses). */
kernel_error process_memory_guard(process_memory *pm, vaddr_t address, uint32_t length, memory_type ty);
/* ProcessMemory::unmap. Removes the mapping that starts exactly at
 * `address` and is exactly `length` long, and clears its page-table
 * entries. Ownership: on success the mapping, with its frames, moves to
 * *out and the caller must mapping_drop it (that frees the frames).
 * Errors: InvalidAddress { address } when the range leaves UserLand or no
 * mapping starts at `address`; InvalidSize { length } when that mapping has
 * another length. Panics: when `length` is 0 (contains_region's assert). */
kernel_error process_memory_unmap(process_memory *pm, vaddr_t address, uint32_t length, mapping *out);
/* ProcessMemory::query_memory. The mapping containing `address`, or the
 * Unmapped hole around it (query_memory_mapping gives either). Never
 * fails. Ownership: the result borrows from *pm (a used mapping) or holds
 * a frameless mapping; it is valid until *pm changes. */
query_memory process_memory_query_memory(const process_memory *pm, vaddr_t address);
/* ProcessMemory::expand_mapping. Grows the Heap mapping containing
 * `address` to `new_size` bytes, with new frames after the old ones.
 * Errors: InvalidSize { new_size } when it is unaligned or smaller than the
 * mapping (equal: ok, nothing done); InvalidAddress { address } when no
 * mapping contains `address`, or the Heap mapping has owned or no frames;
 * InvalidMemState { address, ty } when the mapping is not a Heap;
 * InvalidAddress from the UserLand and vacancy checks of the added range;
 * PhysicalMemoryExhaustion. Panics: on arithmetic overflow. A Heap made
 * from part of a shared-frames vector is rebuilt over the whole vector from
 * offset 0, as upstream does (see the README's findings). */
kernel_error process_memory_expand_mapping(process_memory *pm, vaddr_t address, uint32_t new_size);
/* ProcessMemory::find_available_space. The lowest address of UserLand
 * where `length` bytes are unmapped, in *out. Errors: InvalidSize { 0 } for
 * a zero length; VirtualMemoryExhaustion when no hole is long enough. */
kernel_error process_memory_find_available_space(const process_memory *pm, uint32_t length, vaddr_t *out);
/* ProcessMemory::mirror_mapping. Maps `length` bytes of the mapping that
 * contains `address`, from `address` on, into KernelLand, in *out.
 * Ownership: on success *out holds the KernelLand window and one reference
 * to shared frames (if any); cross_process_mapping_drop releases both.
 * Errors: InvalidAddress { address } when `address` is outside UserLand or
 * in no mapping; InvalidMemState { the mapping's address, ty } when it has
 * no shared frames; InvalidSize { the page-rounded length } when the span
 * reaches past the shared frames (upstream checks against the frames, not
 * the mapping: see the README's findings); VirtualMemoryExhaustion when
 * KernelLand is full. Panics: when `length` is 0 at a page-aligned
 * `address` (an empty KernelLand search), on overflow. */
kernel_error process_memory_mirror_mapping(const process_memory *pm, vaddr_t address, uint32_t length,
                                           cross_process_mapping *out);
/* ProcessMemory::resize_heap. Creates the Heap at the heap base (u_rw)
 * when there is none and new_size > 0, or grows it (expand_mapping); a
 * smaller size changes nothing. The heap's address goes to *out on success.
 * Errors: those of create_regular_mapping and expand_mapping, and
 * InvalidAddress { heap base } when the heap would leave UserLand.
 * Panics: when new_size is 0 (contains_region's assert; upstream documents
 * that 0 deallocates the heap). */
kernel_error process_memory_resize_heap(process_memory *pm, uint32_t new_size, vaddr_t *out);
/* ProcessMemory::switch_to. Makes this process's directory the active one
 * (cr3); the previously active one becomes inactive. Never fails. */
void process_memory_switch_to(process_memory *pm);
/* ProcessMemory::check_range. Walks the mappings over [addr, addr + size):
 * each must have the first one's state and permissions, and state & mask /
 * permissions & mask must equal the expected values; the state, permissions
 * and attributes (always 0) of the last block go to *out. The three
 * attribute arguments are ignored, as upstream ignores them.
 * Errors: InvalidMemState { address of the first block that differs, its
 * ty }. Panics: when addr + size overflows, or a block's end does. */
kernel_error process_memory_check_range(const process_memory *pm, vaddr_t addr, uint32_t size,
                                        memory_state state_mask, memory_state state_expected,
                                        memory_permissions perms_mask, memory_permissions perms_expected,
                                        memory_attributes attrs_mask, memory_attributes attrs_expected,
                                        memory_attributes attrs_ignore_mask, check_range_result *out);
/* ProcessMemory::get_hierarchy (private upstream: the DynamicHierarchy).
 * The active hierarchy (recursive mapping) when this process is the
 * current one, else its inactive hierarchy (tables mapped one by one in
 * KernelLand). Borrowed: valid until the next switch_to or drop. */
table_hierarchy *process_memory_get_hierarchy(process_memory *pm);

#endif
