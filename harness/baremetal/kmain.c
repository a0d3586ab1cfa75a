/* kmain.c -- boot, then replay the traces the host puts in shared memory.
 *
 * The host (harness/qemu_runner.py) maps guest RAM too; the command line
 * names the I/O area ("srio=0x..."), whose layout and record formats are in
 * srio.h. The kernel reads traces from the input ring, feeds them to the
 * runner line by line (runner_begin/feed/end), and writes each trace's
 * stdout and stderr bytes and its status to the output ring. Many traces
 * share one boot; runner_begin() resets the machine between them.
 *
 * Crashes:
 *  - an exception inside a trace ends that trace with status 5 and its
 *    reason, and the kernel goes on (the next reset is a full one);
 *  - a double fault (kernel stack overflow) or a triple fault resets the
 *    machine: QEMU boots the kernel again, which finds `running` set in the
 *    control page, ends that trace with status 5 ("guest reset (triple
 *    fault)" or the reason the double-fault task left in `crash`), and
 *    carries on with the next trace: a crash costs one reboot;
 *  - a hang is the host's business: it stops QEMU when `progress` stands
 *    still too long, and boots it again after the hung trace.
 */
#include <string.h>

#include "machine.h"
#include "runner.h"
#include "i386.h"
#include "srio.h"

#define MB_BOOT_MAGIC 0x2badb002u
#define MBI_F_MEM     0x1u
#define MBI_F_CMDLINE 0x4u
#define NAME_LEN      4096
#define ERRBUF_LEN    0x10000
#define EXIT_PORT     0xf4
#define OUT_CHUNK     0x10000u /* largest DATA record the guest writes */

/* The head of the multiboot information structure. */
struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

static struct srio_ctrl *ctrl;
static char *in_ring, *out_ring;
static uint32_t in_mask, out_mask;

/* Output writer: out_pos is where the next record goes (published or not),
 * open_rec the position of the DATA record being extended, or NO_REC. */
#define NO_REC 0xffffffffu
static uint32_t out_pos, open_rec;

static char errbuf[ERRBUF_LEN];
static size_t errlen;

/* The trace being replayed. */
static int in_trace;
static uint32_t cur_id;
static char cur_name[NAME_LEN];
static uint32_t cur_lines;
static int cur_alive;   /* the runner still takes lines */
static runner *cur_runner;
static runner_opts opts;
static void *crash_jmp[5];
static char crash_reason[256];

