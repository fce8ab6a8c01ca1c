// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_team.c - the "team" object kind: a logical uplink made of member
 * NICs, its options and rules, and its life as a network's uplink port
 *
 * A team runs while an external network names it (--uplink-team): then its
 * members are opened and the team port joins the network.  Whichever of the
 * two objects is applied second attaches them, so restore and import work in
 * any order.  The team's timers run on the control thread's timer service,
 * at the deadline the team asks for; the team's event fd wakes the control
 * thread when the datapath saw something (an LACPDU, a probe reply, a broken
 * member) that moves a deadline.
 */
#include "vnetd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include "../dhcp/dhcp.h"
#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "../teaming/team.h"
#include "../vnic/vnic.h"

static const char *const team_modes[] = {
    "active-backup", "balance-port", "balance-mac", "static", "lacp", NULL};
static const char *const lacp_rates[] = {"fast", "slow", NULL};
static const char *const fallbacks[] = {"active-backup", NULL};
static const char *const hashes[] = {"l2", "l23", "l34", NULL};
static const char *const on_off[] = {"on", "off", NULL};
static const char *const backends[] = {"afpacket", "pcap", NULL};

static const struct schema_opt team_opts[] = {
    {"name", SCHEMA_NAME, .flags = SCHEMA_REQUIRED, .desc = "team name"},
    {"mode", SCHEMA_ENUM, .flags = SCHEMA_REQUIRED, .choices = team_modes,
     .desc = "active-backup, balance-port, balance-mac, static or lacp"},
    {"members", SCHEMA_STRING, 1, 200, .flags = SCHEMA_REQUIRED | SCHEMA_LIVE,
     .desc = "member NICs, comma-separated"},
    {"backend", SCHEMA_ENUM, .choices = backends,
     .desc = "how members are read: afpacket (default) or pcap"},
    {"primary", SCHEMA_NAME, .flags = SCHEMA_LIVE,
     .desc = "member preferred in active-backup"},
    {"failback", SCHEMA_ENUM, .flags = SCHEMA_LIVE, .choices = on_off,
     .desc = "return to the primary when it recovers (on)"},
    {"probe", SCHEMA_STRING, 0, 80, .flags = SCHEMA_LIVE,
     .desc = "path probing: arp:IP[,IP...] or beacon"},
    {"probe_interval", SCHEMA_UINT, 10, 10000, 100, SCHEMA_LIVE,
     .desc = "ms between probes; a member is down after 2 without reply"},
    {"lacp_rate", SCHEMA_ENUM, .flags = SCHEMA_LIVE, .choices = lacp_rates,
     .desc = "LACPDUs the partner sends: fast (1 s) or slow (30 s)"},
    {"lacp_fallback", SCHEMA_ENUM, .flags = SCHEMA_LIVE, .choices = fallbacks,
     .desc = "what to do while no LACP partner answers"},
    {"hash", SCHEMA_ENUM, .flags = SCHEMA_LIVE, .choices = hashes,
     .desc = "static/lacp: fields hashed, l2, l23 (default) or l34"},
    {"updelay", SCHEMA_UINT, 0, 60000, 0, SCHEMA_LIVE,
     .desc = "ms a member's carrier must be up before it is used"},
    {"downdelay", SCHEMA_UINT, 0, 60000, 0, SCHEMA_LIVE,
     .desc = "ms a member's carrier may be down before it is dropped"},
};

/**
 * struct vnetd_team - a team as configured
 * @obj: base
 * @d: daemon
 * @port: the team port while a network uses the team, else NULL
 * @id: its switch port id, -1 when detached
 * @net: the network it is the uplink of
 * @error: why it could not attach
 * @timer: runs the team's timers
 * @ev: the team's event fd in the control loop
 * @ev_fd: that fd, -1 when not watched
 * @leases: reads the network's DHCP leases into the team now and then
 * @leases_failed: the last read failed (logged once, until one succeeds)
 */
struct vnetd_team {
	struct vnetd_obj obj;
	struct vnetd *d;
	struct vnic *port;
	int id;
	char net[16];
	char error[256];
	struct vtimer timer;
	struct vnetd_handler ev;
	int ev_fd;
	struct vtimer leases;
	bool leases_failed;
};

/* How often a running team rereads its network's DHCP leases. */
#define TEAM_LEASE_REFRESH_MS 5000

static struct vnetd_team *team_of(struct vnetd_obj *o)
{
	return (struct vnetd_team *)o;
}

/* Split a comma list into at most @max names; 0 or -EINVAL with @e set. */
static int split_members(const char *s, char names[][16], unsigned *n,
			 struct vnetd_err *e)
{
	char buf[256], *save = NULL, *tok;

