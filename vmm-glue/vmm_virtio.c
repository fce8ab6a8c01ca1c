// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_virtio.c - the virtio 1.x PCI transport.  Everything the driver
 * writes is checked before the backend sees it: accepted features against
 * those offered, queue sizes (power of two, at most VIO_QUEUE_MAX), ring
 * alignment and placement in guest RAM, queue fields frozen once enabled.
 * A violation marks the device DEVICE_NEEDS_RESET (virtio 1.2, 2.1.2), stops
 * the backend and waits for the driver to reset it; vnet-vmm goes on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "vmm_virtio.h"

#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2
#define VIRTIO_PCI_CAP_ISR    3
#define VIRTIO_PCI_CAP_DEVICE 4

static const char *const broken_text[VIO_BROKEN_MAX] = {
#define VIO_BROKEN_TEXT(id, text) [VIO_BROKEN_##id] = text,
    VIO_BROKEN_REASONS(VIO_BROKEN_TEXT)
#undef VIO_BROKEN_TEXT
};

/**
 * vmm_virtio_broken_text() - a reason in words
 * @why: reason
 *
 * Return: static string
 */
const char *vmm_virtio_broken_text(enum vio_broken why)
{
	return why < VIO_BROKEN_MAX ? broken_text[why] : "?";
}

static void queue_reset(struct vmm_virtio_queue *q)
{
	*q = (struct vmm_virtio_queue){.size = VIO_QUEUE_MAX,
				       .msix_vector = VIO_NO_VECTOR};
}

static void stop_backend(struct vmm_virtio *v)
{
	if (v->started && v->ops && v->ops->reset)
		v->ops->reset(v);
	v->started = false;
}

static void mark_broken(struct vmm_virtio *v, enum vio_broken why)
{
	static struct log_ratelimit rl;
	uint32_t suppressed;

	if (v->broken != VIO_BROKEN_NONE)
		return;
	v->broken = why;
	v->broken_count[why]++;
	v->status |= VIO_S_NEEDS_RESET;
	v->config_generation++;
	stop_backend(v);
	if (log_ratelimit_allow(&rl, &suppressed))
		fprintf(stderr,
			"vnet-vmm: virtio device %04x needs a reset: %s\n",
			v->pci.cfg[PCI_DEVICE_ID] |
			    (unsigned)v->pci.cfg[PCI_DEVICE_ID + 1] << 8,
			vmm_virtio_broken_text(why));
}

static void device_reset(struct vmm_virtio *v)
{
	stop_backend(v);
	v->status = 0;
	v->guest_features = 0;
	v->dfselect = v->gfselect = 0;
	v->msix_config = VIO_NO_VECTOR;
	v->queue_select = 0;
	v->isr = 0;
	v->broken = VIO_BROKEN_NONE;
	for (unsigned i = 0; i < v->nq; i++)
		queue_reset(&v->q[i]);
}

/* The ring areas must be aligned and lie wholly in guest RAM. */
static enum vio_broken queue_check(const struct vmm_virtio *v,
				   const struct vmm_virtio_queue *q)
{
	uint64_t n = q->size;

	if (!n || (n & (n - 1)) || n > VIO_QUEUE_MAX)
		return VIO_BROKEN_QUEUE_SIZE;
	if ((q->desc & 15) || (q->driver & 1) || (q->device & 3))
		return VIO_BROKEN_QUEUE_ADDR;
	if (v->mem && (!vmm_mem_ptr(v->mem, q->desc, 16 * n) ||
		       !vmm_mem_ptr(v->mem, q->driver, 6 + 2 * n) ||
		       !vmm_mem_ptr(v->mem, q->device, 6 + 8 * n)))
		return VIO_BROKEN_QUEUE_ADDR;
	return VIO_BROKEN_NONE;
}

/* The bits of device status only a reset may clear. */
#define VIO_S_STICKY \
	(VIO_S_ACKNOWLEDGE | VIO_S_DRIVER | VIO_S_FEATURES_OK | VIO_S_DRIVER_OK)

