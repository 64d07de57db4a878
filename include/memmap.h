/*
 * memmap.h - the sanitized physical memory map and its persistent regions.
 *
 * Filled at boot from the loader's maps (boot.h), from firmware parsers
 * (ACPI NFIT hands its ranges in with memmap_add_region()) and from the
 * memmap= option; read by the frame allocator, paging and the pmem driver.
 */
#ifndef PFNOS_MEMMAP_H
#define PFNOS_MEMMAP_H

#include "boot.h"
#include "pfn_t.h"
#include "types.h"

/* Register a persistent range found by a firmware parser (source "nfit",
 * ...). type is E820_PMEM or E820_PRAM. Returns 0 or -errno. */
int memmap_add_region(u64 base, u64 size, u32 type, const char *source);

#endif
