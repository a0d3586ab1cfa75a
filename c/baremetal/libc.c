/* libc.c -- the few C library and compiler runtime routines a freestanding
 * i386 kernel needs: memory and string functions, 64-bit division and bit
 * counting. GCC compiles it with -fno-tree-loop-distribute-patterns so that
 * the loops below are not turned back into calls to themselves. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The compiler runtime routines GCC and Clang call on i386. */
uint64_t __udivmoddi4(uint64_t num, uint64_t den, uint64_t *rem);
uint64_t __udivdi3(uint64_t a, uint64_t b);
uint64_t __umoddi3(uint64_t a, uint64_t b);
int64_t __divdi3(int64_t a, int64_t b);
int64_t __moddi3(int64_t a, int64_t b);
int __popcountsi2(uint32_t x);
int __popcountdi2(uint64_t x);
int __ctzdi2(uint64_t x);
int __clzdi2(uint64_t x);

/* memset and memcpy move 32 bytes per loop iteration with plain 32-bit
 * stores: under QEMU's TCG a `rep stosl`/`rep movsl` costs one translated
 * block per element, about four times as much per byte. */

void *memset(void *dst, int c, size_t n)
{
	uint32_t w = (unsigned char)c * 0x01010101u;
	unsigned char *b = dst;

	for (; n && ((uintptr_t)b & 3); n--)
		*b++ = (unsigned char)c;
	uint32_t *p = (uint32_t *)b;
	for (; n >= 32; n -= 32, p += 8) {
		p[0] = w;
		p[1] = w;
		p[2] = w;
		p[3] = w;
		p[4] = w;
		p[5] = w;
		p[6] = w;
		p[7] = w;
	}
	for (; n >= 4; n -= 4)
		*p++ = w;
	for (b = (unsigned char *)p; n; n--)
		*b++ = (unsigned char)c;
	return dst;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *db = dst;
	const unsigned char *sb = src;

	if ((((uintptr_t)db | (uintptr_t)sb) & 3) == 0) {
		uint32_t *d = (uint32_t *)db;
		const uint32_t *s = (const uint32_t *)sb;
		for (; n >= 32; n -= 32, d += 8, s += 8) {
			uint32_t a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3];
			uint32_t a4 = s[4], a5 = s[5], a6 = s[6], a7 = s[7];
			d[0] = a0;
			d[1] = a1;
			d[2] = a2;
			d[3] = a3;
			d[4] = a4;
			d[5] = a5;
			d[6] = a6;
			d[7] = a7;
		}
		for (; n >= 4; n -= 4)
			*d++ = *s++;
		db = (unsigned char *)d;
		sb = (const unsigned char *)s;
	}
	for (; n; n--)
		*db++ = *sb++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d < s) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;
	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* 64-bit unsigned division by shift and subtract; the remainder goes to
 * *rem when rem is not NULL. */
uint64_t __udivmoddi4(uint64_t num, uint64_t den, uint64_t *rem)
{
	uint64_t q = 0, r = 0;
	for (int i = 63; i >= 0; i--) {
		r = (r << 1) | ((num >> i) & 1);
		if (r >= den) {
			r -= den;
			q |= (uint64_t)1 << i;
		}
	}
	if (rem)
		*rem = r;
	return q;
}

uint64_t __udivdi3(uint64_t a, uint64_t b)
{
	return __udivmoddi4(a, b, NULL);
}

uint64_t __umoddi3(uint64_t a, uint64_t b)
{
	uint64_t r;
	__udivmoddi4(a, b, &r);
	return r;
}

int64_t __divdi3(int64_t a, int64_t b)
{
	int neg = (a < 0) != (b < 0);
	uint64_t q = __udivmoddi4(a < 0 ? -(uint64_t)a : (uint64_t)a,
	                          b < 0 ? -(uint64_t)b : (uint64_t)b, NULL);
	return neg ? -(int64_t)q : (int64_t)q;
}

int64_t __moddi3(int64_t a, int64_t b)
{
	uint64_t r;
	__udivmoddi4(a < 0 ? -(uint64_t)a : (uint64_t)a,
	             b < 0 ? -(uint64_t)b : (uint64_t)b, &r);
	return a < 0 ? -(int64_t)r : (int64_t)r;
}

int __popcountsi2(uint32_t x)
{
	int n = 0;
	for (; x; x &= x - 1)
		n++;
	return n;
}

int __popcountdi2(uint64_t x)
{
	return __popcountsi2((uint32_t)x) + __popcountsi2((uint32_t)(x >> 32));
}

/* Trailing zeros of a non-zero 64-bit value (__builtin_ctzll). */
int __ctzdi2(uint64_t x)
{
	uint32_t lo = (uint32_t)x;
	return lo ? __builtin_ctz(lo) : 32 + __builtin_ctz((uint32_t)(x >> 32));
}

/* Leading zeros of a non-zero 64-bit value (__builtin_clzll). */
int __clzdi2(uint64_t x)
{
	uint32_t hi = (uint32_t)(x >> 32);
	return hi ? __builtin_clz(hi) : 32 + __builtin_clz((uint32_t)x);
}
