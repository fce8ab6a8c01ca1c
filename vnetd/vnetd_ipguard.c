// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_ipguard.c - the IP guard of guest ports: the addresses a port may
 * send from are the link-local address made from its MAC (and the SLAAC
 * address made from it in the network's IPv6 prefix), the prefixes
 * given to it (allowed_ips) and the DHCP leases its MAC holds on its
 * network.  The leases come from an index per network (MAC and address
 * of each bound lease), read from the state file once and then kept in
 * step with the gateway's commits: a lease's ACK leaves only after its
 * commit, and the commit updates the guards of the ports it concerns
 * first, so a guest never holds an ACK for an address the switch does not
 * let it use.  A lease that ends without a commit (the guest neither
 * renews nor releases it: the DHCP server lets it run out without a store
 * write) leaves the index when its time is up, on a timer armed for the
 * earliest end, and the ports of its MAC lose the address then.
 *
 * The index is the daemon's (struct vnetd's @ipguard), not the process's:
 * two daemons in one process keep their own. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/log.h"
#include "../lib/schema.h"
#include "../lib/util.h"
#include "vnetd.h"

struct gi_lease {
	uint8_t mac[6];
	uint32_t ip;
	int64_t expires;
};

/* The bound leases of one network, for its guarded ports. */
struct gi_net {
	struct gi_net *next;
	char *name;
	struct gi_lease *v;
	size_t n, cap;
};

/* The indexes of one daemon; control thread only. */
struct vnetd_ipguard {
	struct gi_net *nets;
	struct vtimer expiry; /* the earliest end of a lease in an index */
};

static struct gi_net *index_find(const struct vnetd *d, const char *net)
{
	for (struct gi_net *x = d->ipguard ? d->ipguard->nets : NULL; x;
	     x = x->next)
		if (!strcmp(x->name, net))
			return x;
	return NULL;
}

static int index_add(struct gi_net *x, const uint8_t mac[6], uint32_t ip,
		     int64_t expires)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 64;
		struct gi_lease *v = realloc(x->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		x->v = v;
		x->cap = cap;
	}
	memcpy(x->v[x->n].mac, mac, 6);
	x->v[x->n].ip = ip;
	x->v[x->n++].expires = expires;
	return 0;
}

struct index_fill {
	struct gi_net *x;
	int64_t now;
	bool oom;
};

/* A bound row that has ended already allows nothing: left out. */
static void index_row(const struct dhcps_lease_rec *rec, void *arg)
{
	struct index_fill *f = arg;

	if (rec->state == DHCPS_LEASE_BOUND && rec->expires > f->now &&
	    index_add(f->x, rec->mac, rec->ip, rec->expires))
		f->oom = true;
}

static void on_expiry(struct vtimer *t, void *arg);

/* Arm the expiry timer for the earliest lease end of every index (wall
 * clock seconds, the DHCP server's base), or stop it when none is left.
 * It fires no earlier than that second has begun: a lease is over when
 * time(NULL) reaches its end. */
static void expiry_arm(struct vnetd *d)
{
	struct vnetd_ipguard *g = d->ipguard;
	int64_t first = INT64_MAX, now = (int64_t)time(NULL);

	if (!g)
		return;
	for (const struct gi_net *x = g->nets; x; x = x->next)
		for (size_t i = 0; i < x->n; i++)
			if (x->v[i].expires < first)
				first = x->v[i].expires;
	vtimer_cancel(d->timers, &g->expiry);
	if (first == INT64_MAX)
		return;
	if (vtimer_arm(d->timers, &g->expiry,
		       first > now ? (uint64_t)(first - now) * 1000 : 0))
		vlog_rl(MAIN, ERR,
			"cannot arm the IP guards' lease expiry: an ended "
			"lease stays allowed until its port's guard is set "
			"again");
}

/* The index of @net, read from the state file the first time; NULL (the
 * ports then get no leases: they allow less, never more) when it cannot
 * be read.  A network without DHCP has no leases to give. */
