/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnetd.h - the daemon: configuration objects, state store, control API */
#ifndef VNET_VNETD_H
#define VNET_VNETD_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "../vswitch/vswitch.h"

struct vnetd_store;
struct vnetd_rpc;
struct vnic_monitor;

/**
 * struct vnetd_net - a network as configured
 * @conf: its configuration object, as stored and exported
 * @name: name (points into @conf)
 * @type: network type
 * @mtu: MTU
 * @id: switch network id
 */
struct vnetd_net {
	json_t *conf;
	const char *name;
	enum vsw_net_type type;
	unsigned mtu;
	int id;
};

/**
 * struct vnetd_port - a port as configured
 * @conf: its configuration object, as stored and exported
 * @name: name (points into @conf)
 * @net: network name (points into @conf)
 * @kind: port kind (points into @conf)
 * @id: switch port id, -1 while the port could not be opened
 * @error: why it could not be opened
 * @retry_at: when to try opening it again (monotonic seconds)
 */
struct vnetd_port {
	json_t *conf;
	const char *name;
	const char *net;
	const char *kind;
	int id;
	char error[256];
	int64_t retry_at;
};

/**
 * struct vnetd_opts - command line
 */
struct vnetd_opts {
	const char *socket_path;
	const char *state_path;
	const char *pid_path;
	const char *log_path;
	const char *socket_group;
	bool daemon;
	bool poll;
	unsigned threads;
};

/**
 * struct vnetd - the daemon's state, passed to each subsystem
 */
struct vnetd {
	struct vnetd_opts opts;
	struct vswitch *sw;
	struct vnetd_store *store;
	struct vnetd_rpc *rpc;
	struct vnic_monitor *mon;
	struct vnetd_net *nets[VSW_MAX_NETS];
	struct vnetd_port *ports[VSW_MAX_PORTS];
	gid_t sock_gid;
	int epfd;
	int64_t started;
	bool stop;
};

/* An error to report to a client: JSON-RPC code and a sentence. */
struct vnetd_err {
	int code;
	char msg[512];
};

void vnetd_err_set(struct vnetd_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* vnetd_store.c */
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

/* vnetd_config.c */
int vnetd_restore(struct vnetd *d);
void vnetd_run(struct vnetd *d);
void vnetd_link_event(struct vnetd *d, int ifindex, const char *name,
		      bool deleted, bool up, bool running);
void vnetd_shutdown(struct vnetd *d);
void vnetd_watch_port(struct vnetd *d, struct vnetd_port *p, bool on);
struct vnetd_net *vnetd_net_find(struct vnetd *d, const char *name);
struct vnetd_port *vnetd_port_find(struct vnetd *d, const char *name);
json_t *vnetd_net_create(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_net_delete(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_net_list(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_net_show(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_port_add(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_port_del(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_port_list(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_port_show(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_mac_show(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_stats(struct vnetd *d, json_t *params, struct vnetd_err *e);
json_t *vnetd_config_export(struct vnetd *d, json_t *params,
			    struct vnetd_err *e);
json_t *vnetd_config_import(struct vnetd *d, json_t *params,
			    struct vnetd_err *e);

/* vnetd_rpc.c */
int vnetd_rpc_open(struct vnetd *d, int epfd, struct vnetd_rpc **out);
void vnetd_rpc_close(struct vnetd_rpc *rpc);
void vnetd_rpc_event(struct vnetd_rpc *rpc, unsigned slot, unsigned events);
json_t *vnetd_rpc_dispatch(struct vnetd *d, const char *buf, size_t len);

/* epoll references: what an fd is, and which one. */
enum vnetd_ep_type {
	VNETD_EP_SIGNAL = 1,
	VNETD_EP_TIMER,
	VNETD_EP_NETLINK,
	VNETD_EP_LISTEN,
	VNETD_EP_CONN,
	VNETD_EP_VNIC,
};

static inline uint64_t vnetd_ep_ref(enum vnetd_ep_type t, unsigned id)
{
	return (uint64_t)t << 32 | id;
}

#endif
