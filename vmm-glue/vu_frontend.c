// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_frontend.c - a minimal vhost-user frontend: connects to a backend,
 * shares a memfd as guest memory, sets up one or more queue pairs and moves
 * frames
 *
 * Used by vnet-bench as a traffic generator and sink that needs no VM, and
 * by the tests as a well-behaved or a deliberately broken guest.  Memory
 * layout: for each queue, the descriptor table, the available ring, the used
 * ring, then one VUF_BUF_SIZE buffer per descriptor.
 */
#include "vu_frontend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define VUF_FEATURES                                                           \
	(VU_BIT(VIRTIO_F_VERSION_1_BIT) | VU_BIT(VIRTIO_NET_F_MRG_RXBUF_BIT) | \
	 VU_BIT(VIRTIO_RING_F_EVENT_IDX_BIT) |                                 \
	 VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES_BIT))

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/**
 * vu_front_call() - send a request; read the reply when it has one
 * @f: frontend
 * @req: request
 * @payload: body, may be NULL
 * @size: its length
 * @fds: fds to pass
 * @nfds: count
 * @reply: filled with the reply, may be NULL when none is expected
 *
 * Return: 0 or -errno
 */
int vu_front_call(struct vu_front *f, uint32_t req, const void *payload,
		  uint32_t size, const int *fds, int nfds,
		  struct vhost_user_msg *reply)
{
	struct vhost_user_msg m = {.hdr = {req, VHOST_USER_VERSION, size}};
	int ret;

	if (size > VU_MAX_PAYLOAD)
		return -EINVAL;
	if (payload)
		memcpy(m.payload.raw, payload, size);
	ret = vhost_user_send(f->sock, &m, fds, nfds);
	if (ret || !reply)
		return ret;
	ret = vhost_user_recv(f->sock, reply);
	if (!ret && reply->hdr.request != req)
		ret = -EPROTO;
	return ret;
}

