// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vswitch_classify.c - the one-pass classifier (Ethernet, VLAN policy,
 * DHCP and router guards, IPv6 and IPv4) against named frames, against a
 * reference decoder of its own written here from the rules (it calls none of
 * the switch's helpers, so a regression inside them shows), and against the
 * three separate checks it replaces on the datapath, on every truncation and
 * many mutations; its burst form against the single one */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "vswitch/vswitch_priv.h"

/* Room for any test frame (nine IPv6 extension headers behind tags). */
#define ROOM 256
/* Ends frame_spec.ext. */
#define X_END 255

/* How to build one test frame: Ethernet (tag optional), IPv4 or IPv6
 * (extension headers optional), UDP, the first payload byte (BOOTP op,
 * DHCPv6 message type). */
struct frame_spec {
	uint16_t vid;	 /* 0: untagged */
	uint16_t vid2;	 /* a second (inner) tag, 0: none */
	uint16_t type;	 /* ethertype after the tag; 0 means IPv4 */
	uint8_t ver_ihl; /* 0 means 0x45 */
	uint8_t proto;	 /* 0 means UDP */
	uint16_t frag;	 /* flags and fragment offset */
	uint16_t sport;	 /* 0 means 67 */
	uint16_t dport;	 /* 0 means 68 */
	uint8_t op;	 /* 0 means 2 (BOOTREPLY) */
	int cut;	 /* bytes removed from the end (the op byte is last) */
	uint8_t src0;	 /* first byte of the source MAC; 0 means 0x52 */
	const uint16_t *more; /* TPIDs of tags (VID 30) put first; 0 ends */
	uint16_t tot;	      /* IPv4 total length; 0: up to the op byte */
	bool ip6;	      /* IPv6: ports default to 547 and 546, op to
				 2 (ADVERTISE), tot is the payload length,
				 frag the fragment header's offset and M */
	const uint8_t *ext;   /* IPv6 extension headers' types, X_END ends */
	uint8_t xlen;	      /* their length field (not a fragment's) */
	uint8_t icmp6;	      /* IPv6: ICMPv6 of this type (8 bytes: type,
				 code, checksum, 4 more) instead of UDP */
	uint8_t icmp4;	      /* IPv4: ICMP of this type (8 bytes, as
				 ICMPv6's) instead of UDP */
	bool prio;	      /* a priority tag (802.1Q, VID 0) before all */
};

/* Write IPv6 from @o on, as @s says; return the frame's length before the
 * cut.  Hop-by-hop, routing and destination options headers are
 * (xlen + 1) * 8 bytes (a PadN option over the rest), an authentication
 * header (xlen + 2) * 4. */
static size_t build6(uint8_t *buf, size_t o, const struct frame_spec *s)
{
	size_t ip = o, next = o + 6;

	buf[o] = s->ver_ihl ? s->ver_ihl : 0x60;
	buf[o + 7] = 255;
	buf[o + 8] = 0xfe; /* fe80::1 to fe80::2 */
	buf[o + 9] = 0x80;
	buf[o + 23] = 1;
	buf[o + 24] = 0xfe;
	buf[o + 25] = 0x80;
	buf[o + 39] = 2;
	o += 40;
	for (const uint8_t *x = s->ext; x && *x != X_END; x++) {
		buf[next] = *x;
		next = o;
		if (*x == 44) {
			pkt_put_be16(buf + o + 2, s->frag);
			o += 8;
		} else if (*x == 51) {
			buf[o + 1] = s->xlen;
			o += (s->xlen + 2u) * 4;
		} else {
			buf[o + 1] = s->xlen;
			buf[o + 2] = 1; /* PadN */
			buf[o + 3] = (uint8_t)(s->xlen * 8 + 4);
			o += (s->xlen + 1u) * 8;
		}
	}
	if (s->icmp6) {
		buf[next] = 58;
		buf[o] = s->icmp6;
		o += 8;
		pkt_put_be16(buf + ip + 4,
			     s->tot ? s->tot : (uint16_t)(o - ip - 40));
		return o;
	}
	buf[next] = s->proto ? s->proto : 17;
	pkt_put_be16(buf + o, s->sport ? s->sport : 547);
	pkt_put_be16(buf + o + 2, s->dport ? s->dport : 546);
	pkt_put_be16(buf + o + 4, 9);
	o += 8;
	buf[o++] = s->op ? s->op : 2;
	pkt_put_be16(buf + ip + 4, s->tot ? s->tot : (uint16_t)(o - ip - 40));
	return o;
}

/* Write the frame into @buf; return its length. */
static uint32_t build(uint8_t *buf, size_t room, const struct frame_spec *s)
{
	static const uint8_t macs[12] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0x52, 0x54, 0x00, 0x00, 0x00, 0x01};
	uint8_t ver_ihl = s->ver_ihl ? s->ver_ihl : 0x45;
	size_t ihl = (size_t)(ver_ihl & 0xf) * 4, o = 12, ip, len;

	memset(buf, 0, room);
	memcpy(buf, macs, 12);
	if (s->src0)
		buf[6] = s->src0;
	if (s->prio) {
		pkt_put_be16(buf + o, ETHERTYPE_VLAN);
		pkt_put_be16(buf + o + 2, 0xa000);
		o += 4;
	}
	for (const uint16_t *t = s->more; t && *t; t++) {
		pkt_put_be16(buf + o, *t);
		pkt_put_be16(buf + o + 2, 30);
		o += 4;
	}
	if (s->vid) {
		pkt_put_be16(buf + o, ETHERTYPE_VLAN);
		pkt_put_be16(buf + o + 2, (uint16_t)(0x6000 | s->vid));
		o += 4;
	}
	if (s->vid2) {
		pkt_put_be16(buf + o, ETHERTYPE_VLAN);
		pkt_put_be16(buf + o + 2, s->vid2);
		o += 4;
	}
	if (s->ip6) {
		pkt_put_be16(buf + o, s->type ? s->type : ETHERTYPE_IPV6);
		len = build6(buf, o + 2, s) - (size_t)s->cut;
		assert_true(len <= room);
		return (uint32_t)len;
	}
	pkt_put_be16(buf + o, s->type ? s->type : ETHERTYPE_IPV4);
	o += 2;
	ip = o;
	buf[o] = ver_ihl;
	pkt_put_be16(buf + o + 6, s->frag);
	buf[o + 8] = 64;
	buf[o + 9] = s->proto ? s->proto : s->icmp4 ? 1 : 17;
	o += ihl < 20 ? 20 : ihl;
	if (s->icmp4) {
		buf[o] = s->icmp4;
		o += 8;
		pkt_put_be16(buf + ip + 2,
			     s->tot ? s->tot : (uint16_t)(o - ip));
		len = o - (size_t)s->cut;
		assert_true(len <= room);
		return (uint32_t)len;
	}
	pkt_put_be16(buf + o, s->sport ? s->sport : 67);
	pkt_put_be16(buf + o + 2, s->dport ? s->dport : 68);
	pkt_put_be16(buf + o + 4, 9);
	o += 8;
	buf[o++] = s->op ? s->op : 2;
	pkt_put_be16(buf + ip + 2,
		     s->tot ? s->tot : (uint16_t)(o - ip)); /* before the cut */
	len = o - (size_t)s->cut;
	assert_true(len <= room);
	return (uint32_t)len;
}

