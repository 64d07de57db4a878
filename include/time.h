/*
 * time.h - TSC-based time.
 *
 * time_init() calibrates the TSC at boot (CPUID 0x15/0x16 or 0x40000010 when
 * they give a frequency, else against the PIT, to within 500 ppm). After
 * that, ktime_ns() is nanoseconds since kernel entry.
 */
#ifndef PFNOS_TIME_H
#define PFNOS_TIME_H

#include "types.h"

extern u64 tsc_khz;
extern u64 boot_tsc;		/* TSC at kernel entry */
extern const char *tsc_calibration_source;

void time_init(void);
u64 ktime_ns(void);
u64 tsc_to_ns(u64 ticks);
u64 ns_to_tsc(u64 ns);
void udelay(u64 us);
void mdelay(u64 ms);

#endif