static int connect_retry(const char *path, double timeout_s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timespec ts = {0, 50000000};
	int tries = (int)(timeout_s / 0.05) + 1;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	while (tries--) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		close(fd);
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

static void layout(struct vu_front *f, unsigned q, uint16_t num, size_t *off)
{
	struct vuf_vq *vq = &f->vq[q];

	vq->num = num;
	vq->desc_gpa = align_up(*off, 4096);
	vq->avail_gpa = vq->desc_gpa + 16u * num;
	vq->used_gpa = align_up(vq->avail_gpa + 6 + 2u * num, 4096);
	vq->buf_gpa = align_up(vq->used_gpa + 6 + 8u * num, 4096);
	*off = vq->buf_gpa + (size_t)num * VUF_BUF_SIZE;
}

static void bind_vq(struct vu_front *f, unsigned q)
{
	struct vuf_vq *vq = &f->vq[q];

	vq->desc = (struct vring_desc_le *)(f->mem + vq->desc_gpa);
	vq->avail = (struct vring_avail_le *)(f->mem + vq->avail_gpa);
	vq->used = (struct vring_used_le *)(f->mem + vq->used_gpa);
	vq->bufs = f->mem + vq->buf_gpa;
	/* A driver's receive buffers hold whatever was there before: the
	 * device must write every byte of the header it returns. */
	if (q % 2 == 0)
		memset(vq->bufs, 0xa5, (size_t)vq->num * VUF_BUF_SIZE);
	for (uint16_t i = 0; i < vq->num; i++) {
		vq->desc[i].addr = vq->buf_gpa + (uint64_t)i * VUF_BUF_SIZE;
		vq->desc[i].len = VUF_BUF_SIZE;
		vq->desc[i].flags = q % 2 == 0 ? VRING_DESC_F_WRITE : 0;
		vq->desc[i].next = 0;
	}
}

/**
 * vu_front_open() - connect and set up one queue pair
 * @f: frontend, filled
 * @path: backend's socket
 * @qsize: ring size (power of 2)
 * @timeout_s: how long to wait for the socket to appear
 * @err: a sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int vu_front_open(struct vu_front *f, const char *path, uint16_t qsize,
		  double timeout_s, char *err, size_t errlen)
{
	return vu_front_open_mq(f, path, qsize, 1, timeout_s, err, errlen);
}

/**
 * vu_front_open_mq() - connect and set up several queue pairs
 * @f: frontend, filled
 * @path: backend's socket
 * @qsize: ring size (power of 2)
 * @qps: queue pairs, 1 to VUF_MAX_QP; the backend must offer as many
 * @timeout_s: how long to wait for the socket to appear
 * @err: a sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int vu_front_open_mq(struct vu_front *f, const char *path, uint16_t qsize,
		     unsigned qps, double timeout_s, char *err, size_t errlen)
{
	struct vhost_user_msg r;
	struct vhost_user_memory mem = {.nregions = 1};
	size_t off = 0;
	uint64_t feat, pf;
	int ret;

	memset(f, 0, sizeof(*f));
	f->memfd = -1;
	for (unsigned q = 0; q < 2 * VUF_MAX_QP; q++)
		f->vq[q].kick_fd = f->vq[q].call_fd = -1;
	if (!qps || qps > VUF_MAX_QP) {
		snprintf(err, errlen, "1 to %d queue pairs", VUF_MAX_QP);
		return -EINVAL;
	}
	f->qps = qps;
	f->sock = connect_retry(path, timeout_s);
	if (f->sock < 0) {
		snprintf(err, errlen, "cannot connect to %s: %s", path,
			 strerror(-f->sock));
		return f->sock;
	}
	for (unsigned q = 0; q < 2 * qps; q++)
		layout(f, q, qsize, &off);
	f->mem_size = align_up(off, 1 << 21);
	f->memfd = memfd_create("vnet-frontend", MFD_CLOEXEC);
	if (f->memfd < 0 || ftruncate(f->memfd, (off_t)f->mem_size)) {
		snprintf(err, errlen, "memfd: %s", strerror(errno));
		goto fail;
	}
	f->mem = mmap(NULL, f->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      f->memfd, 0);
	if (f->mem == MAP_FAILED) {
		f->mem = NULL;
		snprintf(err, errlen, "mmap: %s", strerror(errno));
		goto fail;
	}
	for (unsigned q = 0; q < 2 * qps; q++)
		bind_vq(f, q);

	ret = vu_front_call(f, VHOST_USER_GET_FEATURES, NULL, 0, NULL, 0, &r);
	if (ret)
		goto proto;
	feat = r.payload.u64 &
	       (VUF_FEATURES | (qps > 1 ? VU_BIT(VIRTIO_NET_F_MQ_BIT) : 0));
	if (qps > 1 && !(feat & VU_BIT(VIRTIO_NET_F_MQ_BIT))) {
		snprintf(err, errlen, "%s offers no multiqueue", path);
		goto fail;
	}
	f->features = feat;
	f->hdr_len = sizeof(struct virtio_net_hdr_mrg);
	ret = vu_front_call(f, VHOST_USER_GET_PROTOCOL_FEATURES, NULL, 0, NULL,
			    0, &r);
	if (ret)
		goto proto;
	/* Plain requests, no acks needed; MQ to ask for the queue count. */
	pf = qps > 1 ? r.payload.u64 & VU_BIT(VHOST_USER_PROTOCOL_F_MQ) : 0;
	ret = vu_front_call(f, VHOST_USER_SET_PROTOCOL_FEATURES, &pf,
			    sizeof(pf), NULL, 0, NULL);
	ret = ret ? ret
		  : vu_front_call(f, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0,
				  NULL);
	ret = ret ? ret
		  : vu_front_call(f, VHOST_USER_SET_FEATURES, &feat,
				  sizeof(feat), NULL, 0, NULL);
	mem.regions[0] = (struct vhost_user_region){
	    .guest_phys_addr = 0,
	    .memory_size = f->mem_size,
	    .userspace_addr = (uint64_t)(uintptr_t)f->mem,
	    .mmap_offset = 0,
	};
	ret =
	    ret ? ret
		: vu_front_call(f, VHOST_USER_SET_MEM_TABLE, &mem,
				8 + sizeof(mem.regions[0]), &f->memfd, 1, NULL);
	if (!ret && qps > 1) {
		ret = vu_front_call(f, VHOST_USER_GET_QUEUE_NUM, NULL, 0, NULL,
				    0, &r);
		if (!ret && r.payload.u64 < qps) {
			snprintf(err, errlen, "%s offers %llu queue pairs",
				 path, (unsigned long long)r.payload.u64);
			goto fail;
		}
	}
	for (unsigned q = 0; q < 2 * qps && !ret; q++) {
		struct vuf_vq *vq = &f->vq[q];
		struct vhost_user_vring_state st = {q, vq->num};
		struct vhost_user_vring_addr a = {
		    .index = q,
		    .desc_user_addr = (uint64_t)(uintptr_t)vq->desc,
		    .used_user_addr = (uint64_t)(uintptr_t)vq->used,
		    .avail_user_addr = (uint64_t)(uintptr_t)vq->avail,
		    .log_guest_addr = vq->used_gpa,
		};
		uint64_t idx = q;

		vq->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		vq->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		ret = vu_front_call(f, VHOST_USER_SET_VRING_NUM, &st,
				    sizeof(st), NULL, 0, NULL);
		st.num = 0;
		ret = ret ? ret
			  : vu_front_call(f, VHOST_USER_SET_VRING_BASE, &st,
					  sizeof(st), NULL, 0, NULL);
		ret = ret ? ret
			  : vu_front_call(f, VHOST_USER_SET_VRING_ADDR, &a,
					  sizeof(a), NULL, 0, NULL);
		ret = ret ? ret
			  : vu_front_call(f, VHOST_USER_SET_VRING_CALL, &idx,
					  sizeof(idx), &vq->call_fd, 1, NULL);
		ret = ret ? ret
			  : vu_front_call(f, VHOST_USER_SET_VRING_KICK, &idx,
					  sizeof(idx), &vq->kick_fd, 1, NULL);
		st.num = 1;
		ret = ret ? ret
			  : vu_front_call(f, VHOST_USER_SET_VRING_ENABLE, &st,
					  sizeof(st), NULL, 0, NULL);
	}
	if (ret)
		goto proto;
	/* Post every receive buffer. */
	for (unsigned q = 0; q < 2 * qps; q += 2) {
		struct vuf_vq *vq = &f->vq[q];

		for (uint16_t i = 0; i < vq->num; i++)
			vq->avail->ring[i] = i;
		__atomic_store_n(&vq->avail->idx, vq->num, __ATOMIC_RELEASE);
		vq->avail_idx = vq->num;
		vu_front_kick(f, q);
	}
	return 0;
proto:
	snprintf(err, errlen, "vhost-user set-up with %s failed: %s", path,
		 strerror(-ret));
fail:
	vu_front_close(f);
	return -EIO;
}

