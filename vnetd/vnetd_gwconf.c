// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_gwconf.c - a network's gateway settings: from its configuration
 * object to the DHCP server's subnet, with the defaults filled in and every
 * refusal a sentence
 */
#include "vnetd.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "../lib/jsonrpc.h"
#include "../lib/util.h"
#include "../vnic/vnic_gateway.h"

#define LEASE_DEFAULT 3600

static uint32_t prefix_mask(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

static bool domain_valid(const char *s)
{
	size_t label = 0;

	for (; *s; s++) {
		if (*s == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*s) && *s != '-')
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0;
}

/* Keys that mean something only with an IPv4 subnet. */
static const char *const needs_subnet[] = {
    "gateway", "dhcp", "range", "lease", "dhcp_leases_per_port",
};

/* Keys of the gateway's DNS, which serves either family. */
static const char *const needs_either[] = {
    "dns_servers",
    "domain",
};

/**
 * vnetd_gw_wanted() - whether a network's configuration gives it a gateway
 * @conf: the network's configuration
 *
 * Return: true with an IPv4 subnet or an IPv6 prefix (or both)
 */
bool vnetd_gw_wanted(json_t *conf)
{
	return jstr(conf, "subnet") || jstr(conf, "subnet6");
}

/* What a network without any gateway keeps no more. */
static void gw_unset_dns(json_t *conf)
{
	if (vnetd_gw_wanted(conf))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(needs_either); i++)
		json_object_del(conf, needs_either[i]);
}

/**
 * vnetd_gw_unset() - remove the keys that mean something only with an IPv4
 * subnet
 * @conf: a network's configuration that loses its subnet ("--no-subnet")
 *
 * Its NAT goes too: NAT needs the gateway's IPv4 side.  The DNS keys stay
 * while the network keeps an IPv6 prefix.  The gateway's MAC stays (made
 * once: a subnet given again gets the same one).
 */
void vnetd_gw_unset(json_t *conf)
{
	for (size_t i = 0; i < ARRAY_SIZE(needs_subnet); i++)
		json_object_del(conf, needs_subnet[i]);
	vnetd_nat_unset(conf);
	gw_unset_dns(conf);
}

/**
 * vnetd_gw_unset6() - remove the keys that mean something only with an
 * IPv6 prefix
 * @conf: a network's configuration that loses it ("--no-subnet6")
 */
void vnetd_gw_unset6(json_t *conf)
{
	json_object_del(conf, "gateway6");
	json_object_del(conf, "dhcp6");
	gw_unset_dns(conf);
}

/* 32 hex digits into @key; -EINVAL for anything else. */
static int key6_parse(const char *s, uint8_t key[16])
{
	if (strlen(s) != 32)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		unsigned v;

		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		key[i] = (uint8_t)v;
	}
	return 0;
}

/**
 * vnetd_gw_key6_make() - give a network that serves DHCPv6 the key of its
 * address hash, made once and stored with it ("dhcp6_key"): a client gets
 * the address it had before a restart, as the engine keeps no bindings
 * @conf: the network's configuration, being checked
 * @e: error
 *
 * Return: 0, or -EIO with @e set (no randomness)
 */
int vnetd_gw_key6_make(json_t *conf, struct vnetd_err *e)
{
	uint8_t key[16];
	char hex[33];

	if (getrandom(key, sizeof(key), 0) != sizeof(key)) {
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "cannot make the DHCPv6 key: %s",
			      strerror(errno));
		return -EIO;
	}
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	json_object_set_new(conf, "dhcp6_key", json_string(hex));
	return 0;
}

