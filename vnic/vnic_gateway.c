// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_gateway.c - the "gateway" port backend: a network's L3 endpoint with
 * its own MAC and IPv4 address, answering ARP and ICMP echo, feeding UDP 67
 * to the DHCP server engine and UDP 53 to the DNS responder (TCP 53:
 * vnic_gateway_tcp.c; IPv6: vnic_gateway_v6.c)
 *
 * Frames reach the gateway through tx_burst() from any datapath thread;
 * they are handled there, under the gateway's lock, and whatever the
 * gateway sends back is queued and leaves through rx_burst() on the port's
 * owner thread.  A DHCP ACK whose lease must be durable waits in a pending
 * slot until vnic_gateway_commit_done(); a DHCP message whose address must
 * be probed waits in a probe slot until an ARP answer or the probe timeout.
 *
 * Trust boundary: every frame comes from a guest or the wire.  Headers are
 * read through the bounds-checked cursor; declared lengths (IP total length,
 * UDP length) are checked against the bytes present; UDP checksums to the
 * services are verified unless they came partial (offload, finished here).
 */
#include "vnic_gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "../dhcp/dhcp.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "../lib/vnet_hdr.h"
#include "vnic_gateway_priv.h"
#include "vnic_provider.h"

static const char *const drop_names[] = {
#define VGW_DROP_NAME(id, name, desc) name,
    VGW_DROPS(VGW_DROP_NAME)
#undef VGW_DROP_NAME
};

static const char *const drop_descs[] = {
#define VGW_DROP_DESC(id, name, desc) desc,
    VGW_DROPS(VGW_DROP_DESC)
#undef VGW_DROP_DESC
};

/**
 * vgw_drop_name() - short name of a gateway drop reason
 * @d: reason
 *
 * Return: the name
 */
const char *vgw_drop_name(enum vgw_drop d)
{
	return d < VGW_DROP_MAX ? drop_names[d] : "none";
}

/**
 * vgw_drop_desc() - one-sentence description of a gateway drop reason
 * @d: reason
 *
 * Return: the sentence
 */
const char *vgw_drop_desc(enum vgw_drop d)
{
	return d < VGW_DROP_MAX ? drop_descs[d] : "";
}

static struct vnic_gateway *to_gw(struct vnic *v)
{
	return (struct vnic_gateway *)v;
}

static int64_t gw_now(const struct vnic_gateway *g)
{
	return g->cfg.now ? g->cfg.now() : (int64_t)time(NULL);
}

static uint64_t gw_now_ns(const struct vnic_gateway *g)
{
	return g->cfg.now_ns ? g->cfg.now_ns() : now_ns();
}

/**
 * vgw_now_ns() - the gateway's monotonic clock (a test may set its own)
 * @g: gateway
 *
 * Return: ns
 */
uint64_t vgw_now_ns(const struct vnic_gateway *g)
{
	return gw_now_ns(g);
}

/**
 * vgw_now() - the gateway's wall clock, seconds (a test may set its own)
 * @g: gateway
 *
 * Return: seconds
 */
int64_t vgw_now(const struct vnic_gateway *g)
{
	return gw_now(g);
}

static void gw_drop(struct vnic_gateway *g, enum vgw_drop d)
{
	g->st.drops[d]++;
}

/* ---- timing: when rx_burst() has work ---- */

/**
 * vgw_arm() - recompute when rx_burst() must run next (queued frames: now,
 * by the eventfd; otherwise the first probe deadline or lease expiry, by
 * the timerfd)
 * @g: gateway, locked
 */
