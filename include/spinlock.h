/*
 * spinlock.h - spinlocks, plain and interrupt-saving, the one lock type of
 * the kernel (no sleeping locks: pfnos has no scheduler).
 *
 *   static DEFINE_SPINLOCK(pool_lock);
 *   unsigned long flags = spin_lock_irqsave(&pool_lock);
 *   ...
 *   spin_unlock_irqrestore(&pool_lock, flags);
 *
 * Use the _irqsave form for anything an interrupt handler (a completion)
 * also takes. A lock is never held across a wait for I/O: every place that
 * halts or spins for a device says so with lock_assert_none_held(). The
 * lock order is written in docs/architecture.md ("Locks and their order").
 *
 * lock.debug=1 on the command line (kernel/spinlock.c, kernel/lockdep.c)
 * keeps each CPU's stack of held locks and stops the kernel with a report
 * on a lock order inversion, a lock taken twice on one CPU, an unlock of a
 * lock not held, a lock taken both in an interrupt handler and with
 * interrupts enabled, and a wait for I/O under a lock. Always on: a lock
 * that spins longer than lock.timeout_ms= (1000) is reported as a
 * suspected deadlock naming the CPU that holds it.
 *
 * Locks defined with DEFINE_SPINLOCK() are listed by the `locks` shell
 * command with their counters; a lock inside an object (spin_lock_init())
 * is counted and checked the same but not listed.
 */
#ifndef PFNOS_SPINLOCK_H
#define PFNOS_SPINLOCK_H

#include "types.h"

typedef struct spinlock {
	u32 locked;		/* 0 free, 1 held */
	u32 owner;		/* CPU holding it, for reports */
	const char *name;	/* for reports; locks of one name are one class */
	u64 acquired;		/* times taken (counted under the lock) */
	u64 contended;		/* times found held by another CPU */
	u16 dep_class;		/* lock.debug: class number + 1, 0 until first use */
} spinlock_t;

#define __SPINLOCK_INITIALIZER(n)	{ .locked = 0, .owner = ~0U, .name = #n }
#ifdef PFNOS_HOST
#define __spinlock_section
#else
#define __spinlock_section	__attribute__((section("spinlock_set"), aligned(8)))
#endif
/* A lock of static storage, listed by `locks` (linker section spinlock_set). */
#define DEFINE_SPINLOCK(n)	spinlock_t n __spinlock_section = __SPINLOCK_INITIALIZER(n)

void spin_lock_init(spinlock_t *lock, const char *name);
extern bool lock_debug;

#ifdef PFNOS_HOST
/* Host unit tests supply these (tests/unit/host_spinlock.c). */
void spin_lock(spinlock_t *lock);
bool spin_trylock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
unsigned long spin_lock_irqsave(spinlock_t *lock);
void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
bool spin_is_locked(const spinlock_t *lock);
#else
#include "compiler.h"
#include "irq.h"
#include "smp.h"

/* The address of this point in the caller, for reports (as Linux's). */
#define _THIS_IP_	({ __label__ __here; __here: (unsigned long)&&__here; })

/* Out of line (kernel/spinlock.c): the found-held spin, and lock.debug. */
void spin_lock_contended(spinlock_t *lock);
void spin_lock_debug(spinlock_t *lock, unsigned long ip);
void spin_trylock_debug(spinlock_t *lock, unsigned long ip);
void spin_unlock_debug(spinlock_t *lock);

static inline u32 spin_xchg(u32 *p, u32 v)
{
	/* xchg with memory is locked: a full barrier (Intel SDM vol. 3A, 8.2.2) */
	__asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) :: "memory");
	return v;
}

static __always_inline void __spin_lock(spinlock_t *lock, unsigned long ip)
{
	if (likely(!lock_debug)) {
		if (unlikely(spin_xchg(&lock->locked, 1)))
			spin_lock_contended(lock);
	} else {
		spin_lock_debug(lock, ip);
	}
	lock->owner = smp_processor_id();
	lock->acquired++;
}

static __always_inline void spin_lock(spinlock_t *lock)
{
	__spin_lock(lock, _THIS_IP_);
}

static __always_inline bool spin_trylock(spinlock_t *lock)
{
	if (spin_xchg(&lock->locked, 1))
		return false;
	lock->owner = smp_processor_id();
	lock->acquired++;
	if (unlikely(lock_debug))
		spin_trylock_debug(lock, _THIS_IP_);
	return true;
}

/* x86 stores are not reordered with older loads or stores: a plain
 * release store ends the critical section (SDM vol. 3A, 8.2.2). */
static __always_inline void spin_unlock(spinlock_t *lock)
{
	if (unlikely(lock_debug))
		spin_unlock_debug(lock);
	lock->owner = ~0U;
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

/* Disable interrupts on this CPU, then take the lock; returns the old state. */
static __always_inline unsigned long spin_lock_irqsave(spinlock_t *lock)
{
	unsigned long flags = local_irq_save();

	__spin_lock(lock, _THIS_IP_);
	return flags;
}

static __always_inline void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock(lock);
	local_irq_restore(flags);
}

static inline bool spin_is_locked(const spinlock_t *lock)
{
	return __atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0;
}
#endif

/*
 * The caller is about to wait for a device (halt until an interrupt, or
 * spin polling it): with lock.debug=1, holding any spinlock here stops the
 * kernel with a report naming why and the locks held. Free otherwise.
 */
void lock_assert_none_held(const char *why);
/* Spinlocks this CPU holds now as lock.debug tracks them (0 when off). */
unsigned lock_held_count(void);

/* lock.debug= and lock.timeout_ms= from the command line; once, at boot. */
void spinlock_init(void);

/* For `locks`: the locks of static storage, in link order. */
void spinlock_for_each(void (*fn)(const spinlock_t *lock, void *arg), void *arg);
/* For `locks -v`: each order lock.debug has learned (after taken while
 * before was held), with where it was first seen. Nothing when off. */
void lock_order_for_each(void (*fn)(const char *before, const char *after,
				    unsigned long ip, void *arg), void *arg);

#endif
