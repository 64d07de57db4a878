/*
 * ioapic.c - the platform's IOAPICs, and the legacy 8259s kept quiet.
 *
 * ioapic_init() remaps the two 8259s to vectors 0x20-0x2f (so a stray
 * interrupt from them is an "unexpected vector", never an exception) and
 * masks them, then maps each IOAPIC of the platform description
 * (apic_get_platform(): what the firmware parser handed down, or the PC
 * default of one IOAPIC at 0xfec00000) and masks all of its redirection
 * entries. Drivers route an ISA IRQ (ioapic_route_isa) or a GSI
 * (ioapic_route_gsi) to a vector on the boot CPU.
 *
 * ISA IRQs are identity-mapped to GSIs, active high and edge triggered,
 * unless a platform override (from the MADT's interrupt source overrides,
 * ACPI 6.4, 5.2.12.5) says otherwise; ioapic_isa_to_gsi() reports it in
 * the MPS INTI flag encoding: polarity bits 1:0 (01 high, 11 low), trigger
 * bits 3:2 (01 edge, 11 level), 00 meaning "as the bus says".
 * Registers: Intel 82093AA IOAPIC datasheet, 3.1-3.2.4; 8259A datasheet
 * (ICW1-ICW4, OCW1).
 */
#include "apic.h"
#include "cpu.h"
#include "errno.h"
#include "io.h"
#include "lib.h"
#include "printk.h"

#define IOAPIC_REGSEL	0x00	/* byte offsets in the MMIO window */
#define IOAPIC_WIN	0x10
#define IOAPIC_REG_ID	0x00
#define IOAPIC_REG_VER	0x01
#define  IOAPIC_VER_MAXREDIR	GENMASK(23, 16)
#define IOAPIC_REG_REDTBL(n)	(0x10 + 2 * (n))

/* Redirection entry (82093AA 3.2.4) */
#define IOREDTBL_VECTOR		GENMASK(7, 0)
#define IOREDTBL_DELMODE	GENMASK(10, 8)	/* 000 fixed */
#define IOREDTBL_DESTMODE_LOGICAL BIT(11)
#define IOREDTBL_ACTIVE_LOW	BIT(13)
#define IOREDTBL_LEVEL		BIT(15)
#define IOREDTBL_MASKED		BIT(16)
#define IOREDTBL_DEST		GENMASK(63, 56)

#define MPS_POLARITY		GENMASK(1, 0)
#define  MPS_POLARITY_LOW	3
#define MPS_TRIGGER		GENMASK(3, 2)
#define  MPS_TRIGGER_LEVEL	3

#define PIC1_CMD	0x20
#define PIC1_DATA	0x21
#define PIC2_CMD	0xa0
#define PIC2_DATA	0xa1

struct ioapic {
	void __iomem *regs;
	u8 id;
	u32 gsi_base;
	unsigned nentries;
};

static struct ioapic ioapics[APIC_MAX_IOAPICS];
static unsigned nioapics;

static u32 ioapic_read(struct ioapic *io, u8 reg)
{
	writel(reg, io->regs + IOAPIC_REGSEL);
	return readl(io->regs + IOAPIC_WIN);
}

static void ioapic_write(struct ioapic *io, u8 reg, u32 v)
{
	writel(reg, io->regs + IOAPIC_REGSEL);
	writel(v, io->regs + IOAPIC_WIN);
}

static struct ioapic *ioapic_for_gsi(u32 gsi, unsigned *pin)
{
	for (unsigned i = 0; i < nioapics; i++) {
		struct ioapic *io = &ioapics[i];

		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->nentries) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

static void write_entry(struct ioapic *io, unsigned pin, u64 e)
{
	/* masked while the halves disagree; the low half (mask bit) last */
	ioapic_write(io, IOAPIC_REG_REDTBL(pin), IOREDTBL_MASKED);
	ioapic_write(io, IOAPIC_REG_REDTBL(pin) + 1, (u32)(e >> 32));
	ioapic_write(io, IOAPIC_REG_REDTBL(pin), (u32)e);
}

static u64 read_entry(struct ioapic *io, unsigned pin)
{
	return ((u64)ioapic_read(io, IOAPIC_REG_REDTBL(pin) + 1) << 32) |
	       ioapic_read(io, IOAPIC_REG_REDTBL(pin));
}

/* ICW1 init+ICW4, ICW2 vector base, ICW3 cascade on IRQ2, ICW4 8086 mode,
 * then OCW1 masks everything. */
static void pic_disable(void)
{
	outb(PIC1_CMD, 0x11);
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, 0x20);
	outb(PIC2_DATA, 0x28);
	outb(PIC1_DATA, 0x04);
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01);
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

