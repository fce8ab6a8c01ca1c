// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vmm_vfio.c - the configuration space and MSI-X table a guest sees
 * of a passed-through function, against a fake device shaped like an
 * igbvf VF (8086:10ca; BAR0 16 KiB, BAR3 16 KiB 64-bit with the MSI-X
 * table at 0 and the PBA at 0x2000; capabilities MSI-X, MSI, PCI
 * Express): BAR sizing and relocation, the command bits that reach the
 * device, read-only capabilities with MSI hidden, MSI-X enable and table
 * emulation, the emulated PBA (an interrupt on a masked vector held and
 * delivered once on unmask), accesses outside both passed on, and hostile
 * configuration spaces (capability loops, tables outside their BAR). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../vmm-glue/vmm_vfio.h"

#define BASE 0xe1000000ull

static uint8_t real[256];
static uint16_t real_cmd_written;
static int cfg_writes, msix_changes, bar_calls, read_fails;
static struct {
	unsigned bar;
	uint64_t off;
	bool write;
} last_bar;
static uint64_t moved[6];
static int moves[6];
static struct vmm_pci bus;
static struct vmm_vfio_pci v;
static const uint64_t sizes[6] = {16384, 0, 0, 16384, 0, 0};

static int fk_cfg_read(void *o, unsigned off, void *buf, unsigned len)
{
	if (read_fails || off > 256 || len > 256 - off)
		return -EIO;
	memcpy(buf, real + off, len);
	return 0;
}

static int fk_cfg_write(void *o, unsigned off, const void *buf, unsigned len)
{
	assert_int_equal(off, PCI_COMMAND); /* nothing else reaches it */
	assert_int_equal(len, 2);
	memcpy(&real_cmd_written, buf, 2);
	memcpy(real + off, buf, len);
	cfg_writes++;
	return 0;
}

static void fk_bar_rw(void *o, unsigned bar, uint64_t off, uint8_t *data,
		      unsigned size, bool write)
{
	bar_calls++;
	last_bar.bar = bar;
	last_bar.off = off;
	last_bar.write = write;
	if (!write)
		memset(data, 0xab, size);
}

static void fk_bar_moved(void *o, unsigned bar, uint64_t gpa)
{
	moved[bar] = gpa;
	moves[bar]++;
}

static uint32_t held; /* signals in the fake's detached eventfds */
static unsigned delivered[4];

/* As vmm_vfio_dev.c: re-attaching a usable vector's irqfd turns what its
 * eventfd held into the pending bit. */
static void fk_msix_changed(void *o)
{
	msix_changes++;
	for (unsigned i = 0; i < v.msix.nvec; i++) {
		if ((held & (1u << i)) && vmm_vfio_vector_usable(&v, i)) {
			held &= ~(1u << i);
			v.msix.pba |= 1u << i;
		}
	}
}

static void fk_signal(void *o, unsigned vec)
{
	assert_true(vmm_vfio_vector_usable(&v, vec));
	delivered[vec]++;
}

static uint32_t fk_pending(void *o)
{
	return held;
}

static const struct vmm_vfio_pci_ops ops = {
    fk_cfg_read,     fk_cfg_write, fk_bar_rw, fk_bar_moved,
    fk_msix_changed, fk_signal,	   fk_pending};

static void put16(unsigned off, uint16_t x)
{
	memcpy(real + off, &x, 2);
}

static void put32(unsigned off, uint32_t x)
{
	memcpy(real + off, &x, 4);
}

