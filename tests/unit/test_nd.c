/*
 * test_nd.c - host tests of the NVDIMM namespace code (drivers/nvdimm/):
 * info-block probe and checksums, the fsdax layout Linux 6.1 computes, the
 * BTT's layout, reads and writes, recovery after a power cut at every
 * durability point (whole and torn 8-byte words), the old flog layout,
 * map error and trim bits, and bad input that must be refused without a
 * single write.
 */
#include <stdlib.h>
#include <string.h>
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "nd.h"
#include "drivers/nvdimm/nd_reg.h"
#include "tests/unit/nd_host.h"

#define MIB (1ULL << 20)
static struct btt bt;
static const u8 test_uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void fill(u8 *buf, u32 n, u64 lba, u32 ver)
{
	for (u32 i = 0; i < n; i += 8) {
		u32 w[2] = { (u32)lba, ver };

		memcpy(buf + i, w, 8);
	}
}

/* The version a sector holds, 0 for zeroes, ~0 for a mix (torn). */
static u32 version_of(const u8 *buf, u32 n, u64 lba)
{
	u32 w[2], first;

	memcpy(w, buf, 8);
	first = w[1];
	if (!w[0] && !w[1]) {
		for (u32 i = 0; i < n; i++)
			if (buf[i])
				return ~0U;
		return 0;
	}
	for (u32 i = 0; i < n; i += 8) {
		memcpy(w, buf + i, 8);
		if (w[0] != (u32)lba || w[1] != first)
			return ~0U;
	}
	return first;
}

static void check_report(void *arg, const char *line)
{
	if (!strncmp(line, "error", 5))
		ktest_log("  %s", line);
	(void)arg;
}

static long check_btt(struct nd_host *h)
{
	static struct btt scratch;
	size_t n = btt_check_bitmap_bytes(&h->media);
	u8 *bm = calloc(1, n + 1);
	long r = btt_check(&scratch, &h->media, bm, n, check_report, NULL);

	free(bm);
	return r;
}

KTEST(nd, checksum_and_probe)
{
	static struct btt_sb sb;
	struct nd_ns_info info;
	struct nd_host h;

	KT_ASSERT(!nd_host_init(&h, 64 * MIB, false));
	KT_EXPECT(!nd_probe(&h.media, &info));
	KT_EXPECT_EQ(info.mode, ND_MODE_RAW);
	KT_ASSERT(!btt_format(&h.media, 512, test_uuid));
	KT_EXPECT(!nd_probe(&h.media, &info));
	KT_EXPECT_EQ(info.mode, ND_MODE_SECTOR);
	KT_EXPECT_EQ(info.sector_size, 512);
	/* Fletcher-64 over 32-bit words, checksum field as zero */
	memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));
	{
		u32 lo = 0;
		u64 hi = 0;

		for (unsigned i = 0; i < 4096; i += 4) {
			u32 w = 0;

			if (i < 4088)	/* the checksum field counts as zero */
				memcpy(&w, (u8 *)&sb + i, 4);
			lo += w;
			hi += lo;
		}
		KT_EXPECT_EQ(sb.checksum, hi << 32 | lo);
	}
	h.mem[ND_INFO_OFF + 100] ^= 1;
	KT_EXPECT(!nd_probe(&h.media, &info));
	KT_EXPECT_EQ(info.mode, ND_MODE_BAD);
	KT_EXPECT(strstr(info.why, "checksum") != NULL);
	h.mem[ND_INFO_OFF + 100] ^= 1;
	memcpy(h.mem + ND_INFO_OFF, "NVDIMM_XYZ_INFO", 16);
	KT_EXPECT(!nd_probe(&h.media, &info));
	KT_EXPECT_EQ(info.mode, ND_MODE_BAD);
	KT_EXPECT(strstr(info.why, "unknown") != NULL);
	memset(h.mem + ND_INFO_OFF, 0, 16);
	memcpy(h.mem, "BTT_ARENA_INFO", 15);
	KT_EXPECT(!nd_probe(&h.media, &info));
	KT_EXPECT_EQ(info.mode, ND_MODE_BAD);
	KT_EXPECT(strstr(info.why, "2.0") != NULL);
	nd_host_free(&h);
}

