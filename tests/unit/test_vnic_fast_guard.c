// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vnic_fast_guard.c - the DHCP and router guards decided twice, pinned
 * together:
 * the veth fast path's BPF program (vnic/veth_fast.bpf.c, the object vnetd
 * embeds, loaded here as vnetd loads it) and the switch's classifier
 * (vsw_classify()).  The program may send more frames to vnetd than the
 * guards need (every UDP fragment, IPv4 with options, all ICMPv6), but a
 * frame the classifier judges a DHCP server message or a router's message
 * (IPv6 advertisement or redirect, IPv4 ICMP redirect) must never be
 * forwarded in the kernel: its TC program must not redirect it, and its socket
 * filter must not hide it from vnetd.
 *
 * The programs run on frames through BPF_PROG_TEST_RUN with the maps set
 * up so that a plain unicast frame takes the redirect path (the source
 * learnt on the ingress port, the destination on another fast port of the
 * same network): named edge cases, then thousands of mutations of a DHCP
 * OFFER and of a DHCPv6 ADVERTISE.  Also what a forwarded frame is counted
 * as, and that a frame longer than the MTU is left to vnetd (which drops
 * it as oversize).  Skipped where the
 * kernel refuses to load or run the programs (no CAP_BPF). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <net/if.h>
#include <pthread.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/util.h"
#include "vnic/vnic_fast.h"
#include "vswitch/vswitch_priv.h"

/* The object as vnetd embeds it (vnic_fast_obj.S). */
extern const char vnic_fast_obj_start[];
extern const uint64_t vnic_fast_obj_size;

#define NET	    7
#define OUT_IFINDEX 1000 /* another fast port; never really sent to */

