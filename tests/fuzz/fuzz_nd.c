/*
 * fuzz_nd.c - libFuzzer target for the NVDIMM namespace parsers
 * (drivers/nvdimm/nd_info.c and btt.c): the info-block probe, BTT
 * discovery with its flog and map checks, recovery, reads, writes and
 * the ndctl-style check, on a namespace whose metadata comes from the input.
 *
 * The namespace is sparse: zeroes except three windows filled from the input.
 * Input:
 *	bytes 0-3	u32: namespace size = 16 MiB + 8 KiB + (v % 48 MiB), 4 KiB aligned
 *	byte 4		bit 0: fix the info block's checksum (to get past it);
 *			bit 1: the info block goes at offset 0 instead (BTT 2.0)
 *	4096 bytes	the info block at 4 KiB
 *	up to 16 KiB	the flog, at the BTT's logoff (when the block says one)
 *	the rest	the map, at the BTT's mapoff (at most 64 KiB)
 * Checked: nothing crashes or reads out of bounds; no write leaves the
 * namespace; a BTT that attaches reads back what it wrote; a read-only
 * attach never writes; ns destroy over whatever is there succeeds.
 * Offsets that wrap get no window (zeroes there) but are parsed all the same.
 */
#include <stdlib.h>
#include <string.h>
#include "errno.h"
#include "lib.h"
#include "nd.h"
#include "drivers/nvdimm/nd_reg.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

struct win {
	u64 off;
	u32 len;
	u8 *buf;
};

struct sparse {
	struct win w[3];
	u64 size;
	u64 writes;
	bool ro;
};

static int sp_read(void *ctx, u64 off, void *buf, size_t n)
{
	struct sparse *s = ctx;

	memset(buf, 0, n);
	for (unsigned i = 0; i < 3; i++) {
		const struct win *w = &s->w[i];
		u64 a = off > w->off ? off : w->off;
		u64 b = off + n < w->off + w->len ? off + n : w->off + w->len;

		if (w->buf && a < b)
			memcpy((u8 *)buf + (a - off), w->buf + (a - w->off), b - a);
	}
	return 0;
}

static int sp_write(void *ctx, u64 off, const void *buf, size_t n)
{
	struct sparse *s = ctx;

	s->writes++;
	if (s->ro)
		abort();	/* a read-only attach must never write */
	if (off > s->size || n > s->size - off)
		abort();	/* the callers bound every write by the namespace */
	for (unsigned i = 0; i < 3; i++) {
		struct win *w = &s->w[i];
		u64 a = off > w->off ? off : w->off;
		u64 b = off + n < w->off + w->len ? off + n : w->off + w->len;

		if (w->buf && a < b) {
			if (buf)
				memcpy(w->buf + (a - w->off), (const u8 *)buf + (a - off), b - a);
			else
				memset(w->buf + (a - w->off), 0, b - a);
		}
	}
	return 0;
}

static void sp_persist(void *ctx, enum nd_point p)
{
}

static const struct nd_media_ops sp_ops = {
	.read = sp_read,
	.write = sp_write,
	.persist = sp_persist,
};

static struct btt bt, scratch;

static void report(void *arg, const char *line)
{
	if (strlen(line) >= 160)
		abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static u8 info[ND_INFO_SIZE], flog[16384], map[65536], sect[4096], back[4096];
	struct sparse s = { 0 };
	struct nd_media m = { .ops = &sp_ops, .ctx = &s };
	struct nd_ns_info ni;
	struct btt_sb *sb = (struct btt_sb *)info;
	u32 v, flen, mlen;
	u8 flags;

	if (size < 5 + ND_INFO_SIZE)
		return 0;
	memcpy(&v, data, 4);
	flags = data[4];
	m.size = ((16ULL << 20) + 8192 + v % (48U << 20)) & ~4095ULL;
	memcpy(info, data + 5, ND_INFO_SIZE);
	if (flags & 1)
		sb->checksum = nd_sb_checksum(info);
	data += 5 + ND_INFO_SIZE;
	size -= 5 + ND_INFO_SIZE;
	flen = (u32)(size < sizeof(flog) ? size : sizeof(flog));
	memset(flog, 0, sizeof(flog));
	memcpy(flog, data, flen);
	mlen = (u32)(size - flen < sizeof(map) ? size - flen : sizeof(map));
	memset(map, 0, sizeof(map));
	memcpy(map, data + flen, mlen);

	s.w[0] = (struct win){ (flags & 2) ? 0 : ND_INFO_OFF, ND_INFO_SIZE, info };
	s.w[1] = (struct win){ ND_INFO_OFF + sb->logoff, sizeof(flog), flog };
	s.w[2] = (struct win){ ND_INFO_OFF + sb->mapoff, sizeof(map), map };
	/* offsets that wrap: nothing to place there, but parse them all the same */
	if (s.w[1].off < sb->logoff)
		s.w[1].buf = NULL;
	if (s.w[2].off < sb->mapoff)
		s.w[2].buf = NULL;
	s.size = m.size;

	s.ro = true;
	if (nd_probe(&m, &ni))
		abort();
	if (ni.mode == ND_MODE_BAD && !ni.why[0])
		abort();
	if (btt_init(&bt, &m, true) == 0) {
		size_t n = btt_check_bitmap_bytes(&m);

		for (u64 l = 0; l < 4 && l < bt.nlba; l++)
			btt_read(&bt, l * 977 % bt.nlba, sect);
		if (n && n <= (8U << 20)) {
			u8 *bm = calloc(1, n);

			btt_check(&scratch, &m, bm, n, report, NULL);
			free(bm);
		}
		if (btt_write(&bt, 0, sect) != -EROFS)
			abort();
	}
	s.ro = false;
	if (btt_init(&bt, &m, false) == 0 && !bt.ro && bt.nlba) {
		u64 lba = v % bt.nlba;

		memset(sect, 0x5a, sizeof(sect));
		if (btt_write(&bt, lba, sect) == 0 && btt_read(&bt, lba, back) == 0 &&
		    memcmp(sect, back, bt.sector_size) &&
		    /* the block may lie outside the windows: then it reads zeroes */
		    back[0] != 0)
			abort();
	}
	if (nd_destroy_ns(&m))
		abort();
	return 0;
}