void vgw_arm(struct vnic_gateway *g)
{
	uint64_t now = gw_now_ns(g), due = UINT64_MAX;

	if (g->out[0].head != g->out[0].tail ||
	    g->out[1].head != g->out[1].tail ||
	    g->out[2].head != g->out[2].tail)
		due = now;
	for (unsigned i = 0; i < VGW_PROBE_SLOTS; i++)
		if (g->probe[i].used && g->probe[i].deadline < due)
			due = g->probe[i].deadline;
	if (vgw_tcp_due(g) < due)
		due = vgw_tcp_due(g);
	if (vgw_v6_due(g) < due)
		due = vgw_v6_due(g);
	if (g->cfg.dhcp && g->next_expiry != INT64_MAX) {
		int64_t secs = g->next_expiry - gw_now(g);
		uint64_t t =
		    secs <= 0 ? now : now + (uint64_t)secs * 1000000000u;

		if (t < due)
			due = t;
	}
	atomic_store_explicit(&g->due, due, memory_order_release);
	if (due <= now) {
		/* Work now: an eventfd write is far cheaper than re-arming
		 * the timer for every burst. */
		uint64_t one = 1;

		if (!g->kicked && write(g->efd, &one, sizeof(one)) > 0)
			g->kicked = true;
		return;
	}
	if (due == g->armed || g->tfd < 0)
		return;
	struct itimerspec its = {0};

	if (due != UINT64_MAX) {
		/* 0 would disarm: a past deadline fires at once as 1 ns */
		uint64_t at = due ? due : 1;

		its.it_value.tv_sec = (time_t)(at / 1000000000u);
		its.it_value.tv_nsec = (long)(at % 1000000000u);
	}
	timerfd_settime(g->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	g->armed = due;
}

/* ---- frames out ---- */

/**
 * vgw_queue_init() - set up a queue of frames waiting for rx_burst()
 * @q: queue
 * @slots: frames it holds
 * @slot_size: largest frame
 *
 * Return: 0 or -ENOMEM
 */
int vgw_queue_init(struct vgw_queue *q, unsigned slots, size_t slot_size)
{
	q->head = q->tail = 0;
	q->slots = slots;
	q->slot_size = slot_size;
	q->len = calloc(slots, sizeof(*q->len));
	q->ol = calloc(slots, sizeof(*q->ol));
	q->mem = malloc(slots * slot_size);
	return q->len && q->ol && q->mem ? 0 : -ENOMEM;
}

/**
 * vgw_queue_fini() - free a queue's memory
 * @q: queue
 */
void vgw_queue_fini(struct vgw_queue *q)
{
	free(q->len);
	free(q->ol);
	free(q->mem);
}

/**
 * vgw_queue_slot() - room for a frame at the tail of a queue
 * @q: queue
 * @len: the frame's length
 * @ol: its offload state (kept with it), NULL for a finished frame
 * @full: counter bumped when the queue is full
 * @too_big: counter bumped when @len exceeds a slot
 *
 * Return: where to write the frame, or NULL
 */
uint8_t *vgw_queue_slot(struct vgw_queue *q, size_t len,
			const struct pkt_offload *ol, uint64_t *full,
			uint64_t *too_big)
{
	unsigned i;

	if (len > q->slot_size) {
		(*too_big)++;
		return NULL;
	}
	if (q->tail - q->head >= q->slots) {
		(*full)++;
		return NULL;
	}
	i = q->tail++ % q->slots;
	q->len[i] = len;
	q->ol[i] = ol ? *ol : (struct pkt_offload){0};
	return q->mem + (size_t)i * q->slot_size;
}

/**
 * vgw_out_slot() - room for a frame of @len bytes in the gateway's own queue
 * (the one that fits it)
 * @g: gateway, locked
 * @len: frame length
 *
 * Return: where to write the frame, or NULL (counted)
 */
uint8_t *vgw_out_slot(struct vnic_gateway *g, size_t len)
{
	return vgw_out_slot_ol(g, len, NULL);
}

/**
 * vgw_out_slot_ol() - room for a frame with offload state (a NAT'ed frame
 * going back into the private network) in the gateway's own queue
 * @g: gateway, locked
 * @len: frame length, up to PKT_GSO_MAX_FRAME
 * @ol: the frame's offload state, kept with it; NULL for none
 *
 * Return: where to write the frame, or NULL (counted)
 */
uint8_t *vgw_out_slot_ol(struct vnic_gateway *g, size_t len,
			 const struct pkt_offload *ol)
{
	return vgw_queue_slot(&g->out[vgw_queue_pick(len)], len, ol,
			      &g->st.drops[VGW_DROP_OUT_FULL],
			      &g->st.drops[VGW_DROP_TOO_BIG]);
}

/**
 * vgw_ol_finish_copy() - the finished L4 checksum of a frame with a partial
 * one, written into a copy of its first bytes (or into the frame itself)
 * @dst: the copy: the first @dst_len bytes of @f, or @f
 * @dst_len: bytes in @dst; a checksum field beyond them is not written
 * @f: the frame (Ethernet header first)
 * @len: its length
 * @ol: its offload state (left as it is)
 *
 * Return: false when the checksum's offsets lie outside the frame
 */
bool vgw_ol_finish_copy(uint8_t *dst, size_t dst_len, const uint8_t *f,
			size_t len, const struct pkt_offload *ol)
{
	size_t start = ol->csum_start, at = start + ol->csum_offset;

	if (!(ol->flags & PKT_OL_NEEDS_CSUM))
		return true;
	if (start >= len || at + 2 > len)
		return false;
	if (at + 2 <= dst_len)
		pkt_put_be16(dst + at, csum_fold(csum_partial(f + start,
							      len - start, 0)));
	return true;
}

/**
 * vgw_ol_finish() - fill in the partial L4 checksum of a frame the gateway
 * holds, before anything reads, verifies or quotes that checksum
 * @f: the frame (Ethernet header first), writable
 * @len: its length
 * @ol: its offload state; the checksum flag is cleared
 *
 * A super-frame keeps its segmentation: its checksum then covers the whole
 * frame (what an ICMP error quoting it shows).
 *
 * Return: false when the checksum's offsets lie outside the frame
 */
bool vgw_ol_finish(uint8_t *f, size_t len, struct pkt_offload *ol)
{
	if (!vgw_ol_finish_copy(f, len, f, len, ol))
		return false;
	ol->flags &= (uint8_t)~PKT_OL_NEEDS_CSUM;
	return true;
}

/**
 * vgw_queue_drain() - move queued frames into pool packets
 * @q: queue
 * @pool: packet pool
 * @pkts: where to put them
 * @n: room in @pkts
 *
 * Return: how many were added
 */
unsigned vgw_queue_drain(struct vgw_queue *q, struct pkt_pool *pool,
			 struct pkt **pkts, unsigned n)
{
	unsigned got = 0;

	while (got < n && q->head != q->tail) {
		unsigned i = q->head % q->slots;
		struct pkt *p = q->len[i] > PKT_MAX_FRAME
				    ? pkt_pool_alloc_big(pool)
				    : pkt_pool_alloc(pool);

		if (!p) /* the pool is dry: the frames wait */
			break;
		memcpy(p->data, q->mem + (size_t)i * q->slot_size, q->len[i]);
		p->len = (uint32_t)q->len[i];
		p->ol = q->ol[i];
		pkts[got++] = p;
		q->head++;
	}
	return got;
}

/**
 * vgw_eth_put() - write an Ethernet header
 * @f: frame
 * @dst: destination MAC
 * @src: source MAC
 * @type: EtherType
 */
void vgw_eth_put(uint8_t *f, const uint8_t *dst, const uint8_t *src,
		 uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	pkt_put_be16(f + 12, type);
}

/**
 * vgw_ip_put() - write a 20-byte IPv4 header (DF, TTL 64) with its checksum
 * @ip: where
 * @src: source address, host order
 * @dst: destination address, host order
 * @proto: protocol
 * @total: total length
 * @tos: type of service
 * @id: identification
 */
void vgw_ip_put(uint8_t *ip, uint32_t src, uint32_t dst, uint8_t proto,
		size_t total, uint8_t tos, uint16_t id)
{
	ip[0] = 0x45;
	ip[1] = tos;
	pkt_put_be16(ip + 2, (uint16_t)total);
	pkt_put_be16(ip + 4, id);
	pkt_put_be16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	pkt_put_be16(ip + 10, 0);
	vgw_put_be32(ip + 12, src);
	vgw_put_be32(ip + 16, dst);
	pkt_put_be16(ip + 10, csum_fold(csum_partial(ip, 20, 0)));
}

/* Lay out Ethernet + IPv4 + UDP + @data in @f; the length, or 0. */
static size_t udp_build(const struct vnic_gateway *g, uint8_t *f, size_t size,
			const uint8_t *dst_mac, uint32_t src_ip,
			uint32_t dst_ip, uint16_t sport, uint16_t dport,
			const void *data, size_t len)
{
	size_t total = 14 + 20 + 8 + len;

	if (total > size || 20 + 8 + len > 0xffff)
		return 0;
	vgw_eth_put(f, dst_mac, g->mac, ETHERTYPE_IPV4);
	vgw_ip_put(f + 14, src_ip, dst_ip, IPPROTO_UDP_, 20 + 8 + len, 0, 0);
	pkt_put_be16(f + 34, sport);
	pkt_put_be16(f + 36, dport);
	pkt_put_be16(f + 38, (uint16_t)(8 + len));
	pkt_put_be16(f + 40, 0xffff); /* nonzero: asks for a checksum */
	memcpy(f + 42, data, len);
	l4_csum_fill(f, total);
	return total;
}

static bool udp_out(struct vnic_gateway *g, const uint8_t *dst_mac,
		    uint32_t dst_ip, uint16_t sport, uint16_t dport,
		    const void *data, size_t len)
{
	uint8_t *f = vgw_out_slot(g, 14 + 20 + 8 + len);

	if (!f)
		return false;
	udp_build(g, f, 14 + 20 + 8 + len, dst_mac, g->cfg.ip, dst_ip, sport,
		  dport, data, len);
	return true;
}

/* ---- ARP ---- */

static void arp_probe_send(struct vnic_gateway *g, uint32_t ip)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t *f = vgw_out_slot(g, 60);

	if (!f)
		return;
	memset(f, 0, 60);
	vgw_eth_put(f, bcast, g->mac, ETHERTYPE_ARP);
	pkt_put_be16(f + 14, 1);
	pkt_put_be16(f + 16, ETHERTYPE_IPV4);
	f[18] = 6;
	f[19] = 4;
	pkt_put_be16(f + 20, 1);
	memcpy(f + 22, g->mac, 6);
	/* sender IP 0 (RFC 5227 probe), target MAC 0 */
	vgw_put_be32(f + 38, ip);
	g->st.probes++;
}

