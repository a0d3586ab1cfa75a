/* cross_process.c -- CrossProcessMapping (upstream kernel/src/paging/cross_process.rs). */
#include "cross_process.h"
#include "kernel_memory.h"

/* CrossProcessMapping::mirror_mapping */
kernel_error cross_process_mapping_mirror_mapping(const mapping *m, uint32_t offset, uint32_t len, cross_process_mapping *out)
{
	if (m->frames.kind != MAPPING_FRAMES_SHARED)
		return kerr_invalid_mem_state(m->address, memory_state_ty(m->state));
	mapping_frames frames = mapping_frames_shared(shared_frames_clone(m->frames.shared));

	uint32_t full_len = align_up(ck_add(offset % PAGE_SIZE, len), PAGE_SIZE);
	kernel_memory *kmem = get_kernel_memory();
	vaddr_t kernel_map_start;
	kernel_error e = kernel_memory_find_virtual_space(kmem, full_len, &kernel_map_start);
	if (!KERR_IS_OK(e)) {
		mapping_frames_drop(&frames);
		return e;
	}
	uint32_t full_offset = ck_add(mapping_phys_offset(m), align_down(offset, PAGE_SIZE));
	mapping new_mapping;
	TRY(mapping_new(kernel_map_start, frames, full_offset, full_len, memory_state_ty(m->state),
	                MAPPING_ACCESS_RIGHTS_K_RW, &new_mapping));
	kernel_memory_map_frame_iterator_to(kmem, mapping_frames_it(&new_mapping), kernel_map_start, MAPPING_ACCESS_RIGHTS_K_RW);
	out->kernel_address = ck_add(kernel_map_start, offset % PAGE_SIZE);
	out->len = len;
	out->mapping = new_mapping;
	return kerr_ok();
}

/* Drop for CrossProcessMapping */
void cross_process_mapping_drop(cross_process_mapping *c)
{
	kernel_memory_unmap_no_dealloc(get_kernel_memory(), c->mapping.address, c->mapping.length);
	mapping_drop(&c->mapping);
}
