/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_vhost_priv.h - vhost-user backend internals: device-side virtqueues,
 * shared with the fuzz target of the descriptor walker */
#ifndef VNET_VNIC_VHOST_PRIV_H
#define VNET_VNIC_VHOST_PRIV_H

#include <endian.h>
#include <pthread.h>
#include <stdatomic.h>

#include "../vmm-glue/vhost_user.h"

#define VU_MAX_IOV   64 /* segments one chain may have */
#define VU_BURST_MAX 64 /* chains vu_vq_pop_burst() takes at once */

/* Ways a guest can break a queue; each ends the connection. */
#define VU_FAULTS(X)                                                 \
	X(NONE, "none")                                              \
	X(AVAIL_IDX, "avail index moved by more than the ring size") \
	X(HEAD_RANGE, "descriptor head out of range")                \
	X(NEXT_RANGE, "descriptor next out of range")                \
	X(LOOP, "descriptor chain longer than its table (loop)")     \
	X(BAD_ADDR, "descriptor address outside guest memory")       \
	X(INDIRECT, "bad indirect descriptor table")                 \
	X(DIRECTION, "descriptor with the wrong direction")          \
	X(TOO_MANY_SEGS, "descriptor chain with too many segments")  \
	X(TOO_LONG, "descriptor chain longer than 16 MiB")

enum vu_fault {
#define VU_FAULT_ENUM(id, desc) VU_FAULT_##id,
	VU_FAULTS(VU_FAULT_ENUM)
#undef VU_FAULT_ENUM
};

const char *vu_fault_desc(enum vu_fault f);

/* A piece of a descriptor chain, mapped. */
struct vu_iov {
	uint8_t *hva;
	uint32_t len;
	uint64_t gpa;
};

/**
 * struct vu_chain - a descriptor chain taken by vu_vq_pop_burst()
 * @iov: its mapped pieces
 * @niov: their count (0 for a chain of empty descriptors)
 * @head: head index, to give back with vu_vq_push()
 * @total: bytes the chain holds (saturated at UINT32_MAX)
 */
struct vu_chain {
	struct vu_iov *iov;
	unsigned niov;
	uint16_t head;
	uint32_t total;
};

/**
 * struct vu_dev - what the datapath needs of a connected frontend
 * @mem: guest memory
 * @hdr_len: virtio-net header bytes (12 with VERSION_1 or MRG_RXBUF, else 10)
 * @mrg: mergeable receive buffers
 * @event_idx: VIRTIO_RING_F_EVENT_IDX
 * @log_all: dirty logging on (VHOST_F_LOG_ALL negotiated); changes while the
 *           queues run (live migration): read with vu_logging()
 * @log: dirty bitmap, @log_size bytes (NULL when none)
 * @rx_ol: VNET_OL_* the frontend may send (CSUM, HOST_TSO4/6, HOST_ECN,
 *         HOST_USO); set with the features, while the queues are stopped
 */
struct vu_dev {
	struct guest_mem mem;
	unsigned hdr_len;
	unsigned rx_ol;
	bool mrg;
	bool event_idx;
	bool indirect;
	bool log_all;
	uint8_t *log;
	uint64_t log_size;
	void *log_map;
	size_t log_map_size;
};

/* Whether dirty logging is on: the one device setting the control thread
 * may change while a datapath thread reads it. */
static inline bool vu_logging(const struct vu_dev *d)
{
	return __atomic_load_n(&d->log_all, __ATOMIC_RELAXED);
}

/**
 * struct vu_vq - one virtqueue as the device sees it
 */
