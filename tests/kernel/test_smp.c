/*
 * test_smp.c - in-guest tests of the application processors: call-function
 * IPI round trips (waiting, not waiting, to all), smp_run_on() in thread
 * context, kmap_atomic_pfn_t() from every CPU at once on its own pages,
 * a mapping used on another CPU caught (unmap always; a copy through it
 * under kmap.debug=1), and iounmap() shooting the mapping down on the
 * other CPUs (QEMU keeps a TLB per vCPU, so a missing shootdown shows). Each test needs a second online CPU (--smp 2 or
 * more) and skips without one.
 */
#include "cmdline.h"
#include "copy.h"
#include "cpu.h"
#include "errno.h"
#include "irq.h"
#include "ktest.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "smp.h"
#include "time.h"

static bool need_two_cpus(void)
{
	if (num_online_cpus() < 2) {
		ktest_skip("one CPU online");
		return false;
	}
	return true;
}

struct where {
	unsigned cpu;
	bool in_irq, irqs_on;
	u32 count;
};

static void record_where(void *arg)
{
	struct where *w = arg;

	w->cpu = smp_processor_id();
	w->in_irq = in_interrupt();
	w->irqs_on = irqs_enabled();
	__atomic_add_fetch(&w->count, 1, __ATOMIC_RELAXED);
}

static void count_call(void *arg)
{
	__atomic_add_fetch((u32 *)arg, 1, __ATOMIC_RELAXED);
}

KTEST(smp, ipi_round_trips)
{
	unsigned cpu;

	if (!need_two_cpus())
		return;
	for_each_online_cpu(cpu) {
		struct where w = { ~0U, false, true, 0 };
		u64 t0, ns;

		if (cpu == smp_processor_id())
			continue;
		t0 = rdtsc();
		for (int i = 0; i < 200; i++)
			KT_ASSERT_EQ(smp_call_function_single(cpu, record_where, &w, true), 0);
		ns = tsc_to_ns(rdtsc() - t0) / 200;
		KT_EXPECT_EQ(w.count, 200);
		KT_EXPECT_EQ(w.cpu, cpu);
		KT_EXPECT(w.in_irq);
		KT_EXPECT(!w.irqs_on);
		ktest_log("cpu%u: round trip %llu ns", cpu, (unsigned long long)ns);
		KT_EXPECT(per_cpu(cpu)->ipis >= 200);
	}
}

KTEST(smp, ipi_no_wait_then_wait)
{
	unsigned cpu;

	if (!need_two_cpus())
		return;
	for_each_online_cpu(cpu) {
		u32 n = 0;

		if (cpu == smp_processor_id())
			continue;
		for (int i = 0; i < 500; i++)
			KT_ASSERT_EQ(smp_call_function_single(cpu, count_call, &n, false), 0);
		/* calls to one CPU run in the order sent: this one runs last */
		KT_ASSERT_EQ(smp_call_function_single(cpu, count_call, &n, true), 0);
		KT_EXPECT_EQ(__atomic_load_n(&n, __ATOMIC_ACQUIRE), 501);
	}
}

static void count_per_cpu(void *arg)
{
	__atomic_add_fetch(&((u32 *)arg)[smp_processor_id()], 1, __ATOMIC_RELAXED);
}

KTEST(smp, call_function_all)
{
	u32 hits[NR_CPUS] = { 0 };
	unsigned cpu;

	if (!need_two_cpus())
		return;
	smp_call_function(count_per_cpu, hits, true);
	for (cpu = 0; cpu < NR_CPUS; cpu++)
		KT_EXPECT_EQ(hits[cpu], cpu_online(cpu) && cpu != smp_processor_id() ? 1 : 0);
}

KTEST(smp, call_refusals)
{
	u32 n = 0;

	KT_EXPECT_EQ(smp_call_function_single(NR_CPUS, count_call, &n, true), -EINVAL);
	KT_EXPECT_EQ(smp_call_function_single(num_present_cpus(), count_call, &n, true),
		     num_present_cpus() < NR_CPUS ? -EINVAL : 0);
	for (unsigned cpu = 0; cpu < num_present_cpus(); cpu++)
		if (!cpu_online(cpu))
			KT_EXPECT_EQ(smp_call_function_single(cpu, count_call, &n, true), -ENODEV);
	KT_EXPECT_EQ(smp_call_function_single(smp_processor_id(), count_call, &n, true), 0);
	KT_EXPECT_EQ(n, 1);
}

static int run_where(void *arg)
{
	record_where(arg);
	return 100 + (int)smp_processor_id();
}

KTEST(smp, run_on_thread_context)
{
	unsigned cpu;

	if (!need_two_cpus())
		return;
	for_each_online_cpu(cpu) {
		struct where w = { ~0U, true, false, 0 };
		int ret = -1;

		KT_ASSERT_EQ(smp_run_on(cpu, run_where, &w, &ret), 0);
		KT_EXPECT_EQ(ret, 100 + (int)cpu);
		KT_EXPECT_EQ(w.cpu, cpu);
		KT_EXPECT(!w.in_irq);
		KT_EXPECT(w.irqs_on);
	}
	KT_EXPECT_EQ(smp_run_on(NR_CPUS, run_where, NULL, NULL), -EINVAL);
}

