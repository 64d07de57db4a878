/*
 * printk.c - the kernel log ring and console output.
 *
 * printk() formats into a line buffer, stores the line in a 64 KiB ring
 * (oldest lines dropped first; `dmesg` walks it) and writes it to every
 * registered console when its level is at or below console_loglevel
 * (`loglevel=` on the command line). Each logged line is prefixed with the
 * time since boot, "[    1.234567] ", once the TSC is calibrated.
 * kprintf() writes straight to the consoles without logging.
 */
#include "cpu.h"
#include "irq.h"
#include "lib.h"
#include "printk.h"
#include "time.h"

#define LOG_BUF_SIZE	(64 * 1024)

static char log_buf[LOG_BUF_SIZE];
static u64 log_head;		/* total bytes ever written */
static struct console *consoles;
int console_loglevel = LOGLEVEL_INFO;

void console_register(struct console *c)
{
	c->next = consoles;
	consoles = c;
}

void console_write(const char *s, size_t len)
{
	for (struct console *c = consoles; c; c = c->next)
		c->write(s, len);
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
	unsigned long flags = local_irq_save();

	if (tsc_khz) {
		u64 ns = ktime_ns();

		n = snprintf(line, sizeof(line), "[%5llu.%06llu] ",
			     (unsigned long long)(ns / 1000000000ULL),
			     (unsigned long long)(ns / 1000 % 1000000));
	}
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	log_store(line, n);
	if (level <= console_loglevel)
		console_write(line, n);
	local_irq_restore(flags);
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
	console_loglevel = LOGLEVEL_DEBUG;
}
