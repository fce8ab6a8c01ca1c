/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_gateway.h - the network's L3 endpoint as a port: ARP, ICMP echo,
 * DHCP (dhcp/dhcp.h's server) and DNS (its responder)
 *
 * A gateway port has no device.  Frames the switch transmits to it are
 * handled at once (ARP requests for its address, echo requests to it,
 * UDP to ports 67 and 53, TCP to port 53); what it has to say (replies, ARP
 * probes, DNS answers relayed back) waits in its queue and enters the switch on
 * its next rx_burst(): a gateway "receives" what it sends.  Its rx_fd() becomes
 * readable when the queue has frames or a probe times out, so event-mode
 * threads need not poll it.
 *
 * Lifecycle: vnic_gateway_open() (params: name, mtu, mac), then
 * vnic_gateway_configure() on the control thread before the port joins the
 * switch; vnic_close() at the end.  The DHCP server and names table given to
 * configure belong to the caller and must outlive the port; the gateway is
 * the only one to call into them while it lives (under its lock).
 */
#ifndef VNET_VNIC_GATEWAY_H
#define VNET_VNIC_GATEWAY_H

#include "vnic.h"

struct dhcps;
struct dhcps_lease_rec;
struct dns_names;
struct dhcp6s;

/* What the gateway drops or leaves, counted per gateway. */
#define VGW_DROPS(X)                                                           \
	X(TAGGED, "tagged", "802.1Q-tagged frame: a gateway port is untagged") \
	X(NOT_FOR_US, "not_for_us",                                            \
	  "frame for another host or for a service the gateway does not run")  \
	X(BAD_ARP, "bad_arp", "ARP packet truncated or not Ethernet/IPv4")     \
	X(BAD_IP, "bad_ip",                                                    \
	  "IPv4 header truncated, bad checksum or total length")               \
	X(FRAGMENT, "fragment",                                                \
	  "IPv4 fragment: services take whole datagrams")                      \
	X(BAD_UDP, "bad_udp",                                                  \
	  "UDP header truncated or length past the packet")                    \
	X(BAD_UDP_CSUM, "bad_udp_csum",                                        \
	  "UDP checksum (DHCP, DNS) does not verify; 0 means none, a partial " \
	  "checksum (offload) is finished, not checked")                       \
	X(BAD_ICMP, "bad_icmp", "ICMP message truncated")                      \
	X(DHCP, "dhcp",                                                        \
	  "DHCP message dropped by the server (see its counters)")             \
	X(DNS, "dns", "DNS query dropped by the responder (see its counters)") \
	X(DHCP6, "dhcp6",                                                      \
	  "DHCPv6 message dropped by the server (see its counters)")           \
	X(NO_UPSTREAM, "no_upstream",                                          \
	  "DNS query for an outside name and no resolver to relay it to")      \
	X(OUT_FULL, "out_full", "the gateway's transmit queue was full")       \
	X(PENDING_FULL, "pending_full",                                        \
	  "too many replies waiting for a lease commit or an ARP probe")       \
	X(COMMIT_FAILED, "commit_failed",                                      \
	  "a lease commit failed: its reply was not sent")                     \
	X(TOO_BIG, "too_big", "reply larger than a gateway frame")             \
	X(SUPERFRAME, "superframe",                                            \
	  "TCP super-frame for the gateway itself (no NAT to carry it)")       \
	X(BAD_TCP, "bad_tcp", "TCP header truncated or bad TCP checksum")      \
	X(TCP_CONN_LIMIT, "tcp_conn_limit",                                    \
	  "DNS over TCP: connection refused (RST), the gateway has "           \
	  "VGW_TCP_CONNS (64) open")                                           \
	X(TCP_CLIENT_LIMIT, "tcp_client_limit",                                \
	  "DNS over TCP: connection refused (RST), its source address has "    \
	  "VGW_TCP_PER_CLIENT (8) open")                                       \
	X(TCP_PORT_LIMIT, "tcp_port_limit",                                    \
	  "DNS over TCP: connection refused (RST), its switch port has "       \
	  "VGW_TCP_PER_PORT (32) open")                                        \
	X(TCP_BAD_SEQ, "tcp_bad_seq",                                          \
	  "DNS over TCP: segment out of order, without ACK or acknowledging "  \
	  "what was not sent: dropped, answered with an ACK")                  \
	X(TCP_QUERY_SIZE, "tcp_query_size",                                    \
	  "DNS over TCP: query length 0 or over 4096 bytes: connection reset") \
	X(TCP_BUF_FULL, "tcp_buf_full",                                        \
	  "DNS over TCP: no room for an answer (128 KiB per connection, "      \
	  "1 MiB per gateway unacknowledged): connection reset")               \
	X(TCP_TIMEOUT, "tcp_timeout",                                          \
	  "DNS over TCP: data unacknowledged after VGW_TCP_RETRIES "           \
	  "retransmissions: connection reset")                                 \
	X(TCP_IDLE, "tcp_idle",                                                \
	  "DNS over TCP: the peer did not close after the gateway's FIN: "     \
	  "connection reset")                                                  \
	X(TCP_LATE, "tcp_late",                                                \
	  "DNS over TCP: relayed answer for a connection closed meanwhile")    \
	X(PORT_GONE, "port_gone",                                              \
	  "relayed DNS answer for a switch port that left since its query "    \
	  "(its id may be another guest's now)")                               \
	X(BAD_IP6, "bad_ip6",                                                  \
	  "IPv6 header truncated, version not 6, payload length past the "     \
	  "frame, or a multicast or unspecified source where one is not "      \
	  "allowed")                                                           \
	X(IP6_EXT, "ip6_ext",                                                  \
	  "IPv6 packet for the gateway with an extension header or a "         \
	  "fragment: its services take none")                                  \
	X(BAD_ICMP6, "bad_icmp6", "ICMPv6 message truncated or bad checksum")  \
	X(BAD_NDP, "bad_ndp",                                                  \
	  "neighbour or router solicitation that RFC 4861 (7.1.1, 6.1.1) "     \
	  "says to drop: hop limit not 255, code not 0, too short, an option " \
	  "of length 0 or past the end, a multicast target, or a source "      \
	  "link-layer address from ::")

enum vgw_drop {
#define VGW_DROP_ENUM(id, name, desc) VGW_DROP_##id,
	VGW_DROPS(VGW_DROP_ENUM)
#undef VGW_DROP_ENUM
	    VGW_DROP_MAX,
};

/**
 * struct vgw_dns_query - a query to relay to the host's resolvers
 * @data: the query as the guest sent it
 * @len: its length
 * @mac: the guest's MAC
 * @ip: its address, host order (a query over IPv4)
 * @v6: it came over IPv6: the answer goes back from @our6 to @ip6
 * @ip6: the guest's IPv6 address
 * @our6: the gateway's address it was sent to (gateway6 or link-local)
 * @port: its UDP port
 * @in_port: the switch port it came in on (the guest, whatever addresses
 *           it claims)
 * @tcp: 0 for a query over UDP; else it came over TCP and this names its
 *       connection for vnic_gateway_send_tcp()
 * @gen: @in_port's generation at the gateway: bumped when that port leaves
 *       (vnic_gateway_port_gone()), so that an answer for it never reaches
 *       a new port given the same id
 */
struct vgw_dns_query {
	const uint8_t *data;
	size_t len;
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

/*
 * Callbacks run on a datapath thread with the gateway's lock held: they must
 * not block nor call the gateway (push the work to a ring).  The relay
 * callback returns 0 when it took the query, -ENOBUFS when it cannot take
 * it (its queue is full, the query too long): the gateway answers SERVFAIL
 * at once; any other error drops the query unanswered.
 */
typedef void (*vgw_commit_cb)(void *arg, const struct dhcps_lease_rec *rec,
			      uint64_t token);
typedef int (*vgw_relay_cb)(void *arg, const struct vgw_dns_query *q);

/**
 * struct vgw_dhcp6_rx - a datagram to UDP port 547 (DHCPv6), checked
 * @data: its payload: untrusted
 * @len: its length
 * @src_mac: the client's MAC (Ethernet source)
 * @src: the client's address (link-local, normally)
 * @dst: where it was sent (ff02::1:2 or one of the gateway's addresses)
 * @in_port: the switch port it came in on
 */
struct vgw_dhcp6_rx {
	const uint8_t *data;
	size_t len;
	uint8_t src_mac[6];
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t in_port;
};

/*
 * The DHCPv6 server's entry (RFC 8415), run like @relay on the datapath
 * thread under the gateway's lock: it builds a reply of at most @size
 * bytes in @out and returns its length (0: no reply).  The gateway sends
 * it from its link-local address to the client's port 546.
 */
typedef size_t (*vgw_dhcp6_cb)(void *arg, const struct vgw_dhcp6_rx *rx,
			       uint8_t *out, size_t size);

/**
 * struct vgw_config6 - the gateway's IPv6 side (vnic_gateway_v6.c)
 * @on: the network has an IPv6 prefix: answer NDP, ping, DNS; send RAs
 * @prefix: the on-link /64, network byte order (host bits zero)
 * @ip: the gateway's address in it (gateway6)
 * @ra_max_ms: MaxRtrAdvInterval; 0 for VGW_RA_MAX_MS
 * @dns: advertise @ip as resolver (RDNSS) and answer DNS on it
 * @domain: search domain advertised (DNSSL), "" for none
 * @managed: RA's M flag (addresses from DHCPv6)
 * @other: RA's O flag (other settings from DHCPv6)
 * @dhcp6: the DHCPv6 server for UDP 547 (with @arg of struct vgw_config),
 *         NULL for none: such datagrams are not for the gateway
 * @dhcp6s: the DHCPv6 server engine (dhcp/dhcp6.h) serving UDP 547, run
 *          under the gateway's lock (as @dhcp of struct vgw_config), or
 *          NULL; taken before @dhcp6.  Owned by the caller, who frees it
 *          after the port is closed.
 * @dhcp6_changed: called (with @arg of struct vgw_config, under the lock:
 *                 it must not block nor call the gateway) when a message
 *                 made, ended or moved a binding of @dhcp6s
 */
struct vgw_config6 {
	bool on;
	uint8_t prefix[16];
	uint8_t ip[16];
	uint32_t ra_max_ms;
	bool dns;
	char domain[256];
	bool managed, other;
	vgw_dhcp6_cb dhcp6;
	struct dhcp6s *dhcp6s;
	void (*dhcp6_changed)(void *arg);
};

/* Router advertisement timing (RFC 4861 6.2.1, 10): unsolicited RAs every
 * MinRtrAdvInterval (a third of the max) to MaxRtrAdvInterval, the first
 * VGW_RA_INITIAL of them at most VGW_RA_INITIAL_MS apart; a solicited one
 * delayed up to VGW_RA_DELAY_MS, and never two multicast RAs closer than
 * VGW_RA_MIN_GAP_MS. */
#define VGW_RA_MAX_MS	  200000u
#define VGW_RA_INITIAL	  3u
#define VGW_RA_INITIAL_MS 16000u
#define VGW_RA_DELAY_MS	  500u
#define VGW_RA_MIN_GAP_MS 3000u
/* A solicitation from an address is answered by a unicast RA (RFC 7772
 * 5.1), at most one waiting and one per VGW_RA_UNICAST_GAP_MS; beyond, by
 * the rate-limited multicast one. */
#define VGW_RA_UNICAST_GAP_MS 100u
/* What the RA says (RFC 4861 6.2.1; RFC 8106): the prefix's lifetimes, and
 * the resolver's and domain's as three times the max interval. */
#define VGW_RA_VALID_S	   86400u
#define VGW_RA_PREFERRED_S 14400u
#define VGW_RA_HOP_LIMIT   64u

/**
 * struct vgw_config - what a gateway serves
 * @ip: its address, host order
 * @prefix: its prefix length
 * @dhcp: DHCP server for UDP port 67, or NULL
 * @dns: names table for UDP port 53, or NULL
 * @commit: persist a lease, then call vnic_gateway_commit_done() with
 *          @token (0: no reply waits for it; such a row comes before the
 *          one whose reply releases, in the order given); NULL sends ACKs
 *          at once (no store)
 * @relay: take a query for the upstream resolvers (answer it later with
 *         vnic_gateway_send_udp(), or vnic_gateway_send_tcp() for a
 *         query with @tcp set); NULL drops such queries
 * @arg: passed to @commit and @relay
 * @probe_ms: how long an ARP probe waits for an answer, 0 for 1000
 * @v6: the IPv6 side (off when !v6.on)
 * @now: the DHCP server's clock, seconds; NULL for time(NULL)
 * @now_ns: the clock of probe deadlines and wake-ups, monotonic ns; NULL
 *          for now_ns() (a test sets its own to control when probes end)
 */
struct vgw_config {
	uint32_t ip;
	uint8_t prefix;
	struct dhcps *dhcp;
	struct dns_names *dns;
	vgw_commit_cb commit;
	vgw_relay_cb relay;
	void *arg;
	unsigned probe_ms;
	struct vgw_config6 v6;
	int64_t (*now)(void);
	uint64_t (*now_ns)(void);
};

/**
 * struct vgw_stats - a gateway's counters
 * @arp_replies: ARP requests for its address answered
 * @echo_replies: ICMP echo requests answered
 * @dhcp_in: datagrams handed to the DHCP server
 * @dhcp_out: DHCP replies sent
 * @dns_in: queries handed to the DNS responder
 * @dns_out: DNS replies sent (answers and relayed answers)
 * @dns_relayed: queries given to the relay callback
 * @dns_servfail: SERVFAILs sent for relayed queries given up (the relay
 *                could not take them, no resolver reached, no answer in
 *                time); in @dns_out too
 * @probes: ARP probes sent
 * @conflicts: probes something answered
 * @tcp_resets: RSTs sent for DNS over TCP (refused, unknown or given up
 *              connections)
 * @tcp_accepted: DNS over TCP connections opened (SYN answered)
 * @tcp_open: of them open now (a gauge)
 * @tcp_queries: queries that came over TCP (in @dns_in too)
 * @tcp_retransmits: segments sent again after a timeout
 * @tcp_closed: connections closed by FINs both ways
 * @tcp_idle_closed: connections the gateway closed for idleness
 * @tcp_peer_resets: connections the peer reset
 * @ns_in: neighbour solicitations for the gateway's IPv6 addresses
 * @na_out: neighbour advertisements sent
 * @dad_defended: of them, answers to a duplicate address detection probe
 *                for one of its addresses (to ff02::1)
 * @rs_in: router solicitations received
 * @ra_out: router advertisements sent (solicited or not)
 * @echo6_replies: ICMPv6 echo requests answered
 * @dns6_in: DNS queries that came over IPv6 (in @dns_in too)
 * @drops: by reason
 */
struct vgw_stats {
	uint64_t arp_replies, echo_replies;
	uint64_t dhcp_in, dhcp_out;
	uint64_t dns_in, dns_out, dns_relayed, dns_servfail;
	uint64_t probes, conflicts;
	uint64_t tcp_resets, tcp_accepted, tcp_open, tcp_queries;
	uint64_t tcp_retransmits, tcp_closed, tcp_idle_closed, tcp_peer_resets;
	uint64_t ns_in, na_out, dad_defended, rs_in, ra_out, echo6_replies;
	uint64_t dns6_in, dhcp6_in, dhcp6_out;
	uint64_t drops[VGW_DROP_MAX];
};

extern const struct vnic_ops vnic_gateway_ops;

int vnic_gateway_open(const struct vnic_params *params, struct vnic **out,
		      char *err, size_t errlen)
    __attribute__((warn_unused_result));
const char *vgw_drop_name(enum vgw_drop d);
const char *vgw_drop_desc(enum vgw_drop d);
int vnic_gateway_configure(struct vnic *v, const struct vgw_config *cfg)
    __attribute__((warn_unused_result));
void vnic_gateway_commit_done(struct vnic *v, uint64_t token, bool ok);
int vnic_gateway_send_udp(struct vnic *v, const uint8_t mac[6], uint32_t dst_ip,
			  uint16_t dst_port, uint16_t src_port,
			  const void *data, size_t len);
int vnic_gateway_send_tcp(struct vnic *v, uint32_t conn, const void *data,
			  size_t len);
struct dns_relay_client;
int vnic_gateway_relay_answer(struct vnic *v, const struct dns_relay_client *c,
			      const void *data, size_t len, bool servfail);
void vnic_gateway_stats(struct vnic *v, struct vgw_stats *st);
struct dhcps_stats;
void vnic_gateway_dhcp_stats(struct vnic *v, struct dhcps_stats *st);
struct dhcp6s_stats;
struct dhcp6s_binding;
void vnic_gateway_dhcp6_stats(struct vnic *v, struct dhcp6s_stats *st);
void vnic_gateway_dhcp6_walk(struct vnic *v,
			     void (*cb)(const struct dhcp6s_binding *b,
					void *arg),
			     void *arg);
void vnic_gateway_port_gone(struct vnic *v, uint16_t port);
uint32_t vnic_gateway_port_gen(struct vnic *v, uint16_t port);
void vnic_gateway_port_claim(struct vnic *v, uint16_t port, const uint32_t *ip,
			     size_t n);

/* ---- NAT: the gateway's leg on an external network (vnic_gateway_nat.c) */

struct nat_table;
struct nat_session_info;
struct nat_stats;
struct nat_config;

/* What the NAT path of the gateway drops, besides the engine's reasons. */
#define VGW_NAT_DROPS(X)                                                       \
	X(NO_ADDRESS, "no_address",                                            \
	  "no external address yet (the DHCP client is not bound)")            \
	X(NO_LEG, "no_leg", "the external leg is not attached")                \
	X(TOO_BIG, "too_big",                                                  \
	  "larger than the next network's MTU and DF clear (not fragmented)")  \
	X(ARP_FAILED, "arp_failed",                                            \
	  "waited for a next hop that did not answer ARP, whose entry "        \
	  "went (address change, eviction) or past its 4 s")                   \
	X(ARP_QUEUE_FULL, "arp_queue_full",                                    \
	  "too many packets waiting for ARP (4 per next hop, 32 in all)")      \
	X(QUEUE_FULL, "queue_full", "a leg's transmit queue was full")         \
	X(ICMP_RATE, "icmp_rate",                                              \
	  "ICMP error not sent: over the rate limit (200/s)")                  \
	X(BAD_FRAME, "bad_frame",                                              \
	  "frame for the external leg's MAC that is truncated, tagged or not " \
	  "IPv4 (what the switch floods to it is ignored, not counted)")       \
	X(BAD_LEASE, "bad_lease",                                              \
	  "DHCP offer or lease of an address that cannot be the external "     \
	  "one (0/8, 127/8, multicast, class E, broadcast, inside the "        \
	  "subnet): ignored or declined")                                      \
	X(DHCP_FOREIGN, "dhcp_foreign",                                        \
	  "DHCP ACK or NAK from another server than the one in use")           \
	X(BAD_OFFLOAD, "bad_offload",                                          \
	  "super-frame or partial checksum the NAT cannot carry (not TCPv4, "  \
	  "checksum not at the TCP/UDP field, fragment)")

enum vgw_nat_drop {
#define VGW_NAT_DROP_ENUM(id, name, desc) VGW_NAT_DROP_##id,
	VGW_NAT_DROPS(VGW_NAT_DROP_ENUM)
#undef VGW_NAT_DROP_ENUM
	    VGW_NAT_DROP_MAX,
};

/**
 * struct vgw_nat_lease - the external address, static or from DHCP
 * @ip: address, host order (0: none)
 * @prefix: its prefix length on the external network
 * @router: next hop for destinations outside @prefix (0: deliver on-link)
 * @server: the DHCP server that leased it (0: static)
 * @expires: end of the lease, wall-clock seconds (0: static)
 */
struct vgw_nat_lease {
	uint32_t ip;
	uint8_t prefix;
	uint32_t router;
	uint32_t server;
	int64_t expires;
};

/**
 * struct vgw_nat_config - the gateway's NAT and its external leg
 * @name: the leg's port name
 * @mac: the leg's MAC on the external network
 * @mtu: the external network's MTU
 * @table: the engine's table, attached by the caller; the gateway owns it
 *         from now on (nat_table_detach() at close)
 * @nat: the settings @table was attached with (copied: a new DHCP lease
 *       changes its address)
 * @addr: the external address now (static, or a lease kept across a
 *        restart; ip 0 while a DHCP client has none)
 * @router: a fixed next hop (--nat-gateway) overriding DHCP's router, or 0
 * @dhcp: obtain the address as a DHCP client on the leg
 * @lease_changed: a new lease was bound (datapath thread, lock held: must
 *                 not block nor call the gateway), or NULL
 * @arg: passed to @lease_changed
 */
struct vgw_nat_config {
	const char *name;
	uint8_t mac[6];
	unsigned mtu;
	struct nat_table *table;
	const struct nat_config *nat;
	struct vgw_nat_lease addr;
	uint32_t router;
	bool dhcp;
	void (*lease_changed)(void *arg);
	void *arg;
};

/**
 * struct vgw_nat_stats - the NAT path's counters and state
 * @to_outside: packets sent out the external leg
 * @to_inside: packets delivered into the private network (hairpins too)
 * @icmp_errors: time exceeded and fragmentation needed sent
 * @echo_replies: echo requests to the external address answered
 * @superframes: TCP super-frames translated whole (both ways)
 * @fragmented: packets without DF larger than the next link's MTU, sent
 *              on as IPv4 fragments (both ways)
 * @sf_whole: super-frames the switch handed the inside leg [0] and the
 *            external leg [1] whole
 * @sf_cut: super-frames the switch cut for them (an offload they lack)
 * @arp_requests: ARP requests sent (both legs)
 * @arp_replies: ARP requests for the external address answered
 * @dhcp_sent: DHCP client messages sent
 * @dhcp_acks: ACKs bound
 * @dhcp_naks: NAKs received
 * @lease: the external address now
 * @dhcp_state: the client's state ("static" without DHCP)
 * @drops: by reason
 */
struct vgw_nat_stats {
	uint64_t to_outside, to_inside, icmp_errors, echo_replies;
	uint64_t superframes, fragmented, sf_whole[2], sf_cut[2];
	uint64_t arp_requests, arp_replies;
	uint64_t dhcp_sent, dhcp_acks, dhcp_naks;
	struct vgw_nat_lease lease;
	const char *dhcp_state;
	uint64_t drops[VGW_NAT_DROP_MAX];
};

const char *vgw_nat_drop_name(enum vgw_nat_drop d);
int vnic_gateway_nat_open(struct vnic *gw, const struct vgw_nat_config *cfg,
			  struct vnic **leg, char *err, size_t errlen)
    __attribute__((warn_unused_result));
void vnic_gateway_nat_tick(struct vnic *gw);
void vnic_gateway_nat_stats(struct vnic *gw, struct vgw_nat_stats *st,
			    struct nat_stats *ns);
void vnic_gateway_nat_walk(struct vnic *gw, bool forwards,
			   void (*cb)(const struct nat_session_info *si,
				      void *arg),
			   void *arg);
unsigned vnic_gateway_nat_flush(struct vnic *gw);
int vnic_gateway_nat_forward(struct vnic *gw, bool add, uint8_t proto,
			     uint16_t ext_port, uint32_t int_ip,
			     uint16_t int_port, char *err, size_t errlen);

#endif
