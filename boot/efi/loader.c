/*
 * loader.c - pfnos-efi, the GNU-EFI loader (BOOTX64.EFI) for pfnos.elf.
 *
 * Built by boot/efi/efi.mk into build/BOOTX64.EFI and put on a FAT image
 * (build/esp.img) as /EFI/BOOT/BOOTX64.EFI beside /pfnos.elf and
 * /pfnos.cmdline. It hands the kernel what GRUB would hand it through
 * multiboot2, so there is one boot-information parser (kernel/bootinfo.c)
 * for both loaders.
 *
 * Hand-off contract, in the order the loader works:
 *  1. Files come from the volume the loader was started from
 *     (LoadedImage->DeviceHandle, Simple File System): /pfnos.elf, and the
 *     optional /pfnos.cmdline (the kernel command line as one line of plain
 *     bytes, trailing whitespace stripped, at most 4095 bytes; absent =
 *     empty). Extra arguments from the launcher come through QEMU's fw_cfg,
 *     which the kernel reads itself.
 *  2. pfnos.elf must be an ELF64 little-endian x86_64 ET_EXEC with program
 *     headers inside the file. Its PT_LOAD segments are placed at their
 *     physical addresses (p_paddr; p_filesz bytes from the file, zero up to
 *     p_memsz), all below 4 GiB. The image span (first to last PT_LOAD page)
 *     must be RAM that is free or only boot-services memory: OVMF keeps its
 *     decompressed DXE volume as EfiBootServicesData at 9-21 MiB, over the
 *     kernel's 16 MiB. So the loader claims the free pages of the span
 *     (AllocateAddress), builds the image in a staging buffer, and copies it
 *     into place after ExitBootServices, when boot-services memory is free
 *     (UEFI 2.9, 7.4 ExitBootServices). Any other memory type in the span
 *     is an error that names the range and type.
 *  3. The multiboot2 header (Multiboot2 spec 3.1: 8-byte aligned in the
 *     first 32 KiB of the file, magic 0xE85250D6, checksum) must carry tag
 *     type 9 "EFI amd64 entry address": the physical address of the
 *     kernel's efi64_entry, inside an executable PT_LOAD.
 *  4. The multiboot2 information (spec 3.6) lives in EfiLoaderData pages
 *     below 4 GiB, outside the image span: command line (1), boot loader
 *     name (2, "pfnos-efi"), EFI64 system table (12), ACPI new RSDP (15) or
 *     else old RSDP (14) copied from the configuration table, memory map (6,
 *     e820 types derived from the final EFI map, sorted, adjacent equal
 *     entries merged), the raw final EFI memory map (17, descriptor size and
 *     version as the firmware gave them), end tag. The e820 map reports
 *     loader and boot-services memory as RAM: the kernel must copy what it
 *     needs from the information (kmain does, first thing) and keep its own
 *     image reserved.
 *  5. GetMemoryMap into a buffer allocated beforehand with slack, check
 *     that the descriptor size is the one the information was sized for,
 *     fill the two map tags without allocating, check the span again,
 *     ExitBootServices(map key); on EFI_INVALID_PARAMETER (the map changed)
 *     retry without console output or allocation.
 *  6. A trampoline copied to EfiLoaderCode pages below 4 GiB switches to the
 *     loader's own identity map of 0-4 GiB (2 MiB pages) and stack, copies
 *     the staged image to the span, and jumps to the entry in 64-bit mode
 *     with interrupts off, EAX = 0x36d76289 and EBX = physical address of
 *     the information, as the multiboot2 spec describes for that tag (3.2
 *     "EFI amd64 machine state") except that boot services are gone. The
 *     GDT is still the firmware's; the kernel loads its own GDT, page tables
 *     and stack first (boot/entry.asm).
 *
 * Progress and errors go to ConOut (OVMF mirrors it to the serial port), all
 * prefixed "pfnos-efi: ". On an error the loader frees what it took and
 * returns to the firmware, which tries its next boot option.
 */
#include <efi.h>
#include "efiboot.h"

#define PFX			"pfnos-efi: "
#define KERNEL_PATH		L"\\pfnos.elf"
#define CMDLINE_PATH		L"\\pfnos.cmdline"
#define CMDLINE_LIMIT		4095		/* kernel's CMDLINE_MAX - 1 */
#define LOADER_NAME		"pfnos-efi"
#define PAGE_SIZE		4096ULL
#define PAGES(n)		(((n) + PAGE_SIZE - 1) / PAGE_SIZE)
#define LOW_4G			0x100000000ULL
#define MAX_SPAN		(1ULL << 30)	/* sanity limit on the image */
#define MAX_CLAIMS		32
#define MAX_PHDRS		64

