/*
 * serial.c - the 16550 UART on COM1 (0x3f8) as the kernel console, 115200 8N1.
 *
 * Output polls the transmitter-holding-register-empty bit. Input: received
 * bytes go into a ring that console_getc() reads. Before serial_irq_init()
 * the ring is filled by polling from getc itself; after it, the
 * received-data interrupt (ISA IRQ 4 through the IOAPIC) fills it too, so
 * the shell can halt until a key arrives. getc and the handler drain the
 * UART under serial_rx_lock (interrupts off), so they never race for a
 * byte on any CPU. Output runs under printk's lock (kernel/printk.c).
 * Newlines go out as CR LF. Registers: PC16550D datasheet, "Register
 * Summary".
 */
#include "apic.h"
#include "cpu.h"
#include "irq.h"
#include "printk.h"
#include "serial.h"
#include "spinlock.h"

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
#define UART_FCR_ENABLE	0x01	/* enable; keep what was typed before boot */
#define UART_MCR_DTR_RTS 0x03
#define UART_IER_RDI	0x01	/* received data available interrupt */
#define UART_MCR_OUT2	0x08	/* gates the IRQ line on PC UARTs */
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

#define COM1_IRQ	4
#define RX_RING		256	/* power of two */

static u8 rx_ring[RX_RING];
static volatile u32 rx_head, rx_tail;	/* free-running; tail - head = used */
static u64 rx_overruns;
static int rx_vector = -1;
static DEFINE_SPINLOCK(serial_rx_lock);

/* Move every byte the UART holds into the ring. Interrupts off. */
static void serial_drain(void)
{
	unsigned spins = 0;

	while ((inb(COM1 + UART_LSR) & UART_LSR_DR) && ++spins < 64) {
		u8 c = inb(COM1 + UART_RBR);

		if (rx_tail - rx_head < RX_RING)
			rx_ring[rx_tail++ % RX_RING] = c;
		else
			rx_overruns++;
	}
}

static int serial_getc(void)
{
	unsigned long flags = spin_lock_irqsave(&serial_rx_lock);
	int c = -1;

	serial_drain();
	if (rx_head != rx_tail)
		c = rx_ring[rx_head++ % RX_RING];
	spin_unlock_irqrestore(&serial_rx_lock, flags);
	return c;
}

static void serial_irq(struct pt_regs *regs, void *arg)
{
	unsigned long flags = spin_lock_irqsave(&serial_rx_lock);

	serial_drain();
	spin_unlock_irqrestore(&serial_rx_lock, flags);
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

/**
 * serial_irq_init - route COM1's receive interrupt (ISA IRQ 4) through the
 * IOAPIC and enable it in the UART.
 * Returns 0, or -errno (no vector, no IOAPIC): input stays polled.
 * Context: boot, after ioapic_init(), before interrupts are enabled.
 */
int serial_irq_init(void)
{
	int vec, gsi;

	if (rx_vector >= 0)
		return 0;
	vec = irq_alloc_vector(serial_irq, NULL, "ttyS0");
	if (vec < 0)
		return vec;
	gsi = ioapic_route_isa(COM1_IRQ, (u8)vec);
	if (gsi < 0) {
		irq_unregister((unsigned)vec);
		pr_warn("serial: no IOAPIC route for IRQ %u: input stays polled\n",
			COM1_IRQ);
		return gsi;
	}
	rx_vector = vec;
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS | UART_MCR_OUT2);
	outb(COM1 + UART_IER, UART_IER_RDI);
	pr_info("serial: ttyS0 receive interrupt on GSI %d, vector 0x%x\n", gsi, vec);
	return 0;
}

/* Input is interrupt-driven (the shell may halt while waiting). */
bool serial_irq_enabled(void)
{
	return rx_vector >= 0;
}
