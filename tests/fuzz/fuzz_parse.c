/*
 * fuzz_parse.c - libFuzzer target for the number parser (lib/parse.c), the
 * one behind the shell and the kernel command line.
 *
 * Input: a string (a NUL ends it). Checked against a reference written here
 * from the stated rules (decimal, or 0x/0X and hex digits; a size may end
 * in one k, m or g of either case, powers of 1024; a value past 64 bits is
 * -ERANGE, found while reading digits before anything after them is looked
 * at; anything else -EINVAL): parse_u64(), parse_size() and parse_bool()
 * give the reference's result and value, and every value parsed prints
 * back (decimal and hex) to a string that parses to it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include "errno.h"
#include "lib.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static void fail(const char *what, const char *s)
{
	fprintf(stderr, "parse: %s for \"%s\"\n", what, s);
	abort();
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The reference: with_suffix for parse_size. */
static int ref_parse(const char *s, bool with_suffix, u64 *out)
{
	unsigned __int128 v = 0;
	unsigned base = 10, shift = 0;
	size_t i = 0, start;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	start = i;
	for (; hexval(s[i]) >= 0 && hexval(s[i]) < (int)base; i++) {
		v = v * base + (unsigned)hexval(s[i]);
		if (v > ~0ULL)
			return -ERANGE;
	}
	if (i == start)
		return -EINVAL;
	if (with_suffix && s[i] && !s[i + 1]) {
		switch (s[i]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return -EINVAL;
		}
		i++;
	}
	if (s[i])
		return -EINVAL;
	v <<= shift;
	if (v > ~0ULL)
		return -ERANGE;
	*out = (u64)v;
	return 0;
}

static int ref_bool(const char *s, bool *out)
{
	static const char *const words[][2] = {
		{ "1", "0" }, { "on", "off" }, { "yes", "no" }, { "true", "false" }, { "y", "n" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		for (int b = 0; b < 2; b++) {
			if (!strcmp(s, words[i][b])) {
				*out = !b;
				return 0;
			}
		}
	}
	return -EINVAL;
}

static void round_trip(u64 v, const char *s)
{
	char buf[32];
	u64 w;

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	if (parse_u64(buf, &w) || w != v)
		fail("decimal does not parse back", s);
	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	if (parse_size(buf, &w) || w != v)
		fail("hex does not parse back", s);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	char s[96];
	size_t n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	u64 got = 0x5eed, want = 0x5eed;
	bool b = false, wb = false;
	int err, werr;

	memcpy(s, data, n);
	s[n] = '\0';
	err = parse_u64(s, &got);
	werr = ref_parse(s, false, &want);
	if (err != werr || (!err && got != want))
		fail("parse_u64 differs from the reference", s);
	if (!err)
		round_trip(got, s);
	got = want = 0x5eed;
	err = parse_size(s, &got);
	werr = ref_parse(s, true, &want);
	if (err != werr || (!err && got != want))
		fail("parse_size differs from the reference", s);
	if (!err)
		round_trip(got, s);
	err = parse_bool(s, &b);
	werr = ref_bool(s, &wb);
	if (err != werr || (!err && b != wb))
		fail("parse_bool differs from the reference", s);
	if (parse_u64(NULL, &got) != -EINVAL || parse_size(NULL, &got) != -EINVAL ||
	    parse_bool(NULL, &b) != -EINVAL)
		fail("NULL is not -EINVAL", "(null)");
	return 0;
}