	*n = 0;
	snprintf(buf, sizeof(buf), "%s", s ? s : "");
	for (tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		if (!name_valid(tok)) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "member '%s': not a device name", tok);
			return -EINVAL;
		}
		for (unsigned i = 0; i < *n; i++)
			if (!strcmp(names[i], tok)) {
				vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
					      "member '%s' is given twice",
					      tok);
				return -EINVAL;
			}
		if (*n == TEAM_MAX_MEMBERS) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "a team has at most %d members",
				      TEAM_MAX_MEMBERS);
			return -EINVAL;
		}
		snprintf(names[(*n)++], 16, "%.15s", tok);
	}
	if (!*n) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "a team needs at least one member: --members "
			      "eth1,eth2");
		return -EINVAL;
	}
	return 0;
}

static bool has_member(json_t *conf, const char *dev)
{
	char names[TEAM_MAX_MEMBERS][16];
	struct vnetd_err e;
	unsigned n;

	if (split_members(jstr(conf, "members"), names, &n, &e))
		return false;
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(names[i], dev))
			return true;
	return false;
}

/* "arp:IP[,IP...]" or "beacon" into @cfg. */
static int parse_probe(const char *s, struct team_config *cfg,
		       struct vnetd_err *e)
{
	char buf[96], *save = NULL, *tok;

	cfg->probe = TEAM_PROBE_NONE;
	cfg->n_targets = 0;
	if (!s)
		return 0;
	if (!strcmp(s, "beacon")) {
		cfg->probe = TEAM_PROBE_BEACON;
		return 0;
	}
	if (strncmp(s, "arp:", 4))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", s + 4);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (cfg->n_targets == TEAM_MAX_TARGETS) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "probe: at most %d ARP targets",
				      TEAM_MAX_TARGETS);
			return -EINVAL;
		}
		if (!schema_ipv4_parse(tok, &cfg->targets[cfg->n_targets]))
			goto bad;
		cfg->n_targets++;
	}
	if (!cfg->n_targets)
		goto bad;
	cfg->probe = TEAM_PROBE_ARP;
	return 0;
bad:
	vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
		      "probe '%s': must be arp:IP[,IP...] or beacon", s);
	return -EINVAL;
}

static int team_cfg(json_t *conf, struct team_config *cfg, struct vnetd_err *e)
{
	const char *s;

	team_config_default(cfg);
	cfg->mode = (enum team_mode)team_mode_parse(jstr(conf, "mode"));
	if ((s = jstr(conf, "hash")))
		cfg->hash = (enum team_hash)team_hash_parse(s);
	if (jstr(conf, "primary"))
		snprintf(cfg->primary, sizeof(cfg->primary), "%s",
			 jstr(conf, "primary"));
	cfg->failback =
	    !(jstr(conf, "failback") && !strcmp(jstr(conf, "failback"), "off"));
	cfg->lacp_fast =
	    jstr(conf, "lacp_rate") && !strcmp(jstr(conf, "lacp_rate"), "fast");
	cfg->lacp_fallback = jstr(conf, "lacp_fallback") != NULL;
	if (juint(conf, "probe_interval"))
		cfg->probe_interval_ms = juint(conf, "probe_interval");
	cfg->updelay_ms = juint(conf, "updelay");
	cfg->downdelay_ms = juint(conf, "downdelay");
	return parse_probe(jstr(conf, "probe"), cfg, e);
}

static bool is_ethernet(const char *dev)
{
	char path[64];
	int type = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/net/%.15s/type", dev);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fscanf(f, "%d", &type) != 1)
		type = 0;
	fclose(f);
	return type == 1; /* ARPHRD_ETHER */
}

/* Who else has @dev: a team or a port of the configuration @v. */
static int device_taken(const struct vnetd_view *v, const char *self,
			const char *dev, struct vnetd_err *e)
{
	const char *key;
	json_t *o;

	json_object_foreach(vnetd_view_all(v, &vnetd_kind_team), key, o)
	{
		if (strcmp(key, self) && has_member(o, dev)) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "device '%s' is already a member of team "
				      "'%s'",
				      dev, key);
			return -EEXIST;
		}
	}
	json_object_foreach(vnetd_view_all(v, &vnetd_kind_port), key, o)
	{
		if (jstr(o, "device") && !strcmp(jstr(o, "device"), dev)) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "device '%s' is already port '%s' of "
				      "network '%s'",
				      dev, key, jstr(o, "network"));
			return -EEXIST;
		}
	}
	return 0;
}

#define REFUSE(...)                                                    \
	do {                                                           \
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS, __VA_ARGS__); \
		return -EINVAL;                                        \
	} while (0)