static const uint8_t mac_src[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_dst[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x02};

struct fast {
	struct bpf_object *obj;
	int tc_fd, sock_fd, fdb_fd, ports_fd, learned_fd, stats_fd;
	int in_ifindex; /* where BPF_PROG_TEST_RUN says a frame came in */
	char why[160];	/* why the tests are skipped */
};

static struct fast fast;

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static int prog_fd(const struct fast *f, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(f->obj, name);

	return p ? bpf_program__fd(p) : -1;
}

static int map_fd(const struct fast *f, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(f->obj, name);

	return m ? bpf_map__fd(m) : -1;
}

/* The source MAC learnt on the ingress port, the destination on another
 * enabled port of the same network; the ingress port's learning count
 * reset (mutated source MACs are learnt too). */
static void maps_reset(const struct fast *f)
{
	struct vnic_fast_port
	    in = {.net = NET, .enabled = 1, .slot = 0, .mtu = 1500},
	    out = {.net = NET, .enabled = 1, .slot = 1, .mtu = 1500};
	struct vnic_fast_fdb e = {.seen_ns = vnic_fast_now_ns()};
	struct vnic_fast_key k, next;
	__u32 key = (__u32)f->in_ifindex, slot = 0;
	__u64 zero = 0;

	while (!bpf_map_get_next_key(f->fdb_fd, NULL, &next))
		assert_int_equal(bpf_map_delete_elem(f->fdb_fd, &next), 0);
	assert_int_equal(bpf_map_update_elem(f->ports_fd, &key, &in, 0), 0);
	key = OUT_IFINDEX;
	assert_int_equal(bpf_map_update_elem(f->ports_fd, &key, &out, 0), 0);
	assert_int_equal(bpf_map_update_elem(f->learned_fd, &slot, &zero, 0),
			 0);
	vnic_fast_key_make(&k, NET, 0, mac_src);
	e.ifindex = (__u32)f->in_ifindex;
	assert_int_equal(bpf_map_update_elem(f->fdb_fd, &k, &e, 0), 0);
	vnic_fast_key_make(&k, NET, 0, mac_dst);
	e.ifindex = OUT_IFINDEX;
	e.slot = 1;
	assert_int_equal(bpf_map_update_elem(f->fdb_fd, &k, &e, 0), 0);
}

/* Open and load the object into @f.  Return: 0, 1 when the kernel
 * refuses it (@f->why says why; the tests skip), -1 when the object lacks
 * a program or map. */
static int load(struct fast *f)
{
	struct bpf_object_open_opts opts = {.sz = sizeof(opts),
					    .object_name = "veth_fast"};
	int ret;

	f->in_ifindex = (int)if_nametoindex("lo");
	f->obj = bpf_object__open_mem(vnic_fast_obj_start,
				      (size_t)vnic_fast_obj_size, &opts);
	if (!f->obj) {
		snprintf(f->why, sizeof(f->why),
			 "cannot open the BPF object: %s", strerror(errno));
		return 1;
	}
	ret = bpf_object__load(f->obj);
	if (ret) {
		snprintf(f->why, sizeof(f->why),
			 "the kernel refuses the BPF programs (%s): needs "
			 "CAP_BPF and BPF_PROG_TEST_RUN",
			 strerror(-ret));
		bpf_object__close(f->obj);
		f->obj = NULL;
		return 1;
	}
	f->tc_fd = prog_fd(f, "veth_fast_tc");
	f->sock_fd = prog_fd(f, "veth_fast_sock");
	f->fdb_fd = map_fd(f, "fast_fdb");
	f->ports_fd = map_fd(f, "fast_ports");
	f->learned_fd = map_fd(f, "fast_learned");
	f->stats_fd = map_fd(f, "fast_stats");
	if (f->tc_fd < 0 || f->sock_fd < 0 || f->fdb_fd < 0 ||
	    f->ports_fd < 0 || f->learned_fd < 0 || f->stats_fd < 0 ||
	    f->in_ifindex <= 0)
		return -1;
	return 0;
}

static int group_setup(void **state)
{
	libbpf_set_print(quiet);
	return load(&fast) < 0 ? -1 : 0;
}

static int group_teardown(void **state)
{
	if (fast.obj)
		bpf_object__close(fast.obj);
	return 0;
}

/* Run one program on @len bytes; return whether the kernel ran it (a TC
 * program's test run refuses an IPv4 or IPv6 frame shorter than the fixed
 * header), its return value in @ret.  Any other refusal skips the test. */
static __u32 run_gso_size; /* the frame is a GSO super-frame of these */

static bool run(int fd, const uint8_t *data, uint32_t len, __u32 *ret)
{
	struct __sk_buff ctx = {.gso_size = run_gso_size, .gso_segs = 2};
	struct bpf_test_run_opts o = {
	    .sz = sizeof(o), .data_in = data, .data_size_in = len};
	uint16_t type = pkt_get_be16(data + 12);

	if (run_gso_size) {
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}

	if (!bpf_prog_test_run_opts(fd, &o)) {
		*ret = o.retval;
		return true;
	}
	if (errno == EINVAL && ((type == ETHERTYPE_IPV4 && len < 14 + 20) ||
				(type == ETHERTYPE_IPV6 && len < 14 + 40)))
		return false;
	print_message("BPF_PROG_TEST_RUN refused (%u bytes): %s: skipped\n",
		      len, strerror(errno));
	skip();
	return false;
}

struct verdict {
	bool server;	 /* vsw_classify(): a DHCP server message or a
			    router's (either guard) */
	bool tc_ran;	 /* the kernel ran the TC program on it */
	bool redirected; /* the TC program forwards it in the kernel */
	bool hidden;	 /* the socket filter hides it from vnetd */
};

/* Frames the kernel would not run the TC program on (the socket filter
 * still judges them). */
static unsigned tc_not_run;

/* Both deciders on one frame.  The socket filter sees the frame where a
 * packet socket's filter does, at the Ethernet header: a test run of a
 * socket filter starts past 14 bytes, so a dummy header goes first (of a
 * type the kernel does not check, so short IP frames run too). */
static struct verdict judge(const uint8_t *frame, uint32_t len)
{
	static const struct vsw_vlan any = {.mode = VSW_VLAN_NONE};
	uint8_t *a = malloc(len ? len : 1), *b = malloc(len + 14);
	struct pkt p = {.data = a, .len = len}, q = {.data = a, .len = len};
	struct verdict v = {0};
	__u32 ret;

	assert_non_null(a);
	assert_non_null(b);
	memcpy(a, frame, len);
	/* The guard as the switch applies it, and the same question before
	 * any VLAN policy or MTU: neither may be what keeps it back. */
	switch (
	    vsw_classify(&p, 65535, &any, VSW_GUARD_DHCP | VSW_GUARD_ROUTER)) {
	case VSW_DROP_DHCP_GUARD:
	case VSW_DROP_ROUTER_GUARD:
		v.server = true;
		break;
	default:
		break;
	}
	if (vsw_parse(&q, 65535) == VSW_DROP_NONE &&
	    (vsw_is_dhcp_server_msg(&q) || vsw_is_router_msg(&q)))
		v.server = true;
	if (len >= 14) {
		v.tc_ran = run(fast.tc_fd, frame, len, &ret);
		v.redirected = v.tc_ran && ret == TC_ACT_REDIRECT;
		tc_not_run += !v.tc_ran;
		memcpy(b, mac_dst, 6);
		memcpy(b + 6, mac_src, 6);
		pkt_put_be16(b + 12, 0x88b5); /* local experimental */
		memcpy(b + 14, frame, len);
		assert_true(run(fast.sock_fd, b, len + 14, &ret));
		v.hidden = ret == 0;
	}
	free(a);
	free(b);
	return v;
}

/* How to build one test frame.  Zero fields take the OFFER's value. */
struct spec {
	uint16_t tag1, tag2; /* outer and inner tag's TPID, 0: none */
	uint16_t type;	     /* ethertype: 0 means IPv4 */
	uint8_t ver_ihl;     /* 0 means 0x45 */
	uint8_t proto;	     /* 0 means UDP */
	uint16_t frag;	     /* flags and fragment offset */
	uint16_t sport;	     /* 0 means 67 */
	uint16_t dport;	     /* 0 means 68 */
	uint8_t op;	     /* 0 means 2 (BOOTREPLY) */
	uint32_t len;	     /* frame length: 0 means the whole OFFER */
	bool ip6;	     /* a DHCPv6 ADVERTISE instead (547 to 546; ver_ihl
				is the first byte, frag the fragment header's
				offset and M) */
	const uint8_t *ext;  /* its extension headers' types, X_END ends */
	uint16_t plen;	     /* its payload length: 0 means all of it */
	uint8_t icmp6;	     /* IPv6: ICMPv6 of this type (16 bytes) instead
				of UDP */
	uint8_t icmp4;	     /* IPv4: ICMP of this type (16 bytes) instead of
				UDP */
};

#define X_END 255

/* Zero @room bytes of @buf and write the Ethernet header of @s (its tags
 * with VIDs 10 and 20, then its type, @type by default); return where the
 * network header starts. */
static size_t put_eth(uint8_t *buf, size_t room, const struct spec *s,
		      uint16_t type)
{
	size_t o = 12;

	memset(buf, 0, room);
	memcpy(buf, mac_dst, 6);
	memcpy(buf + 6, mac_src, 6);
	if (s->tag1) {
		pkt_put_be16(buf + o, s->tag1);
		pkt_put_be16(buf + o + 2, 10);
		o += 4;
	}
	if (s->tag2) {
		pkt_put_be16(buf + o, s->tag2);
		pkt_put_be16(buf + o + 2, 20);
		o += 4;
	}
	pkt_put_be16(buf + o, s->type ? s->type : type);
	return o + 2;
}

/* A DHCPv6 ADVERTISE from a server (fe80::1:547) to a client (fe80::2:546)
 * behind the extension headers @s lists (8 bytes each; a fragment header
 * carries @s->frag); @s changes it as build() does. */
static uint32_t build6(uint8_t *buf, size_t room, const struct spec *s)
{
	static const uint8_t
	    opts[] = {0,    1,	 0,    10, 0,  3,    0,	  1, 0x52, 0x54, 0,
		      0,    0,	 2, /* DUID */
		      0,    2,	 0,    10, 0,  3,    0,	  1, 0x52, 0x54, 0,
		      0,    0,	 1,    0,  3,  0,    40,  0, 0,	   0,	 1,
		      0,    0,	 7,    8,  0,  0,    0,	  0, 0,	   0,	 0x0b,
		      0x40, 0,	 5,    0,  24, 0xfd, 0,	  0, 6,	   0,	 0,
		      0,    0,	 0,    0,  0,  0,    0,	  0, 1,	   0,	 0,
		      0,    0xe, 0x10, 0,  0,  0x1c, 0x20}; /* IA_NA with
							       fd00:6::100 */
	size_t l3 = put_eth(buf, room, s, ETHERTYPE_IPV6), next, l4, len;

	buf[l3] = s->ver_ihl ? s->ver_ihl : 0x60;
	buf[l3 + 7] = 255;
	buf[l3 + 8] = 0xfe;
	buf[l3 + 9] = 0x80;
	buf[l3 + 23] = 1;
	buf[l3 + 24] = 0xfe;
	buf[l3 + 25] = 0x80;
	buf[l3 + 39] = 2;
	next = l3 + 6;
	l4 = l3 + 40;
	for (const uint8_t *x = s->ext; x && *x != X_END; x++) {
		buf[next] = *x;
		next = l4;
		if (*x == 44)
			pkt_put_be16(buf + l4 + 2, s->frag);
		else
			buf[l4 + 2] = 1, buf[l4 + 3] = 4; /* PadN */
		l4 += 8;
	}
	if (s->icmp6) {
		/* type, code, checksum, router lifetime and the rest */
		buf[next] = 58;
		buf[l4] = s->icmp6;
		buf[l4 + 4] = 64;
		pkt_put_be16(buf + l4 + 6, 1800);
		len = l4 + 16;
		pkt_put_be16(buf + l3 + 4,
			     s->plen ? s->plen : (uint16_t)(len - l3 - 40));
		return (uint32_t)(s->len && s->len < len ? s->len : len);
	}
	buf[next] = s->proto ? s->proto : 17;
	pkt_put_be16(buf + l4, s->sport ? s->sport : 547);
	pkt_put_be16(buf + l4 + 2, s->dport ? s->dport : 546);
	buf[l4 + 8] = s->op ? s->op : 2;
	memcpy(buf + l4 + 9, (const uint8_t[]){0x12, 0x34, 0x56}, 3);
	memcpy(buf + l4 + 12, opts, sizeof(opts));
	len = l4 + 12 + sizeof(opts);
	assert_true(len <= room);
	pkt_put_be16(buf + l3 + 4,
		     s->plen ? s->plen : (uint16_t)(len - l3 - 40));
	pkt_put_be16(buf + l4 + 4, (uint16_t)(len - l4));
	if (s->len && s->len < len)
		len = s->len;
	return (uint32_t)len;
}

/* A DHCP OFFER from a server (192.0.2.1:67) to a client (:68), unicast
 * to the learnt destination MAC; @s changes it. */
static uint32_t build(uint8_t *buf, size_t room, const struct spec *s)
{
	static const uint8_t opts[] = {99, 130, 83,  99, 53, 1, 2,
				       54, 4,	192, 0,	 2,  1, 255};
	uint8_t ver_ihl = s->ver_ihl ? s->ver_ihl : 0x45;
	size_t ihl = (size_t)(ver_ihl & 0xf) * 4, l3, l4, len;

	if (s->ip6)
		return build6(buf, room, s);
	l3 = put_eth(buf, room, s, ETHERTYPE_IPV4);
	if (ihl < 20)
		ihl = 20;
	l4 = l3 + ihl;
	buf[l3] = ver_ihl;
	pkt_put_be16(buf + l3 + 6, s->frag);
	buf[l3 + 8] = 64;
	buf[l3 + 9] = s->proto ? s->proto : 17;
	memcpy(buf + l3 + 12, (const uint8_t[]){192, 0, 2, 1}, 4);
	memcpy(buf + l3 + 16, (const uint8_t[]){192, 0, 2, 50}, 4);
	for (size_t i = l3 + 20; i < l4; i++)
		buf[i] = 1; /* IP options: NOPs */
	if (s->icmp4) {
		/* type, code, checksum, gateway, the start of a header */
		buf[l3 + 9] = s->proto ? s->proto : 1;
		buf[l4] = s->icmp4;
		memcpy(buf + l4 + 4, (const uint8_t[]){192, 0, 2, 254}, 4);
		buf[l4 + 8] = 0x45;
		len = l4 + 16;
		pkt_put_be16(buf + l3 + 2, (uint16_t)(len - l3));
		return (uint32_t)(s->len && s->len < len ? s->len : len);
	}
	pkt_put_be16(buf + l4, s->sport ? s->sport : 67);
	pkt_put_be16(buf + l4 + 2, s->dport ? s->dport : 68);
	/* BOOTP: op, htype, hlen, xid, yiaddr, chaddr, then options */
	buf[l4 + 8] = s->op ? s->op : 2;
	buf[l4 + 9] = 1;
	buf[l4 + 10] = 6;
	memcpy(buf + l4 + 12, (const uint8_t[]){0x12, 0x34, 0x56, 0x78}, 4);
	memcpy(buf + l4 + 8 + 16, (const uint8_t[]){192, 0, 2, 50}, 4);
	memcpy(buf + l4 + 8 + 28, mac_dst, 6);
	memcpy(buf + l4 + 8 + 236, opts, sizeof(opts));
	len = l4 + 8 + 236 + sizeof(opts);
	assert_true(len <= room);
	pkt_put_be16(buf + l3 + 2, (uint16_t)(len - l3));
	pkt_put_be16(buf + l4 + 4, (uint16_t)(len - l4));
	if (s->len && s->len < len)
		len = s->len;
	return (uint32_t)len;
}

/* The property: the switch's server messages are never forwarded in the
 * kernel, by the TC program or behind vnetd's back. */
static void check(const char *what, uint32_t len, const struct verdict *v)
{
	if (v->server && v->redirected)
		fail_msg("%s (%u bytes): a DHCP server or router message for "
			 "the switch, "
			 "redirected by the fast path",
			 what, len);
	if (v->server && v->hidden)
		fail_msg("%s (%u bytes): a DHCP server or router message for "
			 "the switch, "
			 "hidden from vnetd by the socket filter",
			 what, len);
	/* The two programs take one decision. */
	if (v->tc_ran && v->redirected != v->hidden)
		fail_msg("%s (%u bytes): TC %s, socket filter %s", what, len,
			 v->redirected ? "redirects" : "passes",
			 v->hidden ? "hides" : "passes");
}

enum { EITHER, FAST, SLOW }; /* what a named case must do in the kernel */

struct named {
	const char *what;
	struct spec s;
	bool server; /* what the switch must say */
	int path;
};

#define L3 14	     /* untagged IPv4 header's offset */
#define L4 (L3 + 20) /* its UDP header's */
#define Q  ETHERTYPE_VLAN

static const struct named cases[] = {
    /* controls: the redirect path works */
    {"plain UDP 5000 to 5001", {.sport = 5000, .dport = 5001}, false, FAST},
    {"a client's BOOTREQUEST, 68 to 67",
     {.sport = 68, .dport = 67, .op = 1},
     false,
     FAST},
    {"TCP from port 67", {.proto = 6}, false, FAST},
    /* next header (byte 6) UDP */
    {"IPv6 UDP",
     {.type = ETHERTYPE_IPV6, .ver_ihl = 0x60, .frag = 0x1100},
     false,
     FAST},
    /* next header hop-by-hop, payload length 0: the chain ends past it */
    {"IPv6 extension header",
     {.type = ETHERTYPE_IPV6, .ver_ihl = 0x60},
     true,
     SLOW},
    {"ARP", {.type = ETHERTYPE_ARP}, false, FAST},
    /* server messages */
    {"DHCP OFFER, 67 to 68", {0}, true, SLOW},
    {"BOOTREPLY to 68 from port 1234", {.sport = 1234}, true, SLOW},
    {"BOOTREPLY to 68 from port 68", {.sport = 68}, true, SLOW},
    {"BOOTREPLY to 68 from port 65535", {.sport = 0xffff}, true, SLOW},
    {"BOOTREPLY from 67 to a relay's 67", {.dport = 67}, true, SLOW},
    {"BOOTREPLY from 67 to port 5000", {.dport = 5000}, true, SLOW},
    {"OFFER with IP options (IHL 6)", {.ver_ihl = 0x46}, true, SLOW},
    {"OFFER with IP options (IHL 15)", {.ver_ihl = 0x4f}, true, SLOW},
    {"OFFER behind two 802.1Q tags", {.tag1 = Q, .tag2 = Q}, true, SLOW},
    {"OFFER behind 802.1ad", {.tag1 = 0x88a8}, true, SLOW},
    {"OFFER behind a 0x9100 tag", {.tag1 = 0x9100}, true, SLOW},
    {"first fragment from 67, op 1", {.frag = 0x2000, .op = 1}, true, SLOW},
    {"OFFER behind 802.1ad and 802.1Q",
     {.tag1 = 0x88a8, .tag2 = Q},
     true,
     SLOW},
    {"OFFER behind one tag", {.tag1 = Q}, true, SLOW},
    {"first fragment of an OFFER", {.frag = 0x2000}, true, SLOW},
    {"first fragment, no op byte", {.frag = 0x2000, .len = L4 + 8}, true, SLOW},
    {"first fragment, UDP header cut",
     {.frag = 0x2000, .len = L4 + 5},
     true,
     SLOW},
    {"first fragment, only the IPv4 header",
     {.frag = 0x2000, .len = L4},
     true,
     SLOW},
    {"first fragment from port 68, no op byte",
     {.frag = 0x2000, .sport = 68, .len = L4 + 8},
     true,
     SLOW},
    /* not server messages for the switch; the program may be stricter */
    {"first fragment 999 to 1000",
     {.frag = 0x2000, .sport = 999, .dport = 1000},
     false,
     SLOW},
    {"later fragment (offset 1)", {.frag = 0x0001}, false, SLOW},
    {"last fragment (offset 185)", {.frag = 0x00b9}, false, SLOW},
    {"later fragment with MF", {.frag = 0x2001}, false, SLOW},
    {"BOOTREQUEST from 67 to 68", {.op = 1}, false, EITHER},
    {"OFFER without its op byte", {.len = L4 + 8}, false, EITHER},
    {"IP version 6 in an IPv4 frame", {.ver_ihl = 0x65}, false, SLOW},
    {"IHL below 5", {.ver_ihl = 0x44}, false, SLOW},
    /* DHCPv6 */
    {"IPv6 UDP 5000 to 5001",
     {.ip6 = 1, .sport = 5000, .dport = 5001},
     false,
     FAST},
    {"a client's SOLICIT, 546 to 547",
     {.ip6 = 1, .sport = 546, .dport = 547, .op = 1},
     false,
     FAST},
    {"IPv6 TCP from 547 to 546", {.ip6 = 1, .proto = 6}, false, FAST},
    {"DHCPv6 ADVERTISE, 547 to 546", {.ip6 = 1}, true, SLOW},
    {"DHCPv6 REPLY", {.ip6 = 1, .op = 7}, true, SLOW},
    {"DHCPv6 RECONFIGURE", {.ip6 = 1, .op = 10}, true, SLOW},
    {"RELAY-REPL, 547 to a relay's 547",
     {.ip6 = 1, .op = 13, .dport = 547},
     true,
     SLOW},
    {"ADVERTISE from port 1234 to 546", {.ip6 = 1, .sport = 1234}, true, SLOW},
    {"ADVERTISE from 547 to port 5000", {.ip6 = 1, .dport = 5000}, true, SLOW},
    {"ADVERTISE behind hop-by-hop",
     {.ip6 = 1, .ext = (const uint8_t[]){0, X_END}},
     true,
     SLOW},
    {"ADVERTISE behind routing and destination options",
     {.ip6 = 1, .ext = (const uint8_t[]){43, 60, X_END}},
     true,
     SLOW},
    {"first fragment of an ADVERTISE",
     {.ip6 = 1, .ext = (const uint8_t[]){44, X_END}, .frag = 1},
     true,
     SLOW},
    {"first fragment, UDP header cut",
     {.ip6 = 1, .ext = (const uint8_t[]){44, X_END}, .frag = 1, .len = 66},
     true,
     SLOW},
    {"hop-by-hop cut: the chain ends past the frame",
     {.ip6 = 1, .ext = (const uint8_t[]){0, X_END}, .len = 58},
     true,
     SLOW},
    {"ADVERTISE behind a tag", {.ip6 = 1, .tag1 = Q}, true, SLOW},
    {"a relay's RELAY-FORW, 547 to 547",
     {.ip6 = 1, .op = 12, .dport = 547},
     false,
     SLOW},
    {"SOLICIT type from 547 to 546", {.ip6 = 1, .op = 1}, false, SLOW},
    {"later fragment of an ADVERTISE",
     {.ip6 = 1, .ext = (const uint8_t[]){44, X_END}, .frag = 8},
     false,
     SLOW},
    {"ICMPv6", {.ip6 = 1, .proto = 58}, false, SLOW},
    /* router guard: every ICMPv6 goes to vnetd */
    {"router advertisement", {.ip6 = 1, .icmp6 = 134}, true, SLOW},
    {"redirect", {.ip6 = 1, .icmp6 = 137}, true, SLOW},
    {"router advertisement behind hop-by-hop",
     {.ip6 = 1, .icmp6 = 134, .ext = (const uint8_t[]){0, X_END}},
     true,
     SLOW},
    {"redirect behind destination options",
     {.ip6 = 1, .icmp6 = 137, .ext = (const uint8_t[]){60, X_END}},
     true,
     SLOW},
    {"first fragment of a router advertisement",
     {.ip6 = 1, .icmp6 = 134, .ext = (const uint8_t[]){44, X_END}, .frag = 1},
     true,
     SLOW},
    {"first fragment of a redirect",
     {.ip6 = 1, .icmp6 = 137, .ext = (const uint8_t[]){44, X_END}, .frag = 1},
     true,
     SLOW},
    {"later fragment of a router advertisement",
     {.ip6 = 1, .icmp6 = 134, .ext = (const uint8_t[]){44, X_END}, .frag = 8},
     false,
     SLOW},
    {"router advertisement behind a tag",
     {.ip6 = 1, .icmp6 = 134, .tag1 = Q},
     true,
     SLOW},
    {"echo request", {.ip6 = 1, .icmp6 = 128}, false, SLOW},
    /* router guard, IPv4: ICMP redirects go to vnetd, other ICMP not */
    {"ICMP echo request", {.icmp4 = 8}, false, FAST},
    {"ICMP destination unreachable", {.icmp4 = 3}, false, FAST},
    {"ICMP redirect", {.icmp4 = 5}, true, SLOW},
    {"ICMP redirect with IP options",
     {.icmp4 = 5, .ver_ihl = 0x46},
     true,
     SLOW},
    {"ICMP redirect behind a tag", {.icmp4 = 5, .tag1 = Q}, true, SLOW},
    {"ICMP redirect behind 802.1ad", {.icmp4 = 5, .tag1 = 0x88a8}, true, SLOW},
    {"first fragment of an ICMP redirect",
     {.icmp4 = 5, .frag = 0x2000},
     true,
     SLOW},
    {"first fragment of an ICMP echo",
     {.icmp4 = 8, .frag = 0x2000},
     false,
     SLOW},
    {"first fragment of ICMP cut before its type",
     {.icmp4 = 8, .frag = 0x2000, .len = L4},
     true,
     SLOW},
    {"later fragment of an ICMP redirect",
     {.icmp4 = 5, .frag = 1},
     false,
     SLOW},
    {"ADVERTISE type past the payload length",
     {.ip6 = 1, .plen = 8},
     false,
     EITHER},
    {"IPv6 header cut", {.ip6 = 1, .len = 14 + 30}, false, EITHER},
    {"Ethernet header only", {.len = 14}, false, EITHER},
    {"IPv4 header cut", {.len = L3 + 10}, false, SLOW},
};

#define OFFER 6 /* cases[OFFER]: the plain DHCP OFFER */

/* The index of the case named @what. */
static size_t case_index(const char *what)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		if (!strcmp(cases[i].what, what))
			return i;
	fail_msg("no case '%s'", what);
	return 0;
}

