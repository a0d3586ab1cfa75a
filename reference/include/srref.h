/* srref.h -- C interface of the reference model (reference/, Rust).
 *
 * Link with reference/target/release/libsrref.a (built by
 * `cargo build --release --offline` in reference/) and, on Linux,
 * -lpthread -ldl -lm.
 *
 * The model replays trace lines (TRACE_FORMAT.md, version 1) one at a time
 * and produces the same result lines as upstream. A handle is not thread
 * safe; distinct handles are independent.
 */
#ifndef SRREF_H
#define SRREF_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct srref srref;

/* Return codes of srref_line. */
#define SRREF_SILENT    0  /* no output: blank, comment or phys line          */
#define SRREF_LINE      1  /* one result line written to out                   */
#define SRREF_MALFORMED 2  /* malformed line: out = reason (no FILE:LINE)       */
#define SRREF_PANIC     3  /* out = "panic ..."; the model is dead until reset  */
#define SRREF_ERROR   (-1) /* bad arguments, or an internal failure of the
                              model (it then refuses lines until reset)        */

/* A fresh model: the machine state before a trace. NULL only when out of
 * memory. */
srref *srref_new(void);

/* Destroys a model (NULL is accepted). */
void srref_free(srref *m);

/* Back to the before-a-trace state. */
void srref_reset(srref *m);

/* Feeds one trace line of `len` bytes (without its '\n'; any byte value is
 * accepted, a malformed line is reported, never crashes). Writes the
 * result line (no newline), the malformed reason or the panic line to
 * `out`, truncated to `outcap` bytes including the terminating NUL
 * (nothing is written when out is NULL or outcap is 0). A malformed line
 * has no effect on the model. After SRREF_PANIC every call returns
 * SRREF_PANIC again, with the same text and no effect, until srref_reset. */
int srref_line(srref *m, const char *line, size_t len, char *out, size_t outcap);

/* Length in bytes (without the NUL) of the whole text the last srref_line
 * produced: the text was truncated when this is >= outcap. Result lines can
 * be long (a `walk` over all of UserLand can reach tens of megabytes). */
size_t srref_out_len(const srref *m);

/* Benchmarks only: frees the frames of [start, end) beyond trace RAM
 * (a larger simulated physical memory; never reachable from a trace). */
void srref_bench_free(srref *m, unsigned int start, unsigned int end);

#ifdef __cplusplus
}
#endif

#endif
