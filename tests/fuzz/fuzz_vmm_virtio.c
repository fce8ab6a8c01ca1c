// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vmm_virtio.c - libFuzzer target: a hostile driver programs vnet-vmm's
 * virtio-net PCI function through configuration space and BAR0 (common
 * configuration, ISR, device configuration, notify area, MSI-X table) with
 * arbitrary accesses, and writes arbitrary bytes into its RAM (rings,
 * descriptors).  The backend may only ever be started with queues that
 * passed the checks; queue 1 is served by the "VMM" (as vnet-vmm serves
 * virtio-net's control queue): every chain taken from it lies in RAM.
 * MSI-X: only usable vectors are ever delivered, and no pending bit stays
 * set on a vector that is usable.  The backend is started at most once
 * between resets, and the features it started with do not change under
 * it.  The backend hears of every change of where the notify area decodes
 * (BAR0, memory decoding): its kick ioeventfds follow it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm-glue/vmm_virtio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct vmm_mem mem;
static bool running;
static uint64_t running_features;
static uint64_t placed; /* where the backend put its kicks */

/* The backend's view: started queues must be valid. */
static int fz_start(struct vmm_virtio *v)
{
	if (running)
		abort(); /* started twice without a reset */
	running = true;
	running_features = v->guest_features;
	for (unsigned q = 0; q < v->nq; q++) {
		const struct vmm_virtio_queue *vq = &v->q[q];

		if (!vq->enabled)
			continue;
		if (!vq->size || (vq->size & (vq->size - 1)) ||
		    vq->size > VIO_QUEUE_MAX ||
		    !vmm_mem_ptr(&mem, vq->desc, 16u * vq->size) ||
		    !vmm_mem_ptr(&mem, vq->driver, 6 + 2u * vq->size) ||
		    !vmm_mem_ptr(&mem, vq->device, 6 + 8u * vq->size))
			abort();
	}
	if (v->guest_features & ~v->host_features)
		abort();
	return 0;
}

static void fz_reset(struct vmm_virtio *v)
{
	running = false;
}

static void fz_msix(struct vmm_virtio *v)
{
	for (uint16_t i = 0; i < VIO_MSIX_VECTORS + 2; i++)
		(void)vmm_virtio_vector_usable(v, i);
}

/* Delivery happens only on an enabled, unmasked vector. */
static void fz_signal(struct vmm_virtio *v, uint16_t vector)
{
	if (!vmm_virtio_vector_usable(v, vector))
		abort();
}

static struct vmm_vq_state ctrl;

/* Queue 1 is the VMM's own: take every chain, check it, give it back. */
static bool fz_notify(struct vmm_virtio *v, unsigned q)
{
	struct vmm_vq_chain c;

	if (q != 1)
		return false;
	while (vmm_vq_pop(v, q, &ctrl, &c) == 1) {
		if (c.nseg > VIO_CHAIN_MAX_SEGS || c.nread > c.nseg)
			abort();
		for (unsigned i = 0; i < c.nseg; i++)
			if (c.seg[i].p < mem.base ||
			    c.seg[i].p + c.seg[i].len > mem.base + mem.size)
				abort();
		if (vmm_vq_push(v, q, &ctrl, c.head, 0))
			break;
	}
	vmm_virtio_interrupt(v, v->q[q].msix_vector);
	return true;
}

static void fz_bar_moved(struct vmm_virtio *v)
{
	placed = vmm_virtio_notify_base(v);
	if (placed && (placed < 0x1000 || placed >= 1ull << 32))
		abort();
}

static const struct vmm_virtio_ops ops = {
    fz_start, fz_reset, fz_msix, fz_notify, fz_signal, NULL, fz_bar_moved};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static struct vmm_pci bus;
	static struct vmm_virtio dev;
	uint8_t cfg[12] = {0x52, 0x54, 0, 0, 0, 1};

	if (!ram) {
		ram = calloc(1, VMM_MEM_MIN);
		if (!ram || vmm_mem_init_buf(&mem, ram, VMM_MEM_MIN))
			abort();
	}
	memset(ram, 0, 1u << 20);
	ctrl = (struct vmm_vq_state){0};
	running = false;
	vmm_pci_init(&bus);
	if (vmm_virtio_init(&dev, 1, &mem, 0xe0000000u, 2, 1ull << 5, cfg,
			    sizeof(cfg), &ops, NULL) ||
	    vmm_pci_attach(&bus, &dev.pci) != 1)
		abort();
	placed = vmm_virtio_notify_base(&dev);
	/* each access: op, offset (2 bytes), value (8 bytes) */
	for (size_t i = 0; i + 11 <= size; i += 11) {
		const uint8_t *a = data + i;
		unsigned sz = 1u << (a[0] & 3), off = a[1] | a[2] << 8;
		uint8_t val[8];

		memcpy(val, a + 3, 8);
		switch ((a[0] >> 2) & 3) {
		case 0: /* BAR0 */
			(void)vmm_pci_mmio(&bus, 0xe0000000ull + (off & 0x7fff),
					   val, sz, a[0] & 0x10);
			break;
		case 1: { /* configuration space through 0xcf8/0xcfc */
			uint32_t addr = 0x80000000u | 1u << 11 | (off & 0xfc);

			vmm_pci_pio(&bus, 0xcf8, (uint8_t *)&addr, 4, true);
			vmm_pci_pio(&bus, (uint16_t)(0xcfc + (off & 3)), val,
				    sz > 4 ? 4 : sz, a[0] & 0x10);
			break;
		}
		case 3: /* 8 bytes of RAM, in the first 512 KiB */
			memcpy(ram + (off & 0xffff) * 8, val, 8);
			break;
		default: /* common configuration directly */
			if (a[0] & 0x10)
				vmm_virtio_common_write(&dev, off & 0x3f, val,
							sz);
			else
				vmm_virtio_common_read(&dev, off & 0x3f, val,
						       sz);
			break;
		}
		if (dev.started && dev.broken != VIO_BROKEN_NONE)
			abort();
		if (placed != vmm_virtio_notify_base(&dev))
			abort();
		if (dev.started != running ||
		    (running && dev.guest_features != running_features))
			abort();
		for (uint16_t v = 0; v < dev.nvec; v++)
			if ((dev.pba & (1u << v)) &&
			    vmm_virtio_vector_usable(&dev, v))
				abort();
	}
	return 0;
}
