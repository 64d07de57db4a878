/*
 * test_fio.c - host tests of fio job files (bench/fio_job.c): the layout
 * ([global] defaults for later sections, comments, bare flags), every
 * option's meaning (device names mapped from /dev, synchronous engines at
 * queue depth 1 whatever iodepth says, fio's size and time spellings,
 * time_based against size-bounded jobs, groups and stonewall sets), and
 * the errors naming file, line and option, table-driven.
 */
#include <stdlib.h>
#include "bench.h"
#include "errno.h"
#include "ktest.h"
#include "hist.h"
#include "lib.h"

static struct fio_jobfile jf;

static int parse(const char *text, char *err, size_t errlen)
{
	err[0] = '\0';
	return fio_parse_jobfile(&jf, "t.fio", text, strlen(text), err, errlen);
}

KTEST(fio, example_file)
{
	static const char text[] =
		"; a comment\n"
		"# another\n"
		"[global]\n"
		"direct=1\n"
		"time_based\n"
		"runtime=200ms\n"
		"ramp_time=50ms\n"
		"\n"
		"[pmem-randread]\n"
		"filename=/dev/pmem0\n"
		"rw=randread\n"
		"bs=4k\n"
		"ioengine=psync\n"
		"iodepth=8\n"
		"\n"
		"[nvme-randread]\n"
		"  filename = /dev/nvme0n1  \n"
		"rw=randread\r\n"
		"blocksize=4KiB\n"
		"ioengine=libaio\n"
		"iodepth=8\n"
		"numjobs=2\n"
		"group_reporting\n";
	char err[200];
	const struct fio_job *a = &jf.jobs[0], *b = &jf.jobs[1];

	KT_ASSERT_EQ(parse(text, err, sizeof(err)), 0);
	KT_ASSERT_EQ(jf.nr_jobs, 2);
	KT_EXPECT_STREQ(a->name, "pmem-randread");
	KT_EXPECT_STREQ(a->o.dev, "pmem0");
	KT_EXPECT_EQ(a->o.rw, BENCH_RANDREAD);
	KT_EXPECT_EQ(a->o.qd, 1);			/* psync: qd 1 despite iodepth=8 */
	KT_EXPECT_EQ(a->o.runtime_ns, 200000000);
	KT_EXPECT_EQ(a->o.ramp_ns, 50000000);
	KT_EXPECT_EQ(a->o.ios, 0);
	KT_EXPECT(!a->o.ios_from_range);
	KT_EXPECT(a->o.has_offset && a->o.offset == 0 && !a->o.has_size);
	KT_EXPECT_EQ(a->line, 9);
	KT_EXPECT_EQ(a->nr_opts, 5);
	KT_EXPECT_STREQ(a->opts[0].key, "filename");
	KT_EXPECT_STREQ(a->opts[0].val, "/dev/pmem0");
	KT_EXPECT_STREQ(b->o.dev, "nvme0n1");
	KT_EXPECT_EQ(b->o.qd, 8);			/* libaio: iodepth */
	KT_EXPECT_EQ(b->o.bs, 4096);
	KT_EXPECT_EQ(b->o.numjobs, 2);
	KT_EXPECT(b->o.group_reporting);
	KT_EXPECT(!a->o.group_reporting);
	KT_EXPECT_STREQ(b->opts[6].key, "group_reporting");
	KT_EXPECT_STREQ(b->opts[6].val, "");
	KT_EXPECT_EQ(jf.nr_global, 4);
	KT_EXPECT_STREQ(jf.global[1].key, "time_based");
	KT_EXPECT_EQ(a->groupid, 0);
	KT_EXPECT_EQ(b->groupid, 0);
	KT_EXPECT_EQ(jf.nr_sets, 1);
}

