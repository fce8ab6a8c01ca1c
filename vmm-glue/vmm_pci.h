/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmm_pci.h - vnet-vmm's PCI bus: configuration mechanism #1 on ports
 * 0xcf8/0xcfc, a host bridge, and devices with memory BARs and a
 * capability list (the virtio-net function uses it) */
#ifndef VNET_VMM_PCI_H
#define VNET_VMM_PCI_H

#include <stdbool.h>
#include <stdint.h>

struct vmm_pci;

void vmm_pci_pio(struct vmm_pci *bus, uint16_t port, uint8_t *data,
		 unsigned size, bool write);
void vmm_pci_mmio(struct vmm_pci *bus, uint64_t gpa, uint8_t *data,
		  unsigned size, bool write);

#endif
