// SPDX-License-Identifier: GPL-2.0-or-later
/* vhost_user.c - vhost-user message transport and guest memory tables
 *
 * Both ends of the protocol use this file.  Everything a peer sends is
 * untrusted: sizes are checked against fixed maxima before anything is read
 * into a buffer, received fds are counted and closed on every error path,
 * and a guest address becomes a host pointer only through
 * guest_mem_translate(), which caps the length at the end of its region.
 */
#include "vhost_user.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const struct {
	uint32_t id;
	const char *name;
	int fds;
	bool reply;
	uint32_t max;
} vu_requests[] = {
#define VU_REQ_ROW(id, num, name, fds, reply, max) \
	{num, name, fds, reply, (uint32_t)(max)},
    VHOST_USER_REQUESTS(VU_REQ_ROW)
#undef VU_REQ_ROW
};

static int req_index(uint32_t req)
{
	for (size_t i = 0; i < sizeof(vu_requests) / sizeof(vu_requests[0]);
	     i++)
		if (vu_requests[i].id == req)
			return (int)i;
	return -1;
}

/**
 * vhost_user_request_name() - a request's name, for logs
 * @req: request id (peer-controlled)
 *
 * Return: static string ("unknown" for ids not in the table)
 */
const char *vhost_user_request_name(uint32_t req)
{
	int i = req_index(req);

	return i < 0 ? "unknown" : vu_requests[i].name;
}

/**
 * vhost_user_request_fds() - how many fds a request carries
 * @req: request id
 *
 * Return: count; -1 for "one unless the no-fd bit is set", -2 for "one per
 * memory region", -3 for an unknown request
 */
int vhost_user_request_fds(uint32_t req)
{
	int i = req_index(req);

	return i < 0 ? -3 : vu_requests[i].fds;
}

/**
 * vhost_user_request_replies() - whether the backend answers with a payload
 * @req: request id
 *
 * Return: true for requests with a reply of their own
 */
bool vhost_user_request_replies(uint32_t req)
{
	int i = req_index(req);

	return i >= 0 && vu_requests[i].reply;
}

/**
 * vhost_user_request_max() - the largest payload a request may carry
 * @req: request id (peer-controlled)
 *
 * Return: bytes, or -1 for an unknown request
 */
int vhost_user_request_max(uint32_t req)
{
	int i = req_index(req);

	return i < 0 ? -1 : (int)vu_requests[i].max;
}

/**
 * vhost_user_close_fds() - close every fd a message brought
 * @msg: message
 */
void vhost_user_close_fds(struct vhost_user_msg *msg)
{
	for (int i = 0; i < msg->nfds; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	msg->nfds = 0;
}

/**
 * vhost_user_reader_want() - bytes the message being read will have
 * @rd: reader
 *
 * Return: the header size while the header is incomplete, then header plus
 * the payload size it announced
 */
size_t vhost_user_reader_want(const struct vhost_user_reader *rd)
{
	const size_t hlen = sizeof(rd->msg.hdr);

	return rd->got < hlen ? hlen : hlen + rd->msg.hdr.size;
}

/**
 * vhost_user_reader_reset() - abandon the message being read
 * @rd: reader; its fds are closed, the next byte starts a new message
 */
void vhost_user_reader_reset(struct vhost_user_reader *rd)
{
	vhost_user_close_fds(&rd->msg);
	memset(&rd->msg.hdr, 0, sizeof(rd->msg.hdr));
	rd->got = 0;
}

/**
 * vhost_user_reader_progress() - how far the message being read got, for
 * logs: "12 of 52 bytes of SET_VRING_ADDR", "5 of the 12 header bytes"
 * @rd: reader
 * @buf: filled
 * @len: room in @buf
 */
void vhost_user_reader_progress(const struct vhost_user_reader *rd, char *buf,
				size_t len)
{
	if (rd->got < sizeof(rd->msg.hdr))
		snprintf(buf, len, "%zu of the %zu header bytes", rd->got,
			 sizeof(rd->msg.hdr));
	else
		snprintf(buf, len, "%zu of %zu bytes of %s", rd->got,
			 vhost_user_reader_want(rd),
			 vhost_user_request_name(rd->msg.hdr.request));
}

/* Keep the fds of one recvmsg() with the message.  They must come with the
 * header (a frontend sends each message with one sendmsg(), and the kernel
 * hands its fds out with its first bytes); late or surplus fds are closed. */
static int reader_take_fds(struct vhost_user_reader *rd, struct msghdr *mh,
			   bool in_hdr, char *err, size_t errlen)
{
	struct vhost_user_msg *m = &rd->msg;
	unsigned late = 0, surplus = 0;
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (!in_hdr) {
				close(fd);
				late++;
			} else if (m->nfds < VU_MAX_FDS) {
				m->fds[m->nfds++] = fd;
			} else {
				close(fd);
				surplus++;
			}
		}
	}
	if (late) {
		snprintf(err, errlen, "%u fds came after the header of %s",
			 late, vhost_user_request_name(m->hdr.request));
		return -EBADMSG;
	}
	if (surplus || (mh->msg_flags & MSG_CTRUNC)) {
		snprintf(err, errlen, "a message came with more than %d fds",
			 VU_MAX_FDS);
		return -EBADMSG;
	}
	return 0;
}

