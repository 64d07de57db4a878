/*
 * parse.c - number parsing for the shell and the kernel command line.
 *
 * Conventions (boot issue): decimal or 0x hex; sizes also take a k, m or g
 * suffix (powers of 1024, either case). Anything else is -EINVAL, a value that
 * does not fit in 64 bits is -ERANGE.
 */
#include "errno.h"
#include "lib.h"

static int digit_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* Parse the leading number of s; *end points past it. */
static int parse_prefix(const char *s, u64 *out, const char **end)
{
	unsigned base = 10;
	u64 v = 0;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (digit_val(*p) >= (int)base)
		return -EINVAL;
	for (; digit_val(*p) < (int)base; p++) {
		unsigned d = (unsigned)digit_val(*p);

		if (v > (~0ULL - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	*end = p;
	return 0;
}

int parse_u64(const char *s, u64 *out)
{
	const char *end;
	u64 v;
	int err = parse_prefix(s, &v, &end);

	if (err)
		return err;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_size(const char *s, u64 *out)
{
	const char *end;
	unsigned shift = 0;
	u64 v;
	int err = parse_prefix(s, &v, &end);

	if (err)
		return err;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (*end && end[1])
		return -EINVAL;
	if (shift && v > (~0ULL >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "on", "yes", "true", "y" };
	static const char *const no[] = { "0", "off", "no", "false", "n" };

	if (!s)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}
