// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vmm_virtio.c - the virtio 1.x common configuration state machine:
 * feature negotiation, queue set-up and its checks, DRIVER_OK handing the
 * queues to the backend, reset, and a misprogramming driver getting
 * DEVICE_NEEDS_RESET instead of a started backend */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../vmm-glue/vmm_virtio.h"

#define MEM	(16u << 20)
#define F_MAC	(1ull << 5)
#define F_V1	(1ull << 32)
#define F_EVIDX (1ull << 29)

static uint8_t *ram;
static struct vmm_mem mem;
static struct vmm_virtio v;
static int starts, resets, msix_calls, start_ret, moves;

static int be_start(struct vmm_virtio *d)
{
	starts++;
	return start_ret;
}

static void be_reset(struct vmm_virtio *d)
{
	resets++;
}

static void be_msix(struct vmm_virtio *d)
{
	msix_calls++;
}

static void be_bar_moved(struct vmm_virtio *d)
{
	moves++;
}

static const struct vmm_virtio_ops ops = {be_start, be_reset, be_msix,	   NULL,
					  NULL,	    NULL,     be_bar_moved};

static int setup(void **state)
{
	if (!ram)
		ram = calloc(1, MEM);
	assert_int_equal(vmm_mem_init_buf(&mem, ram, MEM), 0);
	starts = resets = msix_calls = start_ret = moves = 0;
	assert_int_equal(vmm_virtio_init(&v, 1, &mem, 0xe0000000u, 2, F_MAC,
					 "abc", 3, &ops, NULL),
			 0);
	return 0;
}

static void wr(unsigned off, uint64_t val, unsigned size)
{
	vmm_virtio_common_write(&v, off, (const uint8_t *)&val, size);
}

static uint64_t rd(unsigned off, unsigned size)
{
	uint64_t val = 0;

	vmm_virtio_common_read(&v, off, (uint8_t *)&val, size);
	return val;
}

static void negotiate(uint64_t feat)
{
	wr(VIO_C_STATUS, 0, 1);
	wr(VIO_C_STATUS, VIO_S_ACKNOWLEDGE | VIO_S_DRIVER, 1);
	wr(VIO_C_GFSELECT, 0, 4);
	wr(VIO_C_GF, (uint32_t)feat, 4);
	wr(VIO_C_GFSELECT, 1, 4);
	wr(VIO_C_GF, feat >> 32, 4);
	wr(VIO_C_STATUS, VIO_S_ACKNOWLEDGE | VIO_S_DRIVER | VIO_S_FEATURES_OK,
	   1);
}

/* A queue at @base: desc, then avail, then used, 16 entries. */
static void queue(unsigned q, uint64_t base, uint16_t size)
{
	wr(VIO_C_Q_SELECT, q, 2);
	wr(VIO_C_Q_SIZE, size, 2);
	wr(VIO_C_Q_DESC, base, 4); /* two halves, as Linux writes them */
	wr(VIO_C_Q_DESC + 4, base >> 32, 4);
	wr(VIO_C_Q_DRIVER, base + 0x1000, 8);
	wr(VIO_C_Q_DEVICE, base + 0x2000, 8);
	wr(VIO_C_Q_MSIX, q + 1, 2);
	wr(VIO_C_Q_ENABLE, 1, 2);
}

static void driver_ok(void)
{
	wr(VIO_C_STATUS,
	   VIO_S_ACKNOWLEDGE | VIO_S_DRIVER | VIO_S_FEATURES_OK |
	       VIO_S_DRIVER_OK,
	   1);
}

