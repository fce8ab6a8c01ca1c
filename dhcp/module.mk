# dhcp/: the gateway's DHCPv4 server and DNS (sources added as they land)
DHCP_SRCS += dhcp/dhcp_msg.c dhcp/dhcp_server.c dhcp/dhcp_config.c dhcp/dhcp_dns.c \
	dhcp/dhcp_dns_relay.c dhcp/dhcp6.c dhcp/dhcp6_msg.c
