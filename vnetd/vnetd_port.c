// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_port.c - the "port" object kind: options, the rules between ports
 * and networks, opening backends, retries, live changes, status, counters
 */
#include "vnetd.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"
#include "../vnic/vnic_fast.h"

/* A port that could not be opened is tried again every PORT_RETRY_MS; one
 * whose namespace just appeared at once, then at doubling intervals up to
 * that (the namespace is mounted on its file just after the file is made). */
#define PORT_RETRY_MS	   5000
#define PORT_RETRY_SOON_MS 50
/* A port whose device goes after it was up for less than PORT_FLAP_MS (a
 * guest deleting its end over and over) waits twice as long as it did the
 * last time, up to PORT_RETRY_MS, before its device is made again. */
#define PORT_FLAP_MS 3000

static const char *const port_kinds[] = {
    "tap", "host", "uplink", "vhost-user", "sriov", "veth", NULL};
static const char *const uplink_backends[] = {"afpacket", "pcap", NULL};

static const struct schema_opt port_opts[] = {
    {"name", SCHEMA_NAME, .desc = "port name (default: the device)"},
    {"network", SCHEMA_NAME, .flags = SCHEMA_REQUIRED,
     .desc = "network to join"},
    {"kind", SCHEMA_ENUM, .flags = SCHEMA_REQUIRED, .choices = port_kinds,
     .desc = "tap, host, uplink, vhost-user, sriov or veth"},
    {"device", SCHEMA_NAME, .desc = "device: the tap to create, or the NIC"},
    {"backend", SCHEMA_ENUM, .choices = uplink_backends,
     .desc = "uplink capture backend"},
    {"netns", SCHEMA_NAME,
     .desc = "namespace to create the tap (or the veth's end) in"},
    {"mac", SCHEMA_MAC,
     .desc = "MAC address of the tap device, or the guest's on a vhost-user "
	     "port (default: derived from network and port name)"},
    {"addresses", SCHEMA_ADDRS, .flags = SCHEMA_LIVE,
     .desc = "host vNIC addresses (CIDR)"},
    {"vlan", SCHEMA_UINT, 1, VLAN_MAX, 0, SCHEMA_LIVE, .desc = "access VLAN"},
    {"trunk", SCHEMA_VLANS, .flags = SCHEMA_LIVE,
     .desc = "trunk VLAN list, e.g. 10,20-30"},
    {"native", SCHEMA_UINT, 1, VLAN_MAX, 0, SCHEMA_LIVE,
     .desc = "trunk's untagged VLAN"},
    {"dhcp_trusted", SCHEMA_BOOL, .flags = SCHEMA_LIVE,
     .desc = "a guest port whose DHCP server messages pass (DHCP guard off) "
	     "and whose relayed DHCP messages (giaddr set) are served"},
    {"router_trusted", SCHEMA_BOOL, .flags = SCHEMA_LIVE,
     .desc = "a guest port whose IPv6 router advertisements and redirects "
	     "and IPv4 ICMP redirects pass (router guard off)"},
    {"mac_guard", SCHEMA_BOOL, .flags = SCHEMA_LIVE,
     .desc = "a guest port that may send only from its own MAC (mac): its "
	     "frames' source, ARP sender and neighbour discovery addresses; "
	     "the MAC is pinned to it"},
    {"ip_guard", SCHEMA_BOOL, .flags = SCHEMA_LIVE,
     .desc = "a guest port that may send only from its addresses: its "
	     "MAC's DHCP leases on the network and allowed_ips"},
    {"allowed_ips", SCHEMA_ADDRS, 0, VNETD_ALLOWED_IPS_MAX,
     .flags = SCHEMA_LIVE,
     .desc = "prefixes an IP-guarded port may also send from (CIDR, "
	     "10.0.0.5/32)"},
    {"mac_limit", SCHEMA_UINT, 0, 65536, 0, SCHEMA_LIVE,
     .desc = "most MACs learned on this port, 0 for no limit (default: "
	     "1024 on guest and host ports, none on uplinks)"},
    {"coalesce_us", SCHEMA_UINT, 0, VSW_COALESCE_MAX_US, 0, SCHEMA_LIVE,
     .desc = "event mode: after frames from this port, look at it again "
	     "this many microseconds later instead of at each notification "
	     "(0, the default: at each)"},
    {"path", SCHEMA_PATH, .desc = "vhost-user socket"},
    {"client", SCHEMA_BOOL, .desc = "vhost-user: connect to the VMM's socket"},
    {"queues", SCHEMA_UINT, 1, 8, 0, .desc = "vhost-user queue pairs"},
    {"sriov_pf", SCHEMA_NAME, .desc = "sriov: the PF of its VF (picked)"},
    {"sriov_vf", SCHEMA_UINT, 0, 255, 0,
     .desc = "sriov: its VF's index (picked from the network's pool)"},
    {"device_kept", SCHEMA_BOOL,
     .desc = "tap and host: the device was there before the port, so "
	     "deleting the port leaves it (set by vnetd)"},
};

static bool is_sriov(json_t *conf)
{
	return !strcmp(jstr(conf, "kind"), "sriov");
}

static bool is_veth(json_t *conf)
{
	return !strcmp(jstr(conf, "kind"), "veth");
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
	struct vnetd_obj *o = vnetd_obj_find(d, &vnetd_kind_port, name);

	return o ? vnetd_port_of(o) : NULL;
}

/**
 * vnetd_port_by_id() - the port in the switch on switch port @id
 * @d: daemon
 * @id: switch port id
 *
 * Return: port, or NULL (no port has that id now, or @id is out of range)
 */
struct vnetd_port *vnetd_port_by_id(struct vnetd *d, int id)
{
	return id >= 0 && id < VSW_MAX_PORTS ? d->port_by_id[id] : NULL;
}

/* @p joins the switch as port @id, or leaves it (@id -1). */
static void port_set_id(struct vnetd *d, struct vnetd_port *p, int id)
{
	if (p->id >= 0 && p->id < VSW_MAX_PORTS && d->port_by_id[p->id] == p)
		d->port_by_id[p->id] = NULL;
	p->id = id;
	if (id >= 0 && id < VSW_MAX_PORTS)
		d->port_by_id[id] = p;
}

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

/* A vhost-user port: an absolute socket path; by default it is named after
 * the socket's file name without ".sock". */
static int vhost_check(json_t *conf, struct vnetd_err *e)
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

/* A vhost-user port without "mac" gets one that stays the same for the
 * same network and port name: locally administered unicast (02:...), 40
 * bits of an FNV-1a hash of "network/name".  It is kept in the port's
 * configuration, so port.add and port.show return it. */
