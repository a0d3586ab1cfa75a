/* sunrise_mm/mapping.h -- upstream kernel/src/paging/mapping.rs, and
 * MappingAccessRights of paging/mod.rs.
 *
 *   mapping_access_rights (u32 flags)       MappingAccessRights
 *   mapping_access_rights_to_memory_permissions  From<MappingAccessRights> for MemoryPermissions
 *   shared_frames                           Arc<SpinRwLock<Vec<PhysicalMemRegion>>>
 *   shared_frames_new / _clone / _drop      Arc::new / Arc::clone / <Arc as Drop>::drop
 *   mapping_frames                          MappingFrames (None, Owned, Shared)
 *   mapping_frames_none / _owned / _shared  the MappingFrames variants
 *   mapping_frames_drop                     <MappingFrames as Drop>::drop
 *   mapping                                 Mapping
 *   mapping_new                             Mapping::new
 *   mapping_drop                            <Mapping as Drop>::drop
 *   mapping_address                         Mapping::address
 *   mapping_length                          Mapping::length
 *   mapping_frames_of                       Mapping::frames
 *   mapping_phys_offset                     Mapping::phys_offset
 *   mapping_state                           Mapping::state
 *   mapping_flags                           Mapping::flags
 *   mapping_frames_it                       Mapping::frames_it
 *   frame_iter, frame_iter_region,          the frame iterators: PhysicalMemRegion::into_iter,
 *   frame_iter_vec                          Vec::iter().flatten()
 *   frame_iter_next / _peek / _count        Iterator::next, Peekable::peek, Iterator::count
 */
#ifndef SUNRISE_MM_MAPPING_H
#define SUNRISE_MM_MAPPING_H

#include "../../kernel/mapping.h"

#endif