/* The IPv6 side: subnet6 a /64 that can be a link's, gateway6 in it. */
static int gw_params6(json_t *conf, struct vnetd_gw_params *gp, char *err,
		      size_t errlen)
{
	static const uint8_t zero[8];
	const char *sub = jstr(conf, "subnet6"), *gw = jstr(conf, "gateway6");
	unsigned plen = 0;

	if (!sub) {
		if (gw || jstr(conf, "dhcp6")) {
			snprintf(err, errlen,
				 "'%s' needs an IPv6 prefix for the "
				 "network (--subnet6 fd00:1:2:3::/64)",
				 gw ? "gateway6" : "dhcp6");
			return -EINVAL;
		}
		return 0;
	}
	if (jstr(conf, "dhcp6_key") &&
	    key6_parse(jstr(conf, "dhcp6_key"), gp->key6)) {
		snprintf(err, errlen,
			 "dhcp6_key: must be 32 hex digits (16 bytes)");
		return -EINVAL;
	}
	if (jstr(conf, "dhcp6"))
		gp->dhcp6 = strcmp(jstr(conf, "dhcp6"), "stateful") ? 1 : 2;
	/* RFC 8200 5: every IPv6 link carries 1280 bytes; on a smaller MTU
	 * hosts ignore the RA's MTU and Linux turns IPv6 off. */
	if (json_object_get(conf, "mtu") && juint(conf, "mtu") < 1280) {
		snprintf(err, errlen,
			 "subnet6 %s: an IPv6 link needs an MTU of 1280 or "
			 "more (this network's is %u)",
			 sub, juint(conf, "mtu"));
		return -EINVAL;
	}
	schema_cidr6_parse(sub, gp->prefix6, &plen);
	if (plen != 64) {
		snprintf(err, errlen,
			 "subnet6 %s: must be a /64, the prefix length "
			 "SLAAC takes (like fd00:1:2:3::/64)",
			 sub);
		return -EINVAL;
	}
	if (gp->prefix6[0] == 0xff) {
		snprintf(err, errlen,
			 "subnet6 %s: a multicast prefix is no link's; "
			 "give a unique local one like fd00:1:2:3::/64",
			 sub);
		return -EINVAL;
	}
	if (gp->prefix6[0] == 0xfe && (gp->prefix6[1] & 0xc0) == 0x80) {
		snprintf(err, errlen,
			 "subnet6 %s: link-local addresses are every link's "
			 "own (the gateway has one from its MAC); give a "
			 "unique local prefix like fd00:1:2:3::/64",
			 sub);
		return -EINVAL;
	}
	if (!memcmp(gp->prefix6, zero, 8)) {
		snprintf(err, errlen,
			 "subnet6 %s: ::/64 holds the unspecified, loopback "
			 "and IPv4-mapped addresses; give a unique local "
			 "prefix like fd00:1:2:3::/64",
			 sub);
		return -EINVAL;
	}
	gp->v6 = true;
	memcpy(gp->ip6, gp->prefix6, 16);
	if (gw) {
		schema_ipv6_parse(gw, gp->ip6);
	} else {
		gp->ip6[15] = 1;
		return 0;
	}
	if (memcmp(gp->ip6, gp->prefix6, 8)) {
		snprintf(err, errlen, "gateway6 %s is not inside subnet6 %s",
			 gw, sub);
		return -EINVAL;
	}
	if (!memcmp(gp->ip6 + 8, zero, 8)) {
		snprintf(err, errlen,
			 "gateway6 %s is the subnet-router anycast address "
			 "of %s (host part 0): give another, like the "
			 "default ::1 of the prefix",
			 gw, sub);
		return -EINVAL;
	}
	if (gp->ip6[8] == 0xfd && gp->ip6[14] == 0xff &&
	    !memcmp(gp->ip6 + 9, "\xff\xff\xff\xff\xff", 5) &&
	    gp->ip6[15] >= 0x80) {
		snprintf(err, errlen,
			 "gateway6 %s is one of the subnet's reserved "
			 "anycast addresses (RFC 2526): give another",
			 gw);
		return -EINVAL;
	}
	return 0;
}

/**
 * vnetd_gw_params() - the gateway a network's configuration describes
 * @conf: the network's normalised configuration
 * @gp: filled in (gp->enabled false when the network has no subnet)
 * @err: the refusal, a sentence naming the key
 * @errlen: size of @err
 *
 * Return: 0, or -EINVAL with @err set
 */
static int gw_params_dns(json_t *conf, struct vnetd_gw_params *gp, char *err,
			 size_t errlen);

