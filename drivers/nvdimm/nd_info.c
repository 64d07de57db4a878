/*
 * nd_info.c - Linux's NVDIMM info blocks, read and written (pure: the
 * namespace is reached through struct nd_media, nd.h): the probe that tells
 * raw, fsdax, devdax and sector mode apart as Linux 6.1 does for a
 * namespace without labels (nd_pfn_validate() in pfn_devs.c,
 * nd_btt_arena_is_valid() in btt_devs.c), the fsdax info block of `ns
 * create` (nd_pfn_init()), and `ns destroy`. The BTT itself is btt.c.
 *
 * The probe never writes. Anything that carries one of Linux's signatures
 * but fails a check (checksum, version, mode, offsets, sizes), and BTT 2.0's
 * labelled-namespace form at offset 0, is ND_MODE_BAD with the reason in
 * info->why: the pmem driver then offers the raw device read-only until
 * `ns destroy`.
 */
#include "errno.h"
#include "lib.h"
#include "nd.h"
#include "nd_reg.h"

static const char *const nd_mode_names[] = {
	[ND_MODE_RAW] = "raw",
	[ND_MODE_FSDAX] = "fsdax",
	[ND_MODE_DEVDAX] = "devdax",
	[ND_MODE_SECTOR] = "sector",
	[ND_MODE_BAD] = "unknown",
};

const char *nd_mode_name(enum nd_mode mode)
{
	if ((unsigned)mode >= ARRAY_SIZE(nd_mode_names))
		return "?";
	return nd_mode_names[mode];
}

/* nd_fletcher64() over the 4 KiB block, its checksum field read as zero. */
u64 nd_sb_checksum(const void *sb)
{
	const u8 *p = sb;
	u32 lo = 0;
	u64 hi = 0;

	for (unsigned i = 0; i < ND_INFO_SIZE; i += 4) {
		u32 w = 0;

		if (i < ND_INFO_SIZE - 8)
			memcpy(&w, p + i, 4);
		lo += w;
		hi += lo;
	}
	return hi << 32 | lo;
}

static bool nd_zero(const void *p, size_t n)
{
	const u8 *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void nd_why(struct nd_ns_info *info, const char *fmt, ...) __printf(2, 3);
static void nd_why(struct nd_ns_info *info, const char *fmt, ...)
{
	va_list ap;

	info->mode = ND_MODE_BAD;
	va_start(ap, fmt);
	vsnprintf(info->why, sizeof(info->why), fmt, ap);
	va_end(ap);
}

static u32 nd_ilog2(u64 v)
{
	return v ? 63 - (u32)__builtin_clzll(v) : 0;
}

/* nd_pfn_validate() for an io namespace (no uuid, nothing live to match). */
static void nd_probe_pfn(const struct nd_media *m, const struct nd_pfn_sb *sb,
			 struct nd_ns_info *info, bool dax)
{
	const char *what = dax ? "devdax" : "fsdax";
	u64 offset = sb->dataoff, size = m->size;
	u32 start_pad = sb->start_pad, end_trunc = sb->end_trunc;
	u32 align = sb->align, minor = sb->version_minor;

	if (sb->checksum != nd_sb_checksum(sb))
		return nd_why(info, "%s info block checksum 0x%llx, computed 0x%llx",
			      what, (unsigned long long)sb->checksum,
			      (unsigned long long)nd_sb_checksum(sb));
	if (sb->version_major != 1)
		return nd_why(info, "%s info block version %u.%u (1.x known)", what,
			      sb->version_major, sb->version_minor);
	if (!nd_zero(sb->parent_uuid, 16))
		return nd_why(info, "%s info block belongs to a labelled namespace (parent uuid set)",
			      what);
	if (minor < 1)
		start_pad = end_trunc = 0;
	if (minor < 2)
		align = 0;
	if (sb->mode != ND_PFN_MODE_RAM && sb->mode != ND_PFN_MODE_PMEM)
		return nd_why(info, "%s info block mode %u (1 map=mem, 2 map=dev known)",
			      what, sb->mode);
	if (minor >= 4 && sb->mode == ND_PFN_MODE_PMEM &&
	    (sb->page_size > 4096 || sb->page_struct_size < ND_STRUCT_PAGE_SIZE))
		return nd_why(info, "%s info block page size %u, struct page %u bytes",
			      what, sb->page_size, sb->page_struct_size);
	if (!align)
		align = 1U << nd_ilog2(offset);
	if (offset >= size || offset & 4095)
		return nd_why(info, "%s data offset 0x%llx outside the %llu-byte namespace or not page aligned",
			      what, (unsigned long long)offset, (unsigned long long)size);
	if ((u64)start_pad + end_trunc + offset >= size)
		return nd_why(info, "%s data offset 0x%llx + padding %u + %u leaves no data",
			      what, (unsigned long long)offset, start_pad, end_trunc);
	/* Linux refuses this for map=mem; for map=dev its altmap's free count,
	 * offset - reserve, would underflow. Either way the data area would
	 * cover the info block, and a write to pmemN overwrite it. */
	if (offset < ND_PFN_RESERVE)
		return nd_why(info, "%s data offset 0x%llx inside the info-block reserve",
			      what, (unsigned long long)offset);
	info->mode = dax ? ND_MODE_DEVDAX : ND_MODE_FSDAX;
	memcpy(info->uuid, sb->uuid, 16);
	info->pfn_mode = sb->mode;
	info->dataoff = offset;
	info->start_pad = start_pad;
	info->end_trunc = end_trunc;
	info->align = align;
	info->npfns = sb->npfns;
	info->data_start = start_pad + offset;
	info->data_size = (size - start_pad - end_trunc - offset) & ~511ULL;
}

static bool nd_btt_lbasize_ok(u32 lbasize)
{
	/* btt_lbasize_supported[] in Linux btt_devs.c */
	static const u32 ok[] = { 512, 520, 528, 4096, 4104, 4160, 4224 };

	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++)
		if (ok[i] == lbasize)
			return true;
	return false;
}

