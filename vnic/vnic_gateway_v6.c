// SPDX-License-Identifier: GPL-2.0-or-later
/* vnic_gateway_v6.c - the gateway's IPv6 side: neighbour discovery for its
 * two addresses, router advertisements of the network's /64, ICMPv6 echo,
 * DNS over UDP/IPv6 (over TCP: vnic_gateway_tcp.c, for both families), and
 * where DHCPv6 (UDP 547) is handed on
 *
 * The gateway has gateway6 (in the network's /64) and a link-local address
 * made from its MAC (modified EUI-64).  It answers neighbour solicitations
 * for both and defends them against duplicate address detection; it sends
 * router advertisements (at start, then every MinRtrAdvInterval to
 * MaxRtrAdvInterval, and when solicited: to the solicitor alone) that carry the
 * prefix for SLAAC, the MTU, and the resolver (RDNSS) and search domain
 * (DNSSL).  Their router lifetime is 0: the gateway routes no IPv6 (no uplink,
 * no NAT66), so guests get the on-link prefix and no default route.  It sends
 * no ICMPv6 errors.
 *
 * Trust boundary: every frame comes from a guest.  Headers are read through
 * the bounds-checked cursor, the payload length is checked against the
 * bytes present, ICMPv6 and UDP checksums are verified (unless they came
 * partial: finished by the caller from the bytes), NDP is validated as RFC
 * 4861 7.1.1 and 6.1.1 say.  Nothing is learned from a guest: an answer
 * goes to the MAC and address the request came from.
 */
#include "vnic_gateway.h"

#include <string.h>
#include <sys/random.h>

#include "../dhcp/dhcp.h"
#include "vnic_gateway_priv.h"

#define IPPROTO_ICMPV6_	  58
#define ICMP6_ECHO_REQ	  128
#define ICMP6_ECHO_REPLY  129
#define ND_RS		  133
#define ND_RA		  134
#define ND_NS		  135
#define ND_NA		  136
#define ND_OPT_SLLA	  1
#define ND_OPT_TLLA	  2
#define ND_OPT_PREFIX	  3
#define ND_OPT_MTU	  5
#define ND_OPT_RDNSS	  25
#define ND_OPT_DNSSL	  31
#define ND_HOP_LIMIT	  255
#define DHCP6_SERVER_PORT 547
#define DHCP6_CLIENT_PORT 546
#define NS_PER_MS	  1000000ull

static const uint8_t all_nodes[16] = {0xff, 2, [15] = 1};
static const uint8_t all_routers[16] = {0xff, 2, [15] = 2};
static const uint8_t all_dhcp[16] = {0xff, 2, [13] = 1, [15] = 2};
static const uint8_t unspec[16];

static void drop6(struct vnic_gateway *g, enum vgw_drop d)
{
	g->st.drops[d]++;
}

static bool is_mcast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static bool is_ours(const struct vnic_gateway *g, const uint8_t *a)
{
	return !memcmp(a, g->cfg.v6.ip, 16) || !memcmp(a, g->ll6, 16);
}

/* ff02::1:ffXX:XXXX, the solicited-node group of @a */
static bool is_snm_of(const uint8_t *m, const uint8_t *a)
{
	static const uint8_t head[13] = {0xff, 2, [11] = 1, [12] = 0xff};

	return !memcmp(m, head, 13) && !memcmp(m + 13, a + 13, 3);
}

static bool is_snm(const uint8_t *m)
{
	static const uint8_t head[13] = {0xff, 2, [11] = 1, [12] = 0xff};

	return !memcmp(m, head, 13);
}

/* Whether the gateway listens on @d: its addresses, all-nodes,
 * all-routers, its solicited-node groups, and the DHCPv6 group when it
 * serves DHCPv6. */
static bool for_us(const struct vnic_gateway *g, const uint8_t *d)
{
	return is_ours(g, d) || !memcmp(d, all_nodes, 16) ||
	       !memcmp(d, all_routers, 16) || is_snm_of(d, g->cfg.v6.ip) ||
	       is_snm_of(d, g->ll6) ||
	       ((g->cfg.v6.dhcp6 || g->cfg.v6.dhcp6s) &&
		!memcmp(d, all_dhcp, 16));
}

