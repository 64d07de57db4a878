# Host tests of the benchmarks' pure parts: the latency histogram
# (lib/hist.c) against a sorted reference, job-option parsing in fio
# spellings, and the BENCH line formats (bench/bench_parse.c).
UNIT_BINS += bench
bench_SRCS := lib/hist.c bench/bench_parse.c tests/unit/test_bench.c
