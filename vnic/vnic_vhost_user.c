// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_vhost_user.c - vNICs served to VMMs over vhost-user
 *
 * Control: the frontend's socket (vnetd listens, or with --client connects
 * and reconnects) is watched by the control thread through one epoll fd of
 * the port's own (listening socket, connection, reconnect timer, message
 * deadline timer, fault eventfd).  The control thread never waits on a
 * frontend: messages are read without blocking into the port's buffer, a
 * message must be whole within VH_MSG_DEADLINE_MS of its first byte, and a
 * reply that does not fit in the socket drops the frontend.  Messages are
 * dispatched through the request table in vmm-glue/vhost_user.h and
 * validated before use; fd counts are exact per request and every fd is
 * checked for its kind.  A misbehaving frontend is disconnected with a log
 * line naming the port and the reason; the port waits for the next
 * connection (server) or reconnects (client).
 *
 * Data: each of the guest's transmit queues (odd indices) is one receive
 * queue of the port, owned by one datapath thread.  Datapath threads
 * transmit into the guest's receive queues (even indices): when the guest
 * runs at least as many as there are threads, each thread has queues of its
 * own (one writer, no lock) and spreads frames over them by MAC pair, so a
 * conversation stays in order on one queue; otherwise threads share the
 * queues under a spinlock.
 * A received frame that sits in one guest buffer is handed to the switch in
 * place (no copy); transmitting copies it once, straight into the receiving
 * guest's buffers.  Used-ring updates and interrupts are batched per burst.
 *
 * Any change to what the datapath reads (memory table, rings, connection)
 * first marks the queues not ready and waits for the switch's grace period.
 */
#include "vnic_provider.h"
#include "vnic_vhost_priv.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"

/* Checksum and segmentation offloads, both ways (virtio 1.2 for USO). */
#define VU_OFFLOAD_FEATURES                                                    \
	(VU_BIT(VIRTIO_NET_F_CSUM_BIT) | VU_BIT(VIRTIO_NET_F_GUEST_CSUM_BIT) | \
	 VU_BIT(VIRTIO_NET_F_HOST_TSO4_BIT) |                                  \
	 VU_BIT(VIRTIO_NET_F_HOST_TSO6_BIT) |                                  \
	 VU_BIT(VIRTIO_NET_F_HOST_ECN_BIT) |                                   \
	 VU_BIT(VIRTIO_NET_F_HOST_USO_BIT) |                                   \
	 VU_BIT(VIRTIO_NET_F_GUEST_TSO4_BIT) |                                 \
	 VU_BIT(VIRTIO_NET_F_GUEST_TSO6_BIT) |                                 \
	 VU_BIT(VIRTIO_NET_F_GUEST_ECN_BIT) |                                  \
	 VU_BIT(VIRTIO_NET_F_GUEST_USO4_BIT) |                                 \
	 VU_BIT(VIRTIO_NET_F_GUEST_USO6_BIT))
#define VU_FEATURES                                                            \
	(VU_BIT(VIRTIO_F_VERSION_1_BIT) | VU_BIT(VIRTIO_NET_F_MRG_RXBUF_BIT) | \
	 VU_BIT(VIRTIO_RING_F_INDIRECT_DESC_BIT) |                             \
	 VU_BIT(VIRTIO_RING_F_EVENT_IDX_BIT) | VU_BIT(VIRTIO_F_IN_ORDER_BIT) | \
	 VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES_BIT) |                          \
	 VU_BIT(VHOST_F_LOG_ALL_BIT) | VU_BIT(VIRTIO_NET_F_MQ_BIT) |           \
	 VU_BIT(VIRTIO_NET_F_MAC_BIT) | VU_BIT(VIRTIO_NET_F_STATUS_BIT) |      \
	 VU_BIT(VIRTIO_NET_F_MTU_BIT) | VU_OFFLOAD_FEATURES)
/* A message must be whole this long after its first byte. */
#define VH_MSG_DEADLINE_MS 1000
/* Messages handled per wake-up; a flood waits for the next round. */
#define VH_MSG_BUDGET 16

#define VU_PROTOCOL_FEATURES                       \
	(VU_BIT(VHOST_USER_PROTOCOL_F_MQ) |        \
	 VU_BIT(VHOST_USER_PROTOCOL_F_LOG_SHMFD) | \
	 VU_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK) | \
	 VU_BIT(VHOST_USER_PROTOCOL_F_MTU))

enum vu_ctl_ref {
	VU_REF_LISTEN = 1,
	VU_REF_CONN,
	VU_REF_TIMER,
	VU_REF_FAULT,
	VU_REF_DEADLINE,
};

/* A txmap entry: the queue pairs (bit map) whose receive queue a thread
 * writes, and whether another thread may write them too. */
#define VH_TXQ_NONE   0u
#define VH_TXQ_LOCKED 0x100u

/* Frames up to this size (64-byte traffic, ARP, TCP ACKs) are copied into
 * the port's own per-burst buffers, larger ones into pool buffers. */
#define VH_SMALL_FRAME 256

struct vnic_vhost {
	struct vnic base;
	char path[108];
	bool client;
	bool poll;
	unsigned qps; /* queue pairs offered */
	uint8_t mac[6];
	bool has_mac;
	int listen_fd, conn_fd, ctl_epfd, timer_fd, fault_fd;
	int rx_epfd[VU_MAX_QUEUE_PAIRS]; /* kick fd of guest tx queue q */
	/* Transmit map, datapath thread -> guest receive queue (VH_TXQ_*). */
	_Atomic uint16_t txmap[VNIC_MAX_TXQ];
	/* the message being read, and when its first and latest bytes came
	 * (0: none pending); deadline_fd fires when it is late */
	int deadline_fd;
	struct vhost_user_reader rd;
	uint64_t msg_first_ns, msg_last_ns;
	uint64_t features, protocol_features;
	bool features_set;
	struct vu_dev dev;
	struct vu_vq vq[VU_MAX_QUEUES];
	/* Descriptors of the small frames a guest transmit queue hands
	 * over, reused burst after burst by the thread polling the queue:
	 * no pool buffer behind them (pool NULL: vnic_rx_done() leaves them
	 * alone), and they live only until vnic_rx_done(), like the copies
	 * in @rx_small they point at. */
	struct pkt rx_zc[VU_MAX_QUEUE_PAIRS][PKT_BURST];
	/* Their bytes: a small frame is copied here, out of the guest's
	 * reach, before the switch judges it. */
	uint8_t rx_small[VU_MAX_QUEUE_PAIRS][PKT_BURST][VH_SMALL_FRAME];
	/* Heads of the chains the last burst took from a guest transmit
	 * queue, in ring order, frames and dropped chains alike: given back
	 * in that order (VIRTIO_F_IN_ORDER) when the switch is done. */
	uint16_t rx_used[VU_MAX_QUEUE_PAIRS][PKT_BURST];
	unsigned rx_nused[VU_MAX_QUEUE_PAIRS];
	bool link;
	/* control-side counters; last_error is the reason of the latest drop,
	 * kept across reconnects (a frontend that reconnects at once must not
	 * wipe it) */
	uint64_t connects, disconnects;
	char last_error[160];
	/* per port, so one noisy frontend cannot hide another port's lines */
	struct log_ratelimit rl_conn, rl_drop;
};

