// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_reservation.c - the "reservation" object kind: a fixed DHCP address
 * (and hostname) for one MAC on one network
 *
 * A reservation is named "NETWORK/MAC" (the engine's object name); users
 * give the network and the MAC.  Applying or removing one rebuilds its
 * network's DHCP server (leases are kept: they live in the state file).
 */
#include "vnetd.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"

static const struct schema_opt res_opts[] = {
    {"name", SCHEMA_STRING, 0, 40, .desc = "NETWORK/MAC (made for you)"},
    {"network", SCHEMA_NAME, .flags = SCHEMA_REQUIRED,
     .desc = "network whose DHCP server hands the address out"},
    {"mac", SCHEMA_MAC, .flags = SCHEMA_REQUIRED, .desc = "the client's MAC"},
    {"ip", SCHEMA_IPV4, .flags = SCHEMA_REQUIRED, .desc = "its address"},
    {"hostname", SCHEMA_STRING, 0, DHCPS_HOSTNAME_MAX,
     .desc = "its name, sent in DHCP and answered in DNS"},
};

static bool label_valid(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-')
			return false;
	return true;
}

static int to_res(json_t *conf, struct dhcps_reservation *r)
{
	memset(r, 0, sizeof(*r));
	if (mac_parse(jstr(conf, "mac"), r->mac) ||
	    !schema_ipv4_parse(jstr(conf, "ip"), &r->ip))
		return -EINVAL;
	if (jstr(conf, "hostname"))
		snprintf(r->hostname, sizeof(r->hostname), "%s",
			 jstr(conf, "hostname"));
	return 0;
}

/**
 * vnetd_reservations() - a network's reservations as the DHCP server takes
 * them: all of them, however many
 * @d: daemon
 * @net: network name
 * @out: set to an array the caller frees (NULL for none)
 *
 * Return: how many, or -ENOMEM
 */
int vnetd_reservations(struct vnetd *d, const char *net,
		       struct dhcps_reservation **out)
{
	const struct vnetd_objset *s = vnetd_objs(d, &vnetd_kind_reservation);
	size_t n = 0, max = 0;

	*out = NULL;
	for (size_t i = 0; i < s->n; i++)
		max += !strcmp(jstr(s->v[i]->conf, "network"), net);
	if (!max)
		return 0;
	if (max > INT_MAX || !(*out = calloc(max, sizeof(**out))))
		return -ENOMEM;
	for (size_t i = 0; i < s->n && n < max; i++)
		if (!strcmp(jstr(s->v[i]->conf, "network"), net) &&
		    !to_res(s->v[i]->conf, &(*out)[n]))
			n++;
	return (int)n;
}

/* What no two reservations of a network share: the address, the MAC and
 * the hostname (in any case), in the order dhcps_check_reservation() tells
 * a clash. */
static unsigned res_keys(json_t *conf, char key[VNETD_KEYS][VNETD_KEY_SIZE])
{
	const char *net = jstr(conf, "network");
	struct dhcps_reservation r;
	char mac[MAC_STRLEN];
	unsigned n = 0;

	if (!net || to_res(conf, &r))
		return 0;
	snprintf(key[n++], VNETD_KEY_SIZE, "%s ip %08x", net, r.ip);
	snprintf(key[n++], VNETD_KEY_SIZE, "%s mac %s", net,
		 mac_format(r.mac, mac));
	if (r.hostname[0]) {
		for (char *c = r.hostname; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		snprintf(key[n++], VNETD_KEY_SIZE, "%s host %s", net,
			 r.hostname);
	}
	return n;
}

struct lease_scan {
	const struct dhcps_reservation *r;
	const char *net;
	int64_t now;
	char *msg;
	size_t len;
	int ret;
};

static void lease_scan_row(const struct dhcps_lease_rec *rec, void *arg)
{
	struct lease_scan *c = arg;

	if (!c->ret)
		c->ret = dhcps_check_reservation_lease(c->r, rec, c->now,
						       c->net, c->msg, c->len);
}

/* The address must not be another client's lease (the state file's),
 * looked up by address. */
static int res_check_leases(struct vnetd *d, const char *net,
			    const struct dhcps_reservation *r, char *msg,
			    size_t len)
{
	struct lease_scan c = {r, net, (int64_t)time(NULL), msg, len, 0};

	if (vnetd_store_lease_find(d->store, net, r->ip, lease_scan_row, &c)) {
		snprintf(msg, len, "cannot read the leases of %s: %s", net,
			 vnetd_store_errmsg(d->store));
		return -EIO;
	}
	return c.ret;
}

static int res_check(struct vnetd *d, const struct vnetd_view *v, json_t *conf,
		     json_t *old, struct vnetd_err *e)
{
	json_t *net =
	    vnetd_view_find(v, &vnetd_kind_network, jstr(conf, "network"));
	char name[64], msg[sizeof(e->msg)], key[VNETD_KEYS][VNETD_KEY_SIZE];
	const char *host = jstr(conf, "hostname");
	struct dhcps_reservation r;
	struct vnetd_gw_params gp;
	unsigned nkeys;
	int ret;

	if (!net) {
		vnetd_err_set(e, VNET_ERR_NOT_FOUND, "no network '%s'",
			      jstr(conf, "network"));
		return -ENOENT;
	}
	snprintf(name, sizeof(name), "%s/%s", jstr(conf, "network"),
		 jstr(conf, "mac"));
	json_object_set_new(conf, "name", json_string(name));
	if (!old && vnetd_view_find(v, &vnetd_kind_reservation, name)) {
		vnetd_err_set(e, VNET_ERR_EXISTS,
			      "%s already has a reservation on network '%s' "
			      "(unreserve it first)",
			      jstr(conf, "mac"), jstr(conf, "network"));
		return -EEXIST;
	}
	if (host && !label_valid(host)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "hostname '%s': must be one DNS label: letters, "
			      "digits and '-'",
			      host);
		return -EINVAL;
	}
	if (vnetd_gw_params(net, &gp, msg, sizeof(msg)) || !gp.dhcp) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "network '%s' does not serve DHCP (network set "
			      "%s --subnet ... --dhcp)",
			      jstr(conf, "network"), jstr(conf, "network"));
		return -EINVAL;
	}
	/* Alone first (subnet, label), then against the reservations that
	 * hold its address, MAC or hostname on the network, if any. */
	to_res(conf, &r);
	ret = dhcps_check_reservation(&gp.subnet, 1, gp.ip, NULL, 0, &r, msg,
				      sizeof(msg));
	nkeys = res_keys(conf, key);
	for (unsigned i = 0; !ret && i < nkeys; i++) {
		const char *holder =
		    vnetd_view_holder(v, &vnetd_kind_reservation, key[i]);
		struct dhcps_reservation other;

		if (holder && strcmp(holder, name) &&
		    !to_res(vnetd_view_find(v, &vnetd_kind_reservation, holder),
			    &other))
			ret = dhcps_check_reservation(&gp.subnet, 1, gp.ip,
						      &other, 1, &r, msg,
						      sizeof(msg));
	}
	if (!ret)
		ret = res_check_leases(d, jstr(conf, "network"), &r, msg,
				       sizeof(msg));
	if (ret) {
		vnetd_err_set(e,
			      ret == -EEXIST  ? VNET_ERR_EXISTS
			      : ret == -EBUSY ? VNET_ERR_REFUSED
					      : JSONRPC_INVALID_PARAMS,
			      "%s", msg);
		return ret;
	}
	return 0;
}

