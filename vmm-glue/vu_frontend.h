/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_frontend.h - a minimal vhost-user frontend (the driver side): its own
 * shared memory and rings, for vnet-bench and the tests; vnet-vmm drives the
 * same messages for real guests */
#ifndef VNET_VU_FRONTEND_H
#define VNET_VU_FRONTEND_H

#include "vhost_user.h"

#define VUF_BUF_SIZE 2048
#define VUF_MAX_QP   VU_MAX_QUEUE_PAIRS

struct vuf_vq {
	uint16_t num;
	struct vring_desc_le *desc;
	struct vring_avail_le *avail;
	struct vring_used_le *used;
	uint64_t desc_gpa, avail_gpa, used_gpa, buf_gpa;
	uint8_t *bufs;
	uint16_t avail_idx; /* next index we publish */
	uint16_t used_seen; /* used entries consumed */
	int kick_fd, call_fd;
};

/**
 * struct vu_front - one frontend connection
 * @sock: the vhost-user socket
 * @mem: "guest memory" (a shared memfd); guest-physical address = offset
 * @hdr_len: virtio-net header bytes
 * @qps: queue pairs in use
 * @vq: receive (2q) and transmit (2q + 1) queue of each pair q
 */
struct vu_front {
	int sock;
	int memfd;
	uint8_t *mem;
	size_t mem_size;
	uint64_t features;
	unsigned hdr_len;
	unsigned qps;
	struct vuf_vq vq[2 * VUF_MAX_QP];
};

int vu_front_open(struct vu_front *f, const char *path, uint16_t qsize,
		  double timeout_s, char *err, size_t errlen);
int vu_front_open_mq(struct vu_front *f, const char *path, uint16_t qsize,
		     unsigned qps, double timeout_s, char *err, size_t errlen);
void vu_front_close(struct vu_front *f);
int vu_front_call(struct vu_front *f, uint32_t req, const void *payload,
		  uint32_t size, const int *fds, int nfds,
		  struct vhost_user_msg *reply);
unsigned vu_front_tx(struct vu_front *f, const uint8_t *const *frames,
		     const uint16_t *lens, unsigned n);
unsigned vu_front_txq(struct vu_front *f, unsigned qp,
		      const uint8_t *const *frames, const uint16_t *lens,
		      unsigned n);
unsigned vu_front_tx_reclaim(struct vu_front *f);
unsigned vu_front_tx_pending(struct vu_front *f, unsigned qp);
unsigned vu_front_rx(struct vu_front *f,
		     void (*cb)(const uint8_t *frame, uint32_t len, void *arg),
		     void *arg, unsigned max);
unsigned vu_front_rxq(struct vu_front *f, unsigned qp,
		      void (*cb)(const uint8_t *frame, uint32_t len, void *arg),
		      void *arg, unsigned max);
void vu_front_kick(struct vu_front *f, unsigned q);
bool vu_front_rx_arm(struct vu_front *f, unsigned qp);
void vu_front_post_raw(struct vu_front *f, unsigned q,
		       const struct vring_desc_le *descs, unsigned n,
		       uint16_t head);

#endif