struct vu_vq {
	unsigned index;
	uint16_t num;
	bool num_set, addr_set, started, enabled;
	struct vhost_user_vring_addr addr;
	struct vring_desc_le *desc;
	struct vring_avail_le *avail;
	struct vring_used_le *used;
	uint16_t last_avail;
	uint16_t shadow_avail; /* avail index as last read */
	uint16_t last_used;
	uint16_t signalled_used;
	bool signalled_valid;
	uint16_t pending;  /* used entries written but not yet published */
	unsigned mem_hint; /* guest memory region of the last buffer mapped */
	int kick_fd, call_fd, err_fd;
	/* From-guest queue: kicks stay off (vnic_ops.rx_hold); written by
	 * its datapath thread, read by the control thread's vq_update(). */
	_Atomic bool held;
	_Atomic bool ready;
	_Atomic int fault;
	pthread_spinlock_t lock; /* to-guest queue shared by several threads */
	/* Counters, written by the datapath thread that uses the queue (or
	 * under @lock) with relaxed atomic stores so the control thread can
	 * read them; @shown_avail and @shown_used copy the ring positions
	 * once per burst for the same reason.  @bursts counts the bursts
	 * that moved frames, @empty the polls of a from-guest queue that
	 * found nothing, @full the bursts into a guest cut short by its full
	 * ring: together they show the batch sizes the datapath runs at. */
	uint64_t packets, bytes, drops, kicks_sent;
	uint64_t bursts, empty, full;
	uint16_t shown_avail, shown_used;
};

/* Add to a counter of struct vu_vq (single writer, see above). */
#define VQ_STAT_ADD(c, n) __atomic_store_n(&(c), (c) + (n), __ATOMIC_RELAXED)

int vu_vq_translate(const struct vu_dev *d, struct vu_vq *vq);
int vu_vq_avail(struct vu_vq *vq);
int vu_vq_avail_fresh(struct vu_vq *vq);
int vu_vq_pop(const struct vu_dev *d, struct vu_vq *vq, bool writable,
	      struct vu_iov *iov, unsigned max, unsigned *niov, uint16_t *head,
	      uint64_t *total);
unsigned vu_vq_pop_burst(const struct vu_dev *d, struct vu_vq *vq,
			 bool writable, struct vu_chain *ch, unsigned max,
			 struct vu_iov *iov, unsigned max_iov, int *fault);
void vu_vq_unpop(struct vu_vq *vq, uint16_t n);
bool vu_vq_flush(const struct vu_dev *d, struct vu_vq *vq);
void vu_vq_notify(const struct vu_dev *d, struct vu_vq *vq);
void vu_vq_set_notify(const struct vu_dev *d, struct vu_vq *vq, bool want);
void vu_log_write(const struct vu_dev *d, uint64_t gpa, uint64_t len);
void vu_log_used(const struct vu_dev *d, const struct vu_vq *vq, uint64_t off,
		 uint64_t len);

/**
 * vu_vq_push() - write a used element (published by vu_vq_flush()); inline:
 * once or twice per frame
 * @d: device
 * @vq: queue
 * @head: chain head from vu_vq_pop()
 * @len: bytes written into the chain
 */
static inline void vu_vq_push(const struct vu_dev *d, struct vu_vq *vq,
			      uint16_t head, uint32_t len)
{
	unsigned slot = vq->last_used & (vq->num - 1);
	struct vring_used_elem_le *e = &vq->used->ring[slot];

	e->id = htole32(head);
	e->len = htole32(len);
	if (vu_logging(d))
		vu_log_used(d, vq, 4 + 8 * (uint64_t)slot, 8);
	vq->last_used++;
	vq->pending++;
}

/**
 * vu_vq_push_burst() - vu_vq_push() for @n chains given back with no bytes
 * written (a guest's transmit chains), in order
 * @d: device
 * @vq: queue
 * @heads: chain heads from vu_vq_pop_burst()
 * @n: their count
 */
static inline void vu_vq_push_burst(const struct vu_dev *d, struct vu_vq *vq,
				    const uint16_t *heads, unsigned n)
{
	struct vring_used_elem_le *ring = vq->used->ring;
	unsigned mask = vq->num - 1u;
	uint16_t last = vq->last_used;

	if (__builtin_expect(vu_logging(d), 0)) {
		for (unsigned i = 0; i < n; i++)
			vu_vq_push(d, vq, heads[i], 0);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		struct vring_used_elem_le *e =
		    &ring[(uint16_t)(last + i) & mask];

		e->id = htole32(heads[i]);
		e->len = 0;
	}
	vq->last_used = (uint16_t)(last + n);
	vq->pending = (uint16_t)(vq->pending + n);
}

struct vnic;
void vnic_vhost_user_adopt(struct vnic *v, int fd);

#endif
