// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_rpc.c - the control socket: JSON-RPC 2.0, one object per line
 *
 * The socket is mode 0660; each client's credentials (SO_PEERCRED) are
 * checked on accept: root, vnetd's own user, or a member of the socket's
 * group.  A malformed request gets a JSON-RPC error and the connection stays
 * usable; a line longer than the limit closes the connection.  Methods are
 * listed once in a table.
 */
#include "vnetd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"

#define RPC_MAX_CONNS 64

struct rpc_buf {
	char *data;
	size_t len, cap;
};

struct rpc_conn {
	int fd;
	pid_t pid;
	struct rpc_buf in, out;
};

struct vnetd_rpc {
	struct vnetd *d;
	int epfd;
	int listen_fd;
	char path[108];
	struct rpc_conn conns[RPC_MAX_CONNS];
};

typedef json_t *(*rpc_handler)(struct vnetd *d, json_t *params,
			       struct vnetd_err *e);

static json_t *rpc_log_set(struct vnetd *d, json_t *params,
			   struct vnetd_err *e);
static json_t *rpc_log_get(struct vnetd *d, json_t *params,
			   struct vnetd_err *e);
static json_t *rpc_status(struct vnetd *d, json_t *params, struct vnetd_err *e);

/* Every method, listed once: name, handler, whether it changes state. */
#define RPC_METHODS(X)                                 \
	X("network.create", vnetd_net_create, true)    \
	X("network.delete", vnetd_net_delete, true)    \
	X("network.list", vnetd_net_list, false)       \
	X("network.show", vnetd_net_show, false)       \
	X("port.add", vnetd_port_add, true)            \
	X("port.del", vnetd_port_del, true)            \
	X("port.list", vnetd_port_list, false)         \
	X("port.show", vnetd_port_show, false)         \
	X("mac.show", vnetd_mac_show, false)           \
	X("stats", vnetd_stats, false)                 \
	X("config.export", vnetd_config_export, false) \
	X("config.import", vnetd_config_import, true)  \
	X("log.set", rpc_log_set, true)                \
	X("log.get", rpc_log_get, false)               \
	X("daemon.status", rpc_status, false)

static const struct {
	const char *name;
	rpc_handler fn;
	bool changes;
} rpc_methods[] = {
#define RPC_METHOD_ROW(n, f, c) {n, f, c},
    RPC_METHODS(RPC_METHOD_ROW)
#undef RPC_METHOD_ROW
};

static json_t *rpc_log_set(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	const char *mod = json_string_value(json_object_get(params, "module"));
	const char *lvl = json_string_value(json_object_get(params, "level"));
	int l = lvl ? log_level_from_name(lvl) : -EINVAL;
	int m = mod ? log_module_from_name(mod) : -1;

	if (l < 0) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "level: must be err, warn, info or debug");
		return NULL;
	}
	if (mod && m < 0) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS, "no log module '%s'",
			      mod);
		return NULL;
	}
	for (int i = 0; i < LOG_MOD_MAX; i++)
		if (!mod || i == m)
			log_set_level((enum log_module)i, (enum log_level)l);
	return rpc_log_get(d, params, e);
}

static json_t *rpc_log_get(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	json_t *o = json_object();

	for (int i = 0; i < LOG_MOD_MAX; i++)
		json_object_set_new(o, log_module_name((enum log_module)i),
				    json_string(log_level_name(
					log_get_level((enum log_module)i))));
	return o;
}

static json_t *rpc_status(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	unsigned nets = 0, ports = 0;

	for (int i = 0; i < VSW_MAX_NETS; i++)
		nets += d->nets[i] != NULL;
	for (int i = 0; i < VSW_MAX_PORTS; i++)
		ports += d->ports[i] != NULL;
	return json_pack("{s:i,s:I,s:s,s:i,s:s,s:i,s:i}", "pid", (int)getpid(),
			 "uptime", (json_int_t)(now_sec() - d->started),
			 "state_file", d->opts.state_path, "threads",
			 (int)d->opts.threads, "mode",
			 d->opts.poll ? "poll" : "event", "networks", (int)nets,
			 "ports", (int)ports);
}

/**
 * vnetd_rpc_dispatch() - handle one request line
 * @d: daemon
 * @buf: the line, without its newline
 * @len: length
 *
 * Return: response object, or NULL for a notification
 */
