// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_rpc.c - the control socket: JSON-RPC 2.0, one object per line
 *
 * The socket is mode 0660; each client's credentials (SO_PEERCRED) are
 * checked on accept: root, vnetd's own user, or a member (primary or
 * supplementary) of the socket's group; a refused client is told why.  A
 * malformed request gets a JSON-RPC error and the connection stays usable;
 * a line longer than the limit closes the connection.  A client that shuts
 * down its sending side (EOF) is answered in full before vnetd closes.
 * Nothing a client does holds the control thread: reads and writes never
 * block, a connection idle for RPC_IDLE_MS or not reading its replies is
 * closed, replies are bounded and so is the output waiting for one client
 * (no more of its requests are answered, nor read, while RPC_OUT_HIGH bytes
 * wait for it), a request must arrive whole within RPC_REQUEST_MS of its
 * first byte, and when every slot is taken the longest-idle connection
 * makes room (bytes of a partial request are no activity), so clients
 * trickling bytes cannot lock the others out.  Requests waiting to be whole
 * hold at most RPC_IN_BUDGET bytes of buffers in the whole daemon beyond
 * RPC_IN_FREE per connection: 64 connections each holding a request near
 * the size limit would otherwise make vnetd hold a gigabyte; the client
 * whose read would go over is told why and closed.  Replies waiting to be
 * read are bounded the same way, by RPC_OUT_BUDGET all together: past it,
 * a connection with replies waiting is not answered until it reads them,
 * and a reply longer than RPC_OUT_FREE is replaced by an error saying so
 * (64 clients not reading would otherwise make vnetd hold 1.3 GB).
 * Methods are listed once in a table.
 */
#include "vnetd.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <grp.h>
#include <unistd.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"

#define RPC_MAX_CONNS  64
#define RPC_IDLE_MS    30000	  /* an idle connection is closed */
#define RPC_STALL_MS   10000	  /* a client not reading replies is closed */
#define RPC_RESUME_MS  200	  /* listening again after EMFILE */
#define RPC_OUT_HIGH   (4u << 20) /* stop answering, reading above this */
#define RPC_LINGER_MS  2000	  /* a refused client may finish sending */
#define RPC_REQUEST_MS 10000	  /* a request must arrive whole within this */
#define RPC_READ_CHUNK 16384	  /* bytes one read takes */
/* Request buffers: a connection's first RPC_IN_FREE bytes (every ordinary
 * request) are its own; what all of them hold beyond that is at most
 * RPC_IN_BUDGET, enough for three requests of the largest size at once.
 * A buffer grows to at most RPC_IN_MAX, what a request of the largest size
 * and the read that shows it is too long need. */
#define RPC_IN_FREE   (64u << 10)
#define RPC_IN_BUDGET (64u << 20)
#define RPC_IN_MAX    (JSONRPC_MAX_MSG + RPC_READ_CHUNK)
/* Replies not yet read: all connections' together stay within
 * RPC_OUT_BUDGET, but for replies of up to RPC_OUT_FREE bytes to a client
 * that has read all before (status, a port), which always go. */
#define RPC_OUT_FREE   (64u << 10)
#define RPC_OUT_BUDGET (64u << 20)

struct rpc_buf {
	char *data;
	size_t len, cap;
};

struct vnetd_rpc;

/**
 * struct rpc_conn - one client connection
 * @h: its handler in the control loop
 * @rpc: the server
 * @fd: socket, -1 when the slot is free
 * @pid: client's pid (for log lines)
 * @uid: client's uid
 * @timer: idle / stall deadline
 * @closing: answered for good; what still comes is discarded
 * @eof: the client shut down its sending side: its complete requests are
 *       answered, then the connection is closed once the replies are sent
 * @last: when it connected or sent its last complete request, monotonic
 *        ms: the idle deadline counts from it, eviction picks the oldest;
 *        bytes of a request still incomplete do not count
 * @req_start: when the first byte of the incomplete request in @in came
 * @in: bytes of an unfinished request
 * @scanned: bytes at the start of @in known to hold no newline, so a long
 *           request arriving in many reads is scanned once, not once a read
 * @out: reply bytes not yet sent
 */
struct rpc_conn {
	struct vnetd_handler h;
	struct vnetd_rpc *rpc;
	int fd;
	pid_t pid;
	uid_t uid;
	struct vtimer timer;
	bool closing;
	bool eof;
	uint64_t last;
	uint64_t req_start;
	struct rpc_buf in, out;
	size_t scanned;
};

