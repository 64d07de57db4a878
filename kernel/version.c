/*
 * version.c - the version strings; the Makefile passes PFNOS_VERSION (git
 * describe) and PFNOS_BUILD_DATE.
 */
#include "version.h"

#ifndef PFNOS_VERSION
#define PFNOS_VERSION "unknown"
#endif
#ifndef PFNOS_BUILD_DATE
#define PFNOS_BUILD_DATE "unknown"
#endif

const char pfnos_version[] = PFNOS_VERSION;
const char pfnos_build_date[] = PFNOS_BUILD_DATE;
