/* fuzz_diff.c -- differential fuzzing harness: the C port against the Rust
 * reference model, in one process.
 *
 * The input bytes are decoded into a valid TRACE_FORMAT v1 operation
 * sequence (decode.c): every line is fed to both implementations in
 * lockstep, and the first result that differs (a `panic` line compared on
 * the word alone) calls abort(), which AFL++ records as a crash.
 *
 *   fuzz_diff                  AFL++ persistent mode (stdin / shared memory)
 *   fuzz_diff CASE...          replay binary cases; exit 1 at a divergence
 *   fuzz_diff --decode CASE    print the trace a case decodes to
 *   fuzz_diff --bench CASE...  replay the cases repeatedly, print execs/s
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	static const runner_opts opts = { 0 };
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
		decoder_feedback(&d, out.buf, out.n);
	}
	return 0;
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
	if (argc > 1) {
		int bench = !strcmp(argv[1], "--bench");
		int first = 1;
		if (!strcmp(argv[1], "--decode")) {
			verbose_decode = 1;
			first = 2;
		} else if (bench) {
			first = 2;
		}
		int bad = 0;
		struct timespec t0, t1;
		unsigned long long execs = 0;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		do {
			for (int i = first; i < argc; i++) {
				size_t len;
				uint8_t *data = slurp(argv[i], &len);
				if (!data) {
					fprintf(stderr, "%s: cannot read\n", argv[i]);
					return 2;
				}
				if (run_case(data, len)) {
					fprintf(stderr, "%s: divergence\n", argv[i]);
					bad = 1;
				}
				execs++;
				free(data);
			}
			clock_gettime(CLOCK_MONOTONIC, &t1);
		} while (bench && (t1.tv_sec - t0.tv_sec) < 5);
		if (bench) {
			double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
			printf("bench: %llu execs in %.2f s: %.0f execs/s, %.0f lines/s\n", execs, s, execs / s,
			       lines_run / s);
		}
		srref_free(model);
		return bad;
	}
#ifdef __AFL_HAVE_MANUAL_CONTROL
	__AFL_INIT();
#endif
#ifdef __AFL_FUZZ_TESTCASE_LEN
	unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(100000)) {
		size_t len = __AFL_FUZZ_TESTCASE_LEN;
		if (run_case(buf, len))
			abort();
	}
#else
	{
		static uint8_t in[1 << 20];
		size_t len = fread(in, 1, sizeof(in), stdin);
		if (run_case(in, len))
			abort();
	}
#endif
	srref_free(model);
	return 0;
}
