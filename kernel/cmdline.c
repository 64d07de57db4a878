/*
 * cmdline.c - kernel command line parsing (pure: tests/unit/test_cmdline.c).
 *
 * Words are separated by unquoted blanks; a double quote toggles quoting and
 * is itself dropped, as Linux's parse_args/next_arg does in effect, so
 * "run=a; b" and run="a; b" both give key run, value "a; b". The first '='
 * outside... of the word splits key from value. Repeated keys: the last value
 * wins for lookups, except run=, whose values are joined with "; ".
 */
#include "cmdline.h"
#include "errno.h"
#include "lib.h"

struct cmdline boot_cmdline;

int cmdline_parse(struct cmdline *cl, const char *line)
{
	size_t out = 0, runlen = 0;
	const char *p = line;
	int err = 0;

	memset(cl, 0, sizeof(*cl));
	if (strlcpy(cl->raw, line, sizeof(cl->raw)) >= sizeof(cl->raw))
		err = -E2BIG;
	for (;;) {
		bool quoted = false;
		size_t start;
		char *word, *eq;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		start = out;
		while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'))) {
			if (*p == '"') {
				quoted = !quoted;
			} else if (out < sizeof(cl->buf) - 1) {
				cl->buf[out++] = *p;
			} else {
				err = -E2BIG;
			}
			p++;
		}
		if (out >= sizeof(cl->buf) - 1) {
			err = -E2BIG;
			break;
		}
		cl->buf[out++] = '\0';
		if (out == start + 1)
			continue;	/* "" alone */
		if (cl->nparams >= CMDLINE_MAX_PARAMS) {
			err = -E2BIG;
			break;
		}
		word = &cl->buf[start];
		eq = strchr(word, '=');
		cl->params[cl->nparams].key = word;
		cl->params[cl->nparams].val = NULL;
		if (eq) {
			*eq = '\0';
			cl->params[cl->nparams].val = eq + 1;
		}
		if (eq && !strcmp(word, "run") && eq[1]) {
			size_t need = strlen(eq + 1) + (runlen ? 2 : 0);

			if (runlen + need < sizeof(cl->run)) {
				if (runlen) {
					memcpy(cl->run + runlen, "; ", 2);
					runlen += 2;
				}
				strlcpy(cl->run + runlen, eq + 1, sizeof(cl->run) - runlen);
				runlen += strlen(eq + 1);
			} else {
				err = -E2BIG;
			}
		}
		cl->nparams++;
	}
	return err;
}

const char *cmdline_get(const struct cmdline *cl, const char *key)
{
	for (unsigned i = cl->nparams; i-- > 0;)
		if (!strcmp(cl->params[i].key, key))
			return cl->params[i].val ? cl->params[i].val : "";
	return NULL;
}

unsigned cmdline_get_all(const struct cmdline *cl, const char *key,
			 const char **vals, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < cl->nparams && n < max; i++)
		if (!strcmp(cl->params[i].key, key))
			vals[n++] = cl->params[i].val ? cl->params[i].val : "";
	return n;
}
