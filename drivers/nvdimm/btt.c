/*
 * btt.c - the Block Translation Table, Linux's on-media format for sector
 * mode (BTT 1.1, 4 KiB into a namespace without labels), read, written,
 * recovered, formatted and checked. Pure: the namespace is reached through
 * struct nd_media (nd.h), so the host runs this same file on a backing file.
 *
 * A write of one sector (btt_write):
 *   1. take this CPU's lane (lane = CPU id mod nlanes, a spinlock each); its
 *      free block is freelist[lane].block;
 *   2. wait until no reader's read-tracking entry names that block;
 *   3. copy the data into it                               -> persist DATA
 *   4. under the map lock of the LBA, read the old map entry; write the
 *      lane's older flog slot: lba and old_map (8 bytes)   -> persist FLOG
 *      then new_map and seq (8 bytes)                      -> persist FLOG
 *   5. write the map entry (4 bytes, one store)            -> persist MAP
 *   6. the old block becomes the lane's free block.
 * After a crash before the seq half of step 4 is durable the flog still
 * names the older write and the map the old block: the sector reads old.
 * After it, recovery (btt_freelist_init, at every btt_init) finds the map
 * still at old_map and sets it to new_map (once every arena checked out):
 * the sector reads new. So every
 * acknowledged write is there and every sector is wholly one version.
 *
 * A read looks the LBA up in the map (initial zero entry: the block is the
 * LBA; Z alone: zeroes; E alone: -EIO), records the block in its lane's
 * read-tracking slot (a full barrier after it), rereads the map to be sure
 * it did not move, and copies.
 *
 * Everything follows Linux's drivers/nvdimm/btt.c semantics (discover_arenas,
 * log_set_indices with the old (0,2) flog layout, btt_log_get_old,
 * btt_freelist_init); what Linux would trust blindly (offsets, nfree,
 * sequence numbers, map entries) is checked, and a BTT that fails is refused
 * (btt->why says why) so that the caller keeps it read-only.
 */
#include "errno.h"
#include "lib.h"
#include "nd.h"
#include "nd_reg.h"

#define RTT_VALID	(1U << 31)

/* ---- media access ---- */

static int btt_rd(const struct nd_media *m, u64 off, void *buf, size_t n)
{
	if (off > m->size || n > m->size - off)
		return -EIO;
	return m->ops->read(m->ctx, off, buf, n);
}

static int btt_wr(const struct nd_media *m, u64 off, const void *buf, size_t n)
{
	if (off > m->size || n > m->size - off)
		return -EIO;
	return m->ops->write(m->ctx, off, buf, n);
}

static void btt_persist(const struct nd_media *m, enum nd_point p)
{
	m->ops->persist(m->ctx, p);
}

static int btt_fail(struct btt *btt, int err, const char *fmt, ...) __printf(3, 4);
static int btt_fail(struct btt *btt, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(btt->why, sizeof(btt->why), fmt, ap);
	va_end(ap);
	return err;
}

static u8 btt_inc_seq(u32 seq)
{
	static const u8 next[] = { 0, 2, 3, 1 };

	return next[seq & 3];
}

/* ---- the map ---- */

static int btt_map_raw(struct btt_arena *a, const struct nd_media *m, u32 premap,
		       u32 *raw)
{
	int err = btt_rd(m, a->mapoff + (u64)premap * BTT_MAP_ENT_SIZE, raw, 4);

	if (err)
		return err;
	/* read-only: recovery's map fixes live here, not on the media */
	for (u32 i = 0; i < a->nfix; i++)
		if (a->fix[i].lba == premap)
			*raw = a->fix[i].map | BTT_MAP_NORMAL;
	return 0;
}

/* The block premap maps to, and its flags (btt_map_read()). */
static int btt_map_get(struct btt_arena *a, const struct nd_media *m, u32 premap,
		       u32 *postmap, bool *trim, bool *error)
{
	u32 raw;
	int err = btt_map_raw(a, m, premap, &raw);

	if (err)
		return err;
	*trim = (raw & BTT_MAP_NORMAL) == BTT_MAP_Z;
	*error = (raw & BTT_MAP_NORMAL) == BTT_MAP_E;
	*postmap = (raw & BTT_MAP_NORMAL) ? raw & BTT_MAP_LBA_MASK : premap;
	return 0;
}

