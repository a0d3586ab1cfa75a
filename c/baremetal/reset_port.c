/* reset_port.c -- marks the page-table frames the port takes, for reset.c.
 * The port kernel is linked with --wrap=frame_allocator_allocate_frame, so
 * the port's calls (table.c, kernel_memory.c) come here first. */
#include "frame_allocator.h"

void reset_mark_dirty(uint32_t pa); /* reset.c */

kernel_error __real_frame_allocator_allocate_frame(physical_mem_region *out);
kernel_error __wrap_frame_allocator_allocate_frame(physical_mem_region *out);

kernel_error __wrap_frame_allocator_allocate_frame(physical_mem_region *out)
{
	kernel_error e = __real_frame_allocator_allocate_frame(out);

	if (KERR_IS_OK(e))
		reset_mark_dirty(physical_mem_region_address(out));
	return e;
}