/* The ingress port as the reference sees it: a trunk allows VLAN 10 and
 * its native VLAN, nothing else (port_vlan() below sets the same). */
struct ref_port {
	int mode; /* VSW_VLAN_* */
	uint16_t access, native;
};

/* What the reference records of a frame it lets through (or guards). */
struct ref_out {
	bool tagged;
	uint16_t ethertype, l3_ofs, vlan;
};

static uint16_t ref_be16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* Whether @ip (@left bytes) is IPv4 with protocol @proto, not a later
 * fragment, its whole header present within the total length: then
 * @left is cut to the total length, @ihl and @more (MF) are set. */
static bool ref_ip4_first(const uint8_t *ip, uint8_t proto, size_t *left,
			  size_t *ihl, bool *more)
{
	size_t tot;

	if (*left < 20 || ip[0] >> 4 != 4 || ip[9] != proto)
		return false;
	if (ref_be16(ip + 6) & 0x1fff)
		return false;
	*more = (ip[6] & 0x20) != 0;
	tot = ref_be16(ip + 2);
	if (tot < *left)
		*left = tot;
	*ihl = (size_t)(ip[0] & 0x0f) * 4;
	return *ihl >= 20 && *ihl <= *left;
}

/* Whether @left bytes at @ip are a DHCP server message: IPv4 (version 4,
 * IHL 5 or more, all of the header present within the total length), UDP,
 * not a later fragment; from port 67 or to port 68, and then: a first
 * fragment (MF set), or a whole datagram with op 2 (BOOTREPLY) first in its
 * payload, within the total length.  A first fragment cut before the ports
 * counts as one. */
static bool ref_dhcp_server(const uint8_t *ip, size_t left)
{
	size_t ihl;
	bool more;

	if (!ref_ip4_first(ip, 17, &left, &ihl, &more))
		return false;
	if (left - ihl < 8)
		return more;
	if (ref_be16(ip + ihl) != 67 && ref_be16(ip + ihl + 2) != 68)
		return false;
	if (more)
		return true;
	return left - ihl >= 9 && ip[ihl + 8] == 2;
}

/* Whether @left bytes at @ip are a router's IPv4 message: IPv4 (version
 * 4, IHL 5 or more, all of the header present within the total length),
 * ICMP, not a later fragment; then: an ICMP Redirect (type 5, the first
 * byte after the header, within the total length), or a first fragment
 * (MF set) that ends before its type. */
static bool ref_icmp4_router(const uint8_t *ip, size_t left)
{
	size_t ihl;
	bool more;

	if (!ref_ip4_first(ip, 1, &left, &ihl, &more))
		return false;
	if (left == ihl)
		return more;
	return ip[ihl] == 5;
}

/* What the reference finds in an IPv6 packet. */
enum ref6 { R6_NONE, R6_HIDDEN, R6_DHCP, R6_ROUTER };

/* What @left bytes at @ip are: IPv6 (version 6), looked at within its
 * payload length; up to eight extension headers (hop-by-hop, routing,
 * fragment, authentication, destination options) are skipped, a ninth or
 * one cut short hides the rest (R6_HIDDEN), a later fragment (offset not
 * 0) is nothing.  Then UDP from port 547 or to port 546, and then: a
 * first fragment (M set), or a whole datagram whose type is ADVERTISE,
 * REPLY, RECONFIGURE, RELAY-REPL or DHCPV4-RESPONSE: R6_DHCP; a first
 * fragment cut before the ports too.  Or ICMPv6 of type 134 (router
 * advertisement) or 137 (redirect), or a first fragment of ICMPv6 cut
 * before its type or whose ICMPv6 header does not come right after the
 * fragment header: R6_ROUTER. */
static enum ref6 ref_ip6(const uint8_t *ip, size_t left)
{
	size_t at = 40, end;
	bool first = false, behind_frag = false;
	unsigned n = 0;
	uint8_t next;

	if (left < 40 || ip[0] >> 4 != 6)
		return R6_NONE;
	end = 40 + (size_t)ref_be16(ip + 4);
	if (end < left)
		left = end;
	next = ip[6];
	while (next != 17 && next != 58) {
		size_t len;

		if (next != 0 && next != 43 && next != 44 && next != 51 &&
		    next != 60)
			return R6_NONE;
		if (n++ == 8 || left - at < 8)
			return R6_HIDDEN;
		behind_frag = false;
		if (next == 44) {
			if (ref_be16(ip + at + 2) >> 3)
				return R6_NONE;
			if (ip[at + 3] & 1)
				first = true;
			len = 8;
			behind_frag = true;
		} else if (next == 51) {
			len = 4 * ((size_t)ip[at + 1] + 2);
		} else {
			len = 8 * ((size_t)ip[at + 1] + 1);
		}
		if (left - at < len)
			return R6_HIDDEN;
		next = ip[at];
		at += len;
	}
	if (next == 58) {
		if (left - at < 1)
			return first ? R6_ROUTER : R6_NONE;
		if (ip[at] == 134 || ip[at] == 137)
			return R6_ROUTER;
		return first && !behind_frag ? R6_ROUTER : R6_NONE;
	}
	if (left - at < 8)
		return first ? R6_DHCP : R6_NONE;
	if (ref_be16(ip + at) != 547 && ref_be16(ip + at + 2) != 546)
		return R6_NONE;
	if (first)
		return R6_DHCP;
	if (left - at < 9)
		return R6_NONE;
	switch (ip[at + 8]) {
	case 2:
	case 7:
	case 10:
	case 13:
	case 21:
		return R6_DHCP;
	default:
		return R6_NONE;
	}
}