static void status_write(struct vmm_virtio *v, uint8_t val)
{
	uint8_t want = val & (uint8_t)~VIO_S_NEEDS_RESET;

	if (!val) {
		device_reset(v);
		return;
	}
	if (v->status & ~want & VIO_S_STICKY) {
		/* only a reset takes the device back (virtio 1.2, 2.1.1): a
		 * driver that clears ACKNOWLEDGE, DRIVER, FEATURES_OK or
		 * DRIVER_OK otherwise could start the backend twice or
		 * change features under it; it gets DEVICE_NEEDS_RESET and
		 * the status stays as it was */
		mark_broken(v, VIO_BROKEN_STATUS_CLEARED);
		return;
	}
	if ((want & VIO_S_FEATURES_OK) && !(v->status & VIO_S_FEATURES_OK)) {
		if (v->guest_features & ~v->host_features) {
			mark_broken(v, VIO_BROKEN_FEATURES);
			want &=
			    (uint8_t) ~(VIO_S_FEATURES_OK | VIO_S_DRIVER_OK);
		} else if (!(v->guest_features &
			     VU_BIT(VIRTIO_F_VERSION_1_BIT))) {
			mark_broken(v, VIO_BROKEN_NO_VERSION_1);
			want &=
			    (uint8_t) ~(VIO_S_FEATURES_OK | VIO_S_DRIVER_OK);
		}
	}
	if ((want & VIO_S_DRIVER_OK) && !(v->status & VIO_S_DRIVER_OK)) {
		if (!(want & VIO_S_FEATURES_OK) ||
		    v->broken != VIO_BROKEN_NONE) {
			/* a broken device does not go live */
			want &= (uint8_t)~VIO_S_DRIVER_OK;
		} else if (v->broken == VIO_BROKEN_NONE && v->ops &&
			   v->ops->start) {
			if (v->ops->start(v))
				mark_broken(v, VIO_BROKEN_BACKEND);
			else
				v->started = true;
		}
	}
	v->status = (uint8_t)(want | (v->status & VIO_S_NEEDS_RESET));
}

static struct vmm_virtio_queue *cur_queue(struct vmm_virtio *v)
{
	return v->queue_select < v->nq ? &v->q[v->queue_select] : NULL;
}

/* A 64-bit queue address written whole or as two 32-bit halves. */
static void addr_write(struct vmm_virtio *v, uint64_t *a, unsigned rel,
		       uint64_t val, unsigned size)
{
	struct vmm_virtio_queue *q = cur_queue(v);

	if (!q)
		return;
	if (q->enabled || (v->status & VIO_S_DRIVER_OK)) {
		mark_broken(v, VIO_BROKEN_LATE_WRITE);
		return;
	}
	if (size == 8 && rel == 0)
		*a = val;
	else if (size == 4 && rel == 0)
		*a = (*a & 0xffffffff00000000ull) | (uint32_t)val;
	else if (size == 4 && rel == 4)
		*a = (*a & 0xffffffffull) | (val << 32);
}

/**
 * vmm_virtio_common_write() - the driver writes common configuration
 * @v: device (lock held)
 * @off: offset in the structure
 * @data: bytes
 * @size: 1, 2, 4 or 8
 */
