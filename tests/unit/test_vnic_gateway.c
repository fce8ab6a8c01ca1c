// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnic_gateway.c - the gateway port through the real switch pipeline
 * with a dummy guest port: ARP, ICMP echo, DHCP with commit and ARP probes,
 * DNS answers and relay, DNS over TCP, malformed frames, the event fd */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dhcp/dhcp_priv.h"
#include "lib/util.h"
#include "vnic/vnic_dummy.h"
#include "vnic/vnic_gateway.h"
#include "vswitch/vswitch_priv.h"

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define GW_IP IP4(10, 0, 0, 1)

static const uint8_t gw_mac[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t vm_mac[6] = {0x52, 0x54, 0, 0, 0, 7};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

struct env {
	struct vswitch *sw;
	int net, vm_port, gw_port;
	struct vnic *vm, *gw;
	struct dhcps *dhcp;
	struct dns_names *names;
	struct dhcps_subnet_cfg sn;
	uint64_t token;
	unsigned commits, relays;
	struct dhcps_lease_rec rec;
	uint8_t relayed[512];
	size_t relayed_len;
	uint16_t relay_port;
	uint32_t relay_tcp;
	int relay_rc; /* what the relay callback returns */
	struct vgw_dns_query relay_q;
	struct vnic *vm2; /* a second guest, when a test adds it */
	int vm2_port;
};

/* The probe clock: it stands still unless a test moves it, so a slow run
 * cannot end a probe early. */
static uint64_t clock_ns;

static uint64_t test_now_ns(void)
{
	return clock_ns;
}

static void on_commit(void *arg, const struct dhcps_lease_rec *rec,
		      uint64_t token)
{
	struct env *e = arg;

	e->rec = *rec;
	e->token = token;
	e->commits++;
}

static int on_relay(void *arg, const struct vgw_dns_query *q)
{
	struct env *e = arg;

	memcpy(e->relayed, q->data, q->len < 512 ? q->len : 512);
	e->relayed_len = q->len;
	e->relay_port = q->port;
	e->relay_tcp = q->tcp;
	e->relay_q = *q;
	e->relays++;
	return e->relay_rc;
}

static void setup(struct env *e, bool probe, bool store)
{
	struct vsw_config cfg = {.threads = 1, .pool_size = 64};
	struct vsw_net_params np = {"n", VSW_NET_INTERNAL, 1500, 64, 300};
	struct vnic_params vp = {.kind = "dummy", .name = "vm", .mtu = 1500};
	struct vnic_params gp = {
	    .kind = "gateway", .name = "gw", .mtu = 1500, .has_mac = true};
	struct dhcps_config dc = {0};
	struct vgw_config gc = {0};
	char err[160];

	memset(e, 0, sizeof(*e));
	e->sw = vswitch_create(&cfg);
	assert_non_null(e->sw);
	e->net = vswitch_net_add(e->sw, &np);
	assert_true(e->net >= 0);

	e->sn.net = IP4(10, 0, 0, 0);
	e->sn.prefix = 24;
	e->sn.range_start = IP4(10, 0, 0, 100);
	e->sn.range_end = IP4(10, 0, 0, 110);
	e->sn.router = GW_IP;
	e->sn.lease_time = 3600;
	strcpy(e->sn.domain, "lab.vnet");
	dc.server_ip = GW_IP;
	dc.subnets = &e->sn;
	dc.nsubnets = 1;
	dc.probe = probe;
	assert_int_equal(
	    dns_names_create("lab.vnet", e->sn.net, 24, 32, 0, &e->names), 0);
	assert_int_equal(dns_names_add(e->names, "vm1", IP4(10, 0, 0, 5), true),
			 0);
	dc.names = e->names;
	if (dhcps_create(&dc, &e->dhcp, err, sizeof(err)))
		fail_msg("%s", err);

	assert_int_equal(vnic_open(&vp, &e->vm, err, sizeof(err)), 0);
	memcpy(gp.mac, gw_mac, 6);
	assert_int_equal(vnic_gateway_open(&gp, &e->gw, err, sizeof(err)), 0);
	gc.ip = GW_IP;
	gc.prefix = 24;
	gc.dhcp = e->dhcp;
	gc.dns = e->names;
	gc.commit = store ? on_commit : NULL;
	gc.relay = on_relay;
	gc.arg = e;
	gc.probe_ms = 200;
	gc.now_ns = test_now_ns;
	clock_ns = now_ns();
	assert_int_equal(vnic_gateway_configure(e->gw, &gc), 0);
	e->vm_port =
	    vswitch_port_add(e->sw, e->net, "vm", VSW_ROLE_VM, NULL, e->vm);
	e->gw_port = vswitch_port_add(e->sw, e->net, "gw", VSW_ROLE_GATEWAY,
				      NULL, e->gw);
	assert_true(e->vm_port >= 0 && e->gw_port >= 0);
}

static void teardown(struct env *e)
{
	vswitch_destroy(e->sw);
	dhcps_destroy(e->dhcp);
	dns_names_destroy(e->names);
}

/* A frame enters the switch from switch port @port. */
static void xmit_on(struct env *e, int port, const uint8_t *frame, size_t len)
{
	struct vsw_thread *t = &e->sw->threads[0];
	struct vsw_port *in = atomic_load(&e->sw->ports[port]);
	struct pkt *p = pkt_pool_alloc(t->pool);

	memcpy(p->data, frame, len);
	p->len = (uint32_t)len;
	vsw_process_burst(t, in, &p, 1);
	pkt_free(p);
}

/* The guest sends a frame into the switch. */
static void xmit(struct env *e, const uint8_t *frame, size_t len)
{
	xmit_on(e, e->vm_port, frame, len);
}

/* The gateway's queued frames go through the switch to the guest. */
static int pump(struct env *e)
{
	struct vsw_thread *t = &e->sw->threads[0];
	struct vsw_port *in = atomic_load(&e->sw->ports[e->gw_port]);
	struct pkt *p[PKT_BURST];
	int n = vnic_rx_burst(e->gw, 0, t->pool, p, PKT_BURST);

	assert_true(n >= 0);
	if (n)
		vsw_process_burst(t, in, p, (unsigned)n);
	for (int i = 0; i < n; i++)
		pkt_free(p[i]);
	return n;
}

/* The last frame the guest received, and its length. */
static const uint8_t *last(struct env *e, size_t *len)
{
	unsigned n = vnic_dummy_sent(e->vm);

	assert_true(n > 0);
	return vnic_dummy_frame(e->vm, n - 1, len);
}

static size_t arp_frame(uint8_t *f, uint16_t op, const uint8_t *sha,
			uint32_t spa, uint32_t tpa)
{
	memset(f, 0, 60);
	memcpy(f, bcast, 6);
	memcpy(f + 6, sha, 6);
	pkt_put_be16(f + 12, ETHERTYPE_ARP);
	pkt_put_be16(f + 14, 1);
	pkt_put_be16(f + 16, ETHERTYPE_IPV4);
	f[18] = 6;
	f[19] = 4;
	pkt_put_be16(f + 20, op);
	memcpy(f + 22, sha, 6);
	dhcp_put_be32(f + 28, spa);
	dhcp_put_be32(f + 38, tpa);
	return 60;
}

static size_t ip_frame(uint8_t *f, const uint8_t *dmac, uint32_t src,
		       uint32_t dst, uint8_t proto, const void *l4, size_t len)
{
	memcpy(f, dmac, 6);
	memcpy(f + 6, vm_mac, 6);
	pkt_put_be16(f + 12, ETHERTYPE_IPV4);
	memset(f + 14, 0, 20);
	f[14] = 0x45;
	pkt_put_be16(f + 16, (uint16_t)(20 + len));
	f[22] = 64;
	f[23] = proto;
	dhcp_put_be32(f + 26, src);
	dhcp_put_be32(f + 30, dst);
	pkt_put_be16(f + 24, csum_fold(csum_partial(f + 14, 20, 0)));
	memcpy(f + 34, l4, len);
	return 34 + len;
}

static size_t udp_frame(uint8_t *f, const uint8_t *dmac, uint32_t src,
			uint32_t dst, uint16_t sport, uint16_t dport,
			const void *data, size_t len)
{
	uint8_t u[1600];

	pkt_put_be16(u, sport);
	pkt_put_be16(u + 2, dport);
	pkt_put_be16(u + 4, (uint16_t)(8 + len));
	pkt_put_be16(u + 6, 0);
	memcpy(u + 8, data, len);
	return ip_frame(f, dmac, src, dst, 17, u, 8 + len);
}

/* Check IP and UDP checksums of a frame the gateway sent; its payload. */
static const uint8_t *udp_payload(const uint8_t *f, size_t len, size_t *plen)
{
	uint16_t ulen = pkt_get_be16(f + 38);
	uint32_t sum;

	assert_int_equal(pkt_get_be16(f + 12), ETHERTYPE_IPV4);
	assert_int_equal(csum_fold(csum_partial(f + 14, 20, 0)), 0);
	assert_int_equal(f[23], 17);
	assert_int_equal(len, 34u + ulen);
	/* pseudo header (addresses, protocol, UDP length), then UDP */
	assert_int_not_equal(pkt_get_be16(f + 40), 0);
	sum = csum_partial(f + 26, 8, 17u + ulen);
	assert_int_equal(csum_fold(csum_partial(f + 34, ulen, sum)), 0);
	*plen = ulen - 8u;
	return f + 42;
}

static void test_arp_icmp(void **state)
{
	struct env e;
	uint8_t f[200], echo[64];
	const uint8_t *r;
	size_t len;
	struct vgw_stats st;

	setup(&e, false, false);
	xmit(&e, f, arp_frame(f, 1, vm_mac, IP4(10, 0, 0, 7), GW_IP));
	assert_int_equal(pump(&e), 1);
	r = last(&e, &len);
	assert_memory_equal(r, vm_mac, 6);
	assert_memory_equal(r + 6, gw_mac, 6);
	assert_int_equal(pkt_get_be16(r + 20), 2);
	assert_memory_equal(r + 22, gw_mac, 6);
	assert_int_equal(dhcp_get_be32(r + 28), GW_IP);
	assert_memory_equal(r + 32, vm_mac, 6);
	assert_int_equal(dhcp_get_be32(r + 38), IP4(10, 0, 0, 7));
	/* ARP for another host: nothing */
	xmit(&e, f,
	     arp_frame(f, 1, vm_mac, IP4(10, 0, 0, 7), IP4(10, 0, 0, 9)));
	assert_int_equal(pump(&e), 0);

	memset(echo, 0, sizeof(echo));
	echo[0] = 8;
	pkt_put_be16(echo + 4, 0x1234);
	pkt_put_be16(echo + 6, 7);
	memcpy(echo + 8, "payload!", 8);
	pkt_put_be16(echo + 2, csum_fold(csum_partial(echo, 16, 0)));
	vnic_dummy_clear(e.vm);
	xmit(&e, f, ip_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 1, echo, 16));
	assert_int_equal(pump(&e), 1);
	r = last(&e, &len);
	assert_int_equal(len, 34 + 16);
	assert_memory_equal(r, vm_mac, 6);
	assert_int_equal(csum_fold(csum_partial(r + 14, 20, 0)), 0);
	assert_int_equal(dhcp_get_be32(r + 26), GW_IP);
	assert_int_equal(dhcp_get_be32(r + 30), IP4(10, 0, 0, 7));
	assert_int_equal(r[34], 0);
	assert_int_equal(csum_fold(csum_partial(r + 34, 16, 0)), 0);
	assert_memory_equal(r + 38, echo + 4, 12);
	/* an echo to another address: nothing */
	xmit(&e, f,
	     ip_frame(f, gw_mac, IP4(10, 0, 0, 7), IP4(10, 0, 0, 9), 1, echo,
		      16));
	assert_int_equal(pump(&e), 0);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.arp_replies, 1);
	assert_int_equal(st.echo_replies, 1);
	teardown(&e);
}

