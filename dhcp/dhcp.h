/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dhcp.h - the gateway's DHCPv4 server engine and DNS responder engine
 *
 * Both engines are pure: no I/O, no clock, no database, no logging.  The
 * caller hands them UDP payloads and the current time and gets back
 * decisions: a reply to send and where to, a lease record to persist first,
 * an address to probe, a query to relay, or a named drop reason.  The
 * gateway port (vnic/vnic_gateway.h) already does steps 2 and 3 below and
 * hands the commits and relays to vnetd through callbacks.
 *
 * How the daemon drives the DHCP server (struct dhcps):
 *
 *   1. Start: dhcps_check_subnet() and dhcps_check_reservation() on the
 *      configuration (their sentences are the refusal users see), then
 *      dhcps_create(), then dhcps_restore() for every lease row in SQLite,
 *      then dhcps_port_claim() for each live lease whose port (stored by
 *      name: switch port ids change across restarts) is in the switch now;
 *      a port that joins later (dhcps_port_forget() when it left) claims
 *      its leases as it joins.
 *   2. Each UDP datagram to port 67: dhcps_input().  The result says:
 *      - DHCPS_ACT_NONE: nothing to send (res->drop names why, or
 *        DHCPS_DROP_NONE when silence is the right answer, e.g. a REQUEST
 *        that chose another server).  DHCPS_DROP_POOL_EXHAUSTED is the one
 *        drop worth a (rate-limited) log line.
 *      - DHCPS_ACT_SEND: send res->reply now (an OFFER, a NAK, an INFORM
 *        answer: nothing that needs to be durable).
 *      - DHCPS_ACT_COMMIT: write res->rec to the store (one row per address,
 *        INSERT OR REPLACE by rec.ip), and res->old too when res->has_old
 *        (the address the client leaves), and only once the transaction
 *        holding res->rec has committed send res->reply (if reply.len is
 *        not 0).  Many
 *        clients' records go into one transaction (group commit).  The
 *        engine's table already holds the new state: if the commit fails,
 *        drop the reply; the client retransmits and is answered again.
 *      - DHCPS_ACT_PROBE: an address that was never leased is about to be
 *        offered.  Send an ARP probe for res->probe_ip (sender IP 0), keep a
 *        copy of the message, and after the probe timeout (or on an ARP
 *        reply from that address) call dhcps_probe_done() with the verdict
 *        and the same message: its result is that of dhcps_input().
 *   3. A timer: dhcps_expire(now) expires offers, leases and declines due by
 *      @now and returns when to call it next.  Expiry needs no store write:
 *      rows carry their expiry time and restore treats past ones as free.
 *
 * Time is whatever seconds the caller passes as @now, the same base as the
 * expiry times in stored records: the daemon uses wall-clock seconds
 * (time(NULL)) so leases keep their meaning across restarts.
 *
 * Threading: an engine has no locks.  One thread owns a struct dhcps, and
 * the struct dns_names it updates, at a time; the DNS engine reads the names
 * table on that same thread.
 */
#ifndef VNET_DHCP_H
#define VNET_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dhcps;
struct dns_names;

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DNS_PORT	 53

/* BOOTP header offsets (RFC 2131 figure 1): the server's parser and the
 * gateway's (its probes, the NAT's DHCP client) read messages by them. */
#define DHCP_OFS_OP	 0
#define DHCP_OFS_XID	 4
#define DHCP_OFS_FLAGS	 10
#define DHCP_OFS_CIADDR	 12
#define DHCP_OFS_YIADDR	 16
#define DHCP_OFS_SIADDR	 20
#define DHCP_OFS_GIADDR	 24
#define DHCP_OFS_CHADDR	 28
#define DHCP_OFS_SNAME	 44
#define DHCP_OFS_FILE	 108
#define DHCP_OFS_COOKIE	 236
#define DHCP_OFS_OPTS	 240
#define DHCP_SNAME_LEN	 64
#define DHCP_FILE_LEN	 128
#define DHCP_CHADDR_ETH	 6 /* chaddr bytes an Ethernet client fills */
#define DHCP_COOKIE	 0x63825363u
#define DHCP_BOOTREQUEST 1
#define DHCP_BOOTREPLY	 2
#define DHCP_FLAG_BCAST	 0x8000