void vmm_virtio_common_write(struct vmm_virtio *v, unsigned off,
			     const uint8_t *data, unsigned size)
{
	struct vmm_virtio_queue *q = cur_queue(v);
	uint64_t val = 0;

	if (size > 8)
		return;
	memcpy(&val, data, size);
	switch (off) {
	case VIO_C_DFSELECT:
		v->dfselect = (uint32_t)val;
		return;
	case VIO_C_GFSELECT:
		v->gfselect = (uint32_t)val;
		return;
	case VIO_C_GF:
		/* only while negotiating: after DRIVER, before FEATURES_OK */
		if (!(v->status & VIO_S_DRIVER) ||
		    (v->status & (VIO_S_FEATURES_OK | VIO_S_DRIVER_OK)) ||
		    v->gfselect > 1)
			return;
		if (v->gfselect)
			v->guest_features =
			    (v->guest_features & 0xffffffffull) |
			    ((uint64_t)(uint32_t)val << 32);
		else
			v->guest_features =
			    (v->guest_features & ~0xffffffffull) |
			    (uint32_t)val;
		return;
	case VIO_C_MSIX_CONFIG:
		v->msix_config = val < v->nvec ? (uint16_t)val : VIO_NO_VECTOR;
		return;
	case VIO_C_STATUS:
		status_write(v, (uint8_t)val);
		return;
	case VIO_C_Q_SELECT:
		v->queue_select = (uint16_t)val;
		return;
	case VIO_C_Q_SIZE:
		if (!q)
			return;
		if (q->enabled || (v->status & VIO_S_DRIVER_OK))
			mark_broken(v, VIO_BROKEN_LATE_WRITE);
		else
			q->size = (uint16_t)val;
		return;
	case VIO_C_Q_MSIX:
		if (q)
			q->msix_vector =
			    val < v->nvec ? (uint16_t)val : VIO_NO_VECTOR;
		return;
	case VIO_C_Q_ENABLE:
		if (!q || val != 1 || q->enabled)
			return;
		{
			enum vio_broken why = queue_check(v, q);

			if (why != VIO_BROKEN_NONE)
				mark_broken(v, why);
			else
				q->enabled = true;
		}
		return;
	default:
		break;
	}
	if (q && off >= VIO_C_Q_DESC && off < VIO_C_Q_DESC + 8)
		addr_write(v, &q->desc, off - VIO_C_Q_DESC, val, size);
	else if (q && off >= VIO_C_Q_DRIVER && off < VIO_C_Q_DRIVER + 8)
		addr_write(v, &q->driver, off - VIO_C_Q_DRIVER, val, size);
	else if (q && off >= VIO_C_Q_DEVICE && off < VIO_C_Q_DEVICE + 8)
		addr_write(v, &q->device, off - VIO_C_Q_DEVICE, val, size);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/**
 * vmm_virtio_common_read() - the driver reads common configuration
 * @v: device (lock held)
 * @off: offset in the structure
 * @data: filled
 * @size: 1, 2, 4 or 8
 */
void vmm_virtio_common_read(struct vmm_virtio *v, unsigned off, uint8_t *data,
			    unsigned size)
{
	struct vmm_virtio_queue *q = cur_queue(v);
	uint8_t img[VIO_COMMON_SIZE] = {0};

	memset(data, 0, size);
	if (off >= VIO_COMMON_SIZE || size > VIO_COMMON_SIZE - off)
		return;
	put32(img + VIO_C_DFSELECT, v->dfselect);
	put32(img + VIO_C_DF, v->dfselect > 1 ? 0
					      : (uint32_t)(v->host_features >>
							   (32 * v->dfselect)));
	put32(img + VIO_C_GFSELECT, v->gfselect);
	put32(img + VIO_C_GF, v->gfselect > 1 ? 0
					      : (uint32_t)(v->guest_features >>
							   (32 * v->gfselect)));
	put16(img + VIO_C_MSIX_CONFIG, v->msix_config);
	put16(img + VIO_C_NUM_QUEUES, (uint16_t)v->nq);
	img[VIO_C_STATUS] = v->status;
	img[VIO_C_CFG_GEN] = v->config_generation;
	put16(img + VIO_C_Q_SELECT, v->queue_select);
	if (q) {
		put16(img + VIO_C_Q_SIZE, q->size);
		put16(img + VIO_C_Q_MSIX, q->msix_vector);
		put16(img + VIO_C_Q_ENABLE, q->enabled);
		put16(img + VIO_C_Q_NOFF, v->queue_select);
		memcpy(img + VIO_C_Q_DESC, &q->desc, 8);
		memcpy(img + VIO_C_Q_DRIVER, &q->driver, 8);
		memcpy(img + VIO_C_Q_DEVICE, &q->device, 8);
	}
	memcpy(data, img + off, size);
}

/**
 * vmm_virtio_msix_enabled() - MSI-X on and the function not masked
 * @v: device
 *
 * Return: true when vectors may fire
 */
bool vmm_virtio_msix_enabled(const struct vmm_virtio *v)
{
	uint8_t ctl = v->pci.cfg[v->msix_cap + 3];

	return (ctl & 0x80) && !(ctl & 0x40);
}

/**
 * vmm_virtio_vector_usable() - may this vector be delivered now?
 * @v: device
 * @vector: MSI-X table index
 *
 * Return: true when MSI-X is enabled and the entry exists and is unmasked
 */
bool vmm_virtio_vector_usable(const struct vmm_virtio *v, uint16_t vector)
{
	return vmm_virtio_msix_enabled(v) && vector < v->nvec &&
	       !(v->msix[vector].ctrl & 1);
}

/**
 * vmm_virtio_interrupt() - raise MSI-X vector @vector (the VMM's own
 * interrupts: the control queue, configuration changes)
 * @v: device, its lock held
 * @vector: table index; VIO_NO_VECTOR or beyond the table: nothing
 *
 * A usable vector is delivered now; a masked one (entry or function
 * mask, or MSI-X off) sets its pending bit instead, and unmasking it
 * delivers the interrupt once (PCI 3.0, 6.8.3.4).
 */
void vmm_virtio_interrupt(struct vmm_virtio *v, uint16_t vector)
{
	if (vector >= v->nvec)
		return;
	if (!vmm_virtio_vector_usable(v, vector))
		v->pba |= 1u << vector;
	else if (v->ops && v->ops->signal)
		v->ops->signal(v, vector);
}

/**
 * vmm_virtio_pba() - the pending-bit array as the guest reads it
 * @v: device, its lock held
 *
 * Return: a bit per vector: held by the transport, or by the backend
 * (a detached irqfd whose eventfd was signalled)
 */
uint32_t vmm_virtio_pba(struct vmm_virtio *v)
{
	uint32_t bits = v->pba;

	if (v->ops && v->ops->pending)
		bits |= v->ops->pending(v);
	return bits & ((1u << v->nvec) - 1);
}

/* The table or the enable/function-mask bits changed: the backend
 * restates its routes (and reports what its detached irqfds held), then
 * whatever is pending on a vector usable now is delivered, once. */
static void msix_update(struct vmm_virtio *v)
{
	if (v->ops && v->ops->msix)
		v->ops->msix(v);
	for (uint16_t i = 0; i < v->nvec; i++) {
		if (!(v->pba & (1u << i)) || !vmm_virtio_vector_usable(v, i))
			continue;
		v->pba &= ~(1u << i);
		if (v->ops && v->ops->signal)
			v->ops->signal(v, i);
	}
}

static void pba_read(struct vmm_virtio *v, uint64_t off, uint8_t *data,
		     unsigned size)
{
	uint64_t bits = vmm_virtio_pba(v);

	memset(data, 0, size);
	if (off < 8 && size <= 8 - off) /* 18 vectors at most: one qword */
		memcpy(data, (uint8_t *)&bits + off, size);
}

static void msix_rw(struct vmm_virtio *v, uint64_t off, uint8_t *data,
		    unsigned size, bool write)
{
	unsigned idx = (unsigned)(off / 16), word = (unsigned)(off % 16) / 4;
	uint32_t *w;

	if (size != 4 || (off & 3) || idx >= v->nvec)
		return;
	w = &v->msix[idx].addr_lo + word;
	if (!write) {
		memcpy(data, w, 4);
		return;
	}
	memcpy(w, data, 4);
	if (word == 3)
		*w &= 1;
	msix_update(v);
}

static void bar_rw(void *opaque, unsigned bar, uint64_t off, uint8_t *data,
		   unsigned size, bool write)
{
	struct vmm_virtio *v = opaque;

	if (bar != 0)
		return;
	pthread_mutex_lock(&v->lock);
	if (off < VIO_COMMON_SIZE) {
		if (write)
			vmm_virtio_common_write(v, (unsigned)off, data, size);
		else
			vmm_virtio_common_read(v, (unsigned)off, data, size);
	} else if (off == VIO_ISR_OFF && !write) {
		memset(data, 0, size);
		data[0] = v->isr;
		v->isr = 0;
	} else if (off >= VIO_DEVICE_OFF &&
		   off < VIO_DEVICE_OFF + VIO_DEVCFG_MAX) {
		unsigned rel = (unsigned)(off - VIO_DEVICE_OFF);

		if (!write && size <= VIO_DEVCFG_MAX - rel)
			memcpy(data, v->devcfg + rel, size);
	} else if (off >= VIO_MSIX_TBL_OFF &&
		   off < VIO_MSIX_TBL_OFF + 16 * v->nvec) {
		msix_rw(v, off - VIO_MSIX_TBL_OFF, data, size, write);
	} else if (off >= VIO_NOTIFY_OFF &&
		   off < VIO_NOTIFY_OFF + VIO_NOTIFY_MULT * v->nq) {
		unsigned q = (unsigned)(off - VIO_NOTIFY_OFF) / VIO_NOTIFY_MULT;

		if (!write)
			memset(data, 0, size);
		else if (!v->ops || !v->ops->notify || !v->ops->notify(v, q))
			v->slow_notifies++;
	} else if (off >= VIO_MSIX_PBA_OFF && off < VIO_MSIX_PBA_OFF + 8) {
		if (!write) /* the PBA is read-only */
			pba_read(v, off - VIO_MSIX_PBA_OFF, data, size);
	} else if (!write) {
		memset(data, 0, size);
	}
	pthread_mutex_unlock(&v->lock);
}

/**
 * vmm_virtio_notify_base() - where the notify area decodes now
 * @v: device
 *
 * Return: its guest-physical address; 0 while memory decoding is off or
 * BAR0 holds no usable address (0, or a sizing pattern that reaches
 * 4 GiB), as QEMU unmaps such a BAR
 */
uint64_t vmm_virtio_notify_base(const struct vmm_virtio *v)
{
	uint64_t bar = vmm_pci_bar_addr(&v->pci, 0);

	if (!(v->pci.cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY) || !bar ||
	    bar + VIO_BAR_SIZE >= 1ull << 32)
		return 0;
	return bar + VIO_NOTIFY_OFF;
}

static void cfg_write(void *opaque, unsigned off, unsigned size)
{
	struct vmm_virtio *v = opaque;
	bool bar = (off < PCI_COMMAND + 2 && off + size > PCI_COMMAND) ||
		   (off < PCI_BAR0 + 4 && off + size > PCI_BAR0);
	bool msix = off + size > v->msix_cap + 2u && off < v->msix_cap + 4u;

	if (!bar && !msix)
		return;
	pthread_mutex_lock(&v->lock);
	if (msix)
		msix_update(v);
	if (bar && v->ops && v->ops->bar_moved)
		v->ops->bar_moved(v);
	pthread_mutex_unlock(&v->lock);
}

static int add_vio_cap(struct vmm_virtio *v, uint8_t type, uint32_t off,
		       uint32_t len, bool notify)
{
	uint8_t cap[20] = {PCI_CAP_ID_VNDR, 0, notify ? 20 : 16, type, 0};

	put32(cap + 8, off);
	put32(cap + 12, len);
	if (notify)
		put32(cap + 16, VIO_NOTIFY_MULT);
	return vmm_pci_add_cap(&v->pci, cap, notify ? 20 : 16);
}

/**
 * vmm_virtio_init() - a modern virtio PCI function
 * @v: filled
 * @device_type: virtio device id (1: net)
 * @mem: guest RAM (queue addresses are checked against it; may be NULL)
 * @bar_gpa: where BAR0 starts
 * @nq: queues, 1 to VIO_MAX_QUEUES
 * @host_features: offered (VERSION_1 is added)
 * @devcfg: device configuration bytes
 * @devcfg_len: their size, at most VIO_DEVCFG_MAX
 * @ops: backend
 * @opaque: for the backend
 *
 * Return: 0 or -EINVAL
 */
int vmm_virtio_init(struct vmm_virtio *v, uint16_t device_type,
		    const struct vmm_mem *mem, uint32_t bar_gpa, unsigned nq,
		    uint64_t host_features, const void *devcfg,
		    unsigned devcfg_len, const struct vmm_virtio_ops *ops,
		    void *opaque)
{
	uint8_t msix[12] = {PCI_CAP_ID_MSIX, 0};
	int off;

	if (!nq || nq > VIO_MAX_QUEUES || devcfg_len > VIO_DEVCFG_MAX)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->lock, NULL);
	v->mem = mem;
	v->ops = ops;
	v->opaque = opaque;
	v->nq = nq;
	v->nvec = nq + 1;
	v->host_features = host_features | VU_BIT(VIRTIO_F_VERSION_1_BIT);
	memcpy(v->devcfg, devcfg, devcfg_len);
	v->devcfg_len = devcfg_len;
	for (unsigned i = 0; i < v->nvec; i++)
		v->msix[i].ctrl = 1; /* masked at reset */
	device_reset(v);
	/* class 02 00 00 (Ethernet), revision 1 (modern) */
	vmm_pci_dev_init(&v->pci, 0x1af4, (uint16_t)(0x1040 + device_type),
			 0x02000001, 0x1af4, 0x0040);
	v->pci.bar_rw = bar_rw;
	v->pci.cfg_write = cfg_write;
	v->pci.opaque = v;
	if (vmm_pci_add_bar(&v->pci, 0, VIO_BAR_SIZE, bar_gpa))
		return -EINVAL;
	put16(msix + 2, (uint16_t)(v->nvec - 1));
	put32(msix + 4, VIO_MSIX_TBL_OFF);
	put32(msix + 8, VIO_MSIX_PBA_OFF);
	off = vmm_pci_add_cap(&v->pci, msix, sizeof(msix));
	if (off < 0)
		return off;
	v->msix_cap = (uint8_t)off;
	v->pci.wmask[off + 3] = 0xc0; /* enable, function mask */
	if (add_vio_cap(v, VIRTIO_PCI_CAP_COMMON, VIO_COMMON_OFF,
			VIO_COMMON_SIZE, false) < 0 ||
	    add_vio_cap(v, VIRTIO_PCI_CAP_ISR, VIO_ISR_OFF, 4, false) < 0 ||
	    add_vio_cap(v, VIRTIO_PCI_CAP_DEVICE, VIO_DEVICE_OFF,
			VIO_DEVCFG_MAX, false) < 0 ||
	    add_vio_cap(v, VIRTIO_PCI_CAP_NOTIFY, VIO_NOTIFY_OFF,
			VIO_NOTIFY_MULT * nq, true) < 0)
		return -ENOSPC;
	return 0;
}

