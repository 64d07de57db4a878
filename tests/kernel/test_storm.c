/*
 * test_storm.c - in-guest I/O storms from every online CPU at once (suite
 * "storm"): on a memory null_blk device (null0 keeps no data, so a storm
 * makes its own, "nullstorm"), on pmem0 and on nvme0n1.
 *
 * Each online CPU gets a storm: STORM_QD bios kept in flight, driven by
 * their completions, with no waiting anywhere. The CPU running the test
 * starts the others with smp_call_function_single(wait=false) and then
 * runs its own; each starts in that CPU's interrupt context (an IPI) and
 * goes on in its bi_end_io callbacks, wherever they run: the driver's
 * interrupt (NVMe: the CPU's own queue's MSI-X vector), inline in the
 * submission (pmem, null_blk). A storm's work is its own range of the
 * device, written in STORM_BS pieces with the data pattern of its seed and
 * each piece read back and checked (verify=1), then reads of one shared
 * range every CPU reads at once (overlapping), each checked against the
 * pattern the test wrote there first.
 *
 * Where the ranges are (so the integration test can check the backing
 * files from the host), as byte offsets from the end of the device:
 *   CPU c's own range   end - 8 MiB + c * STORM_OWN, STORM_OWN bytes,
 *                       seed STORM_SEED + c
 *   the shared range    end - 4 MiB, STORM_SHARED bytes, seed STORM_SEED - 1
 * and a "# storm <disk> cpu<c> ..." line per CPU says the same.
 *
 * A storm counts its I/Os, errors, pattern mismatches and the completions
 * that ran on another CPU than its own; the test checks the counts on its
 * own CPU once every storm is done (ktest checks are not made from other
 * CPUs). A completion away from the submitting CPU is a failure where the
 * device has a queue per CPU (NVMe, when it granted one per CPU) and where
 * it completes inline (pmem, null_blk).
 */
#include "blkdev_driver.h"
#include "cpu.h"
#include "errno.h"
#include "irq.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "smp.h"
#include "spinlock.h"
#include "time.h"

#define STORM_QD	4
#define STORM_BS	4096U
#define STORM_OWN	(128U << 10)		/* per CPU */
#define STORM_SHARED	(64U << 10)
#define STORM_SEED	0x5700
#define STORM_AREA	(8ULL << 20)		/* from the end of the device */
#define STORM_SHARED_AT	(4ULL << 20)		/* from the end */
#define STORM_TIMEOUT_NS (60ULL * 1000000000ULL)

struct storm;

struct storm_slot {
	struct storm *s;
	struct bio bio;
	struct bio_vec vec;
	pfn_t buf;
	u8 *va;
	u64 pos;
	u16 seed;
	bool write;			/* the piece's write is in flight */
};

struct storm {
	spinlock_t lock;		/* next, inflight (completions may run anywhere) */
	struct gendisk *d;
	unsigned cpu;
	u64 own, shared;		/* byte offsets */
	unsigned next, total;		/* work items: own pieces, then shared reads */
	unsigned inflight;
	bool done;
	u64 ios, errors, mismatches, away;
	struct storm_slot slot[STORM_QD];
};

static struct storm storms[NR_CPUS];

static unsigned storm_own_items(void)
{
	return STORM_OWN / STORM_BS;
}

static void storm_end_io(struct bio *bio);

static void storm_issue(struct storm_slot *sl, bool write)
{
	bio_init(&sl->bio, sl->s->d, &sl->vec, 1, write ? REQ_OP_WRITE : REQ_OP_READ);
	sl->bio.bi_iter.bi_sector = sl->pos >> SECTOR_SHIFT;
	bio_add_pfn(&sl->bio, sl->buf, STORM_BS, 0);
	sl->bio.bi_end_io = storm_end_io;
	sl->bio.bi_private = sl;
	sl->write = write;
	if (write) {
		pattern_fill(sl->va, sl->pos, STORM_BS, sl->seed);
	} else {
		/* what a read that moves nothing would leave fails the check */
		pattern_fill(sl->va, sl->pos, STORM_BS, (u16)~sl->seed);
	}
	submit_bio(&sl->bio);
}

