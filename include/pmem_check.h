/*
 * pmem_check.h - markers for the persistence checker (tools/pmem-check/,
 * `scripts/pfnos-qemu --pmem-check`), shared by the kernel and the QEMU
 * plugin. Included by kernel C, by host code, and mirrored for NASM in
 * include/pmem_check.inc (a host unit test checks the two agree).
 *
 * A marker is the 8-byte no-op `nopl 0x504dKKAA(%rax,%rax,1)`
 * (0f 1f 84 00 + disp32): it costs nothing without the checker, and the
 * plugin recognises it by its bytes when QEMU translates it. KK is the kind,
 * AA its argument:
 *
 *   POINT a     a durability point (a = enum pmem_check_point): every store
 *               this CPU made to persistent memory in this context (process
 *               or interrupt level) must be durable here
 *   CAL_BASE    the next instruction loads the first byte of a persistent
 *               region: the plugin learns where the region lies in QEMU's
 *               RAM-block offsets (which are not guest-physical addresses)
 *   CAL_END     the next instruction loads the region's last line (its size)
 *   CAL_BIT a   the next instruction loads the region's line 0 or line 1:
 *               bit a of (guest-physical base >> 6), so the plugin can name
 *               lines by guest-physical address
 *   IRQ_ENTER   interrupt or exception entry (kernel/isr.asm)
 *   IRQ_EXIT    just before iretq
 *
 * Write-backs carry no address under TCG (CLWB, CLFLUSHOPT and CLFLUSH are
 * translated as no-ops without a memory access), so every write-back
 * instruction in pfnos is preceded, in the same 16-byte aligned block, by a
 * one-byte load of the same line (mm/persist_wb.asm): the plugin takes the line
 * from that load.
 */
#ifndef PFNOS_PMEM_CHECK_H
#define PFNOS_PMEM_CHECK_H

#define PMEM_CHECK_MAGIC	0x504dU		/* 'P' 'M' */
#define PMEM_CHECK_K_POINT	0x01U
#define PMEM_CHECK_K_CAL_BASE	0x02U
#define PMEM_CHECK_K_CAL_END	0x03U
#define PMEM_CHECK_K_CAL_BIT	0x04U
#define PMEM_CHECK_K_IRQ_ENTER	0x05U
#define PMEM_CHECK_K_IRQ_EXIT	0x06U
#define PMEM_CHECK_CAL_BITS	46	/* phys bits 6..51 */

#define PMEM_CHECK_DISP(kind, arg) \
	((PMEM_CHECK_MAGIC << 16) | ((kind) << 8) | (arg))

/* Durability points: where pfnos claims that stores so far are durable. */
enum pmem_check_point {
	PMEM_POINT_BIO = 1,		/* a pmem bio that wrote completes */
	PMEM_POINT_FLUSH = 2,		/* a FLUSH of a pmem device completes */
	PMEM_POINT_DMA_BOUNCE = 3,	/* a bounce copy into pmem ended */
	PMEM_POINT_DMA_DEVICE = 4,	/* lines a device wrote, written back */
	PMEM_POINT_KMAP_FILL = 5,	/* the kmap-fill command reports ok */
	PMEM_POINT_DECLARED = 6,	/* declared by other kernel code */
	PMEM_POINT_BTT_DATA = 7,	/* a BTT write's data in its free block */
	PMEM_POINT_BTT_FLOG = 8,	/* one half of its flog entry */
	PMEM_POINT_BTT_MAP = 9,		/* its map entry: the write is visible */
	PMEM_POINT_ND_META = 10,	/* namespace metadata (info blocks, BTT init) */
	PMEM_POINT_NR
};

#ifndef __ASSEMBLER__
#ifndef PMEM_CHECK_HOST
/* Declare a durability point here (a no-op instruction). */
#define pmem_check_point(id)						\
	__asm__ volatile(".byte 0x0f, 0x1f, 0x84, 0x00\n\t.long %c0"	\
			 :: "i"(PMEM_CHECK_DISP(PMEM_CHECK_K_POINT, (id)))	\
			 : "memory")
#endif
#endif

#endif
