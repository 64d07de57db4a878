# libFuzzer target for the GNU-EFI loader's pure half (boot/efi/efiboot.c):
# span check, information block (read back by kernel/bootinfo.c), ELF and
# multiboot2 header checks; seeds in tests/fuzz/corpus/efiboot/.
FUZZ_BINS += efiboot
efiboot_FUZZ_SRCS := tests/fuzz/fuzz_efiboot.c tests/fuzz/fuzz_stubs.c boot/efi/efiboot.c \
	kernel/bootinfo.c