/* Why control connections were turned away or closed, counted. */
#define RPC_DROPS(X)                                                         \
	X(REFUSED, "refused", "client not allowed by its credentials")       \
	X(EVICTED, "evicted", "longest-idle client closed to admit another") \
	X(FULL, "full", "every slot busy sending replies: client refused")   \
	X(IDLE, "idle", "client idle for too long")                          \
	X(SLOW_REQUEST, "slow_request",                                      \
	  "a request not complete within its deadline")                      \
	X(STALLED, "stalled", "client not reading its replies")              \
	X(TOO_LONG, "too_long", "request line over the limit")               \
	X(OVER_BUDGET, "over_budget",                                        \
	  "requests waiting to be whole hold the daemon's limit of buffers") \
	X(REPLY_TOO_LARGE, "reply_too_large",                                \
	  "reply over the limit, an "                                        \
	  "error sent instead")                                              \
	X(REPLY_OVER_BUDGET, "reply_over_budget",                            \
	  "replies not yet read hold the daemon's limit of buffers: an "     \
	  "error sent instead of a long reply")

enum rpc_drop {
#define RPC_DROP_ENUM(id, name, desc) RPC_DROP_##id,
	RPC_DROPS(RPC_DROP_ENUM)
#undef RPC_DROP_ENUM
	    RPC_DROP_MAX,
};

static const char *const rpc_drop_names[] = {
#define RPC_DROP_NAME(id, name, desc) name,
    RPC_DROPS(RPC_DROP_NAME)
#undef RPC_DROP_NAME
};

struct vnetd_rpc {
	struct vnetd *d;
	struct vnetd_handler h;
	struct vtimer resume; /* listening again after running out of fds */
	int listen_fd;
	char path[108];
	uint64_t drops[RPC_DROP_MAX];
	struct rpc_conn conns[RPC_MAX_CONNS];
};

/* What a connection's request buffer counts against RPC_IN_BUDGET when it
 * is @cap bytes. */
static size_t in_charge(size_t cap)
{
	return cap > RPC_IN_FREE ? cap - RPC_IN_FREE : 0;
}

/* Bytes of request buffers counted against RPC_IN_BUDGET, all connections
 * together. */
static size_t rpc_in_held(const struct vnetd_rpc *rpc)
{
	size_t n = 0;

	for (int i = 0; i < RPC_MAX_CONNS; i++)
		if (rpc->conns[i].fd >= 0)
			n += in_charge(rpc->conns[i].in.cap);
	return n;
}

/* Bytes of replies not yet sent, all connections together. */
static size_t rpc_out_held(const struct vnetd_rpc *rpc)
{
	size_t n = 0;

	for (int i = 0; i < RPC_MAX_CONNS; i++)
		if (rpc->conns[i].fd >= 0)
			n += rpc->conns[i].out.len;
	return n;
}

typedef json_t *(*rpc_handler)(struct vnetd *d, json_t *params,
			       struct vnetd_err *e);

static json_t *rpc_log_set(struct vnetd *d, json_t *params,
			   struct vnetd_err *e);
static json_t *rpc_log_get(struct vnetd *d, json_t *params,
			   struct vnetd_err *e);
static json_t *rpc_status(struct vnetd *d, json_t *params, struct vnetd_err *e);

/* What a method does with an object kind, or a handler of its own. */
enum rpc_op { OP_FN, OP_CREATE, OP_DELETE, OP_SET, OP_LIST };

#define K_NET  (&vnetd_kind_network)
#define K_PORT (&vnetd_kind_port)
#define K_RES  (&vnetd_kind_reservation)

/* Every method, listed once: name, operation, kind, handler, whether it
 * changes state. */
