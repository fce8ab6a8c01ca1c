// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_network.c - the "network" object kind: options, apply, live changes,
 * status, the network's MAC table
 */
#include "vnetd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"

static const char *const net_types[] = {"private", "internal", "external",
					NULL};

static const char *const dhcp6_modes[] = {"stateful", "stateless", NULL};

static const struct schema_opt net_opts[] = {
    {"name", SCHEMA_NAME, .flags = SCHEMA_REQUIRED, .desc = "network name"},
    {"type", SCHEMA_ENUM, .flags = SCHEMA_REQUIRED, .choices = net_types,
     .desc = "private, internal or external"},
    {"mtu", SCHEMA_UINT, VSW_MTU_MIN, VSW_MTU_MAX, 1500, SCHEMA_LIVE,
     .desc = "MTU"},
    {"fdb_size", SCHEMA_UINT, 16, 65536, 4096, SCHEMA_LIVE,
     .desc = "most MAC addresses learned"},
    {"aging", SCHEMA_DURATION, 10, 86400, 300, SCHEMA_LIVE,
     .desc = "how long an idle MAC entry lives (seconds, or 90s, 15m, 1h)"},
    {"subnet", SCHEMA_CIDR4, .flags = SCHEMA_LIVE,
     .desc = "the network's IPv4 subnet: gives it a gateway (ARP, ping, "
	     "DNS)"},
    {"gateway", SCHEMA_IPV4, .flags = SCHEMA_LIVE,
     .desc = "the gateway's address (default: the subnet's first)"},
    {"subnet6", SCHEMA_CIDR6, .flags = SCHEMA_LIVE,
     .desc = "the network's IPv6 prefix, a /64: gives it a gateway that "
	     "advertises it (SLAAC), answers neighbour discovery, ping and "
	     "DNS"},
    {"gateway6", SCHEMA_IPV6, .flags = SCHEMA_LIVE,
     .desc = "the gateway's IPv6 address (default: the prefix's ::1)"},
    {"dhcp6", SCHEMA_ENUM, .flags = SCHEMA_LIVE, .choices = dhcp6_modes,
     .desc = "serve DHCPv6 on the IPv6 prefix: stateful (addresses and "
	     "settings; the RA's M and O flags) or stateless (settings "
	     "only, addresses by SLAAC; the O flag)"},
    {"dhcp6_key", SCHEMA_STRING, 32, 32, .flags = SCHEMA_LIVE,
     .desc = "key of the hash DHCPv6 addresses are chosen by, 32 hex "
	     "digits: the same client gets the same address across restarts "
	     "(default: made once and kept)"},
    {"gateway_mac", SCHEMA_MAC,
     .desc = "the gateway's MAC (default: made once and kept)"},
    {"dhcp", SCHEMA_BOOL, .flags = SCHEMA_LIVE,
     .desc = "serve DHCP on the subnet"},
    {"range", SCHEMA_RANGE4, .flags = SCHEMA_LIVE,
     .desc = "addresses DHCP hands out (default: the rest of the subnet)"},
    {"dns_servers", SCHEMA_IPV4_LIST, 0, 4, .flags = SCHEMA_LIVE,
     .desc = "resolvers the gateway relays outside names to (default: the "
	     "host's)"},
    {"domain", SCHEMA_STRING, 0, 200, .flags = SCHEMA_LIVE,
     .desc = "DNS domain of the network's hosts, e.g. lab.vnet"},
    {"lease", SCHEMA_DURATION, 60, 30 * 86400, 0, SCHEMA_LIVE,
     .desc = "DHCP lease time (default 1h)"},
    {"dhcp_leases_per_port", SCHEMA_UINT, 0, DHCPS_MAX_POOL, 0, SCHEMA_LIVE,
     .desc = "addresses the DHCP messages of one guest port may hold at once "
	     "(offered or leased), 0 for no limit (default: a quarter of the "
	     "range, at least 4)"},
    {"nat_via", SCHEMA_NAME, .flags = SCHEMA_LIVE,
     .desc = "external network the gateway translates the subnet out "
	     "through (NAT)"},
    {"nat_address", SCHEMA_STRING, 0, 20, .flags = SCHEMA_LIVE,
     .desc = "the external address, A/PREFIX, or dhcp (default)"},
    {"nat_gateway", SCHEMA_IPV4, .flags = SCHEMA_LIVE,
     .desc = "router on the external network (default: DHCP's, or none: "
	     "every destination on-link)"},
    {"nat_sessions", SCHEMA_UINT, 16, 4194304, 0, SCHEMA_LIVE,
     .desc = "connection table size (default 65536)"},
    {"nat_sessions_per_ip", SCHEMA_UINT, 0, 4194304, 0, SCHEMA_LIVE,
     .desc = "entries of the connection table one inside address may hold, "
	     "0 for no limit (default: a quarter of nat_sessions)"},
    {"nat_mac", SCHEMA_MAC,
     .desc = "the gateway's MAC on the external network (made once)"},
    {"uplink_team", SCHEMA_NAME,
     .desc = "team of NICs that is the network's uplink (external)"},
    {"sriov_pool", SCHEMA_STRING, 0, 40, .flags = SCHEMA_LIVE,
     .desc = "VFs sriov ports take: PF or PF:FIRST-LAST"},
    {"sriov_vlan", SCHEMA_UINT, 1, VLAN_MAX, 0, SCHEMA_LIVE,
     .desc = "VLAN the pool's VFs are given"},
};