static void need_bpf(void)
{
	if (!fast.obj) {
		print_message("%s: skipped\n", fast.why);
		skip();
	}
}

static void test_named(void **state)
{
	need_bpf();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct named *c = &cases[i];
		uint8_t buf[512];
		uint32_t len = build(buf, sizeof(buf), &c->s);
		struct verdict v;

		maps_reset(&fast);
		v = judge(buf, len);
		check(c->what, len, &v);
		if (v.server != c->server)
			fail_msg("%s: the switch says %s", c->what,
				 v.server ? "server message" : "none");
		if ((c->path == FAST && !v.hidden) ||
		    (c->path == SLOW && v.hidden))
			fail_msg("%s: the fast path %s it", c->what,
				 v.hidden ? "takes" : "does not take");
	}
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Case @base (or @alt, or one of the named frames) with a few bytes changed,
 * mostly in the headers (the first @span bytes from the ethertype on),
 * sometimes cut short: a fixed sequence from @x, so a failure repeats.  Enough
 * of them must stay server messages, and enough must take the fast path, for
 * the comparison to mean something. */
static void mutate(size_t base, size_t alt, size_t span, uint64_t x)
{
	unsigned server = 0, redirected = 0, rounds = 20000;

	maps_reset(&fast);
	for (unsigned round = 0; round < rounds; round++) {
		size_t i = round % 4 == 0   ? (round / 4) % ARRAY_SIZE(cases)
			   : round % 4 == 1 ? alt
					    : base;
		const struct named *c = &cases[i];
		uint8_t buf[512];
		uint32_t len = build(buf, sizeof(buf), &c->s);
		unsigned n = 1 + xorshift(&x) % 3;
		char what[96];
		struct verdict v;

		for (unsigned k = 0; k < n; k++) {
			uint64_t r = xorshift(&x);
			/* from the ethertype to the op or type, mostly */
			size_t at =
			    r % 8 ? 12 + (r >> 8) % span : (r >> 8) % len;

			buf[at % len] = (uint8_t)(r >> 40);
		}
		if (!(xorshift(&x) % 8))
			len = 14 + (uint32_t)(xorshift(&x) % (len - 13));
		if (!(round % 256))
			maps_reset(
			    &fast); /* mutated sources fill the port's quota
				     */
		v = judge(buf, len);
		snprintf(what, sizeof(what), "mutation %u of '%s'", round,
			 c->what);
		check(what, len, &v);
		server += v.server;
		redirected += v.hidden;
	}
	print_message("%u mutations of '%s': %u server messages, %u forwarded "
		      "in the kernel, %u too short for the TC program's test "
		      "run\n",
		      rounds, cases[base].what, server, redirected, tc_not_run);
	assert_true(server > rounds / 10);
	assert_true(redirected > rounds / 20);
}

