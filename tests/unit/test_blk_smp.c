/*
 * test_blk_smp.c - host tests of the block layer on several CPUs
 * (tests/unit/smp_host.c plays them): CPUs spread over fewer queues than
 * CPUs and over the polled ones, a bio submitted on CPU k going to queue k
 * and counted on CPU k, per-CPU submission state, a completion on another
 * CPU waking the waiter, and a wait on a queue whose interrupts go to
 * another CPU not halting.
 */
#include <stdlib.h>
#include "block/blk.h"
#include "block_host.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "smp_host.h"
#include "spinlock.h"

static u64 cpus(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return BIT(a) | BIT(b) | BIT(c) | BIT(d);
}

KTEST(blk_smp, map_cpus_round_robin_over_fewer_queues)
{
	u8 map[NR_CPUS];

	/* as many queues as CPUs: CPU k has queue k */
	blk_mq_map_cpus(map, cpus(0, 1, 2, 3), 0, 4);
	for (unsigned c = 0; c < 4; c++)
		KT_EXPECT_EQ(map[c], c);
	/* two queues for four CPUs: shared round-robin */
	blk_mq_map_cpus(map, cpus(0, 1, 2, 3), 0, 2);
	KT_EXPECT_EQ(map[0], 0);
	KT_EXPECT_EQ(map[1], 1);
	KT_EXPECT_EQ(map[2], 0);
	KT_EXPECT_EQ(map[3], 1);
	/* three queues, five CPUs */
	blk_mq_map_cpus(map, cpus(0, 1, 2, 3) | BIT(4), 0, 3);
	KT_EXPECT_EQ(map[3], 0);
	KT_EXPECT_EQ(map[4], 1);
	/* one queue: everyone shares it */
	blk_mq_map_cpus(map, cpus(0, 1, 2, 3), 0, 1);
	for (unsigned c = 0; c < NR_CPUS; c++)
		KT_EXPECT_EQ(map[c], 0);
	/* CPU 1 failed to start: the online CPUs still take the queues in
	 * turn, so no queue is left to a CPU that never submits */
	blk_mq_map_cpus(map, BIT(0) | BIT(2) | BIT(3), 0, 2);
	KT_EXPECT_EQ(map[0], 0);
	KT_EXPECT_EQ(map[2], 1);
	KT_EXPECT_EQ(map[3], 0);
	/* polled queues follow the interrupt-driven ones: first is an offset */
	blk_mq_map_cpus(map, cpus(0, 1, 2, 3), 4, 1);
	for (unsigned c = 0; c < 4; c++)
		KT_EXPECT_EQ(map[c], 4);
	blk_mq_map_cpus(map, cpus(0, 1, 2, 3), 2, 3);
	KT_EXPECT_EQ(map[0], 2);
	KT_EXPECT_EQ(map[2], 4);
	KT_EXPECT_EQ(map[3], 2);
	/* every entry of the map is a queue of the range, online or not */
	blk_mq_map_cpus(map, BIT(5), 1, 2);
	for (unsigned c = 0; c < NR_CPUS; c++)
		KT_EXPECT(map[c] >= 1 && map[c] <= 2);
}

/* ---- a request-based device that completes when the test says ---- */
static struct {
	struct request *pending[64];
	unsigned nr_pending;
	unsigned queued_on[8];		/* requests per queue */
	unsigned irq_cpu;		/* CPU the "interrupt" completes on */
	unsigned irqs;
} sq;

static int sq_queue_rq(struct blk_mq_hw_ctx *hctx, struct request *rq)
{
	sq.queued_on[hctx->queue_num]++;
	sq.pending[sq.nr_pending++] = rq;
	return 0;
}

static int sq_reap(void)
{
	int n = 0;

	while (sq.nr_pending) {
		blk_mq_complete_request(sq.pending[--sq.nr_pending], 0);
		n++;
	}
	return n;
}

static int sq_poll(struct blk_mq_hw_ctx *hctx)
{
	return sq_reap();
}

/* The interrupt, delivered on sq.irq_cpu (the queue's vector target). */
static void sq_irq(void)
{
	unsigned self = host_smp_cpu;

	sq.irqs++;
	host_smp_cpu = sq.irq_cpu;
	sq_reap();
	host_smp_cpu = self;
}

static const struct blk_mq_ops sq_ops = {
	.queue_rq = sq_queue_rq,
	.poll = sq_poll,
};

static struct blk_mq_tag_set sq_set;
static struct gendisk sq_disk;

