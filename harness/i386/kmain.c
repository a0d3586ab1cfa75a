/* kmain.c -- boot, then replay every multiboot module as a trace.
 *
 * Output on COM1, one block per module i (see serial.c for the framing):
 *   \x02BEGIN i name
 *   <result bytes exactly as runner_run() writes them to `out`, escaped>
 *   \x02ERR line        (or \x02ERR- for a last line without newline)
 *   \x02END i status    status: 0 or 2 as runner_run() returns,
 *                       or "CRASH reason" for an exception in that trace
 * and after the last module "\x02DONE n", then the machine exits through
 * isa-debug-exit (port 0xf4). "\x02FATAL reason" means the kernel could not
 * go on; the host reruns the modules it did not finish.
 */
#include <string.h>

#include "machine.h"
#include "runner.h"
#include "i386.h"

#define MB_BOOT_MAGIC 0x2badb002u
#define MBI_F_MEM     0x1u
#define MBI_F_CMDLINE 0x4u
#define MBI_F_MODS    0x8u
#define NAME_LEN      256
#define ERRBUF_LEN    0x10000
#define EXIT_PORT     0xf4

/* The head of the multiboot information structure. */
struct mb_info {
	uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
	uint32_t mods_count, mods_addr;
};

/* One entry of the multiboot module list. */
struct mb_mod {
	uint32_t start, end, string, reserved;
};

/* A module as kept by the kernel: copied before trace RAM is first filled. */
struct module {
	uint32_t start, end; /* physical, in the direct map */
	char name[NAME_LEN];
};

static struct module *modules;
static uint32_t nmodules;
static runner_opts opts;

static char errbuf[ERRBUF_LEN];
static size_t errlen;

static int in_trace;
static uint32_t cur_trace;
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

/* ---- runner sinks ---- */

/* `out` sink: result bytes go straight to the host, escaped. */
static void out_write(void *ctx, const char *bytes, size_t n)
{
	(void)ctx;
	serial_write_payload(bytes, n);
}

/* `err` sink: kept until the trace ends, then sent as ERR frames. */
static void err_write(void *ctx, const char *bytes, size_t n)
{
	(void)ctx;
	if (n > ERRBUF_LEN - errlen)
		n = ERRBUF_LEN - errlen;
	memcpy(errbuf + errlen, bytes, n);
	errlen += n;
}

/* Sends the kept `err` bytes, one ERR frame per line, and empties them. */
static void err_flush(void)
{
	size_t i = 0;

	while (i < errlen) {
		size_t j = i;
		while (j < errlen && errbuf[j] != '\n')
			j++;
		serial_write_raw(j < errlen ? "\x02" "ERR " : "\x02" "ERR- ", 5);
		serial_write_payload(errbuf + i, j - i);
		serial_write_raw("\n", 1);
		i = j + 1;
	}
	errlen = 0;
}

/* ---- crashes ---- */

/* An exception (or a corrupted heap) inside the running trace: unwind to
 * run_module(), which reports it. Outside a trace it is fatal. */
_Noreturn void trace_crashed(const char *reason)
{
	if (!in_trace)
		trace_fatal(reason);
	ksnprintf(crash_reason, sizeof crash_reason, "%s", reason);
	__builtin_longjmp(crash_jmp, 1);
}

/* The kernel cannot go on: close the running trace as crashed, say FATAL
 * and stop. */
_Noreturn void trace_fatal(const char *reason)
{
	if (in_trace) {
		err_flush();
		frame("END %u CRASH %s", cur_trace, reason);
	}
	frame("FATAL %s", reason);
	kernel_exit(1);
}

/* ---- replay ---- */

/* Replays module `i` between BEGIN and END frames. */
static void run_module(uint32_t i)
{
	static const runner_sink out = { out_write, NULL };
	static const runner_sink err = { err_write, NULL };
	struct module *m = &modules[i];

	frame("BEGIN %u %s", i, m->name);
	errlen = 0;
	cur_trace = i;
	in_trace = 1;
	if (__builtin_setjmp(crash_jmp) == 0) {
		int st = runner_run(m->name, (const char *)P2V(m->start),
		                    m->end - m->start, &out, &err, &opts);
		in_trace = 0;
		err_flush();
		frame("END %u %d", i, st);
	} else {
		in_trace = 0;
		mmu_restore_boot_cr3();
		err_flush();
		frame("END %u CRASH %s", cur_trace, crash_reason);
	}
}