static int team_check(struct vnetd *d, const struct vnetd_view *v, json_t *conf,
		      json_t *old, struct vnetd_err *e)
{
	const char *name = jstr(conf, "name"), *mode = jstr(conf, "mode");
	char names[TEAM_MAX_MEMBERS][16], list[200] = "";
	struct team_config cfg;
	bool lacp = !strcmp(mode, "lacp");
	unsigned n;
	size_t len = 0;
	int ret;

	if (!old && vnetd_view_find(v, &vnetd_kind_team, name)) {
		vnetd_err_set(e, VNET_ERR_EXISTS, "team '%s' already exists",
			      name);
		return -EEXIST;
	}
	if ((ret = split_members(jstr(conf, "members"), names, &n, e)) ||
	    (ret = team_cfg(conf, &cfg, e)))
		return ret;
	if (!lacp && (jstr(conf, "lacp_rate") || jstr(conf, "lacp_fallback")))
		REFUSE("--lacp-rate and --lacp-fallback apply to LACP teams "
		       "(--mode lacp), not %s",
		       mode);
	if (jstr(conf, "hash") && !lacp && strcmp(mode, "static"))
		REFUSE("--hash applies to static and lacp teams, not %s "
		       "(balance-port and balance-mac choose by port and by "
		       "source MAC)",
		       mode);
	if (jstr(conf, "primary") && strcmp(mode, "active-backup") &&
	    !(lacp && jstr(conf, "lacp_fallback")))
		REFUSE("--primary applies to active-backup teams (and to the "
		       "fallback of lacp teams)");
	if (lacp && cfg.probe != TEAM_PROBE_NONE)
		REFUSE("an lacp team detects failures by LACP itself: --probe "
		       "applies to the other modes");
	if (cfg.probe == TEAM_PROBE_BEACON && n < 3)
		REFUSE("beacon probing needs at least three members: with %u "
		       "it cannot tell which member's path failed (use "
		       "--probe arp:IP)",
		       n);
	for (unsigned i = 0; i < n; i++) {
		if ((ret = device_taken(v, name, names[i], e)))
			return ret;
		if (vnic_link_ifindex(names[i]) <= 0) {
			vnetd_err_set(e, VNET_ERR_NOT_FOUND,
				      "no network device '%s'", names[i]);
			return -ENODEV;
		}
		if (!is_ethernet(names[i]))
			REFUSE("member '%s' is not an Ethernet device%s",
			       names[i],
			       lacp ? ": it cannot carry LACPDUs, which mode "
				      "lacp needs"
				    : "");
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i ? "," : "", names[i]);
	}
	if (jstr(conf, "primary") && !has_member(conf, jstr(conf, "primary")))
		REFUSE("primary '%s' is not one of the members (%s)",
		       jstr(conf, "primary"), list);
	json_object_set_new(conf, "members", json_string(list));
	return 0;
}

/**
 * vnetd_team_check_port() - rules between a port and the teams
 * @v: the configuration as it would be
 * @port: the port's configuration
 * @net: its network's configuration
 * @e: error
 *
 * Return: 0, or -EEXIST with @e set when the port's device is a team member
 * or the network's uplink is a team and the port is an uplink
 */
int vnetd_team_check_port(const struct vnetd_view *v, json_t *port, json_t *net,
			  struct vnetd_err *e)
{
	const char *dev = jstr(port, "device"), *key;
	json_t *o;

	if (jstr(net, "uplink_team") && !strcmp(jstr(port, "kind"), "uplink")) {
		vnetd_err_set(e, VNET_ERR_EXISTS,
			      "network '%s' already has team '%s' as its "
			      "uplink",
			      jstr(net, "name"), jstr(net, "uplink_team"));
		return -EEXIST;
	}
	json_object_foreach(vnetd_view_all(v, &vnetd_kind_team), key, o)
	{
		if (dev && has_member(o, dev)) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "device '%s' is a member of team '%s'",
				      dev, key);
			return -EEXIST;
		}
	}
	return 0;
}

/**
 * vnetd_team_check_net() - rules of a network's --uplink-team
 * @v: the configuration as it would be
 * @net: the network's configuration
 * @e: error
 *
 * Return: 0, or -errno with @e set
 */
int vnetd_team_check_net(const struct vnetd_view *v, json_t *net,
			 struct vnetd_err *e)
{
	const char *team = jstr(net, "uplink_team"), *key;
	json_t *o;

	if (!team)
		return 0;
	if (strcmp(jstr(net, "type"), "external")) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "only external networks have an uplink (team "
			      "'%s')",
			      team);
		return -EPERM;
	}
	if (!vnetd_view_find(v, &vnetd_kind_team, team)) {
		vnetd_err_set(e, VNET_ERR_NOT_FOUND,
			      "no team '%s' (vnetctl team create %s ...)", team,
			      team);
		return -ENOENT;
	}
	json_object_foreach(vnetd_view_all(v, &vnetd_kind_network), key, o)
	{
		if (strcmp(key, jstr(net, "name")) && jstr(o, "uplink_team") &&
		    !strcmp(jstr(o, "uplink_team"), team)) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "team '%s' is already the uplink of "
				      "network '%s'",
				      team, key);
			return -EEXIST;
		}
	}
	json_object_foreach(vnetd_view_all(v, &vnetd_kind_port), key, o)
	{
		if (!strcmp(jstr(o, "network"), jstr(net, "name")) &&
		    !strcmp(jstr(o, "kind"), "uplink")) {
			vnetd_err_set(e, VNET_ERR_EXISTS,
				      "network '%s' already has uplink port "
				      "'%s'",
				      jstr(net, "name"), key);
			return -EEXIST;
		}
	}
	return 0;
}