static void nd_probe_btt(const struct btt_sb *sb, struct nd_ns_info *info)
{
	if (sb->checksum != nd_sb_checksum(sb))
		return nd_why(info, "BTT info block checksum 0x%llx, computed 0x%llx",
			      (unsigned long long)sb->checksum,
			      (unsigned long long)nd_sb_checksum(sb));
	if (!nd_zero(sb->parent_uuid, 16))
		return nd_why(info, "BTT info block belongs to a labelled namespace (parent uuid set)");
	if (sb->version_major != 1 || sb->version_minor != 1)
		return nd_why(info, "BTT version %u.%u at 4 KiB (1.1 expected)",
			      sb->version_major, sb->version_minor);
	if (!nd_btt_lbasize_ok(sb->external_lbasize))
		return nd_why(info, "BTT external LBA size %u not one Linux supports",
			      sb->external_lbasize);
	info->mode = ND_MODE_SECTOR;
	memcpy(info->uuid, sb->uuid, 16);
	info->lbasize = sb->external_lbasize;
	info->sector_size = sb->external_lbasize >= 4096 ? 4096 : 512;
}

int nd_probe(const struct nd_media *m, struct nd_ns_info *info)
{
	static u8 blk[ND_INFO_SIZE] __aligned(8);
	int err;

	memset(info, 0, sizeof(*info));
	info->mode = ND_MODE_RAW;
	if (m->size < ND_INFO_OFF + ND_INFO_SIZE)
		return 0;
	/* BTT 2.0 (labelled namespaces only) at 0 */
	err = m->ops->read(m->ctx, 0, blk, ND_SIG_LEN);
	if (err)
		return err;
	if (!memcmp(blk, ND_BTT_SIG, ND_SIG_LEN)) {
		nd_why(info, "BTT info block at offset 0 (BTT 2.0, Linux's labelled-namespace form): not supported");
		return 0;
	}
	err = m->ops->read(m->ctx, ND_INFO_OFF, blk, ND_INFO_SIZE);
	if (err)
		return err;
	if (!memcmp(blk, ND_PFN_SIG, ND_SIG_LEN))
		nd_probe_pfn(m, (const struct nd_pfn_sb *)blk, info, false);
	else if (!memcmp(blk, ND_DAX_SIG, ND_SIG_LEN))
		nd_probe_pfn(m, (const struct nd_pfn_sb *)blk, info, true);
	else if (!memcmp(blk, ND_BTT_SIG, ND_SIG_LEN))
		nd_probe_btt((const struct btt_sb *)blk, info);
	else if (!memcmp(blk, "NVDIMM_", 7) || !memcmp(blk, "BTT_", 4))
		nd_why(info, "unknown info block signature '%.15s'", (const char *)blk);
	return 0;
}

/* ---- ns create / destroy ---- */

static u64 nd_align_up(u64 v, u64 a)
{
	return (v + a - 1) / a * a;
}

static int nd_why_buf(char *why, size_t n, int err, const char *fmt, ...) __printf(4, 5);
static int nd_why_buf(char *why, size_t n, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return err;
}

