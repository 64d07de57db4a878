/*
 * test_bench.c - host tests of the benchmark's pure parts: the log-linear
 * histogram against a sorted reference on random data (ktest_seed(), printed;
 * PFNOS_SEED=<n> replays the run), bucket geometry, job options in fio
 * spellings (good and bad, with the error text), and the BENCH lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include "bench.h"
#include "errno.h"
#include "hist.h"
#include "ktest.h"
#include "lib.h"

static struct hist h1, h2;


static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank, the definition hist.h promises. */
static u64 ref_percentile(const u64 *sorted, size_t n, u32 pct)
{
	u64 rank = ((u64)n * pct + HIST_PCT_SCALE - 1) / HIST_PCT_SCALE;

	if (pct == 0)
		return sorted[0];
	if (rank == 0)
		rank = 1;
	if (rank > n)
		rank = n;
	return sorted[rank - 1];
}

KTEST(hist, bucket_geometry)
{
	/* every bucket's range maps back to it, ranges tile u64 */
	u64 next = 0;

	for (unsigned i = 0; i < HIST_NR_BUCKETS; i++) {
		u64 lo = hist_bucket_low(i), hi = hist_bucket_high(i);

		KT_ASSERT_EQ(lo, next);
		KT_ASSERT(hi >= lo);
		KT_ASSERT_EQ(hist_index(lo), i);
		KT_ASSERT_EQ(hist_index(hi), i);
		/* relative width at most 1/64 above the exact range */
		if (lo >= HIST_SUB_COUNT)
			KT_ASSERT(hi - lo + 1 <= lo / 64);
		next = hi + 1;
	}
	KT_EXPECT_EQ(next, 0);		/* wrapped: the last bucket ends at ~0 */
	KT_EXPECT_EQ(hist_index(~0ULL), HIST_NR_BUCKETS - 1);
	for (u64 v = 0; v < HIST_SUB_COUNT; v++)
		KT_EXPECT_EQ(hist_bucket_high(hist_index(v)), v);
}

KTEST(hist, empty_and_single)
{
	hist_reset(&h1);
	KT_EXPECT_EQ(hist_percentile(&h1, 50000), 0);
	KT_EXPECT_EQ(hist_mean(&h1), 0);
	hist_record(&h1, 123456789);
	for (u32 p = 0; p <= HIST_PCT_SCALE; p += 12500)
		KT_EXPECT_EQ(hist_percentile(&h1, p), 123456789);
	KT_EXPECT_EQ(hist_mean(&h1), 123456789);
	hist_record(&h1, ~0ULL);
	KT_EXPECT_EQ(h1.sum, ~0ULL);			/* saturated */
	KT_EXPECT_EQ(hist_percentile(&h1, 100000), ~0ULL);
	/* the top of 123456789's bucket, now that the maximum is above it */
	KT_EXPECT_EQ(hist_percentile(&h1, 50000), hist_bucket_high(hist_index(123456789)));
	KT_EXPECT(hist_percentile(&h1, 50000) - 123456789 <= 123456789 / 64);
	KT_EXPECT_EQ(hist_percentile(&h1, 50001), ~0ULL);
}

