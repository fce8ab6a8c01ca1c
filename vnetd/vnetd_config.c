// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_config.c - networks and ports: validate, apply, persist, report
 *
 * A network or port is described by one JSON configuration object.  The same
 * object arrives as RPC parameters, is checked against an option table, is
 * stored, is exported, and is applied to the switch and the port backends.
 * Every check happens before the first change, so a bad request changes
 * nothing; a change is acknowledged only once it is stored.
 */
#include "vnetd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"

#define PORT_RETRY_SEC 5

enum opt_type {
	OPT_NAME,
	OPT_ENUM,
	OPT_UINT,
	OPT_BOOL,
	OPT_MAC,
	OPT_VLANS,
	OPT_ADDRS,
	OPT_PATH
};

/**
 * struct opt_def - one configuration key
 * @name: key, matched exactly
 * @type: value type
 * @min: lowest value (OPT_UINT)
 * @max: highest value (OPT_UINT)
 * @def: default (OPT_UINT; 0 for none)
 * @required: must be given
 * @choices: allowed values (OPT_ENUM), NULL-terminated
 * @desc: what it means, for error messages and help
 */
struct opt_def {
	const char *name;
	enum opt_type type;
	unsigned long min, max, def;
	bool required;
	const char *const *choices;
	const char *desc;
};

static const char *const net_types[] = {"private", "internal", "external",
					NULL};
static const char *const port_kinds[] = {"tap", "host", "uplink", "vhost-user",
					 NULL};
static const char *const uplink_backends[] = {"afpacket", "pcap", NULL};

static const struct opt_def net_opts[] = {
    {"name", OPT_NAME, .required = true, .desc = "network name"},
    {"type", OPT_ENUM, .required = true, .choices = net_types,
     .desc = "private, internal or external"},
    {"mtu", OPT_UINT, VSW_MTU_MIN, VSW_MTU_MAX, 1500, .desc = "MTU"},
    {"fdb_size", OPT_UINT, 16, 65536, 4096,
     .desc = "most MAC addresses learned"},
    {"aging", OPT_UINT, 10, 86400, 300,
     .desc = "seconds an idle MAC entry lives"},
};

static const struct opt_def port_opts[] = {
    {"name", OPT_NAME, .desc = "port name (default: the device)"},
    {"network", OPT_NAME, .required = true, .desc = "network to join"},
    {"kind", OPT_ENUM, .required = true, .choices = port_kinds,
     .desc = "tap, host, uplink or vhost-user"},
    {"device", OPT_NAME, .desc = "device: the tap to create, or the NIC"},
    {"backend", OPT_ENUM, .choices = uplink_backends,
     .desc = "uplink capture backend"},
    {"netns", OPT_NAME, .desc = "namespace to create the tap in"},
    {"mac", OPT_MAC, .desc = "MAC address of the tap device"},
    {"addresses", OPT_ADDRS, .desc = "host vNIC addresses (CIDR)"},
    {"vlan", OPT_UINT, 1, VLAN_MAX, 0, .desc = "access VLAN"},
    {"trunk", OPT_VLANS, .desc = "trunk VLAN list, e.g. 10,20-30"},
    {"native", OPT_UINT, 1, VLAN_MAX, 0, .desc = "trunk's untagged VLAN"},
    {"path", OPT_PATH, .desc = "vhost-user socket"},
    {"client", OPT_BOOL, .desc = "vhost-user: connect to the VMM's socket"},
    {"queues", OPT_UINT, 1, 8, 0, .desc = "vhost-user queue pairs"},
};

/**
 * vnetd_err_set() - record an error for the client
 * @e: error
 * @code: JSON-RPC code
 * @fmt: message
 */
void vnetd_err_set(struct vnetd_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static bool cidr_valid(const char *s)
{
	char buf[64], *slash;
	unsigned char a[16];
	unsigned long plen;
	int fam;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (!slash)
		return false;
	*slash = 0;
	fam = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(fam, buf, a) != 1)
		return false;
	return !parse_uint(slash + 1, 0, fam == AF_INET ? 32 : 128, &plen);
}

