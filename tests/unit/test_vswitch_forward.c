// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_forward.c - flood and forward decisions, per network type,
 * through the real pipeline with dummy ports */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/util.h"
#include "vnic/vnic_dummy.h"
#include "vswitch/vswitch_priv.h"

struct env {
	struct vswitch *sw;
	int net;
	int port[4];
	struct vnic *v[4];
};

static struct vnic *dummy(const char *name)
{
	struct vnic_params p = {.kind = "dummy", .name = name, .mtu = 1500};
	struct vnic *v;
	char err[128];

	assert_int_equal(vnic_open(&p, &v, err, sizeof(err)), 0);
	return v;
}

static int add_port(struct env *e, int i, enum vsw_port_role role,
		    const struct vsw_vlan *vlan)
{
	char name[8];

	snprintf(name, sizeof(name), "p%d", i);
	e->v[i] = dummy(name);
	e->port[i] = vswitch_port_add(e->sw, e->net, name, role, vlan, e->v[i]);
	if (e->port[i] < 0)
		vnic_close(e->v[i]);
	return e->port[i];
}

static void setup_net(struct env *e, enum vsw_net_type type)
{
	struct vsw_config cfg = {.threads = 1, .pool_size = 64};
	struct vsw_net_params np = {"n", type, 1500, 64, 300};

	memset(e, 0, sizeof(*e));
	e->sw = vswitch_create(&cfg);
	assert_non_null(e->sw);
	e->net = vswitch_net_add(e->sw, &np);
	assert_true(e->net >= 0);
}

/* Send one frame into the switch on port @i. */
static void xmit(struct env *e, int i, const uint8_t *frame, size_t len)
{
	struct vsw_thread *t = &e->sw->threads[0];
	struct vsw_port *in = atomic_load(&e->sw->ports[e->port[i]]);
	struct pkt *p = pkt_pool_alloc(t->pool);

	memcpy(p->data, frame, len);
	p->len = (uint32_t)len;
	vsw_process_burst(t, in, &p, 1);
	pkt_free(p);
}

static size_t frame(uint8_t *buf, uint8_t dst, uint8_t src, uint16_t vid)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	size_t o = 12;

	memset(buf, 0, 64);
	if (dst == 0xff)
		memcpy(buf, bcast, 6);
	else
		memcpy(buf, (uint8_t[]){0x52, 0x54, 0, 0, 0, dst}, 6);
	memcpy(buf + 6, (uint8_t[]){0x52, 0x54, 0, 0, 0, src}, 6);
	if (vid) {
		pkt_put_be16(buf + 12, ETHERTYPE_VLAN);
		pkt_put_be16(buf + 14, vid);
		o = 16;
	}
	pkt_put_be16(buf + o, ETHERTYPE_IPV4);
	return 60;
}

static void clear(struct env *e)
{
	for (int i = 0; i < 4; i++)
		if (e->v[i])
			vnic_dummy_clear(e->v[i]);
}

static void test_roles_per_type(void **state)
{
	struct env e;

	assert_true(vsw_role_allowed(VSW_NET_PRIVATE, VSW_ROLE_VM));
	assert_false(vsw_role_allowed(VSW_NET_PRIVATE, VSW_ROLE_HOST));
	assert_false(vsw_role_allowed(VSW_NET_PRIVATE, VSW_ROLE_UPLINK));
	assert_true(vsw_role_allowed(VSW_NET_INTERNAL, VSW_ROLE_HOST));
	assert_false(vsw_role_allowed(VSW_NET_INTERNAL, VSW_ROLE_UPLINK));
	assert_true(vsw_role_allowed(VSW_NET_EXTERNAL, VSW_ROLE_UPLINK));
	assert_true(vsw_role_allowed(VSW_NET_EXTERNAL, VSW_ROLE_HOST));

	setup_net(&e, VSW_NET_PRIVATE);
	assert_int_equal(add_port(&e, 0, VSW_ROLE_HOST, NULL), -EPERM);
	assert_int_equal(add_port(&e, 0, VSW_ROLE_UPLINK, NULL), -EPERM);
	assert_true(add_port(&e, 0, VSW_ROLE_VM, NULL) >= 0);
	vswitch_destroy(e.sw);

	setup_net(&e, VSW_NET_INTERNAL);
	assert_int_equal(add_port(&e, 0, VSW_ROLE_UPLINK, NULL), -EPERM);
	assert_true(add_port(&e, 0, VSW_ROLE_HOST, NULL) >= 0);
	vswitch_destroy(e.sw);
}

static void test_flood_learn_unicast(void **state)
{
	uint8_t buf[64];
	struct vsw_port_stats st;
	struct vsw_net_stats ns;
	struct env e;

	setup_net(&e, VSW_NET_INTERNAL);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	add_port(&e, 2, VSW_ROLE_HOST, NULL);

	/* Broadcast floods to every port but the one it came in on. */
	xmit(&e, 0, buf, frame(buf, 0xff, 1, 0));
	assert_int_equal(vnic_dummy_sent(e.v[0]), 0);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 1);
	clear(&e);
	/* Unknown unicast floods too. */
	xmit(&e, 1, buf, frame(buf, 9, 2, 0));
	assert_int_equal(vnic_dummy_sent(e.v[0]), 1);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 0);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 1);
	clear(&e);
	/* Both MACs are learned now: unicast goes to one port only. */
	xmit(&e, 0, buf, frame(buf, 2, 1, 0));
	assert_int_equal(vnic_dummy_sent(e.v[0]), 0);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 0);
	clear(&e);
	/* A frame for a MAC behind its own ingress port is dropped. */
	xmit(&e, 0, buf, frame(buf, 1, 7, 0));
	assert_int_equal(vnic_dummy_sent(e.v[1]) + vnic_dummy_sent(e.v[2]), 0);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_SAME_PORT], 1);
	assert_int_equal(st.rx_packets, 3);
	vswitch_net_stats(e.sw, e.net, &ns);
	assert_int_equal(ns.unicast, 1);
	assert_int_equal(ns.flooded, 2);
	assert_int_equal(ns.learned, 3);
	/* A MAC that moves is followed. */
	xmit(&e, 2, buf, frame(buf, 0xff, 1, 0));
	vswitch_net_stats(e.sw, e.net, &ns);
	assert_int_equal(ns.moved, 1);
	clear(&e);
	xmit(&e, 1, buf, frame(buf, 1, 2, 0));
	assert_int_equal(vnic_dummy_sent(e.v[2]), 1);
	assert_int_equal(vnic_dummy_sent(e.v[0]), 0);
	vswitch_destroy(e.sw);
}