KTEST(fio, size_bounded_and_numbers)
{
	char err[200];

	/* without time_based: size (or number_ios) bounds the job, runtime caps it */
	KT_ASSERT_EQ(parse("[a]\nfilename=null0\nsize=1m\nbs=64k\n"
			   "[b]\nfilename=null0\nnumber_ios=100\nruntime=1\nhipri=1\n"
			   "[c]\nfilename=pmem0s\nsize=0x10000\noffset=4k\nrw=randrw\nrwmixread=70\n"
			   "randseed=9\n",
			   err, sizeof(err)), 0);
	KT_ASSERT_EQ(jf.nr_jobs, 3);
	KT_EXPECT(jf.jobs[0].o.ios_from_range);
	KT_EXPECT(!jf.jobs[0].o.ios_timed);
	KT_EXPECT_EQ(jf.jobs[0].o.runtime_ns, 0);
	KT_EXPECT_EQ(jf.jobs[0].o.size, 1 << 20);
	KT_EXPECT_EQ(jf.jobs[0].o.ramp_ns, 0);
	KT_EXPECT_EQ(jf.jobs[1].o.ios, 100);
	KT_EXPECT(jf.jobs[1].o.ios_timed);
	KT_EXPECT_EQ(jf.jobs[1].o.runtime_ns, 1000000000ULL);
	KT_EXPECT(jf.jobs[1].o.poll);
	KT_EXPECT_STREQ(jf.jobs[2].o.dev, "pmem0s");
	KT_EXPECT_EQ(jf.jobs[2].o.offset, 4096);
	KT_EXPECT_EQ(jf.jobs[2].o.rwmixread, 70);
	KT_EXPECT_EQ(jf.jobs[2].o.seed, 9);
	KT_EXPECT_EQ(jf.jobs[2].o.rw, BENCH_RANDRW);
}

/*
 * fio's number_ios stops a job early, never makes it do more than size:
 * fio 3.33 with size=1m bs=4k number_ios=1000 does 256 I/Os, with
 * number_ios=100 it does 100. With time_based, number_ios is the count.
 */
KTEST(fio, number_ios_caps_size)
{
	char err[200];

	KT_ASSERT_EQ(parse("[global]\nfilename=null0\nbs=4k\nsize=1m\n"
			   "[more]\nnumber_ios=1000\n"
			   "[fewer]\nnumber_ios=100\n"
			   "[none]\n"
			   "[timed]\nnumber_ios=1000\ntime_based\nruntime=1\n",
			   err, sizeof(err)), 0);
	KT_ASSERT_EQ(jf.nr_jobs, 4);
	KT_EXPECT_EQ(bench_ios_limit(&jf.jobs[0].o, 1 << 20), 256);
	KT_EXPECT_EQ(bench_ios_limit(&jf.jobs[1].o, 1 << 20), 100);
	KT_EXPECT_EQ(bench_ios_limit(&jf.jobs[2].o, 1 << 20), 256);
	KT_EXPECT_EQ(bench_ios_limit(&jf.jobs[3].o, 1 << 20), 1000);
	/* the shell's ios= is exact whatever the range */
	{
		struct bench_opts o;
		char *argv[] = { "null0", "ios=1000", "size=1m" };

		KT_ASSERT_EQ(bench_parse(&o, 3, argv, err, sizeof(err)), 0);
		KT_EXPECT_EQ(bench_ios_limit(&o, 1 << 20), 1000);
	}
}

KTEST(fio, groups_and_stonewall)
{
	char err[200];

	KT_ASSERT_EQ(parse("[global]\nfilename=null0\nnumber_ios=10\n"
			   "[a]\n[b]\n[c]\nstonewall\n[d]\nnew_group\n[e]\n[f]\nstonewall\n",
			   err, sizeof(err)), 0);
	KT_ASSERT_EQ(jf.nr_jobs, 6);
	KT_EXPECT_EQ(jf.jobs[0].groupid, 0);
	KT_EXPECT_EQ(jf.jobs[1].groupid, 0);
	KT_EXPECT_EQ(jf.jobs[2].groupid, 1);
	KT_EXPECT_EQ(jf.jobs[3].groupid, 2);
	KT_EXPECT_EQ(jf.jobs[4].groupid, 2);
	KT_EXPECT_EQ(jf.jobs[5].groupid, 3);
	KT_EXPECT_EQ(jf.jobs[0].set, 0);
	KT_EXPECT_EQ(jf.jobs[1].set, 0);
	KT_EXPECT_EQ(jf.jobs[2].set, 1);
	KT_EXPECT_EQ(jf.jobs[3].set, 1);
	KT_EXPECT_EQ(jf.jobs[4].set, 1);
	KT_EXPECT_EQ(jf.jobs[5].set, 2);
	KT_EXPECT_EQ(jf.nr_sets, 3);
	KT_EXPECT_STREQ(jf.jobs[0].o.dev, "null0");	/* from [global] */
	/* a later [global] changes the jobs after it only */
	KT_ASSERT_EQ(parse("[global]\nfilename=null0\n[a]\n[global]\nbs=8k\n[b]\n",
			   err, sizeof(err)), 0);
	KT_EXPECT_EQ(jf.jobs[0].o.bs, 4096);
	KT_EXPECT_EQ(jf.jobs[1].o.bs, 8192);
	KT_EXPECT_EQ(jf.jobs[1].nr_opts, 0);
	/* name= and description= */
	KT_ASSERT_EQ(parse("[a]\nname=other\ndescription=two words\nfilename=null0\n",
			   err, sizeof(err)), 0);
	KT_EXPECT_STREQ(jf.jobs[0].name, "other");
	KT_EXPECT_STREQ(jf.jobs[0].description, "two words");
}