/* An igbvf-like VF as vfio-pci presents it. */
static void fake_vf(void)
{
	memset(real, 0, sizeof(real));
	put16(0x00, 0x8086);
	put16(0x02, 0x10ca);
	put32(0x08, 0x02000001);
	put16(0x06, PCI_STATUS_CAP_LIST);
	put16(0x04, 0x0000);
	put32(0x10, 0x0000000c); /* BAR0: 32-bit prefetch... as read */
	put32(0x10, 0x00000000); /* plain 32-bit memory */
	put32(0x1c, 0x0000000c); /* BAR3: 64-bit, prefetchable */
	put32(0x20, 0x00000000);
	put16(0x2c, 0x8086);
	put16(0x2e, 0x0001);
	real[PCI_CAP_PTR] = 0x70;
	/* MSI-X at 0x70: 3 entries, table BAR3+0, PBA BAR3+0x2000 */
	real[0x70] = PCI_CAP_ID_MSIX;
	real[0x71] = 0x50;
	put16(0x72, 2);
	put32(0x74, 0x00000003);
	put32(0x78, 0x00002003);
	/* MSI at 0x50: hidden */
	real[0x50] = PCI_CAP_ID_MSI;
	real[0x51] = 0xa0;
	/* PCI Express at 0xa0, the end */
	real[0xa0] = PCI_CAP_ID_EXP;
	real[0xa1] = 0;
	put16(0xa2, 0x0002);
}

static int setup(void **state)
{
	uint64_t end = 0xfe000000ull;
	char err[200];

	fake_vf();
	cfg_writes = msix_changes = bar_calls = read_fails = 0;
	held = 0;
	memset(delivered, 0, sizeof(delivered));
	memset(moved, 0, sizeof(moved));
	memset(moves, 0, sizeof(moves));
	vmm_pci_init(&bus);
	assert_int_equal(vmm_vfio_pci_init(&v, sizes, BASE, &end, &ops, NULL,
					   err, sizeof(err)),
			 0);
	assert_true(end > BASE);
	assert_int_equal(vmm_pci_attach(&bus, &v.pci), 1);
	return 0;
}

static uint32_t cfg_rd(unsigned off, unsigned size)
{
	uint32_t addr = 0x80000000u | 1u << 11 | (off & 0xfc), val = 0;

	vmm_pci_pio(&bus, 0xcf8, (uint8_t *)&addr, 4, true);
	vmm_pci_pio(&bus, (uint16_t)(0xcfc + (off & 3)), (uint8_t *)&val, size,
		    false);
	return val;
}

static void cfg_wr(unsigned off, unsigned size, uint32_t val)
{
	uint32_t addr = 0x80000000u | 1u << 11 | (off & 0xfc);

	vmm_pci_pio(&bus, 0xcf8, (uint8_t *)&addr, 4, true);
	vmm_pci_pio(&bus, (uint16_t)(0xcfc + (off & 3)), (uint8_t *)&val, size,
		    true);
}

