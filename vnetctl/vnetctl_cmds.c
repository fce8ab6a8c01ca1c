// SPDX-License-Identifier: GPL-2.0-or-later
/* vnetctl_cmds.c - the command table and the text printers of each object */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"
#include "vnetctl.h"
#include "vnetctl_team.h"

static const char *const a_name[] = {"name", NULL};
static const char *const a_net[] = {"network", NULL};
static const char *const a_net_opt[] = {"network?", NULL};
static const char *const a_file[] = {"file?", NULL};
static const char *const a_file_req[] = {"file", NULL};
static const char *const a_log[] = {"level", "module?", NULL};
static const char *const a_net_mac[] = {"network", "mac", NULL};
static const char *const a_net_mac_ip[] = {"network", "mac", "ip", NULL};
static const char *const a_nat_fwd[] = {"action", "network?", "proto?",
					"port?",  "target?",  NULL};

static const struct ctl_flag f_none[] = {{0}};

static const struct ctl_flag f_net_create[] = {
    {"type", "type", CTL_STR, NULL, "private, internal or external"},
    {"mtu", "mtu", CTL_UINT, NULL, "MTU, 68-9000 (1500)"},
    {"fdb-size", "fdb_size", CTL_UINT, NULL, "most MACs learned (4096)"},
    {"aging", "aging", CTL_STR, NULL,
     "MAC aging, 10s to 1d: seconds, or 90s, 15m, 1h (300)"},
    {"subnet", "subnet", CTL_STR, NULL,
     "IPv4 subnet, e.g. 192.168.50.0/24: the network gets a gateway"},
    {"gateway", "gateway", CTL_STR, NULL,
     "the gateway's address (the subnet's first)"},
    {"subnet6", "subnet6", CTL_STR, NULL,
     "IPv6 prefix, a /64, e.g. fd00:1:2:3::/64: the gateway advertises it "
     "(SLAAC), answers NDP, ping and DNS"},
    {"gateway6", "gateway6", CTL_STR, NULL,
     "the gateway's IPv6 address (the prefix's ::1)"},
    {"dhcp6", "dhcp6", CTL_STR, NULL,
     "serve DHCPv6 on the prefix: stateful (addresses) or stateless "
     "(settings; addresses by SLAAC)"},
    {"dhcp", "dhcp", CTL_BOOL, NULL, "serve DHCP on the subnet"},
    {"range", "range", CTL_STR, NULL,
     "addresses DHCP hands out, A-B (the rest of the subnet)"},
    {"dns-server", "dns_servers", CTL_LIST, NULL,
     "resolver outside names are relayed to (repeat; the host's)"},
    {"domain", "domain", CTL_STR, NULL, "DNS domain, e.g. lab.vnet"},
    {"lease", "lease", CTL_STR, NULL, "DHCP lease time, e.g. 1h (1h)"},
    {"dhcp-leases-per-port", "dhcp_leases_per_port", CTL_UINT, NULL,
     "addresses one guest port may hold, 0: no limit (a quarter of the "
     "range, at least 4)"},
    {"nat-via", "nat_via", CTL_STR, NULL,
     "NAT the subnet out through this external network"},
    {"nat-address", "nat_address", CTL_STR, NULL,
     "the external address, A/PREFIX or dhcp (dhcp)"},
    {"nat-gateway", "nat_gateway", CTL_STR, NULL,
     "router on the external network (DHCP's, or on-link)"},
    {"nat-sessions", "nat_sessions", CTL_UINT, NULL,
     "connection table size (65536)"},
    {"nat-sessions-per-ip", "nat_sessions_per_ip", CTL_UINT, NULL,
     "entries one inside address may hold, 0: no limit (a quarter)"},
    {"uplink-team", "uplink_team", CTL_STR, NULL,
     "external: a team of NICs is the uplink (team create)"},
    {"sriov-pool", "sriov_pool", CTL_STR, NULL,
     "VFs its sriov ports take: PF or PF:FIRST-LAST"},
    {"sriov-vlan", "sriov_vlan", CTL_UINT, NULL, "VLAN of the pool's VFs"},
    {0},
};