static int btt_map_set(struct btt_arena *a, const struct nd_media *m, u32 premap,
		       u32 postmap)
{
	u32 ent = (postmap & BTT_MAP_LBA_MASK) | BTT_MAP_NORMAL;
	int err = btt_wr(m, a->mapoff + (u64)premap * BTT_MAP_ENT_SIZE, &ent, 4);

	if (!err)
		btt_persist(m, ND_POINT_BTT_MAP);
	return err;
}

static u64 btt_block_off(const struct btt_arena *a, u32 block)
{
	return a->dataoff + (u64)block * a->internal_lbasize;
}

/* ---- the flog ---- */

static int btt_log_group(const struct btt_arena *a, const struct nd_media *m,
			 u32 lane, struct btt_log_entry ent[BTT_LOG_SLOTS])
{
	return btt_rd(m, a->logoff + (u64)lane * BTT_LOG_GRP_SIZE, ent,
		      BTT_LOG_GRP_SIZE);
}

static bool btt_ent_is_pad(const struct btt_log_entry *e)
{
	return !e->lba && !e->old_map && !e->new_map && !e->seq;
}

/*
 * Which flog slots hold the two entries: (0,1) as Linux writes them since
 * 4.15, or (0,2) in the older layout with 32-byte entries. Lanes still in
 * their initial state (one entry, three padding slots) say nothing; when
 * all are, (0,1). Linux's log_set_indices().
 */
static int btt_log_set_indices(struct btt *btt, struct btt_arena *a, unsigned ai)
{
	struct btt_log_entry g[BTT_LOG_SLOTS];
	int idx[2] = { -1, -1 };
	unsigned next = 0;
	bool set = false, initial = true;
	int err;

	for (u32 i = 0; i < a->nfree; i++) {
		unsigned pad = 0;

		err = btt_log_group(a, &btt->media, i, g);
		if (err)
			return btt_fail(btt, err, "arena %u: cannot read the flog", ai);
		for (int j = 0; j < BTT_LOG_SLOTS; j++) {
			if (!set) {
				if (btt_ent_is_pad(&g[j])) {
					pad++;
					continue;
				}
				if (next == 1 && j == idx[0])
					continue;
				idx[next++] = j;
				if (next == 2)
					set = true;
			} else if (j == idx[0]) {
				if (btt_ent_is_pad(&g[j]))
					goto bad;
			} else if (j != idx[1] && !btt_ent_is_pad(&g[j])) {
				goto bad;
			}
		}
		if (pad < 3)
			initial = false;
	}
	if (!initial && !set)
		goto bad;
	if (initial)
		idx[0] = 0, idx[1] = 1;
	if (idx[0] != 0 || (idx[1] != 1 && idx[1] != 2))
		goto bad;
	a->log_index[0] = idx[0];
	a->log_index[1] = idx[1];
	return 0;
bad:
	return btt_fail(btt, -EINVAL, "arena %u: flog slots in no layout Linux writes", ai);
}

/*
 * The newer of a lane's two entries (btt_log_read(LOG_NEW_ENT)): returns
 * its sub index 0/1 and copies it, or -EINVAL for an impossible pair
 * (equal or out-of-range sequence numbers, both slots never written).
 */
static int btt_log_newest(const struct btt_arena *a, const struct btt_log_entry g[4],
			  struct btt_log_entry *out)
{
	u32 s0 = g[a->log_index[0]].seq, s1 = g[a->log_index[1]].seq;
	int old;

	if (s0 > 3 || s1 > 3 || (!s0 && !s1) || s0 == s1)
		return -EINVAL;
	if (!s0)
		old = 0;	/* Linux: slot 0 unwritten counts as the older */
	else if (!s1)
		old = 1;
	else if (s0 < s1)
		old = s1 - s0 == 1 ? 0 : 1;
	else
		old = s0 - s1 == 1 ? 1 : 0;
	*out = g[a->log_index[1 - old]];
	return 1 - old;
}

/*
 * The free list from the flog, and recovery: a write whose flog entry is
 * durable but whose map entry is not gets its map entry, in memory (a->fix)
 * until btt_init() has checked every arena; then written unless read-only.
 * Linux's btt_freelist_init(), which writes at once.
 */