/* The next deadline the team asked for; none (UINT64_MAX) until an event. */
static void team_rearm(struct vnetd_team *tm, uint64_t when)
{
	if (when == UINT64_MAX)
		vtimer_cancel(tm->d->timers, &tm->timer);
	else if (vtimer_arm_at(tm->d->timers, &tm->timer, when))
		vlog(MAIN, ERR, "team %s: cannot arm its timer", tm->obj.name);
}

static void team_tick(struct vtimer *t, void *arg)
{
	struct vnetd_team *tm = arg;

	if (tm->port)
		team_rearm(tm, team_port_run(tm->port));
}

static void team_event(struct vnetd *d, struct vnetd_handler *h,
		       uint32_t events)
{
	struct vnetd_team *tm =
	    (struct vnetd_team *)((char *)h - offsetof(struct vnetd_team, ev));

	if (tm->port)
		team_rearm(tm, team_port_run(tm->port));
}

struct lease_ctx {
	struct team_lease *l;
	unsigned n;
	int64_t now;
};

static void lease_one(const struct dhcps_lease_rec *rec, void *arg)
{
	struct lease_ctx *c = arg;

	if (rec->state != DHCPS_LEASE_BOUND || rec->expires <= c->now ||
	    c->n == TEAM_MAX_LEASES)
		return;
	memcpy(c->l[c->n].mac, rec->mac, 6);
	c->l[c->n++].ip = rec->ip;
}

/* Hand the team the addresses its network's DHCP server leased, so a
 * failover announces them (gratuitous ARP) for the MACs holding them. */
static void team_leases_tick(struct vtimer *t, void *arg)
{
	struct vnetd_team *tm = arg;
	struct lease_ctx c = {.now = (int64_t)time(NULL)};

	if (!tm->port)
		return;
	c.l = calloc(TEAM_MAX_LEASES, sizeof(*c.l));
	if (c.l &&
	    !vnetd_store_lease_load(tm->d->store, tm->net, lease_one, &c)) {
		team_port_leases(tm->port, c.l, c.n);
		tm->leases_failed = false;
	} else if (c.l && !tm->leases_failed) {
		vlog(MAIN, ERR,
		     "team %s: cannot read the leases of %s: %s; tried again "
		     "every %u s",
		     tm->obj.name, tm->net, vnetd_store_errmsg(tm->d->store),
		     TEAM_LEASE_REFRESH_MS / 1000);
		tm->leases_failed = true;
	}
	free(c.l);
	if (vtimer_arm(tm->d->timers, &tm->leases, TEAM_LEASE_REFRESH_MS))
		vlog(MAIN, ERR, "team %s: cannot arm its lease timer",
		     tm->obj.name);
}

static void team_detach(struct vnetd *d, struct vnetd_team *tm)
{
	vtimer_cancel(d->timers, &tm->timer);
	vtimer_cancel(d->timers, &tm->leases);
	if (tm->ev_fd >= 0) {
		vnetd_unwatch(d, tm->ev_fd);
		tm->ev_fd = -1;
	}
	if (tm->id >= 0) {
		/* closes the port */
		(void)vnetd_gw_port_del(d, tm->net, tm->id);
		vlog(MAIN, INFO, "team %s left network %s", tm->obj.name,
		     tm->net);
	} else {
		vnic_close(tm->port);
	}
	tm->id = -1;
	tm->port = NULL;
	tm->net[0] = 0;
}

/* The system ID of a team starting must not be another running team's
 * (a member that left that team and is this one's first would give both
 * the same): this one, whose members have sent nothing yet, takes another
 * (team_system_avoid()). */
static void team_system_unique(struct vnetd *d, struct vnetd_team *tm)
{
	const struct vnetd_objset *s = vnetd_objs(d, &vnetd_kind_team);
	uint8_t taken[64][6], was[6], mac[6];
	const char *owner = NULL;
	char a[MAC_STRLEN], b[MAC_STRLEN];
	unsigned n = 0;

	team_port_system(tm->port, was);
	for (size_t i = 0; i < s->n && n < 64; i++) {
		struct vnetd_team *o = team_of(s->v[i]);

		if (o == tm || !o->port)
			continue;
		team_port_system(o->port, taken[n]);
		if (!memcmp(taken[n], was, 6))
			owner = o->obj.name;
		n++;
	}
	if (!team_port_system_avoid(tm->port, taken, n))
		return;
	team_port_system(tm->port, mac);
	vlog(MAIN, INFO,
	     "team %s: system ID %s is already team %s's (the device was its "
	     "member: a team keeps its ID while it runs); %s uses %s, so the "
	     "switch cannot bundle the two teams' ports",
	     tm->obj.name, mac_format(was, a), owner ? owner : "?",
	     tm->obj.name, mac_format(mac, b));
}

