// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_metrics.c - the Prometheus text endpoint (vnetd --metrics)
 *
 * A scraper connects over TCP or a Unix socket, sends "GET /metrics", and
 * gets every counter in the Prometheus text exposition format 0.0.4: per
 * port and per network counters, drops by named reason, MAC table
 * occupancy, datapath thread CPU time and busy ratio, control clients.
 * The server lives on the control thread like the control socket
 * (vnetd_rpc.c): sockets never block, each connection has one deadline from
 * accept to the last byte of the reply, and a connection that misses it is
 * closed, so a slow or stalled scraper costs a slot, never the thread.  The
 * reply is built in one go from the same counters `vnetctl stats` shows,
 * then the connection closes (HTTP/1.0 style).  Request bytes are
 * untrusted: only the request line is looked at, and its length is capped.
 */
#include "vnetd.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "../vnic/vnic.h"

#define METRICS_MAX_CONNS   16
#define METRICS_DEADLINE_MS 5000 /* accept to last reply byte */
#define METRICS_MAX_REQ	    8192 /* request head, bytes */
#define METRICS_MAX_THREADS VSW_MAX_THREADS

/* Why scrape connections were closed before a full reply, counted. */
#define METRICS_DROPS(X)                                          \
	X(TIMEOUT, "timeout", "no full request or reply in time") \
	X(TOO_LONG, "too_long", "request head over the limit")    \
	X(BAD_REQUEST, "bad_request", "not an HTTP GET request")  \
	X(NOT_FOUND, "not_found", "path other than /metrics")     \
	X(BUSY, "busy", "every connection slot taken")

enum metrics_drop {
#define METRICS_DROP_ENUM(id, name, desc) METRICS_DROP_##id,
	METRICS_DROPS(METRICS_DROP_ENUM)
#undef METRICS_DROP_ENUM
	    METRICS_DROP_MAX,
};

static const char *const metrics_drop_names[] = {
#define METRICS_DROP_NAME(id, name, desc) name,
    METRICS_DROPS(METRICS_DROP_NAME)
#undef METRICS_DROP_NAME
};

/* A growing text buffer; a failed allocation sticks in @oom. */
struct mbuf {
	char *data;
	size_t len, cap;
	bool oom;
};

struct vnetd_metrics;

/**
 * struct metrics_conn - one scrape connection
 * @h: its handler in the control loop
 * @m: the server
 * @fd: socket, -1 when the slot is free
 * @timer: deadline
 * @in: request bytes so far
 * @in_len: bytes in @in
 * @out: reply
 * @sent: reply bytes sent
 */
struct metrics_conn {
	struct vnetd_handler h;
	struct vnetd_metrics *m;
	int fd;
	struct vtimer timer;
	char in[METRICS_MAX_REQ];
	size_t in_len;
	struct mbuf out;
	size_t sent;
};

/* CPU time of one datapath thread at the previous scrape. */
struct dp_sample {
	uint64_t cpu_ticks;
	uint64_t at_ns;
};

struct vnetd_metrics {
	struct vnetd *d;
	struct vnetd_handler h;
	int listen_fd;
	char path[108]; /* Unix socket path, empty for TCP */
	uint64_t scrapes;
	uint64_t drops[METRICS_DROP_MAX];
	struct dp_sample dp[METRICS_MAX_THREADS];
	struct metrics_conn conns[METRICS_MAX_CONNS];
};

static void mb_printf(struct mbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void mb_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap : 16384;
		char *p;

		while (cap - b->len <= (size_t)n)
			cap *= 2;
		p = realloc(b->data, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
}

/* A label value with \, " and newline escaped as the format requires. */
static void mb_label(struct mbuf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\' || *s == '"')
			mb_printf(b, "\\%c", *s);
		else if (*s == '\n')
			mb_printf(b, "\\n");
		else
			mb_printf(b, "%c", *s);
	}
}