static void vhost_assign_mac(json_t *conf)
{
	const char *parts[3] = {jstr(conf, "network"), "/", jstr(conf, "name")};
	uint64_t h = 14695981039346656037ull;
	char mac[18];

	if (json_object_get(conf, "mac"))
		return;
	for (int i = 0; i < 3; i++)
		for (const char *c = parts[i]; c && *c; c++)
			h = (h ^ (uint8_t)*c) * 1099511628211ull;
	snprintf(mac, sizeof(mac), "02:%02x:%02x:%02x:%02x:%02x",
		 (unsigned)(h >> 32) & 0xff, (unsigned)(h >> 24) & 0xff,
		 (unsigned)(h >> 16) & 0xff, (unsigned)(h >> 8) & 0xff,
		 (unsigned)h & 0xff);
	json_object_set_new(conf, "mac", json_string(mac));
}

/* Rules of one port on its own: which keys go with which kind.  Fills in
 * the default name and the device of tap kinds. */
static int port_check_self(json_t *conf, struct vnetd_err *e)
{
	const char *kind = jstr(conf, "kind");
	const char *dev = jstr(conf, "device");
	const char *name = jstr(conf, "name");
	enum vsw_port_role role = kind_role(kind);

	if (!strcmp(kind, "vhost-user")) {
		if (vhost_check(conf, e))
			return -EINVAL;
		vhost_assign_mac(conf);
	} else if (json_object_get(conf, "path") ||
		   json_object_get(conf, "client") ||
		   json_object_get(conf, "queues")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "'path', 'client' and 'queues' apply to "
			      "vhost-user ports only");
		return -EINVAL;
	} else if (!name && !dev) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "a port needs a device (or a name)");
		return -EINVAL;
	} else if (role != VSW_ROLE_UPLINK) {
		if (dev && name && strcmp(dev, name)) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "a %s port is named after its tap device "
				      "('%s' vs '%s')",
				      kind, name, dev);
			return -EINVAL;
		}
		json_object_set_new(conf, "device",
				    json_string(name ? name : dev));
	} else if (!dev) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "an uplink port needs the NIC: --uplink DEV");
		return -EINVAL;
	}
	if (!jstr(conf, "name"))
		json_object_set_new(conf, "name", json_string(dev));
#define ONLY_FOR(key, cond, what)                                    \
	if (json_object_get(conf, key) && !(cond)) {                 \
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,             \
			      "'%s' applies to %s only", key, what); \
		return -EINVAL;                                      \
	}
	ONLY_FOR("netns", !strcmp(kind, "tap") || !strcmp(kind, "veth"),
		 "tap and veth ports");
	ONLY_FOR("addresses", role == VSW_ROLE_HOST, "host vNIC ports");
	ONLY_FOR("backend", role == VSW_ROLE_UPLINK, "uplink ports");
	ONLY_FOR("mac", role != VSW_ROLE_UPLINK,
		 "tap, host and vhost-user ports");
	ONLY_FOR("native", json_object_get(conf, "trunk"), "trunk ports");
	ONLY_FOR(
	    "dhcp_trusted", role == VSW_ROLE_VM,
	    "guest ports (tap, veth, vhost-user: the others are not guarded)");
	ONLY_FOR(
	    "router_trusted", role == VSW_ROLE_VM,
	    "guest ports (tap, veth, vhost-user: the others are not guarded)");
	ONLY_FOR("mac_guard",
		 role == VSW_ROLE_VM && strcmp(kind, "veth") &&
		     strcmp(kind, "sriov"),
		 "tap and vhost-user guest ports");
	ONLY_FOR("ip_guard",
		 role == VSW_ROLE_VM && strcmp(kind, "veth") &&
		     strcmp(kind, "sriov"),
		 "tap and vhost-user guest ports");
	ONLY_FOR("coalesce_us",
		 !strcmp(kind, "vhost-user") || !strcmp(kind, "tap") ||
		     !strcmp(kind, "host"),
		 "vhost-user, tap and host ports");
	ONLY_FOR("allowed_ips",
		 role == VSW_ROLE_VM && strcmp(kind, "veth") &&
		     strcmp(kind, "sriov"),
		 "tap and vhost-user guest ports");
#undef ONLY_FOR
	if ((json_is_true(json_object_get(conf, "mac_guard")) ||
	     json_is_true(json_object_get(conf, "ip_guard"))) &&
	    !jstr(conf, "mac")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "the MAC and IP guards need the MAC the guest "
			      "sends from: "
			      "give --mac");
		return -EINVAL;
	}
	if (!strcmp(kind, "veth") && !jstr(conf, "netns")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "a veth port needs the namespace its end goes "
			      "to: --netns NS");
		return -EINVAL;
	}
	if (json_object_get(conf, "vlan") && json_object_get(conf, "trunk")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "a port is either an access port (vlan) or a "
			      "trunk, not both");
		return -EINVAL;
	}
	return 0;
}

static const char *role_phrase(enum vsw_port_role role)
{
	return role == VSW_ROLE_UPLINK ? "an uplink"
	       : role == VSW_ROLE_HOST ? "a host"
				       : "a guest";
}