/* ---- kmap from every CPU ---- */

#define KMAP_PAGES_PER_CPU	16
#define KMAP_ROUNDS		300

struct kmap_storm {
	const struct memmap_region *reg;
	u32 errors[NR_CPUS];
	u32 rounds[NR_CPUS];
	u32 finished;
};

/* Map, write a value only this CPU writes, read it back, restore, unmap:
 * another CPU's mapping at the same moment must never show through. */
static void kmap_storm_cpu(void *arg)
{
	struct kmap_storm *s = arg;
	unsigned cpu = smp_processor_id();
	u64 first = cpu * KMAP_PAGES_PER_CPU;

	for (u32 r = 0; r < KMAP_ROUNDS; r++) {
		for (u64 i = 0; i < KMAP_PAGES_PER_CPU; i++) {
			u64 pa = s->reg->base + (first + i) * PAGE_SIZE;
			u64 *a = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(pa));
			u64 pb = s->reg->base + (first + (i + 1) % KMAP_PAGES_PER_CPU) * PAGE_SIZE;
			u64 *b = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(pb));
			u64 want = ((u64)cpu << 48) | ((u64)r << 16) | i, saved;

			if (!a || !b) {
				s->errors[cpu]++;
				if (b)
					kunmap_atomic_pfn_t(b);
				if (a)
					kunmap_atomic_pfn_t(a);
				return;
			}
			saved = a[7];
			WRITE_ONCE(a[7], want);
			if (READ_ONCE(a[7]) != want)
				s->errors[cpu]++;
			a[7] = saved;
			kunmap_atomic_pfn_t(b);
			kunmap_atomic_pfn_t(a);
		}
		s->rounds[cpu]++;
	}
	__atomic_add_fetch(&s->finished, 1, __ATOMIC_RELEASE);
}

KTEST(smp, kmap_all_cpus_at_once)
{
	static struct kmap_storm s;
	unsigned cpu, others = 0;
	u64 t0;

	if (!need_two_cpus())
		return;
	memset(&s, 0, sizeof(s));
	s.reg = memmap_region(0);
	if (!s.reg) {
		ktest_skip("no persistent region");
		return;
	}
	KT_ASSERT(s.reg->size >= NR_CPUS * KMAP_PAGES_PER_CPU * PAGE_SIZE);
	for_each_online_cpu(cpu)
		others += cpu != smp_processor_id();
	smp_call_function(kmap_storm_cpu, &s, false);
	kmap_storm_cpu(&s);
	t0 = rdtsc();
	while (__atomic_load_n(&s.finished, __ATOMIC_ACQUIRE) < others + 1 &&
	       tsc_to_ns(rdtsc() - t0) < 20000000000ULL)
		cpu_relax();
	KT_EXPECT_EQ(__atomic_load_n(&s.finished, __ATOMIC_ACQUIRE), others + 1);
	for_each_online_cpu(cpu) {
		KT_EXPECT_EQ(s.errors[cpu], 0);
		KT_EXPECT_EQ(s.rounds[cpu], KMAP_ROUNDS);
		KT_EXPECT_EQ(per_cpu(cpu)->self, per_cpu(cpu));
	}
	ktest_log("%u CPUs x %u rounds x %u pages%s", others + 1, KMAP_ROUNDS,
		  KMAP_PAGES_PER_CPU,
		  kernel_param_bool("kmap.debug", false) ? ", kmap.debug=1" : "");
	KT_EXPECT_EQ(kmap_slots_in_use(), 0);
}

/* kmap_atomic_pfn_t()/kunmap_atomic_pfn_t() invalidate locally: a
 * thousand pairs on this CPU send no other CPU a single IPI. */
KTEST(smp, kmap_sends_no_ipi)
{
	const struct memmap_region *reg = memmap_region(0);
	u64 before[NR_CPUS], sent = 0;
	unsigned cpu;

	if (!need_two_cpus())
		return;
	if (!reg) {
		ktest_skip("no persistent region");
		return;
	}
	for (cpu = 0; cpu < NR_CPUS; cpu++)
		before[cpu] = READ_ONCE(per_cpu(cpu)->ipis);
	for (int i = 0; i < 1000; i++) {
		u64 *va = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(reg->base + (i % 64) * PAGE_SIZE));

		KT_ASSERT(va != NULL);
		(void)READ_ONCE(va[0]);
		kunmap_atomic_pfn_t(va);
	}
	for (cpu = 0; cpu < NR_CPUS; cpu++)
		sent += READ_ONCE(per_cpu(cpu)->ipis) - before[cpu];
	KT_EXPECT_EQ(sent, 0);
}

/* ---- a mapping used on another CPU ---- */

static char bug_msg[160];
static u32 bugs;

static void note_bug(const char *msg)
{
	strlcpy(bug_msg, msg, sizeof(bug_msg));
	__atomic_add_fetch(&bugs, 1, __ATOMIC_RELEASE);
}

