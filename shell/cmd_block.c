/*
 * cmd_block.c - shell commands on block devices: lsblk, read, write,
 * verify, zero, flush, copy, iostat. Their output lines are an interface
 * (tests parse them):
 *
 *   lsblk: <dev> size=<bytes> lbs=<n> pbs=<n> driver=<name> dax=yes|no
 *          reads=<n> writes=<n> errors=<n>
 *   lsblk -v adds per device "lsblk: <dev> limits ..." and, for pmem,
 *          "lsblk: <dev> pmem flush=<method> lines_flushed=<n> ..."
 *   read <dev> <lba> [count]          hexdump (addresses = device byte
 *                                     offsets), then "read ok <dev> <lba> <count>"
 *   write <dev> <lba> <count> <seed> [buf_offset=<bytes>] [fua=1] [preflush=1]
 *                                     "write ok <dev> <lba> <count>"
 *   verify <dev> <lba> <count> <seed> [from=<byte offset>] [buf_offset=<bytes>]
 *                                     "verify ok <dev> <lba> <count>" or
 *                                     "verify FAILED <dev> at lba N offset M"
 *   zero <dev> <lba> <count>          "zero ok <dev> <lba> <count>"
 *   flush <dev>                       "flush ok <dev>"
 *   copy <src> <slba> <dst> <dlba> <count> [bounce=1] [buf_offset=<bytes>]
 *                                     "copy: zero-copy N bytes" or
 *                                     "copy: bounced N bytes"
 *   iostat: <dev> reads=<n> read_sectors=<n> writes=<n> write_sectors=<n>
 *          discards=<n> discard_sectors=<n> flushes=<n> errors=<n>
 *          in_flight=<n> splits=<n>
 *
 * The data pattern (lib.h) is generated for B = the byte offset in the
 * device (lba * logical block size). Data moves through a RAM buffer of up
 * to 1 MiB taken from the frame allocator when the command starts (not on
 * the I/O path); bios are built with bio_add_pfn() a page at a time and
 * waited for with submit_bio_wait(), a buffer's worth at a time, with a
 * Ctrl-C check between. copy uses a device's direct_access() pfns as the
 * other device's bio vecs (zero copy) when it can. Every argument is
 * checked first (shell/blkcmd_parse.c); a failure prints one "error:" line.
 * buf_offset= (0-4095) starts the RAM buffer that many bytes into its first
 * page, so misaligned copies and DMA can be driven from the shell.
 */
#include "blkcmd.h"
#include "blkdev.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "pmem.h"
#include "printk.h"
#include "shell.h"

#define CHUNK_ORDER	8			/* 1 MiB buffers and bios */
#define WHY_LEN		160

struct blkbuf {
	pfn_t pfn;
	u8 *va;
	unsigned order;
	u32 bytes;
};

/* The largest buffer up to 1 MiB the allocator has; false if none. */
static bool blkbuf_get(struct blkbuf *b)
{
	for (int o = CHUNK_ORDER; o >= 0; o--) {
		b->pfn = pfn_alloc((unsigned)o, 0);
		if (!pfn_t_is_null(b->pfn)) {
			b->order = (unsigned)o;
			b->bytes = (u32)(PAGE_SIZE << o);
			b->va = phys_to_virt(pfn_t_to_phys(b->pfn));
			return true;
		}
	}
	return false;
}

static void blkbuf_put(struct blkbuf *b)
{
	pfn_free(b->pfn, b->order);
}

static struct gendisk *arg_disk(const char *name)
{
	struct gendisk *d = blk_find_disk(name);

	if (!d)
		shell_error(-ENODEV, "no block device '%s' (see lsblk)", name);
	return d;
}

