// SPDX-License-Identifier: GPL-2.0-or-later
/* tg_virtio.c - the test guest's virtio-net driver: finds the function on
 * PCI bus 0 (configuration mechanism #1), walks its virtio capabilities,
 * negotiates VERSION_1 and MAC only, and drives one receive and one
 * transmit queue by polling (no interrupts). */
#include "tg.h"
#include "tg_net.h"

#define QSIZE  16
#define BUFSZ  2048
#define HDRLEN 12 /* struct virtio_net_hdr_v1 */

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
struct vavail {
	uint16_t flags, idx, ring[QSIZE], used_event;
};
struct vused {
	uint16_t flags, idx;
	struct {
		uint32_t id, len;
	} ring[QSIZE];
	uint16_t avail_event;
};

struct vq {
	struct vdesc desc[QSIZE] __attribute__((aligned(16)));
	struct vavail avail __attribute__((aligned(2)));
	struct vused used __attribute__((aligned(4)));
	uint16_t avail_idx, used_seen;
	volatile uint16_t *notify;
	uint8_t buf[QSIZE][BUFSZ];
};

static struct vq rxq __attribute__((aligned(4096)));
static struct vq txq __attribute__((aligned(4096)));
static volatile uint8_t *common, *devcfg;

static uint32_t pci_read(unsigned slot, unsigned off)
{
	outl(0xcf8, 0x80000000u | (slot << 11) | (off & 0xfc));
	return inl(0xcfc);
}

static void pci_write(unsigned slot, unsigned off, uint32_t v)
{
	outl(0xcf8, 0x80000000u | (slot << 11) | (off & 0xfc));
	outl(0xcfc, v);
}

static void w8(unsigned off, uint8_t v)
{
	*(volatile uint8_t *)(common + off) = v;
}
static void w16(unsigned off, uint16_t v)
{
	*(volatile uint16_t *)(common + off) = v;
}
static void w32(unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(common + off) = v;
}
static uint8_t r8(unsigned off)
{
	return *(volatile uint8_t *)(common + off);
}
static uint16_t r16(unsigned off)
{
	return *(volatile uint16_t *)(common + off);
}
static uint32_t r32(unsigned off)
{
	return *(volatile uint32_t *)(common + off);
}

static int setup_queue(struct vq *q, unsigned idx, volatile uint8_t *notify,
		       uint32_t mult, bool rx)
{
	w16(0x16, (uint16_t)idx); /* queue_select */
	if (r16(0x18) < QSIZE)
		return -1;
	w16(0x18, QSIZE);
	w32(0x20, (uint32_t)q->desc);
	w32(0x24, 0);
	w32(0x28, (uint32_t)&q->avail);
	w32(0x2c, 0);
	w32(0x30, (uint32_t)&q->used);
	w32(0x34, 0);
	q->notify = (volatile uint16_t *)(notify + r16(0x1e) * mult);
	for (unsigned i = 0; i < QSIZE; i++) {
		q->desc[i].addr = (uint32_t)q->buf[i];
		q->desc[i].len = BUFSZ;
		q->desc[i].flags = rx ? 2 : 0; /* device-writable */
	}
	w16(0x1c, 1); /* queue_enable */
	return 0;
}

/* Misprogram the device three ways, as a buggy or hostile driver would,
 * and report whether it refused each (DEVICE_NEEDS_RESET, FEATURES_OK not
 * accepted).  Return how many were refused. */
static unsigned misprogram(void)
{
	static const char *const what[3] = {"accept a feature not offered",
					    "queue size 24",
					    "rings outside guest RAM"};
	unsigned refused = 0;

	for (unsigned i = 0; i < 3; i++) {
		uint8_t st;

		w8(0x14, 0);
		w8(0x14, 3);
		w32(0x08, 1);
		w32(0x0c, i == 0 ? (1u | 1u << 9) : 1u); /* bit 41: unoffered */
		w8(0x14, 3 | 8);
		if (i) {
			w16(0x16, 0);
			w16(0x18, i == 1 ? 24 : 16);
			w32(0x20, i == 2 ? 0xbff00000u : (uint32_t)rxq.desc);
			w32(0x24, 0);
			w32(0x28, (uint32_t)&rxq.avail);
			w32(0x2c, 0);
			w32(0x30, (uint32_t)&rxq.used);
			w32(0x34, 0);
			w16(0x1c, 1);
			w8(0x14, 3 | 8 | 4);
		}
		st = r8(0x14);
		tg_printf(
		    "guest-min: bad driver (%s): device status 0x%02x%s\n",
		    what[i], st, (st & 0x40) ? ", needs reset: refused" : "");
		refused += (st & 0x40) && !(st & 4);
	}
	return refused;
}

/* Probe, negotiate, start; the MAC into @mac.  With @bad, misprogram the
 * device first and see it refuse.  Return 0 or -1. */