/* A line a frontend can cause: rate-limited per port, object name first. */
#define vh_log_rl(vh, rl, lvl, fmt, ...)                                  \
	do {                                                              \
		uint32_t supp_;                                           \
		if (log_enabled(LOG_MOD_VHOST, LOG_LVL_##lvl) &&          \
		    log_ratelimit_allow(&(vh)->rl, &supp_)) {             \
			if (supp_)                                        \
				log_msg(LOG_MOD_VHOST, LOG_LVL_##lvl,     \
					"%s: %u similar messages "        \
					"suppressed",                     \
					(vh)->base.name, supp_);          \
			log_msg(LOG_MOD_VHOST, LOG_LVL_##lvl, "%s: " fmt, \
				(vh)->base.name, ##__VA_ARGS__);          \
		}                                                         \
	} while (0)

static struct vnic_vhost *to_vh(const struct vnic *v)
{
	return (struct vnic_vhost *)v;
}

static void vh_sync(struct vnic_vhost *vh)
{
	if (vh->base.host)
		vh->base.host->sync(vh->base.host->arg);
}

static void vh_set_link(struct vnic_vhost *vh, bool up)
{
	if (vh->link == up)
		return;
	vh->link = up;
	if (vh->base.host)
		vh->base.host->link(vh->base.host->arg, up);
}

static int ctl_add(struct vnic_vhost *vh, int fd, enum vu_ctl_ref ref)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = ref};

	return epoll_ctl(vh->ctl_epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static void fd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* What an fd a frontend passed is, for logs: "socket:[1234]",
 * "anon_inode:[eventfd]", "/memfd:guest (deleted)". */
static void fd_kind(int fd, char *buf, size_t len)
{
	char path[32];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, len - 1);
	buf[n < 0 ? 0 : n] = 0;
}

static void txmap_store(struct vnic_vhost *vh, const uint16_t *map, unsigned n,
			uint16_t or)
{
	for (unsigned i = 0; i < n; i++)
		atomic_store_explicit(
		    &vh->txmap[i], map[i] == VH_TXQ_NONE ? map[i] : map[i] | or,
		    memory_order_relaxed);
}

/* Give each datapath thread guest receive queues.  With at least as many
 * ready queues as threads, thread i owns queues i, i + threads, ... alone;
 * otherwise threads share them round-robin under the queue's lock.  A
 * thread may still run with the previous map until a grace period passes,
 * so a change goes through states in which any two threads on one queue
 * both lock it: (old map, all locked), (new map, all locked), the new map. */
static void vh_tx_remap(struct vnic_vhost *vh)
{
	unsigned nt = vh->base.host ? vh->base.host->tx_queues : 1;
	uint16_t cur[VNIC_MAX_TXQ], next[VNIC_MAX_TXQ] = {0};
	unsigned ready[VU_MAX_QUEUE_PAIRS] = {0}, nr = 0;
	bool same = true, unlocked = false;

	if (!nt || nt > VNIC_MAX_TXQ)
		nt = nt ? VNIC_MAX_TXQ : 1;
	for (unsigned q = 0; q < vh->qps; q++)
		if (atomic_load(&vh->vq[2 * q].ready))
			ready[nr++] = q;
	for (unsigned j = 0; nr >= nt && j < nr; j++)
		next[j % nt] |= (uint16_t)(1u << ready[j]);
	for (unsigned i = 0; nr && nr < nt && i < nt; i++)
		next[i] =
		    (uint16_t)(1u << ready[i % nr] |
			       (i % nr + nr < nt || i >= nr ? VH_TXQ_LOCKED
							    : 0));
	for (unsigned i = 0; i < nt; i++) {
		cur[i] = atomic_load(&vh->txmap[i]);
		same &= cur[i] == next[i];
		unlocked |= cur[i] != VH_TXQ_NONE && !(cur[i] & VH_TXQ_LOCKED);
	}
	if (same)
		return;
	if (unlocked) {
		txmap_store(vh, cur, nt, VH_TXQ_LOCKED);
		vh_sync(vh);
	}
	txmap_store(vh, next, nt, VH_TXQ_LOCKED);
	vh_sync(vh);
	txmap_store(vh, next, nt, 0);
}

/* A guest transmit queue has just become ready again: signal its kick
 * eventfd once.  The switch watches it edge-triggered, so a kick that came
 * while the queue was not ready (the datapath then returns at once) left no
 * edge behind; this one makes the owner look at the ring. */
static void vq_rekick(const struct vnic_vhost *vh, const struct vu_vq *vq)
{
	uint64_t one = 1;

	if ((vq->index & 1) && !vh->poll && vq->kick_fd >= 0 &&
	    write(vq->kick_fd, &one, sizeof(one)) < 0) {
		/* counter saturated: readable anyway */
	}
}

/* Recompute which queues the datapath may use; call after every change. */
static void vq_update(struct vnic_vhost *vh, struct vu_vq *vq)
{
	bool was = atomic_load(&vq->ready);
	bool now = vh->features_set && vh->dev.mem.nregions && vq->desc &&
		   vq->started && vq->enabled && !atomic_load(&vq->fault);
	bool guest_tx = vq->index & 1;

	if (was == now)
		goto link;
	if (now) {
		vu_vq_set_notify(
		    &vh->dev, vq,
		    guest_tx && !vh->poll &&
			!atomic_load_explicit(&vq->held, memory_order_relaxed));
		/* Ready first: the switch watches the queue edge-triggered,
		 * and the edge that adding a kicked fd makes must find the
		 * queue ready, or that kick is gone. */
		atomic_store(&vq->ready, true);
		if (guest_tx && vq->kick_fd >= 0 && !vh->poll) {
			struct epoll_event ev = {.events = EPOLLIN,
						 .data.u32 = vq->index};

			epoll_ctl(vh->rx_epfd[vq->index / 2], EPOLL_CTL_ADD,
				  vq->kick_fd, &ev);
		}
		vq_rekick(vh, vq);
	} else {
		atomic_store(&vq->ready, false);
		vh_sync(vh);
		/* A ring stopped for the frontend (GET_VRING_BASE: migration,
		 * a reset) goes to whoever runs it next asking for kicks, as a
		 * new ring does, not with them left off (coalescing, poll
		 * mode): a backend that never writes avail_event itself would
		 * wait for kicks that do not come. */
		if (guest_tx && !vq->started && vq->used &&
		    vh->dev.mem.nregions)
			vu_vq_set_notify(&vh->dev, vq, true);
		if (guest_tx && vq->kick_fd >= 0)
			epoll_ctl(vh->rx_epfd[vq->index / 2], EPOLL_CTL_DEL,
				  vq->kick_fd, NULL);
	}
	vh_tx_remap(vh);
link:
	vh_set_link(vh, atomic_load(&vh->vq[0].ready));
}

/* Stop every queue and wait until the datapath has left them. */
static void vq_stop_all(struct vnic_vhost *vh)
{
	bool any = false;

	for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
		any |= atomic_exchange(&vh->vq[i].ready, false);
	if (any)
		vh_sync(vh);
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
		if ((i & 1) && vh->vq[i].kick_fd >= 0)
			epoll_ctl(vh->rx_epfd[i / 2], EPOLL_CTL_DEL,
				  vh->vq[i].kick_fd, NULL);
	vh_tx_remap(vh);
}

static void vq_reset(struct vu_vq *vq, unsigned index)
{
	fd_close(&vq->kick_fd);
	fd_close(&vq->call_fd);
	fd_close(&vq->err_fd);
	vq->index = index;
	vq->num = 0;
	vq->num_set = vq->addr_set = vq->started = false;
	vq->enabled = false;
	vq->desc = NULL;
	vq->avail = NULL;
	vq->used = NULL;
	vq->last_avail = vq->last_used = vq->signalled_used = 0;
	vq->shadow_avail = 0;
	vq->shown_avail = vq->shown_used = 0;
	vq->signalled_valid = false;
	vq->pending = 0;
	atomic_store(&vq->fault, VU_FAULT_NONE);
}

static void log_unmap(struct vu_dev *d)
{
	if (d->log_map)
		munmap(d->log_map, d->log_map_size);
	d->log_map = NULL;
	d->log = NULL;
	d->log_size = 0;
}

static void vh_deadline_stop(struct vnic_vhost *vh)
{
	static const struct itimerspec off;

	if (!vh->msg_first_ns)
		return;
	timerfd_settime(vh->deadline_fd, 0, &off, NULL);
	vh->msg_first_ns = vh->msg_last_ns = 0;
}

/* Forget the frontend: queues, memory, features, the message being read.
 * The port stays; a client-mode port starts reconnecting. */
static void vh_disconnect(struct vnic_vhost *vh, const char *why)
{
	if (vh->conn_fd < 0)
		return;
	vq_stop_all(vh);
	vh_set_link(vh, false);
	if (why) {
		snprintf(vh->last_error, sizeof(vh->last_error), "%s", why);
		vh_log_rl(vh, rl_drop, WARN, "frontend disconnected: %s", why);
	} else {
		vh_log_rl(vh, rl_conn, INFO, "frontend closed the connection");
	}
	epoll_ctl(vh->ctl_epfd, EPOLL_CTL_DEL, vh->conn_fd, NULL);
	fd_close(&vh->conn_fd);
	vh_deadline_stop(vh);
	vhost_user_reader_reset(&vh->rd);
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
		vq_reset(&vh->vq[i], i);
	guest_mem_unmap(&vh->dev.mem);
	log_unmap(&vh->dev);
	vh->features = vh->protocol_features = 0;
	vh->dev.rx_ol = 0;
	atomic_store(&vh->base.tx_offloads, 0);
	vh->features_set = false;
	vh->disconnects++;
	if (vh->client) {
		struct itimerspec its = {{1, 0}, {1, 0}};

		timerfd_settime(vh->timer_fd, 0, &its, NULL);
	}
}

/* Take @fd (owned) as the frontend's connection.  It is made non-blocking
 * and watched for input and hang-ups, whatever state the port is in. */
static int vh_connected(struct vnic_vhost *vh, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP,
				 .data.u32 = VU_REF_CONN};
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) ||
	    epoll_ctl(vh->ctl_epfd, EPOLL_CTL_ADD, fd, &ev)) {
		int e = errno;

		vlog(VHOST, ERR, "%s: cannot watch the frontend's socket: %s",
		     vh->base.name, strerror(e));
		close(fd);
		return -e;
	}
	vh->conn_fd = fd;
	vh->connects++;
	vhost_user_reader_reset(&vh->rd);
	vh_log_rl(vh, rl_conn, INFO, "frontend connected");
	return 0;
}

/**
 * vnic_vhost_user_adopt() - take an already connected socket as the
 * frontend's (tests and fuzzing)
 * @v: vhost-user port without a frontend
 * @fd: connected stream socket; owned from now on (made non-blocking)
 */
void vnic_vhost_user_adopt(struct vnic *v, int fd)
{
	struct vnic_vhost *vh = to_vh(v);

	if (vh->conn_fd >= 0) {
		close(fd);
		return;
	}
	if (vh_connected(vh, fd)) {
		/* already logged; fd closed */
	}
}

/* Client mode: one connection attempt, never waiting (a frontend whose
 * listen backlog is full is tried again on the next tick).  The reconnect
 * timer keeps ticking until a connection is taken. */
static void vh_try_connect(struct vnic_vhost *vh)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	static const struct itimerspec off;
	int fd;

	if (vh->conn_fd >= 0)
		return;
	strcpy(sa.sun_path, vh->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return; /* the timer tries again */
	}
	if (!vh_connected(vh, fd))
		timerfd_settime(vh->timer_fd, 0, &off, NULL);
}

/* ---- message handlers: return 0, or -errno with vh->last_error set ---- */

#define VH_FAIL(vh, ...)                                             \
	({                                                           \
		snprintf((vh)->last_error, sizeof((vh)->last_error), \
			 __VA_ARGS__);                               \
		-EINVAL;                                             \
	})

static struct vu_vq *vq_of(struct vnic_vhost *vh, uint32_t index)
{
	return index < 2 * vh->qps ? &vh->vq[index] : NULL;
}

static int h_get_features(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	m->payload.u64 = VU_FEATURES;
	m->hdr.size = sizeof(uint64_t);
	return 0;
}

/* The offload sets features name: what the frontend may send (its HOST_*
 * side) and what it takes from us (GUEST_*). */
static unsigned ol_from(uint64_t f, int csum, int tso4, int tso6, int ecn,
			uint64_t uso)
{
	unsigned ol = 0;

	if (f & VU_BIT(csum))
		ol |= VNET_OL_CSUM;
	if (f & VU_BIT(tso4))
		ol |= VNET_OL_TSO4;
	if (f & VU_BIT(tso6))
		ol |= VNET_OL_TSO6;
	if (f & VU_BIT(ecn))
		ol |= VNET_OL_ECN;
	if (uso && (f & uso) == uso)
		ol |= VNET_OL_USO;
	return ol;
}

