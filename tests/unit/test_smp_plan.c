/*
 * test_smp_plan.c - host tests of smp_plan_cpus() (kernel/smp_plan.c): how
 * the platform's CPU list, nosmp and maxcpus= decide which CPUs are
 * numbered, started, left offline or listed as hot-pluggable.
 */
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "smp.h"

static const struct smp_plan_cpu four[] = {
	{ 0, true, false }, { 1, true, false }, { 2, true, false }, { 3, true, false },
};

static unsigned count(const struct smp_plan *p, enum cpu_state s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < p->ncpus; i++)
		n += p->state[i] == s;
	return n;
}

KTEST(smp, plan_all_started)
{
	struct smp_plan p;

	smp_plan_cpus(&p, four, 4, 0, false, NULL);
	KT_ASSERT_EQ(p.ncpus, 4);
	KT_EXPECT_EQ(p.state[0], CPU_ONLINE);
	for (unsigned i = 1; i < 4; i++) {
		KT_EXPECT_EQ(p.apic_id[i], i);
		KT_EXPECT_EQ(p.state[i], CPU_STARTING);
	}
	KT_EXPECT_EQ(p.note[0], '\0');
	KT_EXPECT_EQ(p.max_cpus, NR_CPUS);
}

KTEST(smp, plan_boot_cpu_first)
{
	static const struct smp_plan_cpu l[] = {
		{ 4, true, false }, { 6, true, false }, { 2, true, false },
	};
	struct smp_plan p;

	smp_plan_cpus(&p, l, 3, 6, false, "");
	KT_ASSERT_EQ(p.ncpus, 3);
	KT_EXPECT_EQ(p.apic_id[0], 6);
	KT_EXPECT_EQ(p.apic_id[1], 4);
	KT_EXPECT_EQ(p.apic_id[2], 2);
}

KTEST(smp, plan_boot_cpu_missing_from_list)
{
	static const struct smp_plan_cpu l[] = { { 1, true, false } };
	struct smp_plan p;

	smp_plan_cpus(&p, l, 1, 0, false, NULL);
	KT_ASSERT_EQ(p.ncpus, 2);
	KT_EXPECT_EQ(p.apic_id[0], 0);
	KT_EXPECT_EQ(p.state[0], CPU_ONLINE);
	KT_EXPECT_EQ(p.apic_id[1], 1);
	KT_EXPECT_EQ(p.state[1], CPU_STARTING);
}

KTEST(smp, plan_hotplug_and_disabled)
{
	static const struct smp_plan_cpu l[] = {
		{ 0, true, false }, { 1, false, true }, { 2, false, false }, { 3, true, false },
		{ 3, true, false },	/* duplicate */
	};
	struct smp_plan p;

	smp_plan_cpus(&p, l, 5, 0, false, NULL);
	KT_ASSERT_EQ(p.ncpus, 3);
	KT_EXPECT_EQ(p.apic_id[1], 1);
	KT_EXPECT_EQ(p.state[1], CPU_HOTPLUG);
	KT_EXPECT_EQ(p.apic_id[2], 3);
	KT_EXPECT_EQ(p.state[2], CPU_STARTING);
}

KTEST(smp, plan_nosmp)
{
	struct smp_plan p;

	smp_plan_cpus(&p, four, 4, 0, true, NULL);
	KT_ASSERT_EQ(p.ncpus, 4);
	KT_EXPECT_EQ(count(&p, CPU_OFFLINE), 3);
	KT_EXPECT_EQ(count(&p, CPU_STARTING), 0);
	KT_EXPECT_EQ(p.state[0], CPU_ONLINE);
}

KTEST(smp, plan_maxcpus_values)
{
	static const struct {
		const char *val;
		unsigned starting;
		bool note;
	} cases[] = {
		{ "1", 0, false },
		{ "2", 1, false },
		{ "4", 3, false },
		{ "0", 0, true },	/* as nosmp, said so */
		{ "5", 3, true },	/* more than present */
		{ "99999999999999999999", 3, true },
		{ "abc", 3, true },	/* garbage: ignored */
		{ "2x", 3, true },
		{ "-1", 3, true },
		{ "0x2", 1, false },
	};
	struct smp_plan p;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		smp_plan_cpus(&p, four, 4, 0, false, cases[i].val);
		ktest_log("maxcpus=%s: %s", cases[i].val, p.note);
		KT_EXPECT_EQ(p.ncpus, 4);
		KT_EXPECT_EQ(count(&p, CPU_STARTING), cases[i].starting);
		KT_EXPECT_EQ(count(&p, CPU_OFFLINE), 3 - cases[i].starting);
		KT_EXPECT_EQ(p.note[0] != '\0', cases[i].note);
		KT_EXPECT_EQ(p.state[0], CPU_ONLINE);
	}
	smp_plan_cpus(&p, four, 4, 0, false, "abc");
	KT_EXPECT(strstr(p.note, "abc") != NULL);
}

KTEST(smp, plan_more_than_nr_cpus)
{
	struct smp_plan_cpu l[NR_CPUS + 3];
	struct smp_plan p;

	for (unsigned i = 0; i < ARRAY_SIZE(l); i++)
		l[i] = (struct smp_plan_cpu){ i, true, false };
	smp_plan_cpus(&p, l, ARRAY_SIZE(l), 0, false, NULL);
	KT_EXPECT_EQ(p.ncpus, NR_CPUS);
	KT_EXPECT_EQ(p.dropped, 3);
	KT_EXPECT_EQ(count(&p, CPU_STARTING), NR_CPUS - 1);
}