/* fio 3.33's report rule (stat.c __show_run_stats(), seen with Debian's fio
 * on the same layout): a group_reporting job joins the job before it when
 * that one is in the same group, with or without group_reporting; a job
 * without it, or in another group, starts a report. */
KTEST(fio, joins_report)
{
	char err[200];

	KT_ASSERT_EQ(parse("[global]\nfilename=null0\nnumber_ios=10\n"
			   "[a]\n[b]\ngroup_reporting\n[c]\ngroup_reporting\nnew_group\n"
			   "[d]\n[e]\ngroup_reporting\nstonewall\n",
			   err, sizeof(err)), 0);
	KT_ASSERT_EQ(jf.nr_jobs, 5);
	KT_EXPECT(!fio_joins_report(NULL, &jf.jobs[0]));
	KT_EXPECT(fio_joins_report(&jf.jobs[0], &jf.jobs[1]));	/* a lacks it: b still joins */
	KT_EXPECT(fio_joins_report(&jf.jobs[1], &jf.jobs[1]));	/* b's clones */
	KT_EXPECT(!fio_joins_report(&jf.jobs[1], &jf.jobs[2]));	/* new_group */
	KT_EXPECT(!fio_joins_report(&jf.jobs[2], &jf.jobs[3]));	/* d lacks it */
	KT_EXPECT(!fio_joins_report(&jf.jobs[0], &jf.jobs[0]));	/* a's clones apart */
	KT_EXPECT(!fio_joins_report(&jf.jobs[3], &jf.jobs[4]));	/* stonewall: a new group */
}