static int h_set_features(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	uint64_t f = m->payload.u64;
	bool ring_change;

	if (f & ~VU_FEATURES)
		return VH_FAIL(vh, "features %#llx not offered",
			       (unsigned long long)(f & ~VU_FEATURES));
	ring_change = vh->features_set &&
		      ((f ^ vh->features) & ~VU_BIT(VHOST_F_LOG_ALL_BIT));
	if (vh->features_set && !ring_change) {
		/* The rings may be running: only dirty logging changes (live
		 * migration turns it on and off), nothing else the datapath
		 * reads is rewritten, and a burst that began before logging
		 * came on has ended before the reply says it is on. */
		bool log = f & VU_BIT(VHOST_F_LOG_ALL_BIT);

		vh->features = f;
		if (log != vu_logging(&vh->dev)) {
			__atomic_store_n(&vh->dev.log_all, log,
					 __ATOMIC_RELAXED);
			vh_sync(vh);
		}
		return 0;
	}
	if (ring_change)
		vq_stop_all(vh);
	vh->features = f;
	vh->features_set = true;
	vh->dev.mrg = f & VU_BIT(VIRTIO_NET_F_MRG_RXBUF_BIT);
	vh->dev.event_idx = f & VU_BIT(VIRTIO_RING_F_EVENT_IDX_BIT);
	vh->dev.indirect = f & VU_BIT(VIRTIO_RING_F_INDIRECT_DESC_BIT);
	vh->dev.hdr_len = (f & VU_BIT(VIRTIO_F_VERSION_1_BIT)) || vh->dev.mrg
			      ? sizeof(struct virtio_net_hdr_mrg)
			      : sizeof(struct virtio_net_hdr_mrg) - 2;
	__atomic_store_n(&vh->dev.log_all, f & VU_BIT(VHOST_F_LOG_ALL_BIT),
			 __ATOMIC_RELAXED);
	vh->dev.rx_ol =
	    ol_from(f, VIRTIO_NET_F_CSUM_BIT, VIRTIO_NET_F_HOST_TSO4_BIT,
		    VIRTIO_NET_F_HOST_TSO6_BIT, VIRTIO_NET_F_HOST_ECN_BIT,
		    VU_BIT(VIRTIO_NET_F_HOST_USO_BIT));
	atomic_store(
	    &vh->base.tx_offloads,
	    ol_from(f, VIRTIO_NET_F_GUEST_CSUM_BIT, VIRTIO_NET_F_GUEST_TSO4_BIT,
		    VIRTIO_NET_F_GUEST_TSO6_BIT, VIRTIO_NET_F_GUEST_ECN_BIT,
		    VU_BIT(VIRTIO_NET_F_GUEST_USO4_BIT) |
			VU_BIT(VIRTIO_NET_F_GUEST_USO6_BIT)));
	/* Without protocol features, rings are enabled as they start. */
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		if (!(f & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES_BIT)))
			vh->vq[i].enabled = true;
		vq_update(vh, &vh->vq[i]);
	}
	return 0;
}

static int h_get_protocol_features(struct vnic_vhost *vh,
				   struct vhost_user_msg *m)
{
	m->payload.u64 = VU_PROTOCOL_FEATURES;
	m->hdr.size = sizeof(uint64_t);
	return 0;
}

static int h_set_protocol_features(struct vnic_vhost *vh,
				   struct vhost_user_msg *m)
{
	if (m->payload.u64 & ~VU_PROTOCOL_FEATURES)
		return VH_FAIL(vh, "protocol features %#llx not offered",
			       (unsigned long long)m->payload.u64);
	vh->protocol_features = m->payload.u64;
	return 0;
}

static int h_nop(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	return 0;
}

static int h_reset_owner(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	vq_stop_all(vh);
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
		vq_reset(&vh->vq[i], i);
	vh_set_link(vh, false);
	return 0;
}

static int h_set_mem_table(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	struct guest_mem fresh;
	int ret;

	if (m->hdr.size < 8 ||
	    m->hdr.size < 8 + (uint64_t)m->payload.memory.nregions *
				  sizeof(struct vhost_user_region))
		return VH_FAIL(vh,
			       "memory table shorter than its region count");
	ret = guest_mem_map(&fresh, &m->payload.memory, m->fds, m->nfds,
			    vh->last_error, sizeof(vh->last_error));
	if (ret)
		return ret;
	vq_stop_all(vh);
	guest_mem_unmap(&vh->dev.mem);
	vh->dev.mem = fresh;
	for (unsigned i = 0; i < 2 * vh->qps; i++) {
		struct vu_vq *vq = &vh->vq[i];

		if (vq->addr_set && vu_vq_translate(&vh->dev, vq))
			return VH_FAIL(vh,
				       "queue %u rings outside the new "
				       "memory table",
				       i);
		vq_update(vh, vq);
	}
	return 0;
}

static int h_set_log_base(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	uint64_t size = m->payload.log.mmap_size,
		 off = m->payload.log.mmap_offset;
	struct stat st;
	char kind[64];
	void *p;

	if (m->hdr.size != sizeof(struct vhost_user_log))
		return VH_FAIL(vh, "SET_LOG_BASE of %u bytes", m->hdr.size);
	if (!size || off >= size || size > (1ull << 40))
		return VH_FAIL(vh, "dirty log of %llu bytes at offset %llu",
			       (unsigned long long)size,
			       (unsigned long long)off);
	/* A shared-memory file (memfd, /dev/shm) holding the whole log:
	 * mapping past its end would turn a write into SIGBUS in vnetd. */
	fd_kind(m->fds[0], kind, sizeof(kind));
	if (fstat(m->fds[0], &st) || !S_ISREG(st.st_mode))
		return VH_FAIL(vh, "dirty log fd is not a memory file (%s)",
			       kind[0] ? kind : "unknown kind");
	if ((uint64_t)st.st_size < size)
		return VH_FAIL(vh, "dirty log of %llu bytes in a file of %llu",
			       (unsigned long long)size,
			       (unsigned long long)st.st_size);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fds[0], 0);
	if (p == MAP_FAILED)
		return VH_FAIL(vh, "cannot map the dirty log: %s",
			       strerror(errno));
	vq_stop_all(vh);
	log_unmap(&vh->dev);
	vh->dev.log_map = p;
	vh->dev.log_map_size = size;
	vh->dev.log = (uint8_t *)p + off;
	vh->dev.log_size = size - off;
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++)
		vq_update(vh, &vh->vq[i]);
	m->hdr.size = 0; /* the reply carries no payload */
	return 0;
}

static int h_set_vring_num(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	struct vu_vq *vq = vq_of(vh, m->payload.state.index);
	uint32_t n = m->payload.state.num;

	if (!vq)
		return VH_FAIL(vh, "queue index %u out of range",
			       m->payload.state.index);
	if (!n || n > VU_MAX_QUEUE_SIZE || (n & (n - 1)))
		return VH_FAIL(vh, "queue size %u (a power of 2 up to %d)", n,
			       VU_MAX_QUEUE_SIZE);
	if (atomic_load(&vq->ready))
		return VH_FAIL(vh, "SET_VRING_NUM on running queue %u",
			       vq->index);
	vq->num = (uint16_t)(n == 32768 ? 32768 : n);
	vq->num_set = true;
	return 0;
}

static int h_set_vring_addr(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	struct vu_vq *vq = vq_of(vh, m->payload.addr.index);

	if (m->hdr.size < sizeof(struct vhost_user_vring_addr))
		return VH_FAIL(vh, "SET_VRING_ADDR of %u bytes", m->hdr.size);
	if (!vq)
		return VH_FAIL(vh, "queue index %u out of range",
			       m->payload.addr.index);
	if (!vq->num_set)
		return VH_FAIL(vh, "SET_VRING_ADDR before SET_VRING_NUM");
	if (atomic_load(&vq->ready)) {
		atomic_store(&vq->ready, false);
		vh_sync(vh);
	}
	vq->addr = m->payload.addr;
	vq->addr_set = true;
	if (vu_vq_translate(&vh->dev, vq))
		return VH_FAIL(vh,
			       "queue %u rings misaligned or outside "
			       "guest memory",
			       vq->index);
	vq_update(vh, vq);
	return 0;
}

static int h_set_vring_base(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	struct vu_vq *vq = vq_of(vh, m->payload.state.index);

	if (!vq)
		return VH_FAIL(vh, "queue index %u out of range",
			       m->payload.state.index);
	if (atomic_load(&vq->ready))
		return VH_FAIL(vh, "SET_VRING_BASE on running queue %u",
			       vq->index);
	vq->last_avail = (uint16_t)m->payload.state.num;
	vq->shadow_avail = vq->last_avail;
	vq->last_used = vq->last_avail;
	vq->signalled_valid = false;
	return 0;
}

static int h_get_vring_base(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	struct vu_vq *vq = vq_of(vh, m->payload.state.index);

	if (!vq)
		return VH_FAIL(vh, "queue index %u out of range",
			       m->payload.state.index);
	/* Stops the ring. */
	vq->started = false;
	vq_update(vh, vq);
	if ((vq->index & 1) == 0 && vq->used)
		vq->last_avail = vq->last_used; /* nothing is held */
	m->payload.state.num = vq->last_avail;
	m->hdr.size = sizeof(struct vhost_user_vring_state);
	fd_close(&vq->kick_fd);
	fd_close(&vq->call_fd);
	return 0;
}

/*
 * Kick, call and err fds must be eventfds.  Anything else is refused: with
 * its own socket as a call fd, a frontend would make the datapath write
 * into the control connection (and block on it), and vnetd would hold the
 * frontend's end open, so its hang-up would never come.  An eventfd is the
 * one anonymous inode every eventfd shares (the same as our fault_fd's)
 * named "[eventfd]".
 */