/* The checksum of an upper-layer message @m of @len bytes between @src
 * and @dst (RFC 8200 8.1): 0 when a received one verifies. */
static uint16_t csum6(const uint8_t *src, const uint8_t *dst, uint8_t nh,
		      const uint8_t *m, size_t len)
{
	uint32_t sum = csum_partial(src, 16, (uint32_t)len + nh);

	return csum_fold(csum_partial(m, len, csum_partial(dst, 16, sum)));
}

static uint64_t rnd6(struct vnic_gateway *g)
{
	uint64_t x = g->rnd6;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return g->rnd6 = x;
}

/* Room for a frame of @plen bytes of IPv6 payload, its Ethernet and IPv6
 * headers written (to @dst_mac, or the multicast MAC of @dst); the payload
 * area, or NULL (counted). */
static uint8_t *ip6_out(struct vnic_gateway *g, const uint8_t *dst_mac,
			const uint8_t *src, const uint8_t *dst, uint8_t nh,
			size_t plen, uint8_t hlim)
{
	uint8_t mmac[6] = {0x33, 0x33, dst[12], dst[13], dst[14], dst[15]};
	uint8_t *f;

	if (plen > 0xffff) {
		drop6(g, VGW_DROP_TOO_BIG);
		return NULL;
	}
	f = vgw_out_slot(g, 14 + 40 + plen);
	if (!f)
		return NULL;
	vgw_eth_put(f, is_mcast(dst) ? mmac : dst_mac, g->mac, ETHERTYPE_IPV6);
	f[14] = 0x60;
	f[15] = f[16] = f[17] = 0;
	pkt_put_be16(f + 18, (uint16_t)plen);
	f[20] = nh;
	f[21] = hlim;
	memcpy(f + 22, src, 16);
	memcpy(f + 38, dst, 16);
	return f + 54;
}

static void icmp6_csum_put(uint8_t *m, size_t len)
{
	const uint8_t *ip = m - 40;

	pkt_put_be16(m + 2, 0);
	pkt_put_be16(m + 2, csum6(ip + 8, ip + 24, IPPROTO_ICMPV6_, m, len));
}

/**
 * vgw_udp6_out() - queue a UDP datagram over IPv6 from the gateway
 * @g: gateway, locked
 * @dst_mac: destination MAC (for a unicast @dst)
 * @src: source address, one of the gateway's
 * @dst: destination address
 * @sport: source port
 * @dport: destination port
 * @data: payload
 * @len: its length
 *
 * Return: whether it was queued (else counted: queue full, too big)
 */
bool vgw_udp6_out(struct vnic_gateway *g, const uint8_t *dst_mac,
		  const uint8_t *src, const uint8_t *dst, uint16_t sport,
		  uint16_t dport, const void *data, size_t len)
{
	uint8_t *u = ip6_out(g, dst_mac, src, dst, IPPROTO_UDP_, 8 + len, 64);
	uint16_t sum;

	if (!u)
		return false;
	pkt_put_be16(u, sport);
	pkt_put_be16(u + 2, dport);
	pkt_put_be16(u + 4, (uint16_t)(8 + len));
	pkt_put_be16(u + 6, 0);
	memcpy(u + 8, data, len);
	sum = csum6(src, dst, IPPROTO_UDP_, u, 8 + len);
	/* 0 means none, which IPv6 forbids (RFC 8200 8.1) */
	pkt_put_be16(u + 6, sum ? sum : 0xffff);
	return true;
}

/* ---- router advertisements ---- */

/* The next unsolicited RA after one sent at @now: a random time between
 * MinRtrAdvInterval (a third of the max) and MaxRtrAdvInterval, the first
 * few no more than VGW_RA_INITIAL_MS apart (RFC 4861 6.2.4). */
static uint64_t ra_interval(struct vnic_gateway *g)
{
	uint64_t max = (uint64_t)g->cfg.v6.ra_max_ms * NS_PER_MS;
	uint64_t min = max / 3, t = min + rnd6(g) % (max - min + 1);

	if (g->ra_count + 1 < VGW_RA_INITIAL &&
	    t > (uint64_t)VGW_RA_INITIAL_MS * NS_PER_MS)
		t = (uint64_t)VGW_RA_INITIAL_MS * NS_PER_MS;
	return t;
}