/**
 * vu_front_close() - disconnect and free; safe on a half-opened frontend
 * @f: frontend
 */
void vu_front_close(struct vu_front *f)
{
	if (f->sock >= 0)
		close(f->sock);
	f->sock = -1;
	for (unsigned q = 0; q < 2 * VUF_MAX_QP; q++) {
		if (f->vq[q].kick_fd >= 0)
			close(f->vq[q].kick_fd);
		if (f->vq[q].call_fd >= 0)
			close(f->vq[q].call_fd);
		f->vq[q].kick_fd = f->vq[q].call_fd = -1;
	}
	if (f->mem)
		munmap(f->mem, f->mem_size);
	f->mem = NULL;
	if (f->memfd >= 0)
		close(f->memfd);
	f->memfd = -1;
}

/**
 * vu_front_kick() - notify the backend about queue @q
 * @f: frontend
 * @q: queue
 */
void vu_front_kick(struct vu_front *f, unsigned q)
{
	uint64_t one = 1;

	if (write(f->vq[q].kick_fd, &one, sizeof(one)) < 0) {
		/* counter saturated: a kick is pending anyway */
	}
}

static unsigned tx_reclaim(struct vuf_vq *vq)
{
	vq->used_seen = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	return (uint16_t)(vq->num - (uint16_t)(vq->avail_idx - vq->used_seen));
}

