/* SPDX-License-Identifier: GPL-2.0-or-later */
/* seccomp.h - a system call allow-list for datapath threads */
#ifndef VNET_SECCOMP_H
#define VNET_SECCOMP_H

#include <stdbool.h>

int vnet_seccomp_datapath(void);
bool vnet_seccomp_available(void);

#endif
