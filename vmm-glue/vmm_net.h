/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmm_net.h - vnet-vmm's NICs: a vnetd port per --net, served over
 * vhost-user, shown to the guest as a virtio-net PCI function */
#ifndef VNET_VMM_NET_H
#define VNET_VMM_NET_H

#include <stddef.h>

#define VMM_MAX_NICS	     4
#define VMM_DEFAULT_RPC_SOCK "/run/vnet/vnetd.sock"

struct vmm_vm;

struct vmm_nic {
	char port[64];
	char path[108];
	int sock;
};

struct vmm_nics {
	const char *rpc_sock;
	unsigned n;
	struct vmm_nic nic[VMM_MAX_NICS];
};

void vmm_nics_init(struct vmm_nics *n);
int vmm_nics_attach(struct vmm_nics *n, struct vmm_vm *vm,
		    const char *rpc_sock, const char *const *specs,
		    unsigned count, char *err, size_t errlen);
void vmm_nics_detach(struct vmm_nics *n);

#endif
