/* sunrise_mm/cross_process.h -- upstream kernel/src/paging/cross_process.rs.
 *
 *   cross_process_mapping                   CrossProcessMapping
 *   cross_process_mapping_mirror_mapping    CrossProcessMapping::mirror_mapping
 *   cross_process_mapping_addr              CrossProcessMapping::addr
 *   cross_process_mapping_len               CrossProcessMapping::len
 *   cross_process_mapping_drop              <CrossProcessMapping as Drop>::drop
 */
/* A CrossProcessMapping is a window in KernelLand onto the frames of a
 * UserLand mapping, so that the kernel reaches them whatever directory is
 * active. It holds one reference to the shared frames: they outlive the
 * process's mapping while the mirror lives. */
#ifndef SR_CROSS_PROCESS_H
#define SR_CROSS_PROCESS_H

#include "mapping.h"

typedef struct cross_process_mapping {
	vaddr_t kernel_address; /* with the requested offset */
	uint32_t len;           /* requested length */
	mapping mapping;        /* shares the frames */
} cross_process_mapping;

/* CrossProcessMapping::mirror_mapping: maps the pages of *m's frames
 * holding [offset, offset + len) of the mapping k_rw at the first free
 * space of KernelLand; *out's address is that window plus offset %
 * PAGE_SIZE. Ownership: *m is borrowed; on success *out holds a new
 * reference to its shared frames and must go to cross_process_mapping_drop.
 * Errors: InvalidMemState { m->address, ty } when *m has no shared frames;
 * VirtualMemoryExhaustion when KernelLand has no room; InvalidSize
 * { rounded length } when the span reaches past the frames. Panics: when
 * the rounded length is 0, on overflow. */
kernel_error cross_process_mapping_mirror_mapping(const mapping *m, uint32_t offset, uint32_t len, cross_process_mapping *out);
/* CrossProcessMapping::addr (the kernel address of `offset`) and ::len
 * (the requested length). Pure reads. */
static inline vaddr_t cross_process_mapping_addr(const cross_process_mapping *c) { return c->kernel_address; }
static inline uint32_t cross_process_mapping_len(const cross_process_mapping *c) { return c->len; }
/* Drop for CrossProcessMapping: unmaps the window from KernelLand (the
 * frames stay allocated) and releases its reference to the shared frames
 * (the last reference frees them). *c must not be used again. */
void cross_process_mapping_drop(cross_process_mapping *c);

#endif
