/* sunrise_mm/mem.h -- upstream kernel/src/mem.rs and the alignment helpers
 * of libutils.
 *
 *   vaddr_t / paddr_t                  VirtualAddress / PhysicalAddress (i386 usize)
 *   PAGE_SIZE, ENTRY_COUNT             paging::PAGE_SIZE, arch ENTRY_COUNT
 *   ck_add / ck_sub / ck_mul           usize `+`, `-`, `*` of a debug build (panic on overflow)
 *   checked_add                        usize::checked_add
 *   align_down / align_up              libutils::align_down / align_up
 *   align_up_checked                   libutils::align_up_checked
 *   div_ceil                           libutils::div_ceil
 *   round_to_page / round_to_page_upper  mem::round_to_page / round_to_page_upper
 *   panic(msg), kassert(c, msg)        panic!, assert!
 */
/* Every `+`, `-` and `*` that upstream performs on a usize goes
 * through ck_add/ck_sub/ck_mul here: upstream's default build is a debug
 * build, where an overflow panics instead of wrapping. */
#ifndef SR_MEM_H
#define SR_MEM_H

#include "mach.h"

#define PAGE_SIZE 4096u
#define ENTRY_COUNT 1024u
#define USIZE_MAX 0xffffffffu

#define SR_STR2(x) #x
#define SR_STR(x) SR_STR2(x)
#define SR_HERE __FILE__ ":" SR_STR(__LINE__)

/* panic("where: why") */
#define panic(msg) mach_panic(SR_HERE ": " msg)
/* assert!(cond, msg) */
#define kassert(cond, msg) do { if (!(cond)) panic(msg); } while (0)

/* a + b, panicking on overflow. */
static inline uint32_t ck_add_at(uint32_t a, uint32_t b, const char *where)
{
	uint32_t r;
	if (__builtin_add_overflow(a, b, &r))
		mach_panic(where);
	return r;
}

/* a - b, panicking on underflow. */
static inline uint32_t ck_sub_at(uint32_t a, uint32_t b, const char *where)
{
	uint32_t r;
	if (__builtin_sub_overflow(a, b, &r))
		mach_panic(where);
	return r;
}

/* a * b, panicking on overflow. */
static inline uint32_t ck_mul_at(uint32_t a, uint32_t b, const char *where)
{
	uint32_t r;
	if (__builtin_mul_overflow(a, b, &r))
		mach_panic(where);
	return r;
}

#define ck_add(a, b) ck_add_at((a), (b), SR_HERE ": attempt to add with overflow")
#define ck_sub(a, b) ck_sub_at((a), (b), SR_HERE ": attempt to subtract with overflow")
#define ck_mul(a, b) ck_mul_at((a), (b), SR_HERE ": attempt to multiply with overflow")

/* checked_add: false when a + b overflows. */
static inline bool checked_add(uint32_t a, uint32_t b, uint32_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

/* libutils align_down: addr rounded down to `align` (a power of two). */
static inline uint32_t align_down(uint32_t addr, uint32_t align)
{
	return addr & ~ck_sub(align, 1);
}

/* libutils align_up: panics when addr + align - 1 overflows. */
static inline uint32_t align_up(uint32_t addr, uint32_t align)
{
	return align_down(ck_add(addr, ck_sub(align, 1)), align);
}

/* libutils align_up_checked: false when rounding up overflows. */
static inline bool align_up_checked(uint32_t addr, uint32_t align, uint32_t *out)
{
	if ((addr & (align - 1)) == 0) {
		*out = addr;
		return true;
	}
	return checked_add(addr, align - (addr % align), out);
}

/* libutils div_ceil: a / b rounded up. Pure; b must not be 0. */
static inline uint32_t div_ceil(uint32_t a, uint32_t b)
{
	return a % b != 0 ? a / b + 1 : a / b;
}

/* mem.rs round_to_page / round_to_page_upper: addr rounded down / up to a
 * page. Panics: round_to_page_upper, when rounding up passes 4 GiB. */
static inline uint32_t round_to_page(uint32_t addr) { return align_down(addr, PAGE_SIZE); }
static inline uint32_t round_to_page_upper(uint32_t addr) { return align_up(addr, PAGE_SIZE); }

/* Freestanding helpers the port needs, with the C library's contract
 * (provided by libc when hosted, by the backend on bare metal). */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);

#endif
