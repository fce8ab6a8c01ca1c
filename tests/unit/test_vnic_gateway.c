// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnic_gateway.c - the gateway port through the real switch pipeline
 * with a dummy guest port: ARP, ICMP echo, DHCP with commit and ARP probes,
 * DNS answers and relay, malformed frames, the event fd */
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

static void on_relay(void *arg, const struct vgw_dns_query *q)
{
	struct env *e = arg;

	memcpy(e->relayed, q->data, q->len);
	e->relayed_len = q->len;
	e->relay_port = q->port;
	e->relays++;
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

/* The guest sends a frame into the switch. */
static void xmit(struct env *e, const uint8_t *frame, size_t len)
{
	struct vsw_thread *t = &e->sw->threads[0];
	struct vsw_port *in = atomic_load(&e->sw->ports[e->vm_port]);
	struct pkt *p = pkt_pool_alloc(t->pool);

	memcpy(p->data, frame, len);
	p->len = (uint32_t)len;
	vsw_process_burst(t, in, &p, 1);
	pkt_free(p);
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

/* TCP to the DNS port is refused at once (a RST) so a resolver falling
 * back to TCP after a truncated answer does not wait for its timeout; other
 * ports stay silent. */
static void test_dns_tcp_reset(void **state)
{
	struct env e;
	uint8_t t[20], f[100];
	const uint8_t *r;
	struct vgw_stats st;
	size_t len;
	uint32_t sum;

	setup(&e, false, false);
	memset(t, 0, sizeof(t));
	pkt_put_be16(t, 41000);
	pkt_put_be16(t + 2, 53);
	dhcp_put_be32(t + 4, 0x11223344);
	t[12] = 5 << 4;
	t[13] = 0x02; /* SYN */
	xmit(&e, f, ip_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 6, t, 20));
	assert_int_equal(pump(&e), 1);
	r = last(&e, &len);
	assert_int_equal(len, 54);
	assert_memory_equal(r, vm_mac, 6);
	assert_int_equal(r[23], 6);
	assert_int_equal(dhcp_get_be32(r + 26), GW_IP);
	assert_int_equal(dhcp_get_be32(r + 30), IP4(10, 0, 0, 7));
	assert_int_equal(pkt_get_be16(r + 34), 53);
	assert_int_equal(pkt_get_be16(r + 36), 41000);
	assert_int_equal(dhcp_get_be32(r + 38), 0);
	assert_int_equal(dhcp_get_be32(r + 42), 0x11223345);
	assert_int_equal(r[47], 0x14); /* RST, ACK */
	assert_int_equal(csum_fold(csum_partial(r + 14, 20, 0)), 0);
	sum = csum_partial(r + 26, 8, 6u + 20u);
	assert_int_equal(csum_fold(csum_partial(r + 34, 20, sum)), 0);
	/* a segment with ACK: the RST takes its sequence from it */
	t[13] = 0x10;
	dhcp_put_be32(t + 8, 0xcafe0001);
	xmit(&e, f, ip_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 6, t, 20));
	assert_int_equal(pump(&e), 1);
	r = last(&e, &len);
	assert_int_equal(dhcp_get_be32(r + 38), 0xcafe0001);
	assert_int_equal(r[47], 0x04);
	/* a RST is never answered; other ports are not ours */
	t[13] = 0x04;
	xmit(&e, f, ip_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 6, t, 20));
	t[13] = 0x02;
	pkt_put_be16(t + 2, 80);
	xmit(&e, f, ip_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 6, t, 20));
	xmit(&e, f, ip_frame(f, gw_mac, IP4(10, 0, 0, 7), GW_IP, 6, t, 12));
	assert_int_equal(pump(&e), 0);
	vnic_gateway_stats(e.gw, &st);
	assert_int_equal(st.tcp_resets, 2);
	assert_int_equal(st.drops[VGW_DROP_NOT_FOR_US], 2);
	assert_int_equal(st.drops[VGW_DROP_BAD_TCP], 1);
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
	    cmocka_unit_test(test_dns_tcp_reset),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_burst),
	    cmocka_unit_test(test_event_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