static int sq_setup(u64 online, unsigned hw, unsigned poll, unsigned depth)
{
	int err;

	host_blk_setup(64, 4, 4);
	host_smp_reset();
	host_smp_online = online;
	memset(&sq, 0, sizeof(sq));
	memset(&sq_set, 0, sizeof(sq_set));
	sq_set.ops = &sq_ops;
	sq_set.nr_hw_queues = hw;
	sq_set.nr_poll_queues = poll;
	sq_set.queue_depth = depth;
	err = blk_mq_alloc_tag_set(&sq_set);
	if (err)
		return err;
	memset(&sq_disk, 0, sizeof(sq_disk));
	strlcpy(sq_disk.disk_name, "sq0", DISK_NAME_LEN);
	sq_disk.capacity = 1 << 20;
	sq_disk.tag_set = &sq_set;
	blk_set_default_limits(&sq_disk.limits);
	host_blk_irq_handler = sq_irq;
	return blk_register_disk(&sq_disk);
}

static void sq_teardown(void)
{
	blk_unregister_disk(&sq_disk);
	blk_mq_free_tag_set(&sq_set);
	host_blk_teardown();
	host_smp_reset();
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
	KT_EXPECT_EQ(lock_held_count(), 0);
}

static int sq_read(unsigned cpu, u32 opf)
{
	struct bio_vec vecs[1];
	struct bio b;
	int err;

	host_smp_cpu = cpu;
	bio_init(&b, &sq_disk, vecs, 1, REQ_OP_READ | opf);
	b.bi_iter.bi_sector = 8 * cpu;
	err = bio_add_pfn(&b, __pfn_to_pfn_t(100 + cpu, 0), 4096, 0);
	if (!err)
		err = submit_bio_wait(&b);
	host_smp_cpu = 0;
	return err;
}

KTEST(blk_smp, tag_set_maps_the_online_cpus)
{
	KT_ASSERT_EQ(sq_setup(cpus(0, 1, 2, 3), 2, 1, 8), 0);
	KT_EXPECT(blk_mq_map_queue(&sq_set, REQ_OP_READ, 0) == &sq_set.hctxs[0]);
	KT_EXPECT(blk_mq_map_queue(&sq_set, REQ_OP_READ, 1) == &sq_set.hctxs[1]);
	KT_EXPECT(blk_mq_map_queue(&sq_set, REQ_OP_READ, 2) == &sq_set.hctxs[0]);
	KT_EXPECT(blk_mq_map_queue(&sq_set, REQ_OP_READ, 3) == &sq_set.hctxs[1]);
	/* one polled queue: every CPU shares it */
	for (unsigned c = 0; c < 4; c++)
		KT_EXPECT(blk_mq_map_queue(&sq_set, REQ_OP_READ | REQ_POLLED, c) ==
			  &sq_set.hctxs[2]);
	/* each queue's home is the first CPU mapped to it */
	KT_EXPECT_EQ(sq_set.hctxs[0].home_cpu, 0);
	KT_EXPECT_EQ(sq_set.hctxs[1].home_cpu, 1);
	KT_EXPECT_EQ(sq_set.hctxs[2].home_cpu, 0);
	/* a CPU number out of range (a broken caller) still gets a queue */
	KT_EXPECT(blk_mq_map_queue(&sq_set, REQ_OP_READ, NR_CPUS + 3) == &sq_set.hctxs[0]);
	sq_teardown();

	/* two polled queues for three CPUs: CPU 2 shares CPU 0's */
	KT_ASSERT_EQ(sq_setup(BIT(0) | BIT(1) | BIT(2), 3, 2, 8), 0);
	KT_EXPECT(blk_mq_map_queue(&sq_set, REQ_POLLED, 0) == &sq_set.hctxs[3]);
	KT_EXPECT(blk_mq_map_queue(&sq_set, REQ_POLLED, 1) == &sq_set.hctxs[4]);
	KT_EXPECT(blk_mq_map_queue(&sq_set, REQ_POLLED, 2) == &sq_set.hctxs[3]);
	KT_EXPECT_EQ(sq_set.hctxs[2].home_cpu, 2);
	sq_teardown();
}

KTEST(blk_smp, bio_on_cpu_k_goes_to_queue_k_and_is_counted_there)
{
	KT_ASSERT_EQ(sq_setup(cpus(0, 1, 2, 3), 4, 0, 8), 0);
	for (unsigned c = 0; c < 4; c++) {
		u64 sub = host_blk_cpu_io[c][0], done = host_blk_cpu_io[c][1];

		sq.irq_cpu = c;		/* queue c's vector targets CPU c */
		KT_EXPECT_EQ(sq_read(c, 0), 0);
		KT_EXPECT_EQ(sq.queued_on[c], 1);
		KT_EXPECT_EQ(sq_set.hctxs[c].completed, 1);
		KT_EXPECT_EQ(host_blk_cpu_io[c][0], sub + 1);
		KT_EXPECT_EQ(host_blk_cpu_io[c][1], done + 1);
	}
	/* completions on the submitting CPU wake nobody else */
	KT_EXPECT_EQ(host_blk_wakes, 0);
	for (unsigned c = 0; c < NR_CPUS; c++) {
		KT_EXPECT(!blk_cpus[c].submitting && !blk_cpus[c].head);
		KT_EXPECT_EQ(blk_cpus[c].endio_depth, 0);
	}
	sq_teardown();
}