/* ---- a queue the VMM serves itself ---- */

static int chain_fault(struct vmm_virtio *v)
{
	mark_broken(v, VIO_BROKEN_CHAIN);
	return -EINVAL;
}

/* One descriptor, copied first: the guest may change it meanwhile. */
static int chain_add(struct vmm_virtio *v, struct vmm_vq_chain *c,
		     const struct vring_desc_le *d)
{
	bool wr = d->flags & VRING_DESC_F_WRITE;
	uint8_t *p = vmm_mem_ptr(v->mem, d->addr, d->len ? d->len : 1);

	if (!p || c->nseg == VIO_CHAIN_MAX_SEGS || (!wr && c->nseg > c->nread))
		return -EINVAL; /* outside RAM, too long, read after write */
	c->seg[c->nseg].p = p;
	c->seg[c->nseg].len = d->len;
	c->nseg++;
	if (!wr)
		c->nread++;
	return 0;
}

/* Walk a descriptor table of @n entries from @idx; @depth 1 inside an
 * indirect table (which may not nest). */
static int chain_walk(struct vmm_virtio *v, struct vmm_vq_chain *c,
		      const uint8_t *table, uint32_t n, uint16_t idx, int depth)
{
	for (uint32_t hops = 0;; hops++) {
		struct vring_desc_le d;

		if (idx >= n || hops >= n)
			return -EINVAL; /* index out of range, or a loop */
		memcpy(&d, table + 16u * idx, sizeof(d));
		if (d.flags & VRING_DESC_F_INDIRECT) {
			const uint8_t *t;

			if (depth || (d.flags & VRING_DESC_F_NEXT) || hops ||
			    !(v->guest_features &
			      VU_BIT(VIRTIO_RING_F_INDIRECT_DESC_BIT)) ||
			    !d.len || d.len % 16 || d.len / 16 > VIO_QUEUE_MAX)
				return -EINVAL;
			t = vmm_mem_ptr(v->mem, d.addr, d.len);
			if (!t)
				return -EINVAL;
			return chain_walk(v, c, t, d.len / 16, 0, 1);
		}
		if (chain_add(v, c, &d))
			return -EINVAL;
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		idx = d.next;
	}
}