/*
 * Space for the tags other than the two memory maps: headers, a 4 KiB
 * command line, the loader name, an RSDP (36 bytes in ACPI 6.4, 5.2.5.3,
 * taken from its Length field, at most 1 KiB here) and the end tag.
 */
#define MBI_FIXED_SPACE		(2 * PAGE_SIZE)
#define MMAP_SLACK_DESCS	64

/*
 * The hand-off area, EfiLoaderCode pages below 4 GiB (Intel SDM vol. 3A,
 * 4.5 "4-level paging"): PML4, one PDPT, four page directories of 2 MiB
 * pages (PS, RW, P) identity-mapping 0-4 GiB, the trampoline's code, and
 * its stack.
 */
#define HO_PML4			0
#define HO_PDPT			1
#define HO_PD			2	/* four pages */
#define HO_CODE			6
#define HO_STACK		7	/* two pages */
#define HO_PAGES		9
#define PTE_P			(1ULL << 0)
#define PTE_RW			(1ULL << 1)
#define PTE_PS			(1ULL << 7)
#define CR4_LA57		(1ULL << 12)

static EFI_SYSTEM_TABLE *st;
static EFI_BOOT_SERVICES *bs;

struct loader {
	EFI_HANDLE image;
	EFI_FILE_HANDLE root;
	EFI_FILE_HANDLE kfile;
	UINT64 ksize;
	UINT8 head[EFIBOOT_MB2_SEARCH];		/* the first bytes of pfnos.elf */
	UINTN head_len;
	struct efiboot_phdr phdr[MAX_PHDRS];
	UINTN phnum;
	char cmdline[CMDLINE_LIMIT + 1];
	struct efiboot_range span;	/* page-aligned physical image span */
	struct efiboot_range claim[MAX_CLAIMS];	/* free pages of the span we took */
	UINTN nclaim;
	UINT8 *stage;			/* the image, built here first */
	UINT64 entry;
	const void *rsdp;
	UINT32 rsdp_len;
	UINT32 rsdp_tag;
	UINT8 *mbi;
	UINTN mbi_size;
	UINTN mbi_fixed;		/* bytes used by the tags built early */
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN map_alloc;
	UINTN desc_size;
	UINT32 desc_version;
	UINT64 *handoff;
};

/* gcc may emit calls to these even in freestanding code. */
void *memset(void *s, int c, __SIZE_TYPE__ n)
{
	UINT8 *p = s;

	while (n--)
		*p++ = (UINT8)c;
	return s;
}

