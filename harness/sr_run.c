/* sr_run.c -- sr-run: replays traces on the hosted C port (the runner over
 * the port and the simulated machine, c/hosted).
 *
 *   sr-run [--check] TRACE     result stream on stdout; exit 0, or 2 when
 *                              the trace is malformed (FILE:LINE: reason on
 *                              stderr). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runner.h"
#include "sim.h"

/* Writes to a stdio stream. */
static void file_write(void *ctx, const char *bytes, size_t n)
{
	fwrite(bytes, 1, n, (FILE *)ctx);
}

/* Reads a whole file; NULL with errno set on failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f)) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		char *bigger = realloc(buf, cap * 2);
		if (!bigger) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	fclose(f);
	*len = n;
	return buf;
}

static int usage(void)
{
	fputs("usage: sr-run [--check] TRACE\n", stderr);
	return 2;
}

int main(int argc, char **argv)
{
	runner_opts opts = { 0 };
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check"))
			opts.check = 1;
		else if (argv[i][0] == '-' && argv[i][1])
			return usage();
		else if (path)
			return usage();
		else
			path = argv[i];
	}
	if (!path)
		return usage();

	size_t len;
	char *text = read_file(path, &len);
	if (!text) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror(errno));
		return 2;
	}
	runner_sink out = { file_write, stdout }, err = { file_write, stderr };
	int rc = runner_run(path, text, len, &out, &err, &opts);
	free(text);
	machine_shutdown();
	fflush(stdout);
	return rc;
}
