/*
 * bench.h - boot-time I/O benchmarks (issue 6): fio-style jobs on any
 * registered block device, micro-benchmarks of the pfn machinery, and the
 * standard suite.
 *
 * A job is described by struct bench_opts, filled from fio spellings by
 * bench_parse() (bench/bench_parse.c, pure, host-tested):
 *   bench <dev> rw=read|write|randread|randwrite|randrw bs=4k qd=32
 *         [offset=<bytes>] [size=<bytes>] [runtime=2s | ios=<n>]
 *         [ramp_time=500ms] [poll=0|1] [rwmixread=50] [seed=<n>] [verify=0|1]
 *         [numjobs=1] [group_reporting=0|1]
 * bench_run() (bench/bench.c) runs it: asynchronous submission keeping qd
 * bios in flight, per-I/O TSC timestamps into latency histograms (hist.h).
 * numjobs=N makes N clones (fio's word), each with its own buffers and, for
 * a job that writes, its own slice of the range; the clone engine
 * (bench_run_threads()) drives a set of clones and jobs interleaved on one
 * CPU. One result line per job or clone (bench_format_result()):
 *   BENCH [job=<k>] dev=<d> rw=<rw> bs=<bytes> qd=<q> poll=<0|1>
 *   rwmixread=<pct> [numjobs=<n>] ios=<n> iops=<n> MBps=<x> lat_avg_ns=<n>
 *   lat_p50_ns=<n> lat_p99_ns=<n> lat_p999_ns=<n> lat_max_ns=<n>
 *   [randrw: read_ios=... write_ios=... etc]
 * job=<k> names clone k of a job with numjobs > 1; numjobs=<n> marks the
 * one line of n clones reported together (group_reporting). A job file's
 * report merging several jobs lists their values (dev=pmem0+nvme0n1 ...:
 * bench_format_group()).
 * Micro-benchmarks run in steady state (bench_micro_steady()) and print
 *   BENCH micro=<name> ns_per_op=<x> tsc_per_op=<x> ops=<n> [MBps=<x>]
 *   ns_per_op_min=<x> ns_per_op_max=<x> passes=<n> warm=<w> [unstable]
 *
 * Entry points: the `bench` and `bench-suite` shell commands
 * (bench/cmd_bench.c) and bench_boot(), which kmain() calls before the
 * run= commands: with bench=suite on the command line it runs the suite.
 */
#ifndef PFNOS_BENCH_H
#define PFNOS_BENCH_H

#include "hist.h"
#include "types.h"

enum bench_rw {
	BENCH_READ,
	BENCH_WRITE,
	BENCH_RANDREAD,
	BENCH_RANDWRITE,
	BENCH_RANDRW,
	BENCH_RW_NR,
};

#define BENCH_MAX_QD		256
#define BENCH_MAX_BS		(4U << 20)		/* one contiguous buffer */
#define BENCH_MAX_BUFFERS	(64ULL << 20)		/* qd * bs */
#define BENCH_SCRATCH_SIZE	(64ULL << 20)		/* last 64 MiB */
#define BENCH_DEFAULT_RUNTIME_NS	2000000000ULL
#define BENCH_DEFAULT_RAMP_NS		500000000ULL
#define BENCH_DEV_LEN		32
#define BENCH_MAX_NUMJOBS	16
#define BENCH_MAX_THREADS	32		/* jobs x clones running together */
#define BENCH_SAMPLE_NS		100000000ULL	/* bw/iops sampling interval */
#define BENCH_MAX_SAMPLES	256		/* per thread; the interval grows */

struct bench_opts {
	char dev[BENCH_DEV_LEN];
	enum bench_rw rw;
	u32 bs;				/* bytes */
	u32 qd;
	u64 offset;			/* bytes; valid when has_offset */
	u64 size;			/* bytes; valid when has_size */
	bool has_offset, has_size;
	u64 runtime_ns;			/* timed phase (when ios == 0) */
	u64 ios;			/* or: exactly this many I/Os */
	u64 ramp_ns;			/* warm-up, not counted */
	bool poll;
	u32 rwmixread;			/* percent of reads (randrw) */
	u64 seed;
	bool verify;
	u32 numjobs;			/* clones, 1..BENCH_MAX_NUMJOBS */
	bool group_reporting;		/* one result for all clones */
	bool ios_timed;			/* with ios: runtime also ends the job */
	bool ios_from_range;		/* ios: the job's range / bs (fio's size),
					 * or fewer when ios is set (number_ios) */
};

