/*
 * blk_kernel.c - the block layer's boot-time setup (kernel only):
 * blk_init(), which sizes the bio, scatterlist and flush sequence pools
 * once at boot. The platform hooks the block code calls are in
 * block/blk_plat.c.
 * Layer 5 of block/ (scripts/check-floors): blk_init() sets the layers
 * below up at boot.
 *
 * Command line: blk.bios= (default 1024), blk.vec_tables= (default 64,
 * 4 KiB each), blk.sg_chunks= (default 64, 4 KiB each), blk.flush_seqs=
 * (default 64 flush sequences, block/blk_flush.c).
 */
#include "blk.h"
#include "cmdline.h"
#include "errno.h"
#include "printk.h"
#include "scatterlist.h"

int blk_init(void)
{
	unsigned nr_bios = (unsigned)kernel_param_u64("blk.bios", 1024);
	unsigned nr_tables = (unsigned)kernel_param_u64("blk.vec_tables", 64);
	unsigned nr_chunks = (unsigned)kernel_param_u64("blk.sg_chunks", 64);
	unsigned nr_seqs = (unsigned)kernel_param_u64("blk.flush_seqs", 64);
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
	pr_err("block: pool setup failed: %s\n", errno_name(err));
	return err;
}