#define RPC_METHODS(X)                                               \
	X("network.create", OP_CREATE, K_NET, NULL, true)            \
	X("network.delete", OP_DELETE, K_NET, NULL, true)            \
	X("network.set", OP_SET, K_NET, NULL, true)                  \
	X("network.list", OP_LIST, K_NET, NULL, false)               \
	X("network.show", OP_FN, NULL, vnetd_net_show, false)        \
	X("port.add", OP_CREATE, K_PORT, NULL, true)                 \
	X("port.del", OP_DELETE, K_PORT, NULL, true)                 \
	X("port.set", OP_SET, K_PORT, NULL, true)                    \
	X("port.list", OP_LIST, K_PORT, NULL, false)                 \
	X("port.show", OP_FN, NULL, vnetd_port_show, false)          \
	X("mac.show", OP_FN, NULL, vnetd_mac_show, false)            \
	X("dhcp.leases", OP_FN, NULL, vnetd_dhcp_leases, false)      \
	X("dhcp.release", OP_FN, NULL, vnetd_dhcp_release, true)     \
	X("dhcp.reserve", OP_CREATE, K_RES, NULL, true)              \
	X("dhcp.unreserve", OP_FN, NULL, vnetd_dhcp_unreserve, true) \
	X("dhcp.reservations", OP_LIST, K_RES, NULL, false)          \
	X("stats", OP_FN, NULL, vnetd_stats, false)                  \
	X("config.export", OP_FN, NULL, vnetd_config_export, false)  \
	X("config.import", OP_FN, NULL, vnetd_config_import, true)   \
	X("log.set", OP_FN, NULL, rpc_log_set, true)                 \
	X("log.get", OP_FN, NULL, rpc_log_get, false)                \
	X("daemon.status", OP_FN, NULL, rpc_status, false)           \
	X("nat.forward", OP_FN, NULL, vnetd_nat_forward, true)       \
	X("nat.sessions", OP_FN, NULL, vnetd_nat_sessions, false)    \
	X("nat.flush", OP_FN, NULL, vnetd_nat_flush, true)           \
	VNETD_TEAM_METHODS(X)                                        \
	X("sriov.list", OP_FN, NULL, vnetd_sriov_list, false)        \
	X("sriov.numvfs", OP_FN, NULL, vnetd_sriov_numvfs, true)     \
	X("sriov.vf", OP_FN, NULL, vnetd_sriov_vf, true)             \
	X("sriov.vf_reset", OP_FN, NULL, vnetd_sriov_vf_reset, true)

static const struct {
	const char *name;
	enum rpc_op op;
	const struct vnetd_kind *kind;
	rpc_handler fn;
	bool changes;
} rpc_methods[] = {
#define RPC_METHOD_ROW(n, o, k, f, c) {n, o, k, f, c},
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
	unsigned conns = 0;
	json_t *o;

	for (int i = 0; i < RPC_MAX_CONNS; i++)
		conns += d->rpc && d->rpc->conns[i].fd >= 0;
	o = json_pack("{s:i,s:I,s:s,s:i,s:i,s:s}", "pid", (int)getpid(),
		      "uptime", (json_int_t)(now_sec() - d->started),
		      "state_file", d->opts.state_path, "schema",
		      vnetd_store_version(d->store), "threads",
		      (int)d->opts.threads, "mode",
		      d->opts.poll ? "poll" : "event");
	for (unsigned i = 0; i < VNETD_KINDS; i++)
		json_object_set_new(
		    o, vnetd_kinds[i]->table,
		    json_integer((json_int_t)vnetd_objs(d, vnetd_kinds[i])->n));
	json_object_set_new(o, "control_clients", json_integer(conns));
	if (d->rpc) {
		json_t *drops = json_object();

		for (int i = 0; i < RPC_DROP_MAX; i++)
			json_object_set_new(
			    drops, rpc_drop_names[i],
			    json_integer((json_int_t)d->rpc->drops[i]));
		json_object_set_new(o, "control_clients_closed", drops);
		json_object_set_new(
		    o, "control_request_buffers",
		    json_integer((json_int_t)rpc_in_held(d->rpc)));
		json_object_set_new(
		    o, "control_reply_buffers",
		    json_integer((json_int_t)rpc_out_held(d->rpc)));
	}
	return o;
}

static json_t *rpc_call(struct vnetd *d, size_t i, json_t *params,
			struct vnetd_err *e)
{
	const struct vnetd_kind *k = rpc_methods[i].kind;

	if (params && !json_is_object(params)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "params: must be an object");
		return NULL;
	}
	switch (rpc_methods[i].op) {
	case OP_FN:
		return rpc_methods[i].fn(d, params, e);
	case OP_CREATE:
		return vnetd_obj_create(d, k, params, e);
	case OP_DELETE:
		return vnetd_obj_delete(d, k, params, e);
	case OP_SET:
		return vnetd_obj_set(d, k, params, e);
	case OP_LIST:
		return vnetd_obj_list(
		    d, k, k->parent_key ? jstr(params, k->parent_key) : NULL,
		    e);
	}
	return NULL;
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
		res = rpc_call(d, i, req.params, &e);
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