static bool opt_check(const struct opt_def *d, json_t *v, struct vnetd_err *e)
{
	const char *s = json_string_value(v);
	uint8_t mac[6], bm[512];
	size_t i;
	json_t *a;

	switch (d->type) {
	case OPT_NAME:
		if (s && name_valid(s))
			return true;
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "%s: must be 1-15 letters, digits, '_', '.' or "
			      "'-'",
			      d->name);
		return false;
	case OPT_PATH:
		if (s && *s && strlen(s) < 108)
			return true;
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "%s: must be a path of 1-107 bytes", d->name);
		return false;
	case OPT_ENUM: {
		char list[128] = "";

		for (i = 0; s && d->choices[i]; i++)
			if (!strcmp(s, d->choices[i]))
				return true;
		for (i = 0; d->choices[i]; i++)
			snprintf(list + strlen(list),
				 sizeof(list) - strlen(list), "%s%s",
				 i ? ", " : "", d->choices[i]);
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "%s: must be one of %s", d->name, list);
		return false;
	}
	case OPT_UINT:
		if (json_is_integer(v) && json_integer_value(v) >= 0 &&
		    (unsigned long)json_integer_value(v) >= d->min &&
		    (unsigned long)json_integer_value(v) <= d->max)
			return true;
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "%s: must be a whole number from %lu to %lu",
			      d->name, d->min, d->max);
		return false;
	case OPT_BOOL:
		if (json_is_boolean(v))
			return true;
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "%s: must be true or false", d->name);
		return false;
	case OPT_MAC:
		if (s && !mac_parse(s, mac) && !mac_is_multicast(mac) &&
		    !mac_is_zero(mac))
			return true;
		vnetd_err_set(
		    e, JSONRPC_INVALID_PARAMS,
		    "%s: must be a unicast MAC like 52:54:00:12:34:56",
		    d->name);
		return false;
	case OPT_VLANS:
		if (s && !vlan_list_parse(s, bm))
			return true;
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "%s: must be a list of VLAN ids 1-4094 like "
			      "10,20-30",
			      d->name);
		return false;
	case OPT_ADDRS:
		if (!json_is_array(v) || json_array_size(v) > 32)
			goto bad_addr;
		json_array_foreach(v, i, a) if (!json_is_string(a) ||
						!cidr_valid(json_string_value(
						    a))) goto bad_addr;
		return true;
	bad_addr:
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "%s: must be a list of addresses with prefix "
			      "length, like 10.0.0.1/24",
			      d->name);
		return false;
	}
	return false;
}

/* Check @params against a table; build the normalised object with defaults
 * filled in.  Unknown keys are refused by name. */
static json_t *conf_validate(const struct opt_def *defs, size_t n,
			     json_t *params, struct vnetd_err *e)
{
	json_t *conf = json_object(), *v;
	const char *key;
	size_t i;

	json_object_foreach(params, key, v)
	{
		for (i = 0; i < n && strcmp(defs[i].name, key); i++)
			;
		if (i == n) {
			char known[256] = "";

			for (size_t k = 0; k < n; k++)
				snprintf(known + strlen(known),
					 sizeof(known) - strlen(known), "%s%s",
					 k ? ", " : "", defs[k].name);
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "unknown parameter '%s' (known: %s)", key,
				      known);
			goto err;
		}
		if (!opt_check(&defs[i], v, e))
			goto err;
		json_object_set(conf, key, v);
	}
	for (i = 0; i < n; i++) {
		if (json_object_get(conf, defs[i].name))
			continue;
		if (defs[i].required) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "missing parameter '%s' (%s)",
				      defs[i].name, defs[i].desc);
			goto err;
		}
		if (defs[i].type == OPT_UINT && defs[i].def)
			json_object_set_new(
			    conf, defs[i].name,
			    json_integer((json_int_t)defs[i].def));
	}
	return conf;
err:
	json_decref(conf);
	return NULL;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static unsigned juint(json_t *o, const char *key)
{
	return (unsigned)json_integer_value(json_object_get(o, key));
}

/**
 * vnetd_watch_port() - add or remove a port's control fd (vhost-user
 * socket) to the control thread's epoll set
 * @d: daemon
 * @p: active port
 * @on: add or remove
 */
void vnetd_watch_port(struct vnetd *d, struct vnetd_port *p, bool on)
{
	struct vnic *v = vswitch_port_vnic(d->sw, p->id);
	int fd = v ? vnic_ctl_fd(v) : -1;
	struct epoll_event ev = {
	    .events = EPOLLIN,
	    .data.u64 = vnetd_ep_ref(VNETD_EP_VNIC, (unsigned)p->id)};

	if (fd < 0 || d->epfd < 0)
		return;
	epoll_ctl(d->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev);
}

/**
 * vnetd_net_find() - a network by name
 * @d: daemon
 * @name: name
 *
 * Return: network, or NULL
 */
struct vnetd_net *vnetd_net_find(struct vnetd *d, const char *name)
{
	for (int i = 0; i < VSW_MAX_NETS; i++)
		if (d->nets[i] && !strcmp(d->nets[i]->name, name))
			return d->nets[i];
	return NULL;
}

/**
 * vnetd_port_find() - a port by name
 * @d: daemon
 * @name: name
 *
 * Return: port, or NULL
 */
struct vnetd_port *vnetd_port_find(struct vnetd *d, const char *name)
{
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (d->ports[i] && !strcmp(d->ports[i]->name, name))
			return d->ports[i];
	return NULL;
}

static void names_of_nets(struct vnetd *d, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	for (int i = 0; i < VSW_MAX_NETS && n < size; i++)
		if (d->nets[i])
			n += (size_t)snprintf(buf + n, size - n, "%s%s",
					      n ? ", " : "", d->nets[i]->name);
	if (!n)
		snprintf(buf, size, "none");
}

static struct vnetd_net *net_lookup(struct vnetd *d, const char *name,
				    struct vnetd_err *e)
{
	struct vnetd_net *net = name ? vnetd_net_find(d, name) : NULL;
	char names[256];

	if (net)
		return net;
	names_of_nets(d, names, sizeof(names));
	if (name)
		vnetd_err_set(e, VNET_ERR_NOT_FOUND,
			      "no network '%s' (networks: %s)", name, names);
	else
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "missing parameter 'network' (networks: %s)",
			      names);
	return NULL;
}

static struct vnetd_port *port_lookup(struct vnetd *d, const char *name,
				      struct vnetd_err *e)
{
	struct vnetd_port *p = name ? vnetd_port_find(d, name) : NULL;
	char names[256] = "";
	size_t n = 0;