/* The DNSSL option's domain in wire form; its length, 0 for none. */
static size_t dnssl_name(const char *d, uint8_t *w, size_t size)
{
	size_t n = 0;

	for (const char *p = d; *p;) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		if (!l || l > 63 || n + 1 + l + 1 > size)
			return 0;
		w[n++] = (uint8_t)l;
		memcpy(w + n, p, l);
		n += l;
		p += l + (dot ? 1 : 0);
	}
	if (!n)
		return 0;
	w[n++] = 0;
	return n;
}

/* One RA to @dst (all-nodes, or a solicitor) at @dst_mac. */
static void ra_build(struct vnic_gateway *g, const uint8_t *dst,
		     const uint8_t *dst_mac)
{
	const struct vgw_config6 *c6 = &g->cfg.v6;
	uint32_t life = c6->ra_max_ms / 1000 * 3;
	uint8_t name[256];
	size_t nlen = dnssl_name(c6->domain, name, sizeof(name));
	size_t dlen = nlen ? 8 + (nlen + 7) / 8 * 8 : 0;
	size_t len = 16 + 8 + 8 + 32 + (c6->dns ? 24 : 0) + dlen;
	uint8_t *m = ip6_out(g, dst_mac, g->ll6, dst, IPPROTO_ICMPV6_, len,
			     ND_HOP_LIMIT);
	uint8_t *o;

	if (!m)
		return;
	memset(m, 0, len);
	m[0] = ND_RA;
	m[4] = VGW_RA_HOP_LIMIT;
	m[5] = (uint8_t)((c6->managed ? 0x80 : 0) | (c6->other ? 0x40 : 0));
	/* router lifetime 0: not a default router (no IPv6 routing) */
	o = m + 16;
	o[0] = ND_OPT_SLLA;
	o[1] = 1;
	memcpy(o + 2, g->mac, 6);
	o += 8;
	o[0] = ND_OPT_MTU;
	o[1] = 1;
	vgw_put_be32(o + 4, g->base.mtu);
	o += 8;
	o[0] = ND_OPT_PREFIX;
	o[1] = 4;
	o[2] = 64;
	o[3] = 0xc0; /* on-link, autonomous (SLAAC) */
	vgw_put_be32(o + 4, VGW_RA_VALID_S);
	vgw_put_be32(o + 8, VGW_RA_PREFERRED_S);
	memcpy(o + 16, c6->prefix, 16);
	o += 32;
	if (c6->dns) {
		o[0] = ND_OPT_RDNSS;
		o[1] = 3;
		vgw_put_be32(o + 4, life);
		memcpy(o + 8, c6->ip, 16);
		o += 24;
	}
	if (dlen) {
		o[0] = ND_OPT_DNSSL;
		o[1] = (uint8_t)(dlen / 8);
		vgw_put_be32(o + 4, life);
		memcpy(o + 8, name, nlen);
	}
	icmp6_csum_put(m, len);
	g->st.ra_out++;
}

/* The multicast RA, unsolicited or for solicitations held back. */
static void ra_send(struct vnic_gateway *g, uint64_t now)
{
	g->ra_next = now + ra_interval(g);
	g->ra_due = UINT64_MAX;
	g->ra_last = now;
	g->ra_count++;
	ra_build(g, all_nodes, NULL);
}

/**
 * vgw_v6_start() - the gateway's IPv6 side after (re)configuration: its
 * link-local address from its MAC, and a first router advertisement at
 * once
 * @g: gateway, locked
 */
void vgw_v6_start(struct vnic_gateway *g)
{
	static const uint8_t ll[8] = {0xfe, 0x80};

	memcpy(g->ll6, ll, 8);
	g->ll6[8] = g->mac[0] ^ 0x02;
	g->ll6[9] = g->mac[1];
	g->ll6[10] = g->mac[2];
	g->ll6[11] = 0xff;
	g->ll6[12] = 0xfe;
	g->ll6[13] = g->mac[3];
	g->ll6[14] = g->mac[4];
	g->ll6[15] = g->mac[5];
	if (!g->cfg.v6.ra_max_ms)
		g->cfg.v6.ra_max_ms = VGW_RA_MAX_MS;
	if (!g->rnd6 && getrandom(&g->rnd6, sizeof(g->rnd6), GRND_NONBLOCK) < 0)
		g->rnd6 = vgw_now_ns(g);
	g->rnd6 |= 1;
	g->ra_count = 0;
	g->ra_last = 0;
	g->ra_due = UINT64_MAX;
	g->ra_uc_due = UINT64_MAX;
	g->ra_uc_last = 0;
	g->ra_next = g->cfg.v6.on ? vgw_now_ns(g) : UINT64_MAX;
}

