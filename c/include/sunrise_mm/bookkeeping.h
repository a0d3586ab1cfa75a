/* sunrise_mm/bookkeeping.h -- upstream kernel/src/paging/bookkeeping.rs.
 *
 *   userspace_bookkeeping                       UserspaceBookkeeping (the BTreeMap is an AVL tree)
 *   query_memory                                QueryMemory (Available / Used)
 *   query_memory_mapping                        QueryMemory::mapping
 *   userspace_bookkeeping_new                   UserspaceBookkeeping::new
 *   userspace_bookkeeping_drop                  <UserspaceBookkeeping as Drop>::drop
 *   userspace_bookkeeping_mapping_at_or_following  ::mapping_at_or_following
 *   userspace_bookkeeping_mapping_at_or_preceding  ::mapping_at_or_preceding
 *   userspace_bookkeeping_mapping_at            ::mapping_at
 *   userspace_bookkeeping_occupied_mapping_at   ::occupied_mapping_at
 *   userspace_bookkeeping_is_vacant             ::is_vacant
 *   userspace_bookkeeping_check_vacant          ::check_vacant
 *   userspace_bookkeeping_add_mapping           ::add_mapping
 *   userspace_bookkeeping_remove_mapping        ::remove_mapping
 *   userspace_bookkeeping_remove_mapping_split  ::remove_mapping_split (unimplemented!: panics)
 *   userspace_bookkeeping_find_available_space  ::find_available_space
 *   userspace_bookkeeping_first / _next         BTreeMap::values() (in-order walk)
 */
#ifndef SUNRISE_MM_BOOKKEEPING_H
#define SUNRISE_MM_BOOKKEEPING_H

#include "../../kernel/bookkeeping.h"

#endif
