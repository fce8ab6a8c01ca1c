/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp6.h - the gateway's DHCPv6 server engine (RFC 8415; DNS options RFC
 * 3646; client FQDN RFC 4704)
 *
 * Like the DHCPv4 engine (dhcp.h), it is pure: no I/O, no clock, no
 * logging.  The caller hands it a UDP payload sent to port 547, the facts
 * from the frame's headers and the time, and gets back a reply to send
 * and where to, or a named drop reason.
 *
 * Addresses are stateful IA_NA addresses from the network's /64.  A
 * client's address is not drawn from a free list: its interface
 * identifier is a keyed hash (SipHash-2-4 with the configured key) of its
 * DUID and IAID, mapped into the configured range of identifiers, and the
 * next candidate (the hash with a counter) is tried when that one is
 * reserved (RFC 5453: the subnet-router anycast ::0, the reserved subnet
 * anycast fdff:ffff:ffff:ff80-fdff:ffff:ffff:ffff, the ISATAP 0000:5efe:*
 * and 0200:5efe:*, the IANA Ethernet block 0200:5eff:fe00:0-0200:5eff:
 * feff:ffff), the gateway's, or another binding's.  So a client gets
 * the same address across daemon restarts without a lease file, as long
 * as the key, the prefix and the range stay (the caller keeps the key),
 * and a guest cannot predict which address another guest will get.
 * SOLICIT creates no state (the ADVERTISE names the address the REQUEST
 * will bind), so forged DUIDs cost nothing until they REQUEST, and then at
 * most the share of their switch port.
 *
 * A binding belongs to (DUID, IAID, switch port): a trusted port counts as
 * one more port.  A guest that copies another guest's DUID and IAID (they
 * cross the link in multicast) is another client: it gets a binding and
 * an address of its own and can neither renew, release nor block the
 * other's.  Whoever asks first gets the address the hash names, so a
 * copier that asks before its victim (after a restart, between SOLICIT and
 * REQUEST) takes that address and the victim gets its next candidate:
 * service, but not the same address.  Nothing should trust "the hash's
 * address is that DUID's" beyond what the binding table says.
 *
 * How the gateway drives it (struct dhcp6s):
 *
 *   1. Start: dhcp6s_new() with the network's /64, the gateway's address
 *      and MAC (the server DUID is DUID-LL of that MAC), DNS options and a
 *      16-byte key kept across restarts; dhcp6s_configure() when the
 *      settings change (bindings are kept unless the prefix, range, key or
 *      table size change).
 *   2. Each UDP datagram to port 547 on the gateway: dhcp6s_handle().  It
 *      returns DHCP6S_DROP_NONE with @out filled: send @out->data
 *      (@out->len bytes) from the gateway's link-local address, port 547,
 *      to @out->dst port @out->dst_port.  Anything else names why nothing
 *      is sent (already counted).
 *   3. A timer: dhcp6s_expire(now) ends bindings and decline holds due and
 *      returns when to call it next; dhcp6s_handle() also expires first.
 *   4. A switch port leaves: dhcp6s_port_gone().  `vnetctl dhcp leases`:
 *      dhcp6s_walk(); `vnetctl stats`: dhcp6s_stats_get().
 *
 * Time is whatever seconds the caller passes as @now (struct dhcp6s_rx);
 * it must not go backwards.  Threading: no locks; one thread owns a
 * struct dhcp6s at a time.
 */
#ifndef VNET_DHCP6_H
#define VNET_DHCP6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dhcp6s;

#define DHCP6_CLIENT_PORT 546
#define DHCP6_SERVER_PORT 547

/* Largest reply: fits the IPv6 minimum MTU with the IP and UDP headers
 * (1280 - 40 - 8). */
#define DHCP6S_REPLY_MAX 1232
/* Largest message accepted: a jumbo frame's UDP payload. */
#define DHCP6S_MSG_MAX 9000
#define DHCP6S_MAX_DNS 3u
/* A DUID: a 2-byte type and up to 128 bytes (RFC 8415 11.1). */
#define DHCP6S_DUID_MAX	    130
#define DHCP6S_HOSTNAME_MAX 63
/* The domain search list as configured text ("a.example b.example"). */
#define DHCP6S_SEARCH_MAX 200
/* Switch port ids the per-port share tells apart. */
#define DHCP6S_MAX_PORTS 1024u
/* dhcp6s_config's @port_share: no per-port limit. */
#define DHCP6S_SHARE_UNLIMITED UINT32_MAX
/* Bounds of the binding table (dhcp6s_config's @max_bindings). */
#define DHCP6S_MAX_BINDINGS 65536u
/* IA options answered per message, addresses read per IA: the rest are
 * ignored, which bounds both the work and the reply. */
