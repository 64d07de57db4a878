/*
 * test_blk_flush.c - host tests of flush sequencing in the block layer
 * (suite blk_flush): a bio with REQ_PREFLUSH and/or REQ_FUA that splits
 * into several pieces, on a fake device that records every bio or request
 * reaching it, in order, with the flags it carries.
 *
 * What must hold, for bio-based and request-based drivers alike: a
 * PREFLUSH sends one FLUSH first and no data piece is dispatched before it
 * completed; the pieces carry no PREFLUSH; REQ_FUA stays on the pieces
 * where the device declares BLK_FEAT_FUA, else one FLUSH follows after
 * every piece completed; a device without a write cache sees neither; the
 * original bio completes once, after all of it, with the first error (a
 * failed flush or piece ends the sequence there). A DISCARD with REQ_FUA or
 * REQ_PREFLUSH is refused before anything reaches the device, as Linux's
 * submit_bio_noacct() refuses flush flags on anything but a write.
 *
 * The device holds everything it is given; the test completes it, oldest
 * first, as an interrupt would (manual stepping), from a "completion
 * interrupt" while submit_bio_wait() halts, or from ops->poll while it
 * polls. Each record notes how many completions had happened when it was
 * dispatched, which is what the ordering checks compare. With one tag the
 * stages submitted from completions are parked and must still keep the
 * order; with one sequence in the pool, bios wait for it in FIFO order.
 */
#include <stdio.h>
#include <stdlib.h>
#include "block/blk.h"
#include "block_host.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "scatterlist.h"
#include "unit.h"

#define FD_MAX_OPS	64
#define FD_SECTOR	64		/* where the test bio starts */
#define FD_PIECE	4096		/* max_hw_sectors = 8 */
#define FD_PIECES	4

/* What reached the device. */
struct fd_op {
	char tok[8];			/* "F", "W", "Wf", "Z", "Zf", "+p" if PREFLUSH */
	sector_t sector;
	u32 size;
	unsigned dispatched_at;		/* completions that had happened */
	unsigned completed_at;		/* 1-based completion count, 0: not yet */
};

static struct fdev {
	struct gendisk disk;
	struct blk_mq_tag_set set;
	bool mq;
	struct fd_op ops[FD_MAX_OPS];
	unsigned nr_ops;
	/* held, oldest first: the op index and the bio or request */
	struct {
		unsigned op;
		struct bio *bio;
		struct request *rq;
	} held[FD_MAX_OPS];
	unsigned head, tail;
	unsigned completions;
	int fail_op;			/* op index completed with fail_status */
	int fail_status;
} fd;

static void fd_record(u32 opf, sector_t sector, u32 size, struct bio *bio,
		      struct request *rq)
{
	struct fd_op *o;
	enum req_op op = (enum req_op)(opf & REQ_OP_MASK);

	if (fd.nr_ops >= FD_MAX_OPS) {
		ktest_fail(__FILE__, __LINE__, "more than %u ops", FD_MAX_OPS);
		abort();
	}
	o = &fd.ops[fd.nr_ops];
	memset(o, 0, sizeof(*o));
	snprintf(o->tok, sizeof(o->tok), "%s%s%s",
		 op == REQ_OP_FLUSH ? "F" : op == REQ_OP_WRITE ? "W" :
		 op == REQ_OP_WRITE_ZEROES ? "Z" : op == REQ_OP_DISCARD ? "D" : "?",
		 (opf & REQ_FUA) ? "f" : "", (opf & REQ_PREFLUSH) ? "+p" : "");
	o->sector = sector;
	o->size = size;
	o->dispatched_at = fd.completions;
	fd.held[fd.tail].op = fd.nr_ops++;
	fd.held[fd.tail].bio = bio;
	fd.held[fd.tail].rq = rq;
	fd.tail++;
}

static void fd_submit_bio(struct bio *bio)
{
	fd_record(bio->bi_opf, bio->bi_iter.bi_sector, bio->bi_iter.bi_size,
		  bio, NULL);
}

static int fd_queue_rq(struct blk_mq_hw_ctx *hctx, struct request *rq)
{
	fd_record(rq->cmd_flags, blk_rq_pos(rq), blk_rq_bytes(rq), NULL, rq);
	return 0;
}