static void probe_finish(struct vnic_gateway *g, struct vgw_probe *p,
			 bool in_use);

static void arp_in(struct vnic_gateway *g, struct pkt_cursor *c)
{
	const uint8_t *a = pkt_pull(c, 28);
	uint32_t spa, tpa;
	uint8_t *f;

	if (!a || pkt_get_be16(a) != 1 ||
	    pkt_get_be16(a + 2) != ETHERTYPE_IPV4 || a[4] != 6 || a[5] != 4)
		return gw_drop(g, VGW_DROP_BAD_ARP);
	spa = vgw_get_be32(a + 14);
	tpa = vgw_get_be32(a + 24);
	/* Anyone claiming, or probing for, an address we probe: in use.
	 * Not the client asking for it: one that renews an address the
	 * server has no record of still holds it and answers the probe
	 * (RFC 5227); that answer is no conflict.  Its verdict waits for
	 * the probe time, so another host's answer still counts. */
	for (unsigned i = 0; i < VGW_PROBE_SLOTS; i++) {
		struct vgw_probe *p = &g->probe[i];

		if (p->used && memcmp(a + 8, p->chaddr, 6) &&
		    (spa == p->ip ||
		     (!spa && tpa == p->ip && memcmp(a + 8, g->mac, 6)))) {
			char mac[MAC_STRLEN];

			vlog_rl(VNIC, WARN,
				"%s: %u.%u.%u.%u of the DHCP pool is in use by "
				"%s: held back",
				g->base.name, p->ip >> 24, (p->ip >> 16) & 0xff,
				(p->ip >> 8) & 0xff, p->ip & 0xff,
				mac_format(a + 8, mac));
			probe_finish(g, p, true);
		}
	}
	if (g->nat && vgw_nat_arp(g, a))
		return;
	if (pkt_get_be16(a + 6) != 1 || tpa != g->cfg.ip || !g->cfg.ip)
		return gw_drop(g, VGW_DROP_NOT_FOR_US);
	f = vgw_out_slot(g, 60);
	if (!f)
		return;
	memset(f, 0, 60);
	vgw_eth_put(f, a + 8, g->mac, ETHERTYPE_ARP);
	memcpy(f + 14, a, 6);
	pkt_put_be16(f + 20, 2);
	memcpy(f + 22, g->mac, 6);
	vgw_put_be32(f + 28, g->cfg.ip);
	memcpy(f + 32, a + 8, 6);
	vgw_put_be32(f + 38, spa);
	g->st.arp_replies++;
}

/* ---- ICMP ---- */

static void icmp_in(struct vnic_gateway *g, const uint8_t *eth,
		    const uint8_t *ip, struct pkt_cursor *c)
{
	size_t len = c->left;
	const uint8_t *icmp = pkt_pull(c, 8);
	uint8_t *f;

	if (!icmp)
		return gw_drop(g, VGW_DROP_BAD_ICMP);
	if (icmp[0] != 8 || icmp[1] != 0)
		return gw_drop(g, VGW_DROP_NOT_FOR_US);
	f = vgw_out_slot(g, 14 + 20 + len);
	if (!f)
		return;
	vgw_eth_put(f, eth + 6, g->mac, ETHERTYPE_IPV4);
	vgw_ip_put(f + 14, g->cfg.ip, vgw_get_be32(ip + 12), IPPROTO_ICMP_,
		   20 + len, ip[1], pkt_get_be16(ip + 4));
	memcpy(f + 34, icmp, 8);
	memcpy(f + 42, c->p, c->left);
	f[34] = 0; /* echo reply */
	pkt_put_be16(f + 36, 0);
	pkt_put_be16(f + 36, csum_fold(csum_partial(f + 34, len, 0)));
	g->st.echo_replies++;
}

/* ---- DHCP ---- */

static void probe_start(struct vnic_gateway *g, const struct dhcps_rx *rx,
			uint32_t ip);

static void dhcp_send(struct vnic_gateway *g, const struct dhcps_reply *r)
{
	if (r->len && udp_out(g, r->dst_mac, r->dst_ip, DHCP_SERVER_PORT,
			      r->dst_port, r->data, r->len))
		g->st.dhcp_out++;
}

static void dhcp_result(struct vnic_gateway *g, const struct dhcps_rx *rx,
			struct dhcps_result *res)
{
	const struct dhcps_reply *r = &res->reply;
	struct vgw_commit *slot = NULL;

