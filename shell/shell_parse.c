/*
 * shell_parse.c - the pure parts of the shell: splitting a line into words
 * and finding a command in the linker-section table. Host-tested.
 *
 * Words split on blanks; double quotes group words and are dropped
 * (echo "a  b" prints a  b). An unterminated quote is an error.
 */
#include "errno.h"
#include "lib.h"
#include "shell.h"

extern const struct shell_cmd __start_shell_cmds[], __stop_shell_cmds[];

int shell_split(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int argc = 0;

	for (;;) {
		bool quoted = false;

		while (*r == ' ' || *r == '\t')
			r++;
		if (!*r)
			break;
		if (argc >= max)
			return -E2BIG;
		argv[argc++] = w;
		while (*r && (quoted || (*r != ' ' && *r != '\t'))) {
			if (*r == '"')
				quoted = !quoted;
			else
				*w++ = *r;
			r++;
		}
		if (quoted)
			return -EINVAL;
		if (*r)
			r++;
		*w++ = '\0';
	}
	return argc;
}

const struct shell_cmd *shell_find(const char *name)
{
	for (const struct shell_cmd *c = __start_shell_cmds; c < __stop_shell_cmds; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

const struct shell_cmd *shell_cmds_begin(void)
{
	return __start_shell_cmds;
}

const struct shell_cmd *shell_cmds_end(void)
{
	return __stop_shell_cmds;
}