/* Parse <lba> and <count> strings and check them against d. */
static int arg_range(struct gendisk *d, const char *lba_s, const char *count_s,
		     u64 max_count, struct blkcmd_range *r)
{
	char why[WHY_LEN];
	u64 lba, count = 1;
	int err;

	if (shell_arg_u64("lba", lba_s, &lba) ||
	    (count_s && shell_arg_u64("count", count_s, &count)))
		return -EINVAL;
	err = blkcmd_check_range(d->disk_name, lba, count, disk_lbs(d),
				 d->capacity / (disk_lbs(d) >> SECTOR_SHIFT),
				 max_count, r, why, sizeof(why));
	return err ? shell_error(err, "%s", why) : 0;
}

static int arg_seed(const char *s, u16 *seed)
{
	char why[WHY_LEN];
	u64 v;
	int err;

	if (shell_arg_u64("seed", s, &v))
		return -EINVAL;
	err = blkcmd_check_seed(v, why, sizeof(why));
	if (err)
		return shell_error(err, "%s", why);
	*seed = (u16)v;
	return 0;
}

/*
 * One synchronous bio of len bytes at device byte pos with op opf, its data
 * len bytes of physically contiguous memory from pfn + off (added a page at
 * a time; the pieces merge into one vec), or none for pfn NULL.
 */
