/* stub_runner.c -- a stand-in for harness/runner.c, to bring the kernel up
 * without the port (CMake option SR_I386_STUB_RUNNER).
 *
 * It understands a handful of lines, enough to exercise the machine side:
 *   free_frames        -> "ok 1024"
 *   read ADDR          -> "ok 0x........" or "fault"
 *   write ADDR VALUE   -> "ok" or "fault"
 *   map VA PA [ro]     -> maps one page in the boot directory (for tests)
 *   check_reset        -> "ok" when machine_reset() left the boot state
 *   check_ram          -> "ok" when every word of trace RAM holds its own
 *                         address, else "err ram ADDR" (the first that does
 *                         not)
 *   lines N            -> N lines "ok N" (output throughput)
 *   flush N            -> N full TLB flushes (cr3 reloads), then "ok"
 *   panic              -> mach_panic(), printed as "panic ..."
 *   crash              -> a wild access: the trace crashes
 *   overflow           -> unbounded recursion: a double fault
 *   triple             -> an empty IDT and int3: the machine resets
 *   hang               -> loops forever
 * Anything else is malformed (status 2). Used by the tests of the QEMU
 * runner's crash, hang and reset handling (harness/tests/).
 */
#include <stdbool.h>
#include <string.h>

#include "machine.h"
#include "runner.h"
#include "i386.h"

static uint32_t stub_table[1024] __attribute__((aligned(4096)));

/* Writes the NUL-terminated `s` to `sink`. */
static void put(const runner_sink *sink, const char *s)
{
	sink->write(sink->ctx, s, strlen(s));
}

/* Parses a decimal or 0x-hex number; false when `s` is not one. */
static bool parse_num(const char *s, uint32_t *v)
{
	uint32_t x = 0;
	int base = 10;

	if (s[0] == '0' && s[1] == 'x') {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return false;
		x = x * base + d;
	}
	*v = x;
	return true;
}

