// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_gateway_tcp.c - DNS over TCP on the gateway's port 53: a small
 * server-side TCP (RFC 9293) carrying length-prefixed DNS messages
 * (RFC 1035 4.2.2, RFC 7766)
 *
 * Guests' resolvers fall back to TCP after a truncated UDP answer; this is
 * what they reach.  Each connection is a fixed slot: a SYN gets a SYN-ACK
 * (a keyed-hash ISN, RFC 6528; the peer's MSS honoured, no window scaling),
 * in-order bytes are taken into a small query buffer (out-of-order ones are
 * dropped and answered with an ACK for the byte expected), every whole
 * query is answered at once (the names table) or handed to the relay
 * callback, and answers leave in segments of at most min(peer MSS, MTU - 40)
 * within the peer's window, retransmitted on a timer that doubles up to a
 * retry cap.  FIN either way; an idle connection is closed by the gateway.
 * Anything for a connection the gateway does not have gets a RST.
 *
 * Bounded state: VGW_TCP_CONNS connections per gateway, VGW_TCP_PER_CLIENT
 * per guest address and VGW_TCP_PER_PORT per switch port, a query buffer of
 * VGW_TCP_QUERY_MAX bytes each, answers waiting for their ACK capped per
 * connection and per gateway.  A connection whose answers are not read stops
 * taking queries (its window closes) rather than buffering more.
 *
 * Threads: everything runs under the gateway's lock, on the datapath
 * thread that hands the gateway frames (vgw_tcp_in()) or owns its port
 * (vgw_tcp_run() from rx_burst()), or on the control thread for a relayed
 * answer (vnic_gateway_send_tcp()).
 *
 * Trust boundary: segments come from guests; their checksum is verified,
 * the TCP header, its options and the DNS length prefixes are read through
 * bounds checks.
 */
#include "vnic_gateway.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/siphash.h"
#include "../lib/util.h"
#include "vnic_gateway_priv.h"

#define TCP_F_PSH 0x08

enum conn_state {
	CONN_FREE,
	CONN_SYN_RCVD, /* SYN-ACK sent, waiting for its ACK */
	CONN_OPEN,     /* established (and the closing states, by flags) */
};

/*
 * One connection.  Sequence space: the SYN-ACK is @iss; once established,
 * @tx[0] is the byte at @snd_una and our FIN, when queued, follows
 * @tx[@tx_len - 1].
 */
struct conn {
	enum conn_state state;
	bool fin_in;   /* the peer's FIN taken */
	bool fin_out;  /* ours is queued after the data */
	bool fin_sent; /* and is within snd_una..snd_nxt */
	uint8_t retries;
	uint8_t mac[6];
	uint16_t port;	  /* the guest's */
	uint16_t in_port; /* the switch port it came in on */
	uint16_t mss;
	struct vgw_peer peer; /* the guest's address, and ours it spoke to */
	uint32_t cookie;
	uint32_t iss, snd_una, snd_nxt, snd_wnd, rcv_nxt;
	uint32_t rto_ms;
	unsigned pending; /* queries with the relay */
	uint64_t rto_at;  /* ns; 0: no timer */
	uint64_t idle_at; /* ns */
	uint8_t *tx;	  /* answers sent and unacknowledged, or unsent */
	size_t tx_len, tx_cap;
	uint16_t rx_len;
	uint8_t rx[VGW_TCP_QUERY_MAX]; /* length prefix and query, partial */
};

struct vgw_tcp {
	struct conn c[VGW_TCP_CONNS];
	struct siphash_key key; /* ISNs */
	uint32_t gen;		/* connection cookies */
	size_t buffered;	/* tx bytes of all connections */
	uint64_t due;		/* the first timer, ns; UINT64_MAX: none */
};

/* Sequence comparisons modulo 2^32. */
static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static void tcp_drop(struct vnic_gateway *g, enum vgw_drop d)
{
	g->st.drops[d]++;
}

/**
 * vgw_tcp_init() - the gateway's (empty) connection table
 * @g: gateway, being opened (control thread)
 * @k0: secret key for initial sequence numbers, first half
 * @k1: second half
 *
 * Return: 0 or -ENOMEM
 */
int vgw_tcp_init(struct vnic_gateway *g, uint64_t k0, uint64_t k1)
{
	g->tcp = calloc(1, sizeof(*g->tcp));
	if (!g->tcp)
		return -ENOMEM;
	siphash_key_init(&g->tcp->key, k0, k1);
	g->tcp->due = UINT64_MAX;
	return 0;
}

/**
 * vgw_tcp_free() - free the connection table and its buffers
 * @g: gateway, closing
 */
void vgw_tcp_free(struct vnic_gateway *g)
{
	if (!g->tcp)
		return;
	for (unsigned i = 0; i < VGW_TCP_CONNS; i++)
		free(g->tcp->c[i].tx);
	free(g->tcp);
	g->tcp = NULL;
}

/**
 * vgw_tcp_due() - when vgw_tcp_run() has work
 * @g: gateway, locked
 *
 * Return: monotonic ns, UINT64_MAX for never
 */
uint64_t vgw_tcp_due(const struct vnic_gateway *g)
{
	return g->tcp ? g->tcp->due : UINT64_MAX;
}

static void due_update(struct vgw_tcp *t)
{
	uint64_t due = UINT64_MAX;

	for (unsigned i = 0; i < VGW_TCP_CONNS; i++) {
		const struct conn *c = &t->c[i];

		if (c->state == CONN_FREE)
			continue;
		/* Idleness counts while nothing waits for an ACK: the
		 * retransmission timer bounds the rest. */
		if (c->rto_at ? c->rto_at < due : c->idle_at < due)
			due = c->rto_at ? c->rto_at : c->idle_at;
	}
	t->due = due;
}

static void conn_free(struct vnic_gateway *g, struct conn *c)
{
	g->tcp->buffered -= c->tx_len;
	free(c->tx);
	memset(c, 0, sizeof(*c));
}

static uint16_t rx_window(const struct conn *c)
{
	return (uint16_t)(sizeof(c->rx) - c->rx_len);
}

/* Room for a segment of @l4len bytes to @peer at @mac, its Ethernet and IP
 * (v4 or v6) headers written; the TCP header's place, the frame's length
 * in @total.  NULL when the gateway's queue is full (counted). */
static uint8_t *l3_out(struct vnic_gateway *g, const uint8_t *mac,
		       const struct vgw_peer *peer, size_t l4len, size_t *total)
{
	size_t l3 = peer->v6 ? 40 : 20;
	uint8_t *f = vgw_out_slot(g, (*total = 14 + l3 + l4len));

	if (!f)
		return NULL;
	vgw_eth_put(f, mac, g->mac, peer->v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
	if (!peer->v6) {
		vgw_ip_put(f + 14, g->cfg.ip, peer->ip, IPPROTO_TCP_,
			   20 + l4len, 0, 0);
		return f + 34;
	}
	memset(f + 14, 0, 8);
	f[14] = 0x60;
	pkt_put_be16(f + 18, (uint16_t)l4len);
	f[20] = IPPROTO_TCP_;
	f[21] = 64;
	memcpy(f + 22, peer->our6, 16);
	memcpy(f + 38, peer->ip6, 16);
	return f + 54;
}

/* Whether two connections' guests are the same address. */
static bool peer_eq(const struct vgw_peer *a, const struct vgw_peer *b)
{
	return a->v6 == b->v6 && a->ip == b->ip && !memcmp(a->ip6, b->ip6, 16);
}

/* One segment to @c's guest: @flags, @len bytes of @data at @seq; the MSS
 * option on a SYN.  False when the gateway's queue is full (counted). */
static bool seg_out(struct vnic_gateway *g, const struct conn *c, uint32_t seq,
		    uint8_t flags, const uint8_t *data, size_t len)
{
	size_t hl = flags & TCP_F_SYN ? 24 : 20, total;
	uint8_t *t = l3_out(g, c->mac, &c->peer, hl + len, &total);

	if (!t)
		return false;
	memset(t, 0, hl);
	pkt_put_be16(t, DNS_PORT);
	pkt_put_be16(t + 2, c->port);
	vgw_put_be32(t + 4, seq);
	vgw_put_be32(t + 8, flags & TCP_F_ACK ? c->rcv_nxt : 0);
	t[12] = (uint8_t)(hl / 4 << 4);
	t[13] = flags;
	pkt_put_be16(t + 14, rx_window(c));
	if (hl == 24) {
		t[20] = 2; /* MSS */
		t[21] = 4;
		pkt_put_be16(t + 22, c->mss);
	}
	if (len)
		memcpy(t + hl, data, len);
	l4_csum_fill(t - (total - hl - len), total);
	return true;
}

static void ack_out(struct vnic_gateway *g, const struct conn *c)
{
	seg_out(g, c, c->snd_nxt, TCP_F_ACK, NULL, 0);
}

/* Refuse a segment: RST (RFC 9293 3.10.7.1), its sequence from the
 * segment's ACK, else an ACK of everything it carried. */
static void rst_reply(struct vnic_gateway *g, const uint8_t *eth,
		      const struct vgw_peer *peer, const uint8_t *t,
		      size_t plen)
{
	uint8_t flags = t[13], *f;
	uint32_t seq = 0, ack = 0;
	size_t total;

	if (flags & TCP_F_ACK)
		seq = vgw_get_be32(t + 8);
	else
		ack = vgw_get_be32(t + 4) + (uint32_t)plen +
		      !!(flags & TCP_F_SYN) + !!(flags & TCP_F_FIN);
	f = l3_out(g, eth + 6, peer, 20, &total);
	if (!f)
		return;
	memset(f, 0, 20);
	memcpy(f, t + 2, 2); /* ports swapped */
	memcpy(f + 2, t, 2);
	vgw_put_be32(f + 4, seq);
	vgw_put_be32(f + 8, ack);
	f[12] = 5 << 4;
	f[13] = (uint8_t)(TCP_F_RST | (flags & TCP_F_ACK ? 0 : TCP_F_ACK));
	l4_csum_fill(f - (total - 20), total);
	g->st.tcp_resets++;
}

/* Reset a connection the gateway gives up, and forget it. */
static void conn_reset(struct vnic_gateway *g, struct conn *c,
		       enum vgw_drop why)
{
	seg_out(g, c, c->snd_nxt, TCP_F_RST | TCP_F_ACK, NULL, 0);
	g->st.tcp_resets++;
	tcp_drop(g, why);
	conn_free(g, c);
}

static void rto_arm(struct vnic_gateway *g, struct conn *c)
{
	if (!c->rto_at)
		c->rto_at = vgw_now_ns(g) + (uint64_t)c->rto_ms * 1000000u;
}

/*
 * Send what the peer's window takes: unsent answer bytes in MSS-sized
 * segments, then our FIN.  @probe lets one byte out into a closed window
 * (a zero-window probe, from the retransmission timer).
 */
static void conn_push(struct vnic_gateway *g, struct conn *c, bool probe)
{
	for (;;) {
		uint32_t inflight = c->snd_nxt - c->snd_una;
		size_t room = c->snd_wnd > inflight ? c->snd_wnd - inflight : 0;
		size_t off = inflight, n;
		uint8_t flags = TCP_F_ACK | TCP_F_PSH;

		if (c->fin_sent || c->state != CONN_OPEN)
			return;
		if (off >= c->tx_len) {
			if (!c->fin_out)
				return;
			if (!seg_out(g, c, c->snd_nxt, TCP_F_FIN | TCP_F_ACK,
				     NULL, 0))
				return rto_arm(g, c);
			c->snd_nxt++;
			c->fin_sent = true;
			return rto_arm(g, c);
		}
		if (!room && probe)
			room = 1;
		probe = false;
		n = c->tx_len - off;
		if (n > c->mss)
			n = c->mss;
		if (n > room)
			n = room;
		if (!n) /* a closed window: the timer probes it */
			return rto_arm(g, c);
		if (!seg_out(g, c, c->snd_nxt, flags, c->tx + off, n))
			return rto_arm(g, c);
		c->snd_nxt += (uint32_t)n;
		rto_arm(g, c);
	}
}

/* Room for @len more answer bytes on @c, within both caps. */
static bool tx_room(const struct vnic_gateway *g, const struct conn *c,
		    size_t len)
{
	return len <= VGW_TCP_CONN_BUF - c->tx_len &&
	       len <= VGW_TCP_BUF_MAX - g->tcp->buffered;
}

/* Queue a DNS message on @c with its length prefix; false without room. */
static bool tx_add(struct vnic_gateway *g, struct conn *c, const void *msg,
		   size_t len)
{
	size_t need = c->tx_len + 2 + len;

	if (len > 0xffff || !tx_room(g, c, 2 + len))
		return false;
	if (need > c->tx_cap) {
		size_t cap = c->tx_cap ? c->tx_cap : 1024;
		uint8_t *p;

		while (cap < need)
			cap *= 2;
		if (cap > VGW_TCP_CONN_BUF)
			cap = VGW_TCP_CONN_BUF;
		p = realloc(c->tx, cap);
		if (!p)
			return false;
		c->tx = p;
		c->tx_cap = cap;
	}
	pkt_put_be16(c->tx + c->tx_len, (uint16_t)len);
	memcpy(c->tx + c->tx_len + 2, msg, len);
	c->tx_len += 2 + len;
	g->tcp->buffered += 2 + len;
	return true;
}

/* Our FIN once the peer has sent its own and no answer is still to come. */
static void conn_maybe_fin(struct conn *c)
{
	if (c->fin_in && !c->pending)
		c->fin_out = true;
}

/* One whole query from @c: answered, relayed or dropped as over UDP. */
static void query_in(struct vnic_gateway *g, struct conn *c, const uint8_t *q,
		     size_t len)
{
	struct vgw_dns_query rq = {.data = q,
				   .len = len,
				   .ip = c->peer.ip,
				   .v6 = c->peer.v6,
				   .port = c->port,
				   .in_port = c->in_port,
				   .tcp = c->cookie,
				   .gen = vgw_port_gen(g, c->in_port)};
	struct dns_result r;
	long n;

	memcpy(rq.mac, c->mac, 6);
	memcpy(rq.ip6, c->peer.ip6, 16);
	memcpy(rq.our6, c->peer.our6, 16);
	g->st.dns_in++;
	g->st.dns6_in += c->peer.v6;
	g->st.tcp_queries++;
	dns_answer(g->cfg.dns, q, len, g->dns_out, sizeof(g->dns_out), &r);
	switch (r.action) {
	case DNS_ACT_REPLY:
		if (tx_add(g, c, g->dns_out, r.len))
			g->st.dns_out++;
		else
			tcp_drop(g, VGW_DROP_TCP_BUF_FULL);
		break;
	case DNS_ACT_RELAY:
		n = vgw_dns_relay(g, &rq);
		if (!n) {
			c->pending++;
		} else if (n < 0) {
			break;
		} else if (tx_add(g, c, g->dns_out, (size_t)n)) {
			/* not taken: the connection gets a SERVFAIL */
			g->st.dns_out++;
			g->st.dns_servfail++;
		} else {
			tcp_drop(g, VGW_DROP_TCP_BUF_FULL);
		}
		break;
	default:
		tcp_drop(g, VGW_DROP_DNS);
		break;
	}
}

/*
 * Take every whole query in @c's buffer while there is room for its answer
 * (a peer that does not read its answers sees its window close).  False
 * when the connection was reset (a length the buffer cannot hold).
 */
static bool queries_take(struct vnic_gateway *g, struct conn *c)
{
	while (c->rx_len >= 2) {
		size_t qlen = pkt_get_be16(c->rx);

		if (!qlen || qlen > sizeof(c->rx) - 2) {
			conn_reset(g, c, VGW_DROP_TCP_QUERY_SIZE);
			return false;
		}
		if (c->rx_len < 2 + qlen || !tx_room(g, c, 2 + DNS_REPLY_MAX))
			break;
		query_in(g, c, c->rx + 2, qlen);
		c->rx_len = (uint16_t)(c->rx_len - 2 - qlen);
		memmove(c->rx, c->rx + 2 + qlen, c->rx_len);
	}
	return true;
}

/* The MSS the peer offers in its SYN's options; 536 without (RFC 9293
 * 3.7.1). */
static uint16_t syn_mss(const uint8_t *opt, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = opt[i], l;

		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (len - i < 2 || (l = opt[i + 1]) < 2 || l > len - i)
			break;
		if (kind == 2 && l == 4)
			return pkt_get_be16(opt + i + 2);
		i += l;
	}
	return 536;
}

/* A connection is its guest's address and port and the switch port it
 * came in on: another guest claiming the same address reaches none of it. */
static struct conn *conn_find(struct vgw_tcp *t, const struct vgw_peer *peer,
			      uint16_t port, uint16_t in_port)
{
	for (unsigned i = 0; i < VGW_TCP_CONNS; i++)
		if (t->c[i].state != CONN_FREE &&
		    peer_eq(&t->c[i].peer, peer) && t->c[i].port == port &&
		    t->c[i].in_port == in_port)
			return &t->c[i];
	return NULL;
}

/* A SYN for no connection: a new one, within the caps, SYN-ACK sent. */
static void conn_open(struct vnic_gateway *g, const uint8_t *eth,
		      const struct vgw_peer *peer, const uint8_t *t, size_t hl)
{
	struct vgw_tcp *tt = g->tcp;
	struct conn *c = NULL;
	uint64_t src;
	unsigned same = 0, port = 0, i, mtu_mss, mss, hdrs;
	uint64_t now = vgw_now_ns(g);

	for (i = 0; i < VGW_TCP_CONNS; i++) {
		if (tt->c[i].state == CONN_FREE) {
			c = c ? c : &tt->c[i];
			continue;
		}
		same += peer_eq(&tt->c[i].peer, peer);
		port += tt->c[i].in_port == g->scratch_port;
	}
	if (!c) {
		tcp_drop(g, VGW_DROP_TCP_CONN_LIMIT);
		return rst_reply(g, eth, peer, t, 0);
	}
	if (same >= VGW_TCP_PER_CLIENT) {
		tcp_drop(g, VGW_DROP_TCP_CLIENT_LIMIT);
		return rst_reply(g, eth, peer, t, 0);
	}
	/* Addresses are the guest's to forge; its switch port is not. */
	if (port >= VGW_TCP_PER_PORT) {
		tcp_drop(g, VGW_DROP_TCP_PORT_LIMIT);
		return rst_reply(g, eth, peer, t, 0);
	}
	memset(c, 0, sizeof(*c));
	c->state = CONN_SYN_RCVD;
	memcpy(c->mac, eth + 6, 6);
	c->peer = *peer;
	c->port = pkt_get_be16(t);
	c->in_port = g->scratch_port;
	/* Segments fit the MTU and a small slot of the gateway's queue. */
	hdrs = peer->v6 ? 60 : 40;
	mtu_mss = g->base.mtu > hdrs ? g->base.mtu - hdrs : 536;
	if (mtu_mss > VGW_SLOT_SIZE - 14 - hdrs)
		mtu_mss = VGW_SLOT_SIZE - 14 - hdrs;
	mss = syn_mss(t + 20, hl - 20);
	if (mss > mtu_mss)
		mss = mtu_mss;
	c->mss = (uint16_t)(mss < 48 ? 48 : mss);
	if (++tt->gen >= 1u << 24)
		tt->gen = 1;
	c->cookie = tt->gen << 8 | (uint32_t)(c - tt->c + 1);
	/* RFC 6528: a keyed hash of the connection plus a 4 us clock. */
	src = peer->ip;
	for (i = 0; peer->v6 && i < 16; i += 8) {
		uint64_t w;

		memcpy(&w, peer->ip6 + i, 8);
		src ^= w;
	}
	c->iss = (uint32_t)siphash24_u64(&tt->key, src << 16 ^ c->port) +
		 (uint32_t)(now / 4000);
	c->snd_una = c->iss;
	c->snd_nxt = c->iss + 1;
	c->snd_wnd = pkt_get_be16(t + 14);
	c->rcv_nxt = vgw_get_be32(t + 4) + 1;
	c->rto_ms = VGW_TCP_RTO_MS;
	c->idle_at = now + (uint64_t)VGW_TCP_IDLE_MS * 1000000u;
	g->st.tcp_accepted++;
	seg_out(g, c, c->iss, TCP_F_SYN | TCP_F_ACK, NULL, 0);
	rto_arm(g, c);
}

/* An acceptable ACK on an open connection: drop what it covers. */
static void ack_take(struct vnic_gateway *g, struct conn *c, uint32_t ack)
{
	size_t n = ack - c->snd_una;

	if (n > c->tx_len) /* our FIN too */
		n = c->tx_len;
	if (n < c->tx_len)
		memmove(c->tx, c->tx + n, c->tx_len - n);
	c->tx_len -= n;
	g->tcp->buffered -= n;
	if (!c->tx_len) {
		free(c->tx);
		c->tx = NULL;
		c->tx_cap = 0;
	}
	c->snd_una = ack;
	c->retries = 0;
	c->rto_ms = VGW_TCP_RTO_MS;
	c->rto_at = 0;
	c->idle_at = vgw_now_ns(g) + (uint64_t)VGW_TCP_IDLE_MS * 1000000u;
}

/* Whether @c is done: both FINs sent and ours acknowledged. */
static bool conn_done(const struct conn *c)
{
	return c->fin_in && c->fin_sent && c->snd_una == c->snd_nxt;
}

/* A segment for an existing connection. */
static void conn_in(struct vnic_gateway *g, struct conn *c, const uint8_t *t,
		    const uint8_t *data, size_t len)
{
	uint8_t flags = t[13];
	uint32_t seq = vgw_get_be32(t + 4), ack = vgw_get_be32(t + 8);
	bool need_ack = false, fin = flags & TCP_F_FIN;
	uint16_t rx_before;
	size_t off, take;

	if (flags & TCP_F_RST) {
		/* RFC 5961 3.2: the exact sequence resets; elsewhere in
		 * the window asks for a challenge ACK. */
		if (seq == c->rcv_nxt) {
			g->st.tcp_peer_resets++;
			conn_free(g, c);
		} else if (seq_lt(c->rcv_nxt, seq) &&
			   seq_lt(seq, c->rcv_nxt + rx_window(c))) {
			ack_out(g, c);
		}
		return;
	}
	if (flags & TCP_F_SYN) {
		/* A repeated SYN gets the SYN-ACK again; any other, on an
		 * open connection, a challenge ACK (RFC 5961 4.2). */
		if (c->state == CONN_SYN_RCVD && seq + 1 == c->rcv_nxt)
			seg_out(g, c, c->iss, TCP_F_SYN | TCP_F_ACK, NULL, 0);
		else
			ack_out(g, c);
		return;
	}
	if (!(flags & TCP_F_ACK))
		return tcp_drop(g, VGW_DROP_TCP_BAD_SEQ);
	if (c->state == CONN_SYN_RCVD) {
		if (ack != c->iss + 1) {
			tcp_drop(g, VGW_DROP_TCP_BAD_SEQ);
			if (seg_out(g, c, ack, TCP_F_RST, NULL, 0))
				g->st.tcp_resets++;
			return;
		}
		c->state = CONN_OPEN;
		c->snd_una = ack;
		c->rto_at = 0;
		c->retries = 0;
		c->rto_ms = VGW_TCP_RTO_MS;
	}
	if (seq_lt(c->snd_nxt, ack)) {
		/* acknowledges what was never sent */
		tcp_drop(g, VGW_DROP_TCP_BAD_SEQ);
		return ack_out(g, c);
	}
	if (seq_le(c->snd_una, ack)) {
		if (seq_lt(c->snd_una, ack))
			ack_take(g, c, ack);
		c->snd_wnd = pkt_get_be16(t + 14);
	}
	rx_before = c->rx_len;
	if (len || fin) {
		off = c->rcv_nxt - seq; /* bytes of it taken already */
		if (seq_lt(c->rcv_nxt, seq)) {
			/* out of order: the peer sends it again */
			tcp_drop(g, VGW_DROP_TCP_BAD_SEQ);
			need_ack = true;
		} else if (c->fin_in || off > len || (off == len && !fin)) {
			need_ack = true; /* a duplicate */
		} else {
			take = len - off;
			if (take > rx_window(c)) {
				take = rx_window(c);
				fin = false;
			}
			memcpy(c->rx + c->rx_len, data + off, take);
			c->rx_len = (uint16_t)(c->rx_len + take);
			c->rcv_nxt += (uint32_t)take;
			if (fin) {
				c->rcv_nxt++;
				c->fin_in = true;
			}
			need_ack = true;
			c->idle_at = vgw_now_ns(g) +
				     (uint64_t)VGW_TCP_IDLE_MS * 1000000u;
		}
	}
	if (!queries_take(g, c))
		return;
	if (c->rx_len != rx_before)
		need_ack = true;
	conn_maybe_fin(c);
	if (conn_done(c)) {
		if (need_ack)
			ack_out(g, c);
		g->st.tcp_closed++;
		return conn_free(g, c);
	}
	{
		uint32_t nxt = c->snd_nxt;

		conn_push(g, c, false);
		if (need_ack && c->snd_nxt == nxt)
			ack_out(g, c);
	}
}

/**
 * vgw_tcp_in() - a TCP segment for the gateway's address
 * @g: gateway, locked
 * @eth: the frame's Ethernet header
 * @peer: who sent it (its source address; for IPv6 also the destination,
 *        one of the gateway's)
 * @c: cursor on the segment (the IP payload): guest-controlled
 */
void vgw_tcp_in(struct vnic_gateway *g, const uint8_t *eth,
		const struct vgw_peer *peer, struct pkt_cursor *c)
{
	size_t seg = c->left, hl;
	const uint8_t *t = pkt_pull(c, 20);
	uint8_t flags, ph[8];
	struct conn *cn;
	uint32_t sum;

	if (!t || (hl = (size_t)(t[12] >> 4) * 4) < 20 || hl > seg)
		return tcp_drop(g, VGW_DROP_BAD_TCP);
	/* A partial checksum was finished before (vgw_ol_finish()). */
	if (peer->v6) {
		sum = csum_partial(peer->ip6, 16, IPPROTO_TCP_ + (uint32_t)seg);
		sum = csum_partial(peer->our6, 16, sum);
	} else {
		vgw_put_be32(ph, peer->ip);
		vgw_put_be32(ph + 4, g->cfg.ip);
		sum = csum_partial(ph, 8, IPPROTO_TCP_ + (uint32_t)seg);
	}
	if (csum_fold(csum_partial(t, seg, sum)))
		return tcp_drop(g, VGW_DROP_BAD_TCP);
	flags = t[13];
	if (pkt_get_be16(t + 2) != DNS_PORT || !g->cfg.dns || !g->tcp)
		return tcp_drop(g, VGW_DROP_NOT_FOR_US);
	cn = conn_find(g->tcp, peer, pkt_get_be16(t), g->scratch_port);
	if (cn) {
		conn_in(g, cn, t, t + hl, seg - hl);
	} else if (flags & TCP_F_RST) {
		tcp_drop(g, VGW_DROP_NOT_FOR_US);
	} else if ((flags & (TCP_F_SYN | TCP_F_ACK | TCP_F_FIN)) == TCP_F_SYN) {
		conn_open(g, eth, peer, t, hl);
	} else {
		rst_reply(g, eth, peer, t, seg - hl);
	}
	due_update(g->tcp);
}

/**
 * vgw_tcp_run() - the connections' timers: retransmission (doubling, up to
 * VGW_TCP_RETRIES), zero-window probes, idle close
 * @g: gateway, locked
 * @now: monotonic ns
 */
void vgw_tcp_run(struct vnic_gateway *g, uint64_t now)
{
	if (!g->tcp || g->tcp->due > now)
		return;
	for (unsigned i = 0; i < VGW_TCP_CONNS; i++) {
		struct conn *c = &g->tcp->c[i];

		if (c->state == CONN_FREE)
			continue;
		if (!c->rto_at && c->idle_at <= now) {
			/* Idle: our FIN first; a peer that lets even that
			 * sit is reset. */
			if (c->fin_out || c->state != CONN_OPEN) {
				conn_reset(g, c, VGW_DROP_TCP_IDLE);
				continue;
			}
			c->fin_out = true;
			c->idle_at = now + (uint64_t)VGW_TCP_IDLE_MS * 1000000u;
			g->st.tcp_idle_closed++;
			conn_push(g, c, false);
		}
		if (!c->rto_at || c->rto_at > now)
			continue;
		/* A SYN-ACK nobody acknowledges (a flood from forged
		 * addresses) holds its slot for less. */
		if (++c->retries > (c->state == CONN_SYN_RCVD
					? VGW_TCP_SYN_RETRIES
					: VGW_TCP_RETRIES)) {
			conn_reset(g, c, VGW_DROP_TCP_TIMEOUT);
			continue;
		}
		c->rto_at = 0;
		c->rto_ms *= 2;
		g->st.tcp_retransmits++;
		if (c->state == CONN_SYN_RCVD) {
			seg_out(g, c, c->iss, TCP_F_SYN | TCP_F_ACK, NULL, 0);
			rto_arm(g, c);
			continue;
		}
		/* Go back to the first unacknowledged byte. */
		c->snd_nxt = c->snd_una;
		c->fin_sent = false;
		conn_push(g, c, true);
	}
	due_update(g->tcp);
}

/**
 * vgw_tcp_port_gone() - close the connections of a switch port that left:
 * a new port given its id must not inherit them (no segment is sent: the
 * guest is gone)
 * @g: gateway, locked
 * @port: the port's switch id
 */
void vgw_tcp_port_gone(struct vnic_gateway *g, uint16_t port)
{
	if (!g->tcp)
		return;
	for (unsigned i = 0; i < VGW_TCP_CONNS; i++)
		if (g->tcp->c[i].state != CONN_FREE &&
		    g->tcp->c[i].in_port == port)
			conn_free(g, &g->tcp->c[i]);
	due_update(g->tcp);
}

/**
 * vgw_tcp_open() - connections open now
 * @g: gateway, locked
 *
 * Return: the count
 */
unsigned vgw_tcp_open(const struct vnic_gateway *g)
{
	unsigned n = 0;

	for (unsigned i = 0; g->tcp && i < VGW_TCP_CONNS; i++)
		n += g->tcp->c[i].state != CONN_FREE;
	return n;
}

/**
 * vgw_tcp_answer() - a relayed answer for a TCP connection
 * @g: gateway, locked
 * @cookie: vgw_dns_query.tcp of the query
 * @data: the answer, whole
 * @len: its length
 *
 * Return: 0; -ENOENT when the connection is gone (counted); -ENOBUFS when
 * it has no room (the connection is reset: its client would wait for an
 * answer that never comes)
 */
int vgw_tcp_answer(struct vnic_gateway *g, uint32_t cookie, const void *data,
		   size_t len)
{
	unsigned i = (cookie & 0xff) - 1;
	struct conn *c;
	int rc = 0;

	if (!g->tcp || i >= VGW_TCP_CONNS || g->tcp->c[i].state != CONN_OPEN ||
	    g->tcp->c[i].cookie != cookie || g->tcp->c[i].fin_out) {
		tcp_drop(g, VGW_DROP_TCP_LATE);
		return -ENOENT;
	}
	c = &g->tcp->c[i];
	if (c->pending)
		c->pending--;
	if (!tx_add(g, c, data, len)) {
		conn_reset(g, c, VGW_DROP_TCP_BUF_FULL);
		rc = -ENOBUFS;
	} else {
		g->st.dns_out++;
		conn_maybe_fin(c);
		conn_push(g, c, false);
	}
	due_update(g->tcp);
	return rc;
}
