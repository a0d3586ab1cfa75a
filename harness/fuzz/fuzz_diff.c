/* fuzz_diff.c -- differential fuzzing harness: the C port against the Rust
 * reference model, in one process.
 *
 * The input bytes are decoded into a valid TRACE_FORMAT v1 operation
 * sequence (decode.c): every line is fed to both implementations in
 * lockstep, and the first result that differs (a `panic` line compared on
 * the word alone) calls abort(), which AFL++ records as a crash.
 *
 * The invariant checker (harness/check.c) runs after every operation and at
 * the end of the case (the teardown check) as a second oracle: a broken
 * invariant is a finding too, except the documented upstream findings
 * (the `.finding` files of corpus/), which are tolerated exactly:
 *  - expand_offset: `expand_mapping` of a Heap that
 *    `map_partial_shared_mapping` made rebuilds the mapping with offset 0
 *    (corpus/findings/expand_partial_heap_offset.trace,
 *    corpus/findings/expand_heap_prefix_of_shm.trace): an invariant broken
 *    on an `expand_mapping` line, of the form "page ... maps entry ...",
 *    after such a Heap was made;
 *  - phys_write: a `write` through a `map_phys_region_to mmio` mapping can
 *    overwrite a page table (corpus/coverage/corrupt_directory_huge_guard_
 *    split.trace): any invariant broken after a successful `write` while a
 *    mmio mapping was made.
 * The case ends there (the runner stops at a broken invariant).
 *
 *   fuzz_diff                  AFL++ persistent mode (stdin / shared memory)
 *   fuzz_diff CASE...          replay binary cases; exit 1 at a divergence
 *   fuzz_diff --list CASE...   the same, and one line per case on stdout:
 *                              CASE<TAB>microseconds<TAB>ok|divergence
 *   fuzz_diff --decode CASE    print the trace a case decodes to
 *   fuzz_diff --bench CASE...  replay the cases repeatedly, print execs/s
 *   --no-check (first)         without the invariant checker
 *   --no-end-check (first)     the checker after each operation only, not
 *                              the full check and the teardown check at the
 *                              end of each case (runner_end), which run by
 *                              default (about 1.3x the case's time)
 *
 * Environment: SRDIFF_FUZZ_STATS=FILE counts executions in FILE (8 bytes,
 * a shared mapping; srdiff fuzz reads it for its progress line).
 * SRDIFF_FUZZ_TEST_PLANT=OP makes the C port's result of every OP line
 * read "planted" -- a planted divergence, for the tests of srdiff fuzz only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "decode.h"
#include "runner.h"
#include "srref.h"

#ifndef __AFL_FUZZ_TESTCASE_LEN
/* Built without afl-clang-fast: no persistent mode. */
#define __AFL_FUZZ_INIT() void fuzz_no_afl(void)
#define __AFL_LOOP(n) 0
#endif

__AFL_FUZZ_INIT();

/* Captures what the C runner writes for one line. */
typedef struct capture {
	char buf[2048];
	size_t n;
} capture;

static void capture_write(void *ctx, const char *bytes, size_t n)
{
	capture *c = ctx;
	size_t room = sizeof(c->buf) - 1 - c->n;
	if (n > room)
		n = room;
	memcpy(c->buf + c->n, bytes, n);
	c->n += n;
	c->buf[c->n] = '\0';
}

static srref *model;
static int verbose_decode;
static unsigned long long lines_run;
static int use_check = 1;
static int end_check = 1;
static const char *plant_op;
static volatile unsigned long long *shared_execs;

/* Whether `line` is the op `op` (a whole first word). */
static int is_op(const char *line, const char *op)
{
	size_t n = strlen(op);
	return !strncmp(line, op, n) && (line[n] == ' ' || line[n] == '\0');
}

/* What the case did so far that a documented upstream finding needs. */
typedef struct history {
	int partial_heap; /* a Heap made by map_partial_shared_mapping */
	int mmio;         /* a map_phys_region_to mmio succeeded */
	int mmio_write;   /* then a write succeeded */
} history;

static void note_history(history *h, const char *line, const char *res, size_t rn)
{
	if (rn < 2 || strncmp(res, "ok", 2))
		return;
	if (is_op(line, "map_partial_shared_mapping") && strstr(line, " Heap "))
		h->partial_heap = 1;
	else if (is_op(line, "map_phys_region_to") && !strncmp(line + 19, "mmio", 4))
		h->mmio = 1;
	else if (is_op(line, "write") && h->mmio)
		h->mmio_write = 1;
}

/* Whether a broken invariant (`err`) on `line` is a documented upstream
 * finding (see the top of this file). */
