/*
 * errno.h - Linux errno values and the ERR_PTR convention.
 *
 * Functions return 0 or -errno; pointer-returning functions return ERR_PTR().
 */
#ifndef PFNOS_ERRNO_H
#define PFNOS_ERRNO_H

#include "types.h"

#define EPERM		1
#define ENOENT		2
#define EINTR		4
#define EIO		5
#define ENXIO		6
#define E2BIG		7
#define EAGAIN		11
#define ENOMEM		12
#define EFAULT		14
#define EBUSY		16
#define EEXIST		17
#define ENODEV		19
#define EINVAL		22
#define ENOSPC		28
#define EROFS		30
#define ERANGE		34
#define ENAMETOOLONG	36
#define ENOSYS		38
#define ENODATA		61
#define ETIME		62
#define EOVERFLOW	75
#define EBADMSG		74
#define EOPNOTSUPP	95
#define ETIMEDOUT	110
#define ECANCELED	125

#define MAX_ERRNO	4095

static inline void *ERR_PTR(long err) { return (void *)err; }
static inline long PTR_ERR(const void *p) { return (long)p; }
static inline bool IS_ERR(const void *p)
{
	return (unsigned long)p >= (unsigned long)-MAX_ERRNO;
}
static inline bool IS_ERR_OR_NULL(const void *p) { return !p || IS_ERR(p); }

/* errno_name(-EIO) == "EIO": for log lines. Lives in lib/errname.c. */
const char *errno_name(int err);

#endif