/* Layouts computed by hand from Linux's alloc_arena() (see the commit). */
KTEST(nd, btt_layout_as_linux)
{
	static const struct { u64 size; u32 lbs, inlba, exnlba; u64 map, log, info2; } want[] = {
		{ 64 * MIB, 512, 129992, 129736, 0x3f7b000, 0x3ffa000, 0x3ffe000 },
		{ 64 * MIB, 4096, 16360, 16104, 0x3fea000, 0x3ffa000, 0x3ffe000 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		struct btt_sb sb;
		struct nd_host h;

		KT_ASSERT(!nd_host_init(&h, want[i].size, false));
		KT_ASSERT(!btt_format(&h.media, want[i].lbs, test_uuid));
		memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));
		KT_EXPECT_EQ(sb.internal_nlba, want[i].inlba);
		KT_EXPECT_EQ(sb.external_nlba, want[i].exnlba);
		KT_EXPECT_EQ(sb.internal_lbasize, want[i].lbs);
		KT_EXPECT_EQ(sb.dataoff, 4096);
		KT_EXPECT_EQ(sb.mapoff, want[i].map);
		KT_EXPECT_EQ(sb.logoff, want[i].log);
		KT_EXPECT_EQ(sb.info2off, want[i].info2);
		KT_EXPECT_EQ(sb.nextoff, 0);
		KT_EXPECT_EQ(sb.nfree, 256);
		KT_EXPECT_EQ(sb.infosize, 4096);
		KT_EXPECT(!memcmp(h.mem + ND_INFO_OFF + sb.info2off, &sb, sizeof(sb)));
		KT_ASSERT(!btt_init(&bt, &h.media, false));
		KT_EXPECT_EQ(bt.nlba, want[i].exnlba);
		KT_EXPECT_EQ(bt.sector_size, want[i].lbs);
		KT_EXPECT_EQ(bt.arena[0].freelist[5].block, want[i].exnlba + 5);
		KT_EXPECT_EQ(bt.arena[0].freelist[5].sub, 1);
		KT_EXPECT_EQ(bt.arena[0].freelist[5].seq, 2);
		KT_EXPECT_EQ(check_btt(&h), 0);
		nd_host_free(&h);
	}
}

KTEST(nd, btt_rw_and_check)
{
	static u8 buf[4096], out[4096];
	struct nd_host h;

	KT_ASSERT(!nd_host_init(&h, 64 * MIB, false));
	KT_ASSERT(!btt_format(&h.media, 4096, test_uuid));
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	/* never written: identity map, zeroes */
	KT_EXPECT(!btt_read(&bt, 7, out));
	KT_EXPECT_EQ(version_of(out, 4096, 7), 0);
	for (u32 v = 1; v <= 600; v++) {
		u64 lba = (v * 37) % 50;

		fill(buf, 4096, lba, v);
		KT_ASSERT(!btt_write(&bt, lba, buf));
		KT_ASSERT(!btt_read(&bt, lba, out));
		KT_ASSERT_EQ(version_of(out, 4096, lba), v);
	}
	KT_EXPECT_EQ(btt_read(&bt, bt.nlba, out), -EINVAL);
	KT_EXPECT_EQ(btt_write(&bt, bt.nlba, buf), -EINVAL);
	KT_EXPECT_EQ(check_btt(&h), 0);
	/* the same after a clean re-attach */
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	for (u64 lba = 0; lba < 50; lba++) {
		KT_ASSERT(!btt_read(&bt, lba, out));
		KT_EXPECT(version_of(out, 4096, lba) != 0 && version_of(out, 4096, lba) != ~0U);
	}
	/* every durability point, in order: data, flog, flog, map */
	h.points[ND_POINT_BTT_DATA] = h.points[ND_POINT_BTT_FLOG] = h.points[ND_POINT_BTT_MAP] = 0;
	KT_ASSERT(!btt_write(&bt, 3, buf));
	KT_EXPECT_EQ(h.points[ND_POINT_BTT_DATA], 1);
	KT_EXPECT_EQ(h.points[ND_POINT_BTT_FLOG], 2);
	KT_EXPECT_EQ(h.points[ND_POINT_BTT_MAP], 1);
	nd_host_free(&h);
}

/*
 * Power cut after every number of persists across a stream of writes, with
 * and without torn 8-byte words among what was not yet persisted: after
 * recovery every sector holds one whole version, never older than the last
 * write that returned before the cut, and ndctl's checks pass.
 */