static const struct ctl_flag f_net_set[] = {
    {"mtu", "mtu", CTL_UINT, NULL, "MTU, 68-9000"},
    {"fdb-size", "fdb_size", CTL_UINT, NULL, "most MACs learned"},
    {"aging", "aging", CTL_STR, NULL, "MAC aging: seconds, or 90s, 15m, 1h"},
    {"subnet", "subnet", CTL_STR, NULL,
     "IPv4 subnet: the network gets a gateway"},
    {"no-subnet", "subnet", CTL_NULL, NULL,
     "no IPv4 subnet (no gateway unless subnet6 is set)"},
    {"gateway", "gateway", CTL_STR, NULL, "the gateway's address"},
    {"subnet6", "subnet6", CTL_STR, NULL,
     "IPv6 prefix, a /64: the gateway advertises it (SLAAC)"},
    {"no-subnet6", "subnet6", CTL_NULL, NULL,
     "no IPv6 prefix (no gateway unless subnet is set)"},
    {"gateway6", "gateway6", CTL_STR, NULL, "the gateway's IPv6 address"},
    {"no-gateway6", "gateway6", CTL_NULL, NULL, "gateway6: the prefix's ::1"},
    {"dhcp6", "dhcp6", CTL_STR, NULL,
     "serve DHCPv6: stateful (addresses) or stateless (settings)"},
    {"no-dhcp6", "dhcp6", CTL_NULL, NULL, "stop serving DHCPv6"},
    {"dhcp", "dhcp", CTL_BOOL, NULL, "serve DHCP on the subnet"},
    {"no-dhcp", "dhcp", CTL_NULL, NULL, "stop serving DHCP"},
    {"range", "range", CTL_STR, NULL, "addresses DHCP hands out, A-B"},
    {"dns-server", "dns_servers", CTL_LIST, NULL,
     "resolver outside names are relayed to (repeat)"},
    {"domain", "domain", CTL_STR, NULL, "DNS domain, e.g. lab.vnet"},
    {"lease", "lease", CTL_STR, NULL, "DHCP lease time, e.g. 1h"},
    {"no-gateway", "gateway", CTL_NULL, NULL, "gateway: the subnet's first"},
    {"no-range", "range", CTL_NULL, NULL, "DHCP hands out the whole subnet"},
    {"no-domain", "domain", CTL_NULL, NULL, "no DNS domain"},
    {"no-lease", "lease", CTL_NULL, NULL, "DHCP lease time back to 1h"},
    {"dhcp-leases-per-port", "dhcp_leases_per_port", CTL_UINT, NULL,
     "addresses one guest port may hold, 0: no limit"},
    {"no-dhcp-leases-per-port", "dhcp_leases_per_port", CTL_NULL, NULL,
     "back to a quarter of the range"},
    {"nat-via", "nat_via", CTL_STR, NULL,
     "NAT the subnet out through this external network"},
    {"no-nat", "nat_via", CTL_NULL, NULL, "stop translating"},
    {"nat-address", "nat_address", CTL_STR, NULL,
     "the external address, A/PREFIX or dhcp"},
    {"nat-gateway", "nat_gateway", CTL_STR, NULL,
     "router on the external network"},
    {"nat-sessions", "nat_sessions", CTL_UINT, NULL, "connection table size"},
    {"nat-sessions-per-ip", "nat_sessions_per_ip", CTL_UINT, NULL,
     "entries one inside address may hold, 0: no limit"},
    {"no-nat-sessions-per-ip", "nat_sessions_per_ip", CTL_NULL, NULL,
     "back to a quarter of the table"},
    {"sriov-pool", "sriov_pool", CTL_STR, NULL,
     "VFs its sriov ports take: PF or PF:FIRST-LAST"},
    {"no-sriov-pool", "sriov_pool", CTL_NULL, NULL, "no VF pool"},
    {"sriov-vlan", "sriov_vlan", CTL_UINT, NULL, "VLAN of the pool's VFs"},
    {"no-sriov-vlan", "sriov_vlan", CTL_NULL, NULL, "pool VFs untagged"},
    {0},
};

static const struct ctl_flag f_reserve[] = {
    {"hostname", "hostname", CTL_STR, NULL,
     "its name, sent by DHCP and answered by DNS"},
    {0},
};