void *memcpy(void *d, const void *s, __SIZE_TYPE__ n)
{
	UINT8 *dp = d;
	const UINT8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

static int mem_equal(const void *a, const void *b, UINTN n)
{
	const UINT8 *x = a, *y = b;

	while (n--)
		if (*x++ != *y++)
			return 0;
	return 1;
}

/* ------------------------------------------------------------- console */

static void con_flush(CHAR16 *buf, UINTN *n)
{
	buf[*n] = 0;
	st->ConOut->OutputString(st->ConOut, buf);
	*n = 0;
}

static void con_putc(CHAR16 *buf, UINTN *n, char c)
{
	if (c == '\n') {
		buf[(*n)++] = L'\r';
		if (*n >= 126)
			con_flush(buf, n);
	}
	buf[(*n)++] = (CHAR16)(UINT8)c;
	if (*n >= 126)
		con_flush(buf, n);
}

static void con_num(CHAR16 *buf, UINTN *n, UINT64 v, unsigned base)
{
	char digits[24];
	int i = 0;

	do {
		digits[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		con_putc(buf, n, digits[--i]);
}

/*
 * A small printf for ConOut: %s (ASCII), %ls (UCS-2), %u, %x and %lu, %lx
 * (all taken as 64-bit when 'l' is given, 32-bit otherwise), %%.
 */
static void con_printf(const char *fmt, ...)
{
	CHAR16 buf[128];
	UINTN n = 0;
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int lng = 0;

		if (*fmt != '%') {
			con_putc(buf, &n, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == 'l') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			if (lng) {
				const CHAR16 *s = __builtin_va_arg(ap, const CHAR16 *);

				while (*s)
					con_putc(buf, &n, (char)*s++);
			} else {
				const char *s = __builtin_va_arg(ap, const char *);

				while (*s)
					con_putc(buf, &n, *s++);
			}
			break;
		case 'u':
		case 'x':
			con_num(buf, &n, lng ? __builtin_va_arg(ap, UINT64) :
				__builtin_va_arg(ap, UINT32), *fmt == 'u' ? 10 : 16);
			break;
		case '%':
			con_putc(buf, &n, '%');
			break;
		default:
			con_putc(buf, &n, '?');
			if (!*fmt)
				fmt--;
			break;
		}
	}
	__builtin_va_end(ap);
	con_flush(buf, &n);
}

/* EFI_STATUS as the spec names it (UEFI 2.9, Appendix D). */
static const char *status_name(EFI_STATUS s)
{
	switch (s) {
	case EFI_SUCCESS: return "success";
	case EFI_LOAD_ERROR: return "load error";
	case EFI_INVALID_PARAMETER: return "invalid parameter";
	case EFI_UNSUPPORTED: return "unsupported";
	case EFI_BUFFER_TOO_SMALL: return "buffer too small";
	case EFI_NOT_READY: return "not ready";
	case EFI_DEVICE_ERROR: return "device error";
	case EFI_OUT_OF_RESOURCES: return "out of resources";
	case EFI_VOLUME_CORRUPTED: return "volume corrupted";
	case EFI_NOT_FOUND: return "not found";
	case EFI_ACCESS_DENIED: return "access denied";
	default: return "error";
	}
}

static EFI_STATUS fail(EFI_STATUS s, const char *what)
{
	con_printf(PFX "error: %s: %s (0x%lx)\n", what, status_name(s), (UINT64)s);
	return s;
}

static const char *mem_type_name(UINT32 t)
{
	static const char *const names[] = {
		"Reserved", "LoaderCode", "LoaderData", "BootServicesCode",
		"BootServicesData", "RuntimeServicesCode", "RuntimeServicesData",
		"Conventional", "Unusable", "ACPIReclaim", "ACPINVS", "MMIO",
		"MMIOPortSpace", "PalCode", "Persistent",
	};

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

/* ------------------------------------------------------------- files */

static EFI_STATUS open_volume(struct loader *ld)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_LOADED_IMAGE_PROTOCOL *li;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS s;

	s = bs->HandleProtocol(ld->image, &li_guid, (void **)&li);
	if (EFI_ERROR(s))
		return fail(s, "LoadedImage protocol");
	s = bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs);
	if (EFI_ERROR(s))
		return fail(s, "no file system on the loader's volume");
	s = fs->OpenVolume(fs, &ld->root);
	if (EFI_ERROR(s))
		return fail(s, "opening the loader's volume");
	return EFI_SUCCESS;
}

/* Open path for reading and tell its size. EFI_NOT_FOUND is quiet. */
static EFI_STATUS open_file(struct loader *ld, CHAR16 *path, EFI_FILE_HANDLE *f,
			    UINT64 *size)
{
	EFI_GUID info_guid = EFI_FILE_INFO_ID;
	UINT8 info_buf[SIZE_OF_EFI_FILE_INFO + 256] __attribute__((aligned(8)));
	EFI_FILE_INFO *info = (EFI_FILE_INFO *)info_buf;
	UINTN info_size = sizeof(info_buf);
	EFI_STATUS s;

	s = ld->root->Open(ld->root, f, path, EFI_FILE_MODE_READ, 0);
	if (s == EFI_NOT_FOUND)
		return s;
	if (EFI_ERROR(s)) {
		con_printf(PFX "error: cannot open %ls\n", path);
		return fail(s, "Open");
	}
	s = (*f)->GetInfo(*f, &info_guid, &info_size, info);
	if (EFI_ERROR(s)) {
		(*f)->Close(*f);
		return fail(s, "GetInfo");
	}
	*size = info->FileSize;
	return EFI_SUCCESS;
}

/* Read exactly len bytes at off; the caller checked off + len <= size. */
static EFI_STATUS read_at(EFI_FILE_HANDLE f, const CHAR16 *name, UINT64 off,
			  void *buf, UINTN len)
{
	UINTN done = 0;
	EFI_STATUS s;

	s = f->SetPosition(f, off);
	if (EFI_ERROR(s)) {
		con_printf(PFX "error: %ls: seek to %lu\n", name, off);
		return fail(s, "SetPosition");
	}
	while (done < len) {
		UINTN chunk = len - done;

		s = f->Read(f, &chunk, (UINT8 *)buf + done);
		if (EFI_ERROR(s)) {
			con_printf(PFX "error: %ls: reading at %lu\n", name, off + done);
			return fail(s, "Read");
		}
		if (chunk == 0) {
			con_printf(PFX "error: %ls: short read at %lu\n", name,
				   off + done);
			return EFI_LOAD_ERROR;
		}
		done += chunk;
	}
	return EFI_SUCCESS;
}

static BOOLEAN is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static EFI_STATUS read_cmdline(struct loader *ld)
{
	static char buf[CMDLINE_LIMIT + 64];	/* slack for trailing space */
	EFI_FILE_HANDLE f;
	UINT64 size;
	UINTN n;
	EFI_STATUS s;

	ld->cmdline[0] = '\0';
	s = open_file(ld, CMDLINE_PATH, &f, &size);
	if (s == EFI_NOT_FOUND)
		return EFI_SUCCESS;
	if (EFI_ERROR(s))
		return s;
	if (size > sizeof(buf)) {
		n = size;
		goto too_long;
	}
	n = size;
	s = read_at(f, CMDLINE_PATH, 0, buf, n);
	if (EFI_ERROR(s))
		goto close;
	while (n && is_space(buf[n - 1]))
		n--;
	if (n > CMDLINE_LIMIT)
		goto too_long;
	for (UINTN i = 0; i < n; i++) {
		if (buf[i] == '\0' || buf[i] == '\n' || buf[i] == '\r') {
			con_printf(PFX "error: pfnos.cmdline: NUL or line break at byte "
				   "%lu; the command line is one line\n", (UINT64)i);
			s = EFI_INVALID_PARAMETER;
			goto close;
		}
	}
	memcpy(ld->cmdline, buf, n);
	ld->cmdline[n] = '\0';
	goto close;

too_long:
	con_printf(PFX "error: pfnos.cmdline is %lu bytes, the limit is %u\n",
		   (UINT64)n, CMDLINE_LIMIT);
	s = EFI_BAD_BUFFER_SIZE;
close:
	f->Close(f);
	return s;
}

/* ------------------------------------------------------------- ELF */

static EFI_STATUS elf_error(const char *why)
{
	con_printf(PFX "error: pfnos.elf: %s\n", why);
	return EFI_LOAD_ERROR;
}

/* Open pfnos.elf, check its header and read the program headers. */
static EFI_STATUS read_elf_headers(struct loader *ld)
{
	struct efiboot_ehdr eh;
	const char *why;
	EFI_STATUS s;

	s = open_file(ld, KERNEL_PATH, &ld->kfile, &ld->ksize);
	if (s == EFI_NOT_FOUND)
		con_printf(PFX "error: pfnos.elf not found on the loader's volume\n");
	if (EFI_ERROR(s)) {
		ld->kfile = NULL;
		return s;
	}
	ld->head_len = ld->ksize < sizeof(ld->head) ? ld->ksize : sizeof(ld->head);
	s = read_at(ld->kfile, KERNEL_PATH, 0, ld->head, ld->head_len);
	if (EFI_ERROR(s))
		return s;
	if (efiboot_check_elf(ld->head, ld->head_len, ld->ksize, MAX_PHDRS, &why))
		return elf_error(why);
	memcpy(&eh, ld->head, sizeof(eh));
	ld->phnum = eh.e_phnum;
	for (UINTN i = 0; i < ld->phnum; i++) {
		s = read_at(ld->kfile, KERNEL_PATH, eh.e_phoff + i * eh.e_phentsize,
			    &ld->phdr[i], sizeof(ld->phdr[i]));
		if (EFI_ERROR(s))
			return s;
	}
	return EFI_SUCCESS;
}

/* Check every PT_LOAD and compute the page-aligned span they cover. */
static EFI_STATUS plan_span(struct loader *ld)
{
	UINT64 lo = ~0ULL, hi = 0;

	for (UINTN i = 0; i < ld->phnum; i++) {
		const struct efiboot_phdr *ph = &ld->phdr[i];

		if (ph->p_type != EFIBOOT_PT_LOAD || ph->p_memsz == 0)
			continue;
		if (ph->p_filesz > ph->p_memsz)
			return elf_error("a PT_LOAD has p_filesz > p_memsz");
		if (ph->p_offset > ld->ksize || ph->p_filesz > ld->ksize - ph->p_offset)
			return elf_error("a PT_LOAD runs past the end of the file");
		if (ph->p_paddr >= LOW_4G || ph->p_memsz > LOW_4G - ph->p_paddr)
			return elf_error("a PT_LOAD lies above 4 GiB (p_paddr)");
		if (ph->p_paddr < lo)
			lo = ph->p_paddr;
		if (ph->p_paddr + ph->p_memsz > hi)
			hi = ph->p_paddr + ph->p_memsz;
	}
	if (hi == 0)
		return elf_error("no PT_LOAD segments");
	ld->span.start = lo & ~(PAGE_SIZE - 1);
	ld->span.end = (hi + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (ld->span.end - ld->span.start > MAX_SPAN)
		return elf_error("PT_LOAD segments span more than 1 GiB");
	return EFI_SUCCESS;
}

/*
 * Find the multiboot2 header's "EFI amd64 entry address"; it must lie in
 * the file-backed part of an executable PT_LOAD.
 */
static EFI_STATUS find_entry(struct loader *ld)
{
	const char *why;
	UINT32 entry;

	if (efiboot_find_entry(ld->head, ld->head_len, &entry, &why))
		return elf_error(why);
	for (UINTN i = 0; i < ld->phnum; i++) {
		const struct efiboot_phdr *ph = &ld->phdr[i];

		if (ph->p_type == EFIBOOT_PT_LOAD && (ph->p_flags & EFIBOOT_PF_X) &&
		    entry >= ph->p_paddr && entry - ph->p_paddr < ph->p_filesz) {
			ld->entry = entry;
			return EFI_SUCCESS;
		}
	}
	con_printf(PFX "error: pfnos.elf: EFI amd64 entry 0x%x is not in an "
		   "executable PT_LOAD\n", entry);
	return EFI_LOAD_ERROR;
}

/* ------------------------------------------------------------- the span */

/* Take a snapshot of the memory map in pool memory (*map, *size, *dsize). */
static EFI_STATUS map_snapshot(UINT8 **map, UINTN *size, UINTN *dsize)
{
	UINTN key;
	UINT32 dver;
	EFI_STATUS s;

	*size = 0;
	s = bs->GetMemoryMap(size, NULL, &key, dsize, &dver);
	if (s != EFI_BUFFER_TOO_SMALL)
		return fail(s, "GetMemoryMap (size)");
	*size += 8 * *dsize;
	s = bs->AllocatePool(EfiLoaderData, *size, (void **)map);
	if (EFI_ERROR(s))
		return fail(s, "allocating a memory map snapshot");
	s = bs->GetMemoryMap(size, (void *)*map, &key, dsize, &dver);
	if (EFI_ERROR(s)) {
		bs->FreePool(*map);
		return fail(s, "GetMemoryMap");
	}
	return EFI_SUCCESS;
}

/*
 * Check the span against an EFI memory map (efiboot_span_check()). With
 * complain, name the first offender on ConOut (not allowed between the
 * final GetMemoryMap and ExitBootServices).
 */
static BOOLEAN span_usable(const struct loader *ld, const UINT8 *map,
			   UINTN size, UINTN dsize, BOOLEAN complain)
{
	struct efiboot_span_fault f;

	if (!efiboot_span_check(map, size, dsize, ld->span.start, ld->span.end,
				ld->claim, ld->nclaim, &f))
		return TRUE;
	if (complain && f.bad_desc_size)
		con_printf(PFX "error: EFI memory descriptors of %lu bytes are too "
			   "small\n", (UINT64)dsize);
	else if (complain && f.hole)
		con_printf(PFX "error: the kernel needs 0x%lx-0x%lx, but 0x%lx-0x%lx "
			   "is in no EFI memory descriptor\n", ld->span.start,
			   ld->span.end - 1, f.start, f.end - 1);
	else if (complain)
		con_printf(PFX "error: the kernel needs 0x%lx-0x%lx but "
			   "0x%lx-0x%lx is EFI %s memory\n", ld->span.start,
			   ld->span.end - 1, f.start, f.end - 1, mem_type_name(f.type));
	return FALSE;
}

/*
 * Make the span ours: check it, then allocate its free pages so that no
 * later allocation (staging, boot information, hand-off) lands there. The
 * boot-services pages in it become free at ExitBootServices.
 */
static EFI_STATUS claim_span(struct loader *ld)
{
	UINTN size, dsize;
	UINT8 *map;
	EFI_STATUS s;

	s = map_snapshot(&map, &size, &dsize);
	if (EFI_ERROR(s))
		return s;
	if (!span_usable(ld, map, size, dsize, TRUE)) {
		s = EFI_NOT_FOUND;
		goto out;
	}
	s = EFI_SUCCESS;
	for (UINTN off = 0; off + dsize <= size; off += dsize) {
		const EFI_MEMORY_DESCRIPTOR *d = (const void *)(map + off);
		UINT64 b = d->PhysicalStart, e = b + d->NumberOfPages * PAGE_SIZE;
		EFI_PHYSICAL_ADDRESS a;

		if (d->Type != EfiConventionalMemory)
			continue;
		if (b < ld->span.start)
			b = ld->span.start;
		if (e > ld->span.end)
			e = ld->span.end;
		if (b >= e)
			continue;
		if (ld->nclaim == MAX_CLAIMS) {
			s = fail(EFI_OUT_OF_RESOURCES, "kernel span too fragmented");
			goto out;
		}
		a = b;
		s = bs->AllocatePages(AllocateAddress, EfiLoaderData,
				      (e - b) / PAGE_SIZE, &a);
		if (EFI_ERROR(s)) {
			con_printf(PFX "error: cannot claim 0x%lx-0x%lx for the kernel\n",
				   b, e - 1);
			fail(s, "AllocatePages");
			goto out;
		}
		ld->claim[ld->nclaim].start = b;
		ld->claim[ld->nclaim].end = e;
		ld->nclaim++;
	}
out:
	bs->FreePool(map);
	return s;
}

/* Build the image in a staging buffer below 4 GiB, outside the span. */
static EFI_STATUS stage_image(struct loader *ld)
{
	UINT64 len = ld->span.end - ld->span.start;
	EFI_PHYSICAL_ADDRESS a = LOW_4G - 1;
	EFI_STATUS s;

	s = bs->AllocatePages(AllocateMaxAddress, EfiLoaderData, len / PAGE_SIZE, &a);
	if (EFI_ERROR(s)) {
		con_printf(PFX "error: no %lu KiB below 4 GiB to stage the kernel\n",
			   len >> 10);
		return s;
	}
	ld->stage = (UINT8 *)(UINTN)a;
	bs->SetMem(ld->stage, len, 0);
	for (UINTN i = 0; i < ld->phnum; i++) {
		const struct efiboot_phdr *ph = &ld->phdr[i];

		if (ph->p_type != EFIBOOT_PT_LOAD || ph->p_memsz == 0 || ph->p_filesz == 0)
			continue;
		s = read_at(ld->kfile, KERNEL_PATH, ph->p_offset,
			    ld->stage + (ph->p_paddr - ld->span.start), ph->p_filesz);
		if (EFI_ERROR(s))
			return s;
	}
	return EFI_SUCCESS;
}

/* ------------------------------------------------------------- boot information */

static void find_rsdp(struct loader *ld)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	const UINT8 *v1 = NULL;

	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *ct = &st->ConfigurationTable[i];

		if (mem_equal(&ct->VendorGuid, &acpi20, sizeof(EFI_GUID))) {
			const UINT8 *r = ct->VendorTable;
			UINT32 len;

			/* ACPI 6.4, 5.2.5.3: Revision at 15, Length at 20 */
			memcpy(&len, r + 20, 4);
			if (r[15] >= 2 && len >= 36 && len <= 1024) {
				ld->rsdp = r;
				ld->rsdp_len = len;
				ld->rsdp_tag = EFIBOOT_TAG_ACPI_NEW;
				return;
			}
		}
		if (mem_equal(&ct->VendorGuid, &acpi10, sizeof(EFI_GUID)))
			v1 = ct->VendorTable;
	}
	if (v1) {
		ld->rsdp = v1;
		ld->rsdp_len = 20;
		ld->rsdp_tag = EFIBOOT_TAG_ACPI_OLD;
	}
}