/* ---- pure: bench/bench_parse.c ---- */
const char *bench_rw_name(enum bench_rw rw);
static inline bool bench_rw_random(enum bench_rw rw)
{
	return rw == BENCH_RANDREAD || rw == BENCH_RANDWRITE || rw == BENCH_RANDRW;
}
static inline bool bench_rw_writes(enum bench_rw rw)
{
	return rw == BENCH_WRITE || rw == BENCH_RANDWRITE || rw == BENCH_RANDRW;
}
static inline bool bench_rw_reads(enum bench_rw rw)
{
	return rw == BENCH_READ || rw == BENCH_RANDREAD || rw == BENCH_RANDRW;
}

/* fio spellings: sizes 512 4k 128K 1m 256M 1g (powers of 1024, optional
 * "b"/"ib" after the unit), decimal or 0x hex; times 500ms 5s 2m 100us 1h,
 * a bare number being seconds (fio's runtime=). 0 or -EINVAL/-ERANGE. */
int bench_parse_size(const char *s, u64 *out);
int bench_parse_time(const char *s, u64 *ns);

/* Defaults: rw=read bs=4k qd=1 runtime=2s ramp_time=500ms (0 with ios=)
 * poll=0 rwmixread=50 seed=1 verify=0, the scratch area. */
void bench_opts_init(struct bench_opts *o);

/* One option (a key bench_parse() knows and its value) into o; 0 or
 * -EINVAL with err filled. The fio job-file parser reuses it. */
int bench_parse_opt(struct bench_opts *o, const char *key, const char *val,
		    char *err, size_t errlen);

/*
 * bench_parse - fill o from argv[0] = device name and key=value words
 * (later keys override earlier ones). Checks every value and the
 * combination (runtime= with ios=, qd * bs over BENCH_MAX_BUFFERS...).
 * Returns 0, or -EINVAL with err holding a message (no "error: " prefix).
 */
int bench_parse(struct bench_opts *o, int argc, char **argv, char *err,
		size_t errlen);

/*
 * Per-interval throughput samples of one thread (fio's bw and iops
 * samples): I/Os completed in each interval of the timed window, per
 * direction, and the interval's length. The interval is BENCH_SAMPLE_NS, or
 * longer for a long runtime so that the window fits BENCH_MAX_SAMPLES.
 */
struct bench_samples {
	u32 nr;
	u64 ns[BENCH_MAX_SAMPLES];
	u64 ios[2][BENCH_MAX_SAMPLES];	/* [0] reads, [1] writes */
	u64 bytes[2][BENCH_MAX_SAMPLES];	/* their bytes (bs differs across a group) */
};

/* ---- pure: bench/fio_job.c ---- */
/*
 * fio job files (issue 13): fio's INI read into jobs for the engine.
 * [global] sets defaults for the job sections after it; every other
 * [section] is a job named after it; ';' and '#' start comment lines;
 * `include` is refused. A bare option name (time_based) means =1. The
 * options, with fio's meaning:
 *   filename (a pfnos device; /dev/<name> maps to <name>), rw/readwrite,
 *   rwmixread, bs/blocksize, iodepth, numjobs, group_reporting, size,
 *   offset, runtime, time_based, ramp_time, number_ios, hipri, randseed,
 *   direct (must be 1), stonewall, new_group, name, description, ioengine
 *   (sync psync pvsync pvsync2: queue depth 1 whatever iodepth says;
 *   libaio io_uring: iodepth; none given: psync, fio's default).
 * fio's defaults where they differ from the shell's bench: offset 0 and
 * the whole device, no warm-up; without time_based a job ends after size
 * bytes (or number_ios I/Os) or at runtime, whichever comes first.
 * Anything else is an error naming the file, the line and the option.
 */
#define FIO_MAX_JOBS		16		/* job sections */
#define FIO_MAX_OPTS		24		/* options of one section */
#define FIO_KEY_LEN		24
#define FIO_VAL_LEN		64
#define FIO_NAME_LEN		64
#define FIO_FILE_MAX		(64U << 10)	/* the launcher's limit too */