	switch (res->action) {
	case DHCPS_ACT_NONE:
		if (res->drop != DHCPS_DROP_NONE)
			gw_drop(g, VGW_DROP_DHCP);
		if (res->drop == DHCPS_DROP_POOL_EXHAUSTED) {
			char mac[MAC_STRLEN];

			vlog_rl(VNIC, WARN,
				"%s: DHCP pool exhausted: no address for %s",
				g->base.name, mac_format(rx->src_mac, mac));
		}
		if (res->drop == DHCPS_DROP_PORT_SHARE) {
			char mac[MAC_STRLEN];

			vlog_rl(VNIC, WARN,
				"%s: DHCP: switch port %u holds its share of "
				"addresses: none more for its guest (%s)",
				g->base.name, (unsigned)rx->in_port,
				mac_format(rx->src_mac, mac));
		}
		break;
	case DHCPS_ACT_PROBE:
		probe_start(g, rx, res->probe_ip);
		break;
	case DHCPS_ACT_SEND:
		dhcp_send(g, r);
		break;
	case DHCPS_ACT_COMMIT:
		if (!g->cfg.commit) { /* no store: the reply leaves at once */
			dhcp_send(g, r);
			break;
		}
		/* The token carries its slot in the low 16 bits, so the
		 * answer finds it without a search. */
		if (g->n_free_commit)
			slot = &g->commit[g->free_commit[--g->n_free_commit]];
		if (!slot) {
			/* the lease stands; the client asks again */
			gw_drop(g, VGW_DROP_PENDING_FULL);
			break;
		}
		slot->len = 0;
		if (r->len)
			slot->len = udp_build(g, slot->data, sizeof(slot->data),
					      r->dst_mac, r->src_ip, r->dst_ip,
					      DHCP_SERVER_PORT, r->dst_port,
					      r->data, r->len);
		slot->token = ++g->token << 16 | (uint64_t)(slot - g->commit);
		/* The address the client left, first and with no reply: the
		 * reply waits for its own lease only. */
		if (res->has_old)
			g->cfg.commit(g->cfg.arg, &res->old, 0);
		g->cfg.commit(g->cfg.arg, &res->rec, slot->token);
		break;
	}
	g->next_expiry = dhcps_expire(g->cfg.dhcp, gw_now(g));
}

static void probe_start(struct vnic_gateway *g, const struct dhcps_rx *rx,
			uint32_t ip)
{
	struct vgw_probe *p = NULL;

	for (unsigned i = 0; i < VGW_PROBE_SLOTS && !p; i++)
		if (!g->probe[i].used)
			p = &g->probe[i];
	if (!p || rx->len > sizeof(p->msg)) {
		/* cannot wait for this one: offer unprobed */
		gw_drop(g, VGW_DROP_PENDING_FULL);
		dhcps_probe_done(g->cfg.dhcp, ip, false, rx, gw_now(g),
				 &g->res);
		if (g->res.action != DHCPS_ACT_PROBE)
			dhcp_result(g, rx, &g->res);
		return;
	}
	p->used = true;
	p->ip = ip;
	p->deadline = gw_now_ns(g) + (uint64_t)g->cfg.probe_ms * 1000000u;
	memcpy(p->mac, rx->src_mac, 6);
	/* The engine parsed the message, so its chaddr is there. */
	memset(p->chaddr, 0, sizeof(p->chaddr));
	if (rx->len >= DHCP_OFS_CHADDR + sizeof(p->chaddr))
		memcpy(p->chaddr, rx->data + DHCP_OFS_CHADDR,
		       sizeof(p->chaddr));
	p->src_ip = rx->src_ip;
	p->bcast = rx->bcast;
	p->trusted = rx->trusted;
	p->in_port = rx->in_port;
	p->len = rx->len;
	memcpy(p->msg, rx->data, rx->len);
	arp_probe_send(g, ip);
}

static void probe_finish(struct vnic_gateway *g, struct vgw_probe *p,
			 bool in_use)
{
	struct dhcps_rx rx = {.data = g->msg,
			      .len = p->len,
			      .src_ip = p->src_ip,
			      .bcast = p->bcast,
			      .trusted = p->trusted,
			      .in_port = p->in_port};

	memcpy(g->msg, p->msg, p->len);
	memcpy(rx.src_mac, p->mac, 6);
	p->used = false;
	if (in_use)
		g->st.conflicts++;
	dhcps_probe_done(g->cfg.dhcp, p->ip, in_use, &rx, gw_now(g), &g->res);
	dhcp_result(g, &rx, &g->res);
}

static void dhcp_in(struct vnic_gateway *g, const uint8_t *eth, uint32_t src,
		    bool bcast, const uint8_t *data, size_t len)
{
	struct dhcps_rx rx = {.data = data,
			      .len = len,
			      .src_ip = src,
			      .bcast = bcast,
			      .trusted = g->scratch_trusted,
			      .in_port = g->scratch_port};

	memcpy(rx.src_mac, eth + 6, 6);
	g->st.dhcp_in++;
	dhcps_input(g->cfg.dhcp, &rx, gw_now(g), &g->res);
	dhcp_result(g, &rx, &g->res);
}

/* ---- DNS ---- */

/**
 * vgw_port_gen() - a switch port's generation at the gateway (what a
 * relayed query carries, vgw_dns_query.gen)
 * @g: gateway, locked
 * @port: switch port id
 *
 * Return: the generation; 0 for an id beyond the table
 */
uint32_t vgw_port_gen(const struct vnic_gateway *g, uint16_t port)
{
	return port < DHCPS_MAX_PORTS ? g->port_gen[port] : 0;
}

/**
 * vgw_dns_relay() - hand a query the responder leaves to the upstream
 * resolvers to the relay callback
 * @g: gateway, locked
 * @q: the query and where its answer goes
 *
 * Return: 0 when the relay took it (counted); else the length of the
 * SERVFAIL built in g->dns_out for it (the relay could not take it), or a
 * negative value when it gets no answer (no relay, or refused as malformed:
 * counted)
 */
long vgw_dns_relay(struct vnic_gateway *g, const struct vgw_dns_query *q)
{
	size_t n;
	int rc;

	if (!g->cfg.relay) {
		gw_drop(g, VGW_DROP_NO_UPSTREAM);
		return -1;
	}
	rc = g->cfg.relay(g->cfg.arg, q);
	if (!rc) {
		g->st.dns_relayed++;
		return 0;
	}
	/* Not taken: SERVFAIL now rather than a resolver waiting out its
	 * timeout. */
	n = rc == -ENOBUFS
		? dns_relay_servfail(q->data, q->len, g->base.mtu - 28,
				     g->dns_out, sizeof(g->dns_out))
		: 0;
	if (!n) {
		gw_drop(g, VGW_DROP_DNS);
		return -1;
	}
	return (long)n;
}