/* Stops the machine: isa-debug-exit makes QEMU exit with (code << 1) | 1. */
_Noreturn void kernel_exit(int fatal)
{
	__asm__ volatile("outl %0, %1" : : "a"((uint32_t)(fatal ? 1 : 0)),
	                 "Nd"((uint16_t)EXIT_PORT));
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Resets the machine by a triple fault: no IDT, then an exception. */
static _Noreturn void machine_restart(void)
{
	static const struct __attribute__((packed)) {
		uint16_t limit;
		uint32_t base;
	} no_idt = { 0, 0 };
	__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	for (;;)
		__asm__ volatile("cli; hlt");
}

static uint32_t align8(uint32_t n)
{
	return (n + 7) & ~7u;
}

/* ---- output ring ---- */

/* Makes every closed record visible to the host. */
static void out_publish(void)
{
	__asm__ volatile("" : : : "memory");
	ctrl->out_head = out_pos;
}

/* Closes the open DATA record, if any. */
static void out_close(void)
{
	if (open_rec == NO_REC)
		return;
	uint32_t len = *(uint32_t *)(out_ring + (open_rec & out_mask) + 4);
	out_pos = open_rec + 8 + align8(len);
	open_rec = NO_REC;
}

/* Waits until `need` contiguous bytes are free at out_pos (a PAD record
 * skips the end of the ring); returns a pointer to them. */
static char *out_room(uint32_t need)
{
	uint32_t size = out_mask + 1;
	int rang = 0;

	for (;;) {
		uint32_t off = out_pos & out_mask;
		uint32_t used = out_pos - ctrl->out_tail;
		uint32_t to_end = size - off;
		uint32_t want = need <= to_end ? need : to_end + need;
		if (size - used >= want) {
			if (need > to_end) {
				*(uint32_t *)(out_ring + off) = SRIO_OUT_PAD;
				*(uint32_t *)(out_ring + off + 4) = 0;
				out_pos += to_end;
				off = 0;
			}
			return out_ring + off;
		}
		if (!rang) {
			out_publish();
			srio_bell();
			rang = 1;
		}
		__asm__ volatile("pause" ::: "memory");
	}
}

/* Writes one whole record. */
static void out_record(uint32_t type, const void *a, uint32_t na,
                       const void *b, uint32_t nb)
{
	out_close();
	char *p = out_room(8 + align8(na + nb));
	((uint32_t *)p)[0] = type;
	((uint32_t *)p)[1] = na + nb;
	memcpy(p + 8, a, na);
	memcpy(p + 8 + na, b, nb);
	out_pos += 8 + align8(na + nb);
}

/* Appends stdout or stderr bytes, extending the open record when it has
 * the same type and room. */
static void out_bytes(uint32_t type, const char *bytes, size_t n)
{
	while (n > 0) {
		if (open_rec != NO_REC) {
			uint32_t *h = (uint32_t *)(out_ring + (open_rec & out_mask));
			uint32_t off = (open_rec & out_mask) + 8 + h[1];
			uint32_t room = OUT_CHUNK - h[1];
			/* The record may grow only while it stays before the end
			 * of the ring and inside the free space. */
			if (off + room > out_mask + 1)
				room = out_mask + 1 - off;
			uint32_t free_end = ctrl->out_tail + out_mask + 1;
			uint32_t rec_end = open_rec + 8 + h[1];
			if (free_end - rec_end < room)
				room = free_end - rec_end;
			if (h[0] == type && room > 0) {
				uint32_t k = n < room ? (uint32_t)n : room;
				memcpy(out_ring + off, bytes, k);
				h[1] += k;
				bytes += k;
				n -= k;
				continue;
			}
			out_close();
			out_publish();
		}
		char *p = out_room(8 + 8);
		((uint32_t *)p)[0] = type;
		((uint32_t *)p)[1] = 0;
		open_rec = out_pos;
	}
}

/* ---- runner sinks ---- */

static void out_write(void *ctx, const char *bytes, size_t n)
{
	(void)ctx;
	out_bytes(SRIO_OUT_DATA, bytes, n);
}

/* `err` bytes are kept until the trace ends (a runner writes one line). */
static void err_write(void *ctx, const char *bytes, size_t n)
{
	(void)ctx;
	if (n > ERRBUF_LEN - errlen)
		n = ERRBUF_LEN - errlen;
	memcpy(errbuf + errlen, bytes, n);
	errlen += n;
}

static const runner_sink out_sink = { out_write, NULL };
static const runner_sink err_sink = { err_write, NULL };

/* Ends trace `id`: its stderr bytes, then END, published, and the bell. */
static void trace_finish(uint32_t id, uint32_t status, const char *reason)
{
	uint32_t head[2] = { id, status };

	if (errlen)
		out_bytes(SRIO_OUT_ERR, errbuf, errlen);
	errlen = 0;
	out_record(SRIO_OUT_END, head, sizeof head, reason, strlen(reason));
	out_publish();
	ctrl->running = 0;
	srio_bell();
}

/* ---- crashes ---- */

/* An exception (or a corrupted heap) inside the running trace: unwind to
 * the replay loop, which reports it. Outside a trace it is fatal. */
_Noreturn void trace_crashed(const char *reason)
{
	if (!in_trace)
		trace_fatal(reason);
	ksnprintf(crash_reason, sizeof crash_reason, "%s", reason);
	__builtin_longjmp(crash_jmp, 1);
}

/* The kernel cannot go on. Inside a trace: leave the reason for the next
 * boot and reset the machine. Outside: say why and stop. */
_Noreturn void trace_fatal(const char *reason)
{
	if (ctrl && ctrl->running) {
		ksnprintf(ctrl->crash, sizeof ctrl->crash, "%s", reason);
		machine_restart();
	}
	con_printf("FATAL %s", reason);
	kernel_exit(1);
}

/* ---- input ring ---- */

/* Waits for the next input record; returns it (PAD records skipped). */
static const uint32_t *in_next(void)
{
	int rang = 0;

	for (;;) {
		uint32_t tail = ctrl->in_tail;
		if (ctrl->in_head != tail) {
			const uint32_t *r =
			    (const uint32_t *)(in_ring + (tail & in_mask));
			if (r[0] != SRIO_IN_PAD)
				return r;
			ctrl->in_tail = tail + (in_mask + 1 - (tail & in_mask));
			if (ctrl->want_space) {
				ctrl->want_space = 0;
				srio_bell();
			}
			continue;
		}
		if (!rang) {
			out_publish();
			srio_bell();
			rang = 1;
		}
		__asm__ volatile("pause" ::: "memory");
	}
}

/* Consumes record `r`; rings when the host waits for room. */
static void in_consume(const uint32_t *r)
{
	ctrl->in_tail += 8 + align8(r[1]);
	if (ctrl->want_space) {
		ctrl->want_space = 0;
		srio_bell();
	}
}

/* ---- replay ---- */

/* The runner stopped taking lines with `rc`: the trace ends now (the host
 * stops reading its file; the rest of its records are skipped). */
static void trace_stop(int rc)
{
	cur_alive = 0;
	out_close();
	trace_finish(cur_id, rc == RUNNER_DEAD ? 0 : (uint32_t)rc, "");
}

/* Feeds the lines of a DATA record. */
static void trace_data(const char *text, uint32_t len)
{
	uint32_t pos = 0;

	while (pos < len && cur_alive) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		uint32_t end = nl ? (uint32_t)(nl - text) : len;
		int rc = runner_feed(cur_runner, text + pos, end - pos);
		cur_lines++;
		ctrl->progress++;
		if (rc != RUNNER_OK)
			trace_stop(rc);
		pos = end + 1;
	}
}