/**
 * vgw_v6_run() - send the router advertisement that is due
 * @g: gateway, locked
 * @now: vgw_now_ns()
 */
void vgw_v6_run(struct vnic_gateway *g, uint64_t now)
{
	if (!g->cfg.v6.on)
		return;
	if (g->ra_uc_due <= now) {
		g->ra_uc_due = UINT64_MAX;
		g->ra_uc_last = now;
		ra_build(g, g->ra_uc_ip, g->ra_uc_mac);
	}
	if (g->ra_next <= now || g->ra_due <= now)
		ra_send(g, now);
}

/**
 * vgw_v6_due() - when vgw_v6_run() has work
 * @g: gateway, locked
 *
 * Return: ns, monotonic; UINT64_MAX for never
 */
uint64_t vgw_v6_due(const struct vnic_gateway *g)
{
	uint64_t due = g->ra_due < g->ra_next ? g->ra_due : g->ra_next;

	if (!g->cfg.v6.on)
		return UINT64_MAX;
	return g->ra_uc_due < due ? g->ra_uc_due : due;
}

/* ---- neighbour discovery ---- */

/* Walk NDP options (RFC 4861 4.6): each at least 8 bytes, none of length
 * 0, none past the end.  @slla: the source link-layer address, or NULL. */
static bool nd_opts(const uint8_t *o, size_t len, const uint8_t **slla)
{
	*slla = NULL;
	while (len) {
		size_t olen;

		if (len < 2)
			return false;
		olen = (size_t)o[1] * 8;
		if (!olen || olen > len)
			return false;
		if (o[0] == ND_OPT_SLLA)
			*slla = o + 2;
		o += olen;
		len -= olen;
	}
	return true;
}

static void na_send(struct vnic_gateway *g, const uint8_t *target,
		    const uint8_t *dst, const uint8_t *dst_mac, bool solicited)
{
	uint8_t *m =
	    ip6_out(g, dst_mac, target, dst, IPPROTO_ICMPV6_, 32, ND_HOP_LIMIT);

	if (!m)
		return;
	memset(m, 0, 32);
	m[0] = ND_NA;
	/* R clear: the gateway routes no IPv6; O set: its own address */
	m[4] = (uint8_t)(0x20 | (solicited ? 0x40 : 0));
	memcpy(m + 8, target, 16);
	m[24] = ND_OPT_TLLA;
	m[25] = 1;
	memcpy(m + 26, g->mac, 6);
	icmp6_csum_put(m, 32);
	g->st.na_out++;
}

static void ns_in(struct vnic_gateway *g, const uint8_t *eth, const uint8_t *ip,
		  const uint8_t *m, size_t len)
{
	const uint8_t *src = ip + 8, *dst = ip + 24, *target = m + 8, *slla;
	bool dad = !memcmp(src, unspec, 16);

	if (ip[7] != ND_HOP_LIMIT || m[1] != 0 || len < 24 ||
	    is_mcast(target) || !nd_opts(m + 24, len - 24, &slla) ||
	    (dad && (slla || !is_snm(dst))))
		return drop6(g, VGW_DROP_BAD_NDP);
	if (!is_ours(g, target))
		return drop6(g, VGW_DROP_NOT_FOR_US);
	g->st.ns_in++;
	if (dad) {
		/* Someone wants our address: it is taken (RFC 4862 5.4.3) */
		na_send(g, target, all_nodes, NULL, false);
		g->st.dad_defended++;
		return;
	}
	/* To the frame's source, not the option's MAC: the guest writes
	 * that one, and a group MAC there (broadcast) would have the
	 * gateway flood its answers. */
	na_send(g, target, src, eth + 6, true);
}