KTEST(fio, errors_name_file_line_option)
{
	static const struct { const char *text, *err; } bad[] = {
		{ "", "t.fio:1: -: no job: the file is empty" },
		{ "; only a comment\n\n", "t.fio:2: -: no job: the file is empty" },
		{ "[global]\nbs=4k\n", "t.fio:2: -: no job section, only [global]" },
		{ "hello world\n", "t.fio:1: hello world: not an option (key=value), a [section] or a comment" },
		{ "bs=4k\n[a]\n", "t.fio:1: bs: an option before any [section]" },
		/* fio's own spelling of the directive (HOWTO: "include filename") */
		{ "include other.fio\n", "t.fio:1: include: include is not supported" },
		{ "[a]\n  include\tother.fio\n", "t.fio:2: include: include is not supported" },
		{ "[a]\ninclude=x.fio\n", "t.fio:2: include: include is not supported" },
		{ "[a]\nfilename=null0\nverify=md5\n", "t.fio:3: verify: not supported by pfnos" },
		{ "[a]\nfilename=null0\ncpus_allowed=0\n", "t.fio:3: cpus_allowed: not supported by pfnos" },
		{ "[a]\nfilename=null0\nioengine=mmap\n", "t.fio:3: ioengine: 'mmap': sync, psync" },
		{ "[a]\nfilename=null0\ndirect=0\n", "t.fio:3: direct: pfnos has no page cache: direct must be 1" },
		{ "[a]\nrw=read\n\n", "t.fio:1: filename: job 'a' names no device" },
		{ "[a]\nrw=read\n[b]\nfilename=x\n", "t.fio:1: filename: job 'a' names no device" },
		{ "[a]\nfilename=null0\nbs=4x\n", "t.fio:3: bs: bad bs '4x': a size such as 4k" },
		{ "[a]\nfilename=null0\nsize=50%\n", "t.fio:3: size: bad size '50%'" },
		{ "[a]\nfilename=null0\nrw=rw\n", "t.fio:3: rw: bad rw 'rw'" },
		{ "[a]\nfilename=null0\nrw=randread:8\n", "t.fio:3: rw: bad rw 'randread:8'" },
		{ "[a]\nfilename=null0\nnumjobs=0\n", "t.fio:3: numjobs: bad numjobs '0': at least 1" },
		{ "[a]\nfilename=null0\niodepth=0\n", "t.fio:3: iodepth: bad iodepth '0': at least 1" },
		{ "[a]\nfilename=null0\ntime_based=yes\n", "t.fio:3: time_based: 'yes' is not 0 or 1" },
		{ "[a]\nfilename=null0\ntime_based\n", "t.fio:3: time_based: needs runtime=" },
		{ "[a]\nfilename=null0\nruntime=\n", "t.fio:3: runtime: needs a value" },
		{ "[a]\nfilename=/dev/a:/dev/b\n", "t.fio:2: filename: '/dev/a:/dev/b': one device per job" },
		{ "[a]\nfilename=/tmp/file\n", "t.fio:2: filename: '/tmp/file' is not a pfnos device name" },
		{ "[a]\nfilename=null0\noffset=100\n", "t.fio:3: offset: not a multiple of 512" },
		{ "[a]\nfilename=null0\nbs=64k\nsize=4k\n", "t.fio:4: size: smaller than bs" },
		{ "[a]\nfilename=null0\nbs=4m\niodepth=32\nioengine=libaio\n",
		  "t.fio:1: iodepth: iodepth * bs is over 64m" },
		{ "[a]\nfilename=null0\nnumjobs=16\n[b]\nfilename=null0\nnumjobs=16\n[c]\nfilename=null0\n",
		  "t.fio:7: numjobs: more than 32 jobs and clones" },
		{ "[a\n", "t.fio:1: [a: not a section header" },
		{ "[]\n", "t.fio:1: []: not a section header" },
		{ "[a]\n=4\n", "t.fio:2: -: an option without a name" },
		{ "[a]\nfilename=null0\nbs=4k\0\n", NULL },	/* the NUL ends the C string */
	};
	char err[200];

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		int ret = parse(bad[i].text, err, sizeof(err));

		if (!bad[i].err) {
			if (ret)
				ktest_fail(__FILE__, __LINE__, "%u refused: %s", i, err);
			continue;
		}
		if (ret != -EINVAL || strncmp(err, bad[i].err, strlen(bad[i].err)))
			ktest_fail(__FILE__, __LINE__, "case %u: ret %d, err '%s', want '%s'", i, ret,
				   err, bad[i].err);
	}
	/* a NUL inside the given length: not a text file */
	KT_EXPECT_EQ(fio_parse_jobfile(&jf, "t.fio", "[a]\n\0x", 6, err, sizeof(err)), -EINVAL);
	KT_EXPECT_STREQ(err, "t.fio:2: -: a NUL byte: not a text file");
	/* too many jobs */
	{
		static char many[2048];
		size_t n = 0;

		for (int k = 0; k < 17; k++)
			n += (size_t)snprintf(many + n, sizeof(many) - n, "[j%d]\nfilename=null0\n", k);
		KT_EXPECT_EQ(parse(many, err, sizeof(err)), -EINVAL);
		KT_EXPECT_STREQ(err, "t.fio:33: j16: more than 16 jobs in one file");
	}
}

KTEST(fio, map_filename)
{
	KT_EXPECT_STREQ(fio_map_filename("/dev/pmem0"), "pmem0");
	KT_EXPECT_STREQ(fio_map_filename("/dev/nvme0n1"), "nvme0n1");
	KT_EXPECT_STREQ(fio_map_filename("/dev/pmem0s"), "pmem0s");
	KT_EXPECT_STREQ(fio_map_filename("null0"), "null0");
}

/* The standard deviation over buckets against the exact one (doubles on
 * the host): within the buckets' 1/128 precision. */
