/*
 * boot.h - what the loader told us, in one loader-neutral form.
 *
 * kmain() fills boot_info from the multiboot2 information (GRUB, the GNU-EFI
 * loader) or from the PVH start info (qemu -kernel) with the pure parsers of
 * kernel/bootinfo.c, copying everything it needs: after that nothing refers
 * to loader memory. Memory maps are kept raw here; mm/memmap.c sanitizes.
 */
#ifndef PFNOS_BOOT_H
#define PFNOS_BOOT_H

#include "cmdline.h"
#include "types.h"

#define MB2_BOOTLOADER_MAGIC	0x36d76289
#define PVH_START_MAGIC		0x336ec578

/* e820 types (ACPI 6.4, 15 "System Address Map Interfaces"), and type 12,
 * the legacy persistent-memory type Linux calls PRAM. */
#define E820_RAM		1
#define E820_RESERVED		2
#define E820_ACPI		3
#define E820_NVS		4
#define E820_UNUSABLE		5
#define E820_PMEM		7
#define E820_PRAM		12

/* EFI memory types (UEFI 2.9, 7.2 EFI_MEMORY_TYPE) */
#define EFI_RESERVED_TYPE		0
#define EFI_LOADER_CODE			1
#define EFI_LOADER_DATA			2
#define EFI_BOOT_SERVICES_CODE		3
#define EFI_BOOT_SERVICES_DATA		4
#define EFI_RUNTIME_SERVICES_CODE	5
#define EFI_RUNTIME_SERVICES_DATA	6
#define EFI_CONVENTIONAL_MEMORY		7
#define EFI_UNUSABLE_MEMORY		8
#define EFI_ACPI_RECLAIM_MEMORY		9
#define EFI_ACPI_MEMORY_NVS		10
#define EFI_MEMORY_MAPPED_IO		11
#define EFI_MEMORY_MAPPED_IO_PORT_SPACE	12
#define EFI_PAL_CODE			13
#define EFI_PERSISTENT_MEMORY		14

#define BOOT_MMAP_MAX		512

struct boot_mmap_entry {
	u64 addr;
	u64 len;
	u32 type;	/* e820 type; for the EFI map, the EFI type */
	u32 pad;
};

enum boot_proto {
	BOOT_PROTO_NONE,
	BOOT_PROTO_MB2,
	BOOT_PROTO_PVH,
};

struct boot_info {
	enum boot_proto proto;
	char loader[64];
	char cmdline[CMDLINE_MAX];
	struct boot_mmap_entry e820[BOOT_MMAP_MAX];	/* mb2 type 6, PVH memmap */
	unsigned ne820;
	struct boot_mmap_entry efi[BOOT_MMAP_MAX];	/* mb2 type 17 */
	unsigned nefi;
	u64 rsdp_phys;		/* PVH: where the RSDP is; 0 if unknown */
	u8 rsdp[36];		/* mb2 types 14/15: a copy of the RSDP */
	u32 rsdp_len;		/* 0: no copy */
	u64 efi_systab;
	u32 warnings;		/* malformed pieces skipped */
};

/*
 * Parse multiboot2 information at mbi, at most max bytes readable. Returns 0
 * or -EINVAL for a header that cannot be trusted (size too small or past max,
 * tags overrunning). Malformed single tags are skipped and counted in
 * bi->warnings.
 */
int bootinfo_parse_mb2(struct boot_info *bi, const void *mbi, size_t max);

/*
 * Parse a PVH hvm_start_info. map(phys, len) returns a pointer through which
 * len bytes at phys can be read, or NULL (the kernel passes its early
 * identity map; host tests a fake).
 */
int bootinfo_parse_pvh(struct boot_info *bi, const void *start_info,
		       const void *(*map)(u64 phys, size_t len));

extern struct boot_info boot_info;

/* Kernel image bounds (linker.ld). */
extern char __boot_start[], __boot_end[], __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[], __data_start[], __data_end[];
extern char __bss_start[], __bss_end[], __kernel_end[];
#define KERNEL_VMA	0xffffffff80000000ULL
#define KERNEL_PHYS	0x1000000ULL
static inline u64 kernel_va_to_pa(const void *va) { return (u64)va - KERNEL_VMA; }

#endif