static void family(struct mbuf *b, const char *name, const char *type,
		   const char *help)
{
	mb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* ---- what is exposed ---- */

/* Port counters from struct vsw_port_stats, one family each. */
static const struct {
	const char *name, *help;
	size_t off;
} port_counters[] = {
    {"vnet_port_rx_packets_total", "Frames received from the port's device",
     offsetof(struct vsw_port_stats, rx_packets)},
    {"vnet_port_rx_bytes_total", "Bytes received from the port's device",
     offsetof(struct vsw_port_stats, rx_bytes)},
    {"vnet_port_tx_packets_total", "Frames sent to the port's device",
     offsetof(struct vsw_port_stats, tx_packets)},
    {"vnet_port_tx_bytes_total", "Bytes sent to the port's device",
     offsetof(struct vsw_port_stats, tx_bytes)},
};

/* Network counters from struct vsw_net_stats. */
static const struct {
	const char *name, *type, *help;
	size_t off;
} net_counters[] = {
    {"vnet_network_unicast_frames_total", "counter",
     "Frames forwarded to one port by the MAC table",
     offsetof(struct vsw_net_stats, unicast)},
    {"vnet_network_flooded_frames_total", "counter",
     "Frames flooded to every port of their VLAN",
     offsetof(struct vsw_net_stats, flooded)},
    {"vnet_network_mac_learned_total", "counter",
     "MAC addresses learned into the MAC table",
     offsetof(struct vsw_net_stats, learned)},
    {"vnet_network_mac_moved_total", "counter",
     "MAC addresses seen moving to another port",
     offsetof(struct vsw_net_stats, moved)},
    {"vnet_network_mac_table_full_total", "counter",
     "MAC addresses not learned because the table was full",
     offsetof(struct vsw_net_stats, fdb_full)},
    {"vnet_network_mac_entries", "gauge", "Entries in the MAC table",
     offsetof(struct vsw_net_stats, fdb_entries)},
};

static uint64_t field_u64(const void *st, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)st + off, sizeof(v));
	return v;
}

static void port_labels(struct mbuf *b, struct vnetd_port *p)
{
	mb_printf(b, "{port=\"");
	mb_label(b, p->obj.name);
	mb_printf(b, "\",network=\"");
	mb_label(b, jstr(p->obj.conf, "network"));
	mb_printf(b, "\"");
}

static void emit_ports(struct vnetd *d, struct mbuf *b)
{
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	struct vsw_port_stats *st =
	    calloc(ports->n ? ports->n : 1, sizeof(*st));

	if (!st) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < ports->n; i++) {
		struct vnetd_port *p = vnetd_port_of(ports->v[i]);

		if (p->id >= 0)
			vnetd_port_stats(d, p, &st[i]);
	}
	family(b, "vnet_port_up", "gauge",
	       "1 when the port is open and its link is up, 0 otherwise");
	for (size_t i = 0; i < ports->n; i++) {
		struct vnetd_port *p = vnetd_port_of(ports->v[i]);

		mb_printf(b, "vnet_port_up");
		port_labels(b, p);
		mb_printf(b, "} %d\n",
			  p->id >= 0 && vswitch_port_up(d->sw, p->id));
	}
	for (size_t c = 0; c < ARRAY_SIZE(port_counters); c++) {
		family(b, port_counters[c].name, "counter",
		       port_counters[c].help);
		for (size_t i = 0; i < ports->n; i++) {
			struct vnetd_port *p = vnetd_port_of(ports->v[i]);

			if (p->id < 0)
				continue;
			mb_printf(b, "%s", port_counters[c].name);
			port_labels(b, p);
			mb_printf(b, "} %llu\n",
				  (unsigned long long)field_u64(
				      &st[i], port_counters[c].off));
		}
	}
	family(b, "vnet_port_drops_total", "counter",
	       "Frames dropped at the port, by reason (vnetctl stats names "
	       "them)");
	for (size_t i = 0; i < ports->n; i++) {
		struct vnetd_port *p = vnetd_port_of(ports->v[i]);

		if (p->id < 0)
			continue;
		for (int r = 0; r < VSW_DROP_MAX; r++) {
			mb_printf(b, "vnet_port_drops_total");
			port_labels(b, p);
			mb_printf(b, ",reason=\"%s\"} %llu\n",
				  vsw_drop_name((enum vsw_drop)r),
				  (unsigned long long)st[i].drops[r]);
		}
		for (int r = 0; r < VNIC_DROP_MAX; r++) {
			mb_printf(b, "vnet_port_drops_total");
			port_labels(b, p);
			mb_printf(b, ",reason=\"%s\"} %llu\n",
				  vnic_drop_name((enum vnic_drop)r),
				  (unsigned long long)vnetd_port_vnic_drops(
				      d, p, (enum vnic_drop)r));
		}
	}
	family(b, "vnet_port_mac_entries", "gauge",
	       "MAC addresses learned on the port");
	for (size_t i = 0; i < ports->n; i++) {
		struct vnetd_port *p = vnetd_port_of(ports->v[i]);

		if (p->id < 0)
			continue;
		mb_printf(b, "vnet_port_mac_entries");
		port_labels(b, p);
		mb_printf(b, "} %u\n", vswitch_port_mac_count(d->sw, p->id));
	}
	family(b, "vnet_port_mac_limit", "gauge",
	       "Most MAC addresses the port may hold (0: no limit)");
	for (size_t i = 0; i < ports->n; i++) {
		struct vnetd_port *p = vnetd_port_of(ports->v[i]);

		if (p->id < 0)
			continue;
		mb_printf(b, "vnet_port_mac_limit");
		port_labels(b, p);
		mb_printf(b, "} %u\n", vswitch_port_mac_limit(d->sw, p->id));
	}
	free(st);
}