static size_t dhcp_msg(uint8_t *b, uint8_t type, uint32_t req)
{
	size_t o = DHCP_OFS_OPTS;

	memset(b, 0, 300);
	b[0] = 1;
	b[1] = 1;
	b[2] = 6;
	dhcp_put_be32(b + 4, 0xabcd);
	memcpy(b + DHCP_OFS_CHADDR, vm_mac, 6);
	dhcp_put_be32(b + DHCP_OFS_COOKIE, DHCP_COOKIE);
	b[o++] = 53;
	b[o++] = 1;
	b[o++] = type;
	if (req) {
		b[o++] = 50;
		b[o++] = 4;
		dhcp_put_be32(b + o, req);
		o += 4;
		b[o++] = 54;
		b[o++] = 4;
		dhcp_put_be32(b + o, GW_IP);
		o += 4;
	}
	b[o++] = 255;
	return 300;
}

static void send_dhcp(struct env *e, uint8_t type, uint32_t req)
{
	uint8_t m[300], f[400];
	size_t n = dhcp_msg(m, type, req);

	xmit(e, f, udp_frame(f, bcast, 0, 0xffffffffu, 68, 67, m, n));
}

static uint32_t reply_yiaddr(struct env *e, uint8_t *type)
{
	size_t len, plen;
	const uint8_t *f = last(e, &len), *p;

	assert_memory_equal(f + 6, gw_mac, 6);
	p = udp_payload(f, len, &plen);
	assert_int_equal(pkt_get_be16(f + 34), 67);
	assert_int_equal(pkt_get_be16(f + 36), 68);
	assert_int_equal(dhcp_get_be32(f + 26), GW_IP);
	assert_int_equal(p[0], DHCP_BOOTREPLY);
	*type = p[DHCP_OFS_OPTS + 2];
	return dhcp_get_be32(p + DHCP_OFS_YIADDR);
}

static void test_dhcp_commit(void **state)
{
	struct env e;
	uint8_t type;
	struct vgw_stats st;

	setup(&e, false, true);
	send_dhcp(&e, DHCP_DISCOVER, 0);
	assert_int_equal(pump(&e), 1);
	assert_int_equal(reply_yiaddr(&e, &type), IP4(10, 0, 0, 100));
	assert_int_equal(type, DHCP_OFFER);
	/* the ACK waits for its lease to be durable */
	send_dhcp(&e, DHCP_REQUEST, IP4(10, 0, 0, 100));
	assert_int_equal(e.commits, 1);
	assert_int_equal(e.rec.ip, IP4(10, 0, 0, 100));
	assert_int_equal(pump(&e), 0);
	vnic_gateway_commit_done(e.gw, e.token, true);
	assert_int_equal(pump(&e), 1);
	assert_int_equal(reply_yiaddr(&e, &type), IP4(10, 0, 0, 100));
	assert_int_equal(type, DHCP_ACK);
	/* a failed commit: no ACK */
	send_dhcp(&e, DHCP_REQUEST, IP4(10, 0, 0, 100));
	assert_int_equal(e.commits, 2);
	vnic_gateway_commit_done(e.gw, e.token, false);
	vnic_gateway_commit_done(e.gw, e.token, true); /* stale: ignored */
	assert_int_equal(pump(&e), 0);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.dhcp_in, 3);
	assert_int_equal(st.dhcp_out, 2);
	assert_int_equal(st.drops[VGW_DROP_COMMIT_FAILED], 1);
	teardown(&e);
}

