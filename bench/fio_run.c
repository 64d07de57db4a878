/*
 * fio_run.c - run a fio job file handed over by the launcher (issue 13).
 *
 * kmain() reads fw_cfg's opt/pfnos/job (the file, at most FIO_FILE_MAX
 * bytes) and opt/pfnos/jobname (its name for messages) and calls
 * bench_fio_boot() before the run= commands. The file is parsed
 * (bench/fio_job.c), then every job's device, range and buffers are
 * checked and prepared (bench_thread_create(), one thread per clone)
 * before any I/O: a problem is one line
 *   error: <file>:<line>: <option>: <what>
 * and no job runs; in test mode (test.exit=1) the machine then powers off
 * with status 1.
 *
 * The jobs of each set (between stonewalls) run together, spread over the
 * online CPUs and interleaved on each by bench_smp_run_threads(); then each is reported as the shell's
 * bench reports it (a BENCH line, job=<k> for a clone) followed by
 *   BENCH-FIO <one json+ jobs[] element>
 * (bench/fio_json.c). Reports follow fio 3.33 (fio_joins_report()): a
 * thread whose job has group_reporting joins the report of the thread
 * before it when that one is in the same reporting group, whatever its own
 * options. A report of one job's clones prints that job's BENCH line with
 * numjobs=<n>; a report merging several jobs prints
 * bench_format_group()'s line (dev=pmem0+nvme0n1 rw=... listing the
 * members' values). Its JSON is named after the first member and carries
 * the last member's options, as fio's does.
 */
#include "bench.h"
#include "blkdev.h"
#include "errno.h"
#include "exit.h"
#include "lib.h"
#include "printk.h"

struct fio_thread {
	struct bench_thread *t;
	const struct fio_job *job;
};

static struct fio_jobfile fio_file;
static struct fio_thread fio_threads[BENCH_MAX_THREADS];
static unsigned fio_nr_threads;

static void fio_console_write(void *ctx, const char *s, size_t len)
{
	console_write(s, len);
}

static void fio_error(const char *file, u32 line, const char *opt, const char *what)
{
	kprintf("error: %s:%u: %s: %s\n", file, line, opt, what);
}

static void fio_destroy_threads(void)
{
	while (fio_nr_threads)
		bench_thread_destroy(fio_threads[--fio_nr_threads].t);
}

/* Every job's device, range and buffers, before any I/O. */
static int fio_prepare(const char *file)
{
	char err[160];

	for (u32 k = 0; k < fio_file.nr_jobs; k++) {
		const struct fio_job *j = &fio_file.jobs[k];
		struct gendisk *disk = blk_find_disk(j->o.dev);

		if (!disk) {
			snprintf(err, sizeof(err), "no device '%s' (lsblk lists them)", j->o.dev);
			fio_error(file, j->filename_line, "filename", err);
			return -ENODEV;
		}
		if (j->o.bs % disk_lbs(disk)) {
			snprintf(err, sizeof(err), "%u is not a multiple of %s's %u-byte blocks",
				 j->o.bs, j->o.dev, disk_lbs(disk));
			fio_error(file, j->line, "bs", err);
			return -EINVAL;
		}
		for (u32 c = 0; c < j->o.numjobs; c++) {
			struct bench_thread *t = bench_thread_create(&j->o, c, err, sizeof(err));

			if (IS_ERR(t)) {
				fio_error(file, j->range_line, j->range_opt, err);
				return (int)PTR_ERR(t);
			}
			fio_threads[fio_nr_threads].t = t;
			fio_threads[fio_nr_threads].job = j;
			fio_nr_threads++;
		}
	}
	return 0;
}

