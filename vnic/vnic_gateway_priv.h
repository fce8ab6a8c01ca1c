/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_gateway_priv.h - what the gateway's two files share: the port's state
 * and the helpers that queue frames (vnic_gateway.c: the network's services;
 * vnic_gateway_nat.c: NAT, its external leg, ARP resolution, DHCP client)
 */
#ifndef VNET_VNIC_GATEWAY_PRIV_H
#define VNET_VNIC_GATEWAY_PRIV_H

#include <pthread.h>
#include <stdatomic.h>

#include "../dhcp/dhcp.h"
#include "../dhcp/dhcp6.h"
#include "../lib/pkt.h"
#include "../lib/vnet_hdr.h"
#include "vnic_gateway.h"
#include "vnic_provider.h"

#define VGW_OUT_SLOTS 512  /* frames up to VGW_SLOT_SIZE */
#define VGW_SLOT_SIZE 1536 /* every reply but a jumbo echo */
#define VGW_BIG_SLOTS 8	   /* frames up to PKT_MAX_FRAME */
#define VGW_GSO_SLOTS 128  /* NAT'ed super-frames up to PKT_GSO_MAX_FRAME */
/* What a gateway leg with NAT takes on transmit: partial checksums and TCPv4
 * super-frames (the NAT is IPv4; other offloads are cut or finished by the
 * switch first). */
#define VGW_TX_OFFLOADS	 (VNET_OL_CSUM | VNET_OL_TSO4 | VNET_OL_ECN)
#define VGW_COMMIT_SLOTS 512
#define VGW_PROBE_SLOTS	 16
#define VGW_MSG_MAX	 1500 /* DHCP message kept while its probe runs */
#define VGW_DHCP_FRAME	 (14 + 20 + 8 + DHCPS_REPLY_MAX)
#define IPPROTO_ICMP_	 1
#define IPPROTO_UDP_	 17
#define IPPROTO_TCP_	 6
#define TCP_F_FIN	 0x01
#define TCP_F_SYN	 0x02
#define TCP_F_RST	 0x04
#define TCP_F_ACK	 0x10

/* DNS over TCP (vnic_gateway_tcp.c) */
#define VGW_TCP_CONNS	    64	       /* connections per gateway */
#define VGW_TCP_PER_CLIENT  8	       /* of them from one guest address */
#define VGW_TCP_PER_PORT    32	       /* and from one switch port */
#define VGW_TCP_QUERY_MAX   (2 + 4096) /* a query and its length prefix */
#define VGW_TCP_CONN_BUF    (1 << 17)  /* answers unacknowledged, one conn */
#define VGW_TCP_BUF_MAX	    (1 << 20)  /* and all of a gateway's */
#define VGW_TCP_RTO_MS	    250	       /* first retransmission; doubles */
#define VGW_TCP_RETRIES	    6	       /* then the connection is reset */
#define VGW_TCP_SYN_RETRIES 3	       /* SYN-ACKs sent again, at most */
#define VGW_TCP_IDLE_MS	    10000      /* no progress: the gateway closes */

struct vgw_nat;
struct vgw_tcp;

/*
 * A guest the gateway talks to over either family (DNS over TCP's
 * connections): its address, and for IPv6 the gateway's own address it
 * spoke to (gateway6 or the link-local one), the source of the answers.
 */
struct vgw_peer {
	bool v6;
	uint32_t ip;	  /* IPv4, host order */
	uint8_t ip6[16];  /* IPv6 */
	uint8_t our6[16]; /* IPv6: ours */
};

/*
 * A queue of frames waiting for rx_burst(): fixed slots, one writer and one
 * reader at a time under the gateway's lock.  Small frames (a burst of DHCP
 * replies to a relay), jumbo ones (echo replies) and super-frames (NAT'ed
 * TCP) queue apart so a burst costs little memory.  Each slot keeps its
 * frame's offload state (@ol), zero for the gateway's own frames.
 */
struct vgw_queue {
	unsigned head, tail, slots;
	size_t slot_size;
	size_t *len;
	struct pkt_offload *ol;
	uint8_t *mem;
};