static void test_dhcp_probe(void **state)
{
	struct env e;
	uint8_t type, f[100];
	size_t len;
	const uint8_t *r;
	struct vgw_stats st;

	setup(&e, true, false);
	send_dhcp(&e, DHCP_DISCOVER, 0);
	assert_int_equal(pump(&e), 1);
	r = last(&e, &len);
	/* an ARP probe: sender IP 0, target the address to offer */
	assert_int_equal(pkt_get_be16(r + 12), ETHERTYPE_ARP);
	assert_memory_equal(r, bcast, 6);
	assert_int_equal(dhcp_get_be32(r + 28), 0);
	assert_int_equal(dhcp_get_be32(r + 38), IP4(10, 0, 0, 100));
	/* something answers: the next address is probed */
	static const uint8_t squatter[6] = {0x52, 0x54, 0, 0, 0, 0x99};

	xmit(&e, f, arp_frame(f, 2, squatter, IP4(10, 0, 0, 100), 0));
	assert_int_equal(pump(&e), 1);
	r = last(&e, &len);
	assert_int_equal(dhcp_get_be32(r + 38), IP4(10, 0, 0, 101));
	/* silence: after the probe time (and not before) the offer leaves */
	clock_ns += 199 * 1000000ull;
	assert_int_equal(pump(&e), 0);
	clock_ns += 1000000ull;
	assert_int_equal(pump(&e), 1);
	assert_int_equal(reply_yiaddr(&e, &type), IP4(10, 0, 0, 101));
	assert_int_equal(type, DHCP_OFFER);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.probes, 2);
	assert_int_equal(st.conflicts, 1);
	teardown(&e);
}

/* A RENEWING client (ciaddr, unicast, no 50/54) whose address the server
 * has no record of: the gateway probes it, and the client itself answers
 * (it holds the address).  That is no conflict: it is ACKed.  An answer
 * from another MAC still is: NAK. */
static void renew_unknown(struct env *e, uint32_t ip, const uint8_t *answer,
			  uint8_t want, unsigned conflicts)
{
	uint8_t m[300], f[400], type;
	const uint8_t *r;
	struct vgw_stats st;
	size_t len;

	dhcp_msg(m, DHCP_REQUEST, 0);
	dhcp_put_be32(m + DHCP_OFS_CIADDR, ip);
	xmit(e, f, udp_frame(f, gw_mac, ip, GW_IP, 68, 67, m, 300));
	assert_int_equal(pump(e), 1);
	r = last(e, &len);
	assert_int_equal(pkt_get_be16(r + 12), ETHERTYPE_ARP);
	assert_int_equal(dhcp_get_be32(r + 28), 0);
	assert_int_equal(dhcp_get_be32(r + 38), ip);
	/* a Linux client answers a probe for its own address */
	xmit(e, f, arp_frame(f, 2, answer, ip, 0));
	clock_ns += 200 * 1000000ull;
	assert_int_equal(pump(e), 1);
	r = last(e, &len);
	assert_int_equal(pkt_get_be16(r + 12), ETHERTYPE_IPV4);
	if (want == DHCP_ACK)
		assert_int_equal(reply_yiaddr(e, &type), ip);
	else
		reply_yiaddr(e, &type);
	assert_int_equal(type, want);
	vnic_gateway_stats(e->gw, &st);
	assert_int_equal(st.conflicts, conflicts);
}

static void test_dhcp_probe_own(void **state)
{
	static const uint8_t other[6] = {0x52, 0x54, 0, 0, 0, 0x98};
	struct env e;

	setup(&e, true, false);
	renew_unknown(&e, IP4(10, 0, 0, 106), other, DHCP_NAK, 1);
	renew_unknown(&e, IP4(10, 0, 0, 105), vm_mac, DHCP_ACK, 1);
	teardown(&e);
}

static size_t dns_query(uint8_t *q, const char *wire, size_t wlen)
{
	memset(q, 0, 12);
	pkt_put_be16(q, 0x4242);
	pkt_put_be16(q + 2, 0x0100);
	pkt_put_be16(q + 4, 1);
	memcpy(q + 12, wire, wlen);
	pkt_put_be16(q + 12 + wlen, 1);
	pkt_put_be16(q + 14 + wlen, 1);
	return 16 + wlen;
}

static void test_dns(void **state)
{
	struct env e;
	uint8_t q[100], f[200];
	const uint8_t *r, *p;
	size_t len, plen, n;

	setup(&e, false, false);
	n = dns_query(q, "\3vm1\3lab\4vnet", 14);
	xmit(&e, f,
	     udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 5353, 53, q, n));
	assert_int_equal(pump(&e), 1);
	r = last(&e, &len);
	p = udp_payload(r, len, &plen);
	assert_int_equal(pkt_get_be16(r + 34), 53);
	assert_int_equal(pkt_get_be16(r + 36), 5353);
	assert_int_equal(dhcp_get_be32(r + 30), IP4(10, 0, 0, 7));
	assert_int_equal(pkt_get_be16(p), 0x4242);
	assert_int_equal(pkt_get_be16(p + 6), 1);
	assert_int_equal(dhcp_get_be32(p + plen - 4), IP4(10, 0, 0, 5));

	/* an outside name: relayed; the caller's answer goes back */
	n = dns_query(q, "\7example\3com", 13);
	xmit(&e, f,
	     udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 5353, 53, q, n));
	assert_int_equal(e.relays, 1);
	assert_int_equal(e.relay_port, 5353);
	assert_int_equal(e.relayed_len, n);
	assert_int_equal(pump(&e), 0);
	q[2] |= 0x80;
	assert_int_equal(vnic_gateway_send_udp(e.gw, vm_mac, IP4(10, 0, 0, 7),
					       5353, 53, q, n),
			 0);
	assert_int_equal(pump(&e), 1);
	r = last(&e, &len);
	p = udp_payload(r, len, &plen);
	assert_int_equal(plen, n);
	assert_memory_equal(p, q, n);
	teardown(&e);
}

/* ---- DNS over TCP ---- */

#define VM_IP	 IP4(10, 0, 0, 7)
#define ZERO_WIN 0x10000u

/* A segment the guest sends to the gateway's port 53 from @sport. */
struct seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint32_t win; /* 0: 65535; ZERO_WIN: 0 */
	uint16_t mss; /* an MSS option when nonzero */
	const void *data;
	size_t len;
	uint32_t src;
	bool vm2;      /* from the second guest's port (and MAC) */
	bool bad_csum; /* TCP checksum left 0 */
};

static const uint8_t vm2_mac[6] = {0x52, 0x54, 0, 0, 0, 8};

static void vm2_add(struct env *e)
{
	struct vnic_params vp = {.kind = "dummy", .name = "vm2", .mtu = 1500};
	char err[160];

	assert_int_equal(vnic_open(&vp, &e->vm2, err, sizeof(err)), 0);
	e->vm2_port =
	    vswitch_port_add(e->sw, e->net, "vm2", VSW_ROLE_VM, NULL, e->vm2);
	assert_true(e->vm2_port >= 0);
}

static void tcp_send(struct env *e, const struct seg *s)
{
	uint8_t t[1600], f[1700];
	size_t hl = s->mss ? 24 : 20, len;

	memset(t, 0, hl);
	pkt_put_be16(t, s->sport);
	pkt_put_be16(t + 2, s->dport ? s->dport : 53);
	dhcp_put_be32(t + 4, s->seq);
	dhcp_put_be32(t + 8, s->ack);
	t[12] = (uint8_t)(hl / 4 << 4);
	t[13] = s->flags;
	pkt_put_be16(t + 14, s->win ? (uint16_t)s->win : 65535);
	if (s->mss) {
		t[20] = 2;
		t[21] = 4;
		pkt_put_be16(t + 22, s->mss);
	}
	if (s->len)
		memcpy(t + hl, s->data, s->len);
	len = ip_frame(f, gw_mac, s->src ? s->src : VM_IP, GW_IP, 6, t,
		       hl + s->len);
	if (!s->bad_csum)
		l4_csum_fill(f, len);
	if (s->vm2)
		memcpy(f + 6, vm2_mac, 6);
	xmit_on(e, s->vm2 ? e->vm2_port : e->vm_port, f, len);
}

/* A segment the gateway sent, checksums checked. */
struct rseg {
	uint16_t sport, dport;
	uint32_t seq, ack, dst;
	uint8_t flags;
	uint16_t win, mss;
	const uint8_t *data;
	size_t len;
};

static struct rseg tcp_got(struct env *e, unsigned i)
{
	struct rseg r = {0};
	size_t len, hl;
	const uint8_t *f = vnic_dummy_frame(e->vm, i, &len);
	uint32_t sum;

