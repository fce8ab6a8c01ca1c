// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetd_leaseport.c - which port holds each stored DHCP lease, so that the
 * leases a network's gateway reads back from the state file count against
 * the DHCP share (--dhcp-leases-per-port) of the port whose guest took them
 *
 * The DHCP server counts what a port holds by switch port id, which is the
 * switch's of the moment: ids change across restarts (ports come back in
 * their stored order, some later than others: a veth waiting for its
 * namespace), and a port whose device is made again joins under a new one.
 * The state file therefore keeps the port by its object name (the leases
 * table's "port" column, schema 3), written with every lease commit; the
 * name is mapped to the port's current id when the lease comes back:
 *
 *  - a gateway that starts (vnetd start, a rebuild after a change of its
 *    network) reads its leases, then counts each live bound one against
 *    the port named with it if that port is in the switch on the same
 *    network now;
 *  - a port that joins the switch later (restored inactive, its device made
 *    again) gets its leases counted when it joins; it lost them when it left
 *    (vnetd_gw_port_gone());
 *  - a deleted port's leases name no port any more: a port made later under
 *    the same name, or given its switch port id, starts with its whole share.
 *
 * The MAC a lease was given to is no guide: a guest without the MAC guard
 * names any chaddr, and that is the guest the share is for.  A lease
 * renewed through another port counts against that one from then on (its
 * row is rewritten); rows written by a vnetd older than schema 3 name no
 * port and count for none until renewed.
 */
#include "vnetd.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/log.h"
#include "../lib/util.h"

/* A port of @net that is in the switch: its id, else -1. */
static int port_id_on(struct vnetd_port *p, const char *net)
{
	const char *pn = p ? jstr(p->obj.conf, "network") : NULL;

	return pn && !strcmp(pn, net) && !p->gone ? p->id : -1;
}

/**
 * vnetd_lease_port_name() - the name of the port a lease record names
 * @d: daemon
 * @net: the lease's network
 * @port: the record's @port: switch port id + 1, 0 for none
 *
 * Return: the port's name, or NULL (none, or that port left since)
 */
const char *vnetd_lease_port_name(struct vnetd *d, const char *net,
				  uint16_t port)
{
	struct vnetd_port *p = port ? vnetd_port_by_id(d, port - 1) : NULL;

	return port_id_on(p, net) >= 0 ? p->obj.name : NULL;
}

struct claim_ctx {
	struct vnetd *d;
	const char *net;
	struct dhcps *s;
	unsigned n;
};

static void claim_row(uint32_t ip, const char *port, void *arg)
{
	struct claim_ctx *c = arg;
	int id = port_id_on(vnetd_port_find(c->d, port), c->net);

	if (id >= 0 && !dhcps_port_claim(c->s, ip, (uint16_t)id))
		c->n++;
}

/**
 * vnetd_lease_ports_claim() - a gateway's server @s has read its leases
 * back: count each against the port it names, for the ports in the switch
 * @d: daemon
 * @net: the network
 * @s: its DHCP server, not serving yet (no lock needed)
 *
 * A read that fails leaves the leases counted for no port, as before
 * schema 3: logged, the gateway serves all the same.
 */
void vnetd_lease_ports_claim(struct vnetd *d, const char *net, struct dhcps *s)
{
	struct claim_ctx c = {d, net, s, 0};

	if (vnetd_store_lease_ports(d->store, net, NULL, (int64_t)time(NULL),
				    claim_row, &c))
		vlog(MAIN, WARN,
		     "network %s: restored leases count against no port's "
		     "DHCP share until renewed",
		     net);
	else if (c.n)
		vlog(MAIN, DBG,
		     "network %s: %u restored lease(s) counted against "
		     "their ports",
		     net, c.n);
}

struct ip_list {
	uint32_t *v;
	size_t n, cap;
	bool oom;
};

static void list_row(uint32_t ip, const char *port, void *arg)
{
	struct ip_list *l = arg;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		uint32_t *v = l->oom ? NULL : realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = ip;
}

/**
 * vnetd_lease_port_joined() - port @p joined the switch (p->id set): the
 * leases stored under its name count against it again
 * @d: daemon
 * @p: the port
 */
void vnetd_lease_port_joined(struct vnetd *d, struct vnetd_port *p)
{
	const char *net = jstr(p->obj.conf, "network");
	struct vnetd_net *n = net ? vnetd_net_find(d, net) : NULL;
	struct ip_list l = {0};

	if (!n || !n->gw || p->id < 0)
		return;
	if (vnetd_store_lease_ports(d->store, net, p->obj.name,
				    (int64_t)time(NULL), list_row, &l) ||
	    l.oom)
		vlog_rl(MAIN, WARN,
			"port %s: its leases on %s count against its DHCP "
			"share only as they are renewed",
			p->obj.name, net);
	if (l.n)
		vnetd_gw_port_claim(d, net, p->id, l.v, l.n);
	free(l.v);
}

/**
 * vnetd_lease_port_deleted() - port @p is deleted: its leases name no port
 * in the state file any more
 * @d: daemon
 * @p: the port
 */
void vnetd_lease_port_deleted(struct vnetd *d, struct vnetd_port *p)
{
	const char *net = jstr(p->obj.conf, "network");

	if (net)
		(void)vnetd_store_lease_unport(d->store, net, p->obj.name);
}
