/*
 * test_bench.c - in-guest tests of the benchmark engine (bench/bench.c):
 * short jobs on a memory-backed null device of the test's own, and on
 * pmem0 and nvme0n1 when the machine has them, complete with sane numbers
 * (ios > 0, p50 <= p99 <= p999 <= max, bytes = ios * bs), verify mode
 * finds no corruption where data is kept and finds it where it is not,
 * polled jobs reach the polled queue, and bad ranges and options are
 * refused before any I/O. pmem0 and nvme0n1 are skipped (KTAP "# SKIP")
 * on a machine without them; the standard machine has both.
 */
#include "bench.h"
#include "blkdev_driver.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"

/* Parse a job from a line (the shell's syntax) and run it. */
static int run_job(const char *line, struct bench_opts *o, struct bench_result *r)
{
	char buf[256], err[160], *argv[16];
	int argc = 0;
	char *p = buf;
	int ret;

	strlcpy(buf, line, sizeof(buf));
	while (*p && argc < 16) {
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	ret = bench_parse(o, argc, argv, err, sizeof(err));
	if (ret) {
		ktest_log("parse '%s': %s", line, err);
		return ret;
	}
	ret = bench_run(o, r, err, sizeof(err));
	if (ret)
		ktest_log("'%s': %d %s", line, ret, err);
	return ret;
}

static void check_sane(const struct bench_opts *o, const struct bench_result *r)
{
	KT_EXPECT(r->ios > 0);
	KT_EXPECT_EQ(r->bytes, r->ios * o->bs);
	KT_EXPECT_EQ(r->read_ios + r->write_ios, r->ios);
	KT_EXPECT_EQ(r->lat->count, r->ios);
	KT_EXPECT(r->elapsed_ns > 0);
	KT_EXPECT(hist_percentile(r->lat, 50000) <= hist_percentile(r->lat, 99000));
	KT_EXPECT(hist_percentile(r->lat, 99000) <= hist_percentile(r->lat, 99900));
	KT_EXPECT(hist_percentile(r->lat, 99900) <= r->lat->max);
	KT_EXPECT(r->lat->min > 0);
	KT_EXPECT_EQ(r->io_errors, 0);
	KT_EXPECT_EQ(r->verify_errors, 0);
}

static struct null_blk_dev *make_null(const char *name, bool memory, u32 poll)
{
	struct null_blk_config cfg = {
		.name = name,
		.size = 8ULL << 20,
		.bs = 512,
		.memory = memory,
		.hw_queue_depth = 16,
		.poll_queues = poll,
	};
	struct null_blk_dev *nb;

	return null_blk_create(&cfg, &nb) ? NULL : nb;
}

KTEST(bench, null_jobs_sane)
{
	static const char *const jobs[] = {
		"nullbench rw=read ios=500",
		"nullbench rw=randread bs=8k qd=8 ios=500",
		"nullbench rw=write bs=128k qd=2 ios=50",
		"nullbench rw=randrw rwmixread=70 qd=4 ios=800",
		"nullbench rw=randread runtime=50ms ramp_time=10ms",
	};
	struct null_blk_dev *nb = make_null("nullbench", false, 0);
	struct bench_opts o;
	struct bench_result r;

	KT_ASSERT(nb);
	for (unsigned i = 0; i < ARRAY_SIZE(jobs); i++) {
		KT_EXPECT_EQ(run_job(jobs[i], &o, &r), 0);
		check_sane(&o, &r);
		if (o.ios)
			KT_EXPECT_EQ(r.ios, o.ios);
	}
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
}

KTEST(bench, null_randrw_mix)
{
	struct null_blk_dev *nb = make_null("nullbench", false, 0);
	struct bench_opts o;
	struct bench_result r;

	KT_ASSERT(nb);
	KT_ASSERT_EQ(run_job("nullbench rw=randrw rwmixread=70 qd=4 ios=2000", &o, &r), 0);
	check_sane(&o, &r);
	KT_EXPECT(r.read_ios > 1200 && r.read_ios < 1600);
	KT_EXPECT_EQ(r.rlat->count + r.wlat->count, r.ios);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
}

KTEST(bench, verify_memory_null)
{
	static const char *const jobs[] = {
		"nullbench rw=randrw verify=1 qd=4 size=1m ios=600",
		"nullbench rw=randwrite verify=1 bs=16k qd=3 ios=100",
		"nullbench rw=read verify=1 bs=64k qd=2 size=2m ios=64",
	};
	struct null_blk_dev *nb = make_null("nullbench", true, 0);
	struct bench_opts o;
	struct bench_result r;

	KT_ASSERT(nb);
	for (unsigned i = 0; i < ARRAY_SIZE(jobs); i++) {
		KT_EXPECT_EQ(run_job(jobs[i], &o, &r), 0);
		check_sane(&o, &r);
		KT_EXPECT(r.wrote);
	}
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
}

/*
 * A device that transfers nothing (null_blk without memory leaves the
 * buffer as it was): verify must say so, also when a slot re-reads the
 * block it already holds. size = qd * bs: after the fill each slot's buffer
 * has the pattern of the block it wrote, and the reads hand blocks out
 * again; with qd=1 the one slot always gets its own block back, which only
 * the poisoning before each read catches. Also when the check pass after
 * writes is all that reads.
 */
KTEST(bench, verify_catches_lost_data)
{
	static const char *const jobs[] = {
		"nullbench rw=read verify=1 size=64k ios=16",
		"nullbench rw=read verify=1 qd=4 size=16k ios=16",
		"nullbench rw=read verify=1 qd=1 size=4k ios=4",
		"nullbench rw=read verify=1 bs=64k qd=2 size=128k ios=8",
		"nullbench rw=write verify=1 qd=4 size=16k ios=16",
	};
	struct null_blk_dev *nb = make_null("nullbench", false, 0);
	struct bench_opts o;
	struct bench_result r;

	KT_ASSERT(nb);
	for (unsigned i = 0; i < ARRAY_SIZE(jobs); i++) {
		KT_EXPECT_EQ(run_job(jobs[i], &o, &r), -EIO);
		KT_EXPECT(r.verify_errors > 0);
		KT_EXPECT_EQ(r.io_errors, 0);
	}
	/* without verify= the same jobs are fine: the data is not looked at */
	KT_EXPECT_EQ(run_job("nullbench rw=read qd=4 size=16k ios=16", &o, &r), 0);
	check_sane(&o, &r);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
}

KTEST(bench, poll_reaches_polled_queue)
{
	struct null_blk_dev *nb = make_null("nullbench", false, 1);
	struct bench_opts o;
	struct bench_result r;

	KT_ASSERT(nb);
	KT_EXPECT_EQ(run_job("nullbench rw=randread poll=1 qd=4 ios=300", &o, &r), 0);
	check_sane(&o, &r);
	KT_EXPECT(r.poll_used);
	KT_EXPECT_EQ(run_job("nullbench rw=randread poll=0 ios=10", &o, &r), 0);
	KT_EXPECT(!r.poll_used);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
	/* no polled queue: the job runs on interrupts and says poll=0 */
	nb = make_null("nullbench", false, 0);
	KT_ASSERT(nb);
	KT_EXPECT_EQ(run_job("nullbench rw=randread poll=1 ios=10", &o, &r), 0);
	KT_EXPECT(!r.poll_used);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
}

KTEST(bench, bad_ranges_refused)
{
	static const char *const jobs[] = {
		"nullbench offset=8m ios=1",		/* at the end */
		"nullbench offset=4m size=8m ios=1",	/* beyond it */
	};
	struct null_blk_dev *nb = make_null("nullbench", false, 0);
	struct bench_opts o;
	struct bench_result r;
	u64 reads;

	KT_ASSERT(nb);
	reads = null_blk_disk(nb)->stats.ios[BLK_STAT_READ];
	KT_EXPECT_EQ(run_job(jobs[0], &o, &r), -EINVAL);
	KT_EXPECT_EQ(run_job(jobs[1], &o, &r), -EINVAL);
	KT_EXPECT_EQ(null_blk_disk(nb)->stats.ios[BLK_STAT_READ], reads);
	KT_EXPECT_EQ(run_job("nosuchdisk ios=1", &o, &r), -ENODEV);
	/* an offset that is not bs-aligned is fine on 512-byte blocks */
	KT_EXPECT_EQ(run_job("nullbench bs=4k offset=1k ios=8", &o, &r), 0);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
}

/*
 * Options that bench_parse() refuses can still reach bench_run() from a
 * caller filling struct bench_opts itself: -EINVAL with a message, and no
 * I/O (and no "overwriting" line: the check comes first).
 */
KTEST(bench, bad_opts_refused)
{
	static const struct { u32 qd, bs; } bad[] = {
		{ BENCH_MAX_QD + 1, 4096 }, { 0, 4096 }, { 1, 0 }, { 1, BENCH_MAX_BS * 2 },
	};
	struct null_blk_dev *nb = make_null("nullbench", false, 0);
	struct bench_opts o;
	struct bench_result r;
	char err[160];
	u64 ios;

	KT_ASSERT(nb);
	ios = null_blk_disk(nb)->stats.ios[BLK_STAT_READ] +
	      null_blk_disk(nb)->stats.ios[BLK_STAT_WRITE];
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		bench_opts_init(&o);
		strlcpy(o.dev, "nullbench", sizeof(o.dev));
		o.rw = BENCH_WRITE;
		o.ios = 4;
		o.qd = bad[i].qd;
		o.bs = bad[i].bs;
		err[0] = '\0';
		KT_EXPECT_EQ(bench_run(&o, &r, err, sizeof(err)), -EINVAL);
		KT_EXPECT(err[0] != '\0');
		KT_EXPECT(!r.wrote);
		ktest_log("qd=%u bs=%u: %s", o.qd, o.bs, err);
	}
	KT_EXPECT(!strncmp(err, "bs ", 3));
	KT_EXPECT_EQ(null_blk_disk(nb)->stats.ios[BLK_STAT_READ] +
		     null_blk_disk(nb)->stats.ios[BLK_STAT_WRITE], ios);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
}

/*
 * The real devices (the issue: a short bench on null0, pmem0 and nvme0n1
 * with sane numbers): a verified randrw job, a verified read where every
 * slot re-reads its own block (the poisoned buffers must be overwritten by
 * real transfers), and a plain 128k read.
 */
static void real_device(const char *dev)
{
	static const char *const jobs[] = {
		"%s rw=randrw verify=1 qd=4 size=1m ios=200",
		"%s rw=read verify=1 qd=4 size=16k ios=32",
		"%s rw=read bs=128k qd=2 ios=20",
	};
	static char why[48];	/* ktest_skip() keeps the pointer */
	struct bench_opts o;
	struct bench_result r;
	char line[128];

	if (!blk_find_disk(dev)) {
		snprintf(why, sizeof(why), "no %s on this machine", dev);
		ktest_skip(why);
		return;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(jobs); i++) {
		snprintf(line, sizeof(line), jobs[i], dev);
		KT_EXPECT_EQ(run_job(line, &o, &r), 0);
		check_sane(&o, &r);
	}
}

KTEST(bench, real_pmem0)
{
	real_device("pmem0");
}

KTEST(bench, real_nvme0n1)
{
	real_device("nvme0n1");
}