static void test_mutated(void **state)
{
	need_bpf();
	assert_string_equal(cases[OFFER].what, "DHCP OFFER, 67 to 68");
	mutate(OFFER, OFFER, 40, 0x2545f4914f6cdd1dull);
}

/* The same for IPv6 (the headers from the ethertype to the DHCPv6 type are
 * 51 bytes), a client's SOLICIT mutated too: a byte or two from a server
 * message. */
static void test_mutated6(void **state)
{
	need_bpf();
	mutate(case_index("DHCPv6 ADVERTISE, 547 to 546"),
	       case_index("a client's SOLICIT, 546 to 547"), 51,
	       0x9e3779b97f4a7c15ull);
}

/* The same for a router advertisement (the headers from the ethertype to
 * the ICMPv6 type are 42 bytes), IPv6 TCP (which the fast path takes)
 * mutated too: a byte from ICMPv6. */
static void test_mutated_ra(void **state)
{
	need_bpf();
	mutate(case_index("router advertisement"),
	       case_index("IPv6 TCP from 547 to 546"), 43,
	       0xd1b54a32d192ed03ull);
}

/* The same for an IPv4 ICMP redirect (the headers from the ethertype to
 * the ICMP type are 23 bytes), an echo request (which the fast path takes)
 * mutated too: a byte from a redirect. */
