/*
 * test_nvme.c - in-guest tests of the NVMe driver (suite "nvme").
 *
 * They need nvme0n1 (nvme_init() at boot and a controller, as on the
 * standard machine; # SKIP without it) and use its last 16 MiB as scratch,
 * overwriting it.
 * Each writes the data pattern (byte B of the device holds the pattern word
 * of B) and reads it back into a cleared buffer: many sizes and buffer
 * offsets up to several MiB (split at MDTS; with --nvme-opt mdts=10 the PRP
 * lists chain), scattered pages (a long PRP list and a big scatterlist),
 * many bios in flight at once (reordering counted, not required), polled
 * and interrupt-driven queues told apart by their counters, SGLs, bouncing
 * with swiotlb forced and with a 32-bit DMA mask, DMA straight to and from
 * persistent memory, WRITE ZEROES, DISCARD, FUA and PREFLUSH (the FUA bit
 * read back from the submission queue), and I/O past the end refused
 * before the controller sees it. They run on 512- and 4096-byte namespaces
 * alike. Then the completion and timeout paths: a reset arriving while a
 * batch of completions is being ended, and the timer reaping a polled CQ
 * nobody polls. The last one fills the bounce pool from another device and
 * checks that a write waits for it.
 */
#include "irq.h"
#include "persist.h"
#include "blkdev_driver.h"
#include "dma.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "nvme.h"
#include "pci.h"
#include "smp.h"
#include "time.h"
#include "work.h"
#include "drivers/nvme/nvme_var.h"

#define NT_AREA		(16ULL << 20)
#define NT_BUF_ORDER	10			/* 4 MiB RAM buffers */
#define NT_BUF_BYTES	(PAGE_SIZE << NT_BUF_ORDER)

struct nt {
	struct gendisk *d;
	struct nvme_ns *ns;
	struct nvme_ctrl *ctrl;
	u32 lbs;
	u64 area;			/* byte offset of the scratch area */
	pfn_t buf;
	u8 *va;
};

/* The queue a bio with flags goes to from this CPU (blk_mq_map_queue()). */
static struct nvme_queue *nt_this_queue(struct nt *t, u32 flags)
{
	return blk_mq_map_queue(&t->ctrl->set, flags, smp_processor_id())->driver_data;
}

static bool nt_setup(struct nt *t)
{
	memset(t, 0, sizeof(*t));
	t->d = blk_find_disk("nvme0n1");
	if (!t->d) {
		ktest_skip("no nvme0n1");
		return false;
	}
	t->ns = t->d->private_data;
	t->ctrl = t->ns->ctrl;
	t->lbs = disk_lbs(t->d);
	t->area = (t->d->capacity << SECTOR_SHIFT) - NT_AREA;
	t->buf = pfn_alloc(NT_BUF_ORDER, 0);
	if (pfn_t_is_null(t->buf)) {
		ktest_fail(__FILE__, __LINE__, "no 4 MiB buffer");
		return false;
	}
	t->va = phys_to_virt(pfn_t_to_phys(t->buf));
	return true;
}

static void nt_teardown(struct nt *t)
{
	if (!pfn_t_is_null(t->buf))
		pfn_free(t->buf, NT_BUF_ORDER);
}

