/*
 * spinlock.c - spinlocks (include/spinlock.h): a test-and-test-and-set
 * lock on one word, xchg to take it (a locked instruction, a full barrier;
 * Intel SDM vol. 3A, 8.2.2) and a plain store to release it (x86 stores are
 * not reordered with older loads or stores). PAUSE in the spin loop.
 *
 * The uncontended path is inline in include/spinlock.h: one xchg, the
 * owner and a counter written under the lock, and one predictable branch
 * on lock_debug. Here are the slow paths. The contended one counts the
 * contention and watches the TSC: past lock.timeout_ms it reports a
 * suspected deadlock with the holding CPU and panics.
 *
 * lock.debug=1 hands every acquisition and release to the pure checker
 * (kernel/lockdep.c) under a raw lock of its own, with interrupts off; a
 * bug it finds switches checking off (the report itself takes locks),
 * prints what it knows and a backtrace, and panics.
 */
#include "compiler.h"
#include "cmdline.h"
#include "cpu.h"
#include "irq.h"
#include "lib.h"
#include "lockdep.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"
#include "spinlock.h"
#include "time.h"

bool lock_debug;
/* TSC ticks a spin may last; a generous guess until the TSC is calibrated */
static u64 lock_timeout_tsc = 8000000000ULL;
static u64 lock_timeout_ms = 1000;

static u32 graph_lock;			/* raw: protects lockdep_graph */
static struct lockdep_graph lockdep_graph;
static struct lockdep_cpu lockdep_cpus[NR_CPUS];
static u32 order_full_warned;

extern spinlock_t __start_spinlock_set[], __stop_spinlock_set[];

static void raw_lock(u32 *word)
{
	while (spin_xchg(word, 1))
		while (__atomic_load_n(word, __ATOMIC_RELAXED))
			cpu_relax();
}

static void raw_unlock(u32 *word)
{
	__atomic_store_n(word, 0, __ATOMIC_RELEASE);
}

void spin_lock_init(spinlock_t *lock, const char *name)
{
	lock->locked = 0;
	lock->owner = ~0U;
	lock->name = name;
	lock->acquired = 0;
	lock->contended = 0;
	lock->dep_class = 0;
}

void spinlock_init(void)
{
	lock_timeout_ms = kernel_param_u64("lock.timeout_ms", 1000);
	if (!lock_timeout_ms) {
		pr_warn("lock: lock.timeout_ms=0 is no timeout; using 1000\n");
		lock_timeout_ms = 1000;
	}
	if (tsc_khz)
		lock_timeout_tsc = tsc_khz * lock_timeout_ms;
	lockdep_graph_init(&lockdep_graph);
	lock_debug = kernel_param_bool("lock.debug", false);
	if (lock_debug)
		pr_info("lock: lock.debug=1: held-lock stacks, order, recursion and "
			"wait checks on\n");
}

static void print_held(unsigned cpu)
{
	const struct lockdep_cpu *c = &lockdep_cpus[cpu];

	for (unsigned i = 0; i < c->depth && i < LOCKDEP_MAX_DEPTH; i++) {
		u64 off;
		const char *sym = ksym_lookup(c->held[i].ip, &off);

		pr_emerg("lock:   cpu%u holds '%s' taken at %s+0x%llx\n", cpu,
			 c->held[i].lock->name, sym ? sym : "?",
			 (unsigned long long)off);
	}
}

static const char *sym_of(unsigned long ip, char *buf, size_t len)
{
	u64 off;
	const char *sym = ksym_lookup(ip, &off);

	if (!ip)
		return "?";
	snprintf(buf, len, "%s+0x%llx", sym ? sym : "?", (unsigned long long)off);
	return buf;
}

/* Checking stops at the first bug; report it and stop the kernel. */
static void __noreturn lockdep_fail(const struct lockdep_report *r, const char *why)
{
	unsigned cpu = smp_processor_id();
	char a[96], b[96];

	lock_debug = false;
	printk_panic_mode();	/* the report may be about printk's own lock */
	pr_emerg("lock.debug: BUG: %s on cpu%u\n", lockdep_bug_name(r->bug), cpu);
	switch (r->bug) {
	case LOCKDEP_RECURSION:
		pr_emerg("lock.debug: '%s' taken again, already held since %s\n",
			 r->name, sym_of(r->other_ip, a, sizeof(a)));
		break;
	case LOCKDEP_INVERSION:
		pr_emerg("lock.debug: '%s' taken while holding '%s' (taken at %s)\n",
			 r->name, r->other, sym_of(r->other_ip, a, sizeof(a)));
		pr_emerg("lock.debug: but the order '%s' -> '%s' was seen before:\n",
			 r->name, r->other);
		for (unsigned i = 0; i < r->chain_len; i++)
			pr_emerg("lock.debug:   '%s' -> '%s' at %s\n", r->chain[i],
				 r->chain[i + 1], sym_of(r->chain_ip[i], b, sizeof(b)));
		if (r->chain_cut)
			pr_emerg("lock.debug:   ... (longer chain cut)\n");
		break;
	case LOCKDEP_NOT_HELD:
		pr_emerg("lock.debug: '%s' released but this CPU does not hold it\n",
			 r->name);
		break;
	case LOCKDEP_IRQ_UNSAFE:
		pr_emerg("lock.debug: '%s' is taken in an interrupt handler and with "
			 "interrupts enabled (other use at %s): use spin_lock_irqsave\n",
			 r->name, sym_of(r->other_ip, a, sizeof(a)));
		break;
	case LOCKDEP_HELD_WAIT:
		pr_emerg("lock.debug: %s while holding '%s' (taken at %s)\n", why,
			 r->name, sym_of(r->other_ip, a, sizeof(a)));
		break;
	default:
		pr_emerg("lock.debug: '%s'\n", r->name);
		break;
	}
	print_held(cpu);
	panic("lock.debug: %s", lockdep_bug_name(r->bug));
}