static const struct ctl_flag f_force[] = {
    {"force", "force", CTL_BOOL, NULL, "also delete the network's ports"},
    {0},
};

static const struct ctl_flag f_port_add[] = {
    {"tap", "device", CTL_KIND, "tap", "a tap for a guest or namespace"},
    {"host", "device", CTL_KIND, "host", "the host's vNIC (a tap)"},
    {"uplink", "device", CTL_KIND, "uplink", "a physical NIC"},
    {"vhost-user", "path", CTL_KIND, "vhost-user",
     "a VMM's vNIC over this vhost-user socket"},
    {"sriov", "name", CTL_KIND, "sriov",
     "a VF of the network's SR-IOV pool for a VM (vfio-pci), named so"},
    {"veth", "device", CTL_KIND, "veth",
     "a veth pair, this end in --netns, with the kernel fast path"},
    {"client", "client", CTL_BOOL, NULL,
     "vhost-user: connect to the VMM's socket (reconnects)"},
    {"queues", "queues", CTL_UINT, NULL, "vhost-user queue pairs (1)"},
    {"name", "name", CTL_STR, NULL,
     "uplink or vhost-user port name (default: the NIC; the socket file "
     "without .sock); a tap, host or veth port is named after its device"},
    {"netns", "netns", CTL_STR, NULL,
     "create the tap (or put the veth's end) in this namespace"},
    {"addr", "addresses", CTL_LIST, NULL, "host vNIC address, CIDR (repeat)"},
    {"mac", "mac", CTL_STR, NULL,
     "MAC of the tap device or vhost-user port (vhost-user: vnetd derives "
     "one)"},
    {"backend", "backend", CTL_STR, NULL, "uplink: afpacket or pcap"},
    {"vlan", "vlan", CTL_UINT, NULL, "access VLAN"},
    {"trunk", "trunk", CTL_STR, NULL, "trunk VLANs, e.g. 10,20-30"},
    {"native", "native", CTL_UINT, NULL, "trunk's untagged VLAN"},
    {"mac-limit", "mac_limit", CTL_UINT, NULL,
     "most MACs learned on the port, 0 for no limit (1024)"},
    {"dhcp-trusted", "dhcp_trusted", CTL_BOOL, NULL,
     "let this guest port send DHCP server messages and relay DHCP"},
    {"router-trusted", "router_trusted", CTL_BOOL, NULL,
     "let this guest port send IPv6 router advertisements and redirects, "
     "and IPv4 ICMP redirects"},
    {"mac-guard", "mac_guard", CTL_BOOL, NULL,
     "tap or vhost-user guest port: drop what it sends from any MAC but "
     "--mac (source, ARP sender, neighbour discovery)"},
    {"ip-guard", "ip_guard", CTL_BOOL, NULL,
     "tap or vhost-user guest port: drop what it sends from addresses "
     "other than its MAC's DHCP leases and --allow-ip"},
    {"allow-ip", "allowed_ips", CTL_LIST, NULL,
     "a prefix an IP-guarded port may also send from, CIDR (repeat)"},
    {"coalesce-us", "coalesce_us", CTL_UINT, NULL,
     "vhost-user, tap or host port: look at it again this many us after "
     "frames instead of at each notification (0: at each)"},
    {0},
};

