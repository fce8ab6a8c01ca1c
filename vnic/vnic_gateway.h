/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vnic_gateway.h - the network's L3 endpoint as a port: ARP, ICMP echo,
 * DHCP (dhcp/dhcp.h's server) and DNS (its responder)
 *
 * A gateway port has no device.  Frames the switch transmits to it are
 * handled at once (ARP requests for its address, echo requests to it,
 * UDP to ports 67 and 53); what it has to say (replies, ARP probes, DNS
 * answers relayed back) waits in its queue and enters the switch on its next
 * rx_burst(): a gateway "receives" what it sends.  Its rx_fd() becomes
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
	X(BAD_ICMP, "bad_icmp", "ICMP message truncated")                      \
	X(DHCP, "dhcp",                                                        \
	  "DHCP message dropped by the server (see its counters)")             \
	X(DNS, "dns", "DNS query dropped by the responder (see its counters)") \
	X(NO_UPSTREAM, "no_upstream",                                          \
	  "DNS query for an outside name and no resolver to relay it to")      \
	X(OUT_FULL, "out_full", "the gateway's transmit queue was full")       \
	X(PENDING_FULL, "pending_full",                                        \
	  "too many replies waiting for a lease commit or an ARP probe")       \
	X(COMMIT_FAILED, "commit_failed",                                      \
	  "a lease commit failed: its reply was not sent")                     \
	X(TOO_BIG, "too_big", "reply larger than a gateway frame")

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
 * @ip: its address, host order
 * @port: its UDP port
 */
struct vgw_dns_query {
	const uint8_t *data;
	size_t len;
	uint8_t mac[6];
	uint32_t ip;
	uint16_t port;
};

/*
 * Callbacks run on a datapath thread with the gateway's lock held: they must
 * not block nor call the gateway (push the work to a ring).
 */
typedef void (*vgw_commit_cb)(void *arg, const struct dhcps_lease_rec *rec,
			      uint64_t token);
typedef void (*vgw_relay_cb)(void *arg, const struct vgw_dns_query *q);

/**
 * struct vgw_config - what a gateway serves
 * @ip: its address, host order
 * @prefix: its prefix length
 * @dhcp: DHCP server for UDP port 67, or NULL
 * @dns: names table for UDP port 53, or NULL
 * @commit: persist a lease, then call vnic_gateway_commit_done() with
 *          @token; NULL sends ACKs at once (no store)
 * @relay: take a query for the upstream resolvers (answer it later with
 *         vnic_gateway_send_udp()); NULL drops such queries
 * @arg: passed to @commit and @relay
 * @probe_ms: how long an ARP probe waits for an answer, 0 for 1000
 * @now: the DHCP server's clock, seconds; NULL for time(NULL)
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
	int64_t (*now)(void);
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
 * @probes: ARP probes sent
 * @conflicts: probes something answered
 * @drops: by reason
 */
struct vgw_stats {
	uint64_t arp_replies, echo_replies;
	uint64_t dhcp_in, dhcp_out;
	uint64_t dns_in, dns_out, dns_relayed;
	uint64_t probes, conflicts;
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
void vnic_gateway_stats(struct vnic *v, struct vgw_stats *st);
struct dhcps_stats;
void vnic_gateway_dhcp_stats(struct vnic *v, struct dhcps_stats *st);

#endif
