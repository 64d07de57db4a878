/*
 * fuzz_shell.c - libFuzzer target for the shell's pure parts: the word
 * splitter (shell/shell_parse.c) and the line editor (shell/lineedit.c).
 *
 * Input: bytes typed at the shell. The whole input goes through the line
 * editor byte by byte, as shell_loop() feeds it (a complete line without
 * garbage or overflow goes into the history, then a new line starts); what
 * the editor echoes is played on a model terminal ('\b' moves left, '\n'
 * starts a new line), and after every byte the terminal must show exactly
 * the line being edited. The line is printable ASCII below LE_MAX_LINE, and
 * the history position stays inside the history. Each completed line (and
 * the input itself, up to a NUL) is also split into words and compared with
 * a reference splitter written here, then the words written back quoted
 * must split to the same words.
 */
#include <stdio.h>
#include <stdlib.h>
#include "errno.h"
#include "lib.h"
#include "shell/lineedit.h"
#include "shell.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static int cmd_fuzz(int argc, char **argv)
{
	return 0;
}
SHELL_COMMAND("fuzz", cmd_fuzz, "", "a command for the fuzz target");

static void fail(const char *what, size_t at)
{
	fprintf(stderr, "shell: %s (at byte %zu)\n", what, at);
	abort();
}

/* ------------------------------------------------------------ splitting */

/* Blanks end a word outside quotes; a quote toggles and is dropped. */
static int ref_split(const char *line, char words[][SHELL_MAX_LINE], int max)
{
	int n = 0, in_word = 0, quoted = 0;
	size_t len = 0;

	for (const char *p = line;; p++) {
		int blank = *p == ' ' || *p == '\t';

		if (!*p || (blank && !quoted)) {
			if (in_word) {
				words[n - 1][len] = '\0';
				in_word = 0;
			}
			if (!*p)
				break;
			continue;
		}
		if (!in_word) {
			if (n == max)
				return -E2BIG;
			n++;
			in_word = 1;
			len = 0;
		}
		if (*p == '"')
			quoted = !quoted;
		else
			words[n - 1][len++] = *p;
	}
	return quoted ? -EINVAL : n;
}

static void check_split(const char *line, size_t at)
{
	static char buf[SHELL_MAX_LINE], again[SHELL_MAX_LINE + 3 * SHELL_MAX_ARGS];
	static char want[SHELL_MAX_ARGS][SHELL_MAX_LINE];
	char *argv[SHELL_MAX_ARGS], *argv2[SHELL_MAX_ARGS];
	int argc, wargc, argc2;
	size_t n = 0;

	if (strlcpy(buf, line, sizeof(buf)) >= sizeof(buf))
		return;		/* the shell refuses such a line before splitting */
	argc = shell_split(buf, argv, SHELL_MAX_ARGS);
	wargc = ref_split(line, want, SHELL_MAX_ARGS);
	if (argc != wargc)
		fail("shell_split's result differs from the reference", at);
	for (int i = 0; i < argc; i++) {
		if (argv[i] < buf || argv[i] >= buf + sizeof(buf) || strcmp(argv[i], want[i]))
			fail("a word differs from the reference", at);
		if (strchr(argv[i], '"'))
			fail("a quote kept in a word", at);
	}
	if (argc > 0)
		shell_find(argv[0]);
	/* write the words back quoted: the same words */
	again[0] = '\0';
	for (int i = 0; i < argc && n < sizeof(again); i++)
		n += (size_t)snprintf(again + n, sizeof(again) - n, "%s\"%s\"", i ? " " : "",
				      argv[i]);
	if (argc <= 0 || n >= sizeof(again))
		return;
	argc2 = shell_split(again, argv2, SHELL_MAX_ARGS);
	if (argc2 != argc)
		fail("the quoted words split differently", at);
	for (int i = 0; i < argc; i++)
		if (strcmp(argv2[i], want[i]))
			fail("a quoted word split differently", at);
}

/* ------------------------------------------------------------ line editor */

static struct {
	char row[LE_MAX_LINE + 16];
	size_t col, width;
	bool overrun;
} term;

static void term_out(const char *s, size_t len, void *arg)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			term.col = term.width = 0;
		} else if (s[i] == '\b') {
			if (term.col)
				term.col--;
		} else if (term.col < sizeof(term.row)) {
			term.row[term.col++] = s[i];
			if (term.col > term.width)
				term.width = term.col;
		} else {
			term.overrun = true;
		}
	}
}

static void check_editor(const struct line_editor *le, size_t at)
{
	unsigned avail = le->hist_count < LE_HISTORY ? le->hist_count : LE_HISTORY;

	if (le->len >= LE_MAX_LINE || le->line[le->len] || strlen(le->line) != le->len)
		fail("line length", at);
	for (size_t i = 0; i < le->len; i++)
		if (le->line[i] < 0x20 || le->line[i] > 0x7e)
			fail("a non-printable byte in the line", at);
	if (le->hist_pos > avail)
		fail("history position past the history", at);
	if (term.overrun)
		fail("the echo ran past the line", at);
	if (term.col != le->len || memcmp(term.row, le->line, le->len))
		fail("the terminal does not show the line", at);
	for (size_t i = term.col; i < term.width; i++)
		if (term.row[i] != ' ')
			fail("the terminal shows more than the line", at);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct line_editor le;
	static char input[4096];
	size_t n = size < sizeof(input) - 1 ? size : sizeof(input) - 1;

	memcpy(input, data, n);
	input[n] = '\0';
	check_split(input, 0);

	memset(&term, 0, sizeof(term));
	le_init(&le, term_out, NULL);
	le_reset(&le);
	for (size_t i = 0; i < size; i++) {
		enum le_event ev = le_feed(&le, data[i]);

		if (ev == LE_ABANDON && le.len)
			fail("Ctrl-C left a line", i);
		if (ev == LE_LINE && term.col)
			fail("Enter did not end the terminal's line", i);
		if (ev == LE_NONE) {
			check_editor(&le, i);
			continue;
		}
		if (ev == LE_LINE && !le.garbage && !le.overflow) {
			check_split(le.line, i);
			le_history_add(&le, le.line);
		}
		le_reset(&le);
		check_editor(&le, i);
	}
	return 0;
}
