/*
 * nd_host.c - the host's struct nd_media (nd_host.h), and the one-CPU
 * stand-ins for smp.h and spinlock.h that pure code built for the host
 * needs (a lock taken twice, or released unheld, aborts). They are weak:
 * a host side that provides its own (tests/unit/host.c, once SMP code is
 * host-tested) wins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "nd_host.h"
#include "errno.h"

__attribute__((weak)) unsigned smp_processor_id(void)
{
	return 0;
}

__attribute__((weak)) void spin_lock_init(spinlock_t *lock, const char *name)
{
	lock->locked = 0;
	lock->owner = ~0U;
	lock->name = name;
}

__attribute__((weak)) void spin_lock(spinlock_t *lock)
{
	if (lock->locked) {
		fprintf(stderr, "spinlock %s taken twice\n", lock->name);
		abort();
	}
	lock->locked = 1;
}

__attribute__((weak)) void spin_unlock(spinlock_t *lock)
{
	if (!lock->locked) {
		fprintf(stderr, "spinlock %s released unheld\n", lock->name);
		abort();
	}
	lock->locked = 0;
}

__attribute__((weak)) unsigned long spin_lock_irqsave(spinlock_t *lock)
{
	spin_lock(lock);
	return 0;
}

__attribute__((weak)) void spin_unlock_irqrestore(spinlock_t *lock, unsigned long flags)
{
	spin_unlock(lock);
}

static int h_read(void *ctx, u64 off, void *buf, size_t n)
{
	struct nd_host *h = ctx;

	if (off > h->media.size || n > h->media.size - off)
		return -EIO;
	memcpy(buf, h->mem + off, n);
	return 0;
}

static int h_write(void *ctx, u64 off, const void *buf, size_t n)
{
	struct nd_host *h = ctx;

	h->writes++;
	if (h->ro)
		return -EROFS;
	if (off > h->media.size || n > h->media.size - off)
		return -EIO;
	if (h->off)
		return 0;	/* the power is off: nothing reaches the media */
	if (buf)
		memcpy(h->mem + off, buf, n);
	else
		memset(h->mem + off, 0, n);
	if (h->dirty)
		for (u64 w = off / 8; w < (off + n + 7) / 8; w++) {
			if (h->dirty[w])
				continue;
			if (h->nlist == h->cap) {
				h->cap = h->cap ? h->cap * 2 : 4096;
				h->list = realloc(h->list, h->cap * sizeof(*h->list));
				if (!h->list)
					abort();
			}
			h->dirty[w] = 1;
			h->list[h->nlist++] = w;
		}
	return 0;
}

static void h_persist(void *ctx, enum nd_point p)
{
	struct nd_host *h = ctx;

	if (h->off)
		return;
	if (h->cut_after >= 0 && (long)h->persists >= h->cut_after) {
		h->off = true;	/* fails before anything pending is durable */
		return;
	}
	h->persists++;
	if ((unsigned)p <= ND_POINT_META)
		h->points[p]++;
	if (!h->durable)
		return;
	for (u64 i = 0; i < h->nlist; i++) {
		u64 w = h->list[i];

		memcpy(h->durable + w * 8, h->mem + w * 8, 8);
		h->dirty[w] = 0;
	}
	h->nlist = 0;
}

static const struct nd_media_ops nd_host_ops = {
	.read = h_read,
	.write = h_write,
	.persist = h_persist,
};

int nd_host_init(struct nd_host *h, u64 size, bool track)
{
	memset(h, 0, sizeof(*h));
	h->media = (struct nd_media){ .ops = &nd_host_ops, .ctx = h, .size = size };
	h->cut_after = -1;
	h->mem = calloc(1, size);
	if (track) {
		h->durable = calloc(1, size);
		h->dirty = calloc(1, size / 8 + 1);
	}
	if (!h->mem || (track && (!h->durable || !h->dirty)))
		return -ENOMEM;
	return 0;
}

void nd_host_wrap(struct nd_host *h, u8 *mem, u64 size, bool ro)
{
	memset(h, 0, sizeof(*h));
	h->media = (struct nd_media){ .ops = &nd_host_ops, .ctx = h, .size = size };
	h->cut_after = -1;
	h->mem = mem;
	h->ro = ro;
}

void nd_host_free(struct nd_host *h)
{
	free(h->mem);
	free(h->durable);
	free(h->dirty);
	free(h->list);
	h->mem = h->durable = h->dirty = NULL;
	h->list = NULL;
}

void nd_host_crash(struct nd_host *h, bool torn, u32 seed)
{
	for (u64 i = 0; i < h->nlist; i++) {
		u64 w = h->list[i];

		seed = seed * 1103515245U + 12345U;
		if (torn && (seed >> 16) & 1)
			memcpy(h->durable + w * 8, h->mem + w * 8, 8);
		h->dirty[w] = 0;
	}
	h->nlist = 0;
	memcpy(h->mem, h->durable, h->media.size);
	h->cut_after = -1;
	h->off = false;
}
