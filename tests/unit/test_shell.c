/*
 * test_shell.c - host tests of command-line parsing (Linux parse_args
 * quoting, repeated keys, run= appending), shell word splitting, cutting a
 * line into ';'-separated commands, and the line editor's handling of
 * editing keys, history and garbage.
 */
#include "cmdline.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "shell/lineedit.h"
#include "shell.h"

static struct cmdline cl;

KTEST(cmdline, quoting_forms_are_equal)
{
	KT_ASSERT_EQ(cmdline_parse(&cl, "\"run=a; b\" x=1"), 0);
	KT_EXPECT_STREQ(cmdline_get(&cl, "run"), "a; b");
	KT_EXPECT_STREQ(cl.run, "a; b");
	KT_ASSERT_EQ(cmdline_parse(&cl, "run=\"a; b\" x=1"), 0);
	KT_EXPECT_STREQ(cmdline_get(&cl, "run"), "a; b");
	KT_EXPECT_STREQ(cmdline_get(&cl, "x"), "1");
	KT_EXPECT_EQ(cl.nparams, 2);
}

KTEST(cmdline, repeated_keys)
{
	const char *vals[4];

	KT_ASSERT_EQ(cmdline_parse(&cl, "loglevel=3 run=\"echo 1\" memmap=1M!2M loglevel=7 run=\"echo 2; echo 3\" memmap=4M!8M quiet"), 0);
	KT_EXPECT_STREQ(cmdline_get(&cl, "loglevel"), "7");
	KT_EXPECT_STREQ(cl.run, "echo 1; echo 2; echo 3");
	KT_ASSERT_EQ(cmdline_get_all(&cl, "memmap", vals, 4), 2);
	KT_EXPECT_STREQ(vals[0], "1M!2M");
	KT_EXPECT_STREQ(vals[1], "4M!8M");
	KT_EXPECT_STREQ(cmdline_get(&cl, "quiet"), "");
	KT_EXPECT(cmdline_get(&cl, "absent") == NULL);
}

KTEST(cmdline, odd_input)
{
	KT_ASSERT_EQ(cmdline_parse(&cl, ""), 0);
	KT_EXPECT_EQ(cl.nparams, 0);
	KT_ASSERT_EQ(cmdline_parse(&cl, "   \t  "), 0);
	KT_EXPECT_EQ(cl.nparams, 0);
	KT_ASSERT_EQ(cmdline_parse(&cl, "a=\"unterminated b=2"), 0);
	KT_EXPECT_STREQ(cmdline_get(&cl, "a"), "unterminated b=2");
	KT_ASSERT_EQ(cmdline_parse(&cl, "k=v=w \"\" =x"), 0);
	KT_EXPECT_STREQ(cmdline_get(&cl, "k"), "v=w");
	KT_EXPECT_STREQ(cmdline_get(&cl, ""), "x");
	KT_ASSERT_EQ(cmdline_parse(&cl, "run="), 0);
	KT_EXPECT_STREQ(cl.run, "");
}

KTEST(cmdline, too_long)
{
	static char big[CMDLINE_MAX * 2];
	char word[8];
	size_t n = 0;

	memset(big, 'x', sizeof(big) - 1);
	KT_EXPECT_EQ(cmdline_parse(&cl, big), -E2BIG);
	big[0] = '\0';
	for (int i = 0; i < CMDLINE_MAX_PARAMS + 5; i++) {
		snprintf(word, sizeof(word), "w%d ", i);
		n += strlcpy(big + n, word, sizeof(big) - n);
	}
	KT_EXPECT_EQ(cmdline_parse(&cl, big), -E2BIG);
	KT_EXPECT_EQ(cl.nparams, CMDLINE_MAX_PARAMS);
}