static void test_identity(void **state)
{
	assert_int_equal(cfg_rd(0, 4), 0x10ca8086);
	assert_int_equal(cfg_rd(0x08, 4), 0x02000001);
	assert_int_equal(cfg_rd(0x2c, 4), 0x00018086);
	assert_int_equal(cfg_rd(PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(cfg_rd(PCI_INTERRUPT_PIN, 1), 0); /* no INTx */
	assert_int_equal(cfg_rd(PCI_ROM_ADDRESS, 4), 0);
	/* read-only: identity, status, ROM, pin */
	cfg_wr(0, 4, 0x12345678);
	cfg_wr(PCI_STATUS, 2, 0xffff);
	cfg_wr(PCI_ROM_ADDRESS, 4, 0xffffffff);
	cfg_wr(PCI_INTERRUPT_PIN, 1, 1);
	assert_int_equal(cfg_rd(0, 4), 0x10ca8086);
	assert_int_equal(cfg_rd(PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	assert_int_equal(cfg_rd(PCI_ROM_ADDRESS, 4), 0);
	assert_int_equal(cfg_rd(PCI_INTERRUPT_PIN, 1), 0);
	cfg_wr(PCI_INTERRUPT_LINE, 1, 11);
	assert_int_equal(cfg_rd(PCI_INTERRUPT_LINE, 1), 11);
	assert_int_equal(cfg_writes, 0);
}

/* BAR sizing as Linux does it, relocation, 64-bit halves, decoding. */
static void test_bars(void **state)
{
	uint32_t b0 = cfg_rd(0x10, 4), b3 = cfg_rd(0x1c, 4);

	assert_int_equal(b0 & 0xf, 0);
	assert_int_equal(b3 & 0xf, 0xc);
	assert_int_equal(b0 & 0x3fff, 0);
	assert_true((b0 & ~0xfu) >= BASE && (b3 & ~0xfu) > (b0 & ~0xfu));
	assert_int_equal(cfg_rd(0x20, 4), 0);
	/* unused BARs are 0 and stay 0 */
	cfg_wr(0x14, 4, 0xffffffff);
	assert_int_equal(cfg_rd(0x14, 4), 0);
	/* sizing */
	cfg_wr(0x10, 4, 0xffffffff);
	assert_int_equal(cfg_rd(0x10, 4), 0xffffc000);
	cfg_wr(0x1c, 4, 0xffffffff);
	cfg_wr(0x20, 4, 0xffffffff);
	assert_int_equal(cfg_rd(0x1c, 4), 0xffffc00c);
	assert_int_equal(cfg_rd(0x20, 4), 0xffffffff);
	/* nothing was mapped: decoding is off */
	assert_int_equal(moves[0] + moves[3], 0);
	/* the guest places them and turns memory decoding on */
	cfg_wr(0x10, 4, 0xf0000000);
	cfg_wr(0x1c, 4, 0x00010000);
	cfg_wr(0x20, 4, 0x1);
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(moved[0], 0xf0000000);
	assert_int_equal(moved[3], 0x100010000ull);
	assert_int_equal(vmm_pci_bar_addr(&v.pci, 3), 0x100010000ull);
	/* a trapped access lands at the right BAR and offset */
	{
		uint8_t d[4];

		assert_true(
		    vmm_pci_mmio(&bus, 0xf0000000ull + 0x20, d, 4, false));
		assert_int_equal(last_bar.bar, 0);
		assert_int_equal(last_bar.off, 0x20);
		assert_int_equal(d[0], 0xab);
	}
	/* sizing again while decoding is on unmaps it, restoring remaps */
	cfg_wr(0x10, 4, 0xffffffff);
	assert_int_equal(moved[0], 0);
	cfg_wr(0x10, 4, 0xf0004000);
	assert_int_equal(moved[0], 0xf0004000);
	/* a misaligned address is not mapped */
	cfg_wr(PCI_COMMAND, 2, 0);
	assert_int_equal(moved[0], 0);
	assert_int_equal(moved[3], 0);
}

/* Only memory, bus master and INTx-disable reach the device. */
static void test_command(void **state)
{
	cfg_wr(PCI_COMMAND, 2, 0xffff);
	assert_int_equal(cfg_rd(PCI_COMMAND, 2), PCI_COMMAND_MEMORY |
						     PCI_COMMAND_MASTER |
						     PCI_COMMAND_INTX_OFF);
	assert_int_equal(cfg_writes, 1);
	assert_int_equal(real_cmd_written, PCI_COMMAND_MEMORY |
					       PCI_COMMAND_MASTER |
					       PCI_COMMAND_INTX_OFF);
	cfg_wr(PCI_COMMAND, 2, 0xffff); /* unchanged: no write */
	assert_int_equal(cfg_writes, 1);
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
	assert_int_equal(real_cmd_written, PCI_COMMAND_MASTER);
	assert_int_equal(cfg_writes, 2);
}

/* The chain: MSI-X, then PCI Express; MSI is not in it. */
static void test_capabilities(void **state)
{
	unsigned off = cfg_rd(PCI_CAP_PTR, 1), ids[8], n = 0;

	while (off && n < 8) {
		ids[n++] = cfg_rd(off, 1);
		off = cfg_rd(off + 1, 1);
	}
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], PCI_CAP_ID_MSIX);
	assert_int_equal(ids[1], PCI_CAP_ID_EXP);
	assert_int_equal(v.hidden, 1);
	/* read-only: PCI Express fields, MSI-X table size and location */
	cfg_wr(0xa4, 4, 0xffffffff);
	assert_int_equal(cfg_rd(0xa4, 4), 0);
	cfg_wr(0x74, 4, 0x1234);
	assert_int_equal(cfg_rd(0x74, 4), 3);
	assert_int_equal(cfg_rd(0x72, 2), 2); /* 3 vectors */
	assert_int_equal(v.msix.nvec, 3);
	assert_int_equal(v.msix.table_bar, 3);
	assert_int_equal(v.msix.pba_off, 0x2000);
	assert_int_equal(cfg_writes, 0);
}

static uint32_t tbl_rd(uint64_t off)
{
	uint32_t d = 0;

	assert_true(vmm_pci_mmio(&bus, vmm_pci_bar_addr(&v.pci, 3) + off,
				 (uint8_t *)&d, 4, false));
	return d;
}

static void tbl_wr(uint64_t off, uint32_t val)
{
	assert_true(vmm_pci_mmio(&bus, vmm_pci_bar_addr(&v.pci, 3) + off,
				 (uint8_t *)&val, 4, true));
}

static void test_msix(void **state)
{
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	/* entries start masked */
	assert_int_equal(tbl_rd(12), 1);
	assert_false(vmm_vfio_vector_usable(&v, 0));
	/* the guest programs entry 1 and unmasks it; the device never sees
	 * the table */
	tbl_wr(16, 0xfee01000);
	tbl_wr(20, 0);
	tbl_wr(24, 0x4041);
	tbl_wr(28, 0xfffffffe); /* reserved bits dropped */
	assert_int_equal(tbl_rd(16), 0xfee01000);
	assert_int_equal(tbl_rd(24), 0x4041);
	assert_int_equal(tbl_rd(28), 0);
	assert_int_equal(bar_calls, 0);
	assert_int_equal(msix_changes, 4);
	assert_false(vmm_vfio_vector_usable(&v, 1)); /* MSI-X still off */
	/* enable, then function mask */
	cfg_wr(0x72, 2, 0x8000);
	assert_int_equal(msix_changes, 5);
	assert_true(vmm_vfio_msix_enabled(&v));
	assert_true(vmm_vfio_vector_usable(&v, 1));
	assert_false(vmm_vfio_vector_usable(&v, 0));
	assert_false(vmm_vfio_vector_usable(&v, 3)); /* beyond the table */
	cfg_wr(0x72, 2, 0xc000);
	assert_false(vmm_vfio_vector_usable(&v, 1));
	assert_int_equal(cfg_rd(0x72, 2), 0xc002);
	/* odd accesses to the table: ignored, read as 0 */
	{
		uint16_t h = 0x1234;

		assert_true(vmm_pci_mmio(&bus, vmm_pci_bar_addr(&v.pci, 3) + 16,
					 (uint8_t *)&h, 2, true));
		assert_int_equal(tbl_rd(16), 0xfee01000);
		assert_int_equal(tbl_rd(3 * 16), 0xabababab); /* past it */
	}
	/* the PBA is emulated; the rest of the BAR is the device's */
	bar_calls = 0;
	assert_int_equal(tbl_rd(0x2000), 0);
	assert_int_equal(tbl_rd(0x2008), 0xabababab);
	assert_int_equal(last_bar.bar, 3);
	assert_int_equal(last_bar.off, 0x2008);
	tbl_wr(0x3000, 5);
	assert_true(last_bar.write);
	assert_int_equal(bar_calls, 2);
	assert_true(vmm_vfio_in_pba(&v, 3, 0x2004, 4));
	assert_false(vmm_vfio_in_pba(&v, 3, 0x2008, 4));
	assert_false(vmm_vfio_in_pba(&v, 0, 0x2000, 4));
	assert_true(vmm_vfio_in_table(&v, 3, 0x2c, 4));
	assert_false(vmm_vfio_in_table(&v, 3, 0x30, 4));
	assert_false(vmm_vfio_in_table(&v, 0, 0x0, 4));
}

/* A masked vector's interrupt is pending (PBA bit), not lost: delivered
 * once when the entry or the function is unmasked. */
static void test_msix_pending(void **state)
{
	uint64_t q = 0;

	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	cfg_wr(0x72, 2, 0x8000);
	tbl_wr(16, 0xfee01000);
	tbl_wr(24, 0x4041);
	/* entry 1 masked (reset state): the device signals it */
	held = 1u << 1;
	assert_int_equal(tbl_rd(0x2000), 1u << 1);
	assert_true(vmm_pci_mmio(&bus, vmm_pci_bar_addr(&v.pci, 3) + 0x2000,
				 (uint8_t *)&q, 8, false));
	assert_int_equal(q, 1u << 1);
	tbl_wr(0x2000, 0); /* read-only */
	assert_int_equal(tbl_rd(0x2000), 1u << 1);
	assert_int_equal(delivered[1], 0);
	tbl_wr(28, 0); /* unmask: delivered once */
	assert_int_equal(delivered[1], 1);
	assert_int_equal(tbl_rd(0x2000), 0);
	tbl_wr(24, 0x4041);
	assert_int_equal(delivered[1], 1);
	/* function mask holds it too */
	cfg_wr(0x72, 2, 0xc000);
	held = 1u << 1;
	assert_int_equal(tbl_rd(0x2000), 1u << 1);
	cfg_wr(0x72, 2, 0x8000);
	assert_int_equal(delivered[1], 2);
	assert_int_equal(tbl_rd(0x2000), 0);
	assert_int_equal(delivered[0] + delivered[2], 0);
}

/* Hostile or unusual configuration spaces. */
/* A function whose real MSI-X table is larger than the 32 vectors
 * offered: 512 entries (8 KiB, two pages) at BAR3+0, its PBA in BAR0.
 * All of the table traps (both pages are left out of the mapping) and no
 * access to it reaches the device, not even past the entries offered. */
static void test_msix_big_table(void **state)
{
	uint64_t end = 0xfe000000ull, lo, hi;
	char err[200];

	put16(0x72, 511);
	put32(0x78, 0x00000000); /* PBA at BAR0+0 */
	vmm_pci_init(&bus);
	assert_int_equal(vmm_vfio_pci_init(&v, sizes, BASE, &end, &ops, NULL,
					   err, sizeof(err)),
			 0);
	assert_int_equal(vmm_pci_attach(&bus, &v.pci), 1);
	assert_int_equal(v.msix.nvec, VMM_VFIO_MAX_VECTORS);
	assert_int_equal(v.msix.table_n, 512);
	assert_int_equal(cfg_rd(0x72, 2) & 0x7ff, VMM_VFIO_MAX_VECTORS - 1);
	vmm_vfio_trap_span(&v, 3, 4096, &lo, &hi);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0x2000);
	vmm_vfio_trap_span(&v, 0, 4096, &lo, &hi); /* the PBA's page */
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0x1000);
	vmm_vfio_trap_span(&v, 1, 4096, &lo, &hi); /* unused: nothing */
	assert_int_equal(lo, hi);
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	bar_calls = 0;
	tbl_wr(100 * 16 + 8, 0x4041); /* entry 100: not offered */
	assert_int_equal(tbl_rd(100 * 16 + 8), 0);
	tbl_wr(511 * 16 + 12, 0);
	assert_int_equal(bar_calls, 0);
	tbl_wr(31 * 16 + 8, 0x4041); /* the last one offered */
	assert_int_equal(tbl_rd(31 * 16 + 8), 0x4041);
	tbl_rd(0x2000); /* past the table: the device's */
	assert_int_equal(bar_calls, 1);
}