static int upstream_finding(const history *h, const char *line, const char *err)
{
	if (line && is_op(line, "expand_mapping") && h->partial_heap && strstr(err, "invariant broken: page ") &&
	    strstr(err, " maps entry "))
		return 1;
	return h->mmio_write;
}

/* Compares one result line; `c` ends with '\n' when present. */
static int same_result(const char *c, size_t cn, int ref_rc, const char *r)
{
	if (cn && c[cn - 1] == '\n')
		cn--;
	if (ref_rc == 0)
		return cn == 0;
	if (ref_rc == 3 || (cn >= 5 && !strncmp(c, "panic", 5)))
		return ref_rc == 3 && cn >= 5 && !strncmp(c, "panic", 5);
	return strlen(r) == cn && !memcmp(c, r, cn);
}

/* Runs one decoded case on both implementations. Returns 0 on agreement,
 * 1 on a divergence (details on stderr). */
static int run_case(const uint8_t *data, size_t len)
{
	runner_opts opts = { use_check };
	history hist = { 0, 0, 0 };
	capture out, err;
	runner_sink out_sink = { capture_write, &out }, err_sink = { capture_write, &err };
	decoder d;
	char line[256], ref_out[2048];

	srref_reset(model);
	runner *r = runner_begin("fuzz", &out_sink, &err_sink, &opts);
	decoder_init(&d, data, len);
	for (;;) {
		size_t n = decoder_next(&d, line, sizeof(line));
		if (!n)
			break;
		if (verbose_decode)
			printf("%s\n", line);
		out.n = err.n = 0;
		out.buf[0] = err.buf[0] = '\0';
		int crc = runner_feed(r, line, n);
		int rrc = srref_line(model, line, n, ref_out, sizeof(ref_out));
		lines_run++;
		if (plant_op && is_op(line, plant_op)) {
			out.n = 0;
			capture_write(&out, "planted\n", 8);
		}
		if (crc == RUNNER_MALFORMED || rrc == 2) {
			if (crc == RUNNER_MALFORMED && rrc == 2)
				return 0; /* a decoder slip both reject alike */
			fprintf(stderr, "DIVERGENCE on malformed-ness of `%s`: c=%s ref=%s\n", line,
			        crc == RUNNER_MALFORMED ? err.buf : "ok", rrc == 2 ? ref_out : "ok");
			return 1;
		}
		if (!same_result(out.buf, out.n, rrc, ref_out)) {
			fprintf(stderr, "DIVERGENCE at `%s`\n  c:   %.*s\n  ref: %s\n", line,
			        (int)(out.n && out.buf[out.n - 1] == '\n' ? out.n - 1 : out.n), out.buf,
			        rrc == 0 ? "<no output>" : ref_out);
			return 1;
		}
		if (crc == RUNNER_DEAD)
			return 0; /* both panicked */
		note_history(&hist, line, out.buf, out.n);
		if (crc == RUNNER_INVARIANT) {
			if (upstream_finding(&hist, line, err.buf))
				return 0;
			fprintf(stderr, "INVARIANT at `%s`\n  %.*s\n", line,
			        (int)(err.n && err.buf[err.n - 1] == '\n' ? err.n - 1 : err.n), err.buf);
			return 1;
		}
		decoder_feedback(&d, out.buf, out.n);
	}
	if (use_check && end_check) {
		err.n = 0;
		err.buf[0] = '\0';
		if (runner_end(r) == RUNNER_INVARIANT && !upstream_finding(&hist, NULL, err.buf)) {
			fprintf(stderr, "INVARIANT at the end of the case\n  %.*s\n",
			        (int)(err.n && err.buf[err.n - 1] == '\n' ? err.n - 1 : err.n), err.buf);
			return 1;
		}
	}
	return 0;
}

/* Counts one execution in the shared counter, when there is one. */
static void count_exec(void)
{
	if (shared_execs)
		__atomic_add_fetch(shared_execs, 1, __ATOMIC_RELAXED);
}

static void setup(void)
{
	const char *stats = getenv("SRDIFF_FUZZ_STATS");
	if (stats && *stats) {
		int fd = open(stats, O_RDWR | O_CREAT, 0644);
		if (fd >= 0 && ftruncate(fd, 4096) == 0) {
			void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (m != MAP_FAILED)
				shared_execs = m;
		}
		if (fd >= 0)
			close(fd);
	}
	plant_op = getenv("SRDIFF_FUZZ_TEST_PLANT");
	if (plant_op && !*plant_op)
		plant_op = NULL;
}

/* One run through what the port, the simulated machine, the checker and
 * the model initialise lazily on first use (host allocations of the TLB,
 * the checker's shadow memory, first-use tables), before AFL++'s fork
 * server starts: otherwise the first case after every fork covers edges
 * the others do not, and AFL++ reports the harness unstable. */