static void net_label(struct mbuf *b, const char *metric, struct vnetd_net *n)
{
	mb_printf(b, "%s{network=\"", metric);
	mb_label(b, n->obj.name);
	mb_printf(b, "\"}");
}

static void emit_networks(struct vnetd *d, struct mbuf *b)
{
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);
	struct vsw_net_stats *st = calloc(nets->n ? nets->n : 1, sizeof(*st));

	if (!st) {
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < nets->n; i++)
		vswitch_net_stats(d->sw, vnetd_net_of(nets->v[i])->id, &st[i]);
	family(b, "vnet_network_info", "gauge",
	       "1 for each network, with its type as a label");
	for (size_t i = 0; i < nets->n; i++) {
		struct vnetd_net *n = vnetd_net_of(nets->v[i]);

		mb_printf(b, "vnet_network_info{network=\"");
		mb_label(b, n->obj.name);
		mb_printf(b, "\",type=\"%s\"} 1\n", vsw_net_type_name(n->type));
	}
	for (size_t c = 0; c < ARRAY_SIZE(net_counters); c++) {
		family(b, net_counters[c].name, net_counters[c].type,
		       net_counters[c].help);
		for (size_t i = 0; i < nets->n; i++) {
			net_label(b, net_counters[c].name,
				  vnetd_net_of(nets->v[i]));
			mb_printf(b, " %llu\n",
				  (unsigned long long)field_u64(
				      &st[i], net_counters[c].off));
		}
	}
	family(b, "vnet_network_mac_capacity", "gauge",
	       "Size of the MAC table (network option fdb_size)");
	for (size_t i = 0; i < nets->n; i++) {
		struct vnetd_net *n = vnetd_net_of(nets->v[i]);

		net_label(b, "vnet_network_mac_capacity", n);
		mb_printf(b, " %u\n", juint(n->obj.conf, "fdb_size"));
	}
	free(st);
}

/* Gateway, DHCP server and DNS relay counters, as "network show" reports
 * them (vnetd_gw_status()): @key in that object (in its member @sub when
 * set: "dhcp", "dns_relay"), exposed as @name. */