/* The size @b's buffer has once @len more bytes are in it: doubled as
 * needed, but not past @max when that is enough. */
static size_t buf_cap_for(const struct rpc_buf *b, size_t len, size_t max)
{
	size_t cap = b->cap ? b->cap : 4096;

	while (cap < b->len + len)
		cap *= 2;
	if (cap > max && b->len + len <= max)
		cap = max;
	return cap;
}

static int buf_append(struct rpc_buf *b, const char *data, size_t len,
		      size_t max)
{
	if (b->len + len > b->cap) {
		size_t cap = buf_cap_for(b, len, max);
		char *n;

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

/* Tell a client why it is turned away, as a JSON-RPC error, before the
 * caller closes: what it sent already is read and dropped, since closing a
 * Unix socket with unread data would make the client's read fail before it
 * sees the answer.  Nothing waits: a client not reading misses the word. */
static void say_goodbye(int fd, int code, const char *msg)
{
	json_t *resp = jsonrpc_error(NULL, code, "%s", msg);
	char *text = json_dumps(resp, JSON_COMPACT);

	if (text) {
		size_t n = strlen(text);

		text[n] = '\n';
		if (send(fd, text, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
			/* it left already */
		}
		free(text);
	}
	json_decref(resp);
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 64; i++) {
		char junk[4096];

		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			break;
	}
}

static void conn_close(struct rpc_conn *c);

/* Close a connection owed no reply, telling it why. */
static void conn_goodbye(struct rpc_conn *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conn_goodbye(struct rpc_conn *c, int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->out.len)
		say_goodbye(c->fd, code, msg);
	conn_close(c);
}

static void conn_close(struct rpc_conn *c)
{
	struct vnetd *d = c->rpc->d;

	vnetd_unwatch(d, c->fd);
	vtimer_cancel(d->timers, &c->timer);
	close(c->fd);
	free(c->in.data);
	free(c->out.data);
	c->in = c->out = (struct rpc_buf){0};
	c->fd = -1;
	c->closing = false;
	c->eof = false;
	c->req_start = 0;
	c->scanned = 0;
}

/* Activity: push the idle deadline back; watch for output when some is
 * waiting, and for requests unless the client has sent its last or too
 * much output is waiting (EPOLLRDHUP only with EPOLLIN: a half-closed client
 * that is still owed replies is not a hang-up). */
static void conn_touch(struct rpc_conn *c)
{
	struct vnetd *d = c->rpc->d;
	uint32_t ev = 0;

	if (c->closing)
		return;
	if (!c->eof && c->out.len < RPC_OUT_HIGH)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (c->out.len)
		ev |= EPOLLOUT;
	vnetd_watch_mod(d, c->fd, ev, &c->h);
	/* Trickled bytes push no deadline back: a partial request has
	 * RPC_REQUEST_MS from its first byte, an idle client RPC_IDLE_MS from
	 * its last request; only progress in sending replies re-arms. */
	if (c->out.len ? vtimer_arm(d->timers, &c->timer, RPC_STALL_MS)
	    : c->in.len
		? vtimer_arm_at(d->timers, &c->timer,
				c->req_start + RPC_REQUEST_MS)
		: vtimer_arm_at(d->timers, &c->timer, c->last + RPC_IDLE_MS))
		conn_close(c); /* no memory for a timer: do not keep it */
}

static void conn_deadline(struct vtimer *t, void *arg)
{
	struct rpc_conn *c = arg;
	enum rpc_drop why = c->out.len	? RPC_DROP_STALLED
			    : c->in.len ? RPC_DROP_SLOW_REQUEST
					: RPC_DROP_IDLE;

	if (c->closing) {
		conn_close(c);
		return;
	}
	c->rpc->drops[why]++;
	if (why == RPC_DROP_SLOW_REQUEST) {
		vlog_rl(RPC, WARN,
			"control client pid %d: request incomplete after %d "
			"s (%zu bytes); closing",
			(int)c->pid, RPC_REQUEST_MS / 1000, c->in.len);
		conn_goodbye(c, JSONRPC_INVALID_REQUEST,
			     "request incomplete after %d s: a request must "
			     "arrive whole, ended by a newline, within %d s",
			     RPC_REQUEST_MS / 1000, RPC_REQUEST_MS / 1000);
		return;
	}
	vlog_rl(RPC, INFO, "control client pid %d: %s; closing", (int)c->pid,
		why == RPC_DROP_STALLED ? "not reading its replies"
					: "idle for too long");
	conn_close(c);
}

static int conn_flush(struct rpc_conn *c)
{
	size_t off = 0;

	while (off < c->out.len) {
		ssize_t w = send(c->fd, c->out.data + off, c->out.len - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return -errno;
		}
		off += (size_t)w;
	}
	if (off) {
		memmove(c->out.data, c->out.data + off, c->out.len - off);
		c->out.len -= off;
	}
	return 0;
}

static int conn_reply(struct rpc_conn *c, json_t *resp)
{
	char *text;
	int ret;

	if (!resp)
		return 0;
	text = json_dumps(resp, JSON_COMPACT);
	if (text && strlen(text) > JSONRPC_MAX_REPLY) {
		json_t *id = json_incref(json_object_get(resp, "id"));

		free(text);
		c->rpc->drops[RPC_DROP_REPLY_TOO_LARGE]++;
		vlog_rl(RPC, WARN,
			"control client pid %d: reply over %u bytes refused",
			(int)c->pid, JSONRPC_MAX_REPLY);
		json_decref(resp);
		resp = jsonrpc_error(id, JSONRPC_INTERNAL_ERROR,
				     "reply larger than %u bytes; ask for less "
				     "(one network or port)",
				     JSONRPC_MAX_REPLY);
		json_decref(id);
		text = json_dumps(resp, JSON_COMPACT);
	} else if (text && strlen(text) > RPC_OUT_FREE &&
		   rpc_out_held(c->rpc) + strlen(text) > RPC_OUT_BUDGET) {
		json_t *id = json_incref(json_object_get(resp, "id"));
		size_t len = strlen(text);

		free(text);
		c->rpc->drops[RPC_DROP_REPLY_OVER_BUDGET]++;
		vlog_rl(RPC, WARN,
			"control client pid %d: a reply of %zu bytes not sent: "
			"replies not yet read hold vnetd's %u MiB for them",
			(int)c->pid, len, RPC_OUT_BUDGET >> 20);
		json_decref(resp);
		resp = jsonrpc_error(id, VNET_ERR_BUSY,
				     "replies other clients have not read yet "
				     "hold vnetd's %u MiB for them: this reply "
				     "(%zu bytes) was not sent; try again in a "
				     "moment",
				     RPC_OUT_BUDGET >> 20, len);
		json_decref(id);
		text = json_dumps(resp, JSON_COMPACT);
	}
	json_decref(resp);
	if (!text)
		return -ENOMEM;
	ret = buf_append(&c->out, text, strlen(text), SIZE_MAX);
	if (!ret)
		ret = buf_append(&c->out, "\n", 1, SIZE_MAX);
	free(text);
	return ret;
}

/* Close after a final answer, gracefully: closing a Unix socket whose
 * client is still sending makes the client's read fail (ECONNRESET) before
 * it sees the answer.  So send it, shut down our side, and discard what
 * still comes until the client leaves or RPC_LINGER_MS passes. */
static void conn_linger(struct rpc_conn *c)
{
	free(c->in.data);
	c->in = (struct rpc_buf){0};
	c->scanned = 0;
	if (conn_flush(c)) {
		conn_close(c);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->closing = true;
	vnetd_watch_mod(c->rpc->d, c->fd, EPOLLIN | EPOLLRDHUP, &c->h);
	if (vtimer_arm(c->rpc->d->timers, &c->timer, RPC_LINGER_MS))
		conn_close(c);
}

/* Whether a connection holds too much unsent output to answer more: its
 * own RPC_OUT_HIGH, or any while all connections' together are over
 * RPC_OUT_BUDGET.  Its requests then wait until the client reads
 * (back-pressure: its EPOLLOUT brings it back). */
static bool conn_held(struct rpc_conn *c)
{
	if (!c->out.len)
		return false;
	if (c->out.len < RPC_OUT_HIGH && rpc_out_held(c->rpc) < RPC_OUT_BUDGET)
		return false;
	return conn_flush(c) || c->out.len >= RPC_OUT_HIGH ||
	       (c->out.len && rpc_out_held(c->rpc) >= RPC_OUT_BUDGET);
}

/* Answer the complete requests buffered, as long as the output stays under
 * its limit, and at the client's EOF an unterminated last one; close once a
 * half-closed client has all its answers. */
static void conn_serve(struct rpc_conn *c)
{
	size_t start;
	bool held;

again:
	start = 0;
	held = false;
	for (size_t i = c->scanned; i < c->in.len; i++) {
		if (c->in.data[i] != '\n')
			continue;
		held = conn_held(c);
		if (held)
			break;
		if (i > start) {
			c->last = timer_now_ms();
			if (conn_reply(c, vnetd_rpc_dispatch(c->rpc->d,
							     c->in.data + start,
							     i - start))) {
				conn_close(c);
				return;
			}
		}
		start = i + 1;
	}
	if (start) {
		memmove(c->in.data, c->in.data + start, c->in.len - start);
		c->in.len -= start;
	}
	if (!c->in.len && c->in.cap > RPC_IN_FREE) {
		/* A large request answered gives its buffer back. */
		free(c->in.data);
		c->in = (struct rpc_buf){0};
	}
	c->scanned = held ? 0 : c->in.len;
	/* A partial request left after a line ended began in this read. */
	if (start || !c->in.len)
		c->req_start = 0;
	if (c->in.len && !c->req_start)
		c->req_start = timer_now_ms();
	/* Held, @in is what one read brought; otherwise a partial line. */
	if (!held && c->in.len > JSONRPC_MAX_MSG) {
		c->rpc->drops[RPC_DROP_TOO_LONG]++;
		vlog_rl(RPC, WARN,
			"control client pid %d: request longer than %u bytes; "
			"closing",
			(int)c->pid, JSONRPC_MAX_MSG);
		conn_reply(c,
			   jsonrpc_error(NULL, JSONRPC_INVALID_REQUEST,
					 "request too long: %zu bytes and no "
					 "newline yet, over the limit of %u "
					 "bytes",
					 c->in.len, JSONRPC_MAX_MSG));
		conn_linger(c);
		return;
	}
	if (!held && c->eof && c->in.len) {
		/* A last request ended by EOF instead of a newline. */
		if (conn_reply(c, vnetd_rpc_dispatch(c->rpc->d, c->in.data,
						     c->in.len))) {
			conn_close(c);
			return;
		}
		c->in.len = c->scanned = 0;
	}
	if (conn_flush(c) || (c->eof && !c->in.len && !c->out.len)) {
		conn_close(c);
		return;
	}
	if (held && !conn_held(c))
		goto again; /* drained meanwhile: the rest waits for no event */
	conn_touch(c);
}

/* Whether @c may buffer @len more request bytes: the buffer it would then
 * need keeps every connection's together within RPC_IN_BUDGET.  If not,
 * it is told why and closed. */
static bool conn_in_room(struct rpc_conn *c, size_t len)
{
	size_t cap = buf_cap_for(&c->in, len, RPC_IN_MAX);
	size_t held = rpc_in_held(c->rpc) - in_charge(c->in.cap);

	if (cap <= c->in.cap || held + in_charge(cap) <= RPC_IN_BUDGET)
		return true;
	c->rpc->drops[RPC_DROP_OVER_BUDGET]++;
	vlog_rl(RPC, WARN,
		"control client pid %d: a request of %zu bytes and more would "
		"take request buffers past %u MiB; closing",
		(int)c->pid, c->in.len + len, RPC_IN_BUDGET >> 20);
	conn_goodbye(c, VNET_ERR_BUSY,
		     "requests being received hold vnetd's %u MiB for them: "
		     "this one (%zu bytes and no newline yet) does not fit; "
		     "try again in a moment",
		     RPC_IN_BUDGET >> 20, c->in.len + len);
	return false;
}

static void conn_read(struct rpc_conn *c)
{
	char chunk[RPC_READ_CHUNK];
	ssize_t r = recv(c->fd, chunk, sizeof(chunk), MSG_DONTWAIT);

	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r < 0 || (r == 0 && c->closing)) {
		conn_close(c);
		return;
	}
	if (c->closing)
		return; /* answered already: discard until the client leaves */
	if (r == 0)
		c->eof = true; /* half-closed: it still reads the answers */
	else if (!conn_in_room(c, (size_t)r))
		return;
	else if (buf_append(&c->in, chunk, (size_t)r, RPC_IN_MAX)) {
		conn_close(c);
		return;
	}
	conn_serve(c);
}

static void conn_event(struct vnetd *d, struct vnetd_handler *h,
		       uint32_t events)
{
	struct rpc_conn *c =
	    (struct rpc_conn *)((char *)h - offsetof(struct rpc_conn, h));

	if (c->fd < 0)
		return;
	if (events & EPOLLERR) {
		conn_close(c);
		return;
	}
	if (events & EPOLLOUT) {
		conn_serve(c);
		if (c->fd < 0)
			return;
	}
	/* A hang-up reads as EOF while requests are read (what came is
	 * still done: notifications), and ends the connection otherwise. */
	if (events & (EPOLLIN | EPOLLRDHUP))
		conn_read(c);
	else if (events & EPOLLHUP)
		conn_close(c);
}

/* Whether the client is in @gid, by the groups its process had when it
 * connected (/proc/PID/status), which covers supplementary groups. */
static bool peer_in_group(pid_t pid, gid_t gid)
{
	char path[64], line[1024];
	bool in = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 7, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		for (;;) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			in |= g == gid;
			p = end;
		}
	}
	fclose(f);
	return in;
}

