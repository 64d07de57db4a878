/*
 * bench_smp.c - a job's clones spread over the online CPUs: the CPU
 * placement layer over the clone engine of bench.c (issue 11).
 *
 * bench_smp_run_threads(t, n) is bench_run_threads() spread as fio places
 * numjobs: clone k runs on the (k mod C)-th of the C online CPUs
 * (bench_smp_place(), bench_parse.c), and the clones that share a CPU are
 * interleaved there by bench_run_threads(), as they are on one CPU. Each
 * other CPU's share runs in that CPU's idle loop in thread context
 * (smp_run_start(): interrupts on, its waits halt or poll as on the boot
 * CPU), the calling CPU's share here; the call returns when every share
 * has, with the first error. A CPU that cannot take its share (busy with
 * another run request) gives it to the calling CPU, which says so.
 *
 * The clones share no data: each has its own buffers and, for writes, its
 * own slice of the range (bench_thread_create()), its own histograms and
 * completion list; its bios go to its CPU's hardware queue
 * (blk_mq_map_queue()), whose completions normally run on that CPU. A
 * completion that runs elsewhere (a queue CPUs share) pushes onto the
 * clone's completion list atomically (bench.c).
 */
#include "bench.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"
#include "smp.h"

struct bench_smp_share {
	struct bench_thread *t[BENCH_MAX_NUMJOBS];
	unsigned n;
	struct smp_run run;
	bool started;
};

/* One job at a time (bench.h: "Context: process, one job at a time"). */
static struct bench_smp_share shares[NR_CPUS];

static int bench_smp_share_fn(void *arg)
{
	struct bench_smp_share *s = arg;

	return bench_run_threads(s->t, s->n);
}

int bench_smp_run_threads(struct bench_thread **t, unsigned n)
{
	unsigned self = smp_processor_id(), cpu;
	struct bench_smp_share *mine;
	u64 online = 0;
	int ret = 0, r;

	for_each_online_cpu(cpu)
		online |= BIT(cpu);
	if (n <= 1 || online == BIT(self))
		return bench_run_threads(t, n);
	memset(shares, 0, sizeof(shares));
	for (unsigned k = 0; k < n; k++) {
		struct bench_smp_share *s = &shares[bench_smp_place(online, k)];

		s->t[s->n++] = t[k];
	}
	mine = &shares[self];
	for_each_online_cpu(cpu) {
		struct bench_smp_share *s = &shares[cpu];

		if (cpu == self || !s->n)
			continue;
		r = smp_run_start(cpu, &s->run, bench_smp_share_fn, s);
		if (r) {
			pr_warn("bench: cpu%u cannot take its %u clone(s) (-%s): they run on cpu%u\n",
				cpu, s->n, errno_name(r), self);
			for (unsigned i = 0; i < s->n; i++)
				mine->t[mine->n++] = s->t[i];
			s->n = 0;
			continue;
		}
		s->started = true;
	}
	if (mine->n)
		ret = bench_run_threads(mine->t, mine->n);
	for_each_online_cpu(cpu) {
		if (!shares[cpu].started)
			continue;
		r = smp_run_wait(&shares[cpu].run);
		if (r && !ret)
			ret = r;
	}
	return ret;
}