/* The classifier's rules, in order, on @len bytes of @f: a runt (no
 * ethertype, or a tag without the type after it); a payload beyond @mtu; a
 * group or all-zero source MAC; the port's VLAN policy on the tag's VID
 * (access: untagged or priority-tagged only; trunk: untagged to the native
 * VLAN, tagged to the native or an allowed one; none: any; VID 4095 never);
 * then, on a port with the DHCP guard, a DHCP or DHCPv6 server message,
 * on one with the router guard an IPv6 router's message or an IPv4 ICMP
 * redirect, right after the
 * Ethernet header, or behind up to four more 802.1Q, 802.1ad or 0x9100
 * tags; any frame with more tags than that, or an IPv6 chain the guards
 * cannot see through, is the DHCP guard's (the router guard's where the
 * port has only that one). */
static enum vsw_drop ref_classify(const uint8_t *f, uint32_t len, unsigned mtu,
				  const struct ref_port *port, unsigned guards,
				  struct ref_out *o)
{
	enum vsw_drop hidden;
	uint16_t type, vid = 0;
	uint32_t l3 = 14;
	bool double_tag;

	memset(o, 0, sizeof(*o));
	if (len < 14)
		return VSW_DROP_RUNT;
	type = ref_be16(f + 12);
	if (type == 0x8100) {
		if (len < 18)
			return VSW_DROP_RUNT;
		vid = ref_be16(f + 14) & 0x0fff;
		type = ref_be16(f + 16);
		l3 = 18;
		o->tagged = true;
	}
	if (len - l3 > mtu)
		return VSW_DROP_OVERSIZE;
	if ((f[6] & 1) || !(f[6] | f[7] | f[8] | f[9] | f[10] | f[11]))
		return VSW_DROP_BAD_SRC_MAC;
	o->ethertype = type;
	o->l3_ofs = (uint16_t)l3;
	/* A priority tag over another tag, taken in untagged, would leave
	 * with the inner tag outermost (double tagging). */
	double_tag = o->tagged && !vid &&
		     (type == 0x8100 || type == 0x88a8 || type == 0x9100);
	if (port->mode == VSW_VLAN_ACCESS) {
		if (vid)
			return VSW_DROP_VLAN_TAGGED;
		if (double_tag)
			return VSW_DROP_VLAN_DOUBLE_TAG;
		o->vlan = port->access;
	} else if (port->mode == VSW_VLAN_TRUNK) {
		if (double_tag)
			return VSW_DROP_VLAN_DOUBLE_TAG;
		if (!vid)
			o->vlan = port->native;
		else if (vid == 4095 || (vid != port->native && vid != 10))
			return VSW_DROP_VLAN_NOT_ALLOWED;
		else
			o->vlan = vid;
	} else {
		if (vid == 4095)
			return VSW_DROP_VLAN_NOT_ALLOWED;
		o->vlan = vid;
	}
	if (!guards)
		return VSW_DROP_NONE;
	hidden = guards & VSW_GUARD_DHCP ? VSW_DROP_DHCP_GUARD
					 : VSW_DROP_ROUTER_GUARD;
	/* Up to four more tags looked behind; a fifth hides the frame. */
	for (unsigned tags = 0;
	     type == 0x8100 || type == 0x88a8 || type == 0x9100; tags++) {
		if (len - l3 < 4)
			return VSW_DROP_NONE;
		if (tags == 4)
			return hidden;
		type = ref_be16(f + l3 + 2);
		l3 += 4;
	}
	if (type == 0x0800 && (guards & VSW_GUARD_DHCP) &&
	    ref_dhcp_server(f + l3, len - l3))
		return VSW_DROP_DHCP_GUARD;
	if (type == 0x0800 && (guards & VSW_GUARD_ROUTER) &&
	    ref_icmp4_router(f + l3, len - l3))
		return VSW_DROP_ROUTER_GUARD;
	if (type != 0x86dd)
		return VSW_DROP_NONE;
	switch (ref_ip6(f + l3, len - l3)) {
	case R6_HIDDEN:
		return hidden;
	case R6_DHCP:
		return guards & VSW_GUARD_DHCP ? VSW_DROP_DHCP_GUARD
					       : VSW_DROP_NONE;
	case R6_ROUTER:
		return guards & VSW_GUARD_ROUTER ? VSW_DROP_ROUTER_GUARD
						 : VSW_DROP_NONE;
	default:
		return VSW_DROP_NONE;
	}
}

/* The answer of the three separate checks, in the datapath's old order. */
static enum vsw_drop separate(struct pkt *p, unsigned mtu,
			      const struct vsw_vlan *v, unsigned guards)
{
	enum vsw_drop why = vsw_parse(p, mtu);

	if (why == VSW_DROP_NONE)
		why = vsw_vlan_ingress(v, p);
	if (why == VSW_DROP_NONE && (guards & VSW_GUARD_DHCP) &&
	    vsw_is_dhcp_server_msg(p))
		why = VSW_DROP_DHCP_GUARD;
	if (why == VSW_DROP_NONE && (guards & VSW_GUARD_ROUTER) &&
	    vsw_is_router_msg(p))
		why = VSW_DROP_ROUTER_GUARD;
	return why;
}

static const char *drop_name(enum vsw_drop why)
{
	return why == VSW_DROP_NONE ? "pass" : vsw_drop_name(why);
}

/* Classify @len bytes of @frame three ways: vsw_classify(), the reference
 * and the separate checks; they must agree, in the reason and in what they
 * record.  Return the answer.  Each way reads its own copy in a buffer of
 * exactly @len bytes, so a read past the frame's end is an error under
 * AddressSanitizer. */
