// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_uart.c - a 16550A-compatible UART (the guest's COM1): transmitted
 * bytes go straight to a file descriptor, received bytes wait in a small
 * buffer; the interrupt line follows IER and the pending conditions. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vmm.h"

enum {
	UART_RBR_THR = 0,
	UART_IER = 1,
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define IER_RDI	      0x01
#define IER_THRI      0x02
#define IIR_NO_INT    0x01
#define IIR_THRI      0x02
#define IIR_RDI	      0x04
#define IIR_FIFO_BITS 0xc0
#define LCR_DLAB      0x80
#define LSR_DR	      0x01
#define LSR_THRE      0x20
#define LSR_TEMT      0x40
#define MCR_LOOP      0x10

/* The interrupt the guest would see in IIR, IIR_NO_INT for none. */
static uint8_t uart_iir(const struct vmm_uart *u)
{
	if ((u->ier & IER_RDI) && u->rx_count)
		return IIR_RDI;
	if ((u->ier & IER_THRI) && u->thr_ipending)
		return IIR_THRI;
	return IIR_NO_INT;
}

static void uart_update_irq(struct vmm_uart *u)
{
	bool level = uart_iir(u) != IIR_NO_INT;

	if (u->irq_line && level != u->irq_level)
		u->irq_line(u->irq_arg, level);
	u->irq_level = level;
}

/**
 * vmm_uart_init() - a reset UART
 * @u: filled
 * @out: where transmitted bytes are written (-1 to drop them)
 * @irq_line: sets the interrupt line level (may be NULL)
 * @irq_arg: passed to @irq_line
 */
void vmm_uart_init(struct vmm_uart *u, int out,
		   void (*irq_line)(void *arg, bool level), void *irq_arg)
{
	memset(u, 0, sizeof(*u));
	pthread_mutex_init(&u->lock, NULL);
	u->out = out;
	u->irq_line = irq_line;
	u->irq_arg = irq_arg;
	u->dll = 12; /* 9600 baud */
	u->lcr = 0x03;
}

/**
 * vmm_uart_read() - the guest reads a register
 * @u: UART
 * @reg: 0 to 7 (port minus base)
 *
 * Return: the register value
 */
uint8_t vmm_uart_read(struct vmm_uart *u, unsigned reg)
{
	uint8_t v = 0;

	pthread_mutex_lock(&u->lock);
	switch (reg & 7) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB) {
			v = u->dll;
			break;
		}
		if (u->rx_count) {
			v = u->rx[u->rx_head];
			u->rx_head = (u->rx_head + 1) % sizeof(u->rx);
			u->rx_count--;
		}
		break;
	case UART_IER:
		v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
		break;
	case UART_IIR_FCR:
		v = uart_iir(u);
		if (v == IIR_THRI) /* reading IIR clears THR empty */
			u->thr_ipending = false;
		v |= (u->fcr & 1) ? IIR_FIFO_BITS : 0;
		break;
	case UART_LCR:
		v = u->lcr;
		break;
	case UART_MCR:
		v = u->mcr;
		break;
	case UART_LSR:
		v = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0);
		break;
	case UART_MSR:
		/* loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; else
		 * CTS, DSR and DCD set */
		v = (u->mcr & MCR_LOOP)
			? (uint8_t)((u->mcr & 1) << 5 | (u->mcr & 2) << 3 |
				    (u->mcr & 0x0c) << 4)
			: 0xb0;
		break;
	case UART_SCR:
		v = u->scr;
		break;
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return v;
}

static void uart_tx(struct vmm_uart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP) {
		if (u->rx_count < sizeof(u->rx)) {
			u->rx[(u->rx_head + u->rx_count) % sizeof(u->rx)] = c;
			u->rx_count++;
		}
	} else if (u->out >= 0) {
		ssize_t r;

		do
			r = write(u->out, &c, 1);
		while (r < 0 && errno == EINTR);
	}
	u->thr_ipending = true;
}

/**
 * vmm_uart_write() - the guest writes a register
 * @u: UART
 * @reg: 0 to 7
 * @val: the byte
 */
void vmm_uart_write(struct vmm_uart *u, unsigned reg, uint8_t val)
{
	pthread_mutex_lock(&u->lock);
	switch (reg & 7) {
	case UART_RBR_THR:
		if (u->lcr & LCR_DLAB)
			u->dll = val;
		else
			uart_tx(u, val);
		break;
	case UART_IER:
		if (u->lcr & LCR_DLAB) {
			u->dlm = val;
			break;
		}
		/* enabling THRI with an empty THR raises it at once */
		if ((val & IER_THRI) && !(u->ier & IER_THRI))
			u->thr_ipending = true;
		u->ier = val & 0x0f;
		break;
	case UART_IIR_FCR:
		u->fcr = val;
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		break;
	case UART_SCR:
		u->scr = val;
		break;
	default:
		break;
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

/**
 * vmm_uart_input() - bytes typed at the console
 * @u: UART
 * @buf: bytes
 * @len: count
 *
 * Return: bytes accepted (fewer when the receive buffer is full)
 */
unsigned vmm_uart_input(struct vmm_uart *u, const uint8_t *buf, unsigned len)
{
	unsigned n = 0;

	pthread_mutex_lock(&u->lock);
	while (n < len && u->rx_count < sizeof(u->rx)) {
		u->rx[(u->rx_head + u->rx_count) % sizeof(u->rx)] = buf[n++];
		u->rx_count++;
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}
