/* sunrise_mm/libkern.h -- upstream libkern/src/lib.rs (the memory types).
 *
 *   memory_type (enum)                     MemoryType (same discriminants)
 *   memory_state (u32 flags)               MemoryState
 *   memory_permissions (u32 flags)         MemoryPermissions
 *   memory_attributes (u32 flags)          MemoryAttributes
 *   memory_state_from_bits_truncate        MemoryState::from_bits_truncate
 *   memory_permissions_from_bits_truncate  MemoryPermissions::from_bits_truncate
 *   memory_state_ty                        MemoryState::ty
 *   memory_type_get_memory_state           MemoryType::get_memory_state
 *   memory_type_name                       <MemoryType as Debug>::fmt
 *   memory_type_from_name                  (no counterpart: parses a Debug name)
 */
#ifndef SUNRISE_MM_LIBKERN_H
#define SUNRISE_MM_LIBKERN_H

#include "../../kernel/libkern.h"

#endif
