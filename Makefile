# pfnos - one top-level Makefile.
#
#   make            kernel, GRUB ISO, GNU-EFI loader and ESP image under build/
#   make run        boot the default machine (q35, NVDIMM, NVMe) into the shell
#   make run-uefi   the same under OVMF
#   make debug      QEMU halted with its gdb stub; prints how to attach
#   make test       unit + integration tests, ending "N passed, N failed, N skipped"
#                   (SEED=n replays the random choices of an earlier run)
#   make test-long  the crash-atomicity tests with 200 (BTT) and 50 (raw) QEMU kills
#   make unit       host unit tests only (ASan/UBSan)
#   make fuzz       libFuzzer targets (clang), bounded time; not part of test
#   make pmem-check the persistence checker plugin (fetches QEMU's plugin header once)
#
# Kernel sources are every .c under lib/ kernel/ mm/ block/ drivers/ shell/
# bench/ and tests/kernel/; host unit tests add themselves through
# tests/unit/*.mk.
# BUILD=dir puts all output elsewhere (parallel work in one tree).

BUILD ?= build
CC := gcc
NASM := nasm
LD := ld

# Headers: include/ holds the interfaces between floors (-Iinclude). A header
# used by one folder only lives in that folder, and its files include it by
# its bare name; -I. lets tests name it from the repository root
# ("mm/buddy.h"). scripts/check-floors keeps kernel code to that rule.
KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -mno-red-zone \
	-mcmodel=kernel -mgeneral-regs-only -fno-stack-protector \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -fno-common -ffunction-sections \
	-Wall -Wextra -Werror -Wno-unused-parameter -Wno-address-of-packed-member \
	-Wno-format-truncation \
	-Iinclude -I. -MD -MP
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments --gc-sections -T linker.ld

