/*
 * test_lockdep.c - host tests of the lock.debug checker's pure core
 * (kernel/lockdep.c): an order taken one way and later the other is an
 * inversion (directly and through a chain), a lock taken twice and an
 * unlock of a lock not held are caught, locks of one name are one class,
 * interrupt levels keep separate chains, a class used in a handler and
 * with interrupts on is caught, and waits under a lock are reported.
 * Each test builds its own graph and CPUs; locks are plain spinlock_t.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/lockdep.h"
#include "ktest.h"

#define LOCK(n)	{ .owner = ~0U, .name = n }

static const struct lockdep_ctx PROC_OFF = { .irq_level = 0, .irqs_on = false };
static const struct lockdep_ctx PROC_ON = { .irq_level = 0, .irqs_on = true };
static const struct lockdep_ctx IRQ = { .irq_level = 1, .irqs_on = false };

static struct lockdep_graph *new_graph(void)
{
	struct lockdep_graph *g = malloc(sizeof(*g));

	lockdep_graph_init(g);
	return g;
}

static enum lockdep_bug take(struct lockdep_graph *g, struct lockdep_cpu *c,
			     spinlock_t *l, unsigned long ip, struct lockdep_report *r)
{
	return lockdep_acquire(g, c, l, ip, PROC_OFF, false, r);
}

static enum lockdep_bug drop(struct lockdep_cpu *c, spinlock_t *l)
{
	struct lockdep_report r;

	return lockdep_release(c, l, &r);
}

KTEST(lockdep, nested_in_one_order_is_fine)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 };
	struct lockdep_report r;
	spinlock_t a = LOCK("a"), b = LOCK("b");

	for (int i = 0; i < 3; i++) {
		KT_ASSERT_EQ(take(g, &c, &a, 1, &r), LOCKDEP_OK);
		KT_ASSERT_EQ(take(g, &c, &b, 2, &r), LOCKDEP_OK);
		KT_EXPECT_EQ(c.depth, 2);
		KT_ASSERT_EQ(drop(&c, &b), LOCKDEP_OK);
		KT_ASSERT_EQ(drop(&c, &a), LOCKDEP_OK);
	}
	KT_EXPECT_EQ(c.depth, 0);
	KT_EXPECT_EQ(g->nedges, 1);
	KT_EXPECT_EQ(g->nclasses, 2);
	free(g);
}

KTEST(lockdep, reverse_order_is_an_inversion)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 };
	struct lockdep_report r;
	spinlock_t a = LOCK("a"), b = LOCK("b");

	KT_ASSERT_EQ(take(g, &c, &a, 0x10, &r), LOCKDEP_OK);
	KT_ASSERT_EQ(take(g, &c, &b, 0x20, &r), LOCKDEP_OK);
	drop(&c, &b);
	drop(&c, &a);
	/* later, on any CPU: b then a */
	KT_ASSERT_EQ(take(g, &c, &b, 0x30, &r), LOCKDEP_OK);
	KT_ASSERT_EQ(take(g, &c, &a, 0x40, &r), LOCKDEP_INVERSION);
	KT_EXPECT_STREQ(r.name, "a");
	KT_EXPECT_STREQ(r.other, "b");
	KT_EXPECT_EQ(r.other_ip, 0x30);
	KT_ASSERT_EQ(r.chain_len, 1);
	KT_EXPECT_STREQ(r.chain[0], "a");
	KT_EXPECT_STREQ(r.chain[1], "b");
	KT_EXPECT_EQ(r.chain_ip[0], 0x20);
	/* nothing was pushed for the refused acquisition */
	KT_EXPECT_EQ(c.depth, 1);
	free(g);
}

KTEST(lockdep, inversion_through_a_chain)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c0 = { 0 }, c1 = { 0 };
	struct lockdep_report r;
	spinlock_t a = LOCK("a"), b = LOCK("b"), x = LOCK("x");

	/* cpu0: a -> b; cpu1: b -> x; then x -> a closes a -> b -> x -> a */
	KT_ASSERT_EQ(take(g, &c0, &a, 1, &r), LOCKDEP_OK);
	KT_ASSERT_EQ(take(g, &c0, &b, 2, &r), LOCKDEP_OK);
	KT_ASSERT_EQ(take(g, &c1, &x, 3, &r), LOCKDEP_OK);	/* unrelated so far */
	drop(&c1, &x);
	KT_ASSERT_EQ(take(g, &c1, &b, 4, &r), LOCKDEP_OK);	/* c0 holds it: the checker does not care */
	KT_ASSERT_EQ(take(g, &c1, &x, 5, &r), LOCKDEP_OK);
	drop(&c1, &x);
	drop(&c1, &b);
	drop(&c0, &b);
	drop(&c0, &a);
	KT_ASSERT_EQ(take(g, &c1, &x, 6, &r), LOCKDEP_OK);
	KT_ASSERT_EQ(take(g, &c1, &a, 7, &r), LOCKDEP_INVERSION);
	KT_EXPECT_STREQ(r.other, "x");
	KT_ASSERT_EQ(r.chain_len, 2);
	KT_EXPECT_STREQ(r.chain[0], "a");
	KT_EXPECT_STREQ(r.chain[1], "b");
	KT_EXPECT_STREQ(r.chain[2], "x");
	KT_EXPECT_EQ(r.chain_ip[0], 2);
	KT_EXPECT_EQ(r.chain_ip[1], 5);
	free(g);
}

