/*
 * lockdep.c - the lock.debug checker's pure core (kernel/lockdep.h): lock
 * classes by name, the order graph learned as locks nest, each CPU's held
 * stack. No hardware and no locking of its own: kernel/spinlock.c calls it
 * under its graph lock and prints the reports; tests/unit/test_lockdep.c
 * builds it for the host.
 *
 * The graph is a bit matrix of "to was taken while from was held"; before
 * an order from -> to is added, a breadth-first walk from `to` looks for
 * `from`: finding it means the new order closes a cycle, an inversion.
 * Walks are over at most LOCKDEP_MAX_CLASSES nodes, in debug mode only.
 */
#include "compiler.h"
#include "lib.h"
#include "lockdep.h"

void lockdep_graph_init(struct lockdep_graph *g)
{
	memset(g, 0, sizeof(*g));
}

const char *lockdep_bug_name(enum lockdep_bug bug)
{
	switch (bug) {
	case LOCKDEP_OK:		return "ok";
	case LOCKDEP_RECURSION:		return "lock taken twice on one CPU";
	case LOCKDEP_INVERSION:		return "lock order inversion";
	case LOCKDEP_NOT_HELD:		return "unlock of a lock not held";
	case LOCKDEP_IRQ_UNSAFE:	return "lock taken in an interrupt handler and with interrupts enabled";
	case LOCKDEP_HELD_WAIT:		return "waiting for I/O while holding a spinlock";
	case LOCKDEP_TOO_DEEP:		return "too many locks held";
	case LOCKDEP_FULL:		return "lock class or order table full";
	}
	return "?";
}

static bool has_order(const struct lockdep_graph *g, unsigned from, unsigned to)
{
	return g->after[from][to / 64] & BIT(to % 64);
}

/* The class of lock, found by name and cached in the lock; -1 when full. */
static int lock_class(struct lockdep_graph *g, spinlock_t *lock)
{
	const char *name = lock->name ? lock->name : "?";
	unsigned i;

	if (lock->dep_class)
		return lock->dep_class - 1;
	for (i = 0; i < g->nclasses; i++)
		if (!strcmp(g->names[i], name))
			break;
	if (i == g->nclasses) {
		if (g->nclasses == LOCKDEP_MAX_CLASSES)
			return -1;
		g->names[g->nclasses++] = name;
	}
	lock->dep_class = (u16)(i + 1);
	return (int)i;
}

static unsigned long edge_ip(const struct lockdep_graph *g, unsigned from, unsigned to)
{
	for (unsigned i = 0; i < g->nedges; i++)
		if (g->edges[i].from == from && g->edges[i].to == to)
			return g->edges[i].ip;
	return 0;
}

/*
 * A path start -> ... -> goal through recorded orders, into r's chain.
 * Returns false when there is none.
 */
static bool find_path(const struct lockdep_graph *g, unsigned start, unsigned goal,
		      struct lockdep_report *r)
{
	u16 parent[LOCKDEP_MAX_CLASSES];
	u16 queue[LOCKDEP_MAX_CLASSES];
	u64 seen[LOCKDEP_CLASS_WORDS] = { 0 };
	unsigned head = 0, tail = 0, path[LOCKDEP_MAX_CLASSES], n = 0;

	queue[tail++] = (u16)start;
	seen[start / 64] |= BIT(start % 64);
	parent[start] = (u16)start;
	while (head < tail) {
		unsigned u = queue[head++];

		if (u == goal)
			break;
		for (unsigned v = 0; v < g->nclasses; v++) {
			if (!has_order(g, u, v) || (seen[v / 64] & BIT(v % 64)))
				continue;
			seen[v / 64] |= BIT(v % 64);
			parent[v] = (u16)u;
			queue[tail++] = (u16)v;
		}
	}
	if (!(seen[goal / 64] & BIT(goal % 64)))
		return false;
	for (unsigned v = goal; ; v = parent[v]) {
		path[n++] = v;
		if (v == start)
			break;
	}
	/* path is goal..start backwards; the chain runs start -> goal */
	r->chain_len = 0;
	r->chain_cut = n - 1 > LOCKDEP_MAX_CHAIN;
	r->chain[0] = g->names[start];
	for (unsigned i = n - 1; i > 0 && r->chain_len < LOCKDEP_MAX_CHAIN; i--) {
		r->chain_ip[r->chain_len] = edge_ip(g, path[i], path[i - 1]);
		r->chain[++r->chain_len] = g->names[path[i - 1]];
	}
	return true;
}

