/* sunrise_mm/checks.h -- upstream kernel/src/checks.rs, and
 * VirtualAddress/PhysicalAddress::check_aligned_to of kernel/src/mem.rs.
 *
 *   check_size_aligned(size, align)    checks::check_size_aligned   (InvalidSize)
 *   check_nonzero_length(length)       checks::check_nonzero_length (InvalidSize { 0 })
 *   address_check_aligned_to(a, align) {Virtual,Physical}Address::check_aligned_to
 *                                      (InvalidAddress)
 */
#ifndef SUNRISE_MM_CHECKS_H
#define SUNRISE_MM_CHECKS_H

#include "../../kernel/checks.h"

#endif
