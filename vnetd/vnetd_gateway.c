// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_gateway.c - a network's gateway at run time: the gateway port, its
 * DHCP server and DNS names, durable leases by group commit, DNS relay
 *
 * The gateway port (vnic/vnic_gateway.c) answers ARP, ping, DHCP and DNS on
 * its datapath thread.  What needs the database or the outside world comes
 * here, to the control thread, through two rings (one writer at a time: the
 * gateway's own lock serialises its callbacks) and an eventfd:
 *
 *  - a lease to make durable: every lease waiting is written in one
 *    transaction (group commit), and only after it commits is each client's
 *    ACK released (vnic_gateway_commit_done());
 *  - a DNS query for a name outside the network: relayed to the resolvers
 *    the network names, or the host's (/etc/resolv.conf), each from a
 *    UDP socket (a random port) of its own; the answer goes back through
 *    the gateway.  A query that came to the gateway over TCP goes upstream
 *    over TCP too (a non-blocking connection of its own, to the first
 *    resolver that takes one) and its answer back on the guest's
 *    connection.  Such sockets are capped daemon-wide (gw_socks_cap()):
 *    a query over the cap is given up (no_socket).  A query given up (no
 *    resolver, no slot or socket, no answer in time, its TCP connection
 *    upstream failed) gets a SERVFAIL rather than silence; answers carry
 *    the generation of the guest's switch port, so none reaches a new
 *    port given a deleted one's id (vnic_gateway_relay_answer()).
 *
 * A change of the network's gateway settings or reservations rebuilds the
 * gateway (a zero-delay timer coalesces several changes); leases survive it
 * because they are in the state file.
 */
#include "vnetd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"
#include "../dhcp/dhcp6.h"
#include "../vnic/vnic_gateway.h"

/* The DHCP server's per-port share tells every switch port apart. */
_Static_assert(VSW_MAX_PORTS <= DHCPS_MAX_PORTS,
	       "DHCPS_MAX_PORTS must cover the switch's port ids");

#define GW_RING	       2048 /* > twice the gateway's pending commits */
#define GW_RELAY_RING  64
#define GW_RELAY_MAX   4096 /* a query relayed: EDNS padding makes them long */
#define GW_RELAY_SLOTS 64   /* relayed queries waiting, each with a socket */
/* A relayed query's time: sent upstream again after a quarter of it, given
 * up (SERVFAIL) before a stub resolver's usual 5 s retry, which then comes
 * at once (glibc: timeout 5 s, attempts 2). */
#define GW_RELAY_MS 4000
#define GW_NAMES    4096 /* DHCP clients' names, beside the reserved ones */

/* Relay sockets open at once in the whole daemon, all networks together:
 * at most a quarter of the descriptor limit and never more than this. */
#define GW_RELAY_SOCKS_MAX 256u

struct gw_commit {
	struct dhcps_lease_rec rec;
	uint64_t token;
};

struct gw_query {
	uint16_t len, port, in_port;
	uint32_t ip;
	bool v6; /* over IPv6: from ip6 to our6 */
	uint8_t ip6[16];
	uint8_t our6[16];
	uint32_t tcp; /* its connection, 0 over UDP */
	uint32_t gen; /* its port's generation */
	uint8_t mac[6];
	uint8_t data[GW_RELAY_MAX];
};

struct vnetd_gw;

/* The socket of one relayed query: a port of its own, chosen at random by
 * the kernel, closed once the query is answered or given up.  A query that
 * came over TCP goes upstream over TCP: @buf holds its length-prefixed
 * message until it is written, then the answer as it is read. */
struct gw_sock {
	int fd;
	int slot;
	struct vnetd_gw *g;
	struct vnetd_handler h;
	uint8_t *buf;	  /* TCP: 2 + 65535 bytes; UDP: the query, to resend */
	size_t len, done; /* bytes to write or read; done so far */
	bool reading;	  /* the query is written */
	unsigned server;  /* the resolver it is connected to */
};

/**
 * struct vnetd_gw - a running gateway
 * @d: daemon
 * @net: network name (the network object outlives its gateway)
 * @net_id: switch network
 * @params: what it was built from
 * @vnic: the gateway port's backend
 * @port: its switch port
 * @dhcp: DHCP server, NULL without DHCP
 * @names: DNS names
 * @wake: eventfd the callbacks ring
 * @h: @wake in the control loop
 * @commits: ring of leases to make durable (writer: datapath, under the
 *           gateway's lock; reader: control thread)
 * @c_head: written by the writer
 * @c_tail: written by the reader
 * @queries: ring of DNS queries to relay
 * @q_head: written by the writer
 * @q_tail: written by the reader
 * @socks: each waiting relayed query's socket, by its relay slot (-1: none)
 * @upstream: resolvers, network byte order
 * @n_upstream: entries in @upstream
 * @relay: relayed queries waiting for their answers (matched on a random
 *         16-bit ID, the resolver and the question)
 * @rnd: random bits for upstream IDs, @n_rnd of them left
 * @ans: an upstream answer being read (the largest UDP payload)
 * @sweep: forgets unanswered relays
 * @commits_done: leases committed
 * @commit_batches: transactions that carried them
 * @commit_failed: leases whose transaction failed
 * @relay_dropped: queries not relayed (ring full, no resolver, no slot)
 * @nat: its NAT (networks with nat_via), or NULL
 */
struct vnetd_gw {
	struct vnetd *d;
	char net[NAME_MAX_LEN + 1];
	int net_id;
	struct vnetd_gw_params params;
	struct vnic *vnic;
	int port;
	struct dhcps *dhcp;
	struct dhcp6s *dhcp6;	    /* the DHCPv6 engine, or NULL */
	_Atomic bool dhcp6_changed; /* its bindings moved: IP guards follow */
	struct dns_names *names;
	int wake;
	struct vnetd_handler h;
	struct gw_commit commits[GW_RING];
	_Atomic unsigned c_head, c_tail;
	struct gw_query queries[GW_RELAY_RING];
	_Atomic unsigned q_head, q_tail;
	struct gw_sock socks[GW_RELAY_SLOTS];
	struct sockaddr_in upstream[4];
	unsigned n_upstream;
	struct dns_relay *relay;
	uint16_t rnd[64];
	unsigned n_rnd;
	uint8_t ans[65536];
	struct vtimer sweep;
	uint64_t commits_done, commit_batches, commit_failed;
	_Atomic uint64_t relay_dropped;
	unsigned udp_size; /* the largest DNS answer over UDP a guest takes */
	struct vnetd_nat *nat;
	struct vtimer nat_retry;
	unsigned nat_retry_ms;
};

static int64_t wall_now(void)
{
	return (int64_t)time(NULL);
}

static void wake(struct vnetd_gw *g)
{
	uint64_t one = 1;

	if (write(g->wake, &one, sizeof(one)) < 0) {
		/* saturated: the control thread is due to run anyway */
	}
}

/* Datapath thread, gateway lock held. */
static void on_commit(void *arg, const struct dhcps_lease_rec *rec,
		      uint64_t token)
{
	struct vnetd_gw *g = arg;
	unsigned head = atomic_load_explicit(&g->c_head, memory_order_relaxed);
	unsigned tail = atomic_load_explicit(&g->c_tail, memory_order_acquire);

	if (head - tail >= GW_RING) {
		/* Cannot happen while GW_RING exceeds twice the gateway's
		 * pending commits (each may bring the row of the address its
		 * client left); the client's retransmission is answered
		 * anew. */
		return;
	}
	g->commits[head % GW_RING] = (struct gw_commit){*rec, token};
	atomic_store_explicit(&g->c_head, head + 1, memory_order_release);
	wake(g);
}

/* Datapath thread, gateway lock held.  A query the ring cannot take (full,
 * or longer than GW_RELAY_MAX) is the gateway's to answer with SERVFAIL. */
static int on_relay(void *arg, const struct vgw_dns_query *q)
{
	struct vnetd_gw *g = arg;
	unsigned head = atomic_load_explicit(&g->q_head, memory_order_relaxed);
	unsigned tail = atomic_load_explicit(&g->q_tail, memory_order_acquire);
	struct gw_query *e;

	if (head - tail >= GW_RELAY_RING || q->len > GW_RELAY_MAX ||
	    q->len < 12) {
		atomic_fetch_add_explicit(&g->relay_dropped, 1,
					  memory_order_relaxed);
		return q->len < 12 ? -EINVAL : -ENOBUFS;
	}
	e = &g->queries[head % GW_RELAY_RING];
	e->len = (uint16_t)q->len;
	e->port = q->port;
	e->in_port = q->in_port;
	e->ip = q->ip;
	e->v6 = q->v6;
	memcpy(e->ip6, q->ip6, 16);
	memcpy(e->our6, q->our6, 16);
	e->tcp = q->tcp;
	e->gen = q->gen;
	memcpy(e->mac, q->mac, 6);
	memcpy(e->data, q->data, q->len);
	atomic_store_explicit(&g->q_head, head + 1, memory_order_release);
	wake(g);
	return 0;
}

/* Write every waiting lease in one transaction, then release the replies. */
static void drain_commits(struct vnetd_gw *g)
{
	unsigned tail = atomic_load_explicit(&g->c_tail, memory_order_relaxed);
	unsigned head = atomic_load_explicit(&g->c_head, memory_order_acquire);
	bool ok;

	if (tail == head)
		return;
	ok = !vnetd_store_begin(g->d->store);
	for (unsigned i = tail; ok && i != head; i++)
		ok = !vnetd_store_lease_put(
		    g->d->store, g->net, &g->commits[i % GW_RING].rec,
		    vnetd_lease_port_name(g->d, g->net,
					  g->commits[i % GW_RING].rec.port));
	if (ok)
		ok = !vnetd_store_commit(g->d->store);
	else
		vnetd_store_rollback(g->d->store);
	/* Before the ACKs leave: a guest may send from its new address as
	 * soon as it has one. */
	for (unsigned i = tail; ok && i != head; i++)
		vnetd_ip_guard_commit(g->d, g->net,
				      &g->commits[i % GW_RING].rec);
	for (unsigned i = tail; i != head; i++)
		vnic_gateway_commit_done(g->vnic, g->commits[i % GW_RING].token,
					 ok);
	if (ok) {
		g->commits_done += head - tail;
		g->commit_batches++;
		vnetd_team_leases_changed(g->d, g->net);
	} else {
		g->commit_failed += head - tail;
		vlog_rl(MAIN, ERR,
			"network %s: %u lease(s) could not be stored; their "
			"clients were not answered",
			g->net, head - tail);
	}
	atomic_store_explicit(&g->c_tail, head, memory_order_release);
}

static void on_upstream(struct vnetd *d, struct vnetd_handler *h, uint32_t ev);

/* Relay sockets open in the daemon (control thread only): every gateway's
 * count against one cap, so that waiting queries cannot take the
 * descriptors the control socket, vhost-user guests and taps need. */
static unsigned gw_socks_open;

/* The cap on gw_socks_open: a quarter of the descriptor limit (raised to
 * the hard limit at start), between 8 and GW_RELAY_SOCKS_MAX. */
static unsigned gw_socks_cap(void)
{
	static unsigned cap;
	struct rlimit rl;

	if (cap)
		return cap;
	cap = GW_RELAY_SOCKS_MAX;
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur / 4 < cap)
		cap = rl.rlim_cur / 4 < 8 ? 8 : (unsigned)(rl.rlim_cur / 4);
	vlog(MAIN, INFO, "DNS relay: at most %u queries wait at once", cap);
	return cap;
}

