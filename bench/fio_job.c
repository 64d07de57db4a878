/*
 * fio_job.c - fio job files read into benchmark jobs (issue 13): the INI
 * layout fio reads (fio's init.c parse_jobs_ini() is the model: [global]
 * defaults for the sections after it, one job per other section, comment
 * lines, bare boolean options), the options bench.h lists with fio's
 * meaning, and every other thing refused with "<file>:<line>: <option>:
 * <what>". Values go through bench_parse_opt(), so sizes and times have
 * the shell's fio spellings.
 *
 * Groups and sets: fio numbers reporting groups from 0 and starts a new
 * one at a job with stonewall or new_group; a job with stonewall also
 * waits for every job before it, so the jobs between two stonewalls form
 * one set that runs together. Reports follow fio's __show_run_stats(): a
 * thread whose job has group_reporting joins the report of the thread
 * before it when that one is in the same group, whether or not that one
 * has group_reporting (fio_joins_report()).
 *
 * Pure: no hardware headers (tests/unit/test_fio.c, tests/fuzz/fuzz_fio.c).
 */
#include "bench.h"
#include "errno.h"
#include "lib.h"

enum fio_kind {
	FIO_BENCH,		/* bench_parse_opt() under the same name */
	FIO_FLAG,		/* 0 or 1; bare means 1 */
	FIO_TEXT,		/* kept as given */
};

enum fio_key {
	K_BENCH, K_FILENAME, K_IOENGINE, K_DIRECT, K_TIME_BASED, K_GROUP_REPORTING,
	K_STONEWALL, K_NEW_GROUP, K_NAME, K_DESCRIPTION, K_HIPRI, K_SIZE, K_OFFSET,
	K_RUNTIME, K_NUMBER_IOS, K_IODEPTH,
};

static const struct fio_key_def {
	const char *name;
	enum fio_kind kind;
	enum fio_key key;
} fio_keys[] = {
	{ "filename", FIO_TEXT, K_FILENAME },
	{ "rw", FIO_BENCH, K_BENCH },
	{ "readwrite", FIO_BENCH, K_BENCH },
	{ "rwmixread", FIO_BENCH, K_BENCH },
	{ "bs", FIO_BENCH, K_BENCH },
	{ "blocksize", FIO_BENCH, K_BENCH },
	{ "iodepth", FIO_BENCH, K_IODEPTH },
	{ "numjobs", FIO_BENCH, K_BENCH },
	{ "group_reporting", FIO_FLAG, K_GROUP_REPORTING },
	{ "size", FIO_BENCH, K_SIZE },
	{ "offset", FIO_BENCH, K_OFFSET },
	{ "runtime", FIO_BENCH, K_RUNTIME },
	{ "time_based", FIO_FLAG, K_TIME_BASED },
	{ "ramp_time", FIO_BENCH, K_BENCH },
	{ "number_ios", FIO_BENCH, K_NUMBER_IOS },
	{ "hipri", FIO_FLAG, K_HIPRI },
	{ "randseed", FIO_BENCH, K_BENCH },
	{ "direct", FIO_FLAG, K_DIRECT },
	{ "stonewall", FIO_FLAG, K_STONEWALL },
	{ "new_group", FIO_FLAG, K_NEW_GROUP },
	{ "name", FIO_TEXT, K_NAME },
	{ "description", FIO_TEXT, K_DESCRIPTION },
	{ "ioengine", FIO_TEXT, K_IOENGINE },
};

/* What one section has said so far (the global one is copied into jobs). */
struct fio_state {
	struct fio_job job;
	bool sync_engine, time_based, has_runtime, has_number_ios;
	bool new_group;
	u32 iodepth;
	u32 runtime_line, time_based_line, numjobs_line;
};

struct fio_ctx {
	const char *file;
	char *err;
	size_t errlen;
	u32 line;
};