/* VFIO signals fewer vectors than the table has: the guest reads the
 * smaller table size, and the entries past it are not the device's. */
static void test_msix_limit(void **state)
{
	assert_int_equal(cfg_rd(0x72, 2) & 0x7ff, 2);
	vmm_vfio_msix_limit(&v, 8); /* more than offered: no change */
	assert_int_equal(v.msix.nvec, 3);
	vmm_vfio_msix_limit(&v, 2);
	assert_int_equal(v.msix.nvec, 2);
	assert_int_equal(cfg_rd(0x72, 2) & 0x7ff, 1);
	cfg_wr(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	cfg_wr(0x72, 2, 0x8000);
	assert_int_equal(cfg_rd(0x72, 2), 0x8001);
	bar_calls = 0;
	tbl_wr(2 * 16 + 8, 0x4041); /* entry 2: no longer offered */
	assert_int_equal(tbl_rd(2 * 16 + 8), 0);
	assert_int_equal(bar_calls, 0);
	assert_false(vmm_vfio_vector_usable(&v, 2));
}

static void test_bad_devices(void **state)
{
	uint64_t end;
	char err[200];
	uint64_t big[6] = {16384, 0, 0, 16384, 0, 0};

	/* a capability loop ends; the chain has what was seen */
	fake_vf();
	real[0xa1] = 0x70;
	end = 0xfe000000ull;
	assert_int_equal(
	    vmm_vfio_pci_init(&v, sizes, BASE, &end, &ops, NULL, err, 200), 0);
	/* a capability pointer into the header is the end */
	fake_vf();
	real[PCI_CAP_PTR] = 0x10;
	end = 0xfe000000ull;
	assert_int_equal(
	    vmm_vfio_pci_init(&v, sizes, BASE, &end, &ops, NULL, err, 200), 0);
	assert_int_equal(v.pci.cfg[PCI_CAP_PTR], 0);
	assert_int_equal(v.pci.cfg[PCI_STATUS] & PCI_STATUS_CAP_LIST, 0);
	/* an MSI-X table outside its BAR */
	fake_vf();
	put32(0x74, 0x00003ff3);
	end = 0xfe000000ull;
	assert_int_equal(
	    vmm_vfio_pci_init(&v, sizes, BASE, &end, &ops, NULL, err, 200),
	    -EINVAL);
	/* in a BAR that does not exist */
	fake_vf();
	put32(0x74, 0x00000001);
	end = 0xfe000000ull;
	assert_int_equal(
	    vmm_vfio_pci_init(&v, sizes, BASE, &end, &ops, NULL, err, 200),
	    -EINVAL);
	/* 2048 vectors: 32 offered */
	fake_vf();
	put16(0x72, 0x7ff);
	big[3] = 65536;
	end = 0xfe000000ull;
	assert_int_equal(
	    vmm_vfio_pci_init(&v, big, BASE, &end, &ops, NULL, err, 200), 0);
	assert_int_equal(v.msix.nvec, VMM_VFIO_MAX_VECTORS);
	assert_int_equal(v.pci.cfg[0x72], VMM_VFIO_MAX_VECTORS - 1);
	/* a bridge, unreadable space, no room, a BAR not a power of two */
	fake_vf();
	real[PCI_HEADER_TYPE] = 1;
	end = 0xfe000000ull;
	assert_int_equal(
	    vmm_vfio_pci_init(&v, sizes, BASE, &end, &ops, NULL, err, 200),
	    -EINVAL);
	fake_vf();
	read_fails = 1;
	assert_int_equal(
	    vmm_vfio_pci_init(&v, sizes, BASE, &end, &ops, NULL, err, 200),
	    -EIO);
	read_fails = 0;
	end = BASE + 0x4000;
	assert_int_equal(
	    vmm_vfio_pci_init(&v, sizes, BASE, &end, &ops, NULL, err, 200),
	    -ENOSPC);
	big[0] = 12288;
	end = 0xfe000000ull;
	assert_int_equal(
	    vmm_vfio_pci_init(&v, big, BASE, &end, &ops, NULL, err, 200),
	    -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_identity, setup),
	    cmocka_unit_test_setup(test_bars, setup),
	    cmocka_unit_test_setup(test_command, setup),
	    cmocka_unit_test_setup(test_capabilities, setup),
	    cmocka_unit_test_setup(test_msix, setup),
	    cmocka_unit_test_setup(test_msix_pending, setup),
	    cmocka_unit_test_setup(test_bad_devices, setup),
	    cmocka_unit_test_setup(test_msix_big_table, setup),
	    cmocka_unit_test_setup(test_msix_limit, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