/* The rules between a port and the rest of the configuration @v. */
static int port_check(struct vnetd *d, const struct vnetd_view *v, json_t *conf,
		      json_t *old, struct vnetd_err *e)
{
	enum vsw_port_role role;
	const char *name, *dev, *path, *key;
	json_t *net, *other;
	int ret;

	if (is_sriov(conf))
		return vnetd_sriov_port_check(d, v, conf, old, e);
	if (json_object_get(conf, "sriov_pf") ||
	    json_object_get(conf, "sriov_vf")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "'sriov_pf' and 'sriov_vf' apply to sriov ports "
			      "only");
		return -EINVAL;
	}
	ret = port_check_self(conf, e);
	if (ret)
		return ret;
	if (!old)
		vnetd_port_note_new(d, conf);
	name = jstr(conf, "name");
	dev = jstr(conf, "device");
	path = jstr(conf, "path");
	role = kind_role(jstr(conf, "kind"));
	net = vnetd_view_find(v, &vnetd_kind_network, jstr(conf, "network"));
	if (!net) {
		vnetd_err_set(e, VNET_ERR_NOT_FOUND, "no network '%s'",
			      jstr(conf, "network"));
		return -ENOENT;
	}
	if (!vsw_role_allowed(
		(enum vsw_net_type)vsw_net_type_parse(jstr(net, "type")),
		role)) {
		bool priv = !strcmp(jstr(net, "type"), "private");

		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "%s port cannot join %s network '%s' (%s)",
			      role_phrase(role), jstr(net, "type"),
			      jstr(net, "name"),
			      priv ? "private networks join guests only"
				   : "only external networks have an uplink");
		return -EPERM;
	}
	if (vnetd_team_check_port(v, conf, net, e))
		return -EEXIST;
	if (vnetd_port_addr_check(v, conf, e))
		return -EEXIST;
	if (!old && vnetd_view_find(v, &vnetd_kind_port, name)) {
		vnetd_err_set(e, VNET_ERR_EXISTS, "port '%s' already exists",
			      name);
		return -EEXIST;
	}
	json_object_foreach(vnetd_view_all(v, &vnetd_kind_port), key, other)
	{
		const char *odev = jstr(other, "device");
		bool o_uplink = !strcmp(jstr(other, "kind"), "uplink");

		if (!strcmp(key, name))
			continue;
		if (dev && odev && !strcmp(dev, odev) &&
		    (role == VSW_ROLE_UPLINK) == o_uplink) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "device '%s' is already port '%s'", dev,
				      key);
			return -EEXIST;
		}
		if (path && jstr(other, "path") &&
		    !strcmp(path, jstr(other, "path"))) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "socket %s is already port '%s'", path,
				      key);
			return -EEXIST;
		}
		if (role == VSW_ROLE_UPLINK && o_uplink &&
		    !strcmp(jstr(other, "network"), jstr(net, "name"))) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "network '%s' already has uplink '%s'",
				      jstr(net, "name"), key);
			return -EEXIST;
		}
		/* One MAC pinned to two ports: the second pin would fail,
		 * and taking it off would take the first port's. */
		if (json_is_true(json_object_get(conf, "mac_guard")) &&
		    json_is_true(json_object_get(other, "mac_guard")) &&
		    !strcmp(jstr(other, "network"), jstr(net, "name")) &&
		    !strcasecmp(jstr(conf, "mac"), jstr(other, "mac"))) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "port '%s' already guards MAC %s on "
				      "network '%s'",
				      key, jstr(conf, "mac"),
				      jstr(net, "name"));
			return -EEXIST;
		}
	}
	return 0;
}

/* A "port set" that gives a VLAN drops the trunk and the other way round;
 * clearing the VLAN ("vlan": null) clears all three. */
static void port_merge(json_t *conf, json_t *changes)
{
	json_t *vlan = json_object_get(changes, "vlan");
	json_t *trunk = json_object_get(changes, "trunk");

	if (vlan && !json_is_null(vlan)) {
		json_object_del(conf, "trunk");
		json_object_del(conf, "native");
	}
	if (trunk && !json_is_null(trunk))
		json_object_del(conf, "vlan");
	if ((vlan && json_is_null(vlan)) || (trunk && json_is_null(trunk))) {
		json_object_del(conf, "vlan");
		json_object_del(conf, "trunk");
		json_object_del(conf, "native");
	}
}

static void ctl_event(struct vnetd *d, struct vnetd_handler *h, uint32_t events)
{
	struct vnetd_port *p =
	    (struct vnetd_port *)((char *)h - offsetof(struct vnetd_port, ctl));

	if (!p->gone && p->id >= 0)
		vnic_ctl_event(vswitch_port_vnic(d->sw, p->id));
}

static void watch_ctl(struct vnetd *d, struct vnetd_port *p, bool on)
{
	struct vnic *v = p->id >= 0 ? vswitch_port_vnic(d->sw, p->id) : NULL;
	int fd = v ? vnic_ctl_fd(v) : -1;

	if (on && fd >= 0 && !vnetd_watch(d, fd, EPOLLIN, &p->ctl))
		p->ctl_fd = fd;
	if (!on && p->ctl_fd >= 0) {
		vnetd_unwatch(d, p->ctl_fd);
		p->ctl_fd = -1;
	}
}

/* The VLAN a port's untagged frames belong to. */
static uint16_t untagged_vlan(const struct vsw_vlan *v)
{
	return v->mode == VSW_VLAN_ACCESS  ? v->access
	       : v->mode == VSW_VLAN_TRUNK ? v->native
					   : 0;
}

/* Is the port's MAC pinned in the MAC table: the host vNIC's always, a
 * guest port's with the MAC guard.  No other port can take it over by
 * sending from it. */
static bool mac_pinned(json_t *conf)
{
	return kind_role(jstr(conf, "kind")) == VSW_ROLE_HOST ||
	       json_is_true(json_object_get(conf, "mac_guard"));
}

/* The MAC a port pins: the host vNIC device's, a guest port's configured
 * one (the MAC its guest sends from). */
static int port_mac(struct vnetd_port *p, uint8_t mac[6])
{
	if (kind_role(jstr(p->obj.conf, "kind")) == VSW_ROLE_HOST)
		return vnic_link_get_mac(p->obj.name, mac);
	return jstr(p->obj.conf, "mac") &&
		       !mac_parse(jstr(p->obj.conf, "mac"), mac)
		   ? 0
		   : -ENOENT;
}

static void pin_mac(struct vnetd *d, struct vnetd_port *p,
		    const struct vsw_vlan *vlan, bool on)
{
	struct vnetd_net *net = vnetd_net_find(d, jstr(p->obj.conf, "network"));
	uint8_t mac[6];
	int ret = net ? port_mac(p, mac) : -ENOENT;

	if (!ret)
		ret = on ? vswitch_fdb_pin(d->sw, net->id, mac,
					   untagged_vlan(vlan), p->id)
			 : vswitch_fdb_unpin_port(d->sw, net->id, mac,
						  untagged_vlan(vlan), p->id);
	if (ret && on)
		vlog(MAIN, WARN, "port %s: cannot pin its MAC: %s", p->obj.name,
		     strerror(-ret));
}

/* Turn the switch's MAC guard of port @p on or off as @conf says. */
static void set_mac_guard(struct vnetd *d, struct vnetd_port *p, json_t *conf)
{
	uint8_t mac[6];
	bool on = json_is_true(json_object_get(conf, "mac_guard")) &&
		  !port_mac(p, mac);

	(void)vswitch_port_set_mac_guard(d->sw, p->id, on ? mac : NULL);
}

/* The VLAN a veth port's fast path forwards: its access VLAN, 0 for none,
 * -1 for a trunk (tagged frames stay with vnetd). */
static int fast_vlan(const struct vsw_vlan *v)
{
	return v->mode == VSW_VLAN_ACCESS  ? v->access
	       : v->mode == VSW_VLAN_TRUNK ? -1
					   : 0;
}

/* What a port's backend is opened with, from its configuration @conf. */
static void port_params(struct vnetd *d, json_t *conf, struct vnic_params *vp)
{
	struct vnetd_net *net = vnetd_net_find(d, jstr(conf, "network"));

	*vp = (struct vnic_params){
	    .kind = jstr(conf, "kind"),
	    .name = jstr(conf, "name"),
	    .dev = jstr(conf, "device"),
	    .backend = jstr(conf, "backend"),
	    .netns = jstr(conf, "netns"),
	    .mtu = net ? juint(net->obj.conf, "mtu") : 1500,
	    .path = jstr(conf, "path"),
	    .client = json_is_true(json_object_get(conf, "client")),
	    .queues = juint(conf, "queues"),
	    .poll = d->opts.poll,
	};
	if (jstr(conf, "mac")) {
		mac_parse(jstr(conf, "mac"), vp->mac);
		vp->has_mac = true;
	}
}