/* The normal path: features, queues, DRIVER_OK starts the backend once. */
static void test_happy_path(void **state)
{
	assert_int_equal(rd(VIO_C_NUM_QUEUES, 2), 2);
	wr(VIO_C_DFSELECT, 0, 4);
	assert_int_equal(rd(VIO_C_DF, 4), (uint32_t)F_MAC);
	wr(VIO_C_DFSELECT, 1, 4);
	assert_int_equal(rd(VIO_C_DF, 4), 1); /* VERSION_1 */
	wr(VIO_C_DFSELECT, 7, 4);
	assert_int_equal(rd(VIO_C_DF, 4), 0);
	negotiate(F_MAC | F_V1);
	assert_true(rd(VIO_C_STATUS, 1) & VIO_S_FEATURES_OK);
	wr(VIO_C_Q_SELECT, 0, 2);
	assert_int_equal(rd(VIO_C_Q_SIZE, 2), VIO_QUEUE_MAX);
	assert_int_equal(rd(VIO_C_Q_MSIX, 2), VIO_NO_VECTOR);
	queue(0, 0x100000, 16);
	queue(1, 0x200000, 256);
	assert_int_equal(rd(VIO_C_Q_ENABLE, 2), 1);
	assert_int_equal(rd(VIO_C_Q_DESC, 8), 0x200000);
	assert_int_equal(rd(VIO_C_Q_NOFF, 2), 1);
	assert_int_equal(rd(VIO_C_Q_MSIX, 2), 2);
	driver_ok();
	assert_int_equal(starts, 1);
	assert_true(v.started);
	assert_int_equal(rd(VIO_C_STATUS, 1) & VIO_S_NEEDS_RESET, 0);
	driver_ok(); /* writing it again does not restart */
	assert_int_equal(starts, 1);
	/* queue fields are frozen now */
	wr(VIO_C_Q_SELECT, 0, 2);
	wr(VIO_C_Q_SIZE, 8, 2);
	assert_true(rd(VIO_C_STATUS, 1) & VIO_S_NEEDS_RESET);
	assert_int_equal(v.broken, VIO_BROKEN_LATE_WRITE);
	assert_int_equal(resets, 1); /* backend stopped */
	assert_false(v.started);
	/* reset clears everything; a new negotiation works */
	wr(VIO_C_STATUS, 0, 1);
	assert_int_equal(rd(VIO_C_STATUS, 1), 0);
	assert_int_equal(v.broken, VIO_BROKEN_NONE);
	wr(VIO_C_Q_SELECT, 0, 2);
	assert_int_equal(rd(VIO_C_Q_ENABLE, 2), 0);
	assert_int_equal(rd(VIO_C_Q_SIZE, 2), VIO_QUEUE_MAX);
	negotiate(F_V1);
	queue(0, 0x100000, 16);
	driver_ok();
	assert_int_equal(starts, 2);
	wr(VIO_C_STATUS, 0, 1);
	assert_int_equal(resets, 2);
}

/* Features not offered: FEATURES_OK does not stick, device needs reset,
 * DRIVER_OK starts nothing. */
static void test_unoffered_features(void **state)
{
	negotiate(F_MAC | F_V1 | F_EVIDX);
	assert_int_equal(rd(VIO_C_STATUS, 1) & VIO_S_FEATURES_OK, 0);
	assert_true(rd(VIO_C_STATUS, 1) & VIO_S_NEEDS_RESET);
	assert_int_equal(v.broken, VIO_BROKEN_FEATURES);
	queue(0, 0x100000, 16);
	driver_ok();
	assert_int_equal(starts, 0);
	assert_int_equal(rd(VIO_C_STATUS, 1) & VIO_S_DRIVER_OK, 0);
	/* legacy drivers (no VERSION_1) are refused the same way */
	negotiate(F_MAC);
	assert_int_equal(v.broken, VIO_BROKEN_NO_VERSION_1);
	assert_int_equal(rd(VIO_C_STATUS, 1) & VIO_S_FEATURES_OK, 0);
	/* features cannot change after FEATURES_OK */
	negotiate(F_V1);
	wr(VIO_C_GFSELECT, 0, 4);
	wr(VIO_C_GF, 0xffffffff, 4);
	assert_int_equal(v.guest_features, F_V1);
}

static void expect_broken(enum vio_broken why)
{
	assert_true(rd(VIO_C_STATUS, 1) & VIO_S_NEEDS_RESET);
	assert_int_equal(v.broken, why);
	assert_int_equal(rd(VIO_C_Q_ENABLE, 2), 0);
	driver_ok();
	assert_int_equal(starts, 0);
	assert_int_equal(rd(VIO_C_STATUS, 1) & VIO_S_DRIVER_OK, 0);
	assert_true(v.broken_count[why] >= 1);
}

static void test_bad_queue_size(void **state)
{
	negotiate(F_V1);
	queue(0, 0x100000, 24); /* not a power of two */
	expect_broken(VIO_BROKEN_QUEUE_SIZE);
	negotiate(F_V1);
	queue(0, 0x100000, 0);
	expect_broken(VIO_BROKEN_QUEUE_SIZE);
	negotiate(F_V1);
	queue(0, 0x100000, 512); /* beyond the maximum */
	expect_broken(VIO_BROKEN_QUEUE_SIZE);
}