/**
 * vmm_vq_pop() - take the next chain of a queue the VMM serves
 * @v: device (lock held)
 * @q: queue, enabled, the device running
 * @s: where the VMM is in that queue
 * @c: filled
 *
 * Every index and address comes from the guest and is checked: the
 * available index may run ahead by at most the queue size, the head and
 * each next index are below it, a chain is at most as long as its table, an
 * indirect table is a multiple of 16 bytes, does not nest and was
 * negotiated, each buffer lies in guest RAM, and no readable buffer follows
 * a writable one.  A violation marks the device broken.
 *
 * Return: 1 with a chain, 0 when the queue is empty, -EINVAL (the device
 * is broken now) or -EIO (the queue is not running)
 */
int vmm_vq_pop(struct vmm_virtio *v, unsigned q, struct vmm_vq_state *s,
	       struct vmm_vq_chain *c)
{
	const struct vmm_virtio_queue *vq;
	const uint16_t *avail;
	const uint8_t *table;
	uint16_t idx, head;

	if (q >= v->nq || !v->q[q].enabled || !(v->status & VIO_S_DRIVER_OK) ||
	    v->broken != VIO_BROKEN_NONE)
		return -EIO;
	vq = &v->q[q];
	/* checked when the queue was enabled */
	avail = vmm_mem_ptr(v->mem, vq->driver, 6 + 2u * vq->size);
	table = vmm_mem_ptr(v->mem, vq->desc, 16u * vq->size);
	if (!avail || !table)
		return chain_fault(v);
	idx = __atomic_load_n(&avail[1], __ATOMIC_ACQUIRE);
	if (idx == s->last_avail)
		return 0;
	if ((uint16_t)(idx - s->last_avail) > vq->size)
		return chain_fault(v);
	head = __atomic_load_n(&avail[2 + s->last_avail % vq->size],
			       __ATOMIC_RELAXED);
	memset(c, 0, sizeof(*c));
	c->head = head;
	if (chain_walk(v, c, table, vq->size, head, 0))
		return chain_fault(v);
	s->last_avail++;
	return 1;
}