static void rs_in(struct vnic_gateway *g, const uint8_t *eth, const uint8_t *ip,
		  const uint8_t *m, size_t len)
{
	uint64_t now = vgw_now_ns(g), at;
	const uint8_t *slla;

	if (ip[7] != ND_HOP_LIMIT || m[1] != 0 || len < 8 ||
	    !nd_opts(m + 8, len - 8, &slla) ||
	    (slla && !memcmp(ip + 8, unspec, 16)))
		return drop6(g, VGW_DROP_BAD_NDP);
	g->st.rs_in++;
	/* RFC 4861 6.2.6: a random delay.  From an address, the answer goes
	 * to it alone (RFC 7772 5.1: hosts that sleep are not woken), one at
	 * a time and at most one per VGW_RA_UNICAST_GAP_MS. */
	at = now + rnd6(g) % ((uint64_t)VGW_RA_DELAY_MS * NS_PER_MS);
	if (memcmp(ip + 8, unspec, 16) && g->ra_uc_due == UINT64_MAX &&
	    (!g->ra_uc_last ||
	     now >= g->ra_uc_last + VGW_RA_UNICAST_GAP_MS * NS_PER_MS)) {
		g->ra_uc_due = at;
		memcpy(g->ra_uc_ip, ip + 8, 16);
		memcpy(g->ra_uc_mac, eth + 6, 6); /* as na_send()'s */
		return;
	}
	/* Else multicast, no two closer than MIN_DELAY_BETWEEN_RAS: a flood
	 * of solicitations costs one RA per VGW_RA_MIN_GAP_MS (and the
	 * unicast ones). */
	if (g->ra_last && at < g->ra_last + VGW_RA_MIN_GAP_MS * NS_PER_MS)
		at = g->ra_last + VGW_RA_MIN_GAP_MS * NS_PER_MS;
	if (at < g->ra_due && at < g->ra_next)
		g->ra_due = at;
}

/* ---- ICMPv6 ---- */

static void echo6_in(struct vnic_gateway *g, const uint8_t *eth,
		     const uint8_t *ip, const uint8_t *m, size_t len)
{
	uint8_t *r;

	if (!is_ours(g, ip + 24))
		return drop6(g, VGW_DROP_NOT_FOR_US);
	if (m[1] != 0 || len < 8)
		return drop6(g, VGW_DROP_BAD_ICMP6);
	r = ip6_out(g, eth + 6, ip + 24, ip + 8, IPPROTO_ICMPV6_, len, 64);
	if (!r)
		return;
	memcpy(r, m, len);
	r[0] = ICMP6_ECHO_REPLY;
	icmp6_csum_put(r, len);
	g->st.echo6_replies++;
}

static void icmp6_in(struct vnic_gateway *g, const uint8_t *eth,
		     const uint8_t *ip, struct pkt_cursor *c)
{
	size_t len = c->left;
	const uint8_t *m = pkt_peek(c, 4);

	if (!m || (!g->scratch_partial &&
		   csum6(ip + 8, ip + 24, IPPROTO_ICMPV6_, m, len)))
		return drop6(g, VGW_DROP_BAD_ICMP6);
	/* Only solicitations may come from :: (DAD, a host without an
	 * address yet) */
	if (m[0] != ND_NS && m[0] != ND_RS && !memcmp(ip + 8, unspec, 16))
		return drop6(g, VGW_DROP_BAD_IP6);
	switch (m[0]) {
	case ICMP6_ECHO_REQ:
		return echo6_in(g, eth, ip, m, len);
	case ND_NS:
		return ns_in(g, eth, ip, m, len);
	case ND_RS:
		return rs_in(g, eth, ip, m, len);
	default: /* others' NAs and RAs, MLD, errors */
		return drop6(g, VGW_DROP_NOT_FOR_US);
	}
}

/* ---- UDP: DNS, DHCPv6 ---- */

