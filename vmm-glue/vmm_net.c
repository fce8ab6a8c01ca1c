// SPDX-License-Identifier: GPL-2.0-or-later
/* vmm_net.c - vnet-vmm's NICs.  For each --net: ask vnetd (JSON-RPC
 * "port.add", kind vhost-user) for a port on the network, connect to the
 * socket vnetd listens on, give it the guest's RAM (the memfd) and, when
 * the guest driver sets DRIVER_OK, the validated rings with an ioeventfd
 * per queue notify register and an irqfd per MSI-X vector.  Packets never
 * pass through this process.  On exit the ports are deleted again. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/jsonrpc.h"
#include "vmm_net.h"
#include "vmm_priv.h"
#include "vmm_vfio.h"

/* What the device model passes through from vnetd's offer: transport
 * bits, MTU, mergeable receive buffers, and the offloads, which need
 * nothing from the VMM but the header vnetd reads and writes.
 * Control-queue features (CTRL_RX, CTRL_VLAN, CTRL_GUEST_OFFLOADS, ...)
 * are not passed: vnet-vmm serves the control queue and knows only MQ's
 * command.  MQ is offered with queues=N (N > 1), with CTRL_VQ. */
#define VMM_NET_OFFLOADS                                                       \
	(VU_BIT(VIRTIO_NET_F_CSUM_BIT) | VU_BIT(VIRTIO_NET_F_GUEST_CSUM_BIT) | \
	 VU_BIT(VIRTIO_NET_F_GUEST_TSO4_BIT) |                                 \
	 VU_BIT(VIRTIO_NET_F_GUEST_TSO6_BIT) |                                 \
	 VU_BIT(VIRTIO_NET_F_GUEST_ECN_BIT) |                                  \
	 VU_BIT(VIRTIO_NET_F_HOST_TSO4_BIT) |                                  \
	 VU_BIT(VIRTIO_NET_F_HOST_TSO6_BIT) |                                  \
	 VU_BIT(VIRTIO_NET_F_HOST_ECN_BIT) |                                   \
	 VU_BIT(VIRTIO_NET_F_GUEST_USO4_BIT) |                                 \
	 VU_BIT(VIRTIO_NET_F_GUEST_USO6_BIT) |                                 \
	 VU_BIT(VIRTIO_NET_F_HOST_USO_BIT))
#define VMM_NET_OFFER                                                          \
	(VU_BIT(VIRTIO_F_VERSION_1_BIT) | VU_BIT(VIRTIO_NET_F_MRG_RXBUF_BIT) | \
	 VU_BIT(VIRTIO_RING_F_EVENT_IDX_BIT) |                                 \
	 VU_BIT(VIRTIO_RING_F_INDIRECT_DESC_BIT) |                             \
	 VU_BIT(VIRTIO_NET_F_MTU_BIT) | VMM_NET_OFFLOADS)
#define VIRTIO_NET_S_LINK_UP 1
#define RPC_TIMEOUT_MS	     5000
#define VU_TIMEOUT_MS	     2000 /* a vhost-user reply */

/* ---- vnetd's JSON-RPC ---- */

/* One call; the result or NULL with the error's message in @err. */
static json_t *rpc_call(const char *sock, const char *method, json_t *params,
			char *err, size_t errlen)
{
	json_t *req = jsonrpc_request(method, params, 1), *res = NULL, *e;
	char *line = json_dumps(req, JSON_COMPACT);
	char buf[65536];
	size_t got = 0;
	int fd = jsonrpc_connect(sock);

	json_decref(req);
	if (fd < 0) {
		snprintf(err, errlen,
			 "vnetd is not running (cannot connect to %s: %s)",
			 sock, strerror(-fd));
		free(line);
		return NULL;
	}
	if (!line || write(fd, line, strlen(line)) < 0 ||
	    write(fd, "\n", 1) != 1) {
		snprintf(err, errlen, "cannot send to vnetd: %s",
			 strerror(errno));
		goto out;
	}
	while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&pf, 1, RPC_TIMEOUT_MS) <= 0) {
			snprintf(err, errlen, "vnetd did not answer %s",
				 method);
			goto out;
		}
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0) {
			snprintf(err, errlen, "vnetd closed the connection");
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = 0;
	{
		json_t *reply = json_loads(buf, JSON_DISABLE_EOF_CHECK, NULL);

		e = json_object_get(reply, "error");
		if (!reply) {
			snprintf(err, errlen, "vnetd sent a malformed answer");
		} else if (e) {
			snprintf(
			    err, errlen, "%s",
			    json_string_value(json_object_get(e, "message"))
				?: "vnetd refused");
		} else {
			res = json_incref(json_object_get(reply, "result"));
			if (!res)
				res = json_object();
		}
		json_decref(reply);
	}
out:
	free(line);
	close(fd);
	return res;
}

/* ---- vhost-user ---- */

/* One request on @sock, and its reply when @reply is not NULL, waiting
 * at most VU_TIMEOUT_MS for it (the socket is non-blocking: a backend
 * that does not read makes the send fail instead of waiting). */
static int vu_xfer(int sock, uint32_t req, const void *payload, uint32_t size,
		   const int *fds, int nfds, struct vhost_user_msg *reply)
{
	struct vhost_user_msg m = {.hdr = {req, VHOST_USER_VERSION, size}};
	int ret;

	if (payload)
		memcpy(m.payload.raw, payload, size);
	ret = vhost_user_send(sock, &m, fds, nfds);
	if (ret || !reply)
		return ret;
	ret = vhost_user_recv_timeout(sock, reply, VU_TIMEOUT_MS);
	if (!ret && reply->hdr.request != req)
		ret = -EPROTO;
	if (!ret)
		vhost_user_close_fds(reply);
	return ret;
}

