/*
 * bench.c - the benchmark job engine: one fio-style job on one block device.
 *
 * bench_run() resolves the device and the byte range (the last 64 MiB, the
 * scratch area, unless offset=/size= say otherwise), takes qd buffers of bs
 * bytes from the frame allocator and fills them, then keeps qd bios in
 * flight: each bio is built in a preallocated slot (struct bench_io, the bio
 * in our memory through bio_init()), stamped with rdtsc() before
 * submit_bio(), and its bi_end_io stamps the completion and pushes the slot
 * on a completion list. The loop reaps that list, records the latency in
 * the histograms and resubmits, and when nothing has completed it waits
 * with blk_wait_once(), as submit_bio_wait() does: by driving the queue's
 * poll operation when the bios went to a polled queue (poll=1 on a device
 * with polled queues; `pause` between empty polls, never a halt:
 * docs/bench.md has what that does under TCG), else by halting until an
 * interrupt. Nothing on this path allocates.
 *
 * Time: a warm-up (ramp_time, default 500 ms) whose completions are not
 * counted, then the timed window (runtime, default 2 s): an I/O counts when
 * it completes inside the window. With ios=N exactly N I/Os are submitted
 * after the warm-up and all count; the window runs from the first of them
 * to the last completion.
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
#include "time.h"

struct bench_job;

struct bench_io {
	struct bio bio;
	struct bench_job *job;
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

struct bench_job {
	const struct bench_opts *o;
	struct gendisk *disk;
	struct bench_io *done;		/* pushed by bench_end_io */
	u32 inflight;
	u32 nr_io;
	struct prng rng;
	u64 off, size, nblocks;
	u64 seq;			/* next block of a sequential pass */
	u16 pat_seed;
	unsigned order;			/* of each buffer */
	bool polled;			/* the bios went to a polled queue */
	u32 wait_opf;			/* a submitted bio's bi_opf: where to wait */
	struct bench_result *res;
	u64 verify_reported;
};

static struct bench_io bench_ios[BENCH_MAX_QD];
static struct hist bench_lat, bench_rlat, bench_wlat;

static void bench_end_io(struct bio *bio)
{
	struct bench_io *io = bio->bi_private;
	struct bench_job *j = io->job;
	unsigned long flags;

	io->done_tsc = rdtsc();
	flags = local_irq_save();
	io->next = j->done;
	j->done = io;
	local_irq_restore(flags);
}

static void bench_free_buffers(struct bench_job *j)
{
	for (u32 i = 0; i < j->nr_io; i++) {
		if (!pfn_t_is_null(bench_ios[i].pfn))
			pfn_free(bench_ios[i].pfn, j->order);
		bench_ios[i].pfn = PFN_T_NULL;
	}
	j->nr_io = 0;
}

