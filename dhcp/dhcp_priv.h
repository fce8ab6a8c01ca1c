/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp_priv.h - DHCP wire format and the server's lease table, shared by the
 * files of dhcp/ and by their tests */
#ifndef VNET_DHCP_PRIV_H
#define VNET_DHCP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp.h"

#define DHCP_MIN_REPLY	 300 /* BOOTP relays drop shorter messages */
#define DHCP_MIN_MAXSIZE 576 /* smallest option 57 a client may send */

/* Option codes used here (RFC 2132, 3442, 3046, 6842). */
enum dhcp_opt {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN = 15,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_BROADCAST = 28,
	DHCP_OPT_REQ_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_PARAM_LIST = 55,
	DHCP_OPT_MESSAGE = 56,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_RELAY_AGENT = 82,
	DHCP_OPT_CLASSLESS_ROUTES = 121,
	DHCP_OPT_END = 255,
};

static inline uint32_t dhcp_get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

static inline void dhcp_put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* Bucket hash of an address (lease table, DNS names table). */
static inline uint32_t dhcp_hash_ip(uint32_t ip)
{
	uint32_t x = ip * 0x9e3779b1u;

	return x ^ (x >> 16);
}

static inline uint32_t dhcp_prefix_mask(unsigned prefix)
{
	return prefix ? ~0u << (32 - prefix) : 0;
}

/**
 * struct dhcp_opts - a message's options, each one's instances concatenated
 * (RFC 3396) in the order options field, file, sname
 * @off: offset of option code i's data in @buf
 * @len: its total length
 * @present: bit map of the codes seen (a zero-length option is present)
 * @buf: the data
 */
struct dhcp_opts {
	uint16_t off[256];
	uint16_t len[256];
	uint8_t present[32];
	uint8_t buf[DHCP_MSG_MAX];
};

/**
 * struct dhcp_msg - a parsed client message; addresses in host order
 * @overload: option 52's value (1 file, 2 sname, 3 both), 0 if absent
 * @type: option 53
 */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	uint8_t overload;
	uint8_t type;
	struct dhcp_opts opts;
};

enum dhcps_drop dhcp_msg_parse(const uint8_t *data, size_t len,
			       struct dhcp_msg *m);
bool dhcp_opt_has(const struct dhcp_msg *m, uint8_t code);
const uint8_t *dhcp_opt_get(const struct dhcp_msg *m, uint8_t code,
			    size_t *len);

/**
 * struct dhcp_writer - lays options out in a reply: the options field
 * first, then file and sname once it is full (option overload, RFC 2132
 * 9.3), long options split into 255-byte instances (RFC 3396)
 * @msg: the message
 * @pos: next free byte of each region (options, file, sname)
 * @end: each region's last usable byte + 1, one byte kept for END
 * @cur: region being filled
 * @full: an option did not fit and was left out
 */
struct dhcp_writer {
	uint8_t *msg;
	size_t pos[3];
	size_t end[3];
	unsigned cur;
	bool full;
};

void dhcp_writer_init(struct dhcp_writer *w, uint8_t *msg, size_t size);
bool dhcp_opt_put(struct dhcp_writer *w, uint8_t code, const void *data,
		  size_t len);
size_t dhcp_writer_finish(struct dhcp_writer *w);

/* Tests and fuzzing: whether the server's counters of bound leases and of
 * the addresses each port holds agree with its lease table. */
bool dhcps_counts_ok(const struct dhcps *s);

/* Helpers shared by the server, its config checks and the DNS engine. */
char *dhcp_ip_fmt(uint32_t ip, char buf[16]);
bool dhcp_label_valid(const char *s, size_t len);
bool dhcp_domain_valid(const char *s);

/* DNS wire format, for the responder and the relay. */
#define DNS_HDR_LEN 12
#define DNS_F_QR    0x8000

/* ASCII lower case (DNS names compare without case, RFC 4343). */
static inline uint8_t dns_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

#endif
