/*
 * cmd_bench.c - the benchmark shell commands and the standard suite.
 *
 *   bench <dev> [rw=...] [bs=...] [qd=...] ...   one job, numjobs= clones (see bench.h)
 *   bench-micro [name]                           micro-benchmarks
 *   bench-suite [quick] [dev]                    the standard matrix
 *
 * bench-suite runs, on every registered block device in registration order:
 *   pmem:  4k randread qd1, 4k randwrite qd1, 128k read/write qd1,
 *          1m read/write qd1
 *   nvme:  4k randread qd1 (interrupts), 4k randread qd1 poll=1,
 *          4k randread qd32, 4k randwrite qd32, 128k read/write qd8
 *   other (null_blk...): 4k randread qd1 and qd32
 * and, with more than one CPU online, numjobs=<online CPUs> jobs with
 * group_reporting=1, the clones spread over the CPUs (bench_smp.c): pmem
 * 4k randread and randwrite qd1, nvme 4k randread qd32
 * then the micro-benchmarks. Each job uses the defaults (500 ms warm-up,
 * 2 s timed; "quick": 100 ms and 500 ms) on the scratch area, the last
 * 64 MiB of the device. Progress lines "bench-suite: job i of n: ..." go to
 * the console, and the end lists every range the suite overwrote. With a
 * device named, only that device's jobs run, without the micro-benchmarks.
 * bench_boot() runs it when the command line has bench=suite (or
 * bench=quick); kmain() calls it before the run= commands.
 */
#include "bench.h"
#include "blkdev.h"
#include "cmdline.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"
#include "shell.h"
#include "smp.h"
#include "time.h"

static int cmd_bench(int argc, char **argv)
{
	struct bench_opts o;
	char err[160];

	if (argc < 2)
		return shell_error(-EINVAL, "usage: bench <dev> rw=<rw> bs=<size> qd=<n> ...");
	if (bench_parse(&o, argc - 1, argv + 1, err, sizeof(err)))
		return shell_error(-EINVAL, "bench: %s", err);
	return bench_job(&o);
}
SHELL_COMMAND("bench", cmd_bench,
	      "<dev> [rw=read|write|randread|randwrite|randrw] [bs=4k] [qd=1] [offset=] [size=] "
	      "[runtime=2s|ios=N] [ramp_time=500ms] [poll=0|1] [rwmixread=50] [seed=1] [verify=0|1] "
	      "[numjobs=1] [group_reporting=0|1]",
	      "fio-style benchmark job; prints a BENCH line per clone (writes go to the last 64 MiB)");

static int cmd_bench_micro(int argc, char **argv)
{
	int ret;

	if (argc > 2)
		return shell_error(-EINVAL, "usage: bench-micro [name]");
	if (argc == 1)
		return bench_micro_all();
	ret = bench_micro(argv[1]);
	if (ret == -ENOENT)
		return shell_error(ret, "bench-micro: unknown '%s' (kmap, dma_map_sg, bio_null, "
				   "pmem_write_4k, nvme_to_pmem, memcpy_1m)", argv[1]);
	return ret;
}
SHELL_COMMAND("bench-micro", cmd_bench_micro, "[name]",
	      "micro-benchmarks of the pfn machinery (BENCH micro= lines)");

struct suite_job {
	const char *rw;
	const char *bs;
	const char *qd;
	const char *poll;
	bool smp;		/* numjobs = online CPUs, only with more than one */
};

static const struct suite_job pmem_jobs[] = {
	{ "randread", "4k", "1", "0", false },
	{ "randwrite", "4k", "1", "0", false },
	{ "read", "128k", "1", "0", false },
	{ "write", "128k", "1", "0", false },
	{ "read", "1m", "1", "0", false },
	{ "write", "1m", "1", "0", false },
	{ "randread", "4k", "1", "0", true },
	{ "randwrite", "4k", "1", "0", true },
};

static const struct suite_job nvme_jobs[] = {
	{ "randread", "4k", "1", "0", false },
	{ "randread", "4k", "1", "1", false },
	{ "randread", "4k", "32", "0", false },
	{ "randwrite", "4k", "32", "0", false },
	{ "read", "128k", "8", "0", false },
	{ "write", "128k", "8", "0", false },
	{ "randread", "4k", "32", "0", true },
};

static const struct suite_job other_jobs[] = {
	{ "randread", "4k", "1", "0", false },
	{ "randread", "4k", "32", "0", false },
};

/* The scaling jobs run only with more than one CPU online. */
static bool suite_job_runs(const struct suite_job *j)
{
	return !j->smp || num_online_cpus() > 1;
}

static const struct suite_job *suite_jobs(const struct gendisk *d, unsigned *n)
{
	if (d->driver && !strcmp(d->driver, "pmem")) {
		*n = ARRAY_SIZE(pmem_jobs);
		return pmem_jobs;
	}
	if (d->driver && !strcmp(d->driver, "nvme")) {
		*n = ARRAY_SIZE(nvme_jobs);
		return nvme_jobs;
	}
	*n = ARRAY_SIZE(other_jobs);
	return other_jobs;
}