/**
 * vnetd_net_find() - a network by name
 * @d: daemon
 * @name: name
 *
 * Return: network, or NULL
 */
struct vnetd_net *vnetd_net_find(struct vnetd *d, const char *name)
{
	struct vnetd_obj *o = vnetd_obj_find(d, &vnetd_kind_network, name);

	return o ? vnetd_net_of(o) : NULL;
}

/* A change that ends DHCP (--no-subnet, --no-dhcp) would drop the
 * network's reservations without a word: refused, naming them. */
static int net_res_lost(const struct vnetd_view *v, json_t *conf,
			const struct vnetd_gw_params *gp, struct vnetd_err *e)
{
	const char *name = jstr(conf, "name"), *key;
	unsigned n = 0;
	json_t *r;

	if (gp->dhcp)
		return 0;
	json_object_foreach(vnetd_view_all(v, &vnetd_kind_reservation), key, r)
	    n += !strcmp(jstr(r, "network"), name);
	if (!n)
		return 0;
	vnetd_err_set(e, VNET_ERR_REFUSED,
		      "network '%s' has %u DHCP reservation(s), which need "
		      "DHCP: remove them first (vnetctl dhcp reservations %s; "
		      "vnetctl dhcp unreserve %s MAC)",
		      name, n, name, name);
	return -EINVAL;
}

/* The DHCP pool and lease time do nothing without DHCP: refused when given
 * (a stored network that has them stays as it is). */
static int net_dhcp_only(json_t *conf, json_t *old, struct vnetd_err *e)
{
	static const char *const keys[] = {"range", "lease",
					   "dhcp_leases_per_port"};

	if (json_is_true(json_object_get(conf, "dhcp")))
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(conf, keys[i]);

		if (!v ||
		    (old && json_equal(v, json_object_get(old, keys[i])) &&
		     !json_is_true(json_object_get(old, "dhcp"))))
			continue;
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "'%s' is for DHCP, which network '%s' does not "
			      "serve: add --dhcp",
			      keys[i], jstr(conf, "name"));
		return -EINVAL;
	}
	return 0;
}

/* "--no-subnet" takes what needs the subnet with it, "--no-nat" what needs
 * NAT, "--no-dhcp" the pool and lease time: the rest of the network's
 * configuration stays valid. */
static void net_merge(json_t *conf, json_t *changes)
{
	json_t *subnet = json_object_get(changes, "subnet");
	json_t *subnet6 = json_object_get(changes, "subnet6");
	json_t *via = json_object_get(changes, "nat_via");
	json_t *dhcp = json_object_get(changes, "dhcp");

	if (dhcp && json_is_null(dhcp)) {
		json_object_del(conf, "range");
		json_object_del(conf, "lease");
		json_object_del(conf, "dhcp_leases_per_port");
	}
	if (subnet && json_is_null(subnet))
		vnetd_gw_unset(conf);
	if (subnet6 && json_is_null(subnet6))
		vnetd_gw_unset6(conf);
	if (via && json_is_null(via))
		vnetd_nat_unset(conf);
}

