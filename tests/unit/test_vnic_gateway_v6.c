// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnic_gateway_v6.c - the gateway's IPv6 side through its port ops:
 * router advertisements (at start, periodic, solicited and rate limited),
 * neighbour discovery for both addresses and DAD defence, ICMPv6 echo, DNS
 * over UDP/IPv6 (answers, relay, checksums), and hostile frames counted as
 * drops by reason and never answered */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "dhcp/dhcp.h"
#include "lib/util.h"
#include "vnic/vnic_gateway.h"

static const uint8_t gw_mac[6] = {0x02, 0, 0, 0, 0, 1};
static const uint8_t vm_mac[6] = {0x52, 0x54, 0, 0, 0, 7};
/* fd00:1:2:3::/64, gateway6 ::1; the link-local from 02:00:00:00:00:01 */
static const uint8_t prefix[16] = {0xfd, 0, 0, 1, 0, 2, 0, 3};
static const uint8_t gw6[16] = {0xfd, 0, 0, 1, 0, 2, 0, 3, [15] = 1};
static const uint8_t gw_ll[16] = {0xfe,
				  0x80, [11] = 0xff, [12] = 0xfe, [15] = 1};
static const uint8_t vm6[16] = {0xfd, 0, 0, 1, 0, 2, 0, 3, [15] = 0x77};
static const uint8_t vm_ll[16] = {0xfe, 0x80, [15] = 0x77};
static const uint8_t all_nodes[16] = {0xff, 2, [15] = 1};
static const uint8_t all_routers[16] = {0xff, 2, [15] = 2};
static const uint8_t snm_gw[16] = {0xff, 2, [11] = 1, [12] = 0xff, [15] = 1};
static const uint8_t unspec[16];

struct env {
	struct vnic *gw;
	struct pkt_pool *pool;
	struct dns_names *names;
	unsigned relays;
	struct vgw_dns_query q;
	uint8_t out[4][2048];
	size_t out_len[4];
	unsigned n_out;
};

static uint64_t clock_ns;

static uint64_t test_now_ns(void)
{
	return clock_ns;
}

static int on_relay(void *arg, const struct vgw_dns_query *q)
{
	struct env *e = arg;

	e->q = *q;
	e->relays++;
	return 0;
}

static struct vgw_dhcp6_rx dhcp6_rx;
static unsigned dhcp6_calls;

/* A stand-in DHCPv6 server: answers "ok" to whatever it gets. */
static size_t on_dhcp6(void *arg, const struct vgw_dhcp6_rx *rx, uint8_t *out,
		       size_t size)
{
	dhcp6_rx = *rx;
	dhcp6_calls++;
	assert_true(size >= 2);
	memcpy(out, "ok", 2);
	return 2;
}

static void setup_v6(struct env *e, bool v6)
{
	struct vnic_params gp = {
	    .kind = "gateway", .name = "gw", .mtu = 1500, .has_mac = true};
	struct vgw_config gc = {0};
	char err[160];

	memset(e, 0, sizeof(*e));
	e->pool = pkt_pool_create(64);
	assert_non_null(e->pool);
	assert_int_equal(dns_names_create("lab.vnet", 0, 0, 32, 0, &e->names),
			 0);
	assert_int_equal(dns_names_add(e->names, "vm1", 0x0a000005, true), 0);
	memcpy(gp.mac, gw_mac, 6);
	assert_int_equal(vnic_gateway_open(&gp, &e->gw, err, sizeof(err)), 0);
	gc.dns = e->names;
	gc.relay = on_relay;
	gc.arg = e;
	gc.now_ns = test_now_ns;
	gc.v6.on = v6;
	gc.v6.dns = true;
	memcpy(gc.v6.prefix, prefix, 16);
	memcpy(gc.v6.ip, gw6, 16);
	strcpy(gc.v6.domain, "lab.vnet");
	if (dhcp6_calls == UINT32_MAX) { /* the DHCPv6 test */
		gc.v6.dhcp6 = on_dhcp6;
		gc.v6.managed = gc.v6.other = true;
		dhcp6_calls = 0;
	}
	clock_ns = 1000000000000ull;
	assert_int_equal(vnic_gateway_configure(e->gw, &gc), 0);
}

