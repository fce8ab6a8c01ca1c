// SPDX-License-Identifier: GPL-2.0-or-later
/* tg_virtio.c - the test guest's virtio-net driver: finds the function on
 * PCI bus 0 (configuration mechanism #1), walks its virtio capabilities,
 * negotiates VERSION_1 and MAC (with "mq" also MQ and CTRL_VQ: two queue
 * pairs, asked for on the control queue, transmitting on both in turn),
 * and drives its queues by polling (no interrupts).  tg_virtio_move()
 * moves BAR0 under the running device, as a guest's PCI code may. */
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
	uint16_t avail_idx, used_seen, index;
	volatile uint16_t *notify;
	uint8_t buf[QSIZE][BUFSZ];
};

static struct vq rxq __attribute__((aligned(4096)));
static struct vq txq __attribute__((aligned(4096)));
static struct vq rxq1 __attribute__((aligned(4096)));
static struct vq txq1 __attribute__((aligned(4096)));
static struct vq ctrlq __attribute__((aligned(4096)));
static struct vq *const rxqs[2] = {&rxq, &rxq1}, *const txqs[2] = {&txq, &txq1};
static unsigned npairs = 1, next_tx, nic_slot;
static volatile uint8_t *common, *devcfg, *bar0;

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
	q->index = (uint16_t)idx;
	/* a new start after a reset: the rings begin at 0 again */
	memset(&q->avail, 0, sizeof(q->avail));
	memset(&q->used, 0, sizeof(q->used));
	q->avail_idx = q->used_seen = 0;
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
/* VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 2 on the control queue: class, command
 * and the pair count readable, the ack byte writable.  Return the ack, or
 * -1 when the device did not answer within about a second. */
static int ctrl_pairs_set(void)
{
	uint8_t *cmd = ctrlq.buf[0], *ack = ctrlq.buf[1];

	cmd[0] = 4; /* VIRTIO_NET_CTRL_MQ */
	cmd[1] = 0; /* VQ_PAIRS_SET */
	cmd[2] = 2;
	cmd[3] = 0;
	*ack = 0xff;
	ctrlq.desc[0].len = 4;
	ctrlq.desc[0].flags = 1; /* next */
	ctrlq.desc[0].next = 1;
	ctrlq.desc[1].len = 1;
	ctrlq.desc[1].flags = 2; /* device-writable */
	ctrlq.avail.ring[0] = 0;
	tg_barrier();
	ctrlq.avail.idx = ctrlq.avail_idx = 1;
	tg_barrier();
	*ctrlq.notify = ctrlq.index;
	for (unsigned spin = 0; spin < 1000000; spin++)
		if (*(volatile uint16_t *)&ctrlq.used.idx == 1)
			return *(volatile uint8_t *)ack;
	return -1;
}

int tg_virtio_init(uint8_t mac[6], bool bad, bool mq)
{
	unsigned ctrl_idx = 0;
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
	nic_slot = slot;
	bar0 = bar;
	common = devcfg = 0;
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
	w32(0x00, 1);
	{
		uint32_t hi = r32(0x04);

		w32(0x00, 0);
		tg_printf("guest-min: device offers features %x:%08x\n", hi,
			  r32(0x04));
	}
	if (mq &&
	    (r32(0x04) & (1u << 22 | 1u << 17)) == (1u << 22 | 1u << 17) &&
	    devcfg[8] >= 2) {
		npairs = 2;
		ctrl_idx = 2u * (devcfg[8] | devcfg[9] << 8);
	} else if (mq) {
		tg_puts("guest-min: the device offers no multiqueue\n");
		return -1;
	}
	w32(0x08, 0);
	/* MAC, and with two pairs MQ and CTRL_VQ */
	w32(0x0c, 1u << 5 | (npairs > 1 ? 1u << 22 | 1u << 17 : 0));
	w32(0x08, 1);
	w32(0x0c, 1); /* VERSION_1 */
	w8(0x14, 3 | 8);
	if (!(r8(0x14) & 8)) {
		tg_puts("guest-min: the device refused our features\n");
		return -1;
	}
	for (unsigned p = 0; p < npairs; p++)
		if (setup_queue(rxqs[p], 2 * p, notify, mult, true) ||
		    setup_queue(txqs[p], 2 * p + 1, notify, mult, false)) {
			tg_puts("guest-min: queues too small\n");
			return -1;
		}
	if (npairs > 1 && setup_queue(&ctrlq, ctrl_idx, notify, mult, false))
		return -1;
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
	for (unsigned p = 0; p < npairs; p++) {
		struct vq *q = rxqs[p];

		for (unsigned i = 0; i < QSIZE; i++)
			q->avail.ring[i] = (uint16_t)i;
		tg_barrier();
		q->avail_idx = QSIZE;
		q->avail.idx = QSIZE;
		tg_barrier();
		*q->notify = q->index;
	}
	if (npairs > 1) {
		int ack = ctrl_pairs_set();

		tg_printf("guest-min: 2 queue pairs, control queue %u: %s\n",
			  ctrl_idx,
			  ack == 0  ? "OK"
			  : ack < 0 ? "no answer"
				    : "refused");
		if (ack)
			return -1;
	}
	return 0;
}