json_t *vnetd_rpc_dispatch(struct vnetd *d, const char *buf, size_t len)
{
	struct jsonrpc_req req;
	struct vnetd_err e = {0};
	const char *why = NULL;
	json_t *res = NULL, *resp;
	int code;

	code = jsonrpc_parse(buf, len, &req, &why);
	if (code) {
		resp = jsonrpc_error(req.id, code, "%s", why);
		jsonrpc_req_free(&req);
		return resp;
	}
	for (size_t i = 0; i < ARRAY_SIZE(rpc_methods); i++) {
		if (strcmp(rpc_methods[i].name, req.method))
			continue;
		res = rpc_methods[i].fn(d, req.params, &e);
		if (!res && !e.code)
			vnetd_err_set(&e, JSONRPC_INTERNAL_ERROR,
				      "internal error");
		goto done;
	}
	vnetd_err_set(&e, JSONRPC_METHOD_NOT_FOUND, "no method '%s'",
		      req.method);
done:
	if (!req.id) { /* notification: no reply */
		json_decref(res);
		jsonrpc_req_free(&req);
		return NULL;
	}
	resp = res ? jsonrpc_result(req.id, res)
		   : jsonrpc_error(req.id, e.code, "%s", e.msg);
	jsonrpc_req_free(&req);
	return resp;
}

