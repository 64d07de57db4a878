/*
 * kmap.c - kmap_atomic_pfn_t(): a temporary mapping for any pfn.
 *
 * A RAM pfn is already in the direct map: its address comes back with no
 * page-table work. Any other pfn (persistent memory, PFN_DEV) takes the next
 * of KMAP_SLOTS slots of this CPU: one 4 KiB PTE, write-back, NX, written
 * into a page table built at boot (so mapping never allocates); unmapping
 * clears the PTE and invalidates it with a local invlpg only, never an IPI:
 * each CPU has its own window of slot addresses (cpu * KMAP_SLOTS pages
 * from KMAP_BASE), no other CPU ever uses those addresses, so no other TLB
 * can hold them. Slots nest strictly last-in first-out; interrupt handlers
 * may nest their own pairs inside, which keeps the order.
 *
 * A mapping belongs to the CPU that made it: its address says which
 * (kmap_owner_cpu()). Unmapping it on another CPU is a misuse (caught
 * always); under kmap.debug=1 the copy paths (copy_memcpy, copy_nt,
 * persist_store) check every kmap address they touch with
 * kmap_check_access(), so a pointer handed to another CPU is caught at its
 * first copy there.
 *
 * Misuse is a BUG naming the address: unmapping anything but the most recent
 * mapping, more than KMAP_SLOTS nested mappings, or (checked by the self-test
 * harness) a slot still held when a test ends.
 *
 * kmap.debug=1 rotates every mapping through a 64 MiB window (split
 * between the NR_CPUS CPUs, 4 MiB each) instead of reusing the slot's
 * fixed address, so a pointer kept past its unmap faults rather than
 * silently reaching whatever pfn is mapped there next; it also checks that
 * a pfn_t claiming RAM (no PFN_DEV) really is RAM, and that a kmap address
 * a copy touches is mapped on the CPU copying.
 */
#include "cmdline.h"
#include "cpu.h"
#include "irq.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"

#define KMAP_DEBUG_PAGES (64ULL << 20 >> PAGE_SHIFT)
#define KMAP_DEBUG_PER_CPU (KMAP_DEBUG_PAGES / NR_CPUS)

struct kmap_cpu {
	unsigned depth;
	u64 va[KMAP_SLOTS];		/* mapped addresses, in order */
	pte_t *pte[KMAP_SLOTS];		/* fixed slots' PTEs */
	u64 debug_next;			/* debug window: next page to use */
	u64 maps;
} __aligned(64);

static struct kmap_cpu kmap_cpus[NR_CPUS];
static kmap_bug_fn kmap_bug_handler;

/*
 * A misuse: panic with the message, unless a self test installed a handler
 * to observe it. Returns (only then) to a caller that must back out,
 * changing nothing.
 */
static void __printf(1, 2) kmap_bug(const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!kmap_bug_handler)
		panic("%s", msg);
	kmap_bug_handler(msg);
}

void kmap_set_bug_handler(kmap_bug_fn fn)
{
	kmap_bug_handler = fn;
}
bool kmap_debug;
static pte_t *debug_ptes[KMAP_DEBUG_PAGES / 512];

static inline struct kmap_cpu *this_kmap(void)
{
	return &kmap_cpus[smp_processor_id()];
}

static u64 slot_va(unsigned cpu, unsigned slot)
{
	return KMAP_BASE + ((u64)cpu * KMAP_SLOTS + slot) * PAGE_SIZE;
}

#define KMAP_DEBUG_BASE	(KMAP_BASE + (1ULL << 30))
#define KMAP_SLOTS_END	(KMAP_BASE + (u64)NR_CPUS * KMAP_SLOTS * PAGE_SIZE)
#define KMAP_DEBUG_END	(KMAP_DEBUG_BASE + KMAP_DEBUG_PAGES * PAGE_SIZE)

int kmap_owner_cpu(const void *addr)
{
	u64 va = (u64)addr;

	if (va >= KMAP_BASE && va < KMAP_SLOTS_END)
		return (int)((va - KMAP_BASE) / PAGE_SIZE / KMAP_SLOTS);
	if (va >= KMAP_DEBUG_BASE && va < KMAP_DEBUG_END)
		return (int)((va - KMAP_DEBUG_BASE) / PAGE_SIZE / KMAP_DEBUG_PER_CPU);
	return -1;
}

void __kmap_check_access(const void *addr, size_t len)
{
	unsigned cpu = smp_processor_id();
	const struct kmap_cpu *k = &kmap_cpus[cpu];
	u64 first = (u64)addr & PAGE_MASK, last = ((u64)addr + (len ? len - 1 : 0)) & PAGE_MASK;

	for (u64 va = first; va <= last; va += PAGE_SIZE) {
		int owner = kmap_owner_cpu((void *)va);
		bool held = false;

		if (owner < 0)
			continue;
		for (unsigned i = 0; i < k->depth; i++)
			held |= k->va[i] == va;
		if (owner != (int)cpu)
			kmap_bug("kmap: %llx used on cpu%u, mapped by cpu%d",
				 (unsigned long long)va, cpu, owner);
		else if (!held)
			kmap_bug("kmap: %llx used on cpu%u, which does not hold it",
				 (unsigned long long)va, cpu);
		else
			continue;
		return;		/* one report per access */
	}
}

