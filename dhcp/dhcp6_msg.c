// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp6_msg.c - DHCPv6 wire format: parsing a client's message, laying out
 * a reply
 *
 * Trust boundary: every byte handed to dhcp6_msg_parse() is a guest's.  It
 * is read through the bounds-checked cursor only; each option's length is
 * checked against the bytes left in the message or in the option holding
 * it (IA_NA holds IAADDR, which holds a status code: three levels, each
 * walked by its own bounded loop, no recursion).
 */
#include "dhcp6_priv.h"

#include <string.h>

#include "../lib/pkt.h"
#include "dhcp_priv.h"

/* Take one option header and body from @c: false when the header or the
 * body runs past the end (nothing taken then). */
static bool opt_pull(struct pkt_cursor *c, uint16_t *code,
		     struct pkt_cursor *body)
{
	struct pkt_cursor save = *c;
	uint16_t len;
	const uint8_t *v;

	if (!pkt_pull_be16(c, code) || !pkt_pull_be16(c, &len) ||
	    !(v = pkt_pull(c, len))) {
		*c = save;
		return false;
	}
	pkt_cursor_init(body, v, len);
	return true;
}

/* The options inside an IAADDR or IAPREFIX: only their bounds matter, and
 * a status code's length. */
static enum dhcp6s_drop leaf_walk(struct pkt_cursor c, int *status)
{
	struct pkt_cursor body;
	uint16_t code, st;

	while (c.left) {
		if (!opt_pull(&c, &code, &body))
			return DHCP6S_DROP_OPT_TRUNCATED;
		if (code != DHCP6_OPT_STATUS_CODE)
			continue;
		if (!pkt_pull_be16(&body, &st))
			return DHCP6S_DROP_BAD_OPTION;
		if (status)
			*status = st;
	}
	return DHCP6S_DROP_NONE;
}

/* An IAADDR (@type IA_NA, IA_TA) or IAPREFIX (IA_PD) inside an IA. */
static enum dhcp6s_drop ia_addr(struct dhcp6_ia *ia, uint16_t code,
				struct pkt_cursor body)
{
	const uint8_t *v;

	if (ia->type == DHCP6_OPT_IA_PD) {
		if (code != DHCP6_IAPREFIX_OPT)
			return DHCP6S_DROP_NONE;
		if (!pkt_pull(&body, DHCP6_IAPREFIX_MIN))
			return DHCP6S_DROP_BAD_OPTION;
		return leaf_walk(body, NULL);
	}
	if (code != DHCP6_OPT_IAADDR)
		return DHCP6S_DROP_NONE;
	v = pkt_pull(&body, DHCP6_IAADDR_MIN);
	if (!v)
		return DHCP6S_DROP_BAD_OPTION;
	if (ia->naddr < DHCP6S_MAX_IA_ADDR) {
		memcpy(ia->addr[ia->naddr], v, 16);
		ia->pref[ia->naddr] = dhcp6_get_be32(v + 16);
		ia->valid[ia->naddr] = dhcp6_get_be32(v + 20);
		ia->naddr++;
	} else {
		ia->cut = true;
	}
	return leaf_walk(body, NULL);
}

/* One IA option: its fixed part, then its options. */
static enum dhcp6s_drop ia_parse(struct dhcp6_ia *ia, uint16_t type,
				 struct pkt_cursor c)
{
	size_t fixed =
	    type == DHCP6_OPT_IA_TA ? DHCP6_IA_TA_MIN : DHCP6_IA_NA_MIN;
	const uint8_t *v = pkt_pull(&c, fixed);
	struct pkt_cursor body;
	enum dhcp6s_drop d;
	uint16_t code;

	if (!v)
		return DHCP6S_DROP_BAD_OPTION;
	memset(ia, 0, sizeof(*ia));
	ia->type = type;
	ia->iaid = dhcp6_get_be32(v);
	if (type != DHCP6_OPT_IA_TA) {
		ia->t1 = dhcp6_get_be32(v + 4);
		ia->t2 = dhcp6_get_be32(v + 8);
	}
	ia->status = -1;
	while (c.left) {
		if (!opt_pull(&c, &code, &body))
			return DHCP6S_DROP_OPT_TRUNCATED;
		if (code == DHCP6_OPT_STATUS_CODE) {
			struct pkt_cursor whole = body;
			uint16_t st;

			if (!pkt_pull_be16(&whole, &st))
				return DHCP6S_DROP_BAD_OPTION;
			ia->status = st;
			continue;
		}
		d = ia_addr(ia, code, body);
		if (d != DHCP6S_DROP_NONE)
			return d;
	}
	return DHCP6S_DROP_NONE;
}

/* Keep @ia unless the message has DHCP6S_MAX_IA already or one of the same
 * type and IAID (the first one counts: a deterministic answer, once); note
 * what was left out. */
