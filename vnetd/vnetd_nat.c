// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_nat.c - NAT networks at run time: the checks of --nat-via and its
 * options, the connection table in a file that outlives vnetd, the
 * gateway's external leg, the expiry tick, and the "nat" control methods
 *
 * A network with nat_via has a gateway whose table lives in
 * RUNDIR/nat-NET.tbl (RUNDIR: the directory of the control socket,
 * /run/vnet by default), mapped shared: after kill -9 or an upgrade the
 * next vnetd attaches it and established connections carry on; a damaged,
 * foreign or resized file is reported and formatted anew (nat/nat.h).  A
 * DHCP-obtained external address is kept beside it (nat-NET.lease) so a
 * restarted vnetd keeps using it while it renews.
 *
 * Both legs of the gateway are pinned to one datapath thread; that
 * thread's timer wheel runs the tick (expiry, ARP retries, DHCP client)
 * every 100 ms.
 */
#include "vnetd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../lib/jsonrpc.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "../nat/nat.h"
#include "../vnic/vnic.h"
#include "../vnic/vnic_gateway.h"

#define NAT_DEFAULT_SESSIONS 65536
/* Without nat_sessions_per_ip: a quarter of the table per inside address,
 * so that one VM leaves three quarters to the others, and one alone still
 * holds thousands of flows. */
#define NAT_DEFAULT_PER_IP(capacity) ((capacity) / 4)
#define NAT_TICK_MS		     100

/**
 * struct vnetd_nat - a gateway's NAT at run time
 * @d: daemon
 * @net: network name
 * @gw: the gateway port (inside leg)
 * @gw_port: its switch port
 * @leg: the external leg's port id, -1 before it joins
 * @via: the external network it joins
 * @thread: datapath thread both legs run on
 * @tick: that thread's timer
 * @ticking: the timer is armed (written on @thread)
 * @mem: the table's mapping
 * @size: its size
 * @path: the table file
 * @lease_path: the kept DHCP lease
 * @wake: eventfd rung when a new lease is bound
 * @h: @wake in the control loop
 * @reconcile: drops forwards the store no longer has, after a restore
 */
struct vnetd_nat {
	struct vnetd *d;
	char net[NAME_MAX_LEN + 1];
	char via[NAME_MAX_LEN + 1];
	struct vnic *gw;
	int gw_port, leg;
	unsigned thread;
	struct vsw_timer tick;
	bool ticking;
	void *mem;
	size_t size;
	char path[256], lease_path[256];
	int wake;
	struct vnetd_handler h;
	struct vtimer reconcile;
};

static const char *const fwd_protos[] = {"tcp", "udp", NULL};

/* ---- configuration checks ---- */

static const char *const nat_keys[] = {"nat_address", "nat_gateway",
				       "nat_sessions", "nat_sessions_per_ip"};

/*
 * Parse "dhcp", "A" or "A/P" into @ip/@prefix (ip 0 for dhcp).
 */
static int parse_address(const char *s, uint32_t *ip, unsigned *prefix)
{
	char buf[32];
	struct in_addr a;
	char *slash;
	unsigned long p = 32;

	*ip = 0;
	*prefix = 0;
	if (!s || !strcmp(s, "dhcp"))
		return 0;
	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash) {
		*slash = 0;
		if (parse_uint(slash + 1, 1, 32, &p))
			return -EINVAL;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	*prefix = (unsigned)p;
	return 0;
}

/* Forwards of network @net in view @v. */
static unsigned fwd_count(const struct vnetd_view *v, const char *net)
{
	json_t *all = vnetd_view_all(v, &vnetd_kind_nat_forward), *f;
	const char *key;
	unsigned n = 0;

	json_object_foreach(all, key, f) n += !strcmp(jstr(f, "network"), net);
	return n;
}

/**
 * vnetd_nat_unset() - turn a network's NAT off ("--no-nat")
 * @conf: the network's configuration: loses nat_via and the options that
 *        mean something only with it (its external MAC stays, made once)
 */
void vnetd_nat_unset(json_t *conf)
{
	json_object_del(conf, "nat_via");
	for (size_t i = 0; i < ARRAY_SIZE(nat_keys); i++)
		json_object_del(conf, nat_keys[i]);
}

/**
 * vnetd_nat_check() - the NAT options of a network, against the others
 * @d: daemon
 * @v: the configuration as it would be
 * @conf: the network's configuration (nat_mac and nat_address filled in)
 * @e: the refusal
 *
 * Return: 0 or -errno with @e set
 */
int vnetd_nat_check(struct vnetd *d, const struct vnetd_view *v, json_t *conf,
		    struct vnetd_err *e)
{
	const char *via = jstr(conf, "nat_via"), *addr,
		   *name = jstr(conf, "name");
	json_t *ext;
	uint32_t ip, net = 0, mask = 0;
	unsigned prefix, plen = 0, sessions = juint(conf, "nat_sessions");
	unsigned fwds = fwd_count(v, name);