static void crash_run(u32 lbasize, bool torn)
{
	enum { NSECT = 6, NWRITES = 24 };
	static u8 buf[4096], out[4096];
	struct nd_host h;
	bool bad = false;
	long total;

	KT_ASSERT(!nd_host_init(&h, 20 * MIB, true));
	KT_ASSERT(!btt_format(&h.media, lbasize, test_uuid));
	memcpy(h.durable, h.mem, h.media.size);
	h.nlist = 0;
	memset(h.dirty, 0, h.media.size / 8 + 1);
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	total = (long)h.persists;
	for (u32 v = 1; v <= NWRITES; v++) {
		fill(buf, lbasize, v % NSECT, v);
		KT_ASSERT(!btt_write(&bt, v % NSECT, buf));
	}
	total = (long)h.persists - total;
	KT_EXPECT_EQ(total, NWRITES * 4);
	nd_host_free(&h);

	for (long cut = 0; cut <= total; cut++) {
		u32 acked[NSECT] = { 0 }, tried[NSECT] = { 0 };

		KT_ASSERT(!nd_host_init(&h, 20 * MIB, true));
		KT_ASSERT(!btt_format(&h.media, lbasize, test_uuid));
		memcpy(h.durable, h.mem, h.media.size);
		for (u64 i = 0; i < h.nlist; i++)
			h.dirty[h.list[i]] = 0;
		h.nlist = 0;
		KT_ASSERT(!btt_init(&bt, &h.media, false));
		h.cut_after = (long)h.persists + cut;
		for (u32 v = 1; v <= NWRITES; v++) {
			u32 s = v % NSECT;

			fill(buf, lbasize, s, v);
			tried[s] = v;
			KT_ASSERT(!btt_write(&bt, s, buf));
			if (!h.off)
				acked[s] = v;
		}
		nd_host_crash(&h, torn, (u32)cut * 2654435761U);
		KT_ASSERT(!btt_init(&bt, &h.media, false));
		for (u32 s = 0; s < NSECT; s++) {
			u32 got;

			KT_ASSERT(!btt_read(&bt, s, out));
			got = version_of(out, lbasize, s);
			if (got == ~0U || got < acked[s] || got > tried[s]) {
				ktest_fail(__FILE__, __LINE__,
					   "cut %ld%s: sector %u holds %d, acked %u, last tried %u",
					   cut, torn ? " (torn)" : "", s, (int)got, acked[s], tried[s]);
				bad = true;
				break;
			}
		}
		if (check_btt(&h)) {
			ktest_fail(__FILE__, __LINE__, "cut %ld%s: ns check finds errors",
				   cut, torn ? " (torn)" : "");
			bad = true;
		}
		nd_host_free(&h);
		if (bad)
			return;
	}
}

KTEST(nd, btt_crash_every_point_512)
{
	crash_run(512, false);
}

KTEST(nd, btt_crash_every_point_torn_4096)
{
	crash_run(4096, true);
}

/* A flog written by Linux before 4.15: entries in slots 0 and 2. */
KTEST(nd, btt_old_flog_layout)
{
	static u8 buf[512], out[512];
	struct btt_log_entry g[4];
	struct nd_host h;
	struct btt_arena *a;

	KT_ASSERT(!nd_host_init(&h, 20 * MIB, false));
	KT_ASSERT(!btt_format(&h.media, 512, test_uuid));
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	a = &bt.arena[0];
	/* lane 0 used once in the old layout: slot 2 holds the newer entry */
	memcpy(g, h.mem + a->logoff, sizeof(g));
	g[2] = (struct btt_log_entry){ .lba = 9, .old_map = 9, .new_map = g[0].old_map, .seq = 2 };
	memcpy(h.mem + a->logoff, g, sizeof(g));
	{
		u32 ent = g[0].old_map | BTT_MAP_NORMAL;

		memcpy(h.mem + a->mapoff + 9 * 4, &ent, 4);
	}
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	a = &bt.arena[0];
	KT_EXPECT_EQ(a->log_index[0], 0);
	KT_EXPECT_EQ(a->log_index[1], 2);
	KT_EXPECT_EQ(a->freelist[0].block, 9);
	KT_EXPECT_EQ(a->freelist[0].sub, 0);
	KT_EXPECT_EQ(a->freelist[0].seq, 3);
	fill(buf, 512, 11, 77);
	KT_ASSERT(!btt_write(&bt, 11, buf));	/* lane 0: into slot 0 */
	memcpy(g, h.mem + a->logoff, sizeof(g));
	KT_EXPECT_EQ(g[0].seq, 3);
	KT_EXPECT_EQ(g[0].lba, 11);
	KT_EXPECT_EQ(g[1].seq, 0);
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	KT_ASSERT(!btt_read(&bt, 11, out));
	KT_EXPECT_EQ(version_of(out, 512, 11), 77);
	KT_EXPECT_EQ(check_btt(&h), 0);
	nd_host_free(&h);
}