/* The tags that do not depend on the final memory map. */
static void build_fixed_tags(struct loader *ld)
{
	UINTN off = 8, n = 0;
	UINT64 systab = (UINTN)st;

	while (ld->cmdline[n])
		n++;
	off = efiboot_add_tag(ld->mbi, off, EFIBOOT_TAG_CMDLINE, ld->cmdline, n + 1);
	off = efiboot_add_tag(ld->mbi, off, EFIBOOT_TAG_LOADER, LOADER_NAME,
			      sizeof(LOADER_NAME));
	off = efiboot_add_tag(ld->mbi, off, EFIBOOT_TAG_EFI64, &systab, 8);
	if (ld->rsdp)
		off = efiboot_add_tag(ld->mbi, off, ld->rsdp_tag, ld->rsdp, ld->rsdp_len);
	ld->mbi_fixed = off;
}

/*
 * Size the memory map, then allocate its buffer and the information block
 * (below 4 GiB: EBX is 32 bits) with room for the map growing by
 * MMAP_SLACK_DESCS descriptors, these allocations included.
 */
static EFI_STATUS alloc_boot_info(struct loader *ld)
{
	EFI_PHYSICAL_ADDRESS mbi = LOW_4G - 1;
	UINTN size = 0, key, ndesc;
	EFI_STATUS s;

	s = bs->GetMemoryMap(&size, NULL, &key, &ld->desc_size, &ld->desc_version);
	if (s != EFI_BUFFER_TOO_SMALL)
		return fail(s, "GetMemoryMap (size)");
	if (ld->desc_size < sizeof(EFI_MEMORY_DESCRIPTOR))
		return fail(EFI_UNSUPPORTED, "EFI memory descriptors too small");
	ndesc = size / ld->desc_size + MMAP_SLACK_DESCS;
	ld->map_alloc = ndesc * ld->desc_size;
	s = bs->AllocatePool(EfiLoaderData, ld->map_alloc, (void **)&ld->map);
	if (EFI_ERROR(s))
		return fail(s, "allocating the memory map buffer");

	ld->mbi_size = efiboot_mbi_size(MBI_FIXED_SPACE, ld->map_alloc, ld->desc_size);
	s = bs->AllocatePages(AllocateMaxAddress, EfiLoaderData,
			      PAGES(ld->mbi_size), &mbi);
	if (EFI_ERROR(s))
		return fail(s, "allocating the boot information below 4 GiB");
	ld->mbi = (UINT8 *)(UINTN)mbi;
	ld->mbi_size = PAGES(ld->mbi_size) * PAGE_SIZE;
	bs->SetMem(ld->mbi, ld->mbi_size, 0);
	return EFI_SUCCESS;
}

