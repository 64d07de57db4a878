/*
 * cmd_locks.c - the `locks` shell command (spinlocks and their counters)
 * and `lock-bug`, the test-only deliberate locking bugs that lock.debug=1
 * must catch (tests/integration/test_locks.py).
 *
 * `locks` output, one line per lock of static storage, then a summary:
 *   lock <name> acquired=<n> contended=<n> holder=<cpuN|->
 *   locks: <n> listed, lock.debug=<0|1>, held here=<n>
 * and with -v, each lock order lock.debug=1 has seen so far:
 *   order <before> -> <after> at <symbol>+0x<offset>
 *
 * `lock-bug <kind>` does one thing a correct kernel never does:
 *   inversion   takes A then B, releases both, then B then A (no deadlock
 *               on one CPU; with two it could): lock.debug=1 stops it
 *   double      takes A twice: lock.debug=1 stops it before spinning; with
 *               lock.debug=0 it spins until the deadlock timeout
 *   unheld      releases A without taking it
 *   io <disk>   reads one block of <disk> while holding A
 * Each prints "lock-bug: <kind> done" when nothing stopped it.
 */
#include "blkdev.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "panic.h"
#include "pfn_t.h"
#include "printk.h"
#include "shell.h"
#include "spinlock.h"

static void print_lock(const spinlock_t *l, void *arg)
{
	unsigned *n = arg;
	u32 owner = READ_ONCE(l->owner);

	if (spin_is_locked(l) && owner != ~0U)
		kprintf("lock %s acquired=%llu contended=%llu holder=cpu%u\n", l->name,
			(unsigned long long)l->acquired, (unsigned long long)l->contended,
			owner);
	else
		kprintf("lock %s acquired=%llu contended=%llu holder=-\n", l->name,
			(unsigned long long)l->acquired, (unsigned long long)l->contended);
	(*n)++;
}

static void print_order(const char *before, const char *after, unsigned long ip,
			void *arg)
{
	u64 off;
	const char *sym = ksym_lookup(ip, &off);

	kprintf("order %s -> %s at %s+0x%llx\n", before, after, sym ? sym : "?",
		(unsigned long long)off);
}

static int cmd_locks(int argc, char **argv)
{
	bool verbose = argc == 2 && !strcmp(argv[1], "-v");
	unsigned n = 0;

	if (argc > 2 || (argc == 2 && !verbose))
		return shell_error(-EINVAL, "usage: locks [-v]");
	spinlock_for_each(print_lock, &n);
	kprintf("locks: %u listed, lock.debug=%d, held here=%u\n", n, lock_debug,
		lock_held_count());
	if (verbose)
		lock_order_for_each(print_order, NULL);
	return 0;
}
SHELL_COMMAND("locks", cmd_locks, "[-v]",
	      "spinlocks with acquisition and contention counts; -v: lock orders seen");

static DEFINE_SPINLOCK(lock_bug_a);
static DEFINE_SPINLOCK(lock_bug_b);

static int lock_bug_io(const char *name)
{
	struct gendisk *d = blk_find_disk(name);
	struct bio *bio;
	pfn_t buf;
	int err;

	if (!d)
		return shell_error(-ENODEV, "lock-bug: no disk %s", name);
	buf = pfn_alloc(0, 0);
	if (pfn_t_is_null(buf))
		return shell_error(-ENOMEM, "lock-bug: no page for the read");
	bio = bio_alloc(d, 1, REQ_OP_READ);
	if (!bio) {
		pfn_free(buf, 0);
		return shell_error(-ENOMEM, "lock-bug: no bio");
	}
	err = bio_add_pfn(bio, buf, disk_lbs(d), 0);
	spin_lock(&lock_bug_a);
	if (!err)
		err = submit_bio_wait(bio);
	spin_unlock(&lock_bug_a);
	bio_put(bio);
	pfn_free(buf, 0);
	if (err)
		return shell_error(err, "lock-bug: read of %s failed: -%s", name,
				   errno_name(err));
	return 0;
}

static int cmd_lock_bug(int argc, char **argv)
{
	const char *kind = argc >= 2 ? argv[1] : "";
	int err = 0;

	if (!strcmp(kind, "inversion") && argc == 2) {
		spin_lock(&lock_bug_a);
		spin_lock(&lock_bug_b);
		spin_unlock(&lock_bug_b);
		spin_unlock(&lock_bug_a);
		spin_lock(&lock_bug_b);
		spin_lock(&lock_bug_a);
		spin_unlock(&lock_bug_a);
		spin_unlock(&lock_bug_b);
	} else if (!strcmp(kind, "double") && argc == 2) {
		spin_lock(&lock_bug_a);
		spin_lock(&lock_bug_a);
		spin_unlock(&lock_bug_a);
	} else if (!strcmp(kind, "unheld") && argc == 2) {
		spin_unlock(&lock_bug_a);
	} else if (!strcmp(kind, "io") && argc == 3) {
		err = lock_bug_io(argv[2]);
	} else {
		return shell_error(-EINVAL,
				   "usage: lock-bug inversion|double|unheld|io <disk>");
	}
	if (err)
		return err;
	kprintf("lock-bug: %s done\n", kind);
	return 0;
}
SHELL_COMMAND("lock-bug", cmd_lock_bug, "inversion|double|unheld|io <disk>",
	      "test only: a deliberate locking bug for lock.debug=1 to catch");
