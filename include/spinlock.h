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
 * also takes. A lock is never held across a wait for I/O. The lock order
 * is written in docs/architecture.md.
 */
#ifndef PFNOS_SPINLOCK_H
#define PFNOS_SPINLOCK_H

#include "types.h"

typedef struct spinlock {
	u32 locked;		/* 0 free, 1 held */
	u32 owner;		/* CPU holding it, for debugging */
	const char *name;	/* for reports */
} spinlock_t;

#define __SPINLOCK_INITIALIZER(n)	{ .locked = 0, .owner = ~0U, .name = #n }
#define DEFINE_SPINLOCK(n)		spinlock_t n = __SPINLOCK_INITIALIZER(n)

void spin_lock_init(spinlock_t *lock, const char *name);
void spin_lock(spinlock_t *lock);
bool spin_trylock(spinlock_t *lock);
void spin_unlock(spinlock_t *lock);
/* Disable interrupts on this CPU, then take the lock; returns the old state. */
unsigned long spin_lock_irqsave(spinlock_t *lock);
void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags);
bool spin_is_locked(const spinlock_t *lock);

#endif