static void teardown_v6(struct env *e)
{
	vnic_close(e->gw);
	dns_names_destroy(e->names);
	pkt_pool_destroy(e->pool);
}

/* What the gateway has to say now: its frames copied to e->out. */
static unsigned drain(struct env *e)
{
	struct pkt *p[32];
	int n = vnic_rx_burst(e->gw, 0, e->pool, p, 32);

	assert_true(n >= 0);
	e->n_out = 0;
	for (int i = 0; i < n; i++) {
		if (e->n_out < 4 && p[i]->len <= sizeof(e->out[0])) {
			memcpy(e->out[e->n_out], p[i]->data, p[i]->len);
			e->out_len[e->n_out++] = p[i]->len;
		}
		pkt_free(p[i]);
	}
	return (unsigned)n;
}

static void send_frame(struct env *e, const uint8_t *f, size_t len,
		       const struct pkt_offload *ol)
{
	struct pkt *p = pkt_pool_alloc(e->pool);
	struct pkt_out o = {.pkt = p};
	uint64_t bytes = 0;

	assert_non_null(p);
	memcpy(p->data, f, len);
	p->len = (uint32_t)len;
	if (ol)
		p->ol = *ol;
	assert_int_equal(vnic_tx_burst(e->gw, 0, &o, 1, &bytes), 1);
	pkt_free(p);
}

static uint64_t drops(struct env *e, enum vgw_drop d)
{
	struct vgw_stats st;

	vnic_gateway_stats(e->gw, &st);
	return st.drops[d];
}

static struct vgw_stats stats(struct env *e)
{
	struct vgw_stats st;

	vnic_gateway_stats(e->gw, &st);
	return st;
}

static uint16_t sum6(const uint8_t *src, const uint8_t *dst, uint8_t nh,
		     const uint8_t *m, size_t len)
{
	uint32_t s = csum_partial(src, 16, (uint32_t)len + nh);

	return csum_fold(csum_partial(m, len, csum_partial(dst, 16, s)));
}

/* Ethernet + IPv6 + @plen bytes of @l4 (protocol @nh) with its checksum
 * filled in (ICMPv6 at 2, UDP at 6), unless @keep_csum. */
static size_t frame6(uint8_t *f, const uint8_t *dst_mac, const uint8_t *src,
		     const uint8_t *dst, uint8_t nh, uint8_t hlim,
		     const uint8_t *l4, size_t plen, bool keep_csum)
{
	memcpy(f, dst_mac, 6);
	memcpy(f + 6, vm_mac, 6);
	pkt_put_be16(f + 12, ETHERTYPE_IPV6);
	memset(f + 14, 0, 40);
	f[14] = 0x60;
	pkt_put_be16(f + 18, (uint16_t)plen);
	f[20] = nh;
	f[21] = hlim;
	memcpy(f + 22, src, 16);
	memcpy(f + 38, dst, 16);
	memcpy(f + 54, l4, plen);
	if (!keep_csum && (nh == 58 || nh == 17 || nh == 6)) {
		size_t at = nh == 58 ? 2 : nh == 6 ? 16 : 6;
		uint16_t s;

		pkt_put_be16(f + 54 + at, 0);
		s = sum6(src, dst, nh, f + 54, plen);
		pkt_put_be16(f + 54 + at, nh == 17 && !s ? 0xffff : s);
	}
	return 54 + plen;
}

/* A neighbour solicitation for @target, with a source link-layer option
 * when @slla. */
static size_t ns_msg(uint8_t *m, const uint8_t *target, bool slla)
{
	memset(m, 0, 32);
	m[0] = 135;
	memcpy(m + 8, target, 16);
	if (!slla)
		return 24;
	m[24] = 1;
	m[25] = 1;
	memcpy(m + 26, vm_mac, 6);
	return 32;
}

/* The reply in e->out[i]: its checksum verifies. */
static const uint8_t *reply6(struct env *e, unsigned i, size_t *plen)
{
	const uint8_t *f = e->out[i];

	assert_int_equal(pkt_get_be16(f + 12), ETHERTYPE_IPV6);
	assert_memory_equal(f + 6, gw_mac, 6);
	*plen = pkt_get_be16(f + 18);
	assert_int_equal(e->out_len[i], 54 + *plen);
	assert_int_equal(sum6(f + 22, f + 38, f[20], f + 54, *plen), 0);
	return f;
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)pkt_get_be16(b) << 16 | pkt_get_be16(b + 2);
}