static int vh_check_eventfd(struct vnic_vhost *vh, int fd, uint32_t req,
			    unsigned q)
{
	struct stat st, ref;
	char kind[64];

	fd_kind(fd, kind, sizeof(kind));
	if (fstat(fd, &st) || fstat(vh->fault_fd, &ref) ||
	    st.st_dev != ref.st_dev || st.st_ino != ref.st_ino ||
	    (kind[0] && strcmp(kind, "anon_inode:[eventfd]")))
		return VH_FAIL(vh,
			       "%s for queue %u: the fd is not an eventfd (%s)",
			       vhost_user_request_name(req), q,
			       kind[0] ? kind : "unknown kind");
	return 0;
}

/* SET_VRING_KICK / CALL / ERR: u64 index plus an eventfd unless bit 8 is
 * set.  The fd is made non-blocking: a frontend that fills its eventfd's
 * counter must not stall the datapath's write. */
static int vring_fd(struct vnic_vhost *vh, struct vhost_user_msg *m,
		    struct vu_vq **vqp, int *fd)
{
	uint64_t v = m->payload.u64;
	bool nofd = v & VHOST_USER_VRING_NOFD;

	*vqp = vq_of(vh, (uint32_t)(v & VHOST_USER_VRING_IDX_MASK));
	if (!*vqp)
		return VH_FAIL(
		    vh, "queue index %llu out of range",
		    (unsigned long long)(v & VHOST_USER_VRING_IDX_MASK));
	if (v & ~(uint64_t)(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD))
		return VH_FAIL(vh, "unknown bits in vring fd message");
	if (nofd != (m->nfds == 0))
		return VH_FAIL(vh, "vring fd message with %d fds", m->nfds);
	if (nofd) {
		*fd = -1;
		return 0;
	}
	if (vh_check_eventfd(vh, m->fds[0], m->hdr.request, (*vqp)->index))
		return -EINVAL;
	*fd = m->fds[0];
	m->fds[0] = -1; /* kept */
	fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

static int h_set_vring_kick(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	struct vu_vq *vq;
	int fd, ret = vring_fd(vh, m, &vq, &fd);

	if (ret)
		return ret;
	if (atomic_load(&vq->ready)) {
		vq->started = false;
		vq_update(vh, vq);
	}
	fd_close(&vq->kick_fd);
	vq->kick_fd = fd;
	vq->started = true;
	if (!(vh->features & VU_BIT(VHOST_USER_F_PROTOCOL_FEATURES_BIT)))
		vq->enabled = true;
	vq_update(vh, vq);
	return 0;
}

static int h_set_vring_call(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	struct vu_vq *vq;
	int fd, ret = vring_fd(vh, m, &vq, &fd);
	bool was;

	if (ret)
		return ret;
	/* The datapath writes to call_fd: swap it only while stopped. */
	was = atomic_exchange(&vq->ready, false);
	if (was)
		vh_sync(vh);
	fd_close(&vq->call_fd);
	vq->call_fd = fd;
	if (was) {
		atomic_store(&vq->ready, true);
		vq_rekick(vh, vq);
	}
	return 0;
}

static int h_set_vring_err(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	struct vu_vq *vq;
	int fd, ret = vring_fd(vh, m, &vq, &fd);

	if (ret)
		return ret;
	fd_close(&vq->err_fd);
	vq->err_fd = fd;
	return 0;
}

static int h_get_queue_num(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	m->payload.u64 = vh->qps;
	m->hdr.size = sizeof(uint64_t);
	return 0;
}

static int h_set_vring_enable(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	struct vu_vq *vq = vq_of(vh, m->payload.state.index);

	if (!vq)
		return VH_FAIL(vh, "queue index %u out of range",
			       m->payload.state.index);
	if (m->payload.state.num > 1)
		return VH_FAIL(vh, "SET_VRING_ENABLE with %u",
			       m->payload.state.num);
	vq->enabled = m->payload.state.num;
	vq_update(vh, vq);
	return 0;
}

static int h_net_set_mtu(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	if (m->payload.u64 < 68 || m->payload.u64 > vh->base.mtu)
		return VH_FAIL(vh, "MTU %llu above the network's %u",
			       (unsigned long long)m->payload.u64,
			       vh->base.mtu);
	return 0;
}

static int h_get_config(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	/* virtio-net config space: mac, status, max_virtqueue_pairs, mtu */
	uint8_t cfg[12] = {0};
	struct vhost_user_config *c = &m->payload.config;

	if (m->hdr.size < 12 || c->size > sizeof(c->region) ||
	    m->hdr.size < 12 + c->size || c->offset > sizeof(cfg) ||
	    c->size > sizeof(cfg) - c->offset)
		return VH_FAIL(vh, "GET_CONFIG of %u bytes at %u", c->size,
			       c->offset);
	memcpy(cfg, vh->mac, 6);
	cfg[6] = vh->link ? 1 : 0; /* VIRTIO_NET_S_LINK_UP */
	cfg[8] = (uint8_t)vh->qps;
	cfg[10] = (uint8_t)(vh->base.mtu & 0xff);
	cfg[11] = (uint8_t)(vh->base.mtu >> 8);
	memcpy(c->region, cfg + c->offset, c->size);
	m->hdr.size = 12 + c->size;
	return 0;
}

static int h_set_config(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	return VH_FAIL(vh, "the configuration space is read-only");
}

typedef int (*vh_handler)(struct vnic_vhost *vh, struct vhost_user_msg *m);

/* Handlers, indexed by request id; NULL refuses the request. */
static const vh_handler vh_handlers[VHOST_USER_MAX_REQUEST] = {
    [VHOST_USER_GET_FEATURES] = h_get_features,
    [VHOST_USER_SET_FEATURES] = h_set_features,
    [VHOST_USER_SET_OWNER] = h_nop,
    [VHOST_USER_RESET_OWNER] = h_reset_owner,
    [VHOST_USER_SET_MEM_TABLE] = h_set_mem_table,
    [VHOST_USER_SET_LOG_BASE] = h_set_log_base,
    [VHOST_USER_SET_LOG_FD] = h_nop,
    [VHOST_USER_SET_VRING_NUM] = h_set_vring_num,
    [VHOST_USER_SET_VRING_ADDR] = h_set_vring_addr,
    [VHOST_USER_SET_VRING_BASE] = h_set_vring_base,
    [VHOST_USER_GET_VRING_BASE] = h_get_vring_base,
    [VHOST_USER_SET_VRING_KICK] = h_set_vring_kick,
    [VHOST_USER_SET_VRING_CALL] = h_set_vring_call,
    [VHOST_USER_SET_VRING_ERR] = h_set_vring_err,
    [VHOST_USER_GET_PROTOCOL_FEATURES] = h_get_protocol_features,
    [VHOST_USER_SET_PROTOCOL_FEATURES] = h_set_protocol_features,
    [VHOST_USER_GET_QUEUE_NUM] = h_get_queue_num,
    [VHOST_USER_SET_VRING_ENABLE] = h_set_vring_enable,
    [VHOST_USER_NET_SET_MTU] = h_net_set_mtu,
    [VHOST_USER_GET_CONFIG] = h_get_config,
    [VHOST_USER_SET_CONFIG] = h_set_config,
};

/* Fixed payload sizes; 0 for variable (checked by the handler). */
static unsigned payload_min(uint32_t req)
{
	switch (req) {
	case VHOST_USER_SET_FEATURES:
	case VHOST_USER_SET_PROTOCOL_FEATURES:
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
	case VHOST_USER_NET_SET_MTU:
	case VHOST_USER_SEND_RARP:
		return sizeof(uint64_t);
	case VHOST_USER_SET_VRING_NUM:
	case VHOST_USER_SET_VRING_BASE:
	case VHOST_USER_GET_VRING_BASE:
	case VHOST_USER_SET_VRING_ENABLE:
		return sizeof(struct vhost_user_vring_state);
	default:
		return 0;
	}
}

/* Send a reply without waiting: a frontend that does not read its replies
 * (its socket buffer full) is dropped, never waited for. */
static int vh_reply(struct vnic_vhost *vh, const struct vhost_user_msg *m)
{
	const char *name = vhost_user_request_name(m->hdr.request);
	int ret = vhost_user_send(vh->conn_fd, m, NULL, 0);

	if (ret == -EAGAIN)
		return VH_FAIL(vh,
			       "does not read its replies (socket buffer full "
			       "at the reply to %s)",
			       name);
	if (ret)
		return VH_FAIL(vh, "cannot send the reply to %s: %s", name,
			       strerror(-ret));
	return 0;
}

/**
 * vh_handle() - validate and dispatch one message, send the reply
 * @vh: port
 * @m: message (fds owned)
 *
 * Return: 0, or -errno when the frontend must be disconnected
 */
static int vh_handle(struct vnic_vhost *vh, struct vhost_user_msg *m)
{
	uint32_t req = m->hdr.request;
	int fds = vhost_user_request_fds(req), ret;
	bool want_ack =
	    (m->hdr.flags & VHOST_USER_FLAG_NEED_REPLY) &&
	    (vh->protocol_features & VU_BIT(VHOST_USER_PROTOCOL_F_REPLY_ACK));
	vh_handler h = req < VHOST_USER_MAX_REQUEST ? vh_handlers[req] : NULL;

	if ((m->hdr.flags & 0x3) != VHOST_USER_VERSION || !h) {
		ret = VH_FAIL(vh, "%s request %u (flags %#x)",
			      h ? "bad version on" : "unsupported", req,
			      m->hdr.flags);
		goto out;
	}
	if ((fds >= 0 && m->nfds != fds) ||
	    (fds == -2 && m->nfds > VU_MAX_REGIONS) ||
	    (fds == -1 && m->nfds > 1)) {
		ret = VH_FAIL(vh, "%s with %d fds",
			      vhost_user_request_name(req), m->nfds);
		goto out;
	}
	if (m->hdr.size < payload_min(req)) {
		ret = VH_FAIL(vh, "%s with a %u-byte payload",
			      vhost_user_request_name(req), m->hdr.size);
		goto out;
	}
	vlog(VHOST, DBG, "%s: %s", vh->base.name, vhost_user_request_name(req));
	ret = h(vh, m);
	if (ret)
		goto out;
	if (vhost_user_request_replies(req)) {
		m->hdr.flags = VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY;
		ret = vh_reply(vh, m);
		want_ack = false;
	}
out:
	vhost_user_close_fds(m);
	if (want_ack) {
		struct vhost_user_msg ack = {
		    .hdr = {req, VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY,
			    sizeof(uint64_t)}};

		ack.payload.u64 = ret ? 1 : 0;
		if (ret) /* the handler's reason is the one to keep */
			vhost_user_send(vh->conn_fd, &ack, NULL, 0);
		else
			ret = vh_reply(vh, &ack);
	}
	return ret;
}

/* Drop the frontend with the reason in vh->last_error (copied first:
 * vh_disconnect() writes it). */
static void vh_disconnect_last(struct vnic_vhost *vh)
{
	char why[sizeof(vh->last_error)];

	snprintf(why, sizeof(why), "%s",
		 vh->last_error[0] ? vh->last_error : "protocol error");
	vh_disconnect(vh, why);
}

/*
 * The connection is readable or hung up: take what has arrived, handle
 * every whole message (up to a budget; level-triggered epoll brings us back
 * for the rest) and leave a partial one in vh->rd for later.  The first
 * byte of a message that does not come whole starts its deadline.
 */
static void vh_read(struct vnic_vhost *vh)
{
	for (unsigned n = 0; n < VH_MSG_BUDGET && vh->conn_fd >= 0; n++) {
		size_t before = vh->rd.got;
		char why[160];
		int ret =
		    vhost_user_read(vh->conn_fd, &vh->rd, why, sizeof(why));

		if (ret == 0) {
			if (vh->rd.got > before) {
				uint64_t now = now_ns();

				if (!vh->msg_first_ns) {
					struct itimerspec its = {
					    .it_value = {
						VH_MSG_DEADLINE_MS / 1000,
						(VH_MSG_DEADLINE_MS % 1000) *
						    1000000L}};

					vh->msg_first_ns = now;
					timerfd_settime(vh->deadline_fd, 0,
							&its, NULL);
				}
				vh->msg_last_ns = now;
			}
			return;
		}
		if (ret < 0) {
			vh_disconnect(vh, ret == -ECONNRESET ? NULL : why);
			return;
		}
		vh_deadline_stop(vh);
		ret = vh_handle(vh, &vh->rd.msg);
		vhost_user_reader_reset(&vh->rd);
		if (ret) {
			vh_disconnect_last(vh);
			return;
		}
	}
}

/* The deadline timer fired: the message being read is late. */
static void vh_deadline(struct vnic_vhost *vh)
{
	uint64_t t, now = now_ns(), since_first, since_last;
	char prog[96], why[256];

	if (read(vh->deadline_fd, &t, sizeof(t)) < 0) {
		/* stopped meanwhile */
	}
	if (vh->conn_fd < 0 || !vh->msg_first_ns)
		return;
	since_first = (now - vh->msg_first_ns) / 1000000;
	since_last = (now - vh->msg_last_ns) / 1000000;
	vhost_user_reader_progress(&vh->rd, prog, sizeof(prog));
	if (vh->msg_last_ns == vh->msg_first_ns)
		snprintf(why, sizeof(why), "sent %s, then nothing for %llu ms",
			 prog, (unsigned long long)since_first);
	else
		snprintf(why, sizeof(why),
			 "sent only %s in %llu ms (trickling; the last byte "
			 "%llu ms ago)",
			 prog, (unsigned long long)since_first,
			 (unsigned long long)since_last);
	vh_disconnect(vh, why);
}

static void vh_faults(struct vnic_vhost *vh)
{
	uint64_t v;

	if (read(vh->fault_fd, &v, sizeof(v)) < 0) {
		/* nothing pending */
	}
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		int f = atomic_load(&vh->vq[i].fault);
		char why[160];

		if (f == VU_FAULT_NONE)
			continue;
		snprintf(why, sizeof(why), "guest broke queue %u: %s", i,
			 vu_fault_desc((enum vu_fault)f));
		vh_disconnect(vh, why);
		return;
	}
}