/* One bio of len bytes at device byte pos from the buffer at offset off. */
static int nt_io(struct nt *t, enum req_op op, u32 flags, u64 pos, u32 off,
		 u32 len)
{
	struct bio *bio = bio_alloc(t->d, 1, op | flags);
	int err;

	if (!bio)
		return -ENOMEM;
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	if (len)
		bio_add_pfn(bio, t->buf, len, off);
	err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

/* Write the pattern at pos, clear, read back; true when it matches. */
static bool nt_roundtrip(struct nt *t, u32 flags, u64 pos, u32 off, u32 len,
			 u16 seed)
{
	int err;
	size_t bad;

	pattern_fill(t->va + off, pos, len, seed);
	err = nt_io(t, REQ_OP_WRITE, flags, pos, off, len);
	if (err) {
		ktest_log("write %u bytes at %llu (buffer +%u): -%s", len,
			  (unsigned long long)pos, off, errno_name(err));
		return false;
	}
	memset(t->va + off, 0, len);
	err = nt_io(t, REQ_OP_READ, flags, pos, off, len);
	if (err) {
		ktest_log("read %u bytes at %llu: -%s", len,
			  (unsigned long long)pos, errno_name(err));
		return false;
	}
	bad = pattern_check(t->va + off, pos, len, seed);
	if (bad != len) {
		ktest_log("%u bytes at %llu (buffer +%u): mismatch at byte %zu",
			  len, (unsigned long long)pos, off, bad);
		return false;
	}
	return true;
}

KTEST(nvme, identify)
{
	struct nvme_ctrl_info c;
	struct nvme_ns_info ns;
	struct nt t;

	if (!nt_setup(&t))
		return;
	KT_ASSERT(nvme_count() >= 1);
	KT_ASSERT_EQ(nvme_get_info(0, &c), 0);
	KT_EXPECT(c.mn[0] != '\0');
	KT_EXPECT(c.sn[0] != '\0');
	KT_EXPECT(c.version >= 0x10000);
	KT_EXPECT_STREQ(c.state, "live");
	KT_EXPECT(c.queue_entries >= 2);
	KT_EXPECT(c.queue_entries <= ((c.cap & 0xffff) + 1));
	KT_EXPECT(c.irq_queues >= 1);
	KT_EXPECT(c.max_xfer >= PAGE_SIZE);
	KT_EXPECT(c.nr_ns >= 1);
	KT_ASSERT_EQ(nvme_get_ns_info(0, 0, &ns), 0);
	KT_EXPECT_STREQ(ns.disk, "nvme0n1");
	KT_EXPECT_EQ(ns.nsid, 1);
	KT_EXPECT(ns.lbs == 512 || ns.lbs == 4096);
	KT_EXPECT_EQ(ns.lbs, t.lbs);
	KT_EXPECT_EQ(ns.nsze * ns.lbs, t.d->capacity << SECTOR_SHIFT);
	KT_EXPECT(ns.ncap <= ns.nsze);
	KT_EXPECT_EQ(nvme_get_info(nvme_count(), &c), -ENODEV);
	KT_EXPECT_EQ(nvme_get_ns_info(0, c.nr_ns, &ns), -ENODEV);
	KT_EXPECT_EQ(t.d->limits.virt_boundary_mask, 4095);
	KT_EXPECT_EQ(t.d->limits.max_hw_sectors, c.max_xfer >> SECTOR_SHIFT);
	nt_teardown(&t);
}

/*
 * One interrupt-driven queue per online CPU, as far as the controller's
 * grant and MSI-X entries go (QEMU's grants 64 queues unless told
 * max_ioqpairs=, and has 65 entries), each queue's MSI-X entry aimed at its
 * CPU's local APIC; a CPU beyond the queues shares one aimed at another
 * CPU. A write from this CPU goes to the queue it maps to, and when that
 * queue is its own, its completion interrupt is taken here.
 */
KTEST(nvme, queue_per_cpu)
{
	struct pci_dev *pdev;
	struct nvme_queue *q;
	unsigned cpu, k = 0, self = smp_processor_id();
	u64 submitted, interrupts, done;
	struct nt t;

	if (!nt_setup(&t))
		return;
	pdev = t.ctrl->bus;
	KT_EXPECT_EQ(t.ctrl->nr_irq_queues,
		     min(min(num_online_cpus(), (unsigned)pdev->msix_size - 1),
			 t.ctrl->queues_granted));
	for (unsigned i = 0; i < t.ctrl->nr_irq_queues; i++) {
		volatile struct pci_msix_entry *e;

		q = &t.ctrl->ioq[i];
		KT_ASSERT(q->irq_entry > 0 && (unsigned)q->irq_entry < pdev->msix_size);
		KT_EXPECT(cpu_online(q->cpu));
		e = &pdev->msix_table[q->irq_entry];
		KT_EXPECT_EQ(FIELD_GET(MSI_ADDR_DEST_ID, e->addr_lo), cpu_apic_id(q->cpu));
	}
	for_each_online_cpu(cpu) {
		q = blk_mq_map_queue(&t.ctrl->set, 0, cpu)->driver_data;
		if (k++ < t.ctrl->nr_irq_queues)
			KT_EXPECT_EQ(q->cpu, cpu);	/* its own */
		else
			KT_EXPECT(q->cpu != cpu && cpu_online(q->cpu));
		q = blk_mq_map_queue(&t.ctrl->set, REQ_POLLED, cpu)->driver_data;
		KT_EXPECT(q->polled || !t.ctrl->nr_poll_queues);
	}
	q = nt_this_queue(&t, 0);
	submitted = q->submitted;
	interrupts = q->interrupts;
	done = per_cpu(self)->ios_completed;
	KT_EXPECT(nt_roundtrip(&t, 0, t.area, 0, 8 * t.lbs, 77));
	KT_EXPECT_EQ(q->submitted, submitted + 2);
	KT_EXPECT(q->interrupts > interrupts);
	if (q->cpu == self)
		KT_EXPECT_EQ(per_cpu(self)->ios_completed, done + 2);
	nt_teardown(&t);
}

/* Sizes from one block to several MiB, at several buffer offsets. */
KTEST(nvme, write_read_sizes)
{
	static const u32 sizes[] = { 1, 2, 7, 8, 9, 16, 64, 127, 128, 129, 256,
				     1024, 1032, 2048, 6144 + 8 };
	static const u32 offs[] = { 0, 4, 512, 3072 };
	unsigned n = 0;
	struct nt t;

	if (!nt_setup(&t))
		return;
	for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++)
		for (unsigned o = 0; o < ARRAY_SIZE(offs); o++) {
			u32 len = sizes[s] * 512;

			if (len % t.lbs)
				len = ALIGN_UP(len, t.lbs);
			if (offs[o] + len > NT_BUF_BYTES)
				continue;
			if (!nt_roundtrip(&t, 0, t.area + (u64)n * t.lbs * 3, offs[o],
					  len, (u16)(s * 8 + o + 1)))
				ktest_fail(__FILE__, __LINE__, "size %u offset %u", len,
					   offs[o]);
			n++;
		}
	ktest_log("%u round trips, max %llu KiB per command", n,
		  (unsigned long long)(t.ctrl->max_xfer >> 10));
	nt_teardown(&t);
}

/* A bio of every other page: one segment per page, a long PRP list and a
 * scatterlist beyond the inline one. */
KTEST(nvme, scattered_pages)
{
	static const u32 counts[] = { 2, 3, 9, 40, 130, BIO_MAX_VECS };
	struct nt t;

	if (!nt_setup(&t))
		return;
	for (unsigned c = 0; c < ARRAY_SIZE(counts); c++) {
		u32 pages = counts[c];
		u32 head = c % 2 ? PAGE_SIZE - t.lbs : 0;	/* first vec: its tail */
		u64 pos = t.area + (8ULL << 20);
		struct bio *bio;
		u64 b = 0;
		int err;

		for (int pass = 0; pass < 2; pass++) {
			bio = bio_alloc(t.d, pages, pass ? REQ_OP_READ : REQ_OP_WRITE);
			KT_ASSERT(bio);
			bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
			b = 0;
			for (u32 i = 0; i < pages; i++) {
				u32 off = i ? 0 : head;
				u32 len = PAGE_SIZE - off;
				u8 *p = t.va + 2 * i * PAGE_SIZE + off;

				if (!pass)
					pattern_fill(p, pos + b, len, 77);
				else
					memset(p, 0, len);
				KT_ASSERT_EQ(bio_add_pfn(bio, pfn_t_add(t.buf, 2 * i), len, off), 0);
				b += len;
			}
			err = submit_bio_wait(bio);
			bio_put(bio);
			KT_ASSERT_EQ(err, 0);
		}
		b = 0;
		for (u32 i = 0; i < pages; i++) {
			u32 off = i ? 0 : head;
			u32 len = PAGE_SIZE - off;

			if (pattern_check(t.va + 2 * i * PAGE_SIZE + off, pos + b, len, 77) != len) {
				ktest_fail(__FILE__, __LINE__, "%u pages: page %u differs",
					   pages, i);
				break;
			}
			b += len;
		}
	}
	nt_teardown(&t);
}

