/* serial.c -- COM1 output and the framed replay protocol.
 *
 * The host reads one byte stream. Protocol frames are lines that start with
 * STX (0x02): "\x02BEGIN name", "\x02ERR text", "\x02END name status", ...
 * Everything else is payload: the bytes runner_run() writes to `out`, with
 * STX and DLE (0x10) escaped as DLE followed by the byte xor 0x40, so a
 * payload can never be mistaken for a frame, even mid-line.
 */
#include "i386.h"

#define COM1 0x3f8
#define STX  0x02
#define DLE  0x10

/* Programs COM1: 115200 8N1, FIFOs on, no interrupts. */
void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* IER: no interrupts */
	outb(COM1 + 3, 0x80); /* LCR: DLAB */
	outb(COM1 + 0, 0x01); /* divisor 1: 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* LCR: 8N1 */
	outb(COM1 + 2, 0x07); /* FCR: enable and clear FIFOs */
	outb(COM1 + 4, 0x03); /* MCR: DTR, RTS */
}

/* Sends one byte once the transmitter can take it. */
static void serial_putc(char c)
{
	while ((inb(COM1 + 5) & 0x20) == 0)
		;
	outb(COM1, (uint8_t)c);
}

/* Sends `n` bytes as they are. */
void serial_write_raw(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}

/* Sends `n` payload bytes, escaping STX and DLE. */
void serial_write_payload(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == STX || c == DLE) {
			serial_putc(DLE);
			c ^= 0x40;
		}
		serial_putc(c);
	}
}

/* Sends one protocol frame: STX, the formatted text, newline. Control
 * characters inside the text are replaced so the frame stays one line. */
void frame(const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	for (int i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	serial_putc(STX);
	serial_write_raw(buf, (size_t)n);
	serial_putc('\n');
}
