/*
 * cmd_pci.c - the `lspci` and `irqs` shell commands.
 *
 * lspci prints one line per PCI function found at boot (BDF, vendor:device,
 * class code and name), then indented lines with its BARs (address, size,
 * 32/64-bit, prefetchable, mem/io) and its capabilities by name. irqs lists
 * the registered interrupt vectors with their counts, and the tick state.
 */
#include "apic.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "pci.h"
#include "printk.h"
#include "shell.h"
#include "timer.h"

static void format_size(char *buf, size_t len, u64 size)
{
	static const char units[] = "KMGT";
	unsigned u = 0;

	if (!size || size & (SZ_4K / 4 - 1)) {
		snprintf(buf, len, "%llu", (unsigned long long)size);
		return;
	}
	size >>= 10;
	while (u + 1 < sizeof(units) - 1 && size >= 1024 && !(size & 1023)) {
		size >>= 10;
		u++;
	}
	snprintf(buf, len, "%llu%c", (unsigned long long)size, units[u]);
}

static u32 cfg_read(const void *ctx, unsigned off)
{
	return pci_read_config32(ctx, off);
}

static void show_caps(const struct pci_dev *d)
{
	struct pci_cap caps[PCI_MAX_CAPS];
	unsigned n = pci_cap_walk(cfg_read, d, caps, ARRAY_SIZE(caps));
	char line[256];
	size_t pos = 0;

	for (unsigned i = 0; i < n && pos < sizeof(line); i++) {
		if (caps[i].id == PCI_CAP_ID_MSIX)
			pos += snprintf(line + pos, sizeof(line) - pos, " MSI-X(%u)",
					d->msix_size);
		else
			pos += snprintf(line + pos, sizeof(line) - pos, " %s",
					pci_cap_name((u8)caps[i].id));
	}
	if (pci_config_size(d) > PCI_CFG_SPACE_SIZE) {
		n = pci_ext_cap_walk(cfg_read, d, caps, ARRAY_SIZE(caps));
		for (unsigned i = 0; i < n && pos < sizeof(line); i++)
			pos += snprintf(line + pos, sizeof(line) - pos, " %s",
					pci_ext_cap_name(caps[i].id));
	}
	if (pos)
		kprintf("\tcaps:%s\n", line);
}

static void show_device(const struct pci_dev *d, bool verbose)
{
	char seg[8] = "";

	if (d->segment)
		snprintf(seg, sizeof(seg), "%04x:", d->segment);
	kprintf("%s%02x:%02x.%u %04x:%04x class %06x %s", seg, d->bus, d->dev, d->fn,
		d->vendor, d->device, d->class, pci_class_name(d->class));
	if (d->hdr_type == PCI_HEADER_BRIDGE)
		kprintf(" (secondary bus %u)", d->secondary_bus);
	kprintf("\n");
	for (unsigned i = 0; i < d->nbars; i++) {
		const struct pci_bar *b = &d->bar[i];
		char size[24];

		if (!b->size || b->flags & PCI_BARF_UPPER)
			continue;
		format_size(size, sizeof(size), b->size);
		if (b->flags & PCI_BARF_IO)
			kprintf("\tBAR%u: io 0x%llx size %s\n", i,
				(unsigned long long)b->addr, size);
		else
			kprintf("\tBAR%u: mem 0x%llx size %s %s%s%s\n", i,
				(unsigned long long)b->addr, size,
				b->flags & PCI_BARF_64 ? "64-bit" : "32-bit",
				b->flags & PCI_BARF_PREFETCH ? " prefetchable" : "",
				b->addr ? "" : " unassigned");
	}
	show_caps(d);
	if (verbose) {
		kprintf("\tcommand 0x%04x status 0x%04x irq line %u pin %u",
			pci_read_config16(d, PCI_COMMAND), pci_read_config16(d, PCI_STATUS),
			d->irq_line, d->irq_pin);
		if (d->msix_cap)
			kprintf(", MSI-X table BAR%u+0x%x PBA BAR%u+0x%x",
				d->msix_table_bar, d->msix_table_off,
				d->msix_pba_bar, d->msix_pba_off);
		kprintf("\n");
	}
}

static int cmd_lspci(int argc, char **argv)
{
	bool verbose = false;
	struct pci_dev *d;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "-v")))
		return shell_error(-EINVAL, "usage: lspci [-v]");
	verbose = argc == 2;
	if (!strcmp(pci_access_method(), "none"))
		return shell_error(-ENODEV, "pci: not initialised or no configuration access");
	pci_for_each_device(d)
		show_device(d, verbose);
	kprintf("%u functions via %s\n", pci_device_count(), pci_access_method());
	return 0;
}
SHELL_COMMAND("lspci", cmd_lspci, "[-v]",
	      "list PCI functions with their BARs and capabilities");

static int cmd_irqs(int argc, char **argv)
{
	if (argc != 1)
		return shell_error(-EINVAL, "usage: irqs");
	if (apic_ready())
		kprintf("apic: %s id %u; tick %u Hz, jiffies %llu; %u ioapic(s)\n",
			apic_x2apic_mode() ? "x2APIC" : "xAPIC", apic_id(), timer_hz,
			(unsigned long long)jiffies, ioapic_count());
	else
		kprintf("apic: not enabled (interrupts are not set up)\n");
	kprintf("vector      count  name\n");
	for (unsigned v = IRQ_VECTOR_FIRST; v < 256; v++) {
		const char *name;
		u64 count;

		if (irq_get_info(v, &name, &count))
			kprintf("  0x%02x %10llu  %s\n", v, (unsigned long long)count,
				name ? name : "?");
	}
	kprintf("  spurious %8llu\n", (unsigned long long)irq_spurious_count);
	return 0;
}
SHELL_COMMAND("irqs", cmd_irqs, "", "list registered interrupt vectors and counts");