KTEST(nd, btt_map_error_and_trim_bits)
{
	static u8 buf[512], out[512];
	struct nd_host h;
	struct btt_arena *a;
	u32 ent;

	KT_ASSERT(!nd_host_init(&h, 20 * MIB, false));
	KT_ASSERT(!btt_format(&h.media, 512, test_uuid));
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	a = &bt.arena[0];
	fill(buf, 512, 4, 5);
	KT_ASSERT(!btt_write(&bt, 4, buf));
	KT_ASSERT(!btt_write(&bt, 5, buf));
	memcpy(&ent, h.mem + a->mapoff + 4 * 4, 4);
	ent = (ent & BTT_MAP_LBA_MASK) | BTT_MAP_E;
	memcpy(h.mem + a->mapoff + 4 * 4, &ent, 4);
	memcpy(&ent, h.mem + a->mapoff + 5 * 4, 4);
	ent = (ent & BTT_MAP_LBA_MASK) | BTT_MAP_Z;
	memcpy(h.mem + a->mapoff + 5 * 4, &ent, 4);
	KT_EXPECT_EQ(btt_read(&bt, 4, out), -EIO);
	memset(out, 0xaa, sizeof(out));
	KT_EXPECT(!btt_read(&bt, 5, out));
	KT_EXPECT_EQ(version_of(out, 512, 5), 0);
	/* a write over the error entry works; the bad block is zeroed when freed */
	fill(buf, 512, 4, 6);
	KT_ASSERT(!btt_write(&bt, 4, buf));
	KT_ASSERT(!btt_read(&bt, 4, out));
	KT_EXPECT_EQ(version_of(out, 512, 4), 6);
	KT_EXPECT_EQ(a->freelist[0].has_err, 0);
	KT_EXPECT_EQ(version_of(h.mem + a->dataoff + (u64)a->freelist[0].block * 512, 512, 4), 0);
	nd_host_free(&h);
}

/* Bad input: refused with a reason, and not one byte written. */
static void expect_refused(struct nd_host *h, const char *needle)
{
	u64 w = h->writes;
	int err = btt_init(&bt, &h->media, false);

	KT_EXPECT(err < 0);
	if (!strstr(bt.why, needle))
		ktest_fail(__FILE__, __LINE__, "why \"%s\" lacks \"%s\"", bt.why, needle);
	KT_EXPECT_EQ(h->writes, w);
}