/* The queue of @q (an array of three: small, jumbo, super-frames) that
 * fits a frame of @len bytes. */
static inline unsigned vgw_queue_pick(size_t len)
{
	return len <= VGW_SLOT_SIZE ? 0 : len <= PKT_MAX_FRAME ? 1 : 2;
}

/*
 * Where a super-frame of @o would be queued next on @q (the super-frame
 * queue of the leg it will most likely leave by), NULL if it is full or
 * the frame is not one: the leg copies the frame there and translates it in
 * place, and vgw_queue_slot() then hands out that same memory, so the frame
 * is not copied again.  Anything else the frame turns into is copied as
 * before; the slot stays free until taken.
 */
static inline uint8_t *vgw_queue_landing(const struct vgw_queue *q,
					 const struct pkt_out *o)
{
	uint32_t len = pkt_tx_len(o->pkt, o->tci);

	if (len <= PKT_MAX_FRAME || len > q->slot_size ||
	    q->tail - q->head >= q->slots)
		return NULL;
	return q->mem + (size_t)(q->tail % q->slots) * q->slot_size;
}

/* An ACK waiting for its lease to be committed. */
struct vgw_commit {
	uint64_t token; /* 0: slot free */
	size_t len;
	uint8_t data[VGW_DHCP_FRAME];
};

/* A DHCP message waiting for the verdict of an ARP probe. */
struct vgw_probe {
	bool used;
	uint32_t ip;
	uint64_t deadline; /* ns, monotonic */
	uint8_t mac[6];
	uint8_t chaddr[6]; /* the client's: its own answer is no conflict */
	uint32_t src_ip;
	bool bcast;
	bool trusted;	  /* from a port trusted to relay (struct dhcps_rx) */
	uint16_t in_port; /* the switch port it came in on */
	size_t len;
	uint8_t msg[VGW_MSG_MAX];
};

struct vnic_gateway {
	struct vnic base;
	pthread_mutex_t lock;
	uint8_t mac[6];
	struct vgw_config cfg;
	uint32_t bcast;
	int tfd, efd, pfd; /* timer, kick, both for the switch */
	bool kicked;
	_Atomic uint64_t due; /* when rx_burst() has work, ns; ~0: never */
	uint64_t armed;	      /* deadline the timerfd holds */
	int64_t next_expiry;  /* the DHCP server's, its seconds */
	uint64_t token;
	struct vgw_stats st;
	struct vgw_queue out[3]; /* small, jumbo, super-frames */
	struct vgw_commit commit[VGW_COMMIT_SLOTS];
	uint16_t free_commit[VGW_COMMIT_SLOTS]; /* stack of free slots */
	unsigned n_free_commit;
	struct vgw_probe probe[VGW_PROBE_SLOTS];
	uint8_t msg[VGW_MSG_MAX]; /* a probe's message, being replayed */
	uint8_t
	    scratch[PKT_GSO_MAX_FRAME + 4]; /* a frame handed to tx_burst() */
	struct pkt_offload scratch_ol;	    /* its offload state */
	uint16_t scratch_port;		    /* the switch port it came from */
	bool scratch_trusted; /* that port may relay DHCP (pkt->in_trusted) */
	bool scratch_partial; /* its L4 checksum came partial (finished here) */
	/* Each switch port's generation, bumped when the port leaves: an
	 * answer relayed for a port that left reaches no port given its id. */
	uint32_t port_gen[DHCPS_MAX_PORTS];
	uint8_t dns_out[DNS_REPLY_MAX];
	struct dhcps_result res;
	struct dhcp6s_reply dhcp6_out; /* the DHCPv6 engine's reply */
	struct vgw_nat *nat;	       /* NULL without --nat-via */
	struct vgw_tcp *tcp;	       /* DNS over TCP's connections */
	/* IPv6 (vnic_gateway_v6.c): the link-local address from the MAC,
	 * and when the next router advertisements are due (ns, monotonic) */
	uint8_t ll6[16];
	uint64_t ra_next;    /* the next unsolicited one; ~0: off */
	uint64_t ra_due;     /* one a solicitation asked for; ~0: none */
	uint64_t ra_last;    /* the last one sent; 0: none yet */
	uint64_t ra_uc_due;  /* a unicast answer to a solicitation; ~0: none */
	uint64_t ra_uc_last; /* the last unicast one sent */
	uint8_t ra_uc_ip[16], ra_uc_mac[6]; /* where it goes */
	unsigned ra_count;		    /* sent since the gateway started */
	uint64_t rnd6; /* xorshift state of the RA timers' jitter */
};