static void test_bad_queue_addr(void **state)
{
	negotiate(F_V1);
	queue(0, MEM - 0x1800, 16); /* used ring beyond RAM */
	expect_broken(VIO_BROKEN_QUEUE_ADDR);
	negotiate(F_V1);
	queue(0, 0xfffffffffffff000ull, 16); /* wraps */
	expect_broken(VIO_BROKEN_QUEUE_ADDR);
	negotiate(F_V1);
	queue(0, 0x100008, 16); /* descriptor table misaligned */
	expect_broken(VIO_BROKEN_QUEUE_ADDR);
	negotiate(F_V1);
	queue(0, 0xe0000000ull, 16); /* MMIO, not RAM */
	expect_broken(VIO_BROKEN_QUEUE_ADDR);
}

/* The backend refusing the queues breaks the device, not the VMM. */
static void test_backend_refuses(void **state)
{
	start_ret = -EIO;
	negotiate(F_V1);
	queue(0, 0x100000, 16);
	driver_ok();
	assert_int_equal(starts, 1);
	assert_int_equal(v.broken, VIO_BROKEN_BACKEND);
	assert_true(rd(VIO_C_STATUS, 1) & VIO_S_NEEDS_RESET);
	assert_false(v.started);
}

/* Status bits go back only through a reset: a driver that clears
 * DRIVER_OK or FEATURES_OK (and writes something other than 0) gets
 * DEVICE_NEEDS_RESET, the backend stops once and does not start again, and
 * the features stay as negotiated. */
static void test_status_cleared(void **state)
{
	static const uint8_t cleared[] = {
	    VIO_S_ACKNOWLEDGE | VIO_S_DRIVER,
	    VIO_S_ACKNOWLEDGE | VIO_S_DRIVER | VIO_S_DRIVER_OK,
	    VIO_S_ACKNOWLEDGE | VIO_S_DRIVER | VIO_S_FEATURES_OK,
	    VIO_S_DRIVER | VIO_S_FEATURES_OK | VIO_S_DRIVER_OK,
	};

	for (unsigned i = 0; i < sizeof(cleared); i++) {
		starts = resets = 0;
		negotiate(F_MAC | F_V1);
		queue(0, 0x100000, 16);
		driver_ok();
		assert_int_equal(starts, 1);
		wr(VIO_C_STATUS, cleared[i], 1);
		assert_int_equal(v.broken, VIO_BROKEN_STATUS_CLEARED);
		assert_true(rd(VIO_C_STATUS, 1) & VIO_S_NEEDS_RESET);
		assert_false(v.started);
		assert_int_equal(resets, 1);
		/* features frozen: the write is ignored */
		wr(VIO_C_GFSELECT, 1, 4);
		wr(VIO_C_GF, 1u | 1u << 3, 4); /* IN_ORDER, not offered */
		wr(VIO_C_GFSELECT, 0, 4);
		wr(VIO_C_GF, 1u << 26, 4);
		assert_int_equal(v.guest_features, F_MAC | F_V1);
		/* setting the bits again starts nothing */
		driver_ok();
		assert_int_equal(starts, 1);
		assert_false(v.started);
		wr(VIO_C_STATUS, 0, 1);
		assert_int_equal(resets, 1);
		assert_int_equal(v.broken, VIO_BROKEN_NONE);
	}
	/* after a reset it works again */
	negotiate(F_MAC | F_V1);
	queue(0, 0x100000, 16);
	driver_ok();
	assert_int_equal(starts, 2);
	assert_true(v.started);
	/* FAILED and the same bits again are no clearing */
	wr(VIO_C_STATUS,
	   VIO_S_ACKNOWLEDGE | VIO_S_DRIVER | VIO_S_FEATURES_OK |
	       VIO_S_DRIVER_OK | VIO_S_FAILED,
	   1);
	assert_int_equal(v.broken, VIO_BROKEN_NONE);
	assert_true(v.started);
}

/* Where the notify area decodes: BAR0 with memory decoding on; the
 * backend hears of every BAR0 or command write. */