/**
 * vu_front_tx_reclaim() - take back transmit buffers the backend used
 * @f: frontend
 *
 * Return: buffers free for vu_front_tx()
 */
unsigned vu_front_tx_reclaim(struct vu_front *f)
{
	return tx_reclaim(&f->vq[1]);
}

/**
 * vu_front_tx_pending() - frames queued on a transmit queue that the
 * backend has not taken yet
 * @f: frontend
 * @qp: queue pair
 *
 * Return: count
 */
unsigned vu_front_tx_pending(struct vu_front *f, unsigned qp)
{
	struct vuf_vq *vq = &f->vq[2 * qp + 1];

	return vq->num - tx_reclaim(vq);
}

/**
 * vu_front_tx() - queue frames for the backend to receive
 * @f: frontend
 * @frames: frames (each at most VUF_BUF_SIZE - header)
 * @lens: their lengths
 * @n: count
 *
 * Buffers are used in ring order, so buffer i % num carries frame i.
 *
 * Return: frames queued (fewer when the ring is full)
 */
unsigned vu_front_tx(struct vu_front *f, const uint8_t *const *frames,
		     const uint16_t *lens, unsigned n)
{
	return vu_front_txq(f, 0, frames, lens, n);
}

/**
 * vu_front_txq() - vu_front_tx() on the transmit queue of pair @qp
 * @f: frontend
 * @qp: queue pair, below f->qps
 * @frames: frames
 * @lens: their lengths
 * @n: count
 *
 * Return: frames queued
 */
unsigned vu_front_txq(struct vu_front *f, unsigned qp,
		      const uint8_t *const *frames, const uint16_t *lens,
		      unsigned n)
{
	struct vuf_vq *vq = &f->vq[2 * qp + 1];
	unsigned room = tx_reclaim(vq), i;
	uint16_t event;

	if (n > room)
		n = room;
	for (i = 0; i < n; i++) {
		uint16_t slot = (uint16_t)(vq->avail_idx + i) & (vq->num - 1);
		uint8_t *b = vq->bufs + (size_t)slot * VUF_BUF_SIZE;

		memset(b, 0, f->hdr_len);
		memcpy(b + f->hdr_len, frames[i], lens[i]);
		vq->desc[slot].len = f->hdr_len + lens[i];
		vq->avail->ring[slot] = slot;
	}
	if (!n)
		return 0;
	vq->avail_idx = (uint16_t)(vq->avail_idx + n);
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* Kick only when the device asks, as a virtio driver does: past its
	 * avail_event with EVENT_IDX, else unless it set NO_NOTIFY. */
	if (f->features & VU_BIT(VIRTIO_RING_F_EVENT_IDX_BIT)) {
		event = __atomic_load_n((uint16_t *)&vq->used->ring[vq->num],
					__ATOMIC_RELAXED);
		if (vring_need_event(event, vq->avail_idx,
				     (uint16_t)(vq->avail_idx - n)))
			vu_front_kick(f, 2 * qp + 1);
	} else if (!(__atomic_load_n(&vq->used->flags, __ATOMIC_RELAXED) &
		     VRING_USED_F_NO_NOTIFY)) {
		vu_front_kick(f, 2 * qp + 1);
	}
	return n;
}

