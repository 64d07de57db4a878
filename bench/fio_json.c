/*
 * fio_json.c - a job's results as one element of fio's json+ "jobs" array
 * (fio 3.33, --output-format=json+; fio's stat.c show_thread_status_json()
 * and add_ddir_status_json() give the layout), for the BENCH-FIO lines
 * that the host assembles into build/bench/pfnos.fio.json (bench.h:
 * fio_json_job()).
 *
 * No floating point in the kernel: fio's floats are printed from fixed
 * point with six decimals, of which the last three are zero where the
 * value is kept in thousandths (means and deviations). Written piece by
 * piece through struct bench_out, so a histogram with thousands of
 * buckets needs no line buffer.
 *
 * Pure: no hardware headers (tests/unit/test_fio.c, tests/fuzz/fuzz_fio.c).
 */
#include <stdarg.h>
#include "bench.h"
#include "hist.h"
#include "lib.h"

/* fio's default percentile list, in HIST_PCT_SCALE parts */
static const u32 fio_percentiles[] = {
	1000, 5000, 10000, 20000, 30000, 40000, 50000, 60000, 70000, 80000,
	90000, 95000, 99000, 99500, 99900, 99950, 99990,
};

static void put(const struct bench_out *out, const char *s)
{
	out->write(out->ctx, s, strlen(s));
}

static void putf(const struct bench_out *out, const char *fmt, ...) __printf(2, 3);
static void putf(const struct bench_out *out, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out->write(out->ctx, buf, (size_t)min(n, (int)sizeof(buf) - 1));
}

/* A JSON string: quotes, backslashes, control and non-ASCII bytes escaped
 * (bytes above 0x7f as their Latin-1 code point: always valid JSON). */
static void put_str(const struct bench_out *out, const char *s)
{
	put(out, "\"");
	for (; *s; s++) {
		u8 ch = (u8)*s;

		if (ch == '"' || ch == '\\')
			putf(out, "\\%c", ch);
		else if (ch < 0x20 || ch > 0x7e)
			putf(out, "\\u%04x", ch);
		else
			out->write(out->ctx, s, 1);
	}
	put(out, "\"");
}

/* "key":value with value x 1000 printed as a float with six decimals */
static void put_milli(const struct bench_out *out, const char *key, u64 milli)
{
	putf(out, "\"%s\":%llu.%03llu000", key, (unsigned long long)(milli / 1000),
	     (unsigned long long)(milli % 1000));
}

static void put_u64(const struct bench_out *out, const char *key, u64 v)
{
	putf(out, "\"%s\":%llu", key, (unsigned long long)v);
}

/* min, max, mean, stddev, N [, percentile] [, bins] of a latency */
static void put_lat(const struct bench_out *out, const char *key, const struct hist *h,
		    bool bins)
{
	bool any = h && h->count;

	putf(out, "\"%s\":{", key);
	put_u64(out, "min", any ? h->min : 0);
	put(out, ",");
	put_u64(out, "max", any ? h->max : 0);
	put(out, ",");
	put_milli(out, "mean", any ? hist_mean_milli(h) : 0);
	put(out, ",");
	put_milli(out, "stddev", any ? hist_stddev_milli(h) : 0);
	put(out, ",");
	put_u64(out, "N", any ? h->count : 0);
	if (any) {
		put(out, ",\"percentile\":{");
		for (unsigned i = 0; i < ARRAY_SIZE(fio_percentiles); i++) {
			u32 p = fio_percentiles[i];

			putf(out, "%s\"%u.%06u\":%llu", i ? "," : "", p / 1000, p % 1000 * 1000,
			     (unsigned long long)hist_percentile(h, p));
		}
		put(out, "}");
	}
	if (any && bins) {
		bool first = true;

		put(out, ",\"bins\":{");
		for (unsigned i = 0; i < HIST_NR_BUCKETS; i++) {
			if (!h->buckets[i])
				continue;
			putf(out, "%s\"%llu\":%llu", first ? "" : ",",
			     (unsigned long long)hist_bucket_value(i),
			     (unsigned long long)h->buckets[i]);
			first = false;
		}
		put(out, "}");
	}
	put(out, "}");
}

/* The rate of ios in ns, x 1000, per mult (1e9: per second). */
static u64 rate_milli(u64 count, u64 mult_x1000, u64 ns)
{
	return ns ? bench_mul_div(count, mult_x1000, ns) : 0;
}

/*
 * The bw (KiB/s: bytes * 1e9 / 1024 = bytes * 976562500 / 1e3) and iops
 * rates of one thread's sample intervals in direction d, into bw and iops;
 * returns how many (none for a direction it did no I/O in, as fio).
 */
