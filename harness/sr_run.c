/* sr_run.c -- sr-run: replays traces on the hosted C port (the runner over
 * the port and the simulated machine, c/hostsim).
 *
 *   sr-run [--check] [--] TRACE
 *       The result stream on stdout. Exit status: 0 ran to its end or to a
 *       panic; 1 usage; 2 malformed (FILE:LINE: reason on stderr); 3 broken
 *       invariant under --check; 4 unreadable input (FILE: cannot read: ...).
 *
 *   sr-run --batch [--check] [--] TRACE...
 *       Many traces in one process, each on a fresh machine, allocator and
 *       heap. For each trace, in order, one record on stdout:
 *           @srdiff STATUS OUTLEN ERRLEN\n<OUTLEN bytes of out><ERRLEN of err>
 *       STATUS, out and err are what the single mode gives for that trace
 *       alone. Exit status 0 (1 on a usage error).
 *
 * Input is read as a stream, one line at a time: a FIFO gives results as its
 * lines arrive, memory grows with the longest line, not with the file, and a
 * line holding a byte that can never be valid (a NUL, a control character,
 * invalid UTF-8 start) is reported without reading the rest of the input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runner.h"
#include "sim.h"

enum { ST_OK = 0, ST_USAGE = 1, ST_UNREADABLE = 4 };

/* ---- sinks ------------------------------------------------------------------ */

/* Writes to a stdio stream. */
static void file_write(void *ctx, const char *bytes, size_t n)
{
	fwrite(bytes, 1, n, (FILE *)ctx);
}

/* A growable byte buffer (batch mode keeps a trace's streams here). */
typedef struct membuf {
	char *b;
	size_t n, cap;
} membuf;

static void membuf_write(void *ctx, const char *bytes, size_t n)
{
	membuf *m = ctx;
	if (m->n + n > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		while (cap < m->n + n)
			cap *= 2;
		char *b = realloc(m->b, cap);
		if (!b) {
			fputs("sr-run: out of memory\n", stderr);
			exit(ST_USAGE);
		}
		m->b = b;
		m->cap = cap;
	}
	memcpy(m->b + m->n, bytes, n);
	m->n += n;
}

/* ---- streaming input ------------------------------------------------------------ */

/* Whether byte c can start no valid line content at all: a control
 * character other than tab, or a byte that never occurs in UTF-8. Such a
 * line is malformed whatever follows, so reading can stop there. */
static int hopeless_byte(unsigned char c)
{
	return (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f || c == 0xc0 || c == 0xc1 || c >= 0xf5;
}

/* Reports "FILE: cannot read: <errno's reason>" on err; the status for it. */
static int unreadable(const char *path, const runner_sink *err)
{
	char msg[512];
	int len = snprintf(msg, sizeof msg, "%s: cannot read: %s\n", path, strerror(errno));
	err->write(err->ctx, msg, (size_t)len < sizeof msg ? (size_t)len : sizeof msg - 1);
	return ST_UNREADABLE;
}

/* Replays the trace read from f on the runner; returns its status. */
static int replay_stream(const char *path, FILE *f, const runner_sink *out,
                         const runner_sink *err, const runner_opts *opts)
{
	runner *r = runner_begin(path, out, err, opts);
	size_t cap = 1 << 12, n = 0;
	char *line = malloc(cap);
	int rc = -1;
	while (line && rc < 0) {
		int c = getc_unlocked(f);
		if (c == EOF) {
			if (ferror(f)) {
				rc = unreadable(path, err);
				break;
			}
			int fed = n ? runner_feed(r, line, n) : RUNNER_OK;
			rc = fed == RUNNER_OK ? runner_end(r) : fed == RUNNER_DEAD ? ST_OK : fed;
			break;
		}
		if (c != '\n') {
			if (n == cap) {
				char *bigger = realloc(line, cap * 2);
				if (!bigger)
					break;
				line = bigger;
				cap *= 2;
			}
			line[n++] = (char)c;
			if (!hopeless_byte((unsigned char)c))
				continue;
			/* The line is malformed however it goes on: the runner reports
			 * the first bad byte, which is this one or an earlier one. */
		}
		int fed = runner_feed(r, line, n);
		n = 0;
		if (fed == RUNNER_DEAD)
			rc = ST_OK;
		else if (fed != RUNNER_OK)
			rc = fed;
	}
	free(line);
	if (rc < 0) {
		fputs("sr-run: out of memory\n", stderr);
		exit(ST_USAGE);
	}
	return rc;
}

/* Replays the trace at path; the streams go to out and err. With
 * `line_buffered`, stdout is flushed at each result line when the input is
 * not a regular file (a FIFO, a terminal), so results come as lines do. */
static int replay_path(const char *path, const runner_sink *out, const runner_sink *err,
                       const runner_opts *opts, int line_buffered)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return unreadable(path, err);
	struct stat st;
	if (line_buffered && fstat(fileno(f), &st) == 0 && !S_ISREG(st.st_mode))
		setvbuf(stdout, NULL, _IOLBF, 0);
	int rc = replay_stream(path, f, out, err, opts);
	fclose(f);
	return rc;
}

/* ---- modes ------------------------------------------------------------------- */

static int usage(void)
{
	fputs("usage: sr-run [--check] [--] TRACE\n"
	      "       sr-run --batch [--check] [--] TRACE...\n", stderr);
	return ST_USAGE;
}

static int run_batch(char **paths, int n, const runner_opts *opts)
{
	membuf mo = { 0 }, me = { 0 };
	runner_sink out = { membuf_write, &mo }, err = { membuf_write, &me };
	for (int i = 0; i < n; i++) {
		mo.n = me.n = 0;
		int rc = replay_path(paths[i], &out, &err, opts, 0);
		printf("@srdiff %d %zu %zu\n", rc, mo.n, me.n);
		if (mo.n) /* mo.b is NULL until something is written */
			fwrite(mo.b, 1, mo.n, stdout);
		if (me.n)
			fwrite(me.b, 1, me.n, stdout);
	}
	free(mo.b);
	free(me.b);
	return ST_OK;
}

int main(int argc, char **argv)
{
	runner_opts opts = { 0 };
	int batch = 0, i = 1;
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--check"))
			opts.check = 1;
		else if (!strcmp(argv[i], "--batch"))
			batch = 1;
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (argv[i][0] == '-' && argv[i][1])
			return usage();
		else
			break;
	}
	int npaths = argc - i;
	if (npaths < (batch ? 0 : 1) || (!batch && npaths != 1))
		return usage();

	int rc;
	if (batch) {
		rc = run_batch(argv + i, npaths, &opts);
	} else {
		runner_sink out = { file_write, stdout }, err = { file_write, stderr };
		rc = replay_path(argv[i], &out, &err, &opts, 1);
	}
	machine_shutdown();
	fflush(stdout);
	return rc;
}