#define DHCPS_MAX_SUBNETS  16u
#define DHCPS_MAX_ROUTES   16u
#define DHCPS_MAX_DNS	   4u
#define DHCPS_MAX_POOL	   65536u /* addresses in one subnet's range */
#define DHCPS_KEY_MAX	   64	  /* bytes of a client key kept */
#define DHCPS_HOSTNAME_MAX 63	  /* one DNS label */
#define DHCPS_DOMAIN_MAX   200
/* Switch port ids the per-port share tells apart (struct dhcps_rx's
 * @in_port): the switch's VSW_MAX_PORTS at most. */
#define DHCPS_MAX_PORTS 1024u
/* Largest reply: a 1500-byte IP packet less the IP and UDP headers. */
#define DHCPS_REPLY_MAX 1472
/* Largest request accepted: a jumbo frame's UDP payload. */
#define DHCP_MSG_MAX 9000

/* Why a DHCP message got no answer; counted per server. */
#define DHCPS_DROPS(X)                                                        \
	X(BAD_LEN, "bad_len",                                                 \
	  "message shorter than the BOOTP header or longer than accepted")    \
	X(BAD_OP, "bad_op", "op is not BOOTREQUEST")                          \
	X(BAD_HTYPE, "bad_htype", "hardware type is not Ethernet/6 bytes")    \
	X(BAD_COOKIE, "bad_cookie", "DHCP magic cookie missing")              \
	X(OPT_TRUNCATED, "opt_truncated",                                     \
	  "an option's length runs past the end of its field")                \
	X(BAD_OVERLOAD, "bad_overload",                                       \
	  "option overload (52) of a bad length or value, or not in the "     \
	  "options field")                                                    \
	X(BAD_OPTION, "bad_option",                                           \
	  "an option has a length its type does not allow")                   \
	X(BAD_MSG_TYPE, "bad_msg_type",                                       \
	  "message type (53) missing or not one a client sends")              \
	X(NOT_FOR_US, "not_for_us", "server identifier names another server") \
	X(NO_SUBNET, "no_subnet",                                             \
	  "no subnet for the relay address (giaddr) or the gateway")          \
	X(UNTRUSTED_RELAY, "untrusted_relay",                                 \
	  "relayed message (giaddr set) from a port not trusted to relay: "   \
	  "a guest port without dhcp_trusted")                                \
	X(BAD_REQUEST, "bad_request",                                         \
	  "REQUEST, DECLINE or RELEASE without the fields its state needs")   \
	X(UNKNOWN_CLIENT, "unknown_client",                                   \
	  "DECLINE or RELEASE for an address the client does not hold")       \
	X(FORGED_CHADDR, "forged_chaddr",                                     \
	  "DECLINE or RELEASE whose chaddr is not the frame's Ethernet "      \
	  "source (or relayed): only the client itself gives an address "     \
	  "back")                                                             \
	X(CLIENT_ID_IN_USE, "client_id_in_use",                               \
	  "DISCOVER, DECLINE or RELEASE with a client identifier (61) whose " \
	  "lease is another MAC's (a REQUEST gets a NAK)")                    \
	X(POOL_EXHAUSTED, "pool_exhausted", "no free address left to offer")  \
	X(PORT_SHARE, "port_share",                                           \
	  "the guest port it came in on holds its share of addresses "        \
	  "(offered or leased: dhcp_leases_per_port) already")                \
	X(PROBING, "probing",                                                 \
	  "retransmission while the address to offer is being probed")

enum dhcps_drop {
#define DHCPS_DROP_ENUM(id, name, desc) DHCPS_DROP_##id,
	DHCPS_DROPS(DHCPS_DROP_ENUM)
#undef DHCPS_DROP_ENUM
	    DHCPS_DROP_MAX,
	DHCPS_DROP_NONE = DHCPS_DROP_MAX,
};

/* DHCP message types (option 53). */
enum dhcp_msg_type {
	DHCP_DISCOVER = 1,
	DHCP_OFFER = 2,
	DHCP_REQUEST = 3,
	DHCP_DECLINE = 4,
	DHCP_ACK = 5,
	DHCP_NAK = 6,
	DHCP_RELEASE = 7,
	DHCP_INFORM = 8,
};