/* A relayed query's own socket: left unbound, it gets a random ephemeral
 * port from the kernel at its first send, so a forger off the path has the
 * port to guess as well as the 16-bit ID. */
static int sock_open(struct vnetd_gw *g, int slot)
{
	struct gw_sock *k = &g->socks[slot];
	int rc;

	k->len = 0;
	k->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0) {
		rc = -errno;
		vlog_rl(MAIN, ERR, "network %s: DNS relay socket: %s", g->net,
			strerror(-rc));
		return rc;
	}
	k->slot = slot;
	k->g = g;
	k->h.fn = on_upstream;
	rc = vnetd_watch(g->d, k->fd, EPOLLIN, &k->h);
	if (rc) {
		vlog_rl(MAIN, ERR, "network %s: DNS relay socket: %s", g->net,
			strerror(-rc));
		close(k->fd);
		k->fd = -1;
		return rc;
	}
	gw_socks_open++;
	return 0;
}

static void sock_close(struct vnetd_gw *g, int slot)
{
	struct gw_sock *k = &g->socks[slot];

	free(k->buf);
	k->buf = NULL;
	if (k->fd < 0)
		return;
	vnetd_unwatch(g->d, k->fd);
	close(k->fd);
	k->fd = -1;
	gw_socks_open--;
}

static void on_upstream_tcp(struct vnetd *d, struct vnetd_handler *h,
			    uint32_t ev);

/*
 * The socket of a query that came over TCP: a non-blocking connection to
 * the first resolver that takes one (RFC 7766: so that an answer of any
 * size comes whole), the length-prefixed query written once it is
 * writable.  Return: the resolver as dns_relay_sent() takes it, 0 for
 * none.
 */
