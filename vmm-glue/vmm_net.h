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
struct vmm_vfio;

/**
 * struct vmm_net_spec - one --net argument, parsed
 * @network: vnetd network
 * @mac: the MAC given with mac=, when @has_mac
 * @name: the port name given with name=, else empty
 * @listen: vnet-vmm listens, vnetd connects (a client-mode port)
 * @queues: queue pairs (queues=N, 1 to VU_MAX_QUEUE_PAIRS)
 * @sriov: pass an SR-IOV virtual function through instead (sriov)
 * @no_ioeventfd: ioeventfd=off: the guest's queue notifications exit to
 *                vnet-vmm, which passes them on (QEMU's ioeventfd=off)
 */
struct vmm_net_spec {
	char network[64];
	uint8_t mac[6];
	bool has_mac;
	char name[64];
	bool listen;
	unsigned queues;
	bool sriov;
	bool no_ioeventfd;
};

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
 * @kick_gpa: per queue, where @kick is registered with KVM now (it
 *            follows BAR0 and memory decoding), 0 when it is not
 * @no_ioeventfd: ioeventfd=off: @kick is never registered with KVM
 * @call: per queue, the eventfd given to vnetd: a KVM irqfd while its
 *        vector is usable (@call_on), detached while it is masked so a
 *        signal waits in the eventfd (the vector's pending bit)
 * @call_on: per queue, @call is attached as an irqfd
 * @pairs: queue pairs of the device (and of vnetd's port)
 * @active_pairs: pairs the driver uses (VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET)
 * @ctrl_q: the control queue while the driver runs one, else -1
 * @ctrl: where vnet-vmm is in it
 * @gsi_base: the GSI of MSI-X vector 0
 * @why: why the last reconnection failed (said once), else empty
 * @vfio: a passed-through virtual function instead of virtio (sriov)
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
	uint64_t kick_gpa[VIO_MAX_QUEUES];
	bool no_ioeventfd;
	int call[VIO_MAX_QUEUES];
	unsigned call_gsi[VIO_MAX_QUEUES];
	bool call_on[VIO_MAX_QUEUES];
	unsigned reconnects;
	unsigned pairs, active_pairs;
	int ctrl_q;
	struct vmm_vq_state ctrl;
	unsigned gsi_base;
	struct vmm_vfio *vfio;
	char why[256];
};

struct vmm_nics {
	const char *rpc_sock;
	unsigned n;
	struct vmm_nic nic[VMM_MAX_NICS];
};

/**
 * struct vmm_net_vf - an SR-IOV virtual function vnetd handed out
 * @pci: its PCI address
 * @pf: its physical function (netdev name)
 * @group: its IOMMU group, -1 when vnetd did not say
 */
struct vmm_net_vf {
	char pci[32];
	char pf[32];
	int group;
};

int vmm_net_parse(const char *spec, struct vmm_net_spec *out);
int vmm_net_sriov_claim(const char *rpc_sock, const char *network,
			const char *port, uint8_t mac[6], bool has_mac,
			struct vmm_net_vf *vf, char *err, size_t errlen);
int vmm_net_sriov_release(const char *rpc_sock, const char *port);
void vmm_nics_init(struct vmm_nics *n);
int vmm_nics_attach(struct vmm_nics *n, struct vmm_vm *vm, const char *rpc_sock,
		    const char *const *specs, unsigned count, char *err,
		    size_t errlen);
void vmm_nics_detach(struct vmm_nics *n);
int vmm_nics_pollfd(const struct vmm_nics *n, unsigned i);
bool vmm_nics_service(struct vmm_nics *n, unsigned i);
bool vmm_nics_has_socket(const struct vmm_nics *n, unsigned i);

#endif