/* The header is in: refuse what cannot be a request before waiting for a
 * payload of a size the peer chose. */
static int reader_check_hdr(const struct vhost_user_msg *m, char *err,
			    size_t errlen)
{
	int max = vhost_user_request_max(m->hdr.request);

	if (max < 0) {
		snprintf(err, errlen, "unsupported request %u (flags %#x)",
			 m->hdr.request, m->hdr.flags);
		return -EOPNOTSUPP;
	}
	if (m->hdr.size > (uint32_t)max) {
		snprintf(err, errlen, "%s with a %u-byte payload (at most %d)",
			 vhost_user_request_name(m->hdr.request), m->hdr.size,
			 max);
		return -EMSGSIZE;
	}
	return 0;
}

/**
 * vhost_user_read() - read what has arrived of one message, never waiting
 * @sock: connected stream socket (any mode: reads use MSG_DONTWAIT)
 * @rd: reader; keeps a partial message between calls
 * @err: a sentence on failure (never a bare errno string)
 * @errlen: room in @err
 *
 * Reads at most up to the end of the current message, so bytes and fds of
 * the next one stay in the socket.  The payload size is checked against the
 * request's maximum as soon as the header is complete.  On error the reader
 * is reset (its fds closed).
 *
 * Return: 1 when @rd->msg holds a whole message (the caller handles it, then
 * resets the reader), 0 when more bytes are needed, -ECONNRESET when the peer
 * closed between messages, -EPIPE when it closed mid-message, -EOPNOTSUPP
 * for an unknown request, -EMSGSIZE for a payload over its maximum,
 * -EBADMSG for fds that came late or in excess, or another -errno
 */
int vhost_user_read(int sock, struct vhost_user_reader *rd, char *err,
		    size_t errlen)
{
	struct vhost_user_msg *m = &rd->msg;
	const size_t hlen = sizeof(m->hdr);
	int ret;

	for (;;) {
		char cbuf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		bool in_hdr = rd->got < hlen;
		size_t want = vhost_user_reader_want(rd);
		struct iovec iov = {in_hdr ? (uint8_t *)&m->hdr + rd->got
					   : m->payload.raw + (rd->got - hlen),
				    want - rd->got};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = cbuf,
				    .msg_controllen = sizeof(cbuf)};
		ssize_t r;

		if (!in_hdr && rd->got == want)
			return 1;
		r = recvmsg(sock, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			if (e == EAGAIN || e == EWOULDBLOCK)
				return 0;
			snprintf(err, errlen, "connection error: %s",
				 strerror(e));
			vhost_user_reader_reset(rd);
			return -e;
		}
		if (r == 0) {
			char prog[96];

			ret = rd->got ? -EPIPE : -ECONNRESET;
			vhost_user_reader_progress(rd, prog, sizeof(prog));
			if (rd->got)
				snprintf(err, errlen,
					 "closed the connection after %s",
					 prog);
			else
				snprintf(err, errlen, "closed the connection");
			vhost_user_reader_reset(rd);
			return ret;
		}
		ret = reader_take_fds(rd, &mh, in_hdr, err, errlen);
		rd->got += (size_t)r;
		if (!ret && in_hdr && rd->got == hlen)
			ret = reader_check_hdr(m, err, errlen);
		if (ret) {
			vhost_user_reader_reset(rd);
			return ret;
		}
	}
}

/**
 * vhost_user_recv_timeout() - wait up to @timeout_ms for one whole message
 * and its fds (frontends, which wait for their backend's replies)
 * @sock: connected socket
 * @msg: filled in; on error no fd is left open
 * @timeout_ms: the longest wait for the whole message, -1: no limit
 *
 * Return: 0; -ETIMEDOUT when the message was not complete in time (the
 * stream is then out of step: drop the peer); or -errno as
 * vhost_user_read() (-ECONNRESET when the peer closed)
 */
