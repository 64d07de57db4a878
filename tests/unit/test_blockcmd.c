/*
 * test_blockcmd.c - host tests of the block shell commands' argument
 * checks (shell/blkcmd_parse.c): ranges at the edges of a device, count 0
 * and overflow, read's block limit, seeds, key=value options, copy lengths
 * across block sizes, verify's from= and where a mismatch lies.
 */
#include "shell/blkcmd.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"

#define NBLK	2097152ULL		/* 1 GiB of 512-byte blocks */

KTEST(blockcmd, ranges)
{
	static const struct {
		u64 lba, count, max;
		u32 lbs;
		u64 nr;
		int err;
		const char *msg;
	} t[] = {
		{ 0, 1, 0, 512, NBLK, 0, NULL },
		{ 100, 8, 0, 512, NBLK, 0, NULL },
		{ NBLK - 1, 1, 0, 512, NBLK, 0, NULL },
		{ 0, NBLK, 0, 512, NBLK, 0, NULL },
		{ 0, 0, 0, 512, NBLK, -EINVAL, "count must not be 0" },
		{ NBLK, 1, 0, 512, NBLK, -ERANGE, "runs past the end of pmem0 (2097152 blocks)" },
		{ NBLK - 1, 2, 0, 512, NBLK, -ERANGE, "lba 2097151 + count 2 runs past" },
		{ 0, NBLK + 1, 0, 512, NBLK, -ERANGE, "runs past the end" },
		{ ~0ULL, 1, 0, 512, NBLK, -ERANGE, "overflows" },
		{ 1, ~0ULL, 0, 512, NBLK, -ERANGE, "overflows" },
		{ ~0ULL - 5, 5, 0, 512, NBLK, -ERANGE, "runs past" },
		{ 0, 64, 64, 512, NBLK, 0, NULL },
		{ 0, 65, 64, 512, NBLK, -EINVAL, "count 65 too large (max 64 blocks)" },
		{ 262143, 1, 0, 4096, 262144, 0, NULL },
		{ 262143, 2, 0, 4096, 262144, -ERANGE, "(262144 blocks)" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct blkcmd_range r = { 0 };
		char why[160] = "";
		int err = blkcmd_check_range("pmem0", t[i].lba, t[i].count, t[i].lbs,
					     t[i].nr, t[i].max, &r, why, sizeof(why));

		KT_EXPECT_EQ(err, t[i].err);
		if (t[i].msg && !strstr(why, t[i].msg))
			ktest_fail(__FILE__, __LINE__, "case %u: '%s' lacks '%s'", i, why,
				   t[i].msg);
		if (!t[i].err) {
			KT_EXPECT_EQ(r.lba, t[i].lba);
			KT_EXPECT_EQ(r.count, t[i].count);
			KT_EXPECT_EQ(r.byte_off, t[i].lba * t[i].lbs);
			KT_EXPECT_EQ(r.bytes, t[i].count * t[i].lbs);
			KT_EXPECT_STREQ(why, "");
		}
	}
}

KTEST(blockcmd, seeds)
{
	char why[160];

	KT_EXPECT_EQ(blkcmd_check_seed(0, why, sizeof(why)), 0);
	KT_EXPECT_EQ(blkcmd_check_seed(65535, why, sizeof(why)), 0);
	KT_EXPECT_EQ(blkcmd_check_seed(65536, why, sizeof(why)), -ERANGE);
	KT_EXPECT(strstr(why, "seed 65536 out of range (0..65535)") != NULL);
	KT_EXPECT_EQ(blkcmd_check_seed(~0ULL, why, sizeof(why)), -ERANGE);
}

KTEST(blockcmd, options)
{
	static const struct {
		const char *arg, *key;
		int ret;
		u64 val;
		const char *msg;
	} t[] = {
		{ "from=0", "from", 1, 0, NULL },
		{ "from=51200", "from", 1, 51200, NULL },
		{ "from=0x1000", "from", 1, 4096, NULL },
		{ "bounce=1", "bounce", 1, 1, NULL },
		{ "bounce=1", "from", 0, 0, NULL },
		{ "fromage=1", "from", 0, 0, NULL },
		{ "from", "from", 0, 0, NULL },
		{ "", "from", 0, 0, NULL },
		{ "from=", "from", -EINVAL, 0, "from '' is not a number" },
		{ "from=12x", "from", -EINVAL, 0, "from '12x' is not a number" },
		{ "from=-1", "from", -EINVAL, 0, "not a number" },
		{ "from=1k", "from", -EINVAL, 0, "not a number" },
		{ "from=18446744073709551616", "from", -ERANGE, 0, "out of range" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		char why[160] = "";
		u64 v = 12345;
		int ret = blkcmd_parse_opt(t[i].arg, t[i].key, &v, why, sizeof(why));

		KT_EXPECT_EQ(ret, t[i].ret);
		if (ret == 1)
			KT_EXPECT_EQ(v, t[i].val);
		if (t[i].msg && !strstr(why, t[i].msg))
			ktest_fail(__FILE__, __LINE__, "case %u: '%s' lacks '%s'", i, why,
				   t[i].msg);
	}
}

KTEST(blockcmd, copy_lengths)
{
	static const struct {
		u64 count;
		u32 slbs, dlbs;
		int err;
		u64 bytes, dcount;
	} t[] = {
		{ 8, 512, 512, 0, 4096, 8 },
		{ 8, 512, 4096, 0, 4096, 1 },
		{ 16, 512, 4096, 0, 8192, 2 },
		{ 7, 512, 4096, -EINVAL, 0, 0 },
		{ 1, 512, 4096, -EINVAL, 0, 0 },
		{ 3, 4096, 512, 0, 12288, 24 },
		{ 0, 512, 512, -EINVAL, 0, 0 },
		{ ~0ULL / 512 + 1, 512, 512, -ERANGE, 0, 0 },
		{ ~0ULL, 4096, 512, -ERANGE, 0, 0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		char why[160] = "";
		u64 bytes = 0, dcount = 0;
		int err = blkcmd_copy_len(t[i].count, t[i].slbs, t[i].dlbs, &bytes,
					  &dcount, why, sizeof(why));

		KT_EXPECT_EQ(err, t[i].err);
		if (!err) {
			KT_EXPECT_EQ(bytes, t[i].bytes);
			KT_EXPECT_EQ(dcount, t[i].dcount);
		} else {
			KT_EXPECT(why[0] != '\0');
		}
	}
	{
		char why[160];
		u64 b, d;

		blkcmd_copy_len(7, 512, 4096, &b, &d, why, sizeof(why));
		KT_EXPECT_STREQ(why, "3584 bytes is not a multiple of both block sizes (512 and 4096)");
	}
}

KTEST(blockcmd, verify_from_and_locate)
{
	struct blkcmd_range r;
	char why[160];
	u64 out, lba;
	u32 off;

	KT_ASSERT_EQ(blkcmd_check_range("pmem1", 100, 8, 512, NBLK, 0, &r, why, sizeof(why)), 0);
	KT_EXPECT_EQ(blkcmd_verify_from(&r, false, 0, &out, why, sizeof(why)), 0);
	KT_EXPECT_EQ(out, 51200);
	KT_EXPECT_EQ(blkcmd_verify_from(&r, true, 0, &out, why, sizeof(why)), 0);
	KT_EXPECT_EQ(out, 0);
	KT_EXPECT_EQ(blkcmd_verify_from(&r, true, 1ULL << 40, &out, why, sizeof(why)), 0);
	KT_EXPECT_EQ(out, 1ULL << 40);
	KT_EXPECT_EQ(blkcmd_verify_from(&r, true, ~0ULL - 4095, &out, why, sizeof(why)), 0);
	KT_EXPECT_EQ(blkcmd_verify_from(&r, true, ~0ULL - 4094, &out, why, sizeof(why)), -ERANGE);
	KT_EXPECT(strstr(why, "overflows") != NULL);

	blkcmd_locate(&r, 512, 0, &lba, &off);
	KT_EXPECT(lba == 100 && off == 0);
	blkcmd_locate(&r, 512, 511, &lba, &off);
	KT_EXPECT(lba == 100 && off == 511);
	blkcmd_locate(&r, 512, 512, &lba, &off);
	KT_EXPECT(lba == 101 && off == 0);
	blkcmd_locate(&r, 512, 4095, &lba, &off);
	KT_EXPECT(lba == 107 && off == 511);
	KT_ASSERT_EQ(blkcmd_check_range("nvme0n1", 3, 2, 4096, 1000, 0, &r, why, sizeof(why)), 0);
	blkcmd_locate(&r, 4096, 4097, &lba, &off);
	KT_EXPECT(lba == 4 && off == 1);
}

KTEST(blockcmd, overlap)
{
	KT_EXPECT(blkcmd_overlap(0, 4096, 0, 4096));
	KT_EXPECT(blkcmd_overlap(0, 4096, 4095, 1));
	KT_EXPECT(!blkcmd_overlap(0, 4096, 4096, 4096));
	KT_EXPECT(!blkcmd_overlap(4096, 4096, 0, 4096));
	KT_EXPECT(blkcmd_overlap(4096, 4096, 0, 4097));
	KT_EXPECT(blkcmd_overlap(100, 1, 0, 1 << 20));
	KT_EXPECT(!blkcmd_overlap(0, 0, 0, 4096));
	/* ranges whose last byte is the last one 64 bits can name */
	KT_EXPECT(blkcmd_overlap(~0ULL - 4095, 4096, ~0ULL - 4095, 4096));
	KT_EXPECT(blkcmd_overlap(~0ULL - 4095, 4096, ~0ULL, 1));
	KT_EXPECT(blkcmd_overlap(~0ULL - 8191, 8192, ~0ULL - 4095, 4096));
	KT_EXPECT(!blkcmd_overlap(~0ULL - 8191, 4096, ~0ULL - 4095, 4096));
}
