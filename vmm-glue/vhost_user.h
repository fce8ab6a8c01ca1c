/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vhost_user.h - the vhost-user protocol, shared by vnetd (backend) and the
 * frontends of this project (vnet-vmm, vnet-bench): messages, feature bits,
 * virtqueue layout, guest memory tables */
#ifndef VNET_VHOST_USER_H
#define VNET_VHOST_USER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Feature bits (virtio and vhost-user). */
#define VIRTIO_NET_F_CSUM_BIT		   0
#define VIRTIO_NET_F_GUEST_CSUM_BIT	   1
#define VIRTIO_NET_F_MTU_BIT		   3
#define VIRTIO_NET_F_MAC_BIT		   5
#define VIRTIO_NET_F_GUEST_TSO4_BIT	   7
#define VIRTIO_NET_F_GUEST_TSO6_BIT	   8
#define VIRTIO_NET_F_GUEST_ECN_BIT	   9
#define VIRTIO_NET_F_HOST_TSO4_BIT	   11
#define VIRTIO_NET_F_HOST_TSO6_BIT	   12
#define VIRTIO_NET_F_HOST_ECN_BIT	   13
#define VIRTIO_NET_F_MRG_RXBUF_BIT	   15
#define VIRTIO_NET_F_STATUS_BIT		   16
#define VIRTIO_NET_F_MQ_BIT		   22
#define VHOST_F_LOG_ALL_BIT		   26
#define VIRTIO_RING_F_INDIRECT_DESC_BIT	   28
#define VIRTIO_RING_F_EVENT_IDX_BIT	   29
#define VHOST_USER_F_PROTOCOL_FEATURES_BIT 30
#define VIRTIO_F_VERSION_1_BIT		   32
#define VIRTIO_F_IN_ORDER_BIT		   35
#define VIRTIO_NET_F_GUEST_USO4_BIT	   54
#define VIRTIO_NET_F_GUEST_USO6_BIT	   55
#define VIRTIO_NET_F_HOST_USO_BIT	   56
#define VU_BIT(b)			   (1ull << (b))

/* Protocol feature bits. */
#define VHOST_USER_PROTOCOL_F_MQ	0
#define VHOST_USER_PROTOCOL_F_LOG_SHMFD 1
#define VHOST_USER_PROTOCOL_F_RARP	2
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define VHOST_USER_PROTOCOL_F_MTU	4
#define VHOST_USER_PROTOCOL_F_CONFIG	9

#define VHOST_USER_VERSION	   0x1
#define VHOST_USER_FLAG_REPLY	   (1u << 2)
#define VHOST_USER_FLAG_NEED_REPLY (1u << 3)
#define VHOST_USER_VRING_IDX_MASK  0xffu
#define VHOST_USER_VRING_NOFD	   (1u << 8)
#define VHOST_VRING_F_LOG	   1u

#define VU_MAX_REGIONS	   8
#define VU_MAX_FDS	   8
#define VU_MAX_QUEUE_PAIRS 8
#define VU_MAX_QUEUES	   (2 * VU_MAX_QUEUE_PAIRS)
#define VU_MAX_QUEUE_SIZE  32768
#define VU_MAX_PAYLOAD	   4096
#define VU_LOG_PAGE	   4096

/*
 * Every request, listed once: id, name, fds it must carry (-1: 0 or 1, per
 * the "no fd" bit; -2: one per memory region), whether the backend answers
 * with a payload of its own, and the largest payload accepted (bytes; a
 * request without a body may still carry a u64, as some frontends send).
 * A reader checks the size against that maximum as soon as the header is
 * in, before it waits for the payload.
 */
