#!/bin/sh
# dhcpcd script for tests: dhcpcd applies the address itself; record the
# options it was given (dhclient and dhcpcd clear the environment: the
# record goes to /tmp/vnet-dhcp-env.IFACE).
case "$reason" in
BOUND | RENEW | REBIND | REBOOT | RELEASE | EXPIRE | STOPPED)
	echo "event=$reason ip=${new_ip_address:-} router=${new_routers:-} dns=${new_domain_name_servers:-} domain=${new_domain_name:-} mtu=${new_interface_mtu:-} lease=${new_dhcp_lease_time:-}" >>"${DHCP_ENV:-/tmp/vnet-dhcp-env.$interface}"
	;;
esac
exit 0