KTEST(fio, stddev_from_buckets)
{
	static struct hist h;
	static u64 vals[5000];
	struct prng rng = { ktest_seed() };
	u64 mean_m, dev_m;

	for (int shape = 0; shape < 3; shape++) {
		double sum = 0, acc = 0, mean, dev;
		u32 n = 5000;

		hist_reset(&h);
		for (u32 i = 0; i < n; i++) {
			u64 r = prng_next(&rng);

			vals[i] = shape == 0 ? r % 100 :
				  shape == 1 ? 20000 + r % 5000 : (r % 1000) * (r % 1000) * 37;
			hist_record(&h, vals[i]);
			sum += (double)vals[i];
		}
		mean = sum / n;
		for (u32 i = 0; i < n; i++)
			acc += ((double)vals[i] - mean) * ((double)vals[i] - mean);
		dev = __builtin_sqrt(acc / (n - 1));
		KT_EXPECT(hist_mean_milli(&h) / 1000 == (u64)mean);
		KT_EXPECT((double)hist_stddev_milli(&h) / 1000 <= dev * 1.01 + 1);
		KT_EXPECT((double)hist_stddev_milli(&h) / 1000 >= dev * 0.99 - 1);
		hist_values_stats(vals, n, &mean_m, &dev_m);
		KT_EXPECT(mean_m / 1000 == (u64)mean);
		KT_EXPECT((double)dev_m / 1000 <= dev + 0.01 && (double)dev_m / 1000 >= dev - 0.01);
	}
	hist_reset(&h);
	hist_record(&h, 5);
	KT_EXPECT_EQ(hist_stddev_milli(&h), 0);
	hist_values_stats(vals, 0, &mean_m, &dev_m);
	KT_EXPECT_EQ(mean_m, 0);
	KT_EXPECT_EQ(dev_m, 0);
}

struct jbuf {
	char buf[65536];
	size_t len;
};

static void jbuf_write(void *ctx, const char *s, size_t len)
{
	struct jbuf *b = ctx;

	if (b->len + len < sizeof(b->buf)) {
		memcpy(b->buf + b->len, s, len);
		b->len += len;
		b->buf[b->len] = '\0';
	}
}

/* The JSON of a known result: exact figures, fio's percentile keys, bins
 * whose counts add up to N, no write bins for a read-only job, trim zero,
 * strings escaped. */
KTEST(fio, json_fields)
{
	static struct jbuf b;
	static struct hist lat, rlat, wlat;
	static struct bench_samples s;
	struct bench_out out = { jbuf_write, &b };
	struct bench_opts o;
	struct bench_result r = { 0 };
	struct fio_opt opts[2] = { { "filename", "/dev/pmem0" }, { "description", "a \"q\"\\\x01\xe9" } };
	struct fio_report rep = { .jobname = "j1", .groupid = 3, .opts = opts, .nr_opts = 2,
				  .r = &r, .elapsed_ns = 2500000000ULL };
	u64 binsum = 0;
	char *p;

	bench_opts_init(&o);
	hist_reset(&lat);
	hist_reset(&rlat);
	hist_reset(&wlat);
	for (u64 v = 1; v <= 1000; v++) {
		hist_record(&lat, v * 1000);
		hist_record(&rlat, v * 1000);
	}
	r.lat = &lat;
	r.rlat = &rlat;
	r.wlat = &wlat;
	r.ios = r.read_ios = 1000;
	r.bytes = r.read_bytes = 1000 * 4096;
	r.elapsed_ns = 2000000000ULL;
	r.samples = &s;
	s.nr = 2;
	s.ns[0] = s.ns[1] = 1000000000ULL;
	s.ios[0][0] = 400;
	s.ios[0][1] = 600;
	s.bytes[0][0] = 400 * 4096;
	s.bytes[0][1] = 600 * 4096;
	fio_json_job(&out, &rep);
	KT_EXPECT(strstr(b.buf, "{\"jobname\":\"j1\",\"groupid\":3,\"error\":0,\"eta\":0,\"elapsed\":2,"
			 "\"job options\":{\"filename\":\"/dev/pmem0\","
			 "\"description\":\"a \\\"q\\\"\\\\\\u0001\\u00e9\"},") == b.buf);
	KT_EXPECT(strstr(b.buf, "\"read\":{\"io_bytes\":4096000,\"io_kbytes\":4000,"
			 "\"bw_bytes\":2048000,\"bw\":2000,\"iops\":500.000000,\"runtime\":2000,"
			 "\"total_ios\":1000,\"short_ios\":0,\"drop_ios\":0,"));
	KT_EXPECT(strstr(b.buf, "\"clat_ns\":{\"min\":1000,\"max\":1000000,\"mean\":500500.000000,"
			 "\"stddev\":"));
	KT_EXPECT(strstr(b.buf, "\"percentile\":{\"1.000000\":"));
	KT_EXPECT(strstr(b.buf, ",\"99.990000\":1000000}"));
	KT_EXPECT(strstr(b.buf, "\"bw_min\":1600,\"bw_max\":2400,\"bw_agg\":100.000000,"
			 "\"bw_mean\":2000.000000,\"bw_dev\":565.685000,"));
	KT_EXPECT(strstr(b.buf, "\"bw_samples\":2,\"iops_min\":400,\"iops_max\":600,"
			 "\"iops_mean\":500.000000,\"iops_stddev\":141.421000,\"iops_samples\":2}"));
	KT_EXPECT(strstr(b.buf, "\"write\":{\"io_bytes\":0,"));
	KT_EXPECT(strstr(b.buf, "\"trim\":{\"io_bytes\":0,"));
	KT_EXPECT(strstr(b.buf, ",\"job_runtime\":2000}"));
	/* one bins object (read clat), counts adding up to N */
	p = strstr(b.buf, "\"bins\":{");
	KT_ASSERT(p);
	KT_EXPECT(!strstr(p + 1, "\"bins\""));
	for (p += 8; *p && *p != '}';) {
		char *colon = strchr(p, ':');

		binsum += strtoull(colon + 1, &p, 10);
		if (*p == ',')
			p++;
	}
	KT_EXPECT_EQ(binsum, 1000);
	/* braces balance: one object */
	{
		int depth = 0, min_depth = 1;
		bool in_str = false;

		for (size_t i = 0; i < b.len; i++) {
			char c = b.buf[i];

			if (in_str) {
				if (c == '\\')
					i++;
				else if (c == '"')
					in_str = false;
				continue;
			}
			if (c == '"')
				in_str = true;
			depth += c == '{';
			depth -= c == '}';
			if (i + 1 < b.len && depth < min_depth)
				min_depth = depth;
		}
		KT_EXPECT_EQ(depth, 0);
		KT_EXPECT(min_depth >= 1);
	}
}