/* A request on the NIC's connection (the device's lock held, or before
 * the vCPUs run).  A vnetd that does not answer in time, or whose stream
 * is out of step, is dropped: one sentence, and the connection is shut
 * down, which wakes the main loop's poll to close it and connect again.
 * Without a connection: -ENOTCONN. */
static int vu_call(struct vmm_nic *nic, uint32_t req, const void *payload,
		   uint32_t size, const int *fds, int nfds,
		   struct vhost_user_msg *reply)
{
	int ret;

	if (nic->sock < 0)
		return -ENOTCONN;
	ret = vu_xfer(nic->sock, req, payload, size, fds, nfds, reply);
	if (ret == -ETIMEDOUT || ret == -EAGAIN || ret == -EPROTO ||
	    ret == -EPIPE || ret == -ECONNRESET) {
		fprintf(stderr,
			"vnet-vmm: NIC %u: vnetd %s %s on %s; dropping the "
			"connection and connecting again\n",
			nic->index,
			ret == -ETIMEDOUT ? "did not answer" : "failed",
			vhost_user_request_name(req), nic->path);
		shutdown(nic->sock, SHUT_RDWR);
	}
	return ret;
}

/* Connect to vnetd's socket once; the connection, non-blocking. */
static int vu_connect_once(struct vmm_nic *nic)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, nic->path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    fcntl(fd, F_SETFL, O_NONBLOCK)) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* Listen mode: take the connection vnetd made, if there is one. */
static int vu_accept_once(struct vmm_nic *nic)
{
	int fd =
	    accept4(nic->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	return fd < 0 ? -errno : fd;
}

/* Listen mode: the socket vnetd (a client-mode port) connects to. */
static int vu_listen(struct vmm_nic *nic, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	strcpy(sa.sun_path, nic->path);
	unlink(nic->path);
	nic->listen_fd =
	    socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (nic->listen_fd < 0 ||
	    bind(nic->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(nic->listen_fd, 1)) {
		int e = errno;

		snprintf(err, errlen, "cannot listen on %s: %s", nic->path,
			 strerror(e));
		return -e;
	}
	return 0;
}

/* Listen mode: wait up to 5 s for vnetd's first connection. */
static int vu_accept(struct vmm_nic *nic, char *err, size_t errlen)
{
	struct pollfd pf = {.fd = nic->listen_fd, .events = POLLIN};

	if (poll(&pf, 1, 5000) == 1 && (nic->sock = vu_accept_once(nic)) >= 0)
		return 0;
	nic->sock = -1;
	snprintf(err, errlen, "vnetd did not connect to %s", nic->path);
	return -ETIMEDOUT;
}

static int vu_connect(struct vmm_nic *nic, char *err, size_t errlen)
{
	struct timespec ts = {0, 20000000};

	for (int tries = 0; tries < 250; tries++) {
		if ((nic->sock = vu_connect_once(nic)) >= 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	nic->sock = -1;
	snprintf(err, errlen, "cannot connect to vnetd's socket %s", nic->path);
	return -ECONNREFUSED;
}

/* Features and guest memory on connection @sock (not yet the NIC's: no
 * lock needed); the rings follow at DRIVER_OK.  What vnetd offers goes
 * to @features and @protocol. */
static int vu_handshake(const struct vmm_nic *nic, int sock, uint64_t *features,
			bool *protocol, char *err, size_t errlen)
{
	const struct vmm_mem *mem = &nic->vm->mem;
	struct vhost_user_memory m = {.nregions = 1};
	struct vhost_user_msg r;
	uint64_t pf = 0;
	int ret;

	ret = vu_xfer(sock, VHOST_USER_GET_FEATURES, NULL, 0, NULL, 0, &r);
	if (ret)
		goto fail;
	*features = r.payload.u64;
	*protocol = r.payload.u64 & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES_BIT);
	if (*protocol) {
		ret = vu_xfer(sock, VHOST_USER_GET_PROTOCOL_FEATURES, NULL, 0,
			      NULL, 0, &r);
		/* MQ: the backend says how many queues it has */
		if (!ret && nic->pairs > 1)
			pf = r.payload.u64 & VU_BIT(VHOST_USER_PROTOCOL_F_MQ);
		ret = ret ? ret
			  : vu_xfer(sock, VHOST_USER_SET_PROTOCOL_FEATURES, &pf,
				    sizeof(pf), NULL, 0, NULL);
		if (ret)
			goto fail;
	}
	if (nic->pairs > 1) {
		/* queues=N needs vnetd's port to run N pairs itself */
		ret = -EPROTONOSUPPORT;
		if (!(pf & VU_BIT(VHOST_USER_PROTOCOL_F_MQ)) ||
		    !(*features & VU_BIT(VIRTIO_NET_F_MQ_BIT)))
			goto fail;
		ret = vu_xfer(sock, VHOST_USER_GET_QUEUE_NUM, NULL, 0, NULL, 0,
			      &r);
		if (ret)
			goto fail;
		if (r.payload.u64 < nic->pairs) {
			snprintf(err, errlen,
				 "vnetd's port %s runs %llu queue pair(s), "
				 "not %u",
				 nic->port, (unsigned long long)r.payload.u64,
				 nic->pairs);
			return -ERANGE;
		}
	}
	ret = vu_xfer(sock, VHOST_USER_SET_OWNER, NULL, 0, NULL, 0, NULL);
	m.regions[0] = (struct vhost_user_region){
	    .guest_phys_addr = 0,
	    .memory_size = mem->size,
	    .userspace_addr = (uint64_t)(uintptr_t)mem->base,
	    .mmap_offset = 0};
	ret = ret ? ret
		  : vu_xfer(sock, VHOST_USER_SET_MEM_TABLE, &m,
			    8 + sizeof(m.regions[0]), &mem->fd, 1, NULL);
	if (!ret)
		return 0;
fail:
	snprintf(err, errlen, "vhost-user set-up with vnetd on %s failed: %s",
		 nic->path,
		 ret == -ETIMEDOUT ? "vnetd did not answer" : strerror(-ret));
	return ret;
}

static unsigned vector_gsi(const struct vmm_nic *nic, uint16_t vector)
{
	return nic->gsi_base + vector;
}

/* Attach or detach queue @q's call eventfd as an irqfd.  Detached (its
 * vector masked), what vnetd signals stays in the eventfd's counter; on
 * attaching, a non-zero counter is taken as the vector's pending bit,
 * which the transport then delivers once. */
static void call_attach(struct vmm_nic *nic, unsigned q, bool on)
{
	uint64_t cnt;

	if (nic->call[q] < 0 || nic->call_on[q] == on)
		return;
	if (on && read(nic->call[q], &cnt, sizeof(cnt)) == sizeof(cnt) && cnt)
		nic->dev.pba |= 1u << nic->dev.q[q].msix_vector;
	if (!vmm_vm_irqfd(nic->vm, nic->call[q], nic->call_gsi[q], on))
		nic->call_on[q] = on;
}

/* MSI-X table or enable bits changed: masked vectors' irqfds come off
 * before their routes go, unmasked ones go on after theirs are set. */
static void nic_msix(struct vmm_virtio *v)
{
	struct vmm_nic *nic = v->opaque;

	for (unsigned q = 0; q < v->nq; q++)
		if (!vmm_virtio_vector_usable(v, v->q[q].msix_vector))
			call_attach(nic, q, false);
	for (uint16_t i = 0; i < v->nvec; i++)
		(void)vmm_vm_set_msi(
		    nic->vm, vector_gsi(nic, i), vmm_virtio_vector_usable(v, i),
		    v->msix[i].addr_lo, v->msix[i].addr_hi, v->msix[i].data);
	for (unsigned q = 0; q < v->nq; q++)
		if (vmm_virtio_vector_usable(v, v->q[q].msix_vector))
			call_attach(nic, q, true);
}

/* Deliver one vector now (the transport checked it is usable). */
static void nic_signal(struct vmm_virtio *v, uint16_t vector)
{
	struct vmm_nic *nic = v->opaque;

	(void)vmm_vm_signal_msi(nic->vm, v->msix[vector].addr_lo,
				v->msix[vector].addr_hi, v->msix[vector].data);
}

/* Pending bits held in detached call eventfds (poll does not consume). */
static uint32_t nic_pending(struct vmm_virtio *v)
{
	struct vmm_nic *nic = v->opaque;
	uint32_t bits = 0;

	for (unsigned q = 0; q < v->nq; q++) {
		struct pollfd pf = {.fd = nic->call[q], .events = POLLIN};

		if (nic->call[q] >= 0 && !nic->call_on[q] &&
		    v->q[q].msix_vector < v->nvec && poll(&pf, 1, 0) == 1)
			bits |= 1u << v->q[q].msix_vector;
	}
	return bits;
}

/* Put queue @q's kick ioeventfd where its notify register decodes now:
 * off the address it was registered at, on at the new one (none while
 * memory decoding is off), as QEMU moves a BAR's ioeventfds with its
 * memory region.  Return 0 or -errno (then it is not registered: the
 * guest's notifications reach nic_notify(), which passes them on, as they
 * always do with ioeventfd=off). */
static int kick_place(struct vmm_nic *nic, unsigned q)
{
	uint64_t base = vmm_virtio_notify_base(&nic->dev);
	uint64_t want = base ? base + VIO_NOTIFY_MULT * q : 0;
	int ret;

	if (nic->kick[q] < 0 || nic->no_ioeventfd || nic->kick_gpa[q] == want)
		return 0;
	if (nic->kick_gpa[q])
		(void)vmm_vm_ioeventfd(nic->vm, nic->kick_gpa[q], 2,
				       nic->kick[q], false);
	nic->kick_gpa[q] = 0;
	if (!want)
		return 0;
	ret = vmm_vm_ioeventfd(nic->vm, want, 2, nic->kick[q], true);
	if (!ret)
		nic->kick_gpa[q] = want;
	return ret;
}

/* The driver moved BAR0 or switched memory decoding: the running queues'
 * kicks follow it. */
static void nic_bar_moved(struct vmm_virtio *v)
{
	struct vmm_nic *nic = v->opaque;

	for (unsigned q = 0; q < v->nq; q++)
		(void)kick_place(nic, q);
}

static void queue_fds_close(struct vmm_nic *nic, unsigned q)
{
	if (nic->kick[q] >= 0) {
		if (nic->kick_gpa[q])
			(void)vmm_vm_ioeventfd(nic->vm, nic->kick_gpa[q], 2,
					       nic->kick[q], false);
		close(nic->kick[q]);
	}
	nic->kick_gpa[q] = 0;
	if (nic->call[q] >= 0) {
		call_attach(nic, q, false);
		close(nic->call[q]);
	}
	nic->kick[q] = nic->call[q] = -1;
}

/* Tell vnetd about one ring: size, where to resume, addresses, fds. */
static int queue_vu_setup(struct vmm_nic *nic, unsigned q, uint16_t base_idx)
{
	const struct vmm_virtio_queue *vq = &nic->dev.q[q];
	const struct vmm_mem *mem = &nic->vm->mem;
	/* checked when the queue was enabled; translated, not added up */
	void *desc = vmm_mem_ptr(mem, vq->desc, 16u * vq->size);
	void *used = vmm_mem_ptr(mem, vq->device, 6 + 8u * vq->size);
	void *avail = vmm_mem_ptr(mem, vq->driver, 6 + 2u * vq->size);
	struct vhost_user_vring_state st = {q, vq->size};
	struct vhost_user_vring_addr a = {
	    .index = q,
	    .desc_user_addr = (uint64_t)(uintptr_t)desc,
	    .used_user_addr = (uint64_t)(uintptr_t)used,
	    .avail_user_addr = (uint64_t)(uintptr_t)avail,
	    .log_guest_addr = vq->device};
	uint64_t idx = q, one = 1;
	int ret;

	if (!desc || !used || !avail)
		return -EFAULT;

	ret = vu_call(nic, VHOST_USER_SET_VRING_NUM, &st, sizeof(st), NULL, 0,
		      NULL);
	st.num = base_idx;
	ret = ret ? ret
		  : vu_call(nic, VHOST_USER_SET_VRING_BASE, &st, sizeof(st),
			    NULL, 0, NULL);
	ret = ret ? ret
		  : vu_call(nic, VHOST_USER_SET_VRING_ADDR, &a, sizeof(a), NULL,
			    0, NULL);
	if (nic->call[q] >= 0)
		ret = ret ? ret
			  : vu_call(nic, VHOST_USER_SET_VRING_CALL, &idx,
				    sizeof(idx), &nic->call[q], 1, NULL);
	else {
		idx |= VHOST_USER_VRING_NOFD;
		ret = ret ? ret
			  : vu_call(nic, VHOST_USER_SET_VRING_CALL, &idx,
				    sizeof(idx), NULL, 0, NULL);
		idx = q;
	}
	ret = ret ? ret
		  : vu_call(nic, VHOST_USER_SET_VRING_KICK, &idx, sizeof(idx),
			    &nic->kick[q], 1, NULL);
	/* pairs beyond what the driver asked for wait, set up but disabled */
	st.num = q / 2 < nic->active_pairs;
	if (nic->protocol)
		ret = ret ? ret
			  : vu_call(nic, VHOST_USER_SET_VRING_ENABLE, &st,
				    sizeof(st), NULL, 0, NULL);
	/* buffers posted before (re)start: look at them now */
	if (!ret && write(nic->kick[q], &one, sizeof(one)) != sizeof(one))
		ret = -errno;
	return ret;
}

/* The kick ioeventfd and the call irqfd of one queue, then vhost-user. */
static int queue_start(struct vmm_nic *nic, unsigned q)
{
	const struct vmm_virtio_queue *vq = &nic->dev.q[q];
	int ret;

	nic->kick[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	nic->call[q] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (nic->kick[q] < 0 || nic->call[q] < 0)
		return -errno;
	nic->call_gsi[q] = vector_gsi(
	    nic, vq->msix_vector < nic->dev.nvec ? vq->msix_vector : 0);
	nic->kick_gpa[q] = 0;
	ret = kick_place(nic, q);
	if (ret)
		return ret;
	if (vq->msix_vector < nic->dev.nvec) {
		/* a masked vector: the irqfd goes on when it is unmasked */
		nic->call_on[q] = false;
		if (vmm_virtio_vector_usable(&nic->dev, vq->msix_vector)) {
			ret = vmm_vm_irqfd(nic->vm, nic->call[q],
					   nic->call_gsi[q], true);
			if (ret)
				return ret;
			nic->call_on[q] = true;
		}
	} else {
		/* no vector: the driver polls; vnetd's calls go nowhere */
		close(nic->call[q]);
		nic->call[q] = -1;
	}
	/* vnetd away: the rings go to it when it is back (nic_reconnect) */
	return nic->sock < 0 ? 0 : queue_vu_setup(nic, q, 0);
}

static void nic_reset(struct vmm_virtio *v)
{
	struct vmm_nic *nic = v->opaque;
	struct vhost_user_msg r;

	for (unsigned q = 0; q < v->nq; q++) {
		struct vhost_user_vring_state st = {q, 0};

		if (nic->kick[q] < 0)
			continue;
		(void)vu_call(nic, VHOST_USER_GET_VRING_BASE, &st, sizeof(st),
			      NULL, 0, &r);
		queue_fds_close(nic, q);
	}
	nic->ctrl_q = -1;
}

/* Enable the first @n pairs at vnetd, disable the rest. */
static int set_active_pairs(struct vmm_nic *nic, unsigned n)
{
	int ret = 0;

	nic->active_pairs = n; /* vnetd away: told when it is back */
	for (unsigned q = 0; q < 2 * nic->pairs && !ret && nic->sock >= 0;
	     q++) {
		struct vhost_user_vring_state st = {q, q / 2 < n};

		if (nic->kick[q] >= 0 && nic->protocol)
			ret = vu_call(nic, VHOST_USER_SET_VRING_ENABLE, &st,
				      sizeof(st), NULL, 0, NULL);
	}
	return ret;
}

/* One control command: the readable bytes parsed, the ack byte written. */
static int ctrl_one(struct vmm_nic *nic, const struct vmm_vq_chain *c)
{
	uint8_t cmd[16], ack;
	size_t len = 0;
	unsigned pairs = 0;

	for (unsigned i = 0; i < c->nread; i++) {
		size_t take = c->seg[i].len;

		if (take > sizeof(cmd) - len)
			take = sizeof(cmd) - len;
		memcpy(cmd + len, c->seg[i].p, take);
		len += take;
	}
	if (c->nseg == c->nread || !c->seg[c->nread].len)
		return -1; /* no room for the ack: nothing written */
	ack = vmm_net_ctrl_parse(cmd, len, nic->pairs, &pairs);
	if (ack == VIRTIO_NET_OK && set_active_pairs(nic, pairs)) {
		fprintf(stderr,
			"vnet-vmm: %s: vnetd refused %u queue pair(s)\n",
			nic->port, pairs);
		ack = VIRTIO_NET_ERR;
	}
	if (ack == VIRTIO_NET_OK)
		fprintf(stderr,
			"vnet-vmm: %s: the driver runs %u queue "
			"pair(s)\n",
			nic->port, pairs);
	c->seg[c->nread].p[0] = ack;
	return 1;
}

/* A notification that reached vnet-vmm: the control queue is ours. */
static bool nic_notify(struct vmm_virtio *v, unsigned q)
{
	struct vmm_nic *nic = v->opaque;
	struct vmm_vq_chain c;
	bool any = false;

	if (nic->ctrl_q < 0 || q != (unsigned)nic->ctrl_q) {
		uint64_t one = 1;
		ssize_t r = 0;

		/* a data queue whose ioeventfd is not where the driver
		 * notifies (it could not be placed): pass the kick on,
		 * counted as a slow notification (EAGAIN: one is pending) */
		if (q < v->nq && nic->kick[q] >= 0 && !nic->kick_gpa[q])
			r = write(nic->kick[q], &one, sizeof(one));
		(void)r;
		return false;
	}
	while (vmm_vq_pop(v, q, &nic->ctrl, &c) == 1) {
		int len = ctrl_one(nic, &c);

		if (vmm_vq_push(v, q, &nic->ctrl, c.head,
				len > 0 ? (uint32_t)len : 0))
			break;
		any = true;
	}
	if (any) {
		v->isr |= 1;
		vmm_virtio_interrupt(v, v->q[q].msix_vector);
	}
	return true;
}

static int set_features(struct vmm_nic *nic)
{
	uint64_t feat =
	    vmm_net_vu_features(nic->dev.guest_features, nic->dev.host_features,
				nic->backend_features, nic->protocol);

	return vu_call(nic, VHOST_USER_SET_FEATURES, &feat, sizeof(feat), NULL,
		       0, NULL);
}

/* Data queues go to vnetd; the control queue (with CTRL_VQ) stays here.
 * Without MQ the driver runs pair 0 only; with it, pair 0 until it asks
 * for more (virtio 1.2, 5.1.6.5.5). */
static int nic_start(struct vmm_virtio *v)
{
	struct vmm_nic *nic = v->opaque;
	bool mq = v->guest_features & VU_BIT(VIRTIO_NET_F_MQ_BIT);
	int ret = nic->sock < 0 ? 0 : set_features(nic);

	nic->active_pairs = 1;
	nic->ctrl_q = vmm_net_ctrl_queue(v->guest_features, nic->pairs);
	nic->ctrl = (struct vmm_vq_state){0};
	for (unsigned q = 0; q < 2 * (mq ? nic->pairs : 1) && !ret; q++)
		if (v->q[q].enabled)
			ret = queue_start(nic, q);
	if (ret) {
		fprintf(stderr,
			"vnet-vmm: %s: starting the queues failed: %s\n",
			nic->port, strerror(-ret));
		nic_reset(v);
	}
	return ret;
}

static const struct vmm_virtio_ops nic_ops = {
    .start = nic_start,
    .reset = nic_reset,
    .msix = nic_msix,
    .notify = nic_notify,
    .signal = nic_signal,
    .pending = nic_pending,
    .bar_moved = nic_bar_moved,
};

/* A locally administered MAC derived from the port name (stable for a
 * stable name). */
static void mac_from_name(const char *name, uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	mac[0] = 0x52;
	mac[1] = 0x54;
	mac[2] = 0x00;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

/* The MAC vnetd assigned (port.add's result), if it says one. */
static bool mac_from_result(json_t *res, uint8_t mac[6])
{
	const char *m = json_string_value(json_object_get(res, "mac"));
	unsigned b[6];
	char tail;

	if (!m ||
	    sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6 ||
	    (b[0] & 1))
		return false;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

static const char *mac_text(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

/* The network's MTU, offered to the driver (VIRTIO_NET_F_MTU). */
static unsigned network_mtu(struct vmm_nics *n, const char *network, char *err,
			    size_t errlen)
{
	json_t *res =
	    rpc_call(n->rpc_sock, "network.show",
		     json_pack("{s:s}", "name", network), err, errlen);
	unsigned mtu =
	    (unsigned)json_integer_value(json_object_get(res, "mtu"));

	json_decref(res);
	return mtu < 68 || mtu > 65535 ? 1500 : mtu;
}

/**
 * vmm_net_sriov_claim() - ask vnetd for an SR-IOV virtual function: a port
 * of kind "sriov" on a network with a VF pool
 * @rpc_sock: vnetd's control socket
 * @network: the network
 * @port: the port's name
 * @mac: in: the MAC to ask for when @has_mac; out: the VF's MAC as vnetd
 *       set it (zero when it says none)
 * @has_mac: whether to ask for @mac
 * @vf: filled: where the VF is
 * @err: one sentence on failure
 * @errlen: room in @err
 *
 * vnetd takes a free VF of the pool, sets its MAC, VLAN and spoof checking
 * on the PF and binds it to vfio-pci; port.show says where it is.
 *
 * Return: 0; -EIO when vnetd gave no port; -ENOTSUP (no VF said) or
 * -EBUSY (the VF is in error) when it gave a port without a usable VF: the
 * port exists then, delete it with vmm_net_sriov_release()
 */
int vmm_net_sriov_claim(const char *rpc_sock, const char *network,
			const char *port, uint8_t mac[6], bool has_mac,
			struct vmm_net_vf *vf, char *err, size_t errlen)
{
	json_t *params, *res, *sr;
	const char *pci, *state;
	char why[256], macs[18];

	memset(vf, 0, sizeof(*vf));
	vf->group = -1;
	params = json_pack("{s:s, s:s, s:s}", "network", network, "name", port,
			   "kind", "sriov");
	if (has_mac)
		json_object_set_new(params, "mac",
				    json_string(mac_text(mac, macs)));
	res = rpc_call(rpc_sock, "port.add", params, why, sizeof(why));
	if (!res) {
		snprintf(err, errlen,
			 "vnetd gave no SR-IOV virtual function on %s: %s",
			 network, why);
		return -EIO;
	}
	json_decref(res);
	res = rpc_call(rpc_sock, "port.show", json_pack("{s:s}", "name", port),
		       why, sizeof(why));
	sr = json_object_get(res, "sriov");
	pci = json_string_value(json_object_get(sr, "pci"));
	state = json_string_value(json_object_get(res, "state"));
	if (!res || !json_is_object(sr) || !pci ||
	    strlen(pci) >= sizeof(vf->pci)) {
		snprintf(err, errlen,
			 "vnetd's port %s says no SR-IOV virtual function "
			 "(port.show has no \"sriov\" with a \"pci\" "
			 "address)%s%s",
			 port, res ? "" : ": ", res ? "" : why);
		json_decref(res);
		return -ENOTSUP;
	}
	if (state && !strcmp(state, "error")) {
		snprintf(err, errlen,
			 "the virtual function %s is not ready: %s", pci,
			 json_string_value(json_object_get(res, "error"))
			     ?: "vnetd says error");
		json_decref(res);
		return -EBUSY;
	}
	snprintf(vf->pci, sizeof(vf->pci), "%s", pci);
	snprintf(vf->pf, sizeof(vf->pf), "%s",
		 json_string_value(json_object_get(sr, "pf")) ?: "?");
	if (json_is_integer(json_object_get(sr, "iommu_group")))
		vf->group =
		    (int)json_integer_value(json_object_get(sr, "iommu_group"));
	if (!mac_from_result(sr, mac))
		memset(mac, 0, 6);
	json_decref(res);
	return 0;
}

/**
 * vmm_net_sriov_release() - give a VF back: delete its port (vnetd clears
 * its MAC and VLAN and returns it to its host driver)
 * @rpc_sock: vnetd's control socket
 * @port: the port's name
 *
 * Return: 0, or -EIO with the reason on stderr
 */
int vmm_net_sriov_release(const char *rpc_sock, const char *port)
{
	char err[256];
	json_t *res =
	    rpc_call(rpc_sock, "port.del", json_pack("{s:s}", "name", port),
		     err, sizeof(err));

	if (!res)
		fprintf(stderr, "vnet-vmm: could not delete port %s: %s\n",
			port, err);
	json_decref(res);
	return res ? 0 : -EIO;
}

/* --net NET,sriov: a VF from vnetd, passed through with VFIO; the switch
 * is bypassed, port.del gives the VF back. */
static int nic_add_sriov(struct vmm_nics *n, struct vmm_nic *nic,
			 const struct vmm_net_spec *ns, char *err,
			 size_t errlen)
{
	struct vmm_net_vf vf;
	char why[256], macs[18];
	int ret = vmm_net_sriov_claim(n->rpc_sock, nic->network, nic->port,
				      nic->mac, ns->has_mac, &vf, err, errlen);

	if (ret == -EIO)
		return ret; /* no port was made */
	nic->port_added = true;
	n->n++;
	if (ret)
		return ret;
	ret = vmm_vfio_open(nic->vm, vf.pci, vf.group, nic->index, &nic->vfio,
			    why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "cannot pass %s through: %s", vf.pci,
			 why);
		return ret;
	}
	fprintf(stderr,
		"vnet-vmm: NIC %u on network %s: port %s, SR-IOV VF %s of %s "
		"passed through (VFIO), MAC %s\n",
		nic->index, nic->network, nic->port, vf.pci, vf.pf,
		mac_text(nic->mac, macs));
	return 0;
}

static int nic_add(struct vmm_nics *n, struct vmm_vm *vm, const char *spec,
		   char *err, size_t errlen)
{
	struct vmm_nic *nic = &n->nic[n->n];
	struct vmm_net_spec ns;
	char dir[108], macs[18], port[sizeof(nic->port)];
	const char *slash = strrchr(n->rpc_sock, '/');
	uint8_t devcfg[VMM_NET_DEVCFG_SIZE];
	uint64_t offer;
	unsigned mtu;
	json_t *res, *params;
	int ret;

	memset(nic, 0, sizeof(*nic));
	nic->vm = vm;
	nic->index = n->n;
	nic->sock = nic->listen_fd = -1;
	nic->ctrl_q = -1;
	for (unsigned q = 0; q < VIO_MAX_QUEUES; q++)
		nic->kick[q] = nic->call[q] = -1;
	if (vmm_net_parse(spec, &ns)) {
		snprintf(err, errlen,
			 "--net %s is not NETWORK[,mac=MAC][,name=PORT]"
			 "[,listen][,queues=1-%d][,ioeventfd=on|off] or "
			 "NETWORK[,mac=MAC]"
			 "[,name=PORT],sriov",
			 spec, VU_MAX_QUEUE_PAIRS);
		return -EINVAL;
	}
	snprintf(nic->network, sizeof(nic->network), "%s", ns.network);
	nic->pairs = ns.queues;
	nic->no_ioeventfd = ns.no_ioeventfd;
	if (ns.name[0])
		snprintf(nic->port, sizeof(nic->port), "%s", ns.name);
	else
		snprintf(nic->port, sizeof(nic->port), "vmm%d-%u",
			 (int)getpid(), nic->index);
	memcpy(nic->mac, ns.mac, 6);
	if (ns.sriov)
		return nic_add_sriov(n, nic, &ns, err, errlen);
	snprintf(dir, sizeof(dir), "%.*s",
		 slash ? (int)(slash - n->rpc_sock) : 1,
		 slash ? n->rpc_sock : ".");
	memcpy(port, nic->port, sizeof(port));
	if ((size_t)snprintf(nic->path, sizeof(nic->path), "%s/%s.vhost", dir,
			     port) >= sizeof(nic->path)) {
		snprintf(err, errlen, "the socket path for %s is too long",
			 nic->port);
		return -ENAMETOOLONG;
	}
	if (ns.listen && vu_listen(nic, err, errlen))
		return -EIO;
	params = json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", nic->port,
			   "network", nic->network, "kind", "vhost-user",
			   "path", nic->path, "client", ns.listen);
	if (nic->pairs > 1)
		json_object_set_new(params, "queues", json_integer(nic->pairs));
	if (ns.has_mac)
		json_object_set_new(params, "mac",
				    json_string(mac_text(nic->mac, macs)));
	res = rpc_call(n->rpc_sock, "port.add", params, err, errlen);
	if (!res && ns.listen) {
		close(nic->listen_fd);
		unlink(nic->path);
	}
	if (!res)
		return -EIO;
	/* no mac=: vnetd's (stable per network and port name); a vnetd
	 * that assigns none: one derived from the port name here */
	if (!ns.has_mac && !mac_from_result(res, nic->mac))
		mac_from_name(nic->port, nic->mac);
	json_decref(res);
	nic->port_added = true;
	n->n++;
	mtu = network_mtu(n, nic->network, err, errlen);
	ret = ns.listen ? vu_accept(nic, err, errlen)
			: vu_connect(nic, err, errlen);
	ret = ret ? ret
		  : vu_handshake(nic, nic->sock, &nic->backend_features,
				 &nic->protocol, err, errlen);
	if (ret)
		return ret;
	vmm_net_devcfg(devcfg, nic->mac, true, nic->pairs, mtu);
	offer = (nic->backend_features & VMM_NET_OFFER) |
		VU_BIT(VIRTIO_NET_F_MAC_BIT) | VU_BIT(VIRTIO_NET_F_STATUS_BIT);
	if (nic->pairs > 1)
		offer |= VU_BIT(VIRTIO_NET_F_MQ_BIT) |
			 VU_BIT(VIRTIO_NET_F_CTRL_VQ_BIT);
	ret = vmm_vm_alloc_gsis(vm, 2 * nic->pairs + 2);
	if (ret < 0) {
		snprintf(err, errlen, "too many interrupt vectors");
		return ret;
	}
	nic->gsi_base = (unsigned)ret;
	ret = vmm_virtio_init(
	    &nic->dev, 1, &vm->mem,
	    (uint32_t)(VMM_PCI_MMIO_GPA + nic->index * VIO_BAR_SIZE),
	    nic->pairs > 1 ? 2 * nic->pairs + 1 : 2, offer, devcfg,
	    sizeof(devcfg), &nic_ops, nic);
	ret = ret ? ret : vmm_pci_attach(vm->pci, &nic->dev.pci);
	if (ret < 0) {
		snprintf(err, errlen, "no room for the virtio-net function");
		return ret;
	}
	fprintf(stderr,
		"vnet-vmm: NIC %u on network %s: port %s, MAC %s, MTU %u, "
		"%u queue pair(s)\n",
		nic->index, nic->network, nic->port, mac_text(nic->mac, macs),
		mtu, nic->pairs);
	return 0;
}

/* The used index the guest last saw: where vnetd resumes a ring. */
static uint16_t ring_used_idx(const struct vmm_nic *nic, unsigned q)
{
	const uint16_t *p =
	    vmm_mem_ptr(&nic->vm->mem, nic->dev.q[q].device + 2, 2);

	return p ? __atomic_load_n(p, __ATOMIC_ACQUIRE) : 0;
}

/* vnetd went away: connect again and do the handshake without the
 * device's lock (a vnetd that accepts and never answers costs this thread
 * VU_TIMEOUT_MS, never a vCPU), then, with the lock, take the connection
 * and give vnetd the rings where they stand if the driver runs the device.
 * The guest sees nothing but a pause.  A failure is said once until its
 * reason changes.  Return 0 when connected again. */
static int nic_reconnect(struct vmm_nic *nic)
{
	char err[256] = "";
	uint64_t features = 0;
	bool protocol = false;
	int ret, fd;

	fd = nic->listen_fd >= 0 ? vu_accept_once(nic) : vu_connect_once(nic);
	if (fd < 0)
		return fd;
	ret = vu_handshake(nic, fd, &features, &protocol, err, sizeof(err));
	pthread_mutex_lock(&nic->dev.lock);
	if (!ret) {
		nic->sock = fd;
		fd = -1;
		nic->backend_features = features;
		nic->protocol = protocol;
	}
	if (!ret && nic->dev.started) {
		ret = set_features(nic);
		for (unsigned q = 0; q < nic->dev.nq && !ret; q++)
			if (nic->kick[q] >= 0)
				ret = queue_vu_setup(nic, q,
						     ring_used_idx(nic, q));
		if (ret)
			snprintf(err, sizeof(err),
				 "giving vnetd the rings failed: %s",
				 strerror(-ret));
	}
	if (ret && nic->sock >= 0) {
		close(nic->sock);
		nic->sock = -1;
	}
	pthread_mutex_unlock(&nic->dev.lock);
	if (fd >= 0)
		close(fd);
	if (ret) {
		if (strcmp(err, nic->why)) {
			fprintf(stderr,
				"vnet-vmm: NIC %u: reconnecting failed: %s\n",
				nic->index, err);
			snprintf(nic->why, sizeof(nic->why), "%s", err);
		}
		return ret;
	}
	nic->why[0] = 0;
	nic->reconnects++;
	fprintf(stderr, "vnet-vmm: NIC %u: reconnected to vnetd on %s\n",
		nic->index, nic->path);
	return 0;
}

/**
 * vmm_nics_pollfd() - the fd to watch for NIC @i: its vhost-user
 * connection, or a passed-through VF's device request eventfd
 * @n: NIC set
 * @i: index
 *
 * Return: the connection; while disconnected, the listening socket in
 * listen mode, else -1 (then call vmm_nics_service() periodically); a
 * VF's request eventfd, -1 when it has none
 */
int vmm_nics_pollfd(const struct vmm_nics *n, unsigned i)
{
	if (i >= n->n)
		return -1;
	if (n->nic[i].vfio)
		return vmm_vfio_req_fd(n->nic[i].vfio);
	return n->nic[i].sock >= 0 ? n->nic[i].sock : n->nic[i].listen_fd;
}

/**
 * vmm_nics_has_socket() - does NIC @i talk to vnetd over vhost-user (and
 * need watching and reconnecting)?
 * @n: NIC set
 * @i: index
 *
 * Return: false for a passed-through virtual function
 */
bool vmm_nics_has_socket(const struct vmm_nics *n, unsigned i)
{
	return i < n->n && !n->nic[i].vfio && n->nic[i].path[0];
}

/**
 * vmm_nics_service() - NIC @i's socket became readable (vnetd closed it:
 * the backend never writes unasked) or is down; try to reconnect.  For a
 * VF: the host asked for it back; say so (it is released when the VM
 * stops)
 * @n: NIC set
 * @i: index
 *
 * Return: true when NIC @i is connected afterwards
 */
bool vmm_nics_service(struct vmm_nics *n, unsigned i)
{
	struct vmm_nic *nic;
	char c;

	if (i < n->n && n->nic[i].vfio) {
		uint64_t asked = vmm_vfio_req_take(n->nic[i].vfio);

		if (asked)
			fprintf(stderr,
				"vnet-vmm: NIC %u: the host asks for VF %s "
				"back (an unbind, its driver or the VF count "
				"changing waits for it); it is released when "
				"this VM stops\n",
				n->nic[i].index, vmm_vfio_name(n->nic[i].vfio));
		return true;
	}
	if (!vmm_nics_has_socket(n, i))
		return true;
	nic = &n->nic[i];
	if (nic->sock >= 0) {
		ssize_t r = recv(nic->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT);

		if (r > 0 || (r < 0 && errno == EAGAIN))
			return true; /* spurious; a reply is read by its call */
		fprintf(stderr,
			"vnet-vmm: NIC %u: vnetd closed the connection; "
			"reconnecting\n",
			nic->index);
		pthread_mutex_lock(&nic->dev.lock);
		close(nic->sock);
		nic->sock = -1;
		pthread_mutex_unlock(&nic->dev.lock);
	}
	return !nic_reconnect(nic);
}

/**
 * vmm_nics_init() - no NICs yet
 * @n: filled
 */
void vmm_nics_init(struct vmm_nics *n)
{
	memset(n, 0, sizeof(*n));
}

/**
 * vmm_nics_attach() - a vnetd port and a virtio-net function per spec
 * @n: NIC set
 * @vm: the VM (RAM allocated)
 * @rpc_sock: vnetd's JSON-RPC socket
 * @specs: "NETWORK[,mac=MAC][,name=PORT]" each
 * @count: entries in @specs, at most VMM_MAX_NICS
 * @err: one sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno (ports already added are deleted by
 * vmm_nics_detach(), which the caller runs in any case)
 */
int vmm_nics_attach(struct vmm_nics *n, struct vmm_vm *vm, const char *rpc_sock,
		    const char *const *specs, unsigned count, char *err,
		    size_t errlen)
{
	n->rpc_sock = rpc_sock;
	for (unsigned i = 0; i < count && i < VMM_MAX_NICS; i++) {
		int ret = nic_add(n, vm, specs[i], err, errlen);

		if (ret)
			return ret;
	}
	return 0;
}

/**
 * vmm_nics_detach() - close the connections, delete the vnetd ports
 * @n: NIC set (vCPUs stopped)
 */
void vmm_nics_detach(struct vmm_nics *n)
{
	for (unsigned i = 0; i < n->n; i++) {
		struct vmm_nic *nic = &n->nic[i];
		char err[256];
		json_t *res;

		/* the VF reset and unmapped before vnetd takes it back */
		vmm_vfio_close(nic->vfio);
		nic->vfio = NULL;
		for (unsigned q = 0; q < VIO_MAX_QUEUES; q++)
			queue_fds_close(nic, q);
		if (nic->dev.pci.bar_rw)
			fprintf(stderr,
				"vnet-vmm: NIC %u: %lu queue notification(s) "
				"reached vnet-vmm instead of vnetd\n",
				nic->index, nic->dev.slow_notifies);
		if (nic->sock >= 0)
			close(nic->sock);
		nic->sock = -1;
		if (nic->listen_fd >= 0) {
			close(nic->listen_fd);
			unlink(nic->path);
			nic->listen_fd = -1;
		}
		if (!nic->port_added)
			continue;
		res = rpc_call(n->rpc_sock, "port.del",
			       json_pack("{s:s}", "name", nic->port), err,
			       sizeof(err));
		if (!res)
			fprintf(stderr,
				"vnet-vmm: could not delete port %s: %s\n",
				nic->port, err);
		json_decref(res);
	}
	n->n = 0;
}