/* One burst of @n broadcast frames into port @i, sources @first, @first + 1,
 * ... cycling over @nsrc of them. */
static void xmit_sources(struct env *e, int i, unsigned n, uint8_t first,
			 unsigned nsrc)
{
	struct vsw_thread *t = &e->sw->threads[0];
	struct vsw_port *in = atomic_load(&e->sw->ports[e->port[i]]);
	struct pkt *p[PKT_BURST];

	assert_true(n <= PKT_BURST);
	assert_int_equal(pkt_pool_alloc_bulk(t->pool, p, n), n);
	for (unsigned k = 0; k < n; k++)
		p[k]->len = (uint32_t)frame(p[k]->data, 0xff,
					    (uint8_t)(first + k % nsrc), 0);
	vsw_process_burst(t, in, p, n);
	for (unsigned k = 0; k < n; k++)
		pkt_free(p[k]);
}

/* A burst mixing many sources: each is learned once, a refused one is
 * refused in every frame, and a later burst from another port moves them
 * all. */
static void test_many_sources_per_burst(void **state)
{
	struct vsw_port_stats st;
	struct vsw_net_stats ns;
	uint8_t buf[64];
	struct env e;

	setup_net(&e, VSW_NET_INTERNAL);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	add_port(&e, 2, VSW_ROLE_VM, NULL);
	/* 12 sources, 10 allowed: sources 11 and 12 come twice each. */
	assert_int_equal(vswitch_port_set_mac_limit(e.sw, e.port[0], 10), 0);
	xmit_sources(&e, 0, 32, 1, 12);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_MAC_LIMIT], 4);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 28);
	vswitch_net_stats(e.sw, e.net, &ns);
	assert_int_equal(ns.learned, 10);
	/* 20 sources in one burst: more than the burst's memo has slots. */
	assert_int_equal(vswitch_port_set_mac_limit(e.sw, e.port[0], 0), 0);
	xmit_sources(&e, 0, 32, 21, 20);
	vswitch_net_stats(e.sw, e.net, &ns);
	assert_int_equal(ns.learned, 30);
	assert_int_equal(vswitch_port_mac_count(e.sw, e.port[0]), 30);
	clear(&e);
	for (uint8_t m = 21; m <= 40; m++)
		xmit(&e, 1, buf, frame(buf, m, 50, 0));
	assert_int_equal(vnic_dummy_sent(e.v[0]), 20);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 0);
	/* The same sources from port 2: every one moves, once. */
	xmit_sources(&e, 2, 32, 21, 20);
	vswitch_net_stats(e.sw, e.net, &ns);
	assert_int_equal(ns.moved, 20);
	assert_int_equal(vswitch_port_mac_count(e.sw, e.port[0]), 10);
	clear(&e);
	for (uint8_t m = 21; m <= 40; m++)
		xmit(&e, 1, buf, frame(buf, m, 50, 0));
	assert_int_equal(vnic_dummy_sent(e.v[2]), 20);
	assert_int_equal(vnic_dummy_sent(e.v[0]), 0);
	vswitch_destroy(e.sw);
}

/* One burst into port @i of @n frames @dst[k] <- @src[k]. */
static void xmit_pairs(struct env *e, int i, unsigned n, const uint8_t *dst,
		       const uint8_t *src)
{
	struct vsw_thread *t = &e->sw->threads[0];
	struct vsw_port *in = atomic_load(&e->sw->ports[e->port[i]]);
	struct pkt *p[2 * PKT_BURST];

	assert_true(n <= ARRAY_SIZE(p));
	assert_int_equal(pkt_pool_alloc_bulk(t->pool, p, n), n);
	for (unsigned k = 0; k < n; k++)
		p[k]->len = (uint32_t)frame(p[k]->data, dst[k], src[k], 0);
	vsw_process_burst(t, in, p, n);
	for (unsigned k = 0; k < n; k++)
		pkt_free(p[k]);
}

/* A burst longer than PKT_BURST (vsw_process_burst() takes any length):
 * 40 frames for port 2, then 8 for port 3; each port gets its own frames
 * and no other's (a port's transmit queue holds PKT_BURST). */
static void test_long_burst(void **state)
{
	uint8_t buf[64], dst[48], src[48];
	struct env e;
	size_t len;

	setup_net(&e, VSW_NET_INTERNAL);
	for (int i = 0; i < 4; i++)
		add_port(&e, i, VSW_ROLE_VM, NULL);
	xmit(&e, 2, buf, frame(buf, 0xff, 2, 0));
	xmit(&e, 3, buf, frame(buf, 0xff, 3, 0));
	clear(&e);
	for (unsigned k = 0; k < 48; k++) {
		dst[k] = k < 40 ? 2 : 3;
		src[k] = 1;
	}
	xmit_pairs(&e, 0, 48, dst, src);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 40);
	assert_int_equal(vnic_dummy_sent(e.v[3]), 8);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 0);
	for (unsigned k = 0; k < 40; k++)
		assert_int_equal(vnic_dummy_frame(e.v[2], k, &len)[5], 2);
	for (unsigned k = 0; k < 8; k++)
		assert_int_equal(vnic_dummy_frame(e.v[3], k, &len)[5], 3);
	vswitch_destroy(e.sw);
}

/* Frames of one burst to one destination share a lookup, but a source
 * learned in the same burst counts at once: 1 -> 9 (9 unknown: flooded),
 * 9 -> 9 (9 learned behind this port: dropped), 1 -> 9 twice (dropped). */
