/*
 * hist.c - the log-linear latency histogram of include/hist.h.
 *
 * Index layout: values 0..127 are their own index. A larger value v with
 * its top bit at position m is shifted right by s = m - 6, which leaves a
 * 7-bit number in [64, 128); its index is 128 + (s - 1) * 64 + (that - 64).
 * Every bucket of shift s holds the 2^s values sharing the top 7 bits.
 */
#include "hist.h"
#include "lib.h"

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = ~0ULL;
}

unsigned hist_index(u64 v)
{
	unsigned msb, shift;

	if (v < HIST_SUB_COUNT)
		return (unsigned)v;
	msb = 63 - (unsigned)__builtin_clzll(v);
	shift = msb - (HIST_SUB_BITS - 1);
	return HIST_SUB_COUNT + (shift - 1) * HIST_HALF_COUNT +
	       (unsigned)((v >> shift) - HIST_HALF_COUNT);
}

u64 hist_bucket_low(unsigned idx)
{
	unsigned shift, sub;

	if (idx < HIST_SUB_COUNT)
		return idx;
	shift = (idx - HIST_SUB_COUNT) / HIST_HALF_COUNT + 1;
	sub = (idx - HIST_SUB_COUNT) % HIST_HALF_COUNT + HIST_HALF_COUNT;
	return (u64)sub << shift;
}

u64 hist_bucket_high(unsigned idx)
{
	unsigned shift;

	if (idx < HIST_SUB_COUNT)
		return idx;
	shift = (idx - HIST_SUB_COUNT) / HIST_HALF_COUNT + 1;
	return hist_bucket_low(idx) + ((1ULL << shift) - 1);
}

void hist_record(struct hist *h, u64 v)
{
	h->buckets[hist_index(v)]++;
	h->count++;
	h->sum = h->sum + v < h->sum ? ~0ULL : h->sum + v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	if (!src->count)
		return;
	for (unsigned i = 0; i < HIST_NR_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum = dst->sum + src->sum < dst->sum ? ~0ULL : dst->sum + src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

u64 hist_percentile(const struct hist *h, u32 pct)
{
	u64 rank, seen = 0;

	if (!h->count)
		return 0;
	if (pct == 0)
		return h->min;
	if (pct >= HIST_PCT_SCALE)
		return h->max;
	/* ceil(pct * count / SCALE) without overflow for any count */
	rank = h->count / HIST_PCT_SCALE * pct +
	       DIV_ROUND_UP(h->count % HIST_PCT_SCALE * pct, HIST_PCT_SCALE);
	if (!rank)
		rank = 1;
	for (unsigned i = 0; i < HIST_NR_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank)
			return min(hist_bucket_high(i), h->max);
	}
	return h->max;
}

u64 hist_mean(const struct hist *h)
{
	return h->count ? h->sum / h->count : 0;
}

/* Shift-subtract division: the kernel links no libgcc for __udivti3. */
static unsigned __int128 div128(unsigned __int128 a, unsigned __int128 b)
{
	unsigned __int128 q = 0, rem = 0;

	if (!b)
		return 0;
	for (int i = 127; i >= 0; i--) {
		rem = (rem << 1) | ((a >> i) & 1);
		if (rem >= b) {
			rem -= b;
			q |= (unsigned __int128)1 << i;
		}
	}
	return q;
}

/* floor(sqrt(v)), bit by bit. */
static u64 isqrt128(unsigned __int128 v)
{
	unsigned __int128 res = 0, bit = (unsigned __int128)1 << 126;

	while (bit > v)
		bit >>= 2;
	while (bit) {
		if (v >= res + bit) {
			v -= res + bit;
			res = (res >> 1) + bit;
		} else {
			res >>= 1;
		}
		bit >>= 2;
	}
	return (u64)res;
}

u64 hist_bucket_value(unsigned idx)
{
	u64 lo = hist_bucket_low(idx);

	return lo + (hist_bucket_high(idx) - lo) / 2;
}

u64 hist_mean_milli(const struct hist *h)
{
	unsigned __int128 sum = 0;

	if (!h->count)
		return 0;
	/* the exact sum from the saturating one, else from the buckets */
	if (h->sum != ~0ULL)
		sum = h->sum;
	else
		for (unsigned i = 0; i < HIST_NR_BUCKETS; i++)
			sum += (unsigned __int128)h->buckets[i] * hist_bucket_value(i);
	return (u64)div128(sum * 1000, h->count);
}

u64 hist_stddev_milli(const struct hist *h)
{
	unsigned __int128 acc = 0;
	u64 mean;

	if (h->count < 2)
		return 0;
	mean = hist_mean_milli(h);
	for (unsigned i = 0; i < HIST_NR_BUCKETS; i++) {
		unsigned __int128 v, d;

		if (!h->buckets[i])
			continue;
		v = (unsigned __int128)hist_bucket_value(i) * 1000;
		d = v > mean ? v - mean : mean - v;
		acc += d * d * h->buckets[i];
	}
	return isqrt128(div128(acc, h->count - 1));
}

/* Mean x 1000 and squared deviations x 1e6 of n > 0 values. */
static void values_moments(const u64 *v, u32 n, u64 *mean_milli, unsigned __int128 *sq_e6)
{
	unsigned __int128 sum = 0, acc = 0;
	u64 mean;

	for (u32 i = 0; i < n; i++)
		sum += v[i];
	mean = (u64)div128(sum * 1000, n);
	for (u32 i = 0; i < n; i++) {
		unsigned __int128 x = (unsigned __int128)v[i] * 1000;
		unsigned __int128 d = x > mean ? x - mean : mean - x;

		acc += d * d;
	}
	*mean_milli = mean;
	*sq_e6 = acc;
}

void hist_values_stats(const u64 *v, u32 n, u64 *mean_milli, u64 *dev_milli)
{
	unsigned __int128 acc;

	*mean_milli = *dev_milli = 0;
	if (!n)
		return;
	values_moments(v, n, mean_milli, &acc);
	if (n > 1)
		*dev_milli = isqrt128(div128(acc, n - 1));
}

void hist_vsum_init(struct hist_vsum *s)
{
	s->n = 0;
	s->min = s->max = s->mean_milli = 0;
	s->sq_e6 = 0;
}

void hist_vsum_add(struct hist_vsum *s, const u64 *v, u32 n)
{
	unsigned __int128 sq;
	u64 mean, lo = ~0ULL, hi = 0;

	if (!n)
		return;
	values_moments(v, n, &mean, &sq);
	for (u32 i = 0; i < n; i++) {
		lo = min(lo, v[i]);
		hi = max(hi, v[i]);
	}
	s->n += n;
	s->min += lo;
	s->max += hi;
	s->mean_milli += mean;
	s->sq_e6 += sq;
}

u64 hist_vsum_dev_milli(const struct hist_vsum *s)
{
	return s->n > 1 ? isqrt128(div128(s->sq_e6, s->n - 1)) : 0;
}
