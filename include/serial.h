/*
 * serial.h - the COM1 console driver (drivers/serial.c).
 */
#ifndef PFNOS_SERIAL_H
#define PFNOS_SERIAL_H

void serial_init(void);

#endif