static void test_burst_lookup_follows_learning(void **state)
{
	static const uint8_t dst[] = {9, 9, 9, 9}, src[] = {1, 9, 1, 1};
	struct vsw_port_stats st;
	struct vsw_net_stats ns;
	uint8_t buf[64];
	struct env e;

	setup_net(&e, VSW_NET_INTERNAL);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	xmit_pairs(&e, 0, 4, dst, src);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_SAME_PORT], 3);
	vswitch_net_stats(e.sw, e.net, &ns);
	assert_int_equal(ns.flooded, 1);
	/* A whole burst to one known MAC: every frame unicast. */
	clear(&e);
	xmit(&e, 1, buf, frame(buf, 0xff, 5, 0));
	clear(&e);
	{
		uint8_t d[PKT_BURST], s[PKT_BURST];

		memset(d, 5, sizeof(d));
		memset(s, 1, sizeof(s));
		xmit_pairs(&e, 0, PKT_BURST, d, s);
	}
	assert_int_equal(vnic_dummy_sent(e.v[1]), PKT_BURST);
	vswitch_net_stats(e.sw, e.net, &ns);
	assert_int_equal(ns.unicast, PKT_BURST);
	vswitch_destroy(e.sw);
}

/* A burst of floods to one destination: every frame reaches every member
 * that is up, and a member that is down counts a drop for every frame;
 * with the port back up, the next burst reaches it again. */
static void test_burst_floods(void **state)
{
	static const uint8_t dst[] = {0xff, 0xff, 0xff, 0xff, 0xff},
			     src[] = {1, 1, 1, 1, 1};
	struct vsw_port_stats st;
	struct env e;

	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	add_port(&e, 2, VSW_ROLE_VM, NULL);
	xmit_pairs(&e, 0, 5, dst, src);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 5);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 5);
	clear(&e);
	vswitch_port_set_link(e.sw, e.port[1], false);
	xmit_pairs(&e, 0, 5, dst, src);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 0);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 5);
	vswitch_port_stats(e.sw, e.port[1], &st);
	assert_int_equal(st.drops[VSW_DROP_PORT_DOWN], 5);
	clear(&e);
	vswitch_port_set_link(e.sw, e.port[1], true);
	xmit_pairs(&e, 0, 5, dst, src);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 5);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 5);
	vswitch_destroy(e.sw);
}

static void test_bad_frames_counted(void **state)
{
	uint8_t buf[64];
	struct vsw_port_stats st;
	struct env e;

	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	frame(buf, 0xff, 1, 0);
	xmit(&e, 0, buf, 10);
	buf[6] = 0x01; /* multicast source */
	xmit(&e, 0, buf, 60);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 0);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_RUNT], 1);
	assert_int_equal(st.drops[VSW_DROP_BAD_SRC_MAC], 1);
	vswitch_destroy(e.sw);
}

static void test_vlans(void **state)
{
	struct vsw_vlan a10 = {.mode = VSW_VLAN_ACCESS, .access = 10};
	struct vsw_vlan a20 = {.mode = VSW_VLAN_ACCESS, .access = 20};
	struct vsw_vlan tr = {.mode = VSW_VLAN_TRUNK};
	const uint8_t *f;
	uint8_t buf[64];
	size_t len;
	struct env e;

	vlan_list_parse("10,20", tr.allowed);
	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, &a10);
	add_port(&e, 1, VSW_ROLE_VM, &a20);
	add_port(&e, 2, VSW_ROLE_VM, &tr);
	add_port(&e, 3, VSW_ROLE_VM, &a10);

	xmit(&e, 0, buf, frame(buf, 0xff, 1, 0));
	assert_int_equal(vnic_dummy_sent(e.v[1]), 0); /* other VLAN */
	assert_int_equal(vnic_dummy_sent(e.v[3]), 1);
	f = vnic_dummy_frame(e.v[3], 0, &len);
	assert_int_equal(len, 60);
	assert_int_equal(pkt_get_be16(f + 12), ETHERTYPE_IPV4);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 1);
	f = vnic_dummy_frame(e.v[2], 0, &len);
	assert_int_equal(len, 64); /* tag added on the trunk */
	assert_int_equal(pkt_get_be16(f + 12), ETHERTYPE_VLAN);
	assert_int_equal(pkt_get_be16(f + 14) & 0xfff, 10);
	clear(&e);

	xmit(&e, 1, buf, frame(buf, 0xff, 2, 0));
	assert_int_equal(vnic_dummy_sent(e.v[0]) + vnic_dummy_sent(e.v[3]), 0);
	f = vnic_dummy_frame(e.v[2], 0, &len);
	assert_non_null(f);
	assert_int_equal(pkt_get_be16(f + 14) & 0xfff, 20);
	clear(&e);

	/* Tagged from the trunk: reaches VLAN 20's access port untagged. */
	xmit(&e, 2, buf, frame(buf, 2, 9, 20));
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	f = vnic_dummy_frame(e.v[1], 0, &len);
	assert_int_equal(len, 56);
	assert_int_equal(pkt_get_be16(f + 12), ETHERTYPE_IPV4);
	assert_int_equal(vnic_dummy_sent(e.v[0]) + vnic_dummy_sent(e.v[3]), 0);
	vswitch_destroy(e.sw);
}

static void test_port_down(void **state)
{
	struct vsw_port_stats st;
	uint8_t buf[64];
	struct env e;

	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	add_port(&e, 2, VSW_ROLE_VM, NULL);
	vswitch_port_set_link(e.sw, e.port[1], false);
	xmit(&e, 0, buf, frame(buf, 0xff, 1, 0));
	assert_int_equal(vnic_dummy_sent(e.v[1]), 0);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 1);
	vswitch_port_stats(e.sw, e.port[1], &st);
	assert_int_equal(st.drops[VSW_DROP_PORT_DOWN], 1);
	/* Deleting a port removes it from flooding. */
	assert_int_equal(vswitch_port_del(e.sw, e.port[2]), 0);
	e.v[2] = NULL;
	vswitch_port_set_link(e.sw, e.port[1], true);
	clear(&e);
	xmit(&e, 0, buf, frame(buf, 0xff, 1, 0));
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	assert_int_equal(vswitch_net_del(e.sw, e.net), -EBUSY);
	vswitch_destroy(e.sw);
}

struct last_seen {
	struct vnic *v;
	struct vsw_port_stats st;
	unsigned calls;
};