struct fio_opt {
	char key[FIO_KEY_LEN];
	char val[FIO_VAL_LEN];
};

struct fio_job {
	char name[FIO_NAME_LEN];
	char description[FIO_VAL_LEN];
	u32 line;			/* of its [section] */
	u32 filename_line;		/* 0: no filename */
	u32 range_line;			/* of offset= or size=, else filename= */
	const char *range_opt;		/* "offset", "size" or "filename" */
	struct bench_opts o;
	bool stonewall;			/* waits for every job before it */
	u32 groupid;			/* fio's reporting group */
	u32 set;			/* jobs of one set run together */
	u32 nr_opts;
	struct fio_opt opts[FIO_MAX_OPTS];	/* its own, as given */
};

struct fio_jobfile {
	u32 nr_jobs, nr_sets;
	struct fio_job jobs[FIO_MAX_JOBS];
	u32 nr_global;
	struct fio_opt global[FIO_MAX_OPTS];	/* of [global], as given */
};

/*
 * fio_parse_jobfile - parse text (len bytes, need not end in NUL) named
 * file into jf. Returns 0, or -EINVAL with err holding
 * "<file>:<line>: <option>: <what>" (no "error: " prefix).
 */
int fio_parse_jobfile(struct fio_jobfile *jf, const char *file, const char *text,
		      size_t len, char *err, size_t errlen);
/*
 * fio_joins_report - does a thread of job join the report of the thread
 * before it (of job prev; NULL: none)? fio 3.33's rule: when job has
 * group_reporting and prev is in the same reporting group, whatever prev
 * says. So group_reporting in [global] makes one report per group, and a
 * job without it starts a report that the group_reporting jobs after it
 * join.
 */
bool fio_joins_report(const struct fio_job *prev, const struct fio_job *job);
/* "/dev/pmem0" -> "pmem0"; other names as they are. */
const char *fio_map_filename(const char *filename);

/* Where a long line goes, piece by piece (the console, a test's buffer). */
struct bench_out {
	void (*write)(void *ctx, const char *s, size_t len);
	void *ctx;
};

struct bench_result;

/* One job (or clone, or group) in fio's terms, for fio_json_job(). Of a
 * group, as fio: the first member's name, the last member's options. */
struct fio_report {
	const char *jobname;
	u32 groupid;
	const struct fio_opt *opts;	/* "job options", as given */
	u32 nr_opts;
	const struct bench_result *r;	/* the merged result */
	/* the threads merged into r, for the bw and iops sample statistics
	 * (fio sums each thread's); 0: r's own samples */
	const struct bench_result *const *members;
	u32 nr_members;
	u64 elapsed_ns;			/* warm-up and window: fio's elapsed */
};

/*
 * fio_json_job - the BENCH-FIO line's JSON (no prefix, no newline): one
 * element of fio 3.33's --output-format=json+ "jobs" array. read and write
 * from the result (trim all zero): io_bytes, io_kbytes, bw_bytes, bw (KiB/s),
 * bw_min/max/mean/dev/samples and iops_min/max/mean/stddev/samples from
 * the per-interval samples, iops, runtime (ms), total_ios, short_ios,
 * drop_ios, slat_ns all zero (pfnos stamps submission and completion only),
 * clat_ns and lat_ns both the submit-to-completion latency with min, max,
 * mean, stddev, N and fio's default percentiles, clat_ns with the json+
 * bins (bucket value in ns: count, non-empty buckets only) when N > 0.
 * Integers where fio prints integers, six decimals where fio prints floats.
 */
void fio_json_job(const struct bench_out *out, const struct fio_report *rep);

/* Results of one job: counted I/Os, bytes and the timed window. */
struct bench_result {
	u64 ios, read_ios, write_ios;
	u64 bytes, read_bytes, write_bytes;	/* a group's jobs may differ in bs */
	u64 elapsed_ns;
	/* of a merged result (numjobs > 1): per direction the longest window
	 * of a member that did I/O that way (fio's group runtime[]), and the
	 * sum of the members' windows (fio's job_runtime); a thread's are its
	 * window: bench_result_dir_ns(), bench_result_total_ns() */
	u64 read_ns, write_ns, total_ns;
	u64 verify_errors;
	u64 io_errors;
	bool poll_used;			/* the bios went to a polled queue */
	u64 range_off, range_size;	/* device bytes the job covered */
	bool wrote;			/* it wrote there (writes or verify) */
	struct hist *lat, *rlat, *wlat;	/* all, reads, writes */
	bool show_clone;		/* job=<clone> on the line */
	u32 clone;
	u32 numjobs;			/* threads merged into this result */
	struct bench_samples *samples;	/* NULL: none taken */
};

