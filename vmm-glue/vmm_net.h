/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmm_net.h - vnet-vmm's NICs: per --net, a vhost-user port on a vnetd
 * network and a virtio-net PCI function whose queues vnetd serves; kicks
 * (ioeventfd) and interrupts (irqfd, MSI) pass between the guest and
 * vnetd without the VMM */
#ifndef VNET_VMM_NET_H
#define VNET_VMM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm_virtio.h"

#define VMM_MAX_NICS	     4
#define VMM_DEFAULT_RPC_SOCK "/run/vnet/vnetd.sock"

struct vmm_vm;

/**
 * struct vmm_nic - one NIC
 * @port: vnetd's port name
 * @path: the vhost-user socket (vnetd listens, or vnet-vmm in listen mode)
 * @sock: our connection to it
 * @listen_fd: listen mode (vnetd connects, a client-mode port): our
 *             listening socket, else -1
 * @backend_features: what vnetd offered
 * @protocol: VHOST_USER_F_PROTOCOL_FEATURES was negotiated
 * @kick: per queue, the ioeventfd given to vnetd
 * @call: per queue, the irqfd given to vnetd
 */
struct vmm_nic {
	struct vmm_virtio dev;
	struct vmm_vm *vm;
	unsigned index;
	char network[64];
	char port[64];
	char path[108];
	uint8_t mac[6];
	bool port_added;
	int sock;
	int listen_fd;
	uint64_t backend_features;
	bool protocol;
	int kick[VIO_MAX_QUEUES];
	int call[VIO_MAX_QUEUES];
	unsigned call_gsi[VIO_MAX_QUEUES];
	unsigned reconnects;
};

struct vmm_nics {
	const char *rpc_sock;
	unsigned n;
	struct vmm_nic nic[VMM_MAX_NICS];
};

int vmm_net_parse(const char *spec, char *network, size_t netlen,
		  uint8_t mac[6], bool *has_mac, char *name, size_t namelen,
		  bool *listen_mode);
void vmm_nics_init(struct vmm_nics *n);
int vmm_nics_attach(struct vmm_nics *n, struct vmm_vm *vm, const char *rpc_sock,
		    const char *const *specs, unsigned count, char *err,
		    size_t errlen);
void vmm_nics_detach(struct vmm_nics *n);
int vmm_nics_pollfd(const struct vmm_nics *n, unsigned i);
bool vmm_nics_service(struct vmm_nics *n, unsigned i);

#endif