static void last_cb(struct vnic *v, const struct vsw_port_stats *st, void *arg)
{
	struct last_seen *l = arg;

	l->v = v;
	l->st = *st;
	l->calls++;
}

/* vswitch_port_del_last() hands over the port's backend and everything
 * it counted, once, and not when the port is not there. */
static void test_port_del_last(void **state)
{
	struct vsw_port_stats before;
	struct last_seen l = {0};
	uint8_t buf[64];
	struct env e;

	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	for (int i = 0; i < 3; i++)
		xmit(&e, 0, buf, frame(buf, 0xff, 1, 0));
	vswitch_port_stats(e.sw, e.port[1], &before);
	assert_int_equal(before.tx_packets, 3);
	assert_int_equal(vswitch_port_del_last(e.sw, e.port[1], last_cb, &l),
			 0);
	assert_int_equal(l.calls, 1);
	assert_ptr_equal(l.v, e.v[1]);
	assert_memory_equal(&l.st, &before, sizeof(before));
	assert_int_equal(vswitch_port_del_last(e.sw, e.port[1], last_cb, &l),
			 -ENOENT);
	assert_int_equal(l.calls, 1);
	e.v[1] = NULL;
	vswitch_destroy(e.sw);
}

/* A dropped frame counts under one reason: flooded where the only other
 * member is down, it is port_down there and not no_ports as well (twice,
 * in a burst that reuses the flood's egress list, too); with no other
 * member in its VLAN at all, it is no_ports. */
static void test_flood_drop_counted_once(void **state)
{
	struct vsw_vlan a10 = {.mode = VSW_VLAN_ACCESS, .access = 10};
	static const uint8_t dst[] = {0xff, 0xff, 0xff}, src[] = {1, 1, 1};
	struct vsw_port_stats in, out;
	uint64_t total;
	uint8_t buf[64];
	struct env e;

	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	add_port(&e, 2, VSW_ROLE_VM, &a10);
	vswitch_port_set_link(e.sw, e.port[1], false);
	xmit(&e, 0, buf, frame(buf, 0xff, 1, 0));
	xmit_pairs(&e, 0, 3, dst, src);
	vswitch_port_stats(e.sw, e.port[0], &in);
	vswitch_port_stats(e.sw, e.port[1], &out);
	assert_int_equal(out.drops[VSW_DROP_PORT_DOWN], 4);
	assert_int_equal(in.drops[VSW_DROP_NO_PORTS], 0);
	/* Every frame received ends in exactly one counter. */
	total = out.tx_packets;
	for (int d = 0; d < VSW_DROP_MAX; d++)
		total += in.drops[d] + out.drops[d];
	assert_int_equal(total, in.rx_packets);
	/* Port 1 deleted: nobody else is in the untagged domain. */
	assert_int_equal(vswitch_port_del(e.sw, e.port[1]), 0);
	e.v[1] = NULL;
	xmit(&e, 0, buf, frame(buf, 0xff, 1, 0));
	vswitch_port_stats(e.sw, e.port[0], &in);
	assert_int_equal(in.drops[VSW_DROP_NO_PORTS], 1);
	assert_int_equal(vnic_dummy_sent(e.v[2]), 0);
	vswitch_destroy(e.sw);
}

static void test_mac_limit(void **state)
{
	struct vsw_port_stats st;
	struct vsw_net_stats ns;
	uint8_t buf[64];
	struct env e;

	setup_net(&e, VSW_NET_INTERNAL);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	assert_int_equal(vswitch_port_mac_limit(e.sw, e.port[0]),
			 VSW_MAC_LIMIT_DEFAULT);
	assert_int_equal(vswitch_port_set_mac_limit(e.sw, e.port[0], 2), 0);
	assert_int_equal(vswitch_port_mac_limit(e.sw, e.port[0]), 2);
	for (uint8_t src = 1; src <= 3; src++)
		xmit(&e, 0, buf, frame(buf, 0xff, src, 0));
	/* The third MAC is over the limit: not learned, not forwarded. */
	assert_int_equal(vnic_dummy_sent(e.v[1]), 2);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_MAC_LIMIT], 1);
	assert_int_equal(vswitch_port_mac_count(e.sw, e.port[0]), 2);
	vswitch_net_stats(e.sw, e.net, &ns);
	assert_int_equal(ns.learned, 2);
	/* Known MACs keep working; other ports are not held back. */
	xmit(&e, 0, buf, frame(buf, 0xff, 1, 0));
	xmit(&e, 1, buf, frame(buf, 1, 9, 0));
	assert_int_equal(vnic_dummy_sent(e.v[1]), 3);
	assert_int_equal(vnic_dummy_sent(e.v[0]), 1);
	/* 0 lifts the limit. */
	assert_int_equal(vswitch_port_set_mac_limit(e.sw, e.port[0], 0), 0);
	assert_int_equal(vswitch_port_mac_limit(e.sw, e.port[0]), 0);
	xmit(&e, 0, buf, frame(buf, 0xff, 3, 0));
	assert_int_equal(vswitch_port_mac_count(e.sw, e.port[0]), 3);
	assert_int_equal(vswitch_port_set_mac_limit(e.sw, 999, 1), -ENOENT);
	vswitch_destroy(e.sw);
	/* An uplink faces a whole LAN: no limit unless set. */
	setup_net(&e, VSW_NET_EXTERNAL);
	add_port(&e, 0, VSW_ROLE_UPLINK, NULL);
	add_port(&e, 1, VSW_ROLE_HOST, NULL);
	assert_int_equal(vswitch_port_mac_limit(e.sw, e.port[0]), 0);
	assert_int_equal(vswitch_port_mac_limit(e.sw, e.port[1]),
			 VSW_MAC_LIMIT_DEFAULT);
	assert_int_equal(vswitch_port_set_mac_limit(e.sw, e.port[0], 5000), 0);
	assert_int_equal(vswitch_port_mac_limit(e.sw, e.port[0]), 5000);
	vswitch_destroy(e.sw);
}

