// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp_msg.c - DHCP wire format: parsing a client's message, laying out a
 * reply's options
 *
 * Trust boundary: every byte handed to dhcp_msg_parse() comes from a guest
 * or from the wire.  It is read through the bounds-checked cursor only;
 * option lengths are checked against the bytes left in their field.
 */
#include "dhcp_priv.h"

#include <string.h>

#include "../lib/pkt.h"

/*
 * Walk one field's options.  Pass 1 (@fill NULL) totals each code's length
 * and checks the overload option; pass 2 copies each instance after the
 * previous ones of its code.  A field may end without END (tolerated: many
 * clients pad to the end instead).
 */
static enum dhcps_drop opt_walk(const uint8_t *field, size_t size,
				bool options_field, struct dhcp_msg *m,
				uint16_t *fill)
{
	struct dhcp_opts *o = &m->opts;
	struct pkt_cursor c;
	const uint8_t *v;
	uint8_t code, len;

	pkt_cursor_init(&c, field, size);
	while (pkt_pull_u8(&c, &code)) {
		if (code == DHCP_OPT_PAD)
			continue;
		if (code == DHCP_OPT_END)
			break;
		if (!pkt_pull_u8(&c, &len))
			return DHCPS_DROP_OPT_TRUNCATED;
		v = pkt_pull(&c, len);
		if (!v)
			return DHCPS_DROP_OPT_TRUNCATED;
		if (fill) {
			memcpy(o->buf + o->off[code] + fill[code], v, len);
			fill[code] = (uint16_t)(fill[code] + len);
			continue;
		}
		if (code == DHCP_OPT_OVERLOAD) {
			if (!options_field || len != 1 || m->overload ||
			    v[0] < 1 || v[0] > 3)
				return DHCPS_DROP_BAD_OVERLOAD;
			m->overload = v[0];
		}
		/* Totals cannot pass DHCP_MSG_MAX: they count message bytes. */
		o->len[code] = (uint16_t)(o->len[code] + len);
		o->present[code >> 3] |= (uint8_t)(1u << (code & 7));
	}
	return DHCPS_DROP_NONE;
}

/* Walk the fields that carry options, in RFC 3396 order. */
static enum dhcps_drop opt_fields(const uint8_t *data, size_t len,
				  struct dhcp_msg *m, uint16_t *fill)
{
	enum dhcps_drop d;

	d = opt_walk(data + DHCP_OFS_OPTS, len - DHCP_OFS_OPTS, true, m, fill);
	if (d == DHCPS_DROP_NONE && (m->overload & 1))
		d = opt_walk(data + DHCP_OFS_FILE, DHCP_FILE_LEN, false, m,
			     fill);
	if (d == DHCPS_DROP_NONE && (m->overload & 2))
		d = opt_walk(data + DHCP_OFS_SNAME, DHCP_SNAME_LEN, false, m,
			     fill);
	return d;
}

/* Options whose length is fixed or bounded below by their definition. */
static bool opt_lengths_ok(const struct dhcp_msg *m)
{
	static const struct {
		uint8_t code, min, max;
	} rules[] = {
	    {DHCP_OPT_MSG_TYPE, 1, 1},	   {DHCP_OPT_REQ_IP, 4, 4},
	    {DHCP_OPT_SERVER_ID, 4, 4},	   {DHCP_OPT_LEASE_TIME, 4, 4},
	    {DHCP_OPT_MAX_SIZE, 2, 2},	   {DHCP_OPT_CLIENT_ID, 2, 255},
	    {DHCP_OPT_PARAM_LIST, 1, 255}, {DHCP_OPT_HOSTNAME, 1, 255},
	};

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		uint8_t c = rules[i].code;

		if (dhcp_opt_has(m, c) && (m->opts.len[c] < rules[i].min ||
					   m->opts.len[c] > rules[i].max))
			return false;
	}
	return true;
}

