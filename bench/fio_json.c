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
 * One direction (d: 0 read, 1 write, 2 trim). The samples give per-interval
 * rates: iops, and bw in KiB/s (bytes * 1e9 / 1024 = bytes * 976562500 / 1e3).
 */
static void put_dir(const struct bench_out *out, const char *name, int d,
		    const struct fio_report *rep)
{
	static u64 iops_s[BENCH_MAX_SAMPLES], bw_s[BENCH_MAX_SAMPLES];
	const struct bench_result *r = rep->r;
	const struct bench_samples *s = r->samples;
	const struct hist *h = d == 0 ? r->rlat : d == 1 ? r->wlat : NULL;
	u64 ios = d == 0 ? r->read_ios : d == 1 ? r->write_ios : 0;
	u64 bs = rep->o->bs, bytes = ios * bs, ns = ios ? r->elapsed_ns : 0;
	u64 imin = 0, imax = 0, bmin = 0, bmax = 0, imean = 0, idev = 0, bmean = 0, bdev = 0;
	u32 n = d < 2 && s && ios ? s->nr : 0;

	for (u32 i = 0; i < n; i++) {
		iops_s[i] = rate_milli(s->ios[d][i], 1000000000000ULL, s->ns[i]) / 1000;
		bw_s[i] = rate_milli(s->ios[d][i] * bs, 976562500ULL, s->ns[i]) / 1000;
		imin = i ? min(imin, iops_s[i]) : iops_s[i];
		imax = max(imax, iops_s[i]);
		bmin = i ? min(bmin, bw_s[i]) : bw_s[i];
		bmax = max(bmax, bw_s[i]);
	}
	hist_values_stats(iops_s, n, &imean, &idev);
	hist_values_stats(bw_s, n, &bmean, &bdev);

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
	put_u64(out, "bw_min", bmin);
	put(out, ",");
	put_u64(out, "bw_max", bmax);
	put(out, ",");
	put_milli(out, "bw_agg", n ? 100000 : 0);
	put(out, ",");
	put_milli(out, "bw_mean", bmean);
	put(out, ",");
	put_milli(out, "bw_dev", bdev);
	put(out, ",");
	put_u64(out, "bw_samples", n);
	put(out, ",");
	put_u64(out, "iops_min", imin);
	put(out, ",");
	put_u64(out, "iops_max", imax);
	put(out, ",");
	put_milli(out, "iops_mean", imean);
	put(out, ",");
	put_milli(out, "iops_stddev", idev);
	put(out, ",");
	put_u64(out, "iops_samples", n);
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
	put_u64(out, "job_runtime", rep->r->elapsed_ns / 1000000);
	put(out, "}");
}
