/*
 * serial.h - the COM1 console driver (drivers/serial.c).
 */
#ifndef PFNOS_SERIAL_H
#define PFNOS_SERIAL_H

#include "types.h"

void serial_init(void);
/* COM1 receive interrupt through the IOAPIC (after ioapic_init()). */
int serial_irq_init(void);
bool serial_irq_enabled(void);

#endif
