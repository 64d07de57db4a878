# Host unit tests of the DMA mapping core (block/dma_core.c): mask
# decisions, the bounce slot allocator, bounce copies through fake hooks,
# scatterlists, coherent allocations and debug tracking.
UNIT_BINS += dma
dma_SRCS := block/dma_core.c block/scatterlist.c tests/unit/test_dma.c