static int btt_freelist_init(struct btt *btt, struct btt_arena *a, unsigned ai)
{
	struct btt_log_entry g[BTT_LOG_SLOTS], e;
	const struct nd_media *m = &btt->media;
	int err;

	for (u32 i = 0; i < a->nfree; i++) {
		u32 oldmap, newmap, cur;
		bool trim, error;
		int sub;

		err = btt_log_group(a, m, i, g);
		if (err)
			return btt_fail(btt, err, "arena %u: cannot read the flog", ai);
		sub = btt_log_newest(a, g, &e);
		if (sub < 0)
			return btt_fail(btt, -EINVAL,
					"arena %u: flog lane %u: no valid entry (seq %u, %u)",
					ai, i, g[a->log_index[0]].seq, g[a->log_index[1]].seq);
		oldmap = e.old_map & BTT_MAP_LBA_MASK;
		newmap = e.new_map & BTT_MAP_LBA_MASK;
		if (e.lba >= a->external_nlba || oldmap >= a->internal_nlba ||
		    newmap >= a->internal_nlba)
			return btt_fail(btt, -EINVAL,
					"arena %u: flog lane %u out of range (lba %u, old %u, new %u; %u blocks)",
					ai, i, e.lba, oldmap, newmap, a->internal_nlba);
		a->freelist[i].sub = (u8)(1 - sub);
		a->freelist[i].seq = btt_inc_seq(e.seq);
		a->freelist[i].block = oldmap;
		a->freelist[i].has_err = (e.old_map & BTT_MAP_NORMAL) == BTT_MAP_E;
		if (oldmap == newmap)
			continue;	/* the lane's initial entry */
		err = btt_map_get(a, m, e.lba, &cur, &trim, &error);
		if (err)
			return btt_fail(btt, err, "arena %u: cannot read the map", ai);
		if (cur == newmap || cur != oldmap)
			continue;
		/* the flog entry is durable, the map entry is not: finish it, in
		 * memory until every arena has checked out (btt_apply_fixes) */
		a->fix[a->nfix].lba = e.lba;
		a->fix[a->nfix].map = newmap;
		a->nfix++;
	}
	return 0;
}

/*
 * Write recovery's map fixes, once the whole BTT is known good and
 * writable: a BTT refused at a later lane or arena (or read-only through an
 * error flag) gets no write at all.
 */
static int btt_apply_fixes(struct btt *btt)
{
	for (unsigned ai = 0; ai < btt->narenas; ai++) {
		struct btt_arena *a = &btt->arena[ai];

		for (u32 i = 0; i < a->nfix; i++) {
			int err = btt_map_set(a, &btt->media, a->fix[i].lba, a->fix[i].map);

			if (err)
				return btt_fail(btt, err, "arena %u: cannot recover lba %u", ai,
						a->fix[i].lba);
		}
		a->nfix = 0;
	}
	return 0;
}

/* ---- discovery ---- */

static bool btt_sb_valid(const struct btt_sb *sb)
{
	static const u8 zero[16];

	return !memcmp(sb->signature, ND_BTT_SIG, ND_SIG_LEN) &&
	       !memcmp(sb->parent_uuid, zero, 16) &&
	       sb->checksum == nd_sb_checksum(sb) &&
	       sb->version_major == 1 && sb->version_minor == 1;
}

