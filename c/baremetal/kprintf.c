/* kprintf.c -- a small vsnprintf: %s %c %d %u %x %p %%, with an optional
 * '0' flag and a field width (e.g. %08x). Enough for kernel messages. */
#include "i386.h"

/* Output cursor over a bounded buffer; counts what would have been written. */
struct out {
	char *buf;
	size_t size;
	size_t len;
};

/* Appends one character (dropped once the buffer is full). */
static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* Appends `v` in base `base`, left-padded to `width` with `pad`. */
static void put_num(struct out *o, uint32_t v, unsigned base, int neg,
                    int width, char pad)
{
	char tmp[12];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

/* vsnprintf for the conversions above; returns the untruncated length. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (s = s ? s : "(null)"; *s; s++)
				put(&o, *s);
			break;
		}
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 'd': {
			int v = va_arg(ap, int);
			put_num(&o, v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 10,
			        v < 0, width, pad);
			break;
		}
		case 'u':
			put_num(&o, va_arg(ap, uint32_t), 10, 0, width, pad);
			break;
		case 'x':
			put_num(&o, va_arg(ap, uint32_t), 16, 0, width, pad);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uint32_t)va_arg(ap, void *), 16, 0, 8, '0');
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			if (!*fmt)
				goto out;
			put(&o, *fmt);
		}
	}
out:
	if (size)
		o.buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

/* snprintf over kvsnprintf. */
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
