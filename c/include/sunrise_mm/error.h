/* sunrise_mm/error.h -- upstream kernel/src/error.rs.
 *
 *   kernel_error                       Result<(), KernelError>: kind KERR_NONE is Ok(()),
 *                                      any other kind an Err with its payload
 *   KERR_PHYSICAL_MEMORY_EXHAUSTION    KernelError::PhysicalMemoryExhaustion
 *   KERR_VIRTUAL_MEMORY_EXHAUSTION     KernelError::VirtualMemoryExhaustion
 *   KERR_INVALID_ADDRESS   (.address)  KernelError::InvalidAddress { address }
 *   KERR_INVALID_SIZE      (.size)     KernelError::InvalidSize { size }
 *   KERR_WRONG_MAPPING_FRAMES_FOR_TY   KernelError::WrongMappingFramesForTy { ty }
 *                          (.ty)
 *   KERR_INVALID_MEM_STATE (.address,  KernelError::InvalidMemState { address, ty }
 *                           .ty)
 *   kerr_ok, kerr_invalid_address, ... constructors of the above
 *   KERR_IS_OK(e)                      Result::is_ok
 *   TRY(e)                             the `?` operator
 *   EXPECT(e, msg)                     Result::expect (a panic)
 *   kernel_error_name                  the variant's name
 *
 * Only the variants the memory module returns exist; the backtraces have no
 * counterpart.
 */
#ifndef SUNRISE_MM_ERROR_H
#define SUNRISE_MM_ERROR_H

#include "../../kernel/error.h"

#endif
