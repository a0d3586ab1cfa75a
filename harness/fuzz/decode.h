/* decode.h -- turns fuzzer bytes into a valid TRACE_FORMAT v1 operation
 * sequence, one line at a time.
 *
 * Encoding (srdiff encode writes it; see harness/fuzz/README.md):
 *   byte 0       phys header: >= 0x80 means (byte & 0x0f) phys lines follow,
 *                each: kind (even free, odd reserve), selector (< 0xf0: a
 *                table entry; else start u32, end u32, little-endian)
 *   then ops     opcode byte, then its arguments: byte % 64 below the
 *                number of operation rows of harness/ops.def is that row
 *                (table order), above it a weighted pick (decode.c);
 *                a number is a class byte then the class's payload; class 3
 *                is always a raw little-endian u32
 * Names are indices: processes P0..P7, shms S0..S7, mirrors M0..M15. The
 * decoder only ever names what is live, and learns whether a binding line
 * succeeded from the result line fed back to it. */
#ifndef SR_DECODE_H
#define SR_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DEC_PROCS 8
#define DEC_SHMS 8
#define DEC_MIRRORS 16
#define DEC_RECENT 16

typedef struct decoder {
	const uint8_t *p, *end;
	bool header_done;
	int nphys;          /* phys lines still to emit */
	bool proc_live[DEC_PROCS];
	int selected;       /* -1: none */
	bool shm_live[DEC_SHMS];
	bool mirror_live[DEC_MIRRORS];
	uint32_t mirror_len[DEC_MIRRORS];
	/* what the last line binds if its result is `ok` */
	int pending_kind;   /* 0 none, 1 shm, 2 mirror, 3 region */
	int pending_idx;
	uint32_t pending_a, pending_b;
	uint32_t recent_addr[DEC_RECENT], recent_len[DEC_RECENT];
	int nrecent;
	int recent_next;
} decoder;

void decoder_init(decoder *d, const uint8_t *data, size_t len);
/* Writes the next line (no '\n') into buf; returns its length, 0 at the end. */
size_t decoder_next(decoder *d, char *buf, size_t cap);
/* The result line (may end with '\n') of the line just returned. */
void decoder_feedback(decoder *d, const char *result, size_t n);

#endif
