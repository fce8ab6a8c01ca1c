// SPDX-License-Identifier: GPL-2.0-or-later
/* nat_fwd.c - port forwards (static mappings), listings, flush, counters */
#include "nat_priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Free every session through mapping @m. */
static void free_sessions_of(struct nat_table *t, uint32_t m)
{
	for (uint32_t s = 0; s < t->cap && t->e[m].refs; s++)
		if (t->e[s].kind == NAT_KIND_SESSION && t->e[s].map == m)
			nat_entry_free(t, s);
}

/**
 * nat_forward_add() - forward an external port to an inside endpoint
 * @t: table
 * @proto: NAT_PROTO_TCP or NAT_PROTO_UDP
 * @ext_port: port on the first external address, 1-65535
 * @int_ip: inside address (host order), in the subnet
 * @int_port: inside port, 1-65535
 * @err: the sentence for the user
 * @errlen: its size
 *
 * A dynamic mapping holding @ext_port is flushed with its sessions.
 *
 * Return: 0, -EINVAL (bad values), -EEXIST (the port is forwarded already;
 * the same forward again is -EEXIST too, with @err saying so) or -ENOSPC
 * (NAT_FORWARDS_MAX() forwards already, or the table full); the table is
 * unchanged on error
 */
int nat_forward_add(struct nat_table *t, uint8_t proto, uint16_t ext_port,
		    uint32_t int_ip, uint16_t int_port, char *err,
		    size_t errlen)
{
	uint32_t ext_ip = t->cfg.ext_addr[0], i;
	struct nat_entry *e;

	if (proto != NAT_PROTO_TCP && proto != NAT_PROTO_UDP) {
		snprintf(err, errlen, "forwards are for tcp and udp");
		return -EINVAL;
	}
	if (!ext_port || !int_port) {
		snprintf(err, errlen, "port 0 cannot be forwarded");
		return -EINVAL;
	}
	if (!nat_inside(&t->cfg, int_ip) || int_ip == t->cfg.inside_net) {
		snprintf(err, errlen,
			 "%u.%u.%u.%u is not an address of the network's "
			 "subnet",
			 int_ip >> 24, int_ip >> 16 & 255, int_ip >> 8 & 255,
			 int_ip & 255);
		return -EINVAL;
	}
	i = nat_lookup_map_out(t, proto, ext_ip, ext_port);
	if (i != NAT_NIL && t->e[i].kind == NAT_KIND_FORWARD) {
		e = &t->e[i];
		snprintf(err, errlen, "%s port %u is already forwarded%s",
			 proto == NAT_PROTO_TCP ? "tcp" : "udp", ext_port,
			 e->int_ip == int_ip && e->int_port == int_port
			     ? " there"
			     : "");
		return -EEXIST;
	}
	if (t->st.forwards >= NAT_FORWARDS_MAX(t->cap)) {
		snprintf(err, errlen,
			 "%u forwards already, the most a NAT table of %u "
			 "entries holds (a quarter of it; raise nat_sessions)",
			 (unsigned)t->st.forwards, t->cap);
		return -ENOSPC;
	}
	if (i == NAT_NIL && !t->nfree) {
		snprintf(err, errlen,
			 "NAT table full (%u entries in use); try again when "
			 "sessions expire, or after nat flush",
			 t->cap);
		return -ENOSPC;
	}
	if (i != NAT_NIL) {
		free_sessions_of(t, i);
		nat_entry_free(t, i);
	}
	i = nat_entry_alloc(t);
	if (i == NAT_NIL) {
		snprintf(err, errlen, "NAT table full");
		return -ENOSPC;
	}
	e = &t->e[i];
	e->proto = proto;
	e->int_ip = int_ip;
	e->int_port = int_port;
	e->ext_ip = ext_ip;
	e->ext_port = ext_port;
	nat_entry_publish(t, i, NAT_KIND_FORWARD);
	return 0;
}

/**
 * nat_forward_del() - remove a forward and its sessions
 * @t: table
 * @proto: protocol
 * @ext_port: its external port
 *
 * Return: 0 or -ENOENT
 */
int nat_forward_del(struct nat_table *t, uint8_t proto, uint16_t ext_port)
{
	uint32_t i = nat_lookup_map_out(t, proto, t->cfg.ext_addr[0], ext_port);

	if (i == NAT_NIL || t->e[i].kind != NAT_KIND_FORWARD)
		return -ENOENT;
	free_sessions_of(t, i);
	nat_entry_free(t, i);
	return 0;
}

static void info_of(const struct nat_entry *e, struct nat_session_info *si)
{
	memset(si, 0, sizeof(*si));
	si->kind = e->kind;
	si->proto = e->proto;
	si->state = e->state;
	si->inbound = e->flags & NAT_SF_INBOUND;
	si->replied = e->flags & NAT_SF_REPLIED;
	si->int_ip = e->int_ip;
	si->int_port = e->int_port;
	si->ext_ip = e->ext_ip;
	si->ext_port = e->ext_port;
	si->rem_ip = e->rem_ip;
	si->rem_port = e->rem_port;
	si->refs = e->refs;
	si->expires = e->expires;
	si->created = e->created;
	si->pkts_out = e->pkts_out;
	si->bytes_out = e->bytes_out;
	si->pkts_in = e->pkts_in;
	si->bytes_in = e->bytes_in;
}

/**
 * nat_session_walk() - call @cb for every live mapping, forward and session
 * @t: table
 * @cb: callback; it must not change the table
 * @arg: its argument
 */
void nat_session_walk(const struct nat_table *t, nat_walk_cb cb, void *arg)
{
	struct nat_session_info si;

	for (uint32_t i = 0; i < t->cap; i++) {
		if (t->e[i].kind == NAT_E_FREE)
			continue;
		info_of(&t->e[i], &si);
		cb(&si, arg);
	}
}

/**
 * nat_forward_walk() - call @cb for every forward
 * @t: table
 * @cb: callback; it must not change the table
 * @arg: its argument
 */
void nat_forward_walk(const struct nat_table *t, nat_walk_cb cb, void *arg)
{
	struct nat_session_info si;

	for (uint32_t i = 0; i < t->cap; i++) {
		if (t->e[i].kind != NAT_KIND_FORWARD)
			continue;
		info_of(&t->e[i], &si);
		cb(&si, arg);
	}
}

/**
 * nat_flush() - drop every session and dynamic mapping; forwards stay
 * @t: table
 *
 * Return: entries freed
 */
unsigned nat_flush(struct nat_table *t)
{
	unsigned n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < t->cap; i++) {
			uint8_t k = t->e[i].kind;

			if (k == (pass ? NAT_KIND_MAPPING : NAT_KIND_SESSION)) {
				nat_entry_free(t, i);
				n++;
			}
		}
	memset(t->frag, 0, sizeof(t->frag));
	return n;
}

/**
 * nat_stats_get() - read the counters
 * @t: table
 * @st: filled
 */
void nat_stats_get(const struct nat_table *t, struct nat_stats *st)
{
	*st = t->st;
}