static const struct {
	const char *key, *name, *type, *help, *sub;
} gw_counters[] = {
    {"arp_replies", "vnet_gateway_arp_replies_total", "counter",
     "ARP requests for the gateway answered", NULL},
    {"echo_replies", "vnet_gateway_echo_replies_total", "counter",
     "ICMP echo requests to the gateway answered", NULL},
    {"dns_in", "vnet_gateway_dns_queries_total", "counter",
     "DNS queries received by the gateway", NULL},
    {"dns_relayed", "vnet_gateway_dns_relayed_total", "counter",
     "DNS queries relayed to an outside resolver", NULL},
    {"dns_relay_dropped", "vnet_gateway_dns_relay_dropped_total", "counter",
     "DNS queries not relayed: relay ring full, no resolver, no relay "
     "slot or socket (each answered SERVFAIL unless malformed)",
     NULL},
    {"dns_servfail", "vnet_gateway_dns_servfail_total", "counter",
     "Relayed DNS queries given up and answered SERVFAIL", NULL},
    {"conflicts", "vnet_gateway_address_conflicts_total", "counter",
     "Address conflicts found by probing before a lease", NULL},
    {"commits_failed", "vnet_dhcp_lease_commits_failed_total", "counter",
     "Lease changes that could not be written to the state file", NULL},
    {"offers", "vnet_dhcp_offers_total", "counter", "DHCPOFFERs sent", "dhcp"},
    {"acks", "vnet_dhcp_acks_total", "counter", "DHCPACKs sent", "dhcp"},
    {"naks", "vnet_dhcp_naks_total", "counter", "DHCPNAKs sent", "dhcp"},
    {"expired", "vnet_dhcp_leases_expired_total", "counter",
     "Leases that ran out", "dhcp"},
    {"leases", "vnet_dhcp_leases", "gauge", "Leases held by clients", "dhcp"},
    {"queries", "vnet_dns_relay_queries_total", "counter",
     "DNS queries the relay sent to an outside resolver", "dns_relay"},
    {"answers", "vnet_dns_relay_answers_total", "counter",
     "Answers the relay passed back to guests", "dns_relay"},
    {"accepted", "vnet_gateway_dns_tcp_connections_total", "counter",
     "DNS over TCP connections the gateway accepted", "dns_tcp"},
    {"open", "vnet_gateway_dns_tcp_open", "gauge",
     "DNS over TCP connections open now", "dns_tcp"},
    {"queries", "vnet_gateway_dns_tcp_queries_total", "counter",
     "DNS queries that came over TCP", "dns_tcp"},
    {"retransmits", "vnet_gateway_dns_tcp_retransmits_total", "counter",
     "DNS over TCP segments sent again after a timeout", "dns_tcp"},
    {"resets", "vnet_gateway_dns_tcp_resets_total", "counter",
     "RSTs the gateway sent on port 53 (refused, unknown or given-up "
     "connections)",
     "dns_tcp"},
    {"truncated", "vnet_dns_relay_truncated_total", "counter",
     "Answers cut to header and question (TC) for a guest that could not "
     "take them whole",
     "dns_relay"},
    {"ns_in", "vnet_gateway_ipv6_neighbor_solicits_total", "counter",
     "Neighbour solicitations for the gateway's IPv6 addresses answered",
     "ipv6"},
    {"dad_defended", "vnet_gateway_ipv6_dad_defended_total", "counter",
     "Duplicate address detection probes for the gateway's IPv6 addresses "
     "answered (the address is taken)",
     "ipv6"},
    {"rs_in", "vnet_gateway_ipv6_router_solicits_total", "counter",
     "Router solicitations received", "ipv6"},
    {"ra_out", "vnet_gateway_ipv6_router_adverts_total", "counter",
     "Router advertisements sent", "ipv6"},
    {"echo6_replies", "vnet_gateway_ipv6_echo_replies_total", "counter",
     "ICMPv6 echo requests to the gateway answered", "ipv6"},
};

/* Drops by reason of the gateway (@sub NULL) or its member @sub (its DHCP
 * server, its DNS relay). */
static void emit_gw_drops(struct mbuf *b, const char *name, const char *help,
			  json_t *st[], json_t *nets, const char *sub)
{
	family(b, name, "counter", help);
	for (size_t i = 0; i < json_array_size(nets); i++) {
		json_t *src = sub ? json_object_get(st[i], sub) : st[i];
		const char *reason;
		json_t *v;

		json_object_foreach(json_object_get(src, "drops"), reason, v)
		{
			mb_printf(b, "%s{network=\"", name);
			mb_label(b, json_string_value(json_array_get(nets, i)));
			mb_printf(b, "\",reason=\"");
			mb_label(b, reason);
			mb_printf(b, "\"} %lld\n",
				  (long long)json_integer_value(v));
		}
	}
}

/* The gateways (networks with a subnet) and their DHCP servers. */
static void emit_gateways(struct vnetd *d, struct mbuf *b)
{
	const struct vnetd_objset *objs = vnetd_objs(d, &vnetd_kind_network);
	json_t **st = calloc(objs->n ? objs->n : 1, sizeof(*st));
	json_t *nets = json_array();

	if (!st || !nets) {
		free(st);
		json_decref(nets);
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < objs->n; i++) {
		struct vnetd_net *n = vnetd_net_of(objs->v[i]);
		json_t *o = vnetd_gw_status(d, n);

		if (!o)
			continue;
		st[json_array_size(nets)] = o;
		json_array_append_new(nets, json_string(n->obj.name));
	}
	for (size_t c = 0; c < ARRAY_SIZE(gw_counters); c++) {
		family(b, gw_counters[c].name, gw_counters[c].type,
		       gw_counters[c].help);
		for (size_t i = 0; i < json_array_size(nets); i++) {
			json_t *src =
			    gw_counters[c].sub
				? json_object_get(st[i], gw_counters[c].sub)
				: st[i];
			json_t *v = json_object_get(src, gw_counters[c].key);

			if (!json_is_integer(v))
				continue;
			mb_printf(b, "%s{network=\"", gw_counters[c].name);
			mb_label(b, json_string_value(json_array_get(nets, i)));
			mb_printf(b, "\"} %lld\n",
				  (long long)json_integer_value(v));
		}
	}
	emit_gw_drops(b, "vnet_gateway_drops_total",
		      "Frames to the gateway dropped, by reason", st, nets,
		      NULL);
	emit_gw_drops(b, "vnet_dhcp_drops_total",
		      "DHCP messages dropped by the server, by reason", st,
		      nets, "dhcp");
	emit_gw_drops(b, "vnet_dns_relay_drops_total",
		      "DNS queries and answers the relay dropped, by reason",
		      st, nets, "dns_relay");
	for (size_t i = 0; i < json_array_size(nets); i++)
		json_decref(st[i]);
	free(st);
	json_decref(nets);
}

