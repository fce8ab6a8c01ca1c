// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp_config.c - checks of a DHCP server's configuration, each refusal a
 * sentence that says exactly what is wrong, and the drop reason names
 */
#include "dhcp_priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../lib/util.h"

static const char *const drop_names[] = {
#define DHCPS_DROP_NAME(id, name, desc) name,
    DHCPS_DROPS(DHCPS_DROP_NAME)
#undef DHCPS_DROP_NAME
};

static const char *const drop_descs[] = {
#define DHCPS_DROP_DESC(id, name, desc) desc,
    DHCPS_DROPS(DHCPS_DROP_DESC)
#undef DHCPS_DROP_DESC
};

/**
 * dhcps_drop_name() - short name of a drop reason, for counters
 * @d: reason
 *
 * Return: the name, "none" for DHCPS_DROP_NONE
 */
const char *dhcps_drop_name(enum dhcps_drop d)
{
	return d < DHCPS_DROP_MAX ? drop_names[d] : "none";
}

/**
 * dhcps_drop_desc() - one-sentence description of a drop reason
 * @d: reason
 *
 * Return: the sentence, "" for DHCPS_DROP_NONE
 */
const char *dhcps_drop_desc(enum dhcps_drop d)
{
	return d < DHCPS_DROP_MAX ? drop_descs[d] : "";
}

/**
 * dhcp_ip_fmt() - dotted quad of an address
 * @ip: host order
 * @buf: output
 *
 * Return: @buf
 */
char *dhcp_ip_fmt(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		 (ip >> 8) & 0xff, ip & 0xff);
	return buf;
}

/**
 * dhcp_label_valid() - whether bytes form a host name label (RFC 1123)
 * @s: the label, not NUL-terminated
 * @len: its length
 *
 * Return: true for 1-63 letters, digits and hyphens not starting or ending
 * with a hyphen
 */
