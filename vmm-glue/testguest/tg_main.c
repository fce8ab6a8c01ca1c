// SPDX-License-Identifier: GPL-2.0-or-later
/* tg_main.c - the test guest */
#include "tg.h"

void tg_main(uint32_t start_info);

void tg_main(uint32_t start_info)
{
	tg_printf("guest-min: up, start info at 0x%x\n", start_info);
	tg_poweroff();
}
