/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vmm_pci.h - vnet-vmm's PCI bus: configuration mechanism #1 on ports
 * 0xcf8/0xcfc, a host bridge at 00:00.0, and devices with 32-bit memory
 * BARs and a capability list (the virtio-net functions use it) */
#ifndef VNET_VMM_PCI_H
#define VNET_VMM_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define VMM_PCI_MAX_DEV 8

#define PCI_VENDOR_ID	   0x00
#define PCI_DEVICE_ID	   0x02
#define PCI_COMMAND	   0x04
#define PCI_STATUS	   0x06
#define PCI_REVISION	   0x08
#define PCI_CLASS_PROG	   0x09
#define PCI_HEADER_TYPE	   0x0e
#define PCI_BAR0	   0x10
#define PCI_SUBSYS_VENDOR  0x2c
#define PCI_SUBSYS_ID	   0x2e
#define PCI_CAP_PTR	   0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d
#define PCI_CAP_FIRST	   0x40

#define PCI_COMMAND_MEMORY  0x2
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_ID_MSIX	    0x11
#define PCI_CAP_ID_VNDR	    0x09

/**
 * struct vmm_pci_dev - one PCI function (type 0 header)
 * @cfg: configuration space as the guest reads it
 * @wmask: bits of @cfg the guest may change
 * @bar_size: size of each memory BAR (power of two), 0 when unused
 * @cap_last: offset of the last capability (0: none yet)
 * @cap_end: first byte after it
 * @cfg_write: told after the guest wrote configuration space (may be NULL)
 * @bar_rw: serves accesses to the device's BARs
 * @opaque: passed to both
 */
struct vmm_pci_dev {
	uint8_t cfg[256];
	uint8_t wmask[256];
	uint32_t bar_size[6];
	uint8_t cap_last;
	unsigned cap_end;
	void (*cfg_write)(void *opaque, unsigned off, unsigned size);
	void (*bar_rw)(void *opaque, unsigned bar, uint64_t off, uint8_t *data,
		       unsigned size, bool write);
	void *opaque;
};

/**
 * struct vmm_pci - the bus (slot 0 is the host bridge)
 * @addr: the last value written to 0xcf8
 * @dev: functions by slot
 */
struct vmm_pci {
	pthread_mutex_t lock;
	uint32_t addr;
	struct vmm_pci_dev host;
	struct vmm_pci_dev *dev[VMM_PCI_MAX_DEV];
};

void vmm_pci_init(struct vmm_pci *bus);
void vmm_pci_dev_init(struct vmm_pci_dev *d, uint16_t vendor, uint16_t device,
		      uint32_t class_rev, uint16_t subsys_vendor,
		      uint16_t subsys_id);
int vmm_pci_add_bar(struct vmm_pci_dev *d, unsigned bar, uint32_t size,
		    uint32_t gpa) __attribute__((warn_unused_result));
int vmm_pci_add_cap(struct vmm_pci_dev *d, const uint8_t *cap, unsigned len)
    __attribute__((warn_unused_result));
int vmm_pci_attach(struct vmm_pci *bus, struct vmm_pci_dev *d)
    __attribute__((warn_unused_result));
uint64_t vmm_pci_bar_addr(const struct vmm_pci_dev *d, unsigned bar);
uint32_t vmm_pci_cfg_read(struct vmm_pci_dev *d, unsigned off, unsigned size);
void vmm_pci_cfg_write(struct vmm_pci_dev *d, unsigned off, unsigned size,
		       uint32_t val);
void vmm_pci_pio(struct vmm_pci *bus, uint16_t port, uint8_t *data,
		 unsigned size, bool write);
bool vmm_pci_mmio(struct vmm_pci *bus, uint64_t gpa, uint8_t *data,
		  unsigned size, bool write);

#endif