static struct vnetd_obj *res_apply(struct vnetd *d, json_t *conf,
				   bool restoring, struct vnetd_err *e)
{
	struct vnetd_obj *o = calloc(1, sizeof(*o));

	if (!o) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	o->kind = &vnetd_kind_reservation;
	o->conf = json_incref(conf);
	o->name = jstr(conf, "name");
	/* Restored: its network's gateway starts after the restore, with
	 * it (vnetd_gw_start_restored()). */
	if (!restoring)
		vnetd_gw_changed(d, jstr(conf, "network"));
	return o;
}

static void res_unapply(struct vnetd *d, struct vnetd_obj *o, bool remove)
{
	vnetd_gw_changed(d, jstr(o->conf, "network"));
	json_decref(o->conf);
	free(o);
}

static json_t *res_status(struct vnetd *d, struct vnetd_obj *o)
{
	return json_deep_copy(o->conf);
}

const struct vnetd_kind vnetd_kind_reservation = {
    .name = "reservation",
    .table = "reservations",
    .schema = {res_opts, ARRAY_SIZE(res_opts)},
    .parent = &vnetd_kind_network,
    .parent_key = "network",
    .check = res_check,
    .apply = res_apply,
    .unapply = res_unapply,
    .status = res_status,
    .keys = res_keys,
};