static void dns6_in(struct vnic_gateway *g, const uint8_t *eth,
		    const uint8_t *ip, uint16_t sport, const uint8_t *data,
		    size_t len)
{
	struct vgw_dns_query q = {.data = data,
				  .len = len,
				  .v6 = true,
				  .port = sport,
				  .in_port = g->scratch_port,
				  .gen = vgw_port_gen(g, g->scratch_port)};
	struct dns_result r;
	long n;

	memcpy(q.ip6, ip + 8, 16);
	memcpy(q.our6, ip + 24, 16);
	memcpy(q.mac, eth + 6, 6);
	g->st.dns_in++;
	g->st.dns6_in++;
	dns_answer(g->cfg.dns, data, len, g->dns_out, sizeof(g->dns_out), &r);
	switch (r.action) {
	case DNS_ACT_REPLY:
		if (vgw_udp6_out(g, eth + 6, ip + 24, ip + 8, DNS_PORT, sport,
				 g->dns_out, r.len))
			g->st.dns_out++;
		break;
	case DNS_ACT_RELAY:
		n = vgw_dns_relay(g, &q);
		if (n > 0 && vgw_udp6_out(g, eth + 6, ip + 24, ip + 8, DNS_PORT,
					  sport, g->dns_out, (size_t)n)) {
			g->st.dns_out++;
			g->st.dns_servfail++;
		}
		break;
	default:
		drop6(g, VGW_DROP_DNS);
		break;
	}
}

/* UDP 547 to the DHCPv6 engine: its reply leaves from the link-local
 * address (RFC 8415 18.3) to where the engine says, the client's port
 * 546 on its link-local address; never past the network's MTU.  Expired
 * bindings are let go first (cheap: the engine keeps its next expiry),
 * not on a timer: an address free again matters only to the next
 * message. */
static void dhcp6_engine_in(struct vnic_gateway *g, const uint8_t *eth,
			    const uint8_t *ip, uint16_t sport,
			    const uint8_t *data, size_t len)
{
	struct dhcp6s_rx rx = {.data = data,
			       .len = len,
			       .src_port = sport,
			       .in_port = g->scratch_port,
			       .trusted = g->scratch_trusted,
			       .now = vgw_now(g)};
	struct dhcp6s_reply *out = &g->dhcp6_out;
	struct dhcp6s_stats a, b;
	enum dhcp6s_drop d;

	memcpy(rx.src, ip + 8, 16);
	memcpy(rx.dst, ip + 24, 16);
	memcpy(rx.src_mac, eth + 6, 6);
	dhcp6s_stats_get(g->cfg.v6.dhcp6s, &a);
	(void)dhcp6s_expire(g->cfg.v6.dhcp6s, rx.now);
	g->st.dhcp6_in++;
	d = dhcp6s_handle(g->cfg.v6.dhcp6s, &rx, out);
	/* The IP guards follow the bindings (vnetd reads them again): one
	 * made, released, declined or let go changes these counts. */
	dhcp6s_stats_get(g->cfg.v6.dhcp6s, &b);
	if (g->cfg.v6.dhcp6_changed &&
	    (a.bindings != b.bindings || a.expired != b.expired ||
	     a.released != b.released || a.declined != b.declined ||
	     (a.replies != b.replies && len && data[0] != 11 /* INFO */ &&
	      data[0] != 4 /* CONFIRM */)))
		g->cfg.v6.dhcp6_changed(g->cfg.arg);
	if (d != DHCP6S_DROP_NONE)
		return drop6(g, VGW_DROP_DHCP6);
	if (out->len + 48 > g->base.mtu)
		return drop6(g, VGW_DROP_TOO_BIG);
	if (vgw_udp6_out(g, eth + 6, g->ll6, out->dst, DHCP6_SERVER_PORT,
			 out->dst_port, out->data, out->len))
		g->st.dhcp6_out++;
}

/* UDP 547: handed to the DHCPv6 server when there is one; it answers
 * from the link-local address, as RFC 8415 18.3 has servers do. */
static void dhcp6_in(struct vnic_gateway *g, const uint8_t *eth,
		     const uint8_t *ip, uint16_t sport, const uint8_t *data,
		     size_t len)
{
	struct vgw_dhcp6_rx rx = {
	    .data = data, .len = len, .in_port = g->scratch_port};
	size_t room = g->base.mtu - 48, n;

	if (g->cfg.v6.dhcp6s)
		return dhcp6_engine_in(g, eth, ip, sport, data, len);

	memcpy(rx.src_mac, eth + 6, 6);
	memcpy(rx.src, ip + 8, 16);
	memcpy(rx.dst, ip + 24, 16);
	n = g->cfg.v6.dhcp6(g->cfg.arg, &rx, g->msg,
			    room < sizeof(g->msg) ? room : sizeof(g->msg));
	if (n)
		(void)vgw_udp6_out(g, eth + 6, g->ll6, ip + 8,
				   DHCP6_SERVER_PORT, DHCP6_CLIENT_PORT, g->msg,
				   n);
}

