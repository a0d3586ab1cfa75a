/* frame_allocator.c -- the i386 bitmap frame allocator
 * (upstream kernel/src/frame_allocator/i386.rs and mod.rs).
 *
 * The bitmap is scanned a word at a time, but every function returns exactly
 * the frames upstream's bit-by-bit loops return: allocate_region takes the
 * lowest run of free frames long enough, allocate_frames_fragmented takes the
 * lowest free frames, grouped in maximal runs, in ascending order. */
#include "frame_allocator.h"

#define WORDS (FRAMES_BITMAP_BITS / 64)

static uint64_t memory_bitmap[WORDS]; /* set bit: FRAME_FREE */
static bool initialized;
/* The words of memory_bitmap at and above free_words_end are all zero (every
 * frame there reserved or allocated), so scans for a free frame stop there
 * and frame_allocator_init_all_reserved clears only the words below it. A
 * bound only: every function returns what a scan of the whole bitmap
 * returns. */
static uint32_t free_words_end;
static uint32_t free_frames; /* number of set bits, kept up to date */

/* Frame number of a physical address. */
static inline uint32_t addr_to_frame(uint32_t addr) { return addr >> 12; }
/* Physical address of a frame number. */
static inline uint32_t frame_to_addr(uint32_t frame) { return frame << 12; }

/* BitArray::get_bit: true when the frame is free. */
static inline bool get_bit(uint32_t i) { return (memory_bitmap[i / 64] >> (i % 64)) & 1; }

/* BitArray::set_bit */
static inline void set_bit(uint32_t i, bool free)
{
	uint64_t bit = (uint64_t)1 << (i % 64);
	bool was_free = (memory_bitmap[i / 64] & bit) != 0;
	if (free) {
		memory_bitmap[i / 64] |= bit;
		if (i / 64 >= free_words_end)
			free_words_end = i / 64 + 1;
		free_frames += !was_free;
	} else {
		memory_bitmap[i / 64] &= ~bit;
		free_frames -= was_free;
	}
}

/* BitArrayExt::set_bits_area over frames [from, to). */
static void set_bits_area(uint32_t from, uint32_t to, bool free)
{
	for (uint32_t i = from; i < to; i++)
		set_bit(i, free);
}

/* First free frame at or after `from` (below FRAMES_BITMAP_BITS, which
 * every caller's loop bound ensures), FRAMES_BITMAP_BITS if none. The word
 * of `from` is read even at or past free_words_end: it is zero there. */
static uint32_t next_free(uint32_t from)
{
	uint32_t w = from / 64;
	uint64_t bits = memory_bitmap[w] & (~(uint64_t)0 << (from % 64));
	while (!bits) {
		if (++w >= free_words_end)
			return FRAMES_BITMAP_BITS;
		bits = memory_bitmap[w];
	}
	return w * 64 + (uint32_t)__builtin_ctzll(bits);
}

/* First occupied frame in [from, to), `to` if there is none. */
static uint32_t next_occupied(uint32_t from, uint32_t to)
{
	uint32_t i = from;
	while (i < to) {
		uint64_t occ = ~memory_bitmap[i / 64] & (~(uint64_t)0 << (i % 64));
		if (occ) {
			uint32_t found = (i / 64) * 64 + (uint32_t)__builtin_ctzll(occ);
			return found < to ? found : to;
		}
		i = (i / 64 + 1) * 64;
	}
	return to;
}

/* Every frame reserved and the allocator initialized. */
void frame_allocator_init_all_reserved(void)
{
	memset(memory_bitmap, 0, free_words_end * sizeof(memory_bitmap[0]));
	free_frames = free_words_end = 0;
	initialized = true;
}

/* i386.rs mark_area_free */
void frame_allocator_mark_area_free(paddr_t start_addr, paddr_t end_addr)
{
	set_bits_area(addr_to_frame(round_to_page_upper(start_addr)),
	              addr_to_frame(round_to_page(end_addr)), true);
}

/* i386.rs mark_area_reserved */
void frame_allocator_mark_area_reserved(paddr_t start_addr, paddr_t end_addr)
{
	set_bits_area(addr_to_frame(round_to_page(start_addr)),
	              addr_to_frame(round_to_page_upper(end_addr)), false);
}