/**
 * struct dhcps_route - one classless static route (option 121)
 * @dst: destination network, host order
 * @prefix: prefix length, 0-32
 * @gw: next hop, host order
 */
struct dhcps_route {
	uint32_t dst;
	uint8_t prefix;
	uint32_t gw;
};

/**
 * struct dhcps_subnet_cfg - one subnet served (the gateway's own, or one
 * behind a relay); all addresses in host byte order
 * @net: network address
 * @prefix: prefix length, 8-30
 * @range_start: first address handed out dynamically
 * @range_end: last one (inclusive)
 * @router: default gateway option (3), 0 for none
 * @dns: DNS servers option (6)
 * @ndns: entries in @dns
 * @domain: domain name option (15), "" for none
 * @lease_time: seconds a lease lasts (51)
 * @t1: renewal time (58), 0 for @lease_time / 2
 * @t2: rebinding time (59), 0 for @lease_time * 7 / 8
 * @mtu: interface MTU option (26), 0 for none
 * @routes: classless static routes (121); the default route through
 *          @router is added when a client asks for 121
 * @nroutes: entries in @routes
 */
struct dhcps_subnet_cfg {
	uint32_t net;
	uint8_t prefix;
	uint32_t range_start, range_end;
	uint32_t router;
	uint32_t dns[DHCPS_MAX_DNS];
	unsigned ndns;
	char domain[DHCPS_DOMAIN_MAX + 1];
	uint32_t lease_time;
	uint32_t t1, t2;
	uint16_t mtu;
	struct dhcps_route routes[DHCPS_MAX_ROUTES];
	unsigned nroutes;
};

/**
 * struct dhcps_reservation - a fixed address for one MAC
 * @mac: client hardware address
 * @ip: the address, host order; inside a subnet, may be outside its range
 * @hostname: name sent back in option 12 and published in DNS; "" for none
 */
struct dhcps_reservation {
	uint8_t mac[6];
	uint32_t ip;
	char hostname[DHCPS_HOSTNAME_MAX + 1];
};

/**
 * struct dhcps_config - a server
 * @server_ip: the gateway's address: server identifier (54), reply source
 *             and, for giaddr 0, what selects the local subnet
 * @subnets: subnets served; the one containing @server_ip is the local one
 * @nsubnets: entries in @subnets, 1..DHCPS_MAX_SUBNETS
 * @res: reservations
 * @nres: entries in @res
 * @offer_hold: seconds an offered address stays held, 0 for 60
 * @decline_hold: seconds a declined address stays unusable, 0 for 600
 * @probe_hold: seconds a probe may take before the address is let go, 0 for
 *              10
 * @probe: ask the caller to ARP-probe addresses never leased before
 * @mtu: network MTU: caps reply sizes (0 for 1500)
 * @port_share: addresses the messages of one untrusted port (a guest's,
 *              struct dhcps_rx's @in_port) may hold at once, offered,
 *              being probed or leased; 0 for no limit
 * @names: DNS names table to keep up to date with bound hostnames; NULL for
 *         none.  Reservation hostnames are published at create.
 */
struct dhcps_config {
	uint32_t server_ip;
	const struct dhcps_subnet_cfg *subnets;
	unsigned nsubnets;
	const struct dhcps_reservation *res;
	unsigned nres;
	uint32_t offer_hold;
	uint32_t decline_hold;
	uint32_t probe_hold;
	bool probe;
	unsigned mtu;
	uint32_t port_share;
	struct dns_names *names;
};

/**
 * struct dhcps_rx - a datagram to port 67 (everything but @data is from the
 * frame's headers)
 * @data: UDP payload: untrusted
 * @len: bytes at @data
 * @src_mac: Ethernet source (a relay's MAC when giaddr is set); a reserved
 *           address moves to a new client key, and a DECLINE or RELEASE is
 *           honoured, only when chaddr is this
 * @src_ip: IP source
 * @bcast: the IP destination was a broadcast address (tells a REBINDING
 *         client from a RENEWING one)
 * @trusted: it came in on a port trusted to relay (the switch's DHCP guard
 *           is off there: not a guest port, or one marked dhcp_trusted).
 *           A message with giaddr set from any other port is dropped: the
 *           relay address picks the subnet and where replies go, a choice
 *           that is the relay's, not a client's.
 * @in_port: that switch port, below DHCPS_MAX_PORTS: what the per-port
 *           share (@port_share) counts by when it is not @trusted.  The
 *           switch sets it; the guest cannot choose it as it chooses its
 *           MACs and client identifiers.
 */