/* Find option @type in an RA's options; NULL if absent. */
static const uint8_t *ra_opt(const uint8_t *m, size_t len, uint8_t type)
{
	for (size_t o = 16; o + 2 <= len && m[o + 1]; o += m[o + 1] * 8u)
		if (m[o] == type)
			return m + o;
	return NULL;
}

/* The first RA leaves at start; its contents are what RFC 4861 and RFC
 * 8106 say; the next ones come no later than 16 s apart at first. */
static void test_ra_at_start(void **state)
{
	struct env e;
	const uint8_t *f, *m, *o;
	size_t plen;

	(void)state;
	setup_v6(&e, true);
	assert_int_equal(drain(&e), 1);
	f = reply6(&e, 0, &plen);
	m = f + 54;
	assert_memory_equal(f, "\x33\x33\x00\x00\x00\x01", 6);
	assert_int_equal(f[20], 58);
	assert_int_equal(f[21], 255);
	assert_memory_equal(f + 22, gw_ll, 16);
	assert_memory_equal(f + 38, all_nodes, 16);
	assert_int_equal(m[0], 134);
	assert_int_equal(m[4], 64);		  /* cur hop limit */
	assert_int_equal(m[5], 0);		  /* M=0 O=0 */
	assert_int_equal(pkt_get_be16(m + 6), 0); /* not a default router */
	o = ra_opt(m, plen, 1);
	assert_non_null(o);
	assert_memory_equal(o + 2, gw_mac, 6);
	o = ra_opt(m, plen, 5);
	assert_non_null(o);
	assert_int_equal(be32(o + 4), 1500);
	o = ra_opt(m, plen, 3);
	assert_non_null(o);
	assert_int_equal(o[1], 4);
	assert_int_equal(o[2], 64);
	assert_int_equal(o[3], 0xc0);
	assert_int_equal(be32(o + 4), 86400);
	assert_int_equal(be32(o + 8), 14400);
	assert_memory_equal(o + 16, prefix, 16);
	o = ra_opt(m, plen, 25);
	assert_non_null(o);
	assert_int_equal(o[1], 3);
	assert_int_equal(be32(o + 4), 600);
	assert_memory_equal(o + 8, gw6, 16);
	o = ra_opt(m, plen, 31);
	assert_non_null(o);
	assert_int_equal(o[1], 3);
	assert_memory_equal(o + 8, "\3lab\4vnet\0", 10);
	/* nothing more until the next is due, at most 16 s on */
	assert_int_equal(drain(&e), 0);
	clock_ns += 16000000000ull;
	assert_int_equal(drain(&e), 1);
	assert_int_equal(stats(&e).ra_out, 2);
	teardown_v6(&e);
}

/* A solicitation from an address is answered by an RA to it alone within
 * 0.5 s (RFC 7772); more of them while one waits get the multicast RA, no
 * sooner than 3 s after the last: a flood of them costs two RAs; one from
 * :: gets the multicast one. */