/* Field @idx (1-based, as proc(5) numbers them) of a /proc stat line,
 * counted after the command name, which may hold spaces. */
static bool stat_field(const char *line, int idx, unsigned long long *v)
{
	const char *p = strrchr(line, ')');
	char *end;

	if (!p)
		return false;
	p++;
	for (int f = 3; f <= idx; f++) {
		while (*p == ' ')
			p++;
		if (f == idx)
			break;
		while (*p && *p != ' ')
			p++;
	}
	*v = strtoull(p, &end, 10);
	return end != p;
}

/* Datapath threads are named vnet-dpN (vswitch_start()); find them in
 * /proc/self/task and report their CPU time, and the share of wall time
 * they spent on a CPU since the previous scrape. */
static void emit_datapath(struct vnetd_metrics *m, struct mbuf *b)
{
	long hz = sysconf(_SC_CLK_TCK);
	uint64_t now = now_ns();
	struct {
		bool seen;
		unsigned long long ticks;
	} th[METRICS_MAX_THREADS] = {0};
	struct dirent *de;
	DIR *dir = opendir("/proc/self/task");

	if (hz <= 0)
		hz = 100;
	while (dir && (de = readdir(dir))) {
		char path[300], line[1024];
		unsigned long long ut, st;
		unsigned idx;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (!fgets(line, sizeof(line), f) ||
		    sscanf(line, "vnet-dp%u", &idx) != 1 ||
		    idx >= METRICS_MAX_THREADS) {
			fclose(f);
			continue;
		}
		fclose(f);
		snprintf(path, sizeof(path), "/proc/self/task/%s/stat",
			 de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f) && stat_field(line, 14, &ut) &&
		    stat_field(line, 15, &st)) {
			th[idx].seen = true;
			th[idx].ticks = ut + st;
		}
		fclose(f);
	}
	if (dir)
		closedir(dir);
	family(b, "vnet_datapath_cpu_seconds_total", "counter",
	       "CPU time used by each datapath thread (user and system)");
	for (unsigned i = 0; i < METRICS_MAX_THREADS; i++)
		if (th[i].seen)
			mb_printf(
			    b,
			    "vnet_datapath_cpu_seconds_total{thread=\"%u\"} "
			    "%.2f\n",
			    i, (double)th[i].ticks / (double)hz);
	family(b, "vnet_datapath_busy_ratio", "gauge",
	       "Share of wall time each datapath thread spent on a CPU since "
	       "the previous scrape (1 for a busy-polling thread)");
	for (unsigned i = 0; i < METRICS_MAX_THREADS; i++) {
		struct dp_sample *s = &m->dp[i];
		double ratio = 0;

		if (!th[i].seen)
			continue;
		if (s->at_ns && now > s->at_ns && th[i].ticks >= s->cpu_ticks)
			ratio = (double)(th[i].ticks - s->cpu_ticks) /
				(double)hz / ((double)(now - s->at_ns) / 1e9);
		if (ratio > 1)
			ratio = 1;
		s->cpu_ticks = th[i].ticks;
		s->at_ns = now;
		mb_printf(b, "vnet_datapath_busy_ratio{thread=\"%u\"} %.3f\n",
			  i, ratio);
	}
}

/* Gauge @name with @help: the integer @key of daemon.status's result @res. */
static void status_gauge(struct mbuf *b, json_t *res, const char *key,
			 const char *name, const char *help)
{
	family(b, name, "gauge", help);
	mb_printf(b, "%s %lld\n", name,
		  (long long)json_integer_value(json_object_get(res, key)));
}

/* Control clients, as `vnetctl status` shows them (the control socket's
 * counters are its own; ask it the way a client would). */
