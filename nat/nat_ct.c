// SPDX-License-Identifier: GPL-2.0-or-later
/* nat_ct.c - connection tracking: making mappings and sessions, the TCP
 * state machine, timeouts, names of drop reasons and states */
#include "nat_priv.h"

static const char *const drop_names[] = {
#define NAT_DROP_NAME(id, name, desc) name,
    NAT_DROPS(NAT_DROP_NAME)
#undef NAT_DROP_NAME
};

static const char *const drop_descs[] = {
#define NAT_DROP_DESC(id, name, desc) desc,
    NAT_DROPS(NAT_DROP_DESC)
#undef NAT_DROP_DESC
};

static const char *const tcp_names[] = {
#define NAT_TCP_NAME(id, name) name,
    NAT_TCP_STATES(NAT_TCP_NAME)
#undef NAT_TCP_NAME
};

/**
 * nat_drop_name() - a drop reason's counter name
 * @d: reason
 *
 * Return: the name, "none" for NAT_DROP_NONE or out of range
 */
const char *nat_drop_name(enum nat_drop d)
{
	return (unsigned)d < NAT_DROP_MAX ? drop_names[d] : "none";
}

/**
 * nat_drop_desc() - a drop reason's sentence
 * @d: reason
 *
 * Return: the sentence, "" for NAT_DROP_NONE or out of range
 */
const char *nat_drop_desc(enum nat_drop d)
{
	return (unsigned)d < NAT_DROP_MAX ? drop_descs[d] : "";
}

/**
 * nat_tcp_state_name() - a TCP state's name
 * @s: state
 *
 * Return: the name, "?" out of range
 */
const char *nat_tcp_state_name(enum nat_tcp_state s)
{
	return (unsigned)s < NAT_TCP_MAX ? tcp_names[s] : "?";
}

/**
 * nat_timeout_of() - seconds an entry lives when idle, by kind and state
 * @t: table
 * @e: entry
 *
 * Return: the timeout
 */
uint32_t nat_timeout_of(const struct nat_table *t, const struct nat_entry *e)
{
	const struct nat_timeouts *to = &t->cfg.timeouts;

	if (e->kind == NAT_KIND_MAPPING)
		return to->mapping;
	switch (e->proto) {
	case NAT_PROTO_TCP:
		switch (e->state) {
		case NAT_TCP_ESTABLISHED:
		case NAT_TCP_FIN_WAIT:
			/* Half-closed: the other side may still send for as
			 * long as it likes (RFC 9293 CLOSE-WAIT). */
			return to->tcp_est;
		case NAT_TCP_LAST_ACK:
			return to->tcp_fin;
		case NAT_TCP_TIME_WAIT:
			return to->tcp_time_wait;
		case NAT_TCP_CLOSE:
			return to->tcp_close;
		default:
			return to->tcp_syn;
		}
	case NAT_PROTO_UDP:
		return e->flags & NAT_SF_REPLIED ? to->udp_replied : to->udp;
	default:
		return to->icmp;
	}
}

/**
 * nat_tcp_flags_valid() - could a segment with these flags be part of a
 * connection?
 * @f: TCP flags byte
 *
 * SYN without FIN or RST; otherwise ACK or RST (FIN alone, a bare PSH or no
 * flag at all are scans).
 *
 * Return: true when valid
 */
bool nat_tcp_flags_valid(uint8_t f)
{
	if (f & NAT_TCP_SYN)
		return !(f & (NAT_TCP_FIN | NAT_TCP_RST));
	return f & (NAT_TCP_ACK | NAT_TCP_RST);
}

/**
 * nat_mapping_new() - make a dynamic mapping for an inside endpoint
 * @t: table
 * @proto: protocol
 * @int_ip: inside address
 * @int_port: inside port (ICMP: identifier)
 * @now: caller's seconds
 * @drop: why not, on failure
 *
 * The external address is chosen by the inside address (paired pooling:
 * one VM always appears as the same address); room for the session that
 * follows is required too, so a mapping is never made for nothing.
 *
 * Return: the mapping's index, or NAT_NIL with @drop set
 */
