/*
 * shell.h - the serial test shell's command table.
 *
 * Commands register themselves with SHELL_COMMAND(name, fn, usage, help) into
 * the linker section "shell_cmds"; any file may add one. A command gets
 * argc/argv (argv[0] is its name) and returns 0 or -errno; on failure it has
 * already printed one "error: ..." line (shell_error() does that). A failing
 * command marks the boot as failed (see exit.h).
 */
#ifndef PFNOS_SHELL_H
#define PFNOS_SHELL_H

#include "compiler.h"
#include "types.h"

#define SHELL_MAX_LINE	512
#define SHELL_MAX_ARGS	32

struct shell_cmd {
	const char *name;
	const char *usage;	/* arguments, e.g. "<dev> <lba> [count]" */
	const char *help;	/* one line */
	int (*fn)(int argc, char **argv);
};

#define SHELL_COMMAND(name_, fn_, usage_, help_)			\
	static const struct shell_cmd shell_cmd_##fn_			\
		__section("shell_cmds") __used __aligned(8) = {		\
		.name = name_, .usage = usage_, .help = help_, .fn = fn_, \
	}

/* Print "error: <msg>" and return -EINVAL-style err unchanged. */
int shell_error(int err, const char *fmt, ...) __printf(2, 3);
/* Argument helpers: print the error line themselves. */
int shell_arg_u64(const char *what, const char *s, u64 *out);
int shell_arg_size(const char *what, const char *s, u64 *out);

/* Pure parts (tests/unit): cut a line into ';'-separated commands, split a
 * command into words (quotes group). */
int shell_cut_command(const char **line, char *buf, size_t size);
int shell_split(char *line, char **argv, int max);
const struct shell_cmd *shell_find(const char *name);
const struct shell_cmd *shell_cmds_begin(void);
const struct shell_cmd *shell_cmds_end(void);

/* Run one command (no ';' in it is special); returns the command's status. */
int shell_run_line(const char *line);
/* Run the run= commands ("a; b"), each echoed behind the prompt; every
 * command runs even after one fails, and a failure marks the boot failed.
 * A line typed at the prompt is cut at ';' the same way. */
void shell_run_script(const char *script);
/* Interactive loop; never returns. */
void shell_loop(void) __noreturn;

/* Set when the user pressed Ctrl-C during a long command; commands poll
 * shell_interrupted() in their loops and return -EINTR. */
bool shell_interrupted(void);

#endif