static int bench_alloc_buffers(struct bench_job *j, u32 qd, u32 bs)
{
	j->order = get_order(bs);
	for (u32 i = 0; i < qd; i++) {
		struct bench_io *io = &bench_ios[i];

		memset(io, 0, sizeof(*io));
		io->pfn = pfn_alloc(j->order, 0);
		if (pfn_t_is_null(io->pfn)) {
			j->nr_io = i;
			bench_free_buffers(j);
			return -ENOMEM;
		}
		io->va = phys_to_virt(pfn_t_to_phys(io->pfn));
		io->job = j;
		/* never all-zero data: some devices special-case it */
		pattern_fill(io->va, (u64)i * bs, bs, j->pat_seed ^ 0x5a5a);
		j->nr_io = i + 1;
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
static void bench_next(struct bench_job *j, struct bench_io *io,
		       enum bench_phase phase)
{
	const struct bench_opts *o = j->o;
	u64 blk;

	if (phase != PHASE_MAIN) {
		io->write = phase == PHASE_FILL;
		blk = j->seq++;
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
			io->write = prng_next(&j->rng) % 100 >= o->rwmixread;
		}
		if (bench_rw_random(o->rw)) {
			blk = (u64)(((unsigned __int128)prng_next(&j->rng) *
				     j->nblocks) >> 64);
		} else {
			blk = j->seq++;
			if (j->seq == j->nblocks)
				j->seq = 0;
		}
	}
	io->pos = j->off + blk * o->bs;
}

static void bench_submit(struct bench_job *j, struct bench_io *io,
			 enum bench_phase phase, bool counted)
{
	const struct bench_opts *o = j->o;
	u32 opf;

	bench_next(j, io, phase);
	if (io->write && o->verify)
		pattern_fill(io->va, io->pos, o->bs, j->pat_seed);
	else if (o->verify)
		bench_poison(io->va, io->pos, o->bs, j->pat_seed);
	opf = io->write ? REQ_OP_WRITE : REQ_OP_READ;
	if (o->poll)
		opf |= REQ_POLLED;
	bio_init(&io->bio, j->disk, NULL, 0, opf);
	io->bio.bi_iter.bi_sector = io->pos >> SECTOR_SHIFT;
	bio_add_pfn(&io->bio, io->pfn, o->bs, 0);
	io->bio.bi_end_io = bench_end_io;
	io->bio.bi_private = io;
	io->counted = counted;
	j->inflight++;
	io->start_tsc = rdtsc();
	submit_bio(&io->bio);
	/* REQ_POLLED as submit_bio() left it: set where the bio went to a
	 * polled queue, which blk_wait_once() finds again from it */
	j->wait_opf = io->bio.bi_opf;
	if (io->bio.bi_opf & REQ_POLLED)
		j->polled = true;
}

/* Take the completion list (oldest last); wait for one if it is empty. */
static struct bench_io *bench_reap(struct bench_job *j)
{
	struct bench_io *list;
	unsigned long flags;

	for (;;) {
		flags = local_irq_save();
		list = j->done;
		j->done = NULL;
		if (!list)
			blk_wait_once(j->disk, j->wait_opf, flags);
		local_irq_restore(flags);
		if (list)
			return list;
	}
}

static void bench_complete(struct bench_job *j, struct bench_io *io,
			   enum bench_phase phase, u64 win_start, u64 win_end)
{
	const struct bench_opts *o = j->o;
	struct bench_result *r = j->res;
	bool counted;
	u64 ns;

	j->inflight--;
	if (io->bio.bi_status) {
		if (!r->io_errors)
			pr_err("bench: %s: %s at byte %llu failed: -%s\n", j->disk->disk_name,
			       io->write ? "write" : "read", (unsigned long long)io->pos,
			       errno_name(io->bio.bi_status));
		r->io_errors++;
	} else if (!io->write && o->verify) {
		size_t bad = pattern_check(io->va, io->pos, o->bs, j->pat_seed);

		if (bad != o->bs) {
			if (j->verify_reported++ < 4)
				pr_err("bench: %s: verify: byte %llu differs from the pattern (seed %u)\n",
				       j->disk->disk_name,
				       (unsigned long long)(io->pos + bad), j->pat_seed);
			r->verify_errors++;
		}
	}
	if (phase != PHASE_MAIN)
		return;
	if (o->ios)
		counted = io->counted;
	else
		counted = io->done_tsc >= win_start && io->done_tsc < win_end;
	if (!counted)
		return;
	ns = tsc_to_ns(io->done_tsc - io->start_tsc);
	hist_record(r->lat, ns);
	if (io->write) {
		hist_record(r->wlat, ns);
		r->write_ios++;
	} else {
		hist_record(r->rlat, ns);
		r->read_ios++;
	}
	r->ios++;
	r->bytes += o->bs;
}

/*
 * One phase: FILL and CHECK are one sequential pass over the range; MAIN
 * is the warm-up and the timed window. Returns 0 or -EINTR.
 */
static int bench_phase(struct bench_job *j, enum bench_phase phase)
{
	const struct bench_opts *o = j->o;
	u64 t0 = rdtsc();
	u64 ramp_end = t0 + ns_to_tsc(o->ramp_ns);
	u64 win_end = ramp_end + ns_to_tsc(o->runtime_ns);
	u64 next_check = t0 + ns_to_tsc(50000000);
	u64 submitted = 0, counted_sub = 0, first_counted = 0, last_done = 0;
	u64 total = phase == PHASE_MAIN ? 0 : j->nblocks;
	bool stop = false, interrupted = false;
	u32 qd = o->qd;

	j->seq = 0;
	if (total && qd > total)
		qd = (u32)total;
	for (u32 i = 0; i < qd; i++) {
		u64 now = rdtsc();
		bool counted = o->ios && now >= ramp_end;

		if (counted && !counted_sub++)
			first_counted = now;
		bench_submit(j, &bench_ios[i], phase, counted);
		submitted++;
		if (o->ios && counted_sub == o->ios)
			break;
	}
	while (j->inflight) {
		struct bench_io *list = bench_reap(j);
		u64 now = rdtsc();

		if (phase == PHASE_MAIN && !o->ios && now >= win_end)
			stop = true;
		if (now >= next_check) {
			next_check = now + ns_to_tsc(50000000);
			if (shell_interrupted()) {
				stop = true;
				interrupted = true;
			}
		}
		while (list) {
			struct bench_io *io = list;

			list = io->next;
			bench_complete(j, io, phase, ramp_end, win_end);
			if (io->counted && io->done_tsc > last_done)
				last_done = io->done_tsc;
			if (total && submitted == total)
				stop = true;
			if (o->ios && counted_sub == o->ios)
				stop = true;
			if (stop)
				continue;
			if (phase == PHASE_MAIN && o->ios) {
				u64 t = rdtsc();
				bool counted = t >= ramp_end;

				if (counted && !counted_sub++)
					first_counted = t;
				bench_submit(j, io, phase, counted);
			} else {
				bench_submit(j, io, phase, false);
			}
			submitted++;
		}
	}
	if (phase == PHASE_MAIN) {
		if (o->ios)
			j->res->elapsed_ns = last_done > first_counted ?
					     tsc_to_ns(last_done - first_counted) : 0;
		else
			j->res->elapsed_ns = tsc_to_ns(win_end - ramp_end);
	}
	return interrupted ? -EINTR : 0;
}

int bench_run(const struct bench_opts *o, struct bench_result *res,
	      char *err, size_t errlen)
{
	static struct bench_job job;
	struct bench_job *j = &job;
	int ret;

	memset(res, 0, sizeof(*res));
	hist_reset(&bench_lat);
	hist_reset(&bench_rlat);
	hist_reset(&bench_wlat);
	res->lat = &bench_lat;
	res->rlat = &bench_rlat;
	res->wlat = &bench_wlat;

	/* bench_parse() refuses these; callers filling opts themselves may not */
	if (!o->qd || o->qd > BENCH_MAX_QD) {
		snprintf(err, errlen, "qd %u is not within 1-%u", o->qd, BENCH_MAX_QD);
		return -EINVAL;
	}
	if (!o->bs || o->bs > BENCH_MAX_BS) {
		snprintf(err, errlen, "bs %u is not within 1-%u", o->bs, BENCH_MAX_BS);
		return -EINVAL;
	}

	memset(j, 0, sizeof(*j));
	j->o = o;
	j->res = res;
	j->disk = blk_find_disk(o->dev);
	if (!j->disk) {
		snprintf(err, errlen, "no block device '%s' (lsblk lists them)", o->dev);
		return -ENODEV;
	}
	ret = bench_resolve_range(o, j->disk, &j->off, &j->size, err, errlen);
	if (ret)
		return ret;
	j->nblocks = j->size / o->bs;
	res->range_off = j->off;
	res->range_size = j->size;
	res->wrote = bench_rw_writes(o->rw) || o->verify;
	if (res->wrote)
		kprintf("bench: %s: overwriting bytes %llu-%llu (%s)\n", o->dev,
			(unsigned long long)j->off, (unsigned long long)(j->off + j->size),
			o->has_offset || o->has_size ? "offset=/size=" :
			"the scratch area, the last 64 MiB");
	j->rng.state = o->seed;
	j->pat_seed = (u16)o->seed;
	ret = bench_alloc_buffers(j, o->qd, o->bs);
	if (ret) {
		snprintf(err, errlen, "cannot allocate %u buffers of %u bytes", o->qd, o->bs);
		return ret;
	}

	if (o->verify) {
		ret = bench_phase(j, PHASE_FILL);
		if (ret)
			goto out_free;
	}
	ret = bench_phase(j, PHASE_MAIN);
	res->poll_used = j->polled;
	if (ret)
		goto out_free;
	if (o->verify && bench_rw_writes(o->rw))
		ret = bench_phase(j, PHASE_CHECK);
out_free:
	bench_free_buffers(j);
	if (ret == -EINTR)
		snprintf(err, errlen, "interrupted");
	else if (!ret && res->io_errors) {
		snprintf(err, errlen, "%s: %llu I/O errors", o->dev,
			 (unsigned long long)res->io_errors);
		ret = -EIO;
	} else if (!ret && res->verify_errors) {
		snprintf(err, errlen, "%s: verify: %llu blocks differ from the pattern", o->dev,
			 (unsigned long long)res->verify_errors);
		ret = -EIO;
	}
	return ret;
}

int bench_job(const struct bench_opts *o)
{
	static char line[1024];
	struct bench_result res;
	char err[160];
	int ret;

	ret = bench_run(o, &res, err, sizeof(err));
	if (ret && ret != -EIO)
		return shell_error(ret, "bench: %s", err);
	/* a randrw line is longer than kprintf's buffer */
	console_write(line, (size_t)bench_format_result(line, sizeof(line) - 1, o, &res));
	console_write("\n", 1);
	if (ret)
		return shell_error(ret, "bench: %s", err);
	return 0;
}
