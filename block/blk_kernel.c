/*
 * blk_kernel.c - the block layer's boot-time setup (kernel only):
 * blk_init(), which sizes the bio, scatterlist and flush sequence pools
 * once at boot. The platform hooks the block code calls are in
 * block/blk_plat.c.
 * Layer 5 of block/ (scripts/check-floors): blk_init() sets the layers
 * below up at boot.
 *
 * Command line: blk.bios= (default 1024, 1..16384), blk.vec_tables=
 * (default 64, 1..1024, 4 KiB each), blk.sg_chunks= (default 64, 1..1024,
 * 4 KiB each), blk.flush_seqs= (default 64, 1..4096 flush sequences,
 * block/blk_flush.c). Each pool is one kzalloc_boot() (at most 4 MiB), which
 * is where the upper bounds come from. A value outside its range, read as
 * the 64-bit number it is, is refused with a line naming the key and the
 * range, and the default is used.
 */
#include "blk.h"
#include "cmdline.h"
#include "errno.h"
#include "mm.h"
#include "printk.h"
#include "scatterlist.h"

/* The largest single kzalloc_boot(): 2^(PFN_MAX_ORDER - 1) pages. */
#define BLK_POOL_MAX_BYTES	((u64)PAGE_SIZE << (PFN_MAX_ORDER - 1))
#define BLK_MAX_BIOS		16384
#define BLK_MAX_VEC_TABLES	1024	/* a page each */
#define BLK_MAX_SG_CHUNKS	1024	/* at most a page each */
#define BLK_MAX_FLUSH_SEQS	4096	/* two bios and a few words each */
_Static_assert(BLK_MAX_BIOS * sizeof(struct bio) <= BLK_POOL_MAX_BYTES,
	       "the bio pool fits one allocation");
_Static_assert((u64)BLK_MAX_VEC_TABLES * PAGE_SIZE <= BLK_POOL_MAX_BYTES &&
	       (u64)BLK_MAX_SG_CHUNKS * PAGE_SIZE <= BLK_POOL_MAX_BYTES,
	       "the vec table and sg chunk pools fit one allocation");
_Static_assert(BLK_MAX_FLUSH_SEQS * (2 * sizeof(struct bio) + 64) <= BLK_POOL_MAX_BYTES,
	       "the flush sequence pool fits one allocation");

/* blk.<key>= within [min, max], else a line saying so and def. */
static unsigned blk_pool_param(const char *key, unsigned def, unsigned min,
			       unsigned max)
{
	u64 v = kernel_param_u64(key, def);

	if (v < min || v > max) {
		pr_warn("block: %s=%llu out of range %u..%u, using %u\n", key,
			(unsigned long long)v, min, max, def);
		return def;
	}
	return (unsigned)v;
}

int blk_init(void)
{
	unsigned nr_bios = blk_pool_param("blk.bios", 1024, 1, BLK_MAX_BIOS);
	unsigned nr_tables = blk_pool_param("blk.vec_tables", 64, 1,
					    BLK_MAX_VEC_TABLES);
	unsigned nr_chunks = blk_pool_param("blk.sg_chunks", 64, 1,
					    BLK_MAX_SG_CHUNKS);
	unsigned nr_seqs = blk_pool_param("blk.flush_seqs", 64, 1,
					  BLK_MAX_FLUSH_SEQS);
	int err;

	err = bio_pool_init(nr_bios, nr_tables);
	if (err)
		goto fail;
	err = sg_pool_init(nr_chunks);
	if (err)
		goto free_bios;
	err = blk_flush_pool_init(nr_seqs);
	if (err)
		goto free_sg;
	pr_info("block: %u bios, %u vec tables, %u sg chunks, %u flush sequences\n",
		nr_bios, nr_tables, nr_chunks, nr_seqs);
	return 0;

free_sg:
	sg_pool_exit();
free_bios:
	bio_pool_exit();
fail:
	pr_err("block: pool setup failed: -%s\n", errno_name(err));
	return err;
}