void kmap_init(void)
{
	for (unsigned c = 0; c < NR_CPUS; c++)
		for (unsigned s = 0; s < KMAP_SLOTS; s++) {
			kmap_cpus[c].pte[s] = paging_kmap_pte(slot_va(c, s));
			if (!kmap_cpus[c].pte[s])
				panic("kmap: no memory for slot page tables");
		}
	kmap_debug = kernel_param_bool("kmap.debug", false);
	if (kmap_debug) {
		for (u64 i = 0; i < ARRAY_SIZE(debug_ptes); i++) {
			debug_ptes[i] = paging_kmap_pte(KMAP_DEBUG_BASE + i * 512 * PAGE_SIZE);
			if (!debug_ptes[i])
				panic("kmap: no memory for the debug window");
		}
		pr_info("kmap: debug mode, mappings rotate through %llu MiB\n",
			(unsigned long long)(KMAP_DEBUG_PAGES >> 8));
	}
}

void *kmap_atomic_pfn_t(pfn_t pfn)
{
	struct kmap_cpu *k;
	unsigned long flags;
	pte_t *pte;
	u64 va;

	if (pfn_t_is_ram(pfn)) {
		if (unlikely(kmap_debug)) {
			/* a pfn_t without PFN_DEV claims RAM: check the claim */
			const struct memmap_range *r = memmap_lookup(pfn_t_to_phys(pfn));

			if (!r || r->type != E820_RAM) {
				kmap_bug("kmap: pfn 0x%llx has no PFN_DEV but is not RAM (%s)",
					 (unsigned long long)pfn_t_to_pfn(pfn),
					 r ? memmap_type_name(r->type) : "a hole");
				return NULL;
			}
		}
		return phys_to_virt(pfn_t_to_phys(pfn));
	}
	flags = local_irq_save();
	k = this_kmap();
	if (k->depth >= KMAP_SLOTS) {
		kmap_bug("kmap: more than %u nested mappings (mapping pfn 0x%llx)",
			 KMAP_SLOTS, (unsigned long long)pfn_t_to_pfn(pfn));
		goto out_misuse;
	}
	if (kmap_debug) {
		u64 page = smp_processor_id() * KMAP_DEBUG_PER_CPU +
			   k->debug_next++ % KMAP_DEBUG_PER_CPU;

		va = KMAP_DEBUG_BASE + page * PAGE_SIZE;
		pte = &debug_ptes[page / 512][page % 512];
		if (*pte & PTE_P) {	/* wrapped onto a page still in use */
			kmap_bug("kmap: debug window exhausted at %llx", (unsigned long long)va);
			goto out_misuse;
		}
	} else {
		va = slot_va(smp_processor_id(), k->depth);
		pte = k->pte[k->depth];
	}
	*pte = pfn_t_to_phys(pfn) | PTE_P | PTE_RW | PTE_NX;
	k->va[k->depth++] = va;
	k->maps++;
	local_irq_restore(flags);
	return (void *)va;

out_misuse:
	local_irq_restore(flags);
	return NULL;
}

void kunmap_atomic_pfn_t(void *addr)
{
	u64 va = (u64)addr & PAGE_MASK;
	struct kmap_cpu *k;
	unsigned long flags;
	pte_t *pte;

	if ((u64)addr >= DIRECT_MAP_BASE && (u64)addr < DIRECT_MAP_BASE + DIRECT_MAP_SIZE)
		return;		/* a RAM pfn: nothing was mapped */
	flags = local_irq_save();
	k = this_kmap();
	if (kmap_owner_cpu(addr) >= 0 && kmap_owner_cpu(addr) != (int)smp_processor_id()) {
		kmap_bug("kunmap_atomic_pfn_t(%p) on cpu%u: mapped by cpu%d", addr,
			 smp_processor_id(), kmap_owner_cpu(addr));
		goto out;
	}
	if (!k->depth) {
		kmap_bug("kunmap_atomic_pfn_t(%p): nothing is mapped", addr);
		goto out;
	}
	if (k->va[k->depth - 1] != va) {
		kmap_bug("kunmap_atomic_pfn_t(%p): out of order, the last mapping is %llx",
			 addr, (unsigned long long)k->va[k->depth - 1]);
		goto out;
	}
	if (kmap_debug) {
		u64 page = (va - KMAP_DEBUG_BASE) >> PAGE_SHIFT;

		pte = &debug_ptes[page / 512][page % 512];
	} else {
		pte = k->pte[k->depth - 1];
	}
	*pte = 0;
	invlpg((void *)va);
	k->depth--;
out:
	local_irq_restore(flags);
}

unsigned kmap_slots_in_use(void)
{
	return this_kmap()->depth;
}

u64 kmap_held_address(unsigned i)
{
	struct kmap_cpu *k = this_kmap();

	return i < k->depth ? k->va[i] : 0;
}

void kmap_release_all(void)
{
	while (this_kmap()->depth)
		kunmap_atomic_pfn_t((void *)this_kmap()->va[this_kmap()->depth - 1]);
}