int vhost_user_recv_timeout(int sock, struct vhost_user_msg *msg,
			    int timeout_ms)
{
	struct vhost_user_reader rd;
	struct timespec now, end;
	char err[160];
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	rd.msg.nfds = 0;
	rd.got = 0;
	while (!(ret = vhost_user_read(sock, &rd, err, sizeof(err)))) {
		struct pollfd p = {.fd = sock, .events = POLLIN};
		int left = -1, n;

		if (timeout_ms >= 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left = (int)((end.tv_sec - now.tv_sec) * 1000 +
				     (end.tv_nsec - now.tv_nsec) / 1000000L);
			if (left < 0)
				left = 0;
		}
		n = poll(&p, 1, left);
		if ((n < 0 && errno != EINTR) || n == 0) {
			ret = n ? -errno : -ETIMEDOUT;
			vhost_user_reader_reset(&rd);
			return ret;
		}
	}
	if (ret < 0)
		return ret;
	memcpy(&msg->hdr, &rd.msg.hdr, sizeof(msg->hdr));
	memcpy(msg->payload.raw, rd.msg.payload.raw, msg->hdr.size);
	memcpy(msg->fds, rd.msg.fds, sizeof(msg->fds));
	msg->nfds = rd.msg.nfds;
	return 0;
}

/**
 * vhost_user_recv() - wait for one whole message and its fds, however long
 * @sock: connected socket
 * @msg: filled in; on error no fd is left open
 *
 * Return: as vhost_user_recv_timeout()
 */
int vhost_user_recv(int sock, struct vhost_user_msg *msg)
{
	return vhost_user_recv_timeout(sock, msg, -1);
}

/**
 * vhost_user_send() - write one message with fds
 * @sock: connected socket
 * @msg: message (header and @msg->hdr.size bytes of payload)
 * @fds: fds to pass, may be NULL
 * @nfds: their count (at most VU_MAX_FDS)
 *
 * Never waits on a non-blocking socket: a peer that does not read (its
 * receive buffer full) gets -EAGAIN, also when only part of the message
 * fitted (the stream is then out of step: drop the peer).
 *
 * Return: 0, -EAGAIN, or another -errno
 */
int vhost_user_send(int sock, const struct vhost_user_msg *msg, const int *fds,
		    int nfds)
{
	char cbuf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))] = {0};
	struct iovec iov[2] = {
	    {(void *)&msg->hdr, sizeof(msg->hdr)},
	    {(void *)msg->payload.raw, msg->hdr.size},
	};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	size_t want = sizeof(msg->hdr) + msg->hdr.size;
	ssize_t w;

	if (msg->hdr.size > VU_MAX_PAYLOAD || nfds > VU_MAX_FDS || nfds < 0)
		return -EINVAL;
	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = cbuf;
		mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
	}
	w = sendmsg(sock, &mh, MSG_NOSIGNAL);
	if (w < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return (size_t)w == want ? 0 : -EAGAIN;
}

/**
 * guest_mem_map() - map a memory table sent by a frontend
 * @mem: filled; must be empty (unmapped)
 * @m: the table (peer-controlled)
 * @fds: one fd per region (closed by the caller afterwards)
 * @nfds: count
 * @err: a sentence on failure
 * @errlen: room in @err
 *
 * Checks: region count within the maximum and equal to the fd count; no
 * zero-size region; no address range that wraps; no two regions whose
 * guest-physical or frontend-virtual ranges overlap.
 *
 * Return: 0 or -errno (nothing left mapped)
 */
