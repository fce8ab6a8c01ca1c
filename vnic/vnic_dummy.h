/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_dummy.h - a port backend with no device, for tests */
#ifndef VNET_VNIC_DUMMY_H
#define VNET_VNIC_DUMMY_H

#include "vnic.h"

#define VNIC_DUMMY_MAX 64

int vnic_dummy_inject(struct vnic *v, const void *frame, size_t len);
unsigned vnic_dummy_sent(struct vnic *v);
const uint8_t *vnic_dummy_frame(struct vnic *v, unsigned i, size_t *len);
void vnic_dummy_clear(struct vnic *v);

#endif