static const struct ctl_flag f_port_set[] = {
    {"vlan", "vlan", CTL_UINT, NULL, "make it an access port of this VLAN"},
    {"trunk", "trunk", CTL_STR, NULL, "make it a trunk of these VLANs"},
    {"native", "native", CTL_UINT, NULL, "trunk's untagged VLAN"},
    {"no-vlan", "vlan", CTL_NULL, NULL, "no VLAN setting (carry all tags)"},
    {"addr", "addresses", CTL_LIST, NULL,
     "host vNIC: its addresses are these (repeat)"},
    {"no-addr", "addresses", CTL_NULL, NULL, "host vNIC: no addresses"},
    {"dhcp-trusted", "dhcp_trusted", CTL_BOOL, NULL,
     "let this guest port send DHCP server messages and relay DHCP"},
    {"no-dhcp-trusted", "dhcp_trusted", CTL_NULL, NULL,
     "guard it again (the default for guest ports)"},
    {"mac-limit", "mac_limit", CTL_UINT, NULL,
     "most MACs learned on the port, 0 for no limit"},
    {"router-trusted", "router_trusted", CTL_BOOL, NULL,
     "let this guest port send IPv6 router advertisements and redirects, "
     "and IPv4 ICMP redirects"},
    {"no-router-trusted", "router_trusted", CTL_NULL, NULL,
     "router-guard it again (the default for guest ports)"},
    {"mac-guard", "mac_guard", CTL_BOOL, NULL,
     "drop what this guest port sends from any MAC but its own"},
    {"no-mac-guard", "mac_guard", CTL_NULL, NULL,
     "let it send from any MAC again (the default)"},
    {"ip-guard", "ip_guard", CTL_BOOL, NULL,
     "drop what this guest port sends from addresses not its own"},
    {"no-ip-guard", "ip_guard", CTL_NULL, NULL,
     "let it send from any address again (the default)"},
    {"allow-ip", "allowed_ips", CTL_LIST, NULL,
     "its extra allowed prefixes become these, CIDR (repeat)"},
    {"no-allow-ip", "allowed_ips", CTL_NULL, NULL, "no extra prefixes"},
    {"coalesce-us", "coalesce_us", CTL_UINT, NULL,
     "look at it again this many us after frames instead of at each "
     "notification (0: at each, the default)"},
    {0},
};

static void print_leases(json_t *res)
{
	static const struct ctl_col cols[] = {
	    {"NETWORK", "network", 15}, {"IP", "ip", 15},
	    {"MAC", "mac", 17},		{"HOSTNAME", "hostname", 16},
	    {"STATE", "state", 8},	{"EXPIRES_IN", "expires_in", 10},
	};

	ctl_table(res, cols, ARRAY_SIZE(cols));
}

static void print_reservations(json_t *res)
{
	static const struct ctl_col cols[] = {
	    {"NETWORK", "network", 15},
	    {"MAC", "mac", 17},
	    {"IP", "ip", 15},
	    {"HOSTNAME", "hostname", 16},
	};

	ctl_table(res, cols, ARRAY_SIZE(cols));
}

static void print_released(json_t *res)
{
	printf("released %lld lease(s)\n",
	       (long long)json_integer_value(json_object_get(res, "released")));
}

static void print_reserved(json_t *res)
{
	printf("reserved %s for %s on %s\n",
	       json_string_value(json_object_get(res, "ip")),
	       json_string_value(json_object_get(res, "mac")),
	       json_string_value(json_object_get(res, "network")));
}

static const struct ctl_flag f_stats[] = {
    {"network", "network", CTL_STR, NULL, "only this network's ports"},
    {"port", "port", CTL_STR, NULL, "only this port"},
    {0},
};

static const struct ctl_flag f_import[] = {
    {"replace", "replace", CTL_BOOL, NULL,
     "also delete what FILE does not describe (identical objects stay)"},
    {0},
};

static void print_net_list(json_t *res)
{
	static const struct ctl_col cols[] = {
	    {"NAME", "name", 15},	{"TYPE", "type", 9},
	    {"MTU", "mtu", 5},		{"PORTS", "ports", 5},
	    {"MACS", "fdb_entries", 5},
	};

	ctl_table(res, cols, ARRAY_SIZE(cols));
}

static void print_port_list(json_t *res)
{
	static const struct ctl_col cols[] = {
	    {"NAME", "name", 15},     {"NETWORK", "network", 15},
	    {"KIND", "kind", 10},     {"BACKEND", "backend", 9},
	    {"DEVICE", "device", 15}, {"STATE", "state", 6},
	    {"VLAN", "vlan", 5},      {"TRUNK", "trunk", 10},
	};

	ctl_table(res, cols, ARRAY_SIZE(cols));
}

/* The part of a veth port's counters the kernel fast path moved. */
static void print_fast(json_t *f)
{
	printf(
	    "fast path    rx %lld packets, %lld bytes; tx %lld packets, "
	    "%lld bytes; %lld super-frames\n",
	    (long long)json_integer_value(json_object_get(f, "rx_packets")),
	    (long long)json_integer_value(json_object_get(f, "rx_bytes")),
	    (long long)json_integer_value(json_object_get(f, "tx_packets")),
	    (long long)json_integer_value(json_object_get(f, "tx_bytes")),
	    (long long)json_integer_value(json_object_get(f, "superframes")));
}