KSRCS := $(sort $(wildcard lib/*.c kernel/*.c mm/*.c block/*.c drivers/*.c \
	drivers/*/*.c shell/*.c bench/*.c tests/kernel/*.c))
KASMS := $(sort $(wildcard boot/*.asm kernel/*.asm mm/*.asm))
# All C is built with -mgeneral-regs-only; the copy routines that use vector
# registers are assembly (mm/copy_routines.asm).
KOBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(KSRCS)) \
	 $(patsubst %.asm,$(BUILD)/obj/%.o,$(KASMS))

.PHONY: all deps run run-uefi debug test test-long linux-guest unit unit-bins replay replay-bins fuzz bench bench-linux \
	bench-compare clean iso efi
all: deps $(BUILD)/pfnos.elf $(BUILD)/pfnos.iso efi

deps:
	@scripts/deps.sh build

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

# The version strings follow git; the object is rebuilt when they change.
PFNOS_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)
$(BUILD)/version.txt: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PFNOS_VERSION)' | cmp -s - $@ || echo '$(PFNOS_VERSION)' > $@
$(BUILD)/obj/kernel/version.o: kernel/version.c $(BUILD)/version.txt
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -DPFNOS_VERSION='"$(PFNOS_VERSION)"' \
		-DPFNOS_BUILD_DATE='"$(shell date -u +%Y-%m-%d)"' -c $< -o $@
FORCE:

$(BUILD)/obj/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -Iinclude/ -MD $(@:.o=.d) -MP $< -o $@

# Two links: the first with an empty symbol table, the second with the real
# one. .ksyms is the last section, so the second link moves nothing.
$(BUILD)/obj/ksyms0.o: scripts/gen-ksyms.sh
	@mkdir -p $(dir $@)
	printf '' | scripts/gen-ksyms.sh > $(BUILD)/obj/ksyms0.S
	$(CC) -c $(BUILD)/obj/ksyms0.S -o $@

$(BUILD)/pfnos.elf: $(KOBJS) $(BUILD)/obj/ksyms0.o linker.ld scripts/gen-ksyms.sh
	$(LD) $(KLDFLAGS) -o $@.pass1 $(KOBJS) $(BUILD)/obj/ksyms0.o
	nm -n $@.pass1 | scripts/gen-ksyms.sh > $(BUILD)/obj/ksyms.S
	$(CC) -c $(BUILD)/obj/ksyms.S -o $(BUILD)/obj/ksyms.o
	$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(BUILD)/obj/ksyms.o
	@scripts/check-layout.sh $@.pass1 $@

iso: $(BUILD)/pfnos.iso
$(BUILD)/pfnos.iso: $(BUILD)/pfnos.elf boot/grub.cfg
	rm -rf $(BUILD)/isodir
	mkdir -p $(BUILD)/isodir/boot/grub
	cp $(BUILD)/pfnos.elf $(BUILD)/isodir/boot/pfnos.elf
	cp boot/grub.cfg $(BUILD)/isodir/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(BUILD)/isodir 2>$(BUILD)/grub-mkrescue.log || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

# The GNU-EFI loader and its FAT image: rules in boot/efi/efi.mk.
include boot/efi/efi.mk

# ------------------------------------------------------------ host unit tests
# Each tests/unit/<area>.mk adds one binary: "UNIT_BINS += area" and
# "area_SRCS := <the kernel's pure .c files> tests/unit/test_area.c"
# (and "area_LDFLAGS := ..." if it needs link options).
# `make unit-<area>` builds and runs one; `make unit` all of them.
# -fno-builtin: the pure code is freestanding, and with the builtins GCC
# folds calls such as snprintf() on constant arguments to their libc result,
# so a test of lib's own snprintf would never run it.
HOSTCC ?= gcc
UCFLAGS := -std=gnu11 -O1 -g -DPFNOS_HOST -fno-builtin -Iinclude -I. -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wall -Wextra -Werror \
	-Wno-unused-parameter -Wno-address-of-packed-member -Wno-format-truncation -MD -MP
UNIT_COMMON := tests/unit/host.c lib/ktest.c lib/format.c lib/strutil.c lib/parse.c \
	lib/pattern.c lib/errname.c lib/hexdump.c
UNIT_BINS :=
include $(sort $(wildcard tests/unit/*.mk))

# The objects follow the flags: a change of UCFLAGS rebuilds them.
$(BUILD)/unit/flags.txt: FORCE
	@mkdir -p $(dir $@)
	@echo '$(HOSTCC) $(UCFLAGS)' | cmp -s - $@ || echo '$(HOSTCC) $(UCFLAGS)' > $@
$(BUILD)/unit/%.o: %.c $(BUILD)/unit/flags.txt
	@mkdir -p $(dir $@)
	$(HOSTCC) $(UCFLAGS) -c $< -o $@

define unit_rule
$(BUILD)/unit/bin/$(1): $(patsubst %.c,$(BUILD)/unit/%.o,$(sort $(UNIT_COMMON) $($(1)_SRCS)))
	@mkdir -p $$(dir $$@)
	$(HOSTCC) $(UCFLAGS) -o $$@ $$^ $($(1)_LDFLAGS)
.PHONY: unit-$(1)
unit-$(1): $(BUILD)/unit/bin/$(1)
	$(BUILD)/unit/bin/$(1) $(FILTER)
endef
$(foreach b,$(UNIT_BINS),$(eval $(call unit_rule,$(b))))

unit-bins: $(addprefix $(BUILD)/unit/bin/,$(UNIT_BINS))
unit: unit-bins
	@scripts/run-unit $(BUILD)/unit/bin $(UNIT_BINS)

# ------------------------------------------------------------ fuzzing
# Each tests/fuzz/<name>.mk: "FUZZ_BINS += name", "name_FUZZ_SRCS := ...";
# seeds in tests/fuzz/corpus/<name>/. Needs clang (scripts/deps.sh fuzz).
FUZZ_TIME ?= 30
FCFLAGS := -std=gnu11 -g -O1 -DPFNOS_HOST -DPFNOS_FUZZ -Iinclude -I. \
	-fsanitize=fuzzer,address,undefined -Wno-unused-parameter
FUZZ_BINS :=
include $(sort $(wildcard tests/fuzz/*.mk))
define fuzz_rule
$(BUILD)/fuzz/$(1): $($(1)_FUZZ_SRCS) lib/format.c lib/strutil.c lib/parse.c lib/errname.c
	@mkdir -p $$(dir $$@)
	clang $(FCFLAGS) -o $$@ $$^
endef
$(foreach b,$(FUZZ_BINS),$(eval $(call fuzz_rule,$(b))))
# The same targets built with gcc and replayed over their seeds (make test).
define replay_rule
$(BUILD)/replay/$(1): $($(1)_FUZZ_SRCS) tests/fuzz/replay.c lib/format.c lib/strutil.c lib/parse.c lib/errname.c
	@mkdir -p $$(dir $$@)
	$(HOSTCC) -std=gnu11 -g -O1 -DPFNOS_HOST -DPFNOS_FUZZ -fno-builtin -Iinclude -I. \
		-fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-Wno-unused-parameter -o $$@ $$^
endef
$(foreach b,$(FUZZ_BINS),$(eval $(call replay_rule,$(b))))
replay-bins: $(addprefix $(BUILD)/replay/,$(FUZZ_BINS))
replay: replay-bins
	@for f in $(FUZZ_BINS); do \
		printf '[replay %s] ' $$f; $(BUILD)/replay/$$f tests/fuzz/corpus/$$f || exit 1; \
	done

fuzz:
	@scripts/deps.sh fuzz
	$(MAKE) $(addprefix $(BUILD)/fuzz/,$(FUZZ_BINS))
	@for f in $(FUZZ_BINS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$f; \
		echo "fuzz: $$f for $(FUZZ_TIME)s"; \
		$(BUILD)/fuzz/$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			$(BUILD)/fuzz/corpus-$$f tests/fuzz/corpus/$$f || exit 1; \
	done

# ------------------------------------------------------------ host tools
$(BUILD)/patcheck: scripts/patcheck.c lib/pattern.c
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -DPFNOS_HOST -Iinclude -Wall -Werror -o $@ $^

# build/btt-check: NVDIMM images read with pfnos's own namespace code
# (tools/btt-check); the crash tests run it after every kill.
BTTCHK_SRCS := tools/btt-check/btt_check.c drivers/nvdimm/nd_info.c drivers/nvdimm/btt.c \
	tests/unit/nd_host.c
$(BUILD)/btt-check: $(BTTCHK_SRCS) include/nd.h drivers/nvdimm/nd_reg.h tests/unit/nd_host.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -g -DPFNOS_HOST -Iinclude -I. -Wall -Werror -Wno-unused-parameter \
		-o $@ $(BTTCHK_SRCS)

# ------------------------------------------------------------ persistence checker
# A QEMU TCG plugin (tools/pmem-check); `scripts/pfnos-qemu --pmem-check`
# builds it through this target. QEMU's plugin header is fetched once from
# Debian's qemu source package (scripts/qemu-plugin-header.sh); plain `make`
# and `make run` never fetch it.
PMC_SRCS := tools/pmem-check/pmc.c tools/pmem-check/pmc_plugin.c
$(BUILD)/qemu-plugin/qemu-plugin.h:
	@scripts/qemu-plugin-header.sh $(BUILD)/qemu-plugin
$(BUILD)/pmem-check/pmem-check.so: $(PMC_SRCS) tools/pmem-check/pmc.h include/pmem_check.h \
		$(BUILD)/qemu-plugin/qemu-plugin.h
	@mkdir -p $(dir $@)
	$(HOSTCC) -std=gnu11 -O2 -g -shared -fPIC -Wall -Wextra -Werror -Wno-unused-parameter \
		-I$(BUILD)/qemu-plugin -o $@ $(PMC_SRCS) -lpthread
.PHONY: pmem-check
pmem-check: $(BUILD)/pmem-check/pmem-check.so

# ------------------------------------------------------------ running
run: all
	scripts/pfnos-qemu --build $(BUILD) $(QEMU_ARGS)
run-uefi: all
	scripts/pfnos-qemu --build $(BUILD) --firmware uefi $(QEMU_ARGS)
debug: all
	scripts/pfnos-qemu --build $(BUILD) --gdb $(QEMU_ARGS)

test: all unit-bins replay-bins $(BUILD)/patcheck $(BUILD)/btt-check
	@scripts/deps.sh test
	@scripts/linux-qemu --build $(BUILD) --prepare
	@$(MAKE) --no-print-directory -s pmem-check
	@BUILD=$(BUILD) UNIT_BINS="$(UNIT_BINS)" REPLAY_BINS="$(FUZZ_BINS)" SEED="$(SEED)" \
		scripts/run-tests

# make test-long: the crash-atomicity tests at length (issue 12): 200 SIGKILLs
# of QEMU during writes to pmem0s, 50 on raw pmem0. Not part of make test.
test-long: all $(BUILD)/btt-check
	ND_CRASH_KILLS=200 ND_RAW_KILLS=50 python3 tests/integration/run.py \
		--build $(BUILD) --timeout-factor 12 -k nd.crash_atomic_btt -k nd.crash_torn_raw \
		$(if $(SEED),--seed $(SEED))

# ------------------------------------------------------------ benchmarks
# make bench: pfnos's bench-suite in the standard machine (QEMU pinned to
# host CPU 0); make bench-linux: the same matrix with fio in Debian's stock
# kernel, default CPU and ERMS hidden; make bench-compare: both sides in one
# invocation, with ratios. Output in $(BUILD)/bench: results.json,
# report.md, iops/p99 plots (PNG, SVG). BENCH_ARGS=--quick: shorter jobs.
# Not part of make test (needs gnuplot, fio, Debian's kernel package).
# JOB=file.fio: that fio job file instead of the matrix, on both sides
# (pfnos.fio.json, linux.fio.json). RUNS=N: each side N times, interleaved,
# reported as medians with min-max ranges (default 3 for bench-compare, 1
# otherwise).
BENCH_ARGS ?=
JOB ?=
RUNS ?=
BENCH_JOB = $(if $(JOB),--job $(JOB))
bench: all
	@scripts/deps.sh bench
	scripts/bench/bench.py --build $(BUILD) --pfnos --runs $(or $(RUNS),1) $(BENCH_JOB) $(BENCH_ARGS)
bench-linux:
	@scripts/deps.sh bench
	scripts/bench/bench.py --build $(BUILD) --linux --runs $(or $(RUNS),1) $(BENCH_JOB) $(BENCH_ARGS)
bench-compare: all
	@scripts/deps.sh bench
	scripts/bench/bench.py --build $(BUILD) --pfnos --linux --runs $(or $(RUNS),3) $(BENCH_JOB) $(BENCH_ARGS)

# The Linux guest (Debian's kernel, ndctl, fio) for scripts/linux-qemu and
# the namespace interop tests, in $(BUILD)/bench/linux; rebuilt when stale.
linux-guest:
	@scripts/deps.sh test
	@scripts/linux-qemu --build $(BUILD) --prepare

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/unit -name '*.d' 2>/dev/null)
