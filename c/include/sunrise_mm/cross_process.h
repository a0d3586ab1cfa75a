/* sunrise_mm/cross_process.h -- upstream kernel/src/paging/cross_process.rs.
 *
 *   cross_process_mapping                   CrossProcessMapping
 *   cross_process_mapping_mirror_mapping    CrossProcessMapping::mirror_mapping
 *   cross_process_mapping_addr              CrossProcessMapping::addr
 *   cross_process_mapping_len               CrossProcessMapping::len
 *   cross_process_mapping_drop              <CrossProcessMapping as Drop>::drop
 */
#ifndef SUNRISE_MM_CROSS_PROCESS_H
#define SUNRISE_MM_CROSS_PROCESS_H

#include "../../kernel/cross_process.h"

#endif