/* Complete the oldest held op; false when none is held. */
static bool fd_complete_one(void)
{
	unsigned op;
	int status;

	if (fd.head == fd.tail)
		return false;
	op = fd.held[fd.head].op;
	status = (int)op == fd.fail_op ? fd.fail_status : 0;
	fd.ops[op].completed_at = ++fd.completions;
	if (fd.held[fd.head].rq) {
		struct request *rq = fd.held[fd.head].rq;

		fd.head++;
		blk_mq_complete_request(rq, status);
	} else {
		struct bio *bio = fd.held[fd.head].bio;

		fd.head++;
		bio_endio_status(bio, status);
	}
	return true;
}

static void fd_irq(void)
{
	fd_complete_one();
}

static int fd_mq_poll(struct blk_mq_hw_ctx *hctx)
{
	return fd_complete_one();
}

static int fd_bio_poll(struct gendisk *disk, unsigned queue)
{
	return fd_complete_one();
}

static const struct block_device_operations fd_bio_ops = {
	.submit_bio = fd_submit_bio,
	.poll = fd_bio_poll,
};

static const struct blk_mq_ops fd_mq_ops = {
	.queue_rq = fd_queue_rq,
	.poll = fd_mq_poll,
};

static void fd_setup(bool mq, unsigned depth, u32 features)
{
	host_blk_setup(64, 4, 8);
	memset(&fd, 0, sizeof(fd));
	fd.mq = mq;
	fd.fail_op = -1;
	strlcpy(fd.disk.disk_name, "fd0", DISK_NAME_LEN);
	fd.disk.capacity = 1 << 20;
	blk_set_default_limits(&fd.disk.limits);
	fd.disk.limits.max_hw_sectors = FD_PIECE >> SECTOR_SHIFT;
	fd.disk.limits.max_write_zeroes_sectors = FD_PIECE >> SECTOR_SHIFT;
	fd.disk.limits.max_discard_sectors = FD_PIECE >> SECTOR_SHIFT;
	fd.disk.limits.features = features;
	if (mq) {
		fd.set.ops = &fd_mq_ops;
		fd.set.nr_hw_queues = 1;
		fd.set.nr_poll_queues = 1;
		fd.set.queue_depth = depth;
		if (blk_mq_alloc_tag_set(&fd.set))
			abort();
		fd.disk.tag_set = &fd.set;
		fd.disk.limits.features |= BLK_FEAT_POLL;
	} else {
		fd.disk.fops = &fd_bio_ops;
	}
	if (blk_register_disk(&fd.disk))
		abort();
	host_blk_irq_handler = fd_irq;
}

/* Bios parked for want of a tag, summed over the devices torn down. */
static u64 fd_parks;

static void fd_teardown(void)
{
	KT_EXPECT_EQ(blk_unregister_disk(&fd.disk), 0);
	if (fd.mq) {
		for (unsigned i = 0; i < 2; i++)
			fd_parks += fd.set.hctxs[i].parks;
		blk_mq_free_tag_set(&fd.set);
	}
	host_blk_teardown();
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
}

static struct {
	unsigned calls;
	int status;
	unsigned completions_then;	/* device completions before it */
} orig_done;

static void orig_end_io(struct bio *bio)
{
	orig_done.calls++;
	orig_done.status = bio->bi_status;
	orig_done.completions_then = fd.completions;
}

/* The test bio: FD_PIECES pieces of FD_PIECE bytes from sector FD_SECTOR. */
static void fd_bio(struct bio *b, struct bio_vec *vecs, u32 opf)
{
	bio_init(b, &fd.disk, vecs, 1, opf);
	b->bi_iter.bi_sector = FD_SECTOR;
	if ((opf & REQ_OP_MASK) == REQ_OP_WRITE_ZEROES ||
	    (opf & REQ_OP_MASK) == REQ_OP_DISCARD)
		b->bi_iter.bi_size = FD_PIECES * FD_PIECE;
	else if (bio_add_pfn(b, __pfn_to_pfn_t(100, 0), FD_PIECES * FD_PIECE, 0))
		abort();
	b->bi_end_io = orig_end_io;
	memset(&orig_done, 0, sizeof(orig_done));
}

/*
 * Check the ops against want: stages separated by " / ", ops by spaces
 * (F flush, W write, Wf write with FUA, Z / Zf write zeroes, D discard);
 * "" when nothing may reach the device. Every data
 * op must be a piece in order; every op of a stage must have been
 * dispatched only after every op of the stages before it completed.
 */