	sessions = sessions ? sessions : NAT_DEFAULT_SESSIONS;
	if (!via && fwds) {
		/* NAT turned off (--no-nat, --no-subnet) would leave its
		 * forwards behind, to be applied to whatever subnet and
		 * external network come next. */
		vnetd_err_set(
		    e, VNET_ERR_REFUSED,
		    "network '%s' has %u NAT forward(s), which need "
		    "NAT: remove them first (vnetctl nat forward list "
		    "%s; vnetctl nat forward del %s PROTO PORT)",
		    name, fwds, name, name);
		return -EINVAL;
	}
	if (!via) {
		for (size_t i = 0; i < ARRAY_SIZE(nat_keys); i++)
			if (json_object_get(conf, nat_keys[i])) {
				vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
					      "'%s' needs --nat-via EXTERNAL "
					      "(the network to translate out "
					      "through)",
					      nat_keys[i]);
				return -EINVAL;
			}
		return 0;
	}
	if (!strcmp(jstr(conf, "type"), "external")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "network '%s' is external: NAT is for private "
			      "and internal networks",
			      jstr(conf, "name"));
		return -EINVAL;
	}
	if (!jstr(conf, "subnet")) {
		vnetd_err_set(
		    e, JSONRPC_INVALID_PARAMS,
		    "--nat-via needs a subnet (IPv4) for the network's "
		    "gateway (--subnet 10.10.0.0/24 --dhcp)");
		return -EINVAL;
	}
	ext = vnetd_view_find(v, &vnetd_kind_network, via);
	if (!ext) {
		vnetd_err_set(e, VNET_ERR_NOT_FOUND,
			      "no network '%s' to translate out through", via);
		return -ENOENT;
	}
	if (strcmp(jstr(ext, "type"), "external")) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "network '%s' is %s: --nat-via needs an external "
			      "network (one with an uplink)",
			      via, jstr(ext, "type"));
		return -EINVAL;
	}
	if (!jstr(conf, "nat_address"))
		json_object_set_new(conf, "nat_address", json_string("dhcp"));
	addr = jstr(conf, "nat_address");
	if (parse_address(addr, &ip, &prefix)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "nat_address '%s': must be dhcp, or an address "
			      "with its prefix on '%s' like 192.0.2.10/24",
			      addr, via);
		return -EINVAL;
	}
	schema_cidr4_parse(jstr(conf, "subnet"), &net, &plen);
	mask = plen ? ~0u << (32 - plen) : 0;
	if (ip && ((ip & mask) == (net & mask) || (ip >> 24) == 0 ||
		   (ip >> 24) == 127 || (ip >> 28) >= 14)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "nat_address %s: not usable as the external "
			      "address (inside the subnet, or never routed)",
			      addr);
		return -EINVAL;
	}
	if (juint(conf, "nat_sessions_per_ip") == 1) {
		/* A flow from a new port takes a mapping and a session. */
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "nat_sessions_per_ip 1 lets no address open a "
			      "flow (one takes two entries): 0 for no limit, "
			      "or 2 and up");
		return -EINVAL;
	}
	if (fwds > NAT_FORWARDS_MAX(sessions)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "nat_sessions %u holds at most %u forwards (a "
			      "quarter of the table) and network '%s' has %u",
			      sessions, NAT_FORWARDS_MAX(sessions), name, fwds);
		return -EINVAL;
	}
	if (!jstr(conf, "nat_mac")) {
		uint8_t mac[6];
		char buf[MAC_STRLEN];

		/* Made once and kept, like the gateway's own. */
		mac_random(mac);
		json_object_set_new(conf, "nat_mac",
				    json_string(mac_format(mac, buf)));
	}
	return 0;
}

/* ---- the table file ---- */

static void run_dir(struct vnetd *d, char *buf, size_t size)
{
	const char *s = d->opts.socket_path, *slash = strrchr(s, '/');

	if (!slash)
		snprintf(buf, size, ".");
	else
		snprintf(buf, size, "%.*s", (int)(slash - s), s);
}

static uint64_t boot_epoch(void)
{
	char buf[64] = {0};
	uint64_t h = 1469598103934665603ull;
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = 0;
		close(fd);
	}
	for (const char *p = buf; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	return h;
}

static int map_table(struct vnetd_nat *n, size_t size, bool *fresh)
{
	struct stat st;
	int fd = open(n->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) ||
	    (st.st_size && (size_t)st.st_size != size && ftruncate(fd, 0))) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	/* A table made for another size was emptied above: fresh too, so
	 * the attach that fails on it is not logged as a second discard. */
	*fresh = !st.st_size || (size_t)st.st_size != size;
	if (st.st_size && (size_t)st.st_size != size)
		vlog(MAIN, WARN,
		     "network %s: NAT table %s was made for another size; "
		     "discarded",
		     n->net, n->path);
	if (ftruncate(fd, (off_t)size)) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	n->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (n->mem == MAP_FAILED) {
		n->mem = NULL;
		return -errno;
	}
	n->size = size;
	return 0;
}

/*
 * The lease a previous vnetd kept, if it is still usable as the external
 * address of the subnet @net/@plen: a damaged, expired or unusable one is
 * ignored (with a warning) and the client starts afresh.
 */
static void lease_load(struct vnetd_nat *n, struct vgw_nat_lease *l,
		       uint32_t net, uint8_t plen)
{
	FILE *f = fopen(n->lease_path, "re");
	unsigned prefix = 0;
	long long exp = 0;
	int got;

	memset(l, 0, sizeof(*l));
	if (!f)
		return;
	got = fscanf(f, "%u %u %u %u %lld", &l->ip, &prefix, &l->router,
		     &l->server, &exp);
	fclose(f);
	if (got == 5 && exp <= (long long)time(NULL)) {
		memset(l, 0, sizeof(*l));
		return; /* expired: nothing to warn about */
	}
	if (got != 5 || prefix < 1 || prefix > 32 || !l->ip ||
	    !nat_ext_addr_usable(net, plen, l->ip) ||
	    (l->router && (l->router == l->ip ||
			   !nat_ext_addr_usable(net, plen, l->router)))) {
		vlog(MAIN, WARN,
		     "network %s: kept lease %s ignored: not a usable "
		     "external address; asking DHCP afresh",
		     n->net, n->lease_path);
		memset(l, 0, sizeof(*l));
		return;
	}
	l->prefix = (uint8_t)prefix;
	l->expires = exp;
}

/* A new lease was bound: keep it for the next start (control thread),
 * in a file written aside and renamed over the old one. */
static void on_lease(struct vnetd *d, struct vnetd_handler *h, uint32_t ev)
{
	struct vnetd_nat *n =
	    (struct vnetd_nat *)((char *)h - offsetof(struct vnetd_nat, h));
	struct vgw_nat_stats st;
	struct nat_stats ns;
	char tmp[sizeof(n->lease_path) + 8];
	uint64_t cnt;
	FILE *f;
	int bad;

	if (read(n->wake, &cnt, sizeof(cnt)) < 0) {
		/* drained already */
	}
	vnic_gateway_nat_stats(n->gw, &st, &ns);
	if (!st.lease.ip)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", n->lease_path);
	f = fopen(tmp, "we");
	if (!f) {
		vlog_rl(MAIN, WARN, "network %s: cannot keep the lease in %s",
			n->net, tmp);
		return;
	}
	fprintf(f, "%u %u %u %u %lld\n", st.lease.ip, st.lease.prefix,
		st.lease.router, st.lease.server, (long long)st.lease.expires);
	bad = fflush(f) || fsync(fileno(f));
	if (fclose(f) || bad || rename(tmp, n->lease_path)) {
		vlog_rl(MAIN, WARN,
			"network %s: cannot keep the lease in %s: %s", n->net,
			n->lease_path, strerror(errno));
		unlink(tmp);
	}
}