static uint32_t sock_open_tcp(struct vnetd_gw *g, int slot, const uint8_t *q,
			      size_t len)
{
	struct gw_sock *k = &g->socks[slot];

	k->buf = malloc(2 + 65535);
	if (!k->buf)
		return 0;
	k->buf[0] = (uint8_t)(len >> 8);
	k->buf[1] = (uint8_t)len;
	memcpy(k->buf + 2, q, len);
	k->len = 2 + len;
	k->done = 0;
	k->reading = false;
	k->slot = slot;
	k->g = g;
	k->h.fn = on_upstream_tcp;
	for (unsigned s = 0; s < g->n_upstream; s++) {
		int fd = socket(AF_INET,
				SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			break;
		if (connect(fd, (struct sockaddr *)&g->upstream[s],
			    sizeof(g->upstream[s])) &&
		    errno != EINPROGRESS) {
			close(fd);
			continue;
		}
		if (vnetd_watch(g->d, fd, EPOLLOUT, &k->h)) {
			close(fd);
			break;
		}
		k->fd = fd;
		k->server = s;
		gw_socks_open++;
		return 1u << s;
	}
	vlog_rl(MAIN, ERR, "network %s: DNS relay over TCP: no connection: %s",
		g->net, strerror(errno));
	free(k->buf);
	k->buf = NULL;
	return 0;
}

/* Random bits for an upstream ID, from getrandom() a few dozen at a time.
 * Should it fail (it does not after boot), the IDs still differ from the
 * waiting ones, only they are guessable. */
static uint16_t gw_random(struct vnetd_gw *g)
{
	if (!g->n_rnd) {
		ssize_t n = getrandom(g->rnd, sizeof(g->rnd), GRND_NONBLOCK);

		if (n < (ssize_t)sizeof(g->rnd[0]))
			return (uint16_t)(timer_now_ms() * 2654435761u >> 7);
		g->n_rnd = (unsigned)n / sizeof(g->rnd[0]);
	}
	return g->rnd[--g->n_rnd];
}

/* A relayed answer, matched, back to its guest (over UDP or on its TCP
 * connection); or the SERVFAIL of a query given up. */
static void answer_send(struct vnetd_gw *g, const struct dns_relay_client *c,
			const uint8_t *a, size_t len, bool servfail)
{
	if (len && vnic_gateway_relay_answer(g->vnic, c, a, len, servfail))
		atomic_fetch_add(&g->relay_dropped, 1);
}

/* Give up the query of relay slot @slot (counted as @why): its socket
 * closes, its guest gets a SERVFAIL rather than waiting out its timeout. */
static void relay_fail(struct vnetd_gw *g, int slot, enum dns_relay_drop why)
{
	uint8_t m[DNS_REPLY_MAX];
	struct dns_relay_client c;
	size_t len = dns_relay_fail(g->relay, slot, why, m, sizeof(m), &c);

	sock_close(g, slot);
	answer_send(g, &c, m, len, true);
}

/* A query from the ring that gets no slot: a SERVFAIL built from the query
 * itself, unless it is malformed (dropped unanswered). */
static void query_fail(struct vnetd_gw *g, const struct gw_query *q,
		       const struct dns_relay_client *c)
{
	uint8_t m[DNS_REPLY_MAX];

	atomic_fetch_add(&g->relay_dropped, 1);
	answer_send(
	    g, c, m,
	    dns_relay_servfail(q->data, q->len, g->udp_size, m, sizeof(m)),
	    true);
}

/* Send a relayed UDP query from its slot's socket to @servers (bit i:
 * resolver i).  Return: those it went to. */
static uint32_t udp_send(struct vnetd_gw *g, int slot, const uint8_t *q,
			 size_t len, uint32_t servers)
{
	uint32_t sent = 0;

	for (unsigned k = 0; k < g->n_upstream; k++)
		if ((servers & (1u << k)) &&
		    sendto(g->socks[slot].fd, q, len, MSG_DONTWAIT,
			   (struct sockaddr *)&g->upstream[k],
			   sizeof(g->upstream[k])) == (ssize_t)len)
			sent |= 1u << k;
	return sent;
}

/* Whether a query in the ring comes from a port that has left since
 * (another generation): it is forgotten, as its slot would have been. */
static bool query_stale(struct vnetd_gw *g, const struct gw_query *q)
{
	return vnic_gateway_port_gen(g->vnic, q->in_port) != q->gen;
}

static void drain_queries(struct vnetd_gw *g)
{
	unsigned tail = atomic_load_explicit(&g->q_tail, memory_order_relaxed);
	unsigned head = atomic_load_explicit(&g->q_head, memory_order_acquire);
	uint64_t due;

	for (; tail != head; tail++) {
		struct gw_query *q = &g->queries[tail % GW_RELAY_RING];
		struct dns_relay_client c = {.ip = q->ip,
					     .v6 = q->v6,
					     .port = q->port,
					     .in_port = q->in_port,
					     .tcp = q->tcp,
					     .gen = q->gen};
		struct gw_sock *k;
		enum dns_relay_drop why;
		uint32_t sent = 0;
		int slot;

		memcpy(c.mac, q->mac, 6);
		memcpy(c.ip6, q->ip6, 16);
		memcpy(c.our6, q->our6, 16);
		if (query_stale(g, q)) {
			atomic_fetch_add(&g->relay_dropped, 1);
			continue;
		}
		if (!g->n_upstream) {
			query_fail(g, q, &c);
			continue;
		}
		why = dns_relay_query(g->relay, q->data, q->len, &c,
				      gw_random(g), timer_now_ms(), &slot);
		/* Malformed, or the guest over its own share: no answer (a
		 * SERVFAIL for its own overload would be cached by a
		 * forwarder in the guest, RFC 2308 7.1, where a drop is
		 * retried). */
		if (why == DNS_RELAY_DROP_BAD_QUERY ||
		    why == DNS_RELAY_DROP_CLIENT_BUSY) {
			atomic_fetch_add(&g->relay_dropped, 1);
			continue;
		}
		if (why != DNS_RELAY_DROP_NONE) { /* no slot for it */
			query_fail(g, q, &c);
			continue;
		}
		sent = dns_relay_servers(g->relay, slot);
		if (sent) { /* the guest's resend of a waiting query */
			udp_send(g, slot, q->data, q->len, sent);
			continue;
		}
		sock_close(g, slot); /* an earlier query's, given up since */
		if (gw_socks_open >= gw_socks_cap()) {
			relay_fail(g, slot, DNS_RELAY_DROP_NO_SOCKET);
			atomic_fetch_add(&g->relay_dropped, 1);
			continue;
		}
		k = &g->socks[slot];
		if (q->tcp) {
			sent = sock_open_tcp(g, slot, q->data, q->len);
		} else if (!sock_open(g, slot)) {
			sent = udp_send(g, slot, q->data, q->len, UINT32_MAX);
			/* kept to send again (without it, it is not) */
			k->buf = sent ? malloc(q->len) : NULL;
			if (k->buf) {
				memcpy(k->buf, q->data, q->len);
				k->len = q->len;
			}
		}
		if (sent) {
			dns_relay_sent(g->relay, slot, sent);
		} else {
			relay_fail(g, slot, DNS_RELAY_DROP_NO_SERVER);
			atomic_fetch_add(&g->relay_dropped, 1);
		}
	}
	atomic_store_explicit(&g->q_tail, tail, memory_order_release);
	due = timer_now_ms() + GW_RELAY_MS / 4;
	if ((!vtimer_armed(&g->sweep) || g->sweep.when > due) &&
	    vtimer_arm_at(g->d->timers, &g->sweep, due))
		vlog_rl(MAIN, ERR, "network %s: cannot arm the DNS relay timer",
			g->net);
}

static void on_wake(struct vnetd *d, struct vnetd_handler *h, uint32_t ev)
{
	struct vnetd_gw *g =
	    (struct vnetd_gw *)((char *)h - offsetof(struct vnetd_gw, h));
	uint64_t n;

	if (read(g->wake, &n, sizeof(n)) < 0) {
		/* EAGAIN: drained already */
	}
	drain_commits(g);
	drain_queries(g);
	if (atomic_exchange(&g->dhcp6_changed, false))
		vnetd_ip_guard_ports(d, g->net);
}

/* Datapath thread, gateway locked: the DHCPv6 engine's bindings moved. */
static void on_dhcp6_changed(void *arg)
{
	struct vnetd_gw *g = arg;

	if (!atomic_exchange(&g->dhcp6_changed, true))
		wake(g);
}

struct addrs6_ctx {
	uint16_t holder; /* the port's id + 1 */
	int64_t now;
	void (*cb)(const uint8_t addr[16], void *arg);
	void *arg;
};

static void addr6_row(const struct dhcp6s_binding *b, void *arg)
{
	struct addrs6_ctx *c = arg;

	if (b->state == DHCP6S_BOUND && b->port == c->holder &&
	    b->expires > c->now)
		c->cb(b->addr, c->arg);
}

/**
 * vnetd_gw_dhcp6_addrs() - the addresses switch port @port holds from the
 * DHCPv6 server of network @net (bound, not expired), for its IP guard
 * @d: daemon
 * @net: the network
 * @port: the switch port
 * @cb: called per address
 * @arg: its argument
 */
void vnetd_gw_dhcp6_addrs(struct vnetd *d, const char *net, int port,
			  void (*cb)(const uint8_t addr[16], void *arg),
			  void *arg)
{
	struct vnetd_net *n = vnetd_net_find(d, net);
	struct addrs6_ctx c = {(uint16_t)(port + 1), wall_now(), cb, arg};

	if (n && n->gw && n->gw->dhcp6 && port >= 0 && port < UINT16_MAX)
		vnic_gateway_dhcp6_walk(n->gw->vnic, addr6_row, &c);
}

/* An answer from upstream: back to the guest that asked, with its ID, if it
 * is the answer to this socket's query from a resolver it went to; whole
 * when the guest can take it, else cut to its question with TC set. */
static void on_upstream(struct vnetd *d, struct vnetd_handler *h, uint32_t ev)
{
	struct gw_sock *k =
	    (struct gw_sock *)((char *)h - offsetof(struct gw_sock, h));
	struct vnetd_gw *g = k->g;
	struct sockaddr_in from;

	for (int burst = 0; burst < 8 && k->fd >= 0; burst++) {
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(k->fd, g->ans, sizeof(g->ans),
				     MSG_DONTWAIT | MSG_TRUNC,
				     (struct sockaddr *)&from, &fl);
		unsigned server = DNS_RELAY_NOT_UPSTREAM;
		struct dns_relay_client c;
		size_t len;

		if (r < 0)
			break;
		if ((size_t)r > sizeof(g->ans))
			r = 0; /* cannot be over IPv4; dropped as short */
		for (unsigned u = 0; u < g->n_upstream; u++)
			if (from.sin_addr.s_addr ==
				g->upstream[u].sin_addr.s_addr &&
			    from.sin_port == g->upstream[u].sin_port)
				server = u;
		if (dns_relay_answer(g->relay, k->slot, server, g->ans,
				     (size_t)r, &c,
				     &len) == DNS_RELAY_DROP_NONE)
			answer_send(g, &c, g->ans, len, false);
	}
	/* Answered: its port closes (a second resolver's answer is refused
	 * by the kernel). */
	if (k->fd >= 0 && !dns_relay_waiting(g->relay, k->slot))
		sock_close(g, k->slot);
}

/* A query's TCP connection upstream: the query written, then the answer
 * read (its length first) without blocking, as the socket allows. */
static void on_upstream_tcp(struct vnetd *d, struct vnetd_handler *h,
			    uint32_t ev)
{
	struct gw_sock *k =
	    (struct gw_sock *)((char *)h - offsetof(struct gw_sock, h));
	struct vnetd_gw *g = k->g;
	struct dns_relay_client c;
	size_t len;
	ssize_t r;

	if (k->fd < 0 || !k->buf)
		return;
	if (!k->reading) {
		r = send(k->fd, k->buf + k->done, k->len - k->done,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return; /* still connecting */
		if (r <= 0)
			goto fail;
		k->done += (size_t)r;
		if (k->done < k->len)
			return;
		k->reading = true;
		k->done = 0;
		k->len = 2;
		if (vnetd_watch_mod(d, k->fd, EPOLLIN, h))
			goto fail;
		return;
	}
	do {
		r = recv(k->fd, k->buf + k->done, k->len - k->done,
			 MSG_DONTWAIT);
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (r <= 0)
			goto fail;
		k->done += (size_t)r;
		if (k->len == 2 && k->done == 2)
			k->len = 2 + ((size_t)k->buf[0] << 8 | k->buf[1]);
	} while (k->done < k->len);
	if (dns_relay_answer(g->relay, k->slot, k->server, k->buf + 2,
			     k->len - 2, &c, &len) == DNS_RELAY_DROP_NONE)
		answer_send(g, &c, k->buf + 2, len, false);
	sock_close(g, k->slot);
	return;
fail:
	/* refused, reset or closed before the whole answer */
	relay_fail(g, k->slot, DNS_RELAY_DROP_UPSTREAM_TCP);
}

static void sweep(struct vtimer *t, void *arg)
{
	struct vnetd_gw *g = arg;
	uint64_t now = timer_now_ms(), next;
	int slot;

	/* Unanswered a while: sent again, once, to the same resolvers (all of
	 * them, so the next one too when there are several). */
	while ((slot = dns_relay_resend_due(g->relay, now)) >= 0)
		if (g->socks[slot].fd >= 0 && g->socks[slot].buf)
			udp_send(g, slot, g->socks[slot].buf,
				 g->socks[slot].len,
				 dns_relay_servers(g->relay, slot));
	/* Unanswered in time: SERVFAIL, before the guest's own retry. */
	while ((slot = dns_relay_expired(g->relay, now)) >= 0)
		relay_fail(g, slot, DNS_RELAY_DROP_TIMEOUT);
	next = dns_relay_expire(g->relay, now);
	for (int i = 0; i < GW_RELAY_SLOTS; i++)
		if (!dns_relay_waiting(g->relay, i))
			sock_close(g, i);

	if (next != UINT64_MAX &&
	    vtimer_arm(g->d->timers, t, (unsigned)(next - now)))
		vlog_rl(MAIN, ERR, "network %s: cannot arm the DNS relay timer",
			g->net);
}

/* The resolvers: the network's, else the host's. */
static void upstream_init(struct vnetd_gw *g)
{
	char line[256];
	FILE *f;

	for (unsigned i = 0; i < g->params.n_upstream && i < 4; i++)
		g->upstream[g->n_upstream++] = (struct sockaddr_in){
		    .sin_family = AF_INET,
		    .sin_port = htons(53),
		    .sin_addr.s_addr = htonl(g->params.upstream[i])};
	if (g->n_upstream)
		return;
	f = fopen("/etc/resolv.conf", "re");
	while (f && fgets(line, sizeof(line), f) && g->n_upstream < 4) {
		struct in_addr a;
		char ip[64];

		if (sscanf(line, " nameserver %63s", ip) == 1 &&
		    inet_pton(AF_INET, ip, &a) == 1)
			g->upstream[g->n_upstream++] =
			    (struct sockaddr_in){.sin_family = AF_INET,
						 .sin_port = htons(53),
						 .sin_addr = a};
	}
	if (f)
		fclose(f);
}

struct restore_ctx {
	struct vnetd_gw *g;
	unsigned n, bad;
	uint32_t *bad_ip; /* rows to delete, @bad of them (NULL: no memory) */
	bool oom;
};

static void restore_one(const struct dhcps_lease_rec *rec, void *arg)
{
	struct restore_ctx *c = arg;
	uint32_t *v;

	if (!dhcps_restore(c->g->dhcp, rec, wall_now())) {
		c->n++;
		return;
	}
	/* Deleted once the read is over (not under its statement). */
	v = c->oom ? NULL : realloc(c->bad_ip, (c->bad + 1) * sizeof(*v));
	if (v) {
		c->bad_ip = v;
		v[c->bad] = rec->ip;
	} else {
		c->oom = true;
	}
	c->bad++;
}

/* Delete the rows the server refused (an address no longer served, a bad
 * row), as dhcps_restore() asks: left there, they would be refused at
 * every start and still be listed by "dhcp leases".  No transaction of its
 * own: a start inside an import's joins the import's. */
static void restore_drop(struct vnetd_gw *g, struct restore_ctx *c)
{
	bool ok = !c->oom;

	for (unsigned i = 0; ok && i < c->bad; i++)
		ok = !vnetd_store_lease_del(g->d->store, g->net, c->bad_ip[i]);
	/* Bound leases too: a client still using such an address learns at
	 * its next renewal (NAK) that it must take another one. */
	if (ok)
		vlog(MAIN, WARN,
		     "network %s: deleted %u stored lease(s) for addresses the "
		     "network no longer serves",
		     g->net, c->bad);
	else
		vlog(MAIN, WARN,
		     "network %s: %u stored lease(s) for addresses the network "
		     "no longer serves could not be deleted; not served, left "
		     "in the store",
		     g->net, c->bad);
	free(c->bad_ip);
	c->bad_ip = NULL;
}

static void gw_free(struct vnetd_gw *g)
{
	for (int i = 0; i < GW_RELAY_SLOTS; i++)
		sock_close(g, i);
	if (g->wake >= 0) {
		vnetd_unwatch(g->d, g->wake);
		close(g->wake);
	}
	vtimer_cancel(g->d->timers, &g->sweep);
	vtimer_cancel(g->d->timers, &g->nat_retry);
	dns_relay_destroy(g->relay);
	dhcps_destroy(g->dhcp);
	dhcp6s_free(g->dhcp6);
	dns_names_destroy(g->names);
	vnetd_defer_free(g->d, g);
}

/* A gateway or a NAT that did not start is tried again: 1 s after the
 * first failure, twice as long after each next one, up to a minute, so
 * that a failure that passes (the lease table locked or unreadable for a
 * while, the NAT table's file, no memory) ends without a command.  A
 * change to the network or its reservations tries the gateway at once and
 * starts its delays over. */
#define RETRY_FIRST_MS 1000u
#define RETRY_MAX_MS   60000u

/* Arm @t (calling @fn with @arg) for the next try: @ms holds the last
 * delay, 0 for none. */
static void retry_arm(struct vnetd *d, struct vtimer *t, vtimer_fn fn,
		      void *arg, unsigned *ms, const char *net,
		      const char *what)
{
	*ms = *ms ? 2 * *ms : RETRY_FIRST_MS;
	if (*ms > RETRY_MAX_MS)
		*ms = RETRY_MAX_MS;
	if (!t->fn)
		vtimer_init(t, fn, arg);
	if (vtimer_arm(d->timers, t, *ms))
		vlog(MAIN, ERR, "network %s: cannot schedule the %s retry", net,
		     what);
}

static void nat_retry(struct vtimer *t, void *arg);

/* The gateway serves DHCP and DNS while its NAT is tried again. */
static void nat_retry_arm(struct vnetd_gw *g)
{
	retry_arm(g->d, &g->nat_retry, nat_retry, g, &g->nat_retry_ms, g->net,
		  "NAT");
}

/* Start @g's NAT (none running); say why not when the reason is new, and
 * try again later. */
static void nat_try(struct vnetd_gw *g, struct vnetd_net *net)
{
	struct vnetd_err ne = {0};

	if (!vnetd_nat_start(g->d, net, g->vnic, g->port, &g->nat, &ne)) {
		if (net->nat_error[0])
			vlog(MAIN, INFO, "network %s: NAT started",
			     net->obj.name);
		net->nat_error[0] = 0;
		g->nat_retry_ms = 0;
		return;
	}
	if (strcmp(ne.msg, net->nat_error)) {
		snprintf(net->nat_error, sizeof(net->nat_error), "%s", ne.msg);
		vlog(MAIN, ERR,
		     "network %s: NAT not started: %s; the gateway serves "
		     "without it, tried again from %u s on",
		     net->obj.name, ne.msg, RETRY_FIRST_MS / 1000);
	}
	nat_retry_arm(g);
}

static void nat_retry(struct vtimer *t, void *arg)
{
	struct vnetd_gw *g = arg;
	struct vnetd_net *net = vnetd_net_find(g->d, g->net);

	if (net && net->gw == g && !g->nat && jstr(net->obj.conf, "nat_via"))
		nat_try(g, net);
}

/* The DHCPv6 engine of gateway @g (its network serves "dhcp6"): the
 * prefix and the gateway's address, the gateway as resolver, the domain
 * to search, Preference 255 (the network's own server: clients take it at
 * once), the network's key.  Return: 0, or -EINVAL with @msg set. */
static int dhcp6_start(struct vnetd_gw *g, struct vnetd_net *net, char *msg,
		       size_t len)
{
	struct dhcp6s_config c = {
	    .ndns = 1,
	    .preference = 255,
	    .stateful = g->params.dhcp6 == 2,
	};

	memcpy(c.prefix, g->params.prefix6, 16);
	memcpy(c.gateway, g->params.ip6, 16);
	memcpy(c.dns[0], g->params.ip6, 16);
	memcpy(c.server_mac, g->params.mac, 6);
	memcpy(c.key, g->params.key6, 16);
	snprintf(c.search, sizeof(c.search), "%s", g->params.subnet.domain);
	/* The DHCPv4 share, 0 for no limit; else the engine's own bound. */
	if (json_object_get(net->obj.conf, "dhcp_leases_per_port"))
		c.port_share =
		    juint(net->obj.conf, "dhcp_leases_per_port")
			? juint(net->obj.conf, "dhcp_leases_per_port")
			: DHCP6S_SHARE_UNLIMITED;
	return dhcp6s_new(&c, &g->dhcp6, msg, len);
}

/**
 * vnetd_gw_start() - build and attach a network's gateway
 * @d: daemon
 * @net: the network (its configuration has a subnet)
 * @e: error
 *
 * Return: 0 (net->gw set, or left NULL when the network has no subnet), or
 * -errno with @e set
 */
int vnetd_gw_start(struct vnetd *d, struct vnetd_net *net, struct vnetd_err *e)
{
	struct dhcps_reservation *res = NULL;
	struct vnic_params vp = {.kind = "gateway"};
	struct vnetd_gw *g;
	struct restore_ctx rc = {0};

	char msg[256], gwname[NAME_MAX_LEN + 1];
	struct vgw_config cfg;
	struct vsw_vlan vlan = {0};
	unsigned nres = 0;
	int ret;

	/* A NAT error is of the gateway that had it: a start that fails
	 * before its NAT leaves only its own error shown. */
	net->nat_error[0] = 0;
	g = calloc(1, sizeof(*g));
	if (!g) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		snprintf(net->gw_error, sizeof(net->gw_error), "%s", e->msg);
		return -ENOMEM;
	}
	g->d = d;
	g->wake = -1;
	for (int i = 0; i < GW_RELAY_SLOTS; i++)
		g->socks[i].fd = -1;
	g->port = -1;
	g->net_id = net->id;
	snprintf(g->net, sizeof(g->net), "%s", net->obj.name);
	vtimer_init(&g->sweep, sweep, g);
	if (vnetd_gw_params(net->obj.conf, &g->params, msg, sizeof(msg))) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS, "%s", msg);
		ret = -EINVAL;
		goto err;
	}
	/* Every reservation is served, however many: each reserved hostname
	 * gets a name of its own in the DNS table. */
	if (g->params.dhcp) {
		ret = vnetd_reservations(d, net->obj.name, &res);
		if (ret < 0) {
			vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
			goto err;
		}
		nres = (unsigned)ret;
	}
	/* Without an IPv4 subnet: no in-addr.arpa zone (prefix 0). */
	ret = dns_names_create(g->params.subnet.domain, g->params.subnet.net,
			       g->params.v4 ? g->params.subnet.prefix : 0,
			       GW_NAMES + nres, 60, &g->names);
	if (ret) {
		free(res);
		vnetd_err_set(e, VNET_ERR_SYSTEM, "DNS names: %s",
			      strerror(-ret));
		goto err;
	}
	if (g->params.dhcp) {
		struct dhcps_config dc = {
		    .server_ip = g->params.ip,
		    .subnets = &g->params.subnet,
		    .nsubnets = 1,
		    .res = res,
		    .nres = nres,
		    .probe = true,
		    .mtu = juint(net->obj.conf, "mtu"),
		    .port_share = g->params.port_share,
		    .names = g->names,
		};

		ret = dhcps_create(&dc, &g->dhcp, msg, sizeof(msg));
		free(res);
		if (ret) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS, "%s", msg);
			goto err;
		}
		rc.g = g;
		ret = vnetd_store_lease_load(d->store, net->obj.name,
					     restore_one, &rc);
		if (ret) {
			free(rc.bad_ip);
			vnetd_err_set(e, VNET_ERR_SYSTEM,
				      "cannot read the leases of %s: %s",
				      net->obj.name,
				      vnetd_store_errmsg(d->store));
			goto err;
		}
		if (rc.bad)
			restore_drop(g, &rc);
		vnetd_lease_ports_claim(d, net->obj.name, g->dhcp);
	}
	if (g->params.dhcp6 && dhcp6_start(g, net, msg, sizeof(msg))) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS, "%s", msg);
		ret = -EINVAL;
		goto err;
	}
	upstream_init(g);
	/* Answers the guests take: up to the network's MTU, less the IPv6
	 * header's 40 bytes when answers may go back over IPv6. */
	g->udp_size = juint(net->obj.conf, "mtu") - (g->params.v6 ? 48 : 28);
	ret = dns_relay_create(GW_RELAY_SLOTS, GW_RELAY_MS, g->udp_size,
			       &g->relay);
	if (ret) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		goto err;
	}
	g->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g->h.fn = on_wake;
	if (g->wake < 0 || vnetd_watch(d, g->wake, EPOLLIN, &g->h)) {
		ret = -errno;
		vnetd_err_set(e, VNET_ERR_SYSTEM, "gateway set-up: %s",
			      strerror(errno));
		goto err;
	}
	/* The gateway port is named after its network ("gw" prefix keeps it
	 * apart from user ports in counters). */
	snprintf(gwname, sizeof(gwname), "gw.%.12s", net->obj.name);
	vp.name = gwname;
	vp.mtu = juint(net->obj.conf, "mtu");
	vp.has_mac = !mac_parse(jstr(net->obj.conf, "gateway_mac"), vp.mac);
	ret = vnic_gateway_open(&vp, &g->vnic, msg, sizeof(msg));
	if (ret) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "%s", msg);
		goto err;
	}
	cfg = (struct vgw_config){
	    .ip = g->params.ip,
	    .prefix = g->params.subnet.prefix,
	    .dhcp = g->dhcp,
	    .dns = g->names,
	    .commit = on_commit,
	    .relay = on_relay,
	    .arg = g,
	    .now = wall_now,
	    .v6 = {.on = g->params.v6, .dns = true},
	};
	memcpy(cfg.v6.prefix, g->params.prefix6, 16);
	memcpy(cfg.v6.ip, g->params.ip6, 16);
	/* Stateful: addresses (M) and settings (O) from DHCPv6; stateless:
	 * settings only, addresses by SLAAC. */
	cfg.v6.dhcp6s = g->dhcp6;
	cfg.v6.dhcp6_changed = on_dhcp6_changed;
	cfg.v6.managed = g->params.dhcp6 == 2;
	cfg.v6.other = g->params.dhcp6 != 0;
	snprintf(cfg.v6.domain, sizeof(cfg.v6.domain), "%s",
		 g->params.subnet.domain);
	ret = vnic_gateway_configure(g->vnic, &cfg);
	if (!ret)
		ret = g->port = vswitch_port_add(
		    d->sw, net->id, gwname, VSW_ROLE_GATEWAY, &vlan, g->vnic);
	if (ret < 0) {
		vnic_close(g->vnic);
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "cannot attach the gateway of %s: %s",
			      net->obj.name, strerror(-ret));
		goto err;
	}
	ret = vswitch_fdb_pin(d->sw, net->id, vp.mac, 0, g->port);
	if (ret)
		vlog(MAIN, WARN, "network %s: cannot pin its gateway's MAC: %s",
		     net->obj.name, strerror(-ret));
	if (jstr(net->obj.conf, "nat_via") &&
	    !vnetd_net_find(d, jstr(net->obj.conf, "nat_via")))
		/* Its external network was deleted: the gateway serves on. */
		vlog(MAIN, WARN, "network %s: no network %s: NAT is off",
		     net->obj.name, jstr(net->obj.conf, "nat_via"));
	else if (jstr(net->obj.conf, "nat_via"))
		/* A NAT that cannot start (its table, its external leg)
		 * leaves DHCP and DNS serving: the error is kept for
		 * "network show", a create request reports it, and it is
		 * tried again. */
		nat_try(g, net);
	net->gw = g;
	net->gw_error[0] = 0;
	/* The leases its server serves (stored rows it refused are gone). */
	vnetd_ip_guard_reload(d, net->obj.name);
	vlog(MAIN, INFO,
	     "network %s: gateway up%s, %u lease(s) restored, %u "
	     "reservation(s)",
	     net->obj.name, g->params.dhcp ? " with DHCP" : "", rc.n, nres);
	return 0;
