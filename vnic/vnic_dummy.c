// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_dummy.c - a port backend with no device, for tests
 *
 * Frames injected with vnic_dummy_inject() come out of rx_burst(); frames
 * the switch transmits are kept, exactly as they would leave (tags applied),
 * for the test to inspect.  The test's thread may inject and look while a
 * datapath thread receives and transmits: the counts that hand a frame
 * over are atomic (release after the frame is written, acquire before it
 * is read); one thread injects, one receives, one transmits.
 */
#include "vnic_dummy.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "vnic_provider.h"

struct dummy_frame {
	size_t len;
	uint8_t data[PKT_MAX_FRAME + 4];
};

struct vnic_dummy {
	struct vnic base;
	struct dummy_frame rxq[VNIC_DUMMY_MAX];
	_Atomic unsigned rx_head, rx_tail;
	struct dummy_frame txq[VNIC_DUMMY_MAX];
	_Atomic unsigned n_tx;
};

static struct vnic_dummy *to_dummy(struct vnic *v)
{
	return (struct vnic_dummy *)v;
}

static int dummy_open(const struct vnic_params *params, struct vnic **out,
		      char *err, size_t errlen)
{
	struct vnic_dummy *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	vnic_base_init(&d->base, &vnic_dummy_ops, params);
	*out = &d->base;
	return 0;
}

static void dummy_close(struct vnic *v)
{
	free(v);
}

static int dummy_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
			  struct pkt **pkts, unsigned n)
{
	struct vnic_dummy *d = to_dummy(v);
	unsigned head = atomic_load_explicit(&d->rx_head, memory_order_relaxed);
	unsigned tail = atomic_load_explicit(&d->rx_tail, memory_order_acquire);
	unsigned got = 0;

	while (got < n && head != tail) {
		struct dummy_frame *f = &d->rxq[head % VNIC_DUMMY_MAX];
		struct pkt *p = pkt_pool_alloc(pool);

		if (!p)
			break;
		memcpy(p->data, f->data, f->len);
		p->len = (uint32_t)f->len;
		pkts[got++] = p;
		atomic_store_explicit(&d->rx_head, ++head,
				      memory_order_release);
	}
	return (int)got;
}

static int dummy_tx_burst(struct vnic *v, unsigned txq,
			  const struct pkt_out *out, unsigned n,
			  uint64_t *bytes)
{
	struct vnic_dummy *d = to_dummy(v);
	unsigned sent = atomic_load_explicit(&d->n_tx, memory_order_relaxed);
	unsigned i;

	for (i = 0; i < n && sent < VNIC_DUMMY_MAX; i++) {
		struct dummy_frame *f = &d->txq[sent];
		struct iovec iov[3];
		uint8_t tag[4];
		unsigned cnt = pkt_tx_iov(out[i].pkt, out[i].tci, tag, iov);

		f->len = 0;
		for (unsigned k = 0; k < cnt; k++) {
			memcpy(f->data + f->len, iov[k].iov_base,
			       iov[k].iov_len);
			f->len += iov[k].iov_len;
		}
		*bytes += f->len;
		atomic_store_explicit(&d->n_tx, ++sent, memory_order_release);
	}
	if (i < n) /* the test's capture buffer is full */
		vnic_count_drop(v, VNIC_DROP_TX_FULL, n - i);
	return (int)i;
}

/**
 * vnic_dummy_inject() - queue a frame for the next rx_burst()
 * @v: dummy port
 * @frame: bytes
 * @len: length
 *
 * Return: 0, -ENOSPC when the queue is full, -EMSGSIZE when too long
 */
int vnic_dummy_inject(struct vnic *v, const void *frame, size_t len)
{
	struct vnic_dummy *d = to_dummy(v);
	unsigned tail = atomic_load_explicit(&d->rx_tail, memory_order_relaxed);
	struct dummy_frame *f;

	if (len > PKT_MAX_FRAME)
		return -EMSGSIZE;
	if (tail - atomic_load_explicit(&d->rx_head, memory_order_acquire) >=
	    VNIC_DUMMY_MAX)
		return -ENOSPC;
	f = &d->rxq[tail % VNIC_DUMMY_MAX];
	memcpy(f->data, frame, len);
	f->len = len;
	atomic_store_explicit(&d->rx_tail, tail + 1, memory_order_release);
	return 0;
}

/**
 * vnic_dummy_sent() - frames transmitted since the last clear
 * @v: dummy port
 *
 * Return: count
 */
unsigned vnic_dummy_sent(struct vnic *v)
{
	return atomic_load_explicit(&to_dummy(v)->n_tx, memory_order_acquire);
}

/**
 * vnic_dummy_frame() - a transmitted frame
 * @v: dummy port
 * @i: index, below vnic_dummy_sent()
 * @len: set to its length
 *
 * Return: its bytes, or NULL
 */
const uint8_t *vnic_dummy_frame(struct vnic *v, unsigned i, size_t *len)
{
	struct vnic_dummy *d = to_dummy(v);

	if (i >= atomic_load_explicit(&d->n_tx, memory_order_acquire))
		return NULL;
	*len = d->txq[i].len;
	return d->txq[i].data;
}

/**
 * vnic_dummy_clear() - forget transmitted frames
 * @v: dummy port
 */
void vnic_dummy_clear(struct vnic *v)
{
	atomic_store_explicit(&to_dummy(v)->n_tx, 0, memory_order_relaxed);
}

const struct vnic_ops vnic_dummy_ops = {
    .kind = "dummy",
    .open = dummy_open,
    .close = dummy_close,
    .rx_burst = dummy_rx_burst,
    .tx_burst = dummy_tx_burst,
};