static struct gi_net *index_get(struct vnetd *d, const char *net)
{
	struct vnetd_obj *o = vnetd_obj_find(d, &vnetd_kind_network, net);
	struct index_fill f = {NULL, (int64_t)time(NULL), false};
	struct gi_net *x = index_find(d, net);

	if (x)
		return x;
	if (!d->ipguard) {
		d->ipguard = calloc(1, sizeof(*d->ipguard));
		if (!d->ipguard) {
			vlog(MAIN, ERR,
			     "network %s: out of memory for its IP guards",
			     net);
			return NULL;
		}
		vtimer_init(&d->ipguard->expiry, on_expiry, d);
	}
	x = calloc(1, sizeof(*x));
	if (!x || !(x->name = strdup(net))) {
		free(x);
		vlog(MAIN, ERR, "network %s: out of memory for its IP guards",
		     net);
		return NULL;
	}
	f.x = x;
	if (o && json_is_true(json_object_get(o->conf, "dhcp")) &&
	    (vnetd_store_lease_load(d->store, net, index_row, &f) || f.oom)) {
		vlog(MAIN, ERR,
		     "network %s: cannot read its leases for the IP guards of "
		     "its ports (they allow no leased address): %s",
		     net,
		     f.oom ? "out of memory" : vnetd_store_errmsg(d->store));
		x->n = 0;
	}
	x->next = d->ipguard->nets;
	d->ipguard->nets = x;
	expiry_arm(d);
	return x;
}

static void index_drop(struct vnetd *d, const char *net)
{
	if (!d->ipguard)
		return;
	for (struct gi_net **pp = &d->ipguard->nets; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->name, net)) {
			struct gi_net *x = *pp;

			*pp = x->next;
			free(x->v);
			free(x->name);
			free(x);
			return;
		}
}

static bool add_v4(struct vsw_ipset *s, uint32_t addr, unsigned plen)
{
	uint32_t mask = plen ? ~0u << (32 - plen) : 0;

	if (s->n4 == VSW_IPSET_MAX)
		return false;
	s->v4[s->n4].addr = addr & mask;
	s->v4[s->n4++].mask = mask;
	return true;
}

static bool add_v6(struct vsw_ipset *s, const uint8_t a[16], unsigned plen)
{
	unsigned n = s->n6;

	if (n == VSW_IPSET_MAX)
		return false;
	memset(s->v6[n].addr, 0, 16);
	memcpy(s->v6[n].addr, a, (plen + 7) / 8);
	if (plen % 8)
		s->v6[n].addr[plen / 8] &= (uint8_t)(0xff00 >> (plen % 8));
	s->v6[n].plen = (uint8_t)plen;
	s->n6++;
	return true;
}