/* Datapath thread. */
static void lease_changed(void *arg)
{
	struct vnetd_nat *n = arg;
	uint64_t one = 1;

	if (write(n->wake, &one, sizeof(one)) < 0) {
		/* saturated: the control thread is due anyway */
	}
}

/* ---- the tick, on the legs' datapath thread ---- */

static void tick(struct vsw_timer *tm)
{
	struct vnetd_nat *n =
	    (struct vnetd_nat *)((char *)tm - offsetof(struct vnetd_nat, tick));

	vnic_gateway_nat_tick(n->gw);
	if (n->ticking && vswitch_timer_arm(&n->tick, NAT_TICK_MS))
		n->ticking = false;
}

static void tick_start(void *arg)
{
	struct vnetd_nat *n = arg;

	n->ticking = !vswitch_timer_arm(&n->tick, 1);
}

static void tick_stop(void *arg)
{
	struct vnetd_nat *n = arg;

	n->ticking = false;
	vswitch_timer_cancel(&n->tick);
}

/* ---- forwards: a child kind of the network ---- */

static const struct schema_opt fwd_opts[] = {
    {"name", SCHEMA_STRING, 0, 40, .desc = "NETWORK/PROTO/PORT (made for you)"},
    {"network", SCHEMA_NAME, .flags = SCHEMA_REQUIRED,
     .desc = "NAT network whose gateway forwards"},
    {"proto", SCHEMA_ENUM, .flags = SCHEMA_REQUIRED, .choices = fwd_protos,
     .desc = "tcp or udp"},
    {"port", SCHEMA_UINT, 1, 65535, .flags = SCHEMA_REQUIRED,
     .desc = "port on the external address"},
    {"ip", SCHEMA_IPV4, .flags = SCHEMA_REQUIRED,
     .desc = "inside address it forwards to"},
    {"to_port", SCHEMA_UINT, 1, 65535, .flags = SCHEMA_REQUIRED,
     .desc = "inside port"},
};

static uint8_t proto_num(const char *s)
{
	return s && !strcmp(s, "udp") ? NAT_PROTO_UDP : NAT_PROTO_TCP;
}

static struct vnetd_nat *nat_of(struct vnetd *d, const char *net)
{
	struct vnetd_net *n = vnetd_net_find(d, net);

	return n && n->gw ? vnetd_gw_nat(n->gw) : NULL;
}

/*
 * Room for one more forward of network @net: at most NAT_FORWARDS_MAX() of
 * its table (the rest stays for sessions), and a free entry in the live
 * table.
 */
static int fwd_room(struct vnetd *d, const struct vnetd_view *v, json_t *net,
		    struct vnetd_err *e)
{
	const char *netname = jstr(net, "name");
	unsigned cap = juint(net, "nat_sessions"), max;
	unsigned used = fwd_count(v, netname);
	struct vnetd_nat *n = nat_of(d, netname);

	cap = cap ? cap : NAT_DEFAULT_SESSIONS;
	max = NAT_FORWARDS_MAX(cap);
	if (used >= max) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "network '%s' has %u forwards, the most its NAT "
			      "table of %u entries takes (a quarter; the rest "
			      "is for connections): raise --nat-sessions or "
			      "delete a forward",
			      netname, used, cap);
		return -ENOSPC;
	}
	if (n) {
		struct vgw_nat_stats st;
		struct nat_stats ns;

		vnic_gateway_nat_stats(n->gw, &st, &ns);
		if (ns.sessions + ns.mappings + ns.forwards >= ns.capacity) {
			vnetd_err_set(e, VNET_ERR_REFUSED,
				      "the NAT table of network '%s' is full "
				      "(%u entries in use): try again when "
				      "connections expire, or after 'vnetctl "
				      "nat flush %s'",
				      netname, (unsigned)ns.capacity, netname);
			return -ENOSPC;
		}
	}
	return 0;
}

static int fwd_check(struct vnetd *d, const struct vnetd_view *v, json_t *conf,
		     json_t *old, struct vnetd_err *e)
{
	const char *netname = jstr(conf, "network");
	json_t *net = vnetd_view_find(v, &vnetd_kind_network, netname), *o;
	struct vnetd_gw_params gp;
	char name[64], msg[256];
	uint32_t ip = 0, mask, bcast;

	if (!net) {
		vnetd_err_set(e, VNET_ERR_NOT_FOUND, "no network '%s'",
			      netname);
		return -ENOENT;
	}
	if (!jstr(net, "nat_via")) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "network '%s' has no NAT (network create ... "
			      "--nat-via EXTERNAL)",
			      netname);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%s/%s/%u", netname, jstr(conf, "proto"),
		 juint(conf, "port"));
	json_object_set_new(conf, "name", json_string(name));
	o = vnetd_view_find(v, &vnetd_kind_nat_forward, name);
	if (!old && o) {
		vnetd_err_set(e, VNET_ERR_EXISTS,
			      "%s port %u of network '%s' is already forwarded "
			      "(to %s:%u); delete that forward first",
			      jstr(conf, "proto"), juint(conf, "port"), netname,
			      jstr(o, "ip"), juint(o, "to_port"));
		return -EEXIST;
	}
	schema_ipv4_parse(jstr(conf, "ip"), &ip);
	if (vnetd_gw_params(net, &gp, msg, sizeof(msg)) || !gp.v4) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "network '%s' has no usable IPv4 subnet for its "
			      "gateway: nothing to forward to",
			      netname);
		return -EINVAL;
	}
	mask = ~0u << (32 - gp.subnet.prefix);
	bcast = (gp.subnet.net & mask) | ~mask;
	if ((ip & mask) != (gp.subnet.net & mask) || ip == bcast ||
	    ip == (gp.subnet.net & mask) || ip == gp.ip) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "%s is not a host of network '%s' (subnet %s, "
			      "gateway excluded): a forward goes to a VM "
			      "inside",
			      jstr(conf, "ip"), netname, jstr(net, "subnet"));
		return -EINVAL;
	}
	return old ? 0 : fwd_room(d, v, net, e);
}

