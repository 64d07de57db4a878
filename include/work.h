/*
 * work.h - deferred work: what an interrupt handler hands to process
 * context (pfnos has no scheduler, so no threads to hand it to).
 *
 * An interrupt handler (a timer callback, say) that finds a long job - an
 * NVMe controller reset waits for the controller for seconds - fills a
 * struct work and calls work_queue(). The places where the kernel waits
 * (the block layer's halt, the shell's idle loop, polling loops) call
 * work_run_pending(), which runs queued work with interrupts enabled and
 * outside any handler, so the console, timers and other devices go on while
 * it runs. Interrupt handlers never run work.
 *
 * A struct work is owned by its submitter (usually embedded in a driver
 * structure) and must stay alive while queued or running. Queueing work that
 * is already queued does nothing; work may requeue itself from its fn.
 */
#ifndef PFNOS_WORK_H
#define PFNOS_WORK_H

#include "types.h"

struct work {
	void (*fn)(struct work *w);
	struct work *next;		/* the pending list */
	bool queued;
};

static inline void work_init(struct work *w, void (*fn)(struct work *w))
{
	w->fn = fn;
	w->next = NULL;
	w->queued = false;
}

/**
 * work_queue - have @w->fn run soon in process context
 * @w: initialised with work_init()
 *
 * Returns true when queued, false when it already was.
 * Context: any, interrupt handlers included.
 */
bool work_queue(struct work *w);

/**
 * work_run_pending - run the work queued so far, oldest first
 *
 * Runs nothing in an interrupt handler, with interrupts disabled, or when
 * called from inside a running work (work never nests). Each fn runs with
 * interrupts enabled. Returns the number of works run.
 * Context: process context that may block (the places that halt or poll).
 */
unsigned work_run_pending(void);

/* Is any work queued? (A wait loop may skip halting when so.) */
bool work_pending(void);

#endif