	if (p)
		return p;
	for (int i = 0; i < VSW_MAX_PORTS && n < sizeof(names); i++)
		if (d->ports[i])
			n += (size_t)snprintf(names + n, sizeof(names) - n,
					      "%s%s", n ? ", " : "",
					      d->ports[i]->name);
	vnetd_err_set(e, name ? VNET_ERR_NOT_FOUND : JSONRPC_INVALID_PARAMS,
		      name ? "no port '%s' (ports: %s)"
			   : "missing parameter 'name'%s(ports: %s)",
		      name ? name : " ", n ? names : "none");
	return NULL;
}

/* ---- networks ---- */

static int net_apply(struct vnetd *d, json_t *conf, struct vnetd_net **out,
		     struct vnetd_err *e)
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
		return id;
	}
	net = calloc(1, sizeof(*net));
	if (!net) {
		vswitch_net_del(d->sw, id);
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return -ENOMEM;
	}
	net->conf = json_incref(conf);
	net->name = jstr(conf, "name");
	net->type = p.type;
	net->mtu = p.mtu;
	net->id = id;
	d->nets[id] = net;
	*out = net;
	return 0;
}

static void net_unapply(struct vnetd *d, struct vnetd_net *net)
{
	vswitch_net_del(d->sw, net->id);
	d->nets[net->id] = NULL;
	json_decref(net->conf);
	free(net);
}

/**
 * vnetd_net_create() - RPC network.create
 * @d: daemon
 * @params: network configuration object
 * @e: error
 *
 * Return: the created network's configuration, or NULL with @e set
 */
json_t *vnetd_net_create(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	json_t *conf = conf_validate(net_opts, ARRAY_SIZE(net_opts), params, e);
	struct vnetd_net *net;

	if (!conf)
		return NULL;
	if (vnetd_net_find(d, jstr(conf, "name"))) {
		vnetd_err_set(e, VNET_ERR_EXISTS, "network '%s' already exists",
			      jstr(conf, "name"));
		goto err;
	}
	if (net_apply(d, conf, &net, e))
		goto err;
	if (vnetd_store_put(d->store, "networks", net->name, conf)) {
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "cannot save network '%s' (state file error, see "
			      "the log); not created",
			      net->name);
		net_unapply(d, net);
		goto err;
	}
	vlog(MAIN, INFO, "network %s created (%s, mtu %u)", net->name,
	     vsw_net_type_name(net->type), net->mtu);
	return conf;
err:
	json_decref(conf);
	return NULL;
}

static unsigned net_port_count(struct vnetd *d, const char *net)
{
	unsigned n = 0;

	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (d->ports[i] && !strcmp(d->ports[i]->net, net))
			n++;
	return n;
}

static int port_remove(struct vnetd *d, struct vnetd_port *p,
		       struct vnetd_err *e);

/**
 * vnetd_net_delete() - RPC network.delete {name, force}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: {"deleted": name}, or NULL with @e set
 */
json_t *vnetd_net_delete(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	struct vnetd_net *net = net_lookup(d, jstr(params, "name"), e);
	json_t *force = json_object_get(params, "force");
	unsigned ports;
	json_t *res;

	if (!net)
		return NULL;
	if (force && !json_is_boolean(force)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "force: must be true or false");
		return NULL;
	}
	ports = net_port_count(d, net->name);
	if (ports && !json_is_true(force)) {
		vnetd_err_set(e, VNET_ERR_BUSY,
			      "network '%s' has %u port(s); delete them first "
			      "or use --force",
			      net->name, ports);
		return NULL;
	}
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (d->ports[i] && !strcmp(d->ports[i]->net, net->name) &&
		    port_remove(d, d->ports[i], e))
			return NULL;
	if (vnetd_store_del(d->store, "networks", net->name)) {
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "cannot delete network '%s' from the state file",
			      net->name);
		return NULL;
	}
	vlog(MAIN, INFO, "network %s deleted", net->name);
	res = json_pack("{s:s}", "deleted", net->name);
	net_unapply(d, net);
	return res;
}

static json_t *net_status(struct vnetd *d, struct vnetd_net *net)
{
	json_t *o = json_deep_copy(net->conf);
	struct vsw_net_stats st;

	vswitch_net_stats(d->sw, net->id, &st);
	json_object_set_new(o, "ports",
			    json_integer(net_port_count(d, net->name)));
	json_object_set_new(o, "fdb_entries",
			    json_integer((json_int_t)st.fdb_entries));
	return o;
}

/**
 * vnetd_net_list() - RPC network.list
 * @d: daemon
 * @params: none
 * @e: error
 *
 * Return: array of networks
 */
json_t *vnetd_net_list(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	json_t *arr = json_array();

	for (int i = 0; i < VSW_MAX_NETS; i++)
		if (d->nets[i])
			json_array_append_new(arr, net_status(d, d->nets[i]));
	return arr;
}

