/* srio.h -- the shared-memory link between the trace kernel and the host
 * (harness/qemu_runner.py, which mirrors these numbers).
 *
 * Guest RAM is a file the host maps too (QEMU memory-backend-file,
 * share=on). The kernel command line names the physical address of the
 * I/O area ("srio=0x..."); it starts with `struct srio_ctrl` (one page),
 * followed by two byte rings:
 *
 *   input ring  (host -> guest): the traces to replay, as records;
 *   output ring (guest -> host): each trace's stdout and stderr bytes and
 *                                its exit status, as records.
 *
 * A record is a header { u32 type; u32 len; } followed by `len` payload
 * bytes, padded to 8. A record never wraps: when it does not fit before
 * the end of the ring, the writer puts a PAD record there (whose length is
 * ignored) and starts again at offset 0. Positions are free-running u32
 * byte counts; the offset in a ring is the count modulo its size (a power
 * of two). A writer publishes a record by storing its new head after the
 * record's bytes (both sides are x86: stores are seen in order).
 *
 * The guest rings the doorbell (one byte, SRIO_BELL, written to the
 * isa-debugcon port 0xe9) after each finished trace, before it waits for
 * input or for room in the output ring, and after consuming input when the
 * host asked for it (want_space). Other bytes on that port are text for a
 * human (the reason the kernel stopped, when it cannot go on).
 */
#ifndef SR_I386_SRIO_H
#define SR_I386_SRIO_H

#include <stdint.h>

#define SRIO_MAGIC     0x4f495253u /* "SRIO" */
#define SRIO_VERSION   1u
#define SRIO_BELL      0x07
#define SRIO_DEBUGCON  0xe9

/* Input record types (host -> guest). */
enum {
	SRIO_IN_BEGIN = 1, /* u32 id, u32 flags (SRIO_F_*), file name bytes */
	SRIO_IN_DATA = 2,  /* trace text: whole lines (the last one of a trace
	                    * may lack its newline) */
	SRIO_IN_LONG = 3,  /* the next line is longer than u32 limit bytes */
	SRIO_IN_END = 4,   /* end of the trace's input */
	SRIO_IN_STOP = 5,  /* no more traces: the machine exits */
	SRIO_IN_PAD = 6,
};

/* Output record types (guest -> host). */
enum {
	SRIO_OUT_HELLO = 1, /* u32 boot number: the kernel is up */
	SRIO_OUT_DATA = 2,  /* stdout bytes of the running trace */
	SRIO_OUT_ERR = 3,   /* stderr bytes of the running trace */
	SRIO_OUT_END = 4,   /* u32 id, u32 status (0, 2, 3, 5), crash reason */
	SRIO_OUT_PAD = 6,
};

#define SRIO_F_CHECK 0x1u /* run the invariant checker after every op */

#define SRIO_STATUS_CRASH 5u

/* The control page. The host fills it in before the first boot; fields
 * marked "guest" are only written by the kernel, "host" only by the host. */
struct srio_ctrl {
	uint32_t magic, version;
	uint32_t in_off, in_size;         /* from the start of the area */
	uint32_t out_off, out_size;
	volatile uint32_t in_head;        /* host: bytes written */
	volatile uint32_t in_tail;        /* guest: bytes consumed */
	volatile uint32_t out_head;       /* guest: bytes published */
	volatile uint32_t out_tail;       /* host: bytes consumed */
	volatile uint32_t want_space;     /* host: ring after consuming input */
	volatile uint32_t boots;          /* guest: boots so far */
	volatile uint32_t running;        /* guest: id + 1 of the trace being
	                                   * replayed, 0 between traces */
	volatile uint32_t progress;       /* guest: lines replayed (a hang
	                                   * detector's heartbeat) */
	volatile uint32_t flags;          /* host: SRIO_CTRL_* */
	uint32_t reserved[17];
	char crash[256];                  /* guest: why the machine is about to
	                                   * reset in the middle of a trace */
};

#define SRIO_CTRL_VERIFY_RESET 0x1u /* check all trace RAM after each reset */

#endif