static void test_mutated_redirect4(void **state)
{
	need_bpf();
	mutate(case_index("ICMP redirect"), case_index("ICMP echo request"), 23,
	       0x94d049bb133111ebull);
}

/* A slot's counters in @f, summed over the CPUs. */
static void slot_stats(const struct fast *f, __u32 slot,
		       struct vnic_fast_stats *st)
{
	int ncpus = libbpf_num_possible_cpus();
	struct vnic_fast_stats *pc;

	assert_true(ncpus > 0);
	pc = calloc((size_t)ncpus, sizeof(*pc));
	assert_non_null(pc);
	assert_int_equal(bpf_map_lookup_elem(f->stats_fd, &slot, pc), 0);
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < ncpus; i++)
		vnic_fast_stats_add(st, &pc[i]);
	free(pc);
}

/* What one frame through @f's TC program did to the counters of the
 * ingress port (slot 0) and the egress one (slot 1); its verdict in
 * @verdict. */
static void count_one(const struct fast *f, const uint8_t *frame, uint32_t len,
		      __u32 *verdict, struct vnic_fast_stats *in,
		      struct vnic_fast_stats *out)
{
	struct vnic_fast_stats in0, out0;

	maps_reset(f);
	slot_stats(f, 0, &in0);
	slot_stats(f, 1, &out0);
	assert_true(run(f->tc_fd, frame, len, verdict));
	slot_stats(f, 0, in);
	slot_stats(f, 1, out);
	in->rx_packets -= in0.rx_packets;
	in->rx_bytes -= in0.rx_bytes;
	out->tx_packets -= out0.tx_packets;
	out->tx_bytes -= out0.tx_bytes;
}

