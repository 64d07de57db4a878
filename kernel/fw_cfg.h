/*
 * fw_cfg.h - QEMU fw_cfg file access (kernel/fw_cfg.c).
 */
#ifndef PFNOS_FW_CFG_H
#define PFNOS_FW_CFG_H

#include "types.h"

bool fw_cfg_present(void);
/* Read the named file into buf; 0, -ENODEV, -ENOENT or -E2BIG. */
int fw_cfg_read_file(const char *name, char *buf, size_t size, size_t *len);

#endif