/* Note the MAC of the device a tap or host port without a configured MAC
 * was opened on (@vp), to give it when the device is made again. */
static void note_made_mac(struct vnetd_port *p, const struct vnic_params *vp)
{
	int saved = -1;

	if (vp->has_mac ||
	    (strcmp(vp->kind, "tap") && strcmp(vp->kind, "host")) ||
	    (vp->netns && vnic_netns_enter(vp->netns, &saved)))
		return;
	p->has_made_mac = !vnic_link_get_mac(vp->name, p->made_mac);
	if (vp->netns)
		vnic_netns_leave(saved);
}

/* Close a backend just opened for a port that could not be activated; a
 * device it made goes with it (a tap left behind, with the addresses given
 * so far, would be taken as the administrator's by the next try). */
static void port_open_undo(json_t *conf, struct vnic *v)
{
	if (!vnetd_port_kept(conf))
		vnic_remove(v);
	vnic_close(v);
}

/* Open the backend and attach it; on failure the port stays configured but
 * inactive, with the reason in p->error. */
static int port_activate(struct vnetd *d, struct vnetd_port *p)
{
	json_t *conf = p->obj.conf;
	struct vnetd_net *net = vnetd_net_find(d, jstr(conf, "network"));
	json_t *addrs = json_object_get(conf, "addresses"), *a;
	struct vsw_port_guards guards = {0};
	struct vsw_ipset *ips;
	struct vnic_params vp;
	enum vsw_port_role role;
	struct vsw_vlan vlan;
	uint8_t gmac[6];
	struct vnic *v;
	size_t i;
	int ret, id;

	/* Not -ENOENT: that is a veth's namespace missing (the port waits
	 * for it, down, not in error). */
	if (!net) {
		snprintf(
		    p->error, sizeof(p->error), "network %s does not exist",
		    jstr(conf, "network") ? jstr(conf, "network") : "(none)");
		return -ENODEV;
	}
	if (is_sriov(conf))
		return vnetd_sriov_port_activate(d, p);
	port_params(d, conf, &vp);
	if (!vp.has_mac && p->has_made_mac) { /* made again: as it was */
		memcpy(vp.mac, p->made_mac, sizeof(vp.mac));
		vp.has_mac = true;
	}
	role = kind_role(vp.kind);
	ret = vnic_open(&vp, &v, p->error, sizeof(p->error));
	if (ret)
		return ret;
	if (!p->has_made_mac)
		note_made_mac(p, &vp);
	json_array_foreach(addrs, i, a)
	{
		ret = vnic_link_addr_add(p->obj.name, json_string_value(a));
		if (ret) {
			snprintf(p->error, sizeof(p->error),
				 "cannot add address %s to %s: %s",
				 json_string_value(a), p->obj.name,
				 strerror(-ret));
			port_open_undo(conf, v);
			return ret;
		}
	}
	port_vlan(conf, &vlan);
	/* The MAC and IP guards judge its first frame already. */
	if (json_is_true(json_object_get(conf, "mac_guard")) &&
	    !port_mac(p, gmac))
		guards.mac = gmac;
	ips = vnetd_ip_guard_set(d, conf, p->obj.name);
	if (!ips && json_is_true(json_object_get(conf, "ip_guard"))) {
		snprintf(p->error, sizeof(p->error),
			 "out of memory for its IP guard");
		port_open_undo(conf, v);
		return -ENOMEM;
	}
	guards.ips = ips;
	id = vswitch_port_add_guarded(d->sw, net->id, p->obj.name, role, &vlan,
				      v, &guards);
	free(ips);
	if (id < 0) {
		snprintf(p->error, sizeof(p->error), "switch refused it: %s",
			 strerror(-id));
		port_open_undo(conf, v);
		return id;
	}
	port_set_id(d, p, id);
	vnetd_lease_port_joined(d, p);
	p->error[0] = 0;
	p->waiting = false;
	p->up_since = timer_now_ms();
	if (json_object_get(conf, "mac_limit"))
		(void)vswitch_port_set_mac_limit(d->sw, id,
						 juint(conf, "mac_limit"));
	if (json_object_get(conf, "coalesce_us"))
		(void)vswitch_port_set_coalesce(d->sw, id,
						juint(conf, "coalesce_us"));
	if (json_is_true(json_object_get(conf, "dhcp_trusted")))
		(void)vswitch_port_set_dhcp_guard(d->sw, id, false);
	if (json_is_true(json_object_get(conf, "router_trusted")))
		(void)vswitch_port_set_router_guard(d->sw, id, false);
	if (mac_pinned(conf))
		pin_mac(d, p, &vlan, true);
	if (is_veth(conf))
		vnetd_fast_port_on(d, p, (unsigned)net->id, fast_vlan(&vlan),
				   vp.mtu);
	watch_ctl(d, p, true);
	return 0;
}

/* Tests only: VNETD_PORT_DEL_FAIL=N makes the first N removals of a port
 * from the switch fail as out of memory would. */
static bool del_fails_on_purpose(void)
{
	static unsigned failed;
	const char *env = getenv("VNETD_PORT_DEL_FAIL");

	if (!env || failed >= strtoul(env, NULL, 10))
		return false;
	failed++;
	return true;
}

static void stats_add(struct vsw_port_stats *to,
		      const struct vsw_port_stats *from)
{
	to->rx_packets += from->rx_packets;
	to->rx_bytes += from->rx_bytes;
	to->tx_packets += from->tx_packets;
	to->tx_bytes += from->tx_bytes;
	for (int i = 0; i < VSW_DROP_MAX; i++)
		to->drops[i] += from->drops[i];
}

/* What a leaving switch port counted stays with the port (p->carried,
 * p->carried_vnic, p->carried_backend). */
static void port_last(struct vnic *v, const struct vsw_port_stats *st,
		      void *arg)
{
	struct vnetd_port *p = arg;
	struct vnic_counters bc;

	stats_add(&p->carried, st);
	for (int i = 0; i < VNIC_DROP_MAX; i++)
		p->carried_vnic[i] += vnic_drops(v, (enum vnic_drop)i);
	vnic_counters(v, &bc);
	vnic_counters_add(&p->carried_backend, &bc);
}

/* Take switch port p->id out of the switch, its counts taken once no
 * datapath thread is in it any more (port_last()): none is lost between a
 * read and the port leaving.  Return: 0 (p->id now -1), or -errno: it
 * stays there as it was, p->id kept and p->stuck set. */