/* Open the members and join @net; on failure tm->error says why. */
static int team_attach(struct vnetd *d, struct vnetd_team *tm,
		       struct vnetd_net *net)
{
	json_t *conf = tm->obj.conf;
	char names[TEAM_MAX_MEMBERS][16];
	struct vsw_vlan vlan = {.mode = VSW_VLAN_NONE};
	struct team_config cfg;
	struct vnetd_err e;
	unsigned n;
	int ret, id;

	if (split_members(jstr(conf, "members"), names, &n, &e) ||
	    team_cfg(conf, &cfg, &e)) {
		snprintf(tm->error, sizeof(tm->error), "%.255s", e.msg);
		return -EINVAL;
	}
	ret = team_port_open(tm->obj.name, &cfg, juint(net->obj.conf, "mtu"),
			     &tm->port, tm->error, sizeof(tm->error));
	if (ret)
		return ret;
	for (unsigned i = 0; i < n; i++) {
		ret = team_port_member_add(tm->port, names[i],
					   jstr(conf, "backend"), tm->error,
					   sizeof(tm->error));
		if (ret) {
			vnic_close(tm->port);
			tm->port = NULL;
			return ret;
		}
	}
	team_system_unique(d, tm);
	id = vswitch_port_add(d->sw, net->id, tm->obj.name, VSW_ROLE_UPLINK,
			      &vlan, tm->port);
	if (id < 0) {
		snprintf(tm->error, sizeof(tm->error),
			 "switch refused the team port: %s", strerror(-id));
		vnic_close(tm->port);
		tm->port = NULL;
		return id;
	}
	tm->id = id;
	snprintf(tm->net, sizeof(tm->net), "%s", net->obj.name);
	tm->error[0] = 0;
	tm->ev_fd = team_port_event_fd(tm->port);
	if (vnetd_watch(d, tm->ev_fd, EPOLLIN, &tm->ev))
		tm->ev_fd = -1;
	team_rearm(tm, timer_now_ms());
	team_leases_tick(&tm->leases, tm);
	vlog(MAIN, INFO, "team %s (%s, %u member(s)) is the uplink of %s",
	     tm->obj.name, jstr(conf, "mode"), n, net->obj.name);
	return 0;
}

static struct vnetd_net *team_network(struct vnetd *d, const char *team)
{
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);

	for (size_t i = 0; i < nets->n; i++) {
		const char *t = jstr(nets->v[i]->conf, "uplink_team");

		if (t && !strcmp(t, team))
			return vnetd_net_of(nets->v[i]);
	}
	return NULL;
}

static struct vnetd_obj *team_apply(struct vnetd *d, json_t *conf,
				    bool restoring, struct vnetd_err *e)
{
	struct vnetd_team *tm = calloc(1, sizeof(*tm));
	struct vnetd_net *net;

	if (!tm) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	tm->d = d;
	tm->obj.kind = &vnetd_kind_team;
	tm->obj.conf = json_incref(conf);
	tm->obj.name = jstr(conf, "name");
	tm->id = -1;
	tm->ev_fd = -1;
	tm->ev.fn = team_event;
	vtimer_init(&tm->timer, team_tick, tm);
	vtimer_init(&tm->leases, team_leases_tick, tm);
	net = team_network(d, tm->obj.name);
	if (net && team_attach(d, tm, net)) {
		if (!restoring) {
			vnetd_err_set(e, VNET_ERR_SYSTEM, "%s", tm->error);
			json_decref(conf);
			free(tm);
			return NULL;
		}
		vlog(MAIN, WARN, "team %s restored but inactive: %s",
		     tm->obj.name, tm->error);
	}
	return &tm->obj;
}

static void team_unapply(struct vnetd *d, struct vnetd_obj *o, bool remove)
{
	struct vnetd_team *tm = team_of(o);

	team_detach(d, tm);
	json_decref(o->conf);
	o->conf = NULL;
	/* Its event handler may still be in this batch of events. */
	vnetd_defer_free(d, tm);
}

/* Take back the members team_set() added. */
static void undo_adds(struct vnetd_team *tm, char add[][16], unsigned n_add)
{
	while (n_add--)
		(void)team_port_member_del(tm->port, add[n_add]);
}

/* Live change, all or nothing: the new members are added (any failure
 * takes back those already added), then the settings applied (a failure
 * takes back the additions), and only then are the members that left
 * removed, which cannot fail. */
static int team_set(struct vnetd *d, struct vnetd_obj *o, json_t *conf,
		    struct vnetd_err *e)
{
	struct vnetd_team *tm = team_of(o);
	char add[TEAM_MAX_MEMBERS][16], now[TEAM_MAX_MEMBERS][16];
	char was[TEAM_MAX_MEMBERS][16], why[200];
	unsigned n_now, n_was, n_add = 0;
	struct team_config cfg;
	int ret;

