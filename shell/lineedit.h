/*
 * lineedit.h - the shell's line editor as a pure state machine
 * (shell/lineedit.c; tests/unit/test_shell.c drives it byte by byte).
 *
 * Feed it one input byte at a time; it echoes through the out callback and
 * reports when a line is complete or abandoned. Keys: printable ASCII
 * inserts at the end; Backspace/DEL erases; Ctrl-U erases the line; Ctrl-C
 * abandons it ("^C"); Enter (CR, LF, or CR LF) completes it; Up/Down arrows
 * (ESC [ A / ESC [ B) walk the history. Other control bytes and bytes >= 0x80
 * are not inserted but remembered, so the shell can refuse a line that held
 * binary garbage; characters past the maximum length are dropped and
 * remembered likewise.
 */
#ifndef PFNOS_LINEEDIT_H
#define PFNOS_LINEEDIT_H

#include "types.h"

#define LE_MAX_LINE	512
#define LE_HISTORY	16

enum le_event {
	LE_NONE,
	LE_LINE,	/* le->line holds a complete line */
	LE_ABANDON,	/* Ctrl-C */
};

struct line_editor {
	char line[LE_MAX_LINE];
	size_t len;
	bool overflow;		/* characters were dropped */
	bool garbage;		/* non-printable bytes were seen */
	int esc;		/* escape-sequence state */
	bool last_cr;		/* swallow the LF of CR LF */
	char history[LE_HISTORY][LE_MAX_LINE];
	unsigned hist_count;	/* lines ever added */
	unsigned hist_pos;	/* while browsing: how far back (0 = editing) */
	void (*out)(const char *s, size_t len, void *arg);
	void *arg;
};

void le_init(struct line_editor *le, void (*out)(const char *, size_t, void *),
	     void *arg);
/* Start a new line (after a prompt). */
void le_reset(struct line_editor *le);
enum le_event le_feed(struct line_editor *le, u8 c);
void le_history_add(struct line_editor *le, const char *line);

#endif
