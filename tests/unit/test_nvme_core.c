/*
 * test_nvme_core.c - host tests of the NVMe core (drivers/nvme/nvme.c) as
 * it is, against the fake controller of nvme_fake.c, with the real block
 * layer and DMA core: bring-up, I/O through interrupts, polling and the
 * bounce pool, and the controller reset (commands taken back and
 * resubmitted); a controller that will not disable (dead: bus mastering
 * off before its I/O fails, or its memory kept for good when that cannot
 * be made certain), and a pool short for good failing I/O at once instead
 * of waiting. Every I/O's data is checked in the fake's disk.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "../../block/dma_internal.h"
#include "blkdev_driver.h"
#include "block_host.h"
#include "dma.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "nvme_fake.h"
#include "scatterlist.h"
#include "smp_host.h"
#include "spinlock.h"
#include "unit.h"

#define BUF_ORDER	5			/* 128 KiB of RAM for data */
#define BUF_BYTES	(PAGE_SIZE << BUF_ORDER)

static struct nvme_fake fk;
static struct gendisk *disk;
static u8 *bufva;
static pfn_t buf;

static bool core_setup_faulty(size_t pool_bytes, const struct nvme_fake_faults *faults)
{
	host_blk_setup(256, 8, 8);
	nvme_fake_reset_params();
	nvme_fake_pool_setup(pool_bytes);
	host_log_clear();
	if (nvme_fake_attach_faulty(&fk, "nvme0", faults)) {
		ktest_fail(__FILE__, __LINE__, "attach failed");
		return false;
	}
	/* the controller runs whenever interrupts come back on, and halting
	 * delivers its interrupt: as a device running beside the CPU */
	host_blk_irq_handler = nvme_fake_irq;
	host_blk_irq_pending = nvme_fake_irq;
	disk = blk_find_disk("nvme0n1");
	buf = nvme_fake_frames(BUF_ORDER);
	bufva = phys_to_virt(pfn_t_to_phys(buf));
	if (!disk)
		ktest_fail(__FILE__, __LINE__, "nvme0n1 not registered");
	return disk != NULL;
}

static bool core_setup(size_t pool_bytes)
{
	return core_setup_faulty(pool_bytes, NULL);
}

/* The rest of the teardown once the controller (f) is detached. */
static void core_teardown_of(struct nvme_fake *f)
{
	KT_EXPECT_EQ(host_blk_irq_depth, 0);
	nvme_fake_detach(f);
	KT_EXPECT_EQ(dma_debug_errors(), 0);
	nvme_fake_pool_teardown();
	nvme_fake_free_all();
	host_blk_teardown();
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
	KT_EXPECT_EQ(lock_held_count(), 0);
	host_smp_reset();
}

static void core_teardown(void)
{
	core_teardown_of(&fk);
}