	if (!tm->port)
		return 0; /* not running: the new configuration is enough */
	if ((ret = split_members(jstr(conf, "members"), now, &n_now, e)) ||
	    (ret = split_members(jstr(o->conf, "members"), was, &n_was, e)) ||
	    (ret = team_cfg(conf, &cfg, e)))
		return ret;
	for (unsigned i = 0; i < n_now; i++) {
		if (has_member(o->conf, now[i]))
			continue;
		ret = team_port_member_add(
		    tm->port, now[i], jstr(conf, "backend"), why, sizeof(why));
		if (ret) {
			undo_adds(tm, add, n_add);
			/* @why names the team and the member. */
			vnetd_err_set(e, jsonrpc_code_from_errno(ret),
				      "%s; nothing changed", why);
			return ret;
		}
		snprintf(add[n_add++], 16, "%.15s", now[i]);
	}
	ret = team_port_configure(tm->port, &cfg);
	if (ret) {
		undo_adds(tm, add, n_add);
		vnetd_err_set(e, jsonrpc_code_from_errno(ret),
			      "team '%s': the running team refused the new "
			      "settings (%s); nothing changed",
			      o->name, strerror(-ret));
		return ret;
	}
	for (unsigned i = 0; i < n_was; i++)
		if (!has_member(conf, was[i]))
			(void)team_port_member_del(tm->port, was[i]);
	return 0;
}

static json_t *team_status_json(struct vnetd *d, struct vnetd_obj *o)
{
	struct vnetd_team *tm = team_of(o);
	json_t *s = json_deep_copy(o->conf);
	struct vnetd_net *net = team_network(d, o->name);

	json_object_set_new(s, "network",
			    net ? json_string(net->obj.name) : json_null());
	if (tm->port) {
		json_t *st = json_object();

		team_port_status(tm->port, st);
		json_object_set(s, "state", json_object_get(st, "state"));
		json_decref(st);
	} else {
		json_object_set_new(s, "state",
				    json_string(tm->error[0] ? "error"
						: net	     ? "down"
							     : "detached"));
		if (tm->error[0])
			json_object_set_new(s, "error", json_string(tm->error));
	}
	return s;
}

const struct vnetd_kind vnetd_kind_team = {
    .name = "team",
    .table = "teams",
    .schema = {team_opts, ARRAY_SIZE(team_opts)},
    .check = team_check,
    .apply = team_apply,
    .unapply = team_unapply,
    .set = team_set,
    .status = team_status_json,
};

/**
 * vnetd_team_net_up() - a network is being applied: if a team is its
 * uplink, attach it
 * @d: daemon
 * @net: the network
 * @restoring: at start-up: a team that cannot attach stays in an error
 *             state (shown by "team show") instead of failing the network
 * @e: error
 *
 * Return: 0, or -errno with @e set when the team cannot attach
 */
int vnetd_team_net_up(struct vnetd *d, struct vnetd_net *net, bool restoring,
		      struct vnetd_err *e)
{
	const char *name = jstr(net->obj.conf, "uplink_team");
	struct vnetd_obj *o =
	    name ? vnetd_obj_find(d, &vnetd_kind_team, name) : NULL;
	struct vnetd_team *tm = o ? team_of(o) : NULL;
	int ret;

	if (!tm || tm->port)
		return 0;
	ret = team_attach(d, tm, net);
	if (!ret)
		return 0;
	if (restoring) {
		vlog(MAIN, WARN, "team %s cannot be the uplink of %s: %s", name,
		     net->obj.name, tm->error);
		return 0;
	}
	vnetd_err_set(e, jsonrpc_code_from_errno(ret), "team '%s': %s", name,
		      tm->error);
	return ret;
}

/**
 * vnetd_team_leases_changed() - the DHCP server of a network stored new
 * leases: its team (if any) rereads them now, not at the next refresh
 * @d: daemon
 * @net: the network's name
 */
void vnetd_team_leases_changed(struct vnetd *d, const char *net)
{
	const struct vnetd_objset *s = vnetd_objs(d, &vnetd_kind_team);

	for (size_t i = 0; i < s->n; i++) {
		struct vnetd_team *tm = team_of(s->v[i]);

		if (tm->port && !strcmp(tm->net, net) &&
		    vtimer_arm(d->timers, &tm->leases, 0))
			vlog(MAIN, ERR, "team %s: cannot arm its lease timer",
			     tm->obj.name);
	}
}

/**
 * vnetd_team_net_down() - a network goes away: detach its team
 * @d: daemon
 * @net: the network
 */
void vnetd_team_net_down(struct vnetd *d, struct vnetd_net *net)
{
	const char *name = jstr(net->obj.conf, "uplink_team");
	struct vnetd_obj *o =
	    name ? vnetd_obj_find(d, &vnetd_kind_team, name) : NULL;

	if (o && team_of(o)->port)
		team_detach(d, team_of(o));
}

/**
 * vnetd_team_link_event() - a kernel device changed: tell the team it is a
 * member of
 * @d: daemon
 * @ifindex: device index
 * @deleted: it left the namespace
 * @up: administratively up
 * @running: carrier
 *
 * Return: true if a team took it
 */
