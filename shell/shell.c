/*
 * shell.c - the serial test shell: prompt, line editing (shell/lineedit.c),
 * run= scripts, command dispatch, Ctrl-C for long commands.
 *
 * Input is polled from the console. While a command runs, shell_interrupted()
 * drains input into a type-ahead buffer and reports a Ctrl-C; the keys typed
 * ahead are replayed to the editor afterwards.
 */
#include <stdarg.h>
#include "cpu.h"
#include "errno.h"
#include "exit.h"
#include "irq.h"
#include "lib.h"
#include "lineedit.h"
#include "printk.h"
#include "shell.h"
#include "timer.h"
#include "work.h"

#define PROMPT "pfnos> "
#define TYPEAHEAD 256

static struct line_editor editor;
static u8 typeahead[TYPEAHEAD];
static unsigned ta_head, ta_tail;
static bool interrupt_pending;

int shell_error(int err, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("error: %s\n", buf);
	return err;
}

int shell_arg_u64(const char *what, const char *s, u64 *out)
{
	int err = parse_u64(s, out);

	if (err == -ERANGE)
		return shell_error(err, "%s '%s' is out of range", what, s);
	if (err)
		return shell_error(err, "%s '%s' is not a number", what, s);
	return 0;
}

int shell_arg_size(const char *what, const char *s, u64 *out)
{
	int err = parse_size(s, out);

	if (err == -ERANGE)
		return shell_error(err, "%s '%s' is out of range", what, s);
	if (err)
		return shell_error(err, "%s '%s' is not a size (e.g. 4096, 0x1000, 4k)",
				   what, s);
	return 0;
}

bool shell_interrupted(void)
{
	int c;

	while ((c = console_getc()) >= 0) {
		if (c == 0x03) {
			interrupt_pending = true;
			ta_head = ta_tail = 0;	/* Ctrl-C discards type-ahead */
		} else if (ta_tail - ta_head < TYPEAHEAD) {
			typeahead[ta_tail++ % TYPEAHEAD] = (u8)c;
		}
	}
	return interrupt_pending;
}

static int shell_getc(void)
{
	if (ta_head != ta_tail)
		return typeahead[ta_head++ % TYPEAHEAD];
	return console_getc();
}

int shell_run_line(const char *line)
{
	char buf[SHELL_MAX_LINE];
	char *argv[SHELL_MAX_ARGS];
	const struct shell_cmd *cmd;
	int argc, ret;

	if (strlcpy(buf, line, sizeof(buf)) >= sizeof(buf))
		return shell_error(-E2BIG, "line too long (max %u characters)",
				   SHELL_MAX_LINE - 1);
	argc = shell_split(buf, argv, SHELL_MAX_ARGS);
	if (argc == -E2BIG)
		return shell_error(argc, "too many arguments (max %u)", SHELL_MAX_ARGS);
	if (argc < 0)
		return shell_error(argc, "unterminated quote");
	if (argc == 0)
		return 0;
	cmd = shell_find(argv[0]);
	if (!cmd)
		return shell_error(-ENOENT, "unknown command '%s' (try 'help')", argv[0]);
	interrupt_pending = false;
	ret = cmd->fn(argc, argv);
	if (ret == -EINTR && interrupt_pending)
		kprintf("error: interrupted\n");
	interrupt_pending = false;
	return ret;
}

void shell_run_script(const char *script)
{
	char cmd[SHELL_MAX_LINE];
	int n;

	while ((n = shell_cut_command(&script, cmd, sizeof(cmd))) != -ENODATA) {
		if (n == -E2BIG) {
			kprintf(PROMPT "%.40s...\n", cmd);
			shell_error(-E2BIG, "line too long (max %u characters)",
				    SHELL_MAX_LINE - 1);
			exit_mark_failed("run= line too long");
			continue;
		}
		if (!n)
			continue;
		kprintf(PROMPT "%s\n", cmd);
		if (shell_run_line(cmd) < 0)
			exit_mark_failed(cmd);
	}
}

/*
 * A line typed at the prompt: its ';'-separated commands in turn (the line
 * itself is already echoed), each run even after one fails, as in run=; a
 * Ctrl-C that interrupts one drops the rest of the line.
 */
static void shell_run_typed(const char *line)
{
	char cmd[SHELL_MAX_LINE];
	int n;

	while ((n = shell_cut_command(&line, cmd, sizeof(cmd))) != -ENODATA) {
		if (n == -E2BIG)
			shell_error(-E2BIG, "command too long (max %u characters)",
				    SHELL_MAX_LINE - 1);
		else if (n && shell_run_line(cmd) == -EINTR)
			return;
	}
}

/*
 * Wait for the next input byte. With interrupts enabled and the tick
 * running, halt between checks: the serial receive interrupt (or at worst
 * the next tick) wakes us. The check and the halt happen with interrupts
 * off up to the `sti; hlt` pair, so a byte arriving in between is not slept
 * through. Without interrupts set up, poll.
 */
static int shell_wait_getc(void)
{
	for (;;) {
		unsigned long flags = local_irq_save();
		int c = shell_getc();

		if (c >= 0) {
			local_irq_restore(flags);
			return c;
		}
		if ((flags & BIT(9)) /* RFLAGS.IF */ && timer_ticking()) {
			safe_halt();
			work_run_pending();	/* deferred by interrupts */
		} else {
			local_irq_restore(flags);
			cpu_relax();
		}
	}
}

static void shell_echo(const char *s, size_t len, void *arg)
{
	console_write(s, len);
}

void shell_loop(void)
{
	le_init(&editor, shell_echo, NULL);
	for (;;) {
		enum le_event ev;
		int c;

		kprintf(PROMPT);
		le_reset(&editor);
		do {
			c = shell_wait_getc();
			ev = le_feed(&editor, (u8)c);
		} while (ev == LE_NONE);
		if (ev == LE_ABANDON)
			continue;
		if (editor.garbage) {
			shell_error(-EINVAL, "line contains non-printable characters, ignored");
			continue;
		}
		if (editor.overflow) {
			shell_error(-E2BIG, "line too long (max %u characters), ignored",
				    LE_MAX_LINE - 1);
			continue;
		}
		le_history_add(&editor, editor.line);
		shell_run_typed(editor.line);
	}
}