/* A line longer than the host's limit: malformed. */
static void trace_long(uint32_t limit)
{
	char msg[NAME_LEN + 96];

	ksnprintf(msg, sizeof msg, "%s:%u: line longer than %u bytes\n",
	          cur_name, cur_lines + 1, limit);
	err_write(NULL, msg, strlen(msg));
	trace_stop(RUNNER_MALFORMED);
}

/* Takes the trace of a BEGIN record (before the record is consumed). */
static void begin_copy(const uint32_t *r)
{
	uint32_t n = r[1] - 8;

	if (r[1] < 8)
		n = 0;
	if (n >= NAME_LEN)
		n = NAME_LEN - 1;
	memcpy(cur_name, (const char *)(r + 4), n);
	cur_name[n] = '\0';
	cur_id = r[2];
	opts.check = (r[3] & SRIO_F_CHECK) != 0;
	cur_lines = 0;
	cur_alive = 1;
	errlen = 0;
}

/* Acts on one input record other than BEGIN. */
static void handle(const uint32_t *r)
{
	const char *payload = (const char *)(r + 2);

	switch (r[0]) {
	case SRIO_IN_DATA:
		if (ctrl->running)
			trace_data(payload, r[1]);
		break;
	case SRIO_IN_LONG:
		if (ctrl->running)
			trace_long(r[2]);
		break;
	case SRIO_IN_END:
		if (!ctrl->running)
			break;
		trace_stop(runner_end(cur_runner));
		break;
	case SRIO_IN_STOP:
		out_close();
		out_publish();
		srio_bell();
		kernel_exit(0);
	default:
		break; /* the rest of a trace that already ended */
	}
}

/* Reads records forever (until STOP). */
static _Noreturn void replay(void)
{
	for (;;) {
		const uint32_t *r = in_next();
		int begin = r[0] == SRIO_IN_BEGIN;
		if (begin) {
			/* Consumed first: a boot that dies in runner_begin()
			 * must not start this trace again. */
			begin_copy(r);
			in_consume(r);
			ctrl->running = cur_id + 1;
		}
		in_trace = 1;
		if (__builtin_setjmp(crash_jmp) == 0) {
			if (begin)
				cur_runner = runner_begin(cur_name, &out_sink,
				                          &err_sink, &opts);
			else
				handle(r);
		} else {
			mmu_restore_boot_cr3();
			reset_force_full();
			out_close(); /* keep the output it wrote */
			trace_finish(cur_id, SRIO_STATUS_CRASH, crash_reason);
		}
		in_trace = 0;
		if (!begin)
			in_consume(r);
	}
}

/* ---- boot ---- */

/* Copies the NUL-terminated string at physical `pa` into buf[max]. */
static void read_cstr(uint32_t pa, char *buf, size_t max)
{
	size_t i = 0;
	for (; i + 1 < max; i++)
		if (phys_copy(&buf[i], pa + i, 1) < 0 || buf[i] == '\0')
			break;
	buf[i] = '\0';
}

