/*
 * hexdump.c - canonical hex+ASCII dump, one callback per 16-byte line.
 */
#include "lib.h"

void hexdump(u64 addr, const void *buf, size_t len,
	     void (*line)(const char *s, void *arg), void *arg)
{
	const u8 *p = buf;
	char s[96];

	for (size_t off = 0; off < len; off += 16) {
		size_t n = len - off < 16 ? len - off : 16;
		int k = snprintf(s, sizeof(s), "%016llx: ", (unsigned long long)(addr + off));

		for (size_t i = 0; i < 16; i++) {
			if (i < n)
				k += snprintf(s + k, sizeof(s) - k, "%02x ", p[off + i]);
			else
				k += snprintf(s + k, sizeof(s) - k, "   ");
		}
		s[k++] = '|';
		for (size_t i = 0; i < n; i++) {
			u8 c = p[off + i];
			s[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '.';
		}
		s[k++] = '|';
		s[k] = '\0';
		line(s, arg);
	}
}