static enum vsw_drop both(const uint8_t *frame, uint32_t len, unsigned mtu,
			  const struct vsw_vlan *v, unsigned guards)
{
	uint8_t *a = malloc(len ? len : 1), *b = malloc(len ? len : 1),
		*c = malloc(len ? len : 1);
	struct pkt pa = {.data = a, .len = len}, pb = {.data = b, .len = len};
	struct ref_port port = {v->mode, v->access, v->native};
	enum vsw_drop ra, rb, rc;
	struct ref_out o;

	memcpy(a, frame, len);
	memcpy(b, frame, len);
	memcpy(c, frame, len);
	ra = vsw_classify(&pa, mtu, v, guards);
	rb = separate(&pb, mtu, v, guards);
	rc = ref_classify(c, len, mtu, &port, guards, &o);
	if (ra != rc || ra != rb)
		fail_msg("len %u, guards %u: classify %s, reference %s, "
			 "separate checks %s",
			 len, guards, drop_name(ra), drop_name(rc),
			 drop_name(rb));
	if (ra == VSW_DROP_NONE || ra == VSW_DROP_DHCP_GUARD ||
	    ra == VSW_DROP_ROUTER_GUARD) {
		assert_int_equal(pa.tagged, o.tagged);
		assert_int_equal(pa.ethertype, o.ethertype);
		assert_int_equal(pa.l3_ofs, o.l3_ofs);
		assert_int_equal(pa.vlan, o.vlan);
		assert_int_equal(pb.tagged, o.tagged);
		assert_int_equal(pb.ethertype, o.ethertype);
		assert_int_equal(pb.l3_ofs, o.l3_ofs);
		assert_int_equal(pb.vlan, o.vlan);
	}
	free(a);
	free(b);
	free(c);
	return ra;
}

struct classify_case {
	const char *what;
	struct frame_spec f;
	int mode;	/* the ingress port's: VSW_VLAN_* */
	unsigned guard; /* its VSW_GUARD_* (true: the DHCP guard) */
	enum vsw_drop want;
};

#define NONE   VSW_DROP_NONE
#define GUARD  VSW_DROP_DHCP_GUARD
#define RGUARD VSW_DROP_ROUTER_GUARD
#define RG     VSW_GUARD_ROUTER
#define BOTH   (VSW_GUARD_DHCP | VSW_GUARD_ROUTER)
#define RA     134
#define REDIR  137
/* ICMPv6 behind a fragment header: a first fragment (M set) */
#define FRAG1  ((const uint8_t[]){44, X_END})
#define TRUNK  VSW_VLAN_TRUNK
#define ACCESS VSW_VLAN_ACCESS
#define ANY    VSW_VLAN_NONE