static int buf_append(struct rpc_buf *b, const char *data, size_t len)
{
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *n;

		while (cap < b->len + len)
			cap *= 2;
		n = realloc(b->data, cap);
		if (!n)
			return -ENOMEM;
		b->data = n;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static void conn_close(struct vnetd_rpc *rpc, struct rpc_conn *c)
{
	epoll_ctl(rpc->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in.data);
	free(c->out.data);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void conn_update_events(struct vnetd_rpc *rpc, struct rpc_conn *c)
{
	struct epoll_event ev = {
	    .events = EPOLLIN | (c->out.len ? EPOLLOUT : 0),
	    .data.u64 = vnetd_ep_ref(VNETD_EP_CONN, (unsigned)(c - rpc->conns)),
	};

	epoll_ctl(rpc->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static int conn_flush(struct vnetd_rpc *rpc, struct rpc_conn *c)
{
	while (c->out.len) {
		ssize_t w = send(c->fd, c->out.data, c->out.len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		memmove(c->out.data, c->out.data + w, c->out.len - (size_t)w);
		c->out.len -= (size_t)w;
	}
	conn_update_events(rpc, c);
	return 0;
}

static int conn_reply(struct rpc_conn *c, json_t *resp)
{
	char *text;
	int ret;

	if (!resp)
		return 0;
	text = json_dumps(resp, JSON_COMPACT);
	json_decref(resp);
	if (!text)
		return -ENOMEM;
	ret = buf_append(&c->out, text, strlen(text));
	if (!ret)
		ret = buf_append(&c->out, "\n", 1);
	free(text);
	return ret;
}

static void conn_read(struct vnetd_rpc *rpc, struct rpc_conn *c)
{
	char chunk[16384];
	ssize_t r = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);
	size_t start = 0;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(rpc, c);
		return;
	}
	if (r < 0)
		return;
	if (buf_append(&c->in, chunk, (size_t)r)) {
		conn_close(rpc, c);
		return;
	}
	for (size_t i = 0; i < c->in.len; i++) {
		if (c->in.data[i] != '\n')
			continue;
		if (i > start &&
		    conn_reply(c, vnetd_rpc_dispatch(rpc->d, c->in.data + start,
						     i - start))) {
			conn_close(rpc, c);
			return;
		}
		start = i + 1;
	}
	memmove(c->in.data, c->in.data + start, c->in.len - start);
	c->in.len -= start;
	if (c->in.len > JSONRPC_MAX_MSG) {
		vlog_rl(RPC, WARN,
			"client pid %d: request longer than %u bytes; closing",
			(int)c->pid, JSONRPC_MAX_MSG);
		conn_reply(c, jsonrpc_error(NULL, JSONRPC_INVALID_REQUEST,
					    "message too long"));
		conn_flush(rpc, c);
		conn_close(rpc, c);
		return;
	}
	if (conn_flush(rpc, c))
		conn_close(rpc, c);
}

static bool peer_allowed(struct vnetd_rpc *rpc, int fd, pid_t *pid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len))
		return false;
	*pid = cr.pid;
	if (cr.uid == 0 || cr.uid == geteuid())
		return true;
	return rpc->d->sock_gid && cr.gid == rpc->d->sock_gid;
}

static void rpc_accept(struct vnetd_rpc *rpc)
{
	int fd =
	    accept4(rpc->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN};
	struct rpc_conn *c = NULL;
	pid_t pid = 0;

	if (fd < 0)
		return;
	if (!peer_allowed(rpc, fd, &pid)) {
		vlog_rl(RPC, WARN, "refused control client pid %d: not allowed",
			(int)pid);
		close(fd);
		return;
	}
	for (int i = 0; i < RPC_MAX_CONNS; i++)
		if (rpc->conns[i].fd < 0) {
			c = &rpc->conns[i];
			break;
		}
	if (!c) {
		vlog_rl(RPC, WARN, "too many control clients; refusing pid %d",
			(int)pid);
		close(fd);
		return;
	}
	c->fd = fd;
	c->pid = pid;
	ev.data.u64 = vnetd_ep_ref(VNETD_EP_CONN, (unsigned)(c - rpc->conns));
	if (epoll_ctl(rpc->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		close(fd);
		c->fd = -1;
	}
}

/**
 * vnetd_rpc_event() - an fd of the RPC server is ready
 * @rpc: server
 * @slot: connection slot; RPC_MAX_CONNS for the listening socket
 * @events: epoll events
 */
void vnetd_rpc_event(struct vnetd_rpc *rpc, unsigned slot, unsigned events)
{
	struct rpc_conn *c;

	if (slot >= RPC_MAX_CONNS) {
		rpc_accept(rpc);
		return;
	}
	c = &rpc->conns[slot];
	if (c->fd < 0)
		return;
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		conn_close(rpc, c);
		return;
	}
	if (events & EPOLLOUT && conn_flush(rpc, c)) {
		conn_close(rpc, c);
		return;
	}
	if (events & EPOLLIN)
		conn_read(rpc, c);
}

/**
 * vnetd_rpc_open() - listen on the control socket
 * @d: daemon
 * @epfd: the control thread's epoll set
 * @out: server
 *
 * Return: 0 or -errno (logged)
 */
int vnetd_rpc_open(struct vnetd *d, int epfd, struct vnetd_rpc **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct epoll_event ev = {
	    .events = EPOLLIN,
	    .data.u64 = vnetd_ep_ref(VNETD_EP_LISTEN, RPC_MAX_CONNS)};
	struct vnetd_rpc *rpc;
	int ret;

	if (strlen(d->opts.socket_path) >= sizeof(sa.sun_path)) {
		vlog(RPC, ERR, "socket path too long: %s", d->opts.socket_path);
		return -ENAMETOOLONG;
	}
	rpc = calloc(1, sizeof(*rpc));
	if (!rpc)
		return -ENOMEM;
	rpc->d = d;
	rpc->epfd = epfd;
	for (int i = 0; i < RPC_MAX_CONNS; i++)
		rpc->conns[i].fd = -1;
	snprintf(rpc->path, sizeof(rpc->path), "%s", d->opts.socket_path);
	strcpy(sa.sun_path, rpc->path);
	ret = mkdir_parents(rpc->path, 0755);
	if (ret) {
		vlog(RPC, ERR, "cannot create the directory of %s: %s",
		     rpc->path, strerror(-ret));
		free(rpc);
		return ret;
	}
	rpc->listen_fd =
	    socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* The pid file lock guarantees no other vnetd owns this path. */
	unlink(rpc->path);
	if (rpc->listen_fd < 0 ||
	    bind(rpc->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(rpc->path, 0660) ||
	    (d->sock_gid && chown(rpc->path, (uid_t)-1, d->sock_gid)) ||
	    listen(rpc->listen_fd, 16) ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, rpc->listen_fd, &ev)) {
		ret = -errno;
		vlog(RPC, ERR, "cannot listen on %s: %s", rpc->path,
		     strerror(errno));
		if (rpc->listen_fd >= 0)
			close(rpc->listen_fd);
		free(rpc);
		return ret;
	}
	vlog(RPC, INFO, "listening on %s", rpc->path);
	*out = rpc;
	return 0;
}

/**
 * vnetd_rpc_close() - close every connection and the socket; NULL is ignored
 * @rpc: server
 */
void vnetd_rpc_close(struct vnetd_rpc *rpc)
{
	if (!rpc)
		return;
	for (int i = 0; i < RPC_MAX_CONNS; i++)
		if (rpc->conns[i].fd >= 0)
			conn_close(rpc, &rpc->conns[i]);
	close(rpc->listen_fd);
	unlink(rpc->path);
	free(rpc);
}