static json_t *port_status(struct vnetd *d, struct vnetd_port *p);

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
	struct vnetd_net *net = net_lookup(d, jstr(params, "name"), e);
	struct vsw_net_stats st;
	json_t *o, *ports;

	if (!net)
		return NULL;
	o = net_status(d, net);
	ports = json_array();
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (d->ports[i] && !strcmp(d->ports[i]->net, net->name))
			json_array_append_new(ports,
					      port_status(d, d->ports[i]));
	json_object_set_new(o, "port_list", ports);
	vswitch_net_stats(d->sw, net->id, &st);
	json_object_set_new(o, "counters",
			    json_pack("{s:I,s:I,s:I,s:I,s:I}", "unicast",
				      (json_int_t)st.unicast, "flooded",
				      (json_int_t)st.flooded, "learned",
				      (json_int_t)st.learned, "moved",
				      (json_int_t)st.moved, "fdb_full",
				      (json_int_t)st.fdb_full));
	return o;
}

/* ---- ports ---- */

static enum vsw_port_role kind_role(const char *kind)
{
	if (!strcmp(kind, "host"))
		return VSW_ROLE_HOST;
	if (!strcmp(kind, "uplink"))
		return VSW_ROLE_UPLINK;
	return VSW_ROLE_VM;
}

static void port_vlan(json_t *conf, struct vsw_vlan *v)
{
	memset(v, 0, sizeof(*v));
	if (json_object_get(conf, "vlan")) {
		v->mode = VSW_VLAN_ACCESS;
		v->access = (uint16_t)juint(conf, "vlan");
	} else if (json_object_get(conf, "trunk")) {
		v->mode = VSW_VLAN_TRUNK;
		vlan_list_parse(jstr(conf, "trunk"), v->allowed);
		v->native = (uint16_t)juint(conf, "native");
	}
}

static int vhost_check(struct vnetd *d, json_t *conf, struct vnetd_err *e);

/* Cross-field checks of a validated port object against the current
 * configuration.  Fills in the default name. */
static int port_check(struct vnetd *d, json_t *conf, struct vnetd_err *e)
{
	const char *kind = jstr(conf, "kind");
	const char *dev = jstr(conf, "device");
	const char *name = jstr(conf, "name");
	enum vsw_port_role role = kind_role(kind);
	struct vnetd_net *net = net_lookup(d, jstr(conf, "network"), e);

	if (!net)
		return -ENOENT;
	if (!strcmp(kind, "vhost-user")) {
		if (vhost_check(d, conf, e))
			return -EINVAL;
		dev = NULL;
		name = jstr(conf, "name");
	} else if (json_object_get(conf, "path") ||
		   json_object_get(conf, "client") ||
		   json_object_get(conf, "queues")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "'path', 'client' and 'queues' apply to "
			      "vhost-user ports only");
		return -EINVAL;
	}
	if (!name && !dev) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "a port needs a device (or a name)");
		return -EINVAL;
	}
	if (!name)
		json_object_set_new(conf, "name", json_string(dev));
	name = jstr(conf, "name");
	if (!strcmp(kind, "vhost-user")) {
		/* no device */
	} else if (role != VSW_ROLE_UPLINK) {
		if (dev && strcmp(dev, name)) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "a %s port is named after its tap device "
				      "('%s' vs '%s')",
				      kind, name, dev);
			return -EINVAL;
		}
		json_object_set_new(conf, "device", json_string(name));
	} else if (!dev) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "an uplink port needs the NIC: --uplink DEV");
		return -EINVAL;
	}
	dev = jstr(conf, "device") ? jstr(conf, "device") : "";
#define ONLY_FOR(key, cond, what)                                    \
	if (json_object_get(conf, key) && !(cond)) {                 \
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,             \
			      "'%s' applies to %s only", key, what); \
		return -EINVAL;                                      \
	}
	ONLY_FOR("netns", !strcmp(kind, "tap"), "tap ports");
	ONLY_FOR("addresses", role == VSW_ROLE_HOST, "host vNIC ports");
	ONLY_FOR("backend", role == VSW_ROLE_UPLINK, "uplink ports");
	ONLY_FOR("mac", role != VSW_ROLE_UPLINK, "tap and host ports");
	ONLY_FOR("native", json_object_get(conf, "trunk"), "trunk ports");
#undef ONLY_FOR
	if (json_object_get(conf, "vlan") && json_object_get(conf, "trunk")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "a port is either an access port (vlan) or a "
			      "trunk, not both");
		return -EINVAL;
	}
	if (!vsw_role_allowed(net->type, role)) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "%s port cannot join %s network '%s' (%s)",
			      role == VSW_ROLE_UPLINK ? "an uplink"
			      : role == VSW_ROLE_HOST ? "a host"
						      : "a guest",
			      vsw_net_type_name(net->type), net->name,
			      net->type == VSW_NET_PRIVATE
				  ? "private networks join guests only"
				  : "only external networks have an uplink");
		return -EPERM;
	}
	if (vnetd_port_find(d, name)) {
		vnetd_err_set(e, VNET_ERR_EXISTS, "port '%s' already exists",
			      name);
		return -EEXIST;
	}
	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		struct vnetd_port *p = d->ports[i];

		if (!p)
			continue;
		if (*dev && jstr(p->conf, "device") &&
		    !strcmp(jstr(p->conf, "device"), dev) &&
		    (role == VSW_ROLE_UPLINK) == !strcmp(p->kind, "uplink")) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "device '%s' is already port '%s'", dev,
				      p->name);
			return -EEXIST;
		}
		if (role == VSW_ROLE_UPLINK && !strcmp(p->kind, "uplink") &&
		    !strcmp(p->net, net->name)) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "network '%s' already has uplink '%s'",
				      net->name, p->name);
			return -EEXIST;
		}
	}
	return 0;
}