KTEST(nd, btt_bad_input_refused_without_writes)
{
	struct nd_host h;
	struct btt_sb sb;
	struct btt_log_entry g[4];
	u64 logoff;

	KT_ASSERT(!nd_host_init(&h, 20 * MIB, false));
	KT_ASSERT(!btt_format(&h.media, 512, test_uuid));
	memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));
	logoff = ND_INFO_OFF + sb.logoff;

	h.mem[ND_INFO_OFF + 200] ^= 0x10;		/* checksum */
	expect_refused(&h, "damaged");
	h.mem[ND_INFO_OFF + 200] ^= 0x10;

	memcpy(g, h.mem + logoff + 64 * 3, sizeof(g));	/* both flog entries invalid */
	memset(h.mem + logoff + 64 * 3, 0, 64);
	h.mem[logoff + 64 * 3] = 1;			/* lba 1, seq 0 in both */
	expect_refused(&h, "lane 3");
	memcpy(h.mem + logoff + 64 * 3, g, sizeof(g));
	g[1] = g[0];					/* equal sequence numbers */
	memcpy(h.mem + logoff + 64 * 3, g, sizeof(g));
	expect_refused(&h, "no valid entry");
	memcpy(g, h.mem + logoff + 64 * 3, sizeof(g));
	g[1] = (struct btt_log_entry){ 0 };
	g[0].seq = 7;					/* sequence out of range */
	memcpy(h.mem + logoff + 64 * 3, g, sizeof(g));
	expect_refused(&h, "no valid entry");
	g[0].seq = 1;
	g[0].new_map = 0x3fffffff;			/* block out of range */
	memcpy(h.mem + logoff + 64 * 3, g, sizeof(g));
	expect_refused(&h, "out of range");
	g[0].new_map = g[0].old_map;
	memcpy(h.mem + logoff + 64 * 3, g, sizeof(g));

	{						/* arena past the region */
		struct btt_sb bad = sb;

		bad.info2off += 64 * MIB;
		bad.checksum = nd_sb_checksum(&bad);
		memcpy(h.mem + ND_INFO_OFF, &bad, sizeof(bad));
		expect_refused(&h, "past the region");
		bad = sb;
		bad.nfree = 1000;
		bad.checksum = nd_sb_checksum(&bad);
		memcpy(h.mem + ND_INFO_OFF, &bad, sizeof(bad));
		expect_refused(&h, "nfree");
		bad = sb;
		bad.mapoff = bad.dataoff;
		bad.checksum = nd_sb_checksum(&bad);
		memcpy(h.mem + ND_INFO_OFF, &bad, sizeof(bad));
		expect_refused(&h, "overlap");
		memcpy(h.mem + ND_INFO_OFF, &sb, sizeof(sb));
	}
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	/* a map entry out of range: reads fail, the check counts it */
	{
		static u8 out[512];
		u32 ent = 0x3ffff000 | BTT_MAP_NORMAL;

		memcpy(h.mem + ND_INFO_OFF + sb.mapoff + 8 * 4, &ent, 4);
		KT_ASSERT(!btt_init(&bt, &h.media, false));
		KT_EXPECT_EQ(btt_read(&bt, 8, out), -EIO);
		KT_EXPECT(check_btt(&h) > 0);
	}
	nd_host_free(&h);
}

KTEST(nd, btt_recovers_flog_without_map)
{
	static u8 buf[512], out[512];
	struct nd_host h;
	u64 start;

	KT_ASSERT(!nd_host_init(&h, 20 * MIB, true));
	KT_ASSERT(!btt_format(&h.media, 512, test_uuid));
	memcpy(h.durable, h.mem, h.media.size);
	for (u64 i = 0; i < h.nlist; i++)
		h.dirty[h.list[i]] = 0;
	h.nlist = 0;
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	start = h.persists;
	h.cut_after = (long)start + 3;		/* data, flog, flog: no map */
	fill(buf, 512, 2, 42);
	KT_ASSERT(!btt_write(&bt, 2, buf));
	nd_host_crash(&h, false, 1);
	/* read-only: recovered in memory, nothing written */
	{
		u64 w = h.writes;

		KT_ASSERT(!btt_init(&bt, &h.media, true));
		KT_EXPECT_EQ(bt.arena[0].nfix, 1);
		KT_ASSERT(!btt_read(&bt, 2, out));
		KT_EXPECT_EQ(version_of(out, 512, 2), 42);
		KT_EXPECT_EQ(h.writes, w);
		KT_EXPECT_EQ(btt_write(&bt, 2, buf), -EROFS);
	}
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	KT_EXPECT_EQ(bt.arena[0].nfix, 0);
	KT_ASSERT(!btt_read(&bt, 2, out));
	KT_EXPECT_EQ(version_of(out, 512, 2), 42);
	KT_EXPECT_EQ(check_btt(&h), 0);
	nd_host_free(&h);
}