/* "10.0.0.0/24" or "fd00::5/128" into @s (the schema checked it). */
static bool add_prefix(struct vsw_ipset *s, const char *cidr)
{
	char buf[64], *slash;
	uint8_t a[16];
	unsigned long plen;

	snprintf(buf, sizeof(buf), "%s", cidr ? cidr : "");
	slash = strchr(buf, '/');
	if (!slash)
		return true;
	*slash = 0;
	plen = strtoul(slash + 1, NULL, 10);
	if (!strchr(buf, ':') && inet_pton(AF_INET, buf, a) == 1)
		return add_v4(s,
			      (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
				  (uint32_t)a[2] << 8 | a[3],
			      (unsigned)plen);
	if (inet_pton(AF_INET6, buf, a) == 1)
		return add_v6(s, a, (unsigned)plen);
	return true;
}

struct add6_ctx {
	struct vsw_ipset *set;
	bool fits;
};

static void add6(const uint8_t addr[16], void *arg)
{
	struct add6_ctx *c = arg;

	c->fits &= add_v6(c->set, addr, 128);
}

/**
 * vnetd_ip_guard_set() - the IP guard's set for a port configuration
 * @d: daemon
 * @conf: the port's configuration
 * @name: the port's name, for the log
 *
 * Return: a set to free, or NULL when the port has no IP guard (or, with
 * one, when there is no memory: logged; the port then cannot come up
 * guarded)
 */
struct vsw_ipset *vnetd_ip_guard_set(struct vnetd *d, json_t *conf,
				     const char *name)
{
	struct vsw_ipset *set;
	struct gi_net *x;
	uint8_t mac[6], ll[16] = {0xfe, 0x80}, ga[16];
	struct vnetd_net *net;
	struct vnetd_port *port;
	unsigned plen = 0;
	int64_t now = (int64_t)time(NULL);
	bool fits = true;
	json_t *a;
	size_t i;

	if (!json_is_true(json_object_get(conf, "ip_guard")))
		return NULL;
	set = calloc(1, sizeof(*set));
	if (!set) {
		vlog(MAIN, ERR, "port %s: out of memory for its IP guard",
		     name);
		return NULL;
	}
	json_array_foreach(json_object_get(conf, "allowed_ips"), i, a) fits &=
	    add_prefix(set, json_string_value(a));
	if (!jstr(conf, "mac") || mac_parse(jstr(conf, "mac"), mac))
		return set; /* the schema's check requires one */
	/* Its link-local address from its MAC (modified EUI-64, RFC 4291):
	 * a guest using another one lists it in allowed_ips. */
	ll[8] = mac[0] ^ 2;
	ll[9] = mac[1];
	ll[10] = mac[2];
	ll[11] = 0xff;
	ll[12] = 0xfe;
	memcpy(ll + 13, mac + 3, 3);
	fits &= add_v6(set, ll, 128);
	/* The address SLAAC makes from it in the network's IPv6 prefix
	 * (the gateway advertises the prefix: RFC 4862 with the modified
	 * EUI-64 identifier, the kernel's default).  Stable-privacy and
	 * temporary addresses (RFC 7217, 8981) and DHCPv6 ones cannot be
	 * told from the MAC: a guest using them lists them, or the prefix,
	 * in allowed_ips. */
	net = vnetd_net_find(d, jstr(conf, "network"));
	if (net && jstr(net->obj.conf, "subnet6") &&
	    schema_cidr6_parse(jstr(net->obj.conf, "subnet6"), ga, &plen) &&
	    plen == 64) {
		memcpy(ga + 8, ll + 8, 8);
		fits &= add_v6(set, ga, 128);
	}
	/* The addresses the gateway's DHCPv6 server has bound through this
	 * port (not by MAC: a DHCPv6 client is its DUID, and the server
	 * keys its bindings by the port too).  Read again whenever they
	 * move (vnetd_ip_guard_ports()). */
	port = vnetd_port_find(d, name);
	if (port && port->id >= 0) {
		struct add6_ctx c6 = {set, true};

		vnetd_gw_dhcp6_addrs(d, jstr(conf, "network"), port->id, add6,
				     &c6);
		fits &= c6.fits;
	}
	x = index_get(d, jstr(conf, "network"));
	for (i = 0; x && i < x->n; i++)
		if (!memcmp(x->v[i].mac, mac, 6) && x->v[i].expires > now)
			fits &= add_v4(set, x->v[i].ip, 32);
	if (!fits)
		vlog_rl(MAIN, WARN,
			"port %s: more than %u prefixes of one family for its "
			"IP guard: the rest are not allowed",
			name, VSW_IPSET_MAX);
	return set;
}

/**
 * vnetd_ip_guard_update() - give the switch port @p's IP guard as
 * configuration @conf and its MAC's leases now say (off without
 * "ip_guard")
 * @d: daemon
 * @p: the port (nothing while it is not active)
 * @conf: its configuration (a port set's new one)
 */
void vnetd_ip_guard_update(struct vnetd *d, struct vnetd_port *p, json_t *conf)
{
	struct vsw_ipset *set;
	int ret;

	if (p->id < 0)
		return;
	set = vnetd_ip_guard_set(d, conf, p->obj.name);
	if (!set && json_is_true(json_object_get(conf, "ip_guard")))
		return; /* out of memory: the old set stays */
	ret = vswitch_port_set_ip_guard(d->sw, p->id, set);
	if (ret)
		vlog(MAIN, ERR, "port %s: cannot set its IP guard: %s",
		     p->obj.name, strerror(-ret));
	free(set);
}

/* Every IP-guarded port of @net holding @mac (NULL: all of them) gets its
 * set again. */
static void ports_update(struct vnetd *d, const char *net, const uint8_t *mac)
{
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	uint8_t m[6];

	for (size_t i = 0; i < ports->n; i++) {
		json_t *c = ports->v[i]->conf;

		if (!json_is_true(json_object_get(c, "ip_guard")) ||
		    strcmp(jstr(c, "network"), net) ||
		    (mac && (!jstr(c, "mac") || mac_parse(jstr(c, "mac"), m) ||
			     memcmp(m, mac, 6))))
			continue;
		vnetd_ip_guard_update(d, vnetd_port_of(ports->v[i]), c);
	}
}

/**
 * vnetd_ip_guard_commit() - a lease of network @net was stored: the index
 * follows, and the guarded ports of the MAC it left and of the MAC it
 * went to get their sets again (before its ACK leaves)
 * @d: daemon
 * @net: the network's name
 * @rec: the lease as stored
 */
void vnetd_ip_guard_commit(struct vnetd *d, const char *net,
			   const struct dhcps_lease_rec *rec)
{
	struct gi_net *x = index_find(d, net);
	uint8_t left[6];
	bool moved = false;

	if (!x)
		return; /* no guarded port has asked for it yet */
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i].ip == rec->ip) {
			moved = memcmp(x->v[i].mac, rec->mac, 6) != 0;
			memcpy(left, x->v[i].mac, 6);
			x->v[i] = x->v[--x->n];
			break;
		}
	if (rec->state == DHCPS_LEASE_BOUND &&
	    index_add(x, rec->mac, rec->ip, rec->expires)) {
		/* Without its row the index is wrong: read it again. */
		index_drop(d, net);
		ports_update(d, net, NULL);
		return;
	}
	expiry_arm(d);
	if (moved)
		ports_update(d, net, left);
	ports_update(d, net, rec->mac);
}