/* Add or delete a forward in the live table: 0 or -errno with @err set. */
static int fwd_push(struct vnetd *d, json_t *conf, bool add, char *err,
		    size_t errlen)
{
	struct vnetd_nat *n = nat_of(d, jstr(conf, "network"));
	uint32_t ip = 0;
	int rc;

	if (!n)
		return 0;
	schema_ipv4_parse(jstr(conf, "ip"), &ip);
	rc = vnic_gateway_nat_forward(
	    n->gw, add, proto_num(jstr(conf, "proto")),
	    (uint16_t)juint(conf, "port"), ip, (uint16_t)juint(conf, "to_port"),
	    err, errlen);
	if (rc == -EEXIST || rc == -ENOENT)
		return 0;
	if (rc)
		vlog(MAIN, ERR, "network %s: forward %s not %s: %s",
		     jstr(conf, "network"), jstr(conf, "name"),
		     add ? "added" : "removed", err);
	return rc;
}

static struct vnetd_obj *fwd_apply(struct vnetd *d, json_t *conf,
				   bool restoring, struct vnetd_err *e)
{
	struct vnetd_obj *o;
	char err[160];

	/* The check made room; a table that still refuses (it filled in
	 * between) refuses the forward: nothing is kept.  A restore keeps
	 * it in the store (the log says why it is not in the table). */
	if (fwd_push(d, conf, true, err, sizeof(err)) && !restoring) {
		vnetd_err_set(e, VNET_ERR_REFUSED,
			      "forward %s not added: %s; nothing saved",
			      jstr(conf, "name"), err);
		return NULL;
	}
	o = calloc(1, sizeof(*o));
	if (!o) {
		(void)fwd_push(d, conf, false, err, sizeof(err));
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return NULL;
	}
	o->kind = &vnetd_kind_nat_forward;
	o->conf = json_incref(conf);
	o->name = jstr(conf, "name");
	return o;
}

static void fwd_unapply(struct vnetd *d, struct vnetd_obj *o, bool remove)
{
	char err[160];

	struct vnetd_nat *n = nat_of(d, jstr(o->conf, "network"));

	/* Only a deletion takes it out of the table now: at a stop the
	 * table keeps it, and the connections through it, for the next
	 * start; after an import the reconcile drops it if the store no
	 * longer has it. */
	if (remove)
		(void)fwd_push(d, o->conf, false, err, sizeof(err));
	else if (n && vtimer_arm(d->timers, &n->reconcile, 0))
		vlog(MAIN, ERR, "network %s: forwards not reconciled", n->net);
	json_decref(o->conf);
	free(o);
}

static json_t *fwd_status(struct vnetd *d, struct vnetd_obj *o)
{
	return json_deep_copy(o->conf);
}

const struct vnetd_kind vnetd_kind_nat_forward = {
    .name = "forward",
    .table = "nat_forwards",
    .schema = {fwd_opts, ARRAY_SIZE(fwd_opts)},
    .parent = &vnetd_kind_network,
    .parent_key = "network",
    .check = fwd_check,
    .apply = fwd_apply,
    .unapply = fwd_unapply,
    .status = fwd_status,
};

/* The table keeps forwards across restarts; the store is the truth. */
struct fwd_seen {
	struct nat_session_info *v;
	size_t n, size;
	bool short_of_memory;
};

static void fwd_collect(const struct nat_session_info *si, void *arg)
{
	struct fwd_seen *s = arg;

	if (s->n == s->size) {
		size_t size = s->size ? s->size * 2 : 64;
		struct nat_session_info *v =
		    reallocarray(s->v, size, sizeof(*v));

		if (!v) {
			s->short_of_memory = true;
			return;
		}
		s->v = v;
		s->size = size;
	}
	s->v[s->n++] = *si;
}

/* Does the store have this forward of network @net, to the same target? */
static bool fwd_wanted(const struct vnetd_objset *fw, const char *net,
		       const struct nat_session_info *si)
{
	for (size_t k = 0; k < fw->n; k++) {
		json_t *c = fw->v[k]->conf;
		uint32_t ip = 0;

		schema_ipv4_parse(jstr(c, "ip"), &ip);
		if (!strcmp(jstr(c, "network"), net) &&
		    proto_num(jstr(c, "proto")) == si->proto &&
		    juint(c, "port") == si->ext_port && ip == si->int_ip &&
		    juint(c, "to_port") == si->int_port)
			return true;
	}
	return false;
}

/*
 * After a start on a kept table: delete the forwards the store no longer
 * has, or has to another target, then add the store's.
 */
static void reconcile(struct vtimer *t, void *arg)
{
	struct vnetd_nat *n = arg;
	const struct vnetd_objset *fw =
	    vnetd_objs(n->d, &vnetd_kind_nat_forward);
	struct fwd_seen s = {0};
	char err[160];

	vnic_gateway_nat_walk(n->gw, true, fwd_collect, &s);
	if (s.short_of_memory)
		vlog(MAIN, ERR,
		     "network %s: out of memory: the kept table's forwards "
		     "not all checked against the store",
		     n->net);
	for (size_t i = 0; i < s.n; i++)
		if (!fwd_wanted(fw, n->net, &s.v[i]))
			(void)vnic_gateway_nat_forward(
			    n->gw, false, s.v[i].proto, s.v[i].ext_port, 0, 0,
			    err, sizeof(err));
	free(s.v);
	for (size_t k = 0; k < fw->n; k++)
		if (!strcmp(jstr(fw->v[k]->conf, "network"), n->net))
			(void)fwd_push(n->d, fw->v[k]->conf, true, err,
				       sizeof(err));
}

/* ---- start and stop ---- */

static void nat_free(struct vnetd *d, struct vnetd_nat *n)
{
	if (n->wake >= 0) {
		vnetd_unwatch(d, n->wake);
		close(n->wake);
	}
	vtimer_cancel(d->timers, &n->reconcile);
	if (n->mem)
		munmap(n->mem, n->size);
	free(n);
}

/**
 * vnetd_nat_start() - give a network's gateway its NAT: map the table,
 * attach it (or format it), add the external leg, start the tick
 * @d: daemon
 * @net: the network (with nat_via)
 * @gw: its gateway port, in the switch
 * @gw_port: that port's id
 * @out: the NAT, for vnetd_nat_stop() and vnetd_nat_free()
 * @e: error
 *
 * Return: 0 or -errno with @e set
 */
