/*
 * test_lib.c - host tests of lib/: the data pattern against the test
 * vectors, number parsing (good and bad), vsnprintf conversions.
 */
#include "errno.h"
#include "ktest.h"
#include "lib.h"

KTEST(lib, pattern_vectors)
{
	KT_EXPECT_EQ(pattern_word(7, 0), 0x65fe7950f9a3a8b5ULL);
	KT_EXPECT_EQ(pattern_word(7, 8), 0xeeda2a5c4dbdeccdULL);
	KT_EXPECT_EQ(pattern_word(7, 51200), 0xb7e4ab1ac214bd36ULL);
}

KTEST(lib, pattern_fill_check_unaligned)
{
	u8 buf[100];

	for (u64 off = 0; off < 16; off++) {
		for (size_t len = 0; len < 40; len++) {
			pattern_fill(buf, 1000 + off, len, 42);
			KT_ASSERT_EQ(pattern_check(buf, 1000 + off, len, 42), len);
			for (size_t i = 0; i < len; i++) {
				u64 b = 1000 + off + i;
				u8 want = (u8)(pattern_word(42, b & ~7ULL) >> ((b & 7) * 8));
				KT_ASSERT_EQ(buf[i], want);
			}
			if (len) {
				buf[len / 2] ^= 1;
				KT_ASSERT_EQ(pattern_check(buf, 1000 + off, len, 42), len / 2);
			}
		}
	}
}

KTEST(lib, parse_numbers)
{
	u64 v;

	KT_EXPECT(parse_u64("0", &v) == 0 && v == 0);
	KT_EXPECT(parse_u64("123", &v) == 0 && v == 123);
	KT_EXPECT(parse_u64("0x1F", &v) == 0 && v == 31);
	KT_EXPECT(parse_u64("18446744073709551615", &v) == 0 && v == ~0ULL);
	KT_EXPECT_EQ(parse_u64("18446744073709551616", &v), -ERANGE);
	KT_EXPECT_EQ(parse_u64("0x10000000000000000", &v), -ERANGE);
	KT_EXPECT_EQ(parse_u64("", &v), -EINVAL);
	KT_EXPECT_EQ(parse_u64(NULL, &v), -EINVAL);
	KT_EXPECT_EQ(parse_u64("12a", &v), -EINVAL);
	KT_EXPECT_EQ(parse_u64("-1", &v), -EINVAL);
	KT_EXPECT_EQ(parse_u64("0x", &v), -EINVAL);
	KT_EXPECT_EQ(parse_u64(" 1", &v), -EINVAL);
	KT_EXPECT_EQ(parse_u64("4k", &v), -EINVAL);
	KT_EXPECT(parse_size("4k", &v) == 0 && v == 4096);
	KT_EXPECT(parse_size("2M", &v) == 0 && v == 2 << 20);
	KT_EXPECT(parse_size("0x10g", &v) == 0 && v == 16ULL << 30);
	KT_EXPECT(parse_size("7", &v) == 0 && v == 7);
	KT_EXPECT_EQ(parse_size("4kb", &v), -EINVAL);
	KT_EXPECT_EQ(parse_size("4t", &v), -EINVAL);
	KT_EXPECT_EQ(parse_size("k", &v), -EINVAL);
	KT_EXPECT_EQ(parse_size("17179869184g", &v), -ERANGE);
}

KTEST(lib, parse_bool)
{
	bool b;

	KT_EXPECT(parse_bool("1", &b) == 0 && b);
	KT_EXPECT(parse_bool("off", &b) == 0 && !b);
	KT_EXPECT_EQ(parse_bool("2", &b), -EINVAL);
}

KTEST(lib, format)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%d %u %x %X %s %c %%", -5, 7u, 255u, 255u, "hi", 'z');
	KT_EXPECT_STREQ(buf, "-5 7 ff FF hi z %");
	snprintf(buf, sizeof(buf), "[%5d][%-5d][%05d][%-3s][%3s]", 42, 42, -42, "a", "b");
	KT_EXPECT_STREQ(buf, "[   42][42   ][-0042][a  ][  b]");
	snprintf(buf, sizeof(buf), "%llx %016llx %lu %zu", 0xdeadbeefcafeULL, 1ULL, 10UL, (size_t)3);
	KT_EXPECT_STREQ(buf, "deadbeefcafe 0000000000000001 10 3");
	snprintf(buf, sizeof(buf), "%.3s|%#x|%p", "abcdef", 16u, (void *)0x1000);
	KT_EXPECT_STREQ(buf, "abc|0x10|0x1000");
	KT_EXPECT_EQ(snprintf(buf, 4, "%s", "abcdef"), 6);
	KT_EXPECT_STREQ(buf, "abc");
	snprintf(buf, sizeof(buf), "%lld", (long long)-9223372036854775807LL - 1);
	KT_EXPECT_STREQ(buf, "-9223372036854775808");
}

static char hd_out[4][96];
static int hd_n;
static void hd_line(const char *s, void *arg)
{
	if (hd_n < 4)
		strlcpy(hd_out[hd_n], s, sizeof(hd_out[0]));
	hd_n++;
}

KTEST(lib, hexdump)
{
	const char data[] = "pfnos hexdump!!\x01";

	hd_n = 0;
	hexdump(0x200, data, 17, hd_line, NULL);
	KT_ASSERT_EQ(hd_n, 2);
	KT_EXPECT_STREQ(hd_out[0], "0000000000000200: 70 66 6e 6f 73 20 68 65 78 64 75 6d 70 21 21 01 |pfnos hexdump!!.|");
	KT_EXPECT_STREQ(hd_out[1], "0000000000000210: 00                                              |.|");
}
