/*
 * genhd.c - the registry of block devices and their queue limits:
 * blk_set_default_limits(), blk_validate_limits(), blk_register_disk(),
 * blk_unregister_disk(), lookup by name and iteration in registration
 * order (for lsblk), and blk_direct_access().
 *
 * A DISCARD or WRITE_ZEROES limit need not be whole logical blocks (NVMe
 * reports such limits in 512-byte units whatever the LBA size); the split
 * rounds it down (blk_core.c). It must hold at least one block.
 *
 * Layer 0 of block/ (scripts/check-floors): the registry calls no other
 * block file.
 *
 * Pure logic: the host unit tests build this file as it is.
 */
#include "blkdev_driver.h"
#include "errno.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"
#include "spinlock.h"

/*
 * disk_list_lock serializes registration and removal (the name check, the
 * link and the in-flight check); lookups walk the list without it, which
 * holds because disks are added and removed only from process context on
 * the shell's CPU (boot, attach, tests) and a removed disk's memory stays
 * valid. A leaf lock.
 */
static struct gendisk *disk_list;
static unsigned disk_count;
static DEFINE_SPINLOCK(disk_list_lock);

void blk_set_default_limits(struct queue_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->logical_block_size = 512;
	lim->physical_block_size = 512;
	lim->max_hw_sectors = 2560;
	lim->max_segments = 128;
	lim->max_segment_size = 65536;
	lim->seg_boundary_mask = 0xffffffffULL;
	lim->virt_boundary_mask = 0;
	lim->dma_alignment = 511;
}

static bool is_pow2(u64 x)
{
	return x && !(x & (x - 1));
}

/* 2^k - 1 */
static bool is_mask(u64 m)
{
	return !(m & (m + 1));
}

int blk_validate_limits(const struct queue_limits *lim, const char *name)
{
	const char *why = NULL;
	u32 lbs = lim->logical_block_size;

	if (!is_pow2(lbs) || lbs < 512 || lbs > PAGE_SIZE)
		why = "logical block size not a power of two in 512..4096";
	else if (!is_pow2(lim->physical_block_size) ||
		 lim->physical_block_size < lbs)
		why = "physical block size below logical or not a power of two";
	else if (lim->max_hw_sectors < (PAGE_SIZE >> SECTOR_SHIFT) ||
		 (lim->max_hw_sectors & ((lbs >> SECTOR_SHIFT) - 1)))
		why = "max_hw_sectors below a page or not whole logical blocks";
	else if (!lim->max_segments)
		why = "max_segments is 0";
	else if (lim->max_segment_size < PAGE_SIZE)
		why = "max_segment_size below a page";
	else if (!is_mask(lim->seg_boundary_mask) ||
		 lim->seg_boundary_mask < PAGE_SIZE - 1)
		why = "seg_boundary_mask not 2^k-1 of at least a page";
	else if (!is_mask(lim->virt_boundary_mask) ||
		 lim->virt_boundary_mask >= PAGE_SIZE)
		why = "virt_boundary_mask not 2^k-1 below a page";
	else if (!is_mask(lim->dma_alignment) || lim->dma_alignment >= lbs)
		why = "dma_alignment not 2^k-1 below the logical block size";
	else if ((lim->max_discard_sectors &&
		  lim->max_discard_sectors < lbs >> SECTOR_SHIFT) ||
		 (lim->max_write_zeroes_sectors &&
		  lim->max_write_zeroes_sectors < lbs >> SECTOR_SHIFT))
		why = "discard/write-zeroes limit below one logical block";
	if (why) {
		pr_err("%s: bad queue limits: %s\n", name, why);
		return -EINVAL;
	}
	return 0;
}

int blk_register_disk(struct gendisk *disk)
{
	const char *why = NULL;
	size_t len = strnlen(disk->disk_name, DISK_NAME_LEN);
	struct gendisk **pp;
	unsigned long flags;
	int err;

	if (!len || len == DISK_NAME_LEN)
		why = "name empty or too long";
	else if (!disk->fops == !disk->tag_set ||
		 (disk->fops && !disk->fops->submit_bio))
		why = "needs exactly one of fops->submit_bio and a tag set";
	else if (disk->tag_set && !disk->tag_set->hctxs)
		why = "tag set not allocated";
	else if (disk->capacity & ((disk->limits.logical_block_size >>
				    SECTOR_SHIFT) - 1))
		why = "capacity not a whole number of logical blocks";
	if (why) {
		pr_err("%s: cannot register: %s\n", len ? disk->disk_name : "?",
		       why);
		return -EINVAL;
	}
	err = blk_validate_limits(&disk->limits, disk->disk_name);
	if (err)
		return err;
	flags = spin_lock_irqsave(&disk_list_lock);
	if (blk_find_disk(disk->disk_name)) {
		spin_unlock_irqrestore(&disk_list_lock, flags);
		pr_err("%s: cannot register: name in use\n", disk->disk_name);
		return -EEXIST;
	}
	if (disk->tag_set && disk->tag_set->nr_poll_queues)
		disk->limits.features |= BLK_FEAT_POLL;
	memset(&disk->stats, 0, sizeof(disk->stats));
	disk->next = NULL;
	for (pp = &disk_list; *pp; pp = &(*pp)->next)
		;
	WRITE_ONCE(*pp, disk);
	disk->registered = true;
	disk_count++;
	spin_unlock_irqrestore(&disk_list_lock, flags);
	pr_info("%s: %llu sectors (%llu MiB), lbs %u, pbs %u, %s\n",
		disk->disk_name, (unsigned long long)disk->capacity,
		(unsigned long long)(disk->capacity >> 11),
		disk->limits.logical_block_size,
		disk->limits.physical_block_size,
		disk->tag_set ? "request-based" : "bio-based");
	return 0;
}

int blk_unregister_disk(struct gendisk *disk)
{
	unsigned long flags = spin_lock_irqsave(&disk_list_lock);
	struct gendisk **pp;
	int err = 0;

	for (pp = &disk_list; *pp && *pp != disk; pp = &(*pp)->next)
		;
	if (!*pp) {
		err = -ENOENT;
		goto out;
	}
	for (unsigned g = 0; g < BLK_STAT_NR; g++) {
		if (__atomic_load_n(&disk->stats.in_flight[g], __ATOMIC_RELAXED)) {
			err = -EBUSY;
			goto out;
		}
	}
	WRITE_ONCE(*pp, disk->next);
	disk->registered = false;
	disk_count--;
out:
	spin_unlock_irqrestore(&disk_list_lock, flags);
	return err;
}

struct gendisk *blk_find_disk(const char *name)
{
	for (struct gendisk *d = disk_list; d; d = d->next)
		if (!strcmp(d->disk_name, name))
			return d;
	return NULL;
}

struct gendisk *blk_disk_next(struct gendisk *prev)
{
	return prev ? prev->next : disk_list;
}

unsigned blk_nr_disks(void)
{
	return disk_count;
}

long blk_direct_access(struct gendisk *disk, sector_t sector, u64 nr,
		       pfn_t *pfn)
{
	if (!disk->fops || !disk->fops->direct_access)
		return -EOPNOTSUPP;
	if (!nr || sector >= disk->capacity || nr > disk->capacity - sector)
		return -EIO;
	return disk->fops->direct_access(disk, sector, nr, pfn);
}