static u32 thread_rates(const struct bench_result *r, int d, u64 *bw, u64 *iops)
{
	const struct bench_samples *s = r->samples;
	u64 ios = d == 0 ? r->read_ios : r->write_ios;
	u32 n = d < 2 && s && ios ? s->nr : 0;

	for (u32 i = 0; i < n; i++) {
		iops[i] = rate_milli(s->ios[d][i], 1000000000000ULL, s->ns[i]) / 1000;
		bw[i] = rate_milli(s->bytes[d][i], 976562500ULL, s->ns[i]) / 1000;
	}
	return n;
}

/*
 * One direction (d: 0 read, 1 write, 2 trim): its bytes and its runtime
 * (of a group: the members' bytes, each at its own bs, over the longest
 * runtime, as fio's group figures). The sample statistics are each
 * member's, summed as fio sums them (struct hist_vsum).
 */
static void put_dir(const struct bench_out *out, const char *name, int d,
		    const struct fio_report *rep)
{
	static u64 iops_s[BENCH_MAX_SAMPLES], bw_s[BENCH_MAX_SAMPLES];
	const struct bench_result *r = rep->r;
	const struct hist *h = d == 0 ? r->rlat : d == 1 ? r->wlat : NULL;
	u64 ios = d == 0 ? r->read_ios : d == 1 ? r->write_ios : 0;
	u64 bytes = d == 0 ? r->read_bytes : d == 1 ? r->write_bytes : 0;
	u64 ns = d < 2 ? bench_result_dir_ns(r, d) : 0;
	u32 nr = rep->nr_members ? rep->nr_members : 1;
	struct hist_vsum bw, iops;

	hist_vsum_init(&bw);
	hist_vsum_init(&iops);
	for (u32 k = 0; k < nr; k++) {
		u32 n = thread_rates(rep->nr_members ? rep->members[k] : r, d, bw_s, iops_s);

		hist_vsum_add(&bw, bw_s, n);
		hist_vsum_add(&iops, iops_s, n);
	}

	putf(out, "\"%s\":{", name);
	put_u64(out, "io_bytes", bytes);
	put(out, ",");
	put_u64(out, "io_kbytes", bytes / 1024);
	put(out, ",");
	put_u64(out, "bw_bytes", ns ? bench_mul_div(bytes, 1000000000ULL, ns) : 0);
	put(out, ",");
	put_u64(out, "bw", ns ? bench_mul_div(bytes, 1000000000ULL, ns) / 1024 : 0);
	put(out, ",");
	put_milli(out, "iops", rate_milli(ios, 1000000000000ULL, ns));
	put(out, ",");
	put_u64(out, "runtime", ns / 1000000);
	put(out, ",");
	put_u64(out, "total_ios", ios);
	put(out, ",\"short_ios\":0,\"drop_ios\":0,");
	put(out, "\"slat_ns\":{\"min\":0,\"max\":0,\"mean\":0.000000,\"stddev\":0.000000,\"N\":0},");
	put_lat(out, "clat_ns", h, true);
	put(out, ",");
	put_lat(out, "lat_ns", h, false);
	put(out, ",");
	put_u64(out, "bw_min", bw.min);
	put(out, ",");
	put_u64(out, "bw_max", bw.max);
	put(out, ",");
	put_milli(out, "bw_agg", bw.n ? 100000 : 0);
	put(out, ",");
	put_milli(out, "bw_mean", bw.mean_milli);
	put(out, ",");
	put_milli(out, "bw_dev", hist_vsum_dev_milli(&bw));
	put(out, ",");
	put_u64(out, "bw_samples", bw.n);
	put(out, ",");
	put_u64(out, "iops_min", iops.min);
	put(out, ",");
	put_u64(out, "iops_max", iops.max);
	put(out, ",");
	put_milli(out, "iops_mean", iops.mean_milli);
	put(out, ",");
	put_milli(out, "iops_stddev", hist_vsum_dev_milli(&iops));
	put(out, ",");
	put_u64(out, "iops_samples", iops.n);
	put(out, "}");
}

void fio_json_job(const struct bench_out *out, const struct fio_report *rep)
{
	put(out, "{\"jobname\":");
	put_str(out, rep->jobname);
	putf(out, ",\"groupid\":%u,\"error\":0,\"eta\":0,", rep->groupid);
	put_u64(out, "elapsed", rep->elapsed_ns / 1000000000ULL);
	put(out, ",\"job options\":{");
	for (u32 i = 0; i < rep->nr_opts; i++) {
		if (i)
			put(out, ",");
		put_str(out, rep->opts[i].key);
		put(out, ":");
		put_str(out, rep->opts[i].val);
	}
	put(out, "},");
	put_dir(out, "read", 0, rep);
	put(out, ",");
	put_dir(out, "write", 1, rep);
	put(out, ",");
	put_dir(out, "trim", 2, rep);
	put(out, ",");
	put_u64(out, "job_runtime", bench_result_total_ns(rep->r) / 1000000);
	put(out, "}");
}
