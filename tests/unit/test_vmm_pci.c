// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vmm_pci.c - vnet-vmm's PCI bus and the virtio-net function's
 * configuration space: mechanism #1 addressing, read-only fields, BAR
 * sizing, the capability chain (MSI-X, virtio common/ISR/device/notify) and
 * BAR decoding */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../vmm-glue/vmm_virtio.h"

static struct vmm_pci bus;
static struct vmm_virtio dev;

static int setup(void **state)
{
	uint8_t cfg[12] = {0x52, 0x54, 0, 1, 2, 3, 1, 0, 1, 0, 0xdc, 0x05};

	vmm_pci_init(&bus);
	assert_int_equal(vmm_virtio_init(&dev, 1, NULL, 0xe0000000u, 2,
					 1ull << 5, cfg, sizeof(cfg), NULL,
					 NULL),
			 0);
	assert_int_equal(vmm_pci_attach(&bus, &dev.pci), 1);
	return 0;
}

/* Read through ports 0xcf8/0xcfc as a guest does. */
static uint32_t cfg_rd(unsigned slot, unsigned off, unsigned size)
{
	uint32_t a = 0x80000000u | slot << 11 | (off & 0xfc), v = 0;
	uint8_t d[4];

	vmm_pci_pio(&bus, 0xcf8, (uint8_t *)&a, 4, true);
	vmm_pci_pio(&bus, (uint16_t)(0xcfc + (off & 3)), d, size, false);
	memcpy(&v, d, size);
	return v;
}

static void cfg_wr(unsigned slot, unsigned off, unsigned size, uint32_t v)
{
	uint32_t a = 0x80000000u | slot << 11 | (off & 0xfc);

	vmm_pci_pio(&bus, 0xcf8, (uint8_t *)&a, 4, true);
	vmm_pci_pio(&bus, (uint16_t)(0xcfc + (off & 3)), (uint8_t *)&v, size,
		    true);
}

static void test_enumeration(void **state)
{
	assert_int_equal(cfg_rd(0, 0, 4), 0x12378086); /* host bridge */
	assert_int_equal(cfg_rd(0, 0x0a, 2), 0x0600);
	assert_int_equal(cfg_rd(1, 0, 4), 0x10411af4); /* virtio-net, modern */
	assert_int_equal(cfg_rd(1, PCI_REVISION, 1), 1);
	assert_int_equal(cfg_rd(1, 0x0a, 2), 0x0200); /* Ethernet */
	assert_int_equal(cfg_rd(1, PCI_SUBSYS_VENDOR, 2), 0x1af4);
	assert_true(cfg_rd(1, PCI_SUBSYS_ID, 2) >= 0x40);
	assert_int_equal(cfg_rd(2, 0, 4), 0xffffffff); /* empty slot */
	assert_int_equal(cfg_rd(31, 0, 2), 0xffff);
	/* a function other than 0, another bus, the enable bit clear */
	{
		uint32_t a = 0x80000100u | 1 << 11;
		uint8_t d[4];

		vmm_pci_pio(&bus, 0xcf8, (uint8_t *)&a, 4, true);
		vmm_pci_pio(&bus, 0xcfc, d, 4, false);
		assert_int_equal(d[0], 0xff);
		a = 0x80010000u | 1 << 11;
		vmm_pci_pio(&bus, 0xcf8, (uint8_t *)&a, 4, true);
		vmm_pci_pio(&bus, 0xcfc, d, 4, false);
		assert_int_equal(d[0], 0xff);
		a = 1 << 11;
		vmm_pci_pio(&bus, 0xcf8, (uint8_t *)&a, 4, true);
		vmm_pci_pio(&bus, 0xcfc, d, 4, false);
		assert_int_equal(d[0], 0xff);
	}
	/* no bus at all */
	{
		uint8_t d[4] = {0};

		vmm_pci_pio(NULL, 0xcfc, d, 4, false);
		assert_int_equal(d[3], 0xff);
	}
}

/* Read-only fields stay; BAR sizing reports the size, keeps alignment. */
static void test_write_mask_and_bar(void **state)
{
	cfg_wr(1, 0, 4, 0xdeadbeef);
	assert_int_equal(cfg_rd(1, 0, 4), 0x10411af4);
	cfg_wr(1, PCI_CAP_PTR, 1, 0);
	assert_int_not_equal(cfg_rd(1, PCI_CAP_PTR, 1), 0);
	assert_int_equal(cfg_rd(1, PCI_BAR0, 4), 0xe0000000u);
	cfg_wr(1, PCI_BAR0, 4, 0xffffffffu);
	assert_int_equal(cfg_rd(1, PCI_BAR0, 4),
			 (uint32_t) ~(VIO_BAR_SIZE - 1));
	cfg_wr(1, PCI_BAR0, 4, 0xe0000123u); /* misaligned: low bits drop */
	assert_int_equal(cfg_rd(1, PCI_BAR0, 4), 0xe0000000u);
	assert_int_equal(cfg_rd(1, PCI_BAR0 + 4, 4), 0); /* BAR1 unused */
	cfg_wr(1, PCI_BAR0 + 4, 4, 0xffffffffu);
	assert_int_equal(cfg_rd(1, PCI_BAR0 + 4, 4), 0);
	/* out-of-range and misaligned accessors refuse */
	assert_int_equal(vmm_pci_cfg_read(&dev.pci, 255, 2), 0xffffffffu);
	assert_int_equal(vmm_pci_cfg_read(&dev.pci, 2, 4), 0xffffffffu);
	vmm_pci_cfg_write(&dev.pci, 254, 4, 0);
	assert_int_equal(vmm_pci_add_bar(&dev.pci, 6, 4096, 0), -EINVAL);
	assert_int_equal(vmm_pci_add_bar(&dev.pci, 1, 5000, 0), -EINVAL);
	assert_int_equal(vmm_pci_add_bar(&dev.pci, 1, 8192, 4096), -EINVAL);
}

