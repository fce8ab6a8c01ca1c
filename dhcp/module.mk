# dhcp/: the gateway's DHCPv4 server and DNS (sources added as they land)
DHCP_SRCS +=