/* Random latency-like data of several shapes against a sorted copy. */
KTEST(hist, percentiles_vs_sorted_reference)
{
	static const u32 pcts[] = { 0, 1, 1000, 25000, 50000, 75000, 90000,
				    99000, 99900, 99990, 99999, 100000 };
	u64 seed = ktest_seed();
	struct prng r = { seed };
	size_t cap = 200000;
	u64 *vals = malloc(cap * sizeof(*vals));

	KT_ASSERT(vals);
	ktest_log("hist seed %llu", (unsigned long long)seed);
	for (int round = 0; round < 40; round++) {
		size_t n = 1 + prng_next(&r) % (round < 10 ? 50 : cap);
		unsigned shape = round % 4;
		u64 sum = 0;

		hist_reset(&h1);
		for (size_t i = 0; i < n; i++) {
			u64 v = prng_next(&r);

			switch (shape) {
			case 0: v %= 100; break;			/* exact range */
			case 1: v = 20000 + v % 80000; break;		/* 20-100 us */
			case 2: v >>= (v & 63); break;			/* all scales */
			default: v = (v % 8 ? 50000 + v % 1000 : 5000000 + v % 3000000);
			}
			vals[i] = v;
			sum = sum + v < sum ? ~0ULL : sum + v;
			hist_record(&h1, v);
		}
		qsort(vals, n, sizeof(*vals), cmp_u64);
		KT_ASSERT_EQ(h1.count, n);
		KT_ASSERT_EQ(h1.min, vals[0]);
		KT_ASSERT_EQ(h1.max, vals[n - 1]);
		if (sum != ~0ULL)
			KT_ASSERT_EQ(hist_mean(&h1), sum / n);
		for (unsigned k = 0; k < ARRAY_SIZE(pcts); k++) {
			u64 want = ref_percentile(vals, n, pcts[k]);
			u64 got = hist_percentile(&h1, pcts[k]);

			if (got < want || got - want > want / 64 ||
			    (pcts[k] == 0 && got != want) || got > vals[n - 1]) {
				ktest_fail(__FILE__, __LINE__,
					   "seed %llu round %d n %zu pct %u: got %llu want %llu",
					   (unsigned long long)seed, round, n, pcts[k],
					   (unsigned long long)got, (unsigned long long)want);
				free(vals);
				return;
			}
		}
		/* ordered, as the BENCH line promises */
		KT_ASSERT(hist_percentile(&h1, 50000) <= hist_percentile(&h1, 99000));
		KT_ASSERT(hist_percentile(&h1, 99000) <= hist_percentile(&h1, 99900));
		KT_ASSERT(hist_percentile(&h1, 99900) <= h1.max);
	}
	free(vals);
}

KTEST(hist, merge_equals_recording_all)
{
	struct prng r = { ktest_seed() };

	hist_reset(&h1);
	hist_reset(&h2);
	static struct hist all;
	hist_reset(&all);
	for (int i = 0; i < 5000; i++) {
		u64 v = prng_next(&r) % 1000000;

		hist_record(i % 3 ? &h1 : &h2, v);
		hist_record(&all, v);
	}
	hist_merge(&h1, &h2);
	KT_EXPECT_EQ(h1.count, all.count);
	KT_EXPECT_EQ(h1.sum, all.sum);
	KT_EXPECT_EQ(h1.min, all.min);
	KT_EXPECT_EQ(h1.max, all.max);
	KT_EXPECT(!memcmp(h1.buckets, all.buckets, sizeof(all.buckets)));
}

KTEST(bench, sizes_and_times)
{
	static const struct { const char *s; int err; u64 v; } sizes[] = {
		{ "512", 0, 512 }, { "4k", 0, 4096 }, { "4K", 0, 4096 },
		{ "128k", 0, 128 << 10 }, { "1m", 0, 1 << 20 }, { "256m", 0, 256 << 20 },
		{ "1g", 0, 1ULL << 30 }, { "2t", 0, 2ULL << 40 }, { "4kb", 0, 4096 },
		{ "4KiB", 0, 4096 }, { "64MiB", 0, 64 << 20 }, { "0x1000", 0, 4096 },
		{ "0", 0, 0 }, { "10b", 0, 10 },
		{ "", -EINVAL, 0 }, { "k", -EINVAL, 0 }, { "4x", -EINVAL, 0 },
		{ "4kk", -EINVAL, 0 }, { "-4k", -EINVAL, 0 }, { "4 k", -EINVAL, 0 },
		{ "1.5m", -EINVAL, 0 }, { "0x", -EINVAL, 0 },
		{ "16777216t", -ERANGE, 0 }, { "99999999999999999999", -ERANGE, 0 },
	};
	static const struct { const char *s; int err; u64 ns; } times[] = {
		{ "500ms", 0, 500000000 }, { "5s", 0, 5000000000ULL },
		{ "2m", 0, 120000000000ULL }, { "3", 0, 3000000000ULL },
		{ "100us", 0, 100000 }, { "7ns", 0, 7 }, { "1h", 0, 3600000000000ULL },
		{ "10msec", 0, 10000000 }, { "2sec", 0, 2000000000ULL }, { "1MIN", 0, 60000000000ULL },
		{ "", -EINVAL, 0 }, { "s", -EINVAL, 0 }, { "5x", -EINVAL, 0 },
		{ "1.5s", -EINVAL, 0 }, { "5 s", -EINVAL, 0 }, { "99999999999h", -ERANGE, 0 },
	};
	u64 v;

	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		v = 0xdead;
		int err = bench_parse_size(sizes[i].s, &v);

		if (err != sizes[i].err || (!err && v != sizes[i].v))
			ktest_fail(__FILE__, __LINE__, "size '%s': err %d v %llu",
				   sizes[i].s, err, (unsigned long long)v);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(times); i++) {
		v = 0xdead;
		int err = bench_parse_time(times[i].s, &v);

		if (err != times[i].err || (!err && v != times[i].ns))
			ktest_fail(__FILE__, __LINE__, "time '%s': err %d v %llu",
				   times[i].s, err, (unsigned long long)v);
	}
}