/* The arena's info block, checked against itself and the namespace. */
static int btt_parse_arena(struct btt *btt, struct btt_arena *a, const struct btt_sb *sb,
			   u64 cur, unsigned ai)
{
	u64 base = ND_INFO_OFF + cur, end = btt->rawsize - cur;
	u64 size;

	if (!sb->nfree || sb->nfree > BTT_MAX_NFREE)
		return btt_fail(btt, -EINVAL, "arena %u: nfree %u (1..%u)", ai, sb->nfree,
				BTT_MAX_NFREE);
	if (sb->internal_nlba < sb->nfree || sb->internal_nlba - sb->nfree != sb->external_nlba ||
	    sb->internal_nlba > BTT_MAP_LBA_MASK)
		return btt_fail(btt, -EINVAL, "arena %u: %u internal blocks, %u external, nfree %u",
				ai, sb->internal_nlba, sb->external_nlba, sb->nfree);
	if (sb->internal_lbasize < sb->external_lbasize ||
	    sb->internal_lbasize % BTT_INT_LBA_ALIGN ||
	    (btt->lbasize && sb->external_lbasize != btt->lbasize))
		return btt_fail(btt, -EINVAL, "arena %u: LBA sizes %u external, %u internal",
				ai, sb->external_lbasize, sb->internal_lbasize);
	/*
	 * The arena's size and every offset are bounded by what is left of the
	 * namespace before any sum is formed: an offset near 2^64 would wrap
	 * the sums below and put the data blocks or the map before the info
	 * block. Below 2^64 / 2 each sum is then exact (a u32 count times a
	 * u32 size is below 2^64 / 4, as is any namespace).
	 */
	if (sb->nextoff)
		size = sb->nextoff;
	else
		size = sb->info2off < end ? sb->info2off + BTT_PG_SIZE : end + 1;
	if (size > end || (sb->nextoff && sb->nextoff < BTT_ARENA_MIN))
		return btt_fail(btt, -EINVAL,
				"arena %u: %llu bytes at 0x%llx reach past the region (%llu bytes left)",
				ai, (unsigned long long)size, (unsigned long long)base,
				(unsigned long long)end);
	if (sb->dataoff >= size || sb->mapoff >= size || sb->logoff >= size ||
	    sb->info2off >= size ||
	    sb->dataoff < BTT_PG_SIZE ||
	    sb->dataoff + (u64)sb->internal_nlba * sb->internal_lbasize > sb->mapoff ||
	    sb->mapoff + (u64)sb->external_nlba * BTT_MAP_ENT_SIZE > sb->logoff ||
	    sb->logoff + (u64)sb->nfree * BTT_LOG_GRP_SIZE > sb->info2off ||
	    sb->info2off + BTT_PG_SIZE > size)
		return btt_fail(btt, -EINVAL,
				"arena %u: data 0x%llx, map 0x%llx, flog 0x%llx, info2 0x%llx overlap or leave the arena",
				ai, (unsigned long long)sb->dataoff, (unsigned long long)sb->mapoff,
				(unsigned long long)sb->logoff, (unsigned long long)sb->info2off);
	a->size = size;
	a->internal_nlba = sb->internal_nlba;
	a->internal_lbasize = sb->internal_lbasize;
	a->external_nlba = sb->external_nlba;
	a->external_lbasize = sb->external_lbasize;
	a->nfree = sb->nfree;
	a->version_major = sb->version_major;
	a->version_minor = sb->version_minor;
	a->infooff = base;
	a->dataoff = base + sb->dataoff;
	a->mapoff = base + sb->mapoff;
	a->logoff = base + sb->logoff;
	a->info2off = base + sb->info2off;
	a->nextoff = sb->nextoff;
	a->flags = sb->flags;
	btt->lbasize = sb->external_lbasize;
	return 0;
}