KTEST(nd, fsdax_layout_as_linux)
{
	struct nd_create req = { .mode = ND_MODE_FSDAX, .pfn_mode = ND_PFN_MODE_PMEM };
	struct nd_ns_info info;
	struct nd_pfn_sb sb;
	struct nd_host h;
	char why[128];

	memcpy(req.uuid, test_uuid, 16);
	KT_ASSERT(!nd_host_init(&h, 1ULL << 30, false));
	KT_ASSERT(!nd_create_ns(&h.media, 0x140000000ULL, &req, why, sizeof(why)));
	memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));
	/* npfns 262142 pages, 64 bytes each after 8 KiB, aligned up to 2 MiB */
	KT_EXPECT_EQ(sb.dataoff, 18 * MIB);
	KT_EXPECT_EQ(sb.npfns, (1024 - 18) * 256);
	KT_EXPECT_EQ(sb.align, 2 * MIB);
	KT_EXPECT_EQ(sb.version_minor, 4);
	KT_EXPECT(!nd_probe(&h.media, &info));
	KT_EXPECT_EQ(info.mode, ND_MODE_FSDAX);
	KT_EXPECT_EQ(info.data_start, 18 * MIB);
	KT_EXPECT_EQ(info.data_size, (1ULL << 30) - 18 * MIB);
	req.pfn_mode = ND_PFN_MODE_RAM;
	KT_ASSERT(!nd_create_ns(&h.media, 0x140000000ULL, &req, why, sizeof(why)));
	KT_EXPECT(!nd_probe(&h.media, &info));
	KT_EXPECT_EQ(info.pfn_mode, ND_PFN_MODE_RAM);
	KT_EXPECT_EQ(info.data_start, 2 * MIB);
	/* a start Linux would refuse */
	KT_EXPECT_EQ(nd_create_ns(&h.media, 0x140001000ULL, &req, why, sizeof(why)), -EINVAL);
	KT_EXPECT(strstr(why, "aligned") != NULL);
	/* bad mode in an otherwise valid block */
	KT_ASSERT(!nd_create_ns(&h.media, 0x140000000ULL, &req, why, sizeof(why)));
	memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));
	sb.mode = 3;
	sb.checksum = nd_sb_checksum(&sb);
	memcpy(h.mem + ND_INFO_OFF, &sb, sizeof(sb));
	KT_EXPECT(!nd_probe(&h.media, &info));
	KT_EXPECT_EQ(info.mode, ND_MODE_BAD);
	KT_EXPECT(strstr(info.why, "mode 3") != NULL);
	/* destroy clears it */
	KT_EXPECT(!nd_destroy_ns(&h.media));
	KT_EXPECT(!nd_probe(&h.media, &info));
	KT_EXPECT_EQ(info.mode, ND_MODE_RAW);
	nd_host_free(&h);
}

KTEST(nd, destroy_clears_btt_backup)
{
	struct nd_host h;
	struct btt_sb sb;

	KT_ASSERT(!nd_host_init(&h, 20 * MIB, false));
	KT_ASSERT(!btt_format(&h.media, 4096, test_uuid));
	memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));
	KT_ASSERT(!nd_destroy_ns(&h.media));
	KT_EXPECT(memcmp(h.mem + ND_INFO_OFF + sb.info2off, ND_BTT_SIG, 14) != 0);
	KT_EXPECT(memcmp(h.mem + ND_INFO_OFF, ND_BTT_SIG, 14) != 0);
	nd_host_free(&h);
}

/*
 * Several arenas (as Linux lays out namespaces over 512 GiB, here with
 * 20 MiB arenas in 58 MiB): the LBAs run on from arena to arena, the last
 * arena takes what is left, writes on both sides of each boundary land in
 * their own arena, a re-attach finds them, and the check covers every arena.
 */