#define SUITE_MAX_RANGES	16

int bench_suite(bool quick, const char *only)
{
	static struct { char dev[BENCH_DEV_LEN]; u64 off, end; } ranges[SUITE_MAX_RANGES];
	unsigned nranges = 0, total = 0, i = 0, failed = 0;
	u64 t0 = ktime_ns();
	struct gendisk *d;
	int ret = 0;

	blk_for_each_disk(d) {
		unsigned n;

		const struct suite_job *jobs;

		if (only && strcmp(d->disk_name, only))
			continue;
		jobs = suite_jobs(d, &n);
		for (unsigned k = 0; k < n; k++)
			total += suite_job_runs(&jobs[k]);
	}
	kprintf("bench-suite: %u jobs on %u devices, %s each%s\n",
		total, only ? 1 : blk_nr_disks(), quick ? "100ms warm-up + 500ms" : "500ms warm-up + 2s",
		only ? "" : ", then micro-benchmarks");
	blk_for_each_disk(d) {
		const struct suite_job *jobs;
		unsigned n;

		if (only && strcmp(d->disk_name, only))
			continue;
		jobs = suite_jobs(d, &n);
		for (unsigned k = 0; k < n; k++) {
			char *argv[10] = { d->disk_name };
			char a[8][32];
			struct bench_opts o;
			char err[160];
			bool seen = false;
			int argc = 1;

			snprintf(a[0], sizeof(a[0]), "rw=%s", jobs[k].rw);
			snprintf(a[1], sizeof(a[1]), "bs=%s", jobs[k].bs);
			snprintf(a[2], sizeof(a[2]), "qd=%s", jobs[k].qd);
			snprintf(a[3], sizeof(a[3]), "poll=%s", jobs[k].poll);
			snprintf(a[4], sizeof(a[4]), "ramp_time=%s", quick ? "100ms" : "500ms");
			snprintf(a[5], sizeof(a[5]), "runtime=%s", quick ? "500ms" : "2s");
			snprintf(a[6], sizeof(a[6]), "numjobs=%u",
				 jobs[k].smp ? num_online_cpus() : 1);
			snprintf(a[7], sizeof(a[7]), "group_reporting=%u", jobs[k].smp);
			if (!suite_job_runs(&jobs[k]))
				continue;
			for (int w = 0; w < 8; w++)
				argv[argc++] = a[w];
			i++;
			kprintf("bench-suite: job %u of %u: %s %s %s %s %s%s%s\n", i, total,
				d->disk_name, a[0], a[1], a[2], a[3], jobs[k].smp ? " " : "",
				jobs[k].smp ? a[6] : "");
			if (bench_parse(&o, argc, argv, err, sizeof(err))) {
				shell_error(-EINVAL, "bench-suite: %s", err);
				failed++;
				continue;
			}
			ret = bench_job(&o);
			if (ret == -EINTR)
				return ret;
			if (ret)
				failed++;
			if (!bench_rw_writes(o.rw))
				continue;
			for (unsigned r = 0; r < nranges; r++)
				if (!strcmp(ranges[r].dev, o.dev))
					seen = true;
			if (!seen && nranges < SUITE_MAX_RANGES) {
				u64 off, size;

				if (!bench_resolve_range(&o, d, &off, &size, err, sizeof(err))) {
					strlcpy(ranges[nranges].dev, o.dev, BENCH_DEV_LEN);
					ranges[nranges].off = off;
					ranges[nranges].end = off + size;
					nranges++;
				}
			}
		}
	}
	if (!only) {
		kprintf("bench-suite: micro-benchmarks\n");
		ret = bench_micro_all();
		if (ret == -EINTR)
			return ret;
		if (ret)
			failed++;
	}
	for (unsigned r = 0; r < nranges; r++)
		kprintf("bench-suite: overwrote %s bytes %llu-%llu\n", ranges[r].dev,
			(unsigned long long)ranges[r].off, (unsigned long long)ranges[r].end);
	kprintf("bench-suite: done in %llu ms, %u failed\n",
		(unsigned long long)((ktime_ns() - t0) / 1000000), failed);
	return failed ? -EIO : 0;
}

static int cmd_bench_suite(int argc, char **argv)
{
	bool quick = argc >= 2 && !strcmp(argv[1], "quick");
	const char *only = argc > 1 + quick ? argv[1 + quick] : NULL;

	if (argc > 2 + quick)
		return shell_error(-EINVAL, "usage: bench-suite [quick] [dev]");
	if (only && !blk_find_disk(only))
		return shell_error(-ENODEV, "no block device '%s' (see lsblk)", only);
	return bench_suite(quick, only);
}
SHELL_COMMAND("bench-suite", cmd_bench_suite, "[quick] [dev]",
	      "the standard benchmark matrix on every block device (or dev), then the micro-benchmarks");

void bench_boot(void)
{
	const char *v = kernel_param("bench");

	if (!v)
		return;
	if (!strcmp(v, "suite") || !strcmp(v, "quick"))
		bench_suite(!strcmp(v, "quick"), NULL);
	else
		pr_err("bench: unknown bench=%s (suite or quick)\n", v);
}