int guest_mem_map(struct guest_mem *mem, const struct vhost_user_memory *m,
		  const int *fds, int nfds, char *err, size_t errlen)
{
	unsigned n = m->nregions;

	memset(mem, 0, sizeof(*mem));
	if (n == 0 || n > VU_MAX_REGIONS || (int)n != nfds) {
		snprintf(
		    err, errlen,
		    "memory table with %u regions and %d fds (1-%d, equal)", n,
		    nfds, VU_MAX_REGIONS);
		return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++) {
		const struct vhost_user_region *a = &m->regions[i];

		if (!a->memory_size ||
		    a->guest_phys_addr + a->memory_size < a->guest_phys_addr ||
		    a->userspace_addr + a->memory_size < a->userspace_addr ||
		    a->mmap_offset + a->memory_size < a->mmap_offset ||
		    a->memory_size > (1ull << 46)) {
			snprintf(err, errlen,
				 "memory region %u: zero or wrapping size", i);
			return -EINVAL;
		}
		for (unsigned k = 0; k < i; k++) {
			const struct vhost_user_region *b = &m->regions[k];

			if ((a->guest_phys_addr <
				 b->guest_phys_addr + b->memory_size &&
			     b->guest_phys_addr <
				 a->guest_phys_addr + a->memory_size) ||
			    (a->userspace_addr <
				 b->userspace_addr + b->memory_size &&
			     b->userspace_addr <
				 a->userspace_addr + a->memory_size)) {
				snprintf(err, errlen,
					 "memory regions %u and %u overlap", k,
					 i);
				return -EINVAL;
			}
		}
	}
	for (unsigned i = 0; i < n; i++) {
		const struct vhost_user_region *a = &m->regions[i];
		struct guest_region *r = &mem->r[i];
		size_t len = (size_t)(a->memory_size + a->mmap_offset);
		struct stat st;
		void *p;

		/* Mapping past the end of the file would turn a guest's lie
		 * into SIGBUS in vnetd. */
		if (fstat(fds[i], &st) ||
		    (S_ISREG(st.st_mode) && (uint64_t)st.st_size < len)) {
			snprintf(err, errlen,
				 "memory region %u: larger than its file", i);
			guest_mem_unmap(mem);
			return -EINVAL;
		}
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i],
			 0);

		if (p == MAP_FAILED) {
			int e = errno;

			snprintf(err, errlen, "memory region %u: mmap: %s", i,
				 strerror(e));
			guest_mem_unmap(mem);
			return -e;
		}
		r->map = p;
		r->map_size = len;
		r->hva = (uint8_t *)p + a->mmap_offset;
		r->gpa = a->guest_phys_addr;
		r->uva = a->userspace_addr;
		r->size = a->memory_size;
		mem->nregions = i + 1;
	}
	return 0;
}

/**
 * guest_mem_unmap() - drop every mapping
 * @mem: table
 */
void guest_mem_unmap(struct guest_mem *mem)
{
	for (unsigned i = 0; i < mem->nregions; i++)
		munmap(mem->r[i].map, mem->r[i].map_size);
	memset(mem, 0, sizeof(*mem));
}

/* The one place a guest address becomes a pointer. */
static void *guest_mem_translate(const struct guest_mem *mem, uint64_t addr,
				 uint64_t *len, bool uva, unsigned *hint)
{
	for (unsigned i = 0; i < mem->nregions; i++) {
		const struct guest_region *r = &mem->r[i];
		uint64_t base = uva ? r->uva : r->gpa;
		uint64_t off;

		if (addr < base || addr - base >= r->size)
			continue;
		off = addr - base;
		/* Cap at the region's end; callers loop over splits. */
		if (*len > r->size - off)
			*len = r->size - off;
		if (hint)
			*hint = i;
		return r->hva + off;
	}
	return NULL;
}

/**
 * guest_mem_gpa_to_hva() - translate a guest-physical address
 * @mem: table
 * @gpa: guest-controlled address
 * @len: in: bytes wanted; out: bytes usable at the result (may be fewer)
 *
 * Return: host pointer, or NULL when @gpa is in no region
 */
void *guest_mem_gpa_to_hva(const struct guest_mem *mem, uint64_t gpa,
			   uint64_t *len)
{
	return guest_mem_translate(mem, gpa, len, false, NULL);
}

/**
 * guest_mem_gpa_to_hva_find() - guest_mem_gpa_to_hva() that also says which
 * region it found (the slow path of guest_mem_gpa_to_hva_hint())
 * @mem: table
 * @gpa: guest-controlled address
 * @len: in: bytes wanted; out: bytes usable at the result (may be fewer)
 * @hint: set to the region's index on success
 *
 * Return: host pointer, or NULL when @gpa is in no region
 */
void *guest_mem_gpa_to_hva_find(const struct guest_mem *mem, uint64_t gpa,
				uint64_t *len, unsigned *hint)
{
	return guest_mem_translate(mem, gpa, len, false, hint);
}

/**
 * guest_mem_uva_to_hva() - translate a frontend virtual address (rings)
 * @mem: table
 * @uva: frontend-controlled address
 * @len: in: bytes wanted; out: bytes usable at the result
 *
 * Return: host pointer, or NULL when @uva is in no region
 */
void *guest_mem_uva_to_hva(const struct guest_mem *mem, uint64_t uva,
			   uint64_t *len)
{
	return guest_mem_translate(mem, uva, len, true, NULL);
}