static int port_leave(struct vnetd *d, struct vnetd_port *p)
{
	int ret;

	ret = del_fails_on_purpose()
		  ? -ENOMEM
		  : vswitch_port_del_last(d->sw, p->id, port_last, p);
	if (ret && ret != -ENOENT) {
		p->stuck = true;
		vlog_rl(MAIN, WARN,
			"port %s: cannot leave the switch: %s; trying again",
			p->obj.name, strerror(-ret));
		return ret;
	}
	p->stuck = false;
	vnetd_gw_port_gone(d, jstr(p->obj.conf, "network"), p->id);
	port_set_id(d, p, -1);
	return 0;
}

/* Whether a port that could not be opened (@ret) waits for its namespace:
 * a veth's pair is made once the namespace exists, and the port is tried
 * again then (vnetd_port_netns_event()): down, with the reason, not in
 * error, as when the namespace goes while the port is up.  The veth
 * backend's -ENOENT is that (port_activate() gives it for nothing else). */
static bool waits_for_netns(json_t *conf, int ret)
{
	return ret == -ENOENT && jstr(conf, "netns") &&
	       (is_veth(conf) || !strcmp(jstr(conf, "kind"), "tap"));
}

/* Try again in @ms (a sooner try replaces a later one). */
static void retry_in(struct vnetd *d, struct vnetd_port *p, unsigned ms)
{
	if (vtimer_armed(&p->retry) && ms >= p->retry_ms)
		return;
	p->retry_ms = ms;
	vtimer_cancel(d->timers, &p->retry);
	if (vtimer_arm(d->timers, &p->retry, ms))
		vlog(MAIN, ERR, "port %s: cannot schedule a retry",
		     p->obj.name);
}

/* A port whose device an administrator made ("device_kept") and that is
 * gone now: the device vnetd is about to make in its place is vnetd's, and
 * goes with the port (port del) as any device vnetd made.  Left kept, it
 * would outlive the port, though nobody made it but vnetd.  A device made
 * again by the administrator (there when the port is opened) stays theirs.
 * Return: true when "device_kept" was taken off @conf. */
static bool kept_device_made(json_t *conf)
{
	const char *dev = jstr(conf, "device");

	if (!vnetd_port_kept(conf) || !dev ||
	    vnic_link_exists(dev, jstr(conf, "netns")) != 0)
		return false;
	json_object_del(conf, "device_kept");
	vlog(MAIN, INFO,
	     "port %s: device %s, made outside vnetd, is gone; vnetd makes "
	     "it again, and deletes it with the port",
	     jstr(conf, "name"), dev);
	return true;
}

static void retry_fire(struct vtimer *t, void *arg)
{
	struct vnetd_port *p = arg;
	struct vnetd *d = p->d;
	unsigned next = p->retry_ms * 2;

	int ret;

	if (p->gone || (p->id >= 0 && !p->stuck))
		return;
	if (p->id < 0 || !port_leave(d, p)) {
		bool mine = kept_device_made(p->obj.conf);

		ret = port_activate(d, p);
		if (!ret) {
			vlog_rl(MAIN, INFO, "port %s is active again",
				p->obj.name);
			/* Restored while its namespace was missing, stored
			 * without a MAC: its pair is made only now. */
			mine |= vnetd_port_note_restored(p->obj.conf);
			if (mine &&
			    vnetd_store_put(d->store, vnetd_kind_port.table,
					    p->obj.name, p->obj.conf))
				vlog(MAIN, ERR,
				     "port %s: cannot store what its device is "
				     "now",
				     p->obj.name);
			return;
		}
		if (mine) /* not made after all: still the administrator's */
			json_object_set_new(p->obj.conf, "device_kept",
					    json_true());
		/* Still waiting, or no more: a namespace made again with
		 * another device named like the port's end is an error. */
		p->waiting = waits_for_netns(p->obj.conf, ret);
	}
	retry_in(d, p, next < PORT_RETRY_MS ? next : PORT_RETRY_MS);
}

static struct vnetd_obj *port_apply(struct vnetd *d, json_t *conf,
				    bool restoring, struct vnetd_err *e)
{
	struct vnetd_port *p = calloc(1, sizeof(*p));
	int ret;

	if (!p) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	p->d = d;
	p->obj.kind = &vnetd_kind_port;
	p->obj.conf = json_incref(conf);
	p->obj.name = jstr(conf, "name");
	p->id = -1;
	p->ctl_fd = -1;
	p->ctl.fn = ctl_event;
	vtimer_init(&p->retry, retry_fire, p);
	ret = port_activate(d, p);
	if (!ret && restoring)
		vnetd_port_note_restored(conf);
	if (!ret)
		return &p->obj;
	if (restoring) {
		p->waiting = waits_for_netns(conf, ret);
		if (p->waiting)
			vlog(MAIN, INFO, "port %s restored, down: %s",
			     p->obj.name, p->error);
		else
			vlog(MAIN, WARN, "port %s restored but inactive: %s",
			     p->obj.name, p->error);
		retry_in(d, p, PORT_RETRY_MS);
		return &p->obj;
	}
	vnetd_err_set(e, jsonrpc_code_from_errno(ret), "%s", p->error);
	json_decref(p->obj.conf);
	free(p);
	return NULL;
}

/**
 * vnetd_port_mtu_changed() - follow the network's new MTU on an active port
 * @d: daemon
 * @p: the port (p->id >= 0)
 * @mtu: the MTU
 */
void vnetd_port_mtu_changed(struct vnetd *d, struct vnetd_port *p, unsigned mtu)
{
	vnic_mtu_changed(vswitch_port_vnic(d->sw, p->id), mtu);
	vnetd_fast_port_mtu(d, p, mtu);
}

/* Take an active port out of the switch; @remove: its device goes too.
 * Return: 0, or -errno when it could not leave the switch (out of memory):
 * it stays there as it was, p->id kept, p->stuck set. */
static int port_deactivate(struct vnetd *d, struct vnetd_port *p, bool remove)
{
	struct vnic_fast_stats f;

	watch_ctl(d, p, false);
	/* The fast path's counters go with its slot: they stay with the
	 * port (in the port's own too, as they are counted there), read
	 * once the program is off the port. */
	if (vnetd_fast_port_off(d, p, &f)) {
		vnic_fast_stats_add(&p->carried_fast, &f);
		vnetd_fast_stats_to_port(&f, &p->carried);
	}
	if (remove && !vnetd_port_kept(p->obj.conf))
		vnic_remove(vswitch_port_vnic(d->sw, p->id));
	return port_leave(d, p);
}