/* The chain: every capability dword-aligned inside the space, no loops,
 * MSI-X with its table and PBA in BAR0, the four virtio structures. */
static void test_capabilities(void **state)
{
	unsigned seen[6] = {0}, hops = 0, off;

	assert_true(cfg_rd(1, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	for (off = cfg_rd(1, PCI_CAP_PTR, 1); off;
	     off = cfg_rd(1, off + 1, 1)) {
		assert_true(off >= 0x40 && off <= 0xfc && !(off & 3));
		assert_true(++hops < 16);
		if (cfg_rd(1, off, 1) == PCI_CAP_ID_MSIX) {
			assert_int_equal(cfg_rd(1, off + 2, 2) & 0x7ff,
					 dev.nvec - 1);
			assert_int_equal(cfg_rd(1, off + 4, 4),
					 VIO_MSIX_TBL_OFF); /* BIR 0 */
			assert_int_equal(cfg_rd(1, off + 8, 4),
					 VIO_MSIX_PBA_OFF);
			seen[0]++;
		} else if (cfg_rd(1, off, 1) == PCI_CAP_ID_VNDR) {
			unsigned type = cfg_rd(1, off + 3, 1);
			unsigned len = cfg_rd(1, off + 2, 1);
			uint32_t o = cfg_rd(1, off + 8, 4);
			uint32_t l = cfg_rd(1, off + 12, 4);

			assert_in_range(type, 1, 4);
			assert_int_equal(cfg_rd(1, off + 4, 1), 0); /* BAR0 */
			assert_int_equal(len, type == 2 ? 20 : 16);
			assert_true(o + l <= VIO_BAR_SIZE);
			if (type == 1)
				assert_true(l >= VIO_COMMON_SIZE);
			if (type == 2) {
				assert_int_equal(cfg_rd(1, off + 16, 4),
						 VIO_NOTIFY_MULT);
				assert_true(l >= 2 * VIO_NOTIFY_MULT);
			}
			seen[type]++;
		}
	}
	for (unsigned t = 0; t <= 4; t++)
		assert_int_equal(seen[t], 1);
	/* MSI-X enable is writable, the table size is not */
	off = dev.msix_cap;
	cfg_wr(1, off + 2, 2, 0xffff);
	assert_int_equal(cfg_rd(1, off + 2, 2), 0xc000 | (dev.nvec - 1));
	assert_false(vmm_virtio_msix_enabled(&dev)); /* function masked */
	cfg_wr(1, off + 2, 2, 0x8000);
	assert_true(vmm_virtio_msix_enabled(&dev));
}

/* BAR accesses reach the device only while memory decoding is on. */
static void test_bar_decode(void **state)
{
	uint8_t d[8];

	assert_false(
	    vmm_pci_mmio(&bus, 0xe0000000u + VIO_C_NUM_QUEUES, d, 2, false));
	assert_int_equal(d[0], 0xff);
	cfg_wr(1, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_true(
	    vmm_pci_mmio(&bus, 0xe0000000u + VIO_C_NUM_QUEUES, d, 2, false));
	assert_int_equal(d[0], 2);
	assert_int_equal(d[1], 0);
	/* device config: the MAC */
	assert_true(
	    vmm_pci_mmio(&bus, 0xe0000000u + VIO_DEVICE_OFF, d, 4, false));
	assert_int_equal(d[0], 0x52);
	assert_int_equal(d[3], 1);
	/* past the BAR, straddling its end */
	assert_false(
	    vmm_pci_mmio(&bus, 0xe0000000u + VIO_BAR_SIZE, d, 4, false));
	assert_false(
	    vmm_pci_mmio(&bus, 0xe0000000u + VIO_BAR_SIZE - 2, d, 4, false));
	/* the BAR moved: the old address no longer decodes */
	cfg_wr(1, PCI_BAR0, 4, 0xe0100000u);
	assert_false(vmm_pci_mmio(&bus, 0xe0000000u, d, 4, false));
	assert_true(vmm_pci_mmio(&bus, 0xe0100000u, d, 4, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_enumeration, setup),
	    cmocka_unit_test_setup(test_write_mask_and_bar, setup),
	    cmocka_unit_test_setup(test_capabilities, setup),
	    cmocka_unit_test_setup(test_bar_decode, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
