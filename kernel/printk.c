/*
 * printk.c - the kernel log ring and console output.
 *
 * printk() formats into a line buffer, stores the line in a 64 KiB ring
 * (oldest lines dropped first; `dmesg` walks it) and writes it to every
 * registered console when its level is at or below console_loglevel
 * (`loglevel=` on the command line). Each logged line is prefixed with the
 * time since boot, "[    1.234567] ", once the TSC is calibrated.
 * kprintf() writes straight to the consoles without logging.
 *
 * printk_lock (interrupts off) guards the ring, the console list and each
 * line's trip to the consoles, so lines from several CPUs never interleave
 * and the ring's order is the console's. It is the innermost lock of the
 * kernel: anything may print while holding its own locks, nothing is taken
 * under it but the console drivers' output. Two ways around it, so that
 * a report always gets out: a CPU that already holds it (an exception or a
 * lock.debug report inside printk) writes without it, and once
 * printk_panic_mode() is on, the panicking CPU waits for it at most
 * PRINTK_BUST_MS and then writes anyway.
 */
#include "cpu.h"
#include "irq.h"
#include "lib.h"
#include "printk.h"
#include "smp.h"
#include "spinlock.h"
#include "time.h"

#define PRINTK_BUST_MS	100

#define LOG_BUF_SIZE	(64 * 1024)

static char log_buf[LOG_BUF_SIZE];
static u64 log_head;		/* total bytes ever written */
static struct console *consoles;
int console_loglevel = LOGLEVEL_INFO;
static DEFINE_SPINLOCK(printk_lock);
static volatile u32 printk_panic_cpu = ~0U;

/*
 * Interrupts off, then printk_lock unless this CPU holds it already or is
 * panicking and the holder does not let go. Returns whether it was taken.
 */
static bool printk_lock_take(unsigned long *flags)
{
	unsigned me;
	u64 start, limit;

	*flags = local_irq_save();
	me = smp_processor_id();
	if (spin_is_locked(&printk_lock) && READ_ONCE(printk_lock.owner) == me)
		return false;
	if (READ_ONCE(printk_panic_cpu) != me) {
		spin_lock(&printk_lock);
		return true;
	}
	start = rdtsc();
	limit = (tsc_khz ? tsc_khz : 1000000) * PRINTK_BUST_MS;
	while (!spin_trylock(&printk_lock))
		if (rdtsc() - start > limit)
			return false;
	return true;
}

static void printk_lock_give(bool taken, unsigned long flags)
{
	if (taken)
		spin_unlock(&printk_lock);
	local_irq_restore(flags);
}

void console_register(struct console *c)
{
	unsigned long flags;
	bool taken = printk_lock_take(&flags);

	c->next = consoles;
	consoles = c;
	printk_lock_give(taken, flags);
}

static void __console_write(const char *s, size_t len)
{
	for (struct console *c = consoles; c; c = c->next)
		c->write(s, len);
}

void console_write(const char *s, size_t len)
{
	unsigned long flags;
	bool taken = printk_lock_take(&flags);

	__console_write(s, len);
	printk_lock_give(taken, flags);
}

void console_puts(const char *s)
{
	console_write(s, strlen(s));
}

int console_getc(void)
{
	for (struct console *c = consoles; c; c = c->next) {
		int ch = c->getc ? c->getc() : -1;

		if (ch >= 0)
			return ch;
	}
	return -1;
}

static void log_store(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		log_buf[(log_head + i) % LOG_BUF_SIZE] = s[i];
	log_head += len;
}

void vprintk(int level, const char *fmt, va_list ap)
{
	char line[512];
	int n = 0;
	unsigned long flags;
	bool taken;

	if (tsc_khz) {
		u64 ns = ktime_ns();

		n = snprintf(line, sizeof(line), "[%5llu.%06llu] ",
			     (unsigned long long)(ns / 1000000000ULL),
			     (unsigned long long)(ns / 1000 % 1000000));
	}
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	taken = printk_lock_take(&flags);
	log_store(line, n);
	if (level <= console_loglevel)
		__console_write(line, n);
	printk_lock_give(taken, flags);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

int vkprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}

void dmesg_for_each(void (*fn)(const char *line, void *arg), void *arg)
{
	u64 start = log_head > LOG_BUF_SIZE ? log_head - LOG_BUF_SIZE : 0;
	char line[512];
	size_t n = 0;

	/* A wrapped ring starts mid-line: skip to the first full line. */
	if (start)
		while (start < log_head && log_buf[start++ % LOG_BUF_SIZE] != '\n')
			;
	for (u64 i = start; i < log_head; i++) {
		char c = log_buf[i % LOG_BUF_SIZE];

		if (c == '\n' || n == sizeof(line) - 1) {
			line[n] = '\0';
			fn(line, arg);
			n = 0;
			continue;
		}
		line[n++] = c;
	}
	if (n) {
		line[n] = '\0';
		fn(line, arg);
	}
}

void printk_panic_mode(void)
{
	printk_panic_cpu = smp_processor_id();
	console_loglevel = LOGLEVEL_DEBUG;
}