int vnetd_gw_params(json_t *conf, struct vnetd_gw_params *gp, char *err,
		    size_t errlen)
{
	struct dhcps_subnet_cfg *sn = &gp->subnet;
	uint32_t mask, bcast, addr;
	unsigned plen;
	size_t i;

	memset(gp, 0, sizeof(*gp));
	if (gw_params6(conf, gp, err, errlen))
		return -EINVAL;
	gp->has_mac = jstr(conf, "gateway_mac") &&
		      !mac_parse(jstr(conf, "gateway_mac"), gp->mac);
	if (gp->has_mac) {
		/* fe80::/64 with the modified EUI-64 of the MAC */
		gp->ll6[0] = 0xfe;
		gp->ll6[1] = 0x80;
		gp->ll6[8] = gp->mac[0] ^ 0x02;
		memcpy(gp->ll6 + 9, gp->mac + 1, 2);
		gp->ll6[11] = 0xff;
		gp->ll6[12] = 0xfe;
		memcpy(gp->ll6 + 13, gp->mac + 3, 3);
	}
	if (!jstr(conf, "subnet")) {
		for (i = 0; i < ARRAY_SIZE(needs_subnet); i++)
			if (json_object_get(conf, needs_subnet[i])) {
				snprintf(err, errlen,
					 "'%s' needs a subnet (IPv4) for the "
					 "network (--subnet 192.168.50.0/24)",
					 needs_subnet[i]);
				return -EINVAL;
			}
		for (i = 0; !gp->v6 && i < ARRAY_SIZE(needs_either); i++)
			if (json_object_get(conf, needs_either[i])) {
				snprintf(err, errlen,
					 "'%s' needs a subnet for the network "
					 "(--subnet 192.168.50.0/24 or "
					 "--subnet6 fd00:1:2:3::/64)",
					 needs_either[i]);
				return -EINVAL;
			}
		gp->enabled = gp->v6;
		return gp->v6 ? gw_params_dns(conf, gp, err, errlen) : 0;
	}
	schema_cidr4_parse(jstr(conf, "subnet"), &addr, &plen);
	gp->enabled = true;
	gp->v4 = true;
	sn->net = addr;
	sn->prefix = (uint8_t)plen;
	mask = prefix_mask(plen);
	bcast = (addr & mask) | ~mask;
	if (plen < 8 || plen > 30) {
		snprintf(err, errlen,
			 "subnet %s: a gateway's subnet needs a prefix from /8 "
			 "to /30",
			 jstr(conf, "subnet"));
		return -EINVAL;
	}
	if (jstr(conf, "gateway"))
		schema_ipv4_parse(jstr(conf, "gateway"), &gp->ip);
	else
		gp->ip = (addr & mask) + 1;
	if ((gp->ip & mask) != (addr & mask)) {
		snprintf(err, errlen, "gateway %s is not inside subnet %s",
			 jstr(conf, "gateway"), jstr(conf, "subnet"));
		return -EINVAL;
	}
	if (gp->ip == (addr & mask) || gp->ip == bcast) {
		/* Refused here, before a DHCP range is derived from it. */
		snprintf(err, errlen, "gateway %s is the subnet's %s address",
			 jstr(conf, "gateway"),
			 gp->ip == bcast ? "broadcast" : "network");
		return -EINVAL;
	}
	if (jstr(conf, "range")) {
		schema_range4_parse(jstr(conf, "range"), &sn->range_start,
				    &sn->range_end);
	} else if (gp->ip - (addr & mask) - 1 >= bcast - gp->ip - 1) {
		/* The larger side of the gateway. */
		sn->range_start = (addr & mask) + 1;
		sn->range_end = gp->ip - 1;
	} else {
		sn->range_start = gp->ip + 1;
		sn->range_end = bcast - 1;
	}
	sn->router = gp->ip;
	sn->dns[0] = gp->ip;
	sn->ndns = 1;
	if (gw_params_dns(conf, gp, err, errlen))
		return -EINVAL;
	sn->lease_time = json_object_get(conf, "lease") ? juint(conf, "lease")
							: LEASE_DEFAULT;
	sn->mtu = (uint16_t)juint(conf, "mtu");
	/* One guest leaves three quarters of the pool to the others; a few
	 * addresses always (a guest that changes DHCP clients holds its old
	 * lease a while). */
	gp->port_share = (sn->range_end - sn->range_start + 1) / 4;
	if (gp->port_share < 4)
		gp->port_share = 4;
	if (json_object_get(conf, "dhcp_leases_per_port"))
		gp->port_share = juint(conf, "dhcp_leases_per_port");
	gp->dhcp = json_is_true(json_object_get(conf, "dhcp"));
	if (dhcps_check_subnet(sn, gp->ip, err, errlen))
		return -EINVAL;
	return 0;
}