static void add_order(struct lockdep_graph *g, unsigned from, unsigned to, unsigned long ip)
{
	if (has_order(g, from, to))
		return;
	if (g->nedges == LOCKDEP_MAX_EDGES) {
		g->full = true;
		return;
	}
	g->after[from][to / 64] |= BIT(to % 64);
	g->edges[g->nedges++] = (struct lockdep_edge){
		.from = (u16)from, .to = (u16)to, .ip = ip,
	};
}

static enum lockdep_bug report(struct lockdep_report *r, enum lockdep_bug bug,
			       const spinlock_t *lock, const struct lockdep_held *other)
{
	r->bug = bug;
	r->name = lock && lock->name ? lock->name : "?";
	r->other = other && other->lock->name ? other->lock->name : NULL;
	r->other_ip = other ? other->ip : 0;
	return bug;
}

static enum lockdep_bug check_irq_usage(struct lockdep_graph *g, unsigned cls,
					spinlock_t *lock, unsigned long ip,
					struct lockdep_ctx ctx, struct lockdep_report *r)
{
	unsigned long *mine, *theirs;
	struct lockdep_held other;

	if (ctx.irq_level) {
		mine = &g->irq_ip[cls];
		theirs = &g->irqs_on_ip[cls];
	} else if (ctx.irqs_on) {
		mine = &g->irqs_on_ip[cls];
		theirs = &g->irq_ip[cls];
	} else {
		return LOCKDEP_OK;
	}
	if (!*mine)
		*mine = ip;
	if (!*theirs)
		return LOCKDEP_OK;
	/* the other use, reported as the conflicting "held" place */
	other = (struct lockdep_held){ .lock = lock, .ip = *theirs };
	r->chain_len = 0;
	return report(r, LOCKDEP_IRQ_UNSAFE, lock, &other);
}

enum lockdep_bug lockdep_acquire(struct lockdep_graph *g, struct lockdep_cpu *c,
				 spinlock_t *lock, unsigned long ip,
				 struct lockdep_ctx ctx, bool trylock,
				 struct lockdep_report *r)
{
	enum lockdep_bug bug;
	int cls;

	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < c->depth; i++)
		if (c->held[i].lock == lock && !trylock)
			return report(r, LOCKDEP_RECURSION, lock, &c->held[i]);
	if (c->depth == LOCKDEP_MAX_DEPTH)
		return report(r, LOCKDEP_TOO_DEEP, lock, &c->held[c->depth - 1]);
	cls = lock_class(g, lock);
	if (cls < 0) {
		g->full = true;
		return report(r, LOCKDEP_FULL, lock, NULL);
	}
	if (!trylock && !g->full) {
		bug = check_irq_usage(g, (unsigned)cls, lock, ip, ctx, r);
		if (bug)
			return bug;
		for (unsigned i = 0; i < c->depth; i++) {
			const struct lockdep_held *h = &c->held[i];

			if (h->irq_level != ctx.irq_level || h->cls == cls)
				continue;
			if (find_path(g, (unsigned)cls, h->cls, r))
				return report(r, LOCKDEP_INVERSION, lock, h);
		}
		for (unsigned i = 0; i < c->depth; i++) {
			const struct lockdep_held *h = &c->held[i];

			if (h->irq_level == ctx.irq_level && h->cls != cls)
				add_order(g, h->cls, (unsigned)cls, ip);
		}
	}
	c->held[c->depth++] = (struct lockdep_held){
		.lock = lock, .cls = (u16)cls, .irq_level = (u16)ctx.irq_level, .ip = ip,
	};
	return LOCKDEP_OK;
}

enum lockdep_bug lockdep_release(struct lockdep_cpu *c, const spinlock_t *lock,
				 struct lockdep_report *r)
{
	memset(r, 0, sizeof(*r));
	for (unsigned i = c->depth; i-- > 0;) {
		if (c->held[i].lock != lock)
			continue;
		for (unsigned j = i; j + 1 < c->depth; j++)
			c->held[j] = c->held[j + 1];
		c->depth--;
		return LOCKDEP_OK;
	}
	return report(r, LOCKDEP_NOT_HELD, lock, NULL);
}

enum lockdep_bug lockdep_check_none_held(const struct lockdep_cpu *c,
					 struct lockdep_report *r)
{
	memset(r, 0, sizeof(*r));
	if (!c->depth)
		return LOCKDEP_OK;
	return report(r, LOCKDEP_HELD_WAIT, c->held[c->depth - 1].lock,
		      &c->held[c->depth - 1]);
}
