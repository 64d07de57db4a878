# Host unit tests of the DMA mapping layer (block/dma_pool.c, dma_debug.c
# and dma_mapping.c): mask decisions, the bounce slot allocator, bounce
# copies through fake hooks, scatterlists, coherent allocations and debug
# tracking.
UNIT_BINS += dma
dma_SRCS := block/dma_pool.c block/dma_debug.c block/dma_mapping.c \
	block/scatterlist.c tests/unit/host_spinlock.c tests/unit/test_dma.c