err:
	snprintf(net->gw_error, sizeof(net->gw_error), "%s", e->msg);
	gw_free(g);
	return ret < 0 ? ret : -EINVAL;
}

/**
 * vnetd_gw_nat() - a gateway's NAT
 * @g: gateway
 *
 * Return: its NAT, or NULL
 */
struct vnetd_nat *vnetd_gw_nat(struct vnetd_gw *g)
{
	return g->nat;
}

/**
 * vnetd_gw_stop() - detach and free a network's gateway; NULL is ignored
 * @d: daemon
 * @net: the network
 */
void vnetd_gw_stop(struct vnetd *d, struct vnetd_net *net)
{
	struct vnetd_gw *g = net->gw;

	if (!g)
		return;
	/* Make durable what is waiting; its replies die with the port, the
	 * clients retransmit. */
	drain_commits(g);
	vnetd_nat_stop(d, g->nat);
	(void)vswitch_port_del(d->sw, g->port);
	vnetd_nat_free(d, g->nat);
	net->gw = NULL;
	vtimer_cancel(d->timers, &net->gw_rebuild);
	gw_free(g);
	vnetd_ip_guard_reload(d, net->obj.name);
}

static void rebuild(struct vtimer *t, void *arg);

static void gw_retry(struct vnetd *d, struct vnetd_net *net)
{
	retry_arm(d, &net->gw_rebuild, rebuild, net, &net->gw_retry_ms,
		  net->obj.name, "gateway");
}