struct nt_wait {
	unsigned done;
	int err;
};

static void nt_end_io(struct bio *bio)
{
	struct nt_wait *w = bio->bi_private;

	if (bio->bi_status && !w->err)
		w->err = bio->bi_status;
	w->done++;
	bio_put(bio);
}

/* nr bios of 4 KiB..32 KiB at once; polled when flags has REQ_POLLED. */
static void nt_many(struct nt *t, enum req_op op, u32 flags, unsigned nr,
		    struct nt_wait *w)
{
	unsigned long irqf;
	u64 pos = t->area;
	u32 off = 0;

	w->done = 0;
	w->err = 0;
	for (unsigned i = 0; i < nr; i++) {
		u32 len = PAGE_SIZE * (1 + i % 8);
		struct bio *bio = bio_alloc(t->d, 1, op | flags);

		if (!bio) {
			ktest_fail(__FILE__, __LINE__, "bio pool empty");
			nr = i;
			break;
		}
		if (op == REQ_OP_WRITE)
			pattern_fill(t->va + off, pos, len, 99);
		bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
		bio_add_pfn(bio, t->buf, len, off);
		bio->bi_end_io = nt_end_io;
		bio->bi_private = w;
		submit_bio(bio);
		pos += len;
		off += len;
	}
	irqf = local_irq_save();
	while (READ_ONCE(w->done) < nr)
		blk_wait_once(t->d, op | flags, irqf);
	local_irq_restore(irqf);
}

static void nt_queue_depth(u32 flags)
{
	struct nt t;
	struct nt_wait w;
	struct nvme_queue *q;
	u64 submitted, reordered, interrupts;
	unsigned nr = 96, bytes = 0;

	if (!nt_setup(&t))
		return;
	q = nt_this_queue(&t, flags);
	if ((flags & REQ_POLLED) && !t.ctrl->nr_poll_queues) {
		ktest_skip("no poll queue (nvme.poll_queues=0)");
		nt_teardown(&t);
		return;
	}
	submitted = q->submitted;
	reordered = q->reordered;
	interrupts = q->interrupts;
	nt_many(&t, REQ_OP_WRITE, flags, nr, &w);
	KT_EXPECT_EQ(w.err, 0);
	for (unsigned i = 0; i < nr; i++)
		bytes += PAGE_SIZE * (1 + i % 8);
	memset(t.va, 0, bytes);
	nt_many(&t, REQ_OP_READ, flags, nr, &w);
	KT_EXPECT_EQ(w.err, 0);
	KT_EXPECT_EQ(pattern_check(t.va, t.area, bytes, 99), bytes);
	/* every bio went to the queue its flags name */
	KT_EXPECT_EQ(q->submitted - submitted, 2 * nr);
	if (flags & REQ_POLLED)
		KT_EXPECT_EQ(q->interrupts, interrupts);
	else
		KT_EXPECT(q->interrupts > interrupts);
	ktest_log("queue %u: %u bios in flight at once, %llu completed out of order, %llu interrupts",
		  q->qid, nr, (unsigned long long)(q->reordered - reordered),
		  (unsigned long long)(q->interrupts - interrupts));
	nt_teardown(&t);
}

KTEST(nvme, queue_depth_interrupt)
{
	nt_queue_depth(0);
}

KTEST(nvme, queue_depth_polled)
{
	nt_queue_depth(REQ_POLLED);
}

KTEST(nvme, sgl)
{
	struct nt t;
	bool old;

	if (!nt_setup(&t))
		return;
	if (!FIELD_GET(NVME_SGLS_SUPPORT, t.ctrl->id->sgls)) {
		KT_EXPECT(!t.ctrl->sgl);	/* PRPs only */
		ktest_skip("the controller has no SGL support");
		nt_teardown(&t);
		return;
	}
	old = t.ctrl->sgl;
	t.ctrl->sgl = true;
	KT_EXPECT(nt_roundtrip(&t, 0, t.area, 0, 4096, 5));
	KT_EXPECT(nt_roundtrip(&t, 0, t.area + 8192, 512, 64 * 1024, 6));
	KT_EXPECT(nt_roundtrip(&t, 0, t.area + (1 << 20), 4, 1 << 20, 7));
	t.ctrl->sgl = old;
	nt_teardown(&t);
}

/* swiotlb=force at run time, then a 32-bit mask with a buffer above 4 GiB. */
KTEST(nvme, bounce)
{
	struct nt t;
	u64 bounced;
	bool force;

	if (!nt_setup(&t))
		return;
	force = dma_force_bounce();
	dma_set_force_bounce(true);
	bounced = t.ctrl->dev.dma_stats.maps_bounced;
	KT_EXPECT(nt_roundtrip(&t, 0, t.area, 0, 8192, 11));
	KT_EXPECT(nt_roundtrip(&t, 0, t.area + 65536, 512, 200 * 1024, 12));
	KT_EXPECT(nt_roundtrip(&t, REQ_POLLED, t.area + (1 << 20), 0, 64 * 1024, 13));
	KT_EXPECT(t.ctrl->dev.dma_stats.maps_bounced >= bounced + 6);
	dma_set_force_bounce(force);
	nt_teardown(&t);
}