/* ------------------------------------------------------------- hand-off */

/*
 * The trampoline, copied into the hand-off area and called as
 * tramp(dst, src, qwords, mbi, cr3, stack_top, entry) (SysV ABI: rdi, rsi,
 * rdx, rcx, r8, r9, then the stack). It runs with boot services gone: own
 * page tables first (the firmware's may lie in the span), own stack, copy
 * the image, enter the kernel. Position independent.
 */
extern const UINT8 handoff_tramp[], handoff_tramp_end[]
	__attribute__((visibility("hidden")));
__asm__(".pushsection .text\n"
	".globl handoff_tramp\n"
	".globl handoff_tramp_end\n"
	".hidden handoff_tramp\n"
	".hidden handoff_tramp_end\n"
	"handoff_tramp:\n"
	"	cli\n"
	"	movq 8(%rsp), %r10\n"		/* entry */
	"	movq %r8, %cr3\n"
	"	movq %r9, %rsp\n"
	"	movq %rcx, %rbx\n"		/* EBX: the information */
	"	movq %rdx, %rcx\n"
	"	cld\n"
	"	rep movsq\n"
	"	movl $0x36d76289, %eax\n"	/* EAX: multiboot2 magic */
	"	jmp *%r10\n"
	"handoff_tramp_end:\n"
	".popsection\n");