static bool peer_allowed(struct vnetd_rpc *rpc, int fd, struct ucred *cr)
{
	socklen_t len = sizeof(*cr);
	gid_t gid = rpc->d->sock_gid;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cr, &len))
		return false;
	if (cr->uid == 0 || cr->uid == geteuid())
		return true;
	return gid && (cr->gid == gid || peer_in_group(cr->pid, gid));
}

/* Tell a refused client why before closing: it must not have to guess. */
static void refuse(struct vnetd_rpc *rpc, int fd, const struct ucred *cr)
{
	struct group *g = rpc->d->sock_gid ? getgrgid(rpc->d->sock_gid) : NULL;
	char msg[256];

	if (g)
		snprintf(msg, sizeof(msg),
			 "not allowed: uid %u is not root, vnetd's user (uid "
			 "%u) or in group %s",
			 (unsigned)cr->uid, (unsigned)geteuid(), g->gr_name);
	else
		snprintf(msg, sizeof(msg),
			 "not allowed: uid %u is not root or vnetd's user (uid "
			 "%u); start vnetd with --group to admit a group",
			 (unsigned)cr->uid, (unsigned)geteuid());
	say_goodbye(fd, VNET_ERR_REFUSED, msg);
	rpc->drops[RPC_DROP_REFUSED]++;
	vlog_rl(RPC, WARN, "refused control client pid %d uid %u: not allowed",
		(int)cr->pid, (unsigned)cr->uid);
}

