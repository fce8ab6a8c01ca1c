// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vmm_uart.c - vnet-vmm's COM1: transmit to a file descriptor, the
 * receive buffer, divisor latch, loopback, and the interrupt line Linux's
 * 8250 driver depends on (THR-empty raised on enable, cleared by reading
 * IIR; receive data pending until read) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../vmm-glue/vmm.h"

static int level, changes;

static void irq(void *arg, bool on)
{
	level = on;
	changes++;
}

static void test_tx_rx(void **state)
{
	struct vmm_uart u;
	int p[2];
	char buf[8] = {0};

	assert_int_equal(pipe(p), 0);
	vmm_uart_init(&u, p[1], irq, NULL);
	assert_int_equal(vmm_uart_read(&u, 5) & 0x60, 0x60); /* THRE, TEMT */
	vmm_uart_write(&u, 0, 'h');
	vmm_uart_write(&u, 0, 'i');
	assert_int_equal(read(p[0], buf, sizeof(buf)), 2);
	assert_string_equal(buf, "hi");
	/* receive: DR until drained, bytes in order, full buffer refuses */
	assert_int_equal(vmm_uart_read(&u, 5) & 1, 0);
	assert_int_equal(vmm_uart_input(&u, (const uint8_t *)"ab", 2), 2);
	assert_int_equal(vmm_uart_read(&u, 5) & 1, 1);
	assert_int_equal(vmm_uart_read(&u, 0), 'a');
	assert_int_equal(vmm_uart_read(&u, 0), 'b');
	assert_int_equal(vmm_uart_read(&u, 5) & 1, 0);
	{
		uint8_t big[300];

		memset(big, 'x', sizeof(big));
		assert_int_equal(vmm_uart_input(&u, big, sizeof(big)), 256);
	}
	/* divisor latch: DLAB hides THR/IER */
	vmm_uart_write(&u, 3, 0x83);
	vmm_uart_write(&u, 0, 1);
	vmm_uart_write(&u, 1, 0);
	assert_int_equal(vmm_uart_read(&u, 0), 1);
	vmm_uart_write(&u, 3, 0x03);
	assert_int_equal(vmm_uart_read(&u, 3), 0x03);
	close(p[0]);
	close(p[1]);
}

static void test_interrupts(void **state)
{
	struct vmm_uart u;

	level = changes = 0;
	vmm_uart_init(&u, -1, irq, NULL);
	assert_int_equal(vmm_uart_read(&u, 2) & 1, 1); /* no interrupt */
	vmm_uart_write(&u, 1, 0x02); /* THRI: empty THR raises at once */
	assert_int_equal(level, 1);
	assert_int_equal(vmm_uart_read(&u, 2) & 0x0f, 0x02);
	assert_int_equal(level, 0); /* reading IIR cleared it */
	assert_int_equal(vmm_uart_read(&u, 2) & 1, 1);
	vmm_uart_write(&u, 0, 'x'); /* transmit: THR empty again */
	assert_int_equal(level, 1);
	vmm_uart_write(&u, 1, 0x01); /* only receive interrupts */
	assert_int_equal(level, 0);
	vmm_uart_input(&u, (const uint8_t *)"z", 1);
	assert_int_equal(level, 1);
	assert_int_equal(vmm_uart_read(&u, 2) & 0x0f, 0x04);
	assert_int_equal(vmm_uart_read(&u, 0), 'z');
	assert_int_equal(level, 0);
	/* the line is set only when it changes (no ioctl per access) */
	changes = 0;
	for (int i = 0; i < 10; i++)
		vmm_uart_read(&u, 5);
	assert_int_equal(changes, 0);
	/* loopback: transmitted bytes come back, nothing goes out */
	vmm_uart_write(&u, 4, 0x10 | 0x0a); /* Linux's probe: RTS, OUT2 */
	assert_int_equal(vmm_uart_read(&u, 6) & 0xf0, 0x90); /* CTS, DCD */
	vmm_uart_write(&u, 4, 0x10 | 0x05);		     /* DTR, OUT1 */
	assert_int_equal(vmm_uart_read(&u, 6) & 0xf0, 0x60); /* DSR, RI */
	vmm_uart_write(&u, 0, 'L');
	assert_int_equal(vmm_uart_read(&u, 0), 'L');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tx_rx),
	    cmocka_unit_test(test_interrupts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