/* The gateway's DNS, of either family: the domain, the resolvers. */
static int gw_params_dns(json_t *conf, struct vnetd_gw_params *gp, char *err,
			 size_t errlen)
{
	struct dhcps_subnet_cfg *sn = &gp->subnet;
	json_t *servers = json_object_get(conf, "dns_servers"), *v;
	size_t i;

	if (jstr(conf, "domain")) {
		if (!domain_valid(jstr(conf, "domain"))) {
			snprintf(err, errlen,
				 "domain '%s': must be labels of letters, "
				 "digits and '-' separated by dots, like "
				 "lab.vnet",
				 jstr(conf, "domain"));
			return -EINVAL;
		}
		snprintf(sn->domain, sizeof(sn->domain), "%s",
			 jstr(conf, "domain"));
	}
	json_array_foreach(servers, i, v)
	{
		if (i >= ARRAY_SIZE(gp->upstream))
			break;
		schema_ipv4_parse(json_string_value(v), &gp->upstream[i]);
		gp->n_upstream++;
	}
	return 0;
}

/* The IPv6 side: addresses and what the router advertisements say. */
static void gw_describe6(const struct vnetd_gw_params *gp, json_t *obj)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, gp->ip6, a, sizeof(a));
	json_object_set_new(obj, "gateway6_ip", json_string(a));

	if (gp->has_mac) {
		inet_ntop(AF_INET6, gp->ll6, a, sizeof(a));
		json_object_set_new(obj, "gateway6_link_local", json_string(a));
	}
	json_object_set_new(
	    obj, "router_advertisements",
	    json_pack("{s:i,s:i,s:i,s:b,s:b,s:i,s:i,s:b,s:b}", "interval_max_s",
		      VGW_RA_MAX_MS / 1000, "interval_min_s",
		      VGW_RA_MAX_MS / 3000, "router_lifetime_s", 0, "managed",
		      gp->dhcp6 == 2, "other", gp->dhcp6 != 0, "prefix_valid_s",
		      VGW_RA_VALID_S, "prefix_preferred_s", VGW_RA_PREFERRED_S,
		      "rdnss", 1, "dnssl", gp->subnet.domain[0] != 0));
}

/**
 * vnetd_gw_describe() - the effective gateway settings, for "network show"
 * @gp: parameters from vnetd_gw_params()
 * @obj: object to add "gateway_ip", "dhcp_range" and "lease" to
 */
void vnetd_gw_describe(const struct vnetd_gw_params *gp, json_t *obj)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], r[40];
	struct in_addr x;

	if (!gp->enabled)
		return;
	if (gp->v6)
		gw_describe6(gp, obj);
	if (!gp->v4)
		return;
	x.s_addr = htonl(gp->ip);
	inet_ntop(AF_INET, &x, a, sizeof(a));
	json_object_set_new(obj, "gateway_ip", json_string(a));
	if (!gp->dhcp)
		return;
	x.s_addr = htonl(gp->subnet.range_start);
	inet_ntop(AF_INET, &x, a, sizeof(a));
	x.s_addr = htonl(gp->subnet.range_end);
	inet_ntop(AF_INET, &x, b, sizeof(b));
	snprintf(r, sizeof(r), "%s-%s", a, b);
	json_object_set_new(obj, "dhcp_range", json_string(r));
	json_object_set_new(obj, "lease_time",
			    json_integer(gp->subnet.lease_time));
	json_object_set_new(obj, "dhcp_leases_per_port",
			    json_integer(gp->port_share));
}
