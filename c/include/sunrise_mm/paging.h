/* sunrise_mm/paging.h -- MappingAccessRights of upstream
 * kernel/src/paging/mod.rs.
 *
 *   mapping_access_rights (u32 flags)       MappingAccessRights
 *   MAPPING_ACCESS_RIGHTS_*                 its flags (READABLE, WRITABLE,
 *                                           EXECUTABLE, USER_ACCESSIBLE) and
 *                                           the k_w / k_rw shorthands
 *
 * Its own header so that the i386 entries (arch/i386/entry.h), which turn
 * rights into entry flags, need nothing of mapping.h: the page tables sit
 * below the mappings. From<MappingAccessRights> for MemoryPermissions is in
 * mapping.h. */
#ifndef SR_PAGING_H
#define SR_PAGING_H

#include <stdint.h>

typedef uint32_t mapping_access_rights;
#define MAPPING_ACCESS_RIGHTS_READABLE 1u
#define MAPPING_ACCESS_RIGHTS_WRITABLE 2u
#define MAPPING_ACCESS_RIGHTS_EXECUTABLE 4u
#define MAPPING_ACCESS_RIGHTS_USER_ACCESSIBLE 8u
#define MAPPING_ACCESS_RIGHTS_K_W MAPPING_ACCESS_RIGHTS_WRITABLE
#define MAPPING_ACCESS_RIGHTS_K_RW (MAPPING_ACCESS_RIGHTS_READABLE | MAPPING_ACCESS_RIGHTS_WRITABLE)

#endif
