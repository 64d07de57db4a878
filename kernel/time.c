/*
 * time.c - TSC calibration and time since boot.
 *
 * The TSC frequency comes from CPUID when it states one (leaf 0x15 crystal
 * ratio, leaf 0x16 base frequency, hypervisor leaf 0x40000010), else from
 * counting TSC ticks across 10 ms windows of PIT channel 2 (Intel 8254
 * datasheet, mode 0; gate and output through port 0x61), the median of
 * three. Conversions use a 32.32 fixed-point multiplier: no division on the
 * hot path, no overflow for centuries.
 */
#include "cpu.h"
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

static u64 pit_window_ticks(u64 ms)
{
	u64 count = PIT_HZ * ms / 1000, t0, t1;
	u8 gate = inb(PIT_GATE);
	unsigned long spins = 0;

	outb(PIT_GATE, (gate & ~0x02) & ~0x01);	/* speaker off, gate low */
	outb(PIT_CMD, 0xB0);			/* ch 2, lobyte/hibyte, mode 0 */
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, (count >> 8) & 0xff);
	t0 = rdtsc();
	outb(PIT_GATE, (gate & ~0x02) | 0x01);	/* gate high: count */
	while (!(inb(PIT_GATE) & 0x20) && ++spins < 100000000UL)
		;
	t1 = rdtsc();
	outb(PIT_GATE, gate);
	return t1 - t0;
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
		u64 w[3];

		for (int i = 0; i < 3; i++)
			w[i] = pit_window_ticks(10);
		/* median of three */
		u64 m = w[0] > w[1] ? (w[1] > w[2] ? w[1] : (w[0] > w[2] ? w[2] : w[0]))
				    : (w[0] > w[2] ? w[0] : (w[1] > w[2] ? w[2] : w[1]));
		khz = m / 10;
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