	assert_non_null(f);
	assert_memory_equal(f, vm_mac, 6);
	assert_int_equal(pkt_get_be16(f + 12), ETHERTYPE_IPV4);
	assert_int_equal(f[23], 6);
	assert_int_equal(csum_fold(csum_partial(f + 14, 20, 0)), 0);
	assert_int_equal(pkt_get_be16(f + 16), len - 14);
	sum = csum_partial(f + 26, 8, 6u + (uint32_t)(len - 34));
	assert_int_equal(csum_fold(csum_partial(f + 34, len - 34, sum)), 0);
	r.dst = dhcp_get_be32(f + 30);
	r.sport = pkt_get_be16(f + 34);
	r.dport = pkt_get_be16(f + 36);
	r.seq = dhcp_get_be32(f + 38);
	r.ack = dhcp_get_be32(f + 42);
	hl = (size_t)(f[46] >> 4) * 4;
	r.flags = f[47];
	r.win = pkt_get_be16(f + 48);
	if (hl == 24 && f[54] == 2)
		r.mss = pkt_get_be16(f + 56);
	r.data = f + 34 + hl;
	r.len = len - 34 - hl;
	return r;
}

/* Everything the gateway has queued, through the switch to the guest,
 * after forgetting what the guest had; how many frames. */
static unsigned tcp_pump(struct env *e)
{
	int n;

	vnic_dummy_clear(e->vm);
	while ((n = pump(e)) > 0)
		;
	return vnic_dummy_sent(e->vm);
}

/* Open a connection from @sport (the guest's ISN 1000): the gateway's
 * ISN. */
static uint32_t tcp_open(struct env *e, uint16_t sport, uint16_t mss,
			 uint16_t win)
{
	struct rseg r;

	tcp_send(e, &(struct seg){.sport = sport,
				  .seq = 1000,
				  .flags = 0x02,
				  .win = win,
				  .mss = mss});
	assert_int_equal(tcp_pump(e), 1);
	r = tcp_got(e, 0);
	assert_int_equal(r.flags, 0x12); /* SYN, ACK */
	assert_int_equal(r.ack, 1001);
	assert_int_equal(r.sport, 53);
	assert_int_equal(r.dport, sport);
	tcp_send(e, &(struct seg){.sport = sport,
				  .seq = 1001,
				  .ack = r.seq + 1,
				  .flags = 0x10,
				  .win = win});
	assert_int_equal(tcp_pump(e), 0);
	return r.seq;
}

/* A query (its length prefix first) for NAME in wire form. */
static size_t tcp_query(uint8_t *m, uint16_t id, const char *wire, size_t wlen)
{
	size_t n = dns_query(m + 2, wire, wlen);

	pkt_put_be16(m + 2, id);
	pkt_put_be16(m, (uint16_t)n);
	return n + 2;
}

/* Check one length-prefixed answer at @p: its ID and A record; its size
 * with the prefix. */
static size_t tcp_answer_a(const uint8_t *p, size_t left, uint16_t id,
			   uint32_t ip)
{
	size_t n;

	assert_true(left >= 2);
	n = pkt_get_be16(p);
	assert_true(n + 2 <= left);
	assert_int_equal(pkt_get_be16(p + 2), id);
	assert_true(pkt_get_be16(p + 4) & 0x8000);
	assert_int_equal(pkt_get_be16(p + 8), 1); /* one answer */
	assert_int_equal(dhcp_get_be32(p + 2 + n - 4), ip);
	return n + 2;
}

/* Handshake, a query split over three segments, two pipelined queries in
 * one, FIN both ways, then the closed connection gets a RST. */
static void test_tcp_query(void **state)
{
	struct env e;
	uint8_t m[200];
	uint32_t iss, seq = 1001;
	size_t n, k;
	struct rseg r;
	struct vgw_stats st;

	setup(&e, false, false);
	tcp_send(&e,
		 &(struct seg){
		     .sport = 40001, .seq = 1000, .flags = 0x02, .mss = 1000});
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.mss, 1000); /* the peer's, below MTU - 40 */
	assert_int_equal(r.dst, VM_IP);
	vnic_dummy_clear(e.vm);
	teardown(&e);

	setup(&e, false, false);
	iss = tcp_open(&e, 40001, 1460, 0);
	n = tcp_query(m, 0x1111, "\3vm1\3lab\4vnet", 14);
	/* one byte of the length, then 10 bytes, then the rest */
	tcp_send(&e, &(struct seg){.sport = 40001,
				   .seq = seq,
				   .ack = iss + 1,
				   .flags = 0x18,
				   .data = m,
				   .len = 1});
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x10);
	assert_int_equal(r.ack, seq + 1);
	assert_int_equal(r.win, 4098 - 1);
	seq += 1;
	tcp_send(&e, &(struct seg){.sport = 40001,
				   .seq = seq,
				   .ack = iss + 1,
				   .flags = 0x18,
				   .data = m + 1,
				   .len = 10});
	assert_int_equal(tcp_pump(&e), 1);
	seq += 10;
	tcp_send(&e, &(struct seg){.sport = 40001,
				   .seq = seq,
				   .ack = iss + 1,
				   .flags = 0x18,
				   .data = m + 11,
				   .len = n - 11});
	seq += (uint32_t)(n - 11);
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x18);
	assert_int_equal(r.seq, iss + 1);
	assert_int_equal(r.ack, seq);
	k = tcp_answer_a(r.data, r.len, 0x1111, IP4(10, 0, 0, 5));
	assert_int_equal(k, r.len);
	/* the answer acknowledged; two queries in one segment */
	n = tcp_query(m, 0x2222, "\3vm1\3lab\4vnet", 14);
	n += tcp_query(m + n, 0x3333, "\3vm1\3lab\4vnet", 14);
	tcp_send(&e, &(struct seg){.sport = 40001,
				   .seq = seq,
				   .ack = iss + 1 + (uint32_t)k,
				   .flags = 0x18,
				   .data = m,
				   .len = n});
	seq += (uint32_t)n;
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.seq, iss + 1 + k);
	n = tcp_answer_a(r.data, r.len, 0x2222, IP4(10, 0, 0, 5));
	n += tcp_answer_a(r.data + n, r.len - n, 0x3333, IP4(10, 0, 0, 5));
	assert_int_equal(n, r.len);
	k += n;
	/* the guest closes: ACK and FIN back */
	tcp_send(&e, &(struct seg){.sport = 40001,
				   .seq = seq,
				   .ack = iss + 1 + (uint32_t)k,
				   .flags = 0x11});
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x11);
	assert_int_equal(r.ack, seq + 1);
	assert_int_equal(r.seq, iss + 1 + k);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.tcp_open, 1);
	tcp_send(&e, &(struct seg){.sport = 40001,
				   .seq = seq + 1,
				   .ack = r.seq + 1,
				   .flags = 0x10});
	assert_int_equal(tcp_pump(&e), 0);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.tcp_open, 0);
	assert_int_equal(st.tcp_closed, 1);
	assert_int_equal(st.tcp_accepted, 1);
	assert_int_equal(st.tcp_queries, 3);
	assert_int_equal(st.dns_out, 3);
	/* the connection is gone: data for it is refused */
	tcp_send(&e, &(struct seg){.sport = 40001,
				   .seq = seq + 1,
				   .ack = r.seq + 1,
				   .flags = 0x18,
				   .data = m,
				   .len = 4});
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x04);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.tcp_resets, 1);
	teardown(&e);
}

/* Relayed answer: the peer's MSS and window bound the segments; a lost
 * segment is sent again on the timer (doubling), a closed window is
 * probed, and without ACKs the connection is reset after the retries. */