/* pmem0's memory as the bio's buffer: DMA straight into the NVDIMM. */
static void nt_pmem_io(bool limit32)
{
	struct dma_stats ds;
	u64 wb_lines;
	struct gendisk *pm = blk_find_disk("pmem0");
	struct nt t;
	pfn_t src, dst;
	u64 direct, bounced, mask;
	bool bounce;
	long n;
	u32 len = 256 * 1024;
	struct bio *bio;
	u8 *p;
	int err;

	if (!nt_setup(&t))
		return;
	if (!pm) {
		ktest_skip("no pmem0");
		nt_teardown(&t);
		return;
	}
	n = blk_direct_access(pm, pm->capacity - 2 * (len >> SECTOR_SHIFT),
			      2 * (len >> SECTOR_SHIFT), &src);
	KT_ASSERT(n == 2 * (long)(len >> SECTOR_SHIFT));
	KT_ASSERT(pfn_t_is_pmem(src));
	dst = pfn_t_add(src, len / PAGE_SIZE);
	for (u32 i = 0; i < len / PAGE_SIZE; i++) {
		p = kmap_atomic_pfn_t(pfn_t_add(src, i));
		pattern_fill(p, t.area + (u64)i * PAGE_SIZE, PAGE_SIZE, 21);
		persist_wb_range(p, PAGE_SIZE, PERSIST_WB_AUTO);
		kunmap_atomic_pfn_t(p);
		p = kmap_atomic_pfn_t(pfn_t_add(dst, i));
		memset(p, 0, PAGE_SIZE);
		persist_wb_range(p, PAGE_SIZE, PERSIST_WB_AUTO);
		kunmap_atomic_pfn_t(p);
	}
	/* the user's NVDIMM: these stores are as durable as any write */
	persist_fence();
	pmem_check_point(PMEM_POINT_DECLARED);
	mask = t.ctrl->dev.dma_mask;
	if (limit32)
		t.ctrl->dev.dma_mask = DMA_BIT_MASK(32);
	bounce = dma_would_bounce(&t.ctrl->dev, pfn_t_to_phys(src), len) ||
		 dma_would_bounce(&t.ctrl->dev, pfn_t_to_phys(dst), len);
	if (limit32 && pfn_t_to_phys(src) >= (1ULL << 32))
		KT_EXPECT(bounce);
	direct = t.ctrl->dev.dma_stats.maps_direct;
	bounced = t.ctrl->dev.dma_stats.maps_bounced;
	dma_get_stats(&ds);
	wb_lines = ds.pmem_wb_lines;
	for (int pass = 0; pass < 2; pass++) {
		bio = bio_alloc(t.d, 1, pass ? REQ_OP_READ : REQ_OP_WRITE);
		KT_ASSERT(bio);
		bio->bi_iter.bi_sector = t.area >> SECTOR_SHIFT;
		KT_ASSERT_EQ(bio_add_pfn(bio, pass ? dst : src, len, 0), 0);
		err = submit_bio_wait(bio);
		bio_put(bio);
		KT_EXPECT_EQ(err, 0);
	}
	t.ctrl->dev.dma_mask = mask;
	for (u32 i = 0; i < len / PAGE_SIZE; i++) {
		size_t bad;

		p = kmap_atomic_pfn_t(pfn_t_add(dst, i));
		bad = pattern_check(p, t.area + (u64)i * PAGE_SIZE, PAGE_SIZE, 21);
		kunmap_atomic_pfn_t(p);
		if (bad != PAGE_SIZE) {
			ktest_fail(__FILE__, __LINE__, "page %u of the copy differs", i);
			break;
		}
	}
	dma_get_stats(&ds);
	if (bounce) {
		KT_EXPECT(t.ctrl->dev.dma_stats.maps_bounced > bounced);
		/* the bounce copy into pmem is the CPU's, written back by it */
		KT_EXPECT_EQ(ds.pmem_wb_lines, wb_lines);
	} else {
		/* the controller reached the NVDIMM itself: nothing bounced */
		KT_EXPECT(t.ctrl->dev.dma_stats.maps_direct > direct);
		KT_EXPECT_EQ(t.ctrl->dev.dma_stats.maps_bounced, bounced);
		/* and every line it wrote into pmem was written back (DDIO) */
		KT_EXPECT_EQ(ds.pmem_wb_lines - wb_lines, len / 64);
	}
	ktest_log("pmem at 0x%llx%s: %s", (unsigned long long)pfn_t_to_phys(src),
		  limit32 ? " with a 32-bit mask" : "", bounce ? "bounced" : "direct");
	nt_teardown(&t);
}

KTEST(nvme, pmem_zero_copy)
{
	nt_pmem_io(false);
}

KTEST(nvme, pmem_dma_mask_32)
{
	nt_pmem_io(true);
}