int vnetd_nat_start(struct vnetd *d, struct vnetd_net *net, struct vnic *gw,
		    int gw_port, struct vnetd_nat **out, struct vnetd_err *e)
{
	json_t *conf = net->obj.conf;
	struct vnetd_net *ext = vnetd_net_find(d, jstr(conf, "nat_via"));
	struct vnetd_gw_params gp;
	struct nat_config nc = {0};
	struct nat_attach_info info = {0};
	struct nat_table *t = NULL;
	struct vgw_nat_config gc = {0};
	struct vsw_vlan vlan = {0};
	struct vnic *leg = NULL;
	struct vnetd_nat *n;
	char dir[200], msg[256], legname[NAME_MAX_LEN + 1];
	unsigned prefix, cap = juint(conf, "nat_sessions");
	unsigned ext_mtu;
	bool fresh = false, dhcp;
	uint32_t ip;
	int rc;

	if (!ext || ext->type != VSW_NET_EXTERNAL) {
		vnetd_err_set(e, VNET_ERR_NOT_FOUND,
			      "network %s: no external network '%s' to "
			      "translate out through",
			      net->obj.name, jstr(conf, "nat_via"));
		return -ENOENT;
	}
	if (vnetd_gw_params(conf, &gp, msg, sizeof(msg)) ||
	    parse_address(jstr(conf, "nat_address"), &ip, &prefix)) {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "NAT settings refused");
		return -EINVAL;
	}
	dhcp = !ip;
	n = calloc(1, sizeof(*n));
	if (!n) {
		vnetd_err_set(e, VNET_ERR_SYSTEM, "out of memory");
		return -ENOMEM;
	}
	n->d = d;
	n->gw = gw;
	n->gw_port = gw_port;
	n->leg = -1;
	n->wake = -1;
	snprintf(n->net, sizeof(n->net), "%s", net->obj.name);
	vsw_timer_init(&n->tick, tick);
	vtimer_init(&n->reconcile, reconcile, n);
	run_dir(d, dir, sizeof(dir));
	snprintf(n->path, sizeof(n->path), "%s/nat-%s.tbl", dir, n->net);
	snprintf(n->lease_path, sizeof(n->lease_path), "%s/nat-%s.lease", dir,
		 n->net);
	gc.addr.ip = ip;
	gc.addr.prefix = (uint8_t)prefix;
	if (dhcp)
		lease_load(n, &gc.addr, gp.subnet.net, gp.subnet.prefix);
	if (!gc.addr.router && jstr(conf, "nat_gateway"))
		schema_ipv4_parse(jstr(conf, "nat_gateway"), &gc.addr.router);
	ext_mtu = juint(ext->obj.conf, "mtu");
	nc.capacity = cap ? cap : NAT_DEFAULT_SESSIONS;
	nc.sessions_per_ip = json_object_get(conf, "nat_sessions_per_ip")
				 ? juint(conf, "nat_sessions_per_ip")
				 : NAT_DEFAULT_PER_IP(nc.capacity);
	nc.epoch = boot_epoch();
	if (getrandom(nc.hash_key, sizeof(nc.hash_key), 0) !=
	    sizeof(nc.hash_key))
		nc.hash_key[0] = now_ns() ^ (uint64_t)getpid();
	nc.inside_net = gp.subnet.net;
	nc.inside_prefix = gp.subnet.prefix;
	/* Without an address yet (DHCP), a placeholder the packet path never
	 * uses: it waits for the first lease. */
	nc.ext_addr[0] =
	    gc.addr.ip
		? gc.addr.ip
		: nat_ext_addr_placeholder(nc.inside_net, nc.inside_prefix);
	nc.n_ext = 1;
	nc.ext_mtu = (uint16_t)(ext_mtu < juint(conf, "mtu") ? ext_mtu : 0);
	rc = map_table(n, nat_table_size(nc.capacity), &fresh);
	if (rc) {
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "network %s: NAT table %s: %s", n->net, n->path,
			      strerror(-rc));
		goto err;
	}
	rc = nat_table_attach(n->mem, n->size, &nc, now_sec(), &t, &info, msg,
			      sizeof(msg));
	if (rc) {
		if (!fresh)
			vlog(MAIN, WARN,
			     "network %s: NAT table %s discarded: %s", n->net,
			     n->path, msg);
		rc = nat_table_init(n->mem, n->size, &nc, now_sec(), &t, msg,
				    sizeof(msg));
		if (rc) {
			vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
				      "network %s: NAT: %s", n->net, msg);
			goto err;
		}
	} else {
		vlog(MAIN, INFO,
		     "network %s: NAT table attached: %u entries kept, %u "
		     "expired, %u discarded",
		     n->net, info.kept, info.stale, info.discarded);
	}
	n->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	n->h.fn = on_lease;
	if (n->wake < 0 || vnetd_watch(d, n->wake, EPOLLIN, &n->h)) {
		rc = -errno;
		nat_table_detach(t);
		vnetd_err_set(e, VNET_ERR_SYSTEM, "NAT set-up: %s",
			      strerror(errno));
		goto err;
	}
	snprintf(legname, sizeof(legname), "gx.%.12s", n->net);
	gc.name = legname;
	mac_parse(jstr(conf, "nat_mac"), gc.mac);
	gc.mtu = ext_mtu;
	gc.table = t;
	gc.nat = &nc;
	gc.dhcp = dhcp;
	if (jstr(conf, "nat_gateway"))
		schema_ipv4_parse(jstr(conf, "nat_gateway"), &gc.router);
	gc.lease_changed = lease_changed;
	gc.arg = n;
	rc = vnic_gateway_nat_open(gw, &gc, &leg, msg, sizeof(msg));
	if (rc) {
		nat_table_detach(t);
		vnetd_err_set(e, VNET_ERR_SYSTEM, "%s", msg);
		goto err;
	}
	/* From here the table is the gateway's. */
	snprintf(n->via, sizeof(n->via), "%s", ext->obj.name);
	rc = n->leg = vswitch_port_add(d->sw, ext->id, legname,
				       VSW_ROLE_GATEWAY, &vlan, leg);
	if (rc < 0) {
		vnic_close(leg);
		vnetd_err_set(e, VNET_ERR_SYSTEM,
			      "network %s: cannot attach the NAT leg to %s: %s",
			      n->net, ext->obj.name, strerror(-rc));
		goto err;
	}
	if (vswitch_fdb_pin(d->sw, ext->id, gc.mac, 0, n->leg) ||
	    vswitch_port_pin(d->sw, n->leg, gw_port))
		vlog(MAIN, WARN,
		     "network %s: the NAT leg is not pinned with its gateway",
		     n->net);
	n->thread = vswitch_port_thread(d->sw, gw_port);
	if (vswitch_call_wait(d->sw, n->thread, tick_start, n) || !n->ticking)
		vlog(MAIN, ERR, "network %s: NAT expiry timer not started",
		     n->net);
	if (vtimer_arm(d->timers, &n->reconcile, 0))
		vlog(MAIN, ERR, "network %s: forwards not reconciled", n->net);
	vlog(MAIN, INFO, "network %s: NAT via %s, address %s", n->net,
	     ext->obj.name, jstr(conf, "nat_address"));
	*out = n;
	return 0;