#define DHCP6S_MAX_IA	   4u
#define DHCP6S_MAX_IA_ADDR 4u

/* Message types (RFC 8415 7.3). */
enum dhcp6_msg_type {
	DHCP6_SOLICIT = 1,
	DHCP6_ADVERTISE = 2,
	DHCP6_REQUEST = 3,
	DHCP6_CONFIRM = 4,
	DHCP6_RENEW = 5,
	DHCP6_REBIND = 6,
	DHCP6_REPLY = 7,
	DHCP6_RELEASE = 8,
	DHCP6_DECLINE = 9,
	DHCP6_RECONFIGURE = 10,
	DHCP6_INFORMATION_REQUEST = 11,
	DHCP6_RELAY_FORW = 12,
	DHCP6_RELAY_REPL = 13,
};

/* Option codes read or written (RFC 8415 21, RFC 3646, RFC 4704). */
enum dhcp6_opt {
	DHCP6_OPT_CLIENTID = 1,
	DHCP6_OPT_SERVERID = 2,
	DHCP6_OPT_IA_NA = 3,
	DHCP6_OPT_IA_TA = 4,
	DHCP6_OPT_IAADDR = 5,
	DHCP6_OPT_ORO = 6,
	DHCP6_OPT_PREFERENCE = 7,
	DHCP6_OPT_ELAPSED_TIME = 8,
	DHCP6_OPT_STATUS_CODE = 13,
	DHCP6_OPT_RAPID_COMMIT = 14,
	DHCP6_OPT_DNS_SERVERS = 23,
	DHCP6_OPT_DOMAIN_LIST = 24,
	DHCP6_OPT_IA_PD = 25,
	DHCP6_OPT_INFO_REFRESH_TIME = 32,
	DHCP6_OPT_CLIENT_FQDN = 39,
};

/* Status codes (RFC 8415 21.13). */
enum dhcp6_status {
	DHCP6_ST_SUCCESS = 0,
	DHCP6_ST_UNSPEC_FAIL = 1,
	DHCP6_ST_NO_ADDRS_AVAIL = 2,
	DHCP6_ST_NO_BINDING = 3,
	DHCP6_ST_NOT_ON_LINK = 4,
	DHCP6_ST_USE_MULTICAST = 5,
	DHCP6_ST_NO_PREFIX_AVAIL = 6,
};

/*
 * Why a message got no answer; counted per server.  FOREIGN_PORT,
 * PORT_SHARE and POOL_FULL are the exception: they count IAs given another
 * address or refused, whose message is answered (NoAddrsAvail, RFC 8415
 * 18.3), not dropped.
 */
#define DHCP6S_DROPS(X)                                                      \
	X(SHORT, "short",                                                    \
	  "message shorter than the 4-byte header or longer than accepted")  \
	X(BAD_MSG_TYPE, "bad_msg_type",                                      \
	  "a type no client sends to a server (ADVERTISE, REPLY, "           \
	  "RECONFIGURE, RELAY-REPL) or an unknown one")                      \
	X(RELAY, "relay",                                                    \
	  "RELAY-FORW: relayed messages are not served (the gateway serves " \
	  "its own link only)")                                              \
	X(BAD_SRC, "bad_src",                                                \
	  "source address not link-local (RFC 8415 13.1: clients send from " \
	  "their link-local address)")                                       \
	X(UNICAST, "unicast",                                                \
	  "SOLICIT, CONFIRM, REBIND or INFORMATION-REQUEST not sent to "     \
	  "ff02::1:2 (RFC 8415 16)")                                         \
	X(OPT_TRUNCATED, "opt_truncated",                                    \
	  "an option's length runs past the end of the message or of the "   \
	  "option holding it")                                               \
	X(BAD_OPTION, "bad_option",                                          \
	  "an option has a length its type does not allow")                  \
	X(DUP_OPTION, "dup_option",                                          \
	  "client id, server id, ORO, elapsed time, rapid commit or FQDN "   \
	  "given twice")                                                     \
	X(NO_CLIENT_ID, "no_client_id",                                      \
	  "client identifier missing where RFC 8415 16 requires it")         \
	X(NO_SERVER_ID, "no_server_id",                                      \
	  "REQUEST, RENEW, RELEASE or DECLINE without a server identifier")  \
	X(SERVER_ID_SENT, "server_id_sent",                                  \
	  "SOLICIT, CONFIRM or REBIND with a server identifier")             \
	X(WRONG_SERVER, "wrong_server",                                      \
	  "server identifier names another server")                          \
	X(IA_IN_INFO, "ia_in_info", "INFORMATION-REQUEST carrying an IA")    \
	X(STATELESS, "stateless",                                            \
	  "address message while the server is stateless (only "             \
	  "INFORMATION-REQUEST is served)")                                  \
	X(CONFIRM_EMPTY, "confirm_empty",                                    \
	  "CONFIRM without addresses (RFC 8415 18.3.3: no reply)")           \
	X(REPLY_FULL, "reply_full",                                          \
	  "the reply would not fit DHCP6S_REPLY_MAX (a bug: the optional "   \
	  "parts are left out first so that it always fits)")                \
	X(FOREIGN_PORT, "foreign_port",                                      \
	  "IA given an address other than its hash's: its DUID and IAID "    \
	  "are bound through another switch port too (copied)")              \
	X(PORT_SHARE, "port_share",                                          \
	  "IA refused (NoAddrsAvail): its switch port holds its share of "   \
	  "bindings already")                                                \
	X(POOL_FULL, "pool_full",                                            \
	  "IA refused (NoAddrsAvail): the binding table is full or no free " \
	  "address was found")                                               \
	X(TOO_MANY_ADDRS, "too_many_addrs",                                  \
	  "CONFIRM or REBIND with more than DHCP6S_MAX_IA IAs or "           \
	  "DHCP6S_MAX_IA_ADDR addresses in one: not all are judged, so no "  \
	  "answer rather than a wrong one (RFC 8415 18.3.3)")