static void emit_control(struct vnetd_metrics *m, struct mbuf *b)
{
	static const char req[] =
	    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"daemon.status\"}";
	json_t *resp = vnetd_rpc_dispatch(m->d, req, sizeof(req) - 1);
	json_t *res = json_object_get(resp, "result");
	json_t *closed = json_object_get(res, "control_clients_closed");
	const char *reason;
	json_t *v;

	status_gauge(b, res, "control_clients", "vnet_control_clients",
		     "Clients connected to the control socket");
	family(b, "vnet_control_clients_closed_total", "counter",
	       "Control clients refused or closed by vnetd, by reason");
	json_object_foreach(closed, reason, v)
	{
		mb_printf(b,
			  "vnet_control_clients_closed_total{reason=\"%s\"} "
			  "%lld\n",
			  reason, (long long)json_integer_value(v));
	}
	status_gauge(b, res, "control_request_buffers",
		     "vnet_control_request_buffer_bytes",
		     "Bytes of buffers control requests being received hold, "
		     "counted against the daemon's 64 MiB");
	status_gauge(b, res, "control_reply_buffers",
		     "vnet_control_reply_buffer_bytes",
		     "Bytes of control replies not yet read by their clients, "
		     "held within the daemon's 64 MiB for them");
	json_decref(resp);
	family(b, "vnet_metrics_scrapes_total", "counter",
	       "Scrapes of this endpoint answered");
	mb_printf(b, "vnet_metrics_scrapes_total %llu\n",
		  (unsigned long long)m->scrapes);
	family(b, "vnet_metrics_connections_closed_total", "counter",
	       "Scrape connections closed without metrics, by reason");
	for (int i = 0; i < METRICS_DROP_MAX; i++)
		mb_printf(
		    b,
		    "vnet_metrics_connections_closed_total{reason=\"%s\"} "
		    "%llu\n",
		    metrics_drop_names[i], (unsigned long long)m->drops[i]);
}

/**
 * vnetd_metrics_render() - every metric in the Prometheus text format
 * @d: daemon
 * @m: the endpoint (its scrape counters and CPU samples); may be NULL
 * @len: set to the text's length
 *
 * Return: the text (free() it), or NULL when out of memory
 */
char *vnetd_metrics_render(struct vnetd *d, struct vnetd_metrics *m,
			   size_t *len)
{
	const struct vnetd_objset *nets = vnetd_objs(d, &vnetd_kind_network);
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	struct mbuf b = {0};

	family(&b, "vnet_uptime_seconds", "gauge",
	       "Seconds since vnetd started");
	mb_printf(&b, "vnet_uptime_seconds %lld\n",
		  (long long)(now_sec() - d->started));
	family(&b, "vnet_networks", "gauge", "Networks configured");
	mb_printf(&b, "vnet_networks %zu\n", nets->n);
	family(&b, "vnet_ports", "gauge", "Ports configured");
	mb_printf(&b, "vnet_ports %zu\n", ports->n);
	family(&b, "vnet_datapath_threads", "gauge", "Datapath threads");
	mb_printf(&b, "vnet_datapath_threads %u\n", vswitch_threads(d->sw));
	emit_networks(d, &b);
	emit_ports(d, &b);
	emit_gateways(d, &b);
	{
		char *nat = vnetd_nat_metrics(d);

		if (nat)
			mb_printf(&b, "%s", nat);
		free(nat);
	}
	{
		char *team = vnetd_team_metrics(d);

		if (team)
			mb_printf(&b, "%s", team);
		free(team);
	}
	if (m) {
		emit_datapath(m, &b);
		emit_control(m, &b);
	}
	if (b.oom) {
		free(b.data);
		return NULL;
	}
	*len = b.len;
	return b.data;
}

/* ---- the HTTP side ---- */

static void conn_close(struct metrics_conn *c)
{
	struct vnetd *d = c->m->d;

	vnetd_unwatch(d, c->fd);
	vtimer_cancel(d->timers, &c->timer);
	close(c->fd);
	free(c->out.data);
	c->out = (struct mbuf){0};
	c->in_len = c->sent = 0;
	c->fd = -1;
}

static void conn_deadline(struct vtimer *t, void *arg)
{
	struct metrics_conn *c = arg;

	c->m->drops[METRICS_DROP_TIMEOUT]++;
	vlog_rl(RPC, INFO, "metrics: scraper too slow; closing");
	conn_close(c);
}

/* Send what the kernel takes; close when all is sent or the peer left. */
static void conn_flush(struct metrics_conn *c)
{
	while (c->sent < c->out.len) {
		ssize_t w =
		    send(c->fd, c->out.data + c->sent, c->out.len - c->sent,
			 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				vnetd_watch_mod(c->m->d, c->fd, EPOLLOUT,
						&c->h);
				return;
			}
			break;
		}
		c->sent += (size_t)w;
	}
	conn_close(c);
}