/* One bio of len bytes at device byte pos, buffer offset off; waits. */
static int io(enum req_op op, u32 flags, u64 pos, u32 off, u32 len)
{
	struct bio *bio = bio_alloc(disk, 1, op | flags);
	int err;

	if (!bio)
		return -ENOMEM;
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	if (len)
		bio_add_pfn(bio, buf, len, off);
	err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

static bool disk_holds(u64 pos, u32 len, u16 seed)
{
	return pattern_check(fk.disk + pos, pos, len, seed) == len;
}

/* Write the pattern from the buffer, check the disk, read it back. */
static bool round_trip(u32 flags, u64 pos, u32 off, u32 len, u16 seed)
{
	int err;

	pattern_fill(bufva + off, pos, len, seed);
	err = io(REQ_OP_WRITE, flags, pos, off, len);
	if (err || !disk_holds(pos, len, seed)) {
		ktest_log("write %u bytes at %llu: %d", len, (unsigned long long)pos, err);
		return false;
	}
	memset(bufva + off, 0, len);
	err = io(REQ_OP_READ, flags, pos, off, len);
	if (err || pattern_check(bufva + off, pos, len, seed) != len) {
		ktest_log("read %u bytes at %llu: %d", len, (unsigned long long)pos, err);
		return false;
	}
	return true;
}

/* Bios submitted without waiting; their end_io counts them. */
static struct {
	unsigned done;
	int status[16];
	bool ended[16];
} as;

static void as_end_io(struct bio *bio)
{
	unsigned i = (unsigned)(uintptr_t)bio->bi_private;

	as.status[i] = bio->bi_status;
	as.ended[i] = true;
	as.done++;
	bio_put(bio);
}

/* Write i: 16 KiB + 512 (a PRP list) from buffer offset i * 24 KiB to
 * device byte (64 + i * 64) KiB, pattern seed 100 + i. */
#define AS_LEN		(16384 + 512)
#define AS_OFF(i)	((i) * 24576U)
#define AS_POS(i)	((64ULL + (i) * 64) << 10)

static void as_submit(unsigned i, u32 flags)
{
	struct bio *bio = bio_alloc(disk, 1, REQ_OP_WRITE | flags);

	if (!bio) {
		ktest_fail(__FILE__, __LINE__, "bio pool empty");
		return;
	}
	pattern_fill(bufva + AS_OFF(i), AS_POS(i), AS_LEN, (u16)(100 + i));
	bio->bi_iter.bi_sector = AS_POS(i) >> SECTOR_SHIFT;
	bio_add_pfn(bio, buf, AS_LEN, AS_OFF(i));
	bio->bi_end_io = as_end_io;
	bio->bi_private = (void *)(uintptr_t)i;
	submit_bio(bio);
}

/* Deliver interrupts until n bios ended (at most 100). */
static void as_wait(unsigned n)
{
	for (unsigned i = 0; i < 100 && as.done < n; i++)
		host_blk_raise_irq(nvme_fake_irq);
}

/* ---- the baseline: the fake and the core agree ---- */

KTEST(nvme_core, attach_and_round_trips)
{
	struct dma_stats st;
	u64 bounced;

	if (!core_setup(DMA_SEGMENT_SIZE))
		goto out;
	KT_EXPECT(fk.ctrl.state == NVME_CTRL_LIVE);
	KT_EXPECT_EQ(disk->capacity, NVME_FAKE_BLOCKS);
	KT_EXPECT_EQ(fk.enables, 1);
	KT_EXPECT_STREQ(fk.ctrl.mn, "pfnos fake NVMe");
	/* interrupt-driven: one page, then a PRP list from an odd offset */
	KT_EXPECT(round_trip(0, 0, 0, 4096, 1));
	KT_EXPECT(round_trip(0, 8192, 512, 20480, 2));
	/* polled */
	KT_EXPECT(round_trip(REQ_POLLED, 65536, 1024, 12288, 3));
	/* every mapping through the bounce pool */
	dma_set_force_bounce(true);
	bounced = fk.ctrl.dev.dma_stats.maps_bounced;
	KT_EXPECT(round_trip(0, 131072, 0, 65536, 4));
	KT_EXPECT(fk.ctrl.dev.dma_stats.maps_bounced > bounced);
	dma_get_stats(&st);
	KT_EXPECT_EQ(st.slots_used, 0);
	KT_EXPECT_EQ(st.live, 0);
	dma_set_force_bounce(false);
	KT_EXPECT_EQ(fk.en_while_rdy, 0);
out:
	core_teardown();
}

/* Commands queue q has been given. */
static u64 q_cmds(unsigned q)
{
	return fk.ctrl.ioq[q].submitted;
}

/*
 * Three CPUs, four MSI-X entries: one interrupt-driven queue per CPU, its
 * entry aimed at that CPU, and one polled queue per CPU by default; a bio
 * submitted on CPU k goes to queue k (or polled queue k) and completes on
 * CPU k.
 */
KTEST(nvme_core, a_queue_per_cpu_and_its_interrupt_on_that_cpu)
{
	host_smp_online = BIT(0) | BIT(1) | BIT(2);
	if (!core_setup(DMA_SEGMENT_SIZE))
		goto out;
	KT_EXPECT_EQ(fk.ctrl.nr_irq_queues, 3);
	KT_EXPECT_EQ(fk.ctrl.nr_poll_queues, 3);
	KT_EXPECT(host_log_contains("3+3 I/O queues of 64 for 3 CPUs"));
	for (unsigned k = 0; k < 3; k++) {
		KT_EXPECT_EQ(fk.ctrl.ioq[k].irq_entry, (int)k + 1);
		KT_EXPECT_EQ(fk.irq_cpu[k + 1], k);
		KT_EXPECT_EQ(fk.ctrl.ioq[k].cpu, k);
		KT_EXPECT(!fk.ctrl.ioq[k].polled && fk.ctrl.ioq[3 + k].polled);
	}
	for (unsigned k = 0; k < 3; k++) {
		u64 irq_cmds = q_cmds(k), poll_cmds = q_cmds(3 + k);
		u64 done = host_blk_cpu_io[k][1], wakes = host_blk_wakes;

		host_smp_cpu = k;
		KT_EXPECT(round_trip(0, 4096 * (1 + k), 0, 4096, (u16)(10 + k)));
		KT_EXPECT(round_trip(REQ_POLLED, 65536 * (1 + k), 0, 8192, (u16)(20 + k)));
		host_smp_cpu = 0;
		KT_EXPECT_EQ(q_cmds(k), irq_cmds + 2);
		KT_EXPECT_EQ(q_cmds(3 + k), poll_cmds + 2);
		KT_EXPECT(fk.ctrl.ioq[k].interrupts >= 1);
		/* completed on CPU k itself: nobody else had to be woken */
		KT_EXPECT_EQ(host_blk_cpu_io[k][1], done + 4);
		KT_EXPECT_EQ(host_blk_wakes, wakes);
	}
	for (unsigned q = 0; q < 6; q++)
		KT_EXPECT(!spin_is_locked(&fk.ctrl.ioq[q].lock));
out:
	core_teardown();
}

/*
 * Four CPUs but three MSI-X entries for I/O and a controller granting four
 * queues: three interrupt-driven ones, CPU 3 shares CPU 0's (whose
 * interrupt goes to CPU 0, which wakes CPU 3's waiter), and one polled
 * queue every CPU shares.
 */
KTEST(nvme_core, fewer_queues_than_cpus_are_shared)
{
	struct nvme_fake_faults grant4 = { .max_queues = 4 };
	u64 q0, done0, done3, poll;

	host_smp_online = BIT(0) | BIT(1) | BIT(2) | BIT(3);
	if (!core_setup_faulty(DMA_SEGMENT_SIZE, &grant4))
		goto out;
	KT_EXPECT_EQ(fk.ctrl.nr_irq_queues, 3);
	KT_EXPECT_EQ(fk.ctrl.nr_poll_queues, 1);
	KT_EXPECT(host_log_contains("grants 4 I/O queues of 6 asked: 3+1 for 4 CPUs"));
	KT_EXPECT_EQ(fk.ctrl.set.map[3], 0);
	q0 = q_cmds(0);
	done0 = host_blk_cpu_io[0][1];
	done3 = host_blk_cpu_io[3][1];
	host_smp_cpu = 3;
	KT_EXPECT(round_trip(0, 8192, 512, 12288, 33));
	host_smp_cpu = 0;
	KT_EXPECT_EQ(q_cmds(0), q0 + 2);
	/* the completions ran on CPU 0, where queue 0's entry points */
	KT_EXPECT_EQ(host_blk_cpu_io[0][1], done0 + 2);
	KT_EXPECT_EQ(host_blk_cpu_io[3][1], done3);
	KT_EXPECT(host_blk_wakes >= 2);
	KT_EXPECT_EQ(host_blk_woken_cpu, 3);
	/* the one polled queue serves every CPU */
	poll = q_cmds(3);
	for (unsigned k = 0; k < 4; k++) {
		host_smp_cpu = k;
		KT_EXPECT(round_trip(REQ_POLLED, 131072 + 4096 * k, 0, 4096, (u16)(40 + k)));
	}
	host_smp_cpu = 0;
	KT_EXPECT_EQ(q_cmds(3), poll + 8);
out:
	core_teardown();
}

/* A reset with commands in flight: the controller is disabled (it drops
 * them), enabled again with RDY seen 0 first, and each command is
 * submitted once more and lands. */
KTEST(nvme_core, reset_resubmits_what_the_controller_held)
{
	if (!core_setup(DMA_SEGMENT_SIZE))
		goto out;
	memset(&as, 0, sizeof(as));
	fk.hold_io = true;
	for (unsigned i = 0; i < 3; i++)
		as_submit(i, 0);
	nvme_fake_run(&fk);
	KT_ASSERT_EQ(fk.nr_held, 3);
	KT_EXPECT_EQ(as.done, 0);
	fk.hold_io = false;
	KT_ASSERT(nvme_schedule_reset(&fk.ctrl, "test: reset with commands held"));
	KT_EXPECT_EQ(work_run_pending(), 1);
	KT_EXPECT_EQ(fk.disables, 1);
	KT_EXPECT_EQ(fk.enables, 2);
	KT_EXPECT_EQ(fk.en_while_rdy, 0);
	KT_EXPECT(fk.ctrl.state == NVME_CTRL_LIVE);
	KT_EXPECT_EQ(fk.ctrl.retries, 3);
	KT_EXPECT(host_log_contains("resubmitted after reset"));
	as_wait(3);
	KT_EXPECT_EQ(as.done, 3);
	for (unsigned i = 0; i < 3; i++) {
		KT_EXPECT_EQ(as.status[i], 0);
		KT_EXPECT(disk_holds(AS_POS(i), AS_LEN, (u16)(100 + i)));
	}
out:
	core_teardown();
}

/* ---- a controller that will not disable (NVMe 1.4 3.1.6, 7.6.1) ---- */

/* Is the list page at bus address bus on q's free list? */
static bool pool_page_free(struct nvme_queue *q, u64 bus)
{
	for (unsigned i = 0; i < q->nr_pool_free; i++)
		if (q->pool_dma + (u64)q->pool_free[i] * NVME_PAGE_SIZE == bus)
			return true;
	return false;
}

/*
 * Three bounced writes, each with a PRP list page, are held by the
 * controller; the reset clears CC.EN and CSTS.RDY stays 1 past CAP.TO, and
 * its bus mastering cannot be turned off either. The controller may still
 * be working on them, so: it is marked dead (a log
 * line names it), never enabled again (no CC.EN=1 while RDY is 1), the
 * writes fail with -EIO, and their bounce slots and list pages stay out of
 * the pools: the pool accounting does not move, and another device that
 * maps every free slot gets none of theirs. Later I/O fails with -EIO
 * without reaching the controller.
 */
KTEST(nvme_core, reset_when_the_controller_will_not_disable)
{
	struct device other = { .name = "other", .dma_mask = DMA_BIT_MASK(64),
				.coherent_dma_mask = DMA_BIT_MASK(64) };
	static dma_addr_t maps[DMA_SEGMENT_SLOTS];
	u64 data[3], list[3], io_cmds;
	unsigned pool_free, nmaps = 0;
	struct nvme_queue *q;
	struct dma_stats st0, st;
	bool overlap = false;

	if (!core_setup(DMA_SEGMENT_SIZE))
		goto out;
	q = &fk.ctrl.ioq[0];
	memset(&as, 0, sizeof(as));
	/* nor can its bus mastering be turned off (it reads back set) */
	fk.bme_stuck = true;
	dma_set_force_bounce(true);
	fk.hold_io = true;
	for (unsigned i = 0; i < 3; i++)
		as_submit(i, 0);
	nvme_fake_run(&fk);
	KT_ASSERT_EQ(fk.nr_held, 3);
	for (unsigned i = 0; i < 3; i++) {
		data[i] = fk.held[i].sqe.dptr.prp.prp1;
		list[i] = fk.held[i].sqe.dptr.prp.prp2;
		KT_EXPECT(dma_pool_addr_to_slot(&dma_pool, data[i]) >= 0);
		KT_EXPECT(!pool_page_free(q, list[i]));
	}
	dma_get_stats(&st0);
	pool_free = q->nr_pool_free;
	KT_EXPECT(st0.slots_used >= 3 * (AS_LEN / DMA_SLOT_SIZE));

	fk.rdy_stuck = true;
	KT_ASSERT(nvme_schedule_reset(&fk.ctrl, "test: the controller will not disable"));
	KT_EXPECT_EQ(work_run_pending(), 1);
	KT_EXPECT(fk.ctrl.state == NVME_CTRL_DEAD);
	KT_EXPECT(host_log_contains("nvme0: controller did not disable"));
	KT_EXPECT(host_log_contains("stay out of the pools"));
	/* CC.EN never set again while RDY was 1; no enable at all */
	KT_EXPECT_EQ(fk.en_while_rdy, 0);
	KT_EXPECT_EQ(fk.enables, 1);
	/* the writes failed */
	KT_EXPECT_EQ(as.done, 3);
	for (unsigned i = 0; i < 3; i++)
		KT_EXPECT_EQ(as.status[i], -EIO);
	/* and their memory stays with the controller */
	dma_get_stats(&st);
	KT_EXPECT_EQ(st.slots_used, st0.slots_used);
	KT_EXPECT_EQ(st.live, st0.live);
	KT_EXPECT_EQ(q->nr_pool_free, pool_free);
	for (unsigned i = 0; i < 3; i++)
		KT_EXPECT(!pool_page_free(q, list[i]));
	/* nobody else gets those slots: map every free one */
	for (;;) {
		dma_addr_t a = dma_map_pfn(&other, buf, 0, DMA_SLOT_SIZE, DMA_TO_DEVICE);

		if (dma_mapping_error(&other, a) || nmaps == ARRAY_SIZE(maps)) {
			if (!dma_mapping_error(&other, a))
				dma_unmap_pfn(&other, a, DMA_SLOT_SIZE, DMA_TO_DEVICE);
			break;
		}
		maps[nmaps++] = a;
		for (unsigned i = 0; i < 3; i++)
			if (a < data[i] + AS_LEN && data[i] < a + DMA_SLOT_SIZE)
				overlap = true;
	}
	KT_EXPECT(!overlap);
	KT_EXPECT_EQ(nmaps, st.slots - st0.slots_used);
	for (unsigned i = 0; i < nmaps; i++)
		dma_unmap_pfn(&other, maps[i], DMA_SLOT_SIZE, DMA_TO_DEVICE);
	/* later I/O fails at once */
	io_cmds = fk.io_cmds;
	KT_EXPECT_EQ(io(REQ_OP_WRITE, 0, 0, 0, 4096), -EIO);
	KT_EXPECT_EQ(fk.io_cmds, io_cmds);
out:
	dma_set_force_bounce(false);
	core_teardown();
}

/* ---- the bounce pool is shared: a full one is a wait, not an error ---- */

/* Another device holding bounce slots (its I/O in flight elsewhere). */
static struct device hog = { .name = "hog", .dma_mask = DMA_BIT_MASK(64),
			     .coherent_dma_mask = DMA_BIT_MASK(64) };
static dma_addr_t hog_maps[DMA_SEGMENT_SLOTS];
static unsigned hog_n, hog_irqs;

/* Take every free slot of the pool; returns how many. */
static unsigned hog_fill(void)
{
	while (hog_n < ARRAY_SIZE(hog_maps)) {
		dma_addr_t a = dma_map_pfn(&hog, buf, 0, DMA_SLOT_SIZE, DMA_TO_DEVICE);

		if (dma_mapping_error(&hog, a))
			break;
		hog_maps[hog_n++] = a;
	}
	return hog_n;
}

static void hog_release(void)
{
	while (hog_n)
		dma_unmap_pfn(&hog, hog_maps[--hog_n], DMA_SLOT_SIZE, DMA_TO_DEVICE);
}

/* The first interrupt a waiter halts for is the hog's completion. */
static void hog_then_nvme_irq(void)
{
	if (!hog_irqs++)
		hog_release();
	nvme_fake_irq();
}

static bool pool_full(void)
{
	struct dma_stats st;

	dma_get_stats(&st);
	return st.slots_used == st.slots;
}

static void submit_from_irq(void)
{
	as_submit(0, 0);
}

/*
 * With the pool full (another device's mappings) and nothing of nvme0 in
 * flight, a write that may wait waits for the slots to come back and
 * completes with 0; one submitted from an interrupt handler, which may not
 * wait, is parked and dispatched when the other device unmaps. Neither
 * fails with -ENOMEM: the shortage is transient and not this queue's.
 */
KTEST(nvme_core, full_bounce_pool_waits_or_parks)
{
	if (!core_setup(DMA_SEGMENT_SIZE))
		goto out;
	dma_set_force_bounce(true);
	hog_n = hog_irqs = 0;

	/* process context: it waits */
	KT_ASSERT_EQ(hog_fill(), DMA_SEGMENT_SLOTS);
	KT_ASSERT(pool_full());
	host_blk_irq_handler = hog_then_nvme_irq;
	pattern_fill(bufva, 4096, 8192, 7);
	KT_EXPECT_EQ(io(REQ_OP_WRITE, 0, 4096, 0, 8192), 0);
	KT_EXPECT(hog_irqs >= 1);
	KT_EXPECT(disk_holds(4096, 8192, 7));
	hog_release();
	host_blk_irq_handler = nvme_fake_irq;

	/* an interrupt handler: it parks, and the hog's unmap starts it */
	memset(&as, 0, sizeof(as));
	KT_ASSERT_EQ(hog_fill(), DMA_SEGMENT_SLOTS);
	host_blk_raise_irq(submit_from_irq);
	KT_EXPECT_EQ(as.done, 0);
	host_blk_raise_irq(hog_release);
	as_wait(1);
	KT_EXPECT_EQ(as.done, 1);
	KT_EXPECT_EQ(as.status[0], 0);
	KT_EXPECT(disk_holds(AS_POS(0), AS_LEN, 100));
out:
	hog_release();
	dma_set_force_bounce(false);
	core_teardown();
}

/* ---- after a reset: a transient shortage is not an I/O error ---- */

/* While the reset brings the controller up again, another device takes
 * every bounce slot the reset just gave back. */
static void hog_on_enable(struct nvme_fake *f)
{
	f->hold_io = false;
	hog_fill();
}

static void submit_on_enable(struct nvme_fake *f)
{
	host_blk_raise_irq(submit_from_irq);
}

/*
 * Two bounced writes are held when the controller is reset; by the time
 * the reset resubmits them another device holds the whole bounce pool.
 * They must wait for the slots (and then complete with 0), not fail with
 * -EIO. And a write submitted from an interrupt handler while a reset runs,
 * with nothing else in flight, is parked until the controller is back,
 * not failed with -EBUSY.
 */
KTEST(nvme_core, reset_resubmission_waits_for_the_bounce_pool)
{
	if (!core_setup(DMA_SEGMENT_SIZE))
		goto out;
	dma_set_force_bounce(true);
	hog_n = 0;
	memset(&as, 0, sizeof(as));
	fk.hold_io = true;
	as_submit(1, 0);
	as_submit(2, 0);
	nvme_fake_run(&fk);
	KT_ASSERT_EQ(fk.nr_held, 2);
	fk.on_enable = hog_on_enable;
	KT_ASSERT(nvme_schedule_reset(&fk.ctrl, "test: pool taken during the reset"));
	KT_EXPECT_EQ(work_run_pending(), 1);
	KT_EXPECT(fk.ctrl.state == NVME_CTRL_LIVE);
	KT_EXPECT(pool_full());
	KT_EXPECT(!host_log_contains("failed by the reset"));
	KT_EXPECT_EQ(as.done, 0);
	/* the other device's I/O completes: its slots come back */
	host_blk_raise_irq(hog_release);
	as_wait(2);
	KT_EXPECT_EQ(as.done, 2);
	for (unsigned i = 1; i <= 2; i++) {
		KT_EXPECT_EQ(as.status[i], 0);
		KT_EXPECT(disk_holds(AS_POS(i), AS_LEN, (u16)(100 + i)));
	}

	/* a submission from an interrupt during a reset, nothing in flight */
	memset(&as, 0, sizeof(as));
	fk.on_enable = submit_on_enable;
	host_log_clear();
	KT_ASSERT(nvme_schedule_reset(&fk.ctrl, "test: a submission during the reset"));
	KT_EXPECT_EQ(work_run_pending(), 1);
	KT_EXPECT(fk.ctrl.state == NVME_CTRL_LIVE);
	as_wait(1);
	KT_EXPECT_EQ(as.done, 1);
	KT_EXPECT_EQ(as.status[0], 0);
	KT_EXPECT(disk_holds(AS_POS(0), AS_LEN, 100));
	KT_EXPECT(!host_log_contains("busy with nothing in flight"));
out:
	hog_release();
	dma_set_force_bounce(false);
	core_teardown();
}

/* ---- a dead controller's bus mastering ---- */

/* Bios whose end records whether the controller could still master the
 * bus at that moment. */
static bool bme_at_end[16];

static void bme_end_io(struct bio *bio)
{
	bme_at_end[(uintptr_t)bio->bi_private] = fk.bus_master;
	as_end_io(bio);
}

/* Bio i: len bytes at device byte pos, into or from the buffer at off. */
static void bme_submit(unsigned i, enum req_op op, u64 pos, u32 off, u32 len)
{
	struct bio *bio = bio_alloc(disk, 1, op);

	if (!bio) {
		ktest_fail(__FILE__, __LINE__, "bio pool empty");
		return;
	}
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	bio_add_pfn(bio, buf, len, off);
	bio->bi_end_io = bme_end_io;
	bio->bi_private = (void *)(uintptr_t)i;
	submit_bio(bio);
}

static bool all_bytes(const u8 *p, size_t len, u8 v)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

#define BME_LEN		(16384 + 512)	/* a PRP list page each */
#define BME_POS(i)	((256ULL + (i) * 64) << 10)
#define BME_OFF(i)	((i) * 32768U)

/*
 * A controller that will not disable may go on carrying out what it held.
 * Before any of it completes with -EIO, its bus mastering must be off (PCI
 * Command register bit 2): else a read's buffer, mapped directly and given
 * back to its owner with the error, is written afterwards. Held here: a
 * read mapped directly, a bounced read and a bounced write. Bus mastering
 * goes off and reads back off, so the controller can touch no memory, and
 * what the commands held (bounce slots, list pages) goes back to the pools.
 * Then the controller carries the commands out: nothing it does reaches
 * memory, neither the direct buffer nor the returned slots, now another
 * device's.
 */
KTEST(nvme_core, dead_controller_masters_the_bus_no_more)
{
	struct dma_stats st;
	struct nvme_queue *q;
	unsigned hogged;

	if (!core_setup(DMA_SEGMENT_SIZE))
		goto out;
	q = &fk.ctrl.ioq[0];
	hog_n = 0;
	memset(&as, 0, sizeof(as));
	memset(bme_at_end, 1, sizeof(bme_at_end));
	for (unsigned i = 0; i < 3; i++)
		pattern_fill(fk.disk + BME_POS(i), BME_POS(i), BME_LEN, (u16)(40 + i));
	memset(bufva, 0x5a, 2 * 32768);
	pattern_fill(bufva + BME_OFF(2), BME_POS(2), BME_LEN, 50);
	fk.hold_io = true;
	bme_submit(0, REQ_OP_READ, BME_POS(0), BME_OFF(0), BME_LEN);
	dma_set_force_bounce(true);
	bme_submit(1, REQ_OP_READ, BME_POS(1), BME_OFF(1), BME_LEN);
	bme_submit(2, REQ_OP_WRITE, BME_POS(2), BME_OFF(2), BME_LEN);
	dma_set_force_bounce(false);
	nvme_fake_run(&fk);
	KT_ASSERT_EQ(fk.nr_held, 3);
	dma_get_stats(&st);
	KT_EXPECT(st.slots_used >= 2 * (BME_LEN / DMA_SLOT_SIZE));
	KT_EXPECT_EQ(q->nr_pool_free, NVME_POOL_PAGES - 3);

	fk.rdy_stuck = true;
	KT_ASSERT(nvme_schedule_reset(&fk.ctrl, "test: the controller will not disable"));
	KT_EXPECT_EQ(work_run_pending(), 1);
	KT_EXPECT(fk.ctrl.state == NVME_CTRL_DEAD);
	KT_EXPECT_EQ(as.done, 3);
	for (unsigned i = 0; i < 3; i++) {
		KT_EXPECT_EQ(as.status[i], -EIO);
		/* off before the error reached the bio's owner */
		KT_EXPECT(!bme_at_end[i]);
	}
	KT_EXPECT(!fk.bus_master);
	KT_EXPECT(host_log_contains("nvme0: controller did not disable"));
	KT_EXPECT(host_log_contains("bus mastering off"));
	/* nothing can reach memory any more: what the commands held is back */
	dma_get_stats(&st);
	KT_EXPECT_EQ(st.slots_used, 0);
	KT_EXPECT_EQ(st.live, 0);
	KT_EXPECT_EQ(q->nr_pool_free, NVME_POOL_PAGES);

	/* another device gets every slot, the returned ones among them */
	memset(bufva + 3 * 32768, 0xc3, DMA_SLOT_SIZE);
	dma_set_force_bounce(true);
	for (hogged = 0; hogged < ARRAY_SIZE(hog_maps); hogged++) {
		dma_addr_t a = dma_map_pfn(&hog, pfn_t_add(buf, 3 * 32768 / PAGE_SIZE), 0,
					   DMA_SLOT_SIZE, DMA_TO_DEVICE);

		if (dma_mapping_error(&hog, a))
			break;
		hog_maps[hog_n++] = a;
	}
	dma_set_force_bounce(false);
	KT_EXPECT_EQ(hogged, DMA_SEGMENT_SLOTS);

	/* the controller carries out what it held: none of it lands */
	nvme_fake_complete_held(&fk);
	KT_EXPECT(fk.dma_blocked > 0);
	KT_EXPECT(all_bytes(bufva + BME_OFF(0), BME_LEN, 0x5a));
	KT_EXPECT(all_bytes(bufva + BME_OFF(1), BME_LEN, 0x5a));
	for (unsigned i = 0; i < hog_n; i++)
		if (!all_bytes(phys_to_virt(hog_maps[i]), DMA_SLOT_SIZE, 0xc3)) {
			ktest_fail(__FILE__, __LINE__, "another device's bounce slot %u was written",
				   i);
			break;
		}
	KT_EXPECT(!disk_holds(BME_POS(2), BME_LEN, 50));
out:
	hog_release();
	dma_set_force_bounce(false);
	core_teardown();
}

/* ---- slots kept out of the pool for good: never a wait ---- */

static struct nvme_fake fk2;

static void io_hangs(int sig)
{
	static const char msg[] =
		"# nvme_core.permanently_short_pool_fails: the write still waits after 10 s\n"
		"not ok - nvme_core.permanently_short_pool_fails (killed by its alarm)\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static void submit_64k_from_irq(void)
{
	struct bio *bio = bio_alloc(disk, 1, REQ_OP_WRITE);

	if (!bio) {
		ktest_fail(__FILE__, __LINE__, "bio pool empty");
		return;
	}
	bio->bi_iter.bi_sector = 0;
	bio_add_pfn(bio, buf, 65536, 0);
	bio->bi_end_io = as_end_io;
	bio->bi_private = (void *)(uintptr_t)0;
	submit_bio(bio);
}

/*
 * nvme0 dies holding 120 of the pool's 128 bounce slots, with bus
 * mastering stuck on: those slots are gone for good. nvme1 then needs 32
 * slots for a 64 KiB bounced write, more than can ever be free: it fails
 * at once, with a line naming the device, both from an interrupt handler
 * (where a bio would otherwise be parked for good) and in process context
 * (where it would otherwise wait for good: an alarm ends the run after
 * 10 s). A 4 KiB write, which fits what is left, still works.
 */
KTEST(nvme_core, permanently_short_pool_fails)
{
	struct dma_stats st;

	if (!core_setup(DMA_SEGMENT_SIZE))
		goto out;
	memset(&as, 0, sizeof(as));
	dma_set_force_bounce(true);
	fk.hold_io = true;
	for (unsigned i = 0; i < 3; i++) {
		struct bio *bio = bio_alloc(disk, 1, REQ_OP_WRITE);

		KT_ASSERT(bio);
		bio->bi_iter.bi_sector = (u64)i * 256;
		bio_add_pfn(bio, buf, 80 * 1024, 0);		/* 40 slots */
		bio->bi_end_io = as_end_io;
		bio->bi_private = (void *)(uintptr_t)i;
		submit_bio(bio);
	}
	nvme_fake_run(&fk);
	KT_ASSERT_EQ(fk.nr_held, 3);
	dma_get_stats(&st);
	KT_ASSERT_EQ(st.slots_used, 120);
	fk.rdy_stuck = true;
	fk.bme_stuck = true;
	KT_ASSERT(nvme_schedule_reset(&fk.ctrl, "test: dies holding the pool"));
	KT_EXPECT_EQ(work_run_pending(), 1);
	KT_ASSERT(fk.ctrl.state == NVME_CTRL_DEAD);
	KT_EXPECT_EQ(as.done, 3);
	nvme_fake_detach(&fk);

	/* another controller, on the same pool */
	KT_ASSERT_EQ(nvme_fake_attach(&fk2, "nvme1"), 0);
	disk = blk_find_disk("nvme1n1");
	KT_ASSERT(disk);
	host_log_clear();
	memset(&as, 0, sizeof(as));
	host_blk_raise_irq(submit_64k_from_irq);
	as_wait(1);
	KT_EXPECT_EQ(as.done, 1);
	KT_EXPECT_EQ(as.status[0], -EINVAL);
	KT_EXPECT(host_log_contains("dma: nvme1: no run of 32 bounce slots can ever be free"));
	KT_EXPECT(host_log_contains("(120 kept out for good)"));

	signal(SIGALRM, io_hangs);
	alarm(10);
	KT_EXPECT_EQ(io(REQ_OP_WRITE, 0, 0, 0, 65536), -EINVAL);
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	pattern_fill(bufva, 1 << 20, 4096, 9);
	KT_EXPECT_EQ(io(REQ_OP_WRITE, 0, 1 << 20, 0, 4096), 0);
	KT_EXPECT_EQ(pattern_check(fk2.disk + (1 << 20), 1 << 20, 4096, 9), 4096);
	dma_set_force_bounce(false);
	core_teardown_of(&fk2);
	return;
out:
	dma_set_force_bounce(false);
	core_teardown();
}

/* ---- a failed attach gives everything back ---- */

/* What is allocated before an attach. */
struct attach_base {
	unsigned frames, kzalloc;
	int blk;
	u64 coherent;
};

static void attach_base(struct attach_base *b)
{
	struct dma_stats st;

	dma_get_stats(&st);
	b->frames = nvme_fake_frames_live();
	b->kzalloc = nvme_fake_kzalloc_live();
	b->blk = host_blk_allocs_live;
	b->coherent = st.coherent_live;
}

static bool released_check(bool ok, const char *point, unsigned n, const char *what)
{
	if (!ok)
		ktest_log("attach failed at %s %u: %s", point, n, what);
	return ok;
}

/*
 * After nvme_ctrl_attach() failed: no MSI-X entry routes to the core, the
 * tag set, every setup allocation and every coherent buffer are back
 * (frames == the frames that back coherent memory here), the controller is
 * disabled, and nothing was registered: no controller, disk or timer.
 * keep is the frames a controller that does not disable keeps.
 */
static bool attach_released(const struct attach_base *b, const char *point,
			    unsigned n, unsigned keep)
{
	struct dma_stats st;
	bool ok = true, irqs = true;

	dma_get_stats(&st);
	for (unsigned i = 0; i < NVME_FAKE_MSIX; i++)
		irqs &= fk.irq_fn[i] == NULL;
	ok &= released_check(irqs, point, n, "an MSI-X entry still routes to the core");
	ok &= released_check(host_blk_allocs_live == b->blk, point, n, "tag set not freed");
	ok &= released_check(nvme_fake_kzalloc_live() == b->kzalloc, point, n,
			     "kzalloc_boot() memory not freed");
	ok &= released_check(nvme_fake_frames_live() == b->frames + keep, point, n,
			     "frames not freed");
	ok &= released_check(st.coherent_live == b->coherent + keep, point, n,
			     "coherent memory not freed");
	ok &= released_check(dma_debug_errors() == 0, point, n, "a bad dma_free_coherent()");
	ok &= released_check(keep || !(fk.cc & NVME_CC_EN), point, n,
			     "controller left enabled");
	ok &= released_check(!fk.ctrl.timer.pending, point, n, "timer armed");
	ok &= released_check(nvme_nr_ctrls == 0, point, n, "controller registered");
	ok &= released_check(blk_find_disk("nvme0n1") == NULL, point, n, "disk registered");
	return ok;
}

/* Fail the attach at its nth setup allocation (admin: admin command), for
 * n = 1, 2, ... until it succeeds; each failure must give everything back.
 * Returns the failure points; counts in after_enable those that came after
 * the controller was enabled. */
static unsigned attach_fail_each(const char *point, bool admin,
				 unsigned *after_enable)
{
	struct nvme_fake_faults flt;
	struct attach_base b;
	unsigned points = 0;

	for (unsigned n = 1; n < 200; n++) {
		int err;

		memset(&flt, 0, sizeof(flt));
		if (admin)
			flt.fail_admin = n;
		else
			flt.fail_alloc = n;
		attach_base(&b);
		err = nvme_fake_attach_faulty(&fk, "nvme0", &flt);
		if (!err) {
			nvme_fake_detach(&fk);
			return points;
		}
		points++;
		if (fk.enables)
			(*after_enable)++;
		KT_EXPECT(attach_released(&b, point, n, 0));
		nvme_fake_detach(&fk);
	}
	ktest_fail(__FILE__, __LINE__, "attach never succeeded (%s)", point);
	return points;
}

/*
 * OpenBSD nvme_attach style: each resource nvme_ctrl_attach() takes is
 * given back, in reverse, when a later step fails. Driven through every
 * setup allocation, every admin command of the bring-up, a request_irq()
 * failure and a controller that never becomes ready; and one that does not
 * disable keeps what it was given (admin queues, scratch and Identify
 * pages) while the rest goes back.
 */
KTEST(nvme_core, failed_attach_releases_everything)
{
	struct nvme_fake_faults flt;
	struct attach_base b;
	unsigned allocs, admins, enabled = 0;
	int err;

	host_blk_setup(256, 8, 8);
	nvme_fake_reset_params();
	nvme_fake_pool_setup(DMA_SEGMENT_SIZE);
	host_log_clear();

	allocs = attach_fail_each("allocation", false, &enabled);
	admins = attach_fail_each("admin command", true, &enabled);
	ktest_log("%u allocation and %u admin command failure points, %u after CC.EN=1",
		  allocs, admins, enabled);
	KT_EXPECT(allocs >= 2);
	KT_EXPECT(admins >= 2);
	KT_EXPECT(enabled >= 2);

	/* the tag set's own allocations */
	for (int n = 0; n < 100; n++) {
		attach_base(&b);
		host_blk_alloc_fail_after = n;
		err = nvme_fake_attach(&fk, "nvme0");
		host_blk_alloc_fail_after = -1;
		if (!err || blk_find_disk("nvme0n1")) {
			nvme_fake_detach(&fk);
			break;
		}
		KT_EXPECT(attach_released(&b, "block allocation", (unsigned)n, 0));
		nvme_fake_detach(&fk);
	}

	memset(&flt, 0, sizeof(flt));
	flt.fail_irq = true;
	attach_base(&b);
	KT_EXPECT_EQ(nvme_fake_attach_faulty(&fk, "nvme0", &flt), -ENOSPC);
	KT_EXPECT(attach_released(&b, "request_irq", 1, 0));
	nvme_fake_detach(&fk);

	memset(&flt, 0, sizeof(flt));
	flt.never_ready = true;
	attach_base(&b);
	KT_EXPECT_EQ(nvme_fake_attach_faulty(&fk, "nvme0", &flt), -ETIMEDOUT);
	KT_EXPECT_EQ(fk.enables, 1);
	KT_EXPECT(attach_released(&b, "enable", 1, 0));
	nvme_fake_detach(&fk);

	/* Create I/O CQ 1 fails, and the controller will not disable: its
	 * admin SQ and CQ, the scratch page it wrote Identify data into and
	 * the Identify copy stay; the I/O queues (never rung), their pools,
	 * tables, interrupts and the tag set go back. */
	memset(&flt, 0, sizeof(flt));
	flt.fail_admin = 3;
	flt.rdy_stuck = true;
	attach_base(&b);
	host_log_clear();
	KT_EXPECT_EQ(nvme_fake_attach_faulty(&fk, "nvme0", &flt), -EIO);
	KT_EXPECT(host_log_contains("nvme0: the controller does not disable"));
	KT_EXPECT(attach_released(&b, "create I/O CQ, no disable", 3, 4));
	KT_EXPECT(nvme_fake_frame_live(fk.ctrl.adminq.sq));
	KT_EXPECT(nvme_fake_frame_live(fk.ctrl.adminq.cq));
	KT_EXPECT(nvme_fake_frame_live(fk.ctrl.scratch));
	KT_EXPECT(nvme_fake_frame_live(fk.ctrl.id));
	KT_EXPECT_EQ(fk.en_while_rdy, 0);
	nvme_fake_detach(&fk);

	KT_EXPECT_EQ(host_blk_irq_depth, 0);
	nvme_fake_pool_teardown();
	nvme_fake_free_all();
	host_blk_teardown();
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
}