static int fio_fail(struct fio_ctx *c, const char *opt, const char *fmt,
		    const char *a, const char *b)
{
	size_t n;

	/* a long garbage "option" is cut (the message must fit), and one that
	 * would read as the separator is named "-" */
	if (!opt[0] || opt[0] == ':' || opt[0] == ' ')
		opt = "-";
	n = (size_t)snprintf(c->err, c->errlen, "%.64s:%u: %.32s: ", c->file, c->line, opt);
	if (n < c->errlen)
		snprintf(c->err + n, c->errlen - n, fmt, a, b);
	return -EINVAL;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

bool fio_joins_report(const struct fio_job *prev, const struct fio_job *job)
{
	return prev && job->o.group_reporting && prev->groupid == job->groupid;
}

const char *fio_map_filename(const char *filename)
{
	return strncmp(filename, "/dev/", 5) ? filename : filename + 5;
}

static int fio_add_opt(struct fio_ctx *c, struct fio_opt *opts, u32 *nr, const char *key,
		       const char *val)
{
	if (*nr == FIO_MAX_OPTS)
		return fio_fail(c, key, "more than %s options in one section%s", "24", "");
	strlcpy(opts[*nr].key, key, sizeof(opts[*nr].key));
	strlcpy(opts[*nr].val, val, sizeof(opts[*nr].val));
	(*nr)++;
	return 0;
}

static int fio_option(struct fio_ctx *c, struct fio_state *st, const char *key,
		      const char *val)
{
	const struct fio_key_def *d = NULL;
	struct fio_job *j = &st->job;
	char why[160];
	bool flag = false;

	for (unsigned i = 0; i < ARRAY_SIZE(fio_keys); i++)
		if (!strcmp(key, fio_keys[i].name))
			d = &fio_keys[i];
	if (!strcmp(key, "include"))
		return fio_fail(c, key, "include is not supported: put the jobs in one file%s%s",
				"", "");
	if (!d)
		return fio_fail(c, key, "not supported by pfnos (bench.h lists the options)%s%s",
				"", "");
	if (d->kind == FIO_FLAG) {
		if (!val || !strcmp(val, "1"))
			flag = true;
		else if (strcmp(val, "0"))
			return fio_fail(c, key, "'%s' is not 0 or 1%s", val, "");
	} else if (!val || !*val) {
		return fio_fail(c, key, "needs a value%s%s", "", "");
	}
	if (val && strlen(val) >= FIO_VAL_LEN)
		return fio_fail(c, key, "value longer than %s characters%s", "63", "");

	switch (d->key) {
	case K_BENCH:
	case K_SIZE:
	case K_OFFSET:
	case K_RUNTIME:
	case K_NUMBER_IOS:
	case K_IODEPTH:
		if (bench_parse_opt(&j->o, key, val, why, sizeof(why)))
			return fio_fail(c, key, "%s%s", why, "");
		if (d->key == K_SIZE || d->key == K_OFFSET) {
			j->range_line = c->line;
			j->range_opt = d->name;
		}
		if (d->key == K_RUNTIME) {
			st->has_runtime = true;
			st->runtime_line = c->line;
		}
		if (d->key == K_NUMBER_IOS)
			st->has_number_ios = true;
		if (d->key == K_IODEPTH)
			st->iodepth = j->o.qd;
		if (!strcmp(key, "numjobs"))
			st->numjobs_line = c->line;
		break;
	case K_FILENAME: {
		const char *dev = fio_map_filename(val);

		if (strchr(val, ':'))
			return fio_fail(c, key, "'%s': one device per job%s", val, "");
		if (!*dev || strlen(dev) >= BENCH_DEV_LEN || strchr(dev, '/'))
			return fio_fail(c, key, "'%s' is not a pfnos device name (lsblk lists them)%s",
					val, "");
		strlcpy(j->o.dev, dev, sizeof(j->o.dev));
		j->filename_line = c->line;
		if (!j->range_line || !strcmp(j->range_opt, "filename")) {
			j->range_line = c->line;
			j->range_opt = "filename";
		}
		break;
	}
	case K_IOENGINE:
		if (!strcmp(val, "sync") || !strcmp(val, "psync") || !strcmp(val, "pvsync") ||
		    !strcmp(val, "pvsync2")) {
			st->sync_engine = true;
		} else if (!strcmp(val, "libaio") || !strcmp(val, "io_uring")) {
			st->sync_engine = false;
		} else {
			return fio_fail(c, key, "'%s': sync, psync, pvsync, pvsync2, libaio or io_uring%s",
					val, "");
		}
		break;
	case K_DIRECT:
		if (!flag)
			return fio_fail(c, key, "pfnos has no page cache: direct must be 1%s%s", "", "");
		break;
	case K_TIME_BASED:
		st->time_based = flag;
		st->time_based_line = c->line;
		break;
	case K_GROUP_REPORTING:
		j->o.group_reporting = flag;
		break;
	case K_STONEWALL:
		j->stonewall = flag;
		break;
	case K_NEW_GROUP:
		st->new_group = flag;
		break;
	case K_HIPRI:
		j->o.poll = flag;
		break;
	case K_NAME:
		strlcpy(j->name, val, sizeof(j->name));
		break;
	case K_DESCRIPTION:
		strlcpy(j->description, val, sizeof(j->description));
		break;
	}
	return 0;
}

/* The section that ends: its defaults and checks. */
static int fio_finish_job(struct fio_ctx *c, struct fio_jobfile *jf, struct fio_state *st,
			  u32 *threads)
{
	struct fio_job *j = &st->job;
	struct bench_opts *o = &j->o;
	u32 line = c->line;

	c->line = j->line;
	if (!o->dev[0])
		return fio_fail(c, "filename", "job '%s' names no device%s", j->name, "");
	if (st->time_based && !st->has_runtime) {
		c->line = st->time_based_line;
		return fio_fail(c, "time_based", "needs runtime=%s%s", "", "");
	}
	o->qd = st->sync_engine ? 1 : (st->iodepth ? st->iodepth : 1);
	if (st->time_based) {
		o->ios_timed = o->ios != 0;
	} else {
		/* size bounds the job; number_ios can only end it sooner (fio's
		 * "does not extend the amount of I/O that will be done") */
		o->ios_timed = st->has_runtime;
		if (!st->has_runtime)
			o->runtime_ns = 0;
		if (!st->has_number_ios)
			o->ios = 0;
		o->ios_from_range = true;
	}
	if (o->has_offset && o->offset % 512) {
		c->line = j->range_line;
		return fio_fail(c, "offset", "not a multiple of 512%s%s", "", "");
	}
	if (o->has_size && o->size < o->bs) {
		c->line = j->range_line;
		return fio_fail(c, "size", "smaller than bs%s%s", "", "");
	}
	if ((u64)o->qd * o->bs > BENCH_MAX_BUFFERS) {
		c->line = j->line;
		return fio_fail(c, "iodepth", "iodepth * bs is over 64m of buffers%s%s", "", "");
	}
	if (o->rw != BENCH_RANDRW)
		o->rwmixread = o->rw == BENCH_READ || o->rw == BENCH_RANDREAD ? 100 : 0;
	*threads += o->numjobs;
	if (*threads > BENCH_MAX_THREADS) {
		c->line = st->numjobs_line ? st->numjobs_line : j->line;
		return fio_fail(c, "numjobs", "more than %s jobs and clones in one file%s", "32", "");
	}
	if (jf->nr_jobs) {
		const struct fio_job *prev = &jf->jobs[jf->nr_jobs - 1];

		j->groupid = prev->groupid + (j->stonewall || st->new_group);
		j->set = prev->set + j->stonewall;
	} else {
		j->groupid = 0;
		j->set = 0;
	}
	jf->nr_sets = j->set + 1;
	jf->jobs[jf->nr_jobs++] = *j;
	c->line = line;
	return 0;
}

/* fio's defaults for a job file, where they differ from the shell's. */
static void fio_state_init(struct fio_state *st)
{
	memset(st, 0, sizeof(*st));
	bench_opts_init(&st->job.o);
	st->job.o.ramp_ns = 0;
	st->job.o.has_offset = true;		/* offset 0, the whole device */
	st->job.o.offset = 0;
	st->sync_engine = true;			/* fio's default ioengine, psync */
}

int fio_parse_jobfile(struct fio_jobfile *jf, const char *file, const char *text,
		      size_t len, char *err, size_t errlen)
{
	static struct fio_state global, cur;	/* large: kept off the stack */
	struct fio_ctx c = { .file = file, .err = err, .errlen = errlen, .line = 0 };
	enum { NONE, GLOBAL, JOB } in = NONE;
	u32 threads = 0;
	size_t pos = 0;
	bool any = false;
	int ret;

	memset(jf, 0, sizeof(*jf));
	fio_state_init(&global);
	while (pos < len) {
		char buf[256], *p, *e, *key, *val;
		size_t n = 0;

		c.line++;
		while (pos < len && text[pos] != '\n') {
			if (!text[pos])
				return fio_fail(&c, "-", "a NUL byte: not a text file%s%s", "", "");
			if (n < sizeof(buf) - 1)
				buf[n] = text[pos];
			n++;
			pos++;
		}
		pos++;				/* the newline */
		if (n >= sizeof(buf))
			return fio_fail(&c, "-", "line longer than %s characters%s", "255", "");
		buf[n] = '\0';
		for (p = buf; is_blank(*p); p++)
			;
		for (e = p + strlen(p); e > p && is_blank(e[-1]); e--)
			;
		*e = '\0';
		if (!*p || *p == ';' || *p == '#')
			continue;
		any = true;
		if (*p == '[') {
			if (e[-1] != ']' || e - p < 3)
				return fio_fail(&c, p, "not a section header [name]%s%s", "", "");
			e[-1] = '\0';
			p++;
			if (in == JOB) {
				ret = fio_finish_job(&c, jf, &cur, &threads);
				if (ret)
					return ret;
			}
			if (!strcmp(p, "global")) {
				in = GLOBAL;
				continue;
			}
			if (jf->nr_jobs == FIO_MAX_JOBS)
				return fio_fail(&c, p, "more than %s jobs in one file%s", "16", "");
			if (strlen(p) >= FIO_NAME_LEN)
				return fio_fail(&c, p, "job name longer than %s characters%s", "63", "");
			cur = global;
			cur.job.nr_opts = 0;
			cur.job.line = c.line;
			strlcpy(cur.job.name, p, sizeof(cur.job.name));
			in = JOB;
			continue;
		}
		/* fio's directive is "include <file>": refused as include= is */
		if (!strncmp(p, "include", 7) && is_blank(p[7]))
			return fio_fail(&c, "include", "include is not supported: put the jobs in one file%s%s",
					"", "");
		key = p;
		val = strchr(p, '=');
		if (val) {
			for (e = val; e > key && is_blank(e[-1]); e--)
				;
			*e = '\0';
			for (val++; is_blank(*val); val++)
				;
		}
		for (char *k = key; *k; k++)
			if (is_blank(*k) || *k == '[' || *k == ']')
				return fio_fail(&c, key, "not an option (key=value), a [section] or a comment%s%s",
						"", "");
		if (!*key)
			return fio_fail(&c, "-", "an option without a name%s%s", "", "");
		if (strlen(key) >= FIO_KEY_LEN)
			return fio_fail(&c, key, "not supported by pfnos (bench.h lists the options)%s%s",
					"", "");
		if (in == NONE && strcmp(key, "include"))
			return fio_fail(&c, key, "an option before any [section]%s%s", "", "");
		ret = fio_option(&c, in == JOB ? &cur : &global, key, val);
		if (ret)
			return ret;
		if (in == JOB)
			ret = fio_add_opt(&c, cur.job.opts, &cur.job.nr_opts, key, val ? val : "");
		else
			ret = fio_add_opt(&c, jf->global, &jf->nr_global, key, val ? val : "");
		if (ret)
			return ret;
	}
	if (in == JOB) {
		c.line++;
		ret = fio_finish_job(&c, jf, &cur, &threads);
		if (ret)
			return ret;
	}
	if (!any) {
		c.line = c.line ? c.line : 1;
		return fio_fail(&c, "-", "no job: the file is empty%s%s", "", "");
	}
	if (!jf->nr_jobs)
		return fio_fail(&c, "-", "no job section, only [global]%s%s", "", "");
	return 0;
}
