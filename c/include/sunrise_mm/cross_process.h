/* sunrise_mm/cross_process.h -- upstream kernel/src/paging/cross_process.rs.
 *
 *   cross_process_mapping                   CrossProcessMapping
 *   cross_process_mapping_mirror_mapping    CrossProcessMapping::mirror_mapping
 *   cross_process_mapping_addr              CrossProcessMapping::addr
 *   cross_process_mapping_len               CrossProcessMapping::len
 *   cross_process_mapping_drop              <CrossProcessMapping as Drop>::drop
 */
/* cross_process.h -- CrossProcessMapping: a UserLand mapping mirrored in
 * KernelLand, counterpart of upstream kernel/src/paging/cross_process.rs. */
#ifndef SR_CROSS_PROCESS_H
#define SR_CROSS_PROCESS_H

#include "mapping.h"

typedef struct cross_process_mapping {
	vaddr_t kernel_address; /* with the requested offset */
	uint32_t len;           /* requested length */
	mapping mapping;        /* shares the frames */
} cross_process_mapping;

/* CrossProcessMapping::mirror_mapping: only Shared mappings can be mirrored. */
kernel_error cross_process_mapping_mirror_mapping(const mapping *m, uint32_t offset, uint32_t len, cross_process_mapping *out);
/* CrossProcessMapping::addr */
static inline vaddr_t cross_process_mapping_addr(const cross_process_mapping *c) { return c->kernel_address; }
/* CrossProcessMapping::len */
static inline uint32_t cross_process_mapping_len(const cross_process_mapping *c) { return c->len; }
/* Drop for CrossProcessMapping: unmaps it from KernelLand. */
void cross_process_mapping_drop(cross_process_mapping *c);

#endif