KTEST(shell, split_words)
{
	static const struct {
		const char *in;
		int argc;
		const char *argv[4];
	} cases[] = {
		{ "", 0, { NULL } },
		{ "   ", 0, { NULL } },
		{ "help", 1, { "help" } },
		{ "  write  pmem0 1\t2 ", 4, { "write", "pmem0", "1", "2" } },
		{ "echo \"a  b\" c", 3, { "echo", "a  b", "c" } },
		{ "echo x\"y z\"w", 2, { "echo", "xy zw" } },
		{ "echo \"\"", 2, { "echo", "" } },
		{ "echo \"open", -EINVAL, { NULL } },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char buf[64], *argv[8];
		int argc;

		strlcpy(buf, cases[i].in, sizeof(buf));
		argc = shell_split(buf, argv, 8);
		KT_EXPECT_EQ(argc, cases[i].argc);
		for (int a = 0; a < argc && a < 4; a++)
			KT_EXPECT_STREQ(argv[a], cases[i].argv[a]);
	}
}

KTEST(shell, split_too_many)
{
	char buf[64] = "a b c d e";
	char *argv[4];

	KT_EXPECT_EQ(shell_split(buf, argv, 4), -E2BIG);
}

/* Every piece shell_cut_command() gives for in, "!E2BIG" for a refused one. */
static void cut_all(const char *in, size_t size, const char *const *want, unsigned nwant)
{
	const char *p = in;
	char buf[64];
	unsigned n = 0;
	int len;

	while ((len = shell_cut_command(&p, buf, size)) != -ENODATA) {
		const char *got = len == -E2BIG ? "!E2BIG" : buf;

		KT_ASSERT(len >= 0 || len == -E2BIG);
		KT_ASSERT(n < nwant);
		if (len >= 0)
			KT_EXPECT_EQ((size_t)len, strlen(buf));
		if (strcmp(got, want[n]))
			ktest_fail(__FILE__, __LINE__, "\"%s\" piece %u: \"%s\", want \"%s\"",
				   in, n, got, want[n]);
		n++;
	}
	KT_EXPECT_EQ(n, nwant);
	KT_EXPECT(*p == '\0');
}

KTEST(shell, cut_commands)
{
	static const struct {
		const char *in;
		size_t size;
		unsigned n;
		const char *want[4];
	} cases[] = {
		{ "", 64, 0, { NULL } },
		{ "help", 64, 1, { "help" } },
		{ "write pmem0 0 8 1; echo x", 64, 2, { "write pmem0 0 8 1", "echo x" } },
		{ " a ;b;  ; \tc\t", 64, 4, { "a", "b", "", "c" } },
		{ "a;", 64, 1, { "a" } },
		{ ";a", 64, 2, { "", "a" } },
		{ "echo \"a;b\" c; echo d", 64, 2, { "echo \"a;b\" c", "echo d" } },
		{ "echo \"open; still", 64, 1, { "echo \"open; still" } },
		{ "12345678; 1234567;x", 8, 3, { "!E2BIG", "1234567", "x" } },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		cut_all(cases[i].in, cases[i].size, cases[i].want, cases[i].n);
}

static char echo_buf[4096];
static size_t echo_len;
static void echo_out(const char *s, size_t n, void *arg)
{
	if (echo_len + n < sizeof(echo_buf)) {
		memcpy(echo_buf + echo_len, s, n);
		echo_len += n;
		echo_buf[echo_len] = '\0';
	}
}

static enum le_event feed(struct line_editor *le, const char *s, size_t n)
{
	enum le_event ev = LE_NONE;

	for (size_t i = 0; i < n; i++) {
		ev = le_feed(le, (u8)s[i]);
		if (ev != LE_NONE && i + 1 < n)
			return (enum le_event)-1;	/* ended early */
	}
	return ev;
}
#define FEED(le, lit) feed(le, lit, sizeof(lit) - 1)

static struct line_editor le;

KTEST(lineedit, editing_keys)
{
	le_init(&le, echo_out, NULL);
	le_reset(&le);
	echo_len = 0;
	KT_EXPECT_EQ(FEED(&le, "helx\x7fp\r"), LE_LINE);
	KT_EXPECT_STREQ(le.line, "help");
	KT_EXPECT_STREQ(echo_buf, "helx\b \bp\n");
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "garbage\x15" "echo\n"), LE_LINE);
	KT_EXPECT_STREQ(le.line, "echo");
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "\x08\x08x\b\r"), LE_LINE);
	KT_EXPECT_STREQ(le.line, "");
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "abc\x03"), LE_ABANDON);
	KT_EXPECT_STREQ(le.line, "");
}