static void fd_check(const char *what, const char *want)
{
	char buf[128], *save = NULL, *w;
	unsigned i = 0, stage_start = 0, piece = 0;

	strlcpy(buf, want, sizeof(buf));
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		const struct fd_op *o = &fd.ops[i];

		if (!strcmp(w, "/")) {
			stage_start = i;
			continue;
		}
		if (i >= fd.nr_ops) {
			ktest_fail(__FILE__, __LINE__, "%s: %u ops reached the device, expected more (%s)",
				   what, fd.nr_ops, want);
			return;
		}
		if (strcmp(o->tok, w)) {
			ktest_fail(__FILE__, __LINE__, "%s: op %u is %s, expected %s (%s)",
				   what, i, o->tok, w, want);
			return;
		}
		if (w[0] == 'F' && o->size) {
			ktest_fail(__FILE__, __LINE__, "%s: flush %u with %u bytes", what, i, o->size);
			return;
		}
		if (w[0] != 'F') {
			if (o->sector != FD_SECTOR + piece * (FD_PIECE >> SECTOR_SHIFT) ||
			    o->size != FD_PIECE) {
				ktest_fail(__FILE__, __LINE__, "%s: op %u at sector %llu + %u bytes, expected piece %u",
					   what, i, (unsigned long long)o->sector, o->size, piece);
				return;
			}
			piece++;
		}
		/* everything of the earlier stages completed before this went */
		for (unsigned e = 0; e < stage_start; e++) {
			if (!fd.ops[e].completed_at ||
			    fd.ops[e].completed_at > o->dispatched_at) {
				ktest_fail(__FILE__, __LINE__, "%s: op %u (%s) dispatched before op %u (%s) completed",
					   what, i, o->tok, e, fd.ops[e].tok);
				return;
			}
		}
		i++;
	}
	if (i != fd.nr_ops)
		ktest_fail(__FILE__, __LINE__, "%s: %u ops reached the device, expected %u (%s); op %u is %s",
			   what, fd.nr_ops, i, want, i, fd.ops[i].tok);
}

struct flush_case {
	const char *what;
	u32 features;
	u32 opf;
	int fail_op;			/* -1: none */
	const char *want;
	int status;
};

#define WC	BLK_FEAT_WRITE_CACHE
#define FUA	BLK_FEAT_FUA
#define WR	REQ_OP_WRITE
#define WZ	REQ_OP_WRITE_ZEROES
#define DS	REQ_OP_DISCARD

static const struct flush_case flush_cases[] = {
	{ "preflush+fua, device fua", WC | FUA, WR | REQ_PREFLUSH | REQ_FUA, -1,
	  "F / Wf Wf Wf Wf", 0 },
	{ "preflush+fua, no device fua", WC, WR | REQ_PREFLUSH | REQ_FUA, -1,
	  "F / W W W W / F", 0 },
	{ "preflush+fua, no write cache", 0, WR | REQ_PREFLUSH | REQ_FUA, -1,
	  "W W W W", 0 },
	{ "preflush, device fua", WC | FUA, WR | REQ_PREFLUSH, -1,
	  "F / W W W W", 0 },
	{ "preflush, no device fua", WC, WR | REQ_PREFLUSH, -1,
	  "F / W W W W", 0 },
	{ "fua, device fua", WC | FUA, WR | REQ_FUA, -1,
	  "Wf Wf Wf Wf", 0 },
	{ "fua, no device fua", WC, WR | REQ_FUA, -1,
	  "W W W W / F", 0 },
	{ "write zeroes preflush+fua, device fua", WC | FUA, WZ | REQ_PREFLUSH | REQ_FUA, -1,
	  "F / Zf Zf Zf Zf", 0 },
	{ "write zeroes preflush+fua, no device fua", WC, WZ | REQ_PREFLUSH | REQ_FUA, -1,
	  "F / Z Z Z Z / F", 0 },
	{ "preflush fails", WC, WR | REQ_PREFLUSH | REQ_FUA, 0,
	  "F", -EIO },
	{ "preflush fails, device fua", WC | FUA, WR | REQ_PREFLUSH | REQ_FUA, 0,
	  "F", -EIO },
	{ "a piece fails: no post-flush", WC, WR | REQ_PREFLUSH | REQ_FUA, 2,
	  "F / W W W W", -EIO },
	{ "post-flush fails", WC, WR | REQ_PREFLUSH | REQ_FUA, 5,
	  "F / W W W W / F", -EIO },
	/*
	 * A discard has no data whose durability FUA could promise, and
	 * NVMe's Dataset Management has no FUA bit: a device declaring
	 * BLK_FEAT_FUA would drop it silently. Refused, as Linux does.
	 */
	{ "discard", WC | FUA, DS, -1,
	  "D D D D", 0 },
	{ "discard fua, device fua", WC | FUA, DS | REQ_FUA, -1,
	  "", -EINVAL },
	{ "discard fua, no device fua", WC, DS | REQ_FUA, -1,
	  "", -EINVAL },
	{ "discard preflush", WC | FUA, DS | REQ_PREFLUSH, -1,
	  "", -EINVAL },
	{ "discard preflush+fua, no write cache", 0, DS | REQ_PREFLUSH | REQ_FUA, -1,
	  "", -EINVAL },
};

