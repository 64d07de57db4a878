/*
 * main.c - kmain(), the kernel's one initialisation sequence.
 *
 * boot/entry.asm calls kmain(magic, info) on the boot stack in long mode with
 * the early page tables. The order below is the dependency order of the
 * floors: console first, then CPU tables, boot information and command line,
 * time, memory, firmware, interrupts, the application processors, devices,
 * and finally the run= commands and shell.
 */
#include "acpi.h"
#include "bench.h"
#include "apic.h"
#include "blkdev_driver.h"
#include "boot.h"
#include "cmdline.h"
#include "copy.h"
#include "cpu.h"
#include "dma.h"
#include "errno.h"
#include "exit.h"
#include "fw_cfg.h"
#include "irq.h"
#include "lib.h"
#include "memmap.h"
#include "nvme.h"
#include "mm.h"
#include "panic.h"
#include "pci.h"
#include "pmem.h"
#include "printk.h"
#include "serial.h"
#include "shell.h"
#include "smp.h"
#include "spinlock.h"
#include "time.h"
#include "timer.h"
#include "version.h"

struct boot_info boot_info;
static char full_cmdline[CMDLINE_MAX];

/* The early page tables identity-map the low 4 GiB. */
static const void *early_map(u64 phys, size_t len)
{
	if (phys + len < phys || phys + len > (4ULL << 30))
		return NULL;
	return (const void *)phys;
}

static void parse_boot_info(u32 magic, u64 info)
{
	int err = -EINVAL;

	if (magic == MB2_BOOTLOADER_MAGIC) {
		const void *mbi = early_map(info, 8);

		err = mbi ? bootinfo_parse_mb2(&boot_info, mbi,
					       (4ULL << 30) - info) : -EINVAL;
	} else if (magic == PVH_START_MAGIC) {
		const void *si = early_map(info, 64);

		err = si ? bootinfo_parse_pvh(&boot_info, si, early_map) : -EINVAL;
	}
	if (err)
		pr_err("boot: unusable boot information (magic 0x%x): -%s\n", magic,
		       errno_name(err));
	if (boot_info.warnings)
		pr_warn("boot: %u malformed boot information entries skipped\n",
			boot_info.warnings);
}

/*
 * The launcher's --job FILE: the file as fw_cfg's opt/pfnos/job, its name
 * as opt/pfnos/jobname. Read here, run by the benchmarks (bench/fio_run.c).
 */
static void run_job_file(void)
{
	static char job[FIO_FILE_MAX], name[64];
	size_t len = 0, nlen = 0;
	int err;

	err = fw_cfg_read_file("opt/pfnos/job", job, sizeof(job), &len);
	if (err == -ENOENT || err == -ENODEV)
		return;
	if (fw_cfg_read_file("opt/pfnos/jobname", name, sizeof(name) - 1, &nlen))
		nlen = 0;
	name[nlen] = '\0';
	if (!name[0])
		strlcpy(name, "job", sizeof(name));
	bench_fio_boot(name, job, len, err);
}

static void setup_cmdline(void)
{
	char extra[CMDLINE_MAX];
	size_t n = 0;
	int err;

	strlcpy(full_cmdline, boot_info.cmdline, sizeof(full_cmdline));
	if (fw_cfg_read_file("opt/pfnos/cmdline", extra, sizeof(extra) - 1, &n) == 0) {
		extra[n] = '\0';
		if (full_cmdline[0])
			strlcpy(full_cmdline + strlen(full_cmdline), " ",
				sizeof(full_cmdline) - strlen(full_cmdline));
		if (strlcpy(full_cmdline + strlen(full_cmdline), extra,
			    sizeof(full_cmdline) - strlen(full_cmdline)) + strlen(full_cmdline) >=
		    sizeof(full_cmdline))
			pr_err("cmdline: fw_cfg command line truncated\n");
	}
	err = cmdline_parse(&boot_cmdline, full_cmdline);
	if (err)
		pr_err("cmdline: too long or too many words; the rest is ignored\n");
	/* clamp the 64-bit value: a cast first turns 0xffffffff into -1 and
	 * 4g into 0, a silent console */
	console_loglevel = (int)min_t(u64, kernel_param_u64("loglevel", LOGLEVEL_INFO),
				      LOGLEVEL_DEBUG);
}

/*
 * The memory map from the loader, persistent ranges from ACPI's NFIT and
 * memmap=, then the allocator and page tables. ACPI reads its tables through
 * memremap(), which before paging is the boot identity map.
 */
static void memory_init(void)
{
	const char *vals[16];
	unsigned n;

	if (memmap_init(&boot_info, cpu_features.phys_bits))
		panic("boot: the loader gave no usable memory map");
	memmap_protect(KERNEL_PHYS, kernel_va_to_pa(__kernel_end) - KERNEL_PHYS,
		       "the kernel image");
	acpi_init(&boot_info);
	n = cmdline_get_all(&boot_cmdline, "memmap", vals, ARRAY_SIZE(vals));
	memmap_apply_cmdline(vals, n);
	memmap_finalize();
	mm_init();
}

void kmain(u32 magic, u64 info)
{
	u64 prompt_tsc;

	boot_tsc = rdtsc();
	smp_early_init();	/* GS base: smp_processor_id(), in_interrupt() */
	serial_init();
	cpu_init();
	gdt_init();
	idt_init();
	parse_boot_info(magic, info);
	setup_cmdline();
	time_init();
	spinlock_init();	/* lock.debug=, after the TSC for its timeout */
	pr_info("pfnos %s booting via %s (%s)\n", pfnos_version,
		boot_info.loader[0] ? boot_info.loader : "unknown loader",
		boot_info.proto == BOOT_PROTO_PVH ? "PVH" : "multiboot2");
	pr_info("cpu: %s, %u physical address bits%s%s%s\n", cpu_features.brand,
		cpu_features.phys_bits, cpu_features.clwb ? ", clwb" : "",
		cpu_features.clflushopt ? ", clflushopt" : "",
		cpu_features.avx2 ? ", avx2" : "");
	pr_info("time: TSC %llu kHz (%s)\n", (unsigned long long)tsc_khz,
		tsc_calibration_source);
	pr_info("cmdline: %s\n", boot_cmdline.raw);
	memory_init();
	apic_set_mmio_map(ioremap);
	apic_init();
	ioapic_init();		/* also remaps and masks the 8259s */
	timer_init();
	pci_init();
	serial_irq_init();
	if (apic_ready())
		local_irq_enable();
	{
		struct smp_platform_ops ops;

		mm_smp_ops(&ops);
		smp_set_platform_ops(&ops);
		smp_init();
	}
	copy_init();
	dma_init();
	if (blk_init() == 0) {
		null_blk_init();
		pmem_init();
		nvme_init();
	}

	prompt_tsc = rdtsc();
	kprintf("boot: kernel entry to prompt %llu us\n",
		(unsigned long long)(tsc_to_ns(prompt_tsc - boot_tsc) / 1000));
	bench_boot();		/* bench=suite on the command line */
	run_job_file();		/* scripts/pfnos-qemu --job FILE */
	if (boot_cmdline.run[0])
		shell_run_script(boot_cmdline.run);
	shell_loop();
}