/* A group's JSON: per direction the members' bytes over the longest
 * runtime, job_runtime the sum of the windows, and the bw/iops sample
 * statistics summed as fio sums them: min, max, mean, count and squared
 * deviations add up (iops 400,600 and 100,300: min 500, max 900, mean 700,
 * 4 samples, stddev sqrt((20000 + 20000) / 3) = 115.470). */
KTEST(fio, json_group_sums)
{
	static struct jbuf b;
	static struct hist h[2][3], m[3];
	static struct bench_samples s[2], sm;
	struct bench_out out = { jbuf_write, &b };
	struct bench_result r[2], sum = { 0 };
	const struct bench_result *members[2] = { &r[0], &r[1] };
	struct fio_opt opts[1] = { { "rw", "read" } };
	struct fio_report rep = { .jobname = "g", .groupid = 1, .opts = opts, .nr_opts = 1,
				  .r = &sum, .members = members, .nr_members = 2,
				  .elapsed_ns = 2000000000ULL };
	static const u64 iops[2][2] = { { 400, 600 }, { 100, 300 } };

	for (int k = 0; k < 2; k++) {
		u32 bs = k ? 8192 : 4096;

		for (int i = 0; i < 3; i++)
			hist_reset(&h[k][i]);
		r[k] = (struct bench_result){ .lat = &h[k][0], .rlat = &h[k][1], .wlat = &h[k][2],
					      .samples = &s[k], .numjobs = 1 };
		s[k].nr = 2;
		for (int i = 0; i < 2; i++) {
			s[k].ns[i] = 1000000000ULL;
			s[k].ios[0][i] = iops[k][i];
			s[k].bytes[0][i] = iops[k][i] * bs;
			for (u64 n = 0; n < iops[k][i]; n++) {
				hist_record(&h[k][0], 1000);
				hist_record(&h[k][1], 1000);
			}
		}
		r[k].ios = r[k].read_ios = iops[k][0] + iops[k][1];
		r[k].bytes = r[k].read_bytes = r[k].ios * bs;
		r[k].elapsed_ns = k ? 1000000000ULL : 2000000000ULL;
	}
	for (int i = 0; i < 3; i++)
		hist_reset(&m[i]);
	sum.lat = &m[0];
	sum.rlat = &m[1];
	sum.wlat = &m[2];
	sum.samples = &sm;
	bench_result_merge(&sum, &r[0]);
	bench_result_merge(&sum, &r[1]);
	fio_json_job(&out, &rep);
	/* 1000 reads of 4k and 400 of 8k over the longest runtime, 2 s */
	KT_EXPECT(strstr(b.buf, "\"read\":{\"io_bytes\":7372800,\"io_kbytes\":7200,"
			 "\"bw_bytes\":3686400,\"bw\":3600,\"iops\":700.000000,\"runtime\":2000,"
			 "\"total_ios\":1400,"));
	KT_EXPECT(strstr(b.buf, "\"iops_min\":500,\"iops_max\":900,\"iops_mean\":700.000000,"
			 "\"iops_stddev\":115.470000,\"iops_samples\":4}"));
	/* bw in KiB/s: 1600,2400 and 800,2400 */
	KT_EXPECT(strstr(b.buf, "\"bw_min\":2400,\"bw_max\":4800,\"bw_agg\":100.000000,"
			 "\"bw_mean\":3600.000000,"));
	KT_EXPECT(strstr(b.buf, "\"bw_samples\":4,"));
	KT_EXPECT(strstr(b.buf, "\"write\":{\"io_bytes\":0,"));
	KT_EXPECT(strstr(b.buf, ",\"job_runtime\":3000}"));
}

