# libFuzzer target for fio job files (bench/fio_job.c) and the JSON lines
# (bench/fio_json.c); seeds in
# tests/fuzz/corpus/fio/.
FUZZ_BINS += fio
fio_FUZZ_SRCS := tests/fuzz/fuzz_fio.c tests/fuzz/fuzz_stubs.c bench/fio_job.c bench/fio_json.c \
	bench/bench_parse.c lib/hist.c
