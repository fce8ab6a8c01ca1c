# Options that would do nothing are refused with a sentence instead of
# being stored silently: --range, --lease or --dhcp-leases-per-port
# without --dhcp (--no-dhcp
# takes them away), --dhcp-trusted or --router-trusted on an uplink or a
# host port (only guest ports are guarded), a host port's address another
# host port of the network has.
. "$(dirname "$0")/lib.sh"
need_root
start_vnetd
refused "range is for DHCP" network create "n1$S" --type internal \
	--subnet 10.234.0.0/24 --range 10.234.0.10-10.234.0.20
vnetctl network create "n1$S" --type internal --subnet 10.234.0.0/24 \
	>/dev/null || fail create
refused "lease is for DHCP" network set "n1$S" --lease 2h
refused "dhcp-leases-per-port is for DHCP" network set "n1$S" \
	--dhcp-leases-per-port 5
vnetctl network set "n1$S" --dhcp --range 10.234.0.10-10.234.0.20 --lease 2h \
	--dhcp-leases-per-port 5 >/dev/null || fail "range with dhcp"
vnetctl network set "n1$S" --no-dhcp >/dev/null || fail "--no-dhcp"
[ "$(jget .range network show "n1$S")" = null ] || fail "range left without DHCP"
[ "$(jget .lease network show "n1$S")" = null ] || fail "lease left without DHCP"
[ "$(jget .dhcp_leases_per_port network show "n1$S")" = null ] ||
	fail "dhcp_leases_per_port left without DHCP"
log "--no-dhcp takes range, lease and share away"

vnetctl network create "x$S" --type external >/dev/null || fail "create ext"
veth "u$S" "up$S"
refused "guest ports" port add "x$S" --uplink "u$S" --dhcp-trusted
vnetctl port add "x$S" --uplink "u$S" >/dev/null || fail uplink
refused "guest ports" port set "u$S" --dhcp-trusted
refused "guest ports" port set "u$S" --router-trusted

vnetctl port add "n1$S" --host "h$S" --addr 10.234.0.1/24 >/dev/null || fail host
refused "guest ports" port set "h$S" --dhcp-trusted
refused "address 10.234.0.1 is already on host port 'h$S'" \
	port add "n1$S" --host "hh$S" --addr 10.234.0.1/24
vnetctl port add "n1$S" --host "hh$S" --addr 10.234.0.2/24 >/dev/null ||
	fail "second host port"
refused "already on host port 'h$S'" port set "hh$S" --addr 10.234.0.1/16
vnetctl port set "hh$S" --addr 10.234.0.2/24 --addr 10.234.0.3/24 >/dev/null ||
	fail "host port set"
pass