/* Split a line into argv (test helper). */
static int split(char *line, char **argv)
{
	int n = 0;

	for (char *t = strtok(line, " "); t && n < 32; t = strtok(NULL, " "))
		argv[n++] = t;
	return n;
}

static int parse_line(const char *s, struct bench_opts *o, char *err, size_t len)
{
	char buf[512], *argv[32];

	snprintf(buf, sizeof(buf), "%s", s);
	err[0] = '\0';
	return bench_parse(o, split(buf, argv), argv, err, len);
}

KTEST(bench, parse_good)
{
	struct bench_opts o;
	char err[160];

	KT_ASSERT_EQ(parse_line("null0", &o, err, sizeof(err)), 0);
	KT_EXPECT_STREQ(o.dev, "null0");
	KT_EXPECT_EQ(o.rw, BENCH_READ);
	KT_EXPECT_EQ(o.bs, 4096);
	KT_EXPECT_EQ(o.qd, 1);
	KT_EXPECT_EQ(o.runtime_ns, 2000000000ULL);
	KT_EXPECT_EQ(o.ramp_ns, 500000000ULL);
	KT_EXPECT_EQ(o.ios, 0);
	KT_EXPECT(!o.has_offset && !o.has_size && !o.poll && !o.verify);
	KT_EXPECT_EQ(o.rwmixread, 100);

	KT_ASSERT_EQ(parse_line("nvme0n1 rw=randrw bs=128k qd=32 offset=1m size=256m "
				"runtime=5s poll=1 rwmixread=70 seed=0x99 verify=1",
				&o, err, sizeof(err)), 0);
	KT_EXPECT_STREQ(o.dev, "nvme0n1");
	KT_EXPECT_EQ(o.rw, BENCH_RANDRW);
	KT_EXPECT_EQ(o.bs, 128 << 10);
	KT_EXPECT_EQ(o.qd, 32);
	KT_EXPECT(o.has_offset && o.offset == 1 << 20);
	KT_EXPECT(o.has_size && o.size == 256 << 20);
	KT_EXPECT_EQ(o.runtime_ns, 5000000000ULL);
	KT_EXPECT(o.poll && o.verify);
	KT_EXPECT_EQ(o.rwmixread, 70);
	KT_EXPECT_EQ(o.seed, 0x99);

	/* ios= drops the warm-up unless ramp_time= says otherwise */
	KT_ASSERT_EQ(parse_line("pmem0 rw=write ios=100", &o, err, sizeof(err)), 0);
	KT_EXPECT_EQ(o.ios, 100);
	KT_EXPECT_EQ(o.ramp_ns, 0);
	KT_EXPECT_EQ(o.rwmixread, 0);
	KT_ASSERT_EQ(parse_line("pmem0 ios=100 ramp_time=100ms", &o, err, sizeof(err)), 0);
	KT_EXPECT_EQ(o.ramp_ns, 100000000);
	/* fio aliases, and the last value wins */
	KT_ASSERT_EQ(parse_line("pmem0 iodepth=8 blocksize=1m hipri=1 qd=4 randseed=5 number_ios=7",
				&o, err, sizeof(err)), 0);
	KT_EXPECT_EQ(o.qd, 4);
	KT_EXPECT_EQ(o.bs, 1 << 20);
	KT_EXPECT(o.poll);
	KT_EXPECT_EQ(o.seed, 5);
	KT_EXPECT_EQ(o.ios, 7);
	KT_ASSERT_EQ(parse_line("pmem0 bs=4m qd=16", &o, err, sizeof(err)), 0);
}