int tg_virtio_init(uint8_t mac[6], bool bad)
{
	volatile uint8_t *bar = 0, *notify = 0;
	uint32_t mult = 0;
	unsigned slot;
	uint8_t cap;

	for (slot = 0; slot < 32; slot++)
		if (pci_read(slot, 0) == 0x10411af4u)
			break;
	if (slot == 32) {
		tg_puts("guest-min: no virtio-net device on PCI bus 0\n");
		return -1;
	}
	bar = (volatile uint8_t *)(pci_read(slot, 0x10) & ~0xfu);
	pci_write(slot, 0x04, pci_read(slot, 0x04) | 0x6); /* mem, master */
	tg_printf("guest-min: virtio-net at 00:%02x.0, BAR0 0x%x\n", slot,
		  (uint32_t)bar);
	for (cap = (uint8_t)pci_read(slot, 0x34); cap;
	     cap = (uint8_t)(pci_read(slot, cap) >> 8)) {
		uint32_t h = pci_read(slot, cap);
		uint32_t off = pci_read(slot, cap + 8);

		if ((h & 0xff) != 0x09)
			continue;
		switch ((h >> 24) & 0xff) {
		case 1:
			common = bar + off;
			break;
		case 2:
			notify = bar + off;
			mult = pci_read(slot, cap + 16);
			break;
		case 4:
			devcfg = bar + off;
			break;
		}
	}
	if (!common || !notify || !devcfg) {
		tg_puts("guest-min: virtio capabilities missing\n");
		return -1;
	}
	if (bad && misprogram() != 3) {
		tg_puts("guest-min: the device accepted a bad driver\n");
		return -1;
	}
	w8(0x14, 0); /* reset */
	w8(0x14, 1); /* ACKNOWLEDGE */
	w8(0x14, 3); /* DRIVER */
	w32(0x00, 1);
	if (!(r32(0x04) & 1)) { /* VERSION_1 */
		tg_puts("guest-min: the device is not virtio 1.x\n");
		return -1;
	}
	w32(0x08, 0);
	w32(0x0c, 1u << 5); /* MAC */
	w32(0x08, 1);
	w32(0x0c, 1); /* VERSION_1 */
	w8(0x14, 3 | 8);
	if (!(r8(0x14) & 8)) {
		tg_puts("guest-min: the device refused our features\n");
		return -1;
	}
	if (setup_queue(&rxq, 0, notify, mult, true) ||
	    setup_queue(&txq, 1, notify, mult, false)) {
		tg_puts("guest-min: queues too small\n");
		return -1;
	}
	for (unsigned i = 0; i < 6; i++)
		mac[i] = devcfg[i];
	w32(0x00, 0);
	if (r32(0x04) & (1u << 3)) /* VIRTIO_NET_F_MTU offered */
		tg_printf("guest-min: network MTU %u\n",
			  (unsigned)(devcfg[10] | devcfg[11] << 8));
	w8(0x14, 3 | 8 | 4); /* DRIVER_OK */
	if (r8(0x14) & 0x40) {
		tg_puts("guest-min: the device needs a reset\n");
		return -1;
	}
	for (unsigned i = 0; i < QSIZE; i++)
		rxq.avail.ring[i] = (uint16_t)i;
	tg_barrier();
	rxq.avail_idx = QSIZE;
	rxq.avail.idx = QSIZE;
	tg_barrier();
	*rxq.notify = 0;
	return 0;
}

/* Send one frame (copied); waits until the device took the previous. */
void tg_virtio_send(const uint8_t *frame, unsigned len)
{
	unsigned slot = txq.avail_idx % QSIZE;
	uint8_t *b = txq.buf[slot];

	if (len > BUFSZ - HDRLEN)
		return;
	/* at most QSIZE - 1 in flight */
	while ((uint16_t)(txq.avail_idx -
			  *(volatile uint16_t *)&txq.used.idx) >= QSIZE - 1)
		;
	memset(b, 0, HDRLEN);
	memcpy(b + HDRLEN, frame, len);
	txq.desc[slot].len = HDRLEN + len;
	txq.avail.ring[slot] = (uint16_t)slot;
	tg_barrier();
	txq.avail.idx = ++txq.avail_idx;
	tg_barrier();
	*txq.notify = 1;
}

/* One received frame to @cb, or nothing; return whether one came. */
bool tg_virtio_poll(void (*cb)(const uint8_t *frame, unsigned len))
{
	uint16_t used = *(volatile uint16_t *)&rxq.used.idx;
	unsigned id, len;

	if (used == rxq.used_seen)
		return false;
	tg_barrier();
	id = rxq.used.ring[rxq.used_seen % QSIZE].id;
	len = rxq.used.ring[rxq.used_seen % QSIZE].len;
	rxq.used_seen++;
	if (id < QSIZE && len > HDRLEN && len <= BUFSZ)
		cb(rxq.buf[id] + HDRLEN, len - HDRLEN);
	if (id < QSIZE) {
		rxq.avail.ring[rxq.avail_idx % QSIZE] = (uint16_t)id;
		tg_barrier();
		rxq.avail.idx = ++rxq.avail_idx;
		tg_barrier();
		*rxq.notify = 0;
	}
	return true;
}
