/*
 * blk_wait.c - the one way to wait for I/O: blk_wait_once()
 * (include/blkdev.h). submit_bio_wait() waits for its bio with it, the
 * request path (blk_mq.c) for a tag or for room on a queue, the benchmark
 * engine for its next completion; each loops until what it waits for has
 * happened.
 *
 * A wait is for the queue the I/O went to, which blk_mq_map_queue() picks
 * from the device and the bio's flags as it did at submission (a bio-based
 * device that polls has one queue, polled for REQ_POLLED bios). A polled
 * queue is waited on by driving its poll operation once, with interrupts
 * enabled, then running deferred work and, when the poll reaped nothing,
 * pausing (blk_poll_relax()); any other queue, and a bio-based device, by
 * halting until an interrupt (blk_wait_interrupt(), which runs deferred
 * work after it). Where neither could end, blk_wait_once() does not wait
 * and returns false: in an interrupt handler (the local APIC delivers
 * nothing of the same or lower priority before that handler's EOI), inside
 * a bi_end_io callback (ops->poll may be running below it, and a driver's
 * poll need not be reentrant), and, for a halt, when the caller had
 * interrupts off (halting would turn them on under it). The request path
 * then parks its bio; submit_bio_wait() has a bug to report. Waiting with
 * a spinlock held is a bug lock.debug=1 reports (lock_assert_none_held()).
 *
 * Layer 2 of block/ (scripts/check-floors): above the bio object (for
 * blk_endio_depth) and the platform hooks; the request path and submission
 * call it.
 *
 * Pure logic: the host unit tests build this file as it is.
 */
#include "blk.h"
#include "irq.h"
#include "spinlock.h"

bool blk_wait_once(struct gendisk *disk, u32 opf, unsigned long flags)
{
	struct blk_mq_hw_ctx *hctx = NULL;
	bool polled;
	int reaped;

	lock_assert_none_held("blk_wait_once()");
	if (blk_endio_depth || blk_in_interrupt())
		return false;
	if (disk->tag_set) {
		hctx = blk_mq_map_queue(disk->tag_set, opf, blk_this_cpu());
		polled = hctx->polled;
	} else {
		polled = (opf & REQ_POLLED) && disk->fops->poll;
	}
	if (polled) {
		local_irq_restore(flags);
		if (hctx)
			reaped = hctx->set->ops->poll(hctx);
		else
			reaped = disk->fops->poll(disk, 0);
		blk_poll_relax(reaped > 0);
		(void)local_irq_save();
		return true;
	}
	if (!blk_irqs_were_enabled(flags))
		return false;
	blk_wait_interrupt();
	return true;
}