/* Delete the device an inactive port's backend made, if it can. */
static int port_purge_device(struct vnetd *d, json_t *conf)
{
	struct vnic_params vp;
	int ret;

	port_params(d, conf, &vp);
	ret = vnic_purge(&vp);
	if (ret && ret != -EOPNOTSUPP)
		vlog(MAIN, WARN, "port %s: cannot delete device %s: %s",
		     jstr(conf, "name"), jstr(conf, "device"), strerror(-ret));
	return ret;
}

static void port_unapply(struct vnetd *d, struct vnetd_obj *o, bool remove)
{
	struct vnetd_port *p = vnetd_port_of(o);

	vtimer_cancel(d->timers, &p->retry);
	if (remove)
		vnetd_lease_port_deleted(d, p);
	if (is_sriov(o->conf))
		vnetd_sriov_port_unapply(d, p, remove);
	if (p->id < 0) {
		if (remove && !is_sriov(o->conf) && !vnetd_port_kept(o->conf))
			(void)port_purge_device(d, o->conf);
	} else if (port_deactivate(d, p, remove)) {
		/* Out of memory is short-lived: a few more tries, then the
		 * switch port stays (closed when vnetd stops). */
		for (int i = 0; i < 3 && port_leave(d, p); i++)
			;
		if (p->stuck)
			vlog(MAIN, ERR,
			     "port %s: its switch port %d stays until vnetd "
			     "stops",
			     o->name, p->id);
	}
	p->gone = true; /* the object layer logs the deletion */
	/* A stuck switch port keeps its id, not this port's memory. */
	if (vnetd_port_by_id(d, p->id) == p)
		d->port_by_id[p->id] = NULL;
	json_decref(o->conf);
	o->conf = NULL;
	/* Its control handler may still be in this batch of events. */
	vnetd_defer_free(d, p);
}

/* Addresses of a host vNIC: remove the old ones first (removing a
 * subnet's primary address would take secondaries added after it along),
 * then add the new ones. */
static int set_addresses(struct vnetd_port *p, json_t *from, json_t *to,
			 struct vnetd_err *e)
{
	json_t *a, *b;
	size_t i, k;
	int ret;

