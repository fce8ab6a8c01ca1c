// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vmm_msix.c - MSI-X masking in the virtio PCI transport: an
 * interrupt raised while its vector is masked (entry mask, function mask)
 * is held as a pending bit the guest reads in the PBA and delivered once
 * on unmask, as is one a backend holds in a detached irqfd's eventfd */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../vmm-glue/vmm_virtio.h"

#define MEM (16u << 20)

static uint8_t *ram;
static struct vmm_mem mem;
static struct vmm_virtio v;
static unsigned delivered[VIO_MSIX_VECTORS];
static uint32_t held; /* what the backend's detached eventfds hold */

static int be_start(struct vmm_virtio *d)
{
	return 0;
}

static void be_reset(struct vmm_virtio *d)
{
}

/* As vmm_net.c: re-attaching a vector's irqfd hands its eventfd's count
 * to the transport as the pending bit. */
static void be_msix(struct vmm_virtio *d)
{
	for (uint16_t i = 0; i < d->nvec; i++) {
		if ((held & (1u << i)) && vmm_virtio_vector_usable(d, i)) {
			held &= ~(1u << i);
			d->pba |= 1u << i;
		}
	}
}

static void be_signal(struct vmm_virtio *d, uint16_t vector)
{
	delivered[vector]++;
}

static uint32_t be_pending(struct vmm_virtio *d)
{
	return held;
}

static const struct vmm_virtio_ops ops = {
    .start = be_start,
    .reset = be_reset,
    .msix = be_msix,
    .signal = be_signal,
    .pending = be_pending,
};

static int setup(void **state)
{
	if (!ram)
		ram = calloc(1, MEM);
	assert_int_equal(vmm_mem_init_buf(&mem, ram, MEM), 0);
	memset(delivered, 0, sizeof(delivered));
	held = 0;
	assert_int_equal(vmm_virtio_init(&v, 1, &mem, 0xe0000000u, 2, 0, "abc",
					 3, &ops, NULL),
			 0);
	return 0;
}

static void bar(uint64_t off, void *data, unsigned size, bool write)
{
	v.pci.bar_rw(v.pci.opaque, 0, off, data, size, write);
}

static uint32_t pba(void)
{
	uint32_t bits = 0xdeadbeef;

	bar(VIO_MSIX_PBA_OFF, &bits, 4, false);
	return bits;
}

/* The guest's MSI-X control word (enable 0x8000, function mask 0x4000). */
static void msix_ctl(uint16_t val)
{
	vmm_pci_cfg_write(&v.pci, v.msix_cap + 2, 2, val);
}

static void entry_mask(unsigned vec, bool masked)
{
	uint32_t ctrl = masked;

	bar(VIO_MSIX_TBL_OFF + 16 * vec + 12, &ctrl, 4, true);
}

/* Masked entry: the interrupt is held, the PBA shows it, unmasking
 * delivers it exactly once and clears the bit. */
static void test_entry_mask(void **state)
{
	uint64_t q = 0;

	msix_ctl(0x8000);
	entry_mask(1, false);
	pthread_mutex_lock(&v.lock);
	vmm_virtio_interrupt(&v, 1);
	pthread_mutex_unlock(&v.lock);
	assert_int_equal(delivered[1], 1); /* unmasked: at once */
	assert_int_equal(pba(), 0);

	entry_mask(1, true);
	pthread_mutex_lock(&v.lock);
	vmm_virtio_interrupt(&v, 1);
	vmm_virtio_interrupt(&v, 1); /* two signals, one pending bit */
	pthread_mutex_unlock(&v.lock);
	assert_int_equal(delivered[1], 1);
	assert_int_equal(pba(), 1u << 1);
	bar(VIO_MSIX_PBA_OFF, &q, 8, false); /* a qword read sees it too */
	assert_int_equal(q, 1u << 1);
	q = ~0ull;
	bar(VIO_MSIX_PBA_OFF, &q, 8, true); /* read-only */
	assert_int_equal(pba(), 1u << 1);

	entry_mask(1, false);
	assert_int_equal(delivered[1], 2);
	assert_int_equal(pba(), 0);
	entry_mask(1, false); /* rewriting the entry delivers nothing more */
	assert_int_equal(delivered[1], 2);
	assert_int_equal(delivered[0] + delivered[2], 0);
}

/* Function mask and MSI-X off hold every vector the same way. */
static void test_function_mask(void **state)
{
	msix_ctl(0x8000);
	entry_mask(0, false);
	entry_mask(2, false);
	msix_ctl(0xc000);
	pthread_mutex_lock(&v.lock);
	vmm_virtio_interrupt(&v, 0);
	vmm_virtio_interrupt(&v, 2);
	vmm_virtio_interrupt(&v, VIO_NO_VECTOR); /* ignored */
	vmm_virtio_interrupt(&v, 7);		 /* beyond the table */
	pthread_mutex_unlock(&v.lock);
	assert_int_equal(pba(), 0x5);
	assert_int_equal(delivered[0] + delivered[2], 0);
	msix_ctl(0x8000);
	assert_int_equal(delivered[0], 1);
	assert_int_equal(delivered[2], 1);
	assert_int_equal(pba(), 0);

	msix_ctl(0);
	pthread_mutex_lock(&v.lock);
	vmm_virtio_interrupt(&v, 2);
	pthread_mutex_unlock(&v.lock);
	assert_int_equal(delivered[2], 1);
	msix_ctl(0x8000);
	assert_int_equal(delivered[2], 2);
}

/* A signal the backend holds (vnetd wrote a detached call eventfd) is in
 * the PBA while masked and delivered once when the vector is unmasked. */
static void test_backend_pending(void **state)
{
	msix_ctl(0x8000);
	held = 1u << 1;
	assert_int_equal(pba(), 1u << 1);
	assert_int_equal(delivered[1], 0);
	entry_mask(1, false);
	assert_int_equal(delivered[1], 1);
	assert_int_equal(held, 0);
	assert_int_equal(pba(), 0);
	entry_mask(0, false);
	assert_int_equal(delivered[1], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_entry_mask, setup),
	    cmocka_unit_test_setup(test_function_mask, setup),
	    cmocka_unit_test_setup(test_backend_pending, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	free(ram);
	return rc;
}