static void test_notify_base(void **state)
{
	assert_int_equal(vmm_virtio_notify_base(&v), 0); /* decoding off */
	vmm_pci_cfg_write(&v.pci, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(moves, 1);
	assert_int_equal(vmm_virtio_notify_base(&v),
			 0xe0000000u + VIO_NOTIFY_OFF);
	vmm_pci_cfg_write(&v.pci, PCI_BAR0, 4, 0xe0800000u);
	assert_int_equal(moves, 2);
	assert_int_equal(vmm_virtio_notify_base(&v),
			 0xe0800000u + VIO_NOTIFY_OFF);
	vmm_pci_cfg_write(&v.pci, PCI_BAR0, 4, 0xffffffffu); /* sizing */
	assert_int_equal(vmm_virtio_notify_base(&v), 0);
	vmm_pci_cfg_write(&v.pci, PCI_BAR0 + 4, 4, 0xe0000000u); /* BAR1 */
	assert_int_equal(moves, 3); /* not BAR0: not told */
	vmm_pci_cfg_write(&v.pci, PCI_INTERRUPT_LINE, 1, 5);
	assert_int_equal(moves, 3);
}

/* Features are written only between DRIVER and FEATURES_OK. */
static void test_features_window(void **state)
{
	wr(VIO_C_STATUS, 0, 1);
	wr(VIO_C_GFSELECT, 0, 4);
	wr(VIO_C_GF, (uint32_t)F_MAC, 4); /* before DRIVER */
	assert_int_equal(v.guest_features, 0);
	wr(VIO_C_STATUS, VIO_S_ACKNOWLEDGE, 1);
	wr(VIO_C_GF, (uint32_t)F_MAC, 4);
	assert_int_equal(v.guest_features, 0);
	wr(VIO_C_STATUS, VIO_S_ACKNOWLEDGE | VIO_S_DRIVER, 1);
	wr(VIO_C_GF, (uint32_t)F_MAC, 4);
	assert_int_equal(v.guest_features, F_MAC);
}

/* Odd accesses: unknown queue index, bad vectors, out of range offsets. */
static void test_odd_accesses(void **state)
{
	uint8_t big[16];

	wr(VIO_C_Q_SELECT, 9, 2);
	assert_int_equal(rd(VIO_C_Q_SIZE, 2), 0);
	wr(VIO_C_Q_SIZE, 16, 2); /* ignored, nothing breaks */
	wr(VIO_C_Q_ENABLE, 1, 2);
	assert_int_equal(v.broken, VIO_BROKEN_NONE);
	wr(VIO_C_MSIX_CONFIG, 77, 2);
	assert_int_equal(rd(VIO_C_MSIX_CONFIG, 2), VIO_NO_VECTOR);
	wr(VIO_C_Q_SELECT, 0, 2);
	wr(VIO_C_Q_MSIX, 1000, 2);
	assert_int_equal(rd(VIO_C_Q_MSIX, 2), VIO_NO_VECTOR);
	memset(big, 0x5a, sizeof(big));
	vmm_virtio_common_read(&v, VIO_COMMON_SIZE - 2, big, 4);
	assert_int_equal(big[0], 0);
	vmm_virtio_common_write(&v, VIO_C_STATUS, big, 16); /* too wide */
	assert_int_equal(rd(VIO_C_STATUS, 1), 0);
	assert_string_equal(vmm_virtio_broken_text(VIO_BROKEN_QUEUE_SIZE),
			    "a queue size is zero or not a power of two");
	/* MSI-X vectors: usable only when enabled and unmasked */
	assert_false(vmm_virtio_vector_usable(&v, 0));
	v.pci.cfg[v.msix_cap + 3] = 0x80;
	assert_false(vmm_virtio_vector_usable(&v, 0)); /* entry masked */
	v.msix[0].ctrl = 0;
	assert_true(vmm_virtio_vector_usable(&v, 0));
	assert_false(vmm_virtio_vector_usable(&v, VIO_MSIX_VECTORS));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_happy_path, setup),
	    cmocka_unit_test_setup(test_unoffered_features, setup),
	    cmocka_unit_test_setup(test_bad_queue_size, setup),
	    cmocka_unit_test_setup(test_bad_queue_addr, setup),
	    cmocka_unit_test_setup(test_backend_refuses, setup),
	    cmocka_unit_test_setup(test_odd_accesses, setup),
	    cmocka_unit_test_setup(test_status_cleared, setup),
	    cmocka_unit_test_setup(test_features_window, setup),
	    cmocka_unit_test_setup(test_notify_base, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(ram);
	return rc;
}