static void conn_answer(struct metrics_conn *c, int status, const char *reason,
			const char *ctype, const char *body, size_t len)
{
	mb_printf(&c->out,
		  "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: "
		  "%zu\r\nConnection: close\r\n\r\n",
		  status, reason, ctype, len);
	if (!c->out.oom && len) {
		size_t need = c->out.len + len;
		char *p = need > c->out.cap ? realloc(c->out.data, need)
					    : c->out.data;

		if (!p) {
			c->out.oom = true;
		} else {
			memcpy(p + c->out.len, body, len);
			c->out.data = p;
			c->out.cap = need > c->out.cap ? need : c->out.cap;
			c->out.len = need;
		}
	}
	if (c->out.oom) {
		conn_close(c);
		return;
	}
	conn_flush(c);
}

/* @line: the request line, NUL-terminated; peer-controlled. */
static void conn_request(struct metrics_conn *c, char *line)
{
	static const char text[] = "text/plain; charset=utf-8";
	char *sp = strchr(line, ' '), *path, *end;
	char *body;
	size_t len;

	if (!sp || (size_t)(sp - line) != 3 || strncmp(line, "GET", 3)) {
		c->m->drops[METRICS_DROP_BAD_REQUEST]++;
		conn_answer(c, 405, "Method Not Allowed", text,
			    "only GET /metrics\n", 18);
		return;
	}
	path = sp + 1;
	end = strchr(path, ' ');
	if (end)
		*end = 0;
	end = strchr(path, '?');
	if (end)
		*end = 0;
	if (strcmp(path, "/metrics") && strcmp(path, "/")) {
		c->m->drops[METRICS_DROP_NOT_FOUND]++;
		conn_answer(c, 404, "Not Found", text, "try /metrics\n", 13);
		return;
	}
	c->m->scrapes++;
	body = vnetd_metrics_render(c->m->d, c->m, &len);
	if (!body) {
		conn_answer(c, 500, "Internal Server Error", text,
			    "out of memory\n", 14);
		return;
	}
	conn_answer(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
		    body, len);
	free(body);
}

static void conn_read(struct metrics_conn *c)
{
	ssize_t r = recv(c->fd, c->in + c->in_len,
			 sizeof(c->in) - 1 - c->in_len, MSG_DONTWAIT);
	char *eol;

	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (r < 0)
		return;
	c->in_len += (size_t)r;
	c->in[c->in_len] = 0;
	/* The request line is all that is needed; the headers after it
	 * are not read (the reply closes the connection). */
	eol = memchr(c->in, '\n', c->in_len);
	if (eol) {
		if (eol > c->in && eol[-1] == '\r')
			eol--;
		*eol = 0;
		vnetd_watch_mod(c->m->d, c->fd, 0, &c->h);
		conn_request(c, c->in);
		return;
	}
	if (c->in_len >= sizeof(c->in) - 1) {
		c->m->drops[METRICS_DROP_TOO_LONG]++;
		vlog_rl(RPC, INFO, "metrics: request line too long; closing");
		conn_close(c);
	}
}

static void conn_event(struct vnetd *d, struct vnetd_handler *h,
		       uint32_t events)
{
	struct metrics_conn *c =
	    (struct metrics_conn *)((char *)h -
				    offsetof(struct metrics_conn, h));

	if (c->fd < 0)
		return;
	if (c->out.len) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			conn_flush(c);
		return;
	}
	if (events & EPOLLIN)
		conn_read(c);
	else if (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP))
		conn_close(c);
}

static void metrics_accept(struct vnetd *d, struct vnetd_handler *h,
			   uint32_t events)
{
	struct vnetd_metrics *m =
	    (struct vnetd_metrics *)((char *)h -
				     offsetof(struct vnetd_metrics, h));
	int fd =
	    accept4(m->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct metrics_conn *c = NULL;

	if (fd < 0)
		return;
	for (int i = 0; i < METRICS_MAX_CONNS && !c; i++)
		if (m->conns[i].fd < 0)
			c = &m->conns[i];
	if (!c) {
		m->drops[METRICS_DROP_BUSY]++;
		vlog_rl(RPC, WARN,
			"metrics: %d scrapes in progress; refusing "
			"another",
			METRICS_MAX_CONNS);
		close(fd);
		return;
	}
	c->fd = fd;
	if (vnetd_watch(d, fd, EPOLLIN | EPOLLRDHUP, &c->h) ||
	    vtimer_arm(d->timers, &c->timer, METRICS_DEADLINE_MS)) {
		vnetd_unwatch(d, fd);
		close(fd);
		c->fd = -1;
	}
}

/* Parse "HOST:PORT", "[V6]:PORT" or an absolute Unix socket path. */
static int metrics_addr(const char *s, struct sockaddr_storage *ss,
			socklen_t *len)
{
	char host[64];
	const char *colon;
	unsigned long port;
	size_t hl;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '/') {
		struct sockaddr_un *sun = (struct sockaddr_un *)ss;

		if (strlen(s) >= sizeof(sun->sun_path))
			return -ENAMETOOLONG;
		sun->sun_family = AF_UNIX;
		strcpy(sun->sun_path, s);
		*len = sizeof(*sun);
		return 0;
	}
	colon = strrchr(s, ':');
	if (!colon || parse_uint(colon + 1, 1, 65535, &port))
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) ==
	    1) {
		((struct sockaddr_in *)ss)->sin_family = AF_INET;
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in);
		return 0;
	}
	if (inet_pton(AF_INET6, host,
		      &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
		*len = sizeof(struct sockaddr_in6);
		return 0;
	}
	return -EINVAL;
}