static void test_rs(void **state)
{
	uint8_t f[256], m[16] = {133, 0, 0, 0, 0, 0, 0, 0, 1, 1};
	struct env e;
	size_t len, plen;
	const uint8_t *r;

	(void)state;
	setup_v6(&e, true);
	assert_int_equal(drain(&e), 1); /* the RA at start */
	memcpy(m + 10, vm_mac, 6);
	len = frame6(f, (const uint8_t *)"\x33\x33\0\0\0\2", vm_ll, all_routers,
		     58, 255, m, 16, false);
	for (int i = 0; i < 10; i++)
		send_frame(&e, f, len, NULL);
	assert_int_equal(stats(&e).rs_in, 10);
	clock_ns += 500000000ull;
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_memory_equal(r, vm_mac, 6);
	assert_memory_equal(r + 22, gw_ll, 16);
	assert_memory_equal(r + 38, vm_ll, 16);
	assert_int_equal(r[54], 134);
	clock_ns += 2400000000ull; /* 2.9 s after the RA at start */
	assert_int_equal(drain(&e), 0);
	clock_ns += 200000000ull;
	assert_int_equal(drain(&e), 1);
	assert_memory_equal(e.out[0], "\x33\x33\0\0\0\1", 6);
	assert_int_equal(e.out[0][54], 134);
	clock_ns += 1000000000ull;
	assert_int_equal(drain(&e), 0);
	assert_int_equal(stats(&e).ra_out, 3);
	/* from :: (no address yet): multicast, 3 s after the last */
	len = frame6(f, (const uint8_t *)"\x33\x33\0\0\0\2", unspec,
		     all_routers, 58, 255, m, 8, false);
	send_frame(&e, f, len, NULL);
	clock_ns += 1900000000ull;
	assert_int_equal(drain(&e), 0);
	clock_ns += 200000000ull;
	assert_int_equal(drain(&e), 1);
	assert_memory_equal(e.out[0], "\x33\x33\0\0\0\1", 6);
	teardown_v6(&e);
}

/* Solicitations for either address get an NA to the asker's link-layer
 * address with S and O set and the gateway's MAC; a DAD probe for one of
 * them gets an NA to all-nodes without S; others' targets no answer. */
