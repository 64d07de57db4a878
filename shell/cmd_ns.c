/*
 * cmd_ns.c - the `ns` command: NVDIMM namespaces as ndctl shows and makes
 * them (drivers/nvdimm/ through the pmem driver, pmem.h). <region> is the
 * raw device name of a region (pmem0 for region 0), whatever it shows now.
 *
 *   ns list                   one JSON object per line, the keys of
 *                             `ndctl list -N`: dev, mode, map, size, uuid,
 *                             sector_size, align, blockdev (+ state, error)
 *   ns create <region> mode=raw|fsdax|sector [map=mem|dev]
 *                             [sector_size=512|4096] [align=<bytes>]
 *   ns destroy <region> force
 *   ns check <dev>            the BTT of a sector device, as ndctl
 *                             check-namespace: findings, then
 *                             "ns check: <dev>: ok" or
 *                             "ns check: <dev>: <N> errors" and one error line
 *
 * create on a region that holds a namespace, and destroy without force,
 * are refused with an error line saying what would be lost.
 */
#include "blkdev.h"
#include "errno.h"
#include "lib.h"
#include "nd.h"
#include "pmem.h"
#include "printk.h"
#include "shell.h"
#include "time.h"

static void ns_uuid_str(const u8 *u, char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned o = 0;

	for (unsigned i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = 0;
}

/* A random (version 4) uuid from the TSC-derived clock. */
static void ns_uuid_new(u8 *u)
{
	static u64 state;

	state ^= ktime_ns() * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL;
	for (unsigned i = 0; i < 16; i++) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		u[i] = (u8)(state >> 24);
	}
	u[6] = (u8)((u[6] & 0x0f) | 0x40);
	u[8] = (u8)((u[8] & 0x3f) | 0x80);
}

static const char *ns_what(const struct pmem_ns *ns, char *buf, size_t n)
{
	const char *dev = ns->disk ? ns->disk->disk_name : "no device";

	if (ns->info.mode == ND_MODE_BAD)
		snprintf(buf, n, "unrecognised metadata on region %u (%s)", ns->region, ns->info.why);
	else
		snprintf(buf, n, "the %s namespace on region %u (%s, %llu bytes)",
			 nd_mode_name(ns->info.mode), ns->region, dev,
			 (unsigned long long)ns->size);
	return buf;
}

static int ns_list(void)
{
	for (unsigned i = 0; i < pmem_ns_count(); i++) {
		struct pmem_ns ns;
		char uuid[40], line[400];
		int o;

		if (pmem_ns_get(i, &ns))
			continue;
		ns_uuid_str(ns.info.uuid, uuid);
		o = snprintf(line, sizeof(line), "{\"dev\":\"namespace%u.0\",\"mode\":\"%s\"",
			     ns.region, nd_mode_name(ns.info.mode));
		if (ns.info.mode == ND_MODE_FSDAX || ns.info.mode == ND_MODE_DEVDAX)
			o += snprintf(line + o, sizeof(line) - o, ",\"map\":\"%s\"",
				      ns.info.pfn_mode == 2 ? "dev" : "mem");
		o += snprintf(line + o, sizeof(line) - o, ",\"size\":%llu",
			      (unsigned long long)ns.size);
		if (ns.info.mode != ND_MODE_RAW && ns.info.mode != ND_MODE_BAD)
			o += snprintf(line + o, sizeof(line) - o, ",\"uuid\":\"%s\"", uuid);
		o += snprintf(line + o, sizeof(line) - o, ",\"sector_size\":%u",
			      ns.info.mode == ND_MODE_SECTOR ? ns.info.sector_size : 512);
		if (ns.info.mode == ND_MODE_FSDAX || ns.info.mode == ND_MODE_DEVDAX)
			o += snprintf(line + o, sizeof(line) - o, ",\"align\":%u", ns.info.align);
		if (ns.disk)
			o += snprintf(line + o, sizeof(line) - o, ",\"blockdev\":\"%s\"",
				      ns.disk->disk_name);
		if (ns.ro)
			o += snprintf(line + o, sizeof(line) - o, ",\"state\":\"read-only\"");
		if (ns.info.mode == ND_MODE_BAD) {
			char why[sizeof(ns.info.why)];

			/* a JSON string: no quote or backslash inside */
			for (unsigned k = 0; k < sizeof(why); k++) {
				char c = ns.info.why[k];

				why[k] = c == '"' || c == '\\' ? '\'' : c;
			}
			o += snprintf(line + o, sizeof(line) - o, ",\"error\":\"%s\"", why);
		}
		snprintf(line + o, sizeof(line) - o, "}");
		kprintf("%s\n", line);
	}
	return 0;
}

