/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp_test_msg.h - builds client DHCP messages for the dhcp unit tests */
#ifndef VNET_DHCP_TEST_MSG_H
#define VNET_DHCP_TEST_MSG_H

#include <string.h>

#include "dhcp/dhcp_priv.h"
#include "lib/pkt.h"

#define IP4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* A client message under construction: header, then options. */
struct tmsg {
	uint8_t b[DHCP_MSG_MAX + 64];
	size_t len;
};

static inline void tmsg_init(struct tmsg *m, uint8_t type, uint8_t mac_last,
			     uint32_t xid)
{
	memset(m, 0, sizeof(*m));
	m->b[0] = DHCP_BOOTREQUEST;
	m->b[1] = 1;
	m->b[2] = 6;
	dhcp_put_be32(m->b + DHCP_OFS_XID, xid);
	memcpy(m->b + DHCP_OFS_CHADDR,
	       (uint8_t[]){0x52, 0x54, 0, 0, 0, mac_last}, 6);
	dhcp_put_be32(m->b + DHCP_OFS_COOKIE, DHCP_COOKIE);
	m->len = DHCP_OFS_OPTS;
	if (type) {
		m->b[m->len++] = DHCP_OPT_MSG_TYPE;
		m->b[m->len++] = 1;
		m->b[m->len++] = type;
	}
}

static inline void tmsg_opt(struct tmsg *m, uint8_t code, const void *d,
			    size_t n)
{
	m->b[m->len++] = code;
	m->b[m->len++] = (uint8_t)n;
	memcpy(m->b + m->len, d, n);
	m->len += n;
}

static inline void tmsg_opt_ip(struct tmsg *m, uint8_t code, uint32_t ip)
{
	uint8_t v[4];

	dhcp_put_be32(v, ip);
	tmsg_opt(m, code, v, 4);
}

static inline void tmsg_raw(struct tmsg *m, const void *d, size_t n)
{
	memcpy(m->b + m->len, d, n);
	m->len += n;
}

static inline void tmsg_end(struct tmsg *m)
{
	m->b[m->len++] = DHCP_OPT_END;
}

#endif