int ioapic_init(void)
{
	const struct apic_platform *p = apic_get_platform();

	if (p->pcat_compat)
		pic_disable();
	if (!p->nioapic) {
		pr_err("ioapic: the platform describes none\n");
		return -ENODEV;
	}
	for (unsigned i = 0; i < p->nioapic && nioapics < APIC_MAX_IOAPICS; i++) {
		const struct apic_ioapic_desc *desc = &p->ioapic[i];
		struct ioapic *io = &ioapics[nioapics];
		u32 ver;

		io->regs = apic_mmio_map(desc->address, SZ_4K);
		if (!io->regs) {
			pr_err("ioapic: cannot map 0x%x\n", desc->address);
			continue;
		}
		ver = ioapic_read(io, IOAPIC_REG_VER);
		if (ver == 0xffffffffU) {	/* nothing decodes the address */
			pr_err("ioapic: none answers at 0x%x\n", desc->address);
			continue;
		}
		io->id = desc->id;
		io->gsi_base = desc->gsi_base;
		io->nentries = (unsigned)FIELD_GET(IOAPIC_VER_MAXREDIR, ver) + 1;
		for (unsigned pin = 0; pin < io->nentries; pin++)
			write_entry(io, pin, IOREDTBL_MASKED);
		pr_info("ioapic: id %u at 0x%x, GSIs %u-%u\n", io->id,
			desc->address, io->gsi_base,
			io->gsi_base + io->nentries - 1);
		nioapics++;
	}
	return nioapics ? (int)nioapics : -ENODEV;
}

unsigned ioapic_count(void)
{
	return nioapics;
}

u32 ioapic_isa_to_gsi(unsigned isa_irq, u16 *flags)
{
	const struct apic_platform *p = apic_get_platform();

	for (unsigned i = 0; i < p->noverride; i++) {
		const struct apic_isa_override *o = &p->override[i];

		if (o->isa_irq == isa_irq) {
			if (flags)
				*flags = (u16)(FIELD_PREP(MPS_POLARITY, o->polarity) |
					       FIELD_PREP(MPS_TRIGGER, o->trigger));
			return o->gsi;
		}
	}
	if (flags)
		*flags = 0;
	return isa_irq;
}

int ioapic_route_gsi(u32 gsi, u8 vector, bool level, bool active_low)
{
	unsigned pin;
	struct ioapic *io = ioapic_for_gsi(gsi, &pin);
	u64 e;

	if (!io || vector < 32)
		return -EINVAL;
	e = FIELD_PREP(IOREDTBL_VECTOR, vector) | IOREDTBL_MASKED |
	    FIELD_PREP(IOREDTBL_DEST, apic_id());
	if (level)
		e |= IOREDTBL_LEVEL;
	if (active_low)
		e |= IOREDTBL_ACTIVE_LOW;
	write_entry(io, pin, e);
	return 0;
}

int ioapic_mask_gsi(u32 gsi, bool masked)
{
	unsigned pin;
	struct ioapic *io = ioapic_for_gsi(gsi, &pin);
	u32 lo;

	if (!io)
		return -EINVAL;
	lo = ioapic_read(io, IOAPIC_REG_REDTBL(pin));
	lo = masked ? lo | IOREDTBL_MASKED : lo & ~(u32)IOREDTBL_MASKED;
	ioapic_write(io, IOAPIC_REG_REDTBL(pin), lo);
	return 0;
}

int ioapic_route_isa(unsigned isa_irq, u8 vector)
{
	u16 flags;
	u32 gsi = ioapic_isa_to_gsi(isa_irq, &flags);
	bool low = FIELD_GET(MPS_POLARITY, flags) == MPS_POLARITY_LOW;
	bool level = FIELD_GET(MPS_TRIGGER, flags) == MPS_TRIGGER_LEVEL;
	int err;

	if (isa_irq >= 16)
		return -EINVAL;
	err = ioapic_route_gsi(gsi, vector, level, low);
	if (err)
		return err;
	ioapic_mask_gsi(gsi, false);
	return (int)gsi;
}

u64 ioapic_read_entry(u32 gsi)
{
	unsigned pin;
	struct ioapic *io = ioapic_for_gsi(gsi, &pin);

	return io ? read_entry(io, pin) : 0;
}
