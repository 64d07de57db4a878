/*
 * lockdep.h - the lock.debug checker's pure core (kernel/lockdep.c), used
 * by kernel/spinlock.c and built for the host by tests/unit/lockdep.mk.
 *
 * Locks of one name form a class. Each CPU keeps a stack of the locks it
 * holds (struct lockdep_cpu). Taking lock B while holding A records the
 * order A -> B between their classes, learned as the kernel runs (as
 * Linux's lockdep does); B taken later while holding A' where B already
 * reaches A' through recorded orders is an inversion: two CPUs could each
 * hold one and wait for the other. Orders are only learned and checked
 * between locks taken in the same interrupt nesting level: an interrupt
 * handler's locks are a new chain. A class taken both in an interrupt
 * handler and elsewhere with interrupts enabled is reported too (the
 * handler could spin on it over its own CPU's holder).
 *
 * The caller serializes calls that share a graph (spinlock.c with a lock
 * of its own); a struct lockdep_cpu is only touched by its CPU.
 */
#ifndef PFNOS_LOCKDEP_H
#define PFNOS_LOCKDEP_H

#include "spinlock.h"
#include "types.h"

#define LOCKDEP_MAX_CLASSES	128
#define LOCKDEP_MAX_EDGES	512
#define LOCKDEP_MAX_DEPTH	24
#define LOCKDEP_CLASS_WORDS	(LOCKDEP_MAX_CLASSES / 64)

enum lockdep_bug {
	LOCKDEP_OK,
	LOCKDEP_RECURSION,	/* this CPU already holds the lock */
	LOCKDEP_INVERSION,	/* the reverse order was seen before */
	LOCKDEP_NOT_HELD,	/* unlock of a lock this CPU does not hold */
	LOCKDEP_IRQ_UNSAFE,	/* taken in a handler and with interrupts on */
	LOCKDEP_HELD_WAIT,	/* waiting for I/O while holding a lock */
	LOCKDEP_TOO_DEEP,	/* more than LOCKDEP_MAX_DEPTH held */
	LOCKDEP_FULL,		/* no room for a new class (a full order table
				 * only stops the order checks: g->full) */
};

struct lockdep_held {
	const spinlock_t *lock;
	u16 cls;
	u16 irq_level;		/* interrupt nesting when taken */
	unsigned long ip;	/* where it was taken */
};

struct lockdep_cpu {
	struct lockdep_held held[LOCKDEP_MAX_DEPTH];
	unsigned depth;
};

struct lockdep_edge {
	u16 from, to;
	unsigned long ip;	/* where `to` was first taken under `from` */
};

struct lockdep_graph {
	const char *names[LOCKDEP_MAX_CLASSES];
	unsigned nclasses;
	u64 after[LOCKDEP_MAX_CLASSES][LOCKDEP_CLASS_WORDS];	/* from -> to bits */
	struct lockdep_edge edges[LOCKDEP_MAX_EDGES];
	unsigned nedges;
	/* per class: where it was first taken in a handler / with interrupts on */
	unsigned long irq_ip[LOCKDEP_MAX_CLASSES];
	unsigned long irqs_on_ip[LOCKDEP_MAX_CLASSES];
	bool full;		/* a table filled up: no more orders learned */
};

/* What went wrong, for the report; the chain is the earlier order. */
#define LOCKDEP_MAX_CHAIN	8
struct lockdep_report {
	enum lockdep_bug bug;
	const char *name;		/* the lock being taken or released */
	const char *other;		/* the held lock it conflicts with */
	unsigned long other_ip;		/* where `other` was taken */
	/* inversion: name -> ... -> other as recorded before, each with its ip */
	const char *chain[LOCKDEP_MAX_CHAIN + 1];
	unsigned long chain_ip[LOCKDEP_MAX_CHAIN];
	unsigned chain_len;		/* orders in chain (names: chain_len + 1) */
	bool chain_cut;			/* a longer chain, only the start kept */
};

/* Interrupt context of an acquisition. */
struct lockdep_ctx {
	unsigned irq_level;	/* 0: process context */
	bool irqs_on;		/* interrupts enabled when taking it */
};

void lockdep_graph_init(struct lockdep_graph *g);
/*
 * Check taking lock at ip (before spinning for it) and push it on c's
 * stack. A trylock cannot wait, so it is pushed without the order checks.
 * Returns LOCKDEP_OK or the bug, with r filled in; on a bug nothing is
 * pushed.
 */
enum lockdep_bug lockdep_acquire(struct lockdep_graph *g, struct lockdep_cpu *c,
				 spinlock_t *lock, unsigned long ip,
				 struct lockdep_ctx ctx, bool trylock,
				 struct lockdep_report *r);
/* Pop lock from c's stack (anywhere in it); LOCKDEP_NOT_HELD if absent. */
enum lockdep_bug lockdep_release(struct lockdep_cpu *c, const spinlock_t *lock,
				 struct lockdep_report *r);
/* LOCKDEP_HELD_WAIT with the innermost held lock when c holds any. */
enum lockdep_bug lockdep_check_none_held(const struct lockdep_cpu *c,
					 struct lockdep_report *r);
const char *lockdep_bug_name(enum lockdep_bug bug);

#endif
