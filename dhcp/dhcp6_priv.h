/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp6_priv.h - DHCPv6 wire format shared by the server, its tests and
 * its fuzz target */
#ifndef VNET_DHCP6_PRIV_H
#define VNET_DHCP6_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dhcp6.h"

#define DHCP6_HDR_LEN	   4  /* msg-type, transaction-id */
#define DHCP6_OPT_HDR	   4  /* option-code, option-len */
#define DHCP6_IA_NA_MIN	   12 /* IAID, T1, T2 */
#define DHCP6_IA_TA_MIN	   4  /* IAID */
#define DHCP6_IAADDR_MIN   24 /* address, preferred, valid */
#define DHCP6_IAPREFIX_OPT 26
#define DHCP6_IAPREFIX_MIN 25 /* preferred, valid, length, prefix */

/**
 * struct dhcp6_ia - one IA option of a message (IA_NA, IA_TA or IA_PD)
 * @type: its option code
 * @iaid: its IAID
 * @t1: its T1 (0 for IA_TA)
 * @t2: its T2 (0 for IA_TA)
 * @status: the status code inside it, -1 for none (read from replies)
 * @cut: it listed more than DHCP6S_MAX_IA_ADDR addresses
 * @naddr: addresses kept in @addr (IAADDR; IAPREFIX prefixes of an IA_PD
 *         are checked, not kept)
 * @addr: the addresses, in message order
 * @pref: their preferred lifetimes
 * @valid: their valid lifetimes
 */
struct dhcp6_ia {
	uint16_t type;
	uint32_t iaid;
	uint32_t t1, t2;
	int status;
	bool cut;
	uint8_t naddr;
	uint8_t addr[DHCP6S_MAX_IA_ADDR][16];
	uint32_t pref[DHCP6S_MAX_IA_ADDR];
	uint32_t valid[DHCP6S_MAX_IA_ADDR];
};

/**
 * struct dhcp6_msg - a parsed message; pointers point into the bytes parsed
 * @type: msg-type
 * @xid: transaction id
 * @cid: client identifier (1), NULL if absent
 * @sid: server identifier (2), NULL if absent
 * @oro: option request option (6) data, NULL if absent
 * @fqdn: client FQDN (39) data, NULL if absent
 * @cid_len, @sid_len, @oro_len, @fqdn_len: their lengths
 * @rapid: rapid commit (14) present
 * @status: top-level status code, -1 for none (read from replies)
 * @seen: bit map of the single-instance options seen (by code, below 64)
 * @nia: IAs kept in @ia: the first DHCP6S_MAX_IA of distinct type and IAID
 * @ia_total: IA options of any kind in the message, kept or not
 * @cut: an IA or an address was left out of @ia
 * @ia: the IAs kept
 */
struct dhcp6_msg {
	uint8_t type;
	uint8_t xid[3];
	const uint8_t *cid, *sid, *oro, *fqdn;
	uint16_t cid_len, sid_len, oro_len, fqdn_len;
	bool rapid;
	int status;
	uint64_t seen;
	unsigned nia;
	unsigned ia_total;
	bool cut;
	struct dhcp6_ia ia[DHCP6S_MAX_IA];
};

enum dhcp6s_drop dhcp6_msg_parse(const uint8_t *data, size_t len,
				 struct dhcp6_msg *m);
bool dhcp6_oro_has(const struct dhcp6_msg *m, uint16_t code);

/**
 * struct dhcp6_writer - lays out a reply's options; never writes past
 * @size: an option that does not fit sets @full and is left out
 * @b: the message
 * @pos: next free byte
 * @size: bytes at @b
 * @full: something did not fit
 */
struct dhcp6_writer {
	uint8_t *b;
	size_t pos, size;
	bool full;
};

void dhcp6_writer_init(struct dhcp6_writer *w, uint8_t *b, size_t size);
size_t dhcp6_opt_open(struct dhcp6_writer *w, uint16_t code);
void dhcp6_opt_close(struct dhcp6_writer *w, size_t at);
void dhcp6_put(struct dhcp6_writer *w, const void *data, size_t len);
void dhcp6_put_be32(struct dhcp6_writer *w, uint32_t v);
void dhcp6_opt_put(struct dhcp6_writer *w, uint16_t code, const void *data,
		   size_t len);
void dhcp6_status_put(struct dhcp6_writer *w, uint16_t code, const char *msg);

size_t dhcp6_search_encode(const char *list, uint8_t *out, size_t size);

static inline uint32_t dhcp6_get_be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

#endif