/* Splits `line` in place into at most `max` words; returns their count. */
static int split(char *line, char **w, int max)
{
	int n = 0;
	for (char *p = line; *p && n < max;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '#')
			break;
		w[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

/* True when the machine is in the state machine_reset() promises. */
static bool reset_state_ok(void)
{
	volatile uint32_t *pd = (volatile uint32_t *)RECURSIVE_DIR;

	if (rcr3() != V2P((uint32_t)boot_pd))
		return false;
	for (int i = 0; i < 768; i++)
		if (pd[i])
			return false;
	for (int i = 768; i < 1023; i++)
		if ((pd[i] & (PTE_P | PTE_W | PTE_U)) != (PTE_P | PTE_W))
			return false;
	if ((pd[1023] & ~0xfffu) != V2P((uint32_t)boot_pd))
		return false;
	for (uint32_t va = KERNELLAND_BASE; va < KERNEL_VIRT; va += PAGE_SIZE)
		if (((volatile uint32_t *)RECURSIVE_BASE)[va >> 12])
			return false;
	return true;
}

/* Maps user page `va` to `pa` in the boot directory through stub_table. */
static void stub_map(uint32_t va, uint32_t pa, bool ro)
{
	boot_pd[va >> 22] = V2P((uint32_t)stub_table) | PTE_P | PTE_W | PTE_U;
	stub_table[(va >> 12) & 1023] = (pa & ~0xfffu) | PTE_P | PTE_U |
	                                (ro ? 0 : PTE_W);
	mach_flush_tlb();
}

/* Recursion deep enough to overflow any stack (the volatile keeps the
 * compiler from turning it into a loop). */
static int overflow(volatile int depth)
{
	volatile char pad[256];
	pad[0] = (char)depth;
	if (depth < 0x7fffffff)
		return overflow(depth + 1) + pad[0];
	return pad[0];
}

/* Runs one stub line; returns false when it is malformed. */
static bool stub_line(char **w, int n, const runner_sink *out)
{
	char buf[64];
	uint32_t a, v;

	if (n == 1 && strcmp(w[0], "free_frames") == 0) {
		put(out, "ok 1024\n");
	} else if (n == 2 && strcmp(w[0], "read") == 0 && parse_num(w[1], &a)) {
		if (machine_read32(a, &v) < 0)
			put(out, "fault\n");
		else {
			ksnprintf(buf, sizeof buf, "ok 0x%08x\n", v);
			put(out, buf);
		}
	} else if (n == 3 && strcmp(w[0], "write") == 0 &&
	           parse_num(w[1], &a) && parse_num(w[2], &v)) {
		put(out, machine_write32(a, v) < 0 ? "fault\n" : "ok\n");
	} else if ((n == 3 || n == 4) && strcmp(w[0], "map") == 0 &&
	           parse_num(w[1], &a) && parse_num(w[2], &v)) {
		stub_map(a, v, n == 4);
		put(out, "ok\n");
	} else if (n == 1 && strcmp(w[0], "check_reset") == 0) {
		put(out, reset_state_ok() ? "ok\n" : "err reset\n");
	} else if (n == 1 && strcmp(w[0], "check_ram") == 0) {
		uint32_t bad = reset_ram_mismatch();
		if (bad == 1)
			put(out, "ok\n");
		else {
			ksnprintf(buf, sizeof buf, "err ram 0x%08x\n", bad);
			put(out, buf);
		}
	} else if (n == 2 && strcmp(w[0], "lines") == 0 && parse_num(w[1], &a)) {
		for (uint32_t i = 0; i < a; i++) {
			ksnprintf(buf, sizeof buf, "ok %u\n", i);
			put(out, buf);
		}
	} else if (n == 2 && strcmp(w[0], "flush") == 0 && parse_num(w[1], &a)) {
		for (uint32_t i = 0; i < a; i++)
			lcr3(rcr3());
		put(out, "ok\n");
	} else if (n == 1 && strcmp(w[0], "panic") == 0) {
		mach_panic("stub: requested panic");
	} else if (n == 1 && strcmp(w[0], "crash") == 0) {
		*(volatile uint32_t *)0xbffff000u = 1;
	} else if (n == 1 && strcmp(w[0], "overflow") == 0) {
		overflow(0);
	} else if (n == 1 && strcmp(w[0], "triple") == 0) {
		static const struct __attribute__((packed)) {
			uint16_t limit;
			uint32_t base;
		} no_idt = { 0, 0 };
		__asm__ volatile("lidt %0; int3" : : "m"(no_idt));
	} else if (n == 1 && strcmp(w[0], "hang") == 0) {
		for (;;)
			__asm__ volatile("pause");
	} else {
		return false;
	}
	return true;
}

/* The one runner (runner.h's line-at-a-time interface). */
struct runner {
	const char *file;
	const runner_sink *out, *err;
	int lineno;
	int dead;
};

static struct runner the_runner;

runner *runner_begin(const char *file, const runner_sink *out,
                     const runner_sink *err, const runner_opts *opts)
{
	(void)opts;
	machine_reset();
	the_runner = (struct runner){ file, out, err, 0, 0 };
	return &the_runner;
}

int runner_feed(runner *r, const char *text, size_t len)
{
	char line[256], msg[320];
	size_t n = 0;

	if (r->dead)
		return RUNNER_DEAD;
	r->lineno++;
	for (size_t i = 0; i < len && n + 1 < sizeof line; i++)
		line[n++] = text[i];
	line[n] = '\0';
	char *w[8];
	int nw = split(line, w, 8);
	if (nw == 0)
		return RUNNER_OK;
	if (MACHINE_SETJMP(machine_panic_jmp)) {
		ksnprintf(msg, sizeof msg, "panic %s\n", machine_panic_msg);
		put(r->out, msg);
		r->dead = 1;
		return RUNNER_DEAD;
	}
	if (!stub_line(w, nw, r->out)) {
		ksnprintf(msg, sizeof msg, "%s:%d: unknown op\n", r->file,
		          r->lineno);
		put(r->err, msg);
		r->dead = 1;
		return RUNNER_MALFORMED;
	}
	return RUNNER_OK;
}

int runner_end(runner *r)
{
	(void)r;
	return RUNNER_OK;
}