typedef void (*tramp_fn)(UINT64 dst, UINT64 src, UINT64 qwords, UINT64 mbi,
			 UINT64 cr3, UINT64 stack_top, UINT64 entry);

static EFI_STATUS setup_handoff(struct loader *ld)
{
	EFI_PHYSICAL_ADDRESS a = LOW_4G - 1;
	UINT64 *pml4, *pdpt, *pd, cr4;
	EFI_STATUS s;

	__asm__ volatile("movq %%cr4, %0" : "=r"(cr4));
	if (cr4 & CR4_LA57)
		return fail(EFI_UNSUPPORTED, "the firmware runs with 5-level paging; "
			    "pfnos needs 4-level");
	if ((UINTN)(handoff_tramp_end - handoff_tramp) > PAGE_SIZE)
		return fail(EFI_BAD_BUFFER_SIZE, "trampoline too large");
	s = bs->AllocatePages(AllocateMaxAddress, EfiLoaderCode, HO_PAGES, &a);
	if (EFI_ERROR(s))
		return fail(s, "allocating the hand-off area below 4 GiB");
	ld->handoff = (UINT64 *)(UINTN)a;
	bs->SetMem(ld->handoff, HO_PAGES * PAGE_SIZE, 0);

	pml4 = ld->handoff + HO_PML4 * 512;
	pdpt = ld->handoff + HO_PDPT * 512;
	pd = ld->handoff + HO_PD * 512;
	pml4[0] = (UINTN)pdpt | PTE_P | PTE_RW;
	for (UINTN i = 0; i < 4; i++)
		pdpt[i] = (UINTN)(pd + i * 512) | PTE_P | PTE_RW;
	for (UINTN i = 0; i < 4 * 512; i++)
		pd[i] = ((UINT64)i << 21) | PTE_P | PTE_RW | PTE_PS;
	memcpy(ld->handoff + HO_CODE * 512, handoff_tramp,
	       handoff_tramp_end - handoff_tramp);
	return EFI_SUCCESS;
}