int btt_init(struct btt *btt, const struct nd_media *m, bool ro)
{
	static struct btt_sb sb;
	u64 cur = 0;
	int err;

	memset(btt, 0, sizeof(*btt));
	btt->media = *m;
	btt->ro = ro;
	if (m->size < ND_INFO_OFF + BTT_ARENA_MIN)
		return btt_fail(btt, -ENODEV, "namespace of %llu bytes is too small for a BTT",
				(unsigned long long)m->size);
	btt->rawsize = m->size - ND_INFO_OFF;
	for (;;) {
		struct btt_arena *a = &btt->arena[btt->narenas];
		unsigned ai = btt->narenas;

		if (ai == BTT_MAX_ARENAS)
			return btt_fail(btt, -E2BIG, "more than %u arenas", BTT_MAX_ARENAS);
		err = btt_rd(m, ND_INFO_OFF + cur, &sb, sizeof(sb));
		if (err)
			return btt_fail(btt, err, "arena %u: cannot read the info block", ai);
		if (!btt_sb_valid(&sb))
			return btt_fail(btt, -ENODEV, "arena %u: info block at 0x%llx %s", ai,
					(unsigned long long)(ND_INFO_OFF + cur),
					memcmp(sb.signature, ND_BTT_SIG, ND_SIG_LEN) ? "missing" :
					"damaged (checksum, version or parent uuid)");
		err = btt_parse_arena(btt, a, &sb, cur, ai);
		if (err)
			return err;
		if (!ai)
			memcpy(btt->uuid, sb.uuid, 16);
		a->external_lba_start = btt->nlba;
		if (a->flags & BTT_IB_FLAG_ERROR) {
			btt->ro = true;
			btt_fail(btt, 0, "arena %u: info block error flag set", ai);
		}
		btt->narenas++;
		err = btt_log_set_indices(btt, a, ai);
		if (err)
			return err;
		err = btt_freelist_init(btt, a, ai);
		if (err)
			return err;
		for (unsigned i = 0; i < BTT_MAP_LOCKS; i++)
			spin_lock_init(&a->map_locks[i], "btt_map");
		btt->nlba += a->external_nlba;
		cur += a->size;
		if (!a->nextoff)
			break;
	}
	btt->sector_size = btt->lbasize >= 4096 ? 4096 : 512;
	btt->nlanes = NR_CPUS;
	for (unsigned i = 0; i < btt->narenas; i++)
		if (btt->arena[i].nfree < btt->nlanes)
			btt->nlanes = btt->arena[i].nfree;
	for (unsigned i = 0; i < NR_CPUS; i++)
		spin_lock_init(&btt->lanes[i], "btt_lane");
	return btt->ro ? 0 : btt_apply_fixes(btt);
}

/* ---- reads and writes ---- */

static struct btt_arena *btt_lba_arena(struct btt *btt, u64 lba, u32 *premap)
{
	for (unsigned i = 0; i < btt->narenas; i++) {
		struct btt_arena *a = &btt->arena[i];

		if (lba < a->external_nlba) {
			*premap = (u32)lba;
			return a;
		}
		lba -= a->external_nlba;
	}
	return NULL;
}

static unsigned btt_lane_get(struct btt *btt, unsigned long *flags)
{
	unsigned lane = smp_processor_id() % btt->nlanes;

	*flags = spin_lock_irqsave(&btt->lanes[lane]);
	return lane;
}

static spinlock_t *btt_map_lock(struct btt_arena *a, u32 premap)
{
	/* 16 map entries (one cache line) per lock, as Linux's lock_map() */
	return &a->map_locks[(premap / 16) % BTT_MAP_LOCKS];
}

int btt_read(struct btt *btt, u64 lba, void *buf)
{
	const struct nd_media *m = &btt->media;
	struct btt_arena *a;
	unsigned long flags;
	u32 premap, postmap;
	bool trim, error;
	unsigned lane;
	int err;

	a = btt_lba_arena(btt, lba, &premap);
	if (!a)
		return -EINVAL;
	lane = btt_lane_get(btt, &flags);
	err = btt_map_get(a, m, premap, &postmap, &trim, &error);
	while (!err) {
		u32 again;
		bool t2, e2;

		if (trim) {
			memset(buf, 0, btt->sector_size);
			goto out;
		}
		if (error || postmap >= a->internal_nlba) {
			err = -EIO;
			goto out;
		}
		/*
		 * A full barrier, not a compiler one: x86 lets a load pass an
		 * earlier store, so the map could be reread before the rtt entry
		 * is visible while a writer (map store, then a locked lane
		 * acquire, then the rtt scan) sees no rtt and reuses the block
		 * this read is about to copy (Intel SDM vol. 3A, "Loads May Be
		 * Reordered with Earlier Stores to Different Locations").
		 */
		__atomic_store_n(&a->rtt[lane], RTT_VALID | postmap, __ATOMIC_SEQ_CST);
		err = btt_map_get(a, m, premap, &again, &t2, &e2);
		if (!err && again == postmap && t2 == trim && e2 == error)
			break;
		postmap = again, trim = t2, error = e2;
	}
	if (!err)
		err = btt_rd(m, btt_block_off(a, postmap), buf, btt->sector_size);
out:
	WRITE_ONCE(a->rtt[lane], 0);
	spin_unlock_irqrestore(&btt->lanes[lane], flags);
	return err;
}

