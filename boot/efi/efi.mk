# efi.mk - rules for the GNU-EFI loader and its FAT image, included by the
# top Makefile (target `efi`, part of `make all`).
#
#   $(BUILD)/BOOTX64.EFI   boot/efi/loader.c (firmware side) and efiboot.c
#                          (pure ELF/multiboot2 logic) linked with Debian's gnu-efi
#                          (crt0 + elf_x86_64_efi.lds + libgnuefi, objcopy
#                          to a PE32+ EFI application)
#   $(BUILD)/esp.img       FAT image (mtools, no root): /EFI/BOOT/BOOTX64.EFI,
#                          /pfnos.elf and /pfnos.cmdline
#
# EFI_CMDLINE sets the contents of /pfnos.cmdline (default empty: the
# launcher's --cmdline reaches the kernel through fw_cfg instead), e.g.
# `make EFI_CMDLINE='loglevel=7' build/esp.img`. The image is rebuilt when
# it changes.

EFI_INC := /usr/include/efi
EFI_LIB := /usr/lib
EFI_CRT0 := $(EFI_LIB)/crt0-efi-x86_64.o
EFI_LDS := $(EFI_LIB)/elf_x86_64_efi.lds
EFI_CMDLINE ?=

# GNU_EFI_USE_MS_ABI: protocol members are declared ms_abi, so firmware
# calls are plain C calls (no uefi_call_wrapper). efi_main itself is SysV:
# crt0 converts.
EFI_CFLAGS := -std=gnu11 -O2 -g -fpic -fshort-wchar -mno-red-zone \
	-ffreestanding -fno-stack-protector -fno-strict-aliasing \
	-fno-asynchronous-unwind-tables -mgeneral-regs-only \
	-DGNU_EFI_USE_MS_ABI -I$(EFI_INC) -I$(EFI_INC)/x86_64 -iquote include \
	-Wall -Wextra -Werror -Wno-unused-parameter -MD -MP
EFI_LDFLAGS := -nostdlib -shared -Bsymbolic -znocombreloc -T $(EFI_LDS) \
	-L$(EFI_LIB)

efi: $(BUILD)/BOOTX64.EFI $(BUILD)/esp.img

EFI_OBJS := $(BUILD)/efi/loader.o $(BUILD)/efi/efiboot.o

$(BUILD)/efi/%.o: boot/efi/%.c
	@mkdir -p $(dir $@)
	$(CC) $(EFI_CFLAGS) -c $< -o $@

$(BUILD)/efi/loader.so: $(EFI_OBJS)
	$(LD) $(EFI_LDFLAGS) $(EFI_CRT0) $^ -o $@ -lgnuefi
	@if nm -u $@ | grep -q .; then \
		echo "efi: undefined symbols in $@:"; nm -u $@; rm -f $@; exit 1; fi

$(BUILD)/BOOTX64.EFI: $(BUILD)/efi/loader.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc \
		--target efi-app-x86_64 --subsystem=10 $< $@

# Written only when EFI_CMDLINE changes, so the image follows it.
$(BUILD)/efi/pfnos.cmdline: efi-force
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(subst ','\'',$(EFI_CMDLINE))' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# Sized for the files plus 8 MiB, at least 64 MiB (FAT16), sparse.
$(BUILD)/esp.img: $(BUILD)/BOOTX64.EFI $(BUILD)/pfnos.elf $(BUILD)/efi/pfnos.cmdline
	rm -f $@
	size=$$(( ($$(stat -c %s $(BUILD)/pfnos.elf) + $$(stat -c %s $(BUILD)/BOOTX64.EFI)) \
		/ 1048576 + 8 )); [ $$size -ge 64 ] || size=64; \
		truncate -s $${size}M $@
	mformat -i $@ -v PFNOS ::
	mmd -i $@ ::/EFI ::/EFI/BOOT
	mcopy -i $@ $(BUILD)/BOOTX64.EFI ::/EFI/BOOT/BOOTX64.EFI
	mcopy -i $@ $(BUILD)/pfnos.elf ::/pfnos.elf
	mcopy -i $@ $(BUILD)/efi/pfnos.cmdline ::/pfnos.cmdline

.PHONY: efi-force
efi-force:

-include $(EFI_OBJS:.o=.d)