/* Runtime of direction d (0 read, 1 write) and fio's job_runtime, in ns. */
u64 bench_result_dir_ns(const struct bench_result *r, int d);
u64 bench_result_total_ns(const struct bench_result *r);

/*
 * bench_result_merge - add src into dst (group_reporting, fio's
 * sum_thread_stats()): counts, bytes and histograms add up, the window and
 * each direction's runtime are the longest (fio's group runtime: with equal
 * windows, IOPS and MB/s are the sums of the members'), total_ns adds up,
 * samples add up interval by interval over the intervals both have.
 */
void bench_result_merge(struct bench_result *dst, const struct bench_result *src);

/*
 * bench_ios_limit - the counted I/Os a thread of o runs (0: a timed window),
 * range_size being the job's whole range in bytes (before clones' slices):
 * ios= as given, or with ios_from_range the range's whole blocks, capped
 * at ios when that is set (fio's number_ios never extends size).
 */
u64 bench_ios_limit(const struct bench_opts *o, u64 range_size);
/* a * b / c without overflowing 64 bits in the product (c > 0). */
u64 bench_mul_div(u64 a, u64 b, u64 c);
/* "12.34": value / 100 with two decimals (x100 fixed point) */
int bench_fmt_x100(char *buf, size_t len, u64 v100);
/* The BENCH line of a job, without newline. Returns its length. */
int bench_format_result(char *buf, size_t len, const struct bench_opts *o,
			const struct bench_result *r);
/*
 * bench_format_group - the BENCH line of a report merging the threads of
 * n jobs (o[k]: each thread's job, in order; fio's group_reporting over a
 * reporting group): dev, rw, bs, qd and rwmixread list the members' values
 * joined by '+' in order of first appearance (one value when all agree),
 * poll=1 when any bio was polled, numjobs=<threads> when more than one,
 * and the read_/write_ fields when the members read and write. Returns its
 * length.
 */
int bench_format_group(char *buf, size_t len, const struct bench_opts *const *o, u32 n,
		       const struct bench_result *r);
/* A micro-benchmark line: total ns and TSC ticks over ops operations;
 * bytes (0: no MBps field) moved in total_ns. */
int bench_format_micro(char *buf, size_t len, const char *name, u64 total_ns,
		       u64 total_tsc, u64 ops, u64 bytes);

/*
 * Steady-state micro-benchmarks (issue 13): passes run untimed until two in
 * a row agree within BENCH_MICRO_AGREE_PCT percent per op (at most
 * BENCH_MICRO_MAX_WARM passes; past that the line says "unstable"), then
 * BENCH_MICRO_PASSES timed passes; the line gives the median pass (by ns
 * per op: its ns, TSC ticks, ops and MB/s) and the minimum and maximum ns
 * per op of the timed passes.
 */
#define BENCH_MICRO_PASSES	5
#define BENCH_MICRO_MAX_WARM	20
#define BENCH_MICRO_AGREE_PCT	10

struct bench_micro_pass {
	u64 ns, tsc, ops, bytes;	/* bytes 0: no MBps */
};

/* Do two passes agree within BENCH_MICRO_AGREE_PCT per op? */
bool bench_micro_agree(const struct bench_micro_pass *a, const struct bench_micro_pass *b);
/* The line of n timed passes (sorted in place by ns per op) after warm
 * untimed ones. Returns its length. */
int bench_format_micro_passes(char *buf, size_t len, const char *name,
			      struct bench_micro_pass *p, u32 n, u32 warm, bool stable);

/* ---- kernel: bench/bench.c ---- */
struct gendisk;
/* Start of the scratch area: the last BENCH_SCRATCH_SIZE bytes of disk
 * (byte 0 on a smaller disk). Jobs and micro-benchmarks write there. */
u64 bench_scratch_off(struct gendisk *disk);
/*
 * bench_resolve_range - the byte range [*off, *off + *size) o covers on
 * disk: offset=/size= or the scratch area, checked against the capacity
 * and block size. Returns 0 or -EINVAL with err filled.
 */
