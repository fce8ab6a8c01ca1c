/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_afpacket.h - the packet-socket port (vnic_afpacket.c) as the base of
 * another backend: a veth port (vnic_veth.c) is one on its host end, with
 * ops of its own that forward the datapath calls to vnic_afpacket_ops
 */
#ifndef VNET_VNIC_AFPACKET_H
#define VNET_VNIC_AFPACKET_H

#include "vnic_provider.h"

int vnic_afpacket_open_as(const struct vnic_ops *ops,
			  const struct vnic_params *params, void *priv,
			  struct vnic **out, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void *vnic_afpacket_priv(const struct vnic *v);

#endif
