/*
 * pattern.c - the data pattern shared by write/verify, kmap tests and the
 * host checker scripts/patcheck.
 *
 * The 8-byte little-endian word at byte offset B (B % 8 == 0) of a region is
 * splitmix64((seed << 48) ^ (B >> 3)). Byte i of that word is bits 8i..8i+7.
 */
#include "lib.h"

u64 splitmix64(u64 x)
{
	u64 z;

	x += 0x9E3779B97F4A7C15ULL;
	z = x;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static inline u8 pattern_byte(u64 word, u64 off)
{
	return (u8)(word >> ((off & 7) * 8));
}

void pattern_fill(void *buf, u64 off, size_t len, u16 seed)
{
	u8 *p = buf;
	size_t i = 0;

	while (i < len && ((off + i) & 7)) {
		p[i] = pattern_byte(pattern_word(seed, off + i), off + i);
		i++;
	}
	for (; i + 8 <= len; i += 8) {
		u64 w = pattern_word(seed, off + i);
		__builtin_memcpy(p + i, &w, 8);	/* x86 is little-endian */
	}
	for (; i < len; i++)
		p[i] = pattern_byte(pattern_word(seed, off + i), off + i);
}

size_t pattern_check(const void *buf, u64 off, size_t len, u16 seed)
{
	const u8 *p = buf;
	size_t i = 0;

	while (i < len && ((off + i) & 7)) {
		if (p[i] != pattern_byte(pattern_word(seed, off + i), off + i))
			return i;
		i++;
	}
	for (; i + 8 <= len; i += 8) {
		u64 w = pattern_word(seed, off + i), got;

		__builtin_memcpy(&got, p + i, 8);
		if (got != w) {
			for (size_t j = 0; j < 8; j++)
				if (p[i + j] != pattern_byte(w, off + i + j))
					return i + j;
		}
	}
	for (; i < len; i++)
		if (p[i] != pattern_byte(pattern_word(seed, off + i), off + i))
			return i;
	return len;
}
