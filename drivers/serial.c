/*
 * serial.c - the 16550 UART on COM1 (0x3f8) as the kernel console, 115200 8N1.
 *
 * Output polls the transmitter-holding-register-empty bit; input is polled
 * from the receive buffer (the shell and Ctrl-C checks call console_getc()).
 * Newlines go out as CR LF. Registers: PC16550D datasheet, "Register
 * Summary".
 */
#include "cpu.h"
#include "printk.h"
#include "serial.h"

#define COM1		0x3f8
#define UART_RBR	0	/* receive buffer (DLAB=0) */
#define UART_THR	0	/* transmit holding (DLAB=0) */
#define UART_IER	1	/* interrupt enable */
#define UART_DLL	0	/* divisor latch low (DLAB=1) */
#define UART_DLM	1	/* divisor latch high (DLAB=1) */
#define UART_FCR	2	/* FIFO control */
#define UART_LCR	3	/* line control */
#define UART_MCR	4	/* modem control */
#define UART_LSR	5	/* line status */
#define UART_LCR_DLAB	0x80
#define UART_LCR_8N1	0x03
#define UART_FCR_ENABLE	0x07	/* enable, clear RX and TX FIFOs */
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_DR	0x01	/* data ready */
#define UART_LSR_THRE	0x20	/* transmit holding register empty */

static void serial_putc(char c)
{
	unsigned spins = 0;

	while (!(inb(COM1 + UART_LSR) & UART_LSR_THRE) && ++spins < 100000)
		cpu_relax();
	outb(COM1 + UART_THR, (u8)c);
}

static void serial_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
}

static int serial_getc(void)
{
	if (!(inb(COM1 + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(COM1 + UART_RBR);
}

static struct console serial_console = {
	.name = "ttyS0",
	.write = serial_write,
	.getc = serial_getc,
};

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_DLL, 1);	/* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, UART_FCR_ENABLE);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
	console_register(&serial_console);
}
