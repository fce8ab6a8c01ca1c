/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tg_net.h - the test guest's NIC */
#ifndef TG_NET_H
#define TG_NET_H

#include "tg.h"

int tg_virtio_init(uint8_t mac[6], bool bad, bool mq);
void tg_virtio_send(const uint8_t *frame, unsigned len);
uint32_t tg_virtio_move(uint32_t gpa);
bool tg_virtio_poll(void (*cb)(const uint8_t *frame, unsigned len));

#endif
