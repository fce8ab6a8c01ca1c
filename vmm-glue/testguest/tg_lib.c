// SPDX-License-Identifier: GPL-2.0-or-later
/* tg_lib.c - the test guest's little libc: COM1 output, a printf with %s %d
 * %u %x %02x and %I (IPv4 address), mem* functions, power-off */
#include <stdarg.h>

#include "tg.h"

#define COM1 0x3f8

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, (uint8_t)c);
}

/* tg_puts() - a string on COM1 (\n becomes \r\n) */
void tg_puts(const char *s)
{
	while (*s) {
		if (*s == '\n')
			putc_serial('\r');
		putc_serial(*s++);
	}
}

static void put_num(uint32_t v, unsigned base, int width)
{
	char buf[12];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < width)
		buf[n++] = '0';
	while (n)
		putc_serial(buf[--n]);
}

/* tg_printf() - formatted output on COM1: %s %d %u %x, widths with a
 * leading 0 (%02x), and %I for an IPv4 address in network order */
void tg_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int width = 0;

		if (*fmt != '%') {
			if (*fmt == '\n')
				putc_serial('\r');
			putc_serial(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		switch (*fmt) {
		case 's':
			tg_puts(va_arg(ap, const char *));
			break;
		case 'd': {
			int v = va_arg(ap, int);

			if (v < 0) {
				putc_serial('-');
				v = -v;
			}
			put_num((uint32_t)v, 10, width);
			break;
		}
		case 'u':
			put_num(va_arg(ap, uint32_t), 10, width);
			break;
		case 'x':
			put_num(va_arg(ap, uint32_t), 16, width);
			break;
		case 'I': { /* IPv4, network order in a uint32_t */
			uint32_t a = va_arg(ap, uint32_t);
			const uint8_t *b = (const uint8_t *)&a;

			for (int i = 0; i < 4; i++) {
				put_num(b[i], 10, 0);
				if (i < 3)
					putc_serial('.');
			}
			break;
		}
		default:
			putc_serial(*fmt);
		}
	}
	va_end(ap);
}

/* tg_poweroff() - ask the VMM to power off (port 0x604); never returns */
void tg_poweroff(void)
{
	outw(0x604, 0x2000);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* The compiler may call these three even with -ffreestanding. */
void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;

	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}
