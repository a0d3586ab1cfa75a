/* bench.c -- sr-bench: kernel-like workloads on the C port and on the Rust
 * reference model, in one process.
 *
 * Each workload is a sequence of trace lines made here; both
 * implementations replay it through their trace front ends (runner_feed for
 * the port, srref_line for the model), so both pay the same parsing. The
 * results are compared as they go (a benchmark that diverges is an error).
 * Each measurement is the median of several runs; one CSV row per workload:
 *   workload,n,ops,c_ops_per_s,ref_ops_per_s,ratio
 *
 *   sr-bench [--quick] [--runs K]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame_allocator.h"
#include "runner.h"
#include "srref.h"

#define BIG_MEM_START 0x01100000u /* above the simulated kernel frames */
#define BIG_MEM_END   0x11100000u /* 256 MiB more */

/* ---- a workload: its lines, split in setup and measured part --------------- */

typedef struct lines {
	char **v;
	size_t n, cap;
	size_t measured_from; /* lines before this are setup */
} lines;

static void add(lines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void add(lines *l, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->v = realloc(l->v, l->cap * sizeof(char *));
	}
	l->v[l->n++] = strdup(buf);
}

static void free_lines(lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* ---- running ----------------------------------------------------------------- */

typedef struct capture {
	char buf[1 << 16];
	size_t n;
} capture;

static void cap_write(void *ctx, const char *b, size_t n)
{
	capture *c = ctx;
	if (n > sizeof(c->buf) - 1 - c->n)
		n = sizeof(c->buf) - 1 - c->n;
	memcpy(c->buf + c->n, b, n);
	c->n += n;
}

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static srref *model;
static char ref_out[1 << 16];
static capture c_out, c_err;
static const runner_opts no_check = { 0 };

/* Replays the workload on the port; returns seconds spent on the measured
 * lines. Exits on a malformed line or a panic (a bench bug). */
static double run_c(const lines *l, bool big_mem)
{
	runner_sink out = { cap_write, &c_out }, err = { cap_write, &c_err };
	runner *r = runner_begin("bench", &out, &err, &no_check);
	if (big_mem)
		frame_allocator_mark_area_free(BIG_MEM_START, BIG_MEM_END);
	double t0 = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (i == l->measured_from)
			t0 = now();
		c_out.n = 0;
		int rc = runner_feed(r, l->v[i], strlen(l->v[i]));
		if (rc != RUNNER_OK) {
			fprintf(stderr, "sr-bench: the port stopped at `%s`: %.*s%.*s\n", l->v[i], (int)c_out.n, c_out.buf,
			        (int)c_err.n, c_err.buf);
			exit(1);
		}
	}
	return now() - t0;
}

/* The same on the model. */
static double run_ref(const lines *l, bool big_mem)
{
	srref_reset(model);
	if (big_mem)
		srref_bench_free(model, BIG_MEM_START, BIG_MEM_END);
	double t0 = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (i == l->measured_from)
			t0 = now();
		int rc = srref_line(model, l->v[i], strlen(l->v[i]), ref_out, sizeof(ref_out));
		if (rc == 2 || rc == 3 || rc < 0) {
			fprintf(stderr, "sr-bench: the model stopped at `%s`: %s\n", l->v[i], ref_out);
			exit(1);
		}
	}
	return now() - t0;
}