#define VU_PL_U64    sizeof(uint64_t)
#define VU_PL_STATE  sizeof(struct vhost_user_vring_state)
#define VU_PL_ADDR   sizeof(struct vhost_user_vring_addr)
#define VU_PL_MEM    sizeof(struct vhost_user_memory)
#define VU_PL_LOG    sizeof(struct vhost_user_log)
#define VU_PL_CONFIG sizeof(struct vhost_user_config)
#define VHOST_USER_REQUESTS(X)                                             \
	X(GET_FEATURES, 1, "GET_FEATURES", 0, true, VU_PL_U64)             \
	X(SET_FEATURES, 2, "SET_FEATURES", 0, false, VU_PL_U64)            \
	X(SET_OWNER, 3, "SET_OWNER", 0, false, VU_PL_U64)                  \
	X(RESET_OWNER, 4, "RESET_OWNER", 0, false, VU_PL_U64)              \
	X(SET_MEM_TABLE, 5, "SET_MEM_TABLE", -2, false, VU_PL_MEM)         \
	X(SET_LOG_BASE, 6, "SET_LOG_BASE", 1, true, VU_PL_LOG)             \
	X(SET_LOG_FD, 7, "SET_LOG_FD", 1, false, VU_PL_U64)                \
	X(SET_VRING_NUM, 8, "SET_VRING_NUM", 0, false, VU_PL_STATE)        \
	X(SET_VRING_ADDR, 9, "SET_VRING_ADDR", 0, false, VU_PL_ADDR)       \
	X(SET_VRING_BASE, 10, "SET_VRING_BASE", 0, false, VU_PL_STATE)     \
	X(GET_VRING_BASE, 11, "GET_VRING_BASE", 0, true, VU_PL_STATE)      \
	X(SET_VRING_KICK, 12, "SET_VRING_KICK", -1, false, VU_PL_U64)      \
	X(SET_VRING_CALL, 13, "SET_VRING_CALL", -1, false, VU_PL_U64)      \
	X(SET_VRING_ERR, 14, "SET_VRING_ERR", -1, false, VU_PL_U64)        \
	X(GET_PROTOCOL_FEATURES, 15, "GET_PROTOCOL_FEATURES", 0, true,     \
	  VU_PL_U64)                                                       \
	X(SET_PROTOCOL_FEATURES, 16, "SET_PROTOCOL_FEATURES", 0, false,    \
	  VU_PL_U64)                                                       \
	X(GET_QUEUE_NUM, 17, "GET_QUEUE_NUM", 0, true, VU_PL_U64)          \
	X(SET_VRING_ENABLE, 18, "SET_VRING_ENABLE", 0, false, VU_PL_STATE) \
	X(SEND_RARP, 19, "SEND_RARP", 0, false, VU_PL_U64)                 \
	X(NET_SET_MTU, 20, "NET_SET_MTU", 0, false, VU_PL_U64)             \
	X(GET_CONFIG, 24, "GET_CONFIG", 0, true, VU_PL_CONFIG)             \
	X(SET_CONFIG, 25, "SET_CONFIG", 0, false, VU_PL_CONFIG)

enum vhost_user_request {
#define VU_REQ_ENUM(id, num, name, fds, reply, max) VHOST_USER_##id = num,
	VHOST_USER_REQUESTS(VU_REQ_ENUM)
#undef VU_REQ_ENUM
	    VHOST_USER_MAX_REQUEST = 26,
};

struct vhost_user_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __attribute__((packed));

struct vhost_user_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vhost_user_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

struct vhost_user_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vhost_user_memory {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_user_region regions[VU_MAX_REGIONS];
};

struct vhost_user_log {
	uint64_t mmap_size;
	uint64_t mmap_offset;
};

struct vhost_user_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t region[256];
};

/**
 * struct vhost_user_msg - one message with the fds that came with it
 * @hdr: header
 * @payload: body, @hdr.size bytes
 * @fds: file descriptors received (owned: close what is not kept)
 * @nfds: count
 */
struct vhost_user_msg {
	struct vhost_user_hdr hdr;
	union {
		uint64_t u64;
		struct vhost_user_vring_state state;
		struct vhost_user_vring_addr addr;
		struct vhost_user_memory memory;
		struct vhost_user_log log;
		struct vhost_user_config config;
		uint8_t raw[VU_MAX_PAYLOAD];
	} payload;
	int fds[VU_MAX_FDS];
	int nfds;
};

/**
 * struct vhost_user_reader - one message read piecewise from a non-blocking
 * socket, so that a peer that stops mid-message holds up nobody
 * @msg: header, payload and fds received so far (the fds are owned: they
 *       are closed by vhost_user_reader_reset() unless taken)
 * @got: bytes of @msg received, header first, then payload
 */