KTEST(bench, parse_bad)
{
	static const struct { const char *line, *msg; } bad[] = {
		{ "", "no device" },
		{ "rw=read", "the device comes first" },
		{ "null0 rw=readd", "bad rw 'readd'" },
		{ "null0 rw=", "option rw has no value" },
		{ "null0 bs=4x", "bad bs '4x'" },
		{ "null0 bs=100", "bad bs '100': a multiple of 512" },
		{ "null0 bs=0", "bad bs '0'" },
		{ "null0 bs=8m", "bad bs '8m': at most 4m" },
		{ "null0 qd=0", "bad qd '0': at least 1" },
		{ "null0 qd=257", "bad qd '257': at most 256" },
		{ "null0 qd=-1", "bad qd '-1': not a number" },
		{ "null0 iodepth=x", "bad iodepth 'x'" },
		{ "null0 offset=1k1", "bad offset '1k1'" },
		{ "null0 offset=100", "offset is not a multiple of 512" },
		{ "null0 size=0", "bad size '0'" },
		{ "null0 size=1k bs=4k", "size is smaller than bs" },
		{ "null0 runtime=5", NULL },
		{ "null0 runtime=0s", "bad runtime '0s'" },
		{ "null0 runtime=fast", "bad runtime 'fast'" },
		{ "null0 ramp_time=1.5s", "bad ramp_time '1.5s'" },
		{ "null0 ios=0", "bad ios '0': at least 1" },
		{ "null0 ios=10 runtime=1s", "exclude each other" },
		{ "null0 poll=2", "bad poll '2': 0 or 1" },
		{ "null0 verify=yes", "bad verify 'yes': 0 or 1" },
		{ "null0 rwmixread=101", "bad rwmixread '101': at most 100" },
		{ "null0 seed=abc", "bad seed 'abc'" },
		{ "null0 depth=4", "unknown option 'depth'" },
		{ "null0 qd", "bad option 'qd': expected key=value" },
		{ "null0 =4", "bad option '=4'" },
		{ "null0 averyveryverylongoptionname=1", "unknown option" },
		{ "null0 bs=4m qd=32", "qd * bs is over 64m" },
		{ "averyveryveryveryverylongdevicename0", "too long" },
		{ "null0 numjobs=0", "bad numjobs '0': at least 1" },
		{ "null0 numjobs=17", "bad numjobs '17': at most 16" },
		{ "null0 numjobs=2 group_reporting=yes", "bad group_reporting 'yes': 0 or 1" },
	};
	struct bench_opts o;
	char err[160];

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = parse_line(bad[i].line, &o, err, sizeof(err));

		if (!bad[i].msg) {
			if (ret)
				ktest_fail(__FILE__, __LINE__, "'%s' refused: %s", bad[i].line, err);
			continue;
		}
		if (ret != -EINVAL || !strstr(err, bad[i].msg))
			ktest_fail(__FILE__, __LINE__, "'%s': ret %d, err '%s', want '%s'",
				   bad[i].line, ret, err, bad[i].msg);
	}
}

KTEST(bench, mul_div)
{
	KT_EXPECT_EQ(bench_mul_div(10, 20, 7), 28);
	KT_EXPECT_EQ(bench_mul_div(~0ULL, 1000000000ULL, 1000000000ULL), ~0ULL);
	KT_EXPECT_EQ(bench_mul_div(1ULL << 40, 1ULL << 40, 1ULL << 30), 1ULL << 50);
	KT_EXPECT_EQ(bench_mul_div(3000000000000ULL, 100000, 7000000001ULL),
		     (u64)((unsigned __int128)3000000000000ULL * 100000 / 7000000001ULL));
	KT_EXPECT_EQ(bench_mul_div(~0ULL, ~0ULL, 1), ~0ULL);	/* saturates */
	KT_EXPECT_EQ(bench_mul_div(5, 5, 0), ~0ULL);
}

