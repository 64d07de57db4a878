UNIT_BINS += block
block_SRCS := block/bio.c block/blk_core.c block/blk_flush.c block/blk_merge.c block/blk_mq.c \
	block/blk_wait.c \
	block/genhd.c block/scatterlist.c tests/unit/block_host.c tests/unit/host_spinlock.c \
	tests/unit/test_bio.c tests/unit/test_sg.c \
	tests/unit/test_blk_flush.c
# Calls of blk_split_bytes() from the other block files are counted
# (test_bio.c, segments_counted_once_per_piece).
block_LDFLAGS := -Wl,--wrap=blk_split_bytes
