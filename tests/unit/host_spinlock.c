/*
 * host_spinlock.c - spinlocks (include/spinlock.h) for host unit tests of
 * kernel code that takes them (block/, the DMA core, the NVMe core). One
 * thread stands for one CPU, so a lock found taken is a bug that would
 * spin forever: the test fails at once. Unlocking a lock not held and
 * waiting for I/O with a lock held fail the test too, as lock.debug=1 does
 * in the kernel. Interrupt masking is the test's own local_irq_save().
 */
#include <stdlib.h>
#include "irq.h"
#include "ktest.h"
#include "spinlock.h"
#include "unit.h"

bool lock_debug = true;
static unsigned host_locks_held;

void spin_lock_init(spinlock_t *lock, const char *name)
{
	*lock = (spinlock_t){ .owner = ~0U, .name = name };
}

bool spin_trylock(spinlock_t *lock)
{
	if (lock->locked)
		return false;
	lock->locked = 1;
	lock->owner = 0;
	lock->acquired++;
	host_locks_held++;
	return true;
}

void spin_lock(spinlock_t *lock)
{
	if (!spin_trylock(lock)) {
		ktest_fail(__FILE__, __LINE__, "spinlock %s taken twice: it would spin forever",
			   lock->name);
		abort();
	}
}

void spin_unlock(spinlock_t *lock)
{
	if (!lock->locked) {
		ktest_fail(__FILE__, __LINE__, "unlock of spinlock %s, not held", lock->name);
		return;
	}
	lock->locked = 0;
	lock->owner = ~0U;
	host_locks_held--;
}

unsigned long spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags = local_irq_save();

	spin_lock(lock);
	return flags;
}

void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock(lock);
	local_irq_restore(flags);
}

bool spin_is_locked(const spinlock_t *lock)
{
	return lock->locked != 0;
}

void lock_assert_none_held(const char *why)
{
	if (host_locks_held)
		ktest_fail(__FILE__, __LINE__, "%s with %u spinlocks held", why, host_locks_held);
}

void host_spin_bust(spinlock_t *lock)
{
	if (lock->locked) {
		lock->locked = 0;
		host_locks_held--;
	}
}

unsigned lock_held_count(void)
{
	return host_locks_held;
}