KTEST(bench, result_line)
{
	struct bench_opts o;
	struct bench_result r = { 0 };
	char line[1024], err[128];

	KT_ASSERT_EQ(parse_line("pmem0 rw=randread bs=4k qd=1", &o, err, sizeof(err)), 0);
	hist_reset(&h1);
	for (u64 v = 1000; v <= 100000; v += 1000)
		hist_record(&h1, v);
	r.ios = 100000;
	r.bytes = 100000ULL * 4096;
	r.elapsed_ns = 2000000000ULL;
	r.lat = &h1;
	bench_format_result(line, sizeof(line), &o, &r);
	KT_EXPECT_STREQ(line, "BENCH dev=pmem0 rw=randread bs=4096 qd=1 poll=0 rwmixread=100 "
			"ios=100000 iops=50000 MBps=204.80 lat_avg_ns=50500 lat_p50_ns=50175 "
			"lat_p99_ns=99327 lat_p999_ns=100000 lat_max_ns=100000");

	KT_ASSERT_EQ(parse_line("nvme0n1 rw=randrw rwmixread=70 qd=32 verify=1", &o, err,
				sizeof(err)), 0);
	hist_reset(&h2);
	hist_record(&h2, 7);
	r.read_ios = 70000;
	r.write_ios = 30000;
	r.read_bytes = 70000 * 4096ULL;
	r.write_bytes = 30000 * 4096ULL;
	r.rlat = &h1;
	r.wlat = &h2;
	r.poll_used = true;
	bench_format_result(line, sizeof(line), &o, &r);
	KT_EXPECT(strstr(line, "BENCH dev=nvme0n1 rw=randrw bs=4096 qd=32 poll=1 rwmixread=70 "
			 "ios=100000 iops=50000 ") == line);
	KT_EXPECT(strstr(line, " read_ios=70000 read_iops=35000 read_MBps=143.36 "));
	KT_EXPECT(strstr(line, " write_ios=30000 write_iops=15000 write_MBps=61.44 "
			 "write_lat_avg_ns=7 write_lat_p50_ns=7 write_lat_p99_ns=7 "
			 "write_lat_p999_ns=7 write_lat_max_ns=7 verify_errors=0"));
	/* a short buffer is cut, never overrun */
	KT_EXPECT_EQ(bench_format_result(line, 20, &o, &r), 19);
	KT_EXPECT_EQ(strlen(line), 19);
}

/* Clone lines carry job=<k>; a merged result numjobs=<n>, its I/Os, bytes
 * and histograms the sums, its window the longest, samples added per
 * interval over the intervals both have. */
KTEST(bench, clones_and_merge)
{
	static struct hist a[3], b[3], m[3];
	static struct bench_samples sa, sb, sm;
	struct bench_result ra = { 0 }, rb = { 0 }, rm = { 0 };
	struct bench_opts o;
	char line[1024], err[128];

	KT_ASSERT_EQ(parse_line("null0 rw=randread numjobs=2", &o, err, sizeof(err)), 0);
	KT_EXPECT_EQ(o.numjobs, 2);
	for (int i = 0; i < 3; i++) {
		hist_reset(&a[i]);
		hist_reset(&b[i]);
		hist_reset(&m[i]);
	}
	hist_record(&a[0], 100);
	hist_record(&a[1], 100);
	hist_record(&b[0], 300);
	hist_record(&b[0], 500);
	hist_record(&b[1], 300);
	hist_record(&b[1], 500);
	ra = (struct bench_result){ .ios = 1, .read_ios = 1, .bytes = 4096, .elapsed_ns = 1000,
				    .lat = &a[0], .rlat = &a[1], .wlat = &a[2], .samples = &sa,
				    .show_clone = true, .clone = 0, .numjobs = 1 };
	rb = (struct bench_result){ .ios = 2, .read_ios = 2, .bytes = 8192, .elapsed_ns = 2000,
				    .lat = &b[0], .rlat = &b[1], .wlat = &b[2], .samples = &sb,
				    .show_clone = true, .clone = 1, .numjobs = 1 };
	sa.nr = 2;
	sa.ns[0] = sa.ns[1] = 500;
	sa.ios[0][0] = 1;
	sb.nr = 3;
	sb.ios[0][0] = 1;
	sb.ios[0][1] = 1;
	bench_format_result(line, sizeof(line), &o, &rb);
	KT_EXPECT(strstr(line, "BENCH job=1 dev=null0 rw=randread bs=4096 qd=1 poll=0 "
			 "rwmixread=100 ios=2 ") == line);
	rm.lat = &m[0];
	rm.rlat = &m[1];
	rm.wlat = &m[2];
	rm.samples = &sm;
	bench_result_merge(&rm, &ra);
	bench_result_merge(&rm, &rb);
	KT_EXPECT_EQ(rm.numjobs, 2);
	KT_EXPECT_EQ(rm.ios, 3);
	KT_EXPECT_EQ(rm.bytes, 12288);
	KT_EXPECT_EQ(rm.elapsed_ns, 2000);
	KT_EXPECT_EQ(rm.lat->count, 3);
	KT_EXPECT_EQ(rm.lat->min, 100);
	KT_EXPECT_EQ(rm.lat->max, 500);
	KT_EXPECT_EQ(sm.nr, 2);
	KT_EXPECT_EQ(sm.ios[0][0], 2);
	KT_EXPECT_EQ(sm.ios[0][1], 1);
	KT_EXPECT_EQ(sm.ns[0], 500);
	bench_format_result(line, sizeof(line), &o, &rm);
	KT_EXPECT(strstr(line, "BENCH dev=null0 rw=randread bs=4096 qd=1 poll=0 rwmixread=100 "
			 "numjobs=2 ios=3 iops=1500000 ") == line);
}

