/*
 * shell_parse.c - the pure parts of the shell: cutting a line into
 * commands, splitting a command into words and finding a command in the
 * linker-section table. Host-tested.
 *
 * Commands are separated by ';', at the prompt as in run=; a ';' inside
 * double quotes belongs to its word. Words split on blanks; double quotes
 * group words and are dropped (echo "a  b" prints a  b). An unterminated
 * quote is an error.
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

/**
 * shell_cut_command - the next command of a line of ';'-separated commands
 * @line: where to start; moved past the command and its ';'
 * @buf: gets the command, NUL-terminated, blanks trimmed at both ends
 * @size: the size of buf
 *
 * A ';' inside double quotes is part of a word; an unterminated quote runs
 * to the end of the line (shell_split() then refuses the command).
 *
 * Returns: the command's length, 0 for an empty one ("a;;b", ";a"); -E2BIG
 * when it does not fit in buf, which then holds its first size - 1 bytes;
 * -ENODATA at the end of the line.
 */
int shell_cut_command(const char **line, char *buf, size_t size)
{
	const char *p = *line, *start, *end;
	bool quoted = false;
	size_t n;

	if (!*p)
		return -ENODATA;
	while (*p == ' ' || *p == '\t')
		p++;
	start = p;
	for (; *p && (quoted || *p != ';'); p++)
		if (*p == '"')
			quoted = !quoted;
	end = p;
	*line = *p ? p + 1 : p;
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	n = (size_t)(end - start);
	if (n >= size) {
		if (size) {
			memcpy(buf, start, size - 1);
			buf[size - 1] = '\0';
		}
		return -E2BIG;
	}
	memcpy(buf, start, n);
	buf[n] = '\0';
	return (int)n;
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
