/*
 * unit.h - what tests/unit/host.c offers host unit tests beyond ktest.h.
 */
#ifndef PFNOS_UNIT_H
#define PFNOS_UNIT_H

#include "types.h"

/* printk()/kprintf() output: the last 64 lines are kept. */
bool host_log_contains(const char *needle);
void host_log_clear(void);
/* Run fn(arg); true if it called panic() (BUG_ON and friends). */
bool host_catch_panic(void (*fn)(void *arg), void *arg);
const char *host_panic_message(void);

/* tests/unit/host_spinlock.c: release a lock a caught panic left held. */
struct spinlock;
void host_spin_bust(struct spinlock *lock);

#endif