/**
 * dhcp_msg_parse() - check and parse a client's DHCP message
 * @data: UDP payload: untrusted
 * @len: bytes at @data
 * @m: filled in; valid only on DHCPS_DROP_NONE
 *
 * Checks the BOOTP header (BOOTREQUEST, Ethernet, magic cookie), walks the
 * options of the options field and, when option 52 says so, of file and
 * sname, and concatenates repeated options (RFC 3396).  The message type is
 * checked to be one a client sends.
 *
 * Return: DHCPS_DROP_NONE, or why the message must be dropped
 */
enum dhcps_drop dhcp_msg_parse(const uint8_t *data, size_t len,
			       struct dhcp_msg *m)
{
	struct dhcp_opts *o = &m->opts;
	uint16_t fill[256] = {0};
	struct pkt_cursor c;
	const uint8_t *h;
	enum dhcps_drop d;
	unsigned off = 0;

	if (len > DHCP_MSG_MAX)
		return DHCPS_DROP_BAD_LEN;
	pkt_cursor_init(&c, data, len);
	h = pkt_pull(&c, DHCP_OFS_OPTS);
	if (!h)
		return DHCPS_DROP_BAD_LEN;
	m->op = h[0];
	m->htype = h[1];
	m->hlen = h[2];
	m->hops = h[3];
	if (m->op != DHCP_BOOTREQUEST)
		return DHCPS_DROP_BAD_OP;
	if (m->htype != 1 || m->hlen != 6)
		return DHCPS_DROP_BAD_HTYPE;
	if (dhcp_get_be32(h + DHCP_OFS_COOKIE) != DHCP_COOKIE)
		return DHCPS_DROP_BAD_COOKIE;
	m->xid = dhcp_get_be32(h + DHCP_OFS_XID);
	m->secs = pkt_get_be16(h + 8);
	m->flags = pkt_get_be16(h + DHCP_OFS_FLAGS);
	m->ciaddr = dhcp_get_be32(h + DHCP_OFS_CIADDR);
	m->yiaddr = dhcp_get_be32(h + DHCP_OFS_YIADDR);
	m->siaddr = dhcp_get_be32(h + DHCP_OFS_SIADDR);
	m->giaddr = dhcp_get_be32(h + DHCP_OFS_GIADDR);
	memcpy(m->chaddr, h + DHCP_OFS_CHADDR, sizeof(m->chaddr));
	m->overload = 0;
	m->type = 0;
	memset(o->len, 0, sizeof(o->len));
	memset(o->present, 0, sizeof(o->present));

	d = opt_fields(data, len, m, NULL);
	if (d != DHCPS_DROP_NONE)
		return d;
	for (unsigned i = 0; i < 256; i++) {
		o->off[i] = (uint16_t)off;
		off += o->len[i];
	}
	d = opt_fields(data, len, m, fill);
	if (d != DHCPS_DROP_NONE)
		return d;

	if (!opt_lengths_ok(m))
		return DHCPS_DROP_BAD_OPTION;
	if (!dhcp_opt_has(m, DHCP_OPT_MSG_TYPE))
		return DHCPS_DROP_BAD_MSG_TYPE;
	m->type = o->buf[o->off[DHCP_OPT_MSG_TYPE]];
	switch (m->type) {
	case DHCP_DISCOVER:
	case DHCP_REQUEST:
	case DHCP_DECLINE:
	case DHCP_RELEASE:
	case DHCP_INFORM:
		return DHCPS_DROP_NONE;
	default:
		return DHCPS_DROP_BAD_MSG_TYPE;
	}
}

/**
 * dhcp_opt_has() - whether a parsed message carries an option
 * @m: parsed message
 * @code: option code
 *
 * Return: true if at least one instance was present (even empty)
 */
bool dhcp_opt_has(const struct dhcp_msg *m, uint8_t code)
{
	return m->opts.present[code >> 3] & (1u << (code & 7));
}

/**
 * dhcp_opt_get() - an option's data, all its instances concatenated
 * @m: parsed message
 * @code: option code
 * @len: set to the data's length
 *
 * Return: the data, or NULL when the option is absent
 */
const uint8_t *dhcp_opt_get(const struct dhcp_msg *m, uint8_t code, size_t *len)
{
	if (!dhcp_opt_has(m, code))
		return NULL;
	*len = m->opts.len[code];
	return m->opts.buf + m->opts.off[code];
}