/**
 * vu_front_rx() - hand received frames to @cb and post their buffers again
 * @f: frontend
 * @cb: called per frame (without the virtio-net header)
 * @arg: passed to @cb
 * @max: most frames to take
 *
 * Return: frames received
 */
unsigned vu_front_rx(struct vu_front *f,
		     void (*cb)(const uint8_t *frame, uint32_t len, void *arg),
		     void *arg, unsigned max)
{
	return vu_front_rxq(f, 0, cb, arg, max);
}

/**
 * vu_front_rxq() - vu_front_rx() on the receive queue of pair @qp
 * @f: frontend
 * @qp: queue pair, below f->qps
 * @cb: called per frame
 * @arg: passed to @cb
 * @max: most frames to take
 *
 * Return: frames received
 */
unsigned vu_front_rxq(struct vu_front *f, unsigned qp,
		      void (*cb)(const uint8_t *frame, uint32_t len, void *arg),
		      void *arg, unsigned max)
{
	struct vuf_vq *vq = &f->vq[2 * qp];
	uint16_t used = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	unsigned n = 0;

	while (vq->used_seen != used && n < max) {
		struct vring_used_elem_le e =
		    vq->used->ring[vq->used_seen & (vq->num - 1)];
		uint16_t id = (uint16_t)e.id;

		if (id < vq->num && e.len >= f->hdr_len &&
		    e.len <= VUF_BUF_SIZE)
			cb(vq->bufs + (size_t)id * VUF_BUF_SIZE + f->hdr_len,
			   e.len - f->hdr_len, arg);
		vq->avail->ring[vq->avail_idx & (vq->num - 1)] = id;
		vq->avail_idx++;
		vq->used_seen++;
		n++;
	}
	if (n) {
		__atomic_store_n(&vq->avail->idx, vq->avail_idx,
				 __ATOMIC_RELEASE);
		/* With event index, ask to be told after the next one. */
		__atomic_store_n(&vq->avail->ring[vq->num], vq->used_seen,
				 __ATOMIC_RELEASE);
	}
	return n;
}

/**
 * vu_front_rx_arm() - ask for an interrupt (a write of the queue's call
 * eventfd) at the next frame on the receive queue of pair @qp, as a driver
 * does before it sleeps, then look again
 * @f: frontend
 * @qp: queue pair, below f->qps
 *
 * With EVENT_IDX the used_event slot is set to the entries consumed, else
 * NO_INTERRUPT is cleared; a full fence orders that before the second look
 * at the used index, so a frame the device published before it could see
 * the request is found here instead of being left without an interrupt.
 *
 * Return: true when frames are waiting (drain again before sleeping)
 */
bool vu_front_rx_arm(struct vu_front *f, unsigned qp)
{
	struct vuf_vq *vq = &f->vq[2 * qp];

	if (f->features & VU_BIT(VIRTIO_RING_F_EVENT_IDX_BIT))
		__atomic_store_n(&vq->avail->ring[vq->num], vq->used_seen,
				 __ATOMIC_RELAXED);
	else
		__atomic_store_n(&vq->avail->flags, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) !=
	       vq->used_seen;
}

/**
 * vu_front_post_raw() - publish hand-made descriptors (tests of a broken
 * guest)
 * @f: frontend
 * @q: queue
 * @descs: descriptors written at table slots 0..n-1
 * @n: count
 * @head: head index to put in the available ring
 */
void vu_front_post_raw(struct vu_front *f, unsigned q,
		       const struct vring_desc_le *descs, unsigned n,
		       uint16_t head)
{
	struct vuf_vq *vq = &f->vq[q];

	for (unsigned i = 0; i < n && i < vq->num; i++)
		vq->desc[i] = descs[i];
	vq->avail->ring[vq->avail_idx & (vq->num - 1)] = head;
	vq->avail_idx++;
	__atomic_store_n(&vq->avail->idx, vq->avail_idx, __ATOMIC_RELEASE);
	vu_front_kick(f, q);
}