uint32_t nat_mapping_new(struct nat_table *t, uint8_t proto, uint32_t int_ip,
			 uint16_t int_port, int64_t now, enum nat_drop *drop)
{
	unsigned ext =
	    (unsigned)(((uint64_t)(int_ip * 0x9e3779b1u) * t->cfg.n_ext) >> 32);
	struct nat_entry *e;
	uint32_t i;
	int port;

	if (!nat_make_room(t, 2, NAT_NIL)) {
		*drop = NAT_DROP_TABLE_FULL;
		return NAT_NIL;
	}
	port = nat_port_alloc(t, proto, ext, int_port);
	if (port < 0) {
		*drop = NAT_DROP_PORTS_EXHAUSTED;
		return NAT_NIL;
	}
	i = nat_entry_alloc(t);
	e = &t->e[i];
	e->proto = proto;
	e->int_ip = int_ip;
	e->int_port = int_port;
	e->ext_ip = t->cfg.ext_addr[ext];
	e->ext_port = (uint16_t)port;
	e->created = (uint32_t)now;
	e->expires = (uint32_t)(now + t->cfg.timeouts.mapping);
	nat_entry_publish(t, i, NAT_KIND_MAPPING);
	return i;
}

/**
 * nat_session_new() - make a session through a mapping or forward
 * @t: table
 * @map: the mapping's index
 * @rem_ip: remote address
 * @rem_port: remote port (ICMP: 0)
 * @inbound: opened from the outside
 * @state: first TCP state (NAT_TCP_NONE for UDP and ICMP)
 * @now: caller's seconds
 * @drop: why not, on failure
 *
 * Return: the session's index, or NAT_NIL with @drop set
 */
uint32_t nat_session_new(struct nat_table *t, uint32_t map, uint32_t rem_ip,
			 uint16_t rem_port, bool inbound, uint8_t state,
			 int64_t now, enum nat_drop *drop)
{
	const struct nat_entry *m = &t->e[map];
	struct nat_entry *e, probe = {.kind = NAT_KIND_SESSION};
	uint32_t i = nat_make_room(t, 1, map) ? nat_entry_alloc(t) : NAT_NIL;

	if (i == NAT_NIL) {
		*drop = NAT_DROP_TABLE_FULL;
		return NAT_NIL;
	}
	e = &t->e[i];
	e->proto = m->proto;
	e->int_ip = m->int_ip;
	e->int_port = m->int_port;
	e->ext_ip = m->ext_ip;
	e->ext_port = m->ext_port;
	e->rem_ip = rem_ip;
	e->rem_port = rem_port;
	e->map = map;
	e->state = state;
	e->flags = inbound ? NAT_SF_INBOUND : 0;
	probe.proto = e->proto;
	probe.state = state;
	e->expires = (uint32_t)(now + nat_timeout_of(t, &probe));
	e->created = (uint32_t)now;
	nat_entry_publish(t, i, NAT_KIND_SESSION);
	t->st.created++;
	return i;
}

/* Is @a after @b in sequence space? */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/*
 * Could a RST (or FIN) from @side be one its peer accepts?  Everything @side
 * has sent ends at seq_end[side]; its peer has acknowledged up to ack[!side].
 * A RST an endpoint makes carries its next sequence number (seq_end) or the
 * acknowledgement of the segment it answers (between the two), so a RST
 * outside [ack[!side], seq_end[side]] is one nobody on the path sent: on
 * an idle connection the window is a single number, 1 in 2^32 for a blind
 * guess (the check RFC 5961 asks of endpoints, and Linux conntrack's
 * window tracking, reduced to what a RST needs).  Until both are known
 * (handshake) a RST is believed.
 */
