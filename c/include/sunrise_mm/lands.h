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
/* lands.h -- VirtualSpaceLand (upstream kernel/src/paging/lands.rs) and the
 * i386 layout of the lands (paging/arch/i386/lands.rs). */
#ifndef SR_LANDS_H
#define SR_LANDS_H

#include "checks.h"

/* A land: [start, end], both inclusive. */
typedef struct land {
	vaddr_t start;
	vaddr_t end;
} land;

extern const land USER_LAND;             /* 0x00200000 - 0xbfffffff */
extern const land KERNEL_LAND;           /* 0xc0000000 - 0xffbfffff */
extern const land RECURSIVE_TABLES_LAND; /* 0xffc00000 - 0xffffffff */

#define DIRECTORY_RECURSIVE_ADDRESS 0xfffff000u
#define USERLAND_START_TABLE (0x00200000u / (PAGE_SIZE * ENTRY_COUNT))
#define USERLAND_END_TABLE (0xbfffffffu / (PAGE_SIZE * ENTRY_COUNT))
#define KERNELLAND_START_TABLE (0xc0000000u / (PAGE_SIZE * ENTRY_COUNT))
#define KERNELLAND_END_TABLE (0xffbfffffu / (PAGE_SIZE * ENTRY_COUNT))

/* VirtualSpaceLand::start_addr */
static inline vaddr_t land_start_addr(const land *l) { return l->start; }
/* VirtualSpaceLand::end_addr */
static inline vaddr_t land_end_addr(const land *l) { return l->end; }
/* VirtualSpaceLand::length */
uint32_t land_length(const land *l);
/* VirtualSpaceLand::contains_address */
bool land_contains_address(const land *l, vaddr_t address);
/* VirtualSpaceLand::contains_region: panics when size is 0. */
bool land_contains_region(const land *l, vaddr_t start_address, uint32_t size);
/* VirtualSpaceLand::check_contains_address: InvalidAddress when outside. */
kernel_error land_check_contains_address(const land *l, vaddr_t address);
/* VirtualSpaceLand::check_contains_region: InvalidAddress { address }. */
kernel_error land_check_contains_region(const land *l, vaddr_t address, uint32_t length);

#endif