/* A frontend knocks on the listening socket (server mode). */
static void vh_accept(struct vnic_vhost *vh)
{
	int fd =
	    accept4(vh->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (vh->conn_fd >= 0) {
		vh_log_rl(vh, rl_conn, WARN, "refused a second frontend");
		close(fd);
		return;
	}
	if (vh_connected(vh, fd)) {
		/* logged; the next frontend is welcome */
	}
}

/* Each event is handled without waiting on the frontend: reads take what
 * has arrived, a hang-up (EPOLLHUP/EPOLLRDHUP) shows up as the end of the
 * stream in vh_read() whatever state the port is in. */
static void vh_ctl_event(struct vnic *v)
{
	struct vnic_vhost *vh = to_vh(v);
	struct epoll_event evs[8];
	int n = epoll_wait(vh->ctl_epfd, evs, 8, 0);

	for (int i = 0; i < n; i++) {
		uint64_t t;

		switch (evs[i].data.u32) {
		case VU_REF_LISTEN:
			vh_accept(vh);
			break;
		case VU_REF_CONN:
			if (vh->conn_fd >= 0)
				vh_read(vh);
			break;
		case VU_REF_DEADLINE:
			vh_deadline(vh);
			break;
		case VU_REF_TIMER:
			if (read(vh->timer_fd, &t, sizeof(t)) < 0) {
				/* spurious */
			}
			vh_try_connect(vh);
			break;
		case VU_REF_FAULT:
			vh_faults(vh);
			break;
		}
	}
}

static int vh_ctl_fd(const struct vnic *v)
{
	return to_vh(v)->ctl_epfd;
}

/* ---- datapath ---- */

static void vq_fault(struct vnic_vhost *vh, struct vu_vq *vq, int fault)
{
	uint64_t one = 1;

	atomic_store(&vq->ready, false);
	atomic_store(&vq->fault, -fault);
	vlog_rl(VHOST, WARN, "%s: queue %u: %s", vh->base.name, vq->index,
		vu_fault_desc((enum vu_fault) - fault));
	if (write(vh->fault_fd, &one, sizeof(one)) < 0) {
		/* already signalled */
	}
}

/* Copy @len bytes at @off of a chain into @dst. */
static void iov_copy_out(const struct vu_iov *iov, unsigned n, size_t off,
			 uint8_t *dst, size_t len)
{
	for (unsigned i = 0; i < n && len; i++) {
		size_t take;

		if (off >= iov[i].len) {
			off -= iov[i].len;
			continue;
		}
		take = iov[i].len - off < len ? iov[i].len - off : len;
		memcpy(dst, iov[i].hva + off, take);
		dst += take;
		len -= take;
		off = 0;
	}
}

/* Mapped pieces of the chains of one burst (two full-size chains' worth). */
#define VH_BURST_IOV (2 * VU_MAX_IOV)

static int vh_rx_queue(struct vnic_vhost *vh, struct vu_vq *vq,
		       struct pkt_pool *pool, struct pkt **pkts, unsigned n)
{
	struct vu_dev *d = &vh->dev;
	struct vu_iov iov[VH_BURST_IOV];
	struct vu_chain ch[PKT_BURST];
	struct pkt *zcd = vh->rx_zc[vq->index / 2];
	uint8_t(*small_buf)[VH_SMALL_FRAME] = vh->rx_small[vq->index / 2];
	uint16_t *used = vh->rx_used[vq->index / 2];
	unsigned got = 0, nch, k;
	uint64_t bytes = 0;
	int fault;

	nch = vu_vq_pop_burst(d, vq, false, ch, n < PKT_BURST ? n : PKT_BURST,
			      iov, VH_BURST_IOV, &fault);
	if (!nch) { /* the usual poll of an idle queue ends here */
		if (fault)
			vq_fault(vh, vq, fault);
		return 0;
	}
	for (k = 0; k < nch; k++) {
		const struct vu_chain *c = &ch[k];
		struct virtio_net_hdr h;
		struct pkt *p;
		size_t flen;
		bool small;

		if (c->total < d->hdr_len) {
			vnic_count_drop(&vh->base, VNIC_DROP_BAD_VNET_HDR, 1);
			used[k] = c->head;
			continue;
		}
		/* One copy of the header: the guest may change it under us. */
		if (c->iov[0].len >= sizeof(h))
			memcpy(&h, c->iov[0].hva, sizeof(h));
		else
			iov_copy_out(c->iov, c->niov, 0, (uint8_t *)&h,
				     sizeof(h));
		flen = c->total - d->hdr_len;
		if (flen > PKT_GSO_MAX_FRAME ||
		    (flen > PKT_MAX_FRAME && !h.gso_type)) {
			vnic_count_drop(&vh->base,
					h.gso_type ? VNIC_DROP_GSO_TOO_BIG
						   : VNIC_DROP_TRUNCATED,
					1);
			used[k] = c->head;
			continue;
		}
		/*
		 * Every frame is copied out of guest memory before the switch
		 * judges it: left in place, a guest writing its buffer while
		 * the switch reads it could change the frame after its VLAN,
		 * its DHCP guard or its source were decided (a tag appearing
		 * on a frame judged untagged, a request turning into a
		 * reply).  A small frame goes into the port's own buffers,
		 * which the queue's descriptors reuse burst after burst.
		 */
		small = flen <= VH_SMALL_FRAME;
		if (small) {
			p = &zcd[k];
			p->data = small_buf[k];
			p->ext = 0;
			p->vlan = 0;
			p->tagged = 0;
			p->ol = (struct pkt_offload){0};
		} else if (flen <= PKT_MAX_FRAME) {
			p = pkt_pool_alloc(pool);
		} else {
			p = pkt_pool_alloc_big(pool);
		}
		if (!p) {
			vu_vq_unpop(vq, (uint16_t)(nch - k));
			vnic_count_drop(&vh->base, VNIC_DROP_NO_BUFFER, 1);
			fault = 0; /* not reached yet */
			break;
		}
		if (c->niov == 1)
			memcpy(p->data, c->iov[0].hva + d->hdr_len, flen);
		else if (c->niov == 2 && c->iov[0].len == d->hdr_len)
			memcpy(p->data, c->iov[1].hva, flen);
		else
			iov_copy_out(c->iov, c->niov, d->hdr_len, p->data,
				     flen);
		p->len = (uint32_t)flen;
		if (h.flags || h.gso_type) {
			enum vnet_hdr_err e = vnet_hdr_to_pkt(&h, d->rx_ol, p);

			if (e != VNET_HDR_OK) {
				vnic_count_drop(&vh->base, vnic_drop_hdr(e), 1);
				pkt_free(p);
				used[k] = c->head;
				continue;
			}
		}
		p->len = (uint32_t)flen;
		used[k] = c->head;
		bytes += flen;
		pkts[got++] = p;
	}
	/* Chains k and on went back to the ring (no buffer).  With no frame
	 * for the switch there is no rx_done(): give back the dropped ones
	 * now; else vh_rx_done() gives back all, in ring order. */
	vh->rx_nused[vq->index / 2] = k;
	if (!got) {
		for (unsigned i = 0; i < k; i++)
			vu_vq_push(d, vq, used[i], 0);
		vh->rx_nused[vq->index / 2] = 0;
	}
	VQ_STAT_ADD(vq->packets, got);
	VQ_STAT_ADD(vq->bytes, bytes);
	VQ_STAT_ADD(vq->bursts, 1);
	if (fault)
		vq_fault(vh, vq, fault);
	return (int)got;
}

/* Ask for kicks again, then look again: buffers left over (budget) or added
 * in between would otherwise sit without a kick, so kick ourselves (a new
 * edge). */
static void vh_rx_rearm(struct vnic_vhost *vh, struct vu_vq *vq)
{
	uint64_t k = 1;

	vu_vq_set_notify(&vh->dev, vq, true);
	if (vu_vq_avail_fresh(vq) > 0 && vq->kick_fd >= 0 &&
	    write(vq->kick_fd, &k, sizeof(k)) < 0) {
		/* already readable */
	}
}

/* vnic_ops.rx_hold: while held, bursts leave kicks off (coalescing). */
static void vh_rx_hold(struct vnic *v, unsigned rxq, bool hold)
{
	struct vnic_vhost *vh = to_vh(v);
	struct vu_vq *vq = &vh->vq[2 * rxq + 1];

	if (rxq >= vh->qps)
		return;
	atomic_store_explicit(&vq->held, hold, memory_order_relaxed);
	if (vh->poll || !atomic_load(&vq->ready))
		return;
	if (hold)
		vu_vq_set_notify(&vh->dev, vq, false);
	else
		vh_rx_rearm(vh, vq);
}

static int vh_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
		       struct pkt **pkts, unsigned n)
{
	struct vnic_vhost *vh = to_vh(v);
	struct vu_vq *vq = &vh->vq[2 * rxq + 1];
	int got;