/* A free block that held a known-bad sector is zeroed before its reuse. */
static int btt_clear_free_error(struct btt *btt, struct btt_arena *a, unsigned lane)
{
	struct btt_free *f = &a->freelist[lane];
	int err;

	if (!f->has_err)
		return 0;
	err = btt_wr(&btt->media, btt_block_off(a, f->block), NULL, btt->sector_size);
	if (err)
		return err;
	btt_persist(&btt->media, ND_POINT_BTT_DATA);
	f->has_err = 0;
	return 0;
}

int btt_write(struct btt *btt, u64 lba, const void *buf)
{
	const struct nd_media *m = &btt->media;
	struct btt_log_entry ent;
	struct btt_arena *a;
	struct btt_free *f;
	unsigned long flags;
	u32 premap, newblk, oldblk;
	bool trim, error;
	spinlock_t *ml;
	unsigned lane;
	u64 logoff;
	int err;

	if (btt->ro)
		return -EROFS;
	a = btt_lba_arena(btt, lba, &premap);
	if (!a)
		return -EINVAL;
	lane = btt_lane_get(btt, &flags);
	f = &a->freelist[lane];
	err = -EIO;
	if (a->flags & BTT_IB_FLAG_ERROR)
		goto out_lane;
	err = btt_clear_free_error(btt, a, lane);
	if (err)
		goto out_lane;
	newblk = f->block;
	err = -EIO;
	if (newblk >= a->internal_nlba)
		goto out_lane;
	/* no reader may still be copying out of the block we reuse */
	for (unsigned i = 0; i < btt->nlanes; i++)
		while (READ_ONCE(a->rtt[i]) == (RTT_VALID | newblk))
			barrier();
	err = btt_wr(m, btt_block_off(a, newblk), buf, btt->sector_size);
	if (err)
		goto out_lane;
	btt_persist(m, ND_POINT_BTT_DATA);

	ml = btt_map_lock(a, premap);
	spin_lock(ml);
	err = btt_map_get(a, m, premap, &oldblk, &trim, &error);
	if (!err && oldblk >= a->internal_nlba)
		err = -EIO;
	if (err)
		goto out_map;
	ent.lba = premap;
	ent.old_map = oldblk | (error ? BTT_MAP_E : 0);
	ent.new_map = newblk;
	ent.seq = f->seq;
	logoff = a->logoff + (u64)lane * BTT_LOG_GRP_SIZE +
		 (u64)a->log_index[f->sub] * sizeof(ent);
	/* two 8-byte halves, each durable: the seq half commits the write */
	err = btt_wr(m, logoff, &ent, 8);
	if (err)
		goto out_map;
	btt_persist(m, ND_POINT_BTT_FLOG);
	err = btt_wr(m, logoff + 8, (const u8 *)&ent + 8, 8);
	if (err)
		goto out_map;
	btt_persist(m, ND_POINT_BTT_FLOG);
	f->sub ^= 1;
	f->seq = btt_inc_seq(f->seq);
	f->block = oldblk;
	f->has_err = error;
	err = btt_map_set(a, m, premap, newblk);
out_map:
	spin_unlock(ml);
	if (!err)
		err = btt_clear_free_error(btt, a, lane);
out_lane:
	spin_unlock_irqrestore(&btt->lanes[lane], flags);
	return err;
}

/* ---- format (Linux's create_arenas(), alloc_arena(), btt_meta_init()) ---- */

static u64 btt_roundup(u64 v, u64 a)
{
	return (v + a - 1) / a * a;
}

