/*
 * bench_parse.c - the pure half of the benchmarks: job options in fio's
 * spellings, and the BENCH result lines.
 *
 * bench_smp_place() is the CPU a job's clone k runs on (bench_smp.c).
 *
 * bench_parse() turns "pmem0 rw=randread bs=4k qd=1 runtime=5s" (as
 * argv) into struct bench_opts; every bad word gives -EINVAL and a message
 * naming the option and what was wrong. bench_format_result() and
 * bench_format_micro() print the lines the host scripts parse
 * (scripts/bench/), in integers only: the kernel has no floating point.
 * No hardware headers: tests/unit/test_bench.c runs this on the host.
 */
#include "bench.h"
#include "errno.h"
#include "lib.h"

static const char *const rw_names[BENCH_RW_NR] = {
	[BENCH_READ] = "read",
	[BENCH_WRITE] = "write",
	[BENCH_RANDREAD] = "randread",
	[BENCH_RANDWRITE] = "randwrite",
	[BENCH_RANDRW] = "randrw",
};

unsigned bench_smp_place(u64 online, unsigned k)
{
	unsigned n = 0;

	for (unsigned cpu = 0; cpu < 64; cpu++)
		n += (unsigned)((online >> cpu) & 1);
	if (!n)
		return 0;
	k %= n;
	for (unsigned cpu = 0; cpu < 64; cpu++)
		if (((online >> cpu) & 1) && !k--)
			return cpu;
	return 0;
}

const char *bench_rw_name(enum bench_rw rw)
{
	return (unsigned)rw < BENCH_RW_NR ? rw_names[rw] : "?";
}

/* Leading decimal or 0x hex number of s; *end past it. */
static int parse_num(const char *s, u64 *out, const char **end)
{
	unsigned base = 10;
	u64 v = 0;
	int any = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (~0ULL - d) / base)
			return -ERANGE;
		v = v * base + d;
		any = 1;
	}
	if (!any)
		return -EINVAL;
	*out = v;
	*end = s;
	return 0;
}

static bool str_ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

