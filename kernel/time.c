/*
 * time.c - TSC calibration and time since boot.
 *
 * The TSC frequency comes from CPUID when it states one (leaf 0x15 crystal
 * ratio, leaf 0x16 base frequency, hypervisor leaf 0x40000010), else from
 * counting TSC ticks between two clock edges of PIT channel 2 about 2 ms
 * apart (Intel 8254 datasheet: mode 0, counter latch command; gate through
 * port 0x61), with a bound on the error that must come under 500 ppm: the
 * boot waits 2-3 ms for it. Conversions use a 32.32 fixed-point multiplier:
 * no division on the hot path, no overflow for centuries.
 */
#include "cpu.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"
#include "time.h"

u64 tsc_khz;
u64 boot_tsc;
const char *tsc_calibration_source = "none";
static u64 ns_mult;	/* ns per tick, 32.32 */
static u64 tsc_mult;	/* ticks per ns, 32.32 */

#define PIT_HZ		1193182ULL
#define PIT_CH2		0x42
#define PIT_CMD		0x43
#define PIT_GATE	0x61
#define PIT_CH2_MODE0	0xb0	/* channel 2, low then high byte, mode 0, binary */
#define PIT_LATCH_CH2	0x80	/* counter latch command, channel 2 */
#define PIT_MAX_PPM	500
#define PIT_MAX_WINDOWS	10

/* Latch channel 2 and read its count; the latch happens within [*t0, *t1]. */
static u16 pit_read(u64 *t0, u64 *t1)
{
	u8 lo, hi;

	*t0 = rdtsc();
	outb(PIT_CMD, PIT_LATCH_CH2);
	lo = inb(PIT_CH2);
	hi = inb(PIT_CH2);
	*t1 = rdtsc();
	return (u16)(lo | hi << 8);
}

/*
 * Spin until channel 2's count changes from what it reads now. The count
 * then read changed to its value at a PIT clock edge within [*lo, *hi]: after
 * the last read that still saw the old value began, before the new read
 * ended. Returns false if the count never moves.
 */
static bool pit_edge(u16 *count, u64 *lo, u64 *hi)
{
	u64 a, b;
	u16 old = pit_read(lo, &b), c;
	unsigned long spins = 0;

	while ((c = pit_read(&a, &b)) == old) {
		*lo = a;
		if (++spins > 10000000UL)
			return false;
	}
	*count = c;
	*hi = b;
	return true;
}

/*
 * TSC ticks across at least pit_ticks PIT clocks, between two clock edges of
 * channel 2 counting down (mode 0 from 0xffff, wrapping): *tsc the midpoint
 * estimate, *err how far off it can be, *pits the exact PIT clocks between
 * the edges. The error is the TSC time the two edge reads took; a host that
 * preempts us at an edge shows up in it, one that preempts us in between
 * costs nothing (the PIT and the TSC both keep counting) unless it lasts
 * long enough for the 16-bit count to wrap (55 ms): a window with a stall
 * of half its length between two reads is refused, which catches that.
 * Returns: 0; -EAGAIN for a refused window; -ENODEV when the count does
 * not move.
 */
static int pit_window(u16 pit_ticks, u64 *tsc, u64 *err, u64 *pits)
{
	u64 slo, shi, elo, ehi, a, b, last, stall = 0;
	unsigned long spins = 0;
	u16 cs, ce, c;

	if (!pit_edge(&cs, &slo, &shi))
		return -ENODEV;
	last = shi;
	do {
		c = pit_read(&a, &b);
		stall = max(stall, a - last);
		last = b;
		if (++spins > 100000000UL)
			return -ENODEV;
	} while ((u16)(cs - c) < pit_ticks);
	if (!pit_edge(&ce, &elo, &ehi))
		return -ENODEV;
	stall = max(stall, elo - last);
	*pits = (u16)(cs - ce);
	*tsc = ((elo + ehi) - (slo + shi)) / 2;
	*err = ((ehi - elo) + (shi - slo)) / 2;
	return *tsc && stall * 2 < *tsc ? 0 : -EAGAIN;
}

/*
 * The TSC frequency against the PIT: windows of 2 ms, then longer ones if
 * the edges keep being slow to read (real hardware, a busy host), until one
 * is known to within PIT_MAX_PPM; after five windows (18 ms), the best one
 * measured; refused windows do not count, up to PIT_MAX_WINDOWS in all. A
 * short window runs first, untimed: under a JIT (QEMU's TCG) the first run
 * of this code is slow, and would show as error.
 */
static u64 pit_calibrate_khz(void)
{
	static const u8 window_ms[PIT_MAX_WINDOWS] = { 2, 2, 2, 4, 8, 8, 8, 8, 8, 8 };
	u8 gate = inb(PIT_GATE);
	u64 best_khz = 0, best_ppm = ~0ULL;

	outb(PIT_GATE, (gate & ~0x02) | 0x01);	/* speaker off, gate high */
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);
	for (int i = -1; i < (int)ARRAY_SIZE(window_ms); i++) {
		u16 pit_ticks = i < 0 ? 8 : (u16)(PIT_HZ * window_ms[i] / 1000);
		u64 tsc, err, pits, ppm;
		int ret = pit_window(pit_ticks, &tsc, &err, &pits);

		if (ret == -ENODEV)
			break;
		if (i < 0 || ret)
			continue;
		ppm = err * 1000000 / tsc;
		if (ppm < best_ppm) {
			best_ppm = ppm;
			best_khz = tsc * PIT_HZ / pits / 1000;
		}
		if (ppm <= PIT_MAX_PPM || i >= 4)
			break;
	}
	outb(PIT_GATE, gate);
	return best_khz;
}

static u64 cpuid_tsc_khz(const char **src)
{
	u32 a, b, c, d, max;

	cpuid(0, &max, &b, &c, &d);
	if (max >= 0x15) {
		cpuid(0x15, &a, &b, &c, &d);
		if (a && b && c) {
			*src = "cpuid-15";
			return (u64)c * b / a / 1000;
		}
	}
	if (max >= 0x16) {
		cpuid(0x16, &a, &b, &c, &d);
		if (a) {
			*src = "cpuid-16";
			return (u64)a * 1000;
		}
	}
	if (cpu_features.hypervisor) {
		cpuid(0x40000000, &a, &b, &c, &d);
		if (a >= 0x40000010) {
			cpuid(0x40000010, &a, &b, &c, &d);
			if (a) {
				*src = "cpuid-40000010";
				return a;
			}
		}
	}
	return 0;
}

void time_init(void)
{
	u64 khz = cpuid_tsc_khz(&tsc_calibration_source);

	if (!khz) {
		khz = pit_calibrate_khz();
		tsc_calibration_source = "pit";
	}
	if (!khz)
		khz = 1000000;	/* never zero: assume 1 GHz */
	ns_mult = (1000000ULL << 32) / khz;
	tsc_mult = (khz << 32) / 1000000ULL;
	tsc_khz = khz;
}

u64 tsc_to_ns(u64 ticks)
{
	return (u64)(((unsigned __int128)ticks * ns_mult) >> 32);
}

u64 ns_to_tsc(u64 ns)
{
	return (u64)(((unsigned __int128)ns * tsc_mult) >> 32);
}

u64 ktime_ns(void)
{
	return tsc_to_ns(rdtsc() - boot_tsc);
}

void udelay(u64 us)
{
	u64 end = rdtsc() + ns_to_tsc(us * 1000);

	while ((s64)(rdtsc() - end) < 0)
		cpu_relax();
}

void mdelay(u64 ms)
{
	udelay(ms * 1000);
}