/**
 * vmm_vq_push() - return a chain to the driver through the used ring
 * @v: device (lock held)
 * @q: queue
 * @s: where the VMM is in it
 * @head: the chain's head (from vmm_vq_pop())
 * @len: bytes written into its writable buffers
 *
 * With EVENT_IDX the available event is moved on too, so the driver goes
 * on notifying.  The caller raises the queue's interrupt.
 *
 * Return: 0 or -EIO (the queue is not running)
 */
int vmm_vq_push(struct vmm_virtio *v, unsigned q, struct vmm_vq_state *s,
		uint16_t head, uint32_t len)
{
	const struct vmm_virtio_queue *vq;
	uint8_t *used;
	uint32_t elem[2] = {head, len};

	if (q >= v->nq || !v->q[q].enabled)
		return -EIO;
	vq = &v->q[q];
	used = vmm_mem_ptr(v->mem, vq->device, 6 + 8u * vq->size);
	if (!used)
		return -EIO;
	memcpy(used + 4 + 8u * (s->used_idx % vq->size), elem, sizeof(elem));
	s->used_idx++;
	__atomic_store_n((uint16_t *)(used + 2), s->used_idx, __ATOMIC_RELEASE);
	if (v->guest_features & VU_BIT(VIRTIO_RING_F_EVENT_IDX_BIT))
		__atomic_store_n((uint16_t *)(used + 4 + 8u * vq->size),
				 s->last_avail, __ATOMIC_RELEASE);
	return 0;
}
