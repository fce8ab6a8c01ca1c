// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_pci.c - PCI configuration space (mechanism #1), BAR sizing and
 * decoding, capability lists, and the dispatch of BAR accesses to the
 * device that owns them.  Configuration writes only change the bits a
 * device's write mask allows, so a guest cannot rewrite read-only fields
 * or move a BAR off its alignment. */
#include <errno.h>
#include <string.h>

#include "vmm_pci.h"

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/**
 * vmm_pci_dev_init() - a function with a type-0 header and no BARs yet
 * @d: filled
 * @vendor: vendor id
 * @device: device id
 * @class_rev: class code (24 bits) << 8 | revision
 * @subsys_vendor: subsystem vendor id
 * @subsys_id: subsystem id
 */
void vmm_pci_dev_init(struct vmm_pci_dev *d, uint16_t vendor, uint16_t device,
		      uint32_t class_rev, uint16_t subsys_vendor,
		      uint16_t subsys_id)
{
	memset(d, 0, sizeof(*d));
	put16(d->cfg + PCI_VENDOR_ID, vendor);
	put16(d->cfg + PCI_DEVICE_ID, device);
	put32(d->cfg + PCI_REVISION, class_rev);
	put16(d->cfg + PCI_SUBSYS_VENDOR, subsys_vendor);
	put16(d->cfg + PCI_SUBSYS_ID, subsys_id);
	d->cfg[PCI_INTERRUPT_PIN] = 1; /* INTA# */
	/* command: I/O, memory, bus master, INTx disable */
	put16(d->wmask + PCI_COMMAND, 0x0407);
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

/**
 * vmm_pci_add_bar() - a 32-bit non-prefetchable memory BAR
 * @d: function
 * @bar: 0 to 5
 * @size: bytes, a power of two of at least 4 KiB
 * @gpa: address assigned at start (firmware's job; guests keep it)
 *
 * Return: 0 or -EINVAL
 */
int vmm_pci_add_bar(struct vmm_pci_dev *d, unsigned bar, uint32_t size,
		    uint32_t gpa)
{
	if (bar > 5 || size < 4096 || (size & (size - 1)) || (gpa & (size - 1)))
		return -EINVAL;
	d->bar_size[bar] = size;
	put32(d->cfg + PCI_BAR0 + 4 * bar, gpa);
	put32(d->wmask + PCI_BAR0 + 4 * bar, ~(size - 1));
	return 0;
}

/**
 * vmm_pci_bar_addr() - where a memory BAR is now
 * @d: function
 * @bar: 0 to 5 (a 64-bit BAR: the index of its lower half)
 *
 * Return: its guest-physical base (0 when unused)
 */
uint64_t vmm_pci_bar_addr(const struct vmm_pci_dev *d, unsigned bar)
{
	uint32_t v, hi = 0;

	if (bar > 5 || !d->bar_size[bar])
		return 0;
	memcpy(&v, d->cfg + PCI_BAR0 + 4 * bar, 4);
	if ((v & 0x7) == 0x4 && bar < 5) /* memory, 64-bit */
		memcpy(&hi, d->cfg + PCI_BAR0 + 4 * (bar + 1), 4);
	return (uint64_t)hi << 32 | (v & ~0xfu);
}

/**
 * vmm_pci_add_cap() - append a capability to the list
 * @d: function
 * @cap: its bytes; cap[0] is the id, cap[1] (next) is filled in here
 * @len: bytes, at least 2
 *
 * Capabilities are placed from 0x40 on, dword-aligned.
 *
 * Return: the capability's offset, or -ENOSPC / -EINVAL
 */
int vmm_pci_add_cap(struct vmm_pci_dev *d, const uint8_t *cap, unsigned len)
{
	unsigned off;

	if (len < 2)
		return -EINVAL;
	off = d->cap_end ? ((d->cap_end + 3u) & ~3u) : PCI_CAP_FIRST;
	if (len > 256 - off)
		return -ENOSPC;
	memcpy(d->cfg + off, cap, len);
	d->cfg[off + 1] = 0;
	d->cap_end = off + len;
	if (d->cap_last)
		d->cfg[d->cap_last + 1] = (uint8_t)off;
	else
		d->cfg[PCI_CAP_PTR] = (uint8_t)off;
	d->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	d->cap_last = (uint8_t)off;
	return (int)off;
}

/**
 * vmm_pci_cfg_read() - read configuration space
 * @d: function
 * @off: byte offset
 * @size: 1, 2 or 4 (naturally aligned)
 *
 * Return: the value; all ones for a bad access
 */
uint32_t vmm_pci_cfg_read(struct vmm_pci_dev *d, unsigned off, unsigned size)
{
	uint32_t v = 0;

	if ((size != 1 && size != 2 && size != 4) || off > 256 - size ||
	    (off & (size - 1)))
		return 0xffffffffu;
	memcpy(&v, d->cfg + off, size);
	return v;
}

/**
 * vmm_pci_cfg_write() - write configuration space through the write mask
 * @d: function
 * @off: byte offset
 * @size: 1, 2 or 4 (naturally aligned)
 * @val: value
 */
void vmm_pci_cfg_write(struct vmm_pci_dev *d, unsigned off, unsigned size,
		       uint32_t val)
{
	if ((size != 1 && size != 2 && size != 4) || off > 256 - size ||
	    (off & (size - 1)))
		return;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i)), m = d->wmask[off + i];

		d->cfg[off + i] = (uint8_t)((d->cfg[off + i] & ~m) | (b & m));
	}
	if (d->cfg_write)
		d->cfg_write(d->opaque, off, size);
}