/*
 * Run case c on a bio-based or request-based fake device (depth tags per
 * queue), completing stepped (0: the test raises one completion interrupt
 * at a time), by submit_bio_wait() halting for interrupts (1), or polling
 * (2).
 */
static void run_case_depth(const struct flush_case *c, bool mq, int mode,
			   unsigned depth)
{
	static const char *const modes[] = { "stepped", "wait", "polled" };
	struct bio_vec vecs[1];
	struct bio b;
	char what[160];
	unsigned free_bios;
	int st = 0;

	snprintf(what, sizeof(what), "%s (%s, %s, depth %u)", c->what,
		 mq ? "mq" : "bio", modes[mode], depth);
	fd_setup(mq, depth, c->features);
	fd.fail_op = c->fail_op;
	fd.fail_status = -EIO;
	free_bios = bio_pool_free_bios();
	fd_bio(&b, vecs, c->opf | (mode == 2 ? REQ_POLLED : 0));
	if (mode == 0) {
		submit_bio(&b);
		/* complete one op at a time, as the device's interrupts would */
		while (!orig_done.calls) {
			if (fd.head == fd.tail) {
				ktest_fail(__FILE__, __LINE__, "%s: stuck: nothing held, bio not done",
					   what);
				break;
			}
			host_blk_raise_irq(fd_irq);
		}
		st = b.bi_status;
	} else {
		st = submit_bio_wait(&b);
		orig_done.calls = 1;		/* submit_bio_wait() owns bi_end_io */
		orig_done.completions_then = fd.completions;
	}
	if (st != c->status)
		ktest_fail(__FILE__, __LINE__, "%s: status %d, expected %d", what, st, c->status);
	KT_EXPECT_EQ(orig_done.calls, 1);
	fd_check(what, c->want);
	/* the bio completed after everything the device was given */
	if (fd.head != fd.tail)
		ktest_fail(__FILE__, __LINE__, "%s: %u ops still held after the bio completed",
			   what, fd.tail - fd.head);
	KT_EXPECT_EQ(orig_done.completions_then, fd.nr_ops);
	KT_EXPECT_EQ(fd.disk.stats.in_flight[BLK_STAT_WRITE] +
		     fd.disk.stats.in_flight[BLK_STAT_DISCARD] +
		     fd.disk.stats.in_flight[BLK_STAT_FLUSH], 0);
	KT_EXPECT_EQ(bio_pool_free_bios(), free_bios);
	fd_teardown();
}

static void run_case(const struct flush_case *c, bool mq, int mode)
{
	run_case_depth(c, mq, mode, 16);
}

/* Manual stepping: the device completes one op per interrupt. */
KTEST(blk_flush, sequence_split_bio_based)
{
	for (unsigned i = 0; i < ARRAY_SIZE(flush_cases); i++)
		run_case(&flush_cases[i], false, 0);
}

KTEST(blk_flush, sequence_split_request_based)
{
	for (unsigned i = 0; i < ARRAY_SIZE(flush_cases); i++)
		run_case(&flush_cases[i], true, 0);
}

/* submit_bio_wait() halting until "interrupts" complete it, then polling. */
KTEST(blk_flush, sequence_submit_bio_wait_and_poll)
{
	for (unsigned i = 0; i < ARRAY_SIZE(flush_cases); i++) {
		run_case(&flush_cases[i], false, 1);
		run_case(&flush_cases[i], true, 1);
		run_case(&flush_cases[i], false, 2);
		run_case(&flush_cases[i], true, 2);
	}
}

/*
 * One tag: a stage submitted from the completion of the one before (in an
 * interrupt handler, or under ops->poll) cannot wait for the tag its
 * predecessor still holds there, so its pieces are parked and started by
 * later completions: the order still holds, nothing is lost.
 */