/* A vhost-user port: a socket path no other port uses; a name, by default
 * the socket's file name without ".sock". */
static int vhost_check(struct vnetd *d, json_t *conf, struct vnetd_err *e)
{
	const char *path = jstr(conf, "path"), *base;
	char name[64];
	size_t n;

	if (!path || path[0] != '/') {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "a vhost-user port needs an absolute socket "
			      "path: --vhost-user /path.sock");
		return -EINVAL;
	}
	if (json_object_get(conf, "device")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "a vhost-user port has no device");
		return -EINVAL;
	}
	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		struct vnetd_port *p = d->ports[i];

		if (p && jstr(p->conf, "path") &&
		    !strcmp(jstr(p->conf, "path"), path)) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "socket %s is already port '%s'", path,
				      p->name);
			return -EEXIST;
		}
	}
	if (jstr(conf, "name"))
		return 0;
	base = strrchr(path, '/') + 1;
	snprintf(name, sizeof(name), "%s", base);
	n = strlen(name);
	if (n > 5 && !strcmp(name + n - 5, ".sock"))
		name[n - 5] = 0;
	if (!name_valid(name)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "cannot name the port after '%s': give --name",
			      base);
		return -EINVAL;
	}
	json_object_set_new(conf, "name", json_string(name));
	return 0;
}

static int port_slot(struct vnetd *d)
{
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (!d->ports[i])
			return i;
	return -1;
}

/* Open the backend and attach it; on failure the port stays configured but
 * inactive, with the reason in p->error. */
static int port_activate(struct vnetd *d, struct vnetd_port *p)
{
	json_t *conf = p->conf;
	struct vnetd_net *net = vnetd_net_find(d, p->net);
	struct vnic_params vp = {
	    .kind = p->kind,
	    .name = p->name,
	    .dev = jstr(conf, "device"),
	    .backend = jstr(conf, "backend"),
	    .netns = jstr(conf, "netns"),
	    .mtu = net ? net->mtu : 1500,
	    .path = jstr(conf, "path"),
	    .client = json_is_true(json_object_get(conf, "client")),
	    .queues = juint(conf, "queues"),
	    .poll = d->opts.poll,
	};
	struct vsw_vlan vlan;
	struct vnic *v;
	json_t *addrs = json_object_get(conf, "addresses"), *a;
	size_t i;
	int ret, id;

	if (!net)
		return -ENOENT;
	if (jstr(conf, "mac")) {
		mac_parse(jstr(conf, "mac"), vp.mac);
		vp.has_mac = true;
	}
	ret = vnic_open(&vp, &v, p->error, sizeof(p->error));
	if (ret)
		return ret;
	json_array_foreach(addrs, i, a)
	{
		ret = vnic_link_addr_add(p->name, json_string_value(a));
		if (ret) {
			snprintf(p->error, sizeof(p->error),
				 "cannot add address %s to %s: %s",
				 json_string_value(a), p->name, strerror(-ret));
			vnic_close(v);
			return ret;
		}
	}
	port_vlan(conf, &vlan);
	id = vswitch_port_add(d->sw, net->id, p->name, kind_role(p->kind),
			      &vlan, v);
	if (id < 0) {
		snprintf(p->error, sizeof(p->error), "switch refused it: %s",
			 strerror(-id));
		vnic_close(v);
		return id;
	}
	p->id = id;
	p->error[0] = 0;
	vnetd_watch_port(d, p, true);
	return 0;
}

static void port_free(struct vnetd_port *p)
{
	json_decref(p->conf);
	free(p);
}

static struct vnetd_port *port_new(json_t *conf)
{
	struct vnetd_port *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->conf = json_incref(conf);
	p->name = jstr(conf, "name");
	p->net = jstr(conf, "network");
	p->kind = jstr(conf, "kind");
	p->id = -1;
	return p;
}

/**
 * vnetd_port_add() - RPC port.add
 * @d: daemon
 * @params: port configuration object
 * @e: error
 *
 * Return: the port's status, or NULL with @e set (nothing changed)
 */
json_t *vnetd_port_add(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	json_t *conf =
	    conf_validate(port_opts, ARRAY_SIZE(port_opts), params, e);
	struct vnetd_port *p;
	int slot, ret;

	if (!conf)
		return NULL;
	if (port_check(d, conf, e))
		goto err;
	slot = port_slot(d);
	p = slot < 0 ? NULL : port_new(conf);
	if (!p) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "too many ports");
		goto err;
	}
	ret = port_activate(d, p);
	if (ret) {
		vnetd_err_set(e, jsonrpc_code_from_errno(ret), "%s", p->error);
		port_free(p);
		goto err;
	}
	if (vnetd_store_put(d->store, "ports", p->name, conf)) {
		vnetd_err_set(
		    e, VNET_ERR_SYSTEM,
		    "cannot save port '%s' (state file error, see the "
		    "log); not added",
		    p->name);
		vnetd_watch_port(d, p, false);
		vnic_remove(vswitch_port_vnic(d->sw, p->id));
		vswitch_port_del(d->sw, p->id);
		port_free(p);
		goto err;
	}
	d->ports[slot] = p;
	vlog(MAIN, INFO, "port %s (%s) added to network %s", p->name, p->kind,
	     p->net);
	json_decref(conf);
	return port_status(d, p);
