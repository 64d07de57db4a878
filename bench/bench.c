/*
 * bench.c - the benchmark job engine: fio-style jobs on block devices, one
 * job or many interleaved on one CPU (bench_smp.c spreads a job's clones
 * over the online CPUs, each CPU running this loop on its share).
 *
 * A job runs as one or more threads (fio's word: one per clone of
 * numjobs=). bench_thread_create() resolves the device and the byte range
 * (the last 64 MiB, the scratch area, unless offset=/size= say otherwise;
 * clone k of a job that writes gets the k-th slice), takes qd buffers of bs
 * bytes from the frame allocator and fills them. bench_run_threads() then
 * keeps every thread's qd bios in flight: each bio is built in a
 * preallocated slot (struct bench_io, the bio in our memory through
 * bio_init()), stamped with rdtsc() before submit_bio(), and its bi_end_io
 * stamps the completion and pushes the slot on its thread's completion
 * list. The loop reaps all lists, records the latencies in each thread's
 * histograms and resubmits, and when nothing has completed it waits with
 * blk_wait_once(), as submit_bio_wait() does: by driving a queue's poll
 * operation when a thread's bios went to a polled queue (poll=1 on a device
 * with polled queues; `pause` between empty polls, never a halt:
 * docs/bench.md has what that does under TCG), else by halting until an
 * interrupt. Nothing on this path allocates.
 *
 * Samples: every BENCH_SAMPLE_NS of the timed window (longer for long
 * runtimes) each thread records the I/Os completed per direction, fio's bw
 * and iops samples (struct bench_samples).
 *
 * Time: a warm-up (ramp_time, default 500 ms) whose completions are not
 * counted, then the timed window (runtime, default 2 s): an I/O counts when
 * it completes inside the window. With ios=N exactly N I/Os are submitted
 * after the warm-up and all count; the window runs from the first of them
 * to the last completion. A job file's job without time_based runs fio's
 * size (ios_from_range: the range's bytes / bs) and, with ios_timed, stops
 * at the end of its runtime if that comes first.
 *
 * verify=1: the range is first written with the data pattern (lib.h,
 * pattern seed = seed & 0xffff), writes carry the pattern, every read is
 * checked, and a job that wrote reads the whole range back at the end.
 * Before each read the first and last 8 bytes of every 512-byte sector of
 * the buffer are set to the complement of the expected pattern, so a read
 * that transfers nothing (or stops short in a sector) fails the check even
 * when the slot already holds that block from an earlier I/O.
 */
#include "bench.h"
#include "blkdev.h"
#include "cpu.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "shell.h"
#include "smp.h"
#include "time.h"

struct bench_thread;

struct bench_io {
	struct bio bio;
	struct bench_thread *thr;
	struct bench_io *next;		/* completion list */
	pfn_t pfn;			/* the buffer: bs bytes, contiguous */
	u8 *va;
	u64 pos;			/* device byte offset */
	u64 start_tsc, done_tsc;
	bool write;
	bool counted;			/* ios= mode: submitted after the ramp */
};

enum bench_phase {
	PHASE_FILL,			/* verify: write the pattern over the range */
	PHASE_MAIN,
	PHASE_CHECK,			/* verify: read the range back */
};

struct bench_thread {
	const struct bench_opts *o;
	struct gendisk *disk;
	struct bench_io *done;		/* pushed by bench_end_io */
	struct bench_io *reaped;	/* taken from done by the loop */
	size_t alloc_size;
	u32 qd;
	u32 inflight;
	u32 nr_io;
	struct prng rng;
	u64 off, size, nblocks;
	u64 ios_limit;			/* counted I/Os to run; 0: a timed window */
	u64 seq;			/* next block of a sequential pass */
	u16 pat_seed;
	unsigned order;			/* of each buffer */
	bool polled;			/* the bios went to a polled queue */
	u32 wait_opf;			/* a submitted bio's bi_opf: where to wait */
	u64 verify_reported;
	/* the phase being run */
	bool active, stop;
	u64 total;			/* FILL/CHECK: blocks of the pass */
	u64 submitted, counted_sub, first_counted, last_done;
	u64 ramp_end, win_end;
	u64 sample_tsc, sample_every;	/* last sample, interval (TSC) */
	u64 sample_ios[2];		/* read/write I/Os at the last sample */
	struct bench_result res;
	struct hist lat, rlat, wlat;
	struct bench_samples samples;
	struct bench_io ios[];		/* qd slots */
};