static bool seq_plausible(const struct nat_entry *e, unsigned side,
			  uint32_t seq)
{
	uint32_t hi = e->seq_end[side], lo = e->ack[!side];

	if (!hi || !lo)
		return true;
	if (seq_after(lo, hi)) {
		uint32_t x = lo;

		lo = hi;
		hi = x;
	}
	return seq - lo <= hi - lo;
}

/*
 * Could this segment come from @side's endpoint?  Once both sides are
 * known, its ACK must acknowledge no more than the other side sent and not
 * lag far behind what this side acknowledged already (1 chance in 65536
 * for a blind guess).  A segment that fails moves nothing here (it is
 * passed on: the endpoint judges it), so spoofed data cannot stretch the
 * window a spoofed RST is then checked against.
 */
static bool ack_plausible(const struct nat_entry *e, unsigned side,
			  const struct nat_seg *g)
{
	if (!e->seq_end[!side] || !e->ack[side])
		return true;
	return (g->flags & NAT_TCP_ACK) &&
	       !seq_after(g->ack, e->seq_end[!side]) &&
	       !seq_after(e->ack[side] - NAT_SEQ_ACK_LAG, g->ack);
}

/* Remember where each side's sequence space ends and what it acked.  The
 * end moves forward by at most NAT_SEQ_JUMP (a loss before the NAT
 * leaves a gap; more than any window carries is not a segment of this
 * connection). */
static void seq_track(struct nat_entry *e, unsigned side,
		      const struct nat_seg *g)
{
	uint32_t end = g->seq + g->len;
	bool syn = g->flags & NAT_TCP_SYN;

	/* A SYN sets a side's sequence space during the handshake (or for
	 * a side not heard yet); once established it is a duplicate or a
	 * forgery with a sequence number of the sender's choosing, and must
	 * not move the window a RST is judged by. */
	if (syn && e->seq_end[side] && e->state >= NAT_TCP_ESTABLISHED)
		return;
	if (!syn && !ack_plausible(e, side, g))
		return;
	if (syn || !e->seq_end[side] ||
	    (seq_after(end, e->seq_end[side]) &&
	     end - e->seq_end[side] <= NAT_SEQ_JUMP))
		e->seq_end[side] = end;
	if ((g->flags & NAT_TCP_ACK) &&
	    (!e->ack[side] || seq_after(g->ack, e->ack[side])))
		e->ack[side] = g->ack;
}

/* Returns false for a segment the state machine ignored (a RST outside
 * the window). */