err:
	json_decref(conf);
	return NULL;
}

static int port_remove(struct vnetd *d, struct vnetd_port *p,
		       struct vnetd_err *e)
{
	if (vnetd_store_del(d->store, "ports", p->name)) {
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "cannot delete port '%s' from the state file",
			      p->name);
		return -EIO;
	}
	if (p->id >= 0) {
		vnetd_watch_port(d, p, false);
		vnic_remove(vswitch_port_vnic(d->sw, p->id));
		vswitch_port_del(d->sw, p->id);
	}
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (d->ports[i] == p)
			d->ports[i] = NULL;
	vlog(MAIN, INFO, "port %s deleted", p->name);
	port_free(p);
	return 0;
}

/**
 * vnetd_port_del() - RPC port.del {name}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: {"deleted": name}, or NULL with @e set
 */
json_t *vnetd_port_del(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	struct vnetd_port *p = port_lookup(d, jstr(params, "name"), e);
	json_t *res;

	if (!p)
		return NULL;
	res = json_pack("{s:s}", "deleted", p->name);
	if (port_remove(d, p, e)) {
		json_decref(res);
		return NULL;
	}
	return res;
}

static json_t *port_counters(struct vnetd *d, struct vnetd_port *p)
{
	struct vsw_port_stats st;
	struct vnic *v;
	json_t *o, *drops;

	vswitch_port_stats(d->sw, p->id, &st);
	drops = json_object();
	for (int i = 0; i < VSW_DROP_MAX; i++)
		json_object_set_new(drops, vsw_drop_name((enum vsw_drop)i),
				    json_integer((json_int_t)st.drops[i]));
	v = p->id >= 0 ? vswitch_port_vnic(d->sw, p->id) : NULL;
	for (int i = 0; v && i < VNIC_DROP_MAX; i++)
		json_object_set_new(
		    drops, vnic_drop_name((enum vnic_drop)i),
		    json_integer((json_int_t)vnic_drops(v, (enum vnic_drop)i)));
	o = json_pack(
	    "{s:I,s:I,s:I,s:I}", "rx_packets", (json_int_t)st.rx_packets,
	    "rx_bytes", (json_int_t)st.rx_bytes, "tx_packets",
	    (json_int_t)st.tx_packets, "tx_bytes", (json_int_t)st.tx_bytes);
	json_object_set_new(o, "drops", drops);
	return o;
}

static json_t *port_status(struct vnetd *d, struct vnetd_port *p)
{
	json_t *o = json_deep_copy(p->conf);
	const char *state;

	if (p->id < 0)
		state = "error";
	else if (vswitch_port_up(d->sw, p->id))
		state = "up";
	else
		state = "down";
	json_object_set_new(o, "state", json_string(state));
	if (p->id < 0)
		json_object_set_new(o, "error", json_string(p->error));
	else
		vnic_describe(vswitch_port_vnic(d->sw, p->id), o);
	if (!strcmp(p->kind, "uplink") && !json_object_get(o, "backend"))
		json_object_set_new(o, "backend", json_string("afpacket"));
	return o;
}

/**
 * vnetd_port_list() - RPC port.list {network?}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: array of ports, or NULL with @e set
 */
json_t *vnetd_port_list(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	const char *net = jstr(params, "network");
	json_t *arr;

	if (net && !net_lookup(d, net, e))
		return NULL;
	arr = json_array();
	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		struct vnetd_port *p = d->ports[i];

		if (p && (!net || !strcmp(p->net, net)))
			json_array_append_new(arr, port_status(d, p));
	}
	return arr;
}

/**
 * vnetd_port_show() - RPC port.show {name}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: the port with its counters, or NULL with @e set
 */
json_t *vnetd_port_show(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	struct vnetd_port *p = port_lookup(d, jstr(params, "name"), e);
	json_t *o;

	if (!p)
		return NULL;
	o = port_status(d, p);
	if (p->id >= 0)
		json_object_set_new(o, "counters", port_counters(d, p));
	return o;
}

struct fdb_dump_ctx {
	const char *names[VSW_MAX_PORTS]; /* switch port id -> port name */
	json_t *arr;
};

static void fdb_dump_one(const uint8_t mac[6], uint16_t vlan, int port,
			 int64_t age, void *arg)
{
	struct fdb_dump_ctx *ctx = arg;
	const char *pname =
	    port >= 0 && port < VSW_MAX_PORTS && ctx->names[port]
		? ctx->names[port]
		: "?";
	char buf[MAC_STRLEN];
	json_array_append_new(ctx->arr,
			      json_pack("{s:s,s:i,s:s,s:I}", "mac",
					mac_format(mac, buf), "vlan", vlan,
					"port", pname, "age", (json_int_t)age));
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
	struct vnetd_net *net = net_lookup(d, jstr(params, "network"), e);
	struct fdb_dump_ctx ctx = {{0}, NULL};

	if (!net)
		return NULL;
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (d->ports[i] && d->ports[i]->id >= 0)
			ctx.names[d->ports[i]->id] = d->ports[i]->name;
	ctx.arr = json_array();
	vswitch_fdb_dump(d->sw, net->id, fdb_dump_one, &ctx);
	return ctx.arr;
}

