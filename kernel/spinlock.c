/*
 * spinlock.c - spinlocks (include/spinlock.h): a test-and-test-and-set
 * lock on one word, xchg to take it (a locked instruction, a full barrier;
 * Intel SDM vol. 3A, 8.2.2) and a plain store to release it (x86 stores are
 * not reordered with older loads or stores). PAUSE in the spin loop.
 */
#include "cpu.h"
#include "irq.h"
#include "smp.h"
#include "spinlock.h"

static inline u32 xchg32(u32 *p, u32 v)
{
	__asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) :: "memory");
	return v;
}

void spin_lock_init(spinlock_t *lock, const char *name)
{
	lock->locked = 0;
	lock->owner = ~0U;
	lock->name = name;
}

bool spin_trylock(spinlock_t *lock)
{
	if (xchg32(&lock->locked, 1))
		return false;
	lock->owner = smp_processor_id();
	return true;
}

void spin_lock(spinlock_t *lock)
{
	while (xchg32(&lock->locked, 1)) {
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED))
			__asm__ volatile("pause");
	}
	lock->owner = smp_processor_id();
}

void spin_unlock(spinlock_t *lock)
{
	lock->owner = ~0U;
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
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
	return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0;
}