static void warm_up(void)
{
	static const char *const lines[] = {
		"new P0",
		"create_regular_mapping 0x00400000 0x00010000 Normal u_rw",
		"map_phys_region_to alloc 0x00002000 0x00800000 Heap u_rw",
		"shm S0 0x00003000",
		"map_partial_shared_mapping S0 0x00c00000 0x00001000 0x00001000 SharedMemory u_rw",
		"switch_to",
		"write 0x00400000 0x00000001",
		"read 0x00400000",
		"read 0x00c00000",
		"mirror_mapping 0x00400000 0x00002000 M0",
		"mirror_write M0 0x00000000 0x00000002",
		"mirror_read M0 0x00000000",
		"mirror_drop M0",
		"walk 0x00400000 0x00010000",
		"frames 0x00400000",
		"query_memory 0x00400000",
		"expand_mapping 0x00800000 0x00004000",
		"unmap 0x00400000 0x00010000",
		"free_frames",
		"drop P0",
		"shm_drop S0",
	};
	char ref_out[2048];
	capture out, err;
	runner_sink out_sink = { capture_write, &out }, err_sink = { capture_write, &err };
	runner_opts opts = { use_check };
	for (int round = 0; round < 2; round++) {
		srref_reset(model);
		runner *r = runner_begin("warm-up", &out_sink, &err_sink, &opts);
		for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
			out.n = err.n = 0;
			if (runner_feed(r, lines[i], strlen(lines[i])) != RUNNER_OK)
				break;
			srref_line(model, lines[i], strlen(lines[i]), ref_out, sizeof(ref_out));
		}
		if (use_check)
			runner_end(r);
	}
}

/* Reads a whole file into a fresh buffer. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	uint8_t *b = malloc(cap);
	for (;;) {
		size_t got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		b = realloc(b, cap *= 2);
	}
	fclose(f);
	*len = n;
	return b;
}

int main(int argc, char **argv)
{
	model = srref_new();
	setup();
	while (argc > 1 && (!strcmp(argv[1], "--no-check") || !strcmp(argv[1], "--no-end-check"))) {
		if (!strcmp(argv[1], "--no-check"))
			use_check = 0;
		else
			end_check = 0;
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	if (argc > 1) {
		int bench = !strcmp(argv[1], "--bench");
		int list = !strcmp(argv[1], "--list");
		int first = 1;
		if (!strcmp(argv[1], "--decode")) {
			/* the whole text the case decodes to: no checker, whose
			 * verdict (a tolerated upstream finding included) would end
			 * the case early */
			verbose_decode = 1;
			use_check = 0;
			first = 2;
		} else if (bench || list) {
			first = 2;
		}
		int bad = 0;
		struct timespec t0, t1, p0, p1;
		unsigned long long execs = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p0);
		do {
			for (int i = first; i < argc; i++) {
				size_t len;
				uint8_t *data = slurp(argv[i], &len);
				if (!data) {
					fprintf(stderr, "%s: cannot read\n", argv[i]);
					return 2;
				}
				struct timespec c0, c1;
				clock_gettime(CLOCK_MONOTONIC, &c0);
				int diverged = run_case(data, len);
				clock_gettime(CLOCK_MONOTONIC, &c1);
				if (diverged) {
					fprintf(stderr, "%s: divergence\n", argv[i]);
					bad = 1;
				}
				if (list)
					printf("%s\t%ld\t%s\n", argv[i],
					       (long)((c1.tv_sec - c0.tv_sec) * 1000000 + (c1.tv_nsec - c0.tv_nsec) / 1000),
					       diverged ? "divergence" : "ok");
				execs++;
				free(data);
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
		} while (bench && (t1.tv_sec - t0.tv_sec) < 5);
		if (bench) {
			clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &p1);
			double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			double cpu = (double)(p1.tv_sec - p0.tv_sec) + (double)(p1.tv_nsec - p0.tv_nsec) / 1e9;
			/* execs per CPU second: what one free core would do on a busy machine */
			printf("bench: %llu execs in %.2f s: %.0f execs/s, %.0f lines/s; %.0f execs per cpu second\n", execs,
			       s, execs / s, lines_run / s, execs / cpu);
		}
		srref_free(model);
		return bad;
	}
	warm_up();
#ifdef __AFL_HAVE_MANUAL_CONTROL
	__AFL_INIT();
#endif
#ifdef __AFL_FUZZ_TESTCASE_LEN
	unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(100000)) {
		size_t len = __AFL_FUZZ_TESTCASE_LEN;
		count_exec();
		if (run_case(buf, len))
			abort();
	}
#else
	{
		static uint8_t in[1 << 20];
		size_t len = fread(in, 1, sizeof(in), stdin);
		count_exec();
		if (run_case(in, len))
			abort();
	}
#endif
	srref_free(model);
	return 0;
}