/* i386.rs mark_frame_bootstrap_allocated */
void mark_frame_bootstrap_allocated(paddr_t addr)
{
	kassert((addr & 0xfff) == 0, "mark_frame_bootstrap_allocated: unaligned frame");
	uint32_t bit = addr_to_frame(addr);
	if (!get_bit(bit))
		panic("Frame being marked reserved was already allocated");
	set_bit(bit, false);
}

/* FrameAllocator::free_region */
void frame_allocator_free_region(const physical_mem_region *region)
{
	if (region->frames > 0) {
		uint32_t size = physical_mem_region_size(region);
		kassert(frame_allocator_check_is_allocated(region->start_addr, size),
		        "PhysMemRegion beeing freed was not allocated");
		kassert(initialized, "The frame allocator was not initialized");
		set_bits_area(addr_to_frame(region->start_addr),
		              addr_to_frame(ck_add(region->start_addr, size)), true);
	}
}

/* FrameAllocator::check_is_allocated */
bool frame_allocator_check_is_allocated(paddr_t address, uint32_t length)
{
	kassert(initialized, "The frame allocator was not initialized");
	uint32_t start = round_to_page(address);
	uint32_t end = round_to_page_upper(ck_add(address, length));
	if (start >= end)
		return true;
	return next_free(addr_to_frame(start)) >= addr_to_frame(end);
}

/* FrameAllocator::check_is_reserved */
bool frame_allocator_check_is_reserved(paddr_t address, uint32_t length)
{
	return frame_allocator_check_is_allocated(address, length);
}

/* FrameAllocator::allocate_region */
kernel_error frame_allocator_allocate_region(uint32_t length, physical_mem_region *out)
{
	TRY(check_nonzero_length(length));
	TRY(check_size_aligned(length, PAGE_SIZE));
	uint32_t nr_frames = length / PAGE_SIZE;
	kassert(initialized, "The frame allocator was not initialized");

	uint32_t start_index = 0;
	while (start_index + nr_frames <= FRAMES_BITMAP_BITS) {
		uint32_t f = next_free(start_index);
		if (f + nr_frames > FRAMES_BITMAP_BITS)
			break;
		uint32_t occ = next_occupied(f, f + nr_frames);
		if (occ == f + nr_frames) {
			set_bits_area(f, f + nr_frames, false);
			out->start_addr = frame_to_addr(f);
			out->frames = nr_frames;
			out->should_free_on_drop = true;
			return kerr_ok();
		}
		start_index = occ + 1;
	}
	return kerr_physical_memory_exhaustion();
}

/* FrameAllocatorTrait::allocate_frame */
kernel_error frame_allocator_allocate_frame(physical_mem_region *out)
{
	return frame_allocator_allocate_region(PAGE_SIZE, out);
}

/* FrameAllocator::allocate_frames_fragmented */
kernel_error frame_allocator_allocate_frames_fragmented(uint32_t length, region_vec *out)
{
	TRY(check_nonzero_length(length));
	TRY(check_size_aligned(length, PAGE_SIZE));
	uint32_t requested = length / PAGE_SIZE;
	kassert(initialized, "The frame allocator was not initialized");

	uint32_t collected_frames = 0;
	region_vec collected_regions = region_vec_new();
	uint32_t hole = 0; /* frame number where the current hole starts */
	while (hole + (requested - collected_frames) <= FRAMES_BITMAP_BITS) {
		if (!get_bit(hole)) {
			/* upstream steps one frame at a time over occupied frames */
			hole = next_free(hole);
			continue;
		}
		uint32_t frames = 0;
		while (frames < requested - collected_frames && get_bit(hole + frames)) {
			set_bit(hole + frames, false);
			frames++;
		}
		collected_frames += frames;
		physical_mem_region r = { frames, frame_to_addr(hole), true };
		region_vec_push(&collected_regions, r);
		if (collected_frames == requested) {
			*out = collected_regions;
			return kerr_ok();
		}
		/* the next hole starts after the occupied frame that ended this one */
		uint32_t next;
		if (!checked_add(frame_to_addr(hole), ck_mul(ck_add(frames, 1), PAGE_SIZE), &next))
			break;
		hole = addr_to_frame(next);
	}
	region_vec_drop(&collected_regions);
	return kerr_physical_memory_exhaustion();
}

/* Number of free frames. */
uint32_t frame_allocator_free_count(void)
{
	return free_frames;
}

/* Whether frame `frame` is free. */
bool frame_allocator_frame_is_free(uint32_t frame)
{
	return frame < FRAMES_BITMAP_BITS && get_bit(frame);
}