static void unmap_elsewhere(void *va)
{
	kunmap_atomic_pfn_t(va);
}

static void copy_elsewhere(void *va)
{
	u64 buf[4];

	copy_memcpy(buf, va, sizeof(buf));
}

static unsigned other_cpu(void)
{
	unsigned cpu;

	for_each_online_cpu(cpu)
		if (cpu != smp_processor_id())
			return cpu;
	return 0;
}

KTEST(smp, kmap_unmap_on_other_cpu_caught)
{
	const struct memmap_region *reg = memmap_region(0);
	unsigned other;
	void *va;

	if (!need_two_cpus())
		return;
	if (!reg) {
		ktest_skip("no persistent region");
		return;
	}
	other = other_cpu();
	va = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(reg->base));
	KT_ASSERT(va != NULL);
	bugs = 0;
	bug_msg[0] = '\0';
	kmap_set_bug_handler(note_bug);
	KT_EXPECT_EQ(smp_call_function_single(other, unmap_elsewhere, va, true), 0);
	kmap_set_bug_handler(NULL);
	KT_EXPECT_EQ(bugs, 1);
	ktest_log("caught: %s", bug_msg);
	KT_EXPECT(strstr(bug_msg, "mapped by cpu") != NULL);
	KT_EXPECT_EQ(kmap_slots_in_use(), 1);	/* still ours, still mapped */
	kunmap_atomic_pfn_t(va);
	KT_EXPECT_EQ(kmap_slots_in_use(), 0);
}

KTEST(smp, kmap_copy_on_other_cpu_caught)
{
	const struct memmap_region *reg = memmap_region(0);
	void *va;

	if (!need_two_cpus())
		return;
	if (!reg) {
		ktest_skip("no persistent region");
		return;
	}
	if (!kernel_param_bool("kmap.debug", false)) {
		ktest_skip("needs kmap.debug=1");
		return;
	}
	va = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(reg->base));
	KT_ASSERT(va != NULL);
	bugs = 0;
	bug_msg[0] = '\0';
	kmap_set_bug_handler(note_bug);
	copy_elsewhere(va);			/* here: fine */
	KT_EXPECT_EQ(bugs, 0);
	KT_EXPECT_EQ(smp_call_function_single(other_cpu(), copy_elsewhere, va, true), 0);
	kmap_set_bug_handler(NULL);
	KT_EXPECT_EQ(bugs, 1);
	ktest_log("caught: %s", bug_msg);
	KT_EXPECT(strstr(bug_msg, "used on cpu") != NULL);
	kunmap_atomic_pfn_t(va);
}

/* ---- iounmap() after the APs are up shoots down ---- */

static u64 probe_resume;	/* where a faulting probe_read() goes on */
static u32 probe_faults;

static bool probe_fixup(struct pt_regs *r)
{
	if (r->vector != 14 || !READ_ONCE(probe_resume))
		return false;
	r->rip = probe_resume;
	r->rax = ~0ULL;
	__atomic_add_fetch(&probe_faults, 1, __ATOMIC_RELEASE);
	return true;
}

struct probe {
	const u64 *va;
	u64 got;
};

/* Read *va; a page fault gives ~0 (probe_fixup resumes after the load). */
static void probe_read(void *arg)
{
	struct probe *p = arg;
	u64 v;

	__asm__ volatile("leaq 1f(%%rip), %%rax\n\t"
			 "movq %%rax, %1\n\t"
			 "movq (%2), %%rax\n"
			 "1:"
			 : "=&a"(v), "=m"(probe_resume) : "r"(p->va) : "memory");
	WRITE_ONCE(probe_resume, 0);
	p->got = v;
}

KTEST(smp, iounmap_shoots_down_other_cpus)
{
	u64 *page = page_alloc_zeroed();
	struct probe p = { 0 };
	unsigned other;

	if (!need_two_cpus()) {
		page_free(page);
		return;
	}
	KT_ASSERT(page != NULL);
	other = other_cpu();
	page[0] = 0x5a5a1234cafef00dULL;
	p.va = ioremap(virt_to_phys(page), PAGE_SIZE);
	KT_ASSERT(p.va != NULL);
	probe_faults = 0;
	exception_fixup = probe_fixup;
	/* the other CPU reads through the mapping: its TLB now holds it */
	KT_EXPECT_EQ(smp_call_function_single(other, probe_read, &p, true), 0);
	KT_EXPECT_EQ(p.got, 0x5a5a1234cafef00dULL);
	iounmap((void *)p.va, PAGE_SIZE);
	/* after iounmap here, a read there must fault, not use a stale entry */
	KT_EXPECT_EQ(smp_call_function_single(other, probe_read, &p, true), 0);
	exception_fixup = NULL;
	KT_EXPECT_EQ(p.got, ~0ULL);
	KT_EXPECT_EQ(__atomic_load_n(&probe_faults, __ATOMIC_ACQUIRE), 1);
	page_free(page);
}