static __attribute__((noreturn)) void enter_kernel(struct loader *ld)
{
	tramp_fn tramp = (tramp_fn)(ld->handoff + HO_CODE * 512);

	tramp(ld->span.start, (UINTN)ld->stage,
	      (ld->span.end - ld->span.start) / 8, (UINTN)ld->mbi,
	      (UINTN)(ld->handoff + HO_PML4 * 512),
	      (UINTN)(ld->handoff + (HO_STACK + 2) * 512), ld->entry);
	__builtin_unreachable();
}

static __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/*
 * Final memory map and ExitBootServices. Nothing may allocate or print
 * between GetMemoryMap and ExitBootServices; a stale key
 * (EFI_INVALID_PARAMETER) means the map changed, so take it again. The
 * descriptor size must be the one the boot information was sized for. After
 * a failed ExitBootServices only GetMemoryMap and ExitBootServices may be
 * called, so later failures halt.
 */
static EFI_STATUS exit_boot_services(struct loader *ld)
{
	EFI_STATUS s;

	for (int tries = 0; tries < 8; tries++) {
		UINTN size = ld->map_alloc, key, dsize = 0;

		s = bs->GetMemoryMap(&size, ld->map, &key, &dsize, &ld->desc_version);
		if (EFI_ERROR(s)) {
			if (tries == 0)
				return fail(s, "GetMemoryMap");
			halt_forever();
		}
		if (dsize != ld->desc_size) {
			if (tries == 0) {
				con_printf(PFX "error: EFI memory descriptors were %lu bytes, "
					   "now %lu\n", (UINT64)ld->desc_size, (UINT64)dsize);
				return EFI_UNSUPPORTED;
			}
			halt_forever();
		}
		if (!span_usable(ld, (UINT8 *)ld->map, size, ld->desc_size, FALSE)) {
			if (tries == 0) {
				span_usable(ld, (UINT8 *)ld->map, size, ld->desc_size, TRUE);
				return EFI_NOT_FOUND;
			}
			halt_forever();
		}
		if (!efiboot_finish(ld->mbi, ld->mbi_fixed, ld->map, size, ld->desc_size,
				    ld->desc_version)) {
			if (tries == 0)
				return fail(EFI_UNSUPPORTED, "EFI memory descriptors too small");
			halt_forever();
		}
		s = bs->ExitBootServices(ld->image, key);
		if (s == EFI_SUCCESS)
			return s;
		if (s != EFI_INVALID_PARAMETER) {
			if (tries == 0)
				return fail(s, "ExitBootServices");
			halt_forever();
		}
	}
	/* boot services may be half gone: no console any more */
	halt_forever();
}

