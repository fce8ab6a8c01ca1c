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

#include "../lib/util.h"

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

/* Keys that mean something only with a subnet. */
static const char *const needs_subnet[] = {
    "gateway",
    "dhcp",
    "range",
    "dns_servers",
    "domain",
    "lease",
    "dhcp_leases_per_port",
};

/**
 * vnetd_gw_unset() - remove the keys that mean something only with a subnet
 * @conf: a network's configuration that loses its subnet ("--no-subnet")
 *
 * Its NAT goes too: NAT needs the gateway.  The gateway's MAC stays (made
 * once: a subnet given again gets the same one).
 */
void vnetd_gw_unset(json_t *conf)
{
	for (size_t i = 0; i < ARRAY_SIZE(needs_subnet); i++)
		json_object_del(conf, needs_subnet[i]);
	vnetd_nat_unset(conf);
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
int vnetd_gw_params(json_t *conf, struct vnetd_gw_params *gp, char *err,
		    size_t errlen)
{
	struct dhcps_subnet_cfg *sn = &gp->subnet;
	json_t *servers = json_object_get(conf, "dns_servers"), *v;
	uint32_t mask, bcast, addr;
	unsigned plen;
	size_t i;

	memset(gp, 0, sizeof(*gp));
	if (!jstr(conf, "subnet")) {
		for (i = 0; i < ARRAY_SIZE(needs_subnet); i++)
			if (json_object_get(conf, needs_subnet[i])) {
				snprintf(err, errlen,
					 "'%s' needs a subnet for the network "
					 "(--subnet 192.168.50.0/24)",
					 needs_subnet[i]);
				return -EINVAL;
			}
		return 0;
	}
	schema_cidr4_parse(jstr(conf, "subnet"), &addr, &plen);
	gp->enabled = true;
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
	json_array_foreach(servers, i, v)
	{
		if (i >= ARRAY_SIZE(gp->upstream))
			break;
		schema_ipv4_parse(json_string_value(v), &gp->upstream[i]);
		gp->n_upstream++;
	}
	gp->dhcp = json_is_true(json_object_get(conf, "dhcp"));
	if (dhcps_check_subnet(sn, gp->ip, err, errlen))
		return -EINVAL;
	return 0;
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