struct dhcps_rx {
	const uint8_t *data;
	size_t len;
	uint8_t src_mac[6];
	uint32_t src_ip;
	bool bcast;
	bool trusted;
	uint16_t in_port;
};

/**
 * struct dhcps_reply - a BOOTREPLY and where it goes (RFC 2131 4.1)
 * @dst_mac: Ethernet destination
 * @dst_ip: IP destination (255.255.255.255 for a broadcast)
 * @dst_port: 68, or 67 for a relay
 * @src_ip: IP source: the server identifier
 * @len: bytes in @data; 0 when there is nothing to send
 * @data: the UDP payload
 */
struct dhcps_reply {
	uint8_t dst_mac[6];
	uint32_t dst_ip;
	uint16_t dst_port;
	uint32_t src_ip;
	size_t len;
	uint8_t data[DHCPS_REPLY_MAX];
};

enum dhcps_lease_state {
	DHCPS_LEASE_BOUND,    /* held by the client until @expires */
	DHCPS_LEASE_RELEASED, /* given back; free, remembered for the client */
	DHCPS_LEASE_DECLINED, /* in use by someone unknown until @expires */
};

/**
 * struct dhcps_lease_rec - a lease as stored: one row per address
 * @ip: the address, host order (the row's key)
 * @state: see enum dhcps_lease_state
 * @expires: end of the lease or of the decline hold, caller's seconds
 * @mac: client hardware address
 * @key: client key: option 61 or the hardware address, tagged (opaque)
 * @key_len: bytes in @key (0 for a declined address)
 * @hostname: hostname the client gave (12) or its reservation's, "" if none
 * @port: the switch port whose messages hold the address (struct dhcps_rx's
 *        @in_port) + 1, 0 for none (a trusted port's, not held); ids are
 *        the switch's of the moment: a store keeps the port by a name of
 *        its own and gives dhcps_restore() the id it has now, or 0
 */
struct dhcps_lease_rec {
	uint32_t ip;
	enum dhcps_lease_state state;
	int64_t expires;
	uint8_t mac[6];
	uint8_t key[DHCPS_KEY_MAX];
	uint8_t key_len;
	char hostname[DHCPS_HOSTNAME_MAX + 1];
	uint16_t port;
};

enum dhcps_action {
	DHCPS_ACT_NONE,	  /* send nothing */
	DHCPS_ACT_SEND,	  /* send @reply now */
	DHCPS_ACT_COMMIT, /* persist @rec, then send @reply if it has a len */
	DHCPS_ACT_PROBE,  /* probe @probe_ip, then call dhcps_probe_done() */
};

/**
 * struct dhcps_result - what to do with one message
 * @action: see enum dhcps_action
 * @drop: why nothing is sent (DHCPS_DROP_NONE otherwise)
 * @msg_type: the client's message type (0 if it was not parsed)
 * @reply_type: DHCP_OFFER, DHCP_ACK or DHCP_NAK when @reply is set
 * @probe_ip: address to probe for DHCPS_ACT_PROBE
 * @rec: the lease row to persist for DHCPS_ACT_COMMIT
 * @has_old: DHCPS_ACT_COMMIT has a second row, @old
 * @old: the client's previous address, released by this lease: persist it
 *       no later than @rec (the reply waits for @rec only)
 * @reply: the reply for DHCPS_ACT_SEND and DHCPS_ACT_COMMIT
 */
struct dhcps_result {
	enum dhcps_action action;
	enum dhcps_drop drop;
	uint8_t msg_type;
	uint8_t reply_type;
	uint32_t probe_ip;
	struct dhcps_lease_rec rec;
	bool has_old;
	struct dhcps_lease_rec old;
	struct dhcps_reply reply;
};