int bench_resolve_range(const struct bench_opts *o, struct gendisk *disk,
			u64 *off, u64 *size, char *err, size_t errlen);
/*
 * bench_run - run one job. res->lat/rlat/wlat point at static histograms
 * valid until the next call. Returns 0, -ENODEV, -EINVAL (err filled),
 * -ENOMEM (buffers), -EINTR (Ctrl-C), -EIO (I/O errors; counted in res).
 * Options bench_parse() would refuse (qd or bs out of range) give -EINVAL
 * with err filled, before any message or I/O.
 * Context: process, one job at a time.
 */
int bench_run(const struct bench_opts *o, struct bench_result *res,
	      char *err, size_t errlen);
/* Run and print: the BENCH line, or an "error:" line. 0 or -errno. */
int bench_job(const struct bench_opts *o);

/*
 * The clone engine. A thread is one job or one clone of a job (fio's
 * thread): its device, range, buffers, bios, histograms and samples.
 * bench_thread_create() checks and prepares everything (no I/O); clone k
 * of a job that writes gets the k-th of numjobs equal slices of the range,
 * and seed + k. bench_run_threads() drives n threads interleaved on the
 * calling CPU until all have finished: every thread's bios are in flight
 * together, completions are reaped from all of them, and the wait is the
 * block layer's one wait on a queue with I/O outstanding (a polled one
 * first). It is the loop an SMP caller runs on each CPU with that CPU's
 * share of the clones. Returns 0, -EINTR, or -EIO (I/O or verify errors:
 * see each result). Context: process.
 */
struct bench_thread;
struct bench_thread *bench_thread_create(const struct bench_opts *o, u32 clone,
					 char *err, size_t errlen);
void bench_thread_destroy(struct bench_thread *t);
struct bench_result *bench_thread_result(struct bench_thread *t);
int bench_run_threads(struct bench_thread **t, unsigned n);
/*
 * bench_smp_run_threads - bench_run_threads() with the threads spread over
 * the online CPUs, thread k on CPU bench_smp_place(online, k), those
 * sharing a CPU interleaved there (bench/bench_smp.c). The same returns.
 * Context: process, one job at a time.
 */
int bench_smp_run_threads(struct bench_thread **t, unsigned n);
/* The CPU of thread k: the (k mod C)-th CPU set in online (C of them;
 * bit c: CPU c), as fio places more jobs than CPUs. 0 for an empty mask.
 * Pure (bench_parse.c). */
unsigned bench_smp_place(u64 online, unsigned k);
/* Print a thread's (or a merged) result line. */
void bench_print_result(const struct bench_opts *o, const struct bench_result *r);

/* ---- kernel: bench/fio_run.c ---- */
/*
 * bench_fio_run - parse and run a job file (text, len bytes, named file in
 * messages): every device, range and buffer checked before any I/O, the
 * sets one after another, each job's BENCH and BENCH-FIO lines. Errors are
 * "error: <file>:<line>: <option>: <what>" lines. 0 or -errno.
 */
int bench_fio_run(const char *file, const char *text, size_t len);
/* kmain, before the run= commands: bench_fio_run() (or, when reading the
 * file failed with read_err, an error line), and on failure mark the boot
 * failed and, in test mode, power off (status 1). */
void bench_fio_boot(const char *file, const char *text, size_t len, int read_err);

/* ---- kernel: bench/bench_micro.c ---- */
/* Every micro-benchmark that the devices present allow; BENCH lines. */
int bench_micro_all(void);
/* One by name ("kmap", "dma_map_sg", "bio_null", "pmem_write_4k",
 * "nvme_to_pmem", "memcpy_1m"); -ENOENT for an unknown name. */
int bench_micro(const char *name);

/* ---- kernel: bench/cmd_bench.c ---- */
/* The standard matrix on every block device, then the micro-benchmarks.
 * quick: 100 ms ramp and 500 ms runtime per job; only: that device alone,
 * without the micro-benchmarks (NULL: all). Returns 0 or -errno. */
int bench_suite(bool quick, const char *only);
/* kmain: runs the suite when the command line says bench=suite (or
 * bench=quick). */
void bench_boot(void);

#endif
