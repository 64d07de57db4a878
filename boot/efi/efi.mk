# Rules for the GNU-EFI loader (build/BOOTX64.EFI) and its FAT image
# (build/esp.img). Filled in with boot/efi/loader.c.
efi:
