// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_net.c - vnet-vmm's NICs */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vmm_net.h"

/**
 * vmm_nics_init() - no NICs yet
 * @n: filled
 */
void vmm_nics_init(struct vmm_nics *n)
{
	memset(n, 0, sizeof(*n));
}

/**
 * vmm_nics_attach() - a vnetd port and a virtio-net function per spec
 * @n: NIC set
 * @vm: the VM
 * @rpc_sock: vnetd's JSON-RPC socket
 * @specs: "NETWORK[,mac=MAC]" each
 * @count: entries in @specs
 * @err: one sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int vmm_nics_attach(struct vmm_nics *n, struct vmm_vm *vm,
		    const char *rpc_sock, const char *const *specs,
		    unsigned count, char *err, size_t errlen)
{
	(void)vm;
	n->rpc_sock = rpc_sock;
	if (count) {
		snprintf(err, errlen, "--net is not available yet");
		return -ENOTSUP;
	}
	(void)specs;
	return 0;
}

/**
 * vmm_nics_detach() - delete the vnetd ports again
 * @n: NIC set
 */
void vmm_nics_detach(struct vmm_nics *n)
{
	n->n = 0;
}