static int scale(u64 v, u64 mult, u64 *out)
{
	if (mult && v > ~0ULL / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

int bench_parse_size(const char *s, u64 *out)
{
	static const struct { const char *sfx; unsigned shift; } units[] = {
		{ "", 0 }, { "b", 0 },
		{ "k", 10 }, { "kb", 10 }, { "kib", 10 },
		{ "m", 20 }, { "mb", 20 }, { "mib", 20 },
		{ "g", 30 }, { "gb", 30 }, { "gib", 30 },
		{ "t", 40 }, { "tb", 40 }, { "tib", 40 },
	};
	const char *end;
	u64 v;
	int err;

	if (!s || !*s)
		return -EINVAL;
	err = parse_num(s, &v, &end);
	if (err)
		return err;
	for (unsigned i = 0; i < ARRAY_SIZE(units); i++)
		if (str_ieq(end, units[i].sfx))
			return scale(v, 1ULL << units[i].shift, out);
	return -EINVAL;
}

int bench_parse_time(const char *s, u64 *ns)
{
	static const struct { const char *sfx; u64 mult; } units[] = {
		{ "", 1000000000ULL },		/* fio: seconds */
		{ "ns", 1 }, { "nsec", 1 },
		{ "us", 1000 }, { "usec", 1000 },
		{ "ms", 1000000 }, { "msec", 1000000 },
		{ "s", 1000000000ULL }, { "sec", 1000000000ULL },
		{ "m", 60000000000ULL }, { "min", 60000000000ULL },
		{ "h", 3600000000000ULL },
	};
	const char *end;
	u64 v;
	int err;

	if (!s || !*s)
		return -EINVAL;
	err = parse_num(s, &v, &end);
	if (err)
		return err;
	for (unsigned i = 0; i < ARRAY_SIZE(units); i++)
		if (str_ieq(end, units[i].sfx))
			return scale(v, units[i].mult, ns);
	return -EINVAL;
}

void bench_opts_init(struct bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->rw = BENCH_READ;
	o->bs = 4096;
	o->qd = 1;
	o->runtime_ns = BENCH_DEFAULT_RUNTIME_NS;
	o->ramp_ns = BENCH_DEFAULT_RAMP_NS;
	o->rwmixread = 50;
	o->seed = 1;
	o->numjobs = 1;
}

static int fail(char *err, size_t errlen, const char *fmt, const char *a,
		const char *b)
{
	snprintf(err, errlen, fmt, a, b);
	return -EINVAL;
}

static int parse_flag(const char *key, const char *val, bool *out, char *err,
		      size_t errlen)
{
	if (!strcmp(val, "0")) {
		*out = false;
	} else if (!strcmp(val, "1")) {
		*out = true;
	} else {
		return fail(err, errlen, "bad %s '%s': 0 or 1", key, val);
	}
	return 0;
}

static int parse_uint(const char *key, const char *val, u64 max, u64 *out,
		      char *err, size_t errlen)
{
	const char *end;

	if (!*val || parse_num(val, out, &end) || *end)
		return fail(err, errlen, "bad %s '%s': not a number", key, val);
	if (*out > max) {
		snprintf(err, errlen, "bad %s '%s': at most %llu", key, val,
			 (unsigned long long)max);
		return -EINVAL;
	}
	return 0;
}

int bench_parse_opt(struct bench_opts *o, const char *key, const char *val,
		    char *err, size_t errlen)
{
	u64 v;

	if (!*val)
		return fail(err, errlen, "option %s has no value%s", key, "");

	if (!strcmp(key, "rw") || !strcmp(key, "readwrite")) {
		for (unsigned i = 0; i < BENCH_RW_NR; i++) {
			if (!strcmp(val, rw_names[i])) {
				o->rw = (enum bench_rw)i;
				return 0;
			}
		}
		return fail(err, errlen,
			    "bad rw '%s': read, write, randread, randwrite or randrw%s",
			    val, "");
	}
	if (!strcmp(key, "bs") || !strcmp(key, "blocksize")) {
		if (bench_parse_size(val, &v))
			return fail(err, errlen, "bad bs '%s': a size such as 4k%s", val, "");
		if (!v || v % 512)
			return fail(err, errlen, "bad bs '%s': a multiple of 512%s", val, "");
		if (v > BENCH_MAX_BS)
			return fail(err, errlen, "bad bs '%s': at most 4m%s", val, "");
		o->bs = (u32)v;
		return 0;
	}
	if (!strcmp(key, "qd") || !strcmp(key, "iodepth")) {
		if (parse_uint(key, val, BENCH_MAX_QD, &v, err, errlen))
			return -EINVAL;
		if (!v)
			return fail(err, errlen, "bad %s '%s': at least 1", key, val);
		o->qd = (u32)v;
		return 0;
	}
	if (!strcmp(key, "offset")) {
		if (bench_parse_size(val, &o->offset))
			return fail(err, errlen, "bad offset '%s': a size in bytes%s", val, "");
		o->has_offset = true;
		return 0;
	}
	if (!strcmp(key, "size")) {
		if (bench_parse_size(val, &o->size) || !o->size)
			return fail(err, errlen, "bad size '%s': a non-zero size in bytes%s",
				    val, "");
		o->has_size = true;
		return 0;
	}
	if (!strcmp(key, "runtime")) {
		if (bench_parse_time(val, &o->runtime_ns) || !o->runtime_ns)
			return fail(err, errlen, "bad runtime '%s': a time such as 500ms or 5s%s",
				    val, "");
		return 0;
	}
	if (!strcmp(key, "ramp_time")) {
		if (bench_parse_time(val, &o->ramp_ns))
			return fail(err, errlen, "bad ramp_time '%s': a time such as 500ms%s",
				    val, "");
		return 0;
	}
	if (!strcmp(key, "ios") || !strcmp(key, "number_ios")) {
		if (parse_uint(key, val, ~0ULL, &o->ios, err, errlen))
			return -EINVAL;
		if (!o->ios)
			return fail(err, errlen, "bad %s '%s': at least 1", key, val);
		return 0;
	}
	if (!strcmp(key, "poll") || !strcmp(key, "hipri"))
		return parse_flag(key, val, &o->poll, err, errlen);
	if (!strcmp(key, "verify"))
		return parse_flag(key, val, &o->verify, err, errlen);
	if (!strcmp(key, "rwmixread")) {
		if (parse_uint(key, val, 100, &v, err, errlen))
			return -EINVAL;
		o->rwmixread = (u32)v;
		return 0;
	}
	if (!strcmp(key, "numjobs")) {
		if (parse_uint(key, val, BENCH_MAX_NUMJOBS, &v, err, errlen))
			return -EINVAL;
		if (!v)
			return fail(err, errlen, "bad %s '%s': at least 1", key, val);
		o->numjobs = (u32)v;
		return 0;
	}
	if (!strcmp(key, "group_reporting"))
		return parse_flag(key, val, &o->group_reporting, err, errlen);
	if (!strcmp(key, "seed") || !strcmp(key, "randseed"))
		return parse_uint(key, val, ~0ULL, &o->seed, err, errlen);
	return fail(err, errlen, "unknown option '%s' (see help bench)%s", key, "");
}

/* One key=value word of the shell's line. */
static int parse_word(struct bench_opts *o, const char *word, bool *ramp_set,
		      bool *runtime_set, char *err, size_t errlen)
{
	char key[24];
	const char *eq = strchr(word, '=');
	size_t klen;

	if (!eq || eq == word)
		return fail(err, errlen, "bad option '%s': expected key=value%s",
			    word, "");
	klen = (size_t)(eq - word);
	if (klen >= sizeof(key))
		return fail(err, errlen, "unknown option '%s'%s", word, "");
	memcpy(key, word, klen);
	key[klen] = '\0';
	if (!strcmp(key, "runtime"))
		*runtime_set = true;
	if (!strcmp(key, "ramp_time"))
		*ramp_set = true;
	return bench_parse_opt(o, key, eq + 1, err, errlen);
}

int bench_parse(struct bench_opts *o, int argc, char **argv, char *err,
		size_t errlen)
{
	bool ramp_set = false, runtime_set = false;
	int ret;

	bench_opts_init(o);
	if (argc < 1 || !argv[0][0])
		return fail(err, errlen, "no device given%s%s", "", "");
	if (strchr(argv[0], '='))
		return fail(err, errlen, "the device comes first, not '%s'%s", argv[0], "");
	if (strlen(argv[0]) >= sizeof(o->dev))
		return fail(err, errlen, "device name '%s' too long%s", argv[0], "");
	strlcpy(o->dev, argv[0], sizeof(o->dev));
	for (int i = 1; i < argc; i++) {
		ret = parse_word(o, argv[i], &ramp_set, &runtime_set, err, errlen);
		if (ret)
			return ret;
	}
	if (o->ios && runtime_set)
		return fail(err, errlen, "runtime= and ios= exclude each other%s%s", "", "");
	if (o->ios && !ramp_set)
		o->ramp_ns = 0;
	if ((u64)o->qd * o->bs > BENCH_MAX_BUFFERS)
		return fail(err, errlen, "qd * bs is over 64m of buffers%s%s", "", "");
	if (o->has_offset && o->offset % 512)
		return fail(err, errlen, "offset is not a multiple of 512%s%s", "", "");
	if (o->has_size && o->size < o->bs)
		return fail(err, errlen, "size is smaller than bs%s%s", "", "");
	if (o->rw != BENCH_RANDRW)
		o->rwmixread = o->rw == BENCH_READ || o->rw == BENCH_RANDREAD ? 100 : 0;
	return 0;
}

u64 bench_ios_limit(const struct bench_opts *o, u64 range_size)
{
	u64 n = range_size / o->bs;

	if (!o->ios_from_range)
		return o->ios;
	return o->ios && o->ios < n ? o->ios : n;
}

u64 bench_mul_div(u64 a, u64 b, u64 c)
{
	unsigned __int128 p = (unsigned __int128)a * b;
	unsigned __int128 rem = 0;
	u64 q = 0;

	if (!c)
		return ~0ULL;
	if ((u64)(p >> 64) == 0)
		return (u64)p / c;
	if ((u64)(p >> 64) >= c)
		return ~0ULL;			/* the quotient needs 65+ bits */
	/* shift-subtract long division: no libgcc __udivti3 in the kernel */
	for (int i = 127; i >= 0; i--) {
		rem = (rem << 1) | (u64)((p >> i) & 1);
		if (rem >= c) {
			rem -= c;
			if (i < 64)
				q |= 1ULL << i;
		}
	}
	return q;
}

int bench_fmt_x100(char *buf, size_t len, u64 v100)
{
	return snprintf(buf, len, "%llu.%02llu", (unsigned long long)(v100 / 100),
			(unsigned long long)(v100 % 100));
}

/* Append the fields of one direction (prefix "" / "read_" / "write_"). */
static int fmt_dir(char *buf, size_t len, const char *pfx, u64 ios,
		   u64 bytes, u64 ns, const struct hist *h)
{
	char mbps[32];
	u64 iops = ns ? bench_mul_div(ios, 1000000000ULL, ns) : 0;

	bench_fmt_x100(mbps, sizeof(mbps), ns ? bench_mul_div(bytes, 100000, ns) : 0);
	return snprintf(buf, len,
			" %sios=%llu %siops=%llu %sMBps=%s %slat_avg_ns=%llu %slat_p50_ns=%llu"
			" %slat_p99_ns=%llu %slat_p999_ns=%llu %slat_max_ns=%llu",
			pfx, (unsigned long long)ios, pfx, (unsigned long long)iops,
			pfx, mbps, pfx, (unsigned long long)hist_mean(h),
			pfx, (unsigned long long)hist_percentile(h, 50000),
			pfx, (unsigned long long)hist_percentile(h, 99000),
			pfx, (unsigned long long)hist_percentile(h, 99900),
			pfx, (unsigned long long)(h->count ? h->max : 0));
}

/* The fields after "BENCH [job=<k>] dev=... rwmixread=...". */
static size_t fmt_figures(char *buf, size_t len, size_t n, const struct bench_result *r,
			  bool both, bool verify)
{
	if (r->numjobs > 1 && n < len)
		n += (size_t)snprintf(buf + n, len - n, " numjobs=%u", r->numjobs);
	if (n < len)
		n += (size_t)fmt_dir(buf + n, len - n, "", r->ios, r->bytes,
				     r->elapsed_ns, r->lat);
	if (both) {
		if (n < len)
			n += (size_t)fmt_dir(buf + n, len - n, "read_", r->read_ios,
					     r->read_bytes, bench_result_dir_ns(r, 0), r->rlat);
		if (n < len)
			n += (size_t)fmt_dir(buf + n, len - n, "write_", r->write_ios,
					     r->write_bytes, bench_result_dir_ns(r, 1), r->wlat);
	}
	if (verify && n < len)
		n += (size_t)snprintf(buf + n, len - n, " verify_errors=%llu",
				      (unsigned long long)r->verify_errors);
	return min(n, len ? len - 1 : 0);
}

int bench_format_result(char *buf, size_t len, const struct bench_opts *o,
			const struct bench_result *r)
{
	size_t n;

	n = (size_t)snprintf(buf, len, "BENCH ");
	if (r->show_clone && n < len)
		n += (size_t)snprintf(buf + n, len - n, "job=%u ", r->clone);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n,
				      "dev=%s rw=%s bs=%u qd=%u poll=%d rwmixread=%u",
				      o->dev, bench_rw_name(o->rw), o->bs, o->qd,
				      r->poll_used ? 1 : 0, o->rwmixread);
	return (int)fmt_figures(buf, len, n, r, o->rw == BENCH_RANDRW, o->verify);
}

/* A group's field: " key=" and the members' values, each once, joined by '+'. */
enum group_field { GF_DEV, GF_RW, GF_BS, GF_QD, GF_MIX };

static void group_value(char *v, size_t len, const struct bench_opts *o, enum group_field f)
{
	switch (f) {
	case GF_DEV:
		snprintf(v, len, "%s", o->dev);
		break;
	case GF_RW:
		snprintf(v, len, "%s", bench_rw_name(o->rw));
		break;
	case GF_BS:
		snprintf(v, len, "%u", o->bs);
		break;
	case GF_QD:
		snprintf(v, len, "%u", o->qd);
		break;
	case GF_MIX:
		snprintf(v, len, "%u", o->rwmixread);
		break;
	}
}

static size_t fmt_group_field(char *buf, size_t len, size_t n, const char *key,
			      const struct bench_opts *const *o, u32 nr, enum group_field f)
{
	char v[BENCH_DEV_LEN], w[BENCH_DEV_LEN];

	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, " %s=", key);
	for (u32 k = 0; k < nr; k++) {
		bool seen = false;

		group_value(v, sizeof(v), o[k], f);
		for (u32 i = 0; i < k && !seen; i++) {
			group_value(w, sizeof(w), o[i], f);
			seen = !strcmp(v, w);
		}
		if (!seen && n < len)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", k ? "+" : "", v);
	}
	return n;
}