bool vnetd_team_link_event(struct vnetd *d, int ifindex, bool deleted, bool up,
			   bool running)
{
	const struct vnetd_objset *s = vnetd_objs(d, &vnetd_kind_team);

	for (size_t i = 0; i < s->n; i++) {
		struct vnetd_team *tm = team_of(s->v[i]);

		if (tm->port && team_port_link_event(tm->port, ifindex, deleted,
						     up, running))
			return true;
	}
	return false;
}

/**
 * vnetd_team_port_names() - name the switch ports of running teams
 * @d: daemon
 * @names: switch port id -> name, VSW_MAX_PORTS entries
 */
void vnetd_team_port_names(struct vnetd *d, const char **names)
{
	const struct vnetd_objset *s = vnetd_objs(d, &vnetd_kind_team);

	for (size_t i = 0; i < s->n; i++) {
		struct vnetd_team *tm = team_of(s->v[i]);

		if (tm->id >= 0 && tm->id < VSW_MAX_PORTS)
			names[tm->id] = tm->obj.name;
	}
}

/**
 * vnetd_team_show() - RPC team.show {name}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: the team with its members, LACP state, counters and failover
 * history, or NULL with @e set
 */
json_t *vnetd_team_show(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	struct vnetd_obj *o =
	    vnetd_obj_lookup(d, &vnetd_kind_team, jstr(params, "name"), e);
	struct vnetd_team *tm;
	json_t *s;

	if (!o)
		return NULL;
	tm = team_of(o);
	s = team_status_json(d, o);
	if (tm->port) {
		team_port_status(tm->port, s);
	} else {
		char names[TEAM_MAX_MEMBERS][16];
		json_t *arr = json_array();
		struct vnetd_err e2;
		unsigned n;

		if (!split_members(jstr(o->conf, "members"), names, &n, &e2))
			for (unsigned i = 0; i < n; i++)
				json_array_append_new(
				    arr,
				    json_pack("{s:s,s:s}", "name", names[i],
					      "role", "detached"));
		json_object_set_new(s, "member_list", arr);
		json_object_set_new(s, "history", json_array());
	}
	return s;
}

static json_t *change_members(struct vnetd *d, json_t *params, bool add,
			      struct vnetd_err *e)
{
	struct vnetd_obj *o =
	    vnetd_obj_lookup(d, &vnetd_kind_team, jstr(params, "name"), e);
	const char *dev = jstr(params, "member");
	char names[TEAM_MAX_MEMBERS][16], list[200] = "";
	json_t *req, *res;
	size_t len = 0;
	unsigned n;

	if (!o)
		return NULL;
	if (!dev || !name_valid(dev)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "member: a device name is needed");
		return NULL;
	}
	if (split_members(jstr(o->conf, "members"), names, &n, e))
		return NULL;
	if (add == has_member(o->conf, dev)) {
		vnetd_err_set(e, add ? VNET_ERR_EXISTS : VNET_ERR_NOT_FOUND,
			      "'%s' is %s a member of team '%s'", dev,
			      add ? "already" : "not", o->name);
		return NULL;
	}
	if (!add && n == 1) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "'%s' is the last member of team '%s': delete "
			      "the team instead",
			      dev, o->name);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		if (add || strcmp(names[i], dev))
			len +=
			    (size_t)snprintf(list + len, sizeof(list) - len,
					     "%s%s", len ? "," : "", names[i]);
	if (add)
		snprintf(list + len, sizeof(list) - len, "%s%s", len ? "," : "",
			 dev);
	req = json_pack("{s:s,s:s}", "name", o->name, "members", list);
	res = vnetd_obj_set(d, &vnetd_kind_team, req, e);
	json_decref(req);
	return res;
}

/**
 * vnetd_team_add_member() - RPC team.add-member {name, member}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: the team's status, or NULL with @e set (nothing changed)
 */
json_t *vnetd_team_add_member(struct vnetd *d, json_t *params,
			      struct vnetd_err *e)
{
	return change_members(d, params, true, e);
}

/**
 * vnetd_team_del_member() - RPC team.del-member {name, member}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: the team's status, or NULL with @e set (nothing changed)
 */
json_t *vnetd_team_del_member(struct vnetd *d, json_t *params,
			      struct vnetd_err *e)
{
	return change_members(d, params, false, e);
}

/**
 * vnetd_team_delete() - RPC team.delete {name}: refused while a network
 * uses the team
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: {"deleted": name}, or NULL with @e set
 */
json_t *vnetd_team_delete(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	struct vnetd_obj *o =
	    vnetd_obj_lookup(d, &vnetd_kind_team, jstr(params, "name"), e);
	struct vnetd_net *net = o ? team_network(d, o->name) : NULL;

	if (!o)
		return NULL;
	if (net) {
		vnetd_err_set(e, VNET_ERR_BUSY,
			      "team '%s' is the uplink of network '%s': delete "
			      "the network first",
			      o->name, net->obj.name);
		return NULL;
	}
	return vnetd_obj_delete(d, &vnetd_kind_team, params, e);
}

/* Per-member counters of the metrics endpoint: name, key in "counters",
 * help. */
