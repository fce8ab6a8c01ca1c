/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnetd.h - the daemon: object kinds, the state store, the control thread's
 * event loop and its control API */
#ifndef VNET_VNETD_H
#define VNET_VNETD_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../dhcp/dhcp.h"
#include "../lib/schema.h"
#include "../lib/timer.h"
#include "../vnic/vnic.h"
#include "../vnic/vnic_fast.h"
#include "../vswitch/vswitch.h"

struct vnetd;
struct vnetd_store;
struct vnetd_rpc;
struct vnetd_gw;
struct vnic_monitor;
struct vnetd_sriov;
struct vnetd_ipguard;

/* An error to report to a client: JSON-RPC code and a sentence. */
struct vnetd_err {
	int code;
	char msg[512];
};

void vnetd_err_set(struct vnetd_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- the control thread's event loop (vnetd_main.c) ---- */

/**
 * struct vnetd_handler - what an epoll entry of the control thread points at
 * @fn: called with the ready events; the handler is embedded in its owner
 */
struct vnetd_handler {
	void (*fn)(struct vnetd *d, struct vnetd_handler *h, uint32_t events);
};

int vnetd_watch(struct vnetd *d, int fd, uint32_t events,
		struct vnetd_handler *h) __attribute__((warn_unused_result));
int vnetd_watch_mod(struct vnetd *d, int fd, uint32_t events,
		    struct vnetd_handler *h);
void vnetd_unwatch(struct vnetd *d, int fd);
void vnetd_defer_free(struct vnetd *d, void *p);

/* ---- configuration objects (vnetd_object.c) ---- */

struct vnetd_view;
struct vnetd_obj;

/**
 * struct vnetd_kind - one configurable object kind, described once
 * @name: singular, for messages ("network")
 * @table: store table and export key ("networks")
 * @schema: its option table
 * @parent: kind this one hangs off (ports hang off networks), or NULL
 * @parent_key: option naming the parent object ("network")
 * @check: cross-object rules against @v, the configuration as it would be
 *         (without this object); may fill in derived keys (a default name).
 *         @old is the object's current configuration for a change, NULL for
 *         a new object. Returns 0 or -errno with @e set.
 * @apply: make the runtime object for a checked configuration; @restoring
 *         lets an object whose device is missing come up in an error state
 *         instead of failing. Returns the object or NULL with @e set.
 * @unapply: tear the runtime object down; @remove deletes what it created
 *           (devices) because the object is deleted for good
 * @set: change a live object to @conf, which differs from its current one
 *       only in SCHEMA_LIVE keys. May be NULL (nothing is live).
 * @merge: kind rules for a change request (a port's VLAN and trunk replace
 *         each other). May be NULL.
 * @purge: delete what an object created (its device) after it was
 *         unapplied without @remove, given its configuration; called once a
 *         --replace import that dropped it has committed. May be NULL.
 * @status: the object as "list" shows it (a new reference)
 * @keys: values of @conf no other object of the kind may hold (a
 *        reservation's address on its network), each written as one string
 *        into @key; returns how many, at most VNETD_KEYS.  A view indexes
 *        them, so a check finds the holder of one without walking every
 *        object (vnetd_view_holder()).  May be NULL.
 */
#define VNETD_KEYS     4
#define VNETD_KEY_SIZE 128
struct vnetd_kind {
	const char *name;
	const char *table;
	struct schema schema;
	const struct vnetd_kind *parent;
	const char *parent_key;
	int (*check)(struct vnetd *d, const struct vnetd_view *v, json_t *conf,
		     json_t *old, struct vnetd_err *e);
	struct vnetd_obj *(*apply)(struct vnetd *d, json_t *conf,
				   bool restoring, struct vnetd_err *e);
	void (*unapply)(struct vnetd *d, struct vnetd_obj *o, bool remove);
	int (*set)(struct vnetd *d, struct vnetd_obj *o, json_t *conf,
		   struct vnetd_err *e);
	void (*merge)(json_t *conf, json_t *changes);
	void (*purge)(struct vnetd *d, json_t *conf);
	json_t *(*status)(struct vnetd *d, struct vnetd_obj *o);
	/* May these @n objects go (a delete, with the objects under it, or
	 * an import --replace)?  @after is the configuration once they are
	 * gone; NULL for a delete (the current one without them).  Refused
	 * with @e set, before anything changes. */
	int (*del_check)(struct vnetd *d, json_t *const *confs, size_t n,
			 const struct vnetd_view *after, struct vnetd_err *e);
	unsigned (*keys)(json_t *conf, char key[VNETD_KEYS][VNETD_KEY_SIZE]);
};

/**
 * struct vnetd_obj - base of every configured object (embed it first)
 * @kind: its kind
 * @conf: its normalised configuration, as stored and exported
 * @name: its name (points into @conf)
 */
struct vnetd_obj {
	const struct vnetd_kind *kind;
	json_t *conf;
	const char *name;
};

/* Every kind, parents before children: export, import, restore and the
 * store walk this list. */
extern const struct vnetd_kind vnetd_kind_network;
extern const struct vnetd_kind vnetd_kind_port;
extern const struct vnetd_kind vnetd_kind_reservation;
extern const struct vnetd_kind vnetd_kind_nat_forward;
extern const struct vnetd_kind vnetd_kind_team;
extern const struct vnetd_kind vnetd_kind_sriov_pf;
extern const struct vnetd_kind vnetd_kind_vf;
extern const struct vnetd_kind *const vnetd_kinds[];
#define VNETD_KINDS 7

/**
 * struct vnetd_objset - the objects of one kind, in creation order
 */
struct vnetd_objset {
	struct vnetd_obj **v;
	size_t n, cap;
};

struct vnetd_obj *vnetd_obj_find(struct vnetd *d, const struct vnetd_kind *k,
				 const char *name);
struct vnetd_obj *vnetd_obj_lookup(struct vnetd *d, const struct vnetd_kind *k,
				   const char *name, struct vnetd_err *e);
const struct vnetd_objset *vnetd_objs(struct vnetd *d,
				      const struct vnetd_kind *k);
json_t *vnetd_view_find(const struct vnetd_view *v, const struct vnetd_kind *k,
			const char *name);
json_t *vnetd_view_all(const struct vnetd_view *v, const struct vnetd_kind *k);
const char *vnetd_view_holder(const struct vnetd_view *v,
			      const struct vnetd_kind *k, const char *key);
json_t *vnetd_obj_create(struct vnetd *d, const struct vnetd_kind *k,
			 json_t *params, struct vnetd_err *e);
json_t *vnetd_obj_delete(struct vnetd *d, const struct vnetd_kind *k,
			 json_t *params, struct vnetd_err *e);
json_t *vnetd_obj_set(struct vnetd *d, const struct vnetd_kind *k,
		      json_t *params, struct vnetd_err *e);
json_t *vnetd_obj_list(struct vnetd *d, const struct vnetd_kind *k,
		       const char *parent, struct vnetd_err *e);
int vnetd_restore(struct vnetd *d);
void vnetd_shutdown(struct vnetd *d);

static inline const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static inline unsigned juint(json_t *o, const char *key)
{
	return (unsigned)json_integer_value(json_object_get(o, key));
}

/* ---- kinds (vnetd_network.c, vnetd_port.c) ---- */

/**
 * struct vnetd_net - a network as configured
 * @obj: base
 * @type: network type
 * @id: switch network id
 * @d: the daemon (for timer callbacks)
 * @gw: its gateway, NULL without a subnet (and until the restore is done)
 * @gw_rebuild: rebuilds the gateway after a change, or tries again one
 *              that did not start
 * @gw_retry_ms: the delay before that last try again, 0 while the gateway
 *               runs (or none is wanted)
 * @nat_error: why its NAT did not start (the gateway serves without it),
 *             empty otherwise
 * @gw_error: why its gateway did not start last time, empty otherwise
 */
struct vnetd_net {
	struct vnetd_obj obj;
	enum vsw_net_type type;
	int id;
	struct vnetd *d;
	struct vnetd_gw *gw;
	struct vtimer gw_rebuild;
	unsigned gw_retry_ms;
	char nat_error[512];
	char gw_error[512];
};

/**
 * struct vnetd_port - a port as configured
 * @obj: base
 * @id: switch port id, -1 while the port could not be opened
 * @error: why it could not be opened
 * @retry: re-opens it while @id is -1
 * @ctl: the backend's control fd (vhost-user socket) in the control loop
 * @ctl_fd: that fd, -1 when not watched
 * @gone: deleted; freed after the current batch of events
 * @d: the daemon (for timer callbacks)
 */
struct vnetd_port {
	struct vnetd_obj obj;
	struct vnetd *d;
	int id;
	char error[256];
	struct vtimer retry;
	unsigned retry_ms; /* the retry timer's last delay */
	struct vnetd_handler ctl;
	int ctl_fd;
	bool gone;
	bool waiting; /* inactive: its device went away, made again later */
	bool stuck;   /* p->id could not leave the switch: tried again */
	uint64_t up_since; /* timer_now_ms() when last activated */
	unsigned lost_ms;  /* the delay after its device last went */
	/* A tap or host vNIC without a configured MAC: the MAC its device
	 * had when last opened, given to it when it is made again, so its
	 * neighbours' caches stay right. */
	uint8_t made_mac[6];
	bool has_made_mac;
	/* What the switch ports this port had before its current one
	 * counted (a veth whose pair was made again is a new switch port),
	 * added to the current one's: the switch's counters (the fast
	 * path's included, as the port's are), the backend's drops, the
	 * fast path's own, the backend's super-frame and checksum counts. */
	struct vsw_port_stats carried;
	uint64_t carried_vnic[VNIC_DROP_MAX];
	struct vnic_counters carried_backend;
	struct vnic_fast_stats carried_fast;
};

static inline struct vnetd_net *vnetd_net_of(struct vnetd_obj *o)
{
	return (struct vnetd_net *)o;
}

static inline struct vnetd_port *vnetd_port_of(struct vnetd_obj *o)
{
	return (struct vnetd_port *)o;
}

struct vnetd_net *vnetd_net_find(struct vnetd *d, const char *name);
struct vnetd_port *vnetd_port_find(struct vnetd *d, const char *name);
struct vnetd_port *vnetd_port_by_id(struct vnetd *d, int id);
void vnetd_port_note_new(struct vnetd *d, json_t *conf);
bool vnetd_port_note_restored(json_t *conf);
bool vnetd_port_kept(json_t *conf);
int vnetd_port_addr_check(const struct vnetd_view *v, json_t *conf,
			  struct vnetd_err *e);
void vnetd_port_mtu_changed(struct vnetd *d, struct vnetd_port *p,
			    unsigned mtu);
void vnetd_port_netns_event(struct vnetd *d, const char *netns);
void vnetd_port_stats(struct vnetd *d, struct vnetd_port *p,
		      struct vsw_port_stats *st);
uint64_t vnetd_port_vnic_drops(struct vnetd *d, struct vnetd_port *p,
			       enum vnic_drop r);
void vnetd_port_fault(void *arg, int id, int err);
void vnetd_port_netns_gone(struct vnetd *d, const char *netns);
void vnetd_link_event(struct vnetd *d, int ifindex, const char *name,
		      bool deleted, bool up, bool running);
json_t *vnetd_net_show(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_port_show(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_mac_show(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_stats(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_config_export(struct vnetd *d, json_t *params,
			    struct vnetd_err *e);
json_t *vnetd_config_import(struct vnetd *d, json_t *params,
			    struct vnetd_err *e);

/* ---- teams (vnetd_team.c) ---- */

int vnetd_team_check_port(const struct vnetd_view *v, json_t *port, json_t *net,
			  struct vnetd_err *e);
int vnetd_team_check_net(const struct vnetd_view *v, json_t *net,
			 struct vnetd_err *e);
int vnetd_team_net_up(struct vnetd *d, struct vnetd_net *net, bool restoring,
		      struct vnetd_err *e);
void vnetd_team_net_down(struct vnetd *d, struct vnetd_net *net);
void vnetd_team_leases_changed(struct vnetd *d, const char *net);
char *vnetd_team_metrics(struct vnetd *d);
bool vnetd_team_link_event(struct vnetd *d, int ifindex, bool deleted, bool up,
			   bool running);
json_t *vnetd_team_show(struct vnetd *d, json_t *params, struct vnetd_err *e);
void vnetd_team_port_names(struct vnetd *d, const char **names);
json_t *vnetd_team_add_member(struct vnetd *d, json_t *params,
			      struct vnetd_err *e);
json_t *vnetd_team_del_member(struct vnetd *d, json_t *params,
			      struct vnetd_err *e);
json_t *vnetd_team_delete(struct vnetd *d, json_t *params, struct vnetd_err *e);

/* The team's JSON-RPC methods, rows of vnetd_rpc.c's method table. */
#define VNETD_TEAM_METHODS(X)                                          \
	X("team.create", OP_CREATE, &vnetd_kind_team, NULL, true)      \
	X("team.delete", OP_FN, NULL, vnetd_team_delete, true)         \
	X("team.set", OP_SET, &vnetd_kind_team, NULL, true)            \
	X("team.list", OP_LIST, &vnetd_kind_team, NULL, false)         \
	X("team.show", OP_FN, NULL, vnetd_team_show, false)            \
	X("team.add-member", OP_FN, NULL, vnetd_team_add_member, true) \
	X("team.del-member", OP_FN, NULL, vnetd_team_del_member, true)

/* ---- a network's gateway (vnetd_gwconf.c) ---- */

/**
 * struct vnetd_gw_params - the gateway a network's configuration describes
 * @enabled: the network has a subnet (IPv4 or IPv6), so a gateway
 * @v4: it has an IPv4 subnet (ARP, DHCP, NAT need one)
 * @v6: it has an IPv6 prefix (subnet6): NDP, router advertisements
 * @dhcp: it serves DHCP
 * @ip: its address, host order (0 without @v4)
 * @prefix6: the /64, network byte order
 * @ip6: the gateway's address in it (gateway6)
 * @ll6: its link-local address (from @mac), when @has_mac
 * @mac: the gateway's MAC (gateway_mac), when @has_mac
 * @subnet: the DHCP server's subnet, defaults filled in
 * @port_share: addresses one guest port's DHCP messages may hold (struct
 *              dhcps_config's), 0 for no limit
 * @upstream: resolvers outside names are relayed to (none: the host's)
 * @n_upstream: entries in @upstream
 */
struct vnetd_gw_params {
	bool enabled, v4, v6, dhcp, has_mac;
	uint32_t ip;
	uint8_t prefix6[16], ip6[16], ll6[16];
	uint8_t dhcp6; /* DHCPv6: 0 none, 1 stateless, 2 stateful */
	uint8_t key6[16];
	uint8_t mac[6];
	struct dhcps_subnet_cfg subnet;
	uint32_t port_share;
	uint32_t upstream[4];
	unsigned n_upstream;
};

int vnetd_gw_params(json_t *conf, struct vnetd_gw_params *gp, char *err,
		    size_t errlen);
void vnetd_gw_describe(const struct vnetd_gw_params *gp, json_t *obj);
void vnetd_gw_unset(json_t *conf);
void vnetd_gw_unset6(json_t *conf);
int vnetd_gw_key6_make(json_t *conf, struct vnetd_err *e);
void vnetd_gw_dhcp6_addrs(struct vnetd *d, const char *net, int port,
			  void (*cb)(const uint8_t addr[16], void *arg),
			  void *arg);
bool vnetd_gw_wanted(json_t *conf);
int vnetd_reservations(struct vnetd *d, const char *net,
		       struct dhcps_reservation **out);
void vnetd_gw_changed(struct vnetd *d, const char *net);
void vnetd_gw_later(struct vnetd *d, struct vnetd_net *net);
void vnetd_gw_start_restored(struct vnetd *d);
int vnetd_gw_start(struct vnetd *d, struct vnetd_net *net, struct vnetd_err *e);
void vnetd_gw_stop(struct vnetd *d, struct vnetd_net *net);
json_t *vnetd_gw_status(struct vnetd *d, struct vnetd_net *net);
void vnetd_gw_port_gone(struct vnetd *d, const char *net, int port);
int vnetd_gw_port_del(struct vnetd *d, const char *net, int port);
void vnetd_gw_port_claim(struct vnetd *d, const char *net, int port,
			 const uint32_t *ip, size_t n);

/* ---- which port holds each stored lease (vnetd_leaseport.c) ---- */
const char *vnetd_lease_port_name(struct vnetd *d, const char *net,
				  uint16_t port);
void vnetd_lease_ports_claim(struct vnetd *d, const char *net, struct dhcps *s);
void vnetd_lease_port_joined(struct vnetd *d, struct vnetd_port *p);
void vnetd_lease_port_deleted(struct vnetd *d, struct vnetd_port *p);
json_t *vnetd_dhcp_leases(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_dhcp_release(struct vnetd *d, json_t *params,
			   struct vnetd_err *e);
json_t *vnetd_dhcp_unreserve(struct vnetd *d, json_t *params,
			     struct vnetd_err *e);

/* ---- NAT networks (vnetd_nat.c) ---- */

struct vnetd_nat;
struct vnic;
int vnetd_nat_check(struct vnetd *d, const struct vnetd_view *v, json_t *conf,
		    struct vnetd_err *e);
void vnetd_nat_unset(json_t *conf);
int vnetd_nat_start(struct vnetd *d, struct vnetd_net *net, struct vnic *gw,
		    int gw_port, struct vnetd_nat **out, struct vnetd_err *e);
void vnetd_nat_stop(struct vnetd *d, struct vnetd_nat *n);
void vnetd_nat_free(struct vnetd *d, struct vnetd_nat *n);
void vnetd_nat_ext_gone(struct vnetd *d, const char *ext);
void vnetd_nat_ext_back(struct vnetd *d, const char *ext);
void vnetd_nat_ext_mtu(struct vnetd *d, const char *ext);
struct vnetd_nat *vnetd_gw_nat(struct vnetd_gw *g);
json_t *vnetd_nat_status(struct vnetd *d, struct vnetd_net *net);
json_t *vnetd_nat_sessions(struct vnetd *d, json_t *params,
			   struct vnetd_err *e);
json_t *vnetd_nat_flush(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_nat_forward(struct vnetd *d, json_t *params, struct vnetd_err *e);
void vnetd_nat_stats_rows(struct vnetd *d, const char *net, json_t *arr);
char *vnetd_nat_metrics(struct vnetd *d);
void vnetd_nat_forget(struct vnetd *d, const char *net);
/* ---- SR-IOV: PFs, VFs, pools, sriov ports (vnetd_sriov.c) ---- */

json_t *vnetd_sriov_list(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_sriov_numvfs(struct vnetd *d, json_t *params,
			   struct vnetd_err *e);
json_t *vnetd_sriov_vf(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_sriov_vf_reset(struct vnetd *d, json_t *params,
			     struct vnetd_err *e);
int vnetd_sriov_pool_check(struct vnetd *d, const struct vnetd_view *v,
			   json_t *conf, struct vnetd_err *e);
int vnetd_sriov_port_check(struct vnetd *d, const struct vnetd_view *v,
			   json_t *conf, json_t *old, struct vnetd_err *e);
int vnetd_sriov_port_activate(struct vnetd *d, struct vnetd_port *p);
void vnetd_sriov_port_unapply(struct vnetd *d, struct vnetd_port *p,
			      bool remove);
json_t *vnetd_sriov_port_status(struct vnetd *d, struct vnetd_port *p);
void vnetd_sriov_port_purge(struct vnetd *d, json_t *conf);
int vnetd_sriov_port_del_check(struct vnetd *d, json_t *const *confs, size_t n,
			       const struct vnetd_view *after,
			       struct vnetd_err *e);
void vnetd_sriov_link_event(struct vnetd *d, const char *name, bool deleted);
void vnetd_sriov_close(struct vnetd *d);

/* ---- the state store (vnetd_store.c) ---- */

int vnetd_store_open(const char *path, struct vnetd_store **out);
void vnetd_store_close(struct vnetd_store *st);
int vnetd_store_put(struct vnetd_store *st, const char *table, const char *name,
		    json_t *conf);
int vnetd_store_del(struct vnetd_store *st, const char *table,
		    const char *name);
int vnetd_store_load(struct vnetd_store *st, const char *table, json_t **objs);
int vnetd_store_begin(struct vnetd_store *st);
int vnetd_store_commit(struct vnetd_store *st);
void vnetd_store_rollback(struct vnetd_store *st);
int vnetd_store_version(const struct vnetd_store *st);
int vnetd_store_lease_put(struct vnetd_store *st, const char *net,
			  const struct dhcps_lease_rec *rec, const char *port);
int vnetd_store_lease_ports(
    struct vnetd_store *st, const char *net, const char *port, int64_t now,
    void (*cb)(uint32_t ip, const char *port, void *arg), void *arg);
int vnetd_store_lease_unport(struct vnetd_store *st, const char *net,
			     const char *port);
/* The most allowed_ips a port takes: the rest of its VSW_IPSET_MAX slots
 * of each family are its leases' and its link-local address's. */
#define VNETD_ALLOWED_IPS_MAX (VSW_IPSET_MAX / 2)
struct vsw_ipset *vnetd_ip_guard_set(struct vnetd *d, json_t *conf,
				     const char *name);
void vnetd_ip_guard_update(struct vnetd *d, struct vnetd_port *p, json_t *conf);
void vnetd_ip_guard_commit(struct vnetd *d, const char *net,
			   const struct dhcps_lease_rec *rec);
void vnetd_ip_guard_reload(struct vnetd *d, const char *net);
void vnetd_ip_guard_ports(struct vnetd *d, const char *net);
void vnetd_ip_guard_close(struct vnetd *d);
int vnetd_store_lease_load(struct vnetd_store *st, const char *net,
			   void (*cb)(const struct dhcps_lease_rec *rec,
				      void *arg),
			   void *arg);
int vnetd_store_lease_find(struct vnetd_store *st, const char *net, uint32_t ip,
			   void (*cb)(const struct dhcps_lease_rec *rec,
				      void *arg),
			   void *arg);
const char *vnetd_store_errmsg(const struct vnetd_store *st);
int vnetd_store_lease_drop(struct vnetd_store *st, const char *net);
int vnetd_store_lease_del(struct vnetd_store *st, const char *net, uint32_t ip);
int vnetd_store_lease_release(struct vnetd_store *st, const char *net,
			      const char *mac, int64_t now);

/* ---- the control socket (vnetd_rpc.c) ---- */

int vnetd_rpc_check_socket(const char *path);
int vnetd_rpc_open(struct vnetd *d, struct vnetd_rpc **out);
void vnetd_rpc_close(struct vnetd_rpc *rpc);
json_t *vnetd_rpc_dispatch(struct vnetd *d, const char *buf, size_t len);

/* ---- the metrics endpoint (vnetd_metrics.c) ---- */

struct vnetd_metrics;
bool vnetd_metrics_addr_ok(const char *s);
int vnetd_metrics_open(struct vnetd *d, struct vnetd_metrics **out);
void vnetd_metrics_close(struct vnetd_metrics *m);
char *vnetd_metrics_render(struct vnetd *d, struct vnetd_metrics *m,
			   size_t *len);

/* ---- service manager readiness (vnetd_sd.c) ---- */

int vnetd_sd_notify(const char *state);

/* ---- the daemon ---- */

/**
 * struct vnetd_opts - command line
 */
struct vnetd_opts {
	const char *socket_path;
	const char *state_path;
	const char *pid_path;
	const char *log_path;
	const char *socket_group;
	const char *metrics_addr;
	bool daemon;
	bool poll;
	unsigned threads;
	uid_t uid; /* --user, (uid_t)-1 for none */
	gid_t gid;
};

/**
 * struct vnetd - the daemon's state, passed to each subsystem
 * @opts: command line
 * @sw: the switch
 * @store: state file
 * @rpc: control socket
 * @metrics: metrics endpoint, NULL without --metrics
 * @mon: link monitor
 * @timers: the control thread's timer service
 * @objs: configured objects per kind (index in vnetd_kinds)
 * @nets: networks by switch network id
 * @sriov: SR-IOV context, NULL until SR-IOV is used
 * @ipguard: the IP guards' index of bound leases per network
 *           (vnetd_ipguard.c), NULL until a guarded port needs one
 * @deferred: memory to free once the current batch of events is handled
 * @sock_gid: group allowed on the control socket (0: none)
 * @epfd: the control thread's epoll set
 * @started: start time, monotonic seconds
 * @stop: leave the event loop
 */
struct vnetd {
	struct vnetd_opts opts;
	struct vswitch *sw;
	struct vnetd_store *store;
	struct vnetd_rpc *rpc;
	struct vnetd_metrics *metrics;
	struct vnic_monitor *mon;
	struct timer_svc *timers;
	struct vnetd_objset objs[VNETD_KINDS];
	struct vnetd_net *nets[VSW_MAX_NETS];
	/* The port on each switch port id (NULL: none): the datapath and the
	 * gateway name ports by id, and a scan of every port for each would
	 * cost O(ports) per lookup (per MAC table entry, per lease commit). */
	struct vnetd_port *port_by_id[VSW_MAX_PORTS];
	struct vnetd_sriov *sriov;
	struct vnetd_ipguard *ipguard;
	struct vnetd_fast *fast;   /* veth ports' kernel fast path, or NULL */
	struct vnetd_netns *netns; /* the watch on /run/netns, or NULL */
	void **deferred;
	size_t n_deferred, cap_deferred;
	gid_t sock_gid;
	int epfd;
	int64_t started;
	bool stop;
};

/* veth ports' kernel fast path (vnetd_fast.c) */
struct vnetd_fast;
struct vnic_fast_stats;
void vnetd_fast_port_on(struct vnetd *d, struct vnetd_port *p, unsigned net,
			int vlan, unsigned mtu);
void vnetd_fast_port_mtu(struct vnetd *d, struct vnetd_port *p, unsigned mtu);
bool vnetd_fast_port_off(struct vnetd *d, struct vnetd_port *p,
			 struct vnic_fast_stats *final);
void vnetd_fast_port_vlan(struct vnetd *d, struct vnetd_port *p, int vlan);
void vnetd_fast_describe(struct vnetd *d, struct vnetd_port *p, json_t *s);
void vnetd_fast_close(struct vnetd *d);
bool vnetd_fast_counters(struct vnetd *d, struct vnetd_port *p,
			 struct vnic_fast_stats *st);
void vnetd_fast_add_stats(struct vnetd *d, struct vnetd_port *p,
			  struct vsw_port_stats *st);
void vnetd_fast_stats_to_port(const struct vnic_fast_stats *f,
			      struct vsw_port_stats *st);

/* namespaces appearing, for ports that wait for theirs (vnetd_netns.c) */
struct vnetd_netns;
void vnetd_netns_open(struct vnetd *d, struct vnetd_netns **out);
void vnetd_netns_close(struct vnetd *d, struct vnetd_netns *w);

#endif
