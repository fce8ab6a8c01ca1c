#!/bin/sh
# udhcpc script for tests: configure the interface, record what the server
# sent in $DHCP_ENV (one line per event).
case "$1" in
deconfig)
	ip addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "${mtu:-}" ] && ip link set "$interface" mtu "$mtu"
	[ -n "${router:-}" ] && ip route replace default via "${router%% *}" dev "$interface"
	echo "event=$1 ip=$ip mask=$mask router=${router:-} dns=${dns:-} domain=${domain:-} mtu=${mtu:-} lease=${lease:-} hostname=${hostname:-} serverid=${serverid:-}" >>"${DHCP_ENV:-/tmp/vnet-dhcp-env.$interface}"
	;;
esac
exit 0