static void dns_in(struct vnic_gateway *g, const uint8_t *eth, uint32_t src,
		   uint16_t sport, const uint8_t *data, size_t len)
{
	struct vgw_dns_query q = {.data = data,
				  .len = len,
				  .ip = src,
				  .port = sport,
				  .in_port = g->scratch_port,
				  .gen = vgw_port_gen(g, g->scratch_port)};
	struct dns_result r;
	long n;

	g->st.dns_in++;
	dns_answer(g->cfg.dns, data, len, g->dns_out, sizeof(g->dns_out), &r);
	switch (r.action) {
	case DNS_ACT_REPLY:
		if (udp_out(g, eth + 6, src, DNS_PORT, sport, g->dns_out,
			    r.len))
			g->st.dns_out++;
		break;
	case DNS_ACT_RELAY:
		memcpy(q.mac, eth + 6, 6);
		n = vgw_dns_relay(g, &q);
		if (n > 0 && udp_out(g, eth + 6, src, DNS_PORT, sport,
				     g->dns_out, (size_t)n)) {
			g->st.dns_out++;
			g->st.dns_servfail++;
		}
		break;
	default:
		gw_drop(g, VGW_DROP_DNS);
		break;
	}
}

/* ---- IPv4 ---- */

static void udp_in(struct vnic_gateway *g, const uint8_t *eth,
		   const uint8_t *ip, struct pkt_cursor *c)
{
	const uint8_t *u = pkt_pull(c, 8);
	uint32_t src = vgw_get_be32(ip + 12), dst = vgw_get_be32(ip + 16);
	uint16_t sport, dport, ulen, svc;
	bool bcast = dst == 0xffffffffu || dst == g->bcast;

	if (!u)
		return gw_drop(g, VGW_DROP_BAD_UDP);
	sport = pkt_get_be16(u);
	dport = pkt_get_be16(u + 2);
	ulen = pkt_get_be16(u + 4);
	if (ulen < 8 || ulen - 8u > c->left)
		return gw_drop(g, VGW_DROP_BAD_UDP);
	if (dport == DHCP_SERVER_PORT && g->cfg.dhcp &&
	    (dst == g->cfg.ip || bcast))
		svc = DHCP_SERVER_PORT;
	else if (dport == DNS_PORT && g->cfg.dns && g->cfg.ip &&
		 dst == g->cfg.ip)
		svc = DNS_PORT;
	else
		return gw_drop(g, VGW_DROP_NOT_FOR_US);
	/* As the kernel takes a datagram for a local socket: 0 is no
	 * checksum (IPv4); a partial one (a guest with checksum offload) was
	 * finished from the bytes, so there is nothing to check. */
	if (pkt_get_be16(u + 6) && !g->scratch_partial &&
	    csum_fold(csum_partial(
		u, ulen,
		csum_partial(ip + 12, 8, IPPROTO_UDP_ + (uint32_t)ulen))))
		return gw_drop(g, VGW_DROP_BAD_UDP_CSUM);
	if (svc == DHCP_SERVER_PORT)
		return dhcp_in(g, eth, src, bcast, c->p, ulen - 8u);
	dns_in(g, eth, src, sport, c->p, ulen - 8u);
}

static void ip_in(struct vnic_gateway *g, const uint8_t *eth,
		  struct pkt_cursor *c)
{
	const uint8_t *ip = pkt_peek(c, 20);
	struct pkt_cursor l4;
	size_t hl, total;

	if (!ip || (ip[0] >> 4) != 4 || (ip[0] & 0xf) < 5)
		return gw_drop(g, VGW_DROP_BAD_IP);
	hl = (size_t)(ip[0] & 0xf) * 4;
	total = pkt_get_be16(ip + 2);
	/* Ethernet padding may follow the datagram; a short one is bad. */
	if (total < hl || total > c->left || !pkt_pull(c, hl) ||
	    csum_fold(csum_partial(ip, hl, 0)) != 0)
		return gw_drop(g, VGW_DROP_BAD_IP);
	if (pkt_get_be16(ip + 6) & 0x3fff)
		return gw_drop(g, VGW_DROP_FRAGMENT);
	pkt_cursor_init(&l4, c->p, total - hl);
	if (ip[9] == IPPROTO_UDP_)
		return udp_in(g, eth, ip, &l4);
	if (ip[9] == IPPROTO_ICMP_ && g->cfg.ip &&
	    vgw_get_be32(ip + 16) == g->cfg.ip)
		return icmp_in(g, eth, ip, &l4);
	if (ip[9] == IPPROTO_TCP_ && g->cfg.ip &&
	    vgw_get_be32(ip + 16) == g->cfg.ip) {
		struct vgw_peer peer = {.ip = vgw_get_be32(ip + 12)};

		return vgw_tcp_in(g, eth, &peer, &l4);
	}
	gw_drop(g, VGW_DROP_NOT_FOR_US);
}

static void frame_in(struct vnic_gateway *g, uint8_t *f, size_t len)
{
	struct pkt_cursor c;
	const uint8_t *eth;
	uint16_t type;

	pkt_cursor_init(&c, f, len);
	eth = pkt_pull(&c, 12);
	if (!eth || !pkt_pull_be16(&c, &type))
		return gw_drop(g, VGW_DROP_NOT_FOR_US);
	if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ)
		return gw_drop(g, VGW_DROP_TAGGED);
	if (type == ETHERTYPE_ARP)
		return arp_in(g, &c);
	/* Routed through the gateway (to its MAC, not its address): NAT. */
	if (type == ETHERTYPE_IPV4 && g->nat && !memcmp(f, g->mac, 6) &&
	    vgw_nat_ip(g, f, len))
		return;
	/* The services read whole, finished datagrams. */
	if (g->scratch_ol.gso_type)
		return gw_drop(g, VGW_DROP_SUPERFRAME);
	g->scratch_partial = g->scratch_ol.flags & PKT_OL_NEEDS_CSUM;
	if (!vgw_ol_finish(f, len, &g->scratch_ol))
		return gw_drop(g, VGW_DROP_BAD_IP);
	if (type == ETHERTYPE_IPV4)
		return ip_in(g, eth, &c);
	if (type == ETHERTYPE_IPV6)
		return vgw_v6_in(g, eth, &c);
	gw_drop(g, VGW_DROP_NOT_FOR_US);
}

/* ---- the ops ---- */

/**
 * vgw_wait_fd() - one fd that is readable when either of two is: what a
 * gateway leg gives the switch to wait on (an epoll set of its timerfd and
 * its eventfd)
 * @tfd: timerfd, or -1
 * @efd: eventfd, or -1
 *
 * Return: the fd, or -errno
 */