err:
	if (n->leg >= 0)
		(void)vnetd_gw_port_del(d, n->via, n->leg);
	nat_free(d, n);
	return rc < 0 ? rc : -EINVAL;
}

/**
 * vnetd_nat_stop() - stop the tick and remove the external leg (before the
 * gateway port goes)
 * @d: daemon
 * @n: NAT, or NULL
 */
void vnetd_nat_stop(struct vnetd *d, struct vnetd_nat *n)
{
	if (!n)
		return;
	if (vswitch_call_wait(d->sw, n->thread, tick_stop, n))
		vlog(MAIN, ERR, "network %s: NAT timer not stopped", n->net);
	if (n->leg >= 0)
		(void)vnetd_gw_port_del(d, n->via, n->leg);
	n->leg = -1;
}

/**
 * vnetd_nat_free() - unmap the table (after the gateway port is closed: it
 * detached the table); the file stays for the next start
 * @d: daemon
 * @n: NAT, or NULL
 */
void vnetd_nat_free(struct vnetd *d, struct vnetd_nat *n)
{
	if (n)
		nat_free(d, n);
}

/**
 * vnetd_nat_ext_gone() - an external network is being deleted: stop the
 * NAT of the networks that translate through it (their gateways are
 * rebuilt without it once the deletion is done)
 * @d: daemon
 * @ext: the external network's name
 */
void vnetd_nat_ext_gone(struct vnetd *d, const char *ext)
{
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);

	for (size_t i = 0; i < nets->n; i++) {
		struct vnetd_net *net = vnetd_net_of(nets->v[i]);
		const char *via = jstr(net->obj.conf, "nat_via");

		if (via && !strcmp(via, ext) && net->gw) {
			vlog(MAIN, WARN,
			     "network %s: external network %s deleted: NAT "
			     "stops",
			     net->obj.name, ext);
			vnetd_gw_stop(d, net);
			vnetd_gw_changed(d, net->obj.name);
		}
	}
}

/* Rebuild the gateways of the networks translating through @ext whose NAT
 * runs (@running) or does not. */
static void rebuild_via(struct vnetd *d, const char *ext, bool running,
			const char *why)
{
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);

	for (size_t i = 0; i < nets->n; i++) {
		struct vnetd_net *net = vnetd_net_of(nets->v[i]);
		const char *via = jstr(net->obj.conf, "nat_via");

		if (!via || strcmp(via, ext) ||
		    (net->gw && vnetd_gw_nat(net->gw)) != running)
			continue;
		vlog(MAIN, INFO, "network %s: external network %s %s",
		     net->obj.name, ext, why);
		vnetd_gw_changed(d, net->obj.name);
	}
}

/**
 * vnetd_nat_ext_back() - an external network came up (created, or restored
 * after the networks that translate through it): rebuild the gateways of
 * those networks, whose NAT is off while it is missing
 * @d: daemon
 * @ext: the external network's name
 */
void vnetd_nat_ext_back(struct vnetd *d, const char *ext)
{
	rebuild_via(d, ext, false, "is back: NAT starts");
}

/**
 * vnetd_nat_ext_mtu() - an external network's MTU changes: rebuild the
 * gateways of the networks translating through it once the change is
 * stored, so their MSS clamping and fragmentation-needed use the new MTU
 * (the table is detached and attached again: connections go on)
 * @d: daemon
 * @ext: the external network's name
 */
void vnetd_nat_ext_mtu(struct vnetd *d, const char *ext)
{
	rebuild_via(d, ext, true, "has a new MTU: NAT restarts with it");
}

/* ---- status and control methods ---- */

static json_t *ip_json(uint32_t ip)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr a = {htonl(ip)};

	return json_string(inet_ntop(AF_INET, &a, buf, sizeof(buf)));
}

static json_t *counters(struct vnetd_nat *n)
{
	struct vgw_nat_stats st;
	struct nat_stats ns;
	json_t *o, *drops = json_object();

	vnic_gateway_nat_stats(n->gw, &st, &ns);
	for (int i = 0; i < NAT_DROP_MAX; i++)
		jsonrpc_set_nonzero(drops, nat_drop_name((enum nat_drop)i),
				    ns.drops[i]);
	for (int i = 0; i < VGW_NAT_DROP_MAX; i++)
		jsonrpc_set_nonzero(drops,
				    vgw_nat_drop_name((enum vgw_nat_drop)i),
				    st.drops[i]);
	o = json_pack(
	    "{s:o,s:i,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
	    "address", st.lease.ip ? ip_json(st.lease.ip) : json_null(),
	    "prefix", st.lease.prefix, "dhcp_state",
	    st.dhcp_state ? st.dhcp_state : "none", "translated_out",
	    (json_int_t)ns.out, "translated_in", (json_int_t)ns.in, "hairpin",
	    (json_int_t)ns.hairpin, "sessions", (json_int_t)ns.sessions,
	    "mappings", (json_int_t)ns.mappings, "forwards",
	    (json_int_t)ns.forwards, "capacity", (json_int_t)ns.capacity,
	    "created", (json_int_t)ns.created, "expired",
	    (json_int_t)ns.expired, "mss_clamped", (json_int_t)ns.mss_clamped,
	    "icmp_errors", (json_int_t)st.icmp_errors);
	json_object_set_new(o, "router",
			    st.lease.router ? ip_json(st.lease.router)
					    : json_null());
	jsonrpc_set_u64(o, "bytes_out", ns.bytes_out);
	jsonrpc_set_u64(o, "bytes_in", ns.bytes_in);
	jsonrpc_set_u64(o, "rst_ignored", ns.rst_ignored);
	jsonrpc_set_u64(o, "early_drops", ns.early_drops);
	jsonrpc_set_u64(o, "exhausted",
			ns.drops[NAT_DROP_PORTS_EXHAUSTED] +
			    ns.drops[NAT_DROP_TABLE_FULL]);
	jsonrpc_set_u64(o, "dhcp_acks", st.dhcp_acks);
	jsonrpc_set_u64(o, "dhcp_sent", st.dhcp_sent);
	jsonrpc_set_u64(o, "arp_requests", st.arp_requests);
	jsonrpc_set_u64(o, "echo_replies", st.echo_replies);
	jsonrpc_set_u64(o, "superframes", st.superframes);
	jsonrpc_set_u64(o, "fragmented", st.fragmented);
	json_object_set_new(o, "superframes_whole",
			    json_pack("{s:I,s:I}", "inside",
				      (json_int_t)st.sf_whole[0], "outside",
				      (json_int_t)st.sf_whole[1]));
	json_object_set_new(o, "superframes_segmented",
			    json_pack("{s:I,s:I}", "inside",
				      (json_int_t)st.sf_cut[0], "outside",
				      (json_int_t)st.sf_cut[1]));
	json_object_set_new(o, "drops", drops);
	return o;
}