static bool tcp_step(struct nat_entry *e, bool orig, const struct nat_seg *g)
{
	uint8_t st = e->state, f = g->flags;
	unsigned side = orig ? 0 : 1;

	if (f & NAT_TCP_RST) {
		if (st >= NAT_TCP_ESTABLISHED && st <= NAT_TCP_LAST_ACK &&
		    !seq_plausible(e, side, g->seq))
			return false;
		e->state = NAT_TCP_CLOSE;
		e->flags &= (uint8_t) ~(NAT_SF_ACK_ORIG | NAT_SF_ACK_REPLY);
		return true;
	}
	if ((f & NAT_TCP_SYN) && !(f & NAT_TCP_ACK) && orig &&
	    (st == NAT_TCP_TIME_WAIT || st == NAT_TCP_CLOSE)) {
		/* The port pair is reused for a new connection. */
		e->state = NAT_TCP_SYN_SENT;
		e->flags &= (uint8_t) ~(NAT_SF_FIN_ORIG | NAT_SF_FIN_REPLY |
					NAT_SF_FIN_ORIG_1ST | NAT_SF_ASSURED);
		e->seq_end[0] = e->seq_end[1] = 0;
		e->ack[0] = e->ack[1] = 0;
		seq_track(e, side, g);
		return true;
	}
	/* A FIN nobody on the path could have sent is taken as an ACK. */
	if ((f & NAT_TCP_FIN) && st >= NAT_TCP_ESTABLISHED &&
	    st <= NAT_TCP_LAST_ACK && !seq_plausible(e, side, g->seq))
		f &= (uint8_t)~NAT_TCP_FIN;
	seq_track(e, side, g);
	if (st == NAT_TCP_CLOSE && (f & NAT_TCP_ACK) &&
	    !(f & (NAT_TCP_SYN | NAT_TCP_FIN))) {
		/*
		 * A RST in the window that its receiver still did not take
		 * (RFC 5961: an endpoint wants the exact next sequence
		 * number): both sides carrying on says the connection lives.
		 */
		e->flags |= orig ? NAT_SF_ACK_ORIG : NAT_SF_ACK_REPLY;
		if ((e->flags & NAT_SF_ACK_ORIG) &&
		    (e->flags & NAT_SF_ACK_REPLY))
			e->state = NAT_TCP_ESTABLISHED;
		return true;
	}
	if (f & NAT_TCP_SYN) {
		/* SYN/ACK, or a simultaneous open's SYN. */
		if (!orig && st == NAT_TCP_SYN_SENT)
			e->state = NAT_TCP_SYN_RECV;
		return true;
	}
	if (f & NAT_TCP_FIN) {
		if (orig) {
			if (!(e->flags & NAT_SF_FIN_REPLY))
				e->flags |= NAT_SF_FIN_ORIG_1ST;
			e->flags |= NAT_SF_FIN_ORIG;
		} else {
			e->flags |= NAT_SF_FIN_REPLY;
		}
		if (st >= NAT_TCP_SYN_RECV && st <= NAT_TCP_FIN_WAIT)
			e->state = (e->flags & NAT_SF_FIN_ORIG) &&
					   (e->flags & NAT_SF_FIN_REPLY)
				       ? NAT_TCP_LAST_ACK
				       : NAT_TCP_FIN_WAIT;
		return true;
	}
	if (!(f & NAT_TCP_ACK))
		return true;
	/* Only the ACK of everything the answering side sent (its SYN/ACK:
	 * ISN + 1) completes the handshake; nat_session_seen() dropped one
	 * outside the window, one inside waits for the next. */
	if (st == NAT_TCP_SYN_RECV && orig &&
	    (!e->seq_end[1] || g->ack == e->seq_end[1]))
		e->state = NAT_TCP_ESTABLISHED;
	else if (st == NAT_TCP_LAST_ACK &&
		 orig == !!(e->flags & NAT_SF_FIN_ORIG_1ST))
		e->state = NAT_TCP_TIME_WAIT;
	return true;
}

/* The side (0: the opening one) that sends a packet going @dir. */
static unsigned side_of(const struct nat_entry *e, enum nat_dir dir)
{
	return (dir == NAT_DIR_OUT) == !(e->flags & NAT_SF_INBOUND) ? 0 : 1;
}

/**
 * nat_session_frag_first() - the first fragment of a TCP segment went
 * through: may its last fragment carry the window to the segment's end?
 * @t: table
 * @s: the session
 * @dir: the fragment's direction
 * @seg: what its TCP header said (its length: this fragment's bytes only)
 *
 * Only the first fragment has the TCP header; the bytes after it would be
 * missing from the window (the peer's ACK of them would look forged, and
 * the sender's FIN or RST would fall outside), so the last fragment adds
 * them, when the first moved the window.
 *
 * Return: true when the sending side's window ends where this fragment does
 */
bool nat_session_frag_first(const struct nat_table *t, uint32_t s,
			    enum nat_dir dir, const struct nat_seg *seg)
{
	const struct nat_entry *e = &t->e[s];

	return e->proto == NAT_PROTO_TCP &&
	       e->seq_end[side_of(e, dir)] == seg->seq + seg->len;
}

/**
 * nat_session_frag_end() - the last fragment of a TCP segment whose first
 * moved the window (nat_session_frag_first()): the segment ends at @end
 * @t: table
 * @s: the session the first fragment went through
 * @dir: the fragment's direction
 * @rem_ip: the remote address of the datagram (checked: the entry may
 *          have been freed and taken since)
 * @end: the sequence number after the segment's last byte
 *
 * The window moves on by at most what one IPv4 datagram carries.
 */