/* Parses a 0x-hex number; 0 when `s` is not one. */
static uint32_t parse_hex(const char *s, const char *end)
{
	uint32_t v = 0;

	if (end - s < 3 || s[0] != '0' || s[1] != 'x')
		return 0;
	for (s += 2; s < end; s++) {
		char c = *s;
		uint32_t d = c >= '0' && c <= '9' ? (uint32_t)(c - '0') :
		             c >= 'a' && c <= 'f' ? (uint32_t)(c - 'a' + 10) : 99;
		if (d > 15)
			return 0;
		v = v * 16 + d;
	}
	return v;
}

/* Reads the command line: "srio=0x..." (the I/O area, required) and
 * "verifyreset". Returns the I/O area's physical address. */
static uint32_t cmdline_parse(const struct mb_info *mbi)
{
	char line[256];
	uint32_t io = 0;

	if (!(mbi->flags & MBI_F_CMDLINE))
		return 0;
	read_cstr(mbi->cmdline, line, sizeof line);
	for (char *p = line; *p;) {
		while (*p == ' ')
			p++;
		char *w = p;
		while (*p && *p != ' ')
			p++;
		if (p - w > 5 && memcmp(w, "srio=", 5) == 0)
			io = parse_hex(w + 5, p);
		else if (p - w == 11 && memcmp(w, "verifyreset", 11) == 0)
			reset_set_verify(1);
	}
	return io;
}

/* Finds the control page at physical `io`, checks it, maps the rings. */
static void srio_init(uint32_t io)
{
	if (!io || (io & (PAGE_SIZE - 1)) || io < V2P((uint32_t)__kernel_end) ||
	    io + PAGE_SIZE > mmu_direct_end())
		trace_fatal("no usable srio=ADDRESS on the command line");
	struct srio_ctrl *c = (struct srio_ctrl *)P2V(io);
	if (c->magic != SRIO_MAGIC || c->version != SRIO_VERSION)
		trace_fatal("no srio control page at the srio address");
	uint32_t end = mmu_direct_end() - io;
	if (c->in_size < 4096 || (c->in_size & (c->in_size - 1)) ||
	    c->out_size < 4096 || (c->out_size & (c->out_size - 1)) ||
	    c->in_off > end || c->in_size > end - c->in_off ||
	    c->out_off > end || c->out_size > end - c->out_off)
		trace_fatal("srio rings outside RAM");
	in_ring = (char *)c + c->in_off;
	out_ring = (char *)c + c->out_off;
	in_mask = c->in_size - 1;
	out_mask = c->out_size - 1;
	out_pos = c->out_head;
	open_rec = NO_REC;
	ctrl = c;
}

/* Boots: takes what it needs from the loader, sets up memory, replays. */
void kmain(void)
{
	struct mb_info mbi;

	mmu_init();
	trap_init();
	if (boot_mb_magic != MB_BOOT_MAGIC)
		trace_fatal("not booted by a multiboot loader");
	if (phys_copy(&mbi, boot_mb_info, sizeof mbi) < 0)
		trace_fatal("multiboot information unreachable");
	if (!(mbi.flags & MBI_F_MEM))
		trace_fatal("no memory size from the loader");
	mmu_map_direct(0x100000u + mbi.mem_upper * 1024u);
	uint32_t io = cmdline_parse(&mbi);
	srio_init(io);

	uint32_t heap_pa = (V2P((uint32_t)__kernel_end) + PAGE_SIZE - 1) &
	                   ~(PAGE_SIZE - 1);
	if (heap_pa + PAGE_SIZE > io)
		trace_fatal("no memory left for the kernel heap");
	heap_init(P2V(heap_pa), P2V(io));

	uint32_t boots = ++ctrl->boots;
	out_record(SRIO_OUT_HELLO, &boots, sizeof boots, NULL, 0);
	if (ctrl->running) {
		/* The last boot died inside this trace. */
		const char *why = ctrl->crash[0] ? ctrl->crash :
		                  "guest reset (triple fault)";
		char reason[sizeof ctrl->crash];
		ksnprintf(reason, sizeof reason, "%s", why);
		ctrl->crash[0] = '\0';
		trace_finish(ctrl->running - 1, SRIO_STATUS_CRASH, reason);
	}
	out_publish();
	srio_bell();
	replay();
}