/**
 * struct dhcps_stats - counters of one server
 * @rx: messages handed to dhcps_input()
 * @in: messages by type (index: enum dhcp_msg_type, 0 unused)
 * @offers, @acks, @naks: replies built
 * @probes: probes asked for
 * @conflicts: probes that found the address in use
 * @expired: leases and offers that ran out
 * @leases: addresses bound now
 * @name_conflicts: hostnames not published: the name is another address's
 * @drops: by reason
 */
struct dhcps_stats {
	uint64_t rx;
	uint64_t in[9];
	uint64_t offers, acks, naks;
	uint64_t probes, conflicts, expired;
	uint64_t leases;
	uint64_t name_conflicts;
	uint64_t drops[DHCPS_DROP_MAX];
};

const char *dhcps_drop_name(enum dhcps_drop d);
const char *dhcps_drop_desc(enum dhcps_drop d);

int dhcps_check_subnet(const struct dhcps_subnet_cfg *sn, uint32_t server_ip,
		       char *err, size_t errlen)
    __attribute__((warn_unused_result));
int dhcps_check_reservation(const struct dhcps_subnet_cfg *subnets,
			    unsigned nsubnets, uint32_t server_ip,
			    const struct dhcps_reservation *res, unsigned nres,
			    const struct dhcps_reservation *r, char *err,
			    size_t errlen) __attribute__((warn_unused_result));

int dhcps_check_reservation_lease(const struct dhcps_reservation *r,
				  const struct dhcps_lease_rec *rec,
				  int64_t now, const char *net, char *err,
				  size_t errlen)
    __attribute__((warn_unused_result));

int dhcps_create(const struct dhcps_config *cfg, struct dhcps **out, char *err,
		 size_t errlen) __attribute__((warn_unused_result));
void dhcps_destroy(struct dhcps *s);
int dhcps_restore(struct dhcps *s, const struct dhcps_lease_rec *rec,
		  int64_t now) __attribute__((warn_unused_result));

void dhcps_input(struct dhcps *s, const struct dhcps_rx *rx, int64_t now,
		 struct dhcps_result *res);
void dhcps_probe_done(struct dhcps *s, uint32_t ip, bool in_use,
		      const struct dhcps_rx *rx, int64_t now,
		      struct dhcps_result *res);
int64_t dhcps_expire(struct dhcps *s, int64_t now);

/**
 * typedef dhcps_lease_cb - one address's state, for dhcps_lease_walk()
 * @rec: the lease; @rec->state is BOUND for offers too, with @offered set
 * @offered: an offer not yet requested
 * @arg: the walker's argument
 */
typedef void (*dhcps_lease_cb)(const struct dhcps_lease_rec *rec, bool offered,
			       void *arg);
void dhcps_lease_walk(const struct dhcps *s, dhcps_lease_cb cb, void *arg);
int dhcps_lease_find(const struct dhcps *s, uint32_t ip,
		     struct dhcps_lease_rec *rec);
void dhcps_stats_get(const struct dhcps *s, struct dhcps_stats *st);
void dhcps_port_forget(struct dhcps *s, uint16_t port);
int dhcps_port_claim(struct dhcps *s, uint32_t ip, uint16_t port);

/* ---- DNS responder (dhcp_dns.c) ---- */

/* Why a DNS query got no answer and no relay; counted per names table. */
#define DNS_DROPS(X)                                                     \
	X(SHORT, "short", "message shorter than the DNS header")         \
	X(NOT_QUERY, "not_query", "QR bit set: a response, not a query") \
	X(BAD_COUNT, "bad_count",                                        \
	  "not exactly one question, or answers/authority in a query")   \
	X(BAD_LABEL, "bad_label", "label type reserved (0x40 or 0x80)")  \
	X(NAME_TOO_LONG, "name_too_long", "name longer than 255 bytes")  \
	X(TRUNCATED, "truncated",                                        \
	  "name, type or class runs past the end of the message")        \
	X(PTR_LOOP, "ptr_loop",                                          \
	  "compression pointer that does not point backwards, or too many")