bool dhcp_label_valid(const char *s, size_t len)
{
	if (len < 1 || len > DHCPS_HOSTNAME_MAX || s[0] == '-' ||
	    s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

/**
 * dhcp_domain_valid() - whether a string is a domain of host name labels
 * @s: e.g. "lab.vnet", no trailing dot
 *
 * Return: true if every dot-separated label is valid and the whole fits
 * DHCPS_DOMAIN_MAX
 */
bool dhcp_domain_valid(const char *s)
{
	size_t n = strnlen(s, DHCPS_DOMAIN_MAX + 1);
	const char *p = s;

	if (n == 0 || n > DHCPS_DOMAIN_MAX)
		return false;
	for (;;) {
		const char *dot = memchr(p, '.', (size_t)(s + n - p));
		size_t len = dot ? (size_t)(dot - p) : (size_t)(s + n - p);

		if (!dhcp_label_valid(p, len))
			return false;
		if (!dot)
			return true;
		p = dot + 1;
	}
}

/* "10.0.0.0/24" */
static const char *cidr_fmt(const struct dhcps_subnet_cfg *sn, char buf[20])
{
	char ip[16];

	snprintf(buf, 20, "%s/%u", dhcp_ip_fmt(sn->net, ip), sn->prefix);
	return buf;
}

static bool in_subnet(const struct dhcps_subnet_cfg *sn, uint32_t ip)
{
	return (ip & dhcp_prefix_mask(sn->prefix)) == sn->net;
}

static int check_times(const struct dhcps_subnet_cfg *sn, char *err,
		       size_t errlen)
{
	uint32_t t1 = sn->t1 ? sn->t1 : sn->lease_time / 2;
	uint32_t t2 = sn->t2 ? sn->t2 : sn->lease_time / 8 * 7;

	if (sn->lease_time < 60) {
		snprintf(err, errlen,
			 "lease time %u s is shorter than the 60 s minimum",
			 sn->lease_time);
		return -EINVAL;
	}
	if (t1 >= t2 || t2 >= sn->lease_time) {
		snprintf(err, errlen,
			 "renewal time (T1) %u s, rebinding time (T2) %u s and "
			 "lease time %u s must increase in that order",
			 t1, t2, sn->lease_time);
		return -EINVAL;
	}
	return 0;
}

static int check_options(const struct dhcps_subnet_cfg *sn, const char *cidr,
			 char *err, size_t errlen)
{
	char a[16];

	if (sn->router && !in_subnet(sn, sn->router)) {
		snprintf(err, errlen, "router %s is not inside subnet %s",
			 dhcp_ip_fmt(sn->router, a), cidr);
		return -EINVAL;
	}
	if (sn->ndns > DHCPS_MAX_DNS || sn->nroutes > DHCPS_MAX_ROUTES) {
		snprintf(err, errlen,
			 "at most %u DNS servers and %u static routes per "
			 "subnet",
			 DHCPS_MAX_DNS, DHCPS_MAX_ROUTES);
		return -EINVAL;
	}
	for (unsigned i = 0; i < sn->nroutes; i++) {
		const struct dhcps_route *r = &sn->routes[i];

		if (r->prefix > 32 || (r->dst & ~dhcp_prefix_mask(r->prefix))) {
			snprintf(err, errlen,
				 "static route %s/%u is not a network address",
				 dhcp_ip_fmt(r->dst, a), r->prefix);
			return -EINVAL;
		}
	}
	if (sn->domain[0] && !dhcp_domain_valid(sn->domain)) {
		snprintf(
		    err, errlen,
		    "domain \"%.*s\" is not a DNS name (labels of letters, "
		    "digits and '-', separated by dots)",
		    DHCPS_DOMAIN_MAX, sn->domain);
		return -EINVAL;
	}
	if (sn->mtu && sn->mtu < 68) {
		snprintf(err, errlen, "interface MTU %u is below 68", sn->mtu);
		return -EINVAL;
	}
	return 0;
}

/**
 * dhcps_check_subnet() - check one subnet's settings
 * @sn: the subnet
 * @server_ip: the gateway's address (it may lie outside @sn: a subnet
 *             behind a relay)
 * @err: the refusal, a sentence
 * @errlen: size of @err
 *
 * Return: 0, or -EINVAL with @err saying what is wrong
 */
int dhcps_check_subnet(const struct dhcps_subnet_cfg *sn, uint32_t server_ip,
		       char *err, size_t errlen)
{
	uint32_t mask, bcast;
	char cidr[20], a[16], b[16];

	if (sn->prefix < 8 || sn->prefix > 30) {
		snprintf(err, errlen,
			 "prefix /%u: a DHCP subnet needs a prefix from /8 to "
			 "/30",
			 sn->prefix);
		return -EINVAL;
	}
	mask = dhcp_prefix_mask(sn->prefix);
	bcast = sn->net | ~mask;
	if (sn->net & ~mask) {
		snprintf(err, errlen,
			 "%s/%u is not a network address (host bits set); "
			 "use %s/%u",
			 dhcp_ip_fmt(sn->net, a), sn->prefix,
			 dhcp_ip_fmt(sn->net & mask, b), sn->prefix);
		return -EINVAL;
	}
	cidr_fmt(sn, cidr);
	if (sn->range_start > sn->range_end) {
		snprintf(err, errlen, "range %s-%s is reversed",
			 dhcp_ip_fmt(sn->range_start, a),
			 dhcp_ip_fmt(sn->range_end, b));
		return -EINVAL;
	}
	if (!in_subnet(sn, sn->range_start) || !in_subnet(sn, sn->range_end)) {
		snprintf(err, errlen, "range %s-%s is not inside subnet %s",
			 dhcp_ip_fmt(sn->range_start, a),
			 dhcp_ip_fmt(sn->range_end, b), cidr);
		return -EINVAL;
	}
	if (sn->range_start == sn->net || sn->range_end == bcast) {
		snprintf(err, errlen,
			 "range %s-%s includes the %s address of subnet %s",
			 dhcp_ip_fmt(sn->range_start, a),
			 dhcp_ip_fmt(sn->range_end, b),
			 sn->range_start == sn->net ? "network" : "broadcast",
			 cidr);
		return -EINVAL;
	}
	if (sn->range_end - sn->range_start >= DHCPS_MAX_POOL) {
		snprintf(err, errlen,
			 "range %s-%s holds %u addresses; at most %u are "
			 "served per subnet",
			 dhcp_ip_fmt(sn->range_start, a),
			 dhcp_ip_fmt(sn->range_end, b),
			 sn->range_end - sn->range_start + 1, DHCPS_MAX_POOL);
		return -EINVAL;
	}
	if (in_subnet(sn, server_ip) &&
	    (server_ip == sn->net || server_ip == bcast)) {
		snprintf(err, errlen,
			 "gateway address %s is the %s address of subnet %s",
			 dhcp_ip_fmt(server_ip, a),
			 server_ip == sn->net ? "network" : "broadcast", cidr);
		return -EINVAL;
	}
	if (server_ip >= sn->range_start && server_ip <= sn->range_end) {
		snprintf(err, errlen,
			 "range %s-%s includes the gateway address %s",
			 dhcp_ip_fmt(sn->range_start, a),
			 dhcp_ip_fmt(sn->range_end, b),
			 dhcp_ip_fmt(server_ip, cidr));
		return -EINVAL;
	}
	if (check_options(sn, cidr, err, errlen))
		return -EINVAL;
	return check_times(sn, err, errlen);
}

/**
 * dhcps_check_reservation() - check a reservation against the subnets and
 * the reservations already accepted
 * @subnets: the server's subnets (already checked)
 * @nsubnets: entries in @subnets
 * @server_ip: the gateway's address
 * @res: reservations accepted so far
 * @nres: entries in @res
 * @r: the reservation to check
 * @err: the refusal, a sentence
 * @errlen: size of @err
 *
 * Return: 0, -EINVAL for a reservation that cannot work anywhere, -EEXIST
 * when it collides with one in @res; @err says which and why
 */
int dhcps_check_reservation(const struct dhcps_subnet_cfg *subnets,
			    unsigned nsubnets, uint32_t server_ip,
			    const struct dhcps_reservation *res, unsigned nres,
			    const struct dhcps_reservation *r, char *err,
			    size_t errlen)
{
	const struct dhcps_subnet_cfg *sn = NULL;
	char mac[MAC_STRLEN], mac2[MAC_STRLEN], a[16], cidr[20];
	size_t hlen = strnlen(r->hostname, sizeof(r->hostname));

	mac_format(r->mac, mac);
	dhcp_ip_fmt(r->ip, a);
	if (mac_is_multicast(r->mac) || mac_is_zero(r->mac)) {
		snprintf(err, errlen,
			 "reservation %s: MAC %s is not a unicast address", a,
			 mac);
		return -EINVAL;
	}
	for (unsigned i = 0; i < nsubnets && !sn; i++)
		if (in_subnet(&subnets[i], r->ip))
			sn = &subnets[i];
	if (!sn) {
		if (nsubnets == 1)
			snprintf(err, errlen,
				 "reservation %s for %s is outside subnet %s",
				 a, mac, cidr_fmt(&subnets[0], cidr));
		else
			snprintf(err, errlen,
				 "reservation %s for %s is outside every "
				 "subnet served",
				 a, mac);
		return -EINVAL;
	}
	if (r->ip == sn->net ||
	    r->ip == (sn->net | ~dhcp_prefix_mask(sn->prefix))) {
		snprintf(err, errlen,
			 "reservation %s for %s is the %s address of subnet "
			 "%s",
			 a, mac, r->ip == sn->net ? "network" : "broadcast",
			 cidr_fmt(sn, cidr));
		return -EINVAL;
	}
	if (r->ip == server_ip) {
		snprintf(err, errlen,
			 "reservation %s for %s is the gateway's own address",
			 a, mac);
		return -EINVAL;
	}
	if (hlen == sizeof(r->hostname) ||
	    (hlen && !dhcp_label_valid(r->hostname, hlen))) {
		snprintf(err, errlen,
			 "reservation %s: hostname \"%.*s\" is not a DNS label "
			 "(1-63 letters, digits and '-')",
			 a, DHCPS_HOSTNAME_MAX, r->hostname);
		return -EINVAL;
	}
	for (unsigned i = 0; i < nres; i++) {
		const struct dhcps_reservation *o = &res[i];

		if (o->ip == r->ip && memcmp(o->mac, r->mac, 6)) {
			snprintf(err, errlen, "%s is already reserved for %s",
				 a, mac_format(o->mac, mac2));
			return -EEXIST;
		}
		if (!memcmp(o->mac, r->mac, 6)) {
			snprintf(err, errlen, "%s already has reservation %s",
				 mac, dhcp_ip_fmt(o->ip, cidr));
			return -EEXIST;
		}
		if (hlen && !strcasecmp(o->hostname, r->hostname)) {
			snprintf(err, errlen,
				 "hostname %s is already reserved for %s",
				 r->hostname, dhcp_ip_fmt(o->ip, cidr));
			return -EEXIST;
		}
	}
	return 0;
}

/**
 * dhcps_check_reservation_lease() - check a new reservation against a lease
 * @r: the reservation
 * @rec: a lease of the reservation's network (from the state file)
 * @now: wall-clock seconds, the clock of @rec->expires
 * @net: the network's name, for the sentence
 * @err: the refusal, a sentence that says how to go on
 * @errlen: size of @err
 *
 * An address another client holds is not taken from it: the reservation is
 * refused until that lease ends or is released.
 *
 * Return: 0, or -EBUSY when @rec binds @r's address to another MAC
 */
int dhcps_check_reservation_lease(const struct dhcps_reservation *r,
				  const struct dhcps_lease_rec *rec,
				  int64_t now, const char *net, char *err,
				  size_t errlen)
{
	char mac[MAC_STRLEN], a[16];
	int64_t left = rec->expires - now;

	if (rec->ip != r->ip || rec->state != DHCPS_LEASE_BOUND || left <= 0 ||
	    !memcmp(rec->mac, r->mac, 6))
		return 0;
	snprintf(err, errlen,
		 "%s is leased to %s for %lldh%02lldm more: release it first "
		 "(vnetctl dhcp release %s %s) or reserve another address",
		 dhcp_ip_fmt(r->ip, a), mac_format(rec->mac, mac),
		 (long long)(left / 3600), (long long)(left % 3600 / 60), net,
		 mac);
	return -EBUSY;
}
