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
/* The three lands split the 4 GiB virtual space: UserLand (from 2 MiB),
 * KernelLand and RecursiveTablesLand (the last 4 MiB, the recursive
 * mapping). Everything here is a pure function of its arguments. */
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

/* VirtualSpaceLand::start_addr, end_addr (inclusive) and length (end -
 * start + 1). Panics: length, when it is 2^32 (no land is). */
static inline vaddr_t land_start_addr(const land *l) { return l->start; }
static inline vaddr_t land_end_addr(const land *l) { return l->end; }
uint32_t land_length(const land *l);
/* VirtualSpaceLand::contains_address: start <= address <= end. */
bool land_contains_address(const land *l, vaddr_t address);
/* VirtualSpaceLand::contains_region: whether [start_address, start_address
 * + size) lies inside the land (false when it wraps past 4 GiB). Panics:
 * when size is 0 (upstream's assert; the source of the zero-length panics
 * of guard, unmap and resize_heap). */
bool land_contains_region(const land *l, vaddr_t start_address, uint32_t size);
/* VirtualSpaceLand::check_contains_address: contains_region(address, 1) as
 * an error. Errors: InvalidAddress { address } when outside. */
kernel_error land_check_contains_address(const land *l, vaddr_t address);
/* VirtualSpaceLand::check_contains_region: contains_region as an error.
 * Errors: InvalidAddress { address } when the region is not inside.
 * Panics: when length is 0. */
kernel_error land_check_contains_region(const land *l, vaddr_t address, uint32_t length);

#endif