/**
 * vnetd_stats() - RPC stats {network?, port?}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: per-port counters (of one port, one network or all), with drop
 * counters by reason, or NULL with @e set
 */
json_t *vnetd_stats(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	const char *net = jstr(params, "network"), *port = jstr(params, "port");
	json_t *arr;

	if (net && !net_lookup(d, net, e))
		return NULL;
	if (port && !port_lookup(d, port, e))
		return NULL;
	arr = json_array();
	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		struct vnetd_port *p = d->ports[i];
		json_t *o;

		if (!p || (net && strcmp(p->net, net)) ||
		    (port && strcmp(p->name, port)) || p->id < 0)
			continue;
		o = port_counters(d, p);
		json_object_set_new(o, "port", json_string(p->name));
		json_object_set_new(o, "network", json_string(p->net));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* ---- export / import ---- */

/**
 * vnetd_config_export() - RPC config.export
 * @d: daemon
 * @params: none
 * @e: error
 *
 * Return: {"version": 1, "networks": [...], "ports": [...]}
 */
json_t *vnetd_config_export(struct vnetd *d, json_t *params,
			    struct vnetd_err *e)
{
	json_t *nets = json_array(), *ports = json_array();

	for (int i = 0; i < VSW_MAX_NETS; i++)
		if (d->nets[i])
			json_array_append(nets, d->nets[i]->conf);
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		if (d->ports[i])
			json_array_append(ports, d->ports[i]->conf);
	return json_pack("{s:i,s:o,s:o}", "version", 1, "networks", nets,
			 "ports", ports);
}

/**
 * vnetd_config_import() - RPC config.import {config, replace?}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Adds the networks and ports of @config that do not exist.  An object that
 * exists with the same configuration is skipped; one that differs is an
 * error unless @replace, which first deletes everything.  The whole import
 * is checked before anything changes.
 *
 * Return: {"networks_created": n, "ports_created": n}, or NULL with @e set
 */
json_t *vnetd_config_import(struct vnetd *d, json_t *params,
			    struct vnetd_err *e)
{
	json_t *cfg = json_object_get(params, "config");
	json_t *replace = json_object_get(params, "replace");
	json_t *nets, *ports, *v, *conf;
	size_t i;
	int made_n = 0, made_p = 0;
	bool rep = json_is_true(replace);

	nets = json_object_get(cfg, "networks");
	ports = json_object_get(cfg, "ports");
	if (!json_is_object(cfg) ||
	    json_integer_value(json_object_get(cfg, "version")) != 1 ||
	    (nets && !json_is_array(nets)) ||
	    (ports && !json_is_array(ports))) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "config: must be an export object with version "
			      "1 and arrays 'networks' and 'ports'");
		return NULL;
	}
	/* Check everything first. */
	json_array_foreach(nets, i, v)
	{
		struct vnetd_net *have;

		if (!json_is_object(v)) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "networks[%zu]: not an object", i);
			return NULL;
		}
		conf = conf_validate(net_opts, ARRAY_SIZE(net_opts), v, e);
		if (!conf) {
			char m[600];

			snprintf(m, sizeof(m), "networks[%zu]: %s", i, e->msg);
			vnetd_err_set(e, e->code, "%.500s", m);
			return NULL;
		}
		have = vnetd_net_find(d, jstr(conf, "name"));
		if (have && !rep && !json_equal(have->conf, conf)) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "network '%s' exists with another "
				      "configuration (use --replace)",
				      jstr(conf, "name"));
			json_decref(conf);
			return NULL;
		}
		json_decref(conf);
	}
	json_array_foreach(ports, i, v)
	{
		bool net_in_import = false;
		json_t *n;
		size_t k;

		if (!json_is_object(v) ||
		    !(conf = conf_validate(port_opts, ARRAY_SIZE(port_opts), v,
					   e))) {
			char m[600];

			snprintf(m, sizeof(m), "ports[%zu]: %s", i,
				 json_is_object(v) ? e->msg : "not an object");
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS, "%.500s", m);
			return NULL;
		}
		json_array_foreach(
		    nets, k,
		    n) if (json_is_string(json_object_get(conf, "network")) &&
			   !strcmp(jstr(n, "name") ? jstr(n, "name") : "",
				   jstr(conf, "network"))) net_in_import = true;
		if (!net_in_import &&
		    (rep || !vnetd_net_find(d, jstr(conf, "network")))) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "ports[%zu]: network '%s' is neither in "
				      "the import nor configured",
				      i, jstr(conf, "network"));
			json_decref(conf);
			return NULL;
		}
		if (!rep && jstr(conf, "name") &&
		    vnetd_port_find(d, jstr(conf, "name")) &&
		    !json_equal(vnetd_port_find(d, jstr(conf, "name"))->conf,
				conf)) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "port '%s' exists with another "
				      "configuration (use --replace)",
				      jstr(conf, "name"));
			json_decref(conf);
			return NULL;
		}
		json_decref(conf);
	}
	if (rep) {
		for (int k = 0; k < VSW_MAX_PORTS; k++)
			if (d->ports[k] && port_remove(d, d->ports[k], e))
				return NULL;
		for (int k = 0; k < VSW_MAX_NETS; k++) {
			if (!d->nets[k])
				continue;
			if (vnetd_store_del(d->store, "networks",
					    d->nets[k]->name)) {
				vnetd_err_set(e, VNET_ERR_SYSTEM,
					      "state file error");
				return NULL;
			}
			net_unapply(d, d->nets[k]);
		}
	}
	json_array_foreach(nets, i, v)
	{
		if (vnetd_net_find(d, jstr(v, "name")))
			continue;
		conf = vnetd_net_create(d, v, e);
		if (!conf)
			return NULL;
		json_decref(conf);
		made_n++;
	}
	json_array_foreach(ports, i, v)
	{
		const char *name =
		    jstr(v, "name") ? jstr(v, "name") : jstr(v, "device");

		if (name && vnetd_port_find(d, name))
			continue;
		conf = vnetd_port_add(d, v, e);
		if (!conf)
			return NULL;
		json_decref(conf);
		made_p++;
	}
	return json_pack("{s:i,s:i}", "networks_created", made_n,
			 "ports_created", made_p);
}