/* Start @net's gateway (none running), or log why not (once per reason:
 * the retries of one failure say nothing more) and try again later. */
static void gw_try(struct vnetd *d, struct vnetd_net *net, const char *what)
{
	char was[sizeof(net->gw_error)];
	struct vnetd_err e = {0};

	memcpy(was, net->gw_error, sizeof(was));
	if (!vnetd_gw_start(d, net, &e)) {
		net->gw_retry_ms = 0;
		return;
	}
	if (strcmp(was, net->gw_error))
		vlog(MAIN, ERR,
		     "network %s: gateway not %s: %s; the network switches "
		     "without it, tried again from %u s on",
		     net->obj.name, what, e.msg, RETRY_FIRST_MS / 1000);
	gw_retry(d, net);
}

static void rebuild(struct vtimer *t, void *arg)
{
	struct vnetd_net *net = arg;

	vnetd_gw_stop(net->d, net);
	if (vnetd_gw_wanted(net->obj.conf)) {
		gw_try(net->d, net, net->gw_retry_ms ? "started" : "rebuilt");
	} else {
		net->gw_retry_ms = 0;
		net->gw_error[0] = 0;
	}
}

/**
 * vnetd_gw_changed() - a network's gateway settings or reservations changed:
 * rebuild its gateway once the current request is done
 * @d: daemon
 * @name: network
 */
