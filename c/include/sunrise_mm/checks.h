/* sunrise_mm/checks.h -- upstream kernel/src/checks.rs, and
 * VirtualAddress/PhysicalAddress::check_aligned_to of kernel/src/mem.rs.
 *
 *   check_size_aligned(size, align)    checks::check_size_aligned   (InvalidSize)
 *   check_nonzero_length(length)       checks::check_nonzero_length (InvalidSize { 0 })
 *   address_check_aligned_to(a, align) {Virtual,Physical}Address::check_aligned_to
 *                                      (InvalidAddress)
 */
#ifndef SR_CHECKS_H
#define SR_CHECKS_H

#include "error.h"
#include "mem.h"

/* check_size_aligned: InvalidSize { size } unless size % alignment == 0. */
static inline kernel_error check_size_aligned(uint32_t size, uint32_t alignment)
{
	return size % alignment == 0 ? kerr_ok() : kerr_invalid_size(size);
}

/* check_nonzero_length: InvalidSize { 0 } for a zero length. */
static inline kernel_error check_nonzero_length(uint32_t length)
{
	return length == 0 ? kerr_invalid_size(0) : kerr_ok();
}

/* {Virtual,Physical}Address::check_aligned_to: Ok when `address` is a
 * multiple of `alignment`; else InvalidAddress { address }. Pure. */
static inline kernel_error address_check_aligned_to(uint32_t address, uint32_t alignment)
{
	return address % alignment == 0 ? kerr_ok() : kerr_invalid_address(address);
}

#endif