KTEST(lockdep, taken_twice_is_caught_before_spinning)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 };
	struct lockdep_report r;
	spinlock_t a = LOCK("a"), b = LOCK("b");

	KT_ASSERT_EQ(take(g, &c, &a, 0x11, &r), LOCKDEP_OK);
	KT_ASSERT_EQ(take(g, &c, &b, 0x12, &r), LOCKDEP_OK);
	KT_ASSERT_EQ(take(g, &c, &a, 0x13, &r), LOCKDEP_RECURSION);
	KT_EXPECT_STREQ(r.name, "a");
	KT_EXPECT_EQ(r.other_ip, 0x11);
	KT_EXPECT_EQ(c.depth, 2);
	free(g);
}

KTEST(lockdep, unlock_not_held)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 }, other = { 0 };
	struct lockdep_report r;
	spinlock_t a = LOCK("a");

	KT_ASSERT_EQ(lockdep_release(&c, &a, &r), LOCKDEP_NOT_HELD);
	KT_EXPECT_STREQ(r.name, "a");
	/* held by another CPU is not held by this one */
	KT_ASSERT_EQ(take(g, &other, &a, 1, &r), LOCKDEP_OK);
	KT_EXPECT_EQ(lockdep_release(&c, &a, &r), LOCKDEP_NOT_HELD);
	KT_EXPECT_EQ(lockdep_release(&other, &a, &r), LOCKDEP_OK);
	free(g);
}

KTEST(lockdep, release_out_of_order_keeps_the_rest)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 };
	struct lockdep_report r;
	spinlock_t a = LOCK("a"), b = LOCK("b"), d = LOCK("d");

	take(g, &c, &a, 1, &r);
	take(g, &c, &b, 2, &r);
	take(g, &c, &d, 3, &r);
	KT_ASSERT_EQ(drop(&c, &a), LOCKDEP_OK);
	KT_ASSERT_EQ(c.depth, 2);
	KT_EXPECT(c.held[0].lock == &b);
	KT_EXPECT(c.held[1].lock == &d);
	KT_EXPECT_EQ(drop(&c, &a), LOCKDEP_NOT_HELD);
	KT_EXPECT_EQ(drop(&c, &d), LOCKDEP_OK);
	KT_EXPECT_EQ(drop(&c, &b), LOCKDEP_OK);
	KT_EXPECT_EQ(c.depth, 0);
	free(g);
}

KTEST(lockdep, one_name_is_one_class)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 };
	struct lockdep_report r;
	char n1[] = "queue", n2[] = "queue";	/* equal names, distinct pointers */
	spinlock_t q1 = LOCK(n1), q2 = LOCK(n2), t = LOCK("tags");

	/* two instances nested is not an order between classes */
	KT_ASSERT_EQ(take(g, &c, &q1, 1, &r), LOCKDEP_OK);
	KT_ASSERT_EQ(take(g, &c, &q2, 2, &r), LOCKDEP_OK);
	KT_EXPECT_EQ(q1.dep_class, q2.dep_class);
	KT_ASSERT_EQ(take(g, &c, &t, 3, &r), LOCKDEP_OK);
	drop(&c, &t);
	drop(&c, &q2);
	drop(&c, &q1);
	/* queue -> tags learned from q1; tags -> queue through q2 inverts */
	KT_ASSERT_EQ(take(g, &c, &t, 4, &r), LOCKDEP_OK);
	KT_EXPECT_EQ(take(g, &c, &q2, 5, &r), LOCKDEP_INVERSION);
	free(g);
}

KTEST(lockdep, trylock_learns_no_order)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 };
	struct lockdep_report r;
	spinlock_t a = LOCK("a"), b = LOCK("b");

	KT_ASSERT_EQ(take(g, &c, &a, 1, &r), LOCKDEP_OK);
	KT_ASSERT_EQ(lockdep_acquire(g, &c, &b, 2, PROC_OFF, true, &r), LOCKDEP_OK);
	KT_EXPECT_EQ(c.depth, 2);
	drop(&c, &b);
	drop(&c, &a);
	KT_EXPECT_EQ(g->nedges, 0);
	KT_ASSERT_EQ(take(g, &c, &b, 3, &r), LOCKDEP_OK);
	KT_EXPECT_EQ(take(g, &c, &a, 4, &r), LOCKDEP_OK);
	free(g);
}