/* One report: threads [a, b) of fio_threads. */
static void fio_report(unsigned a, unsigned b)
{
	static struct hist lat, rlat, wlat;
	static struct bench_samples samples;
	static struct bench_result sum;
	static const struct bench_opts *opts[BENCH_MAX_THREADS];
	static const struct bench_result *members[BENCH_MAX_THREADS];
	static char line[1024];		/* a randrw line is longer than kprintf's */
	const struct fio_job *j = fio_threads[a].job, *last = fio_threads[b - 1].job;
	const struct bench_out out = { fio_console_write, NULL };
	const struct bench_result *r;
	struct fio_report rep;
	u64 elapsed_ns = 0;

	for (unsigned k = a; k < b; k++) {
		const struct fio_job *m = fio_threads[k].job;

		opts[k - a] = &m->o;
		members[k - a] = bench_thread_result(fio_threads[k].t);
		elapsed_ns = max(elapsed_ns, m->o.ramp_ns + members[k - a]->elapsed_ns);
	}
	r = members[0];
	if (b - a > 1) {
		memset(&sum, 0, sizeof(sum));
		hist_reset(&lat);
		hist_reset(&rlat);
		hist_reset(&wlat);
		samples.nr = 0;
		sum.lat = &lat;
		sum.rlat = &rlat;
		sum.wlat = &wlat;
		sum.samples = &samples;
		for (unsigned k = 0; k < b - a; k++)
			bench_result_merge(&sum, members[k]);
		r = &sum;
	}
	if (j == last) {
		bench_print_result(&j->o, r);
	} else {
		console_write(line, (size_t)bench_format_group(line, sizeof(line) - 1, opts,
							       b - a, r));
		console_write("\n", 1);
	}
	rep = (struct fio_report){
		.jobname = j->name, .groupid = j->groupid, .opts = last->opts,
		.nr_opts = last->nr_opts, .r = r, .members = members, .nr_members = b - a,
		.elapsed_ns = elapsed_ns,
	};
	console_write("BENCH-FIO ", 10);
	fio_json_job(&out, &rep);
	console_write("\n", 1);
}

/* Run the threads of set s together, then report them. 0 or -errno. */
static int fio_run_set(u32 s, unsigned *first)
{
	static struct bench_thread *set[BENCH_MAX_THREADS];
	unsigned a = *first, b = a, n = 0;
	int ret;

	while (b < fio_nr_threads && fio_threads[b].job->set == s)
		set[n++] = fio_threads[b++].t;
	*first = b;
	ret = bench_smp_run_threads(set, n);
	if (ret == -EINTR)
		return ret;
	for (unsigned k = a; k < b;) {
		unsigned end = k + 1;

		while (end < b && fio_joins_report(fio_threads[end - 1].job, fio_threads[end].job))
			end++;
		fio_report(k, end);
		k = end;
	}
	return ret;
}

int bench_fio_run(const char *file, const char *text, size_t len)
{
	char err[200];
	unsigned next = 0;
	int ret;

	ret = fio_parse_jobfile(&fio_file, file, text, len, err, sizeof(err));
	if (ret) {
		kprintf("error: %s\n", err);
		return ret;
	}
	ret = fio_prepare(file);
	if (ret)
		goto out;
	kprintf("fio: %s: %u jobs, %u threads, %u sets\n", file, fio_file.nr_jobs,
		fio_nr_threads, fio_file.nr_sets);
	for (u32 s = 0; s < fio_file.nr_sets; s++) {
		int err_set = fio_run_set(s, &next);

		if (err_set == -EINTR) {
			kprintf("error: %s: interrupted\n", file);
			ret = err_set;
			goto out;
		}
		if (err_set) {
			kprintf("error: %s: set %u: I/O or verify errors (see above)\n", file, s);
			ret = err_set;
		}
	}
out:
	fio_destroy_threads();
	return ret;
}

void bench_fio_boot(const char *file, const char *text, size_t len, int read_err)
{
	if (read_err)
		kprintf("error: %s:1: -: cannot read the job file: -%s (at most %u bytes)\n",
			file, errno_name(read_err), FIO_FILE_MAX);
	else if (!bench_fio_run(file, text, len))
		return;
	exit_mark_failed("job file");
	if (exit_test_mode())
		machine_poweroff();
}