/* A report merging two jobs (fio's group): per direction the bytes of each
 * member's bs and the longest runtime of a member doing that direction,
 * total_ns the sum; the BENCH line lists the members' values. */
KTEST(bench, group_merge_and_line)
{
	static struct hist a[3], b[3], m[3];
	static struct bench_samples sa, sb, sm;
	struct bench_result ra = { 0 }, rb = { 0 }, rm = { 0 };
	struct bench_opts oa, ob;
	const struct bench_opts *os[3] = { &oa, &ob, &ob };
	char line[1024], err[128];

	KT_ASSERT_EQ(parse_line("null0 rw=randread bs=4k", &oa, err, sizeof(err)), 0);
	KT_ASSERT_EQ(parse_line("pmem0 rw=write bs=8k qd=4", &ob, err, sizeof(err)), 0);
	for (int i = 0; i < 3; i++) {
		hist_reset(&a[i]);
		hist_reset(&b[i]);
		hist_reset(&m[i]);
	}
	hist_record(&a[0], 100);
	hist_record(&a[1], 100);
	hist_record(&b[0], 300);
	hist_record(&b[2], 300);
	ra = (struct bench_result){ .ios = 1, .read_ios = 1, .bytes = 4096, .read_bytes = 4096,
				    .elapsed_ns = 4000,
				    .lat = &a[0], .rlat = &a[1], .wlat = &a[2], .samples = &sa,
				    .numjobs = 1 };
	rb = (struct bench_result){ .ios = 1, .write_ios = 1, .bytes = 8192, .write_bytes = 8192,
				    .elapsed_ns = 2000,
				    .lat = &b[0], .rlat = &b[1], .wlat = &b[2], .samples = &sb,
				    .numjobs = 1 };
	sa.nr = sb.nr = 1;
	sa.ns[0] = 4000;
	sa.ios[0][0] = 1;
	sa.bytes[0][0] = 4096;
	sb.ns[0] = 2000;
	sb.ios[1][0] = 1;
	sb.bytes[1][0] = 8192;
	rm.lat = &m[0];
	rm.rlat = &m[1];
	rm.wlat = &m[2];
	rm.samples = &sm;
	bench_result_merge(&rm, &ra);
	bench_result_merge(&rm, &rb);
	KT_EXPECT_EQ(rm.read_bytes, 4096);
	KT_EXPECT_EQ(rm.write_bytes, 8192);
	KT_EXPECT_EQ(rm.bytes, 12288);
	KT_EXPECT_EQ(rm.read_ns, 4000);
	KT_EXPECT_EQ(rm.write_ns, 2000);
	KT_EXPECT_EQ(rm.elapsed_ns, 4000);
	KT_EXPECT_EQ(rm.total_ns, 6000);
	KT_EXPECT_EQ(sm.bytes[0][0], 4096);
	KT_EXPECT_EQ(sm.bytes[1][0], 8192);
	bench_format_group(line, sizeof(line), os, 3, &rm);
	KT_EXPECT(strstr(line, "BENCH dev=null0+pmem0 rw=randread+write bs=4096+8192 qd=1+4 "
			 "poll=0 rwmixread=100+0 numjobs=2 ios=2 iops=500000 ") == line);
	/* reads and writes: per direction over its own runtime */
	KT_EXPECT(strstr(line, " read_ios=1 read_iops=250000 read_MBps=1024.00 "));
	KT_EXPECT(strstr(line, " write_ios=1 write_iops=500000 write_MBps=4096.00 "));
	/* one value when the members agree */
	os[0] = &ob;
	bench_format_group(line, sizeof(line), os, 2, &rm);
	KT_EXPECT(strstr(line, "BENCH dev=pmem0 rw=write bs=8192 qd=4 poll=0 rwmixread=0 "
			 "numjobs=2 ios=2 ") == line);
	KT_EXPECT(!strstr(line, "read_ios"));
	KT_EXPECT_EQ(bench_format_group(line, 20, os, 3, &rm), 19);
}

