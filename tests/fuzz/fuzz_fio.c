/*
 * fuzz_fio.c - libFuzzer target for fio job files (bench/fio_job.c).
 *
 * Input: the text of a job file. Checked: a refusal is one message that
 * starts "f.fio:<line>: " with a line inside the file and names an option;
 * an accepted file has 1-16 jobs, each with a device and options inside
 * the limits bench.h states (queue depth, block size, buffers, numjobs,
 * 32 threads in all), a queue depth of 1 whenever a synchronous engine
 * was named, a runtime or an I/O bound, and groups and sets that start at
 * 0 and grow by at most one from job to job, a set never ahead of a group.
 * Each accepted job's JSON line (bench/fio_json.c), from a result made of
 * the input's bytes, is one balanced object with no raw control byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include "bench.h"
#include "errno.h"
#include "lib.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static struct fio_jobfile jf;

static void fail(const char *what)
{
	fprintf(stderr, "fio: %s\n", what);
	abort();
}

struct sink {
	int depth;
	bool in_str, esc, bad, closed;
	size_t len;
};

static void sink_write(void *ctx, const char *s, size_t len)
{
	struct sink *k = ctx;

	for (size_t i = 0; i < len; i++, k->len++) {
		u8 c = (u8)s[i];

		if (c < 0x20 || c > 0x7e || k->closed)
			k->bad = true;
		if (k->in_str) {
			if (k->esc)
				k->esc = false;
			else if (c == '\\')
				k->esc = true;
			else if (c == '"')
				k->in_str = false;
			continue;
		}
		if (c == '"')
			k->in_str = true;
		else if (c == '{')
			k->depth++;
		else if (c == '}' && --k->depth <= 0)
			k->closed = true;
	}
}

static void check_json(const struct fio_job *j, const u8 *data, size_t size)
{
	static struct hist h[3];
	static struct bench_samples s;
	struct bench_result r;
	struct sink k = { 0 };
	struct bench_out out = { sink_write, &k };
	struct fio_report rep = { .jobname = j->name, .groupid = j->groupid, .opts = j->opts,
				  .nr_opts = j->nr_opts, .r = &r };

	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 3; i++)
		hist_reset(&h[i]);
	s.nr = (u32)(size % (BENCH_MAX_SAMPLES + 1));
	for (size_t i = 0; i < size; i++) {
		u64 v = (u64)data[i] << (data[(i + 1) % size] % 56);

		hist_record(&h[0], v);
		hist_record(&h[1 + (i & 1)], v);
		if (i & 1)
			r.write_ios++;
		else
			r.read_ios++;
		s.ns[i % BENCH_MAX_SAMPLES] = v;
		s.ios[i & 1][i % BENCH_MAX_SAMPLES] = data[i];
		s.bytes[i & 1][i % BENCH_MAX_SAMPLES] = (u64)data[i] * j->o.bs;
	}
	r.ios = r.read_ios + r.write_ios;
	r.read_bytes = r.read_ios * j->o.bs;
	r.write_bytes = r.write_ios * j->o.bs;
	r.elapsed_ns = size * 977;
	rep.elapsed_ns = r.elapsed_ns;
	r.lat = &h[0];
	r.rlat = &h[1];
	r.wlat = &h[2];
	r.samples = &s;
	fio_json_job(&out, &rep);
	if (k.bad || k.in_str || k.depth || !k.closed)
		fail("a JSON line that is not one object of printable text");
}


static u32 lines_of(const char *text, size_t len)
{
	u32 n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

/* Did the job (or [global] before it) name a synchronous engine last? */
static bool sync_engine(const struct fio_job *j)
{
	int verdict = -1;

	for (u32 i = 0; i < jf.nr_global; i++)
		if (!strcmp(jf.global[i].key, "ioengine"))
			verdict = !strcmp(jf.global[i].val, "libaio") ||
				  !strcmp(jf.global[i].val, "io_uring") ? 0 : 1;
	for (u32 i = 0; i < j->nr_opts; i++)
		if (!strcmp(j->opts[i].key, "ioengine"))
			verdict = !strcmp(j->opts[i].val, "libaio") ||
				  !strcmp(j->opts[i].val, "io_uring") ? 0 : 1;
	return verdict == 1;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	const char *text = (const char *)data;
	char err[200], *colon;
	u32 threads = 0;
	unsigned long line;

	if (size > FIO_FILE_MAX)
		return 0;
	memset(err, 0x55, sizeof(err));
	if (fio_parse_jobfile(&jf, "f.fio", text, size, err, sizeof(err))) {
		if (!memchr(err, '\0', sizeof(err)) || strncmp(err, "f.fio:", 6))
			fail("a refusal without 'f.fio:' first");
		line = strtoul(err + 6, &colon, 10);
		if (colon == err + 6 || colon[0] != ':' || colon[1] != ' ')
			fail("a refusal without a line number");
		if (line < 1 || line > lines_of(text, size) + 1)
			fail("a refusal names a line outside the file");
		if (!strstr(colon + 2, ": ") || (colon[2] == ':' && colon[3] == ' '))
			fail("a refusal names no option");
		return 0;
	}
	if (jf.nr_jobs < 1 || jf.nr_jobs > FIO_MAX_JOBS)
		fail("a job count outside 1-16 accepted");
	for (u32 k = 0; k < jf.nr_jobs; k++) {
		const struct fio_job *j = &jf.jobs[k];
		const struct bench_opts *o = &j->o;

		if (!o->dev[0] || !memchr(o->dev, '\0', sizeof(o->dev)) || strchr(o->dev, '/'))
			fail("a job without a device name");
		if (!o->qd || o->qd > BENCH_MAX_QD || !o->bs || o->bs % 512 ||
		    o->bs > BENCH_MAX_BS || (u64)o->qd * o->bs > BENCH_MAX_BUFFERS ||
		    !o->numjobs || o->numjobs > BENCH_MAX_NUMJOBS || o->rwmixread > 100 ||
		    (unsigned)o->rw >= BENCH_RW_NR)
			fail("options outside their limits accepted");
		if (sync_engine(j) && o->qd != 1)
			fail("a synchronous engine at a queue depth above 1");
		if (!o->ios && !o->ios_from_range && !o->runtime_ns)
			fail("a job with neither a runtime nor an I/O bound");
		if ((o->has_offset && o->offset % 512) || (o->has_size && o->size < o->bs))
			fail("a bad offset or size accepted");
		if (k == 0 ? j->groupid || j->set :
		    j->groupid - j[-1].groupid > 1 || j->set - j[-1].set > 1 ||
		    j->groupid < j[-1].groupid || j->set < j[-1].set)
			fail("groups or sets out of order");
		if (j->set > j->groupid)
			fail("a set ahead of its group");
		threads += o->numjobs;
		check_json(j, data, size);
	}
	if (threads > BENCH_MAX_THREADS)
		fail("more threads than the engine runs");
	if (jf.nr_sets != jf.jobs[jf.nr_jobs - 1].set + 1)
		fail("the set count is not the last set + 1");
	return 0;
}