int vgw_wait_fd(int tfd, int efd)
{
	struct epoll_event ev = {.events = EPOLLIN};
	int fd;

	if (tfd < 0 || efd < 0)
		return -EMFILE;
	fd = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (epoll_ctl(fd, EPOLL_CTL_ADD, tfd, &ev) ||
	    epoll_ctl(fd, EPOLL_CTL_ADD, efd, &ev)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

static void gw_close(struct vnic *v)
{
	struct vnic_gateway *g = to_gw(v);

	vgw_nat_free(g);
	vgw_tcp_free(g);
	if (g->tfd >= 0)
		close(g->tfd);
	if (g->efd >= 0)
		close(g->efd);
	if (g->pfd >= 0)
		close(g->pfd);
	vgw_queue_fini(&g->out[0]);
	vgw_queue_fini(&g->out[1]);
	vgw_queue_fini(&g->out[2]);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

static int gw_open(const struct vnic_params *params, struct vnic **out,
		   char *err, size_t errlen)
{
	struct vnic_gateway *g = calloc(1, sizeof(*g));
	uint64_t key[2] = {0};

	if (!g) {
		snprintf(err, errlen, "out of memory for gateway %s",
			 params->name);
		return -ENOMEM;
	}
	vnic_base_init(&g->base, &vnic_gateway_ops, params);
	pthread_mutex_init(&g->lock, NULL);
	if (params->has_mac)
		memcpy(g->mac, params->mac, 6);
	else
		mac_random(g->mac);
	g->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	g->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	g->pfd = vgw_wait_fd(g->tfd, g->efd);
	/* The key of DNS over TCP's initial sequence numbers (RFC 6528);
	 * should getrandom() fail, they are still unique, only guessable. */
	if (getrandom(key, sizeof(key), GRND_NONBLOCK) != sizeof(key))
		key[0] = now_ns() ^ (uint64_t)(uintptr_t)g;
	if (g->pfd < 0 || vgw_tcp_init(g, key[0], key[1]) ||
	    vgw_queue_init(&g->out[0], VGW_OUT_SLOTS, VGW_SLOT_SIZE) ||
	    vgw_queue_init(&g->out[1], VGW_BIG_SLOTS, PKT_MAX_FRAME) ||
	    vgw_queue_init(&g->out[2], VGW_GSO_SLOTS, PKT_GSO_MAX_FRAME)) {
		int rc = g->pfd < 0 ? g->pfd : -ENOMEM;

		snprintf(err, errlen, "gateway %s: %s", params->name,
			 strerror(-rc));
		gw_close(&g->base);
		return rc;
	}
	atomic_init(&g->due, UINT64_MAX);
	for (unsigned i = 0; i < VGW_COMMIT_SLOTS; i++)
		g->free_commit[i] = (uint16_t)(VGW_COMMIT_SLOTS - 1 - i);
	g->n_free_commit = VGW_COMMIT_SLOTS;
	g->armed = UINT64_MAX;
	g->next_expiry = INT64_MAX;
	g->cfg.probe_ms = 1000;
	*out = &g->base;
	return 0;
}

static int gw_rx_burst(struct vnic *v, unsigned rxq, struct pkt_pool *pool,
		       struct pkt **pkts, unsigned n)
{
	struct vnic_gateway *g = to_gw(v);
	uint64_t now = gw_now_ns(g), tick;
	unsigned got = 0;

	if (atomic_load_explicit(&g->due, memory_order_acquire) > now)
		return 0;
	pthread_mutex_lock(&g->lock);
	if (g->kicked) {
		if (read(g->efd, &tick, sizeof(tick)) < 0) {
			/* EAGAIN: nothing to clear */
		}
		g->kicked = false;
	}
	if (g->armed <= now) {
		if (read(g->tfd, &tick, sizeof(tick)) < 0) {
			/* EAGAIN: the timer was re-armed meanwhile */
		}
		g->armed = UINT64_MAX;
	}
	for (unsigned i = 0; i < VGW_PROBE_SLOTS; i++)
		if (g->probe[i].used && g->probe[i].deadline <= now)
			probe_finish(g, &g->probe[i], false);
	vgw_tcp_run(g, now);
	vgw_v6_run(g, now);
	if (g->cfg.dhcp && g->next_expiry <= gw_now(g))
		g->next_expiry = dhcps_expire(g->cfg.dhcp, gw_now(g));
	for (unsigned k = 0; k < 3; k++)
		got += vgw_queue_drain(&g->out[k], pool, pkts + got, n - got);
	vgw_arm(g);
	pthread_mutex_unlock(&g->lock);
	return (int)got;
}

/**
 * vgw_gather() - copy a frame the switch hands the gateway (either leg)
 * into its scratch buffer (or a queue slot, vgw_queue_landing()), the tag
 * inserted, its offload state in g->scratch_ol (the checksum start moved
 * with the tag)
 * @g: gateway, locked
 * @o: the frame
 * @buf: g->scratch, or a landing slot the frame fits in whole
 *
 * Return: its length (cut at the scratch buffer's size)
 */
size_t vgw_gather(struct vnic_gateway *g, const struct pkt_out *o, uint8_t *buf)
{
	struct iovec iov[3];
	uint8_t tag[4];
	unsigned cnt = pkt_tx_iov(o->pkt, o->tci, tag, iov);
	size_t len = 0;

	for (unsigned k = 0; k < cnt; k++) {
		if (iov[k].iov_len > sizeof(g->scratch) - len)
			break;
		memcpy(buf + len, iov[k].iov_base, iov[k].iov_len);
		len += iov[k].iov_len;
	}
	g->scratch_ol = o->pkt->ol;
	if (pkt_has_offload(o->pkt)) {
		/* A tag inserted (or stripped) before the L3 header moves
		 * where the checksummed bytes and the headers end. */
		long delta = (long)len - (long)o->pkt->len;

		g->scratch_ol.csum_start =
		    (uint16_t)(g->scratch_ol.csum_start + delta);
		if (g->scratch_ol.gso_type)
			g->scratch_ol.hdr_len =
			    (uint8_t)(g->scratch_ol.hdr_len + delta);
	}
	return len;
}

static int gw_tx_burst(struct vnic *v, unsigned txq, const struct pkt_out *out,
		       unsigned n, uint64_t *bytes)
{
	struct vnic_gateway *g = to_gw(v);

	pthread_mutex_lock(&g->lock);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *buf = g->nat ? vgw_nat_landing(g, &out[i]) : NULL;
		size_t len;

		buf = buf ? buf : g->scratch;
		len = vgw_gather(g, &out[i], buf);
		*bytes += len;
		g->scratch_port = out[i].pkt->in_port;
		g->scratch_trusted = out[i].pkt->in_trusted;
		frame_in(g, buf, len);
	}
	if (g->nat)
		vgw_nat_kick(g);
	vgw_arm(g);
	pthread_mutex_unlock(&g->lock);
	return (int)n;
}

static int gw_rx_fd(const struct vnic *v, unsigned rxq)
{
	return ((const struct vnic_gateway *)v)->pfd;
}

static void gw_describe(const struct vnic *v, json_t *obj)
{
	const struct vnic_gateway *g = (const struct vnic_gateway *)v;
	char mac[MAC_STRLEN], ip[16];

	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", g->cfg.ip >> 24,
		 (g->cfg.ip >> 16) & 0xff, (g->cfg.ip >> 8) & 0xff,
		 g->cfg.ip & 0xff);
	json_object_set_new(obj, "mac", json_string(mac_format(g->mac, mac)));
	json_object_set_new(obj, "ip", json_string(ip));
	json_object_set_new(obj, "prefix", json_integer(g->cfg.prefix));
	if (g->cfg.v6.on) {
		char a6[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, g->cfg.v6.ip, a6, sizeof(a6));
		json_object_set_new(obj, "ip6", json_string(a6));
		inet_ntop(AF_INET6, g->ll6, a6, sizeof(a6));
		json_object_set_new(obj, "link_local", json_string(a6));
	}
}

const struct vnic_ops vnic_gateway_ops = {
    .kind = "gateway",
    .open = gw_open,
    .close = gw_close,
    .rx_burst = gw_rx_burst,
    .tx_burst = gw_tx_burst,
    .rx_fd = gw_rx_fd,
    .describe = gw_describe,
};

/**
 * vnic_gateway_open() - open a gateway port, with no address yet
 * @params: name, mtu, and mac (random when !has_mac)
 * @out: the port
 * @err: a sentence on failure
 * @errlen: room in @err
 *
 * Return: 0 or -errno
 */
int vnic_gateway_open(const struct vnic_params *params, struct vnic **out,
		      char *err, size_t errlen)
{
	return gw_open(params, out, err, errlen);
}

/**
 * vnic_gateway_configure() - give a gateway its address and services
 * @v: a port opened with vnic_gateway_ops
 * @cfg: what it serves; copied
 *
 * Control thread, before the port joins the switch (or after the switch
 * has stopped using it).
 *
 * Return: 0, or -EINVAL for a prefix over 32 or a port of another kind
 */
int vnic_gateway_configure(struct vnic *v, const struct vgw_config *cfg)
{
	struct vnic_gateway *g = to_gw(v);

	if (v->ops != &vnic_gateway_ops || cfg->prefix > 32)
		return -EINVAL;
	pthread_mutex_lock(&g->lock);
	g->cfg = *cfg;
	if (!g->cfg.probe_ms)
		g->cfg.probe_ms = 1000;
	g->bcast = cfg->prefix && cfg->prefix < 32
		       ? cfg->ip | (0xffffffffu >> cfg->prefix)
		       : 0xffffffffu;
	g->next_expiry =
	    cfg->dhcp ? dhcps_expire(cfg->dhcp, gw_now(g)) : INT64_MAX;
	vgw_v6_start(g);
	vgw_arm(g);
	pthread_mutex_unlock(&g->lock);
	return 0;
}

/**
 * vnic_gateway_commit_done() - a lease handed to the commit callback is
 * durable (or could not be made so)
 * @v: gateway
 * @token: the callback's token
 * @ok: committed; false drops the reply (the client asks again)
 *
 * Any thread.  An unknown token (a record with no reply: RELEASE, DECLINE)
 * is ignored.
 */
void vnic_gateway_commit_done(struct vnic *v, uint64_t token, bool ok)
{
	struct vnic_gateway *g = to_gw(v);

	pthread_mutex_lock(&g->lock);
	for (unsigned i = token & 0xffff; token && i < VGW_COMMIT_SLOTS;
	     i = VGW_COMMIT_SLOTS) {
		struct vgw_commit *c = &g->commit[i];
		uint8_t *f;

		if (c->token != token)
			continue;
		c->token = 0;
		g->free_commit[g->n_free_commit++] = (uint16_t)i;
		if (!ok) {
			gw_drop(g, VGW_DROP_COMMIT_FAILED);
		} else if (c->len && (f = vgw_out_slot(g, c->len))) {
			memcpy(f, c->data, c->len);
			g->st.dhcp_out++;
		}
		break;
	}
	vgw_arm(g);
	pthread_mutex_unlock(&g->lock);
}

/**
 * vnic_gateway_send_udp() - send a datagram from the gateway's address
 * @v: gateway
 * @mac: destination MAC
 * @dst_ip: destination address, host order
 * @dst_port: destination port
 * @src_port: source port (53 for a relayed DNS answer)
 * @data: payload
 * @len: its length
 *
 * Any thread.  The datagram enters the switch on the gateway's next
 * rx_burst().
 *
 * Return: 0, -ENOBUFS when the queue is full, -EMSGSIZE when too long
 */
int vnic_gateway_send_udp(struct vnic *v, const uint8_t mac[6], uint32_t dst_ip,
			  uint16_t dst_port, uint16_t src_port,
			  const void *data, size_t len)
{
	struct vnic_gateway *g = to_gw(v);
	int rc = 0;

	if (len > v->mtu - 28 || len > PKT_MAX_FRAME - 42)
		return -EMSGSIZE;
	pthread_mutex_lock(&g->lock);
	if (!udp_out(g, mac, dst_ip, src_port, dst_port, data, len))
		rc = -ENOBUFS;
	else if (src_port == DNS_PORT)
		g->st.dns_out++;
	vgw_arm(g);
	pthread_mutex_unlock(&g->lock);
	return rc;
}

/**
 * vnic_gateway_send_tcp() - send a relayed answer on the DNS over TCP
 * connection its query came by
 * @v: gateway
 * @conn: the query's vgw_dns_query.tcp
 * @data: the answer, whole (up to 65535 bytes)
 * @len: its length
 *
 * Any thread.  The answer's segments enter the switch on the gateway's
 * next rx_burst(), as the guest's window takes them.
 *
 * Return: 0; -ENOENT when the connection is gone; -ENOBUFS when it had no
 * room (it is reset)
 */
int vnic_gateway_send_tcp(struct vnic *v, uint32_t conn, const void *data,
			  size_t len)
{
	struct vnic_gateway *g = to_gw(v);
	int rc;

	pthread_mutex_lock(&g->lock);
	rc = vgw_tcp_answer(g, conn, data, len);
	vgw_arm(g);
	pthread_mutex_unlock(&g->lock);
	return rc;
}

/**
 * vnic_gateway_relay_answer() - send a relayed answer (or the SERVFAIL of a
 * query given up) to the guest that asked, over UDP or on its DNS over TCP
 * connection
 * @v: gateway
 * @c: where it goes, as the query gave it (vgw_dns_query)
 * @data: the answer
 * @len: its length
 * @servfail: it is a SERVFAIL for a query given up (counted)
 *
 * Any thread.  An answer for a switch port that has left since the query
 * (vnic_gateway_port_gone()) is dropped: its id may be another guest's.
 *
 * Return: 0; -ENOENT when the port or connection is gone; -ENOBUFS,
 * -EMSGSIZE as vnic_gateway_send_udp() and vnic_gateway_send_tcp()
 */
int vnic_gateway_relay_answer(struct vnic *v, const struct dns_relay_client *c,
			      const void *data, size_t len, bool servfail)
{
	struct vnic_gateway *g = to_gw(v);
	int rc = 0;

	if (!c->tcp &&
	    (len > v->mtu - (c->v6 ? 48 : 28) || len > PKT_MAX_FRAME - 62))
		return -EMSGSIZE;
	pthread_mutex_lock(&g->lock);
	if (vgw_port_gen(g, c->in_port) != c->gen) {
		gw_drop(g, VGW_DROP_PORT_GONE);
		rc = -ENOENT;
	} else if (c->tcp) {
		rc = vgw_tcp_answer(g, c->tcp, data, len);
	} else if (c->v6 && vgw_udp6_out(g, c->mac, c->our6, c->ip6, DNS_PORT,
					 c->port, data, len)) {
		g->st.dns_out++;
	} else if (!c->v6 &&
		   udp_out(g, c->mac, c->ip, DNS_PORT, c->port, data, len)) {
		g->st.dns_out++;
	} else {
		rc = -ENOBUFS;
	}
	if (!rc && servfail)
		g->st.dns_servfail++;
	vgw_arm(g);
	pthread_mutex_unlock(&g->lock);
	return rc;
}

/**
 * vnic_gateway_stats() - a gateway's counters
 * @v: gateway
 * @st: filled in
 */
void vnic_gateway_stats(struct vnic *v, struct vgw_stats *st)
{
	struct vnic_gateway *g = to_gw(v);

	pthread_mutex_lock(&g->lock);
	*st = g->st;
	st->tcp_open = vgw_tcp_open(g);
	pthread_mutex_unlock(&g->lock);
}

/**
 * vnic_gateway_port_gone() - switch port @port left the gateway's network:
 * its DHCP share is forgotten (dhcps_port_forget()), its DNS over TCP
 * connections closed, and its generation moves on so that no answer relayed
 * for it reaches a port given the same id later; under the gateway's lock
 * @v: gateway port
 * @port: the port's switch id
 */
void vnic_gateway_port_gone(struct vnic *v, uint16_t port)
{
	struct vnic_gateway *g = to_gw(v);

	pthread_mutex_lock(&g->lock);
	if (g->cfg.dhcp)
		dhcps_port_forget(g->cfg.dhcp, port);
	if (g->cfg.v6.dhcp6s)
		dhcp6s_port_gone(g->cfg.v6.dhcp6s, port);
	if (port < DHCPS_MAX_PORTS)
		g->port_gen[port]++;
	vgw_tcp_port_gone(g, port);
	vgw_arm(g);
	pthread_mutex_unlock(&g->lock);
}

/**
 * vnic_gateway_port_gen() - switch port @port's generation at the gateway
 * (what the queries it relays carry), under the gateway's lock
 * @v: gateway port
 * @port: the port's switch id
 *
 * Return: the generation
 */
uint32_t vnic_gateway_port_gen(struct vnic *v, uint16_t port)
{
	struct vnic_gateway *g = to_gw(v);
	uint32_t gen;

	pthread_mutex_lock(&g->lock);
	gen = vgw_port_gen(g, port);
	pthread_mutex_unlock(&g->lock);
	return gen;
}

/**
 * vnic_gateway_port_claim() - switch port @port holds the bound leases @ip:
 * they count against its DHCP share (dhcps_port_claim()), under the
 * gateway's lock
 * @v: gateway port
 * @port: the port's switch id
 * @ip: the leases' addresses
 * @n: entries in @ip
 */
void vnic_gateway_port_claim(struct vnic *v, uint16_t port, const uint32_t *ip,
			     size_t n)
{
	struct vnic_gateway *g = to_gw(v);

	pthread_mutex_lock(&g->lock);
	for (size_t i = 0; g->cfg.dhcp && i < n; i++)
		(void)dhcps_port_claim(g->cfg.dhcp, ip[i], port);
	pthread_mutex_unlock(&g->lock);
}

/**
 * vnic_gateway_dhcp_stats() - the DHCP server's counters, read under the
 * gateway's lock (the server runs on a datapath thread)
 * @v: gateway port
 * @st: filled in (zeroed when the gateway has no DHCP server)
 */
void vnic_gateway_dhcp_stats(struct vnic *v, struct dhcps_stats *st)
{
	struct vnic_gateway *g = to_gw(v);

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&g->lock);
	if (g->cfg.dhcp)
		dhcps_stats_get(g->cfg.dhcp, st);
	pthread_mutex_unlock(&g->lock);
}