enum dns_drop {
#define DNS_DROP_ENUM(id, name, desc) DNS_DROP_##id,
	DNS_DROPS(DNS_DROP_ENUM)
#undef DNS_DROP_ENUM
	    DNS_DROP_MAX,
	DNS_DROP_NONE = DNS_DROP_MAX,
};

enum dns_action {
	DNS_ACT_DROP,  /* malformed: count @drop, send nothing */
	DNS_ACT_REPLY, /* send the answer built in the caller's buffer */
	DNS_ACT_RELAY, /* not ours: relay the query to the host's resolvers */
};

/* Largest answer built: plain UDP DNS. */
#define DNS_REPLY_MAX 512

/**
 * struct dns_result - what to do with one query
 * @action: see enum dns_action
 * @drop: reason for DNS_ACT_DROP
 * @rcode: response code of a reply (0 NOERROR, 3 NXDOMAIN, 4 NOTIMP)
 * @len: bytes of the reply for DNS_ACT_REPLY
 */
struct dns_result {
	enum dns_action action;
	enum dns_drop drop;
	uint8_t rcode;
	size_t len;
};

/**
 * struct dns_stats - counters of one names table's responder
 * @queries: queries handed to dns_answer()
 * @answered: replies built with an answer
 * @nxdomain: NXDOMAIN replies
 * @relayed: queries left to the upstream resolvers
 * @names: names in the table now
 * @drops: by reason
 */
struct dns_stats {
	uint64_t queries, answered, nxdomain, relayed, names;
	uint64_t drops[DNS_DROP_MAX];
};

const char *dns_drop_name(enum dns_drop d);
const char *dns_drop_desc(enum dns_drop d);

int dns_names_create(const char *domain, uint32_t net, uint8_t prefix,
		     unsigned capacity, uint32_t ttl, struct dns_names **out)
    __attribute__((warn_unused_result));
void dns_names_destroy(struct dns_names *t);
int dns_names_add(struct dns_names *t, const char *host, uint32_t ip,
		  bool fixed) __attribute__((warn_unused_result));
void dns_names_del(struct dns_names *t, uint32_t ip);
int dns_names_lookup(const struct dns_names *t, const char *host, uint32_t *ip);
const char *dns_names_reverse(const struct dns_names *t, uint32_t ip);
void dns_answer(struct dns_names *t, const uint8_t *q, size_t len, uint8_t *out,
		size_t size, struct dns_result *res);
void dns_stats_get(const struct dns_names *t, struct dns_stats *st);

/* ---- DNS relay (dhcp_dns_relay.c) ---- */

struct dns_relay;

/* Why a query was not relayed or an answer not passed on; per relay. */
#define DNS_RELAY_DROPS(X)                                                  \
	X(BAD_QUERY, "bad_query",                                           \
	  "query without a header, with more than one question or an "      \
	  "unreadable one")                                                 \
	X(NO_SLOT, "no_slot", "every relay slot waits for an answer")       \
	X(CLIENT_BUSY, "client_busy",                                       \
	  "the guest (the switch port it sends from) has "                  \
	  "DNS_RELAY_PER_CLIENT queries waiting already")                   \
	X(NO_SERVER, "no_server", "the query could be sent to no resolver") \
	X(NO_SOCKET, "no_socket",                                           \
	  "the daemon's relay sockets (all networks) are all in use")       \
	X(NOT_UPSTREAM, "not_upstream",                                     \
	  "datagram from an address and port that is no resolver of the "   \
	  "network")                                                        \
	X(SHORT, "short", "answer shorter than the DNS header")             \
	X(NOT_RESPONSE, "not_response", "answer without the QR bit")        \
	X(UNKNOWN_ID, "unknown_id",                                         \
	  "no query waits with this ID: late, a second resolver's, or "     \
	  "forged")                                                         \
	X(WRONG_SERVER, "wrong_server",                                     \
	  "answer from a resolver the query was not sent to")               \
	X(QUESTION, "question", "answer's question is not the query's")     \
	X(TIMEOUT, "timeout", "no answer in time")                          \
	X(UPSTREAM_TCP, "upstream_tcp",                                     \
	  "query that came over TCP: the TCP connection to the resolver "   \
	  "failed or ended before the whole answer")                        \
	X(PORT_GONE, "port_gone", "the guest's switch port left: forgotten")