/**
 * vmm_pci_init() - an empty bus with its host bridge
 * @bus: filled
 */
void vmm_pci_init(struct vmm_pci *bus)
{
	memset(bus, 0, sizeof(*bus));
	pthread_mutex_init(&bus->lock, NULL);
	/* Intel 440FX host bridge, class 06 00 00 */
	vmm_pci_dev_init(&bus->host, 0x8086, 0x1237, 0x06000002, 0, 0);
	bus->host.cfg[PCI_INTERRUPT_PIN] = 0;
	bus->dev[0] = &bus->host;
}

/**
 * vmm_pci_attach() - put a function in the first free slot
 * @bus: bus
 * @d: function
 *
 * Return: the slot, or -ENOSPC
 */
int vmm_pci_attach(struct vmm_pci *bus, struct vmm_pci_dev *d)
{
	for (int s = 1; s < VMM_PCI_MAX_DEV; s++) {
		if (!bus->dev[s]) {
			bus->dev[s] = d;
			/* INTA# of slot s: GSI 10 or 11 (not used by MSI-X) */
			d->cfg[PCI_INTERRUPT_LINE] = (uint8_t)(10 + (s & 1));
			return s;
		}
	}
	return -ENOSPC;
}

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
	struct vmm_pci_dev *d = NULL;
	unsigned busno, slot, fn, off;
	uint32_t v = 0;

	if (!write)
		memset(data, 0xff, size);
	if (!bus)
		return;
	pthread_mutex_lock(&bus->lock);
	if (port < 0xcfc) {
		if (port == 0xcf8 && size == 4) {
			if (write)
				memcpy(&bus->addr, data, 4);
			else
				memcpy(data, &bus->addr, 4);
		}
		goto out;
	}
	busno = (bus->addr >> 16) & 0xff;
	slot = (bus->addr >> 11) & 0x1f;
	fn = (bus->addr >> 8) & 7;
	off = (bus->addr & 0xfc) + (port - 0xcfc);
	if (!(bus->addr & 0x80000000u) || busno || fn ||
	    slot >= VMM_PCI_MAX_DEV || !(d = bus->dev[slot]))
		goto out;
	if (write) {
		memcpy(&v, data, size);
		vmm_pci_cfg_write(d, off, size, v);
	} else {
		v = vmm_pci_cfg_read(d, off, size);
		memcpy(data, &v, size);
	}
out:
	pthread_mutex_unlock(&bus->lock);
}

/**
 * vmm_pci_mmio() - an access outside RAM: a BAR of some function?
 * @bus: the bus, or NULL
 * @gpa: address
 * @data: in/out bytes
 * @size: 1 to 8
 * @write: direction
 *
 * Return: true when a BAR took it (else reads are all ones)
 */
bool vmm_pci_mmio(struct vmm_pci *bus, uint64_t gpa, uint8_t *data,
		  unsigned size, bool write)
{
	struct vmm_pci_dev *hit = NULL;
	unsigned hit_bar = 0;
	uint64_t off = 0;

	if (!write)
		memset(data, 0xff, size);
	if (!bus)
		return false;
	pthread_mutex_lock(&bus->lock);
	for (unsigned s = 1; s < VMM_PCI_MAX_DEV && !hit; s++) {
		struct vmm_pci_dev *d = bus->dev[s];

		if (!d || !(d->cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY))
			continue;
		for (unsigned b = 0; b < 6; b++) {
			uint64_t base = vmm_pci_bar_addr(d, b);

			if (d->bar_size[b] && gpa >= base &&
			    gpa - base < d->bar_size[b] &&
			    size <= d->bar_size[b] - (gpa - base)) {
				hit = d;
				hit_bar = b;
				off = gpa - base;
				break;
			}
		}
	}
	pthread_mutex_unlock(&bus->lock);
	if (!hit || !hit->bar_rw)
		return false;
	hit->bar_rw(hit->opaque, hit_bar, off, data, size, write);
	return true;
}