KTEST(blk_flush, sequence_with_one_tag)
{
	fd_parks = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(flush_cases); i++)
		for (int mode = 0; mode < 3; mode++)
			run_case_depth(&flush_cases[i], true, mode, 1);
	KT_EXPECT(fd_parks > 0);
}

static unsigned fifo_done[4], fifo_nr;

static void fifo_end_io(struct bio *bio)
{
	fifo_done[fifo_nr++] = (unsigned)(uintptr_t)bio->bi_private;
}

/*
 * One sequence in the pool and three PREFLUSH bios: the second and third
 * wait for it without waiting in their submitter's context, start in
 * submission order as the one before ends, each complete once, and the
 * pool is whole again after.
 */
KTEST(blk_flush, pool_exhaustion_queues_in_order)
{
	struct bio_vec vecs[3][1];
	struct bio b[3];

	fd_setup(true, 16, BLK_FEAT_WRITE_CACHE);
	blk_flush_pool_exit();
	KT_ASSERT_EQ(blk_flush_pool_init(1), 0);
	fifo_nr = 0;
	for (unsigned i = 0; i < 3; i++) {
		bio_init(&b[i], &fd.disk, vecs[i], 1, REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA);
		b[i].bi_iter.bi_sector = FD_SECTOR + 1000 * i;
		KT_ASSERT_EQ(bio_add_pfn(&b[i], __pfn_to_pfn_t(100, 0), 512, 0), 0);
		b[i].bi_end_io = fifo_end_io;
		b[i].bi_private = (void *)(uintptr_t)i;
		submit_bio(&b[i]);
	}
	/* only the first sequence runs: its preflush */
	KT_EXPECT_EQ(fd.nr_ops, 1);
	KT_EXPECT_EQ(blk_flush_pool_free(), 0);
	KT_EXPECT_EQ(blk_flush_pool_waits(), 2);
	while (fifo_nr < 3 && fd.head != fd.tail)
		host_blk_raise_irq(fd_irq);
	KT_ASSERT_EQ(fifo_nr, 3);
	for (unsigned i = 0; i < 3; i++) {
		KT_EXPECT_EQ(fifo_done[i], i);
		KT_EXPECT_EQ(b[i].bi_status, 0);
		/* F W F per bio, one bio after the other */
		KT_EXPECT_STREQ(fd.ops[3 * i].tok, "F");
		KT_EXPECT_STREQ(fd.ops[3 * i + 1].tok, "W");
		KT_EXPECT_EQ(fd.ops[3 * i + 1].sector, FD_SECTOR + 1000 * i);
		KT_EXPECT_STREQ(fd.ops[3 * i + 2].tok, "F");
	}
	KT_EXPECT_EQ(fd.nr_ops, 9);
	KT_EXPECT_EQ(blk_flush_pool_free(), 1);
	KT_EXPECT_EQ(fd.disk.stats.in_flight[BLK_STAT_WRITE], 0);
	fd_teardown();
}

/* The refusal says which device and why, before anything moves. */
KTEST(blk_flush, discard_with_fua_refused_loudly)
{
	struct bio_vec vecs[1];
	struct bio b;

	fd_setup(true, 16, BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA);
	host_log_clear();
	fd_bio(&b, vecs, REQ_OP_DISCARD | REQ_FUA);
	submit_bio(&b);
	KT_EXPECT_EQ(orig_done.calls, 1);
	KT_EXPECT_EQ(orig_done.status, -EINVAL);
	KT_EXPECT_EQ(fd.nr_ops, 0);
	KT_EXPECT(host_log_contains("fd0: discard with FUA refused"));
	KT_EXPECT_EQ(fd.disk.stats.errors[BLK_STAT_DISCARD], 1);
	/* anything that did reach the device ends, so the teardown finds it idle */
	while (fd_complete_one())
		;
	fd_teardown();
}

KTEST(blk_flush, pool_init_checks_and_unwinds)
{
	host_blk_setup(0, 0, 0);
	KT_EXPECT_EQ(blk_flush_pool_init(0), -EINVAL);
	host_blk_alloc_fail_after = 0;
	KT_EXPECT_EQ(blk_flush_pool_init(4), -ENOMEM);
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
	host_blk_alloc_fail_after = -1;
	KT_ASSERT_EQ(blk_flush_pool_init(4), 0);
	KT_EXPECT_EQ(blk_flush_pool_free(), 4);
	host_blk_teardown();
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
}