static void ia_keep(struct dhcp6_msg *m, const struct dhcp6_ia *ia)
{
	bool keep = m->nia < DHCP6S_MAX_IA;

	for (unsigned i = 0; keep && i < m->nia; i++)
		if (m->ia[i].type == ia->type && m->ia[i].iaid == ia->iaid)
			keep = false;
	m->cut |= !keep || ia->cut;
	if (keep)
		m->ia[m->nia++] = *ia;
}

/* A single-instance option: a second one is refused (which of two client
 * identifiers is the client's?). */
static bool once(struct dhcp6_msg *m, uint16_t code)
{
	uint64_t bit = 1ull << code;

	if (m->seen & bit)
		return false;
	m->seen |= bit;
	return true;
}

static enum dhcp6s_drop top_opt(struct dhcp6_msg *m, uint16_t code,
				struct pkt_cursor body)
{
	size_t n = body.left;
	struct dhcp6_ia ia;
	enum dhcp6s_drop d;

	switch (code) {
	case DHCP6_OPT_CLIENTID:
	case DHCP6_OPT_SERVERID:
	case DHCP6_OPT_ORO:
	case DHCP6_OPT_ELAPSED_TIME:
	case DHCP6_OPT_RAPID_COMMIT:
	case DHCP6_OPT_CLIENT_FQDN:
	case DHCP6_OPT_STATUS_CODE:
		if (!once(m, code))
			return DHCP6S_DROP_DUP_OPTION;
		break;
	case DHCP6_OPT_IA_NA:
	case DHCP6_OPT_IA_TA:
	case DHCP6_OPT_IA_PD:
		m->ia_total++;
		d = ia_parse(&ia, code, body);
		if (d == DHCP6S_DROP_NONE)
			ia_keep(m, &ia);
		return d;
	default:
		return DHCP6S_DROP_NONE;
	}
	switch (code) {
	case DHCP6_OPT_CLIENTID:
	case DHCP6_OPT_SERVERID:
		if (n < 2 || n > DHCP6S_DUID_MAX)
			return DHCP6S_DROP_BAD_OPTION;
		if (code == DHCP6_OPT_CLIENTID) {
			m->cid = body.p;
			m->cid_len = (uint16_t)n;
		} else {
			m->sid = body.p;
			m->sid_len = (uint16_t)n;
		}
		break;
	case DHCP6_OPT_ORO:
		if (n % 2)
			return DHCP6S_DROP_BAD_OPTION;
		m->oro = body.p;
		m->oro_len = (uint16_t)n;
		break;
	case DHCP6_OPT_ELAPSED_TIME:
		if (n != 2)
			return DHCP6S_DROP_BAD_OPTION;
		break;
	case DHCP6_OPT_RAPID_COMMIT:
		if (n != 0)
			return DHCP6S_DROP_BAD_OPTION;
		m->rapid = true;
		break;
	case DHCP6_OPT_CLIENT_FQDN:
		if (n < 1)
			return DHCP6S_DROP_BAD_OPTION;
		m->fqdn = body.p;
		m->fqdn_len = (uint16_t)n;
		break;
	default: /* DHCP6_OPT_STATUS_CODE */
		if (n < 2)
			return DHCP6S_DROP_BAD_OPTION;
		m->status = pkt_get_be16(body.p);
		break;
	}
	return DHCP6S_DROP_NONE;
}

/**
 * dhcp6_msg_parse() - parse a client-server message (not a relay message)
 * @data: the UDP payload: untrusted
 * @len: bytes at @data
 * @m: filled in; its pointers point into @data
 *
 * Checks every option's bounds and the lengths of the options it reads;
 * does not judge whether the type or the options suit a server (the
 * caller does, RFC 8415 16).
 *
 * Return: DHCP6S_DROP_NONE, or why the message is unusable
 */
enum dhcp6s_drop dhcp6_msg_parse(const uint8_t *data, size_t len,
				 struct dhcp6_msg *m)
{
	struct pkt_cursor c, body;
	const uint8_t *h;
	enum dhcp6s_drop d;
	uint16_t code;

	memset(m, 0, offsetof(struct dhcp6_msg, ia));
	m->status = -1;
	if (len > DHCP6S_MSG_MAX)
		return DHCP6S_DROP_SHORT;
	pkt_cursor_init(&c, data, len);
	h = pkt_pull(&c, DHCP6_HDR_LEN);
	if (!h)
		return DHCP6S_DROP_SHORT;
	m->type = h[0];
	memcpy(m->xid, h + 1, 3);
	if (m->type == DHCP6_RELAY_FORW || m->type == DHCP6_RELAY_REPL)
		return m->type == DHCP6_RELAY_FORW ? DHCP6S_DROP_RELAY
						   : DHCP6S_DROP_BAD_MSG_TYPE;
	while (c.left) {
		if (!opt_pull(&c, &code, &body))
			return DHCP6S_DROP_OPT_TRUNCATED;
		d = top_opt(m, code, body);
		if (d != DHCP6S_DROP_NONE)
			return d;
	}
	return DHCP6S_DROP_NONE;
}

