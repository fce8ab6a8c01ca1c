#!/bin/sh
# dhclient script for tests: apply the address, record the options (in
# /tmp/vnet-dhcp-env.IFACE: dhclient clears the environment).
case "$reason" in
BOUND | RENEW | REBIND | REBOOT)
	ip addr flush dev "$interface"
	ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
	ip link set "$interface" up
	[ -n "${new_interface_mtu:-}" ] && ip link set "$interface" mtu "$new_interface_mtu"
	echo "event=$reason ip=$new_ip_address router=${new_routers:-} dns=${new_domain_name_servers:-} domain=${new_domain_name:-} mtu=${new_interface_mtu:-} lease=${new_dhcp_lease_time:-}" >>"${DHCP_ENV:-/tmp/vnet-dhcp-env.$interface}"
	;;
RELEASE | EXPIRE | FAIL)
	echo "event=$reason" >>"${DHCP_ENV:-/tmp/vnet-dhcp-env.$interface}"
	ip addr flush dev "$interface"
	;;
esac
exit 0