	if (rxq >= vh->qps ||
	    !atomic_load_explicit(&vq->ready, memory_order_acquire))
		return 0;
	/* The kick eventfd is not read: the switch watches it edge-triggered
	 * (rx_fd_edge), and every write of the guest's is a new edge, so a
	 * kick that comes while this burst runs wakes the thread again. */
	/* An idle queue (most polls) costs one look at the ring's index. */
	if (vu_vq_avail(vq))
		got = vh_rx_queue(vh, vq, pool, pkts, n);
	else {
		got = 0;
		VQ_STAT_ADD(vq->empty, 1);
	}
	if (vq->pending && vu_vq_flush(&vh->dev, vq)) /* dropped chains */
		vu_vq_notify(&vh->dev, vq);
	if (!vh->poll &&
	    !atomic_load_explicit(&vq->held, memory_order_relaxed) &&
	    atomic_load(&vq->ready))
		vh_rx_rearm(vh, vq);
	__atomic_store_n(&vq->shown_avail, vq->last_avail, __ATOMIC_RELAXED);
	return got;
}

static void vh_rx_done(struct vnic *v, unsigned rxq, struct pkt **pkts,
		       unsigned n)
{
	struct vnic_vhost *vh = to_vh(v);
	struct vu_vq *vq = &vh->vq[2 * rxq + 1];
	unsigned m;

	if (rxq >= vh->qps)
		return;
	m = vh->rx_nused[rxq];
	vh->rx_nused[rxq] = 0;
	/* A queue stopped meanwhile has been reset; drop the notes. */
	if (!vq->used)
		return;
	vu_vq_push_burst(&vh->dev, vq, vh->rx_used[rxq], m);
	if (m && vu_vq_flush(&vh->dev, vq))
		vu_vq_notify(&vh->dev, vq);
	__atomic_store_n(&vq->shown_used, vq->last_used, __ATOMIC_RELAXED);
}

/* Copy a frame into a receive chain list, after the header. */
struct rx_target {
	struct vu_iov *iov;
	unsigned niov;
	unsigned i;
	size_t off;
};

static size_t put_bytes(const struct vu_dev *d, struct rx_target *t,
			const uint8_t *src, size_t len)
{
	size_t done = 0;

	while (len && t->i < t->niov) {
		struct vu_iov *io = &t->iov[t->i];
		size_t take = io->len - t->off < len ? io->len - t->off : len;

		memcpy(io->hva + t->off, src, take);
		if (vu_logging(d))
			vu_log_write(d, io->gpa + t->off, take);
		t->off += take;
		src += take;
		len -= take;
		done += take;
		if (t->off == io->len) {
			t->i++;
			t->off = 0;
		}
	}
	return done;
}

/* Write the virtio-net header and the frame into @t (room checked). */
static inline void tx_fill(const struct vu_dev *d, struct rx_target *t,
			   const struct pkt_out *o, unsigned nch)
{
	struct virtio_net_hdr_mrg hdr = {0};
	struct iovec pieces[3];
	uint8_t tag[4];
	unsigned np;

	/* The switch gave this queue only what the guest negotiated. */
	if (pkt_has_offload(o->pkt))
		vnet_hdr_from_pkt(o->pkt, o->tci,
				  (struct virtio_net_hdr *)&hdr);
	hdr.num_buffers = htole16((uint16_t)nch);
	if (t->iov[0].len > d->hdr_len) {
		/* The usual case: a fixed-size store, no library call. */
		if (d->hdr_len == sizeof(hdr))
			memcpy(t->iov[0].hva, &hdr, sizeof(hdr));
		else
			memcpy(t->iov[0].hva, &hdr, sizeof(hdr) - 2);
		if (vu_logging(d))
			vu_log_write(d, t->iov[0].gpa, d->hdr_len);
		t->off = d->hdr_len;
	} else {
		put_bytes(d, t, (const uint8_t *)&hdr, d->hdr_len);
	}
	if (!o->pkt->tagged && !o->tci && t->i < t->niov &&
	    t->iov[t->i].len - t->off >= o->pkt->len) {
		/* The usual case: an untagged frame, one piece of buffer. */
		memcpy(t->iov[t->i].hva + t->off, o->pkt->data, o->pkt->len);
		if (vu_logging(d))
			vu_log_write(d, t->iov[t->i].gpa + t->off, o->pkt->len);
		return;
	}
	np = pkt_tx_iov(o->pkt, o->tci, tag, pieces);
	for (unsigned k = 0; k < np; k++)
		put_bytes(d, t, pieces[k].iov_base, pieces[k].iov_len);
}

/* A frame that needs several mergeable buffers: take them one by one. */
static int vh_tx_merged(struct vnic_vhost *vh, struct vu_vq *vq,
			const struct pkt_out *o, uint32_t need)
{
	struct vu_dev *d = &vh->dev;
	struct {
		uint16_t head;
		uint32_t cap;
	} chains[VU_MAX_IOV];
	struct vu_iov iov_room[VU_MAX_IOV]; /* not zeroed: 1.5 KiB */
	struct rx_target t = {iov_room, 0, 0, 0};
	unsigned nch = 0;
	uint64_t have = 0;
	bool no_room = false;

	while (have < need) {
		struct vu_iov *iov = t.iov + t.niov;
		unsigned niov;
		uint64_t total;
		uint16_t head;
		int r;

		if (nch == VU_MAX_IOV) {
			no_room = true;
			break;
		}
		r = vu_vq_pop(d, vq, true, iov, VU_MAX_IOV - t.niov, &niov,
			      &head, &total);
		if (r == -VU_FAULT_TOO_MANY_SEGS && nch) {
			/* fine on its own, just not after the others */
			no_room = true;
			break;
		}
		if (r < 0) {
			vu_vq_unpop(vq, (uint16_t)nch);
			vq_fault(vh, vq, r);
			return r;
		}
		if (!r)
			break;
		t.niov += niov;
		chains[nch].head = head;
		chains[nch].cap =
		    (uint32_t)(total > UINT32_MAX ? UINT32_MAX : total);
		nch++;
		have += total;
	}
	if (have < need) {
		/* Leave the buffers for the next frame: the ring is full, or
		 * the guest's buffers are too small for this frame in as
		 * many pieces as a chain list may have (it can never fit;
		 * the frames after it may). */
		vu_vq_unpop(vq, (uint16_t)nch);
		return no_room ? -EMSGSIZE : 0;
	}
	tx_fill(d, &t, o, nch);
	for (unsigned c = 0; c < nch; c++) {
		uint32_t len = need < chains[c].cap ? need : chains[c].cap;

		vu_vq_push(d, vq, chains[c].head, len);
		need -= len;
	}
	return 1;
}

/* The guest's receive chains taken for one burst, used in ring order. */
struct tx_chains {
	struct vu_chain ch[PKT_BURST];
	struct vu_iov iov[VH_BURST_IOV];
	unsigned n, next;
	/* Small frames' copies, made back to back after the last frame of
	 * the burst has its chain (see vh_tx_queue()) */
	struct {
		uint8_t *dst;
		const uint8_t *src;
		uint32_t len;
	} cp[PKT_BURST];
	unsigned ncp;
};

/* Send one frame of @len bytes; @left frames of the burst remain, this one
 * included.  Return: 1 sent, 0 ring full, -EMSGSIZE too big, -fault */
static int vh_tx_one(struct vnic_vhost *vh, struct vu_vq *vq,
		     const struct pkt_out *o, uint32_t len,
		     struct tx_chains *tc, unsigned left)
{
	struct vu_dev *d = &vh->dev;
	uint32_t need = len + d->hdr_len;
	const struct vu_chain *c;
	struct rx_target t;