static void test_pinned(void **state)
{
	static const uint8_t m5[6] = {0x52, 0x54, 0, 0, 0, 5};
	static const uint8_t mc[6] = {0x01, 0, 0x5e, 0, 0, 1};
	struct vsw_port_stats st;
	uint8_t buf[64];
	struct env e;

	setup_net(&e, VSW_NET_INTERNAL);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_HOST, NULL);
	add_port(&e, 2, VSW_ROLE_VM, NULL);
	assert_int_equal(vswitch_fdb_pin(e.sw, e.net, m5, 0, e.port[1]), 0);
	assert_int_equal(vswitch_fdb_pin(e.sw, e.net, m5, 0, e.port[0]),
			 -EEXIST);
	assert_int_equal(vswitch_fdb_pin(e.sw, e.net, mc, 0, e.port[1]),
			 -EINVAL);
	assert_int_equal(vswitch_fdb_pin(e.sw, e.net, m5, 4095, e.port[1]),
			 -EINVAL);
	assert_int_equal(vswitch_fdb_pin(e.sw, e.net, m5, 0, 999), -ENOENT);
	assert_int_equal(vswitch_fdb_pin(e.sw, 77, m5, 0, e.port[1]), -ENOENT);
	/* A guest claiming the pinned MAC is dropped and counted... */
	xmit(&e, 0, buf, frame(buf, 0xff, 5, 0));
	assert_int_equal(vnic_dummy_sent(e.v[1]) + vnic_dummy_sent(e.v[2]), 0);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_MAC_PINNED], 1);
	/* ...and traffic for it still goes to its own port only. */
	xmit(&e, 2, buf, frame(buf, 5, 7, 0));
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	assert_int_equal(vnic_dummy_sent(e.v[0]), 0);
	/* Link down flushes learned MACs, not the pin. */
	vswitch_port_set_link(e.sw, e.port[1], false);
	vswitch_port_set_link(e.sw, e.port[1], true);
	clear(&e);
	xmit(&e, 2, buf, frame(buf, 5, 7, 0));
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	assert_int_equal(vnic_dummy_sent(e.v[0]), 0);
	/* Unpinned, the MAC is anybody's to learn. */
	assert_int_equal(vswitch_fdb_unpin(e.sw, e.net, m5, 0), 0);
	assert_int_equal(vswitch_fdb_unpin(e.sw, e.net, m5, 0), -ENOENT);
	assert_int_equal(vswitch_fdb_pin(e.sw, e.net, m5, 0, e.port[1]), 0);
	/* Deleting its port removes the pin, so a port that gets the id
	 * next inherits nothing. */
	assert_int_equal(vswitch_port_del(e.sw, e.port[1]), 0);
	e.v[1] = NULL;
	clear(&e);
	xmit(&e, 0, buf, frame(buf, 0xff, 5, 0));
	assert_int_equal(vnic_dummy_sent(e.v[2]), 1);
	assert_int_equal(vswitch_port_mac_count(e.sw, e.port[0]), 1);
	vswitch_destroy(e.sw);
}

struct slow_seen {
	unsigned calls;
	int port;
	size_t len;
	uint8_t dst5;
};

static void slow_rx(void *arg, int port, const uint8_t *f, size_t len)
{
	struct slow_seen *s = arg;

	s->calls++;
	s->port = port;
	s->len = len;
	s->dst5 = f[5];
}

static void test_reserved_mcast(void **state)
{
	struct slow_seen seen = {0};
	struct vsw_port_stats st;
	struct vsw_net_stats ns;
	uint8_t buf[64];
	struct env e;

	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	/* 01:80:c2:00:00:00-0f with no handler: dropped, not learned. */
	for (uint8_t last = 0; last <= 0x10; last += 0x02) {
		frame(buf, 0xff, 1, 0);
		memcpy(buf, (uint8_t[]){0x01, 0x80, 0xc2, 0, 0, last}, 6);
		xmit(&e, 0, buf, 60);
	}
	/* Only 01:80:c2:00:00:10 (not reserved) went out. */
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_RESERVED_MCAST], 8);
	vswitch_net_stats(e.sw, e.net, &ns);
	assert_int_equal(ns.learned, 1); /* from the 0x10 frame only */
	/* With a handler, the ingress port's service gets them; nobody
	 * else does. */
	assert_int_equal(
	    vswitch_port_set_slow_rx(e.sw, e.port[0], slow_rx, &seen), 0);
	clear(&e);
	memcpy(buf, (uint8_t[]){0x01, 0x80, 0xc2, 0, 0, 0x02}, 6);
	xmit(&e, 0, buf, 60);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.port, e.port[0]);
	assert_int_equal(seen.len, 60);
	assert_int_equal(seen.dst5, 0x02);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 0);
	/* Another port's frames do not reach port 0's service. */
	xmit(&e, 1, buf, 60);
	assert_int_equal(seen.calls, 1);
	vswitch_port_stats(e.sw, e.port[1], &st);
	assert_int_equal(st.drops[VSW_DROP_RESERVED_MCAST], 1);
	assert_int_equal(vswitch_port_set_slow_rx(e.sw, e.port[0], NULL, NULL),
			 0);
	xmit(&e, 0, buf, 60);
	assert_int_equal(seen.calls, 1);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_RESERVED_MCAST], 9);
	vswitch_destroy(e.sw);
}