int bench_format_group(char *buf, size_t len, const struct bench_opts *const *o, u32 nr,
		       const struct bench_result *r)
{
	bool reads = false, writes = false, randrw = false, verify = false;
	size_t n;

	for (u32 k = 0; k < nr; k++) {
		reads |= bench_rw_reads(o[k]->rw);
		writes |= bench_rw_writes(o[k]->rw);
		randrw |= o[k]->rw == BENCH_RANDRW;
		verify |= o[k]->verify;
	}
	n = (size_t)snprintf(buf, len, "BENCH");
	n = fmt_group_field(buf, len, n, "dev", o, nr, GF_DEV);
	n = fmt_group_field(buf, len, n, "rw", o, nr, GF_RW);
	n = fmt_group_field(buf, len, n, "bs", o, nr, GF_BS);
	n = fmt_group_field(buf, len, n, "qd", o, nr, GF_QD);
	if (n < len)
		n += (size_t)snprintf(buf + n, len - n, " poll=%d", r->poll_used ? 1 : 0);
	n = fmt_group_field(buf, len, n, "rwmixread", o, nr, GF_MIX);
	return (int)fmt_figures(buf, len, n, r, randrw || (reads && writes), verify);
}

void bench_result_merge(struct bench_result *dst, const struct bench_result *src)
{
	bool first = !dst->numjobs;

	dst->ios += src->ios;
	dst->read_ios += src->read_ios;
	dst->write_ios += src->write_ios;
	dst->bytes += src->bytes;
	dst->read_bytes += src->read_bytes;
	dst->write_bytes += src->write_bytes;
	dst->verify_errors += src->verify_errors;
	dst->io_errors += src->io_errors;
	dst->elapsed_ns = max(dst->elapsed_ns, src->elapsed_ns);
	dst->poll_used |= src->poll_used;
	dst->wrote |= src->wrote;
	if (first) {
		dst->range_off = src->range_off;
		dst->range_size = src->range_size;
	}
	hist_merge(dst->lat, src->lat);
	hist_merge(dst->rlat, src->rlat);
	hist_merge(dst->wlat, src->wlat);
	if (dst->samples && src->samples) {
		struct bench_samples *d = dst->samples;
		const struct bench_samples *s = src->samples;

		if (first) {
			d->nr = s->nr;
			for (u32 i = 0; i < s->nr; i++) {
				d->ns[i] = s->ns[i];
				d->ios[0][i] = s->ios[0][i];
				d->ios[1][i] = s->ios[1][i];
				d->bytes[0][i] = s->bytes[0][i];
				d->bytes[1][i] = s->bytes[1][i];
			}
		} else {
			d->nr = min(d->nr, s->nr);
			for (u32 i = 0; i < d->nr; i++) {
				d->ios[0][i] += s->ios[0][i];
				d->ios[1][i] += s->ios[1][i];
				d->bytes[0][i] += s->bytes[0][i];
				d->bytes[1][i] += s->bytes[1][i];
			}
		}
	}
	dst->numjobs += src->numjobs ? src->numjobs : 1;
	/* fio's group runtime per direction and its summed job_runtime */
	dst->read_ns = max(dst->read_ns, bench_result_dir_ns(src, 0));
	dst->write_ns = max(dst->write_ns, bench_result_dir_ns(src, 1));
	dst->total_ns += bench_result_total_ns(src);
}