/**
 * vnic_gateway_dhcp6_stats() - the DHCPv6 engine's counters, under the
 * gateway's lock (all zero without one)
 * @v: gateway port
 * @st: filled in
 */
void vnic_gateway_dhcp6_stats(struct vnic *v, struct dhcp6s_stats *st)
{
	struct vnic_gateway *g = to_gw(v);

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&g->lock);
	if (g->cfg.v6.dhcp6s) {
		(void)dhcp6s_expire(g->cfg.v6.dhcp6s, gw_now(g));
		dhcp6s_stats_get(g->cfg.v6.dhcp6s, st);
	}
	pthread_mutex_unlock(&g->lock);
}

/**
 * vnic_gateway_dhcp6_walk() - each binding of the DHCPv6 engine, under the
 * gateway's lock (expired ones let go first)
 * @v: gateway port
 * @cb: called per binding; must not call the gateway
 * @arg: its argument
 */
void vnic_gateway_dhcp6_walk(struct vnic *v,
			     void (*cb)(const struct dhcp6s_binding *b,
					void *arg),
			     void *arg)
{
	struct vnic_gateway *g = to_gw(v);

	pthread_mutex_lock(&g->lock);
	if (g->cfg.v6.dhcp6s) {
		(void)dhcp6s_expire(g->cfg.v6.dhcp6s, gw_now(g));
		dhcp6s_walk(g->cfg.v6.dhcp6s, cb, arg);
	}
	pthread_mutex_unlock(&g->lock);
}