static void test_tcp_relay_window(void **state)
{
	struct env e;
	uint8_t m[200], a[400];
	uint32_t iss, seq = 1001;
	size_t n;
	struct rseg r;
	struct vgw_stats st;

	setup(&e, false, false);
	iss = tcp_open(&e, 40002, 100, 150);
	n = tcp_query(m, 0x4444, "\7example\3com", 13);
	tcp_send(&e, &(struct seg){.sport = 40002,
				   .seq = seq,
				   .ack = iss + 1,
				   .flags = 0x18,
				   .win = 150,
				   .data = m,
				   .len = n});
	seq += (uint32_t)n;
	assert_int_equal(e.relays, 1);
	assert_int_not_equal(e.relay_tcp, 0);
	assert_int_equal(e.relayed_len, n - 2);
	assert_int_equal(tcp_pump(&e), 1); /* the ACK */
	for (size_t i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)i;
	assert_int_equal(vnic_gateway_send_tcp(e.gw, e.relay_tcp, a, 398), 0);
	/* 400 bytes with the prefix: 100 + 50 fill the window of 150 */
	assert_int_equal(tcp_pump(&e), 2);
	r = tcp_got(&e, 0);
	assert_int_equal(r.len, 100);
	assert_int_equal(pkt_get_be16(r.data), 398);
	assert_memory_equal(r.data + 2, a, 98);
	r = tcp_got(&e, 1);
	assert_int_equal(r.len, 50);
	assert_int_equal(r.seq, iss + 101);
	/* the first is acknowledged; the second was lost: sent again */
	tcp_send(&e, &(struct seg){.sport = 40002,
				   .seq = seq,
				   .ack = iss + 101,
				   .flags = 0x10,
				   .win = 150});
	assert_int_equal(tcp_pump(&e), 1); /* 100 more: the window slid */
	r = tcp_got(&e, 0);
	assert_int_equal(r.seq, iss + 151);
	assert_int_equal(r.len, 100);
	clock_ns += 250 * 1000000ull;
	assert_int_equal(tcp_pump(&e), 2);
	r = tcp_got(&e, 0);
	assert_int_equal(r.seq, iss + 101);
	assert_int_equal(r.len, 100);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.tcp_retransmits, 1);
	/* doubled: nothing at 250 ms more, the next at 500 */
	clock_ns += 250 * 1000000ull;
	assert_int_equal(tcp_pump(&e), 0);
	clock_ns += 250 * 1000000ull;
	assert_int_equal(tcp_pump(&e), 2);
	/* everything up to 251 acknowledged, the window closed: nothing
	 * goes until the timer probes it with one byte */
	tcp_send(&e, &(struct seg){.sport = 40002,
				   .seq = seq,
				   .ack = iss + 251,
				   .flags = 0x10,
				   .win = ZERO_WIN});
	assert_int_equal(tcp_pump(&e), 0);
	clock_ns += 250 * 1000000ull;
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.seq, iss + 251);
	assert_int_equal(r.len, 1);
	/* the window opens: the rest (149 bytes) in two segments */
	tcp_send(&e, &(struct seg){.sport = 40002,
				   .seq = seq,
				   .ack = iss + 252,
				   .flags = 0x10,
				   .win = 1000});
	assert_int_equal(tcp_pump(&e), 2);
	r = tcp_got(&e, 1);
	assert_int_equal(r.seq, iss + 352);
	assert_int_equal(r.len, 49);
	assert_memory_equal(r.data, a + 398 - 49, 49);
	/* never acknowledged: 6 retransmissions, 250 ms doubling, then a
	 * RST */
	for (unsigned i = 0; i < 6; i++) {
		clock_ns += (250ull << i) * 1000000ull;
		assert_true(tcp_pump(&e) >= 1);
		r = tcp_got(&e, 0);
		assert_int_equal(r.seq, iss + 252);
	}
	clock_ns += (250ull << 6) * 1000000ull;
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x14);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.drops[VGW_DROP_TCP_TIMEOUT], 1);
	assert_int_equal(st.tcp_open, 0);
	/* an answer for it now is late */
	assert_int_equal(vnic_gateway_send_tcp(e.gw, e.relay_tcp, a, 20),
			 -ENOENT);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.drops[VGW_DROP_TCP_LATE], 1);
	teardown(&e);
}

/* Segments the connection does not expect: out of order (dropped, an ACK
 * for the byte expected), an ACK of unsent data, a RST outside the exact
 * sequence (a challenge ACK), then the exact one (gone); segments for no
 * connection get a RST, RSTs none. */
/* A SERVFAIL for query @q (@n bytes): its ID, RD and question echoed,
 * QR and RA set, no records. */
static void servfail_check(const uint8_t *p, size_t plen, const uint8_t *q,
			   size_t n)
{
	assert_int_equal(plen, n);
	assert_memory_equal(p, q, 2);
	assert_int_equal(pkt_get_be16(p + 2),
			 0x8000 | (pkt_get_be16(q + 2) & 0x0100) | 0x0080 | 2);
	assert_int_equal(pkt_get_be16(p + 4), 1);
	assert_int_equal(pkt_get_be16(p + 6), 0);
	assert_int_equal(pkt_get_be16(p + 8), 0);
	assert_int_equal(pkt_get_be16(p + 10), 0);
	assert_memory_equal(p + 12, q + 12, n - 12);
}

/* The relay cannot take a query (its ring full): SERVFAIL at once, over UDP
 * and TCP, counted; a malformed one it refuses gets nothing. */
static void test_dns_servfail(void **state)
{
	struct env e;
	uint8_t q[100], m[200], f[200];
	const uint8_t *r, *p;
	size_t len, plen, n;
	uint32_t iss;
	struct rseg rs;
	struct vgw_stats st;

	setup(&e, false, false);
	e.relay_rc = -ENOBUFS;
	n = dns_query(q, "\7example\3com", 13);
	xmit(&e, f,
	     udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 5353, 53, q, n));
	assert_int_equal(e.relays, 1);
	assert_int_equal(pump(&e), 1);
	r = last(&e, &len);
	p = udp_payload(r, len, &plen);
	assert_int_equal(pkt_get_be16(r + 36), 5353);
	servfail_check(p, plen, q, n);

	/* over TCP: the connection gets it */
	iss = tcp_open(&e, 40001, 0, 0);
	n = tcp_query(m, 0x5151, "\7example\3com", 13);
	tcp_send(&e, &(struct seg){.sport = 40001,
				   .seq = 1001,
				   .ack = iss + 1,
				   .flags = 0x18,
				   .data = m,
				   .len = n});
	assert_int_equal(tcp_pump(&e), 1);
	rs = tcp_got(&e, 0);
	assert_int_equal(rs.len, n);
	assert_int_equal(pkt_get_be16(rs.data), n - 2);
	servfail_check(rs.data + 2, rs.len - 2, m + 2, n - 2);

	/* refused as malformed: no answer */
	e.relay_rc = -EINVAL;
	n = dns_query(q, "\7example\3com", 13);
	xmit(&e, f,
	     udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 5353, 53, q, n));
	assert_int_equal(pump(&e), 0);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.dns_servfail, 2);
	assert_int_equal(st.dns_relayed, 0);
	teardown(&e);
}

/* A UDP frame for the DNS responder with its checksum filled in
 * (@partial: left partial, as a guest with checksum offload sends it). */
static size_t udp_csum_frame(uint8_t *f, const uint8_t *q, size_t n,
			     bool partial)
{
	size_t len =
	    udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 5353, 53, q, n);
	uint32_t sum = csum_partial(f + 26, 8, 17u + (uint32_t)(len - 34));

	if (partial) /* the pseudo-header sum, not inverted */
		pkt_put_be16(f + 40, (uint16_t)~csum_fold(sum));
	else
		pkt_put_be16(f + 40,
			     csum_fold(csum_partial(f + 34, len - 34, sum)));
	return len;
}

/* UDP checksums: verified when present, 0 is none, partial ones (offload)
 * taken once finished. */