KTEST(lineedit, crlf_is_one_enter)
{
	le_init(&le, echo_out, NULL);
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "a\r"), LE_LINE);
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "\n"), LE_NONE);	/* the LF of CR LF */
	KT_EXPECT_EQ(FEED(&le, "\n"), LE_LINE);	/* a second LF is an empty line */
	KT_EXPECT_STREQ(le.line, "");
}

KTEST(lineedit, history)
{
	le_init(&le, echo_out, NULL);
	le_history_add(&le, "first");
	le_history_add(&le, "second");
	le_history_add(&le, "second");		/* no duplicate */
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "\x1b[A\r"), LE_LINE);
	KT_EXPECT_STREQ(le.line, "second");
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "\x1b[A\x1b[A\x1b[A\r"), LE_LINE);	/* stops at oldest */
	KT_EXPECT_STREQ(le.line, "first");
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "\x1b[A\x1b[A\x1b[B\r"), LE_LINE);
	KT_EXPECT_STREQ(le.line, "second");
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "x\x1b[A\x1b[B\r"), LE_LINE);	/* back to an empty line */
	KT_EXPECT_STREQ(le.line, "");
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "z\x1b\r"), LE_LINE);	/* Enter ends an open sequence */
	KT_EXPECT_STREQ(le.line, "z");
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "\x1b[12\r"), LE_LINE);
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "q\x1b[\x03"), LE_ABANDON);
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "a\x1b[C\x1b[3~b\r"), LE_LINE);	/* other sequences ignored */
	KT_EXPECT_STREQ(le.line, "ab");
	for (int i = 0; i < LE_HISTORY + 3; i++) {
		char l[16];

		snprintf(l, sizeof(l), "cmd%d", i);
		le_history_add(&le, l);
	}
	le_reset(&le);
	for (int i = 0; i < LE_HISTORY + 5; i++)
		le_feed(&le, 0x1b), le_feed(&le, '['), le_feed(&le, 'A');
	le_feed(&le, '\r');
	KT_EXPECT_STREQ(le.line, "cmd3");	/* the oldest one kept */
}

KTEST(lineedit, garbage_and_overflow)
{
	char big[LE_MAX_LINE + 10];

	le_init(&le, echo_out, NULL);
	le_reset(&le);
	KT_EXPECT_EQ(FEED(&le, "ab\x01\xff\x80" "c\r"), LE_LINE);
	KT_EXPECT(le.garbage);
	KT_EXPECT_STREQ(le.line, "abc");
	le_reset(&le);
	KT_EXPECT(!le.garbage);
	memset(big, 'y', sizeof(big));
	big[sizeof(big) - 1] = '\r';
	KT_EXPECT_EQ(feed(&le, big, sizeof(big)), LE_LINE);
	KT_EXPECT(le.overflow);
	KT_EXPECT_EQ(strlen(le.line), LE_MAX_LINE - 1);
}

static int cmd_unit_dummy(int argc, char **argv)
{
	return argc;
}
SHELL_COMMAND("unit-dummy", cmd_unit_dummy, "[x]", "a command for the host test");

KTEST(shell, find_command)
{
	const struct shell_cmd *c = shell_find("unit-dummy");

	KT_ASSERT(c != NULL);
	KT_EXPECT_EQ(c->fn(3, NULL), 3);
	KT_EXPECT(shell_find("unit-dumm") == NULL);
	KT_EXPECT(shell_find("") == NULL);
	KT_EXPECT_EQ(shell_cmds_end() - shell_cmds_begin(), 1);
}
