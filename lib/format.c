/*
 * format.c - vsnprintf for the kernel and its host tests.
 *
 * Supports the conversions pfnos prints: %d %i %u %x %X %o %c %s %p %%, the
 * flags '-' and '0', a field width and precision (also '*'), and the length
 * modifiers hh h l ll z. Output is always NUL-terminated when size > 0; the
 * return value is the length the full output would have had.
 */
#include "lib.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_c(o, c);
}

static void out_str(struct out *o, const char *s, int width, int prec, bool left)
{
	size_t n = prec >= 0 ? strnlen(s, (size_t)prec) : strlen(s);

	if (!left)
		out_pad(o, ' ', width - (int)n);
	for (size_t i = 0; i < n; i++)
		out_c(o, s[i]);
	if (left)
		out_pad(o, ' ', width - (int)n);
}

static void out_num(struct out *o, u64 v, bool neg, unsigned base, bool upper,
		    int width, bool left, bool zero, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = (int)strlen(prefix) + (neg ? 1 : 0);

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (left) {
		if (neg)
			out_c(o, '-');
		out_str(o, prefix, 0, -1, false);
		while (n)
			out_c(o, tmp[--n]);
		return;	/* the caller pads left-justified fields */
	}
	if (zero) {
		if (neg)
			out_c(o, '-');
		out_str(o, prefix, 0, -1, false);
		out_pad(o, '0', width - plen - n);
	} else {
		out_pad(o, ' ', width - plen - n);
		if (neg)
			out_c(o, '-');
		out_str(o, prefix, 0, -1, false);
	}
	while (n)
		out_c(o, tmp[--n]);
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool left = false, zero = false, alt = false;
		int width = 0, prec = -1, lng = 0;
		size_t start;

		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '-')
				left = true;
			else if (*fmt == '0')
				zero = true;
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			if (width < 0) {
				left = true;
				width = -width;
			}
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (*fmt == '.') {
			prec = 0;
			fmt++;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			while (*fmt >= '0' && *fmt <= '9')
				prec = prec * 10 + (*fmt++ - '0');
		}
		for (;; fmt++) {
			if (*fmt == 'l')
				lng = 2;
			else if (*fmt == 'z')
				lng = 2;
			else if (*fmt == 'h')
				lng = lng > 0 ? lng : -1;
			else
				break;
		}
		start = o.len;
		switch (*fmt) {
		case 'd':
		case 'i': {
			s64 v = lng == 2 ? va_arg(ap, long) : va_arg(ap, int);
			bool neg = v < 0;
			u64 mag = neg ? (u64)0 - (u64)v : (u64)v;

			out_num(&o, mag, neg, 10, false, width, left, zero, "");
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			u64 v = lng == 2 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
			const char *prefix = "";

			if (alt && base == 16 && v)
				prefix = *fmt == 'X' ? "0X" : "0x";
			out_num(&o, v, false, base, *fmt == 'X', width, left, zero, prefix);
			break;
		}
		case 'p':
			out_num(&o, (u64)(uintptr_t)va_arg(ap, void *), false, 16, false,
				width, left, zero, "0x");
			break;
		case 'c':
			if (!left)
				out_pad(&o, ' ', width - 1);
			out_c(&o, (char)va_arg(ap, int));
			if (left)
				out_pad(&o, ' ', width - 1);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			out_str(&o, s ? s : "(null)", width, prec, left);
			break;
		}
		case '%':
			out_c(&o, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			out_c(&o, '%');
			out_c(&o, *fmt);
			break;
		}
		if (left && o.len - start < (size_t)width)
			out_pad(&o, ' ', width - (int)(o.len - start));
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