static void test_set_fdb_size_and_aging(void **state)
{
	uint8_t buf[64], m[6] = {0x52, 0x54, 0, 0, 0, 0};
	struct fdb *before;
	struct env e;

	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	add_port(&e, 2, VSW_ROLE_VM, NULL);
	for (uint8_t src = 1; src <= 20; src++)
		xmit(&e, src % 2, buf, frame(buf, 0xff, src, 0));
	before = atomic_load(&e.sw->nets[e.net]->fdb);
	/* Growing keeps every entry: unicast still reaches one port. */
	assert_int_equal(vswitch_net_set_fdb_size(e.sw, e.net, 5000), 0);
	assert_ptr_not_equal(atomic_load(&e.sw->nets[e.net]->fdb), before);
	assert_int_equal(fdb_max(atomic_load(&e.sw->nets[e.net]->fdb)), 5000);
	assert_int_equal(vswitch_port_mac_count(e.sw, e.port[0]), 10);
	clear(&e);
	xmit(&e, 2, buf, frame(buf, 3, 99, 0));
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	assert_int_equal(vnic_dummy_sent(e.v[0]), 0);
	/* Aging applies to entries already learned. */
	m[5] = 99;
	assert_int_equal(fdb_lookup(atomic_load(&e.sw->nets[e.net]->fdb), m, 0,
				    now_sec() + 100, NULL),
			 e.port[2]);
	assert_int_equal(vswitch_net_set_aging(e.sw, e.net, 50), 0);
	assert_int_equal(fdb_lookup(atomic_load(&e.sw->nets[e.net]->fdb), m, 0,
				    now_sec() + 100, NULL),
			 -1);
	assert_int_equal(vswitch_net_set_aging(e.sw, e.net, 0), -EINVAL);
	assert_int_equal(vswitch_net_set_aging(e.sw, 9, 10), -ENOENT);
	/* Shrinking counts what did not fit. */
	assert_int_equal(vswitch_net_set_fdb_size(e.sw, e.net, 16), 5);
	assert_int_equal(vswitch_port_mac_count(e.sw, e.port[0]) +
			     vswitch_port_mac_count(e.sw, e.port[1]) +
			     vswitch_port_mac_count(e.sw, e.port[2]),
			 16);
	assert_int_equal(vswitch_net_set_fdb_size(e.sw, e.net, 0), -EINVAL);
	assert_int_equal(vswitch_net_set_fdb_size(e.sw, 9, 10), -ENOENT);
	vswitch_destroy(e.sw);
}

/* A port deleted while frames wait to leave on it (its slot emptied in the
 * middle of a burst, as vswitch_port_del() does first): what was queued for
 * it counts as port_gone on the ingress port, not nowhere. */
struct gone {
	struct vswitch *sw;
	int id;
	struct vsw_port *port;
};

static void gone_slow_rx(void *arg, int port, const uint8_t *f, size_t len)
{
	struct gone *g = arg;

	g->port = atomic_exchange(&g->sw->ports[g->id], NULL);
}

static void test_port_gone_counted(void **state)
{
	struct gone g;
	struct env e;
	struct vsw_port_stats st;
	struct pkt *p[3];
	uint8_t buf[64];
	size_t len[3];

	setup_net(&e, VSW_NET_PRIVATE);
	for (int i = 0; i < 3; i++)
		assert_true(add_port(&e, i, VSW_ROLE_VM, NULL) >= 0);
	g = (struct gone){e.sw, e.port[1], NULL};
	assert_int_equal(
	    vswitch_port_set_slow_rx(e.sw, e.port[0], gone_slow_rx, &g), 0);
	xmit(&e, 1, buf, frame(buf, 1, 2, 0)); /* port 1's MAC learned */
	clear(&e);
	/* Two frames for port 1, then an LLDP frame whose handler deletes
	 * port 1 before the burst's flush. */
	for (int i = 0; i < 3; i++) {
		p[i] = pkt_pool_alloc(e.sw->threads[0].pool);
		len[i] = frame(p[i]->data, 2, 1, 0);
		p[i]->len = (uint32_t)len[i];
	}
	memcpy(p[2]->data, (uint8_t[]){0x01, 0x80, 0xc2, 0, 0, 0x0e}, 6);
	vsw_process_burst(&e.sw->threads[0],
			  atomic_load(&e.sw->ports[e.port[0]]), p, 3);
	for (int i = 0; i < 3; i++)
		pkt_free(p[i]);
	assert_non_null(g.port);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 0);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_PORT_GONE], 2);
	atomic_store(&e.sw->ports[e.port[1]], g.port);
	vswitch_destroy(e.sw);
}

/* The MAC guard: a guest port sends only from its own MAC.  A frame from
 * another source MAC, an ARP whose sender MAC is another, a neighbour
 * advertisement whose target link-layer address is another, are dropped as
 * mac_spoofed and never learned; its own frames and a solicitation without
 * the option pass. */