static void test_udp_csum(void **state)
{
	struct env e;
	uint8_t q[100], f[200];
	const uint8_t *r, *p;
	size_t len, plen, n, flen;
	struct vgw_stats st;
	struct vsw_thread *t;
	struct pkt *pk;

	setup(&e, false, false);
	n = dns_query(q, "\3vm1\3lab\4vnet", 14);
	/* right */
	xmit(&e, f, udp_csum_frame(f, q, n, false));
	assert_int_equal(pump(&e), 1);
	/* wrong: dropped */
	flen = udp_csum_frame(f, q, n, false);
	f[41] ^= 0x5a;
	xmit(&e, f, flen);
	assert_int_equal(pump(&e), 0);
	/* none */
	xmit(&e, f,
	     udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 5353, 53, q, n));
	assert_int_equal(pump(&e), 1);
	/* a DHCP message with a bad checksum: dropped too */
	flen = udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 68, 67, q, n);
	pkt_put_be16(f + 40, 0x1234);
	xmit(&e, f, flen);
	assert_int_equal(pump(&e), 0);
	/* partial, as the guest's virtio-net header says */
	flen = udp_csum_frame(f, q, n, true);
	t = &e.sw->threads[0];
	pk = pkt_pool_alloc(t->pool);
	memcpy(pk->data, f, flen);
	pk->len = (uint32_t)flen;
	pk->ol.flags = PKT_OL_NEEDS_CSUM;
	pk->ol.csum_start = 34;
	pk->ol.csum_offset = 6;
	vsw_process_burst(t, atomic_load(&e.sw->ports[e.vm_port]), &pk, 1);
	pkt_free(pk);
	assert_int_equal(pump(&e), 1);
	r = last(&e, &len);
	p = udp_payload(r, len, &plen);
	assert_int_equal(pkt_get_be16(p), 0x4242);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.drops[VGW_DROP_BAD_UDP_CSUM], 2);
	assert_int_equal(st.dns_out, 3);
	teardown(&e);
}

/* Odd UDP lengths, a computed checksum of 0 sent as 0xffff, and an IP
 * payload longer than the UDP length are all valid (RFC 768, 1071). */
static void test_udp_csum_edges(void **state)
{
	struct env e;
	uint8_t q[100], f[200], q2[100];
	size_t n, flen, ulen;
	uint32_t sum;
	uint16_t ck;
	struct vgw_stats st;

	setup(&e, false, false);
	n = dns_query(q, "\3vm1\3lab\4vnet", 14);
	/* odd: one byte after the question */
	memcpy(q2, q, n);
	q2[n] = 0x77;
	flen = udp_csum_frame(f, q2, n + 1, false);
	xmit(&e, f, flen);
	assert_int_equal(pump(&e), 1);
	/* computed 0 -> 0xffff: two trailing bytes chosen so the sum is all
	 * ones */
	memcpy(q2, q, n);
	q2[n] = 0;
	q2[n + 1] = 0;
	flen =
	    udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 5353, 53, q2, n + 2);
	ulen = flen - 34;
	sum = csum_partial(f + 26, 8, 17u + (uint32_t)ulen);
	ck = csum_fold(csum_partial(f + 34, ulen, sum)); /* ~sum */
	/* add ck into the last word: the sum becomes 0xffff */
	pkt_put_be16(f + flen - 2, ck);
	sum = csum_partial(f + 26, 8, 17u + (uint32_t)ulen);
	assert_int_equal(csum_fold(csum_partial(f + 34, ulen, sum)), 0);
	pkt_put_be16(f + 40, 0xffff);
	xmit(&e, f, flen);
	assert_int_equal(pump(&e), 1);
	/* IP total length 4 bytes past the UDP length */
	flen = udp_csum_frame(f, q, n, false);
	memset(f + flen, 0xee, 4);
	pkt_put_be16(f + 16, (uint16_t)(pkt_get_be16(f + 16) + 4));
	pkt_put_be16(f + 24, 0);
	pkt_put_be16(f + 24, csum_fold(csum_partial(f + 14, 20, 0)));
	xmit(&e, f, flen + 4);
	assert_int_equal(pump(&e), 1);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.drops[VGW_DROP_BAD_UDP_CSUM], 0);
	teardown(&e);
}

/* A port that left: an answer relayed for its query reaches nobody, even
 * when a new port is given its id; its TCP connections are gone. */
static void test_relay_port_gone(void **state)
{
	struct env e;
	uint8_t q[100], f[200];
	struct dns_relay_client c = {0};
	struct vgw_stats st;
	size_t n;

	setup(&e, false, false);
	n = dns_query(q, "\7example\3com", 13);
	xmit(&e, f,
	     udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 5353, 53, q, n));
	assert_int_equal(e.relays, 1);
	assert_int_equal(e.relay_q.in_port, e.vm_port);
	memcpy(c.mac, vm_mac, 6);
	c.ip = e.relay_q.ip;
	c.port = e.relay_q.port;
	c.in_port = e.relay_q.in_port;
	c.gen = e.relay_q.gen;
	q[2] |= 0x80;
	assert_int_equal(vnic_gateway_relay_answer(e.gw, &c, q, n, false), 0);
	assert_int_equal(pump(&e), 1);
	(void)tcp_open(&e, 40001, 0, 0);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.tcp_open, 1);

	vnic_gateway_port_gone(e.gw, (uint16_t)e.vm_port);
	vnic_dummy_clear(e.vm);
	assert_int_equal(vnic_gateway_relay_answer(e.gw, &c, q, n, true),
			 -ENOENT);
	assert_int_equal(pump(&e), 0);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.drops[VGW_DROP_PORT_GONE], 1);
	assert_int_equal(st.tcp_open, 0);
	assert_int_equal(st.dns_servfail, 0);
	/* the id's next query carries the new generation */
	q[2] &= 0x7f;
	xmit(&e, f,
	     udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 5353, 53, q, n));
	assert_int_equal(e.relays, 2);
	assert_int_not_equal(e.relay_q.gen, c.gen);
	teardown(&e);
}

/* A query longer than 1 KiB over TCP (EDNS padding, RFC 7830): taken
 * whole and relayed, up to 4096 bytes. */
static void test_tcp_long_query(void **state)
{
	struct env e;
	uint8_t m[2 + 2000];
	uint32_t iss;
	size_t n;
	struct vgw_stats st;

	setup(&e, false, false);
	iss = tcp_open(&e, 40003, 0, 0);
	memset(m, 0, sizeof(m));
	n = dns_query(m + 2, "\7example\3com", 13);
	pkt_put_be16(m + 2 + 10, 1); /* OPT, then a padding option */
	m[2 + n] = 0;
	pkt_put_be16(m + 2 + n + 1, 41);
	pkt_put_be16(m + 2 + n + 3, 1232);
	pkt_put_be16(m + 2 + n + 9, (uint16_t)(2000 - n - 11));
	pkt_put_be16(m + 2 + n + 11, 12);
	pkt_put_be16(m + 2 + n + 13, (uint16_t)(2000 - n - 15));
	pkt_put_be16(m, 2000);
	tcp_send(&e, &(struct seg){.sport = 40003,
				   .seq = 1001,
				   .ack = iss + 1,
				   .flags = 0x10,
				   .data = m,
				   .len = 1000});
	tcp_send(&e, &(struct seg){.sport = 40003,
				   .seq = 2001,
				   .ack = iss + 1,
				   .flags = 0x18,
				   .data = m + 1000,
				   .len = sizeof(m) - 1000});
	assert_int_equal(e.relays, 1);
	assert_int_equal(e.relayed_len, 2000);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.drops[VGW_DROP_TCP_QUERY_SIZE], 0);
	assert_int_equal(st.tcp_open, 1);
	teardown(&e);
}