/* ---- multiboot information ---- */

/* Copies the NUL-terminated string at physical `pa` into buf[max]. */
static void read_cstr(uint32_t pa, char *buf, size_t max)
{
	size_t i = 0;
	for (; i + 1 < max; i++)
		if (phys_copy(&buf[i], pa + i, 1) < 0 || buf[i] == '\0')
			break;
	buf[i] = '\0';
}

/* Reads entry `i` of the module list. */
static void read_mod(const struct mb_info *mbi, uint32_t i, struct mb_mod *mod)
{
	if (phys_copy(mod, mbi->mods_addr + i * sizeof *mod, sizeof *mod) < 0)
		trace_fatal("multiboot module list unreachable");
}

/* Physical end of everything the loader placed above the kernel: modules,
 * their list and names. Fails when any of it lies in trace RAM. */
static uint32_t loaded_end(const struct mb_info *mbi)
{
	uint32_t end = V2P((uint32_t)__kernel_end);
	char name[NAME_LEN];

	for (uint32_t i = 0; i < mbi->mods_count; i++) {
		struct mb_mod mod;
		read_mod(mbi, i, &mod);
		read_cstr(mod.string, name, sizeof name);
		if (mod.start < KERNEL_PHYS || mod.end > mmu_direct_end() ||
		    mod.end < mod.start) {
			frame("FATAL module %s at [0x%08x, 0x%08x) is outside "
			      "kernel memory", name, mod.start, mod.end);
			kernel_exit(1);
		}
		if (mod.end > end)
			end = mod.end;
		if (mod.string + strlen(name) + 1 > end)
			end = mod.string + strlen(name) + 1;
	}
	if (mbi->mods_count &&
	    mbi->mods_addr + mbi->mods_count * sizeof(struct mb_mod) > end)
		end = mbi->mods_addr + mbi->mods_count * sizeof(struct mb_mod);
	return (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

/* Copies the module list into modules[], placed at physical `at`; returns
 * the physical end of the copy. */
static uint32_t modules_load(const struct mb_info *mbi, uint32_t at)
{
	modules = (struct module *)P2V(at);
	nmodules = mbi->mods_count;
	for (uint32_t i = 0; i < nmodules; i++) {
		struct mb_mod mod;
		read_mod(mbi, i, &mod);
		modules[i].start = mod.start;
		modules[i].end = mod.end;
		read_cstr(mod.string, modules[i].name, NAME_LEN);
	}
	return at + nmodules * sizeof *modules;
}

/* Reads the kernel command line: "check" turns the invariant checker on. */
static void cmdline_parse(const struct mb_info *mbi)
{
	char line[NAME_LEN];

	if (!(mbi->flags & MBI_F_CMDLINE))
		return;
	read_cstr(mbi->cmdline, line, sizeof line);
	for (char *p = line; *p;) {
		while (*p == ' ')
			p++;
		char *w = p;
		while (*p && *p != ' ')
			p++;
		if (p - w == 5 && memcmp(w, "check", 5) == 0)
			opts.check = 1;
	}
}

/* Boots: takes what it needs from the loader, sets up memory, replays. */
void kmain(void)
{
	struct mb_info mbi;

	serial_init();
	mmu_init();
	trap_init();
	if (boot_mb_magic != MB_BOOT_MAGIC)
		trace_fatal("not booted by a multiboot loader");
	if (phys_copy(&mbi, boot_mb_info, sizeof mbi) < 0)
		trace_fatal("multiboot information unreachable");
	if (!(mbi.flags & MBI_F_MEM))
		trace_fatal("no memory size from the loader");
	if (!(mbi.flags & MBI_F_MODS))
		mbi.mods_count = 0;
	mmu_map_direct(0x100000u + mbi.mem_upper * 1024u);
	cmdline_parse(&mbi);

	uint32_t heap_pa = modules_load(&mbi, loaded_end(&mbi));
	heap_pa = (heap_pa + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (heap_pa + PAGE_SIZE > mmu_direct_end())
		trace_fatal("no memory left for the kernel heap");
	heap_init(P2V(heap_pa), P2V(mmu_direct_end()));
	frame("HELLO modules=%u heap=%uK check=%d", nmodules,
	      (mmu_direct_end() - heap_pa) >> 10, opts.check);

	for (uint32_t i = 0; i < nmodules; i++)
		run_module(i);
	frame("DONE %u", nmodules);
	kernel_exit(0);
}
