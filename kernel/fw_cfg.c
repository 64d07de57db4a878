/*
 * fw_cfg.c - QEMU's firmware configuration device, read through the legacy
 * I/O ports (QEMU docs/specs/fw_cfg.txt): selector at 0x510 (16-bit),
 * data at 0x511 (byte at a time). Used once at boot to fetch the file
 * opt/pfnos/cmdline, which the launcher's --cmdline sets on every boot path.
 */
#include "cpu.h"
#include "errno.h"
#include "fw_cfg.h"
#include "lib.h"

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_SIGNATURE	0x0000
#define FW_CFG_FILE_DIR		0x0019

static void fw_cfg_read(void *buf, size_t len)
{
	u8 *p = buf;

	while (len--)
		*p++ = inb(FW_CFG_PORT_DATA);
}

static u32 be32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

bool fw_cfg_present(void)
{
	char sig[4];

	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	fw_cfg_read(sig, 4);
	return !memcmp(sig, "QEMU", 4);
}

int fw_cfg_read_file(const char *name, char *buf, size_t size, size_t *len)
{
	u8 hdr[4], ent[64];
	u32 count;

	if (!fw_cfg_present())
		return -ENODEV;
	outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
	fw_cfg_read(hdr, 4);
	count = be32(hdr);
	for (u32 i = 0; i < count && i < 4096; i++) {
		u32 fsize;
		u16 sel;

		fw_cfg_read(ent, sizeof(ent));
		ent[63] = '\0';
		if (strcmp((char *)ent + 8, name))
			continue;
		fsize = be32(ent);
		sel = (u16)((ent[4] << 8) | ent[5]);
		if (fsize > size)
			return -E2BIG;
		outw(FW_CFG_PORT_SEL, sel);
		fw_cfg_read(buf, fsize);
		*len = fsize;
		return 0;
	}
	return -ENOENT;
}