/**
 * vnetd_nat_status() - a network's NAT for "network show"
 * @d: daemon
 * @net: network
 *
 * Return: a new object, or NULL without a running NAT
 */
json_t *vnetd_nat_status(struct vnetd *d, struct vnetd_net *net)
{
	struct vnetd_nat *n = net->gw ? vnetd_gw_nat(net->gw) : NULL;

	return n ? counters(n) : NULL;
}

struct walk_ctx {
	json_t *arr;
	const char *net;
	int64_t now;
};

static void session_row(const struct nat_session_info *si, void *arg)
{
	static const char *const kinds[] = {"", "mapping", "forward",
					    "session"};
	struct walk_ctx *c = arg;
	json_t *o = json_pack("{s:s,s:s,s:s,s:o,s:i,s:o,s:i}", "network",
			      c->net, "kind", kinds[si->kind & 3], "proto",
			      si->proto == NAT_PROTO_TCP   ? "tcp"
			      : si->proto == NAT_PROTO_UDP ? "udp"
							   : "icmp",
			      "inside", ip_json(si->int_ip), "inside_port",
			      si->int_port, "external", ip_json(si->ext_ip),
			      "external_port", si->ext_port);

	if (si->kind == NAT_KIND_SESSION) {
		json_object_set_new(o, "remote", ip_json(si->rem_ip));
		json_object_set_new(o, "remote_port",
				    json_integer(si->rem_port));
		json_object_set_new(
		    o, "state",
		    json_string(si->proto == NAT_PROTO_TCP
				    ? nat_tcp_state_name(si->state)
				    : (si->replied ? "replied" : "new")));
		json_object_set_new(o, "inbound", json_boolean(si->inbound));
	}
	json_object_set_new(
	    o, "expires_in",
	    json_integer(si->expires ? (json_int_t)(si->expires - c->now) : 0));
	jsonrpc_set_u64(o, "packets_out", si->pkts_out);
	jsonrpc_set_u64(o, "bytes_out", si->bytes_out);
	jsonrpc_set_u64(o, "packets_in", si->pkts_in);
	jsonrpc_set_u64(o, "bytes_in", si->bytes_in);
	json_array_append_new(c->arr, o);
}

/* The NAT networks @params names (all without "network"). */
static bool for_nats(struct vnetd *d, json_t *params, struct vnetd_err *e,
		     void (*fn)(struct vnetd_nat *n, void *arg), void *arg)
{
	const char *name = jstr(params, "network");
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);
	struct vnetd_obj *o;

	if (name) {
		o = vnetd_obj_lookup(d, &vnetd_kind_network, name, e);
		if (!o)
			return false;
		if (!nat_of(d, name)) {
			vnetd_err_set(e, VNET_ERR_REFUSED,
				      "network '%s' has no running NAT", name);
			return false;
		}
		fn(nat_of(d, name), arg);
		return true;
	}
	for (size_t i = 0; i < nets->n; i++)
		if (nat_of(d, nets->v[i]->name))
			fn(nat_of(d, nets->v[i]->name), arg);
	return true;
}

static void sessions_one(struct vnetd_nat *n, void *arg)
{
	struct walk_ctx *c = arg;

	c->net = n->net;
	vnic_gateway_nat_walk(n->gw, false, session_row, c);
}

static void counters_one(struct vnetd_nat *n, void *arg)
{
	json_t *o = counters(n);

	json_object_set_new(o, "network", json_string(n->net));
	json_array_append_new(arg, o);
}

/**
 * vnetd_nat_sessions() - RPC nat.sessions {network?}: live translations
 * and the counters of each NAT
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: {"sessions": [...], "nats": [...]}, or NULL with @e set
 */
json_t *vnetd_nat_sessions(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	struct walk_ctx c = {json_array(), NULL, now_sec()};
	json_t *cnt = json_array();

	if (!for_nats(d, params, e, sessions_one, &c) ||
	    !for_nats(d, params, e, counters_one, cnt)) {
		json_decref(c.arr);
		json_decref(cnt);
		return NULL;
	}
	return json_pack("{s:o,s:o}", "sessions", c.arr, "nats", cnt);
}

static void flush_one(struct vnetd_nat *n, void *arg)
{
	unsigned k = vnic_gateway_nat_flush(n->gw);

	*(unsigned *)arg += k;
	vlog(MAIN, INFO, "network %s: NAT flushed, %u entries", n->net, k);
}

/**
 * vnetd_nat_flush() - RPC nat.flush {network?}: forget sessions and
 * dynamic mappings (forwards stay)
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: {"flushed": n}, or NULL with @e set
 */
json_t *vnetd_nat_flush(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	unsigned k = 0;

	if (!for_nats(d, params, e, flush_one, &k))
		return NULL;
	return json_pack("{s:i}", "flushed", k);
}

/**
 * vnetd_nat_forward() - RPC nat.forward {action: add|del|list, network,
 * proto, port, ip, to_port}
 * @d: daemon
 * @params: parameters
 * @e: error
 *
 * Return: the forward, {"deleted": name} or the list; NULL with @e set
 */