static void print_counters(json_t *c)
{
	json_t *drops = json_object_get(c, "drops"), *v;
	const char *key;
	bool any = false;

	printf("rx           %lld packets, %lld bytes\n",
	       (long long)json_integer_value(json_object_get(c, "rx_packets")),
	       (long long)json_integer_value(json_object_get(c, "rx_bytes")));
	printf("tx           %lld packets, %lld bytes\n",
	       (long long)json_integer_value(json_object_get(c, "tx_packets")),
	       (long long)json_integer_value(json_object_get(c, "tx_bytes")));
	printf("drops       ");
	json_object_foreach(drops, key, v)
	{
		if (!json_integer_value(v))
			continue;
		printf(" %s=%lld", key, (long long)json_integer_value(v));
		any = true;
	}
	printf("%s\n", any ? "" : " none");
	if (json_object_get(c, "fast_path"))
		print_fast(json_object_get(c, "fast_path"));
}

static long long jint(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static void print_net_show(json_t *res)
{
	static const char *const keys[] = {"name",
					   "type",
					   "mtu",
					   "fdb_size",
					   "aging",
					   "fdb_entries",
					   "subnet",
					   "gateway_ip",
					   "gateway_mac",
					   "subnet6",
					   "gateway6_ip",
					   "gateway6_link_local",
					   "dhcp",
					   "dhcp_range",
					   "lease_time",
					   "domain",
					   "dns_servers",
					   "nat_via",
					   "nat_address",
					   "nat_gateway",
					   "nat_mac",
					   "nat_sessions",
					   "nat_sessions_per_ip",
					   "dhcp_leases_per_port",
					   NULL};
	/* only when a service could not start: why */
	static const char *const err_keys[] = {
	    "gateway_error", "gateway_retry_in_ms", "nat_error", NULL};
	json_t *c = json_object_get(res, "counters");

	ctl_kv(res, keys);
	ctl_kv(res, err_keys);
	printf("frames       %lld unicast, %lld flooded; MACs %lld learned, "
	       "%lld moved, %lld not learned (table full)\n",
	       (long long)json_integer_value(json_object_get(c, "unicast")),
	       (long long)json_integer_value(json_object_get(c, "flooded")),
	       (long long)json_integer_value(json_object_get(c, "learned")),
	       (long long)json_integer_value(json_object_get(c, "moved")),
	       (long long)json_integer_value(json_object_get(c, "fdb_full")));
	if ((c = json_object_get(res, "gateway_counters")))
		printf("gateway      %lld ARP and %lld echo replies; DHCP %lld "
		       "offers, %lld ACKs, %lld NAKs, %lld leases committed in "
		       "%lld transactions; DNS %lld answers, %lld relayed, "
		       "%lld SERVFAIL\n",
		       (long long)json_integer_value(
			   json_object_get(c, "arp_replies")),
		       (long long)json_integer_value(
			   json_object_get(c, "echo_replies")),
		       (long long)json_integer_value(json_object_get(
			   json_object_get(c, "dhcp"), "offers")),
		       (long long)json_integer_value(
			   json_object_get(json_object_get(c, "dhcp"), "acks")),
		       (long long)json_integer_value(
			   json_object_get(json_object_get(c, "dhcp"), "naks")),
		       (long long)json_integer_value(
			   json_object_get(c, "leases_committed")),
		       (long long)json_integer_value(
			   json_object_get(c, "commit_transactions")),
		       (long long)json_integer_value(
			   json_object_get(c, "dns_out")),
		       (long long)json_integer_value(
			   json_object_get(c, "dns_relayed")),
		       (long long)json_integer_value(
			   json_object_get(c, "dns_servfail")));
	if (c && json_object_get(c, "ipv6")) {
		json_t *v6 = json_object_get(c, "ipv6");

		printf("gateway ipv6 %lld NS answered (%lld DAD defended), "
		       "%lld RS, %lld RAs sent, %lld echo replies, %lld DNS "
		       "queries\n",
		       jint(v6, "ns_in"), jint(v6, "dad_defended"),
		       jint(v6, "rs_in"), jint(v6, "ra_out"),
		       jint(v6, "echo6_replies"), jint(v6, "dns6_in"));
	}
	if ((c = json_object_get(res, "router_advertisements")))
		printf("ipv6 RAs     every %lld-%lld s, router lifetime 0 (no "
		       "IPv6 routing), prefix valid %lld s, preferred %lld s, "
		       "RDNSS%s\n",
		       jint(c, "interval_min_s"), jint(c, "interval_max_s"),
		       jint(c, "prefix_valid_s"), jint(c, "prefix_preferred_s"),
		       json_is_true(json_object_get(c, "dnssl")) ? ", DNSSL"
								 : "");
	c = json_object_get(res, "gateway_counters");
	if (c && (c = json_object_get(c, "dns_tcp")))
		printf(
		    "dns tcp      %lld connections (%lld open), %lld queries, "
		    "%lld retransmits, %lld resets\n",
		    (long long)json_integer_value(
			json_object_get(c, "accepted")),
		    (long long)json_integer_value(json_object_get(c, "open")),
		    (long long)json_integer_value(
			json_object_get(c, "queries")),
		    (long long)json_integer_value(
			json_object_get(c, "retransmits")),
		    (long long)json_integer_value(
			json_object_get(c, "resets")));
	if ((c = json_object_get(res, "nat"))) {
		char a[64];

		printf("nat          address %s (%s), %lld sessions of %lld; "
		       "%lld out, %lld in, %lld hairpin\n",
		       ctl_fmt(json_object_get(c, "address"), a, sizeof(a)),
		       json_string_value(json_object_get(c, "dhcp_state")),
		       (long long)json_integer_value(
			   json_object_get(c, "sessions")),
		       (long long)json_integer_value(
			   json_object_get(c, "capacity")),
		       (long long)json_integer_value(
			   json_object_get(c, "translated_out")),
		       (long long)json_integer_value(
			   json_object_get(c, "translated_in")),
		       (long long)json_integer_value(
			   json_object_get(c, "hairpin")));
	}
	printf("\n");
	print_port_list(json_object_get(res, "port_list"));
}

static void print_port_show(json_t *res)
{
	static const char *const keys[] = {
	    "name",	    "network",	       "kind",	      "backend",
	    "device",	    "netns",	       "socket",      "mode",
	    "connected",    "features",	       "queue_pairs", "last_error",
	    "state",	    "error",	       "mac",	      "addresses",
	    "vlan",	    "trunk",	       "native",      "mac_limit",
	    "macs_learned", "dhcp_trusted",    "sriov",	      "host_device",
	    "fast_path",    "fast_path_error", NULL};
	/* kept apart so the table above keeps its columns */
	static const char *const trust_keys[] = {
	    "router_trusted", "coalesce_us", "switch_port", NULL};
	static const struct ctl_col qcols[] = {
	    {"QUEUE", "index", 5},	{"DIRECTION", "direction", 10},
	    {"SIZE", "size", 5},	{"READY", "ready", 5},
	    {"AVAIL", "last_avail", 6}, {"USED", "last_used", 6},
	    {"PACKETS", "packets", 10}, {"BYTES", "bytes", 12},
	    {"DROPS", "drops", 8},
	};

	ctl_kv(res, keys);
	ctl_kv(res, trust_keys);
	if (json_object_get(res, "queues"))
		ctl_table(json_object_get(res, "queues"), qcols,
			  ARRAY_SIZE(qcols));
	if (json_object_get(res, "counters"))
		print_counters(json_object_get(res, "counters"));
}

static void print_mac(json_t *res)
{
	static const struct ctl_col cols[] = {
	    {"MAC", "mac", 17},
	    {"VLAN", "vlan", 4},
	    {"PORT", "port", 15},
	    {"AGE", "age", 5},
	};

	ctl_table(res, cols, ARRAY_SIZE(cols));
}

static void print_stats(json_t *res)
{
	size_t i;
	json_t *row;

	printf("%-15s %-15s %12s %14s %12s %14s  %s\n", "PORT", "NETWORK",
	       "RX_PKTS", "RX_BYTES", "TX_PKTS", "TX_BYTES", "DROPS");
	json_array_foreach(res, i, row)
	{
		json_t *drops = json_object_get(row, "drops"), *v;
		const char *key;
		bool any = false;

		printf("%-15s %-15s %12lld %14lld %12lld %14lld ",
		       json_string_value(json_object_get(row, "port")),
		       json_string_value(json_object_get(row, "network")),
		       (long long)json_integer_value(
			   json_object_get(row, "rx_packets")),
		       (long long)json_integer_value(
			   json_object_get(row, "rx_bytes")),
		       (long long)json_integer_value(
			   json_object_get(row, "tx_packets")),
		       (long long)json_integer_value(
			   json_object_get(row, "tx_bytes")));
		json_object_foreach(drops, key, v)
		{
			if (!json_integer_value(v))
				continue;
			printf(" %s=%lld", key,
			       (long long)json_integer_value(v));
			any = true;
		}
		printf("%s\n", any ? "" : " -");
	}
}

static void print_done(json_t *res)
{
	json_t *v = json_object_get(res, "deleted");

	if (v)
		printf("deleted %s\n", json_string_value(v));
	else
		printf("ok\n");
}

static void print_created(json_t *res)
{
	printf("%s %s created\n",
	       json_object_get(res, "kind") ? "port" : "network",
	       json_string_value(json_object_get(res, "name")));
}

static void print_kv_all(json_t *res)
{
	const char *key;
	json_t *v;

	json_object_foreach(res, key, v)
	{
		char buf[256];

		printf("%-12s %s\n", key, ctl_fmt(v, buf, sizeof(buf)));
	}
}

static void print_import(json_t *res)
{
	printf("imported: %lld network(s), %lld port(s) created, %lld "
	       "object(s) removed\n",
	       (long long)json_integer_value(
		   json_object_get(res, "networks_created")),
	       (long long)json_integer_value(
		   json_object_get(res, "ports_created")),
	       (long long)json_integer_value(json_object_get(res, "deleted")));
}

static void print_changed(json_t *res)
{
	printf("%s %s changed\n",
	       json_object_get(res, "kind") ? "port" : "network",
	       json_string_value(json_object_get(res, "name")));
}

/* "config export [FILE]": write the configuration to FILE or stdout. */
static int finish_export(json_t *res, json_t *params)
{
	const char *file = json_string_value(json_object_get(params, "file"));

	if (!file) {
		json_dumpf(res, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		printf("\n");
		return 0;
	}
	if (json_dump_file(res, file, JSON_INDENT(2) | JSON_SORT_KEYS)) {
		fprintf(stderr, "vnetctl: cannot write %s\n", file);
		return 1;
	}
	if (!ctl_json)
		printf("configuration written to %s\n", file);
	return 0;
}

/* "config import FILE": send the file's content as the "config" param. */
static int prepare_import(json_t *params)
{
	const char *file = json_string_value(json_object_get(params, "file"));
	json_error_t err;
	json_t *cfg;

	cfg = !strcmp(file, "-") ? json_loadf(stdin, 0, &err)
				 : json_load_file(file, 0, &err);
	if (!cfg && err.line < 1) {
		/* Not opened or empty: there is no line to point at. */
		fprintf(stderr, "vnetctl: %s: %s\n", file, err.text);
		return 2;
	}
	if (!cfg) {
		fprintf(stderr, "vnetctl: %s: line %d: %s\n", file, err.line,
			err.text);
		return 2;
	}
	json_object_del(params, "file");
	json_object_set_new(params, "config", cfg);
	return 0;
}

/* "stats" prints one table; with no port the daemon returns all ports. */
const struct ctl_cmd ctl_cmds[] = {
    {"network", "create", "network.create", a_name, f_net_create,
     "create a network", print_created, NULL, NULL},
    {"network", "delete", "network.delete", a_name, f_force,
     "delete a network (--force: with its ports)", print_done, NULL, NULL},
    {"network", "set", "network.set", a_name, f_net_set,
     "change a network while it forwards", print_changed, NULL, NULL},
    {"network", "list", "network.list", NULL, f_none, "list networks",
     print_net_list, NULL, NULL},
    {"network", "show", "network.show", a_name, f_none,
     "a network, its ports and counters", print_net_show, NULL, NULL},
    {"port", "add", "port.add", a_net, f_port_add,
     "add a port: --tap DEV, --host DEV, --uplink DEV, --vhost-user "
     "PATH, --veth NAME --netns NS or --sriov NAME",
     print_created, NULL, NULL},
    {"port", "del", "port.del", a_name, f_none, "delete a port", print_done,
     NULL, NULL},
    {"port", "set", "port.set", a_name, f_port_set,
     "change a port while it forwards", print_changed, NULL, NULL},
    {"port", "list", "port.list", a_net_opt, f_none,
     "list ports (of one network)", print_port_list, NULL, NULL},
    {"port", "show", "port.show", a_name, f_none,
     "a port, its state and counters", print_port_show, NULL, NULL},
    {"mac", "show", "mac.show", a_net, f_none, "a network's MAC table",
     print_mac, NULL, NULL},
    {"dhcp", "leases", "dhcp.leases", a_net_opt, f_none,
     "DHCP leases (of one network), durable ones", print_leases, NULL, NULL},
    {"dhcp", "release", "dhcp.release", a_net_mac, f_none,
     "take a client's lease back", print_released, NULL, NULL},
    {"dhcp", "reserve", "dhcp.reserve", a_net_mac_ip, f_reserve,
     "a fixed address (and name) for one MAC", print_reserved, NULL, NULL},
    {"dhcp", "unreserve", "dhcp.unreserve", a_net_mac, f_none,
     "remove a reservation", print_done, NULL, NULL},
    {"dhcp", "reservations", "dhcp.reservations", a_net_opt, f_none,
     "reservations (of one network)", print_reservations, NULL, NULL},
    {"stats", "", "stats", NULL, f_stats,
     "per-port counters with drops by reason", print_stats, NULL, NULL},
    {"config", "export", "config.export", a_file, f_none,
     "write the configuration as JSON (to FILE or stdout)", NULL, NULL,
     finish_export},
    {"config", "import", "config.import", a_file_req, f_import,
     "create what a JSON export (FILE, or - for stdin) describes", print_import,
     prepare_import, NULL},
    {"log", "set", "log.set", a_log, f_none,
     "set the log level (of one module)", print_kv_all, NULL, NULL},
    {"log", "show", "log.get", NULL, f_none, "log levels per module",
     print_kv_all, NULL, NULL},
    {"status", "", "daemon.status", NULL, f_none, "vnetd's status",
     print_kv_all, NULL, NULL},
    {"nat", "forward", "nat.forward", a_nat_fwd, f_none,
     "add NET tcp|udp PORT IP:PORT, del NET tcp|udp PORT, list [NET]", NULL,
     ctl_nat_forward_prepare, ctl_nat_forward_finish},
    {"nat", "sessions", "nat.sessions", a_net_opt, f_none,
     "live translations and NAT counters (of one network)",
     ctl_nat_sessions_print, NULL, NULL},
    {"nat", "flush", "nat.flush", a_net_opt, f_none,
     "forget sessions and dynamic mappings (forwards stay)",
     ctl_nat_flush_print, NULL, NULL},
    CTL_TEAM_CMDS,
    {"sriov", "list", "sriov.list", NULL, f_none,
     "SR-IOV physical functions and their VFs", ctl_sriov_print_list, NULL,
     NULL},
    {"sriov", "set-numvfs", "sriov.numvfs", ctl_a_sriov_numvfs, f_none,
     "give a PF N VFs (kept across restarts)", ctl_sriov_print_pf,
     ctl_sriov_prepare_numvfs, NULL},
    {"sriov", "vf", "sriov.vf", ctl_a_sriov_vf, ctl_f_sriov_vf,
     "set a VF's MAC, VLAN, spoof checking, trust, rate, link state (all "
     "or none; kept)",
     ctl_sriov_print_vf, ctl_sriov_prepare_vf, NULL},
    {"sriov", "vf-reset", "sriov.vf_reset", ctl_a_sriov_vf, f_none,
     "forget a VF's stored settings and put it back to the defaults",
     print_done, ctl_sriov_prepare_vf, NULL},
};

const unsigned ctl_n_cmds = ARRAY_SIZE(ctl_cmds);