enum dns_relay_drop {
#define DNS_RELAY_DROP_ENUM(id, name, desc) DNS_RELAY_DROP_##id,
	DNS_RELAY_DROPS(DNS_RELAY_DROP_ENUM)
#undef DNS_RELAY_DROP_ENUM
	    DNS_RELAY_DROP_MAX,
	DNS_RELAY_DROP_NONE = DNS_RELAY_DROP_MAX,
};

/* Queries one guest may have waiting at once: a guest whose queries never
 * get answers holds no more slots than this, and the other guests of its
 * network are still served.  A guest is the switch port its queries come
 * in on: addresses and MACs are the guest's to forge, its port is not. */
#define DNS_RELAY_PER_CLIENT 16u

/* dns_relay_answer()'s @server for a sender that is no resolver */
#define DNS_RELAY_NOT_UPSTREAM 32u

/**
 * struct dns_relay_client - where a relayed answer goes
 * @mac: the guest's MAC
 * @ip: its address, host order (over IPv4)
 * @v6: the query came over IPv6: the answer goes from @our6 to @ip6
 * @ip6: the guest's IPv6 address
 * @our6: the gateway's address the query was sent to
 * @port: its UDP port
 * @in_port: the switch port the query came in on (DNS_RELAY_PER_CLIENT
 *           counts by it)
 * @tcp: 0 for a query over UDP; else its TCP connection at the gateway
 *       (the answer goes back whole, whatever its size)
 * @gen: @in_port's generation (a reused port id is another guest)
 */
struct dns_relay_client {
	uint8_t mac[6];
	uint32_t ip;
	bool v6;
	uint8_t ip6[16];
	uint8_t our6[16];
	uint16_t port;
	uint16_t in_port;
	uint32_t tcp;
	uint32_t gen;
};

/**
 * struct dns_relay_stats - counters of one relay
 * @queries: queries sent upstream
 * @answers: answers passed back
 * @truncated: of those, cut to header and question (TC) because the guest
 *             could not take them whole
 * @resent: queries sent upstream again (unanswered a while, or resent by
 *          the guest while still waiting)
 * @drops: by reason
 */
struct dns_relay_stats {
	uint64_t queries, answers, truncated, resent;
	uint64_t drops[DNS_RELAY_DROP_MAX];
};

const char *dns_relay_drop_name(enum dns_relay_drop d);
const char *dns_relay_drop_desc(enum dns_relay_drop d);
int dns_relay_create(unsigned slots, uint32_t timeout_ms, unsigned cap,
		     struct dns_relay **out)
    __attribute__((warn_unused_result));
void dns_relay_destroy(struct dns_relay *r);
enum dns_relay_drop dns_relay_query(struct dns_relay *r, uint8_t *q, size_t len,
				    const struct dns_relay_client *client,
				    uint16_t rnd, uint64_t now, int *slot);
void dns_relay_sent(struct dns_relay *r, int slot, uint32_t servers);
void dns_relay_abort(struct dns_relay *r, int slot, enum dns_relay_drop why);
size_t dns_relay_servfail(const uint8_t *q, size_t len, unsigned udp_size,
			  uint8_t *out, size_t size);
size_t dns_relay_fail(struct dns_relay *r, int slot, enum dns_relay_drop why,
		      uint8_t *out, size_t size,
		      struct dns_relay_client *client);
int dns_relay_expired(const struct dns_relay *r, uint64_t now);
int dns_relay_resend_due(struct dns_relay *r, uint64_t now);
uint32_t dns_relay_servers(const struct dns_relay *r, int slot);
unsigned dns_relay_port_gone(struct dns_relay *r, uint16_t in_port);
enum dns_relay_drop dns_relay_answer(struct dns_relay *r, int slot,
				     unsigned server, uint8_t *a, size_t len,
				     struct dns_relay_client *client,
				     size_t *out_len);
bool dns_relay_waiting(const struct dns_relay *r, int slot);
uint64_t dns_relay_expire(struct dns_relay *r, uint64_t now);
void dns_relay_stats_get(const struct dns_relay *r, struct dns_relay_stats *st);

#endif