/*
 * group_reporting merges jobs whose bs differ (fio sums their bytes): a 4k
 * job and a 64k job of 100 reads each in one second moved 6963200 bytes,
 * 6800 KiB/s, whatever the first job's bs says; its samples too, and the
 * BENCH line's read_MBps of a randrw report.
 */
KTEST(fio, group_of_different_bs)
{
	static struct jbuf b;
	static struct hist h[3][3];
	static struct bench_samples s[3];
	struct bench_out out = { jbuf_write, &b };
	struct bench_result r[3];
	struct bench_opts o;
	struct fio_report rep = { .jobname = "g", .r = &r[2], .elapsed_ns = 1000000000ULL };
	char line[1024];

	bench_opts_init(&o);				/* bs=4k: the first job's */
	for (int k = 0; k < 3; k++) {
		u64 bs = k == 0 ? 4096 : 65536;

		for (int i = 0; i < 3; i++)
			hist_reset(&h[k][i]);
		memset(&r[k], 0, sizeof(r[k]));
		memset(&s[k], 0, sizeof(s[k]));
		r[k].lat = &h[k][0];
		r[k].rlat = &h[k][1];
		r[k].wlat = &h[k][2];
		r[k].samples = &s[k];
		if (k == 2)
			break;				/* the sum */
		for (int i = 0; i < 100; i++) {
			hist_record(r[k].lat, 1000);
			hist_record(r[k].rlat, 1000);
		}
		r[k].ios = r[k].read_ios = 100;
		r[k].bytes = r[k].read_bytes = 100 * bs;
		r[k].elapsed_ns = 1000000000ULL;
		r[k].numjobs = 1;
		s[k].nr = 1;
		s[k].ns[0] = 1000000000ULL;
		s[k].ios[0][0] = 100;
		s[k].bytes[0][0] = 100 * bs;
	}
	bench_result_merge(&r[2], &r[0]);
	bench_result_merge(&r[2], &r[1]);
	fio_json_job(&out, &rep);
	KT_EXPECT(strstr(b.buf, "\"read\":{\"io_bytes\":6963200,\"io_kbytes\":6800,"
			 "\"bw_bytes\":6963200,\"bw\":6800,\"iops\":200.000000,"));
	KT_EXPECT(strstr(b.buf, "\"bw_min\":6800,\"bw_max\":6800,"));
	o.rw = BENCH_RANDRW;
	bench_format_result(line, sizeof(line), &o, &r[2]);
	KT_EXPECT(strstr(line, " read_ios=200 read_iops=200 read_MBps=6.96 "));
}

/*
 * fio's default engine is psync (fio 3.33: a job with iodepth=8 and no
 * ioengine prints "ioengine=psync, iodepth=8" and runs at depth 1 100% of
 * the time), so iodepth alone does not make a job asynchronous.
 */
KTEST(fio, default_engine_is_psync)
{
	char err[200];

	KT_ASSERT_EQ(parse("[global]\nfilename=null0\niodepth=8\n"
			   "[plain]\n"
			   "[aio]\nioengine=libaio\n"
			   "[back]\nioengine=libaio\nioengine=psync\n",
			   err, sizeof(err)), 0);
	KT_ASSERT_EQ(jf.nr_jobs, 3);
	KT_EXPECT_EQ(jf.jobs[0].o.qd, 1);
	KT_EXPECT_EQ(jf.jobs[1].o.qd, 8);
	KT_EXPECT_EQ(jf.jobs[2].o.qd, 1);
}
