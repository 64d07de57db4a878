/*
 * fuzz_cmdline.c - libFuzzer target for the kernel command line
 * (kernel/cmdline.c) and the typed lookups of kernel parameters
 * (kernel/params.c).
 *
 * Input: the command line (a NUL ends it, as it would in the kernel; at most
 * twice CMDLINE_MAX bytes are taken, so the too-long paths run). Checked:
 * the words stay inside the parser's tables and hold no double quote; a key
 * is empty only with a value; cmdline_get() gives each key's last value and
 * cmdline_get_all() all of them in order; run= is the "; " join of the
 * non-empty run= values; the words written back, each one quoted, parse to
 * the same words; kernel_param_u64() and kernel_param_bool() agree with
 * parse_size() and parse_bool() on every value. A violation aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include "cmdline.h"
#include "errno.h"
#include "lib.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static void fail(const char *what, unsigned i)
{
	fprintf(stderr, "cmdline: %s (word %u)\n", what, i);
	abort();
}

static bool inside(const struct cmdline *cl, const char *p)
{
	return p >= cl->buf && p < cl->buf + sizeof(cl->buf) &&
	       memchr(p, '\0', cl->buf + sizeof(cl->buf) - p);
}

static void check_words(const struct cmdline *cl)
{
	if (cl->nparams > CMDLINE_MAX_PARAMS)
		fail("too many words", cl->nparams);
	if (!memchr(cl->raw, '\0', sizeof(cl->raw)) || !memchr(cl->run, '\0', sizeof(cl->run)))
		fail("raw or run not terminated", 0);
	for (unsigned i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *p = &cl->params[i];

		if (!inside(cl, p->key) || (p->val && !inside(cl, p->val)))
			fail("word outside the buffer", i);
		if (strchr(p->key, '"') || (p->val && strchr(p->val, '"')))
			fail("a quote kept in a word", i);
		if (strchr(p->key, '='))
			fail("'=' in a key", i);
		if (!*p->key && !p->val)
			fail("an empty word", i);
	}
}

/* A lookup's answer for word p: its own value, or "" for a bare word. */
static bool same_value(const char *got, const struct cmdline_param *p)
{
	return got && (p->val ? got == p->val : !*got);
}

static void check_lookups(const struct cmdline *cl)
{
	const char *vals[CMDLINE_MAX_PARAMS];

	for (unsigned i = 0; i < cl->nparams; i++) {
		const char *key = cl->params[i].key;
		const struct cmdline_param *last = NULL;
		unsigned n = 0, got;

		for (unsigned j = 0; j < cl->nparams; j++)
			if (!strcmp(cl->params[j].key, key))
				last = &cl->params[j];
		if (!same_value(cmdline_get(cl, key), last))
			fail("cmdline_get is not the last value", i);
		got = cmdline_get_all(cl, key, vals, ARRAY_SIZE(vals));
		for (unsigned j = 0; j < cl->nparams; j++) {
			if (strcmp(cl->params[j].key, key))
				continue;
			if (n >= got || !same_value(vals[n], &cl->params[j]))
				fail("cmdline_get_all out of order", i);
			n++;
		}
		if (n != got)
			fail("cmdline_get_all count", i);
	}
}

static void check_run(const struct cmdline *cl)
{
	static char want[CMDLINE_MAX];
	size_t n = 0;

	want[0] = '\0';
	for (unsigned i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *p = &cl->params[i];

		if (strcmp(p->key, "run") || !p->val || !*p->val)
			continue;
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%s%s", n ? "; " : "", p->val);
		if (n >= sizeof(want))
			fail("run= join longer than the table, without -E2BIG", i);
	}
	if (strcmp(want, cl->run))
		fail("run= is not the join of the run= values", 0);
}

/* Write the words back, each quoted; parse again: the same words. */
static void check_round_trip(const struct cmdline *cl)
{
	static struct cmdline again;
	static char line[CMDLINE_MAX + 4 * CMDLINE_MAX_PARAMS];
	size_t n = 0;

	line[0] = '\0';
	for (unsigned i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *p = &cl->params[i];

		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s\"%s%s%s\"", i ? " " : "",
				      p->key, p->val ? "=" : "", p->val ? p->val : "");
	}
	if (n >= CMDLINE_MAX)
		return;		/* the quotes made it too long */
	if (cmdline_parse(&again, line))
		fail("the quoted words do not parse", 0);
	if (again.nparams != cl->nparams)
		fail("the quoted words are another number of words", again.nparams);
	for (unsigned i = 0; i < cl->nparams; i++) {
		const struct cmdline_param *a = &cl->params[i], *b = &again.params[i];

		if (strcmp(a->key, b->key) || !a->val != !b->val ||
		    (a->val && strcmp(a->val, b->val)))
			fail("a quoted word parses to another word", i);
	}
}

/* kernel_param_*() on boot_cmdline, against the number and bool parsers. */
static void check_params(void)
{
	for (unsigned i = 0; i < boot_cmdline.nparams; i++) {
		const char *key = boot_cmdline.params[i].key;
		const char *val = cmdline_get(&boot_cmdline, key);
		u64 v, want = 0x5eed;
		bool b, wantb = false;

		if (!parse_size(val, &v))
			want = v;
		if (kernel_param_u64(key, 0x5eed) != want)
			fail("kernel_param_u64 disagrees with parse_size", i);
		if (!*val)
			wantb = true;
		else if (!parse_bool(val, &b))
			wantb = b;
		if (kernel_param_bool(key, false) != wantb)
			fail("kernel_param_bool disagrees with parse_bool", i);
	}
	if (kernel_param("no such key, it has blanks") != NULL)
		fail("a key no word has was found", 0);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static char line[2 * CMDLINE_MAX];
	static struct cmdline cl;
	size_t n = size < sizeof(line) - 1 ? size : sizeof(line) - 1;
	int err;

	memcpy(line, data, n);
	line[n] = '\0';
	err = cmdline_parse(&cl, line);
	if (err && err != -E2BIG)
		fail("an error other than -E2BIG", 0);
	if (!err && strlen(line) >= CMDLINE_MAX)
		fail("a line longer than CMDLINE_MAX without -E2BIG", 0);
	if (strncmp(cl.raw, line, sizeof(cl.raw) - 1))
		fail("raw is not the line", 0);
	check_words(&cl);
	check_lookups(&cl);
	if (!err) {
		check_run(&cl);
		check_round_trip(&cl);
	}
	cmdline_parse(&boot_cmdline, line);
	check_params();
	return 0;
}