static const struct classify_case cases[] = {
    {"DHCP server message, guarded port", {0}, ANY, true, GUARD},
    {"DHCP server message, trusted port", {0}, ANY, false, NONE},
    {"tagged DHCP server message, guarded trunk",
     {.vid = 10},
     TRUNK,
     true,
     GUARD},
    {"tagged DHCP server message, guarded port without VLANs",
     {.vid = 10},
     ANY,
     true,
     GUARD},
    {"tagged DHCP server message, trusted trunk",
     {.vid = 10},
     TRUNK,
     false,
     NONE},
    {"tagged DHCP server message on an access port: the tag first",
     {.vid = 10},
     ACCESS,
     true,
     VSW_DROP_VLAN_TAGGED},
    {"priority tag over a VLAN 10 tag, access port: double tagging",
     {.prio = true, .vid = 10},
     ACCESS,
     false,
     VSW_DROP_VLAN_DOUBLE_TAG},
    {"priority tag over a VLAN 10 tag, trunk's native VLAN",
     {.prio = true, .vid = 10},
     TRUNK,
     false,
     VSW_DROP_VLAN_DOUBLE_TAG},
    {"priority tag over an 802.1ad tag, access port",
     {.prio = true, .more = (const uint16_t[]){0x88a8, 0}},
     ACCESS,
     false,
     VSW_DROP_VLAN_DOUBLE_TAG},
    {"priority tag alone, access port", {.prio = true}, ACCESS, false, NONE},
    {"priority tag over a tag, port without VLANs: carried as it is",
     {.prio = true, .vid = 10},
     ANY,
     false,
     NONE},
    {"DHCP server message in VLAN 4095",
     {.vid = 4095},
     ANY,
     true,
     VSW_DROP_VLAN_NOT_ALLOWED},
    {"IPv4 with options (IHL 6)", {.ver_ihl = 0x46}, ANY, true, GUARD},
    {"IPv4 with options, tagged (IHL 15)",
     {.vid = 10, .ver_ihl = 0x4f},
     TRUNK,
     true,
     GUARD},
    {"IHL below 5", {.ver_ihl = 0x44}, ANY, true, NONE},
    {"IP version 6 in an IPv4 frame", {.ver_ihl = 0x65}, ANY, true, NONE},
    {"first fragment (MF, offset 0)", {.frag = 0x2000}, ANY, true, GUARD},
    {"don't-fragment bit", {.frag = 0x4000}, ANY, true, GUARD},
    {"later fragment (offset 1)", {.frag = 0x0001}, ANY, true, NONE},
    {"last fragment (offset 185)", {.frag = 0x00b9}, ANY, true, NONE},
    {"TCP from port 67", {.proto = 6}, ANY, true, NONE},
    {"BOOTREPLY from port 68 to a client's 68",
     {.sport = 68},
     ANY,
     true,
     GUARD},
    {"BOOTREPLY from port 1234 to a client's 68",
     {.sport = 1234},
     ANY,
     true,
     GUARD},
    {"a client's BOOTREQUEST, 68 to 67",
     {.sport = 68, .dport = 67, .op = 1},
     ANY,
     true,
     NONE},
    {"BOOTREPLY from 68 to 67", {.sport = 68, .dport = 67}, ANY, true, NONE},
    {"first fragment without the op byte",
     {.frag = 0x2000, .cut = 1},
     ANY,
     true,
     GUARD},
    {"first fragment with the UDP header cut",
     {.frag = 0x2000, .cut = 3},
     ANY,
     true,
     GUARD},
    {"first fragment to port 1000 without the op byte",
     {.frag = 0x2000, .sport = 999, .dport = 1000, .cut = 1},
     ANY,
     true,
     NONE},
    {"DHCP server message behind a second tag, guarded trunk",
     {.vid = 10, .vid2 = 20},
     TRUNK,
     true,
     GUARD},
    {"DHCP server message behind a second tag, trusted trunk",
     {.vid = 10, .vid2 = 20},
     TRUNK,
     false,
     NONE},
    {"DHCP server message behind a second tag, port without VLANs",
     {.vid = 10, .vid2 = 20},
     ANY,
     true,
     GUARD},
    {"DHCP server message behind 802.1ad and 802.1Q tags, port without "
     "VLANs",
     {.more = (const uint16_t[]){0x88a8, 0x8100, 0}},
     ANY,
     true,
     GUARD},
    {"DHCP server message behind four tags",
     {.more = (const uint16_t[]){0x88a8, 0x8100, 0x9100, 0x8100, 0}},
     ANY,
     true,
     GUARD},
    {"a client's BOOTREQUEST behind four tags",
     {.more = (const uint16_t[]){0x88a8, 0x8100, 0x9100, 0x8100, 0},
      .sport = 68,
      .dport = 67,
      .op = 1},
     ANY,
     true,
     NONE},
    {"five tags: deeper than the guard looks, judged a server message",
     {.more = (const uint16_t[]){0x88a8, 0x8100, 0x9100, 0x8100, 0x8100, 0},
      .sport = 68,
      .dport = 67,
      .op = 1},
     ANY,
     true,
     GUARD},
    {"five tags on a trusted port",
     {.more = (const uint16_t[]){0x88a8, 0x8100, 0x9100, 0x8100, 0x8100, 0}},
     ANY,
     false,
     NONE},
    {"first fragment from 67 with op 1: the rest may overlap it",
     {.frag = 0x2000, .op = 1},
     ANY,
     true,
     GUARD},
    {"first fragment of a UDP header alone, op 1 in the padding",
     {.frag = 0x2000, .op = 1, .tot = 28},
     ANY,
     true,
     GUARD},
    {"op 2 in the padding past the total length", {.tot = 28}, ANY, true, NONE},
    {"UDP header past the total length, not a fragment",
     {.tot = 27},
     ANY,
     true,
     NONE},
    {"BOOTREQUEST from port 67", {.op = 1}, ANY, true, NONE},
    {"IPv6 ethertype", {.type = ETHERTYPE_IPV6}, ANY, true, NONE},
    {"ARP ethertype", {.type = ETHERTYPE_ARP}, ANY, true, NONE},
    {"no op byte", {.cut = 1}, ANY, true, NONE},
    {"UDP header cut", {.cut = 3}, ANY, true, NONE},
    {"options cut", {.ver_ihl = 0x4f, .cut = 40}, ANY, true, NONE},
    {"IPv4 header cut", {.cut = 19}, ANY, true, NONE},
    {"tagged, no op byte", {.vid = 10, .cut = 1}, TRUNK, true, NONE},
    /* DHCPv6 */
    {"DHCPv6 ADVERTISE, guarded port", {.ip6 = 1}, ANY, true, GUARD},
    {"DHCPv6 ADVERTISE, trusted port", {.ip6 = 1}, ANY, false, NONE},
    {"DHCPv6 REPLY", {.ip6 = 1, .op = 7}, ANY, true, GUARD},
    {"DHCPv6 RECONFIGURE", {.ip6 = 1, .op = 10}, ANY, true, GUARD},
    {"DHCPv6 RELAY-REPL, 547 to a relay's 547",
     {.ip6 = 1, .op = 13, .dport = 547},
     ANY,
     true,
     GUARD},
    {"DHCPV4-RESPONSE (DHCPv4 over DHCPv6)",
     {.ip6 = 1, .op = 21},
     ANY,
     true,
     GUARD},
    {"ADVERTISE from port 1234 to a client's 546",
     {.ip6 = 1, .sport = 1234},
     ANY,
     true,
     GUARD},
    {"a client's SOLICIT, 546 to 547",
     {.ip6 = 1, .sport = 546, .dport = 547, .op = 1},
     ANY,
     true,
     NONE},
    {"a client's REQUEST, 546 to 547",
     {.ip6 = 1, .sport = 546, .dport = 547, .op = 3},
     ANY,
     true,
     NONE},
    {"REPLY type from 546 to 547",
     {.ip6 = 1, .sport = 546, .dport = 547},
     ANY,
     true,
     NONE},
    {"a relay's RELAY-FORW, 547 to 547",
     {.ip6 = 1, .dport = 547, .op = 12},
     ANY,
     true,
     NONE},
    {"SOLICIT type from 547 to 546", {.ip6 = 1, .op = 1}, ANY, true, NONE},
    {"ADVERTISE behind hop-by-hop",
     {.ip6 = 1, .ext = (const uint8_t[]){0, X_END}},
     ANY,
     true,
     GUARD},
    {"ADVERTISE behind hop-by-hop and destination options (24 bytes each)",
     {.ip6 = 1, .ext = (const uint8_t[]){0, 60, X_END}, .xlen = 2},
     ANY,
     true,
     GUARD},
    {"REPLY behind routing and authentication headers",
     {.ip6 = 1, .op = 7, .ext = (const uint8_t[]){43, 51, X_END}, .xlen = 1},
     ANY,
     true,
     GUARD},
    {"a client's SOLICIT behind hop-by-hop",
     {.ip6 = 1,
      .sport = 546,
      .dport = 547,
      .op = 1,
      .ext = (const uint8_t[]){0, X_END}},
     ANY,
     true,
     NONE},
    {"first fragment of an ADVERTISE",
     {.ip6 = 1, .ext = (const uint8_t[]){44, X_END}, .frag = 0x0001},
     ANY,
     true,
     GUARD},
    {"first fragment from 547 with SOLICIT type: the rest may overlap it",
     {.ip6 = 1, .op = 1, .ext = (const uint8_t[]){44, X_END}, .frag = 1},
     ANY,
     true,
     GUARD},
    {"first fragment behind hop-by-hop, UDP header cut",
     {.ip6 = 1, .ext = (const uint8_t[]){0, 44, X_END}, .frag = 1, .cut = 3},
     ANY,
     true,
     GUARD},
    {"first fragment to port 1000 without the type byte",
     {.ip6 = 1,
      .sport = 999,
      .dport = 1000,
      .ext = (const uint8_t[]){44, X_END},
      .frag = 1,
      .cut = 1},
     ANY,
     true,
     NONE},
    {"later fragment (offset 1)",
     {.ip6 = 1, .ext = (const uint8_t[]){44, X_END}, .frag = 0x0008},
     ANY,
     true,
     NONE},
    {"later fragment with M, behind destination options",
     {.ip6 = 1, .ext = (const uint8_t[]){60, 44, X_END}, .frag = 0x0009},
     ANY,
     true,
     NONE},
    {"atomic fragment (offset 0, M clear): a whole ADVERTISE",
     {.ip6 = 1, .ext = (const uint8_t[]){44, X_END}},
     ANY,
     true,
     GUARD},
    {"atomic fragment: a whole SOLICIT type from 547",
     {.ip6 = 1, .op = 1, .ext = (const uint8_t[]){44, X_END}},
     ANY,
     true,
     NONE},
    {"hop-by-hop header cut: the chain ends past the frame",
     {.ip6 = 1,
      .op = 1,
      .sport = 546,
      .dport = 547,
      .ext = (const uint8_t[]){0, X_END},
      .cut = 13},
     ANY,
     true,
     GUARD},
    {"UDP header cut behind hop-by-hop, not a fragment",
     {.ip6 = 1, .ext = (const uint8_t[]){0, X_END}, .cut = 3},
     ANY,
     true,
     NONE},
    {"eight extension headers, then an ADVERTISE",
     {.ip6 = 1, .ext = (const uint8_t[]){0, 60, 43, 60, 60, 60, 60, 60, X_END}},
     ANY,
     true,
     GUARD},
    {"eight extension headers, then a client's SOLICIT",
     {.ip6 = 1,
      .sport = 546,
      .dport = 547,
      .op = 1,
      .ext = (const uint8_t[]){0, 60, 43, 60, 60, 60, 60, 60, X_END}},
     ANY,
     true,
     NONE},
    {"nine extension headers: deeper than the guard looks",
     {.ip6 = 1,
      .sport = 546,
      .dport = 547,
      .op = 1,
      .ext = (const uint8_t[]){0, 60, 43, 60, 60, 60, 60, 60, 60, X_END}},
     ANY,
     true,
     GUARD},
    {"padding trick: ADVERTISE type past the payload length",
     {.ip6 = 1, .tot = 8},
     ANY,
     true,
     NONE},
    {"padding trick: UDP header past the payload length",
     {.ip6 = 1, .tot = 7},
     ANY,
     true,
     NONE},
    {"padding trick: hop-by-hop past the payload length",
     {.ip6 = 1,
      .sport = 546,
      .dport = 547,
      .op = 1,
      .ext = (const uint8_t[]){0, X_END},
      .tot = 4},
     ANY,
     true,
     GUARD},
    {"TCP from port 547", {.ip6 = 1, .proto = 6}, ANY, true, NONE},
    {"TCP behind hop-by-hop",
     {.ip6 = 1, .proto = 6, .ext = (const uint8_t[]){0, X_END}},
     ANY,
     true,
     NONE},
    {"ICMPv6", {.ip6 = 1, .proto = 58}, ANY, true, NONE},
    {"ESP behind destination options",
     {.ip6 = 1, .proto = 50, .ext = (const uint8_t[]){60, X_END}},
     ANY,
     true,
     NONE},
    {"IP version 4 in an IPv6 frame",
     {.ip6 = 1, .ver_ihl = 0x40},
     ANY,
     true,
     NONE},
    {"IPv6 header cut", {.ip6 = 1, .cut = 18}, ANY, true, NONE},
    {"tagged ADVERTISE, guarded trunk",
     {.ip6 = 1, .vid = 10},
     TRUNK,
     true,
     GUARD},
    {"tagged ADVERTISE, trusted trunk",
     {.ip6 = 1, .vid = 10},
     TRUNK,
     false,
     NONE},
    {"ADVERTISE behind 802.1ad and 802.1Q tags",
     {.ip6 = 1, .more = (const uint16_t[]){0x88a8, 0x8100, 0}},
     ANY,
     true,
     GUARD},
    {"ADVERTISE behind a tag and hop-by-hop, guarded trunk",
     {.ip6 = 1, .vid = 10, .ext = (const uint8_t[]){0, X_END}},
     TRUNK,
     true,
     GUARD},
    {"multicast source before the guard",
     {.src0 = 0x01},
     ANY,
     true,
     VSW_DROP_BAD_SRC_MAC},
    {"runt", {.cut = 30}, ANY, true, VSW_DROP_RUNT},
    {"tagged runt", {.vid = 10, .cut = 31}, TRUNK, true, VSW_DROP_RUNT},
    /* router guard (RFC 6105; RFC 7113 for extension headers) */
    {"router advertisement, router-guarded port",
     {.ip6 = 1, .icmp6 = RA},
     ANY,
     RG,
     RGUARD},
    {"router advertisement, both guards",
     {.ip6 = 1, .icmp6 = RA},
     ANY,
     BOTH,
     RGUARD},
    {"router advertisement, DHCP guard only",
     {.ip6 = 1, .icmp6 = RA},
     ANY,
     true,
     NONE},
    {"router advertisement, router-trusted port",
     {.ip6 = 1, .icmp6 = RA},
     ANY,
     0,
     NONE},
    {"redirect", {.ip6 = 1, .icmp6 = REDIR}, ANY, RG, RGUARD},
    {"router solicitation (133)", {.ip6 = 1, .icmp6 = 133}, ANY, BOTH, NONE},
    {"neighbour advertisement (136)",
     {.ip6 = 1, .icmp6 = 136},
     ANY,
     BOTH,
     NONE},
    {"echo request (128)", {.ip6 = 1, .icmp6 = 128}, ANY, BOTH, NONE},
    {"DHCPv6 ADVERTISE, router guard only", {.ip6 = 1}, ANY, RG, NONE},
    {"router advertisement behind hop-by-hop",
     {.ip6 = 1, .icmp6 = RA, .ext = (const uint8_t[]){0, X_END}},
     ANY,
     RG,
     RGUARD},
    {"redirect behind routing, authentication and destination options",
     {.ip6 = 1,
      .icmp6 = REDIR,
      .xlen = 1,
      .ext = (const uint8_t[]){43, 51, 60, X_END}},
     ANY,
     BOTH,
     RGUARD},
    {"router advertisement behind eight extension headers",
     {.ip6 = 1,
      .icmp6 = RA,
      .ext = (const uint8_t[]){0, 60, 43, 60, 60, 60, 60, 60, X_END}},
     ANY,
     RG,
     RGUARD},
    {"echo behind nine extension headers: deeper than the guard looks",
     {.ip6 = 1,
      .icmp6 = 128,
      .ext = (const uint8_t[]){0, 60, 43, 60, 60, 60, 60, 60, 60, X_END}},
     ANY,
     RG,
     RGUARD},
    {"nine extension headers, both guards: the DHCP guard's",
     {.ip6 = 1,
      .icmp6 = 128,
      .ext = (const uint8_t[]){0, 60, 43, 60, 60, 60, 60, 60, 60, X_END}},
     ANY,
     BOTH,
     GUARD},
    {"echo, hop-by-hop past the payload length",
     {.ip6 = 1, .icmp6 = 128, .ext = (const uint8_t[]){0, X_END}, .tot = 4},
     ANY,
     RG,
     RGUARD},
    {"router advertisement type past the payload length",
     {.ip6 = 1, .icmp6 = RA, .ext = (const uint8_t[]){0, X_END}, .tot = 8},
     ANY,
     RG,
     NONE},
    {"router advertisement, payload length past the frame",
     {.ip6 = 1, .icmp6 = RA, .tot = 0xffff},
     ANY,
     RG,
     RGUARD},
    {"ICMPv6 without a type byte",
     {.ip6 = 1, .icmp6 = RA, .cut = 8},
     ANY,
     RG,
     NONE},
    {"first fragment of a router advertisement",
     {.ip6 = 1, .icmp6 = RA, .ext = FRAG1, .frag = 1},
     ANY,
     RG,
     RGUARD},
    {"first fragment of an echo right behind the fragment header",
     {.ip6 = 1, .icmp6 = 128, .ext = FRAG1, .frag = 1},
     ANY,
     RG,
     NONE},
    {"first fragment of an echo behind destination options",
     {.ip6 = 1,
      .icmp6 = 128,
      .ext = (const uint8_t[]){44, 60, X_END},
      .frag = 1},
     ANY,
     RG,
     RGUARD},
    {"first fragment of ICMPv6 cut before its type",
     {.ip6 = 1, .icmp6 = RA, .ext = FRAG1, .frag = 1, .cut = 8},
     ANY,
     RG,
     RGUARD},
    {"first fragment whose chain goes on past it",
     {.ip6 = 1,
      .icmp6 = 128,
      .ext = (const uint8_t[]){44, 60, X_END},
      .frag = 1,
      .cut = 12},
     ANY,
     RG,
     RGUARD},
    {"atomic fragment of a router advertisement",
     {.ip6 = 1, .icmp6 = RA, .ext = FRAG1},
     ANY,
     RG,
     RGUARD},
    {"later fragment (offset 8) of a router advertisement",
     {.ip6 = 1, .icmp6 = RA, .ext = FRAG1, .frag = 8 | 1},
     ANY,
     RG,
     NONE},
    {"tagged router advertisement, guarded trunk",
     {.ip6 = 1, .icmp6 = RA, .vid = 10},
     TRUNK,
     RG,
     RGUARD},
    {"router advertisement behind 802.1ad and 802.1Q tags",
     {.ip6 = 1, .icmp6 = RA, .more = (const uint16_t[]){0x88a8, 0x8100, 0}},
     ANY,
     RG,
     RGUARD},
    {"five more tags, router guard only",
     {.more = (const uint16_t[]){0x88a8, 0x8100, 0x9100, 0x8100, 0x8100, 0}},
     ANY,
     RG,
     RGUARD},
    {"DHCP OFFER, router guard only", {0}, ANY, RG, NONE},
    {"router advertisement on an access port: the tag first",
     {.ip6 = 1, .icmp6 = RA, .vid = 10},
     ACCESS,
     RG,
     VSW_DROP_VLAN_TAGGED},
    /* router guard, IPv4: ICMP redirects */
    {"ICMP redirect, router-guarded port", {.icmp4 = 5}, ANY, RG, RGUARD},
    {"ICMP redirect, both guards", {.icmp4 = 5}, ANY, BOTH, RGUARD},
    {"ICMP redirect, DHCP guard only", {.icmp4 = 5}, ANY, true, NONE},
    {"ICMP redirect, router-trusted port", {.icmp4 = 5}, ANY, 0, NONE},
    {"ICMP echo request (8)", {.icmp4 = 8}, ANY, BOTH, NONE},
    {"ICMP destination unreachable (3)", {.icmp4 = 3}, ANY, BOTH, NONE},
    {"ICMP router advertisement (9): not guarded",
     {.icmp4 = 9},
     ANY,
     BOTH,
     NONE},
    {"ICMP redirect with IP options (IHL 6)",
     {.icmp4 = 5, .ver_ihl = 0x46},
     ANY,
     RG,
     RGUARD},
    {"ICMP redirect with the don't-fragment bit",
     {.icmp4 = 5, .frag = 0x4000},
     ANY,
     RG,
     RGUARD},
    {"first fragment of an ICMP redirect",
     {.icmp4 = 5, .frag = 0x2000},
     ANY,
     RG,
     RGUARD},
    {"first fragment of an echo: nothing can overlap its type",
     {.icmp4 = 8, .frag = 0x2000},
     ANY,
     RG,
     NONE},
    {"first fragment of ICMP cut before its type",
     {.icmp4 = 8, .frag = 0x2000, .cut = 8},
     ANY,
     RG,
     RGUARD},
    {"first fragment of ICMP, type past the total length",
     {.icmp4 = 8, .frag = 0x2000, .tot = 20},
     ANY,
     RG,
     RGUARD},
    {"ICMP without a type byte, not a fragment",
     {.icmp4 = 5, .cut = 8},
     ANY,
     RG,
     NONE},
    {"redirect type past the total length",
     {.icmp4 = 5, .tot = 20},
     ANY,
     RG,
     NONE},
    {"later fragment (offset 1) of a redirect",
     {.icmp4 = 5, .frag = 0x0001},
     ANY,
     RG,
     NONE},
    {"tagged ICMP redirect, guarded trunk",
     {.icmp4 = 5, .vid = 10},
     TRUNK,
     RG,
     RGUARD},
    {"ICMP redirect behind 802.1ad and 802.1Q tags",
     {.icmp4 = 5, .more = (const uint16_t[]){0x88a8, 0x8100, 0}},
     ANY,
     RG,
     RGUARD},
    {"ICMP redirect on an access port: the tag first",
     {.icmp4 = 5, .vid = 10},
     ACCESS,
     RG,
     VSW_DROP_VLAN_TAGGED},
};