	if (tc->next == tc->n) {
		int fault;

		tc->n = vu_vq_pop_burst(d, vq, true, tc->ch,
					left < PKT_BURST ? left : PKT_BURST,
					tc->iov, VH_BURST_IOV, &fault);
		tc->next = 0;
		if (!tc->n && fault) {
			vq_fault(vh, vq, fault);
			return fault;
		}
		if (!tc->n)
			return 0; /* ring full */
	}
	c = &tc->ch[tc->next];
	if (c->total < need) {
		if (!d->mrg) {
			/* One buffer too small for the frame. */
			tc->next++;
			vu_vq_push(d, vq, c->head, 0);
			return -EMSGSIZE;
		}
		/* Give back what this burst took; take buffers one by one. */
		vu_vq_unpop(vq, (uint16_t)(tc->n - tc->next));
		tc->n = tc->next = 0;
		return vh_tx_merged(vh, vq, o, need);
	}
	tc->next++;
	if (likely(c->iov[0].len >= need && !o->pkt->tagged && !o->tci &&
		   !pkt_has_offload(o->pkt) && !vu_logging(d))) {
		/* The usual case: an untagged frame that needs no header
		 * fields, into the chain's first piece, nothing to log. */
		struct virtio_net_hdr_mrg hdr1 = {.num_buffers = htole16(1)};
		uint8_t *dst = c->iov[0].hva;

		/* A buffer that carried a frame before usually holds this
		 * header already: it is written only where it differs.  A
		 * store would take the line from the guest's core, whose
		 * driver reads it (and whose transmit path may have cleared
		 * it); reading leaves it shared.  Found as the store that cost
		 * about 5x per frame in the slow rounds of the reference
		 * scenario. */
		if (d->hdr_len == sizeof(hdr1)) {
			if (memcmp(dst, &hdr1, sizeof(hdr1)))
				memcpy(dst, &hdr1, sizeof(hdr1));
		} else if (memcmp(dst, &hdr1, sizeof(hdr1) - 2)) {
			memcpy(dst, &hdr1, sizeof(hdr1) - 2);
		}
		if (len <= 256 && tc->ncp < PKT_BURST) {
			tc->cp[tc->ncp].dst = dst + d->hdr_len;
			tc->cp[tc->ncp].src = o->pkt->data;
			tc->cp[tc->ncp].len = len;
			tc->ncp++;
		} else {
			memcpy(dst + d->hdr_len, o->pkt->data, len);
		}
	} else {
		t = (struct rx_target){c->iov, c->niov, 0, 0};
		tx_fill(d, &t, o, 1);
	}
	vu_vq_push(d, vq, c->head, need);
	return 1;
}

/* Transmit into one guest receive queue. */
static unsigned vh_tx_queue(struct vnic_vhost *vh, struct vu_vq *vq,
			    bool locked, const struct pkt_out *out, unsigned n,
			    uint64_t *bytes)
{
	struct vnic *v = &vh->base;
	struct tx_chains
	    tc; /* not zeroed: @n, @next and @ncp say what is set */
	unsigned sent = 0, i;
	uint64_t sent_bytes = 0;

	if (!atomic_load_explicit(&vq->ready, memory_order_acquire)) {
		vnic_count_drop(v, VNIC_DROP_TX_NO_QUEUE, n);
		return 0;
	}
	if (locked)
		pthread_spin_lock(&vq->lock);
	tc.n = tc.next = tc.ncp = 0;
	for (i = 0; i < n; i++) {
		uint32_t len;
		int r;

		if (!atomic_load_explicit(&vq->ready, memory_order_relaxed))
			break;
		len = likely(!out[i].pkt->tagged && !out[i].tci)
			  ? out[i].pkt->len
			  : pkt_tx_len(out[i].pkt, out[i].tci);
		r = vh_tx_one(vh, vq, &out[i], len, &tc, n - i);
		if (r == 1) {
			sent++;
			sent_bytes += len;
			continue;
		}
		if (r == 0) {
			/* Ring full: the rest of the burst would find it full
			 * too, each after another read of the guest's index
			 * (a cache line it keeps writing): drop them now. */
			vnic_count_drop(v, VNIC_DROP_TX_FULL, n - i);
			VQ_STAT_ADD(vq->drops, n - i);
			VQ_STAT_ADD(vq->full, 1);
			i = n;
			break;
		}
		vnic_count_drop(v, VNIC_DROP_TX_ERROR, 1);
		if (r != -EMSGSIZE)
			VQ_STAT_ADD(vq->drops, 1);
	}
	/* The small frames' copies, all together: each writes a line the
	 * guest's core last held, and a burst of such stores with nothing
	 * between them has their transfers overlap.  Made one per frame,
	 * between the ring reads and header compares of the next, they went
	 * one after another where the guest's core is far (another L3): 5.2
	 * against 6.8 Mpps in the reference scenario, docs/performance.md.
	 * The used ring is published below, after them. */
	for (unsigned k = 0; k < tc.ncp; k++)
		memcpy(tc.cp[k].dst, tc.cp[k].src, tc.cp[k].len);
	if (i < n) /* the queue broke under us */
		vnic_count_drop(v, VNIC_DROP_TX_NO_QUEUE, n - i);
	*bytes += sent_bytes;
	VQ_STAT_ADD(vq->packets, sent);
	VQ_STAT_ADD(vq->bytes, sent_bytes);
	VQ_STAT_ADD(vq->bursts, 1);
	/* Chains taken for frames that were not sent stay the guest's. */
	vu_vq_unpop(vq, (uint16_t)(tc.n - tc.next));
	if (vq->used && vu_vq_flush(&vh->dev, vq))
		vu_vq_notify(&vh->dev, vq);
	__atomic_store_n(&vq->shown_avail, vq->last_avail, __ATOMIC_RELAXED);
	__atomic_store_n(&vq->shown_used, vq->last_used, __ATOMIC_RELAXED);
	if (locked)
		pthread_spin_unlock(&vq->lock);
	return sent;
}

/* Which of @nq queues a frame goes to: by its MAC pair, so frames of one
 * conversation keep their order. */
static unsigned frame_queue(const struct pkt *p, unsigned nq)
{
	uint64_t a = 0;
	uint32_t b = 0;

	if (p->len >= 12) {
		memcpy(&a, p->data, 8);
		memcpy(&b, p->data + 8, 4);
	}
	return (unsigned)(((a ^ b) * 0x9e3779b97f4a7c15ull) >> 32) % nq;
}

static int vh_tx_burst(struct vnic *v, unsigned txq, const struct pkt_out *out,
		       unsigned n, uint64_t *bytes)
{
	struct vnic_vhost *vh = to_vh(v);
	uint16_t m = atomic_load_explicit(&vh->txmap[txq % VNIC_MAX_TXQ],
					  memory_order_relaxed);
	unsigned mask = m & 0xff, nq = (unsigned)__builtin_popcount(mask);
	bool locked = m & VH_TXQ_LOCKED;
	unsigned qs[VU_MAX_QUEUE_PAIRS], sent = 0;

	if (!nq) {
		vnic_count_drop(v, VNIC_DROP_TX_NO_QUEUE, n);
		return 0;
	}
	if (nq == 1)
		return (int)vh_tx_queue(vh, &vh->vq[2 * __builtin_ctz(mask)],
					locked, out, n, bytes);
	for (unsigned k = 0, q = 0; q < VU_MAX_QUEUE_PAIRS; q++)
		if (mask & (1u << q))
			qs[k++] = q;
	/* This thread owns several queues: one pass per queue. */
	for (unsigned done = 0; done < n;) {
		unsigned cnt = n - done < PKT_BURST ? n - done : PKT_BURST;
		uint8_t sel[PKT_BURST];
		struct pkt_out part[PKT_BURST];

		for (unsigned i = 0; i < cnt; i++)
			sel[i] = (uint8_t)frame_queue(out[done + i].pkt, nq);
		for (unsigned k = 0; k < nq; k++) {
			unsigned np = 0;

			for (unsigned i = 0; i < cnt; i++)
				if (sel[i] == k)
					part[np++] = out[done + i];
			if (np)
				sent += vh_tx_queue(vh, &vh->vq[2 * qs[k]],
						    locked, part, np, bytes);
		}
		done += cnt;
	}
	return (int)sent;
}

static unsigned vh_rx_queues(const struct vnic *v)
{
	return to_vh(v)->qps;
}

static int vh_rx_fd(const struct vnic *v, unsigned rxq)
{
	return rxq < to_vh(v)->qps ? to_vh(v)->rx_epfd[rxq] : -1;
}

/* ---- lifecycle ---- */

static void vh_free(struct vnic_vhost *vh)
{
	vq_stop_all(vh);
	if (vh->conn_fd >= 0)
		fd_close(&vh->conn_fd);
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		vq_reset(&vh->vq[i], i);
		pthread_spin_destroy(&vh->vq[i].lock);
	}
	guest_mem_unmap(&vh->dev.mem);
	log_unmap(&vh->dev);
	if (vh->listen_fd >= 0) {
		fd_close(&vh->listen_fd);
		unlink(vh->path);
	}
	fd_close(&vh->ctl_epfd);
	for (unsigned q = 0; q < VU_MAX_QUEUE_PAIRS; q++)
		fd_close(&vh->rx_epfd[q]);
	fd_close(&vh->timer_fd);
	fd_close(&vh->deadline_fd);
	fd_close(&vh->fault_fd);
	vhost_user_reader_reset(&vh->rd);
	free(vh);
}

