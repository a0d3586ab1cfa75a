/* sunrise_mm/lands.h -- upstream kernel/src/paging/lands.rs and
 * paging/arch/i386/lands.rs.
 *
 *   land, USER_LAND, KERNEL_LAND,      the VirtualSpaceLand trait and its UserLand,
 *   RECURSIVE_TABLES_LAND              KernelLand, RecursiveTablesLand implementors
 *   land_start_addr / land_end_addr    VirtualSpaceLand::start_addr / end_addr
 *   land_length                        VirtualSpaceLand::length
 *   land_contains_address              VirtualSpaceLand::contains_address
 *   land_contains_region               VirtualSpaceLand::contains_region
 *   land_check_contains_address        VirtualSpaceLand::check_contains_address
 *   land_check_contains_region         VirtualSpaceLand::check_contains_region
 *   USERLAND_START_TABLE, ...          the i386 lands' table indexes
 *   DIRECTORY_RECURSIVE_ADDRESS        arch::i386::table::DIRECTORY_RECURSIVE_ADDRESS
 */
#ifndef SUNRISE_MM_LANDS_H
#define SUNRISE_MM_LANDS_H

#include "../../kernel/lands.h"

#endif