static void port_vlan(struct vsw_vlan *v, int mode)
{
	memset(v, 0, sizeof(*v));
	v->mode = mode;
	v->access = 3;
	v->native = 1;
	if (mode == TRUNK)
		vlan_list_parse("10", v->allowed);
}

static void test_classify_table(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct classify_case *c = &cases[i];
		uint8_t buf[ROOM];
		struct vsw_vlan v;
		struct pkt p;
		uint32_t len = build(buf, sizeof(buf), &c->f);
		enum vsw_drop got;

		port_vlan(&v, c->mode);
		p = (struct pkt){.data = buf, .len = len};
		got = vsw_classify(&p, 1500, &v, c->guard);
		if (got != c->want)
			fail_msg("%s: got %s, want %s", c->what,
				 got == NONE ? "pass" : vsw_drop_name(got),
				 c->want == NONE ? "pass"
						 : vsw_drop_name(c->want));
		both(buf, len, 1500, &v, c->guard);
	}
}

/* The guard settings the truncations and mutations run with. */
static const unsigned guard_sets[] = {0, VSW_GUARD_DHCP, VSW_GUARD_ROUTER,
				      VSW_GUARD_DHCP | VSW_GUARD_ROUTER};

/* Every prefix of every case, every guard setting and every port mode. */
static void test_classify_truncated(void **state)
{
	static const int modes[] = {ANY, ACCESS, TRUNK};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint8_t buf[ROOM];
		uint32_t len = build(buf, sizeof(buf), &cases[i].f);

		for (size_t m = 0; m < ARRAY_SIZE(modes); m++) {
			struct vsw_vlan v;

			port_vlan(&v, modes[m]);
			for (uint32_t l = 0; l <= len; l++) {
				for (size_t g = 0; g < ARRAY_SIZE(guard_sets);
				     g++)
					both(buf, l, 1500, &v, guard_sets[g]);
				both(buf, l, 20, &v, BOTH); /* oversize */
			}
		}
	}
}