KTEST(bench, micro_line)
{
	char line[256];

	bench_format_micro(line, sizeof(line), "kmap_atomic_pfn_t", 123456, 370368, 1000, 0);
	KT_EXPECT_STREQ(line, "BENCH micro=kmap_atomic_pfn_t ns_per_op=123.45 tsc_per_op=370.36 ops=1000");
	bench_format_micro(line, sizeof(line), "memcpy_1m", 1000000000ULL, 3000000000ULL, 1000,
			   1000ULL << 20);
	KT_EXPECT_STREQ(line, "BENCH micro=memcpy_1m ns_per_op=1000000.00 tsc_per_op=3000000.00 "
			"ops=1000 MBps=1048.57");
}

/* The steady-state line: the median pass by ns per op, its min and max,
 * the pass counts and "unstable" when the warm-up never settled; passes
 * agree within 10 % per op. */
KTEST(bench, micro_passes)
{
	struct bench_micro_pass p[5] = {
		{ 5000, 15000, 10, 0 },		/* 500 ns/op */
		{ 3000, 9000, 10, 0 },		/* 300 */
		{ 8000, 24000, 20, 0 },		/* 400: the median */
		{ 9000, 27000, 10, 0 },		/* 900 */
		{ 2000, 6000, 10, 0 },		/* 200 */
	};
	struct bench_micro_pass a = { 1000, 0, 10, 0 }, b = { 1100, 0, 10, 0 };
	struct bench_micro_pass c = { 1112, 0, 10, 0 };
	char line[256];

	bench_format_micro_passes(line, sizeof(line), "kmap_atomic_pfn_t", p, 5, 3, true);
	KT_EXPECT_STREQ(line, "BENCH micro=kmap_atomic_pfn_t ns_per_op=400.00 tsc_per_op=1200.00 "
			"ops=20 ns_per_op_min=200.00 ns_per_op_max=900.00 passes=5 warm=3");
	p[0].bytes = 1ULL << 20;
	bench_format_micro_passes(line, sizeof(line), "x", p, 1, 20, false);
	KT_EXPECT_STREQ(line, "BENCH micro=x ns_per_op=200.00 tsc_per_op=600.00 ops=10 "
			"MBps=524288.00 ns_per_op_min=200.00 ns_per_op_max=200.00 passes=1 "
			"warm=20 unstable");
	KT_EXPECT(bench_micro_agree(&a, &b));		/* 100 vs 110: 9.1 % */
	KT_EXPECT(bench_micro_agree(&b, &a));
	KT_EXPECT(!bench_micro_agree(&a, &c));		/* 100 vs 111.2: 10.1 % */
	KT_EXPECT_EQ(bench_format_micro_passes(line, 20, "x", p, 5, 1, true), 19);
}

/* bench_smp_place(): clone k on the (k mod C)-th online CPU, as fio. */
KTEST(bench, clones_placed_round_robin_over_online_cpus)
{
	/* two CPUs: 0, 1, 0, 1 */
	for (unsigned k = 0; k < 6; k++)
		KT_EXPECT_EQ(bench_smp_place(0x3, k), k % 2);
	/* one CPU: everything on it, whichever it is */
	for (unsigned k = 0; k < 4; k++) {
		KT_EXPECT_EQ(bench_smp_place(0x1, k), 0);
		KT_EXPECT_EQ(bench_smp_place(BIT(5), k), 5);
	}
	/* CPUs 0, 2, 3 online (1 failed to start): 0, 2, 3, 0, 2 */
	KT_EXPECT_EQ(bench_smp_place(0xd, 0), 0);
	KT_EXPECT_EQ(bench_smp_place(0xd, 1), 2);
	KT_EXPECT_EQ(bench_smp_place(0xd, 2), 3);
	KT_EXPECT_EQ(bench_smp_place(0xd, 3), 0);
	KT_EXPECT_EQ(bench_smp_place(0xd, 4), 2);
	/* fewer clones than CPUs: one each, from CPU 0 up */
	KT_EXPECT_EQ(bench_smp_place(0xff, 3), 3);
	/* the top CPU of the mask, and an empty mask */
	KT_EXPECT_EQ(bench_smp_place(BIT(63) | 1, 1), 63);
	KT_EXPECT_EQ(bench_smp_place(0, 7), 0);
}