static void bench_end_io(struct bio *bio)
{
	struct bench_io *io = bio->bi_private;
	struct bench_thread *t = io->thr;
	struct bench_io *head;

	io->done_tsc = rdtsc();
	/* a completion may run on another CPU than the thread's loop (a
	 * queue CPUs share, bench_smp.c): push without a lock */
	head = __atomic_load_n(&t->done, __ATOMIC_RELAXED);
	do {
		io->next = head;
	} while (!__atomic_compare_exchange_n(&t->done, &head, io, true,
					      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

static void bench_free_buffers(struct bench_thread *t)
{
	for (u32 i = 0; i < t->nr_io; i++) {
		if (!pfn_t_is_null(t->ios[i].pfn))
			pfn_free(t->ios[i].pfn, t->order);
		t->ios[i].pfn = PFN_T_NULL;
	}
	t->nr_io = 0;
}

static int bench_alloc_buffers(struct bench_thread *t, u32 qd, u32 bs)
{
	t->order = get_order(bs);
	for (u32 i = 0; i < qd; i++) {
		struct bench_io *io = &t->ios[i];

		io->pfn = pfn_alloc(t->order, 0);
		if (pfn_t_is_null(io->pfn)) {
			t->nr_io = i;
			bench_free_buffers(t);
			return -ENOMEM;
		}
		io->va = phys_to_virt(pfn_t_to_phys(io->pfn));
		io->thr = t;
		/* never all-zero data: some devices special-case it */
		pattern_fill(io->va, (u64)i * bs, bs, t->pat_seed ^ 0x5a5a);
		t->nr_io = i + 1;
	}
	return 0;
}

u64 bench_scratch_off(struct gendisk *disk)
{
	u64 cap = (u64)disk->capacity << SECTOR_SHIFT;

	return cap > BENCH_SCRATCH_SIZE ? cap - BENCH_SCRATCH_SIZE : 0;
}
int bench_resolve_range(const struct bench_opts *o, struct gendisk *disk,
			u64 *off, u64 *size, char *err, size_t errlen)
{
	u64 cap = (u64)disk->capacity << SECTOR_SHIFT;
	u32 lbs = disk_lbs(disk);
	u64 o_off, o_size;

	if (o->bs % lbs) {
		snprintf(err, errlen, "%s: bs %u is not a multiple of the %u-byte block size",
			 disk->disk_name, o->bs, lbs);
		return -EINVAL;
	}
	if (o->has_offset) {
		o_off = o->offset;
	} else {
		o_off = bench_scratch_off(disk);
		if (o->has_size && o->size < cap - o_off)
			o_off = cap - o->size;	/* keep to the end of the device */
	}
	if (o_off % lbs || o_off >= cap) {
		snprintf(err, errlen, "%s: offset %llu is %s (capacity %llu, block size %u)",
			 disk->disk_name, (unsigned long long)o_off,
			 o_off >= cap ? "beyond the end" : "not block aligned",
			 (unsigned long long)cap, lbs);
		return -EINVAL;
	}
	o_size = o->has_size ? o->size : cap - o_off;
	if (o_size > cap - o_off) {
		snprintf(err, errlen, "%s: offset %llu + size %llu is beyond the capacity %llu",
			 disk->disk_name, (unsigned long long)o_off,
			 (unsigned long long)o_size, (unsigned long long)cap);
		return -EINVAL;
	}
	o_size = ALIGN_DOWN(o_size, (u64)o->bs);
	if (!o_size) {
		snprintf(err, errlen, "%s: the range holds no whole %u-byte block",
			 disk->disk_name, o->bs);
		return -EINVAL;
	}
	*off = o_off;
	*size = o_size;
	return 0;
}

/*
 * verify: make a read that transfers nothing detectable. The first and last
 * word of each 512-byte sector get ~pattern, which can never pass
 * pattern_check; pos and len are whole sectors (bs is a multiple of the
 * block size). Two words a sector keep this cheap under TCG.
 */
static void bench_poison(u8 *va, u64 pos, u32 len, u16 seed)
{
	for (u32 s = 0; s < len; s += SECTOR_SIZE) {
		u64 head = ~pattern_word(seed, pos + s);
		u64 tail = ~pattern_word(seed, pos + s + SECTOR_SIZE - 8);

		__builtin_memcpy(va + s, &head, 8);
		__builtin_memcpy(va + s + SECTOR_SIZE - 8, &tail, 8);
	}
}

/* Pick direction and position of the next I/O of a phase. */
static void bench_next(struct bench_thread *t, struct bench_io *io,
		       enum bench_phase phase)
{
	const struct bench_opts *o = t->o;
	u64 blk;

	if (phase != PHASE_MAIN) {
		io->write = phase == PHASE_FILL;
		blk = t->seq++;
	} else {
		switch (o->rw) {
		case BENCH_READ:
		case BENCH_RANDREAD:
			io->write = false;
			break;
		case BENCH_WRITE:
		case BENCH_RANDWRITE:
			io->write = true;
			break;
		default:
			io->write = prng_next(&t->rng) % 100 >= o->rwmixread;
		}
		if (bench_rw_random(o->rw)) {
			blk = (u64)(((unsigned __int128)prng_next(&t->rng) *
				     t->nblocks) >> 64);
		} else {
			blk = t->seq++;
			if (t->seq == t->nblocks)
				t->seq = 0;
		}
	}
	io->pos = t->off + blk * o->bs;
}

static void bench_submit(struct bench_thread *t, struct bench_io *io,
			 enum bench_phase phase, bool counted)
{
	const struct bench_opts *o = t->o;
	u32 opf;

	bench_next(t, io, phase);
	if (io->write && o->verify)
		pattern_fill(io->va, io->pos, o->bs, t->pat_seed);
	else if (o->verify)
		bench_poison(io->va, io->pos, o->bs, t->pat_seed);
	opf = io->write ? REQ_OP_WRITE : REQ_OP_READ;
	if (o->poll)
		opf |= REQ_POLLED;
	bio_init(&io->bio, t->disk, NULL, 0, opf);
	io->bio.bi_iter.bi_sector = io->pos >> SECTOR_SHIFT;
	bio_add_pfn(&io->bio, io->pfn, o->bs, 0);
	io->bio.bi_end_io = bench_end_io;
	io->bio.bi_private = io;
	io->counted = counted;
	t->inflight++;
	t->submitted++;
	io->start_tsc = rdtsc();
	submit_bio(&io->bio);
	/* REQ_POLLED as submit_bio() left it: set where the bio went to a
	 * polled queue, which blk_wait_once() finds again from it */
	t->wait_opf = io->bio.bi_opf;
	if (io->bio.bi_opf & REQ_POLLED)
		t->polled = true;
}

/* Submit the next I/O of the thread's phase into slot io. */
static void bench_submit_next(struct bench_thread *t, struct bench_io *io,
			      enum bench_phase phase)
{
	bool counted = false;

	if (phase == PHASE_MAIN && t->ios_limit) {
		u64 now = rdtsc();

		counted = now >= t->ramp_end;
		if (counted && !t->counted_sub++)
			t->first_counted = now;
	}
	bench_submit(t, io, phase, counted);
}

/*
 * Wait once for any of the threads' I/O: a polled queue with I/O in
 * flight is polled (taking turns), else the wait halts until an interrupt,
 * which ends the wait for every interrupt-driven queue at once.
 */
static void bench_wait(struct bench_thread **t, unsigned n, unsigned long flags)
{
	static unsigned turns[NR_CPUS];	/* each CPU runs its own share */
	unsigned *turn = &turns[smp_processor_id()];
	struct bench_thread *any = NULL;

	for (unsigned k = 0; k < n; k++) {
		struct bench_thread *th = t[(*turn + k) % n];

		if (!th->inflight)
			continue;
		if (th->wait_opf & REQ_POLLED) {
			*turn = (*turn + k + 1) % n;
			blk_wait_once(th->disk, th->wait_opf, flags);
			return;
		}
		if (!any)
			any = th;
	}
	if (any)
		blk_wait_once(any->disk, any->wait_opf, flags);
}

/* Move every thread's completion list to ->reaped; wait while all are empty. */
static void bench_reap(struct bench_thread **t, unsigned n)
{
	unsigned long flags;
	bool any;

	for (;;) {
		flags = local_irq_save();
		any = false;
		for (unsigned k = 0; k < n; k++) {
			t[k]->reaped = __atomic_exchange_n(&t[k]->done, NULL,
							    __ATOMIC_ACQUIRE);
			if (t[k]->reaped)
				any = true;
		}
		if (!any)
			bench_wait(t, n, flags);
		local_irq_restore(flags);
		if (any)
			return;
	}
}

static void bench_complete(struct bench_thread *t, struct bench_io *io,
			   enum bench_phase phase)
{
	const struct bench_opts *o = t->o;
	struct bench_result *r = &t->res;
	bool counted;
	u64 ns;

	t->inflight--;
	if (io->bio.bi_status) {
		if (!r->io_errors)
			pr_err("bench: %s: %s at byte %llu failed: -%s\n", t->disk->disk_name,
			       io->write ? "write" : "read", (unsigned long long)io->pos,
			       errno_name(io->bio.bi_status));
		r->io_errors++;
	} else if (!io->write && o->verify) {
		size_t bad = pattern_check(io->va, io->pos, o->bs, t->pat_seed);

		if (bad != o->bs) {
			if (t->verify_reported++ < 4)
				pr_err("bench: %s: verify: byte %llu differs from the pattern (seed %u)\n",
				       t->disk->disk_name,
				       (unsigned long long)(io->pos + bad), t->pat_seed);
			r->verify_errors++;
		}
	}
	if (phase != PHASE_MAIN)
		return;
	if (t->ios_limit)
		counted = io->counted;
	else
		counted = io->done_tsc >= t->ramp_end && io->done_tsc < t->win_end;
	if (!counted)
		return;
	if (io->done_tsc > t->last_done)
		t->last_done = io->done_tsc;
	ns = tsc_to_ns(io->done_tsc - io->start_tsc);
	hist_record(r->lat, ns);
	if (io->write) {
		hist_record(r->wlat, ns);
		r->write_ios++;
		r->write_bytes += o->bs;
	} else {
		hist_record(r->rlat, ns);
		r->read_ios++;
		r->read_bytes += o->bs;
	}
	r->ios++;
	r->bytes += o->bs;
}

/*
 * Record the I/Os completed since the last sample as one sample ending at
 * end. When the table is full, neighbours are added pairwise and the
 * interval doubles: the samples always cover the window evenly.
 */
static void bench_sample(struct bench_thread *t, u64 end)
{
	struct bench_samples *s = &t->samples;
	u64 rd = t->res.read_ios, wr = t->res.write_ios;

	if (end <= t->sample_tsc)
		return;
	if (s->nr == BENCH_MAX_SAMPLES) {
		for (u32 i = 0; i < s->nr / 2; i++) {
			s->ns[i] = s->ns[2 * i] + s->ns[2 * i + 1];
			s->ios[0][i] = s->ios[0][2 * i] + s->ios[0][2 * i + 1];
			s->ios[1][i] = s->ios[1][2 * i] + s->ios[1][2 * i + 1];
			s->bytes[0][i] = s->bytes[0][2 * i] + s->bytes[0][2 * i + 1];
			s->bytes[1][i] = s->bytes[1][2 * i] + s->bytes[1][2 * i + 1];
		}
		s->nr /= 2;
		t->sample_every *= 2;
	}
	s->ns[s->nr] = tsc_to_ns(end - t->sample_tsc);
	s->ios[0][s->nr] = rd - t->sample_ios[0];
	s->ios[1][s->nr] = wr - t->sample_ios[1];
	s->bytes[0][s->nr] = s->ios[0][s->nr] * t->o->bs;
	s->bytes[1][s->nr] = s->ios[1][s->nr] * t->o->bs;
	s->nr++;
	t->sample_tsc = end;
	t->sample_ios[0] = rd;
	t->sample_ios[1] = wr;
}

/* Start a thread's phase and put its first qd I/Os in flight. */
static void bench_phase_start(struct bench_thread *t, enum bench_phase phase, u64 t0)
{
	const struct bench_opts *o = t->o;
	u32 qd = t->qd;

	t->active = phase == PHASE_MAIN || (o->verify &&
		    (phase == PHASE_FILL || bench_rw_writes(o->rw)));
	t->stop = false;
	t->seq = 0;
	t->submitted = t->counted_sub = t->first_counted = t->last_done = 0;
	t->total = phase == PHASE_MAIN ? 0 : t->nblocks;
	t->ramp_end = t0 + ns_to_tsc(o->ramp_ns);
	t->win_end = t->ramp_end + ns_to_tsc(o->runtime_ns);
	if (phase == PHASE_MAIN) {
		u64 every = BENCH_SAMPLE_NS;

		if (!t->ios_limit && o->runtime_ns / (BENCH_MAX_SAMPLES - 1) > every)
			every = o->runtime_ns / (BENCH_MAX_SAMPLES - 1);
		t->sample_every = ns_to_tsc(every);
		t->sample_tsc = t->ramp_end;
		t->sample_ios[0] = t->sample_ios[1] = 0;
		t->samples.nr = 0;
	}
	if (!t->active)
		return;
	if (t->total && qd > t->total)
		qd = (u32)t->total;
	for (u32 i = 0; i < qd && !t->stop; i++) {
		bench_submit_next(t, &t->ios[i], phase);
		if (t->ios_limit && phase == PHASE_MAIN && t->counted_sub == t->ios_limit)
			t->stop = true;
	}
}

/* Time-driven ends and samples of a thread, at time now. */
static void bench_phase_tick(struct bench_thread *t, enum bench_phase phase, u64 now)
{
	const struct bench_opts *o = t->o;

	if (phase != PHASE_MAIN || !t->active)
		return;
	if ((!t->ios_limit || o->ios_timed) && now >= t->win_end && !t->stop) {
		t->stop = true;
		if (!t->ios_limit)
			bench_sample(t, t->win_end);
	}
	if (!t->stop && now >= t->ramp_end && now - t->sample_tsc >= t->sample_every)
		bench_sample(t, now);
}

/* After a completion: stop, or resubmit the slot. */
static void bench_after(struct bench_thread *t, struct bench_io *io,
			enum bench_phase phase)
{
	bench_complete(t, io, phase);
	if (t->total && t->submitted == t->total)
		t->stop = true;
	if (phase == PHASE_MAIN && t->ios_limit && t->counted_sub == t->ios_limit)
		t->stop = true;
	if (!t->stop)
		bench_submit_next(t, io, phase);
}

static void bench_phase_end(struct bench_thread *t, enum bench_phase phase)
{
	struct bench_result *r = &t->res;

	if (phase != PHASE_MAIN)
		return;
	if (t->ios_limit) {
		r->elapsed_ns = t->last_done > t->first_counted ?
				tsc_to_ns(t->last_done - t->first_counted) : 0;
		/* the last partial interval, up to the last completion */
		if (t->last_done > t->sample_tsc)
			bench_sample(t, t->last_done);
	} else {
		r->elapsed_ns = tsc_to_ns(t->win_end - t->ramp_end);
	}
	/* a window shorter than one interval: one sample, the whole window */
	if (!t->samples.nr && r->elapsed_ns) {
		t->samples.nr = 1;
		t->samples.ns[0] = r->elapsed_ns;
		t->samples.ios[0][0] = r->read_ios;
		t->samples.ios[1][0] = r->write_ios;
		t->samples.bytes[0][0] = r->read_bytes;
		t->samples.bytes[1][0] = r->write_bytes;
	}
	r->poll_used = t->polled;
}

/*
 * One phase of every thread, interleaved: FILL and CHECK are one
 * sequential pass over each verifying thread's range; MAIN is the warm-up
 * and the timed window. Returns 0 or -EINTR.
 */
static int bench_phase(struct bench_thread **t, unsigned n, enum bench_phase phase)
{
	u64 t0 = rdtsc();
	u64 next_check = t0 + ns_to_tsc(50000000);
	bool interrupted = false;

	for (unsigned k = 0; k < n; k++)
		bench_phase_start(t[k], phase, t0);
	for (;;) {
		bool inflight = false;
		u64 now;

		for (unsigned k = 0; k < n; k++)
			if (t[k]->inflight)
				inflight = true;
		if (!inflight)
			break;
		bench_reap(t, n);
		now = rdtsc();
		if (now >= next_check) {
			next_check = now + ns_to_tsc(50000000);
			if (shell_interrupted()) {
				interrupted = true;
				for (unsigned k = 0; k < n; k++)
					t[k]->stop = true;
			}
		}
		for (unsigned k = 0; k < n; k++)
			bench_phase_tick(t[k], phase, now);
		for (unsigned k = 0; k < n; k++) {
			struct bench_io *list = t[k]->reaped;

			t[k]->reaped = NULL;
			while (list) {
				struct bench_io *io = list;

				list = io->next;
				bench_after(t[k], io, phase);
			}
		}
	}
	for (unsigned k = 0; k < n; k++)
		if (t[k]->active)
			bench_phase_end(t[k], phase);
	return interrupted ? -EINTR : 0;
}

struct bench_thread *bench_thread_create(const struct bench_opts *o, u32 clone,
					 char *err, size_t errlen)
{
	struct bench_thread *t;
	struct gendisk *disk;
	u64 off, size, job_size;
	size_t bytes;
	int ret;

	/* bench_parse() refuses these; callers filling opts themselves may not */
	if (!o->qd || o->qd > BENCH_MAX_QD) {
		snprintf(err, errlen, "qd %u is not within 1-%u", o->qd, BENCH_MAX_QD);
		return ERR_PTR(-EINVAL);
	}
	if (!o->bs || o->bs > BENCH_MAX_BS) {
		snprintf(err, errlen, "bs %u is not within 1-%u", o->bs, BENCH_MAX_BS);
		return ERR_PTR(-EINVAL);
	}
	disk = blk_find_disk(o->dev);
	if (!disk) {
		snprintf(err, errlen, "no block device '%s' (lsblk lists them)", o->dev);
		return ERR_PTR(-ENODEV);
	}
	ret = bench_resolve_range(o, disk, &off, &size, err, errlen);
	if (ret)
		return ERR_PTR(ret);
	job_size = size;
	if (o->numjobs > 1 && (bench_rw_writes(o->rw) || o->verify)) {
		u64 slice = ALIGN_DOWN(size / o->numjobs, (u64)o->bs);

		if (!slice) {
			snprintf(err, errlen, "%s: %llu bytes hold no %u-byte block for each of %u clones",
				 o->dev, (unsigned long long)size, o->bs, o->numjobs);
			return ERR_PTR(-EINVAL);
		}
		off += clone * slice;
		size = slice;
	}

	bytes = sizeof(*t) + (size_t)o->qd * sizeof(struct bench_io);
	t = kzalloc_boot(bytes);
	if (!t) {
		snprintf(err, errlen, "no memory for a job of qd %u", o->qd);
		return ERR_PTR(-ENOMEM);
	}
	t->alloc_size = bytes;
	t->o = o;
	t->disk = disk;
	t->qd = o->qd;
	t->off = off;
	t->size = size;
	t->nblocks = size / o->bs;
	/* fio's size bounds each clone: the job's range, not the clone's slice */
	t->ios_limit = bench_ios_limit(o, job_size);
	t->rng.state = o->seed + clone;
	t->pat_seed = (u16)o->seed;
	hist_reset(&t->lat);
	hist_reset(&t->rlat);
	hist_reset(&t->wlat);
	t->res.lat = &t->lat;
	t->res.rlat = &t->rlat;
	t->res.wlat = &t->wlat;
	t->res.samples = &t->samples;
	t->res.range_off = off;
	t->res.range_size = size;
	t->res.wrote = bench_rw_writes(o->rw) || o->verify;
	t->res.clone = clone;
	t->res.show_clone = o->numjobs > 1;
	t->res.numjobs = 1;
	ret = bench_alloc_buffers(t, o->qd, o->bs);
	if (ret) {
		snprintf(err, errlen, "cannot allocate %u buffers of %u bytes", o->qd, o->bs);
		kfree_boot(t, bytes);
		return ERR_PTR(ret);
	}
	return t;
}

void bench_thread_destroy(struct bench_thread *t)
{
	if (!t)
		return;
	bench_free_buffers(t);
	kfree_boot(t, t->alloc_size);
}

struct bench_result *bench_thread_result(struct bench_thread *t)
{
	return &t->res;
}

static void bench_say_range(struct bench_thread *t)
{
	const struct bench_opts *o = t->o;

	if (t->res.wrote)
		kprintf("bench: %s: overwriting bytes %llu-%llu (%s)\n", o->dev,
			(unsigned long long)t->off, (unsigned long long)(t->off + t->size),
			o->has_offset || o->has_size ? "offset=/size=" :
			"the scratch area, the last 64 MiB");
}

int bench_run_threads(struct bench_thread **t, unsigned n)
{
	bool verify = false, verify_writes = false;
	int ret;

	for (unsigned k = 0; k < n; k++) {
		bench_say_range(t[k]);
		verify |= t[k]->o->verify;
		verify_writes |= t[k]->o->verify && bench_rw_writes(t[k]->o->rw);
	}
	if (verify) {
		ret = bench_phase(t, n, PHASE_FILL);
		if (ret)
			return ret;
	}
	ret = bench_phase(t, n, PHASE_MAIN);
	if (ret)
		return ret;
	if (verify_writes) {
		ret = bench_phase(t, n, PHASE_CHECK);
		if (ret)
			return ret;
	}
	for (unsigned k = 0; k < n; k++)
		if (t[k]->res.io_errors || t[k]->res.verify_errors)
			return -EIO;
	return 0;
}

/* Create the numjobs threads of o; on failure none is left. */
static int bench_create_clones(const struct bench_opts *o, struct bench_thread **t,
			       char *err, size_t errlen)
{
	u32 n = o->numjobs ? o->numjobs : 1;

	if (n > BENCH_MAX_NUMJOBS) {
		snprintf(err, errlen, "numjobs %u is not within 1-%u", n, BENCH_MAX_NUMJOBS);
		return -EINVAL;
	}
	for (u32 k = 0; k < n; k++) {
		t[k] = bench_thread_create(o, k, err, errlen);
		if (IS_ERR(t[k])) {
			int ret = (int)PTR_ERR(t[k]);

			while (k--)
				bench_thread_destroy(t[k]);
			return ret;
		}
	}
	return (int)n;
}

/* The error text of a run that ended with ret (err holds nothing yet). */
static void bench_run_error(const struct bench_opts *o, const struct bench_result *r,
			    int ret, char *err, size_t errlen)
{
	if (ret == -EINTR)
		snprintf(err, errlen, "interrupted");
	else if (r->io_errors)
		snprintf(err, errlen, "%s: %llu I/O errors", o->dev,
			 (unsigned long long)r->io_errors);
	else if (r->verify_errors)
		snprintf(err, errlen, "%s: verify: %llu blocks differ from the pattern", o->dev,
			 (unsigned long long)r->verify_errors);
}

int bench_run(const struct bench_opts *o, struct bench_result *res,
	      char *err, size_t errlen)
{
	static struct hist lat, rlat, wlat;
	static struct bench_samples samples;
	struct bench_thread *t[BENCH_MAX_NUMJOBS];
	int n, ret;

	memset(res, 0, sizeof(*res));
	hist_reset(&lat);
	hist_reset(&rlat);
	hist_reset(&wlat);
	samples.nr = 0;
	res->lat = &lat;
	res->rlat = &rlat;
	res->wlat = &wlat;
	res->samples = &samples;

	n = bench_create_clones(o, t, err, errlen);
	if (n < 0)
		return n;
	ret = bench_smp_run_threads(t, (unsigned)n);
	for (int k = 0; k < n; k++) {
		bench_result_merge(res, &t[k]->res);
		bench_thread_destroy(t[k]);
	}
	res->numjobs = (u32)n;
	if (ret)
		bench_run_error(o, res, ret, err, errlen);
	return ret;
}

void bench_print_result(const struct bench_opts *o, const struct bench_result *r)
{
	static char line[1024];

	/* a randrw line is longer than kprintf's buffer */
	console_write(line, (size_t)bench_format_result(line, sizeof(line) - 1, o, r));
	console_write("\n", 1);
}

int bench_job(const struct bench_opts *o)
{
	static struct hist lat, rlat, wlat;
	static struct bench_samples samples;
	struct bench_thread *t[BENCH_MAX_NUMJOBS];
	struct bench_result sum;
	char err[160];
	int n, ret;

	n = bench_create_clones(o, t, err, sizeof(err));
	if (n < 0)
		return shell_error(n, "bench: %s", err);
	ret = bench_smp_run_threads(t, (unsigned)n);
	memset(&sum, 0, sizeof(sum));
	hist_reset(&lat);
	hist_reset(&rlat);
	hist_reset(&wlat);
	samples.nr = 0;
	sum.lat = &lat;
	sum.rlat = &rlat;
	sum.wlat = &wlat;
	sum.samples = &samples;
	for (int k = 0; k < n; k++) {
		bench_result_merge(&sum, &t[k]->res);
		if (ret != -EINTR && !o->group_reporting)
			bench_print_result(o, &t[k]->res);
	}
	sum.numjobs = (u32)n;
	if (ret != -EINTR && o->group_reporting)
		bench_print_result(o, &sum);
	for (int k = 0; k < n; k++)
		bench_thread_destroy(t[k]);
	if (ret) {
		bench_run_error(o, &sum, ret, err, sizeof(err));
		return shell_error(ret, "bench: %s", err);
	}
	return 0;
}