/* A free slot, or one made by closing the connection idle the longest:
 * one that has answered for good first, then the oldest by its last
 * complete request (a partial request does not count as activity, so
 * clients trickling bytes cannot hold every slot).  Connections owed a
 * reply are not closed: NULL when they fill every slot. */
static struct rpc_conn *conn_slot(struct vnetd_rpc *rpc, pid_t pid)
{
	struct rpc_conn *oldest = NULL;

	for (int i = 0; i < RPC_MAX_CONNS; i++) {
		struct rpc_conn *c = &rpc->conns[i];

		if (c->fd < 0)
			return c;
		if (c->closing) {
			conn_close(c);
			return c;
		}
		if (!c->out.len && (!oldest || c->last < oldest->last))
			oldest = c;
	}
	if (!oldest)
		return NULL;
	vlog_rl(RPC, WARN,
		"%d control connections open; closing the longest idle (pid "
		"%d, idle %llu ms%s) for pid %d",
		RPC_MAX_CONNS, (int)oldest->pid,
		(unsigned long long)(timer_now_ms() - oldest->last),
		oldest->in.len ? ", a request incomplete" : "", (int)pid);
	rpc->drops[RPC_DROP_EVICTED]++;
	conn_goodbye(oldest, VNET_ERR_BUSY,
		     "closed to admit another client: all %d control "
		     "connections were taken and this one was idle the longest",
		     RPC_MAX_CONNS);
	return oldest;
}

