/*
 * fuzz_blockcmd.c - libFuzzer target for the argument parsers of the block
 * commands (shell/blkcmd_parse.c) and of `bench` (bench/bench_parse.c).
 *
 * Input: 40 bytes of numbers (lba, count, nr_blocks, max_count, from: u64
 * each), two bytes of block-size shifts, then NUL-separated words.
 * Checked: a range blkcmd_check_range() accepts lies inside the device with
 * byte offsets that fit, and every refusal has a message; the last byte of
 * a range is located in its last block; verify's from= is accepted exactly
 * when the last byte fits in 64 bits; a copy length is accepted exactly
 * when it is whole blocks of both sizes; blkcmd_overlap() agrees with
 * 128-bit arithmetic; a from=... word parses exactly as parse_u64() parses
 * its value. The words (a device first) go to bench_parse(): what it
 * accepts keeps every limit bench.h states, and its result line, formatted
 * into buffers of many sizes, stays inside them; bench_parse_size() and
 * bench_parse_time() give what a reference written from bench.h's rules
 * gives for every value.
 */
#include <stdio.h>
#include <stdlib.h>
#include "bench.h"
#include "shell/blkcmd.h"
#include "errno.h"
#include "hist.h"
#include "lib.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#define MAX_WORDS	24

typedef unsigned __int128 u128;

static void fail(const char *what)
{
	fprintf(stderr, "blockcmd: %s\n", what);
	abort();
}

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

static void why_set(const char *why, size_t len)
{
	if (!why[0] || !memchr(why, '\0', len))
		fail("a refusal without a message");
}

static void check_range(const u8 *p)
{
	u64 lba = get64(p), count = get64(p + 8), nr = get64(p + 16);
	u64 max = get64(p + 24) % 128, from = get64(p + 32);
	u32 lbs = 512U << (p[40] % 8);
	struct blkcmd_range r;
	char why[128];
	u64 out, blk;
	u32 off;
	int err;

	nr %= (~0ULL / lbs) + 1;	/* a device's size in bytes fits in 64 bits */
	why[0] = '\0';
	err = blkcmd_check_range("dev", lba, count, lbs, nr, max, &r, why, sizeof(why));
	if (err) {
		why_set(why, sizeof(why));
		if (err != -EINVAL && err != -ERANGE)
			fail("an error other than -EINVAL or -ERANGE");
		if (count && (!max || count <= max) && lba < nr && count <= nr - lba)
			fail("a range inside the device refused");
		return;
	}
	if (!count || (max && count > max) || lba >= nr || count > nr - lba)
		fail("a range outside the device accepted");
	if (r.lba != lba || r.count != count || r.byte_off != lba * lbs || r.bytes != count * lbs)
		fail("the range's bytes are wrong");
	blkcmd_locate(&r, lbs, r.bytes - 1, &blk, &off);
	if (blk != lba + count - 1 || off != lbs - 1)
		fail("the last byte located in the wrong block");
	why[0] = '\0';
	err = blkcmd_verify_from(&r, true, from, &out, why, sizeof(why));
	if ((u128)from + r.bytes - 1 <= ~0ULL) {
		if (err || out != from)
			fail("a from= whose last byte fits refused");
	} else {
		if (!err)
			fail("a from= whose last byte does not fit accepted");
		why_set(why, sizeof(why));
	}
	if (blkcmd_verify_from(&r, false, from, &out, why, sizeof(why)) || out != r.byte_off)
		fail("verify without from= is not the range's offset");
}