u64 bench_result_dir_ns(const struct bench_result *r, int d)
{
	if (r->numjobs > 1)
		return d ? r->write_ns : r->read_ns;
	return (d ? r->write_ios : r->read_ios) ? r->elapsed_ns : 0;
}

u64 bench_result_total_ns(const struct bench_result *r)
{
	return r->numjobs > 1 ? r->total_ns : r->elapsed_ns;
}

int bench_format_micro(char *buf, size_t len, const char *name, u64 total_ns,
		       u64 total_tsc, u64 ops, u64 bytes)
{
	char ns[32], tsc[32], mbps[32];
	int n;

	if (!ops)
		ops = 1;
	bench_fmt_x100(ns, sizeof(ns), bench_mul_div(total_ns, 100, ops));
	bench_fmt_x100(tsc, sizeof(tsc), bench_mul_div(total_tsc, 100, ops));
	n = snprintf(buf, len, "BENCH micro=%s ns_per_op=%s tsc_per_op=%s ops=%llu",
		     name, ns, tsc, (unsigned long long)ops);
	if (bytes && (size_t)n < len) {
		bench_fmt_x100(mbps, sizeof(mbps),
			       total_ns ? bench_mul_div(bytes, 100000, total_ns) : 0);
		n += snprintf(buf + n, len - (size_t)n, " MBps=%s", mbps);
	}
	return min(n, (int)(len ? len - 1 : 0));
}

