# Host tests of the benchmarks' pure parts: the latency histogram
# (lib/hist.c) against a sorted reference, job-option parsing in fio
# spellings, and the BENCH line formats (bench/bench_parse.c).
UNIT_BINS += bench
bench_SRCS := lib/hist.c bench/bench_parse.c tests/unit/test_bench.c
# Host tests of fio job files (bench/fio_job.c) and the fio JSON lines
# (bench/fio_json.c).
UNIT_BINS += fio
fio_SRCS := lib/hist.c bench/bench_parse.c bench/fio_job.c bench/fio_json.c tests/unit/test_fio.c
fio_LDFLAGS := -lm