static void check_copy_and_overlap(const u8 *p)
{
	u64 count = get64(p + 8), a = get64(p), b = get64(p + 32);
	u64 alen = count % 4096, blen = get64(p + 24) % 4096;
	u32 slbs = 512U << (p[40] % 8), dlbs = 512U << (p[41] % 8);
	char why[128];
	u64 bytes, dcount;
	bool want;
	int err;

	why[0] = '\0';
	err = blkcmd_copy_len(count, slbs, dlbs, &bytes, &dcount, why, sizeof(why));
	want = count && (u128)count * slbs <= ~0ULL && (count * slbs) % dlbs == 0;
	if (!err != want)
		fail("a copy length accepted or refused wrongly");
	if (err)
		why_set(why, sizeof(why));
	else if (bytes != count * slbs || dcount * dlbs != bytes)
		fail("a copy length that is not whole blocks of both sizes");
	want = alen && blen && (u128)a < (u128)b + blen && (u128)b < (u128)a + alen;
	if (blkcmd_overlap(a, alen, b, blen) != want)
		fail("blkcmd_overlap differs from 128-bit arithmetic");
}

static void check_opts(char **words, int nwords)
{
	for (int i = 0; i < nwords; i++) {
		char why[128];
		u64 v = 0, want = 0;
		int err, werr;

		why[0] = '\0';
		err = blkcmd_parse_opt(words[i], "from", &v, why, sizeof(why));
		if (strncmp(words[i], "from=", 5)) {
			if (err)
				fail("a word without from= parsed as from=");
			continue;
		}
		werr = parse_u64(words[i] + 5, &want);
		if (werr ? err != werr : err != 1 || v != want)
			fail("from= differs from parse_u64");
		if (err < 0)
			why_set(why, sizeof(why));
	}
}

/* The rules bench.h states for sizes and times, written again: decimal or
 * 0x hex digits, then one of the units (either case), times its multiplier;
 * past 64 bits -ERANGE, anything else -EINVAL. */
struct unit {
	const char *name;
	u64 mult;
};

static const struct unit size_units[] = {
	{ "", 1 }, { "b", 1 }, { "k", 1ULL << 10 }, { "kb", 1ULL << 10 },
	{ "kib", 1ULL << 10 }, { "m", 1ULL << 20 }, { "mb", 1ULL << 20 },
	{ "mib", 1ULL << 20 }, { "g", 1ULL << 30 }, { "gb", 1ULL << 30 },
	{ "gib", 1ULL << 30 }, { "t", 1ULL << 40 }, { "tb", 1ULL << 40 },
	{ "tib", 1ULL << 40 }, { NULL, 0 },
};

static const struct unit time_units[] = {
	{ "", 1000000000ULL }, { "ns", 1 }, { "nsec", 1 }, { "us", 1000 },
	{ "usec", 1000 }, { "ms", 1000000 }, { "msec", 1000000 },
	{ "s", 1000000000ULL }, { "sec", 1000000000ULL }, { "m", 60000000000ULL },
	{ "min", 60000000000ULL }, { "h", 3600000000000ULL }, { NULL, 0 },
};

static int digit(char c, unsigned base)
{
	int d = c >= '0' && c <= '9' ? c - '0' :
		c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;

	return d < (int)base ? d : -1;
}

static int ref_bench_num(const char *s, const struct unit *units, u64 *out)
{
	u128 v = 0;
	unsigned base = 10;
	char rest[16];
	size_t i = 0, start, k;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	for (start = i; digit(s[i], base) >= 0; i++) {
		v = v * base + (unsigned)digit(s[i], base);
		if (v > ~0ULL)
			return -ERANGE;
	}
	if (i == start)
		return -EINVAL;
	for (k = 0; s[i + k] && k < sizeof(rest) - 1; k++)
		rest[k] = s[i + k] >= 'A' && s[i + k] <= 'Z' ? (char)(s[i + k] + 32) : s[i + k];
	if (s[i + k])
		return -EINVAL;
	rest[k] = '\0';
	for (const struct unit *u = units; u->name; u++) {
		if (strcmp(rest, u->name))
			continue;
		v *= u->mult;
		if (v > ~0ULL)
			return -ERANGE;
		*out = (u64)v;
		return 0;
	}
	return -EINVAL;
}

