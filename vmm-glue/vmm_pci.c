// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_pci.c - PCI configuration space and BAR dispatch */
#include <string.h>

#include "vmm_pci.h"

/**
 * vmm_pci_pio() - the guest touches the configuration ports
 * @bus: the bus, or NULL (no PCI: reads return all ones)
 * @port: 0xcf8 to 0xcff
 * @data: in/out bytes
 * @size: 1, 2 or 4
 * @write: direction
 */
void vmm_pci_pio(struct vmm_pci *bus, uint16_t port, uint8_t *data,
		 unsigned size, bool write)
{
	if (!bus && !write)
		memset(data, 0xff, size);
}

/**
 * vmm_pci_mmio() - the guest touches memory outside RAM
 * @bus: the bus, or NULL
 * @gpa: address
 * @data: in/out bytes
 * @size: 1 to 8
 * @write: direction
 */
void vmm_pci_mmio(struct vmm_pci *bus, uint64_t gpa, uint8_t *data,
		  unsigned size, bool write)
{
	if (!bus && !write)
		memset(data, 0xff, size);
}
