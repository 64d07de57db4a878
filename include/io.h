/*
 * io.h - memory-mapped I/O: the one way the kernel reads and writes device
 * registers (NVMe BAR0 and doorbells, PCI ECAM configuration space and MSI-X
 * tables, the local APIC, the IOAPIC, ACPI registers in memory space).
 * Nothing outside this file dereferences a pointer to volatile;
 * scripts/check-source enforces it in make test.
 *
 * readb/readw/readl/readq and writeb/writew/writel/writeq read or write 8,
 * 16, 32 or 64 bits at an address ioremap() (mm.h) or pci_iomap() returned,
 * with Linux's names and argument order (value first for writes). A mapping
 * is kept as a `void __iomem *`; __iomem only marks it for the reader.
 *
 * Each accessor is exactly one MOV of its width: the compiler may not split
 * it, merge it with a neighbour, repeat it or leave it out, and a device
 * register sees the access size it was written for (a 64-bit register that
 * must be written as two halves is two writel()s, in the order its spec
 * asks).
 *
 * What they order, and what they do not:
 *  - The compiler: each accessor is an asm statement with a "memory"
 *    clobber, a compiler barrier. A plain volatile access is ordered only
 *    against other volatile accesses; the compiler may still move ordinary
 *    loads and stores across it. The clobber forbids that: stores to RAM
 *    written before a writel() (an NVMe submission queue entry, a PRP list)
 *    are emitted before it, and RAM read after a readl() (a completion the
 *    status register announced) is loaded after it, never cached in a
 *    register from before.
 *  - The CPU: the mappings are uncached (UC, mm.h's ioremap). UC loads and
 *    stores are not reordered with each other or speculated, and x86 does
 *    not reorder ordinary (write-back) stores with later stores, so a
 *    device that sees a writel() also sees every ordinary store the CPU
 *    made before it (Intel SDM vol. 3A, "Methods of Caching Available"
 *    (UC) and "Memory Ordering in P6 and More Recent Processor Families";
 *    vol. 1, "Ordering I/O"). No fence is needed for that on x86.
 *    Non-temporal stores (MOVNTI, the copy routines' _nt variants) and
 *    write-combining mappings are weakly ordered: data stored that way
 *    for a device needs an SFENCE before the writel() that hands it over.
 *    No such path exists today (bounce copies use copy_memcpy()).
 *  - The bus: the platform may post a write to a device; a read from the
 *    same device does not pass it (PCI ordering), so reading a register
 *    back (readl()) is how code makes sure an earlier write has arrived,
 *    e.g. before relying on an MSI-X entry being masked.
 *
 * One CPU for now: no lock is implied; callers serialise register
 * sequences (the IOAPIC's select-then-window pair) themselves.
 */
#ifndef PFNOS_IO_H
#define PFNOS_IO_H

#include "compiler.h"
#include "types.h"

/* Marks a pointer into MMIO (Linux's sparse annotation); no effect here. */
#define __iomem

static __always_inline u8 readb(const volatile void __iomem *addr)
{
	u8 v;

	__asm__ __volatile__("movb %1, %0"
			     : "=q"(v) : "m"(*(const volatile u8 *)addr) : "memory");
	return v;
}

static __always_inline u16 readw(const volatile void __iomem *addr)
{
	u16 v;

	__asm__ __volatile__("movw %1, %0"
			     : "=r"(v) : "m"(*(const volatile u16 *)addr) : "memory");
	return v;
}

static __always_inline u32 readl(const volatile void __iomem *addr)
{
	u32 v;

	__asm__ __volatile__("movl %1, %0"
			     : "=r"(v) : "m"(*(const volatile u32 *)addr) : "memory");
	return v;
}

static __always_inline u64 readq(const volatile void __iomem *addr)
{
	u64 v;

	__asm__ __volatile__("movq %1, %0"
			     : "=r"(v) : "m"(*(const volatile u64 *)addr) : "memory");
	return v;
}

static __always_inline void writeb(u8 v, volatile void __iomem *addr)
{
	__asm__ __volatile__("movb %1, %0"
			     : "=m"(*(volatile u8 *)addr) : "q"(v) : "memory");
}

static __always_inline void writew(u16 v, volatile void __iomem *addr)
{
	__asm__ __volatile__("movw %1, %0"
			     : "=m"(*(volatile u16 *)addr) : "r"(v) : "memory");
}

static __always_inline void writel(u32 v, volatile void __iomem *addr)
{
	__asm__ __volatile__("movl %1, %0"
			     : "=m"(*(volatile u32 *)addr) : "r"(v) : "memory");
}

static __always_inline void writeq(u64 v, volatile void __iomem *addr)
{
	__asm__ __volatile__("movq %1, %0"
			     : "=m"(*(volatile u64 *)addr) : "r"(v) : "memory");
}

#endif