static int net_check(struct vnetd *d, const struct vnetd_view *v, json_t *conf,
		     json_t *old, struct vnetd_err *e)
{
	struct vnetd_gw_params gp;
	char msg[sizeof(e->msg)];

	if (!old &&
	    vnetd_view_find(v, &vnetd_kind_network, jstr(conf, "name"))) {
		vnetd_err_set(e, VNET_ERR_EXISTS, "network '%s' already exists",
			      jstr(conf, "name"));
		return -EEXIST;
	}
	if (vnetd_gw_params(conf, &gp, msg, sizeof(msg))) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS, "%s", msg);
		return -EINVAL;
	}
	if (old && net_res_lost(v, conf, &gp, e))
		return -EINVAL;
	if (net_dhcp_only(conf, old, e))
		return -EINVAL;
	if (vnetd_team_check_net(v, conf, e))
		return -EINVAL;
	if (vnetd_sriov_pool_check(d, v, conf, e))
		return -EINVAL;
	if (gp.enabled && !jstr(conf, "gateway_mac")) {
		uint8_t mac[6];
		char buf[MAC_STRLEN];

		/* Made once and stored, so guests' ARP caches stay right
		 * across restarts. */
		mac_random(mac);
		json_object_set_new(conf, "gateway_mac",
				    json_string(mac_format(mac, buf)));
	}
	if (gp.v6 && jstr(conf, "dhcp6") && !jstr(conf, "dhcp6_key") &&
	    vnetd_gw_key6_make(conf, e))
		return -EINVAL;
	return vnetd_nat_check(d, v, conf, e);
}