KTEST(nd, btt_several_arenas)
{
	static u8 buf[512], out[512];
	struct nd_host h;
	struct btt_sb sb;
	u64 bounds[3];

	KT_ASSERT(!nd_host_init(&h, 58 * MIB, false));
	KT_ASSERT(!btt_format_arenas(&h.media, 512, test_uuid, 20 * MIB));
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	KT_ASSERT_EQ(bt.narenas, 3);
	memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));
	KT_EXPECT_EQ(sb.nextoff, 20 * MIB);
	memcpy(&sb, h.mem + ND_INFO_OFF + 40 * MIB, sizeof(sb));
	KT_EXPECT_EQ(sb.nextoff, 0);	/* the last: 18 MiB - 4 KiB */
	KT_EXPECT_EQ(bt.arena[2].infooff, ND_INFO_OFF + 40 * MIB);
	KT_EXPECT_EQ(bt.arena[1].external_lba_start, bt.arena[0].external_nlba);
	KT_EXPECT_EQ(bt.nlba, bt.arena[0].external_nlba + bt.arena[1].external_nlba +
		     bt.arena[2].external_nlba);
	bounds[0] = bt.arena[0].external_nlba;
	bounds[1] = bounds[0] + bt.arena[1].external_nlba;
	bounds[2] = bt.nlba;
	for (unsigned i = 0; i < 3; i++) {
		fill(buf, 512, bounds[i] - 1, 100 + i);
		KT_ASSERT(!btt_write(&bt, bounds[i] - 1, buf));
		if (i < 2) {
			fill(buf, 512, bounds[i], 200 + i);
			KT_ASSERT(!btt_write(&bt, bounds[i], buf));
		}
	}
	KT_EXPECT_EQ(btt_write(&bt, bounds[2], buf), -EINVAL);
	/*
	 * each write went to its own arena's flog lane 0, with the premap LBA
	 * inside that arena: arena 0 got its last LBA (slot 1); arenas 1 and 2
	 * got their first (slot 1) and then their last (slot 0)
	 */
	{
		struct btt_log_entry g[4];

		memcpy(g, h.mem + bt.arena[0].logoff, sizeof(g));
		KT_EXPECT_EQ(g[1].lba, bt.arena[0].external_nlba - 1);
		KT_EXPECT_EQ(g[1].seq, 2);
		for (unsigned i = 1; i < 3; i++) {
			memcpy(g, h.mem + bt.arena[i].logoff, sizeof(g));
			KT_EXPECT_EQ(g[1].lba, 0);
			KT_EXPECT_EQ(g[0].lba, bt.arena[i].external_nlba - 1);
			KT_EXPECT_EQ(g[0].seq, 3);
		}
	}
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	for (unsigned i = 0; i < 3; i++) {
		KT_ASSERT(!btt_read(&bt, bounds[i] - 1, out));
		KT_EXPECT_EQ(version_of(out, 512, bounds[i] - 1), 100 + i);
		if (i < 2) {
			KT_ASSERT(!btt_read(&bt, bounds[i], out));
			KT_EXPECT_EQ(version_of(out, 512, bounds[i]), 200 + i);
		}
	}
	KT_EXPECT_EQ(check_btt(&h), 0);
	/* an arena that points past the region, in the middle of the chain */
	memcpy(&sb, h.mem + ND_INFO_OFF + 20 * MIB, sizeof(sb));
	sb.nextoff = 60 * MIB;
	sb.checksum = nd_sb_checksum(&sb);
	memcpy(h.mem + ND_INFO_OFF + 20 * MIB, &sb, sizeof(sb));
	expect_refused(&h, "arena 1");
	nd_host_free(&h);
}

/*
 * Offsets near 2^64 in an info block with a good checksum: each sum in the
 * layout check wraps to a small number and passes, and the arena's data
 * blocks (or map) then start before its info block: a write would land on
 * the info block, the first 4 KiB or the previous arena. Refused, unwritten.
 */
KTEST(nd, btt_offsets_that_wrap_refused)
{
	struct nd_host h;
	struct btt_sb sb, bad;

	KT_ASSERT(!nd_host_init(&h, 20 * MIB, false));
	KT_ASSERT(!btt_format(&h.media, 512, test_uuid));
	memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));

	bad = sb;
	bad.dataoff = 0ULL - 4096;		/* data blocks from namespace byte 0 */
	bad.checksum = nd_sb_checksum(&bad);
	memcpy(h.mem + ND_INFO_OFF, &bad, sizeof(bad));
	expect_refused(&h, "arena 0");
	bad = sb;
	bad.mapoff = 0ULL - 64;			/* map entries from 64 bytes before the info block */
	bad.checksum = nd_sb_checksum(&bad);
	memcpy(h.mem + ND_INFO_OFF, &bad, sizeof(bad));
	expect_refused(&h, "arena 0");
	bad = sb;
	bad.info2off = 0ULL - 4096;		/* the arena's size wraps to 0 */
	bad.checksum = nd_sb_checksum(&bad);
	memcpy(h.mem + ND_INFO_OFF, &bad, sizeof(bad));
	expect_refused(&h, "arena 0");
	bad = sb;
	bad.logoff = 0ULL - 64 * 256;		/* the flog from before the info block */
	bad.checksum = nd_sb_checksum(&bad);
	memcpy(h.mem + ND_INFO_OFF, &bad, sizeof(bad));
	expect_refused(&h, "arena 0");
	memcpy(h.mem + ND_INFO_OFF, &sb, sizeof(sb));
	KT_EXPECT(!btt_init(&bt, &h.media, false));
	nd_host_free(&h);
}