	json_array_foreach(from, i, a)
	{
		bool keep = false;

		json_array_foreach(to, k, b) keep |= json_equal(a, b);
		if (keep)
			continue;
		ret = vnic_link_addr_del(p->obj.name, json_string_value(a));
		if (ret) {
			vnetd_err_set(e, jsonrpc_code_from_errno(ret),
				      "cannot remove address %s from %s: %s",
				      json_string_value(a), p->obj.name,
				      strerror(-ret));
			return ret;
		}
	}
	json_array_foreach(to, i, a)
	{
		ret = vnic_link_addr_add(p->obj.name, json_string_value(a));
		if (ret) {
			vnetd_err_set(e, jsonrpc_code_from_errno(ret),
				      "cannot add address %s to %s: %s",
				      json_string_value(a), p->obj.name,
				      strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/* After a change failed midway: the addresses the device had (@from),
 * put back as well as can be (a failure is logged; the caller reports the
 * first one). */
static void addresses_back(struct vnetd_port *p, json_t *to, json_t *from)
{
	struct vnetd_err e;

	if (set_addresses(p, to, from, &e))
		vlog(MAIN, ERR, "port %s: cannot put its addresses back: %s",
		     p->obj.name, e.msg);
}

static int port_set(struct vnetd *d, struct vnetd_obj *o, json_t *conf,
		    struct vnetd_err *e)
{
	struct vnetd_port *p = vnetd_port_of(o);
	json_t *from = json_object_get(o->conf, "addresses");
	json_t *to = json_object_get(conf, "addresses");
	struct vsw_vlan was, now;
	bool addrs;
	int ret;

	if (is_sriov(o->conf)) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "an sriov port cannot change: delete it and add "
			      "it again");
		return -EPERM;
	}
	if (p->id < 0) {
		vnetd_err_set(e, VNET_ERR_BUSY,
			      "port '%s' is not active (%s); it cannot change "
			      "until it is",
			      o->name, p->error);
		return -EBUSY;
	}
	addrs = !json_equal(from ? from : json_null(), to ? to : json_null());
	if (addrs && (ret = set_addresses(p, from, to, e))) {
		addresses_back(p, to, from);
		return ret;
	}
	port_vlan(o->conf, &was);
	port_vlan(conf, &now);
	if (memcmp(&was, &now, sizeof(was))) {
		ret = vswitch_port_set_vlan(d->sw, p->id, &now);
		if (ret) {
			vnetd_err_set(e, jsonrpc_code_from_errno(ret),
				      "cannot change the VLAN setting: %s",
				      strerror(-ret));
			if (addrs)
				addresses_back(p, to, from);
			return ret;
		}
		if (mac_pinned(conf) && mac_pinned(o->conf) &&
		    untagged_vlan(&was) != untagged_vlan(&now)) {
			pin_mac(d, p, &was, false);
			pin_mac(d, p, &now, true);
		}
		if (is_veth(conf))
			vnetd_fast_port_vlan(d, p, fast_vlan(&now));
	}
	if (json_is_true(json_object_get(conf, "dhcp_trusted")) !=
	    json_is_true(json_object_get(o->conf, "dhcp_trusted")))
		(void)vswitch_port_set_dhcp_guard(
		    d->sw, p->id,
		    kind_role(jstr(conf, "kind")) == VSW_ROLE_VM &&
			!json_is_true(json_object_get(conf, "dhcp_trusted")));
	if (json_is_true(json_object_get(conf, "router_trusted")) !=
	    json_is_true(json_object_get(o->conf, "router_trusted")))
		(void)vswitch_port_set_router_guard(
		    d->sw, p->id,
		    kind_role(jstr(conf, "kind")) == VSW_ROLE_VM &&
			!json_is_true(json_object_get(conf, "router_trusted")));
	if (mac_pinned(conf) != mac_pinned(o->conf)) {
		pin_mac(d, p, mac_pinned(conf) ? &now : &was, mac_pinned(conf));
		set_mac_guard(d, p, conf);
	}
	if (json_is_true(json_object_get(conf, "ip_guard")) !=
		json_is_true(json_object_get(o->conf, "ip_guard")) ||
	    !json_equal(json_object_get(conf, "allowed_ips")
			    ? json_object_get(conf, "allowed_ips")
			    : json_null(),
			json_object_get(o->conf, "allowed_ips")
			    ? json_object_get(o->conf, "allowed_ips")
			    : json_null()))
		vnetd_ip_guard_update(d, p, conf);
	if (json_object_get(conf, "mac_limit") &&
	    juint(conf, "mac_limit") != juint(o->conf, "mac_limit"))
		(void)vswitch_port_set_mac_limit(d->sw, p->id,
						 juint(conf, "mac_limit"));
	if (juint(conf, "coalesce_us") != juint(o->conf, "coalesce_us"))
		(void)vswitch_port_set_coalesce(d->sw, p->id,
						juint(conf, "coalesce_us"));
	return 0;
}

/* An inactive port's "error", and "retry_in_ms": when it is tried again. */
static void port_describe_retry(struct vnetd *d, struct vnetd_port *p,
				json_t *s)
{
	uint64_t now = timer_now_ms();

	json_object_set_new(s, "error", json_string(p->error));
	if (vtimer_armed(&p->retry))
		json_object_set_new(
		    s, "retry_in_ms",
		    json_integer((json_int_t)(p->retry.when > now
						  ? p->retry.when - now
						  : 0)));
}

static json_t *port_status(struct vnetd *d, struct vnetd_obj *o)
{
	struct vnetd_port *p = vnetd_port_of(o);
	json_t *s;
	const char *state;

	if (is_sriov(o->conf))
		return vnetd_sriov_port_status(d, p);
	s = json_deep_copy(o->conf);
	if (p->id < 0)
		state = p->waiting ? "down" : "error";
	else if (vswitch_port_up(d->sw, p->id))
		state = "up";
	else
		state = "down";
	json_object_set_new(s, "state", json_string(state));
	if (p->id < 0 || p->stuck)
		port_describe_retry(d, p, s);
	if (p->id < 0) {
		if (is_veth(o->conf))
			vnetd_fast_describe(d, p, s);
	} else {
		/* the id the gateway's DHCP log lines name */
		json_object_set_new(s, "switch_port", json_integer(p->id));
		if (!json_object_get(s, "mac_limit"))
			json_object_set_new(
			    s, "mac_limit",
			    json_integer(vswitch_port_mac_limit(d->sw, p->id)));
		json_object_set_new(
		    s, "macs_learned",
		    json_integer(vswitch_port_mac_count(d->sw, p->id)));
		vnic_describe_from(vswitch_port_vnic(d->sw, p->id),
				   &p->carried_backend, s);
		if (is_veth(o->conf))
			vnetd_fast_describe(d, p, s);
	}
	if (!strcmp(jstr(o->conf, "kind"), "uplink") &&
	    !json_object_get(s, "backend"))
		json_object_set_new(s, "backend", json_string("afpacket"));
	return s;
}

/* After a --replace import dropped a tap or host port: delete its device,
 * unless a port of the new configuration uses it. */
static void port_purge(struct vnetd *d, json_t *conf)
{
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	const char *kind = jstr(conf, "kind"), *dev = jstr(conf, "device");
	int ret;

	if (is_sriov(conf)) {
		vnetd_sriov_port_purge(d, conf);
		return;
	}
	if (!dev || vnetd_port_kept(conf) ||
	    (strcmp(kind, "tap") && strcmp(kind, "host") && !is_veth(conf)))
		return;
	for (size_t i = 0; i < ports->n; i++) {
		const char *k = jstr(ports->v[i]->conf, "kind");
		const char *od = jstr(ports->v[i]->conf, "device");

		if (od && !strcmp(od, dev) && strcmp(k, "uplink"))
			return;
	}
	if (port_purge_device(d, conf) != -EOPNOTSUPP)
		return;
	ret = vnic_link_delete(dev, jstr(conf, "netns"));
	if (ret)
		vlog(MAIN, WARN, "port %s: cannot delete device %s: %s",
		     jstr(conf, "name"), dev, strerror(-ret));
}

const struct vnetd_kind vnetd_kind_port = {
    .name = "port",
    .table = "ports",
    .schema = {port_opts, ARRAY_SIZE(port_opts)},
    .parent = &vnetd_kind_network,
    .parent_key = "network",
    .check = port_check,
    .apply = port_apply,
    .unapply = port_unapply,
    .set = port_set,
    .merge = port_merge,
    .purge = port_purge,
    .status = port_status,
    .del_check = vnetd_sriov_port_del_check,
};

/**
 * vnetd_port_stats() - a port's counters: its switch port's, the frames the
 * fast path moved for it (a veth port), and what its earlier switch ports
 * counted (a veth whose pair was made again)
 * @d: daemon
 * @p: the port, active (p->id >= 0)
 * @st: filled
 */
void vnetd_port_stats(struct vnetd *d, struct vnetd_port *p,
		      struct vsw_port_stats *st)
{
	vswitch_port_stats(d->sw, p->id, st);
	vnetd_fast_add_stats(d, p, st);
	stats_add(st, &p->carried);
}

/**
 * vnetd_port_vnic_drops() - a drop counter of a port's backend, with what
 * its earlier backends counted (a veth whose pair was made again)
 * @d: daemon
 * @p: the port, active (p->id >= 0)
 * @r: reason
 *
 * Return: count
 */
uint64_t vnetd_port_vnic_drops(struct vnetd *d, struct vnetd_port *p,
			       enum vnic_drop r)
{
	struct vnic *v = vswitch_port_vnic(d->sw, p->id);

	return p->carried_vnic[r] + (v ? vnic_drops(v, r) : 0);
}

static json_t *port_counters(struct vnetd *d, struct vnetd_port *p)
{
	struct vnic_fast_stats fst;
	struct vsw_port_stats st;
	json_t *o, *drops;

	/* A veth port's counters include the frames the fast path moved. */
	vnetd_port_stats(d, p, &st);
	drops = json_object();
	for (int i = 0; i < VSW_DROP_MAX; i++)
		json_object_set_new(drops, vsw_drop_name((enum vsw_drop)i),
				    json_integer((json_int_t)st.drops[i]));
	for (int i = 0; i < VNIC_DROP_MAX; i++)
		json_object_set_new(
		    drops, vnic_drop_name((enum vnic_drop)i),
		    json_integer((json_int_t)vnetd_port_vnic_drops(
			d, p, (enum vnic_drop)i)));
	(void)vnetd_fast_counters(d, p, &fst);
	vnic_fast_stats_add(&fst, &p->carried_fast);
	o = json_pack(
	    "{s:I,s:I,s:I,s:I}", "rx_packets", (json_int_t)st.rx_packets,
	    "rx_bytes", (json_int_t)st.rx_bytes, "tx_packets",
	    (json_int_t)st.tx_packets, "tx_bytes", (json_int_t)st.tx_bytes);
	json_object_set_new(o, "drops", drops);
	if (is_veth(p->obj.conf))
		json_object_set_new(
		    o, "fast_path",
		    json_pack("{s:I,s:I,s:I,s:I,s:I}", "rx_packets",
			      (json_int_t)fst.rx_packets, "rx_bytes",
			      (json_int_t)fst.rx_bytes, "tx_packets",
			      (json_int_t)fst.tx_packets, "tx_bytes",
			      (json_int_t)fst.tx_bytes, "superframes",
			      (json_int_t)fst.rx_super));
	return o;
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
	struct vnetd_obj *o =
	    vnetd_obj_lookup(d, &vnetd_kind_port, jstr(params, "name"), e);
	json_t *s;

	if (!o)
		return NULL;
	s = port_status(d, o);
	if (vnetd_port_of(o)->id >= 0)
		json_object_set_new(s, "counters",
				    port_counters(d, vnetd_port_of(o)));
	return s;
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
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	json_t *arr;

	if (net && !vnetd_obj_lookup(d, &vnetd_kind_network, net, e))
		return NULL;
	if (port && !vnetd_obj_lookup(d, &vnetd_kind_port, port, e))
		return NULL;
	arr = json_array();
	for (size_t i = 0; i < ports->n; i++) {
		struct vnetd_port *p = vnetd_port_of(ports->v[i]);
		json_t *o;

		if ((net && strcmp(jstr(p->obj.conf, "network"), net)) ||
		    (port && strcmp(p->obj.name, port)) || p->id < 0)
			continue;
		o = port_counters(d, p);
		json_object_set_new(o, "port", json_string(p->obj.name));
		json_object_set_new(o, "network",
				    json_string(jstr(p->obj.conf, "network")));
		json_array_append_new(arr, o);
	}
	if (!port)
		vnetd_nat_stats_rows(d, net, arr);
	return arr;
}

/* The device of switch port @id went away and its backend makes it anew
 * when opened (a veth whose namespace was deleted): the port leaves the
 * switch, shows down with the reason, and is opened again by its retry
 * timer (from PORT_RETRY_SOON_MS, doubling up to PORT_RETRY_MS), at once
 * when its namespace appears (vnetd_port_netns_event()).  A port that goes
 * again within PORT_FLAP_MS of coming back (its guest deleting its end in
 * a loop) starts at twice its last delay: it cannot make vnetd remake it
 * faster and faster.  Its log lines are rate-limited, as a guest can
 * trigger them. */
static void port_lost(struct vnetd *d, int id, const char *dev)
{
	struct vnetd_port *p = vnetd_port_by_id(d, id);
	const char *ns;
	unsigned delay = PORT_RETRY_SOON_MS;

	if (!p)
		return;
	if (p->lost_ms && timer_now_ms() - p->up_since < PORT_FLAP_MS)
		delay = p->lost_ms * 2 < PORT_RETRY_MS ? p->lost_ms * 2
						       : PORT_RETRY_MS;
	p->lost_ms = delay;
	ns = jstr(p->obj.conf, "netns");
	p->waiting = true;
	snprintf(p->error, sizeof(p->error),
		 "device %s is gone%s%s%s; it is made again when it can be",
		 dev, ns ? " (namespace " : "", ns ? ns : "",
		 ns ? " deleted?)" : "");
	(void)port_deactivate(d, p, false); /* if stuck, the retry ends it */
	vlog_rl(MAIN, INFO,
		"port %s: device %s is gone; down until it is made again (in "
		"%u ms)",
		p->obj.name, dev, delay);
	/* Soon, backing off: the namespace may be back already (deleted and
	 * made again before the kernel got round to the old pair). */
	retry_in(d, p, delay);
}

/**
 * vnetd_port_netns_event() - a namespace appeared: open the inactive ports
 * that wait for it
 * @d: daemon
 * @netns: its name under /run/netns; NULL: any (events were lost), every
 *         inactive port with a namespace is tried
 */
void vnetd_port_netns_event(struct vnetd *d, const char *netns)
{
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);

	for (size_t i = 0; i < ports->n; i++) {
		struct vnetd_port *p = vnetd_port_of(ports->v[i]);
		const char *ns = jstr(p->obj.conf, "netns");

		if (p->id < 0 && !p->gone && ns &&
		    (!netns || !strcmp(ns, netns)) && !is_sriov(p->obj.conf))
			retry_in(d, p, PORT_RETRY_SOON_MS);
	}
}

/**
 * vnetd_port_netns_gone() - a namespace's name left /run/netns: the tap
 * ports in it close their taps
 * @d: daemon
 * @netns: its name; NULL: events were lost, every tap port whose
 *         namespace has no name now
 *
 * A tap's fd was opened inside its namespace and holds it: kept open, it
 * would keep alive a namespace nobody can name any more, with the tap in
 * it, and the port would never follow a namespace made again under the
 * name.  Closed, the namespace goes with the tap (unless something else
 * holds it), and the port waits, down, for a namespace of that name
 * (vnetd_port_netns_event()), as a veth port does.
 */
void vnetd_port_netns_gone(struct vnetd *d, const char *netns)
{
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);