/* A forwarded frame counts as rx on its port and tx on the other. */
static void test_counted(void **state)
{
	const struct spec plain = {.sport = 5000, .dport = 5001};
	struct vnic_fast_stats in, out;
	uint8_t buf[512];
	uint32_t len;
	__u32 verdict;

	need_bpf();
	len = build(buf, sizeof(buf), &plain);
	count_one(&fast, buf, len, &verdict, &in, &out);
	assert_int_equal(verdict, TC_ACT_REDIRECT);
	assert_int_equal(in.rx_packets, 1);
	assert_int_equal(in.rx_bytes, len);
	assert_int_equal(out.tx_packets, 1);
	assert_int_equal(out.tx_bytes, len);
}

/* MACs of slot 0 in the fast path's table (the one maps_reset() put
 * there included). */
static unsigned slot0_macs(const struct fast *f)
{
	struct vnic_fast_key k, next, *prev = NULL;
	struct vnic_fast_fdb e;
	unsigned n = 0;

	while (!bpf_map_get_next_key(f->fdb_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (!bpf_map_lookup_elem(f->fdb_fd, &k, &e) &&
		    e.ifindex == (__u32)f->in_ifindex)
			n++;
	}
	return n;
}

struct learner {
	unsigned id, frames;
	bool ran;
};

/* Frames from @l->frames source MACs of its own, none seen before. */
static void *learn_from(void *arg)
{
	struct learner *l = arg;
	const struct spec plain = {.sport = 5000, .dport = 5001};
	uint8_t buf[512];
	uint32_t len = build(buf, sizeof(buf), &plain);

	for (unsigned i = 0; i < l->frames; i++) {
		struct bpf_test_run_opts o = {
		    .sz = sizeof(o), .data_in = buf, .data_size_in = len};

		buf[6 + 2] = (uint8_t)(0x10 + l->id);
		pkt_put_be16(buf + 6 + 3, (uint16_t)(i >> 8));
		buf[6 + 5] = (uint8_t)i;
		if (bpf_prog_test_run_opts(fast.tc_fd, &o))
			return NULL;
	}
	l->ran = true;
	return NULL;
}

/* A port learns at most its MAC limit in the kernel: a MAC past it is
 * neither put in the table nor left in the port's count, also when two
 * CPUs learn on the port at once (each takes its place in the count
 * before it looks). */
static void test_learn_limit(void **state)
{
	struct vnic_fast_port in = {
	    .net = NET, .enabled = 1, .slot = 0, .mtu = 1500, .mac_limit = 0};
	__u32 key, slot = 0;
	__u64 count;
	struct learner l[2] = {{.id = 0}, {.id = 1}};
	pthread_t t[2];

	need_bpf();
	for (unsigned limit = 3; limit <= 3000; limit *= 1000) {
		maps_reset(&fast);
		in.mac_limit = limit;
		key = (__u32)fast.in_ifindex;
		assert_int_equal(
		    bpf_map_update_elem(fast.ports_fd, &key, &in, 0), 0);
		for (unsigned i = 0; i < 2; i++) {
			l[i].frames = limit == 3 ? 4 : 2000;
			l[i].ran = false;
			assert_int_equal(
			    pthread_create(&t[i], NULL, learn_from, &l[i]), 0);
		}
		for (unsigned i = 0; i < 2; i++) {
			assert_int_equal(pthread_join(t[i], NULL), 0);
			if (!l[i].ran)
				skip();
		}
		assert_int_equal(
		    bpf_map_lookup_elem(fast.learned_fd, &slot, &count), 0);
		assert_int_equal(count, limit);
		assert_int_equal(slot0_macs(&fast), limit + 1);
	}
}

/* A plain UDP frame whose IPv4 datagram is @l3 bytes long, in @buf;
 * return its length. */
static uint32_t build_sized(uint8_t *buf, size_t room, uint32_t l3)
{
	const struct spec plain = {.sport = 5000, .dport = 5001};

	assert_true(14 + l3 <= room);
	(void)build(buf, room, &plain);
	pkt_put_be16(buf + 14 + 2, (uint16_t)l3);
	pkt_put_be16(buf + 14 + 20 + 4, (uint16_t)(l3 - 20));
	return 14 + l3;
}

/* Frames of @l3 bytes after the Ethernet header with the egress port's
 * MTU @mtu (the ingress port's stays 1500): @forwarded says whether the
 * fast path must take it (redirected, hidden from vnetd, counted) or leave
 * it to vnetd (neither, counted nowhere). */
static void sized(uint32_t l3, __u32 mtu, bool forwarded)
{
	struct vnic_fast_port out = {
	    .net = NET, .enabled = 1, .slot = 1, .mtu = mtu};
	struct vnic_fast_stats in0, in1, out0, out1;
	__u32 key = OUT_IFINDEX;
	uint8_t buf[2048];
	struct verdict v;
	uint32_t len = build_sized(buf, sizeof(buf), l3);

	maps_reset(&fast);
	assert_int_equal(bpf_map_update_elem(fast.ports_fd, &key, &out, 0), 0);
	slot_stats(&fast, 0, &in0);
	slot_stats(&fast, 1, &out0);
	v = judge(buf, len);
	slot_stats(&fast, 0, &in1);
	slot_stats(&fast, 1, &out1);
	assert_true(v.tc_ran);
	if (v.redirected != forwarded || v.hidden != forwarded)
		fail_msg("%u bytes with MTU %u: redirected %d, hidden %d, "
			 "want %d",
			 l3, mtu, v.redirected, v.hidden, forwarded);
	assert_int_equal(in1.rx_packets - in0.rx_packets, forwarded);
	assert_int_equal(out1.tx_packets - out0.tx_packets, forwarded);
}

/* A frame longer than the egress port's MTU (not a GSO super-frame) is
 * not forwarded in the kernel, which would hand it to the namespace
 * whatever its MTU: vnetd sees it and drops it as oversize, as the
 * switch's parser says here. */
static void test_oversize_to_vnetd(void **state)
{
	uint8_t buf[2048];
	struct pkt p = {.data = buf};

	need_bpf();
	sized(1500, 1500, true);
	sized(1501, 1500, false);
	sized(1280, 1280, true);
	sized(1281, 1280, false);
	sized(2000, 1500, false);
	p.len = build_sized(buf, sizeof(buf), 1501);
	assert_int_equal(vsw_parse(&p, 1500), VSW_DROP_OVERSIZE);
	p.len = build_sized(buf, sizeof(buf), 1500);
	assert_int_equal(vsw_parse(&p, 1500), VSW_DROP_NONE);
}

/* How a GSO test super-frame is built: IPv4 options and the TCP header's
 * length, both in 32-bit words. */
struct gso_hdrs {
	uint8_t ip_opts; /* IPv4 only: 0 none */
	uint8_t doff;	 /* TCP: 0 means 8 (timestamps) */
};

/* A GSO super-frame of @len bytes: IPv4 or IPv6 (@ip6), then @proto
 * (UDP, or TCP with the header @g says, or ICMP) with no payload bytes
 * set; return the length of its headers (Ethernet to L4). */
static uint32_t build_gso(uint8_t *buf, uint32_t len, bool ip6, uint8_t proto,
			  const struct gso_hdrs *g)
{
	uint32_t l4 = ip6 ? 14 + 40 : 14 + 20 + 4 * g->ip_opts;
	uint8_t doff = g->doff ? g->doff : 8;

	memset(buf, 0, len);
	memcpy(buf, mac_dst, 6);
	memcpy(buf + 6, mac_src, 6);
	pkt_put_be16(buf + 12, ip6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4);
	if (ip6) {
		buf[14] = 0x60;
		pkt_put_be16(buf + 14 + 4, (uint16_t)(len - l4));
		buf[14 + 6] = proto;
		buf[14 + 7] = 64;
		buf[14 + 8] = buf[14 + 24] = 0xfe;
		buf[14 + 9] = buf[14 + 25] = 0x80;
		buf[14 + 23] = 1;
		buf[14 + 39] = 2;
	} else {
		buf[14] = (uint8_t)(0x45 + g->ip_opts);
		pkt_put_be16(buf + 14 + 2, (uint16_t)(len - 14));
		buf[14 + 8] = 64;
		buf[14 + 9] = proto;
		memcpy(buf + 14 + 12, (const uint8_t[]){192, 0, 2, 1}, 4);
		memcpy(buf + 14 + 16, (const uint8_t[]){192, 0, 2, 2}, 4);
		memset(buf + 14 + 20, 1, 4 * g->ip_opts); /* NOPs */
	}
	if (proto == IPPROTO_ICMP) {
		buf[l4] = 8; /* echo request */
		return l4 + 8;
	}
	pkt_put_be16(buf + l4, 5000);
	pkt_put_be16(buf + l4 + 2, 5001);
	if (proto == IPPROTO_UDP) {
		pkt_put_be16(buf + l4 + 4, (uint16_t)(len - l4));
		return l4 + 8;
	}
	buf[l4 + 12] = (uint8_t)(doff << 4); /* data offset */
	buf[l4 + 13] = 0x10;		     /* ACK */
	return l4 + 4u * doff;
}

/* A GSO super-frame built as @g says, cut into segments of @gso_size
 * payload bytes, sent to a port of MTU @mtu: @forwarded says whether the
 * fast path takes it, and vnetd's parser must drop exactly what the fast
 * path leaves to it over the MTU (ICMP is never segmented, only refused
 * here; IPv4 with options is vnetd's whatever its size). */
static void gso_as(bool ip6, uint8_t proto, const struct gso_hdrs *g,
		   __u32 gso_size, __u32 mtu, bool forwarded)
{
	struct vnic_fast_port out = {
	    .net = NET, .enabled = 1, .slot = 1, .mtu = mtu};
	__u32 key = OUT_IFINDEX;
	uint8_t buf[3000];
	uint32_t hdr = build_gso(buf, sizeof(buf), ip6, proto, g);
	struct pkt p = {.data = buf, .len = sizeof(buf)};
	struct verdict v;

	maps_reset(&fast);
	assert_int_equal(bpf_map_update_elem(fast.ports_fd, &key, &out, 0), 0);
	run_gso_size = gso_size;
	v = judge(buf, sizeof(buf));
	run_gso_size = 0;
	assert_true(v.tc_ran);
	if (v.redirected != forwarded || v.hidden != forwarded)
		fail_msg("%s proto %u (IP options %u, TCP header %u words) "
			 "gso_size %u to MTU %u: redirected %d, hidden %d, "
			 "want %d",
			 ip6 ? "IPv6" : "IPv4", proto, g->ip_opts, g->doff,
			 gso_size, mtu, v.redirected, v.hidden, forwarded);
	if (proto == IPPROTO_ICMP || g->ip_opts)
		return;
	p.ol.gso_type = proto == IPPROTO_UDP ? PKT_GSO_UDP_L4
			: ip6		     ? PKT_GSO_TCPV6
					     : PKT_GSO_TCPV4;
	p.ol.gso_size = (uint16_t)gso_size;
	p.ol.hdr_len = (uint8_t)hdr;
	assert_int_equal(vsw_parse(&p, mtu),
			 forwarded ? VSW_DROP_NONE : VSW_DROP_OVERSIZE);
}

/* gso_as() with no IP options and a 32-byte TCP header. */
static void gso(bool ip6, uint8_t proto, __u32 gso_size, __u32 mtu,
		bool forwarded)
{
	const struct gso_hdrs g = {.doff = 8};

	gso_as(ip6, proto, &g, gso_size, mtu, forwarded);
}

/* A GSO super-frame is judged by its segments: gso_size and the IP and
 * TCP or UDP headers each one repeats must fit the egress port's MTU, or
 * vnetd sees the frame (and drops it as oversize); the peer of a
 * redirect takes the super-frame whole and never cuts it. */
static void test_gso_oversize_to_vnetd(void **state)
{
	(void)state;
	need_bpf();
	gso(false, IPPROTO_UDP, 1472, 1500, true);
	gso(false, IPPROTO_UDP, 1473, 1500, false);
	gso(false, IPPROTO_UDP, 8000, 1500, false);
	gso(false, IPPROTO_UDP, 8000, 9000, true);
	gso(false, IPPROTO_TCP, 1448, 1500, true);
	gso(false, IPPROTO_TCP, 1449, 1500, false);
	gso(true, IPPROTO_UDP, 1452, 1500, true);
	gso(true, IPPROTO_UDP, 1453, 1500, false);
	gso(true, IPPROTO_TCP, 1428, 1500, true);
	gso(true, IPPROTO_TCP, 1429, 1500, false);
	gso(true, IPPROTO_TCP, 65000, 1500, false);
	gso(false, IPPROTO_ICMP, 1000, 1500, false);
}

/* An IPv4 TCP super-frame's segment length takes the TCP header's length
 * from the header itself (read from the copy the program made): a
 * 20-byte header fits 1460 bytes in 1500, a 60-byte one 1420.  With IP
 * options the frame is vnetd's whatever its segments (needs_guard()). */
static void test_gso_tcp4_header(void **state)
{
	const struct gso_hdrs plain = {.doff = 5}, longest = {.doff = 15},
			      opts = {.ip_opts = 1, .doff = 5},
			      opts_max = {.ip_opts = 10, .doff = 15};

	(void)state;
	need_bpf();
	gso_as(false, IPPROTO_TCP, &plain, 1460, 1500, true);
	gso_as(false, IPPROTO_TCP, &plain, 1461, 1500, false);
	gso_as(false, IPPROTO_TCP, &longest, 1420, 1500, true);
	gso_as(false, IPPROTO_TCP, &longest, 1421, 1500, false);
	gso_as(false, IPPROTO_TCP, &plain, 8960, 9000, true);
	gso_as(false, IPPROTO_TCP, &plain, 8961, 9000, false);
	gso_as(false, IPPROTO_TCP, &opts, 1000, 1500, false);
	gso_as(false, IPPROTO_TCP, &opts, 1456, 1500, false);
	gso_as(false, IPPROTO_TCP, &opts_max, 500, 1500, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_named),
	    cmocka_unit_test(test_mutated),
	    cmocka_unit_test(test_mutated6),
	    cmocka_unit_test(test_mutated_ra),
	    cmocka_unit_test(test_mutated_redirect4),
	    cmocka_unit_test(test_counted),
	    cmocka_unit_test(test_learn_limit),
	    cmocka_unit_test(test_oversize_to_vnetd),
	    cmocka_unit_test(test_gso_oversize_to_vnetd),
	    cmocka_unit_test(test_gso_tcp4_header),
	};

	return cmocka_run_group_tests_name("vnic_fast_guard", tests,
					   group_setup, group_teardown);
}