/* ---- start-up, periodic work, link events ---- */

/**
 * vnetd_restore() - rebuild every network and port from the state file
 * @d: daemon
 *
 * A port whose device cannot be opened now stays configured, is reported
 * with its reason, and is retried periodically.
 *
 * Return: 0, or -errno when the state file cannot be read
 */
int vnetd_restore(struct vnetd *d)
{
	json_t *nets, *ports, *v;
	struct vnetd_err e;
	size_t i;
	int ret;

	ret = vnetd_store_load(d->store, "networks", &nets);
	if (ret)
		return ret;
	ret = vnetd_store_load(d->store, "ports", &ports);
	if (ret) {
		json_decref(nets);
		return ret;
	}
	json_array_foreach(nets, i, v)
	{
		json_t *conf =
		    conf_validate(net_opts, ARRAY_SIZE(net_opts), v, &e);
		struct vnetd_net *net;

		if (!conf || net_apply(d, conf, &net, &e))
			vlog(MAIN, ERR, "stored network %s not restored: %s",
			     jstr(v, "name"), e.msg);
		json_decref(conf);
	}
	json_array_foreach(ports, i, v)
	{
		json_t *conf =
		    conf_validate(port_opts, ARRAY_SIZE(port_opts), v, &e);
		struct vnetd_port *p;
		int slot = port_slot(d);

		if (!conf || slot < 0 ||
		    !vnetd_net_find(d, jstr(conf, "network"))) {
			vlog(MAIN, ERR, "stored port %s not restored: %s",
			     jstr(v, "name"), conf ? "no network" : e.msg);
			json_decref(conf);
			continue;
		}
		p = port_new(conf);
		json_decref(conf);
		if (!p)
			continue;
		d->ports[slot] = p;
		if (port_activate(d, p)) {
			vlog(MAIN, WARN, "port %s restored but inactive: %s",
			     p->name, p->error);
			p->retry_at = now_sec() + PORT_RETRY_SEC;
		}
	}
	vlog(MAIN, INFO, "restored %zu network(s), %zu port(s)",
	     json_array_size(nets), json_array_size(ports));
	json_decref(nets);
	json_decref(ports);
	return 0;
}

/**
 * vnetd_run() - periodic work: retry inactive ports
 * @d: daemon
 */
void vnetd_run(struct vnetd *d)
{
	int64_t now = now_sec();

	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		struct vnetd_port *p = d->ports[i];

		if (!p || p->id >= 0 || now < p->retry_at)
			continue;
		if (!port_activate(d, p))
			vlog(MAIN, INFO, "port %s is active again", p->name);
		else
			p->retry_at = now + PORT_RETRY_SEC;
	}
}

/**
 * vnetd_link_event() - a kernel device changed: update the port on it
 * @d: daemon
 * @ifindex: device index
 * @name: device name
 * @deleted: the device left vnetd's namespace
 * @up: administratively up
 * @running: carrier
 */
void vnetd_link_event(struct vnetd *d, int ifindex, const char *name,
		      bool deleted, bool up, bool running)
{
	int id = vswitch_port_find_ifindex(d->sw, ifindex);
	struct vnic *v;

	if (id < 0)
		return;
	v = vswitch_port_vnic(d->sw, id);
	if (deleted) {
		/* A tap moved to another namespace also leaves ours. */
		if (!vnic_alive(v))
			vswitch_port_set_link(d->sw, id, false);
		return;
	}
	vswitch_port_set_link(d->sw, id, up && running);
}

/**
 * vnetd_shutdown() - release every port (devices stay for the next start)
 * and network
 * @d: daemon
 */
void vnetd_shutdown(struct vnetd *d)
{
	for (int i = 0; i < VSW_MAX_PORTS; i++) {
		if (!d->ports[i])
			continue;
		if (d->ports[i]->id >= 0) {
			vnetd_watch_port(d, d->ports[i], false);
			vswitch_port_del(d->sw, d->ports[i]->id);
		}
		port_free(d->ports[i]);
		d->ports[i] = NULL;
	}
	for (int i = 0; i < VSW_MAX_NETS; i++)
		if (d->nets[i])
			net_unapply(d, d->nets[i]);
}
