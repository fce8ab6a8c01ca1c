// SPDX-License-Identifier: GPL-2.0-or-later
/* nat_fwd.c - port forwards (static mappings), listings, flush, counters */
#include "nat_priv.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

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
 * A dynamic mapping holding @ext_port is flushed with its sessions, at
 * most NAT_SLICE of them per call.
 *
 * Return: 0, -EINVAL (bad values), -EEXIST (the port is forwarded already;
 * the same forward again is -EEXIST too, with @err saying so), -ENOSPC
 * (NAT_FORWARDS_MAX() forwards already, or the table full), or -EAGAIN
 * (sessions of the mapping in the way freed, more remain: call again); the
 * table is unchanged on the other errors
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
		if (!nat_free_sessions_of(t, i, NAT_SLICE)) {
			snprintf(err, errlen,
				 "sessions of the port's mapping being freed");
			return -EAGAIN;
		}
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
 * At most NAT_SLICE sessions are freed per call; the forward goes with the
 * last of them.
 *
 * Return: 0, -ENOENT, or -EAGAIN (sessions freed, more remain: call again)
 */
int nat_forward_del(struct nat_table *t, uint8_t proto, uint16_t ext_port)
{
	uint32_t i = nat_lookup_map_out(t, proto, t->cfg.ext_addr[0], ext_port);

	if (i == NAT_NIL || t->e[i].kind != NAT_KIND_FORWARD)
		return -ENOENT;
	if (!nat_free_sessions_of(t, i, NAT_SLICE))
		return -EAGAIN;
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

/* Call @cb for the entries of [@pos, @pos + @budget) that @want takes. */
static uint32_t walk(const struct nat_table *t, uint32_t pos, unsigned budget,
		     bool (*want)(const struct nat_entry *e), nat_walk_cb cb,
		     void *arg)
{
	struct nat_session_info si;

	for (; pos < t->cap && budget; pos++, budget--) {
		if (!want(&t->e[pos]))
			continue;
		info_of(&t->e[pos], &si);
		cb(&si, arg);
	}
	return pos < t->cap ? pos : 0;
}

static bool live(const struct nat_entry *e)
{
	return e->kind != NAT_E_FREE;
}

static bool forward(const struct nat_entry *e)
{
	return e->kind == NAT_KIND_FORWARD;
}

/**
 * nat_session_walk() - call @cb for the live mappings, forwards and
 * sessions among the next @budget entries
 * @t: table
 * @pos: where to start: 0 the first time, then what the last call returned
 * @budget: most entries to look at (NAT_SLICE: one lock hold's worth)
 * @cb: callback; it must not change the table
 * @arg: its argument
 *
 * Between calls the table may change: a flow that begins or ends meanwhile
 * may be listed or not (or, ended and begun again, twice).
 *
 * Return: where to go on, 0 when the walk is complete
 */
uint32_t nat_session_walk(const struct nat_table *t, uint32_t pos,
			  unsigned budget, nat_walk_cb cb, void *arg)
{
	return walk(t, pos, budget, live, cb, arg);
}

/**
 * nat_forward_walk() - call @cb for the forwards among the next @budget
 * entries
 * @t: table
 * @pos: where to start: 0 the first time, then what the last call returned
 * @budget: most entries to look at
 * @cb: callback; it must not change the table
 * @arg: its argument
 *
 * Return: where to go on, 0 when the walk is complete
 */
uint32_t nat_forward_walk(const struct nat_table *t, uint32_t pos,
			  unsigned budget, nat_walk_cb cb, void *arg)
{
	return walk(t, pos, budget, forward, cb, arg);
}

/**
 * nat_flush() - drop every session and dynamic mapping, in slices;
 * forwards stay
 * @t: table
 * @pos: where to go on: 0 to start, then left as the last call set it
 * @budget: most entries to look at in this call
 * @freed: set to the entries this call freed
 *
 * Sessions go in a first sweep, then the mappings they left unused.  A
 * session made while a flush is under way (between two calls) may stay,
 * with its mapping: the flush forgets what was there when it began.
 *
 * Return: true when the flush is complete, false to call again
 */
bool nat_flush(struct nat_table *t, uint32_t *pos, unsigned budget,
	       unsigned *freed)
{
	uint32_t p = *pos;

	*freed = 0;
	if (!p)
		memset(t->frag, 0, sizeof(t->frag));
	for (; p < 2 * (uint64_t)t->cap && budget; p++, budget--) {
		bool maps = p >= t->cap;
		uint32_t i = maps ? p - t->cap : p;
		const struct nat_entry *e = &t->e[i];

		if (maps ? e->kind == NAT_KIND_MAPPING && !e->refs
			 : e->kind == NAT_KIND_SESSION) {
			nat_entry_free(t, i);
			(*freed)++;
		}
	}
	*pos = p;
	return p >= 2 * (uint64_t)t->cap;
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