void vnetd_gw_changed(struct vnetd *d, const char *name)
{
	struct vnetd_net *net = vnetd_net_find(d, name);

	if (net)
		vnetd_gw_later(d, net);
}

/**
 * vnetd_gw_later() - (re)build a network's gateway once the current request
 * is done: a network applied by the restore (at start-up, or bringing back
 * what a failed import removed) gets its gateway after its reservations
 * and forwards are back
 * @d: daemon
 * @net: the network, which need not be listed yet
 */
void vnetd_gw_later(struct vnetd *d, struct vnetd_net *net)
{
	net->gw_retry_ms = 0;
	if (!net->gw_rebuild.fn)
		vtimer_init(&net->gw_rebuild, rebuild, net);
	if (vtimer_arm(d->timers, &net->gw_rebuild, 0))
		vlog(MAIN, ERR,
		     "network %s: cannot schedule the gateway "
		     "rebuild",
		     net->obj.name);
}

/**
 * vnetd_gw_start_restored() - after vnetd_restore(): start the gateway of
 * every network that has a subnet, once, with its reservations, forwards
 * and external network already restored (the rebuilds the restore asked
 * for are this start)
 * @d: daemon
 *
 * A gateway that cannot start is logged and kept in "network show"; the
 * network switches without it, the restore goes on, and the start is tried
 * again (gw_retry()).
 */
