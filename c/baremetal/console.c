/* console.c -- the isa-debugcon port (0xe9): the doorbell of the shared-
 * memory link (srio.h) and a line of text for a human when the kernel
 * cannot go on. One byte written there is one VM exit, so nothing bulky
 * ever goes this way. */
#include "i386.h"
#include "srio.h"

/* Writes `n` bytes to the debug console. */
static void con_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outb(SRIO_DEBUGCON, (uint8_t)s[i]);
}

/* Tells the host to look at the shared rings. */
void srio_bell(void)
{
	outb(SRIO_DEBUGCON, SRIO_BELL);
}

/* Writes one formatted line of text (control characters replaced) to the
 * debug console. */
void con_printf(const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 2)
		n = sizeof buf - 2;
	for (int i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	buf[n++] = '\n';
	con_write(buf, (size_t)n);
}