/* Take the storm's next work item for sl; false when there is none left
 * (and the storm is done when sl was the last in flight). */
static bool storm_take(struct storm *s, struct storm_slot *sl)
{
	unsigned long flags = spin_lock_irqsave(&s->lock);
	unsigned i = s->next;
	unsigned own = storm_own_items();
	bool more = i < s->total;

	if (more) {
		s->next++;
		if (i < own) {
			sl->pos = s->own + (u64)i * STORM_BS;
			sl->seed = (u16)(STORM_SEED + s->cpu);
		} else {
			/* each CPU starts the shared range at its own place */
			unsigned n = STORM_SHARED / STORM_BS;
			unsigned k = (i - own + s->cpu * 3) % n;

			sl->pos = s->shared + (u64)k * STORM_BS;
			sl->seed = (u16)(STORM_SEED - 1);
		}
		sl->write = i < own;
	} else if (--s->inflight == 0) {
		__atomic_store_n(&s->done, true, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&s->lock, flags);
	return more;
}

static void storm_end_io(struct bio *bio)
{
	struct storm_slot *sl = bio->bi_private;
	struct storm *s = sl->s;
	unsigned long flags = spin_lock_irqsave(&s->lock);
	bool was_write = sl->write;

	s->ios++;
	if (smp_processor_id() != s->cpu)
		s->away++;
	if (bio->bi_status)
		s->errors++;
	else if (!was_write && pattern_check(sl->va, sl->pos, STORM_BS, sl->seed) != STORM_BS)
		s->mismatches++;
	spin_unlock_irqrestore(&s->lock, flags);
	if (was_write && !bio->bi_status) {
		storm_issue(sl, false);		/* read the piece back */
		return;
	}
	if (storm_take(s, sl))
		storm_issue(sl, sl->write);
}

/* On s->cpu, in its interrupt context (or the test's own CPU): fill the
 * slots and submit. */
static void storm_start(void *arg)
{
	struct storm *s = arg;

	for (unsigned i = 0; i < STORM_QD; i++) {
		struct storm_slot *sl = &s->slot[i];

		if (storm_take(s, sl))
			storm_issue(sl, sl->write);
	}
}

static void storm_free(unsigned ncpu)
{
	for (unsigned c = 0; c < ncpu; c++)
		for (unsigned i = 0; i < STORM_QD; i++)
			if (!pfn_t_is_null(storms[c].slot[i].buf))
				pfn_free(storms[c].slot[i].buf, 0);
}

/* Write the shared range with its pattern, from this CPU, and wait. */
static int storm_fill_shared(struct gendisk *d, u64 shared, pfn_t buf, u8 *va)
{
	for (u64 off = 0; off < STORM_SHARED; off += STORM_BS) {
		struct bio *bio = bio_alloc(d, 1, REQ_OP_WRITE);
		int err;

		if (!bio)
			return -ENOMEM;
		bio->bi_iter.bi_sector = (shared + off) >> SECTOR_SHIFT;
		pattern_fill(va, shared + off, STORM_BS, (u16)(STORM_SEED - 1));
		bio_add_pfn(bio, buf, STORM_BS, 0);
		err = submit_bio_wait(bio);
		bio_put(bio);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Run a storm on every online CPU against d. away_ok: completions may run
 * on another CPU (a device whose queues the CPUs share).
 */
static void storm_run(struct gendisk *d, bool away_ok)
{
	u64 bytes = d->capacity << SECTOR_SHIFT, deadline;
	unsigned self = smp_processor_id(), cpu, ncpu = 0, failed_start = 0;
	bool all;

	KT_ASSERT(bytes >= STORM_AREA + (u64)NR_CPUS * STORM_OWN);
	memset(storms, 0, sizeof(storms));
	for_each_online_cpu(cpu) {
		struct storm *s = &storms[cpu];

		spin_lock_init(&s->lock, "storm");
		s->d = d;
		s->cpu = cpu;
		s->own = bytes - STORM_AREA + (u64)cpu * STORM_OWN;
		s->shared = bytes - STORM_SHARED_AT;
		s->total = storm_own_items() + STORM_SHARED / STORM_BS;
		s->inflight = STORM_QD;
		for (unsigned i = 0; i < STORM_QD; i++) {
			s->slot[i].s = s;
			s->slot[i].buf = pfn_alloc(0, 0);
			if (pfn_t_is_null(s->slot[i].buf)) {
				storm_free(cpu + 1);
				KT_ASSERT(!"no RAM for the storm's buffers");
			}
			s->slot[i].va = phys_to_virt(pfn_t_to_phys(s->slot[i].buf));
		}
		ncpu = cpu + 1;
	}
	KT_ASSERT_EQ(storm_fill_shared(d, bytes - STORM_SHARED_AT, storms[self].slot[0].buf,
				       storms[self].slot[0].va), 0);
	/* the others first, then this CPU's own, so they all run at once */
	for_each_online_cpu(cpu)
		if (cpu != self &&
		    smp_call_function_single(cpu, storm_start, &storms[cpu], false)) {
			failed_start++;
			storms[cpu].done = true;
		}
	storm_start(&storms[self]);
	deadline = ktime_ns() + STORM_TIMEOUT_NS;
	do {
		all = true;
		for_each_online_cpu(cpu)
			all &= __atomic_load_n(&storms[cpu].done, __ATOMIC_ACQUIRE);
		if (!all)
			cpu_relax();
	} while (!all && ktime_ns() < deadline);
	KT_EXPECT(all);
	KT_EXPECT_EQ(failed_start, 0);
	for_each_online_cpu(cpu) {
		struct storm *s = &storms[cpu];

		ktest_log("storm %s cpu%u own %llu-%llu seed 0x%x: %llu I/Os, %llu errors, %llu mismatches, %llu completed on another CPU",
			  d->disk_name, cpu, (unsigned long long)s->own,
			  (unsigned long long)(s->own + STORM_OWN),
			  STORM_SEED + cpu, (unsigned long long)s->ios,
			  (unsigned long long)s->errors,
			  (unsigned long long)s->mismatches,
			  (unsigned long long)s->away);
		if (!s->done)
			continue;	/* its buffers may still be in use: leak them */
		KT_EXPECT_EQ(s->ios, 2 * storm_own_items() + STORM_SHARED / STORM_BS);
		KT_EXPECT_EQ(s->errors, 0);
		KT_EXPECT_EQ(s->mismatches, 0);
		if (!away_ok)
			KT_EXPECT_EQ(s->away, 0);
	}
	if (all)
		storm_free(ncpu);
}

KTEST(storm, null_blk)
{
	struct null_blk_config cfg = {
		.name = "nullstorm",
		.size = 64ULL << 20,
		.bs = 512,
		.memory = true,
		.hw_queue_depth = 64,
	};
	struct null_blk_dev *nb;

	KT_ASSERT_EQ(null_blk_create(&cfg, &nb), 0);
	/* completes inside queue_rq(): on the submitting CPU */
	storm_run(null_blk_disk(nb), false);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
}

KTEST(storm, pmem0)
{
	struct gendisk *d = blk_find_disk("pmem0");

	if (!d) {
		ktest_skip("no pmem0");
		return;
	}
	storm_run(d, false);
}

KTEST(storm, nvme0n1)
{
	struct gendisk *d = blk_find_disk("nvme0n1");
	unsigned cpu;
	bool shared = false;

	if (!d) {
		ktest_skip("no nvme0n1");
		return;
	}
	/* a CPU whose queue is not its own has its completions elsewhere */
	for_each_online_cpu(cpu)
		shared |= blk_mq_map_queue(d->tag_set, REQ_OP_READ, cpu)->home_cpu != cpu;
	storm_run(d, shared);
}