enum dhcp6s_drop {
#define DHCP6S_DROP_ENUM(id, name, desc) DHCP6S_DROP_##id,
	DHCP6S_DROPS(DHCP6S_DROP_ENUM)
#undef DHCP6S_DROP_ENUM
	    DHCP6S_DROP_MAX,
	DHCP6S_DROP_NONE = DHCP6S_DROP_MAX,
};

/**
 * struct dhcp6s_config - a server
 * @prefix: the network's /64 (bytes 8-15 are ignored)
 * @gateway: the gateway's address in it, never handed out (all zero: none)
 * @server_mac: the gateway's MAC: the server DUID is DUID-LL of it
 * @dns: recursive DNS servers (option 23), sent when the client asks (ORO)
 * @ndns: entries in @dns, 0..DHCP6S_MAX_DNS
 * @search: domain search list (option 24): domains separated by spaces or
 *          commas, "" for none; sent when the client asks
 * @preferred: preferred lifetime, seconds (0 for 3600); T1 and T2 are 0.5
 *             and 0.8 of it
 * @valid: valid lifetime, seconds (0 for 7200); at least @preferred
 * @info_refresh: information refresh time (32) for INFORMATION-REQUEST,
 *                seconds (0 for 86400)
 * @iid_first: first interface identifier handed out (0 with @iid_last 0:
 *             the whole space, 1 to 2^64-1)
 * @iid_last: last one, inclusive
 * @preference: Preference option (7) in ADVERTISE, 0 for none: 255 tells
 *              clients to take this server at once instead of waiting a
 *              second for others (RFC 8415 18.2.1); the gateway is its
 *              network's server
 * @stateful: hand out addresses; false serves INFORMATION-REQUEST only
 * @max_bindings: size of the binding table (0 for 1024), at most
 *                DHCP6S_MAX_BINDINGS
 * @port_share: bindings (leased or declined) one untrusted switch port's
 *              messages may hold at once; 0 for the default,
 *              max(4, @max_bindings / 64) but at most half the table, so
 *              that no one port can fill it; DHCP6S_SHARE_UNLIMITED for
 *              no limit (only where every port is trusted to behave).
 *              Keep ports x share at most @max_bindings where guests
 *              must not crowd each other out
 * @decline_hold: seconds a declined address is held back (0 for 600)
 * @key: the address hash's key: keep it across restarts for stable
 *       addresses, keep it secret so guests cannot aim at others'
 */
struct dhcp6s_config {
	uint8_t prefix[16];
	uint8_t gateway[16];
	uint8_t server_mac[6];
	uint8_t dns[DHCP6S_MAX_DNS][16];
	unsigned ndns;
	char search[DHCP6S_SEARCH_MAX + 1];
	uint32_t preferred;
	uint32_t valid;
	uint32_t info_refresh;
	uint64_t iid_first;
	uint64_t iid_last;
	uint8_t preference;
	bool stateful;
	uint32_t max_bindings;
	uint32_t port_share;
	uint32_t decline_hold;
	uint8_t key[16];
};