static struct vnetd_obj *net_apply(struct vnetd *d, json_t *conf,
				   bool restoring, struct vnetd_err *e)
{
	struct vsw_net_params p = {
	    .name = jstr(conf, "name"),
	    .type = (enum vsw_net_type)vsw_net_type_parse(jstr(conf, "type")),
	    .mtu = juint(conf, "mtu"),
	    .fdb_size = juint(conf, "fdb_size"),
	    .aging = juint(conf, "aging"),
	};
	struct vnetd_net *net;
	int id;

	id = vswitch_net_add(d->sw, &p);
	if (id < 0) {
		vnetd_err_set(e, jsonrpc_code_from_errno(id),
			      "cannot create network '%s': %s", p.name,
			      strerror(-id));
		return NULL;
	}
	net = calloc(1, sizeof(*net));
	if (!net) {
		(void)vswitch_net_del(d->sw, id);
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	net->obj.kind = &vnetd_kind_network;
	net->obj.conf = json_incref(conf);
	net->obj.name = jstr(conf, "name");
	net->type = p.type;
	net->id = id;
	net->d = d;
	d->nets[id] = net;
	if (vnetd_team_net_up(d, net, restoring, e)) {
		d->nets[id] = NULL;
		(void)vswitch_net_del(d->sw, id);
		json_decref(conf);
		free(net);
		return NULL;
	}
	/* Restored: the gateway starts once the restore is done, with the
	 * network's reservations and forwards (vnetd_gw_start_restored(),
	 * or the rebuild timer after an import's undo). */
	if (vnetd_gw_wanted(conf) && restoring)
		vnetd_gw_later(d, net);
	else if (vnetd_gw_wanted(conf) &&
		 (vnetd_gw_start(d, net, e) || net->nat_error[0])) {
		if (net->nat_error[0]) {
			/* Asked for now: all or nothing. */
			vnetd_err_set(e, VNET_ERR_SYSTEM, "%s", net->nat_error);
			vnetd_gw_stop(d, net);
		}
		vnetd_team_net_down(d, net);
		d->nets[id] = NULL;
		(void)vswitch_net_del(d->sw, id);
		json_decref(conf);
		free(net);
		return NULL;
	}
	if (net->type == VSW_NET_EXTERNAL)
		vnetd_nat_ext_back(d, net->obj.name);
	return &net->obj;
}

static void net_unapply(struct vnetd *d, struct vnetd_obj *o, bool remove)
{
	struct vnetd_net *net = vnetd_net_of(o);

	vnetd_team_net_down(d, net);
	vnetd_gw_stop(d, net);
	vtimer_cancel(d->timers, &net->gw_rebuild);
	/* Its lease index goes with it (its gateway may not have run). */
	vnetd_ip_guard_reload(d, o->name);
	if (net->type == VSW_NET_EXTERNAL)
		vnetd_nat_ext_gone(d, o->name);
	if (remove)
		(void)vnetd_store_lease_drop(d->store, o->name);
	if (remove && jstr(o->conf, "nat_via"))
		vnetd_nat_forget(d, o->name);
	(void)vswitch_net_del(d->sw, net->id);
	d->nets[net->id] = NULL;
	json_decref(o->conf);
	free(net);
}

/* Live changes: the MAC table's size and aging, and the MTU, which reaches
 * the switch and every port's device. */
static int net_set(struct vnetd *d, struct vnetd_obj *o, json_t *conf,
		   struct vnetd_err *e)
{
	struct vnetd_net *net = vnetd_net_of(o);
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	unsigned mtu = juint(conf, "mtu");
	static const char *const gw_keys[] = {
	    "subnet",
	    "gateway",
	    "subnet6",
	    "gateway6",
	    "dhcp6",
	    "dhcp6_key",
	    "gateway_mac",
	    "dhcp",
	    "range",
	    "dns_servers",
	    "domain",
	    "lease",
	    "mtu",
	    "nat_via",
	    "nat_address",
	    "nat_gateway",
	    "nat_sessions",
	    "nat_sessions_per_ip",
	    "dhcp_leases_per_port",
	};
	int ret;

	for (size_t i = 0; i < ARRAY_SIZE(gw_keys); i++) {
		json_t *a = json_object_get(o->conf, gw_keys[i]);
		json_t *b = json_object_get(conf, gw_keys[i]);

		if ((a || b) && !(a && b && json_equal(a, b))) {
			/* Rebuilt once this change is stored. */
			vnetd_gw_changed(d, o->name);
			break;
		}
	}

	if (juint(conf, "fdb_size") != juint(o->conf, "fdb_size")) {
		ret = vswitch_net_set_fdb_size(d->sw, net->id,
					       juint(conf, "fdb_size"));
		if (ret) {
			vnetd_err_set(e, jsonrpc_code_from_errno(ret),
				      "cannot resize the MAC table: %s",
				      strerror(-ret));
			return ret;
		}
	}
	if (juint(conf, "aging") != juint(o->conf, "aging"))
		(void)vswitch_net_set_aging(d->sw, net->id,
					    juint(conf, "aging"));
	if (mtu != juint(o->conf, "mtu")) {
		ret = vswitch_net_set_mtu(d->sw, net->id, mtu);
		if (ret) {
			vnetd_err_set(e, jsonrpc_code_from_errno(ret),
				      "cannot change the MTU: %s",
				      strerror(-ret));
			return ret;
		}
		for (size_t i = 0; i < ports->n; i++) {
			struct vnetd_port *p = vnetd_port_of(ports->v[i]);

			if (p->id >= 0 &&
			    !strcmp(jstr(p->obj.conf, "network"), o->name))
				vnetd_port_mtu_changed(d, p, mtu);
		}
		vnetd_nat_ext_mtu(d, o->name);
	}
	return 0;
}

static unsigned net_port_count(struct vnetd *d, const char *net)
{
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	unsigned n = 0;

	for (size_t i = 0; i < ports->n; i++)
		n += !strcmp(jstr(ports->v[i]->conf, "network"), net);
	return n;
}

static json_t *net_status(struct vnetd *d, struct vnetd_obj *o)
{
	json_t *s = json_deep_copy(o->conf);
	struct vnetd_gw_params gp;
	struct vsw_net_stats st;
	char msg[256];

	vswitch_net_stats(d->sw, vnetd_net_of(o)->id, &st);
	json_object_set_new(s, "ports",
			    json_integer(net_port_count(d, o->name)));
	json_object_set_new(s, "fdb_entries",
			    json_integer((json_int_t)st.fdb_entries));
	if (!vnetd_gw_params(o->conf, &gp, msg, sizeof(msg)))
		vnetd_gw_describe(&gp, s);
	return s;
}

const struct vnetd_kind vnetd_kind_network = {
    .name = "network",
    .table = "networks",
    .schema = {net_opts, ARRAY_SIZE(net_opts)},
    .check = net_check,
    .apply = net_apply,
    .unapply = net_unapply,
    .set = net_set,
    .merge = net_merge,
    .status = net_status,
};

/**
 * vnetd_net_show() - RPC network.show {name}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: the network with its ports and counters, or NULL with @e set
 */
json_t *vnetd_net_show(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	struct vnetd_obj *o =
	    vnetd_obj_lookup(d, &vnetd_kind_network, jstr(params, "name"), e);
	struct vsw_net_stats st;
	json_t *s, *ports;

	if (!o)
		return NULL;
	s = net_status(d, o);
	ports = vnetd_obj_list(d, &vnetd_kind_port, o->name, e);
	json_object_set_new(s, "port_list", ports ? ports : json_array());
	ports = vnetd_gw_status(d, vnetd_net_of(o));
	if (ports)
		json_object_set_new(s, "gateway_counters", ports);
	ports = vnetd_nat_status(d, vnetd_net_of(o));
	if (ports)
		json_object_set_new(s, "nat", ports);
	if (!vnetd_net_of(o)->gw && vnetd_gw_wanted(o->conf) &&
	    vnetd_net_of(o)->gw_error[0]) {
		struct vnetd_net *net = vnetd_net_of(o);
		uint64_t now = timer_now_ms();

		json_object_set_new(s, "gateway_error",
				    json_string(net->gw_error));
		if (vtimer_armed(&net->gw_rebuild))
			jsonrpc_set_u64(s, "gateway_retry_in_ms",
					net->gw_rebuild.when > now
					    ? net->gw_rebuild.when - now
					    : 0);
	}
	if (vnetd_net_of(o)->nat_error[0])
		json_object_set_new(s, "nat_error",
				    json_string(vnetd_net_of(o)->nat_error));
	vswitch_net_stats(d->sw, vnetd_net_of(o)->id, &st);
	json_object_set_new(s, "counters",
			    json_pack("{s:I,s:I,s:I,s:I,s:I}", "unicast",
				      (json_int_t)st.unicast, "flooded",
				      (json_int_t)st.flooded, "learned",
				      (json_int_t)st.learned, "moved",
				      (json_int_t)st.moved, "fdb_full",
				      (json_int_t)st.fdb_full));
	return s;
}

struct fdb_dump_ctx {
	const char *names[VSW_MAX_PORTS]; /* switch port id -> port name */
	struct vswitch *sw;
	json_t *arr;
};

static void fdb_dump_one(const uint8_t mac[6], uint16_t vlan, int port,
			 int64_t age, bool pinned, void *arg)
{
	struct fdb_dump_ctx *ctx = arg;
	const char *pname =
	    port >= 0 && port < VSW_MAX_PORTS ? ctx->names[port] : NULL;
	char buf[MAC_STRLEN];

	/* A port of vnetd's own (a gateway: gw.NETWORK) by its switch
	 * name. */
	if (!pname)
		pname = vswitch_port_name(ctx->sw, port);
	if (!pname)
		pname = "?";

	json_array_append_new(ctx->arr,
			      json_pack("{s:s,s:i,s:s,s:I,s:b}", "mac",
					mac_format(mac, buf), "vlan", vlan,
					"port", pname, "age", (json_int_t)age,
					"pinned", pinned));
}

/**
 * vnetd_mac_show() - RPC mac.show {network}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: array of MAC table entries, or NULL with @e set
 */
json_t *vnetd_mac_show(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	struct vnetd_obj *o = vnetd_obj_lookup(d, &vnetd_kind_network,
					       jstr(params, "network"), e);
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	struct fdb_dump_ctx *ctx;
	json_t *arr;

	if (!o)
		return NULL;
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < ports->n; i++) {
		struct vnetd_port *p = vnetd_port_of(ports->v[i]);

		if (p->id >= 0)
			ctx->names[p->id] = p->obj.name;
	}
	vnetd_team_port_names(d, ctx->names);
	ctx->sw = d->sw;
	ctx->arr = json_array();
	vswitch_fdb_dump(d->sw, vnetd_net_of(o)->id, fdb_dump_one, ctx);
	arr = ctx->arr;
	free(ctx);
	return arr;
}