static int btt_format_arena(const struct nd_media *m, u64 cur, u64 asize, u64 nextoff,
			    u32 lbasize, const u8 uuid[16])
{
	static struct btt_sb sb;
	u64 base = ND_INFO_OFF + cur, avail = asize - asize % BTT_PG_SIZE;
	u32 ilbasize = (u32)btt_roundup(lbasize, BTT_INT_LBA_ALIGN);
	u64 logsize = btt_roundup(BTT_NFREE_DEFAULT * BTT_LOG_GRP_SIZE, BTT_PG_SIZE);
	u64 inlba, exnlba, mapsize, datasize, mapoff, logoff, info2off;
	int err;

	avail -= 2 * BTT_PG_SIZE + logsize;
	inlba = (avail - BTT_PG_SIZE) / (ilbasize + BTT_MAP_ENT_SIZE);
	exnlba = inlba - BTT_NFREE_DEFAULT;
	mapsize = btt_roundup(exnlba * BTT_MAP_ENT_SIZE, BTT_PG_SIZE);
	datasize = avail - mapsize;
	mapoff = BTT_PG_SIZE + datasize;
	logoff = mapoff + mapsize;
	info2off = logoff + logsize;

	/* the map all zeroes (identity), the flog zeroed, then lane i's first entry */
	err = btt_wr(m, base + mapoff, NULL, mapsize + logsize);
	if (err)
		return err;
	for (u32 i = 0; i < BTT_NFREE_DEFAULT; i++) {
		struct btt_log_entry e = {
			.lba = i, .old_map = (u32)exnlba + i, .new_map = (u32)exnlba + i,
			.seq = BTT_LOG_SEQ_INIT,
		};

		err = btt_wr(m, base + logoff + (u64)i * BTT_LOG_GRP_SIZE, &e, sizeof(e));
		if (err)
			return err;
	}
	btt_persist(m, ND_POINT_META);

	memset(&sb, 0, sizeof(sb));
	memcpy(sb.signature, ND_BTT_SIG, sizeof(ND_BTT_SIG));
	memcpy(sb.uuid, uuid, 16);
	sb.version_major = 1;
	sb.version_minor = 1;
	sb.external_lbasize = lbasize;
	sb.external_nlba = (u32)exnlba;
	sb.internal_lbasize = ilbasize;
	sb.internal_nlba = (u32)inlba;
	sb.nfree = BTT_NFREE_DEFAULT;
	sb.infosize = sizeof(sb);
	sb.nextoff = nextoff;
	sb.dataoff = BTT_PG_SIZE;
	sb.mapoff = mapoff;
	sb.logoff = logoff;
	sb.info2off = info2off;
	sb.checksum = nd_sb_checksum(&sb);
	/* backup first, as Linux's btt_info_write(): a primary means both are there */
	err = btt_wr(m, base + info2off, &sb, sizeof(sb));
	if (err)
		return err;
	btt_persist(m, ND_POINT_META);
	err = btt_wr(m, base, &sb, sizeof(sb));
	if (err)
		return err;
	btt_persist(m, ND_POINT_META);
	return 0;
}

int btt_format(const struct nd_media *m, u32 lbasize, const u8 uuid[16])
{
	return btt_format_arenas(m, lbasize, uuid, BTT_ARENA_MAX);
}

int btt_format_arenas(const struct nd_media *m, u32 lbasize, const u8 uuid[16],
		      u64 arena_max)
{
	u64 remaining, cur = 0;
	unsigned n = 0;
	int err;

	if (lbasize != 512 && lbasize != 4096)
		return -EINVAL;
	if (m->size < ND_INFO_OFF + BTT_ARENA_MIN || arena_max < BTT_ARENA_MIN ||
	    arena_max > BTT_ARENA_MAX)
		return -ENOSPC;
	remaining = m->size - ND_INFO_OFF;
	while (remaining) {
		u64 asize = remaining < arena_max ? remaining : arena_max;

		remaining -= asize;
		if (asize < BTT_ARENA_MIN)
			break;
		if (n++ == BTT_MAX_ARENAS)
			return -E2BIG;
		err = btt_format_arena(m, cur, asize,
				       remaining >= BTT_ARENA_MIN ? asize : 0, lbasize, uuid);
		if (err)
			return err;
		cur += asize;
	}
	return 0;
}

/* ---- check (ndctl check-namespace, without --repair) ---- */

static void btt_report(void (*report)(void *, const char *), void *arg,
		       const char *fmt, ...) __printf(3, 4);
static void btt_report(void (*report)(void *, const char *), void *arg,
		       const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	report(arg, line);
}

size_t btt_check_bitmap_bytes(const struct nd_media *m)
{
	static struct btt_sb sb;
	u64 cur = 0;
	size_t most = 0;

	for (unsigned i = 0; i < BTT_MAX_ARENAS; i++) {
		if (ND_INFO_OFF + cur + sizeof(sb) > m->size ||
		    btt_rd(m, ND_INFO_OFF + cur, &sb, sizeof(sb)) || !btt_sb_valid(&sb))
			break;
		if ((size_t)(sb.internal_nlba + 7) / 8 > most)
			most = (sb.internal_nlba + 7) / 8;
		if (!sb.nextoff)
			break;
		cur += sb.nextoff;
	}
	return most;
}

