/*
 * efiboot.h - the pure half of the GNU-EFI loader (boot/efi/loader.c):
 * checking pfnos.elf's headers, finding its multiboot2 "EFI amd64 entry
 * address", checking the kernel's span against an EFI memory map, and
 * writing the multiboot2 information block from an EFI memory map. No firmware calls and no allocation, so tests/unit compiles
 * boot/efi/efiboot.c for the host and feeds its output to the kernel's
 * parser (kernel/bootinfo.c).
 *
 * Specs: ELF-64 Object File Format 1.5; Multiboot2 spec 3.1 (header) and
 * 3.6 (information); UEFI 2.9, 7.2 (EFI_MEMORY_DESCRIPTOR).
 */
#ifndef PFNOS_EFIBOOT_H
#define PFNOS_EFIBOOT_H

#include <stddef.h>
#include <stdint.h>

/* ELF-64 Object File Format, version 1.5, and the System V x86-64 psABI */
#define EFIBOOT_PT_LOAD		1
#define EFIBOOT_PF_X		1

struct efiboot_ehdr {
	uint8_t e_ident[16];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
} __attribute__((packed));
_Static_assert(sizeof(struct efiboot_ehdr) == 64, "ELF64 header");

struct efiboot_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
} __attribute__((packed));
_Static_assert(sizeof(struct efiboot_phdr) == 56, "ELF64 program header");

/* UEFI 2.9, 7.2: the firmware's descriptors may be larger (desc_size). */
struct efiboot_mem_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t num_pages;
	uint64_t attribute;
} __attribute__((packed));
_Static_assert(sizeof(struct efiboot_mem_desc) == 40, "EFI memory descriptor");

/* Multiboot2 spec 3.1: the header lies 8-byte aligned in the first 32 KiB */
#define EFIBOOT_MB2_SEARCH	32768
#define EFIBOOT_MB2_MAGIC	0xE85250D6u

/* Multiboot2 spec 3.6 information tag types written here */
#define EFIBOOT_TAG_END		0
#define EFIBOOT_TAG_CMDLINE	1
#define EFIBOOT_TAG_LOADER	2
#define EFIBOOT_TAG_MMAP	6
#define EFIBOOT_TAG_EFI64	12
#define EFIBOOT_TAG_ACPI_OLD	14
#define EFIBOOT_TAG_ACPI_NEW	15
#define EFIBOOT_TAG_EFI_MMAP	17

/**
 * efiboot_check_elf() - check the ELF header of pfnos.elf.
 * @head: the first bytes of the file
 * @head_len: how many (at least 64 for a valid file)
 * @file_size: the whole file's size, for the program header bounds
 * @why: set to a short reason on failure
 *
 * Checks magic, ELFCLASS64, little endian, version, EM_X86_64, ET_EXEC,
 * program header entry size and count (1..@max_phdrs) and that they lie
 * inside the file.
 *
 * Returns: 0 or -EINVAL.
 */
int efiboot_check_elf(const void *head, size_t head_len, uint64_t file_size,
		      unsigned max_phdrs, const char **why);

/**
 * efiboot_find_entry() - find the multiboot2 "EFI amd64 entry address".
 * @head: the first bytes of the file
 * @head_len: how many (the header is searched in the first 32 KiB only)
 * @entry: set to the entry address (tag type 9) on success
 * @why: set to a short reason on failure
 *
 * Returns: 0, -ENOENT (no valid header or no tag type 9) or -EINVAL (a
 * header with a good checksum but malformed length or tags).
 */
int efiboot_find_entry(const void *head, size_t head_len, uint32_t *entry,
		       const char **why);

/* The e820 type reported for an EFI memory type (see efiboot.c). */
uint32_t efiboot_e820_type(uint32_t efi_type);

/* A physical range [start, end). */
struct efiboot_range {
	uint64_t start, end;
};

/* Why efiboot_span_check() refused the span. */
struct efiboot_span_fault {
	int bad_desc_size;	/* descriptors smaller than EFI_MEMORY_DESCRIPTOR */
	int hole;		/* [start, end) of the span is in no descriptor */
	uint64_t start, end;	/* else the offending descriptor, clipped to the span */
	uint32_t type;		/* its EFI memory type */
};

/**
 * efiboot_span_check() - may the kernel's image go to [start, end)?
 * @map: EFI memory map of @map_size bytes in descriptors of @desc_size
 * @claims: the @nclaims ranges the loader allocated in the span
 * @fault: set to the first offender on failure
 *
 * The span must be RAM throughout, every page of it in a descriptor, and
 * nothing but free memory, boot-services memory (free after
 * ExitBootServices) or LoaderData pages inside one of @claims. Descriptors
 * may overlap: coverage is followed address by address, not summed.
 *
 * Returns: 0 or -EINVAL.
 */
int efiboot_span_check(const void *map, size_t map_size, size_t desc_size,
		       uint64_t start, uint64_t end, const struct efiboot_range *claims,
		       size_t nclaims, struct efiboot_span_fault *fault);

/**
 * efiboot_mbi_size() - bytes to reserve for the information block.
 * @fixed: bytes for the tags added with efiboot_add_tag(), headers included
 * @map_max: the largest EFI memory map (bytes) it must hold
 * @desc_size: EFI descriptor size
 */
size_t efiboot_mbi_size(size_t fixed, size_t map_max, size_t desc_size);

/**
 * efiboot_add_tag() - append one tag to the information block.
 * @mbi: the block (8-byte aligned); the first tag goes at offset 8
 * @off: where this tag goes (8-byte aligned)
 * @type: tag type
 * @payload: @len bytes copied after the tag header
 *
 * Returns: the offset of the next tag (8-byte aligned).
 */
size_t efiboot_add_tag(uint8_t *mbi, size_t off, uint32_t type,
		       const void *payload, uint32_t len);

/**
 * efiboot_finish() - append the memory map tags and the end tag.
 * @mbi: the block, with its other tags before @off
 * @off: where the memory map tag goes
 * @map: the EFI memory map, @map_size bytes of @desc_size descriptors
 * @desc_version: the descriptor version GetMemoryMap reported
 *
 * Writes tag 6 (e820-typed entries, sorted by address, zero-length
 * descriptors dropped, neighbours of the same type merged), tag 17 (the raw
 * EFI map), the end tag and the header's total_size. Allocates nothing:
 * safe between GetMemoryMap and ExitBootServices. @mbi must have
 * efiboot_mbi_size() bytes.
 *
 * Returns: total_size, or 0 (nothing written) when @desc_size is smaller
 * than EFI_MEMORY_DESCRIPTOR.
 */
size_t efiboot_finish(uint8_t *mbi, size_t off, const void *map, size_t map_size,
		      size_t desc_size, uint32_t desc_version);

#endif
