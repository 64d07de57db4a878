/*
 * version.h - build identification (kernel/version.c, generated strings).
 */
#ifndef PFNOS_VERSION_H
#define PFNOS_VERSION_H

extern const char pfnos_version[];
extern const char pfnos_build_date[];

#endif