/**
 * dhcp_writer_init() - start laying out a reply's options
 * @w: writer
 * @msg: the reply; its BOOTP header is filled by the caller, and file and
 *       sname must be zero (they receive options when the options field is
 *       full)
 * @size: largest message allowed, at least DHCP_MIN_MAXSIZE - 28
 *
 * Three bytes of the options field stay reserved for option 52 and one in
 * each region for END.
 */
void dhcp_writer_init(struct dhcp_writer *w, uint8_t *msg, size_t size)
{
	w->msg = msg;
	w->pos[0] = DHCP_OFS_OPTS;
	w->end[0] = size - 1 - 3;
	w->pos[1] = DHCP_OFS_FILE;
	w->end[1] = DHCP_OFS_FILE + DHCP_FILE_LEN - 1;
	w->pos[2] = DHCP_OFS_SNAME;
	w->end[2] = DHCP_OFS_SNAME + DHCP_SNAME_LEN - 1;
	w->cur = 0;
	w->full = false;
}

/**
 * dhcp_opt_put() - add an option to a reply
 * @w: writer
 * @code: option code
 * @data: option data
 * @len: bytes of @data; over 255 the option is split into instances
 *
 * An option of at most 255 bytes is never split: it goes into the first
 * region, from the current one on, with room for it whole.  A longer one is
 * cut into instances that fill the regions in turn.  Nothing is written
 * when the option does not fit.
 *
 * Return: true if the option was written
 */
bool dhcp_opt_put(struct dhcp_writer *w, uint8_t code, const void *data,
		  size_t len)
{
	const uint8_t *d = data;
	struct dhcp_writer saved = *w;

	if (len <= 255) {
		for (unsigned r = w->cur; r < 3; r++) {
			if (w->end[r] - w->pos[r] < 2 + len)
				continue;
			w->cur = r;
			w->msg[w->pos[r]] = code;
			w->msg[w->pos[r] + 1] = (uint8_t)len;
			memcpy(w->msg + w->pos[r] + 2, d, len);
			w->pos[r] += 2 + len;
			return true;
		}
		w->full = true;
		return false;
	}
	while (len) {
		size_t room = w->end[w->cur] - w->pos[w->cur];
		size_t n;

		if (room < 3) {
			if (w->cur == 2) {
				*w = saved;
				w->full = true;
				return false;
			}
			w->cur++;
			continue;
		}
		n = room - 2;
		if (n > 255)
			n = 255;
		if (n > len)
			n = len;
		w->msg[w->pos[w->cur]] = code;
		w->msg[w->pos[w->cur] + 1] = (uint8_t)n;
		memcpy(w->msg + w->pos[w->cur] + 2, d, n);
		w->pos[w->cur] += 2 + n;
		d += n;
		len -= n;
	}
	return true;
}

/**
 * dhcp_writer_finish() - close the option regions
 * @w: writer
 *
 * Ends each region used with END, adds option 52 when file or sname carry
 * options, and pads the message to the 300 bytes BOOTP relays expect.
 *
 * Return: the message's length
 */
size_t dhcp_writer_finish(struct dhcp_writer *w)
{
	uint8_t overload = 0;
	size_t len;

	if (w->pos[1] > DHCP_OFS_FILE) {
		w->msg[w->pos[1]] = DHCP_OPT_END;
		overload |= 1;
	}
	if (w->pos[2] > DHCP_OFS_SNAME) {
		w->msg[w->pos[2]] = DHCP_OPT_END;
		overload |= 2;
	}
	if (overload) {
		w->msg[w->pos[0]++] = DHCP_OPT_OVERLOAD;
		w->msg[w->pos[0]++] = 1;
		w->msg[w->pos[0]++] = overload;
	}
	w->msg[w->pos[0]++] = DHCP_OPT_END;
	len = w->pos[0];
	if (len < DHCP_MIN_REPLY) {
		memset(w->msg + len, 0, DHCP_MIN_REPLY - len);
		len = DHCP_MIN_REPLY;
	}
	return len;
}
