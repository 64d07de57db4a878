/*
 * params.c - typed lookups of the kernel's own command line (boot_cmdline).
 * A malformed value is reported once and the default used.
 */
#include "cmdline.h"
#include "lib.h"
#include "printk.h"

const char *kernel_param(const char *key)
{
	return cmdline_get(&boot_cmdline, key);
}

u64 kernel_param_u64(const char *key, u64 def)
{
	const char *s = kernel_param(key);
	u64 v;

	if (!s)
		return def;
	if (parse_size(s, &v)) {
		pr_warn("cmdline: %s=%s is not a number, using %llu\n", key, s,
			(unsigned long long)def);
		return def;
	}
	return v;
}

bool kernel_param_bool(const char *key, bool def)
{
	const char *s = kernel_param(key);
	bool v;

	if (!s)
		return def;
	if (!*s)
		return true;	/* a bare word turns an option on */
	if (parse_bool(s, &v)) {
		pr_warn("cmdline: %s=%s is not a boolean, using %d\n", key, s, def);
		return def;
	}
	return v;
}