void vnetd_gw_start_restored(struct vnetd *d)
{
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);

	for (size_t i = 0; i < nets->n; i++) {
		struct vnetd_net *net = vnetd_net_of(nets->v[i]);

		vtimer_cancel(d->timers, &net->gw_rebuild);
		net->gw_retry_ms = 0;
		if (net->gw || !vnetd_gw_wanted(net->obj.conf))
			continue;
		gw_try(d, net, "started");
	}
}

/**
 * vnetd_gw_port_gone() - a port of network @net left the switch (deleted,
 * or made again under another id): what its DHCP messages took stops
 * counting against the id, which the next port added may get, and its
 * DNS queries waiting upstream are forgotten (their answers could reach
 * that next port)
 * @d: daemon
 * @net: the network's name
 * @port: the switch port id it had
 */
void vnetd_gw_port_gone(struct vnetd *d, const char *net, int port)
{
	struct vnetd_obj *o = vnetd_obj_find(d, &vnetd_kind_network, net);
	struct vnetd_gw *g = o ? vnetd_net_of(o)->gw : NULL;

	if (!g || !g->vnic || port < 0)
		return;
	vnic_gateway_port_gone(g->vnic, (uint16_t)port);
	/* Its queries waiting upstream free their slots and sockets. */
	if (g->relay && dns_relay_port_gone(g->relay, (uint16_t)port))
		for (int i = 0; i < GW_RELAY_SLOTS; i++)
			if (!dns_relay_waiting(g->relay, i))
				sock_close(g, i);
}

/**
 * vnetd_gw_port_del() - take switch port @port of network @net out of the
 * switch, and tell the network's gateway (vnetd_gw_port_gone()): for the
 * switch ports that are no vnetd port (a team's uplink, a NAT's external
 * leg), whose id the next port added may get as well
 * @d: daemon
 * @net: the network's name
 * @port: the switch port id
 *
 * Return: vswitch_port_del()'s
 */
int vnetd_gw_port_del(struct vnetd *d, const char *net, int port)
{
	int ret = vswitch_port_del(d->sw, port);

	if (!ret || ret == -ENOENT)
		vnetd_gw_port_gone(d, net, port);
	return ret;
}

/**
 * vnetd_gw_port_claim() - port @port of network @net holds the bound leases
 * @ip (read from the state file as it joined): they count against its DHCP
 * share (vnetd_leaseport.c)
 * @d: daemon
 * @net: the network's name
 * @port: the port's switch id
 * @ip: the leases' addresses
 * @n: entries in @ip
 */
void vnetd_gw_port_claim(struct vnetd *d, const char *net, int port,
			 const uint32_t *ip, size_t n)
{
	struct vnetd_net *o = vnetd_net_find(d, net);

	if (o && o->gw && o->gw->vnic && port >= 0)
		vnic_gateway_port_claim(o->gw->vnic, (uint16_t)port, ip, n);
}

/**
 * vnetd_gw_status() - the gateway's counters for "network show"
 * @d: daemon
 * @net: the network
 *
 * Return: a new object, or NULL without a gateway
 */
json_t *vnetd_gw_status(struct vnetd *d, struct vnetd_net *net)
{
	struct vnetd_gw *g = net->gw;
	struct vgw_stats st;
	json_t *o, *drops;

	if (!g)
		return NULL;
	vnic_gateway_stats(g->vnic, &st);
	drops = json_object();
	for (int i = 0; i < VGW_DROP_MAX; i++)
		jsonrpc_set_nonzero(drops, vgw_drop_name((enum vgw_drop)i),
				    st.drops[i]);
	o = json_pack(
	    "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "arp_replies",
	    (json_int_t)st.arp_replies, "echo_replies",
	    (json_int_t)st.echo_replies, "dhcp_in", (json_int_t)st.dhcp_in,
	    "dhcp_out", (json_int_t)st.dhcp_out, "dns_in",
	    (json_int_t)st.dns_in, "dns_out", (json_int_t)st.dns_out,
	    "dns_relayed", (json_int_t)st.dns_relayed, "probes",
	    (json_int_t)st.probes, "conflicts", (json_int_t)st.conflicts);
	json_object_set_new(o, "dns_servfail",
			    json_integer((json_int_t)st.dns_servfail));
	if (g->params.v6)
		json_object_set_new(
		    o, "ipv6",
		    json_pack(
			"{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "ns_in",
			(json_int_t)st.ns_in, "na_out", (json_int_t)st.na_out,
			"dad_defended", (json_int_t)st.dad_defended, "rs_in",
			(json_int_t)st.rs_in, "ra_out", (json_int_t)st.ra_out,
			"echo6_replies", (json_int_t)st.echo6_replies,
			"dns6_in", (json_int_t)st.dns6_in));
	json_object_set_new(o, "dns_tcp_resets",
			    json_integer((json_int_t)st.tcp_resets));
	json_object_set_new(
	    o, "dns_tcp",
	    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "accepted",
		      (json_int_t)st.tcp_accepted, "open",
		      (json_int_t)st.tcp_open, "queries",
		      (json_int_t)st.tcp_queries, "retransmits",
		      (json_int_t)st.tcp_retransmits, "closed",
		      (json_int_t)st.tcp_closed, "idle_closed",
		      (json_int_t)st.tcp_idle_closed, "peer_resets",
		      (json_int_t)st.tcp_peer_resets, "resets",
		      (json_int_t)st.tcp_resets));
	json_object_set_new(o, "leases_committed",
			    json_integer((json_int_t)g->commits_done));
	json_object_set_new(o, "commit_transactions",
			    json_integer((json_int_t)g->commit_batches));
	json_object_set_new(o, "commits_failed",
			    json_integer((json_int_t)g->commit_failed));
	json_object_set_new(
	    o, "dns_relay_dropped",
	    json_integer((json_int_t)atomic_load(&g->relay_dropped)));
	json_object_set_new(o, "drops", drops);
	if (g->relay) {
		struct dns_relay_stats rs;
		json_t *rd = json_object();

		dns_relay_stats_get(g->relay, &rs);
		for (int i = 0; i < DNS_RELAY_DROP_MAX; i++)
			jsonrpc_set_nonzero(
			    rd, dns_relay_drop_name((enum dns_relay_drop)i),
			    rs.drops[i]);
		json_object_set_new(
		    o, "dns_relay",
		    json_pack("{s:I,s:I,s:I,s:I,s:o}", "queries",
			      (json_int_t)rs.queries, "answers",
			      (json_int_t)rs.answers, "truncated",
			      (json_int_t)rs.truncated, "resent",
			      (json_int_t)rs.resent, "drops", rd));
	}
	if (g->dhcp) {
		struct dhcps_stats ds;
		json_t *dd = json_object();

		vnic_gateway_dhcp_stats(g->vnic, &ds);
		for (int i = 0; i < DHCPS_DROP_MAX; i++)
			jsonrpc_set_nonzero(dd,
					    dhcps_drop_name((enum dhcps_drop)i),
					    ds.drops[i]);
		json_object_set_new(
		    o, "dhcp",
		    json_pack("{s:I,s:I,s:I,s:I,s:I,s:o}", "offers",
			      (json_int_t)ds.offers, "acks",
			      (json_int_t)ds.acks, "naks", (json_int_t)ds.naks,
			      "leases", (json_int_t)ds.leases, "expired",
			      (json_int_t)ds.expired, "drops", dd));
	}
	if (g->dhcp6) {
		struct dhcp6s_stats ds;
		json_t *dd = json_object();

		vnic_gateway_dhcp6_stats(g->vnic, &ds);
		for (int i = 0; i < DHCP6S_DROP_MAX; i++)
			jsonrpc_set_nonzero(
			    dd, dhcp6s_drop_name((enum dhcp6s_drop)i),
			    ds.drops[i]);
		json_object_set_new(
		    o, "dhcp6",
		    json_pack(
			"{s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "mode",
			g->params.dhcp6 == 2 ? "stateful" : "stateless",
			"received", (json_int_t)ds.rx, "advertises",
			(json_int_t)ds.advertises, "replies",
			(json_int_t)ds.replies, "bindings",
			(json_int_t)ds.bindings, "declined",
			(json_int_t)ds.declined, "expired",
			(json_int_t)ds.expired, "released",
			(json_int_t)ds.released, "dropped",
			(json_int_t)(st.drops[VGW_DROP_DHCP6]), "drops", dd));
	}
	return o;
}