static struct lockdep_ctx lockdep_context(bool irqs_on)
{
	return (struct lockdep_ctx){ .irq_level = this_cpu_read(irq_depth), .irqs_on = irqs_on };
}

static void __noinline lockdep_acquire_slow(spinlock_t *lock, unsigned long ip, bool trylock)
{
	bool irqs_on = irqs_enabled();
	unsigned long flags = local_irq_save();
	struct lockdep_report r;
	enum lockdep_bug bug;

	raw_lock(&graph_lock);
	bug = lockdep_acquire(&lockdep_graph, &lockdep_cpus[smp_processor_id()], lock, ip,
			      lockdep_context(irqs_on), trylock, &r);
	raw_unlock(&graph_lock);
	if (bug == LOCKDEP_FULL) {
		/* no room for a new class: the stacks would miss it, so stop */
		lock_debug = false;
		local_irq_restore(flags);
		pr_warn("lock.debug: more than %u lock classes (at '%s'): checking off\n",
			LOCKDEP_MAX_CLASSES, r.name);
		return;
	}
	if (bug)
		lockdep_fail(&r, NULL);
	local_irq_restore(flags);
	/* orders stop being learned when their table fills; say so once */
	if (unlikely(READ_ONCE(lockdep_graph.full)) && !spin_xchg(&order_full_warned, 1))
		pr_warn("lock.debug: %u lock orders learned, the table is full: no more are checked\n",
			LOCKDEP_MAX_EDGES);
}

static void __noinline lockdep_release_slow(spinlock_t *lock)
{
	unsigned long flags = local_irq_save();
	struct lockdep_report r;

	if (lockdep_release(&lockdep_cpus[smp_processor_id()], lock, &r))
		lockdep_fail(&r, NULL);
	local_irq_restore(flags);
}

static void __noreturn spin_deadlock(spinlock_t *lock, u64 spun)
{
	unsigned me = smp_processor_id(), owner = READ_ONCE(lock->owner);

	/* the report must not spin on what may be the stuck lock */
	lock_debug = false;
	printk_panic_mode();
	pr_emerg("lock: suspected deadlock: cpu%u spun %llu ms on '%s' held by cpu%d\n",
		 me, (unsigned long long)(tsc_khz ? spun / tsc_khz : 0), lock->name,
		 owner == ~0U ? -1 : (int)owner);
	if (owner < NR_CPUS)
		print_held(owner);
	if (owner != me)
		print_held(me);
	panic("lock: suspected deadlock on '%s'", lock->name);
}

void spin_lock_contended(spinlock_t *lock)
{
	u64 start = rdtsc();
	unsigned spins = 0;

	__atomic_fetch_add(&lock->contended, 1, __ATOMIC_RELAXED);
	do {
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED)) {
			cpu_relax();
			if (!(++spins & 0x3ff)) {
				u64 spun = rdtsc() - start;

				if (spun > lock_timeout_tsc)
					spin_deadlock(lock, spun);
			}
		}
	} while (spin_xchg(&lock->locked, 1));
}

/* lock.debug=1: check (before spinning), then take it. */
void spin_lock_debug(spinlock_t *lock, unsigned long ip)
{
	lockdep_acquire_slow(lock, ip, false);
	if (unlikely(spin_xchg(&lock->locked, 1)))
		spin_lock_contended(lock);
}

void spin_trylock_debug(spinlock_t *lock, unsigned long ip)
{
	lockdep_acquire_slow(lock, ip, true);
}

void spin_unlock_debug(spinlock_t *lock)
{
	lockdep_release_slow(lock);
}

void lock_assert_none_held(const char *why)
{
	struct lockdep_report r;
	unsigned long flags;

	if (likely(!lock_debug))
		return;
	flags = local_irq_save();
	if (lockdep_check_none_held(&lockdep_cpus[smp_processor_id()], &r))
		lockdep_fail(&r, why);
	local_irq_restore(flags);
}

unsigned lock_held_count(void)
{
	unsigned long flags = local_irq_save();
	unsigned n = lock_debug ? lockdep_cpus[smp_processor_id()].depth : 0;

	local_irq_restore(flags);
	return n;
}

void spinlock_for_each(void (*fn)(const spinlock_t *lock, void *arg), void *arg)
{
	for (spinlock_t *l = __start_spinlock_set; l < __stop_spinlock_set; l++)
		fn(l, arg);
}

void lock_order_for_each(void (*fn)(const char *before, const char *after,
				    unsigned long ip, void *arg), void *arg)
{
	struct lockdep_edge edges[64];
	const char *names[64][2];
	unsigned long flags;
	unsigned n, done = 0;

	/* copied out a batch at a time: fn prints, which takes locks */
	do {
		flags = local_irq_save();
		raw_lock(&graph_lock);
		n = 0;
		for (unsigned i = done; i < lockdep_graph.nedges && n < 64; i++, n++) {
			edges[n] = lockdep_graph.edges[i];
			names[n][0] = lockdep_graph.names[edges[n].from];
			names[n][1] = lockdep_graph.names[edges[n].to];
		}
		raw_unlock(&graph_lock);
		local_irq_restore(flags);
		for (unsigned i = 0; i < n; i++)
			fn(names[i][0], names[i][1], edges[i].ip, arg);
		done += n;
	} while (n == 64);
}
