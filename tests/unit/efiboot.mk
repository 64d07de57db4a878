# Host tests of the GNU-EFI loader's pure half (boot/efi/efiboot.c): ELF
# header checks, the multiboot2 entry-tag search, and information blocks it
# writes, parsed back with the kernel's own parser (kernel/bootinfo.c).
UNIT_BINS += efiboot
efiboot_SRCS := boot/efi/efiboot.c kernel/bootinfo.c tests/unit/test_efiboot.c