static int blk_io(struct gendisk *d, u32 opf, u64 pos, pfn_t pfn, u32 off,
		  u32 len)
{
	struct bio *bio = bio_alloc(d, BIO_INLINE_VECS, opf);
	int err = 0;

	if (!bio)
		return -ENOMEM;
	bio->bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	if (pfn_t_is_null(pfn)) {
		bio->bi_iter.bi_size = len;
	} else {
		pfn = pfn_t_add(pfn, off >> PAGE_SHIFT);
		off &= PAGE_SIZE - 1;
		for (u32 done = 0; done < len && !err;) {
			u32 n = min_t(u32, len - done, PAGE_SIZE - off);

			err = bio_add_pfn(bio, pfn, n, off);
			pfn = pfn_t_add(pfn, 1);
			off = 0;
			done += n;
		}
	}
	if (!err)
		err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

static int io_error(struct gendisk *d, const char *what, u64 pos, int err)
{
	return shell_error(err, "%s: %s at lba %llu failed: -%s", d->disk_name,
			   what, (unsigned long long)(pos / disk_lbs(d)),
			   errno_name(err));
}

static void print_line(const char *s, void *arg)
{
	kprintf("%s\n", s);
}

/* ---- lsblk, iostat ---- */

static u64 sum_stats(const u64 *v)
{
	u64 s = 0;

	for (unsigned g = 0; g < BLK_STAT_NR; g++)
		s += v[g];
	return s;
}

static bool disk_has_dax(struct gendisk *d)
{
	pfn_t pfn;

	return blk_direct_access(d, 0, 1, &pfn) > 0;
}

static int cmd_lsblk(int argc, char **argv)
{
	bool verbose = argc == 2 && !strcmp(argv[1], "-v");
	struct gendisk *d;

	if (argc > 2 || (argc == 2 && !verbose))
		return shell_error(-EINVAL, "usage: lsblk [-v]");
	if (!blk_nr_disks())
		kprintf("lsblk: no block devices\n");
	blk_for_each_disk(d) {
		const struct blk_io_stats *st = &d->stats;
		const struct queue_limits *lim = &d->limits;
		const struct pmem_stats *ps = pmem_disk_stats(d);
		struct pmem_ns ns;

		kprintf("lsblk: %s size=%llu lbs=%u pbs=%u driver=%s dax=%s reads=%llu writes=%llu errors=%llu\n",
			d->disk_name,
			(unsigned long long)(d->capacity << SECTOR_SHIFT),
			lim->logical_block_size, lim->physical_block_size,
			d->driver ? d->driver : "?", disk_has_dax(d) ? "yes" : "no",
			(unsigned long long)st->ios[BLK_STAT_READ],
			(unsigned long long)st->ios[BLK_STAT_WRITE],
			(unsigned long long)sum_stats(st->errors));
		if (!verbose)
			continue;
		kprintf("lsblk: %s limits max_hw_sectors=%u max_segments=%u max_segment_size=%u dma_alignment=%u discard=%u write_zeroes=%u write_cache=%s fua=%s poll=%s\n",
			d->disk_name, lim->max_hw_sectors, lim->max_segments,
			lim->max_segment_size, lim->dma_alignment,
			lim->max_discard_sectors, lim->max_write_zeroes_sectors,
			lim->features & BLK_FEAT_WRITE_CACHE ? "yes" : "no",
			lim->features & BLK_FEAT_FUA ? "yes" : "no",
			lim->features & BLK_FEAT_POLL ? "yes" : "no");
		if (pmem_disk_ns(d, &ns)) {
			if (ns.info.mode == ND_MODE_SECTOR)
				kprintf("lsblk: %s namespace mode=sector sector_size=%u lbasize=%u arenas=%u lanes=%u ro=%s\n",
					d->disk_name, ns.info.sector_size, ns.info.lbasize,
					ns.btt_arenas, ns.btt_lanes, ns.ro ? "yes" : "no");
			else if (ns.info.mode == ND_MODE_FSDAX || ns.info.mode == ND_MODE_DEVDAX)
				kprintf("lsblk: %s namespace mode=%s map=%s data_offset=%llu struct_page_reserve=%llu struct_page_array=%llu pfnos_uses=0 ro=%s\n",
					d->disk_name, nd_mode_name(ns.info.mode),
					ns.info.pfn_mode == 2 ? "dev" : "mem",
					(unsigned long long)ns.info.data_start,
					(unsigned long long)pmem_ns_struct_page_reserve(&ns.info),
					(unsigned long long)pmem_ns_struct_page_bytes(&ns.info),
					ns.ro ? "yes" : "no");
			else
				kprintf("lsblk: %s namespace mode=%s ro=%s\n", d->disk_name,
					nd_mode_name(ns.info.mode), ns.ro ? "yes" : "no");
		}
		if (ps)
			kprintf("lsblk: %s pmem flush=%s lines_flushed=%llu nt_bytes=%llu fences=%llu write_bios=%llu write_fences=%llu last_write_lines=%u last_write_fences=%u max_write_fences=%u flushes=%llu fua_writes=%llu\n",
				d->disk_name, pmem_flush_method_name(),
				(unsigned long long)ps->lines_flushed,
				(unsigned long long)ps->nt_bytes,
				(unsigned long long)ps->fences,
				(unsigned long long)ps->write_bios,
				(unsigned long long)ps->write_fences,
				ps->last_write_lines, ps->last_write_fences,
				ps->max_write_fences,
				(unsigned long long)ps->flushes,
				(unsigned long long)ps->fua_writes);
	}
	return 0;
}
SHELL_COMMAND("lsblk", cmd_lsblk, "[-v]",
	      "block devices: size, block sizes, driver, I/O counts (-v: limits, pmem flush counters)");

static int cmd_iostat(int argc, char **argv)
{
	struct gendisk *d;

	if (argc > 2)
		return shell_error(-EINVAL, "usage: iostat [dev]");
	if (argc == 2 && !arg_disk(argv[1]))
		return -ENODEV;
	blk_for_each_disk(d) {
		const struct blk_io_stats *st = &d->stats;
		u64 in_flight = 0;

		if (argc == 2 && strcmp(argv[1], d->disk_name))
			continue;
		for (unsigned g = 0; g < BLK_STAT_NR; g++)
			in_flight += st->in_flight[g];
		kprintf("iostat: %s reads=%llu read_sectors=%llu writes=%llu write_sectors=%llu discards=%llu discard_sectors=%llu flushes=%llu errors=%llu in_flight=%llu splits=%llu\n",
			d->disk_name,
			(unsigned long long)st->ios[BLK_STAT_READ],
			(unsigned long long)st->sectors[BLK_STAT_READ],
			(unsigned long long)st->ios[BLK_STAT_WRITE],
			(unsigned long long)st->sectors[BLK_STAT_WRITE],
			(unsigned long long)st->ios[BLK_STAT_DISCARD],
			(unsigned long long)st->sectors[BLK_STAT_DISCARD],
			(unsigned long long)st->ios[BLK_STAT_FLUSH],
			(unsigned long long)sum_stats(st->errors),
			(unsigned long long)in_flight,
			(unsigned long long)sum_stats(st->splits));
	}
	return 0;
}
SHELL_COMMAND("iostat", cmd_iostat, "[dev]",
	      "per-device I/O counts: bios, sectors, errors, flushes, in flight");

/* ---- read, write, verify, zero, flush ---- */

static int cmd_read(int argc, char **argv)
{
	struct blkcmd_range r;
	struct blkbuf b;
	struct gendisk *d;
	int err;

	if (argc < 3 || argc > 4)
		return shell_error(-EINVAL, "usage: read <dev> <lba> [count]");
	d = arg_disk(argv[1]);
	if (!d)
		return -ENODEV;
	if (arg_range(d, argv[2], argc == 4 ? argv[3] : NULL,
		      BLKCMD_READ_MAX_BLOCKS, &r))
		return -EINVAL;
	if (!blkbuf_get(&b))
		return shell_error(-ENOMEM, "no memory for a buffer");
	for (u64 done = 0; done < r.bytes; done += b.bytes) {
		u32 n = (u32)min_t(u64, r.bytes - done, b.bytes);

		err = blk_io(d, REQ_OP_READ, r.byte_off + done, b.pfn, 0, n);
		if (err) {
			io_error(d, "read", r.byte_off + done, err);
			goto out;
		}
		hexdump(r.byte_off + done, b.va, n, print_line, NULL);
	}
	kprintf("read ok %s %llu %llu\n", d->disk_name, (unsigned long long)r.lba,
		(unsigned long long)r.count);
	err = 0;
out:
	blkbuf_put(&b);
	return err;
}
SHELL_COMMAND("read", cmd_read, "<dev> <lba> [count]",
	      "hexdump blocks (at most 64), addresses are device byte offsets");

/*
 * key=value options after the positional arguments: keys[] names the ones
 * this command takes; vals[i]/have[i] receive them. Unknown, repeated or
 * malformed options print one error line.
 */
static int parse_opts(int argc, char **argv, int first, const char *const *keys,
		      unsigned nkeys, u64 *vals, bool *have, const char *usage)
{
	char why[WHY_LEN];

	for (int a = first; a < argc; a++) {
		unsigned k;
		int err = 0;

		for (k = 0; k < nkeys; k++) {
			err = blkcmd_parse_opt(argv[a], keys[k], &vals[k], why, sizeof(why));
			if (err)
				break;
		}
		if (k == nkeys)
			return shell_error(-EINVAL, "unknown argument '%s' (%s)", argv[a], usage);
		if (err < 0)
			return shell_error(err, "%s", why);
		if (have[k])
			return shell_error(-EINVAL, "%s= given twice", keys[k]);
		have[k] = true;
	}
	return 0;
}

/* buf_offset=<bytes>: where in its first page the RAM buffer starts. */
static int check_buf_offset(u64 off)
{
	if (off >= PAGE_SIZE)
		return shell_error(-EINVAL, "buf_offset %llu out of range (0..%lu)",
				   (unsigned long long)off, PAGE_SIZE - 1);
	return 0;
}

/* Bytes of b usable from offset off: a page less when off shifts it. */
static u32 blkbuf_room(const struct blkbuf *b, u32 off)
{
	return off ? b->bytes - (u32)PAGE_SIZE : b->bytes;
}

/* write and verify: the pattern of seed for B = from + offset in the range. */
static int pattern_io(int argc, char **argv, bool write)
{
	/* write takes buf_offset, fua, preflush; verify buf_offset, from */
	static const char *const wkeys[] = { "buf_offset", "fua", "preflush" };
	static const char *const vkeys[] = { "buf_offset", "from" };
	const char *usage = write ?
		"usage: write <dev> <lba> <count> <seed> [buf_offset=<bytes>] [fua=1] [preflush=1]" :
		"usage: verify <dev> <lba> <count> <seed> [from=<byte offset>] [buf_offset=<bytes>]";
	struct blkcmd_range r;
	struct gendisk *d;
	struct blkbuf b;
	char why[WHY_LEN];
	bool have[3] = { false, false, false };
	u64 opt[3] = { 0, 0, 0 }, base, step;
	u32 off, wopf = REQ_OP_WRITE;
	u16 seed = 0;
	int err;

	if (argc < 5 || argc > (write ? 8 : 7))
		return shell_error(-EINVAL, "%s", usage);
	d = arg_disk(argv[1]);
	if (!d)
		return -ENODEV;
	if (arg_range(d, argv[2], argv[3], 0, &r) || arg_seed(argv[4], &seed))
		return -EINVAL;
	if (parse_opts(argc, argv, 5, write ? wkeys : vkeys, write ? 3 : 2, opt, have,
		       usage + 7) ||
	    check_buf_offset(opt[0]))
		return -EINVAL;
	off = (u32)opt[0];
	if (write) {
		for (unsigned k = 1; k < 3; k++)
			if (opt[k] > 1)
				return shell_error(-EINVAL, "%s must be 0 or 1", wkeys[k]);
		wopf |= (opt[1] ? REQ_FUA : 0) | (opt[2] ? REQ_PREFLUSH : 0);
	}
	err = blkcmd_verify_from(&r, !write && have[1], opt[1], &base, why, sizeof(why));
	if (err)
		return shell_error(err, "%s", why);
	if (!blkbuf_get(&b) || !blkbuf_room(&b, off))
		return shell_error(-ENOMEM, "no memory for a buffer");
	step = blkbuf_room(&b, off);
	for (u64 done = 0; done < r.bytes; done += step) {
		u32 n = (u32)min_t(u64, r.bytes - done, step);
		u64 pos = r.byte_off + done;

		if (write) {
			pattern_fill(b.va + off, base + done, n, seed);
			err = blk_io(d, wopf, pos, b.pfn, off, n);
		} else {
			err = blk_io(d, REQ_OP_READ, pos, b.pfn, off, n);
		}
		if (err) {
			io_error(d, write ? "write" : "read", pos, err);
			goto out;
		}
		if (!write) {
			size_t bad = pattern_check(b.va + off, base + done, n, seed);

			if (bad < n) {
				u64 lba;
				u32 off;

				blkcmd_locate(&r, disk_lbs(d), done + bad, &lba, &off);
				kprintf("verify FAILED %s at lba %llu offset %u\n",
					d->disk_name, (unsigned long long)lba, off);
				err = -EIO;
				goto out;
			}
		}
		if (done + n < r.bytes && shell_interrupted()) {
			err = -EINTR;
			goto out;
		}
	}
	kprintf("%s ok %s %llu %llu\n", argv[0], d->disk_name,
		(unsigned long long)r.lba, (unsigned long long)r.count);
	err = 0;
out:
	blkbuf_put(&b);
	return err;
}

static int cmd_write(int argc, char **argv)
{
	return pattern_io(argc, argv, true);
}
SHELL_COMMAND("write", cmd_write, "<dev> <lba> <count> <seed> [buf_offset=<bytes>] [fua=1] [preflush=1]",
	      "write the data pattern of seed (B = byte offset in the device); fua=1/preflush=1 set REQ_FUA/REQ_PREFLUSH");

static int cmd_verify(int argc, char **argv)
{
	return pattern_io(argc, argv, false);
}
SHELL_COMMAND("verify", cmd_verify, "<dev> <lba> <count> <seed> [from=<byte offset>] [buf_offset=<bytes>]",
	      "check the data pattern (from: the byte offset it was written for)");

static int cmd_zero(int argc, char **argv)
{
	struct blkcmd_range r;
	struct gendisk *d;
	struct blkbuf b = { .order = 0 };
	bool wz;
	int err = 0;

	if (argc != 4)
		return shell_error(-EINVAL, "usage: zero <dev> <lba> <count>");
	d = arg_disk(argv[1]);
	if (!d)
		return -ENODEV;
	if (arg_range(d, argv[2], argv[3], 0, &r))
		return -EINVAL;
	/* WRITE_ZEROES when the device has it, else zeroes from a buffer */
	wz = d->limits.max_write_zeroes_sectors != 0;
	if (!wz) {
		if (!blkbuf_get(&b))
			return shell_error(-ENOMEM, "no memory for a buffer");
		memset(b.va, 0, b.bytes);
	} else {
		b.bytes = 1U << (CHUNK_ORDER + PAGE_SHIFT);
		b.pfn = PFN_T_NULL;
	}
	for (u64 done = 0; done < r.bytes; done += b.bytes) {
		u32 n = (u32)min_t(u64, r.bytes - done, b.bytes);

		err = blk_io(d, wz ? REQ_OP_WRITE_ZEROES : REQ_OP_WRITE,
			     r.byte_off + done, b.pfn, 0, n);
		if (err) {
			io_error(d, "zero", r.byte_off + done, err);
			break;
		}
		if (done + n < r.bytes && shell_interrupted()) {
			err = -EINTR;
			break;
		}
	}
	if (!wz)
		blkbuf_put(&b);
	if (!err)
		kprintf("zero ok %s %llu %llu\n", d->disk_name,
			(unsigned long long)r.lba, (unsigned long long)r.count);
	return err;
}
SHELL_COMMAND("zero", cmd_zero, "<dev> <lba> <count>",
	      "zero blocks (WRITE_ZEROES, or zeroes written from a buffer)");

/*
 * stamp: the crash test's writer. Round r (1..rounds) writes blocks
 * first..first+count-1 in turn, one synchronous one-block write each, the
 * block made of 8-byte words (u32 lba, u32 version = base + r); after every
 * ack-th write completes (default every one) it prints "A <lba> <version>":
 * that write and all before it are acknowledged, so whatever the host has
 * read of the console was done. A block holding two versions (or anything
 * else) after a crash is torn. ack=N makes the console's share of the time
 * small, so that a kill lands inside a copy more often (the raw demo).
 */
static int cmd_stamp(int argc, char **argv)
{
	static const char *const keys[] = { "base", "ack" };
	const char *usage = "stamp <dev> <first> <count> <rounds> [base=<v>] [ack=<n>]";
	u64 rounds, opt[2] = { 0, 1 }, base, ack, n = 0;
	bool have[2] = { false, false };
	struct blkcmd_range r;
	struct gendisk *d;
	struct blkbuf b;
	u32 lbs;
	int err;

	if (argc < 5)
		return shell_error(-EINVAL, "usage: %s", usage);
	d = arg_disk(argv[1]);
	if (!d)
		return -ENODEV;
	if (arg_range(d, argv[2], argv[3], 0, &r) ||
	    shell_arg_u64("rounds", argv[4], &rounds) ||
	    parse_opts(argc, argv, 5, keys, 2, opt, have, usage))
		return -EINVAL;
	base = opt[0];
	ack = opt[1];
	if (!ack)
		return shell_error(-EINVAL, "ack= must be at least 1");
	if (!rounds || base + rounds > 0xffffffffULL)
		return shell_error(-ERANGE, "base + rounds must be 1..4294967295");
	if (!blkbuf_get(&b))
		return shell_error(-ENOMEM, "no memory for a buffer");
	lbs = disk_lbs(d);
	for (u64 round = 1; round <= rounds; round++) {
		for (u64 i = 0; i < r.count; i++) {
			u64 lba = r.lba + i;
			u32 w[2] = { (u32)lba, (u32)(base + round) };

			for (u32 o = 0; o < lbs; o += 8)
				memcpy(b.va + o, w, 8);
			err = blk_io(d, REQ_OP_WRITE, lba * lbs, b.pfn, 0, lbs);
			if (err) {
				io_error(d, "stamp", lba * lbs, err);
				goto out;
			}
			if (++n % ack == 0)
				kprintf("A %llu %u\n", (unsigned long long)lba, w[1]);
		}
		if (shell_interrupted()) {
			err = -EINTR;
			goto out;
		}
	}
	kprintf("stamp ok %s %llu %llu %llu\n", d->disk_name, (unsigned long long)r.lba,
		(unsigned long long)r.count, (unsigned long long)rounds);
	err = 0;
out:
	blkbuf_put(&b);
	return err;
}
SHELL_COMMAND("stamp", cmd_stamp, "<dev> <first> <count> <rounds> [base=<v>] [ack=<n>]",
	      "write blocks one at a time, each all (lba, version) words, printing \"A <lba> <version>\" every ack-th write (crash tests)");

static int cmd_flush(int argc, char **argv)
{
	struct gendisk *d;
	int err;

	if (argc != 2)
		return shell_error(-EINVAL, "usage: flush <dev>");
	d = arg_disk(argv[1]);
	if (!d)
		return -ENODEV;
	err = blk_io(d, REQ_OP_FLUSH, 0, PFN_T_NULL, 0, 0);
	if (err)
		return shell_error(err, "%s: flush failed: -%s", d->disk_name,
				   errno_name(err));
	kprintf("flush ok %s\n", d->disk_name);
	return 0;
}
SHELL_COMMAND("flush", cmd_flush, "<dev>", "make the device's completed writes durable");

/* ---- copy ---- */

struct copy_job {
	struct gendisk *src, *dst;
	u64 spos, dpos;			/* byte offsets */
	u64 bytes;
	u32 buf_offset;			/* bounced: where the RAM buffer starts */
};

/*
 * Zero copy: the memory behind one device (direct_access) is the buffer of
 * the other's bio. With the source's memory the destination gets a WRITE;
 * with the destination's memory the source gets a READ.
 */
static int copy_direct(const struct copy_job *j, bool from_src)
{
	struct gendisk *mem = from_src ? j->src : j->dst;
	struct gendisk *io = from_src ? j->dst : j->src;
	u32 align = max_t(u32, disk_lbs(j->src), disk_lbs(j->dst));

	for (u64 done = 0; done < j->bytes;) {
		u64 mpos = (from_src ? j->spos : j->dpos) + done;
		u64 ipos = (from_src ? j->dpos : j->spos) + done;
		u64 n = min_t(u64, j->bytes - done, 1U << (CHUNK_ORDER + PAGE_SHIFT));
		pfn_t pfn;
		long got;
		int err;

		got = blk_direct_access(mem, mpos >> SECTOR_SHIFT, n >> SECTOR_SHIFT, &pfn);
		if (got <= 0)
			return shell_error(got ? (int)got : -EIO,
					   "%s: no memory behind lba %llu: -%s", mem->disk_name,
					   (unsigned long long)(mpos / disk_lbs(mem)),
					   errno_name(got ? (int)got : -EIO));
		n = ALIGN_DOWN(min_t(u64, n, (u64)got << SECTOR_SHIFT), (u64)align);
		if (!n)
			return shell_error(-EIO, "%s: memory behind lba %llu not contiguous for a block",
					   mem->disk_name,
					   (unsigned long long)(mpos / disk_lbs(mem)));
		err = blk_io(io, from_src ? REQ_OP_WRITE : REQ_OP_READ, ipos, pfn,
			     (u32)(mpos & (PAGE_SIZE - 1)), (u32)n);
		if (err)
			return io_error(io, from_src ? "write" : "read", ipos, err);
		done += n;
		if (done < j->bytes && shell_interrupted())
			return -EINTR;
	}
	kprintf("copy: zero-copy %llu bytes\n", (unsigned long long)j->bytes);
	return 0;
}

static int copy_bounce(const struct copy_job *j)
{
	struct blkbuf b;
	u32 off = j->buf_offset, step;
	int err = 0;

	if (!blkbuf_get(&b) || !blkbuf_room(&b, off))
		return shell_error(-ENOMEM, "no memory for a buffer");
	step = blkbuf_room(&b, off);
	for (u64 done = 0; done < j->bytes; done += step) {
		u32 n = (u32)min_t(u64, j->bytes - done, step);

		err = blk_io(j->src, REQ_OP_READ, j->spos + done, b.pfn, off, n);
		if (err) {
			io_error(j->src, "read", j->spos + done, err);
			break;
		}
		err = blk_io(j->dst, REQ_OP_WRITE, j->dpos + done, b.pfn, off, n);
		if (err) {
			io_error(j->dst, "write", j->dpos + done, err);
			break;
		}
		if (done + n < j->bytes && shell_interrupted()) {
			err = -EINTR;
			break;
		}
	}
	blkbuf_put(&b);
	if (!err)
		kprintf("copy: bounced %llu bytes\n", (unsigned long long)j->bytes);
	return err;
}

static int cmd_copy(int argc, char **argv)
{
	static const char *const keys[] = { "bounce", "buf_offset" };
	static const char usage[] =
		"usage: copy <src> <slba> <dst> <dlba> <count> [bounce=1] [buf_offset=<bytes>]";
	struct blkcmd_range sr, dr;
	struct copy_job j;
	char why[WHY_LEN];
	u64 count, dcount, slba, dlba, opt[2] = { 0, 0 };
	bool have[2] = { false, false };
	int err;

	if (argc < 6 || argc > 8)
		return shell_error(-EINVAL, "%s", usage);
	j.src = arg_disk(argv[1]);
	if (!j.src)
		return -ENODEV;
	j.dst = arg_disk(argv[3]);
	if (!j.dst)
		return -ENODEV;
	if (shell_arg_u64("lba", argv[2], &slba) || shell_arg_u64("lba", argv[4], &dlba) ||
	    shell_arg_u64("count", argv[5], &count))
		return -EINVAL;
	if (parse_opts(argc, argv, 6, keys, 2, opt, have, usage + 7) ||
	    check_buf_offset(opt[1]))
		return -EINVAL;
	if (opt[0] > 1)
		return shell_error(-EINVAL, "bounce must be 0 or 1");
	if (have[1] && !opt[0])
		return shell_error(-EINVAL,
				   "buf_offset= places the RAM buffer of a bounced copy (add bounce=1)");
	j.buf_offset = (u32)opt[1];
	err = blkcmd_copy_len(count, disk_lbs(j.src), disk_lbs(j.dst), &j.bytes,
			      &dcount, why, sizeof(why));
	if (!err)
		err = blkcmd_check_range(j.src->disk_name, slba, count, disk_lbs(j.src),
					 j.src->capacity / (disk_lbs(j.src) >> SECTOR_SHIFT),
					 0, &sr, why, sizeof(why));
	if (!err)
		err = blkcmd_check_range(j.dst->disk_name, dlba, dcount, disk_lbs(j.dst),
					 j.dst->capacity / (disk_lbs(j.dst) >> SECTOR_SHIFT),
					 0, &dr, why, sizeof(why));
	if (err)
		return shell_error(err, "%s", why);
	if (j.src == j.dst && blkcmd_overlap(sr.byte_off, sr.bytes, dr.byte_off, dr.bytes))
		return shell_error(-EINVAL, "source and destination ranges of %s overlap",
				   j.src->disk_name);
	j.spos = sr.byte_off;
	j.dpos = dr.byte_off;
	if (!opt[0] && disk_has_dax(j.src))
		return copy_direct(&j, true);
	if (!opt[0] && disk_has_dax(j.dst))
		return copy_direct(&j, false);
	return copy_bounce(&j);
}
SHELL_COMMAND("copy", cmd_copy, "<src> <slba> <dst> <dlba> <count> [bounce=1] [buf_offset=<bytes>]",
	      "copy blocks between devices, zero-copy through direct_access when possible");