/* Send one frame (copied), on the pairs' transmit queues in turn; waits
 * while the queue is full. */
void tg_virtio_send(const uint8_t *frame, unsigned len)
{
	struct vq *q = txqs[next_tx++ % npairs];
	unsigned slot = q->avail_idx % QSIZE;
	uint8_t *b = q->buf[slot];

	if (len > BUFSZ - HDRLEN)
		return;
	/* at most QSIZE - 1 in flight */
	while ((uint16_t)(q->avail_idx - *(volatile uint16_t *)&q->used.idx) >=
	       QSIZE - 1)
		;
	memset(b, 0, HDRLEN);
	memcpy(b + HDRLEN, frame, len);
	q->desc[slot].len = HDRLEN + len;
	q->avail.ring[slot] = (uint16_t)slot;
	tg_barrier();
	q->avail.idx = ++q->avail_idx;
	tg_barrier();
	*q->notify = q->index;
}

/* One received frame of queue @q to @cb, or nothing. */
static bool poll_one(struct vq *q,
		     void (*cb)(const uint8_t *frame, unsigned len))
{
	uint16_t used = *(volatile uint16_t *)&q->used.idx;
	unsigned id, len;

	if (used == q->used_seen)
		return false;
	tg_barrier();
	id = q->used.ring[q->used_seen % QSIZE].id;
	len = q->used.ring[q->used_seen % QSIZE].len;
	q->used_seen++;
	if (id < QSIZE && len > HDRLEN && len <= BUFSZ)
		cb(q->buf[id] + HDRLEN, len - HDRLEN);
	if (id < QSIZE) {
		q->avail.ring[q->avail_idx % QSIZE] = (uint16_t)id;
		tg_barrier();
		q->avail.idx = ++q->avail_idx;
		tg_barrier();
		*q->notify = q->index;
	}
	return true;
}

/* One received frame per receive queue to @cb; return whether any came. */
bool tg_virtio_poll(void (*cb)(const uint8_t *frame, unsigned len))
{
	bool got = false;

	for (unsigned p = 0; p < npairs; p++)
		got |= poll_one(rxqs[p], cb);
	return got;
}

/* Move BAR0 to @gpa while the device runs (memory decoding stays on): the
 * device's registers, and its queues' notify addresses, follow.  Return
 * the new base, or 0 when the device did not take it. */
uint32_t tg_virtio_move(uint32_t gpa)
{
	uint32_t now;
	int32_t delta;
	struct vq *const all[5] = {&rxq, &txq, &rxq1, &txq1, &ctrlq};

	pci_write(nic_slot, 0x10, gpa);
	now = pci_read(nic_slot, 0x10) & ~0xfu;
	if (now != gpa)
		return 0;
	delta = (int32_t)(now - (uint32_t)bar0);
	bar0 += delta;
	common += delta;
	devcfg += delta;
	for (unsigned i = 0; i < 5; i++)
		if (all[i]->notify)
			all[i]->notify =
			    (volatile uint16_t
				 *)((volatile uint8_t *)all[i]->notify + delta);
	return now;
}