struct vhost_user_reader {
	struct vhost_user_msg msg;
	size_t got;
};

const char *vhost_user_request_name(uint32_t req);
int vhost_user_request_fds(uint32_t req);
bool vhost_user_request_replies(uint32_t req);
int vhost_user_request_max(uint32_t req);
int vhost_user_read(int sock, struct vhost_user_reader *rd, char *err,
		    size_t errlen) __attribute__((warn_unused_result));
size_t vhost_user_reader_want(const struct vhost_user_reader *rd);
void vhost_user_reader_progress(const struct vhost_user_reader *rd, char *buf,
				size_t len);
void vhost_user_reader_reset(struct vhost_user_reader *rd);
int vhost_user_recv(int sock, struct vhost_user_msg *msg);
int vhost_user_recv_timeout(int sock, struct vhost_user_msg *msg,
			    int timeout_ms);
int vhost_user_send(int sock, const struct vhost_user_msg *msg, const int *fds,
		    int nfds);
void vhost_user_close_fds(struct vhost_user_msg *msg);

/* ---- split virtqueue layout (virtio 1.x, little endian) ---- */

#define VRING_DESC_F_NEXT	   1
#define VRING_DESC_F_WRITE	   2
#define VRING_DESC_F_INDIRECT	   4
#define VRING_USED_F_NO_NOTIFY	   1
#define VRING_AVAIL_F_NO_INTERRUPT 1

struct vring_desc_le {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail_le {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vring_used_elem_le {
	uint32_t id;
	uint32_t len;
};

struct vring_used_le {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem_le ring[];
};

struct virtio_net_hdr_mrg {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
	uint16_t num_buffers;
};

static inline bool vring_need_event(uint16_t event, uint16_t new_idx,
				    uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

/* ---- guest memory: the one translate-and-check path ---- */

/**
 * struct guest_region - one mapped region of a guest's memory
 * @gpa: guest physical start
 * @uva: the frontend's virtual address of it (ring addresses use these)
 * @size: bytes
 * @hva: where it is mapped here
 * @map: the mapping (may start before @hva by the mmap offset)
 * @map_size: its length
 */
struct guest_region {
	uint64_t gpa;
	uint64_t uva;
	uint64_t size;
	uint8_t *hva;
	void *map;
	size_t map_size;
};

struct guest_mem {
	unsigned nregions;
	struct guest_region r[VU_MAX_REGIONS];
};

int guest_mem_map(struct guest_mem *mem, const struct vhost_user_memory *m,
		  const int *fds, int nfds, char *err, size_t errlen);
void guest_mem_unmap(struct guest_mem *mem);
void *guest_mem_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa,
			   uint64_t *len);
void *guest_mem_uva_to_hva(const struct guest_mem *mem, uint64_t uva,
			   uint64_t *len);
void *guest_mem_gpa_to_hva_find(const struct guest_mem *mem, uint64_t gpa,
				uint64_t *len, unsigned *hint);

/**
 * guest_mem_gpa_to_hva_hint() - guest_mem_gpa_to_hva(), trying first the
 * region where the caller's last address was
 * @mem: table
 * @gpa: guest-controlled address
 * @len: in: bytes wanted; out: bytes usable at the result (may be fewer)
 * @hint: in: a region index (any value: checked); out: the region used
 *
 * The same checks as guest_mem_gpa_to_hva(); inline because a guest's
 * buffers are mostly in one region and the datapath maps one per frame.
 *
 * Return: host pointer, or NULL when @gpa is in no region
 */
static inline void *guest_mem_gpa_to_hva_hint(const struct guest_mem *mem,
					      uint64_t gpa, uint64_t *len,
					      unsigned *hint)
{
	if (*hint < mem->nregions) {
		const struct guest_region *r = &mem->r[*hint];

		if (gpa >= r->gpa && gpa - r->gpa < r->size) {
			uint64_t off = gpa - r->gpa;

			if (*len > r->size - off)
				*len = r->size - off;
			return r->hva + off;
		}
	}
	return guest_mem_gpa_to_hva_find(mem, gpa, len, hint);
}

#endif
