/*
 * hist.h - a log-linear latency histogram in fixed memory (after Gil Tene's
 * HdrHistogram), for the benchmarks (bench/bench.c).
 *
 * Values (nanoseconds, or any u64) below HIST_SUB_COUNT are counted exactly;
 * above, each power-of-two range [2^k, 2^(k+1)) is split into HIST_SUB_COUNT/2
 * equal buckets, so a value is known to within 1/64 of itself (1.6 %). The
 * whole u64 range fits in HIST_NR_BUCKETS counters: no allocation, no
 * overflow bucket. Exact count, sum, minimum and maximum are kept beside.
 *
 * Percentiles use the nearest-rank definition: the value at rank
 * ceil(p * count) of the sorted values, reported as the highest value of
 * its bucket (never above the exact maximum), so a reported percentile is
 * never below the true one and at most 1/64 above it.
 *
 * Pure: no hardware headers (tests/unit/test_hist.c runs it on the host).
 */
#ifndef PFNOS_HIST_H
#define PFNOS_HIST_H

#include "types.h"

#define HIST_SUB_BITS		7
#define HIST_SUB_COUNT		(1U << HIST_SUB_BITS)		/* 128 */
#define HIST_HALF_COUNT		(HIST_SUB_COUNT / 2)		/* 64 */
/* exact values, then 64 buckets for each of the shifts 1..57 */
#define HIST_NR_BUCKETS		(HIST_SUB_COUNT + (64 - HIST_SUB_BITS) * HIST_HALF_COUNT)

/* Percentiles are given in parts per 100000 (99.9 % = 99900). */
#define HIST_PCT_SCALE		100000U

struct hist {
	u64 count;
	u64 sum;			/* saturates at ~0 */
	u64 min;
	u64 max;
	u64 buckets[HIST_NR_BUCKETS];
};

void hist_reset(struct hist *h);
/* Record one value; constant time, no allocation. */
void hist_record(struct hist *h, u64 v);
/* Add every value of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/* The bucket a value falls in, and the range of values of a bucket. */
unsigned hist_index(u64 v);
u64 hist_bucket_low(unsigned idx);
u64 hist_bucket_high(unsigned idx);

/*
 * hist_percentile - the value at nearest rank ceil(pct * count / 100000),
 * as the highest value of its bucket capped at the maximum; pct 0 gives the
 * minimum, pct >= 100000 the maximum. 0 for an empty histogram.
 */
u64 hist_percentile(const struct hist *h, u32 pct);
/* Mean, rounded down; 0 when empty. */
u64 hist_mean(const struct hist *h);
/* The value a bucket stands for: exact below HIST_SUB_COUNT, else the
 * middle of its range (fio's json+ bins name buckets this way). */
u64 hist_bucket_value(unsigned idx);
/* Mean x 1000, rounded down; 0 when empty. */
u64 hist_mean_milli(const struct hist *h);
/*
 * hist_stddev_milli - the sample standard deviation (divided by n - 1, as
 * fio computes it) x 1000, each value taken at its bucket's value (so
 * within 1/128 of the exact one) around the exact mean; 0 for fewer than
 * two values.
 */
u64 hist_stddev_milli(const struct hist *h);
/* Mean and sample standard deviation, both x 1000, of n plain values
 * (fio's bw and iops samples); 0 and 0 when n is 0, dev 0 when n is 1. */
void hist_values_stats(const u64 *v, u32 n, u64 *mean_milli, u64 *dev_milli);

/*
 * Sample statistics summed over the threads of a group as fio sums its bw
 * and iops stats for group_reporting (stat.c sum_stat(), pure_sum): min,
 * max, mean, the sum of squared deviations and the count each add up over
 * the threads that have samples; the deviation is then
 * sqrt(sum of squares / (count - 1)). One thread gives hist_values_stats().
 */
struct hist_vsum {
	u32 n;				/* samples of all threads */
	u64 min, max;
	u64 mean_milli;
	unsigned __int128 sq_e6;	/* squared deviations x 1e6 */
};
/* Start empty. */
void hist_vsum_init(struct hist_vsum *s);
/* Add one thread's n values (n 0: nothing). */
void hist_vsum_add(struct hist_vsum *s, const u64 *v, u32 n);
/* The summed deviation x 1000 (0 below two samples). */
u64 hist_vsum_dev_milli(const struct hist_vsum *s);

#endif
