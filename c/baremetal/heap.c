/* heap.c -- mach_alloc/mach_free: the port's kernel heap.
 *
 * A bump allocator over a fixed region of the direct map, with one free list
 * per power-of-two block size so freed blocks are reused. heap_reset()
 * releases everything at once between traces.
 */
#include "mach.h"
#include "machine.h"
#include "i386.h"

#define HDR_SIZE   16u          /* keeps payloads 16-byte aligned */
#define MIN_SHIFT  5u           /* smallest block: 32 bytes, header included */
#define NCLASSES   27u          /* up to 2 GiB blocks */
#define MAGIC_USED 0x48454150u  /* "HEAP" */
#define MAGIC_FREE 0x46524545u  /* "FREE" */

/* Header in front of every block. */
struct block {
	uint32_t cls;
	uint32_t magic;
	struct block *next; /* free list link while free */
	uint32_t metered; /* allocated while metering was on */
};

static uint32_t heap_base, heap_end, heap_bump;
static struct block *free_list[NCLASSES];
static int heap_metering;
static uint32_t heap_metered_live;

/* machine.h: kernel-heap accounting for the checker. */
int machine_heap_meter(int on)
{
	int was = heap_metering;
	heap_metering = on;
	return was;
}

uint32_t machine_heap_metered_live(void)
{
	return heap_metered_live;
}

/* Sets the heap region [base_va, end_va) and empties it. */
void heap_init(uint32_t base_va, uint32_t end_va)
{
	heap_base = (base_va + HDR_SIZE - 1) & ~(HDR_SIZE - 1);
	heap_end = end_va;
	heap_reset();
}

/* Releases every block. */
void heap_reset(void)
{
	heap_bump = heap_base;
	for (uint32_t i = 0; i < NCLASSES; i++)
		free_list[i] = NULL;
	heap_metering = 0;
	heap_metered_live = 0;
}

/* The smallest class whose blocks hold `size` payload bytes, or NCLASSES. */
static uint32_t class_of(size_t size)
{
	uint32_t c = 0;
	if (size > (1u << (MIN_SHIFT + NCLASSES - 1)) - HDR_SIZE)
		return NCLASSES;
	while ((1u << (MIN_SHIFT + c)) - HDR_SIZE < size)
		c++;
	return c;
}

/* mach.h: a block of at least `size` bytes, or NULL when exhausted. */
void *mach_alloc(size_t size)
{
	uint32_t c = class_of(size);
	struct block *b;

	if (c >= NCLASSES)
		return NULL;
	if (free_list[c]) {
		b = free_list[c];
		free_list[c] = b->next;
	} else {
		uint32_t bytes = 1u << (MIN_SHIFT + c);
		if (heap_end - heap_bump < bytes)
			return NULL;
		b = (struct block *)heap_bump;
		heap_bump += bytes;
		b->cls = c;
	}
	b->magic = MAGIC_USED;
	b->next = NULL;
	b->metered = heap_metering != 0;
	heap_metered_live += heap_metering != 0;
	return (char *)b + HDR_SIZE;
}

/* mach.h: returns a block from mach_alloc (NULL is ignored). A pointer that
 * is not a live block ends the trace as a crash. */
void mach_free(void *p)
{
	if (!p)
		return;
	struct block *b = (struct block *)((char *)p - HDR_SIZE);
	if ((uint32_t)b < heap_base || (uint32_t)b >= heap_bump ||
	    b->magic != MAGIC_USED || b->cls >= NCLASSES)
		trace_crashed("mach_free: not a live heap block");
	heap_metered_live -= b->metered != 0;
	b->metered = 0;
	b->magic = MAGIC_FREE;
	b->next = free_list[b->cls];
	free_list[b->cls] = b;
}