static void rpc_resume(struct vtimer *t, void *arg)
{
	struct vnetd_rpc *rpc = arg;

	if (vnetd_watch(rpc->d, rpc->listen_fd, EPOLLIN, &rpc->h) &&
	    vtimer_arm(rpc->d->timers, &rpc->resume, RPC_RESUME_MS))
		vlog(RPC, ERR,
		     "the control socket is not listened to any more");
}

static void rpc_accept(struct vnetd *d, struct vnetd_handler *h,
		       uint32_t events)
{
	struct vnetd_rpc *rpc =
	    (struct vnetd_rpc *)((char *)h - offsetof(struct vnetd_rpc, h));
	int fd =
	    accept4(rpc->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct ucred cr = {0};
	struct rpc_conn *c;
	char msg[128];

	if (fd < 0) {
		/* Out of descriptors, the connection stays queued and the
		 * socket readable: stop listening for a moment rather than
		 * spin on it. */
		if ((errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		     errno == ENOMEM) &&
		    !vtimer_arm(d->timers, &rpc->resume, RPC_RESUME_MS)) {
			vlog_rl(RPC, ERR,
				"cannot take a control connection: %s; "
				"listening again in %d ms",
				strerror(errno), RPC_RESUME_MS);
			vnetd_unwatch(d, rpc->listen_fd);
		}
		return;
	}
	if (!peer_allowed(rpc, fd, &cr)) {
		refuse(rpc, fd, &cr);
		close(fd);
		return;
	}
	c = conn_slot(rpc, cr.pid);
	if (!c) {
		rpc->drops[RPC_DROP_FULL]++;
		vlog_rl(RPC, WARN,
			"too many control connections: all %d are sending "
			"replies; refusing pid %d",
			RPC_MAX_CONNS, (int)cr.pid);
		snprintf(msg, sizeof(msg),
			 "too many control connections: all %d are receiving "
			 "replies; try again in a moment",
			 RPC_MAX_CONNS);
		say_goodbye(fd, VNET_ERR_BUSY, msg);
		close(fd);
		return;
	}
	c->fd = fd;
	c->pid = cr.pid;
	c->uid = cr.uid;
	c->last = timer_now_ms();
	if (vnetd_watch(d, fd, EPOLLIN | EPOLLRDHUP, &c->h)) {
		close(fd);
		c->fd = -1;
		return;
	}
	conn_touch(c);
}

/**
 * vnetd_rpc_check_socket() - whether the control socket is free to take
 * @path: socket path
 *
 * The pid file lock keeps out a vnetd with the same pid file, not one with
 * pid and state files of its own given the same --socket: a socket that
 * accepts a connection is another vnetd's and is left alone; only a stale
 * one (nobody listening) is replaced.
 *
 * Return: 0 when nobody answers at @path, -EADDRINUSE (logged) when
 * someone does
 */
int vnetd_rpc_check_socket(const char *path)
{
	int fd = jsonrpc_connect(path);

	if (fd < 0)
		return 0;
	close(fd);
	vlog(RPC, ERR,
	     "another vnetd is listening on %s: stop it, or give this one "
	     "another --socket",
	     path);
	return -EADDRINUSE;
}

/**
 * vnetd_rpc_open() - listen on the control socket, replacing the file at
 * its path
 * @d: daemon
 * @out: server
 *
 * The caller has made sure, with vnetd_rpc_check_socket() before restoring
 * anything, that no other vnetd listens there.
 *
 * Return: 0 or -errno (logged)
 */
int vnetd_rpc_open(struct vnetd *d, struct vnetd_rpc **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
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
	rpc->h.fn = rpc_accept;
	vtimer_init(&rpc->resume, rpc_resume, rpc);
	for (int i = 0; i < RPC_MAX_CONNS; i++) {
		struct rpc_conn *c = &rpc->conns[i];

		c->fd = -1;
		c->rpc = rpc;
		c->h.fn = conn_event;
		vtimer_init(&c->timer, conn_deadline, c);
	}
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
	unlink(rpc->path);
	if (rpc->listen_fd < 0 ||
	    bind(rpc->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(rpc->path, 0660) ||
	    (d->sock_gid && chown(rpc->path, (uid_t)-1, d->sock_gid)) ||
	    listen(rpc->listen_fd, 64) ||
	    vnetd_watch(d, rpc->listen_fd, EPOLLIN, &rpc->h)) {
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
			conn_close(&rpc->conns[i]);
	vtimer_cancel(rpc->d->timers, &rpc->resume);
	vnetd_unwatch(rpc->d, rpc->listen_fd);
	close(rpc->listen_fd);
	unlink(rpc->path);
	free(rpc);
}