static int ns_create(int argc, char **argv)
{
	struct nd_create req = { .mode = ND_MODE_RAW, .pfn_mode = 1, .sector_size = 4096 };
	bool have_mode = false, have_map = false, have_ss = false, have_align = false;
	struct pmem_ns ns;
	char why[160], what[200], uuid[40];
	int err;

	if (argc < 3)
		return shell_error(-EINVAL, "usage: ns create <region> mode=raw|fsdax|sector [map=mem|dev] [sector_size=512|4096] [align=<bytes>]");
	if (pmem_ns_lookup(argv[2], &ns))
		return shell_error(-ENODEV, "no region '%s' (regions are named by their raw device, pmem0 for region 0)",
				   argv[2]);
	for (int a = 3; a < argc; a++) {
		const char *v = strchr(argv[a], '=');
		u64 n;

		if (!v)
			return shell_error(-EINVAL, "ns create: '%s' is not key=value", argv[a]);
		v++;
		if (!strncmp(argv[a], "mode=", 5) && !have_mode) {
			have_mode = true;
			if (!strcmp(v, "raw"))
				req.mode = ND_MODE_RAW;
			else if (!strcmp(v, "fsdax"))
				req.mode = ND_MODE_FSDAX;
			else if (!strcmp(v, "sector"))
				req.mode = ND_MODE_SECTOR;
			else
				return shell_error(-EINVAL, "ns create: mode=%s: raw, fsdax or sector (devdax is recognised, not created)", v);
		} else if (!strncmp(argv[a], "map=", 4) && !have_map) {
			have_map = true;
			if (strcmp(v, "mem") && strcmp(v, "dev"))
				return shell_error(-EINVAL, "ns create: map=%s: mem or dev", v);
			req.pfn_mode = !strcmp(v, "dev") ? 2 : 1;
		} else if (!strncmp(argv[a], "sector_size=", 12) && !have_ss) {
			have_ss = true;
			if (shell_arg_u64("sector_size", v, &n))
				return -EINVAL;
			if (n != 512 && n != 4096)
				return shell_error(-EINVAL, "ns create: sector_size=%llu: 512 or 4096",
						   (unsigned long long)n);
			req.sector_size = (u32)n;
		} else if (!strncmp(argv[a], "align=", 6) && !have_align) {
			have_align = true;
			if (shell_arg_size("align", v, &n))
				return -EINVAL;
			if (n != 4096 && n != (2U << 20) && n != (1U << 30))
				return shell_error(-EINVAL, "ns create: align=%llu: 4096, 2M or 1G",
						   (unsigned long long)n);
			req.align = (u32)n;
		} else {
			return shell_error(-EINVAL, "ns create: unknown or repeated argument '%s'", argv[a]);
		}
	}
	if (!have_mode)
		return shell_error(-EINVAL, "ns create: mode= is required (raw, fsdax or sector)");
	if ((have_map || have_align) && req.mode != ND_MODE_FSDAX)
		return shell_error(-EINVAL, "ns create: map= and align= are for mode=fsdax");
	if (have_ss && req.mode != ND_MODE_SECTOR)
		return shell_error(-EINVAL, "ns create: sector_size= is for mode=sector");
	if (ns.info.mode != ND_MODE_RAW)
		return shell_error(-EBUSY, "ns create: %s would be lost: `ns destroy %s force` first",
				   ns_what(&ns, what, sizeof(what)), argv[2]);
	ns_uuid_new(req.uuid);
	err = pmem_ns_create(argv[2], &req, why, sizeof(why));
	if (err)
		return shell_error(err, "ns create %s: %s (-%s)", argv[2], why[0] ? why : "failed",
				   errno_name(err));
	pmem_ns_lookup(argv[2], &ns);
	ns_uuid_str(req.uuid, uuid);
	kprintf("ns create: %s: %s namespace, %s, %llu bytes, uuid %s\n", argv[2],
		nd_mode_name(ns.info.mode), ns.disk ? ns.disk->disk_name : "no device",
		(unsigned long long)ns.size, uuid);
	return 0;
}

static int ns_destroy(int argc, char **argv)
{
	struct pmem_ns ns;
	char what[200];
	int err;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "force")))
		return shell_error(-EINVAL, "usage: ns destroy <region> force");
	if (pmem_ns_lookup(argv[2], &ns))
		return shell_error(-ENODEV, "no region '%s'", argv[2]);
	if (argc == 3)
		return shell_error(-EPERM, "ns destroy: %s and its data would be lost: add force",
				   ns_what(&ns, what, sizeof(what)));
	err = pmem_ns_destroy(argv[2]);
	if (err)
		return shell_error(err, "ns destroy %s: -%s", argv[2], errno_name(err));
	kprintf("ns destroy: %s: metadata cleared, raw device %s\n", argv[2], argv[2]);
	return 0;
}

static void ns_check_line(void *arg, const char *line)
{
	kprintf("ns check: %s: %s\n", (const char *)arg, line);
}

static int ns_check(int argc, char **argv)
{
	long r;

	if (argc != 3)
		return shell_error(-EINVAL, "usage: ns check <dev>");
	r = pmem_ns_check(argv[2], ns_check_line, argv[2]);
	if (r == -ENODEV)
		return shell_error(-ENODEV, "ns check: %s is not a sector (BTT) device", argv[2]);
	if (r < 0) {
		kprintf("ns check: %s: 1 errors\n", argv[2]);
		return shell_error((int)r, "ns check: %s: the BTT cannot be read (-%s)", argv[2],
				   errno_name((int)r));
	}
	if (r) {
		kprintf("ns check: %s: %ld errors\n", argv[2], r);
		return shell_error(-EIO, "ns check: %s: the BTT is inconsistent", argv[2]);
	}
	kprintf("ns check: %s: ok\n", argv[2]);
	return 0;
}

static int cmd_ns(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "list") && argc == 2)
		return ns_list();
	if (argc >= 2 && !strcmp(argv[1], "create"))
		return ns_create(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "destroy"))
		return ns_destroy(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return ns_check(argc, argv);
	return shell_error(-EINVAL, "usage: ns list | create <region> mode=... | destroy <region> force | check <dev>");
}
SHELL_COMMAND("ns", cmd_ns, "list | create <region> mode=raw|fsdax|sector [map=mem|dev] [sector_size=512|4096] [align=<bytes>] | destroy <region> force | check <dev>",
	      "NVDIMM namespaces as ndctl makes them: list (JSON), create, destroy, check a BTT");
