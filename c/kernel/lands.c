/* lands.c -- VirtualSpaceLand (upstream kernel/src/paging/lands.rs,
 * paging/arch/i386/lands.rs). */
#include "lands.h"

const land USER_LAND = { 0x00200000u, 0xbfffffffu };
const land KERNEL_LAND = { 0xc0000000u, 0xffbfffffu };
const land RECURSIVE_TABLES_LAND = { 0xffc00000u, 0xffffffffu };

/* VirtualSpaceLand::length */
uint32_t land_length(const land *l)
{
	return ck_add(ck_sub(l->end, l->start), 1);
}

/* VirtualSpaceLand::contains_address */
bool land_contains_address(const land *l, vaddr_t address)
{
	return l->start <= address && address <= l->end;
}

/* VirtualSpaceLand::contains_region */
bool land_contains_region(const land *l, vaddr_t start_address, uint32_t size)
{
	uint32_t end_address;
	kassert(size != 0, "contains_region : size == 0");
	if (!checked_add(start_address, size - 1, &end_address))
		return false;
	return land_contains_address(l, start_address) && land_contains_address(l, end_address);
}

/* VirtualSpaceLand::check_contains_address */
kernel_error land_check_contains_address(const land *l, vaddr_t address)
{
	return land_check_contains_region(l, address, 1);
}

/* VirtualSpaceLand::check_contains_region */
kernel_error land_check_contains_region(const land *l, vaddr_t address, uint32_t length)
{
	return land_contains_region(l, address, length) ? kerr_ok() : kerr_invalid_address(address);
}