	for (size_t i = 0; i < ports->n; i++) {
		struct vnetd_port *p = vnetd_port_of(ports->v[i]);
		const char *ns = jstr(p->obj.conf, "netns");
		char path[PATH_MAX];

		if (p->id < 0 || p->gone || !ns ||
		    strcmp(jstr(p->obj.conf, "kind"), "tap"))
			continue;
		if (netns) {
			if (strcmp(ns, netns))
				continue;
		} else {
			snprintf(path, sizeof(path), "/run/netns/%s", ns);
			if (!access(path, F_OK))
				continue;
		}
		port_lost(d, p->id, p->obj.name);
	}
}

/**
 * vnetd_port_fault() - a port's backend failed (vswitch_set_fault_hook(),
 * control thread): a port whose backend makes its device again and whose
 * device is gone is made again, as when vnetd sees the device leave
 * (vnetd_link_event()).  That is how a tap in another namespace is seen
 * to go, deleted or with its namespace: vnetd gets no link event there.
 * @arg: daemon
 * @id: switch port
 * @err: the backend's error (-errno)
 */
void vnetd_port_fault(void *arg, int id, int err)
{
	struct vnetd *d = arg;
	struct vnic *v = vswitch_port_vnic(d->sw, id);
	char dev[VNIC_IFNAMSIZ];

	(void)err;
	if (!v || !vnic_remakes(v) || vnic_alive(v))
		return;
	snprintf(dev, sizeof(dev), "%s", vnic_name(v)); /* v goes */
	port_lost(d, id, dev);
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

	vnetd_sriov_link_event(d, name, deleted);
	if (vnetd_team_link_event(d, ifindex, deleted, up, running))
		return;
	if (id < 0)
		return;
	v = vswitch_port_vnic(d->sw, id);
	if (deleted) {
		/* A tap moved to another namespace also leaves ours. */
		if (vnic_alive(v))
			return;
		if (vnic_remakes(v))
			port_lost(d, id, name);
		else
			(void)vswitch_port_set_link(d->sw, id, false);
		return;
	}
	(void)vswitch_port_set_link(d->sw, id, up && running);
}