static void check_bench_numbers(char **words, int nwords)
{
	for (int i = 0; i < nwords; i++) {
		const char *val = strchr(words[i], '=');
		u64 v = 0, want = 0;
		int e, we;

		val = val ? val + 1 : words[i];
		e = bench_parse_size(val, &v);
		we = ref_bench_num(val, size_units, &want);
		if (e != we || (!e && v != want))
			fail("bench_parse_size differs from the reference");
		e = bench_parse_time(val, &v);
		we = ref_bench_num(val, time_units, &want);
		if (e != we || (!e && v != want))
			fail("bench_parse_time differs from the reference");
	}
}

static void check_bench_line(const struct bench_opts *o, u64 pick)
{
	static const size_t lens[] = { 1, 8, 40, 100, 200, 400, 1024 };
	static struct hist h[3];
	struct bench_result res;

	memset(&res, 0, sizeof(res));
	for (int i = 0; i < 3; i++) {
		hist_reset(&h[i]);
		hist_record(&h[i], pick << i);
		hist_record(&h[i], ~0ULL >> (pick % 64));
	}
	res.lat = &h[0];
	res.rlat = &h[1];
	res.wlat = &h[2];
	res.ios = ~0ULL >> (pick % 64);
	res.read_ios = pick;
	res.write_ios = ~0ULL / o->bs;
	res.read_bytes = pick * o->bs;
	res.write_bytes = res.write_ios * o->bs;
	res.bytes = ~0ULL - pick;
	res.elapsed_ns = pick % 3 ? pick : 0;
	res.verify_errors = pick;
	res.poll_used = pick & 1;
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		char *b = malloc(lens[i]);	/* exact size: ASan sees overruns */
		int n = bench_format_result(b, lens[i], o, &res);

		if (n < 0 || (size_t)n >= lens[i] || strlen(b) != (size_t)n)
			fail("bench: a result line longer than its buffer");
		if (lens[i] == 1024 && strncmp(b, "BENCH dev=", 10))
			fail("bench: the result line does not start with BENCH dev=");
		free(b);
	}
}

static void check_bench(char **words, int nwords, u64 pick)
{
	struct bench_opts o;
	char err[160];

	err[0] = '\0';
	if (bench_parse(&o, nwords, words, err, sizeof(err))) {
		why_set(err, sizeof(err));
		return;
	}
	if (!o.dev[0] || strchr(o.dev, '=') || strcmp(o.dev, words[0]))
		fail("bench: a bad device name accepted");
	if ((unsigned)o.rw >= BENCH_RW_NR || !o.qd || o.qd > BENCH_MAX_QD ||
	    !o.bs || o.bs % 512 || o.bs > BENCH_MAX_BS ||
	    (u64)o.qd * o.bs > BENCH_MAX_BUFFERS || o.rwmixread > 100 ||
	    !o.numjobs || o.numjobs > BENCH_MAX_NUMJOBS)
		fail("bench: options outside their limits accepted");
	if ((o.has_offset && o.offset % 512) || (o.has_size && (!o.size || o.size < o.bs)))
		fail("bench: a bad offset or size accepted");
	if (!o.ios && !o.runtime_ns)
		fail("bench: neither a runtime nor a number of I/Os");
	if (o.rw != BENCH_RANDRW &&
	    o.rwmixread != (o.rw == BENCH_READ || o.rw == BENCH_RANDREAD ? 100u : 0u))
		fail("bench: a one-way job with a read/write mix");
	check_bench_line(&o, pick);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static char text[2048];
	char *words[MAX_WORDS];
	int nwords = 0;
	size_t n;

	if (size < 42)
		return 0;
	n = size - 42 < sizeof(text) - 1 ? size - 42 : sizeof(text) - 1;
	memcpy(text, data + 42, n);
	text[n] = '\0';
	for (size_t off = 0; off <= n && nwords < MAX_WORDS;) {
		words[nwords++] = text + off;
		off += strlen(text + off) + 1;
	}
	check_range(data);
	check_copy_and_overlap(data);
	check_opts(words, nwords);
	check_bench_numbers(words, nwords);
	check_bench(words, nwords, get64(data) ^ get64(data + 8));
	return 0;
}