/* Random bytes changed in the headers (a fixed sequence, so a failure
 * repeats): the two ways still agree. */
static void test_classify_mutated(void **state)
{
	static const int modes[] = {ANY, ACCESS, TRUNK};
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned guarded = 0, routers = 0;

	for (unsigned round = 0; round < 20000; round++) {
		const struct classify_case *c =
		    &cases[round % ARRAY_SIZE(cases)];
		uint8_t buf[ROOM];
		uint32_t len = build(buf, sizeof(buf), &c->f);
		struct vsw_vlan v;

		for (int k = 0; k < 2; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[(x >> 8) % len] = (uint8_t)(x >> 40);
		}
		port_vlan(&v, modes[(x >> 3) % 3]);
		switch (both(buf, len, 1500, &v,
			     guard_sets[(x >> 5) % ARRAY_SIZE(guard_sets)])) {
		case GUARD:
			guarded++;
			break;
		case RGUARD:
			routers++;
			break;
		default:
			break;
		}
	}
	/* some mutations keep a server message, some a router's */
	assert_true(guarded > 0);
	assert_true(routers > 0);
}

/* The burst form answers frame by frame as the single one. */
static void test_classify_burst(void **state)
{
	enum { N = ARRAY_SIZE(cases) };
	static uint8_t bufs[N][ROOM], copies[N][ROOM];
	struct pkt pk[N], single[N], *pp[N];
	uint8_t why[N];
	struct vsw_vlan v;

	port_vlan(&v, TRUNK);
	for (unsigned i = 0; i < N; i++) {
		uint32_t len = build(bufs[i], sizeof(bufs[i]), &cases[i].f);

		memcpy(copies[i], bufs[i], sizeof(bufs[i]));
		pk[i] = (struct pkt){.data = bufs[i], .len = len};
		single[i] = (struct pkt){.data = copies[i], .len = len};
		pp[i] = &pk[i];
	}
	memset(why, 0xff, sizeof(why));
	vsw_classify_burst(pp, N, 1500, &v, BOTH, why);
	for (unsigned i = 0; i < N; i++) {
		enum vsw_drop want = vsw_classify(&single[i], 1500, &v, BOTH);

		if (why[i] != want)
			fail_msg("%s: burst %u, single %u", cases[i].what,
				 why[i], want);
		assert_int_equal(pk[i].vlan, single[i].vlan);
	}
}

