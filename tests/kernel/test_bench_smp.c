/*
 * test_bench_smp.c - in-guest tests of numjobs over the CPUs
 * (bench/bench_smp.c; suite "bench_smp"): a pmem0 job with verify=1 and
 * twice as many clones as CPUs does I/O on every online CPU, each clone on
 * its own slice, with no error and no mismatch; the same job started on
 * another CPU (smp_run_on()) spreads over every CPU but the boot CPU, which
 * runs the shell and cannot take clones, and still ends. Each CPU's I/O is
 * read from its `cpus` counters (struct percpu). Skipped with one CPU
 * online (the standard machine); test_smp.py's --smp boots run it.
 */
#include "bench.h"
#include "blkdev.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "smp.h"

struct bs_job {
	char line[160];
	struct bench_result res;
	int ret;
};

static int bs_run(void *arg)
{
	struct bs_job *j = arg;
	char buf[160], err[160], *argv[16];
	struct bench_opts o;
	int argc = 0;
	char *p = buf;

	strlcpy(buf, j->line, sizeof(buf));
	while (*p && argc < 16) {
		argv[argc++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	j->ret = bench_parse(&o, argc, argv, err, sizeof(err));
	if (!j->ret)
		j->ret = bench_run(&o, &j->res, err, sizeof(err));
	if (j->ret)
		ktest_log("'%s': %d %s", j->line, j->ret, err);
	return j->ret;
}

/* Run j on CPU cpu and check which CPUs did its I/O: every online CPU but
 * those that cannot take clones (CPU 0 when the job runs elsewhere). */
static void bs_check_spread(struct bs_job *j, unsigned cpu)
{
	u64 before[NR_CPUS];
	unsigned c;
	int ret = -1;

	for_each_online_cpu(c)
		before[c] = per_cpu(c)->ios_submitted;
	KT_ASSERT_EQ(smp_run_on(cpu, bs_run, j, &ret), 0);
	KT_EXPECT_EQ(ret, 0);
	KT_EXPECT_EQ(j->res.io_errors, 0);
	KT_EXPECT_EQ(j->res.verify_errors, 0);
	KT_EXPECT(j->res.ios > 0);
	for_each_online_cpu(c) {
		u64 did = per_cpu(c)->ios_submitted - before[c];
		bool takes = c == cpu || c != 0;

		ktest_log("job on cpu%u: cpu%u submitted %llu", cpu, c, (unsigned long long)did);
		if (takes)
			KT_EXPECT(did > 0);
		else
			KT_EXPECT_EQ(did, 0);
	}
}

KTEST(bench_smp, numjobs_on_every_cpu_with_verify)
{
	static struct bs_job j;
	unsigned n = num_online_cpus(), self = smp_processor_id(), other = self;
	unsigned c;

	if (n < 2) {
		ktest_skip("one CPU online");
		return;
	}
	if (!blk_find_disk("pmem0")) {
		ktest_skip("no pmem0");
		return;
	}
	snprintf(j.line, sizeof(j.line),
		 "pmem0 rw=randwrite bs=4k qd=2 ios=256 verify=1 numjobs=%u group_reporting=1",
		 2 * n);
	bs_check_spread(&j, self);
	/* started on another CPU (an AP: the boot CPU has no idle loop to be
	 * started on), whose share includes the boot CPU's clones */
	for_each_online_cpu(c)
		if (c != self && c != 0 && other == self)
			other = c;
	if (other == self)
		return;		/* run here on CPU 1 of 2: no third CPU */
	memset(&j.res, 0, sizeof(j.res));
	bs_check_spread(&j, other);
}
