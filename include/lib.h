/*
 * lib.h - the freestanding library: memory and string functions, formatted
 * output, number parsing and the data pattern.
 *
 * The ground floor: nothing here calls anything above it. Host unit tests
 * build the same .c files (except lib/string.c, where the host libc serves).
 */
#ifndef PFNOS_LIB_H
#define PFNOS_LIB_H

#include <stdarg.h>
#include "compiler.h"
#include "types.h"

#ifdef PFNOS_HOST
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *h, const char *n);
#endif
size_t strlcpy(char *dst, const char *src, size_t size);
bool str_starts_with(const char *s, const char *prefix);

/* lib/format.c: %d %i %u %x %X %o %c %s %p %% with flags '-', '0', width,
 * precision (strings) and length modifiers hh h l ll z. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* lib/parse.c: numbers on the shell and the command line. */
int parse_u64(const char *s, u64 *out);	/* decimal or 0x hex */
int parse_size(const char *s, u64 *out);	/* also k/m/g suffix, powers of 1024 */
int parse_bool(const char *s, bool *out);	/* 0/1, on/off, yes/no, true/false */

/* lib/pattern.c: the data pattern (boot issue). The 8-byte little-endian word
 * at byte offset B (a multiple of 8) of a region is
 * splitmix64((seed << 48) ^ (B >> 3)). */
u64 splitmix64(u64 x);
static inline u64 pattern_word(u16 seed, u64 byte_off)
{
	return splitmix64(((u64)seed << 48) ^ (byte_off >> 3));
}
/* Fill/check len bytes of buf holding region bytes [off, off+len); off and
 * len need not be multiples of 8. pattern_check returns the index of the
 * first mismatching byte, or len when all match. */
void pattern_fill(void *buf, u64 off, size_t len, u16 seed);
size_t pattern_check(const void *buf, u64 off, size_t len, u16 seed);

/* A small seeded PRNG for tests and benchmarks (splitmix64 stream). */
struct prng { u64 state; };
static inline u64 prng_next(struct prng *r)
{
	r->state += 0x9E3779B97F4A7C15ULL;
	return splitmix64(r->state - 0x9E3779B97F4A7C15ULL);
}

/* lib/hexdump.c: format 16 bytes a line as "<addr>: xx xx ... |ascii|"; the
 * callback receives each line (without newline). */
void hexdump(u64 addr, const void *buf, size_t len,
	     void (*line)(const char *s, void *arg), void *arg);

#endif