/**
 * vnetd_ip_guard_ports() - the DHCPv6 bindings of network @net moved:
 * every guarded port of @net gets its set again (the leases' index stays)
 * @d: daemon
 * @net: the network's name
 */
void vnetd_ip_guard_ports(struct vnetd *d, const char *net)
{
	ports_update(d, net, NULL);
}

/**
 * vnetd_ip_guard_reload() - the leases of network @net changed other
 * than by a commit (its gateway started or stopped, stored rows dropped):
 * the index is read again, and every guarded port of @net gets its set
 * again
 * @d: daemon
 * @net: the network's name
 */
void vnetd_ip_guard_reload(struct vnetd *d, const char *net)
{
	index_drop(d, net);
	ports_update(d, net, NULL);
	expiry_arm(d);
}

/* Leases whose time is up leave their index, and the guarded ports of
 * their MACs get their sets again (without them). */
static void on_expiry(struct vtimer *t, void *arg)
{
	struct vnetd *d = arg;
	int64_t now = (int64_t)time(NULL);

	(void)t;
	for (struct gi_net *x = d->ipguard->nets; x; x = x->next) {
		for (size_t i = 0; i < x->n;) {
			uint8_t mac[6];

			if (x->v[i].expires > now) {
				i++;
				continue;
			}
			memcpy(mac, x->v[i].mac, 6);
			x->v[i] = x->v[--x->n];
			ports_update(d, x->name, mac);
		}
	}
	expiry_arm(d);
}

/**
 * vnetd_ip_guard_close() - free every index (vnetd stopping)
 * @d: daemon
 */
void vnetd_ip_guard_close(struct vnetd *d)
{
	if (!d->ipguard)
		return;
	while (d->ipguard->nets)
		index_drop(d, d->ipguard->nets->name);
	vtimer_cancel(d->timers, &d->ipguard->expiry);
	free(d->ipguard);
	d->ipguard = NULL;
}