static const char *const lease_states[] = {"bound", "released", "declined"};

struct leases_ctx {
	json_t *arr;
	const char *net;
	int64_t now;
};

static void lease_row(const struct dhcps_lease_rec *rec, void *arg)
{
	struct leases_ctx *c = arg;
	char mac[MAC_STRLEN], ip[INET_ADDRSTRLEN];
	struct in_addr a = {htonl(rec->ip)};
	bool expired = rec->expires <= c->now;
	const char *state = rec->state == DHCPS_LEASE_BOUND && expired
				? "expired"
				: lease_states[rec->state];

	inet_ntop(AF_INET, &a, ip, sizeof(ip));
	json_array_append_new(
	    c->arr,
	    json_pack("{s:s,s:s,s:s,s:s,s:s,s:I}", "network", c->net, "ip", ip,
		      "mac", mac_format(rec->mac, mac), "hostname",
		      rec->hostname, "state", state, "expires_in",
		      (json_int_t)(expired ? 0 : rec->expires - c->now)));
}

/**
 * vnetd_dhcp_leases() - RPC dhcp.leases {network?}: the durable leases
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: array of leases, or NULL with @e set
 */
static void binding_row(const struct dhcp6s_binding *b, void *arg)
{
	struct leases_ctx *c = arg;
	char ip[INET6_ADDRSTRLEN];
	bool expired = b->expires <= c->now;

	inet_ntop(AF_INET6, b->addr, ip, sizeof(ip));
	json_array_append_new(
	    c->arr,
	    json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:I}", "network", c->net, "ip",
		      ip, "duid", b->duid_hex, "iaid", (json_int_t)b->iaid,
		      "hostname", b->hostname, "state",
		      b->state == DHCP6S_DECLINED ? "declined"
		      : expired			  ? "expired"
						  : "bound",
		      "expires_in",
		      (json_int_t)(expired ? 0 : b->expires - c->now)));
}

/* The DHCPv6 bindings of network @c->net, held by its gateway's engine
 * (not stored: the engine's key gives each client its address again). */
static void bindings6(struct vnetd *d, struct leases_ctx *c)
{
	struct vnetd_net *net = vnetd_net_find(d, c->net);

	if (net && net->gw && net->gw->dhcp6)
		vnic_gateway_dhcp6_walk(net->gw->vnic, binding_row, c);
}

json_t *vnetd_dhcp_leases(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	const char *name = jstr(params, "network");
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);
	struct leases_ctx c = {json_array(), NULL, wall_now()};

	if (name && !vnetd_obj_lookup(d, &vnetd_kind_network, name, e)) {
		json_decref(c.arr);
		return NULL;
	}
	for (size_t i = 0; i < nets->n; i++) {
		c.net = nets->v[i]->name;
		if (name && strcmp(c.net, name))
			continue;
		if (vnetd_store_lease_load(d->store, c.net, lease_row, &c)) {
			vnetd_err_set(e, VNET_ERR_SYSTEM,
				      "cannot read the leases of %s: %s", c.net,
				      vnetd_store_errmsg(d->store));
			json_decref(c.arr);
			return NULL;
		}
		bindings6(d, &c);
	}
	return c.arr;
}

/**
 * vnetd_dhcp_release() - RPC dhcp.release {network, mac}: take a client's
 * lease back (its address becomes free)
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: {"released": n}, or NULL with @e set
 */
json_t *vnetd_dhcp_release(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	struct vnetd_obj *o = vnetd_obj_lookup(d, &vnetd_kind_network,
					       jstr(params, "network"), e);
	const char *mac = jstr(params, "mac");
	uint8_t m[6];
	char norm[MAC_STRLEN];
	int n;

	if (!o)
		return NULL;
	if (!mac || mac_parse(mac, m)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "mac: must be a MAC like 52:54:00:12:34:56");
		return NULL;
	}
	n = vnetd_store_lease_release(d->store, o->name, mac_format(m, norm),
				      wall_now());
	if (n < 0) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "state file error");
		return NULL;
	}
	if (!n) {
		vnetd_err_set(e, VNET_ERR_NOT_FOUND,
			      "%s holds no lease on network '%s'", norm,
			      o->name);
		return NULL;
	}
	/* The server reads its leases back from the store; the IP guards
	 * now, whether or not its gateway runs. */
	vnetd_gw_changed(d, o->name);
	vnetd_ip_guard_reload(d, o->name);
	vlog(MAIN, INFO,
	     "network %s: lease of %s released by the "
	     "administrator",
	     o->name, norm);
	return json_pack("{s:i}", "released", n);
}

/**
 * vnetd_dhcp_unreserve() - RPC dhcp.unreserve {network, mac}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: {"deleted": name}, or NULL with @e set
 */
json_t *vnetd_dhcp_unreserve(struct vnetd *d, json_t *params,
			     struct vnetd_err *e)
{
	const char *mac = jstr(params, "mac");
	char name[64], norm[MAC_STRLEN];
	uint8_t m[6];
	json_t *p, *res;

	if (!mac || mac_parse(mac, m)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "mac: must be a MAC like 52:54:00:12:34:56");
		return NULL;
	}
	snprintf(name, sizeof(name), "%s/%s",
		 jstr(params, "network") ? jstr(params, "network") : "",
		 mac_format(m, norm));
	p = json_pack("{s:s}", "name", name);
	res = vnetd_obj_delete(d, &vnetd_kind_reservation, p, e);
	json_decref(p);
	return res;
}