/* Both implementations must print the same stream for the workload. */
static void cross_check(const lines *l, bool big_mem)
{
	runner_sink out = { cap_write, &c_out }, err = { cap_write, &c_err };
	runner *r = runner_begin("bench", &out, &err, &no_check);
	if (big_mem)
		frame_allocator_mark_area_free(BIG_MEM_START, BIG_MEM_END);
	srref_reset(model);
	if (big_mem)
		srref_bench_free(model, BIG_MEM_START, BIG_MEM_END);
	for (size_t i = 0; i < l->n; i++) {
		c_out.n = 0;
		runner_feed(r, l->v[i], strlen(l->v[i]));
		int rc = srref_line(model, l->v[i], strlen(l->v[i]), ref_out, sizeof(ref_out));
		size_t cn = c_out.n && c_out.buf[c_out.n - 1] == '\n' ? c_out.n - 1 : c_out.n;
		size_t rn = rc == 1 ? strlen(ref_out) : 0;
		if (cn != rn || memcmp(c_out.buf, ref_out, cn)) {
			fprintf(stderr, "sr-bench: divergence at `%s`: c `%.*s` ref `%s`\n", l->v[i], (int)cn, c_out.buf,
			        rc == 1 ? ref_out : "");
			exit(1);
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int runs = 5;

/* Measures one workload and prints its CSV row. */
static void measure(const char *name, unsigned long n, const lines *l, bool big_mem)
{
	double tc[32], tr[32];
	size_t ops = l->n - l->measured_from;
	cross_check(l, big_mem);
	for (int k = 0; k < runs; k++) {
		tc[k] = run_c(l, big_mem);
		tr[k] = run_ref(l, big_mem);
	}
	qsort(tc, (size_t)runs, sizeof(double), cmp_double);
	qsort(tr, (size_t)runs, sizeof(double), cmp_double);
	double c = ops / tc[runs / 2], r = ops / tr[runs / 2];
	printf("%s,%lu,%zu,%.0f,%.0f,%.2f\n", name, n, ops, c, r, c / r);
	fflush(stdout);
}

/* ---- workloads ------------------------------------------------------------------ */

/* N live one-page guards (every other page), then create + query + unmap
 * churn in the gaps, on the active process. */
static void churn(unsigned long n, unsigned iters)
{
	lines l = { 0 };
	add(&l, "new A");
	add(&l, "switch_to");
	for (unsigned long i = 0; i < n; i++)
		add(&l, "guard 0x%08lx 0x1000 Reserved", 0x00400000ul + 2 * i * 0x1000ul);
	l.measured_from = l.n;
	for (unsigned i = 0; i < iters; i++) {
		unsigned long gap = 0x00401000ul + 2 * (rnd() % n) * 0x1000ul;
		add(&l, "create_regular_mapping 0x%08lx 0x1000 Normal u_rw", gap);
		add(&l, "query_memory 0x%08lx", gap);
		add(&l, "unmap 0x%08lx 0x1000", gap);
	}
	measure("churn", n, &l, false);
	free_lines(&l);
}

/* find_available_space over N mappings with one-page holes only. */
static void fragmented(unsigned long n, unsigned iters)
{
	lines l = { 0 };
	add(&l, "new A");
	for (unsigned long i = 0; i < n; i++)
		add(&l, "guard 0x%08lx 0x1000 Reserved", 0x00200000ul + 2 * i * 0x1000ul);
	l.measured_from = l.n;
	for (unsigned i = 0; i < iters; i++)
		add(&l, "find_available_space 0x2000");
	measure("find_available_space", n, &l, false);
	free_lines(&l);
}

/* resize_heap by 1 MiB steps up to `mib` MiB (a larger physical memory). */
static void heap_growth(unsigned mib)
{
	lines l = { 0 };
	add(&l, "new A");
	add(&l, "switch_to");
	l.measured_from = l.n;
	for (unsigned i = 1; i <= mib; i++)
		add(&l, "resize_heap 0x%08x", i * 0x100000u);
	measure("heap_growth_mib", mib, &l, true);
	free_lines(&l);
}

/* `procs` processes share a shm; switch_to between them, reading it. */
static void multiprocess(unsigned procs, unsigned iters)
{
	lines l = { 0 };
	add(&l, "phys free 0x00100000 0x01000000");
	add(&l, "shm S 0x00004000");
	for (unsigned p = 0; p < procs; p++) {
		add(&l, "new P%u", p);
		add(&l, "map_partial_shared_mapping S 0x10000000 0x00000000 0x00004000 SharedMemory u_rw");
	}
	l.measured_from = l.n;
	for (unsigned i = 0; i < iters; i++) {
		unsigned p = rnd() % procs;
		add(&l, "select P%u", p);
		add(&l, "switch_to");
		add(&l, "read 0x%08x", 0x10000000u + (rnd() % 0x4000u & ~3u));
	}
	measure("multiprocess_switch", procs, &l, false);
	free_lines(&l);
}

int main(int argc, char **argv)
{
	bool quick = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
	}
	if (runs < 1 || runs > 31)
		runs = 5;
	if (quick && runs > 3)
		runs = 3;
	model = srref_new();
	printf("workload,n,ops,c_ops_per_s,ref_ops_per_s,ratio\n");
	/* churn's layout (a one-page guard, a one-page hole) fits at most
	 * 392,704 mappings in UserLand, so 10^6 live mappings cannot exist;
	 * 3 * 10^5 is the largest size measured (not with --quick) */
	unsigned long sizes[] = { 100, 1000, 10000, 100000, 300000 };
	for (int i = 0; i < (quick ? 4 : 5); i++)
		churn(sizes[i], quick ? 500 : 3000);
	for (int i = 0; i < 3; i++)
		fragmented(sizes[i], quick ? 50 : 300);
	heap_growth(quick ? 64 : 256);
	multiprocess(100, quick ? 1000 : 5000);
	srref_free(model);
	return 0;
}