static int vh_listen(struct vnic_vhost *vh, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	strcpy(sa.sun_path, vh->path);
	/* A socket file left by an earlier vnetd: replace it, unless a live
	 * process still listens there. */
	if (!lstat(vh->path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket",
				 vh->path);
			return -EEXIST;
		}
		/* Non-blocking: a listener with a full backlog (EAGAIN)
		 * is alive too, and must not hold the control thread. */
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			    0);
		if (fd >= 0 &&
		    (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		     errno == EAGAIN)) {
			close(fd);
			snprintf(err, errlen, "%s is served by another process",
				 vh->path);
			return -EADDRINUSE;
		}
		if (fd >= 0)
			close(fd);
		unlink(vh->path);
	}
	vh->listen_fd =
	    socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (vh->listen_fd < 0 ||
	    bind(vh->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(vh->path, 0660) || listen(vh->listen_fd, 4)) {
		int e = errno;

		snprintf(err, errlen, "cannot listen on %s: %s", vh->path,
			 strerror(e));
		return -e;
	}
	return ctl_add(vh, vh->listen_fd, VU_REF_LISTEN);
}

static int vh_open(const struct vnic_params *params, struct vnic **out,
		   char *err, size_t errlen)
{
	struct vnic_vhost *vh;
	int ret = 0;

	if (!params->path || !*params->path ||
	    strlen(params->path) >= sizeof(vh->path)) {
		snprintf(err, errlen,
			 "a vhost-user port needs a socket path "
			 "of at most 107 bytes");
		return -EINVAL;
	}
	vh = calloc(1, sizeof(*vh));
	if (!vh)
		return -ENOMEM;
	vnic_base_init(&vh->base, &vnic_vhost_user_ops, params);
	snprintf(vh->path, sizeof(vh->path), "%s", params->path);
	vh->client = params->client;
	vh->poll = params->poll;
	vh->qps = params->queues ? params->queues : 1;
	if (vh->qps > VU_MAX_QUEUE_PAIRS)
		vh->qps = VU_MAX_QUEUE_PAIRS;
	if (params->has_mac) {
		memcpy(vh->mac, params->mac, 6);
		vh->has_mac = true;
	}
	vh->listen_fd = vh->conn_fd = vh->timer_fd = vh->deadline_fd = -1;
	for (unsigned q = 0; q < VU_MAX_QUEUE_PAIRS; q++)
		vh->rx_epfd[q] = -1;
	for (unsigned i = 0; i < VNIC_MAX_TXQ; i++)
		atomic_init(&vh->txmap[i], VH_TXQ_NONE);
	for (unsigned i = 0; i < VU_MAX_QUEUES; i++) {
		vh->vq[i].kick_fd = vh->vq[i].call_fd = vh->vq[i].err_fd = -1;
		vq_reset(&vh->vq[i], i);
		pthread_spin_init(&vh->vq[i].lock, PTHREAD_PROCESS_PRIVATE);
	}
	vh->ctl_epfd = epoll_create1(EPOLL_CLOEXEC);
	for (unsigned q = 0; q < vh->qps; q++)
		if ((vh->rx_epfd[q] = epoll_create1(EPOLL_CLOEXEC)) < 0)
			ret = -1;
	vh->fault_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	vh->timer_fd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	vh->deadline_fd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (vh->ctl_epfd < 0 || ret < 0 || vh->fault_fd < 0 ||
	    vh->timer_fd < 0 || vh->deadline_fd < 0 ||
	    ctl_add(vh, vh->fault_fd, VU_REF_FAULT) ||
	    ctl_add(vh, vh->timer_fd, VU_REF_TIMER) ||
	    ctl_add(vh, vh->deadline_fd, VU_REF_DEADLINE)) {
		snprintf(err, errlen, "vhost-user set-up: %s", strerror(errno));
		vh_free(vh);
		return -ENOMEM;
	}
	if (vh->client) {
		struct itimerspec its = {{1, 0}, {0, 1000000}};

		/* First attempt right away, then every second. */
		timerfd_settime(vh->timer_fd, 0, &its, NULL);
	} else {
		ret = vh_listen(vh, err, errlen);
		if (ret) {
			vh_free(vh);
			return ret;
		}
	}
	*out = &vh->base;
	return 0;
}

static void vh_close(struct vnic *v)
{
	vh_free(to_vh(v));
}

static void vh_attach(struct vnic *v)
{
	struct vnic_vhost *vh = to_vh(v);

	/* No frontend yet: the link is down until queue 0 runs. */
	vh->link = true;
	vh_set_link(vh, false);
	vh_tx_remap(vh); /* the switch's thread count is known now */
}

static const char *const feature_names[64] = {
    [VIRTIO_NET_F_CSUM_BIT] = "csum",
    [VIRTIO_NET_F_GUEST_CSUM_BIT] = "guest_csum",
    [VIRTIO_NET_F_GUEST_TSO4_BIT] = "guest_tso4",
    [VIRTIO_NET_F_GUEST_TSO6_BIT] = "guest_tso6",
    [VIRTIO_NET_F_GUEST_ECN_BIT] = "guest_ecn",
    [VIRTIO_NET_F_HOST_TSO4_BIT] = "host_tso4",
    [VIRTIO_NET_F_HOST_TSO6_BIT] = "host_tso6",
    [VIRTIO_NET_F_HOST_ECN_BIT] = "host_ecn",
    [VIRTIO_NET_F_GUEST_USO4_BIT] = "guest_uso4",
    [VIRTIO_NET_F_GUEST_USO6_BIT] = "guest_uso6",
    [VIRTIO_NET_F_HOST_USO_BIT] = "host_uso",
    [VIRTIO_NET_F_MTU_BIT] = "mtu",
    [VIRTIO_NET_F_MAC_BIT] = "mac",
    [VIRTIO_NET_F_MRG_RXBUF_BIT] = "mrg_rxbuf",
    [VIRTIO_NET_F_STATUS_BIT] = "status",
    [VIRTIO_NET_F_MQ_BIT] = "mq",
    [VHOST_F_LOG_ALL_BIT] = "log_all",
    [VIRTIO_RING_F_INDIRECT_DESC_BIT] = "indirect_desc",
    [VIRTIO_RING_F_EVENT_IDX_BIT] = "event_idx",
    [VHOST_USER_F_PROTOCOL_FEATURES_BIT] = "protocol_features",
    [VIRTIO_F_VERSION_1_BIT] = "version_1",
    [VIRTIO_F_IN_ORDER_BIT] = "in_order",
};

static void vh_describe(const struct vnic *v, json_t *obj)
{
	const struct vnic_vhost *vh = to_vh(v);
	json_t *feats = json_array(), *queues = json_array();
	json_t *txmap = json_array();
	unsigned nt;

	json_object_set_new(obj, "socket", json_string(vh->path));
	json_object_set_new(obj, "mode",
			    json_string(vh->client ? "client" : "server"));
	json_object_set_new(obj, "connected", json_boolean(vh->conn_fd >= 0));
	json_object_set_new(obj, "connects",
			    json_integer((json_int_t)vh->connects));
	json_object_set_new(obj, "disconnects",
			    json_integer((json_int_t)vh->disconnects));
	if (vh->last_error[0])
		json_object_set_new(obj, "last_error",
				    json_string(vh->last_error));
	for (int b = 0; b < 64; b++)
		if ((vh->features & (1ull << b)) && feature_names[b])
			json_array_append_new(feats,
					      json_string(feature_names[b]));
	json_object_set_new(obj, "features", feats);
	json_object_set_new(obj, "queue_pairs", json_integer(vh->qps));
	for (unsigned i = 0; i < 2 * vh->qps; i++) {
		const struct vu_vq *vq = &vh->vq[i];
		json_t *q;

		q = json_pack(
		    "{s:i,s:s,s:i,s:b,s:b,s:i,s:i,s:I,s:I,s:I,s:I,s:I}",
		    "index", (int)i, "direction",
		    i & 1 ? "from-guest" : "to-guest", "size", (int)vq->num,
		    "enabled", vq->enabled, "ready", atomic_load(&vq->ready),
		    "last_avail",
		    (int)__atomic_load_n(&vq->shown_avail, __ATOMIC_RELAXED),
		    "last_used",
		    (int)__atomic_load_n(&vq->shown_used, __ATOMIC_RELAXED),
		    "packets",
		    (json_int_t)__atomic_load_n(&vq->packets, __ATOMIC_RELAXED),
		    "bytes",
		    (json_int_t)__atomic_load_n(&vq->bytes, __ATOMIC_RELAXED),
		    "drops",
		    (json_int_t)__atomic_load_n(&vq->drops, __ATOMIC_RELAXED),
		    "interrupts",
		    (json_int_t)__atomic_load_n(&vq->kicks_sent,
						__ATOMIC_RELAXED),
		    "bursts",
		    (json_int_t)__atomic_load_n(&vq->bursts, __ATOMIC_RELAXED));
		/* Polls that found nothing, or bursts a full ring cut. */
		json_object_set_new(
		    q, i & 1 ? "empty_polls" : "ring_full",
		    json_integer((json_int_t)__atomic_load_n(
			i & 1 ? &vq->empty : &vq->full, __ATOMIC_RELAXED)));
		json_array_append_new(queues, q);
	}
	json_object_set_new(obj, "queues", queues);
	/* Which guest receive queues each datapath thread writes. */
	nt = vh->base.host ? vh->base.host->tx_queues : 1;
	for (unsigned t = 0; t < nt && t < VNIC_MAX_TXQ; t++) {
		uint16_t m = atomic_load(&vh->txmap[t]);
		json_t *qs = json_array();

		for (unsigned q = 0; q < VU_MAX_QUEUE_PAIRS; q++)
			if (m & (1u << q))
				json_array_append_new(qs, json_integer(2 * q));
		json_array_append_new(txmap,
				      json_pack("{s:i,s:o,s:b}", "thread",
						(int)t, "queues", qs, "shared",
						(m & VH_TXQ_LOCKED) != 0));
	}
	json_object_set_new(obj, "transmit", txmap);
}

const struct vnic_ops vnic_vhost_user_ops = {
    .kind = "vhost-user",
    .open = vh_open,
    .close = vh_close,
    .rx_queues = vh_rx_queues,
    .rx_burst = vh_rx_burst,
    .rx_done = vh_rx_done,
    .tx_burst = vh_tx_burst,
    .rx_fd = vh_rx_fd,
    .rx_hold = vh_rx_hold,
    .describe = vh_describe,
    .attach = vh_attach,
    .ctl_fd = vh_ctl_fd,
    .ctl_event = vh_ctl_event,
    .rx_fd_edge = true,
};