/* ns per op of a pass, x100 */
static u64 pass_cost(const struct bench_micro_pass *p)
{
	return bench_mul_div(p->ns, 100, p->ops ? p->ops : 1);
}

bool bench_micro_agree(const struct bench_micro_pass *a, const struct bench_micro_pass *b)
{
	u64 x = pass_cost(a), y = pass_cost(b);
	u64 hi = max(x, y), lo = min(x, y);

	return (hi - lo) * 100 <= hi * BENCH_MICRO_AGREE_PCT;
}

int bench_format_micro_passes(char *buf, size_t len, const char *name,
			      struct bench_micro_pass *p, u32 n, u32 warm, bool stable)
{
	char lo[32], hi[32];
	const struct bench_micro_pass *med;
	int k;

	if (!n)
		return snprintf(buf, len, "BENCH micro=%s passes=0", name);
	for (u32 i = 1; i < n; i++)		/* insertion sort: n is small */
		for (u32 j = i; j > 0 && pass_cost(&p[j]) < pass_cost(&p[j - 1]); j--) {
			struct bench_micro_pass t = p[j];

			p[j] = p[j - 1];
			p[j - 1] = t;
		}
	med = &p[n / 2];
	k = bench_format_micro(buf, len, name, med->ns, med->tsc, med->ops, med->bytes);
	bench_fmt_x100(lo, sizeof(lo), pass_cost(&p[0]));
	bench_fmt_x100(hi, sizeof(hi), pass_cost(&p[n - 1]));
	if ((size_t)k < len)
		k += snprintf(buf + k, len - (size_t)k,
			      " ns_per_op_min=%s ns_per_op_max=%s passes=%u warm=%u%s",
			      lo, hi, n, warm, stable ? "" : " unstable");
	return min(k, (int)(len ? len - 1 : 0));
}
