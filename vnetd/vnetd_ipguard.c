// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_ipguard.c - the IP guard of guest ports: the addresses a port may
 * send from are the ones given to it (allowed_ips) and the DHCP leases its
 * MAC holds on its network, kept in step with the gateway's commits.  A
 * lease's ACK leaves only after its commit, and the commit updates the
 * guard first, so a guest never sends from a new address the switch does
 * not yet allow it. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/log.h"
#include "../lib/util.h"
#include "vnetd.h"

/* The bound, unexpired leases of a network, read once for all its ports. */
struct lease_list {
	size_t n, cap;
	struct {
		uint8_t mac[6];
		uint32_t ip;
	} * v;
	int64_t now;
	bool oom;
};

static void add_v4(struct vsw_ipset *s, uint32_t addr, unsigned plen)
{
	uint32_t mask = plen ? ~0u << (32 - plen) : 0;

	if (s->n4 < VSW_IPSET_MAX)
		s->v4[s->n4++] = (typeof(s->v4[0])){addr & mask, mask};
}

static void lease_keep(const struct dhcps_lease_rec *rec, void *arg)
{
	struct lease_list *l = arg;

	if (rec->state != DHCPS_LEASE_BOUND || rec->expires <= l->now)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *v = realloc(l->v, cap * sizeof(*l->v));

		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	memcpy(l->v[l->n].mac, rec->mac, 6);
	l->v[l->n++].ip = rec->ip;
}

/* Read @net's leases into @l; false (logged) when they cannot be read. */
static bool leases_read(struct vnetd *d, const char *net, struct lease_list *l)
{
	*l = (struct lease_list){.now = (int64_t)time(NULL)};
	if (!vnetd_store_lease_load(d->store, net, lease_keep, l) && !l->oom)
		return true;
	vlog(MAIN, ERR,
	     "network %s: cannot read its leases for the IP guard of its "
	     "ports (they keep the addresses they had): %s",
	     net, l->oom ? "out of memory" : vnetd_store_errmsg(d->store));
	free(l->v);
	return false;
}
/* "10.0.0.0/24" or "fd00::5/128" into @s. */
static void add_prefix(struct vsw_ipset *s, const char *cidr)
{
	char buf[64], *slash;
	uint8_t a[16];
	unsigned long plen;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	if (!slash)
		return; /* the schema admits none */
	*slash = 0;
	plen = strtoul(slash + 1, NULL, 10);
	if (!strchr(buf, ':') && inet_pton(AF_INET, buf, a) == 1) {
		add_v4(s,
		       (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 |
			   (uint32_t)a[2] << 8 | a[3],
		       (unsigned)plen);
	} else if (inet_pton(AF_INET6, buf, a) == 1 && s->n6 < VSW_IPSET_MAX) {
		unsigned n = s->n6++;

		memset(s->v6[n].addr, 0, 16);
		memcpy(s->v6[n].addr, a, (plen + 7) / 8);
		if (plen % 8)
			s->v6[n].addr[plen / 8] &=
			    (uint8_t)(0xff00 >> (plen % 8));
		s->v6[n].plen = (uint8_t)plen;
	}
}

/* Port @p's set: its allowed_ips and its MAC's leases in @l. */
static void guard_set(struct vnetd *d, struct vnetd_port *p, json_t *conf,
		      const struct lease_list *l)
{
	json_t *a;
	struct vsw_ipset *set = calloc(1, sizeof(*set));
	uint8_t mac[6];
	size_t i;
	int ret;

	if (!set) {
		vlog(MAIN, ERR, "port %s: out of memory for its IP guard",
		     p->obj.name);
		return;
	}
	json_array_foreach(json_object_get(conf, "allowed_ips"), i, a)
	    add_prefix(set, json_string_value(a));
	if (jstr(conf, "mac") && !mac_parse(jstr(conf, "mac"), mac))
		for (i = 0; i < l->n; i++)
			if (!memcmp(l->v[i].mac, mac, 6))
				add_v4(set, l->v[i].ip, 32);
	ret = vswitch_port_set_ip_guard(d->sw, p->id, set);
	if (ret)
		vlog(MAIN, ERR, "port %s: cannot set its IP guard: %s",
		     p->obj.name, strerror(-ret));
	free(set);
}

static bool guarded(json_t *conf)
{
	return json_is_true(json_object_get(conf, "ip_guard"));
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
	struct lease_list l;

	if (p->id < 0)
		return;
	if (!guarded(conf)) {
		(void)vswitch_port_set_ip_guard(d->sw, p->id, NULL);
		return;
	}
	if (!leases_read(d, jstr(conf, "network"), &l))
		l = (struct lease_list){0}; /* allowed_ips only */
	guard_set(d, p, conf, &l);
	free(l.v);
}

/**
 * vnetd_ip_guard_leases() - the leases of network @net changed: every
 * IP-guarded port on it gets its set again (a lease moved to another MAC
 * leaves the old holder's set); the leases are read once
 * @d: daemon
 * @net: the network's name
 */
void vnetd_ip_guard_leases(struct vnetd *d, const char *net)
{
	const struct vnetd_objset *ports = vnetd_objs(d, &vnetd_kind_port);
	struct lease_list l;
	bool any = false;

	for (size_t i = 0; i < ports->n && !any; i++)
		any = guarded(ports->v[i]->conf) &&
		      !strcmp(jstr(ports->v[i]->conf, "network"), net);
	if (!any || !leases_read(d, net, &l))
		return;
	for (size_t i = 0; i < ports->n; i++) {
		struct vnetd_port *p = vnetd_port_of(ports->v[i]);

		if (guarded(p->obj.conf) && p->id >= 0 &&
		    !strcmp(jstr(p->obj.conf, "network"), net))
			guard_set(d, p, p->obj.conf, &l);
	}
	free(l.v);
}