/*
 * Recovery finds a write whose flog entry is durable and whose map entry is
 * not (lane 0), and later a lane with no valid entry (lane 5): the BTT is
 * refused and left read-only, so the map fix must not have been written
 * either ("pfnos never writes into metadata it does not understand").
 */
KTEST(nd, btt_refused_after_recovery_writes_nothing)
{
	static u8 buf[512];
	struct nd_host h;
	struct btt_sb sb;
	u64 logoff;

	KT_ASSERT(!nd_host_init(&h, 20 * MIB, true));
	KT_ASSERT(!btt_format(&h.media, 512, test_uuid));
	memcpy(h.durable, h.mem, h.media.size);
	for (u64 i = 0; i < h.nlist; i++)
		h.dirty[h.list[i]] = 0;
	h.nlist = 0;
	KT_ASSERT(!btt_init(&bt, &h.media, false));
	h.cut_after = (long)h.persists + 3;	/* data, flog, flog: no map */
	fill(buf, 512, 2, 42);
	KT_ASSERT(!btt_write(&bt, 2, buf));
	nd_host_crash(&h, false, 1);
	memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));
	logoff = ND_INFO_OFF + sb.logoff;
	memset(h.mem + logoff + 64 * 5, 0, 64);
	h.mem[logoff + 64 * 5] = 1;		/* lane 5: lba 1, seq 0 in both */
	expect_refused(&h, "lane 5");
	nd_host_free(&h);
}

/*
 * ns destroy over a BTT info block whose info2off (or nextoff) is near
 * 2^64: the bounds sum wraps, and the backup's "clear" became a write at
 * an offset past the namespace (-EIO here; through the pmem driver's
 * mapping, a store far outside the region). It must clear what is there.
 */
KTEST(nd, destroy_with_offsets_that_wrap)
{
	struct nd_ns_info info;
	struct nd_host h;
	struct btt_sb sb;

	KT_ASSERT(!nd_host_init(&h, 20 * MIB, false));
	KT_ASSERT(!btt_format(&h.media, 512, test_uuid));
	memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));
	sb.info2off = 0ULL - 2 * ND_INFO_SIZE;
	sb.checksum = nd_sb_checksum(&sb);
	memcpy(h.mem + ND_INFO_OFF, &sb, sizeof(sb));
	KT_EXPECT_EQ(nd_destroy_ns(&h.media), 0);
	KT_EXPECT(!nd_probe(&h.media, &info));
	KT_EXPECT_EQ(info.mode, ND_MODE_RAW);
	nd_host_free(&h);
}

/*
 * An fsdax (map=dev) info block whose data offset lies inside Linux's 8 KiB
 * info-block reserve: pmemN would start at or before the info block, and a
 * write to it would overwrite the metadata. Linux refuses it for map=mem
 * (__nvdimm_setup_pfn(): offset < reserve) and for map=dev computes its
 * altmap's free pages as offset - reserve, which would underflow: damaged.
 */
KTEST(nd, fsdax_data_offset_inside_reserve_refused)
{
	struct nd_create req = { .mode = ND_MODE_FSDAX, .pfn_mode = ND_PFN_MODE_PMEM };
	struct nd_ns_info info;
	struct nd_pfn_sb sb;
	struct nd_host h;
	char why[128];

	memcpy(req.uuid, test_uuid, 16);
	KT_ASSERT(!nd_host_init(&h, 64 * MIB, false));
	KT_ASSERT(!nd_create_ns(&h.media, 0x140000000ULL, &req, why, sizeof(why)));
	memcpy(&sb, h.mem + ND_INFO_OFF, sizeof(sb));
	for (u64 off = 0; off < ND_PFN_RESERVE; off += 4096) {
		sb.dataoff = off;
		sb.align = 0;
		sb.checksum = nd_sb_checksum(&sb);
		memcpy(h.mem + ND_INFO_OFF, &sb, sizeof(sb));
		KT_EXPECT(!nd_probe(&h.media, &info));
		KT_EXPECT_EQ(info.mode, ND_MODE_BAD);
	}
	nd_host_free(&h);
}