static void test_mac_guard(void **state)
{
	static const uint8_t own[6] = {0x52, 0x54, 0, 0, 0, 1};
	struct vsw_port_stats st;
	uint8_t buf[128];
	size_t n;
	struct env e;

	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	assert_int_equal(vswitch_port_set_mac_guard(e.sw, e.port[0], own), 0);
	xmit(&e, 0, buf, frame(buf, 0xff, 1, 0)); /* its own */
	xmit(&e, 0, buf, frame(buf, 0xff, 2, 0)); /* a neighbour's */
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	assert_int_equal(vswitch_port_mac_count(e.sw, e.port[0]), 1);
	/* ARP from its own MAC claiming another as the sender */
	n = frame(buf, 0xff, 1, 0);
	pkt_put_be16(buf + 12, 0x0806);
	memcpy(buf + 14, (uint8_t[]){0, 1, 8, 0, 6, 4, 0, 2}, 8);
	memcpy(buf + 22, (uint8_t[]){0x52, 0x54, 0, 0, 0, 2}, 6);
	xmit(&e, 0, buf, n);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 1);
	memcpy(buf + 22, own, 6);
	xmit(&e, 0, buf, n);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 2);
	/* IPv6 neighbour advertisement, target link-layer address option */
	memset(buf + 12, 0, sizeof(buf) - 12);
	pkt_put_be16(buf + 12, 0x86dd);
	buf[14] = 0x60;
	pkt_put_be16(buf + 18, 32); /* payload: NA 24 + option 8 */
	buf[20] = 58;
	buf[21] = 255;
	buf[54] = 136; /* NA */
	buf[78] = 2;   /* target link-layer address */
	buf[79] = 1;   /* 8 bytes */
	memcpy(buf + 80, (uint8_t[]){0x52, 0x54, 0, 0, 0, 2}, 6);
	xmit(&e, 0, buf, 86);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 2);
	memcpy(buf + 80, own, 6);
	xmit(&e, 0, buf, 86);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 3);
	/* a solicitation without the option */
	pkt_put_be16(buf + 18, 24);
	buf[54] = 135;
	xmit(&e, 0, buf, 78);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 4);
	/* the NA with another MAC behind a destination options header */
	pkt_put_be16(buf + 18, 40);
	buf[20] = 60;
	memset(buf + 54, 0, 48);
	memcpy(buf + 54, (uint8_t[]){58, 0, 1, 4, 0, 0, 0, 0}, 8);
	buf[62] = 136;
	memcpy(buf + 86, (uint8_t[]){2, 1, 0x52, 0x54, 0, 0, 0, 2}, 8);
	xmit(&e, 0, buf, 94);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 4);
	/* a DHCP DISCOVER from its MAC naming another as the client */
	n = frame(buf, 0xff, 1, 0);
	memset(buf + 14, 0, sizeof(buf) - 14);
	buf[14] = 0x45;
	pkt_put_be16(buf + 16, 106); /* total length */
	buf[23] = 17;
	pkt_put_be16(buf + 34, 68);
	pkt_put_be16(buf + 36, 67);
	buf[42] = 1; /* BOOTREQUEST, Ethernet, 6 bytes */
	buf[43] = 1;
	buf[44] = 6;
	memcpy(buf + 70, (uint8_t[]){0x52, 0x54, 0, 0, 0, 2}, 6);
	xmit(&e, 0, buf, 120);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 4);
	memcpy(buf + 70, own, 6);
	xmit(&e, 0, buf, 120);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 5);
	/* the same as a first fragment cut before chaddr */
	pkt_put_be16(buf + 16, 48); /* total length: 20 + UDP 8 + 20 */
	buf[20] = 0x20;		    /* more fragments */
	xmit(&e, 0, buf, 62);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 5);
	/* ARP with another sender MAC behind an 802.1ad tag */
	n = frame(buf, 0xff, 1, 0);
	pkt_put_be16(buf + 12, 0x88a8);
	pkt_put_be16(buf + 14, 5);
	pkt_put_be16(buf + 16, 0x0806);
	memcpy(buf + 18, (uint8_t[]){0, 1, 8, 0, 6, 4, 0, 2}, 8);
	memcpy(buf + 26, (uint8_t[]){0x52, 0x54, 0, 0, 0, 2}, 6);
	xmit(&e, 0, buf, n);
	assert_int_equal(vnic_dummy_sent(e.v[1]), 5);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_MAC_SPOOFED], 7);
	/* off: any MAC again */
	assert_int_equal(vswitch_port_set_mac_guard(e.sw, e.port[0], NULL), 0);
	xmit(&e, 0, buf, frame(buf, 0xff, 2, 0));
	assert_int_equal(vnic_dummy_sent(e.v[1]), 6);
	assert_int_equal(vswitch_port_set_mac_guard(e.sw, 999, own), -ENOENT);
	vswitch_destroy(e.sw);
}

/* An IPv4 frame from port-0's MAC: @src to UDP port @dport. */
static size_t ip4(uint8_t *buf, uint32_t src, uint16_t dport)
{
	size_t n = frame(buf, 0xff, 1, 0);

	memset(buf + 14, 0, n - 14);
	buf[14] = 0x45;
	pkt_put_be16(buf + 16, 28);
	buf[23] = 17;
	pkt_put_be16(buf + 26, (uint16_t)(src >> 16));
	pkt_put_be16(buf + 28, (uint16_t)src);
	pkt_put_be16(buf + 36, dport);
	return n;
}

/* An IPv6 frame from port-0's MAC: @src (last byte @last of the prefix
 * @p0 p1), ICMPv6 of @type with target ...::@tgt under prefix @t0. */
static size_t ip6(uint8_t *buf, uint16_t p0, uint8_t last, uint8_t type,
		  uint16_t t0)
{
	size_t n = 14 + 40 + 24;

	frame(buf, 0xff, 1, 0);
	memset(buf + 12, 0, n - 12);
	pkt_put_be16(buf + 12, 0x86dd);
	buf[14] = 0x60;
	pkt_put_be16(buf + 18, 24);
	buf[20] = 58;
	buf[21] = 255;
	pkt_put_be16(buf + 22, p0);
	buf[37] = last;
	buf[54] = type;
	pkt_put_be16(buf + 62, t0);
	buf[77] = 1;
	return n;
}

/* The IP guard: sources, ARP senders and NA targets outside the set are
 * dropped as ip_spoofed; 0.0.0.0 to the DHCP server, ARP probes,
 * link-local and :: for neighbour discovery pass. */