static void test_tcp_bad_segments(void **state)
{
	struct env e;
	uint8_t m[200];
	uint32_t iss, seq = 1001;
	size_t n;
	struct rseg r;
	struct vgw_stats st;

	setup(&e, false, false);
	iss = tcp_open(&e, 40003, 0, 0);
	n = tcp_query(m, 0x5555, "vm1labvnet", 14);
	tcp_send(&e, &(struct seg){.sport = 40003,
				   .seq = seq + 5,
				   .ack = iss + 1,
				   .flags = 0x18,
				   .data = m + 5,
				   .len = n - 5});
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x10);
	assert_int_equal(r.ack, seq);
	/* the first 5 bytes, then the whole again: the overlap is taken
	 * once and answered once */
	tcp_send(&e, &(struct seg){.sport = 40003,
				   .seq = seq,
				   .ack = iss + 1,
				   .flags = 0x18,
				   .data = m,
				   .len = 5});
	tcp_send(&e, &(struct seg){.sport = 40003,
				   .seq = seq,
				   .ack = iss + 1,
				   .flags = 0x18,
				   .data = m,
				   .len = n});
	assert_int_equal(tcp_pump(&e), 2);
	assert_int_equal(tcp_got(&e, 0).ack, seq + 5);
	r = tcp_got(&e, 1);
	assert_int_equal(r.ack, seq + n);
	assert_int_equal(tcp_answer_a(r.data, r.len, 0x5555, IP4(10, 0, 0, 5)),
			 r.len);
	seq += (uint32_t)n;
	/* acknowledging what was never sent */
	tcp_send(&e, &(struct seg){.sport = 40003,
				   .seq = seq,
				   .ack = iss + 5000,
				   .flags = 0x10});
	assert_int_equal(tcp_pump(&e), 1);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.drops[VGW_DROP_TCP_BAD_SEQ], 2);
	/* a RST in the window but not exact: challenge ACK, still open */
	tcp_send(&e,
		 &(struct seg){.sport = 40003, .seq = seq + 10, .flags = 0x04});
	assert_int_equal(tcp_pump(&e), 1);
	assert_int_equal(tcp_got(&e, 0).flags, 0x10);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.tcp_open, 1);
	tcp_send(&e, &(struct seg){.sport = 40003, .seq = seq, .flags = 0x04});
	assert_int_equal(tcp_pump(&e), 0);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.tcp_open, 0);
	assert_int_equal(st.tcp_peer_resets, 1);
	/* no connection: an ACK gets a RST at its ack number, a segment
	 * without ACK a RST|ACK covering it; a RST nothing; other ports
	 * and a cut header are not ours */
	tcp_send(&e, &(struct seg){.sport = 40004,
				   .seq = 7,
				   .ack = 0xcafe0001,
				   .flags = 0x10});
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x04);
	assert_int_equal(r.seq, 0xcafe0001);
	tcp_send(
	    &e,
	    &(struct seg){
		.sport = 40004, .seq = 7, .flags = 0x01, .data = m, .len = 3});
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x14);
	assert_int_equal(r.seq, 0);
	assert_int_equal(r.ack, 7 + 3 + 1);
	tcp_send(&e, &(struct seg){.sport = 40004, .seq = 7, .flags = 0x04});
	tcp_send(&e, &(struct seg){
			 .sport = 40004, .dport = 80, .seq = 7, .flags = 0x02});
	{
		uint8_t t[12] = {0}, f[100];

		xmit(&e, f, ip_frame(f, gw_mac, VM_IP, GW_IP, 6, t, 12));
	}
	assert_int_equal(tcp_pump(&e), 0);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.drops[VGW_DROP_NOT_FOR_US], 2);
	assert_int_equal(st.drops[VGW_DROP_BAD_TCP], 1);
	/* a bad checksum: dropped, not answered */
	tcp_send(
	    &e, &(struct seg){
		    .sport = 40004, .seq = 7, .flags = 0x02, .bad_csum = true});
	assert_int_equal(tcp_pump(&e), 0);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.drops[VGW_DROP_BAD_TCP], 2);
	/* a SYN-ACK never acknowledged is sent again, then given up */
	tcp_send(&e, &(struct seg){.sport = 40005, .seq = 1, .flags = 0x02});
	assert_int_equal(tcp_pump(&e), 1);
	iss = tcp_got(&e, 0).seq;
	clock_ns += 250 * 1000000ull;
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x12);
	assert_int_equal(r.seq, iss);
	/* its wrong ACK gets a RST; the connection waits for the right one */
	tcp_send(&e,
		 &(struct seg){
		     .sport = 40005, .seq = 2, .ack = iss + 9, .flags = 0x10});
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x04);
	assert_int_equal(r.seq, iss + 9);
	teardown(&e);
}

/* Caps: connections per source address and per gateway (over them: RST,
 * counted), a query longer than the buffer (reset), a guest that does not
 * read its answers (its window closes), idleness (FIN, then RST). */
static void test_tcp_caps(void **state)
{
	struct env e;
	uint8_t m[2000];
	uint32_t iss, seq = 1001;
	struct rseg r;
	struct vgw_stats st;
	size_t n, one;

	setup(&e, false, false);
	for (unsigned i = 0; i < 8; i++)
		tcp_open(&e, (uint16_t)(41000 + i), 0, 0);
	tcp_send(&e, &(struct seg){.sport = 41008, .seq = 5, .flags = 0x02});
	assert_int_equal(tcp_pump(&e), 1);
	assert_int_equal(tcp_got(&e, 0).flags, 0x14);
	/* 32 from one switch port, whatever addresses it claims */
	for (unsigned i = 0; i < 24; i++)
		tcp_send(&e, &(struct seg){.sport = (uint16_t)(42000 + i),
					   .seq = 5,
					   .flags = 0x02,
					   .src = IP4(10, 0, 0, 20 + i / 8)});
	assert_int_equal(tcp_pump(&e), 24);
	tcp_send(&e, &(struct seg){.sport = 42000,
				   .seq = 5,
				   .flags = 0x02,
				   .src = IP4(10, 0, 0, 99)});
	assert_int_equal(tcp_pump(&e), 1);
	assert_int_equal(tcp_got(&e, 0).flags, 0x14);
	/* 32 more from another port fill the gateway's 64 */
	vm2_add(&e);
	for (unsigned i = 0; i < 33; i++)
		tcp_send(&e, &(struct seg){.sport = (uint16_t)(43000 + i),
					   .seq = 5,
					   .flags = 0x02,
					   .src = IP4(10, 0, 0, 40 + i / 8),
					   .vm2 = true});
	while (pump(&e) > 0)
		;
	assert_int_equal(vnic_dummy_sent(e.vm2), 33);
	{
		size_t len;
		const uint8_t *f = vnic_dummy_frame(e.vm2, 32, &len);

		assert_int_equal(f[47], 0x14);
		f = vnic_dummy_frame(e.vm2, 31, &len);
		assert_int_equal(f[47], 0x12);
	}
	vnic_gateway_stats(e.gw, &st);
	/* the other port cannot reach the first one's connections: its
	 * ACK for one of them gets a RST, the connection stays */
	vnic_dummy_clear(e.vm2);
	tcp_send(&e, &(struct seg){.sport = 41000,
				   .seq = 1001,
				   .ack = 77,
				   .flags = 0x10,
				   .vm2 = true});
	while (pump(&e) > 0)
		;
	{
		size_t len;

		assert_int_equal(vnic_dummy_sent(e.vm2), 1);
		assert_int_equal(vnic_dummy_frame(e.vm2, 0, &len)[47], 0x04);
	}
	assert_int_equal(st.drops[VGW_DROP_TCP_CLIENT_LIMIT], 1);
	assert_int_equal(st.drops[VGW_DROP_TCP_PORT_LIMIT], 1);
	assert_int_equal(st.drops[VGW_DROP_TCP_CONN_LIMIT], 1);
	assert_int_equal(st.tcp_open, 64);
	/* SYN-ACKs nobody acknowledges: sent 3 times more, then given up
	 * (250 + 500 + 1000 + 2000 ms); the 8 established ones stay */
	for (unsigned i = 0; i < 4; i++) {
		clock_ns += (250ull << i) * 1000000ull;
		while (pump(&e) > 0)
			;
	}
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.tcp_open, 8);
	assert_int_equal(st.drops[VGW_DROP_TCP_TIMEOUT], 56);
	teardown(&e);

	setup(&e, false, false);
	/* a length the buffer cannot hold */
	iss = tcp_open(&e, 40006, 0, 0);
	pkt_put_be16(m, 4097);
	tcp_send(&e, &(struct seg){.sport = 40006,
				   .seq = seq,
				   .ack = iss + 1,
				   .flags = 0x18,
				   .data = m,
				   .len = 2});
	assert_int_equal(tcp_pump(&e), 1);
	assert_int_equal(tcp_got(&e, 0).flags, 0x14);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.drops[VGW_DROP_TCP_QUERY_SIZE], 1);
	assert_int_equal(st.tcp_open, 0);

	/* a guest that never acknowledges its answers, window 1: its
	 * queries stop being taken once 128 KiB of answers wait, and the
	 * window it is offered closes */
	iss = tcp_open(&e, 40007, 0, 1);
	one = tcp_query(m, 0x6666, "vm1labvnet", 14);
	for (n = one; n + one <= sizeof(m) - 1000; n += one)
		memcpy(m + n, m, one);
	{
		unsigned sent = 0, win = 1024;

		while (win >= n) {
			tcp_send(&e, &(struct seg){.sport = 40007,
						   .seq = seq,
						   .ack = iss + 1,
						   .flags = 0x18,
						   .win = 1,
						   .data = m,
						   .len = n});
			seq += (uint32_t)n;
			tcp_pump(&e);
			r = tcp_got(&e, vnic_dummy_sent(e.vm) - 1);
			win = r.win;
			assert_int_equal(r.ack, seq);
			sent++;
			assert_true(sent < 10000);
		}
	}
	vnic_gateway_stats(e.gw, &st);
	assert_true(st.tcp_queries * (one + 50) >= (1u << 17) - 1024);
	assert_true(st.tcp_queries * one < (1u << 17));
	assert_int_equal(st.tcp_open, 1);
	teardown(&e);

	/* idle: the gateway's FIN after 10 s; acknowledged but never
	 * answered by the guest's own, a RST 10 s later */
	setup(&e, false, false);
	iss = tcp_open(&e, 40008, 0, 0);
	clock_ns += 9999 * 1000000ull;
	assert_int_equal(tcp_pump(&e), 0);
	clock_ns += 1 * 1000000ull;
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x11);
	assert_int_equal(r.seq, iss + 1);
	tcp_send(&e, &(struct seg){.sport = 40008,
				   .seq = 1001,
				   .ack = iss + 2,
				   .flags = 0x10});
	clock_ns += 10000 * 1000000ull;
	assert_int_equal(tcp_pump(&e), 1);
	r = tcp_got(&e, 0);
	assert_int_equal(r.flags, 0x14);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.tcp_idle_closed, 1);
	assert_int_equal(st.drops[VGW_DROP_TCP_IDLE], 1);
	assert_int_equal(st.tcp_open, 0);
	teardown(&e);
}