/* nd_pfn_init() for a label-less namespace at phys_start. */
static int nd_create_pfn(const struct nd_media *m, u64 phys_start,
			 const struct nd_create *req, char *why, size_t n)
{
	static struct nd_pfn_sb sb;
	u64 size = m->size, offset, npfns, align, end_trunc;
	u32 want = req->align ? req->align : ND_COMPAT_ALIGN;
	int err;

	if (want != 4096 && want != ND_COMPAT_ALIGN && want != (1U << 30))
		return nd_why_buf(why, n, -EINVAL, "align=%u: 4096, 2097152 or 1073741824", want);
	align = want > ND_COMPAT_ALIGN ? want : ND_COMPAT_ALIGN;
	if (phys_start % ND_COMPAT_ALIGN)
		return nd_why_buf(why, n, -EINVAL, "region start 0x%llx is not 2 MiB aligned",
				  (unsigned long long)phys_start);
	npfns = (size - ND_PFN_RESERVE) >> 12;
	end_trunc = phys_start + size - (phys_start + size) / align * align;
	if (req->pfn_mode == ND_PFN_MODE_PMEM)
		offset = nd_align_up(phys_start + ND_PFN_RESERVE + ND_STRUCT_PAGE_SIZE * npfns,
				     align) - phys_start;
	else
		offset = nd_align_up(phys_start + ND_PFN_RESERVE, align) - phys_start;
	if (offset >= size - end_trunc)
		return nd_why_buf(why, n, -ENOSPC, "the region (%llu bytes) is too small for align=%llu",
				  (unsigned long long)size, (unsigned long long)align);
	memset(&sb, 0, sizeof(sb));
	memcpy(sb.signature, ND_PFN_SIG, sizeof(ND_PFN_SIG));
	memcpy(sb.uuid, req->uuid, 16);
	sb.version_major = 1;
	sb.version_minor = 4;
	sb.mode = req->pfn_mode;
	sb.dataoff = offset;
	sb.npfns = (size - offset - end_trunc) >> 12;
	sb.end_trunc = (u32)end_trunc;
	sb.align = want;
	sb.page_struct_size = ND_STRUCT_PAGE_SIZE;
	sb.page_size = 4096;
	sb.checksum = nd_sb_checksum(&sb);
	err = m->ops->write(m->ctx, ND_INFO_OFF, &sb, sizeof(sb));
	if (err)
		return nd_why_buf(why, n, err, "cannot write the info block");
	m->ops->persist(m->ctx, ND_POINT_META);
	return 0;
}

int nd_create_ns(const struct nd_media *m, u64 phys_start,
		 const struct nd_create *req, char *why, size_t n)
{
	int err;

	why[0] = 0;
	err = nd_destroy_ns(m);
	if (err)
		return nd_why_buf(why, n, err, "cannot clear the old info block");
	switch (req->mode) {
	case ND_MODE_RAW:
		return 0;
	case ND_MODE_FSDAX:
		return nd_create_pfn(m, phys_start, req, why, n);
	case ND_MODE_SECTOR:
		if (req->sector_size != 512 && req->sector_size != 4096)
			return nd_why_buf(why, n, -EINVAL, "sector_size=%u: 512 or 4096",
					  req->sector_size);
		err = btt_format(m, req->sector_size, req->uuid);
		if (err)
			return nd_why_buf(why, n, err, "the region (%llu bytes) cannot hold a BTT",
					  (unsigned long long)m->size);
		return 0;
	default:
		return nd_why_buf(why, n, -EINVAL, "mode %s cannot be created", nd_mode_name(req->mode));
	}
}

/*
 * Zero the first 8 KiB (the info block and what precedes it, as ndctl
 * does before it reconfigures a namespace) and, when a valid BTT is there,
 * every arena's backup info block, so no tool finds an old BTT again.
 */
int nd_destroy_ns(const struct nd_media *m)
{
	static struct btt_sb sb;
	u64 cur = 0;
	int err;

	if (m->size < ND_INFO_OFF + ND_INFO_SIZE)
		return -ENOSPC;
	for (unsigned a = 0; a < BTT_MAX_ARENAS; a++) {
		/* room: the bytes after this arena's info block (no sum can wrap) */
		u64 room;

		if (cur > m->size - ND_INFO_OFF - ND_INFO_SIZE)
			break;
		room = m->size - ND_INFO_OFF - cur;
		err = m->ops->read(m->ctx, ND_INFO_OFF + cur, &sb, sizeof(sb));
		if (err)
			return err;
		if (memcmp(sb.signature, ND_BTT_SIG, ND_SIG_LEN) ||
		    sb.checksum != nd_sb_checksum(&sb))
			break;
		if (sb.info2off >= ND_INFO_SIZE && sb.info2off <= room - ND_INFO_SIZE) {
			err = m->ops->write(m->ctx, ND_INFO_OFF + cur + sb.info2off, NULL,
					    ND_INFO_SIZE);
			if (err)
				return err;
		}
		if (!sb.nextoff || sb.nextoff >= room)
			break;
		cur += sb.nextoff;
	}
	err = m->ops->write(m->ctx, 0, NULL, ND_INFO_OFF + ND_INFO_SIZE);
	if (err)
		return err;
	m->ops->persist(m->ctx, ND_POINT_META);
	return 0;
}