static void test_ip_guard(void **state)
{
	struct vsw_ipset *set = calloc(1, sizeof(*set));
	struct vsw_port_stats st;
	unsigned sent = 0, drops = 0;
	uint8_t buf[128];
	struct env e;
	size_t n;

	assert_non_null(set);
	set->n4 = 1;
	set->v4[0].addr = 0x0a000005;
	set->v4[0].mask = 0xffffffff;
	set->n6 = 2;
	set->v6[0].addr[0] = 0xfd;
	set->v6[0].plen = 64;
	set->v6[1].addr[0] = 0xfe; /* fe80::1, its link-local address */
	set->v6[1].addr[1] = 0x80;
	set->v6[1].addr[15] = 1;
	set->v6[1].plen = 128;
	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	assert_int_equal(vswitch_port_set_ip_guard(e.sw, e.port[0], set), 0);
#define PASS(len)                                                  \
	do {                                                       \
		xmit(&e, 0, buf, len);                             \
		assert_int_equal(vnic_dummy_sent(e.v[1]), ++sent); \
	} while (0)
#define DROP(len)                                                \
	do {                                                     \
		xmit(&e, 0, buf, len);                           \
		drops++;                                         \
		assert_int_equal(vnic_dummy_sent(e.v[1]), sent); \
	} while (0)
	PASS(ip4(buf, 0x0a000005, 53));
	DROP(ip4(buf, 0x0a000006, 53));
	PASS(ip4(buf, 0, 67)); /* DHCPDISCOVER */
	DROP(ip4(buf, 0, 53));
	/* ARP: sender 10.0.0.6, then a probe, then its own */
	n = frame(buf, 0xff, 1, 0);
	pkt_put_be16(buf + 12, 0x0806);
	memcpy(buf + 14, (uint8_t[]){0, 1, 8, 0, 6, 4, 0, 1}, 8);
	memcpy(buf + 22, (uint8_t[]){0x52, 0x54, 0, 0, 0, 1}, 6);
	memcpy(buf + 28, (uint8_t[]){10, 0, 0, 6}, 4);
	DROP(n);
	memset(buf + 28, 0, 4);
	PASS(n);
	memcpy(buf + 28, (uint8_t[]){10, 0, 0, 5}, 4);
	PASS(n);
	PASS(ip6(buf, 0xfe80, 1, 128, 0));	/* its link-local address */
	DROP(ip6(buf, 0xfe80, 2, 128, 0));	/* another link-local one */
	PASS(ip6(buf, 0xfd00, 9, 128, 0));	/* in fd00::/64 */
	DROP(ip6(buf, 0xfd01, 9, 128, 0));	/* outside */
	PASS(ip6(buf, 0, 0, 135, 0xfd00));	/* ::, duplicate address test */
	DROP(ip6(buf, 0xfe80, 1, 136, 0xfd01)); /* NA for another's */
	PASS(ip6(buf, 0xfe80, 1, 136, 0xfd00));
	n = ip6(buf, 0xfe80, 1, 136, 0xfe80);
	buf[77] = 0x99; /* NA for fe80::99, its router's, say */
	DROP(n);
	/* the same NA for fd01::1 behind a destination options header */
	n = ip6(buf, 0xfe80, 1, 136, 0xfd01);
	memmove(buf + 62, buf + 54, 24);
	memcpy(buf + 54, (uint8_t[]){58, 0, 1, 4, 0, 0, 0, 0}, 8);
	buf[20] = 60;
	pkt_put_be16(buf + 18, 32);
	DROP(n + 8);
	pkt_put_be16(buf + 70, 0xfd00); /* for fd00::1: passes */
	PASS(n + 8);
	/* a spoofed source behind an 802.1ad tag, and behind two 802.1Q */
	n = ip4(buf, 0x0a000006, 53);
	memmove(buf + 16, buf + 12, n - 12);
	pkt_put_be16(buf + 12, 0x88a8);
	pkt_put_be16(buf + 14, 5);
	DROP(n + 4);
	n = ip4(buf, 0x0a000006, 53);
	memmove(buf + 20, buf + 12, n - 12);
	pkt_put_be16(buf + 12, 0x8100);
	pkt_put_be16(buf + 14, 7);
	pkt_put_be16(buf + 16, 0x8100);
	pkt_put_be16(buf + 18, 9);
	DROP(n + 8);
	vswitch_port_stats(e.sw, e.port[0], &st);
	assert_int_equal(st.drops[VSW_DROP_IP_SPOOFED], drops);
	/* the same set again changes nothing; off lets all pass */
	assert_int_equal(vswitch_port_set_ip_guard(e.sw, e.port[0], set), 0);
	DROP(ip4(buf, 0x0a000006, 53));
	assert_int_equal(vswitch_port_set_ip_guard(e.sw, e.port[0], NULL), 0);
	PASS(ip4(buf, 0x0a000006, 53));
#undef PASS
#undef DROP
	assert_int_equal(vswitch_port_set_ip_guard(e.sw, 999, set), -ENOENT);
	/* a port added with its guards judges its very first frame */
	{
		static const uint8_t own[6] = {0x52, 0x54, 0, 0, 0, 1};
		struct vsw_port_guards g = {own, set};
		struct vsw_port_stats gs;
		int id;

		e.v[2] = dummy("p2");
		id = vswitch_port_add_guarded(e.sw, e.net, "p2", VSW_ROLE_VM,
					      NULL, e.v[2], &g);
		assert_true(id >= 0);
		e.port[2] = id;
		xmit(&e, 2, buf, ip4(buf, 0x0a000006, 53));
		xmit(&e, 2, buf, frame(buf, 0xff, 2, 0));
		vswitch_port_stats(e.sw, id, &gs);
		assert_int_equal(gs.drops[VSW_DROP_IP_SPOOFED], 1);
		assert_int_equal(gs.drops[VSW_DROP_MAC_SPOOFED], 1);
		assert_int_equal(vnic_dummy_sent(e.v[1]), sent);
	}
	free(set);
	vswitch_destroy(e.sw);
}

/* Pins come on top of fdb_size: a network with more pins than its table
 * had room for grows it, and still learns fdb_size MACs. */
static void test_pins_grow_table(void **state)
{
	uint8_t buf[64], mac[6] = {0x02, 0, 0, 0, 0, 0};
	struct env e;

	setup_net(&e, VSW_NET_PRIVATE);
	add_port(&e, 0, VSW_ROLE_VM, NULL);
	add_port(&e, 1, VSW_ROLE_VM, NULL);
	assert_true(vswitch_net_set_fdb_size(e.sw, e.net, 16) >= 0);
	for (int i = 0; i < 24; i++) {
		mac[5] = (uint8_t)(i + 1);
		assert_int_equal(
		    vswitch_fdb_pin(e.sw, e.net, mac, 0, e.port[0]), 0);
	}
	for (int src = 100; src < 116; src++)
		xmit(&e, 1, buf, frame(buf, 0xff, (uint8_t)src, 0));
	assert_int_equal(vswitch_port_mac_count(e.sw, e.port[1]), 16);
	vswitch_destroy(e.sw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roles_per_type),
	    cmocka_unit_test(test_flood_learn_unicast),
	    cmocka_unit_test(test_many_sources_per_burst),
	    cmocka_unit_test(test_long_burst),
	    cmocka_unit_test(test_burst_lookup_follows_learning),
	    cmocka_unit_test(test_burst_floods),
	    cmocka_unit_test(test_bad_frames_counted),
	    cmocka_unit_test(test_vlans),
	    cmocka_unit_test(test_port_down),
	    cmocka_unit_test(test_port_del_last),
	    cmocka_unit_test(test_flood_drop_counted_once),
	    cmocka_unit_test(test_mac_limit),
	    cmocka_unit_test(test_pinned),
	    cmocka_unit_test(test_reserved_mcast),
	    cmocka_unit_test(test_port_gone_counted),
	    cmocka_unit_test(test_set_fdb_size_and_aging),
	    cmocka_unit_test(test_mac_guard),
	    cmocka_unit_test(test_ip_guard),
	    cmocka_unit_test(test_pins_grow_table),
	};

	return cmocka_run_group_tests_name("vswitch_forward", tests, NULL,
					   NULL);
}