struct bad_frame {
	const char *what;
	void (*mod)(uint8_t *f, size_t *len);
	enum vgw_drop want;
};

static void b_ip_short(uint8_t *f, size_t *len)
{
	*len = 14 + 12;
}
static void b_ip_csum(uint8_t *f, size_t *len)
{
	f[24] ^= 1;
}
static void b_ip_total(uint8_t *f, size_t *len)
{
	pkt_put_be16(f + 16, (uint16_t)(*len - 14 + 1));
	pkt_put_be16(f + 24, 0);
	pkt_put_be16(f + 24, csum_fold(csum_partial(f + 14, 20, 0)));
}
static void b_fragment(uint8_t *f, size_t *len)
{
	pkt_put_be16(f + 20, 0x2000);
	pkt_put_be16(f + 24, 0);
	pkt_put_be16(f + 24, csum_fold(csum_partial(f + 14, 20, 0)));
}
static void b_udp_len(uint8_t *f, size_t *len)
{
	pkt_put_be16(f + 38, 400);
}
static void b_udp_short(uint8_t *f, size_t *len)
{
	pkt_put_be16(f + 38, 7);
}
static void b_tagged(uint8_t *f, size_t *len)
{
	memmove(f + 16, f + 12, *len - 12);
	pkt_put_be16(f + 12, ETHERTYPE_VLAN);
	pkt_put_be16(f + 14, 5);
	*len += 4;
}
static void b_other_port(uint8_t *f, size_t *len)
{
	pkt_put_be16(f + 36, 99);
}
static void b_dns_garbage(uint8_t *f, size_t *len)
{
	pkt_put_be16(f + 36, 53);
	f[42 + 2] = 0x80; /* QR: a response */
}

static const struct bad_frame bad_frames[] = {
    {"IP header cut", b_ip_short, VGW_DROP_BAD_IP},
    {"IP checksum", b_ip_csum, VGW_DROP_BAD_IP},
    {"IP total past the frame", b_ip_total, VGW_DROP_BAD_IP},
    {"fragment", b_fragment, VGW_DROP_FRAGMENT},
    {"UDP length past the packet", b_udp_len, VGW_DROP_BAD_UDP},
    {"UDP length 7", b_udp_short, VGW_DROP_BAD_UDP},
    {"tagged", b_tagged, VGW_DROP_TAGGED},
    {"port 99", b_other_port, VGW_DROP_NOT_FOR_US},
    {"DNS response to port 53", b_dns_garbage, VGW_DROP_DNS},
};

static void test_malformed(void **state)
{
	struct env e;

	setup(&e, false, false);
	for (size_t i = 0; i < sizeof(bad_frames) / sizeof(bad_frames[0]);
	     i++) {
		uint8_t q[100], f[300];
		size_t n = dns_query(q, "\3vm1\3lab\4vnet", 14), len;
		struct vgw_stats before, after;

		len = udp_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 5353, 67, q,
				n);
		bad_frames[i].mod(f, &len);
		vnic_gateway_stats(e.gw, &before);
		xmit(&e, f, len);
		vnic_gateway_stats(e.gw, &after);
		if (after.drops[bad_frames[i].want] !=
		    before.drops[bad_frames[i].want] + 1)
			fail_msg("%s: not counted as %s", bad_frames[i].what,
				 vgw_drop_name(bad_frames[i].want));
		assert_int_equal(pump(&e), 0);
	}
	teardown(&e);
}

/* A burst bigger than one rx_burst() waits in the queue, none lost. */
static void test_burst(void **state)
{
	struct env e;
	uint8_t f[100];
	struct vgw_stats st;
	int n, total = 0;

	setup(&e, false, false);
	for (int i = 0; i < 300; i++)
		xmit(&e, f,
		     arp_frame(f, 1, vm_mac, IP4(10, 0, 1, i & 0xff), GW_IP));
	while ((n = pump(&e)) > 0) {
		assert_true(n <= PKT_BURST);
		total += n;
		vnic_dummy_clear(e.vm);
	}
	assert_int_equal(total, 300);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.arp_replies, 300);
	assert_int_equal(st.drops[VGW_DROP_OUT_FULL], 0);
	teardown(&e);
}

/* The rx fd is readable exactly while the gateway has something to send. */
static void test_event_fd(void **state)
{
	struct env e;
	uint8_t f[100];
	struct pollfd pfd = {.events = POLLIN};

	setup(&e, false, false);
	pfd.fd = vnic_rx_fd(e.gw, 0);
	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	xmit(&e, f, arp_frame(f, 1, vm_mac, IP4(10, 0, 0, 7), GW_IP));
	assert_int_equal(poll(&pfd, 1, 100), 1);
	assert_int_equal(pump(&e), 1);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	teardown(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arp_icmp),
	    cmocka_unit_test(test_dhcp_commit),
	    cmocka_unit_test(test_dhcp_probe),
	    cmocka_unit_test(test_dhcp_probe_own),
	    cmocka_unit_test(test_dns),
	    cmocka_unit_test(test_tcp_query),
	    cmocka_unit_test(test_tcp_relay_window),
	    cmocka_unit_test(test_tcp_bad_segments),
	    cmocka_unit_test(test_dns_servfail),
	    cmocka_unit_test(test_udp_csum),
	    cmocka_unit_test(test_udp_csum_edges),
	    cmocka_unit_test(test_relay_port_gone),
	    cmocka_unit_test(test_tcp_long_query),
	    cmocka_unit_test(test_tcp_caps),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_burst),
	    cmocka_unit_test(test_event_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