KTEST(blk_smp, completion_on_another_cpu_wakes_the_waiter)
{
	/* one queue per CPU, but its interrupt lands on CPU 1 (as a timer's
	 * completion may): the waiter halted on CPU 0 must be woken */
	KT_ASSERT_EQ(sq_setup(cpus(0, 1, 0, 0), 2, 0, 8), 0);
	sq.irq_cpu = 1;
	KT_EXPECT_EQ(sq_read(0, 0), 0);
	KT_EXPECT_EQ(sq.irqs, 1);
	KT_EXPECT_EQ(host_blk_wakes, 1);
	KT_EXPECT_EQ(host_blk_woken_cpu, 0);
	sq_teardown();
}

/* Deferred work as the host runs it between polls: the "other CPU" takes
 * the shared queue's interrupt. */
static void sq_other_cpu_irq(void)
{
	host_blk_raise_irq(sq_irq);
}

KTEST(blk_smp, waiter_on_a_shared_queue_pauses_instead_of_halting)
{
	/* one interrupt-driven queue for two CPUs: its interrupts go to CPU
	 * 0 (its home); CPU 1 waiting on it must not halt, nothing of its
	 * own would wake it */
	KT_ASSERT_EQ(sq_setup(cpus(0, 1, 0, 0), 1, 0, 8), 0);
	KT_EXPECT_EQ(sq_set.hctxs[0].home_cpu, 0);
	host_blk_irq_handler = NULL;		/* a halt fails the test */
	host_blk_work = sq_other_cpu_irq;	/* CPU 0 meanwhile */
	sq.irq_cpu = 0;
	KT_EXPECT_EQ(sq_read(1, 0), 0);
	KT_EXPECT_EQ(host_blk_waits, 0);
	KT_EXPECT(host_blk_poll_relaxes >= 1);
	KT_EXPECT_EQ(sq.queued_on[0], 1);
	/* and the completion on CPU 0 woke CPU 1's waiter */
	KT_EXPECT_EQ(host_blk_wakes, 1);
	KT_EXPECT_EQ(host_blk_woken_cpu, 1);
	/* the queue's home CPU itself halts as before */
	host_blk_work = NULL;
	host_blk_irq_handler = sq_irq;
	KT_EXPECT_EQ(sq_read(0, 0), 0);
	KT_EXPECT_EQ(host_blk_waits, 1);
	sq_teardown();
}

/* A bi_end_io that submits again (as a completion chain does) on the
 * completing CPU: it is queued on that CPU's state, not on the CPU that
 * happens to be in submit_bio() elsewhere. */
static struct bio chain_bio;
static struct bio_vec chain_vec;
static unsigned chain_done;

static void chain_endio(struct bio *bio)
{
	chain_done++;
}

static void chain_submit_endio(struct bio *bio)
{
	bio_init(&chain_bio, &sq_disk, &chain_vec, 1, REQ_OP_READ);
	KT_EXPECT_EQ(bio_add_pfn(&chain_bio, __pfn_to_pfn_t(7, 0), 4096, 0), 0);
	chain_bio.bi_end_io = chain_endio;
	submit_bio(&chain_bio);
	chain_done++;
}

KTEST(blk_smp, submission_state_is_per_cpu)
{
	struct bio_vec vecs[1];
	struct bio b;

	KT_ASSERT_EQ(sq_setup(cpus(0, 1, 0, 0), 2, 0, 8), 0);
	chain_done = 0;
	host_smp_cpu = 1;
	bio_init(&b, &sq_disk, vecs, 1, REQ_OP_READ);
	KT_ASSERT_EQ(bio_add_pfn(&b, __pfn_to_pfn_t(9, 0), 4096, 0), 0);
	b.bi_end_io = chain_submit_endio;
	submit_bio(&b);
	KT_EXPECT_EQ(sq.queued_on[1], 1);
	/* CPU 0 is inside a submission when CPU 1's completion submits */
	host_smp_cpu = 0;
	blk_cpus[0].submitting = true;
	host_smp_cpu = 1;
	KT_ASSERT_EQ(sq.nr_pending, 1);
	blk_mq_complete_request(sq.pending[--sq.nr_pending], 0);
	KT_EXPECT_EQ(chain_done, 1);
	KT_EXPECT(blk_cpus[0].head == NULL);	/* not queued behind CPU 0 */
	KT_EXPECT_EQ(sq.queued_on[1], 2);	/* dispatched on CPU 1, at once */
	sq_reap();
	KT_EXPECT_EQ(chain_done, 2);
	blk_cpus[0].submitting = false;
	sq_teardown();
}
