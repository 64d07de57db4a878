/*
 * lineedit.c - the shell's line editor (see lineedit.h). Pure logic: no
 * hardware, output only through the callback.
 */
#include "lib.h"
#include "lineedit.h"

static void le_out(struct line_editor *le, const char *s, size_t n)
{
	if (le->out)
		le->out(s, n, le->arg);
}

void le_init(struct line_editor *le, void (*out)(const char *, size_t, void *),
	     void *arg)
{
	memset(le, 0, sizeof(*le));
	le->out = out;
	le->arg = arg;
}

void le_reset(struct line_editor *le)
{
	le->len = 0;
	le->line[0] = '\0';
	le->overflow = false;
	le->garbage = false;
	le->esc = 0;
	le->hist_pos = 0;
}

static void le_erase_all(struct line_editor *le)
{
	while (le->len) {
		le_out(le, "\b \b", 3);
		le->len--;
	}
	le->line[0] = '\0';
}

void le_history_add(struct line_editor *le, const char *line)
{
	if (!*line)
		return;
	if (le->hist_count &&
	    !strcmp(le->history[(le->hist_count - 1) % LE_HISTORY], line))
		return;
	strlcpy(le->history[le->hist_count % LE_HISTORY], line, LE_MAX_LINE);
	le->hist_count++;
}

static void le_recall(struct line_editor *le, unsigned pos)
{
	unsigned avail = le->hist_count < LE_HISTORY ? le->hist_count : LE_HISTORY;

	if (pos > avail)
		return;
	le_erase_all(le);
	le->hist_pos = pos;
	if (pos) {
		strlcpy(le->line, le->history[(le->hist_count - pos) % LE_HISTORY],
			LE_MAX_LINE);
		le->len = strlen(le->line);
		le_out(le, le->line, le->len);
	}
}

enum le_event le_feed(struct line_editor *le, u8 c)
{
	bool was_cr = le->last_cr;

	le->last_cr = false;
	if (le->esc && (c == '\r' || c == '\n' || c == 0x03))
		le->esc = 0;	/* Enter and Ctrl-C end an unfinished sequence */
	if (le->esc == 1) {		/* after ESC */
		le->esc = (c == '[' || c == 'O') ? 2 : 0;
		return LE_NONE;
	}
	if (le->esc == 2) {		/* after ESC [ */
		if (c >= '0' && c <= '9')
			return LE_NONE;	/* parameters, e.g. ESC [ 3 ~ */
		le->esc = 0;
		if (c == 'A')
			le_recall(le, le->hist_pos + 1);
		else if (c == 'B' && le->hist_pos)
			le_recall(le, le->hist_pos - 1);
		return LE_NONE;
	}
	switch (c) {
	case '\r':
	case '\n':
		if (c == '\n' && was_cr)
			return LE_NONE;
		le->last_cr = (c == '\r');
		le_out(le, "\n", 1);
		le->line[le->len] = '\0';
		return LE_LINE;
	case 0x03:			/* Ctrl-C */
		le_out(le, "^C\n", 3);
		le->len = 0;
		le->line[0] = '\0';
		return LE_ABANDON;
	case 0x15:			/* Ctrl-U */
		le_erase_all(le);
		return LE_NONE;
	case 0x08:
	case 0x7f:			/* Backspace, DEL */
		if (le->len) {
			le->len--;
			le->line[le->len] = '\0';
			le_out(le, "\b \b", 3);
		}
		return LE_NONE;
	case 0x1b:
		le->esc = 1;
		return LE_NONE;
	case '\t':
		c = ' ';
		break;
	default:
		break;
	}
	if (c < 0x20 || c >= 0x7f) {
		le->garbage = true;
		return LE_NONE;
	}
	if (le->len >= LE_MAX_LINE - 1) {
		le->overflow = true;
		return LE_NONE;
	}
	le->line[le->len++] = (char)c;
	le->line[le->len] = '\0';
	le_out(le, (const char *)&c, 1);
	return LE_NONE;
}