static void test_ns(void **state)
{
	static const uint8_t other[16] = {0xfd, 0, 0, 1, 0, 2, 0, 3, [15] = 9};
	uint8_t f[256], m[32];
	struct env e;
	size_t len, plen;
	const uint8_t *r;

	(void)state;
	setup_v6(&e, true);
	drain(&e);
	len = frame6(f, (const uint8_t *)"\x33\x33\xff\0\0\1", vm6, snm_gw, 58,
		     255, m, ns_msg(m, gw6, true), false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_memory_equal(r, vm_mac, 6);
	assert_int_equal(r[21], 255);
	assert_memory_equal(r + 22, gw6, 16);
	assert_memory_equal(r + 38, vm6, 16);
	assert_int_equal(plen, 32);
	assert_int_equal(r[54], 136);
	assert_int_equal(r[58], 0x60); /* S, O; not R */
	assert_memory_equal(r + 62, gw6, 16);
	assert_int_equal(r[78], 2);
	assert_memory_equal(r + 80, gw_mac, 6);

	/* the link-local address, unicast, without a source option */
	len = frame6(f, gw_mac, vm_ll, gw_ll, 58, 255, m,
		     ns_msg(m, gw_ll, false), false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_memory_equal(r, vm_mac, 6);
	assert_memory_equal(r + 22, gw_ll, 16);
	assert_memory_equal(r + 62, gw_ll, 16);

	/* a source link-layer option naming broadcast: the answer still
	 * goes to the frame's source, not flooded */
	len = ns_msg(m, gw6, true);
	memset(m + 26, 0xff, 6);
	len = frame6(f, (const uint8_t *)"\x33\x33\xff\0\0\1", vm6, snm_gw, 58,
		     255, m, len, false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_memory_equal(r, vm_mac, 6);

	/* DAD for gateway6: defended */
	len = frame6(f, (const uint8_t *)"\x33\x33\xff\0\0\1", unspec, snm_gw,
		     58, 255, m, ns_msg(m, gw6, false), false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_memory_equal(r, "\x33\x33\0\0\0\1", 6);
	assert_memory_equal(r + 38, all_nodes, 16);
	assert_int_equal(r[58], 0x20); /* O only */
	assert_int_equal(stats(&e).dad_defended, 1);

	/* another host's address: not the gateway's to answer */
	len = frame6(
	    f, (const uint8_t *)"\x33\x33\xff\0\0\x09", unspec,
	    (const uint8_t[16]){0xff, 2, [11] = 1, [12] = 0xff, [15] = 9}, 58,
	    255, m, ns_msg(m, other, false), false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 0);
	assert_int_equal(drops(&e, VGW_DROP_NOT_FOR_US), 1);
	assert_int_equal(stats(&e).ns_in, 4);
	assert_int_equal(stats(&e).na_out, 4);
	teardown_v6(&e);
}

/* Echo requests to either address are answered with hop limit 64 from the
 * address asked; to a group, or from ::, they are not. */
static void test_echo6(void **state)
{
	uint8_t f[2048], m[1200];
	struct env e;
	size_t len, plen;
	const uint8_t *r;

	(void)state;
	setup_v6(&e, true);
	drain(&e);
	memset(m, 0xa5, sizeof(m));
	m[0] = 128;
	m[1] = 0;
	len = frame6(f, gw_mac, vm6, gw6, 58, 64, m, sizeof(m), false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_int_equal(plen, sizeof(m));
	assert_int_equal(r[21], 64);
	assert_int_equal(r[54], 129);
	assert_memory_equal(r + 22, gw6, 16);
	assert_memory_equal(r + 38, vm6, 16);
	assert_memory_equal(r + 58, m + 4, sizeof(m) - 4);
	len = frame6(f, gw_mac, vm_ll, gw_ll, 58, 64, m, 16, false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_memory_equal(r + 22, gw_ll, 16);
	len = frame6(f, (const uint8_t *)"\x33\x33\0\0\0\1", vm_ll, all_nodes,
		     58, 64, m, 16, false);
	send_frame(&e, f, len, NULL);
	len = frame6(f, gw_mac, unspec, gw6, 58, 64, m, 16, false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 0);
	assert_int_equal(stats(&e).echo6_replies, 2);
	assert_int_equal(drops(&e, VGW_DROP_NOT_FOR_US), 1);
	assert_int_equal(drops(&e, VGW_DROP_BAD_IP6), 1);
	teardown_v6(&e);
}

static size_t dns_query(uint8_t *u, const char *wire, size_t wlen)
{
	static const uint8_t hdr[12] = {0x12, 0x34, 1, 0, 0, 1};

	pkt_put_be16(u, 40000);
	pkt_put_be16(u + 2, 53);
	pkt_put_be16(u + 4, (uint16_t)(8 + 12 + wlen + 4));
	pkt_put_be16(u + 6, 0);
	memcpy(u + 8, hdr, 12);
	memcpy(u + 20, wire, wlen);
	pkt_put_be16(u + 20 + wlen, 1); /* A */
	pkt_put_be16(u + 22 + wlen, 1); /* IN */
	return 8 + 12 + wlen + 4;
}

/* DNS over UDP/IPv6: answered by the same responder; a zero or wrong
 * checksum dropped; a partial one (offload) finished and answered; an
 * outside name relayed with the guest's IPv6 address, and the relayed
 * answer goes back over IPv6. */
static void test_dns6(void **state)
{
	static const char vm1[] = "\3vm1\3lab\4vnet";
	uint8_t f[512], u[128];
	struct env e;
	size_t len, ul, plen;
	const uint8_t *r;
	struct pkt_offload ol = {
	    .flags = PKT_OL_NEEDS_CSUM, .csum_start = 54, .csum_offset = 6};
	struct dns_relay_client c = {.v6 = true, .port = 40000};

	(void)state;
	setup_v6(&e, true);
	drain(&e);
	ul = dns_query(u, vm1, sizeof(vm1));
	len = frame6(f, gw_mac, vm6, gw6, 17, 64, u, ul, false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_int_equal(r[20], 17);
	assert_memory_equal(r + 22, gw6, 16);
	assert_int_equal(pkt_get_be16(r + 54), 53);
	assert_int_equal(pkt_get_be16(r + 56), 40000);
	assert_int_not_equal(pkt_get_be16(r + 60), 0);
	assert_memory_equal(r + 54 + plen - 4, "\x0a\0\0\x05", 4);

	/* checksum 0, and a wrong one: dropped */
	len = frame6(f, gw_mac, vm6, gw6, 17, 64, u, ul, true);
	send_frame(&e, f, len, NULL);
	len = frame6(f, gw_mac, vm6, gw6, 17, 64, u, ul, false);
	f[60] ^= 1;
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 0);
	assert_int_equal(drops(&e, VGW_DROP_BAD_UDP_CSUM), 2);

	/* partial: the pseudo-header sum in the field, finished here */
	len = frame6(f, gw_mac, vm6, gw6, 17, 64, u, ul, true);
	pkt_put_be16(f + 60, (uint16_t)~csum_fold(csum_partial(
				 gw6, 16, csum_partial(vm6, 16, ul + 17))));
	send_frame(&e, f, len, &ol);
	assert_int_equal(drain(&e), 1);

	/* outside: relayed, and its answer comes back over IPv6 */
	ul = dns_query(u, "\7example\3com", 13);
	len = frame6(f, gw_mac, vm_ll, gw_ll, 17, 64, u, ul, false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(e.relays, 1);
	assert_true(e.q.v6);
	assert_memory_equal(e.q.ip6, vm_ll, 16);
	assert_memory_equal(e.q.our6, gw_ll, 16);
	assert_memory_equal(e.q.mac, vm_mac, 6);
	memcpy(c.mac, e.q.mac, 6);
	memcpy(c.ip6, e.q.ip6, 16);
	memcpy(c.our6, e.q.our6, 16);
	c.in_port = e.q.in_port;
	c.gen = e.q.gen;
	assert_int_equal(
	    vnic_gateway_relay_answer(e.gw, &c, u + 8, ul - 8, false), 0);
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_memory_equal(r + 22, gw_ll, 16);
	assert_memory_equal(r + 38, vm_ll, 16);
	assert_int_equal(pkt_get_be16(r + 56), 40000);
	assert_int_equal(stats(&e).dns6_in, 3);
	teardown_v6(&e);
}

static size_t tcp_seg(uint8_t *t, uint32_t seq, uint32_t ack, uint8_t flags,
		      const void *data, size_t len)
{
	memset(t, 0, 20);
	pkt_put_be16(t, 40001);
	pkt_put_be16(t + 2, 53);
	pkt_put_be16(t + 4, (uint16_t)(seq >> 16));
	pkt_put_be16(t + 6, (uint16_t)seq);
	pkt_put_be16(t + 8, (uint16_t)(ack >> 16));
	pkt_put_be16(t + 10, (uint16_t)ack);
	t[12] = 5 << 4;
	t[13] = flags;
	pkt_put_be16(t + 14, 65535);
	if (len)
		memcpy(t + 20, data, len);
	return 20 + len;
}

/* DNS over TCP over IPv6: the handshake and an answer come back over
 * IPv6 from the address the guest spoke to, checksums right. */
static void test_tcp6(void **state)
{
	static const char vm1[] = "\3vm1\3lab\4vnet";
	uint8_t f[512], t[256], u[128], q[130];
	struct env e;
	size_t len, ul, plen;
	const uint8_t *r;
	uint32_t iss;

	(void)state;
	setup_v6(&e, true);
	drain(&e);
	len = frame6(f, gw_mac, vm6, gw6, 6, 64, t,
		     tcp_seg(t, 1000, 0, 0x02, NULL, 0), false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_int_equal(r[20], 6);
	assert_memory_equal(r + 22, gw6, 16);
	assert_memory_equal(r + 38, vm6, 16);
	assert_int_equal(r[54 + 13], 0x12); /* SYN-ACK */
	iss = be32(r + 58);
	assert_int_equal(be32(r + 62), 1001);
	ul = dns_query(u, vm1, sizeof(vm1)) - 8;
	pkt_put_be16(q, (uint16_t)ul);
	memcpy(q + 2, u + 8, ul);
	len = frame6(f, gw_mac, vm6, gw6, 6, 64, t,
		     tcp_seg(t, 1001, iss + 1, 0x18, q, ul + 2), false);
	send_frame(&e, f, len, NULL);
	assert_true(drain(&e) >= 1);
	r = reply6(&e, e.n_out - 1, &plen);
	assert_int_equal(r[20], 6);
	assert_int_equal(be32(r + 58), iss + 1);
	assert_memory_equal(r + 54 + plen - 4, "\x0a\0\0\x05", 4);
	assert_int_equal(stats(&e).tcp_queries, 1);
	assert_int_equal(stats(&e).dns6_in, 1);
	/* a bad checksum: dropped */
	len = frame6(f, gw_mac, vm6, gw6, 6, 64, t,
		     tcp_seg(t, 5000, 0, 0x02, NULL, 0), false);
	f[54 + 16] ^= 1;
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 0);
	assert_int_equal(drops(&e, VGW_DROP_BAD_TCP), 1);
	teardown_v6(&e);
}

/* The DHCPv6 dispatch point: without a server UDP 547 is not the
 * gateway's; with one, a SOLICIT to ff02::1:2 reaches it and its reply
 * leaves from the link-local address to port 546, and the RAs say M and
 * O. */
static void test_dhcp6_hook(void **state)
{
	static const uint8_t all_dhcp[16] = {0xff, 2, [13] = 1, [15] = 2};
	uint8_t f[256], u[16] = {0x02, 0x22, 0x02, 0x23, 0, 12, 0, 0, 1};
	struct env e;
	size_t len, plen;
	const uint8_t *r;

	(void)state;
	setup_v6(&e, true);
	drain(&e);
	len = frame6(f, (const uint8_t *)"\x33\x33\0\1\0\2", vm_ll, all_dhcp,
		     17, 1, u, 12, false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 0);
	assert_int_equal(drops(&e, VGW_DROP_NOT_FOR_US), 1);
	teardown_v6(&e);

	dhcp6_calls = UINT32_MAX;
	setup_v6(&e, true);
	assert_int_equal(drain(&e), 1);
	assert_int_equal(e.out[0][54 + 5], 0xc0); /* M, O */
	send_frame(&e, f, len, NULL);
	assert_int_equal(dhcp6_calls, 1);
	assert_int_equal(dhcp6_rx.len, 4);
	assert_memory_equal(dhcp6_rx.src, vm_ll, 16);
	assert_memory_equal(dhcp6_rx.dst, all_dhcp, 16);
	assert_memory_equal(dhcp6_rx.src_mac, vm_mac, 6);
	assert_int_equal(drain(&e), 1);
	r = reply6(&e, 0, &plen);
	assert_memory_equal(r, vm_mac, 6);
	assert_memory_equal(r + 22, gw_ll, 16);
	assert_memory_equal(r + 38, vm_ll, 16);
	assert_int_equal(pkt_get_be16(r + 54), 547);
	assert_int_equal(pkt_get_be16(r + 56), 546);
	assert_memory_equal(r + 62, "ok", 2);
	dhcp6_calls = 0;
	teardown_v6(&e);
}

/* Hostile frames: each counted under its reason, none answered. */
static void test_hostile(void **state)
{
	struct {
		const char *what;
		enum vgw_drop why;
	} cases[] = {
	    {"NS hop limit 64", VGW_DROP_BAD_NDP},
	    {"NS code 1", VGW_DROP_BAD_NDP},
	    {"NS option length 0", VGW_DROP_BAD_NDP},
	    {"NS option past the end", VGW_DROP_BAD_NDP},
	    {"NS truncated", VGW_DROP_BAD_NDP},
	    {"NS multicast target", VGW_DROP_BAD_NDP},
	    {"DAD with a source option", VGW_DROP_BAD_NDP},
	    {"DAD to a unicast address", VGW_DROP_BAD_NDP},
	    {"RS hop limit 254", VGW_DROP_BAD_NDP},
	    {"RS from :: with a source option", VGW_DROP_BAD_NDP},
	    {"NS bad checksum", VGW_DROP_BAD_ICMP6},
	    {"ICMPv6 of 3 bytes", VGW_DROP_BAD_ICMP6},
	    {"IPv6 header cut", VGW_DROP_BAD_IP6},
	    {"payload length past the frame", VGW_DROP_BAD_IP6},
	    {"version 4 in an IPv6 frame", VGW_DROP_BAD_IP6},
	    {"multicast source", VGW_DROP_BAD_IP6},
	    {"hop-by-hop header", VGW_DROP_IP6_EXT},
	    {"fragment header", VGW_DROP_IP6_EXT},
	    {"UDP length past the payload", VGW_DROP_BAD_UDP},
	};
	struct env e;

	(void)state;
	setup_v6(&e, true);
	drain(&e);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t f[256], m[64];
		size_t len = 0, ml = ns_msg(m, gw6, true);
		const uint8_t *dmac = gw_mac;
		uint64_t before = drops(&e, cases[i].why);

		switch (i) {
		case 0:
			len = frame6(f, dmac, vm6, gw6, 58, 64, m, ml, false);
			break;
		case 1:
			m[1] = 1;
			len = frame6(f, dmac, vm6, gw6, 58, 255, m, ml, false);
			break;
		case 2:
			m[25] = 0;
			len = frame6(f, dmac, vm6, gw6, 58, 255, m, ml, false);
			break;
		case 3:
			m[25] = 2;
			len = frame6(f, dmac, vm6, gw6, 58, 255, m, ml, false);
			break;
		case 4:
			len = frame6(f, dmac, vm6, gw6, 58, 255, m, 20, false);
			break;
		case 5:
			memcpy(m + 8, all_nodes, 16);
			len = frame6(f, dmac, vm6, gw6, 58, 255, m, ml, false);
			break;
		case 6:
			len = frame6(f, dmac, unspec, snm_gw, 58, 255, m, ml,
				     false);
			break;
		case 7:
			len =
			    frame6(f, dmac, unspec, gw6, 58, 255, m, 24, false);
			break;
		case 8:
		case 9:
			memset(m, 0, 16);
			m[0] = 133;
			m[8] = 1;
			m[9] = 1;
			len = frame6(f, dmac, i == 8 ? vm_ll : unspec,
				     all_routers, 58, i == 8 ? 254 : 255, m, 16,
				     false);
			break;
		case 10:
			len = frame6(f, dmac, vm6, gw6, 58, 255, m, ml, false);
			f[56] ^= 0x40;
			break;
		case 11:
			len = frame6(f, dmac, vm6, gw6, 58, 255, m, 3, true);
			break;
		case 12:
			len = frame6(f, dmac, vm6, gw6, 58, 255, m, ml, false);
			len = 14 + 39;
			break;
		case 13:
			len = frame6(f, dmac, vm6, gw6, 58, 255, m, ml, false);
			pkt_put_be16(f + 18, (uint16_t)(ml + 1));
			break;
		case 14:
			len = frame6(f, dmac, vm6, gw6, 58, 255, m, ml, false);
			f[14] = 0x45;
			break;
		case 15:
			len = frame6(f, dmac, all_nodes, gw6, 58, 255, m, ml,
				     false);
			break;
		case 16:
		case 17:
			/* next header 0 / 44 before the ICMPv6 message */
			memmove(m + 8, m, ml);
			memset(m, 0, 8);
			m[0] = 58;
			m[1] = 0;
			len = frame6(f, dmac, vm6, gw6, i == 16 ? 0 : 44, 255,
				     m, ml + 8, true);
			break;
		case 18:
			dns_query(m, "\0", 1);
			pkt_put_be16(m + 4, 200);
			len = frame6(f, dmac, vm6, gw6, 17, 64, m, 25, false);
			break;
		}
		send_frame(&e, f, len, NULL);
		if (drops(&e, cases[i].why) != before + 1)
			fail_msg("%s: not counted as %s", cases[i].what,
				 vgw_drop_name(cases[i].why));
		if (drain(&e))
			fail_msg("%s: answered", cases[i].what);
	}
	assert_int_equal(stats(&e).na_out, 0);
	assert_int_equal(stats(&e).rs_in, 0);
	teardown_v6(&e);
}

/* A gateway without an IPv6 prefix sends no RA and takes no IPv6. */
static void test_v6_off(void **state)
{
	uint8_t f[256], m[64];
	struct env e;
	size_t len;

	(void)state;
	setup_v6(&e, false);
	assert_int_equal(drain(&e), 0);
	len = frame6(f, gw_mac, vm6, gw6, 58, 255, m, ns_msg(m, gw6, true),
		     false);
	send_frame(&e, f, len, NULL);
	assert_int_equal(drain(&e), 0);
	assert_int_equal(drops(&e, VGW_DROP_NOT_FOR_US), 1);
	clock_ns += 300000000000ull;
	assert_int_equal(drain(&e), 0);
	teardown_v6(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ra_at_start), cmocka_unit_test(test_rs),
	    cmocka_unit_test(test_ns),		cmocka_unit_test(test_echo6),
	    cmocka_unit_test(test_dns6),	cmocka_unit_test(test_hostile),
	    cmocka_unit_test(test_v6_off),	cmocka_unit_test(test_tcp6),
	    cmocka_unit_test(test_dhcp6_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