void nat_session_frag_end(struct nat_table *t, uint32_t s, enum nat_dir dir,
			  uint32_t rem_ip, uint32_t end)
{
	struct nat_entry *e = &t->e[s];
	uint32_t *se;

	if (e->kind != NAT_KIND_SESSION || e->proto != NAT_PROTO_TCP ||
	    e->rem_ip != rem_ip)
		return;
	se = &e->seq_end[side_of(e, dir)];
	if (*se && seq_after(end, *se) && end - *se <= 65535)
		*se = end;
}

/*
 * Could a segment from @side in SYN_RECV be the ACK of the answering
 * side's SYN/ACK?  Its acknowledgement must fall in the answering side's
 * sequence space: at most the end of what it sent (the SYN/ACK's ISN + 1,
 * or further when it sent data before the handshake completed, as a TCP
 * Fast Open server does), at most NAT_SEQ_ACK_LAG behind.  Anything else
 * is a blind guess by a host that never saw the SYN/ACK (a spoofed
 * source opening sessions through a forward), 1 chance in 65536 to pass
 * on and 1 in 2^32 to complete the handshake (tcp_step()).  A SYN or a
 * RST is not an ACK of the handshake: left to tcp_step().
 */
static bool handshake_ack_bad(const struct nat_entry *e, unsigned side,
			      const struct nat_seg *g)
{
	uint32_t end = e->seq_end[1];

	if (e->state != NAT_TCP_SYN_RECV || side || !end ||
	    (g->flags & (NAT_TCP_SYN | NAT_TCP_RST)))
		return false;
	return !(g->flags & NAT_TCP_ACK) || end - g->ack > NAT_SEQ_ACK_LAG;
}

/**
 * nat_session_seen() - account a packet of a session and move its state
 * @t: table
 * @s: the session
 * @dir: the packet's direction
 * @seg: its TCP header's fields (NULL for UDP and ICMP)
 * @bytes: its IP length
 * @now: caller's seconds
 *
 * A RST outside the window (see seq_plausible()) changes nothing, not even
 * the expiry: it is counted (rst_ignored) and passed on for the endpoint
 * to judge.  The opening side's ACK in SYN_RECV acknowledging nothing the
 * answering side sent (handshake_ack_bad()) changes nothing either, and
 * is to be dropped.
 *
 * Return: NAT_DROP_NONE, or NAT_DROP_TCP_BAD_ACK for a packet to drop
 */
enum nat_drop nat_session_seen(struct nat_table *t, uint32_t s,
			       enum nat_dir dir, const struct nat_seg *seg,
			       uint32_t bytes, int64_t now)
{
	struct nat_entry *e = &t->e[s];
	bool orig = !side_of(e, dir);
	uint32_t old = e->expires;

	if (e->proto == NAT_PROTO_TCP && seg &&
	    handshake_ack_bad(e, orig ? 0 : 1, seg))
		return NAT_DROP_TCP_BAD_ACK;

	if (dir == NAT_DIR_OUT) {
		e->pkts_out++;
		e->bytes_out += bytes;
	} else {
		e->pkts_in++;
		e->bytes_in += bytes;
	}
	if (!orig)
		e->flags |= NAT_SF_REPLIED;
	if (e->proto == NAT_PROTO_TCP && seg && !tcp_step(e, orig, seg)) {
		t->st.rst_ignored++;
		return NAT_DROP_NONE;
	}
	if (e->state == NAT_TCP_ESTABLISHED)
		e->flags |= NAT_SF_ASSURED;
	e->expires = (uint32_t)(now + nat_timeout_of(t, e));
	if (e->expires < old)
		nat_wheel_resched(t, s);
	return NAT_DROP_NONE;
}