KTEST(lockdep, interrupt_level_is_a_new_chain)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 };
	struct lockdep_report r;
	spinlock_t a = LOCK("a"), b = LOCK("b");

	/* a handler takes b over process context holding a: no order a -> b */
	KT_ASSERT_EQ(lockdep_acquire(g, &c, &a, 1, PROC_OFF, false, &r), LOCKDEP_OK);
	KT_ASSERT_EQ(lockdep_acquire(g, &c, &b, 2, IRQ, false, &r), LOCKDEP_OK);
	drop(&c, &b);
	drop(&c, &a);
	KT_EXPECT_EQ(g->nedges, 0);
	KT_ASSERT_EQ(take(g, &c, &b, 3, &r), LOCKDEP_OK);
	KT_EXPECT_EQ(take(g, &c, &a, 4, &r), LOCKDEP_OK);
	free(g);
}

KTEST(lockdep, handler_lock_taken_with_interrupts_on)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 };
	struct lockdep_report r;
	spinlock_t a = LOCK("a"), b = LOCK("b");

	/* a: irqsave everywhere, fine; b: a handler and plain spin_lock */
	KT_ASSERT_EQ(lockdep_acquire(g, &c, &a, 1, IRQ, false, &r), LOCKDEP_OK);
	drop(&c, &a);
	KT_ASSERT_EQ(lockdep_acquire(g, &c, &a, 2, PROC_OFF, false, &r), LOCKDEP_OK);
	drop(&c, &a);
	KT_ASSERT_EQ(lockdep_acquire(g, &c, &b, 3, PROC_ON, false, &r), LOCKDEP_OK);
	drop(&c, &b);
	KT_ASSERT_EQ(lockdep_acquire(g, &c, &b, 4, IRQ, false, &r), LOCKDEP_IRQ_UNSAFE);
	KT_EXPECT_STREQ(r.name, "b");
	KT_EXPECT_EQ(r.other_ip, 3);
	free(g);
}

KTEST(lockdep, wait_under_a_lock)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 };
	struct lockdep_report r;
	spinlock_t a = LOCK("a"), b = LOCK("b");

	KT_EXPECT_EQ(lockdep_check_none_held(&c, &r), LOCKDEP_OK);
	take(g, &c, &a, 1, &r);
	take(g, &c, &b, 2, &r);
	KT_ASSERT_EQ(lockdep_check_none_held(&c, &r), LOCKDEP_HELD_WAIT);
	KT_EXPECT_STREQ(r.name, "b");
	KT_EXPECT_EQ(r.other_ip, 2);
	drop(&c, &b);
	drop(&c, &a);
	KT_EXPECT_EQ(lockdep_check_none_held(&c, &r), LOCKDEP_OK);
	free(g);
}

KTEST(lockdep, tables_fill_without_overflow)
{
	struct lockdep_graph *g = new_graph();
	struct lockdep_cpu c = { 0 };
	struct lockdep_report r;
	static char names[LOCKDEP_MAX_CLASSES + 8][8];
	static spinlock_t locks[LOCKDEP_MAX_CLASSES + 8];
	enum lockdep_bug bug = LOCKDEP_OK;
	unsigned i;

	for (i = 0; i < LOCKDEP_MAX_CLASSES + 8 && bug == LOCKDEP_OK; i++) {
		snprintf(names[i], sizeof(names[i]), "l%u", i);
		locks[i] = (spinlock_t)LOCK(names[i]);
		bug = take(g, &c, &locks[i], i + 1, &r);
		if (bug == LOCKDEP_OK)
			drop(&c, &locks[i]);
	}
	KT_EXPECT_EQ(bug, LOCKDEP_FULL);
	KT_EXPECT_EQ(i, LOCKDEP_MAX_CLASSES + 1);
	KT_EXPECT(g->full);
	/* depth is bounded too */
	lockdep_graph_init(g);
	for (i = 0; i <= LOCKDEP_MAX_DEPTH; i++)
		locks[i].dep_class = 0;	/* classes of the old graph */
	for (i = 0; i < LOCKDEP_MAX_DEPTH; i++)
		KT_ASSERT_EQ(take(g, &c, &locks[i], i + 1, &r), LOCKDEP_OK);
	KT_EXPECT_EQ(take(g, &c, &locks[i], i + 1, &r), LOCKDEP_TOO_DEEP);
	KT_EXPECT_EQ(c.depth, LOCKDEP_MAX_DEPTH);
	free(g);
}