static inline uint32_t vgw_get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline void vgw_put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

size_t vgw_gather(struct vnic_gateway *g, const struct pkt_out *o,
		  uint8_t *buf);
uint8_t *vgw_queue_slot(struct vgw_queue *q, size_t len,
			const struct pkt_offload *ol, uint64_t *full,
			uint64_t *too_big);
unsigned vgw_queue_drain(struct vgw_queue *q, struct pkt_pool *pool,
			 struct pkt **pkts, unsigned n);
int vgw_queue_init(struct vgw_queue *q, unsigned slots, size_t slot_size);
void vgw_queue_fini(struct vgw_queue *q);
uint8_t *vgw_out_slot(struct vnic_gateway *g, size_t len);
uint8_t *vgw_out_slot_ol(struct vnic_gateway *g, size_t len,
			 const struct pkt_offload *ol);
bool vgw_ol_finish_copy(uint8_t *dst, size_t dst_len, const uint8_t *f,
			size_t len, const struct pkt_offload *ol);
bool vgw_ol_finish(uint8_t *f, size_t len, struct pkt_offload *ol);
void vgw_eth_put(uint8_t *f, const uint8_t *dst, const uint8_t *src,
		 uint16_t type);
void vgw_ip_put(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t proto,
		size_t total, uint8_t tos, uint16_t id);
void vgw_arm(struct vnic_gateway *g);
uint64_t vgw_now_ns(const struct vnic_gateway *g);
int64_t vgw_now(const struct vnic_gateway *g);
int vgw_wait_fd(int tfd, int efd);

/* vnic_gateway_nat.c, called under the gateway's lock */
bool vgw_nat_ip(struct vnic_gateway *g, uint8_t *f, size_t len);
uint8_t *vgw_nat_landing(struct vnic_gateway *g, const struct pkt_out *o);
bool vgw_nat_arp(struct vnic_gateway *g, const uint8_t *a);
void vgw_nat_free(struct vnic_gateway *g);
void vgw_nat_kick(struct vnic_gateway *g);

/* vnic_gateway_tcp.c, called under the gateway's lock */
int vgw_tcp_init(struct vnic_gateway *g, uint64_t k0, uint64_t k1);
void vgw_tcp_free(struct vnic_gateway *g);
void vgw_tcp_in(struct vnic_gateway *g, const uint8_t *eth,
		const struct vgw_peer *peer, struct pkt_cursor *c);
void vgw_tcp_run(struct vnic_gateway *g, uint64_t now);
uint64_t vgw_tcp_due(const struct vnic_gateway *g);
unsigned vgw_tcp_open(const struct vnic_gateway *g);
int vgw_tcp_answer(struct vnic_gateway *g, uint32_t cookie, const void *data,
		   size_t len);
void vgw_tcp_port_gone(struct vnic_gateway *g, uint16_t port);

/* vnic_gateway_v6.c, called under the gateway's lock */
void vgw_v6_start(struct vnic_gateway *g);
void vgw_v6_in(struct vnic_gateway *g, const uint8_t *eth,
	       struct pkt_cursor *c);
void vgw_v6_run(struct vnic_gateway *g, uint64_t now);
uint64_t vgw_v6_due(const struct vnic_gateway *g);
bool vgw_udp6_out(struct vnic_gateway *g, const uint8_t *dst_mac,
		  const uint8_t *src, const uint8_t *dst, uint16_t sport,
		  uint16_t dport, const void *data, size_t len);

/* vnic_gateway.c, under the gateway's lock */
uint32_t vgw_port_gen(const struct vnic_gateway *g, uint16_t port);
long vgw_dns_relay(struct vnic_gateway *g, const struct vgw_dns_query *q);

#endif