static bool btt_bit_test_set(u8 *bm, u32 bit)
{
	bool was = bm[bit / 8] & (1U << (bit % 8));

	bm[bit / 8] |= (u8)(1U << (bit % 8));
	return was;
}

static long btt_check_arena(struct btt *btt, struct btt_arena *a, unsigned ai, u8 *bm,
			    void (*report)(void *, const char *), void *arg)
{
	static u8 info[ND_INFO_SIZE], info2[ND_INFO_SIZE];
	static u32 chunk[1024];
	const struct nd_media *m = &btt->media;
	long errors = 0;
	u32 dup = 0, oob = 0, missing = 0;

	if (btt_rd(m, a->infooff, info, sizeof(info)) ||
	    btt_rd(m, a->info2off, info2, sizeof(info2)) || memcmp(info, info2, sizeof(info))) {
		btt_report(report, arg, "error: arena %u: the backup info block differs from the info block", ai);
		errors++;
	}
	memset(bm, 0, (a->internal_nlba + 7) / 8);
	for (u32 base = 0; base < a->external_nlba; base += ARRAY_SIZE(chunk)) {
		u32 n = min_t(u32, ARRAY_SIZE(chunk), a->external_nlba - base);

		if (btt_rd(m, a->mapoff + (u64)base * 4, chunk, n * 4)) {
			btt_report(report, arg, "error: arena %u: cannot read the map", ai);
			return errors + 1;
		}
		for (u32 i = 0; i < n; i++) {
			u32 raw = chunk[i], blk;

			for (u32 f = 0; f < a->nfix; f++)
				if (a->fix[f].lba == base + i)
					raw = a->fix[f].map | BTT_MAP_NORMAL;
			blk = (raw & BTT_MAP_NORMAL) ? raw & BTT_MAP_LBA_MASK : base + i;
			if (blk >= a->internal_nlba) {
				if (!oob++)
					btt_report(report, arg,
						   "error: arena %u: map[%u] = 0x%x is out of range (%u blocks)",
						   ai, base + i, raw, a->internal_nlba);
				continue;
			}
			if (btt_bit_test_set(bm, blk) && !dup++)
				btt_report(report, arg,
					   "error: arena %u: block %u is mapped twice (again by lba %u)",
					   ai, blk, base + i);
		}
	}
	for (u32 i = 0; i < a->nfree; i++)
		if (btt_bit_test_set(bm, a->freelist[i].block) && !dup++)
			btt_report(report, arg, "error: arena %u: free block %u of flog lane %u is also in use",
				   ai, a->freelist[i].block, i);
	for (u32 b = 0; b < a->internal_nlba; b++)
		if (!(bm[b / 8] & (1U << (b % 8))) && !missing++)
			btt_report(report, arg, "error: arena %u: block %u is neither mapped nor free",
				   ai, b);
	if (a->nfix)
		btt_report(report, arg, "arena %u: %u map entries wait for flog recovery (done at the next attach)",
			   ai, a->nfix);
	errors += (oob > 0) + (dup > 0) + (missing > 0);
	btt_report(report, arg, "arena %u: %u blocks, %u mapped, %u free, %u out of range, %u twice, %u lost",
		   ai, a->internal_nlba, a->external_nlba, a->nfree, oob, dup, missing);
	return errors;
}

long btt_check(struct btt *scratch, const struct nd_media *m, u8 *bitmap, size_t bitmap_bytes,
	       void (*report)(void *arg, const char *line), void *arg)
{
	long errors = 0;
	int err = btt_init(scratch, m, true);

	if (err) {
		btt_report(report, arg, "error: %s", scratch->why);
		return err;
	}
	for (unsigned i = 0; i < scratch->narenas; i++) {
		struct btt_arena *a = &scratch->arena[i];

		if (bitmap_bytes < (a->internal_nlba + 7) / 8) {
			btt_report(report, arg, "error: arena %u: no room to check %u blocks", i,
				   a->internal_nlba);
			return -ENOMEM;
		}
		errors += btt_check_arena(scratch, a, i, bitmap, report, arg);
	}
	return errors;
}