json_t *vnetd_nat_forward(struct vnetd *d, json_t *params, struct vnetd_err *e)
{
	const char *action = jstr(params, "action");
	json_t *p, *res;
	char name[64];

	if (!action || !strcmp(action, "list"))
		return vnetd_obj_list(d, &vnetd_kind_nat_forward,
				      jstr(params, "network"), e);
	p = json_deep_copy(params);
	json_object_del(p, "action");
	if (!strcmp(action, "add")) {
		res = vnetd_obj_create(d, &vnetd_kind_nat_forward, p, e);
	} else if (!strcmp(action, "del")) {
		snprintf(name, sizeof(name), "%s/%s/%u",
			 jstr(p, "network") ? jstr(p, "network") : "",
			 jstr(p, "proto") ? jstr(p, "proto") : "",
			 juint(p, "port"));
		json_decref(p);
		p = json_pack("{s:s}", "name", name);
		res = vnetd_obj_delete(d, &vnetd_kind_nat_forward, p, e);
	} else {
		vnetd_err_set(e, JSONRPC_INVALID_PARAMS,
			      "action '%s': add, del or list", action);
		res = NULL;
	}
	json_decref(p);
	return res;
}

/**
 * vnetd_nat_stats_rows() - one "vnetctl stats" row per running NAT: packets
 * translated each way and drops by reason (the engine's and the gateway's)
 * @d: daemon
 * @net: only this network's, or NULL for all
 * @arr: array the rows are appended to
 */
void vnetd_nat_stats_rows(struct vnetd *d, const char *net, json_t *arr)
{
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);

	for (size_t i = 0; i < nets->n; i++) {
		const char *name = nets->v[i]->name;
		struct vnetd_nat *n = nat_of(d, name);
		json_t *c, *row;
		char port[NAME_MAX_LEN + 8];

		if (!n || (net && strcmp(net, name)))
			continue;
		c = counters(n);
		snprintf(port, sizeof(port), "nat:%s", name);
		row = json_pack("{s:s,s:s,s:O,s:O,s:O,s:O,s:O}", "port", port,
				"network", name, "rx_packets",
				json_object_get(c, "translated_in"), "rx_bytes",
				json_object_get(c, "bytes_in"), "tx_packets",
				json_object_get(c, "translated_out"),
				"tx_bytes", json_object_get(c, "bytes_out"),
				"drops", json_object_get(c, "drops"));
		json_object_set_new(
		    row, "exhausted",
		    json_incref(json_object_get(c, "exhausted")));
		json_array_append_new(arr, row);
		json_decref(c);
	}
}

/* Metrics: the counters of counters() worth a family each. */
static const struct {
	const char *key, *name, *type, *help;
} nat_metrics[] = {
    {"translated_out", "vnet_nat_translated_out_total", "counter",
     "Packets translated from the inside out"},
    {"translated_in", "vnet_nat_translated_in_total", "counter",
     "Packets translated from the outside in"},
    {"hairpin", "vnet_nat_hairpin_total", "counter",
     "Packets turned back into the private network"},
    {"created", "vnet_nat_sessions_created_total", "counter",
     "Sessions created"},
    {"expired", "vnet_nat_entries_expired_total", "counter",
     "Entries freed by expiry"},
    {"exhausted", "vnet_nat_exhausted_total", "counter",
     "New flows refused: no free port or a full table"},
    {"icmp_errors", "vnet_nat_icmp_errors_total", "counter",
     "Time exceeded and fragmentation needed sent by the gateway"},
    {"rst_ignored", "vnet_nat_rst_ignored_total", "counter",
     "TCP resets outside the connection's window: passed on, the session "
     "kept"},
    {"early_drops", "vnet_nat_early_drops_total", "counter",
     "Unanswered sessions freed by a full table for a new flow"},
    {"sessions", "vnet_nat_sessions", "gauge", "Sessions live"},
    {"mappings", "vnet_nat_mappings", "gauge", "Dynamic mappings live"},
    {"capacity", "vnet_nat_capacity", "gauge", "Entries the table holds"},
};

/**
 * vnetd_nat_metrics() - the NAT families of the metrics endpoint
 * @d: daemon
 *
 * Return: text in the Prometheus exposition format (free() it), or NULL
 */
char *vnetd_nat_metrics(struct vnetd *d)
{
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);
	json_t *all = json_array();
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || !all) {
		if (f)
			fclose(f);
		free(buf);
		json_decref(all);
		return NULL;
	}
	for (size_t i = 0; i < nets->n; i++) {
		struct vnetd_nat *n = nat_of(d, nets->v[i]->name);

		if (n)
			counters_one(n, all);
	}
	for (size_t m = 0; m < ARRAY_SIZE(nat_metrics); m++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", nat_metrics[m].name,
			nat_metrics[m].help, nat_metrics[m].name,
			nat_metrics[m].type);
		for (size_t i = 0; i < json_array_size(all); i++) {
			json_t *o = json_array_get(all, i);

			fprintf(f, "%s{network=\"%s\"} %lld\n",
				nat_metrics[m].name, jstr(o, "network"),
				(long long)json_integer_value(
				    json_object_get(o, nat_metrics[m].key)));
		}
	}
	fprintf(f, "# HELP vnet_nat_drops_total Packets the NAT dropped, by "
		   "reason\n# TYPE vnet_nat_drops_total counter\n");
	for (size_t i = 0; i < json_array_size(all); i++) {
		json_t *o = json_array_get(all, i);
		json_t *drops = json_object_get(o, "drops");

		for (void *it = json_object_iter(drops); it;
		     it = json_object_iter_next(drops, it))
			fprintf(f,
				"vnet_nat_drops_total{network=\"%s\","
				"reason=\"%s\"} %lld\n",
				jstr(o, "network"), json_object_iter_key(it),
				(long long)json_integer_value(
				    json_object_iter_value(it)));
	}
	json_decref(all);
	fclose(f);
	return buf;
}

/**
 * vnetd_nat_forget() - a NAT network is deleted for good: remove its table
 * and kept lease from the run directory (its gateway is stopped already)
 * @d: daemon
 * @net: network name
 */
void vnetd_nat_forget(struct vnetd *d, const char *net)
{
	char dir[200], path[256];

	run_dir(d, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/nat-%s.tbl", dir, net);
	if (unlink(path) && errno != ENOENT)
		vlog(MAIN, WARN, "network %s: cannot remove %s: %s", net, path,
		     strerror(errno));
	snprintf(path, sizeof(path), "%s/nat-%s.lease", dir, net);
	(void)unlink(path);
}