/**
 * dhcp6_oro_has() - whether the client asked for an option
 * @m: the message
 * @code: the option code
 *
 * Return: true when @code is in the message's option request option
 */
bool dhcp6_oro_has(const struct dhcp6_msg *m, uint16_t code)
{
	for (size_t i = 0; m->oro && i + 1 < m->oro_len; i += 2)
		if (pkt_get_be16(m->oro + i) == code)
			return true;
	return false;
}

/**
 * dhcp6_writer_init() - start a message
 * @w: the writer
 * @b: where the message goes
 * @size: bytes at @b
 */
void dhcp6_writer_init(struct dhcp6_writer *w, uint8_t *b, size_t size)
{
	w->b = b;
	w->pos = 0;
	w->size = size;
	w->full = false;
}

/**
 * dhcp6_put() - append bytes (nothing if they do not fit: @w->full)
 * @w: the writer
 * @data: the bytes
 * @len: how many
 */
void dhcp6_put(struct dhcp6_writer *w, const void *data, size_t len)
{
	if (w->full || len > w->size - w->pos) {
		w->full = true;
		return;
	}
	if (!len) /* @data may be NULL then */
		return;
	memcpy(w->b + w->pos, data, len);
	w->pos += len;
}

/**
 * dhcp6_put_be32() - append a 32-bit number in network order
 * @w: the writer
 * @v: the number
 */
void dhcp6_put_be32(struct dhcp6_writer *w, uint32_t v)
{
	uint8_t b[4];

	dhcp_put_be32(b, v);
	dhcp6_put(w, b, 4);
}

/**
 * dhcp6_opt_open() - start an option whose length is known at its end
 * @w: the writer
 * @code: the option code
 *
 * Return: where it starts, for dhcp6_opt_close()
 */
size_t dhcp6_opt_open(struct dhcp6_writer *w, uint16_t code)
{
	uint8_t h[DHCP6_OPT_HDR] = {0};
	size_t at = w->pos;

	pkt_put_be16(h, code);
	dhcp6_put(w, h, sizeof(h));
	return at;
}

/**
 * dhcp6_opt_close() - end an option: its length is what was written since
 * dhcp6_opt_open()
 * @w: the writer
 * @at: dhcp6_opt_open()'s result
 */
void dhcp6_opt_close(struct dhcp6_writer *w, size_t at)
{
	if (w->full)
		return;
	pkt_put_be16(w->b + at + 2, (uint16_t)(w->pos - at - DHCP6_OPT_HDR));
}

/**
 * dhcp6_opt_put() - append a whole option
 * @w: the writer
 * @code: the option code
 * @data: its data
 * @len: its length (below 65536)
 */
void dhcp6_opt_put(struct dhcp6_writer *w, uint16_t code, const void *data,
		   size_t len)
{
	size_t at = dhcp6_opt_open(w, code);

	dhcp6_put(w, data, len);
	dhcp6_opt_close(w, at);
}

/**
 * dhcp6_status_put() - append a status code option (RFC 8415 21.13)
 * @w: the writer
 * @code: enum dhcp6_status
 * @msg: the message for the user (UTF-8, no NUL sent)
 */
void dhcp6_status_put(struct dhcp6_writer *w, uint16_t code, const char *msg)
{
	size_t at = dhcp6_opt_open(w, DHCP6_OPT_STATUS_CODE);
	uint8_t b[2];

	pkt_put_be16(b, code);
	dhcp6_put(w, b, 2);
	dhcp6_put(w, msg, strlen(msg));
	dhcp6_opt_close(w, at);
}

/**
 * dhcp6_search_encode() - a domain search list in DNS wire format (RFC
 * 3646 option 24: names uncompressed, one after the other)
 * @list: domains separated by spaces or commas (trusted configuration)
 * @out: where the names go
 * @size: bytes at @out
 *
 * Return: bytes written, 0 for an empty list; (size_t)-1 for a domain that
 * is not one of host name labels or a list that does not fit
 */
size_t dhcp6_search_encode(const char *list, uint8_t *out, size_t size)
{
	size_t n = 0;
	const char *p = list;

	for (;;) {
		char dom[DHCPS_DOMAIN_MAX + 1];
		size_t dl;
		const char *lab;

		p += strspn(p, " ,");
		if (!*p)
			return n;
		dl = strcspn(p, " ,");
		if (dl > DHCPS_DOMAIN_MAX)
			return (size_t)-1;
		memcpy(dom, p, dl);
		dom[dl] = 0;
		p += dl;
		if (!dhcp_domain_valid(dom) || dl + 2 > size - n)
			return (size_t)-1;
		lab = dom;
		for (;;) {
			size_t ll = strcspn(lab, ".");

			out[n++] = (uint8_t)ll;
			memcpy(out + n, lab, ll);
			n += ll;
			if (!lab[ll])
				break;
			lab += ll + 1;
		}
		out[n++] = 0;
	}
}