KTEST(nvme, write_zeroes_discard_flush_fua)
{
	struct nt t;
	u64 pos;

	if (!nt_setup(&t))
		return;
	pos = t.area + (2ULL << 20);
	KT_EXPECT(nt_roundtrip(&t, REQ_FUA, pos, 0, 65536, 31));
	KT_EXPECT(nt_roundtrip(&t, REQ_PREFLUSH, pos, 0, 65536, 32));
	KT_EXPECT(nt_roundtrip(&t, REQ_PREFLUSH | REQ_FUA, pos, 512, 8192, 33));
	KT_EXPECT_EQ(nt_io(&t, REQ_OP_FLUSH, 0, 0, 0, 0), 0);
	if (t.d->limits.max_write_zeroes_sectors) {
		{
			struct bio *bio = bio_alloc(t.d, 0, REQ_OP_WRITE_ZEROES);

			KT_ASSERT(bio);
			bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
			bio->bi_iter.bi_size = 16384;
			KT_EXPECT_EQ(submit_bio_wait(bio), 0);
			bio_put(bio);
		}
		memset(t.va, 0xff, 16384);
		KT_EXPECT_EQ(nt_io(&t, REQ_OP_READ, 0, pos, 0, 16384), 0);
		for (u32 i = 0; i < 16384; i++)
			if (t.va[i]) {
				ktest_fail(__FILE__, __LINE__, "byte %u not zeroed", i);
				break;
			}
	}
	if (t.d->limits.max_discard_sectors) {
		struct bio *bio = bio_alloc(t.d, 0, REQ_OP_DISCARD);

		KT_ASSERT(bio);
		bio->bi_iter.bi_sector = (pos >> SECTOR_SHIFT) + 64;
		bio->bi_iter.bi_size = 1 << 20;
		KT_EXPECT_EQ(submit_bio_wait(bio), 0);
		bio_put(bio);
	}
	nt_teardown(&t);
}

/* Has the controller posted n CQEs beyond the head of q (not reaped)? */
static bool nt_cqes_posted(struct nvme_queue *q, unsigned n)
{
	unsigned long flags = local_irq_save();
	u16 head = q->cq_head;
	u8 phase = q->cq_phase;
	bool ok = true;

	for (unsigned i = 0; i < n && ok; i++) {
		ok = (READ_ONCE(q->cq[head].status) & NVME_CQE_PHASE) == phase;
		if (++head == q->entries) {
			head = 0;
			phase ^= 1;
		}
	}
	local_irq_restore(flags);
	return ok;
}

static bool nt_wait_cqes(struct nvme_queue *q, unsigned n)
{
	u64 end = ktime_ns() + 5000000000ULL;

	while (!nt_cqes_posted(q, n))
		if (ktime_ns() > end)
			return false;
	return true;
}

/* ---- what the controller was given: the submission queues ---- */

/* Every I/O queue's SQ tail and submission count at some moment. */
struct nt_sq_mark {
	u16 tail[NVME_MAX_IO_QUEUES];
	u64 submitted[NVME_MAX_IO_QUEUES];
};

static void nt_sq_mark(struct nt *t, struct nt_sq_mark *m)
{
	unsigned long flags = local_irq_save();

	for (unsigned i = 0; i < t->ctrl->nr_irq_queues + t->ctrl->nr_poll_queues; i++) {
		m->tail[i] = t->ctrl->ioq[i].sq_tail;
		m->submitted[i] = t->ctrl->ioq[i].submitted;
	}
	local_irq_restore(flags);
}

/*
 * Copy the commands put into the I/O submission queues since mark, each
 * queue's in submission order, into out (at most max); returns how many
 * (max + 1 when there were more, or more than a queue holds).
 */
static unsigned nt_sq_since(struct nt *t, const struct nt_sq_mark *m,
			    struct nvme_sqe *out, unsigned max)
{
	unsigned long flags = local_irq_save();
	unsigned n = 0;

	for (unsigned i = 0; i < t->ctrl->nr_irq_queues + t->ctrl->nr_poll_queues; i++) {
		struct nvme_queue *q = &t->ctrl->ioq[i];
		u64 nr = q->submitted - m->submitted[i];
		u16 slot = m->tail[i];

		if (nr > q->entries || n + nr > max) {
			n = max + 1;
			break;
		}
		for (u64 k = 0; k < nr; k++) {
			out[n++] = q->sq[slot];
			if (++slot == q->entries)
				slot = 0;
		}
	}
	local_irq_restore(flags);
	return n;
}

static u8 nt_sqe_opc(const struct nvme_sqe *sqe)
{
	return (u8)FIELD_GET(NVME_CDW0_OPC, sqe->cdw0);
}