/**
 * vnetd_metrics_addr_ok() - whether --metrics names an address it can use
 * @s: the option's value
 *
 * Checked while the command line is read, before anything is created.
 *
 * Return: true for HOST:PORT, [V6]:PORT or an absolute socket path
 */
bool vnetd_metrics_addr_ok(const char *s)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	return !metrics_addr(s, &ss, &sl);
}

/**
 * vnetd_metrics_open() - listen for scrapers on d->opts.metrics_addr
 * @d: daemon
 * @out: the endpoint, or NULL when no address was given
 *
 * Return: 0 or -errno (logged: an address in use or not understood)
 */
int vnetd_metrics_open(struct vnetd *d, struct vnetd_metrics **out)
{
	const char *addr = d->opts.metrics_addr;
	struct sockaddr_storage ss;
	struct vnetd_metrics *m;
	socklen_t sl;
	int ret, one = 1;

	*out = NULL;
	if (!addr)
		return 0;
	ret = metrics_addr(addr, &ss, &sl);
	if (ret) {
		vlog(RPC, ERR,
		     "--metrics %s: not ADDRESS:PORT, [ADDRESS]:PORT or an "
		     "absolute socket path",
		     addr);
		return ret;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->d = d;
	m->h.fn = metrics_accept;
	for (int i = 0; i < METRICS_MAX_CONNS; i++) {
		struct metrics_conn *c = &m->conns[i];

		c->fd = -1;
		c->m = m;
		c->h.fn = conn_event;
		vtimer_init(&c->timer, conn_deadline, c);
	}
	if (ss.ss_family == AF_UNIX) {
		snprintf(m->path, sizeof(m->path), "%s", addr);
		ret = mkdir_parents(m->path, 0755);
		if (ret) {
			vlog(RPC, ERR,
			     "metrics: cannot create the directory of "
			     "%s: %s",
			     m->path, strerror(-ret));
			free(m);
			return ret;
		}
		/* A stale socket from an earlier vnetd is replaced; anything
		 * else at the path is not ours to remove. */
		struct stat sb;

		if (!lstat(m->path, &sb) && S_ISSOCK(sb.st_mode))
			unlink(m->path);
	}
	m->listen_fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (m->listen_fd < 0 ||
	    (ss.ss_family != AF_UNIX &&
	     setsockopt(m->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one,
			sizeof(one))) ||
	    bind(m->listen_fd, (struct sockaddr *)&ss, sl) ||
	    (m->path[0] && chmod(m->path, 0660)) ||
	    (m->path[0] && d->sock_gid &&
	     chown(m->path, (uid_t)-1, d->sock_gid)) ||
	    listen(m->listen_fd, 16) ||
	    vnetd_watch(d, m->listen_fd, EPOLLIN, &m->h)) {
		ret = -errno;
		vlog(RPC, ERR, "metrics: cannot listen on %s: %s%s", addr,
		     strerror(errno),
		     errno == EADDRINUSE ? " (another program has it; choose "
					   "another --metrics address)"
					 : "");
		if (m->listen_fd >= 0)
			close(m->listen_fd);
		free(m);
		return ret;
	}
	vlog(RPC, INFO, "metrics on %s", addr);
	*out = m;
	return 0;
}

/**
 * vnetd_metrics_close() - close every scrape and the listener; NULL is
 * ignored
 * @m: the endpoint
 */
void vnetd_metrics_close(struct vnetd_metrics *m)
{
	if (!m)
		return;
	for (int i = 0; i < METRICS_MAX_CONNS; i++)
		if (m->conns[i].fd >= 0)
			conn_close(&m->conns[i]);
	vnetd_unwatch(m->d, m->listen_fd);
	close(m->listen_fd);
	if (m->path[0])
		unlink(m->path);
	free(m);
}