/* Give back what a failed boot took, so the firmware can try the next option. */
static void release(struct loader *ld)
{
	if (ld->handoff)
		bs->FreePages((UINTN)ld->handoff, HO_PAGES);
	if (ld->mbi)
		bs->FreePages((UINTN)ld->mbi, ld->mbi_size / PAGE_SIZE);
	if (ld->map)
		bs->FreePool(ld->map);
	if (ld->stage)
		bs->FreePages((UINTN)ld->stage,
			      (ld->span.end - ld->span.start) / PAGE_SIZE);
	while (ld->nclaim--)
		bs->FreePages(ld->claim[ld->nclaim].start,
			      (ld->claim[ld->nclaim].end - ld->claim[ld->nclaim].start) /
			      PAGE_SIZE);
	if (ld->kfile)
		ld->kfile->Close(ld->kfile);
	if (ld->root)
		ld->root->Close(ld->root);
}

/* Called by gnu-efi's crt0 after self-relocation, with the SysV ABI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	static struct loader ld;
	EFI_STATUS s;

	st = systab;
	bs = systab->BootServices;
	ld.image = image;
	bs->SetWatchdogTimer(0, 0, 0, NULL);

	s = open_volume(&ld);
	if (EFI_ERROR(s))
		goto out;
	s = read_cmdline(&ld);
	if (EFI_ERROR(s))
		goto out;
	s = read_elf_headers(&ld);
	if (EFI_ERROR(s))
		goto out;
	s = plan_span(&ld);
	if (EFI_ERROR(s))
		goto out;
	s = find_entry(&ld);
	if (EFI_ERROR(s))
		goto out;
	s = claim_span(&ld);
	if (EFI_ERROR(s))
		goto out;
	s = stage_image(&ld);
	if (EFI_ERROR(s))
		goto out;
	find_rsdp(&ld);
	s = alloc_boot_info(&ld);
	if (EFI_ERROR(s))
		goto out;
	build_fixed_tags(&ld);
	s = setup_handoff(&ld);
	if (EFI_ERROR(s))
		goto out;

	con_printf(PFX "pfnos.elf (%lu bytes) at 0x%lx-0x%lx, entry 0x%lx\n",
		   ld.ksize, ld.span.start, ld.span.end - 1, ld.entry);
	con_printf(PFX "cmdline \"%s\"%s; exiting boot services\n", ld.cmdline,
		   ld.rsdp ? "" : ", no ACPI RSDP");

	s = exit_boot_services(&ld);
	if (EFI_ERROR(s))
		goto out;
	enter_kernel(&ld);

out:
	release(&ld);
	con_printf(PFX "boot failed, returning to the firmware\n");
	return s;
}