/* One WRITE ZEROES bio of len bytes at pos with flags; its status. */
static int nt_write_zeroes(struct nt *t, u32 flags, u64 pos, u32 len)
{
	struct bio *bio = bio_alloc(t->d, 0, REQ_OP_WRITE_ZEROES | flags);
	int err;

	if (!bio)
		return -ENOMEM;
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	bio->bi_iter.bi_size = len;
	err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

/*
 * REQ_FUA on WRITE ZEROES reaches the command (NVMe base spec 1.4, 6.16:
 * CDW12 bit 30, as for WRITE), read back from the submission queue the
 * controller fetched it from; without REQ_FUA the bit stays clear.
 */
KTEST(nvme, write_zeroes_fua)
{
	struct nvme_sqe cmds[4];
	struct nt_sq_mark m;
	struct nt t;
	u64 pos;
	unsigned n;

	if (!nt_setup(&t))
		return;
	if (!t.d->limits.max_write_zeroes_sectors ||
	    !(t.d->limits.features & BLK_FEAT_FUA)) {
		ktest_fail(__FILE__, __LINE__, "nvme0n1 lacks WRITE ZEROES or FUA (features 0x%x)",
			   t.d->limits.features);
		goto out;
	}
	pos = t.area + (6ULL << 20);
	for (int fua = 0; fua <= 1; fua++) {
		nt_sq_mark(&t, &m);
		KT_EXPECT_EQ(nt_write_zeroes(&t, fua ? REQ_FUA : 0, pos, 16384), 0);
		n = nt_sq_since(&t, &m, cmds, ARRAY_SIZE(cmds));
		if (n != 1) {
			ktest_fail(__FILE__, __LINE__, "fua=%d: %u commands submitted, expected 1",
				   fua, n);
			continue;
		}
		KT_EXPECT_EQ(nt_sqe_opc(&cmds[0]), NVME_CMD_WRITE_ZEROES);
		KT_EXPECT_EQ(cmds[0].cdw10 | ((u64)cmds[0].cdw11 << 32), pos / t.lbs);
		KT_EXPECT_EQ(FIELD_GET(NVME_RW_NLB, cmds[0].cdw12) + 1, 16384 / t.lbs);
		KT_EXPECT_EQ(!!(cmds[0].cdw12 & NVME_RW_FUA), fua);
		KT_EXPECT(!(cmds[0].cdw12 & NVME_WZ_DEAC));
	}
out:
	nt_teardown(&t);
}

struct nt_one {
	bool done;
	int err;
};

static void nt_one_end_io(struct bio *bio)
{
	struct nt_one *o = bio->bi_private;

	o->err = bio->bi_status;
	WRITE_ONCE(o->done, true);
	bio_put(bio);
}

/* Poll the queue polled bios go to until *done. */
static void nt_poll_until(struct nt *t, bool *done)
{
	unsigned long flags = local_irq_save();

	while (!READ_ONCE(*done))
		blk_wait_once(t->d, REQ_OP_WRITE | REQ_POLLED, flags);
	local_irq_restore(flags);
}

/*
 * Submit bio on the polled queue and check what the controller is given:
 * before anyone polls, only the preflush (the data must wait for its
 * completion, even once the controller has posted it); after polling to
 * the end, the flush and then want_data commands of opcode opc, each with
 * FUA, and no flush after them (the device has FUA). Returns the status.
 */
static int nt_preflush_polled(struct nt *t, struct bio *bio, u8 opc,
			      unsigned want_data)
{
	struct nvme_queue *q = nt_this_queue(t, REQ_POLLED);
	struct nvme_sqe cmds[8];
	struct nt_sq_mark m;
	struct nt_one o = { 0 };
	u64 slba;
	unsigned n;

	nt_sq_mark(t, &m);
	slba = (bio->bi_iter.bi_sector << SECTOR_SHIFT) / t->lbs;
	bio->bi_end_io = nt_one_end_io;
	bio->bi_private = &o;
	submit_bio(bio);
	n = nt_sq_since(t, &m, cmds, ARRAY_SIZE(cmds));
	KT_EXPECT_EQ(n, 1);
	KT_EXPECT_EQ(nt_sqe_opc(&cmds[0]), NVME_CMD_FLUSH);
	KT_EXPECT(nt_wait_cqes(q, 1));
	KT_EXPECT_EQ(nt_sq_since(t, &m, cmds, ARRAY_SIZE(cmds)), 1);
	nt_poll_until(t, &o.done);
	n = nt_sq_since(t, &m, cmds, ARRAY_SIZE(cmds));
	if (n != 1 + want_data) {
		ktest_fail(__FILE__, __LINE__, "%u commands, expected a flush and %u data",
			   n, want_data);
		return o.err ? o.err : -EIO;
	}
	KT_EXPECT_EQ(nt_sqe_opc(&cmds[0]), NVME_CMD_FLUSH);
	for (unsigned i = 1; i < n; i++) {
		u64 s = cmds[i].cdw10 | ((u64)cmds[i].cdw11 << 32);

		KT_EXPECT_EQ(nt_sqe_opc(&cmds[i]), opc);
		KT_EXPECT(cmds[i].cdw12 & NVME_RW_FUA);
		KT_EXPECT_EQ(s, slba);
		slba += FIELD_GET(NVME_RW_NLB, cmds[i].cdw12) + 1;
	}
	return o.err;
}

/*
 * PREFLUSH across a split, on the polled queue so the test decides when
 * completions are reaped: a PREFLUSH|FUA write of three commands' worth
 * (three vecs of the same buffer) sends the FLUSH alone, the writes only
 * after its completion was reaped, each with FUA; the data is on the
 * media. The same for a PREFLUSH|FUA WRITE ZEROES.
 */
KTEST(nvme, preflush_split_waits_for_flush)
{
	struct nt t;
	struct bio *bio;
	u32 piece;
	u64 pos;
	int err;

	if (!nt_setup(&t))
		return;
	if (!t.ctrl->nr_poll_queues || !(t.d->limits.features & BLK_FEAT_FUA)) {
		ktest_fail(__FILE__, __LINE__, "needs a poll queue and FUA (poll queues %u, features 0x%x)",
			   t.ctrl->nr_poll_queues, t.d->limits.features);
		goto out;
	}
	piece = (u32)min_t(u64, (u64)t.d->limits.max_hw_sectors << SECTOR_SHIFT,
			   NT_BUF_BYTES);
	pos = t.area;
	pattern_fill(t.va, pos, piece, 61);
	bio = bio_alloc(t.d, 3, REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA | REQ_POLLED);
	KT_ASSERT(bio);
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	for (unsigned i = 0; i < 3; i++)
		KT_EXPECT_EQ(bio_add_pfn(bio, t.buf, piece, 0), 0);
	err = nt_preflush_polled(&t, bio, NVME_CMD_WRITE,
				 3 * piece / (t.d->limits.max_hw_sectors << SECTOR_SHIFT));
	KT_EXPECT_EQ(err, 0);
	for (unsigned i = 0; i < 3; i++) {
		memset(t.va, 0, piece);
		KT_EXPECT_EQ(nt_io(&t, REQ_OP_READ, 0, pos + (u64)i * piece, 0, piece), 0);
		KT_EXPECT_EQ(pattern_check(t.va, pos, piece, 61), piece);
	}

	if (t.d->limits.max_write_zeroes_sectors) {
		bio = bio_alloc(t.d, 0, REQ_OP_WRITE_ZEROES | REQ_PREFLUSH | REQ_FUA |
				REQ_POLLED);
		KT_ASSERT(bio);
		bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
		bio->bi_iter.bi_size = 16384;
		KT_EXPECT_EQ(nt_preflush_polled(&t, bio, NVME_CMD_WRITE_ZEROES, 1), 0);
		memset(t.va, 0xff, 16384);
		KT_EXPECT_EQ(nt_io(&t, REQ_OP_READ, 0, pos, 0, 16384), 0);
		for (u32 i = 0; i < 16384; i++)
			if (t.va[i]) {
				ktest_fail(__FILE__, __LINE__, "byte %u not zeroed", i);
				break;
			}
	}
out:
	nt_teardown(&t);
}

/* Past the end: refused by the block layer, the controller never sees it. */
KTEST(nvme, out_of_range_refused)
{
	struct nt t;
	u64 submitted;
	u64 end;

	if (!nt_setup(&t))
		return;
	submitted = nt_this_queue(&t, 0)->submitted;
	end = t.d->capacity << SECTOR_SHIFT;
	KT_EXPECT_EQ(nt_io(&t, REQ_OP_WRITE, 0, end, 0, t.lbs), -EIO);
	KT_EXPECT_EQ(nt_io(&t, REQ_OP_READ, 0, end - t.lbs, 0, 2 * t.lbs), -EIO);
	KT_EXPECT_EQ(nt_this_queue(&t, 0)->submitted, submitted);
	/* the last block itself is fine */
	KT_EXPECT(nt_roundtrip(&t, 0, end - t.lbs, 0, t.lbs, 41));
	nt_teardown(&t);
}

/* ---- completion, timeout and reset paths (review items) ---- */

struct nt_race {
	struct nvme_ctrl *ctrl;
	unsigned done, resets_run;
	int err;
};

/* The first completion of the batch resets the controller while the rest
 * of the batch is reaped but not yet ended: what the timer could do the
 * moment nvme_process_cq() turned interrupts back on. */
static void nt_race_end_io(struct bio *bio)
{
	struct nt_race *r = bio->bi_private;

	if (bio->bi_status && !r->err)
		r->err = bio->bi_status;
	if (r->done++ == 0 && nvme_schedule_reset(r->ctrl, "test: reset inside a reaped batch"))
		r->resets_run = work_run_pending();
	bio_put(bio);
}

/* Submit nr polled writes of 4 KiB at pos from the buffer; false when the
 * bio pool ran out. */
static bool nt_polled_writes(struct nt *t, unsigned nr, u64 pos,
			     void (*end_io)(struct bio *), void *priv)
{
	for (unsigned i = 0; i < nr; i++) {
		struct bio *bio = bio_alloc(t->d, 1, REQ_OP_WRITE | REQ_POLLED);

		if (!bio)
			return false;
		pattern_fill(t->va + i * PAGE_SIZE, pos + i * PAGE_SIZE, PAGE_SIZE, 51);
		bio->bi_iter.bi_sector = (pos + i * PAGE_SIZE) >> SECTOR_SHIFT;
		bio_add_pfn(bio, t->buf, PAGE_SIZE, i * PAGE_SIZE);
		bio->bi_end_io = end_io;
		bio->bi_private = priv;
		submit_bio(bio);
	}
	return true;
}

KTEST(nvme, reset_inside_reaped_batch)
{
	struct nt t;
	struct nt_race r = { 0 };
	struct nvme_queue *q;
	u64 retries, spurious, resets, pos;
	unsigned long flags;

	if (!nt_setup(&t))
		return;
	if (!t.ctrl->nr_poll_queues) {
		ktest_skip("no poll queue (nvme.poll_queues=0)");
		nt_teardown(&t);
		return;
	}
	q = nt_this_queue(&t, REQ_POLLED);
	r.ctrl = t.ctrl;
	retries = t.ctrl->retries;
	spurious = q->spurious;
	resets = t.ctrl->resets;
	pos = t.area + (4ULL << 20);
	KT_ASSERT(nt_polled_writes(&t, 3, pos, nt_race_end_io, &r));
	KT_ASSERT(nt_wait_cqes(q, 3));
	/* one poll reaps all three in one batch */
	flags = local_irq_save();
	blk_wait_once(t.d, REQ_OP_WRITE | REQ_POLLED, flags);
	local_irq_restore(flags);
	KT_EXPECT_EQ(r.done, 3);
	KT_EXPECT_EQ(r.err, 0);
	if (smp_processor_id() == 0) {
		/* nothing else runs deferred work meanwhile: it ran in there */
		KT_EXPECT_EQ(r.resets_run, 1);
	} else {
		/* on an AP (run-on) CPU 0, waiting for it, serves deferred work
		 * too and may have taken the reset: wait for it to end */
		u64 deadline = ktime_ns() + 10000000000ULL;

		while ((READ_ONCE(t.ctrl->resets) == resets ||
			READ_ONCE(t.ctrl->state) != NVME_CTRL_LIVE) && ktime_ns() < deadline) {
			work_run_pending();
			cpu_relax();
		}
	}
	KT_EXPECT_EQ(t.ctrl->resets, resets + 1);
	KT_EXPECT(t.ctrl->state == NVME_CTRL_LIVE);
	/* the reset found nothing outstanding: the reaped ones were not taken
	 * back and resubmitted, and no second completion came for them */
	KT_EXPECT_EQ(t.ctrl->retries, retries);
	KT_EXPECT_EQ(q->inflight, 0);
	KT_EXPECT(nt_roundtrip(&t, REQ_POLLED, pos, 0, 3 * PAGE_SIZE, 52));
	KT_EXPECT_EQ(q->spurious, spurious);
	nt_teardown(&t);
}

/* A polled write whose submitter stops polling, past its deadline, with its
 * CQE already in the CQ: the timer reaps it instead of aborting it. */
KTEST(nvme, timeout_reaps_polled_cq)
{
	struct nt t;
	struct nt_one o = { 0 };
	struct nvme_queue *q;
	u64 timeouts, aborts, resets, end;
	unsigned long flags;

	if (!nt_setup(&t))
		return;
	if (!t.ctrl->nr_poll_queues) {
		ktest_skip("no poll queue (nvme.poll_queues=0)");
		nt_teardown(&t);
		return;
	}
	q = nt_this_queue(&t, REQ_POLLED);
	timeouts = t.ctrl->timeouts;
	aborts = t.ctrl->aborts;
	resets = t.ctrl->resets;
	KT_ASSERT(nt_polled_writes(&t, 1, t.area + (5ULL << 20), nt_one_end_io, &o));
	KT_ASSERT(nt_wait_cqes(q, 1));
	flags = local_irq_save();
	for (u32 tag = 0; tag < q->hctx->depth; tag++) {
		struct request *rq = blk_mq_tag_to_rq(q->hctx, tag);
		struct nvme_iod *iod = rq ? blk_mq_rq_to_pdu(rq) : NULL;

		if (iod && iod->submitted)
			iod->deadline_ns = ktime_ns() - 1;
	}
	/* no polling from here: only the timer may find it */
	end = ktime_ns() + 3 * min_t(u64, t.ctrl->timeout_ns / 4, 1000000000ULL) +
	      500000000ULL;
	while (!READ_ONCE(o.done) && ktime_ns() < end)
		blk_wait_interrupt();
	local_irq_restore(flags);
	KT_EXPECT(o.done);
	KT_EXPECT_EQ(o.err, 0);
	KT_EXPECT_EQ(t.ctrl->timeouts, timeouts);
	KT_EXPECT_EQ(t.ctrl->aborts, aborts);
	KT_EXPECT_EQ(t.ctrl->resets, resets);
	if (!o.done)	/* let the driver finish it before the buffer goes */
		nt_poll_until(&t, &o.done);
	nt_teardown(&t);
}

/* ---- the bounce pool is shared with other devices ---- */

#define NT_HOG_MAPS	64

/* Another device holding every bounce slot, released from a timer (its
 * I/O completing while ours waits). */
static struct {
	struct device dev;
	dma_addr_t addr[NT_HOG_MAPS];
	size_t len[NT_HOG_MAPS];
	unsigned n;
	bool released;
	u64 released_ns;
	struct timer timer;
} hog = {
	.dev = { .name = "test-hog", .dma_mask = DMA_BIT_MASK(64),
		 .coherent_dma_mask = DMA_BIT_MASK(64) },
};

static void nt_hog_release(struct timer *t, void *arg)
{
	while (hog.n) {
		hog.n--;
		dma_unmap_pfn(&hog.dev, hog.addr[hog.n], hog.len[hog.n], DMA_TO_DEVICE);
	}
	hog.released_ns = ktime_ns();
	WRITE_ONCE(hog.released, true);
}

/* Map pfn's memory over and over, halving the length, until no slot is
 * left. True when the pool is full. */
static bool nt_hog_fill(pfn_t pfn)
{
	struct dma_stats st;

	hog.n = 0;
	hog.released = false;
	for (size_t len = DMA_SEGMENT_SIZE; len >= DMA_SLOT_SIZE; len /= 2) {
		while (hog.n < NT_HOG_MAPS) {
			dma_addr_t a = dma_map_pfn(&hog.dev, pfn, 0, len, DMA_TO_DEVICE);

			if (dma_mapping_error(&hog.dev, a))
				break;
			hog.addr[hog.n] = a;
			hog.len[hog.n++] = len;
		}
	}
	dma_get_stats(&st);
	return st.slots_used == st.slots;
}

/*
 * Every mapping bounces and another device holds the whole pool, with
 * nothing of nvme0 in flight: a write through the shell's path waits for
 * the slots the other device gives back 100 ms later and completes with 0
 * (not -ENOMEM), and its data reads back.
 */
KTEST(nvme, bounce_pool_full_waits)
{
	bool force = dma_force_bounce();
	u64 pos, start;
	int err;
	struct nt t;

	if (!nt_setup(&t))
		return;
	pos = t.area + (6ULL << 20);
	dma_set_force_bounce(true);
	if (!nt_hog_fill(t.buf)) {
		nt_hog_release(NULL, NULL);
		ktest_fail(__FILE__, __LINE__, "could not fill the bounce pool (%u maps)", hog.n);
		goto out;
	}
	pattern_fill(t.va, pos, 8192, 61);
	start = ktime_ns();
	timer_add(&hog.timer, start + 100000000ULL, nt_hog_release, NULL);
	err = nt_io(&t, REQ_OP_WRITE, 0, pos, 0, 8192);
	KT_EXPECT_EQ(err, 0);
	KT_EXPECT(READ_ONCE(hog.released));
	ktest_log("write with the pool full: %s after %llu ms (slots back after %llu ms)",
		  errno_name(err), (unsigned long long)((ktime_ns() - start) / 1000000),
		  (unsigned long long)(READ_ONCE(hog.released) ?
				       (hog.released_ns - start) / 1000000 : 0));
	if (!READ_ONCE(hog.released)) {
		unsigned long flags = local_irq_save();

		while (!READ_ONCE(hog.released))
			blk_wait_interrupt();
		local_irq_restore(flags);
	}
	memset(t.va, 0, 8192);
	KT_EXPECT_EQ(nt_io(&t, REQ_OP_READ, 0, pos, 0, 8192), 0);
	KT_EXPECT_EQ(pattern_check(t.va, pos, 8192, 61), 8192);
out:
	dma_set_force_bounce(force);
	nt_teardown(&t);
}
