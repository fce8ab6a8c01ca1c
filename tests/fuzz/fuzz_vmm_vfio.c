// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vmm_vfio.c - libFuzzer target: a passed-through function whose real
 * configuration space is arbitrary (the first 256 bytes of the input: a
 * device the guest made misbehave) and a guest that then touches its
 * configuration space and BARs with arbitrary accesses.  Invariants: only
 * the command register of the device is ever written, identity fields stay
 * what the device said, a BAR is only ever mapped at an address aligned to
 * its size, at most VMM_VFIO_MAX_VECTORS vectors are offered, the
 * emulated table and PBA never reach the device, only usable vectors are
 * delivered and no pending bit stays set on a usable vector. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm-glue/vmm_vfio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t real[256];
static struct vmm_vfio_pci dev;

static int fz_cfg_read(void *o, unsigned off, void *buf, unsigned len)
{
	if (off > sizeof(real) || len > sizeof(real) - off)
		abort();
	memcpy(buf, real + off, len);
	return 0;
}

static int fz_cfg_write(void *o, unsigned off, const void *buf, unsigned len)
{
	if (off != PCI_COMMAND || len != 2)
		abort();
	return 0;
}

static void fz_bar_rw(void *o, unsigned bar, uint64_t off, uint8_t *data,
		      unsigned size, bool write)
{
	if (bar > 5 || !dev.bar[bar].size || off >= dev.bar[bar].size ||
	    size > dev.bar[bar].size - off ||
	    vmm_vfio_in_table(&dev, bar, off, size) ||
	    vmm_vfio_in_pba(&dev, bar, off, size))
		abort();
	if (!write)
		memset(data, 0, size);
}

static void fz_bar_moved(void *o, unsigned bar, uint64_t gpa)
{
	if (bar > 5 || !dev.bar[bar].size || (gpa & (dev.bar[bar].size - 1)))
		abort();
}

static uint32_t held; /* "signals in detached eventfds" */

static void fz_msix_changed(void *o)
{
	for (unsigned i = 0; i < VMM_VFIO_MAX_VECTORS + 2; i++) {
		if (vmm_vfio_vector_usable(&dev, i) && (held & (1u << i))) {
			held &= ~(1u << i);
			dev.msix.pba |= 1u << i;
		}
	}
}

static void fz_signal(void *o, unsigned vec)
{
	if (!vmm_vfio_vector_usable(&dev, vec))
		abort();
}

static uint32_t fz_pending(void *o)
{
	return held;
}

static const struct vmm_vfio_pci_ops ops = {
    fz_cfg_read,     fz_cfg_write, fz_bar_rw, fz_bar_moved,
    fz_msix_changed, fz_signal,	   fz_pending};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmm_pci bus;
	uint64_t sizes[6], end = 0xfe000000ull;
	uint16_t vendor, device;
	char err[200];

	if (size < sizeof(real) + 6)
		return 0;
	memcpy(real, data, sizeof(real));
	/* BAR sizes from six bytes: 0, or 16 B to 64 KiB */
	for (unsigned b = 0; b < 6; b++)
		sizes[b] =
		    data[256 + b] % 13 ? 8ull << (data[256 + b] % 13) : 0;
	data += sizeof(real) + 6;
	size -= sizeof(real) + 6;
	vmm_pci_init(&bus);
	held = 0x5;
	if (vmm_vfio_pci_init(&dev, sizes, 0xe1000000ull, &end, &ops, NULL, err,
			      sizeof(err)))
		return 0;
	if (dev.msix.cap &&
	    (!dev.msix.nvec || dev.msix.nvec > VMM_VFIO_MAX_VECTORS))
		abort();
	if (vmm_pci_attach(&bus, &dev.pci) != 1)
		abort();
	memcpy(&vendor, dev.pci.cfg, 2);
	memcpy(&device, dev.pci.cfg + 2, 2);
	/* each access: op (size, write, BAR or configuration space),
	 * offset (2 bytes), value (8 bytes) */
	for (size_t i = 0; i + 11 <= size; i += 11) {
		const uint8_t *a = data + i;
		unsigned sz = 1u << (a[0] & 3), off = a[1] | a[2] << 8;
		uint8_t val[8];

		memcpy(val, a + 3, 8);
		if (a[0] & 0x20) { /* a BAR: bits 6, 7 and 3 say which */
			unsigned b = ((a[0] >> 6) | (a[0] & 0x8) >> 1) % 6;
			uint64_t base = vmm_pci_bar_addr(&dev.pci, b);

			if (base)
				(void)vmm_pci_mmio(&bus, base + off, val, sz,
						   a[0] & 0x10);
		} else {
			uint32_t addr = 0x80000000u | 1u << 11 | (off & 0xfc);

			vmm_pci_pio(&bus, 0xcf8, (uint8_t *)&addr, 4, true);
			vmm_pci_pio(&bus, (uint16_t)(0xcfc + (off & 3)), val,
				    sz > 4 ? 4 : sz, a[0] & 0x10);
		}
		if (memcmp(&vendor, dev.pci.cfg, 2) ||
		    memcmp(&device, dev.pci.cfg + 2, 2))
			abort();
		for (unsigned v = 0; v < dev.msix.nvec; v++)
			if ((dev.msix.pba & (1u << v)) &&
			    vmm_vfio_vector_usable(&dev, v))
				abort();
	}
	return 0;
}
