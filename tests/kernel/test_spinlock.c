/*
 * test_spinlock.c - in-guest tests of spinlocks (`selftest lock.`).
 *
 * The torture test hammers one counter under one lock from every online
 * CPU at once (smp_call_function() starts the others, the caller joins in)
 * and, as the second party that is always there, from the timer interrupt
 * on this CPU, which takes the same lock with spin_lock_irqsave() as an
 * interrupt handler must. Each increment is a read, a pause and a write,
 * so any overlap of two holders loses updates: the total must be exactly
 * the sum of what every party counted, and the timer must have hit during
 * the run (else nothing was tested). On one CPU a process-context holder
 * that did not mask interrupts would be spun on by the handler forever
 * (the deadlock timeout would say so). The counters of the lock must agree.
 *
 * Also: trylock fails on a held lock and succeeds on a free one, and with
 * lock.debug=1 the held-lock stack follows nesting and release out of
 * order.
 */
#include "cpu.h"
#include "ktest.h"
#include "lib.h"
#include "smp.h"
#include "spinlock.h"
#include "time.h"
#include "timer.h"

static DEFINE_SPINLOCK(torture_lock);

static struct {
	u64 counter;			/* under torture_lock */
	u64 end_tsc;			/* the window's planned end */
	u64 cap_tsc;			/* its hard end */
	bool stop;			/* set by the leader: every party stops */
	u64 per_cpu[NR_CPUS];		/* increments each CPU made */
	u64 timer_hits;			/* increments the timer made */
	u32 arrived;			/* parties ready to start (atomic) */
	u32 done;			/* parties finished (atomic) */
	bool timer_stop;
	struct timer timer;
} tt;

static void torture_bump(void)
{
	u64 v = READ_ONCE(tt.counter);

	cpu_relax();		/* a window another holder would fall into */
	cpu_relax();
	WRITE_ONCE(tt.counter, v + 1);
}

/*
 * The others follow the leader's stop. The leader (CPU 0) stops everyone
 * after the planned window once the timer has hit twice, or at the hard
 * cap: a busy host may run a vCPU's ticks late.
 */
static bool torture_over(bool leader)
{
	if (!leader)
		return READ_ONCE(tt.stop);
	if (rdtsc() < tt.end_tsc)
		return false;
	if (READ_ONCE(tt.timer_hits) >= 2 || rdtsc() >= tt.cap_tsc) {
		WRITE_ONCE(tt.stop, true);
		return true;
	}
	return false;
}

/* One party: arg is non-NULL for the leader. */
static void torture_work(void *arg)
{
	unsigned cpu = smp_processor_id();
	u64 n = 0;

	/* start together: a CPU reached late by its IPI (a busy host runs
	 * vCPUs when it can) still gets the whole window */
	__atomic_fetch_add(&tt.arrived, 1, __ATOMIC_RELEASE);
	while (!READ_ONCE(tt.end_tsc))
		cpu_relax();
	for (;;) {
		unsigned long flags;

		if (torture_over(arg != NULL))
			break;
		flags = spin_lock_irqsave(&torture_lock);
		torture_bump();
		spin_unlock_irqrestore(&torture_lock, flags);
		n++;
	}
	tt.per_cpu[cpu] = n;
	__atomic_fetch_add(&tt.done, 1, __ATOMIC_RELEASE);
}

static void torture_timer_fn(struct timer *t, void *arg)
{
	unsigned long flags = spin_lock_irqsave(&torture_lock);

	torture_bump();
	tt.timer_hits++;
	spin_unlock_irqrestore(&torture_lock, flags);
	if (!READ_ONCE(tt.timer_stop))
		timer_add(t, ktime_ns(), torture_timer_fn, NULL);	/* next tick */
}

KTEST(lock, torture_counter)
{
	unsigned cpus = num_online_cpus(), cpu;
	u64 ticks_ns, sum = 0, acquired0;
	u64 deadline;

	if (!timer_ticking() || !irqs_enabled() || !tsc_khz) {
		ktest_fail(__FILE__, __LINE__, "needs the tick, interrupts and the TSC");
		return;
	}
	memset(&tt.per_cpu, 0, sizeof(tt.per_cpu));
	tt.counter = 0;
	tt.timer_hits = 0;
	tt.done = 0;
	tt.arrived = 0;
	tt.end_tsc = 0;
	tt.stop = false;
	tt.timer_stop = false;
	acquired0 = torture_lock.acquired;
	/* long enough for several ticks: the interrupt is a party */
	ticks_ns = 6ULL * 1000000000ULL / (timer_hz ? timer_hz : 100);
	smp_call_function(torture_work, NULL, false);
	deadline = ktime_ns() + 5000000000ULL;
	while (READ_ONCE(tt.arrived) < cpus - 1 && ktime_ns() < deadline)
		cpu_relax();
	if (READ_ONCE(tt.arrived) < cpus - 1) {
		WRITE_ONCE(tt.stop, true);	/* release whoever came: the window is over */
		WRITE_ONCE(tt.end_tsc, 1);
		KT_ASSERT_EQ(READ_ONCE(tt.arrived), cpus - 1);
	}
	timer_add(&tt.timer, ktime_ns(), torture_timer_fn, NULL);
	tt.cap_tsc = rdtsc() + 3000ULL * tsc_khz;	/* 3 s */
	WRITE_ONCE(tt.end_tsc, rdtsc() + ticks_ns / 1000 * tsc_khz / 1000);
	torture_work(&tt);
	deadline = ktime_ns() + 5000000000ULL;
	while (READ_ONCE(tt.done) < cpus && ktime_ns() < deadline)
		cpu_relax();
	WRITE_ONCE(tt.timer_stop, true);
	timer_del(&tt.timer);
	KT_ASSERT_EQ(READ_ONCE(tt.done), cpus);
	for_each_online_cpu(cpu) {
		KT_EXPECT(tt.per_cpu[cpu] > 0);
		sum += tt.per_cpu[cpu];
	}
	KT_EXPECT(tt.timer_hits >= 2);
	KT_EXPECT_EQ(tt.counter, sum + tt.timer_hits);
	KT_EXPECT_EQ(torture_lock.acquired - acquired0, sum + tt.timer_hits);
	KT_EXPECT(!spin_is_locked(&torture_lock));
	ktest_log("%u CPUs, %llu increments, %llu from the timer, %llu contended",
		   cpus, (unsigned long long)tt.counter,
		   (unsigned long long)tt.timer_hits,
		   (unsigned long long)torture_lock.contended);
}

static DEFINE_SPINLOCK(test_lock_a);
static DEFINE_SPINLOCK(test_lock_b);

KTEST(lock, trylock_and_held_stack)
{
	unsigned base = lock_held_count();

	KT_ASSERT(spin_trylock(&test_lock_a));
	KT_EXPECT(spin_is_locked(&test_lock_a));
	KT_EXPECT(!spin_trylock(&test_lock_a));
	KT_EXPECT_EQ(test_lock_a.owner, smp_processor_id());
	spin_lock(&test_lock_b);
	if (lock_debug)
		KT_EXPECT_EQ(lock_held_count(), base + 2);
	spin_unlock(&test_lock_a);		/* out of order is allowed */
	if (lock_debug)
		KT_EXPECT_EQ(lock_held_count(), base + 1);
	KT_EXPECT(!spin_is_locked(&test_lock_a));
	KT_EXPECT_EQ(test_lock_a.owner, ~0U);
	spin_unlock(&test_lock_b);
	KT_EXPECT_EQ(lock_held_count(), base);
	KT_EXPECT_EQ(base, 0);
}