static const struct {
	const char *name, *key, *help;
} member_counters[] = {
    {"vnet_team_member_rx_packets_total", "rx_packets",
     "Frames received on a team member"},
    {"vnet_team_member_rx_bytes_total", "rx_bytes",
     "Bytes received on a team member"},
    {"vnet_team_member_tx_packets_total", "tx_packets",
     "Frames sent on a team member"},
    {"vnet_team_member_tx_bytes_total", "tx_bytes",
     "Bytes sent on a team member"},
};

/* One family: its HELP and TYPE lines, then a sample per member of every
 * running team whose status @st holds. */
static void member_family(FILE *f, json_t *st, const char *name,
			  const char *type, const char *help, const char *key,
			  bool counters)
{
	size_t i, k;
	json_t *t, *mo;

	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	json_array_foreach(st, i, t)
	{
		json_array_foreach(json_object_get(t, "member_list"), k, mo)
		{
			json_t *v = json_object_get(
			    counters ? json_object_get(mo, "counters") : mo,
			    key);

			fprintf(f, "%s{team=\"%s\",member=\"%s\"} %lld\n", name,
				jstr(t, "team"), jstr(mo, "name"),
				json_is_boolean(v)
				    ? (long long)json_is_true(v)
				    : (long long)json_integer_value(v));
		}
	}
}

/* A counter family with one sample per running team. */
static void team_counter(FILE *f, json_t *st, const char *name,
			 const char *help, const char *key)
{
	size_t i;
	json_t *t;

	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	json_array_foreach(st, i, t)
	{
		fprintf(f, "%s{team=\"%s\"} %lld\n", name, jstr(t, "team"),
			(long long)json_integer_value(json_object_get(t, key)));
	}
}

/**
 * vnetd_team_metrics() - the teaming families of the metrics endpoint:
 * each running team's state, failovers and announcements, and per member
 * whether it carries traffic, its carrier, frames and bytes each way and
 * drops by reason
 * @d: daemon
 *
 * Return: text in the Prometheus exposition format (free() it), or NULL
 */
char *vnetd_team_metrics(struct vnetd *d)
{
	static const char *const states[] = {"up", "down", "fallback"};
	const struct vnetd_objset *s = vnetd_objs(d, &vnetd_kind_team);
	json_t *all = json_array(), *t;
	char *buf = NULL;
	size_t len = 0, i, k;
	FILE *f = open_memstream(&buf, &len);

	if (!f || !all) {
		if (f)
			fclose(f);
		free(buf);
		json_decref(all);
		return NULL;
	}
	for (i = 0; i < s->n; i++) {
		struct vnetd_team *tm = team_of(s->v[i]);
		json_t *st;

		if (!tm->port)
			continue;
		st = json_object();
		team_port_status(tm->port, st);
		json_object_set_new(st, "team", json_string(tm->obj.name));
		json_array_append_new(all, st);
	}
	fprintf(f, "# HELP vnet_team_state A running team's state (1 for the "
		   "current one)\n# TYPE vnet_team_state gauge\n");
	json_array_foreach(all, i, t)
	{
		for (k = 0; k < ARRAY_SIZE(states); k++)
			fprintf(
			    f, "vnet_team_state{team=\"%s\",state=\"%s\"} %d\n",
			    jstr(t, "team"), states[k],
			    !strcmp(jstr(t, "state"), states[k]));
	}
	team_counter(f, all, "vnet_team_failovers_total",
		     "Changes of the members carrying a team's traffic",
		     "failovers");
	team_counter(f, all, "vnet_team_announcements_total",
		     "Gratuitous ARPs and RARPs a team sent after failovers",
		     "announcements");
	member_family(f, all, "vnet_team_member_carrying", "gauge",
		      "A team member sends the team's traffic (1) or not (0)",
		      "tx", false);
	member_family(f, all, "vnet_team_member_carrier", "gauge",
		      "A team member's carrier", "carrier", false);
	for (k = 0; k < ARRAY_SIZE(member_counters); k++)
		member_family(f, all, member_counters[k].name, "counter",
			      member_counters[k].help, member_counters[k].key,
			      true);
	fprintf(f, "# HELP vnet_team_member_drops_total Frames a team member "
		   "dropped, by reason\n# TYPE vnet_team_member_drops_total "
		   "counter\n");
	json_array_foreach(all, i, t)
	{
		json_t *mo;
		size_t m;

		json_array_foreach(json_object_get(t, "member_list"), m, mo)
		{
			const char *reason;
			json_t *v;

			json_object_foreach(
			    json_object_get(json_object_get(mo, "counters"),
					    "drops"),
			    reason, v)
			{
				fprintf(
				    f,
				    "vnet_team_member_drops_total{team=\"%s\","
				    "member=\"%s\",reason=\"%s\"} %lld\n",
				    jstr(t, "team"), jstr(mo, "name"), reason,
				    (long long)json_integer_value(v));
			}
		}
	}
	json_decref(all);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}