static void udp6_in(struct vnic_gateway *g, const uint8_t *eth,
		    const uint8_t *ip, struct pkt_cursor *c)
{
	const uint8_t *u = pkt_peek(c, 8), *dst = ip + 24;
	uint16_t dport, ulen;
	bool dns, dhcp6;

	if (!u)
		return drop6(g, VGW_DROP_BAD_UDP);
	dport = pkt_get_be16(u + 2);
	ulen = pkt_get_be16(u + 4);
	if (ulen < 8 || ulen > c->left)
		return drop6(g, VGW_DROP_BAD_UDP);
	dns =
	    dport == DNS_PORT && g->cfg.dns && g->cfg.v6.dns && is_ours(g, dst);
	dhcp6 = dport == DHCP6_SERVER_PORT &&
		(g->cfg.v6.dhcp6 || g->cfg.v6.dhcp6s) &&
		(is_ours(g, dst) || !memcmp(dst, all_dhcp, 16));
	if (!dns && !dhcp6)
		return drop6(g, VGW_DROP_NOT_FOR_US);
	if (!memcmp(ip + 8, unspec, 16))
		return drop6(g, VGW_DROP_BAD_IP6);
	/* A checksum is mandatory over IPv6: 0 is a bad one; a partial one
	 * was finished from the bytes. */
	if (!g->scratch_partial &&
	    (!pkt_get_be16(u + 6) || csum6(ip + 8, dst, IPPROTO_UDP_, u, ulen)))
		return drop6(g, VGW_DROP_BAD_UDP_CSUM);
	if (dhcp6)
		return dhcp6_in(g, eth, ip, pkt_get_be16(u), u + 8, ulen - 8u);
	dns6_in(g, eth, ip, pkt_get_be16(u), u + 8, ulen - 8u);
}

/**
 * vgw_v6_in() - an IPv6 packet handed to the gateway
 * @g: gateway, locked
 * @eth: its Ethernet header
 * @c: cursor at its IPv6 header; frame finished (no partial checksum)
 */
void vgw_v6_in(struct vnic_gateway *g, const uint8_t *eth, struct pkt_cursor *c)
{
	const uint8_t *ip = pkt_pull(c, 40);
	struct pkt_cursor l4;
	size_t plen;

	if (!g->cfg.v6.on)
		return drop6(g, VGW_DROP_NOT_FOR_US);
	if (!ip || (ip[0] >> 4) != 6)
		return drop6(g, VGW_DROP_BAD_IP6);
	plen = pkt_get_be16(ip + 4);
	/* Ethernet padding may follow the packet; a short one is bad. */
	if (plen > c->left)
		return drop6(g, VGW_DROP_BAD_IP6);
	if (!for_us(g, ip + 24))
		return drop6(g, VGW_DROP_NOT_FOR_US);
	if (is_mcast(ip + 8))
		return drop6(g, VGW_DROP_BAD_IP6);
	if (ip[6] < 64 && (PKT_IP6_EXT_MASK >> ip[6] & 1))
		return drop6(g, VGW_DROP_IP6_EXT);
	pkt_cursor_init(&l4, c->p, plen);
	if (ip[6] == IPPROTO_ICMPV6_)
		return icmp6_in(g, eth, ip, &l4);
	if (ip[6] == IPPROTO_UDP_)
		return udp6_in(g, eth, ip, &l4);
	if (ip[6] == IPPROTO_TCP_ && is_ours(g, ip + 24) && g->cfg.v6.dns) {
		struct vgw_peer peer = {.v6 = true};

		if (!memcmp(ip + 8, unspec, 16))
			return drop6(g, VGW_DROP_BAD_IP6);
		memcpy(peer.ip6, ip + 8, 16);
		memcpy(peer.our6, ip + 24, 16);
		return vgw_tcp_in(g, eth, &peer, &l4);
	}
	drop6(g, VGW_DROP_NOT_FOR_US);
}
