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
 * bench_run() (bench/bench.c) runs it: asynchronous submission keeping qd
 * bios in flight, per-I/O TSC timestamps into latency histograms (hist.h).
 * One result line per job (bench_format_result()):
 *   BENCH dev=<d> rw=<rw> bs=<bytes> qd=<q> poll=<0|1> rwmixread=<pct>
 *   ios=<n> iops=<n> MBps=<x> lat_avg_ns=<n> lat_p50_ns=<n> lat_p99_ns=<n>
 *   lat_p999_ns=<n> lat_max_ns=<n>   [randrw: read_ios=... write_ios=... etc]
 * Micro-benchmarks print
 *   BENCH micro=<name> ns_per_op=<x> tsc_per_op=<x> ops=<n> [MBps=<x>]
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

/*
 * bench_parse - fill o from argv[0] = device name and key=value words
 * (later keys override earlier ones). Checks every value and the
 * combination (runtime= with ios=, qd * bs over BENCH_MAX_BUFFERS...).
 * Returns 0, or -EINVAL with err holding a message (no "error: " prefix).
 */
int bench_parse(struct bench_opts *o, int argc, char **argv, char *err,
		size_t errlen);

/* Results of one job: counted I/Os, bytes and the timed window. */
struct bench_result {
	u64 ios, read_ios, write_ios;
	u64 bytes;
	u64 elapsed_ns;
	u64 verify_errors;
	u64 io_errors;
	bool poll_used;			/* the bios went to a polled queue */
	u64 range_off, range_size;	/* device bytes the job covered */
	bool wrote;			/* it wrote there (writes or verify) */
	struct hist *lat, *rlat, *wlat;	/* all, reads, writes */
};

/* a * b / c without overflowing 64 bits in the product (c > 0). */
u64 bench_mul_div(u64 a, u64 b, u64 c);
/* "12.34": value / 100 with two decimals (x100 fixed point) */
int bench_fmt_x100(char *buf, size_t len, u64 v100);
/* The BENCH line of a job, without newline. Returns its length. */
int bench_format_result(char *buf, size_t len, const struct bench_opts *o,
			const struct bench_result *r);
/* A micro-benchmark line: total ns and TSC ticks over ops operations;
 * bytes (0: no MBps field) moved in total_ns. */
int bench_format_micro(char *buf, size_t len, const char *name, u64 total_ns,
		       u64 total_tsc, u64 ops, u64 bytes);

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