/**
 * struct dhcp6s_rx - a datagram to port 547 (all but @data from the
 * frame's headers or the switch)
 * @data: UDP payload: untrusted
 * @len: bytes at @data
 * @src: IPv6 source; the reply goes there
 * @dst: IPv6 destination: ff02::1:2, or a unicast address of the gateway
 * @src_port: UDP source port; the reply goes there (0: 546)
 * @src_mac: Ethernet source (not used for decisions: a guest chooses it)
 * @in_port: the switch port it came in on, below DHCP6S_MAX_PORTS: what the
 *           per-port share counts by unless @trusted (an untrusted one
 *           beyond gets no binding)
 * @trusted: that port is not a guest's (its messages count for no share)
 * @now: current time, caller's seconds
 */
struct dhcp6s_rx {
	const uint8_t *data;
	size_t len;
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t src_port;
	uint8_t src_mac[6];
	uint16_t in_port;
	bool trusted;
	int64_t now;
};

/**
 * struct dhcp6s_reply - a reply and where it goes
 * @dst: IPv6 destination (the client's source address)
 * @dst_port: UDP destination port
 * @type: DHCP6_ADVERTISE or DHCP6_REPLY
 * @len: bytes in @data; 0 when nothing is sent
 * @data: the UDP payload
 */
struct dhcp6s_reply {
	uint8_t dst[16];
	uint16_t dst_port;
	uint8_t type;
	size_t len;
	uint8_t data[DHCP6S_REPLY_MAX];
};

enum dhcp6s_binding_state {
	DHCP6S_BOUND,	 /* the client's until @expires */
	DHCP6S_DECLINED, /* in use by someone unknown until @expires */
};

/**
 * struct dhcp6s_binding - one binding, for dhcp6s_walk()
 * @state: see enum dhcp6s_binding_state
 * @duid_hex: the client's DUID in hex ("" for a declined address)
 * @iaid: its IAID
 * @addr: the address
 * @expires: end of the valid lifetime or of the hold, caller's seconds
 * @port: switch port whose messages hold it + 1, 0 for a trusted port or
 *        one that left
 * @hostname: first label of the client's FQDN option (39), "" if none
 */
struct dhcp6s_binding {
	enum dhcp6s_binding_state state;
	char duid_hex[2 * DHCP6S_DUID_MAX + 1];
	uint32_t iaid;
	uint8_t addr[16];
	int64_t expires;
	uint16_t port;
	char hostname[DHCP6S_HOSTNAME_MAX + 1];
};

/**
 * struct dhcp6s_stats - counters of one server
 * @rx: messages handed to dhcp6s_handle()
 * @in: messages by type (index: enum dhcp6_msg_type, 0 for others)
 * @advertises: ADVERTISE messages built
 * @replies: REPLY messages built
 * @bindings: bindings (bound addresses) now
 * @declined: addresses held back now
 * @expired: bindings that ran out
 * @released: bindings given back by RELEASE
 * @drops: by reason
 */
struct dhcp6s_stats {
	uint64_t rx;
	uint64_t in[14];
	uint64_t advertises, replies;
	uint64_t bindings, declined;
	uint64_t expired, released;
	uint64_t drops[DHCP6S_DROP_MAX];
};

/**
 * typedef dhcp6s_walk_cb - one binding, for dhcp6s_walk()
 * @b: the binding (valid during the call)
 * @arg: the walker's argument
 */
typedef void (*dhcp6s_walk_cb)(const struct dhcp6s_binding *b, void *arg);

const char *dhcp6s_drop_name(enum dhcp6s_drop d);
const char *dhcp6s_drop_desc(enum dhcp6s_drop d);

int dhcp6s_new(const struct dhcp6s_config *cfg, struct dhcp6s **out, char *err,
	       size_t errlen) __attribute__((warn_unused_result));
void dhcp6s_free(struct dhcp6s *s);
int dhcp6s_configure(struct dhcp6s *s, const struct dhcp6s_config *cfg,
		     char *err, size_t errlen)
    __attribute__((warn_unused_result));
enum dhcp6s_drop dhcp6s_handle(struct dhcp6s *s, const struct dhcp6s_rx *rx,
			       struct dhcp6s_reply *out);
int64_t dhcp6s_expire(struct dhcp6s *s, int64_t now);
void dhcp6s_walk(const struct dhcp6s *s, dhcp6s_walk_cb cb, void *arg);
void dhcp6s_port_gone(struct dhcp6s *s, uint16_t port);
void dhcp6s_stats_get(const struct dhcp6s *s, struct dhcp6s_stats *st);
size_t dhcp6s_server_duid(const struct dhcp6s *s, uint8_t *duid, size_t size);
bool dhcp6s_counts_ok(const struct dhcp6s *s);

#endif
