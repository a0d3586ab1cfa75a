/* runner.h -- the TRACE_FORMAT v1 runner, freestanding (no libc I/O).
 *
 * Used by the hosted front door (harness/srdiff-c) and by the i386 kernel,
 * which replays traces handed to it as multiboot modules.
 */
#ifndef SR_RUNNER_H
#define SR_RUNNER_H

#include <stddef.h>

/* An output sink: `write` receives raw bytes. */
typedef struct runner_sink {
	void (*write)(void *ctx, const char *bytes, size_t n);
	void *ctx;
} runner_sink;

/* Options of one run. */
typedef struct runner_opts {
	int check; /* run the invariant checker after every operation */
} runner_opts;

/* Line-at-a-time use (the fuzzer's): runner_begin resets the machine and
 * the port; runner_feed runs one line (without its '\n'); runner_end ends
 * the trace (the --check teardown). Only one runner exists at a time. */
typedef struct runner runner;
enum {
	RUNNER_OK = 0,        /* go on */
	RUNNER_MALFORMED = 2, /* reported on err; the trace is over */
	RUNNER_INVARIANT = 3, /* reported on err; the trace is over */
	RUNNER_DEAD = 4,      /* a panic (its line is on out) or an earlier end */
};
runner *runner_begin(const char *file, const runner_sink *out, const runner_sink *err, const runner_opts *opts);
int runner_feed(runner *r, const char *line, size_t n);
int runner_end(runner *r);

/* Replays one trace held in memory (`text`, `len` bytes; `file` names it in
 * messages). Result lines go to `out`; a malformed line is reported on
 * `err` as "FILE:LINE: reason\n". Resets the machine and the port first.
 * Returns 0 when the trace ran to its end or to a panic, 2 when malformed,
 * 3 when opts->check found a broken invariant ("FILE:LINE: invariant
 * broken: ..." on `err`). */
int runner_run(const char *file, const char *text, size_t len,
               const runner_sink *out, const runner_sink *err,
               const runner_opts *opts);

#endif