/* A UDP super-frame (USO) from 67 or to 68 (547 or 546 over IPv6) is
 * judged a server message whatever its first op or type byte: each
 * segment starts a datagram of its own, and a later one may carry a
 * BOOTREPLY or an ADVERTISE. */
static void test_classify_uso(void **state)
{
	const struct {
		struct frame_spec f;
		bool super;
		enum vsw_drop want;
	} t[] = {
	    {{.op = 1}, true, GUARD},
	    {{.op = 1, .sport = 68, .dport = 67}, true, NONE},
	    {{.op = 1, .sport = 4000, .dport = 68}, true, GUARD},
	    {{.op = 1, .sport = 4000, .dport = 53}, true, NONE},
	    {{.op = 1}, false, NONE},
	    {{.ip6 = 1, .op = 1}, true, GUARD},
	    {{.ip6 = 1, .op = 1, .sport = 4000}, true, GUARD},
	    {{.ip6 = 1, .op = 1, .sport = 546, .dport = 547}, true, NONE},
	    {{.ip6 = 1, .op = 1, .sport = 4000, .dport = 53}, true, NONE},
	    {{.ip6 = 1, .op = 1, .ext = (const uint8_t[]){0, X_END}},
	     true,
	     GUARD},
	    {{.ip6 = 1, .op = 1}, false, NONE},
	    /* a super-frame's payload length does not cut it short */
	    {{.ip6 = 1, .op = 1, .tot = 4}, true, GUARD},
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		uint8_t buf[ROOM];
		uint32_t len = build(buf, sizeof(buf), &t[i].f);
		struct pkt p = {.data = buf, .len = len};
		struct vsw_vlan v;
		enum vsw_drop got;

		port_vlan(&v, ANY);
		if (t[i].super) {
			p.ol.gso_type = PKT_GSO_UDP_L4;
			p.ol.gso_size = 100;
			p.ol.hdr_len = 42;
		}
		got = vsw_classify(&p, 1500, &v, true);
		if (got != t[i].want)
			fail_msg("case %zu: got %s, want %s", i,
				 vsw_drop_name(got), vsw_drop_name(t[i].want));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_classify_table),
	    cmocka_unit_test(test_classify_truncated),
	    cmocka_unit_test(test_classify_mutated),
	    cmocka_unit_test(test_classify_burst),
	    cmocka_unit_test(test_classify_uso),
	};

	return cmocka_run_group_tests_name("vswitch_classify", tests, NULL,
					   NULL);
}
