/*
 * cmdline.h - the kernel command line.
 *
 * Parsed once at boot with Linux parse_args quoting: words split on spaces,
 * double quotes group ("run=a; b" and run="a; b" are the same). A key given
 * again overrides the earlier value, except run=, whose values append
 * (joined with "; "). Lookups return the final value.
 *
 * The line is what the loader passed, then QEMU's fw_cfg file
 * opt/pfnos/cmdline when present (the launcher's --cmdline), appended.
 */
#ifndef PFNOS_CMDLINE_H
#define PFNOS_CMDLINE_H

#include "types.h"

#define CMDLINE_MAX	4096
#define CMDLINE_MAX_PARAMS	64

struct cmdline_param {
	const char *key;
	const char *val;	/* NULL for a bare word ("quiet") */
};

struct cmdline {
	char buf[CMDLINE_MAX];		/* the parsed words, NUL separated */
	char raw[CMDLINE_MAX];		/* the full line as given */
	struct cmdline_param params[CMDLINE_MAX_PARAMS];
	unsigned nparams;
	char run[CMDLINE_MAX];		/* all run= values, "; " joined */
};

/* Pure: parse line into cl. Returns 0, or -E2BIG when the line or the
 * number of words does not fit (what fits is kept). */
int cmdline_parse(struct cmdline *cl, const char *line);
/* The last value of key, or NULL. A bare word has value "". */
const char *cmdline_get(const struct cmdline *cl, const char *key);
/* All values of key in order (for repeatable keys such as memmap=). */
unsigned cmdline_get_all(const struct cmdline *cl, const char *key,
			 const char **vals, unsigned max);

/* The kernel's own command line, set up by kmain(). */
extern struct cmdline boot_cmdline;
const char *kernel_param(const char *key);
u64 kernel_param_u64(const char *key, u64 def);
bool kernel_param_bool(const char *key, bool def);

#endif
