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
	};

	return cmocka_run_group_tests_name("vswitch_forward", tests, NULL,
					   NULL);
}
